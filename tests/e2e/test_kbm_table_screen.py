"""The admin's "Tabel KBM" screen, in real Chromium against the real server: from Settings she
opens the table in force, a wrong month is refused on its field before anything is sent, and with
its source and a second tap she publishes a new table; the server judges N/T by it (its table in
force, and a weighing's N/T), and the screen says every child's N/T is judged again. Not a bidan's
(sent back to Settings), and offline it says it needs the internet."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, until_held, wait_synced

pytestmark = pytest.mark.e2e


@pytest.fixture
def table_restored(live_server):
    """The table in force before the test published again after it (the other tests judge by it)."""
    current = live_server.api("GET", "/growth/kbm", "admin").get_json()
    yield current
    if live_server.api("GET", "/growth/kbm", "admin").get_json()["grams_by_month"] != current["grams_by_month"]:
        back = live_server.api("POST", "/growth/kbm", "admin",
                               json={"grams_by_month": current["grams_by_month"], "source": "e2e: the table before"})
        assert back.status_code == 201, back.get_json()


def test_an_admin_publishes_a_kbm_table_and_n_t_follow(live_server, new_context, table_restored):
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    wait_synced(page)
    page.goto(live_server.url + "/#/settings")
    page.locator("#kbm-link").click()
    expect(page.get_by_role("heading", name="Tabel KBM")).to_be_visible()
    expect(page.locator("#kbm-in-force")).to_contain_text("Berlaku")
    six = page.get_by_label("6 bulan (gram)", exact=True)
    expect(six).to_have_value(str(table_restored["grams_by_month"]["6"]))

    six.fill("2500")  # too much: refused on its field, nothing sent
    page.get_by_label("Sumber tabel").fill("e2e: Surat Dinkes 12/2026")
    page.get_by_role("button", name="Terbitkan tabel").click()
    page.get_by_role("button", name="Ya, terbitkan dan nilai ulang N/T semua anak").click()
    expect(page.locator("#kbm-form .error").filter(has_text="1-2000 gram")).to_have_count(1)
    assert live_server.api("GET", "/growth/kbm", "admin").get_json()["version"] == table_restored["version"]

    six.fill("650")
    page.get_by_role("button", name="Ya, terbitkan dan nilai ulang N/T semua anak").click()
    expect(page.locator("#kbm-note")).to_contain_text(f"Tabel versi {table_restored['version'] + 1} terbit")
    expect(page.locator("#kbm-pending")).to_contain_text("N/T semua anak sudah dinilai dengan tabel ini")
    # the question closed: a tap more published the same table again, a version changing nothing
    expect(page.get_by_role("button", name="Ya, terbitkan dan nilai ulang N/T semua anak")).to_have_count(0)
    expect(page.get_by_label("Sumber tabel")).to_have_value("")
    page.get_by_role("button", name="Terbitkan tabel").click()  # the same values, asked again, are refused by the server
    page.get_by_label("Sumber tabel").fill("e2e: lagi")
    page.get_by_role("button", name="Ya, terbitkan dan nilai ulang N/T semua anak").click()
    expect(page.locator("#kbm-form")).to_contain_text(f"sama dengan tabel versi {table_restored['version'] + 1} yang berlaku")
    in_force = live_server.api("GET", "/growth/kbm", "admin").get_json()
    assert in_force["grams_by_month"]["6"] == 650 and in_force["source"] == "e2e: Surat Dinkes 12/2026"
    assert in_force["grams_by_month"]["7"] == table_restored["grams_by_month"]["7"]
    assert live_server.api("GET", "/growth/recompute", "admin").get_json()["pending"] == 0

    # a boy of 6 months weighed 450 g up: N under 400 g, T under the 650 g just published
    month = date.today().replace(day=1)
    child = live_server.api("POST", "/children", "bidan1", json={"id": str(uuid.uuid4()),
        "posyandu_id": live_server.api("GET", "/posyandu?limit=1", "bidan1").get_json()["items"][0]["id"],
        "name": "Bagas Tabel KBM", "sex": "M", "birth_date": (month - timedelta(days=200)).isoformat()}).get_json()
    url = f"/children/{child['id']}/measurements"
    live_server.api("POST", url, "bidan1", json={"measured_on": (month - timedelta(days=1)).replace(day=1).isoformat(),
                                                 "weight_kg": 7.0})
    m = live_server.api("POST", url, "bidan1", json={"measured_on": month.isoformat(), "weight_kg": 7.45}).get_json()
    assert (m["trend"], m["kbm_g"]) == ("T", 650), m
    assert live_server.api("DELETE", f"/children/{child['id']}?reason=e2e", "bidan1").status_code == 204


def test_the_kbm_screen_is_an_admins_and_needs_the_internet(live_server, new_context):
    context = new_context()
    page = context.new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.goto(live_server.url + "/#/settings")
    expect(page.locator("#kbm-info")).to_be_visible()
    expect(page.locator("#kbm-link")).to_have_count(0)
    page.goto(live_server.url + "/#/kbm")
    page.wait_for_function("() => location.hash === '#/settings'")

    context = new_context()
    page = context.new_page()
    login(page, live_server.url, "admin")
    wait_synced(page)
    page.goto(live_server.url + "/#/settings")
    context.set_offline(True)
    page.locator("#kbm-link").click()
    expect(page.locator("#kbm-table-offline")).to_contain_text("Perlu internet")
    context.set_offline(False)
    expect(page.locator("#kbm-in-force")).to_contain_text("Berlaku")  # drawn again once online


def test_a_screen_that_fails_after_she_left_it_does_not_cover_the_one_she_went_to(live_server, new_context):
    """She opened "Tabel KBM" on a slow line and, before it came, went back to Settings: the table's
    answer, an error, then replaced Settings by "Halaman ini gagal dibuka" (a screen she had left).
    A drawing replaced (app.js route) now fails unseen."""
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    wait_synced(page)
    page.goto(live_server.url + "/#/settings")
    held = []
    page.route("**/api/v1/growth/kbm", lambda route: held.append(route))
    page.locator("#kbm-link").click()
    until_held(page, held, "the table")
    page.go_back()
    expect(page.locator("#kbm-link")).to_be_visible()  # Settings again
    held[0].fulfill(status=500, content_type="application/problem+json",
                    body='{"type": "about:blank", "title": "Internal Server Error", "status": 500}')
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # the failed drawing's turn to (not) be shown
    expect(page.locator("#screen-failed")).to_have_count(0)
    expect(page.locator("#kbm-link")).to_be_visible()
