"""A kader records, offline, that a child's family moved out of the area ("Keluar: pindah"), in real
Chromium at 360x740: confirmed in the page (not the browser's dialog) before it is saved, the child leaves the day's list but a search still
finds her, marked, and the exit reaches the server with the next sync (a child update)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import open_child, wait_synced

pytestmark = pytest.mark.e2e
NAME = "Ketut Pindahan"


def registered(live_server, name: str, **exit_fields) -> str:
    """A girl of 300 days registered by kader3 in her first posyandu (``exit_date``, ``exit_reason``
    if given): her id."""
    posyandu_id = live_server.api("GET", "/posyandu", "kader3").get_json()["items"][0]["id"]
    made = live_server.api("POST", "/children", "kader3", json={
        "posyandu_id": posyandu_id, "name": name, "sex": "F", "has_kms": True,
        "birth_date": (date.today() - timedelta(days=300)).isoformat(), **exit_fields})
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def undo_exit(live_server, page, child_id: str) -> None:
    """On her screen: "Batalkan keluar", asked in the page ("Ya, batalkan keluar"); synced, none on the server."""
    page.get_by_role("button", name="Batalkan keluar").click()
    page.get_by_role("button", name="Ya, batalkan keluar").click()
    expect(page.locator("#exit-form")).to_be_visible()
    wait_synced(page)
    child = live_server.api("GET", f"/children/{child_id}", "kader3").get_json()
    assert (child["exit_reason"], child["exit_date"]) == (None, None)


def test_a_kader_records_an_exit_offline_and_it_is_synced(live_server, new_context, shot):
    from tests.e2e.pages import offline_phone

    base = live_server.url
    child_id = registered(live_server, NAME)
    ctx, page = offline_phone(new_context, base, "kader3")

    open_child(page, NAME)
    page.get_by_text("Keluar: meninggal / pindah").first.click()
    form = page.locator("#exit-form")
    form.get_by_label("Pindah keluar wilayah").check()
    form.get_by_label("Tanggal").fill((date.today() - timedelta(days=1)).isoformat())
    form.locator("button[type=submit]").click()
    expect(form.get_by_role("button", name=f"Ya, {NAME} keluar (pindah", exact=False)).to_be_visible()
    # the day changed under the question: asked again, never "Ya" for the day it named before
    form.get_by_label("Tanggal").fill(date.today().isoformat())
    expect(form.get_by_role("button", name=f"Ya, {NAME} keluar (pindah", exact=False)).to_have_count(0)
    native = []  # the app asks in the page, in its own words: never the browser's dialog
    page.on("dialog", lambda d: (native.append(d.message), d.dismiss()))
    form.locator("button[type=submit]").click()
    sure = form.get_by_role("button", name=f"Ya, {NAME} keluar (pindah", exact=False)
    expect(sure).to_be_focused()
    form.get_by_role("button", name="Batal").click()
    expect(form.get_by_role("button", name="Keluar: meninggal / pindah")).to_be_focused()  # not confirmed: nothing saved
    assert page.evaluate("() => document.getElementById('sync-chip').textContent") != "1 belum terkirim"
    form.locator("button[type=submit]").click()
    sure.click()
    expect(page.locator("#exit")).to_contain_text("keluar (pindah")
    expect(page.get_by_role("link", name="Catat penimbangan")).to_be_visible()  # her exit day still takes one
    # a change of hers waits, but the server holds her: her history, parents and download stay (read
    # once online; they were hidden as for a child never sent, until the sync)
    for panel in ("#changes-panel", "#parents-panel", "#export-child"):
        expect(page.locator(panel)).to_be_visible()
    shot(page, "child-exit-offline")

    page.goto(base + "/#/")
    page.get_by_label("Cari nama anak").fill("")  # the name searched to open her is kept
    expect(page.locator("#children a").first).to_be_visible()
    expect(page.locator("#children a", has_text=NAME)).to_have_count(0)
    page.get_by_label("Cari nama anak").fill("Ketut Pindah")
    expect(page.locator("#children a", has_text=NAME)).to_contain_text("keluar (pindah")

    ctx.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    child = live_server.api("GET", f"/children/{child_id}", "kader3").get_json()
    assert (child["exit_reason"], child["exit_date"]) == ("moved_away", date.today().isoformat())

    open_child(page, NAME)  # a mistake: undone, asked in the page too
    undo_exit(live_server, page, child_id)
    assert not native, native


def test_a_weighing_dated_after_her_exit_is_refused_on_the_phone(live_server, new_context):
    """The server refuses a weighing dated after the child's exit (events.check_date); the visit form
    saved it "Tersimpan" offline and the sync set it aside under "Perlu perhatian"."""
    from tests.e2e.pages import offline_phone

    base = live_server.url
    left = (date.today() - timedelta(days=3)).isoformat()
    child_id = registered(live_server, "Ketut Keluar", exit_date=left, exit_reason="moved_away")
    ctx, page = offline_phone(new_context, base, "kader3")
    page.goto(f"{base}/#/visit/{child_id}")
    page.get_by_label("Tanggal timbang").fill(date.today().isoformat())  # after her exit: no day offered
    page.get_by_label("Berat badan (kg)").fill("8,1")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#child-form, form").first).to_contain_text("anak ini sudah keluar pada")
    assert page.evaluate("() => document.getElementById('sync-chip').textContent") != "1 belum terkirim"
    page.get_by_label("Tanggal timbang").fill(left)  # her exit day itself: taken
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#result")).to_be_visible()
    expect(page.locator("form").first).not_to_contain_text("anak ini sudah keluar pada")


def test_her_exit_day_itself_takes_a_weighing_and_doses_as_the_server_does(live_server, new_context):
    """The server takes a weighing or dose dated on the exit day (events.check_date refuses only after
    it); the child's screen hid "Catat penimbangan" and the doses' button from that day, and the doses
    form offered nothing on it. The day after, both are gone (a weighing made before it and entered
    late has its own button: the next test)."""
    from tests.e2e.pages import offline_phone

    base = live_server.url
    today = date.today()
    ids = {name: registered(live_server, name, exit_date=left.isoformat(), exit_reason="died")
           for name, left in (("Ketut Hari Ini", today), ("Ketut Kemarin", today - timedelta(days=1)))}
    ctx, page = offline_phone(new_context, base, "kader3")
    open_child(page, "Ketut Kemarin")
    expect(page.locator("#exit")).to_be_visible()
    expect(page.get_by_role("link", name="Catat penimbangan", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="Catat imunisasi/vitamin diberikan")).to_have_count(0)

    open_child(page, "Ketut Hari Ini")
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    form = page.locator("#doses-form")
    form.get_by_label(re.compile(r"^BCG \(")).check()  # 300 days old, no dose recorded
    form.get_by_label("Disalin dari Buku KIA / catatan lain").check()
    form.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Ketut Hari Ini", exact=True).wait_for()
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("8,1")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#result")).to_be_visible()

    ctx.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    child = ids["Ketut Hari Ini"]
    weighed = live_server.api("GET", f"/children/{child}/measurements", "kader3").get_json()["items"]
    assert [m["measured_on"] for m in weighed] == [today.isoformat()]
    doses = live_server.api("GET", f"/children/{child}/immunisations", "kader3").get_json()["items"]
    assert [(d["vaccine"], d["given_on"]) for d in doses] == [("BCG", today.isoformat())]


def test_a_weighing_made_before_her_exit_and_entered_after_it_is_dated_by_the_kader(live_server, new_context):
    """The server takes a weighing or dose dated up to the exit day, entered whenever (a child who died
    before her last visit was typed in); after that day her screen offered no way to enter one. Now
    "Catat penimbangan sebelum keluar" and "Catat imunisasi/vitamin sebelum keluar" open their forms
    without a date (not today's: the kader picks the day), none after the exit taken, and the records
    reach the server."""
    from tests.e2e.pages import offline_phone

    base = live_server.url
    left = date.today() - timedelta(days=5)
    weighed_on = left - timedelta(days=2)
    child_id = registered(live_server, "Ketut Terlambat", exit_date=left.isoformat(), exit_reason="died")
    ctx, page = offline_phone(new_context, base, "kader3")
    open_child(page, "Ketut Terlambat")
    expect(page.get_by_role("link", name="Catat penimbangan", exact=True)).to_have_count(0)
    page.get_by_role("link", name="Catat penimbangan sebelum keluar").click()
    when = page.get_by_label("Tanggal timbang")
    expect(when).to_have_value("")
    expect(when).to_have_attribute("max", left.isoformat())
    page.get_by_label("Berat badan (kg)").fill("8,1")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-form")).to_contain_text("wajib diisi")
    when.fill((left + timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-form")).to_contain_text("anak ini sudah keluar pada")
    when.fill(weighed_on.isoformat())
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#result")).to_be_visible()

    open_child(page, "Ketut Terlambat")
    page.get_by_role("link", name="Catat imunisasi/vitamin sebelum keluar").click()
    form = page.locator("#doses-form")
    when = form.get_by_label("Tanggal diberikan")
    expect(when).to_have_value("")
    expect(when).to_have_attribute("max", left.isoformat())
    when.fill(weighed_on.isoformat())
    form.get_by_label(re.compile(r"^BCG \(")).check()  # 300 days old, no dose recorded
    form.get_by_label("Disalin dari Buku KIA / catatan lain").check()
    form.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Ketut Terlambat", exact=True).wait_for()

    ctx.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    wait_synced(page)
    weighed = live_server.api("GET", f"/children/{child_id}/measurements", "kader3").get_json()["items"]
    assert [(m["measured_on"], m["weight_kg"]) for m in weighed] == [(weighed_on.isoformat(), 8.1)]
    doses = live_server.api("GET", f"/children/{child_id}/immunisations", "kader3").get_json()["items"]
    assert [(d["vaccine"], d["given_on"]) for d in doses] == [("BCG", weighed_on.isoformat())]


def test_an_exit_the_server_refuses_is_fixed_on_her_screen_with_its_message(live_server, new_context):
    """An exit dated before a weighing another phone sent meanwhile is refused by the server; its
    "Perbaiki" opened the child's edit form, which has no exit fields. It opens her screen, where the
    server's message stands by "Batalkan keluar" and the exit's form, her values in it: the day
    corrected there is sent in place of the refused one (before, only undoing the exit and recording
    it again fixed it)."""
    from tests.e2e.pages import offline_phone

    base = live_server.url
    name = "Ketut Ditolak"
    child_id = registered(live_server, name)
    ctx, page = offline_phone(new_context, base, "kader3")
    weighed = live_server.api("POST", f"/children/{child_id}/measurements", "kader3", json={  # another phone
        "measured_on": (date.today() - timedelta(days=1)).isoformat(), "weight_kg": 8.2})
    assert weighed.status_code == 201, weighed.get_json()

    open_child(page, name)
    page.get_by_text("Keluar: meninggal / pindah").first.click()
    form = page.locator("#exit-form")
    form.get_by_label("Meninggal").check()
    form.get_by_label("Tanggal").fill((date.today() - timedelta(days=3)).isoformat())
    form.locator("button[type=submit]").click()
    form.get_by_role("button", name=f"Ya, {name} keluar", exact=False).click()
    expect(page.locator("#exit")).to_contain_text("keluar (meninggal")
    ctx.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#sync-chip")).to_contain_text("perlu perhatian", timeout=30000)

    page.goto(base + "/#/sync")
    row = page.locator("#attention li", has_text=name)
    expect(row).to_contain_text("setelah tanggal keluar ini")
    row.get_by_role("link", name="Perbaiki").click()
    page.get_by_role("heading", name=name, exact=True).wait_for()
    expect(page.locator("#exit")).to_contain_text("setelah tanggal keluar ini")
    fix = page.locator("#exit-fix")
    expect(fix.get_by_label("Meninggal")).to_be_checked()
    day = fix.get_by_label("Tanggal")
    expect(day).to_have_value((date.today() - timedelta(days=3)).isoformat())
    fix.locator("button[type=submit]").click()
    expect(fix.locator(".error").filter(has_text="Ada catatan tanggal")).to_have_count(1)  # still before her weighing
    day.fill((date.today() - timedelta(days=1)).isoformat())  # the weighing's day: taken
    fix.locator("button[type=submit]").click()
    fix.get_by_role("button", name=f"Ya, {name} keluar", exact=False).click()
    wait_synced(page)
    expect(page.locator("#exit")).not_to_contain_text("setelah tanggal keluar ini")
    expect(page.locator("#exit-fix")).to_have_count(0)
    child = live_server.api("GET", f"/children/{child_id}", "kader3").get_json()
    assert (child["exit_reason"], child["exit_date"]) == ("died", (date.today() - timedelta(days=1)).isoformat())


def test_a_child_never_sent_has_no_history_parents_or_download_yet(live_server, new_context):
    """Registered offline, the server has never heard of her: nothing to read there, so no panel that
    would only fail (the other side of a child the server holds keeping them while a change waits)."""
    from tests.e2e.pages import offline_phone, register_child

    ctx, page = offline_phone(new_context, live_server.url, "kader3")
    register_child(page, "Ketut Belum Terkirim", days_old=40)
    expect(page.get_by_role("link", name="Catat penimbangan")).to_be_visible()
    for panel in ("#changes-panel", "#parents-panel", "#export-child"):
        expect(page.locator(panel)).to_have_count(0)
