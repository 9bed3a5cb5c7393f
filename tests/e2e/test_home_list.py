"""The posyandu day's list in real Chromium: children under five only (those the posyandu follows: SKDN's
S, the due list); a child of five or more is counted as not listed and found by her name, to correct
her record (offline: nothing of it reaches the shared server); a child registered on the server while
she types a name is listed under the field once pulled; a keystroke's rows are the list drawn whole; the
day turns with the calendar in an app left open overnight; "Tersinkron" once a first sync's list is
drawn; a missed dose on a child's card shows no date to come."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, offline_with_new_child, wait_synced

pytestmark = pytest.mark.e2e


def test_a_child_of_five_or_more_is_left_out_of_the_day_list_and_found_by_name(live_server, new_context):
    base = live_server.url
    ctx, page, older = offline_with_new_child(new_context, base, "kader4", "Lulus Posyandu", days_old=1900)
    page.goto(base + "/#/")
    expect(page.locator("#search")).to_be_visible()
    expect(page.locator("#children a", has_text="Lulus Posyandu")).to_have_count(0)
    expect(page.locator("#due-summary")).to_contain_text(re.compile(r"\d+ anak berumur 5 tahun ke atas tidak ditampilkan"))
    page.get_by_label("Cari nama anak").fill("Lulus")
    expect(page.locator("#children a", has_text="Lulus Posyandu")).to_have_count(1)
    expect(page.locator("#due-summary")).not_to_contain_text("tidak ditampilkan")
    page.locator("#children a", has_text="Lulus Posyandu").click()
    expect(page).to_have_url(f"{base}/#/child/{older}")
    ctx.close()


def test_a_child_pulled_while_she_types_a_name_is_listed_under_the_field(live_server, new_context):
    """A sync that ends while the cadre types in the search field does not draw the screen anew (the
    field would be taken from under her finger), but the list under it is drawn again from what was
    pulled: a child registered on another phone a moment ago is found, not registered twice."""
    base = live_server.url
    page = new_context().new_page()
    login(page, base, "kader2")
    wait_synced(page)
    search = page.get_by_label("Cari nama anak")
    search.fill("Zahra Tarik")
    expect(search).to_be_focused()
    expect(page.locator("#children a", has_text="Zahra Tarik")).to_have_count(0)
    expect(page.locator("#due-summary")).to_have_text(re.compile(r"^0 anak"))

    posyandu_id = live_server.api("GET", "/posyandu", "kader2").get_json()["items"][0]["id"]
    made = live_server.api("POST", "/children", "kader2", json={
        "posyandu_id": posyandu_id, "name": "Zahra Tarik Sinkron", "sex": "F", "has_kms": True,
        "birth_date": (date.today() - timedelta(days=200)).isoformat()})
    assert made.status_code == 201, made.get_json()
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # the app syncs when the signal returns

    expect(page.locator("#children a", has_text="Zahra Tarik Sinkron")).to_have_count(1)
    expect(page.locator("#due-summary")).to_have_text(re.compile(r"^1 anak"))
    expect(search).to_be_focused()  # still hers: she goes on typing
    page.keyboard.type(" Sin")
    expect(search).to_have_value("Zahra Tarik Sin")
    expect(page.locator("#children a", has_text="Zahra Tarik Sinkron")).to_have_count(1)
    page.keyboard.type("x")
    expect(page.locator("#children a")).to_have_count(0)


def test_a_letter_typed_and_taken_back_lists_every_child_again_in_order(live_server, new_context):
    """A keystroke draws the first screenful of rows at once and the others just after (a cheap
    phone keeps up with her typing): once drawn, the list is the one the screen drew whole."""
    page = new_context().new_page()
    login(page, live_server.url, "kader6")
    wait_synced(page)
    page.goto(live_server.url + "/#/sync")
    page.goto(live_server.url + "/#/")
    names = page.locator("#children li strong")
    expect(names.first).to_be_visible()
    whole = names.all_inner_texts()
    assert len(whole) > 30, "more rows than the first screenful"
    with_a = [n for n in whole if "a" in n.lower()]
    search = page.get_by_label("Cari nama anak")
    search.press_sequentially("a")
    expect(page.locator("#children li")).to_have_count(len(with_a))
    assert names.all_inner_texts() == with_a
    search.press("Backspace")
    expect(page.locator("#children li")).to_have_count(len(whole))
    assert names.all_inner_texts() == whole
    expect(page.locator("#due-summary")).to_have_text(re.compile(rf"^{len(whole)} anak"))


def test_the_day_turns_to_today_the_morning_after_the_app_was_left_open(live_server, new_context):
    """A phone keeps the app open for days (the page is never loaded again): the posyandu day set when
    it opened, or picked the evening before to record a day late, stayed, and the next morning's
    weighings were dated the day before (in the wrong month at a month's turn, N/T against the wrong
    month). The day now turns with the calendar. Reads only."""
    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    day = page.locator("#day-date")
    expect(day).to_have_value(date.today().isoformat())
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    day.fill(yesterday)  # she records yesterday's posyandu in the evening
    day.dispatch_event("change")
    page.locator("#children a").first.click()
    page.get_by_role("link", name="Catat penimbangan").click()
    expect(page.get_by_label("Tanggal timbang")).to_have_value(yesterday)
    page.get_by_role("link", name="Batal").click()
    page.get_by_role("heading", level=2).first.wait_for()
    page.goto(live_server.url + "/#/")
    expect(day).to_have_value(yesterday)

    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    page.clock.set_system_time(datetime.now() + timedelta(days=1))
    page.evaluate("() => document.dispatchEvent(new Event('visibilitychange'))")  # taken up the next morning
    expect(day).to_have_value(tomorrow)
    page.locator("#children a").first.click()
    page.get_by_role("link", name="Catat penimbangan").click()
    expect(page.get_by_label("Tanggal timbang")).to_have_value(tomorrow)


def test_the_chip_says_synced_once_the_first_sync_is_on_the_screen(live_server, new_context):
    """The first sync's records took seconds to draw after the chip said "Tersinkron": meanwhile the
    day's screen said "Belum ada anak" (no child yet), and a bidan could believe her posyandu empty."""
    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    listed = page.evaluate("() => [document.querySelectorAll('#children li').length, document.body.innerText]")
    assert listed[0] > 0 and "Belum ada anak" not in listed[1], listed[1][:400]


def test_a_missed_dose_shows_no_date_on_the_card(live_server, new_context):
    """A dose past its last allowed age ("terlewat") showed a date to come, which a parent reads as
    "missed, go on that day": RV 3 of a child of four, "terlewat · 31 Des 2026"."""
    ctx, page, _ = offline_with_new_child(new_context, live_server.url, "kader4", "Rina Terlewat", days_old=400)
    missed = page.locator("tr", has=page.locator("td.st-missed"))
    expect(missed.first).to_be_visible()
    assert missed.count() >= 4  # HB0 and RV 1-3 at least
    for row in missed.all():
        assert row.locator("td").last.inner_text() == "–", row.inner_text()
    ctx.close()


def test_a_child_is_found_by_the_first_letters_of_each_of_her_names(live_server, new_context):
    """A kader in a hurry types the start of each name ("ahma fir" for Ahmad Firmansyah): the list said
    "0 anak", as only the whole name's letters in a row were looked for."""
    page = new_context().new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    name = live_server.api("GET", "/children?limit=1", "kader1").get_json()["items"][0]["name"]
    first, last = name.split()[:2]
    page.get_by_label("Cari nama anak").fill(f"{first[:4].lower()} {last[:3].lower()}")
    expect(page.locator("#children a", has_text=name).first).to_be_visible()
    page.get_by_label("Cari nama anak").fill(f"{last[:3]}  {first[:3]}")  # either order, spaces as typed
    expect(page.locator("#children a", has_text=name).first).to_be_visible()
    page.get_by_label("Cari nama anak").fill(f"{first[:4]} xq")  # every word must be in the name
    expect(page.locator("#children a", has_text=name)).to_have_count(0)


def test_a_midwife_searching_a_child_of_another_of_her_posyandu_finds_her_there(live_server, new_context):
    """The day's list is one posyandu's: a midwife searching the name of a child of another of hers saw
    "0 anak" and nothing more, and could think the child unregistered. The children of her other
    posyandu whose names match are listed under "Ditemukan di posyandu lain", each with her posyandu."""
    posyandu = {p["name"]: p["id"] for p in live_server.api("GET", "/posyandu?limit=500", "bidan1").get_json()["items"]}
    kenanga = {c["name"] for c in live_server.api(
        "GET", f"/children?posyandu_id={posyandu['Posyandu Kenanga']}&limit=500", "bidan1").get_json()["items"]}
    melati = live_server.api("GET", f"/children?posyandu_id={posyandu['Posyandu Melati']}&limit=500",
                             "bidan1").get_json()["items"]
    child = next(c for c in melati if c["name"] not in kenanga and not c.get("exit_date")
                 and not any(c["name"] in k or k in c["name"] for k in kenanga))
    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.get_by_label("Posyandu", exact=True).select_option(label="Posyandu Kenanga")
    page.get_by_label("Cari nama anak").fill(child["name"])
    expect(page.locator("#found-elsewhere")).to_have_text("Tidak ada di posyandu ini. Ditemukan di posyandu lain:")
    found = page.locator("#children a", has_text=child["name"])
    expect(found).to_contain_text("Posyandu Melati")
    found.first.click()
    page.get_by_role("heading", name=child["name"], exact=True).wait_for()
    assert page.evaluate("() => location.hash") in {f"#/child/{c['id']}" for c in melati if c["name"] == child["name"]}


def test_a_midwifes_posyandu_of_the_day_is_kept_over_a_reload(live_server, new_context):
    """A midwife picked Posyandu Mawar for the day; Android closed the app (a reload): it opened again on
    her first posyandu, Kenanga, and she weighed Mawar's children with Kenanga's list on screen."""
    from tests.e2e.pages import enter_pin

    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    first = page.locator("#day-posyandu option:checked").text_content()
    other = next(o for o in page.locator("#day-posyandu option").all_text_contents() if o != first)
    page.locator("#day-posyandu").select_option(label=other)
    expect(page.locator("#day-posyandu option:checked")).to_have_text(other)
    page.reload()
    enter_pin(page)
    expect(page.locator("#day-posyandu option:checked")).to_have_text(other)


def test_a_name_typed_brings_its_rows_up_above_the_keyboard(live_server, new_context):
    """The search field is below the day, the due list, the SKDN and "Daftarkan anak baru": on a 360 x 640
    phone with its keyboard up (about 400 px of page left), the children found were under the keyboard
    (a QA pass typed "rina" and saw no row). A name typed takes the field to the top of the screen, its
    rows under it; the field's label stays in sight under the header."""
    page = new_context().new_page()
    login(page, live_server.url, "kader2")
    wait_synced(page)
    page.set_viewport_size({"width": 360, "height": 400})
    search = page.get_by_label("Cari nama anak")
    assert search.bounding_box()["y"] > 400, "the field starts below the keyboard's top: nothing to prove"
    first = page.locator("#children li strong").first.inner_text()
    search.click()
    page.keyboard.type(first.split()[0][:4])
    row = page.locator("#children a", has_text=first)
    expect(row).to_have_count(1)
    expect(page.get_by_text("Cari nama anak", exact=True)).to_be_in_viewport()
    assert row.bounding_box()["y"] + row.bounding_box()["height"] <= 400, row.bounding_box()
    header = page.locator(".bar").first.bounding_box()
    assert search.bounding_box()["y"] >= header["y"] + header["height"], "under the sticky header"
