"""A kader's posyandu day on a slow phone: what she sees stays about the child on screen."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, offline_phone, offline_with_new_child, open_child, wait_synced

pytestmark = pytest.mark.e2e

# The phone's network holds every invitation asked for until the test lets it through (a slow 2G link).
HOLD_INVITATIONS = """
(() => {
  const send = window.fetch.bind(window);
  window.__released = 0;
  window.fetch = (url, init = {}) => (String(url).endsWith('/invitations') && init.method === 'POST'
    ? new Promise((go) => { window.__release = go; }).then(() => { window.__released += 1; return send(url, init); })
    : send(url, init));
})();
"""


def test_an_invitation_code_that_arrives_late_is_not_shown_under_another_child(live_server, new_context):
    ctx = new_context()
    ctx.add_init_script(HOLD_INVITATIONS)
    page = ctx.new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    first, second = live_server.api("GET", "/children?limit=2", "kader1").get_json()["items"]

    open_child(page, first["name"])
    page.get_by_role("button", name="Undang orang tua").click()
    page.wait_for_function("() => typeof window.__release === 'function'")
    # while the code is on its way she goes on to the next child
    open_child(page, second["name"])
    page.evaluate("() => window.__release()")
    page.wait_for_function("() => window.__released === 1")
    page.wait_for_timeout(1000)  # the answer arrives and is handled
    expect(page.locator("#invite")).not_to_contain_text("Kode untuk orang tua")

    # the code is the first child's: shown on her screen
    open_child(page, first["name"])
    expect(page.locator("#invite")).to_contain_text("Kode untuk orang tua")


def test_the_birth_weight_is_shown_with_a_decimal_comma_when_the_child_is_edited(live_server, new_context):
    ctx, page, child_id = offline_with_new_child(new_context, live_server.url, "kader2", "Bayi Koma", days_old=3,
                                                 **{"Berat lahir (kg)": "3,25"})
    page.get_by_role("link", name="Ubah data anak").click()
    page.get_by_role("heading", name="Ubah data anak").wait_for()
    expect(page.get_by_label("Berat lahir (kg)")).to_have_value("3,25")
    page.get_by_role("button", name="Simpan").click()  # saved again unchanged: still 3.25 kg
    page.get_by_role("heading", name="Bayi Koma", exact=True).wait_for()
    ctx.set_offline(False)
    wait_synced(page)
    assert live_server.api("GET", f"/children/{child_id}", "kader2").get_json()["birth_weight_kg"] == 3.25


def test_a_sync_that_failed_is_not_shown_as_synced(live_server, new_context):
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    # the server is in trouble: every pull answers 503 (nothing waits to be sent)
    page.route("**/api/v1/sync/pull*", lambda route: route.fulfill(
        status=503, content_type="application/problem+json",
        body='{"type": "about:blank", "title": "Service Unavailable", "status": 503}'))
    page.goto(page.url.split("#")[0] + "#/sync")
    page.locator("#sync-now").click()
    expect(page.locator("#sync-error")).to_contain_text("Sinkron gagal")
    expect(page.locator("#sync-chip")).to_have_text("Sinkron gagal")
    expect(page.locator("#sync-chip")).to_have_class("chip chip-bad")


def test_a_value_to_measure_again_is_corrected_from_its_result(live_server, new_context):
    # a weight typed without its comma (29 for 2,9) is flagged: she corrects it from the result screen
    ctx, page, child_id = offline_with_new_child(new_context, live_server.url, "kader4", "Ulang Timbang", days_old=400)
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("29")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#warnings")).to_contain_text("Nilai tidak masuk akal")
    # the correction is the next step: first and primary, the doses due after it (the QA pass read the green
    # "Catat imunisasi" as what to do next)
    actions = page.locator("#visit-result .actions a")
    expect(actions.first).to_have_text("Ubah penimbangan")
    expect(actions.first).to_have_class("btn primary")
    expect(actions.nth(1)).to_have_text("Catat imunisasi/\u200bvitamin diberikan")
    expect(actions.nth(1)).to_have_class("btn")
    page.get_by_role("link", name="Ubah penimbangan").click()
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("29")
    page.get_by_label("Berat badan (kg)").fill("9,2")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).not_to_contain_text("Nilai tidak masuk akal")
    expect(actions.first).to_have_class("btn primary")
    expect(actions.first).to_have_text("Catat imunisasi/\u200bvitamin diberikan")
    open_child(page, "Ulang Timbang")
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(page.locator("#history tbody tr")).to_contain_text("9,2")


def test_a_posyandu_day_other_than_today_is_not_called_today(live_server, new_context):
    # she sets the day to last week's posyandu to enter its records: nothing says "hari ini"
    ctx, page = offline_phone(new_context, live_server.url, "kader5")
    day = date.today() - timedelta(days=7)
    page.locator("#day-date").fill(day.isoformat())
    page.locator("#day-date").dispatch_event("change")
    expect(page.locator("#due-summary")).not_to_contain_text("hari ini")
    page.locator("#children a").first.click()
    expect(page.locator("#due h3")).to_have_text(re.compile(rf"^Jadwal {day.day} \w+ {day.year}$"))


def test_a_save_that_goes_back_to_the_child_says_so_on_the_screen(live_server, new_context):
    # not only to a screen reader: the form is gone, and she must see that it was kept
    ctx, page, child_id = offline_with_new_child(new_context, live_server.url, "kader6", "Simpan Terlihat", days_old=400)
    expect(page.locator("main").get_by_text("Tersimpan di HP; akan dikirim saat ada sinyal.")).to_be_visible()
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.locator("#doses-form input[name=dose]").first.check()
    page.get_by_label("Disalin dari Buku KIA / catatan lain").check()
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Simpan Terlihat", exact=True).wait_for()
    expect(page.locator("main").get_by_text("1 pemberian tersimpan.")).to_be_visible()
    open_child(page, "Simpan Terlihat")  # said once, not on the next visit
    expect(page.locator("main")).not_to_contain_text("tersimpan")


def test_the_search_for_a_child_is_on_the_first_screen_of_the_day(live_server, new_context):
    # she comes back to it for each child: not two screens down, below the list of what to bring
    ctx = new_context()
    page = ctx.new_page()
    page.set_viewport_size({"width": 360, "height": 640})
    login(page, live_server.url, "kader1")
    wait_synced(page)
    assert page.get_by_label("Cari nama anak").bounding_box()["y"] < 640
    page.get_by_role("heading", name="Sasaran hari ini").click()  # the list of what to bring opens with a tap
    expect(page.locator("#bring")).to_be_visible()
    page.locator("#children a").first.click()
    page.get_by_role("link", name="Beranda").click()
    expect(page.locator("#bring")).to_be_visible()  # and stays open for the day


def test_the_next_childs_name_replaces_the_last_one_in_the_search(live_server, new_context):
    page = new_context(has_touch=True).new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    first, second = [a.inner_text().split("\n")[0] for a in page.locator("#children a").all()[:2]]
    open_child(page, first)
    page.get_by_role("link", name="Beranda").click()
    search = page.get_by_label("Cari nama anak")
    expect(search).to_have_value(first)  # kept: back to the list she came from
    search.tap()  # the next child: her name typed over the last one, not after it
    page.keyboard.type(second)
    expect(search).to_have_value(second)
    expect(page.locator("#children a").first).to_contain_text(second)


def test_the_phone_keyboard_capitalises_each_word_of_a_name(live_server, new_context):
    # 'Siti Aminah', not 'Siti aminah' as a keyboard's sentence case types it: the same child spelt one way
    ctx, page = offline_phone(new_context, live_server.url, "kader6")
    page.goto(live_server.url + "/#/register")
    for label in ("Nama anak", "Nama ibu", "Nama ayah"):
        expect(page.get_by_label(label)).to_have_attribute("autocapitalize", "words")
