"""Correcting what was entered by mistake, in real Chromium against the real server: a cadre
corrects a weighing (the server ends with the corrected value, once), sees a second weighing
of the same day judged as the server judges it (O), deletes it with a reason; an entry the
server refused is named on the sync screen (in the language she switches to) and fixed from there in its
own form."""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, open_child, register_child, wait_synced

pytestmark = pytest.mark.e2e
NAME = "Tegar Koreksi"


def live_weighings(server, child_id: str, user: str) -> list[dict]:
    items = server.api("GET", f"/children/{child_id}/measurements", user).get_json()["items"]
    return [m for m in items if not m.get("deleted_at")]


def test_a_weighing_is_corrected_and_a_second_one_deleted(live_server, new_context, shot):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    login(page, base, "kader3")
    wait_synced(page)
    child_id = register_child(page, NAME, days_old=183, sex="Laki-laki")

    # 45 kg for a 6-month-old: typed wrong, saved
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("45")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result #warnings")).to_contain_text("ukur ulang")
    wait_synced(page)
    first_id = live_weighings(live_server, child_id, "kader3")[0]["id"]

    # corrected from the child's history: the same record, the server's version as base
    open_child(page, NAME)
    page.locator(f"#history tr[data-id='{first_id}']").get_by_role("link", name=re.compile("Ubah")).click()
    expect(page.get_by_role("heading", name=f"Ubah penimbangan: {NAME}")).to_be_visible()
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("45")
    shot(page, "20-weighing-correction")
    page.get_by_label("Berat badan (kg)").fill("7,5")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    wait_synced(page)
    assert [(m["id"], m["weight_kg"]) for m in live_weighings(live_server, child_id, "kader3")] == [(first_id, 7.5)]

    # weighed again the same day, offline: pointed to the first, and judged as the server will: still
    # B, the child's first month (new), not O
    ctx.set_offline(True)
    open_child(page, NAME)
    page.get_by_role("link", name="Catat penimbangan").click()
    expect(page.locator("#same-day")).to_contain_text("Sudah ada penimbangan")
    shot(page, "21-weighing-same-day", full_page=False)
    page.get_by_label("Berat badan (kg)").fill("7,6")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result [data-key=trend]")).to_contain_text("B — baru pertama kali ditimbang")
    ctx.set_offline(False)
    wait_synced(page)
    second = [m for m in live_weighings(live_server, child_id, "kader3") if m["id"] != first_id]
    assert [(m["weight_kg"], m["trend"], m["possible_duplicate_of"]) for m in second] == [(7.6, "B", first_id)]

    # the second one deleted with a reason (offline) while someone else corrects it: the cadre
    # is asked, deletes anyway, and the server keeps the corrected weighing, once
    ctx.set_offline(True)
    open_child(page, NAME)
    page.locator(f"#history tr[data-id='{second[0]['id']}']").get_by_role("link", name=re.compile("Ubah")).click()
    delete = page.locator("#delete-form")
    delete.get_by_role("button", name="Hapus").click()
    expect(delete.locator(".error")).to_have_text("wajib diisi")  # the reason
    delete.get_by_label("Tercatat dua kali").check()
    delete.get_by_role("button", name="Hapus").click()
    page.get_by_role("heading", name=NAME, exact=True).wait_for()
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(page.locator("#live")).to_have_text("Data dihapus di HP; akan dikirim saat ada sinyal.")  # offline
    shot(page, "22-child-history-after-delete")
    changed = live_server.api("PATCH", f"/measurements/{second[0]['id']}", "kader3", json={"muac_cm": 14.0})
    assert changed.status_code == 200, changed.get_json()
    ctx.set_offline(False)
    expect(page.locator("#sync-chip")).to_have_text("1 perlu diselesaikan")
    page.goto(base + "/#/sync")
    # which weighing, by the server's copy (hers, deleted, has no values): it said "Penimbangan – (dihapus)"
    expect(page.locator("#conflicts")).to_contain_text(re.compile(rf"Penimbangan \d+ \w+ \d{{4}}, 7,6 kg \(dihapus\): {NAME}"))
    page.locator("#conflicts a").first.click()
    expect(page.locator("#conflict-delete")).to_contain_text("Anda menghapus data ini, tetapi orang lain sudah mengubahnya.")
    expect(page.locator("#conflict-delete")).to_contain_text("7,6 kg (dihapus)")
    page.get_by_role("button", name="Tetap hapus").click()
    wait_synced(page)
    assert [(m["id"], m["weight_kg"]) for m in live_weighings(live_server, child_id, "kader3")] == [(first_id, 7.5)]

    # a dose's date corrected, then the dose deleted
    open_child(page, NAME)
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label("BCG (terlambat)").check()
    page.get_by_label("Disalin dari Buku KIA / catatan lain").check()  # the dose's source, asked once one is checked
    expect(page.get_by_label("Posyandu", exact=True)).to_be_checked()  # where a copied dose was given: asked
    page.get_by_label("Puskesmas", exact=True).check()
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name=NAME, exact=True).wait_for()
    page.locator("#doses-given").get_by_role("link", name="Ubah BCG").click()
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    expect(page.get_by_label("Tanggal diberikan")).to_have_value(date.today().isoformat())
    expect(page.get_by_label("Puskesmas", exact=True)).to_be_checked()
    page.get_by_label("Tanggal diberikan").fill(yesterday)
    page.get_by_label("Tempat lain", exact=False).check()
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name=NAME, exact=True).wait_for()
    wait_synced(page)
    doses = live_server.api("GET", f"/children/{child_id}/immunisations", "kader3").get_json()["items"]
    assert [(d["vaccine"], d["given_on"], d["source"], d["place"]) for d in doses if not d.get("deleted_at")] == [
        ("BCG", yesterday, "record", "elsewhere")]
    page.locator("#doses-given").get_by_role("link", name="Ubah BCG").click()
    page.get_by_label("Salah catat").check()
    page.get_by_role("button", name="Hapus").click()
    page.get_by_role("heading", name=NAME, exact=True).wait_for()
    expect(page.locator("#doses-given")).to_have_count(0)
    expect(page.locator("#live")).to_have_text("Data dihapus di HP; sedang dikirim ke server.")  # online: not "when there is a signal"
    wait_synced(page)
    doses = live_server.api("GET", f"/children/{child_id}/immunisations", "kader3").get_json()["items"]
    assert [d for d in doses if not d.get("deleted_at")] == []


def test_a_refused_entry_is_named_and_fixed_in_its_form(live_server, new_context, shot):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    # the phone's clock runs three days ahead: its "today" is the server's future
    page.clock.set_system_time(datetime.now() + timedelta(days=3))
    login(page, base, "kader3")
    wait_synced(page)
    page.locator("#children a").first.click()
    page.get_by_role("link", name="Catat penimbangan").wait_for()  # the child's screen, drawn (not the list's)
    name = page.locator("main h2").first.inner_text()
    child_id = page.evaluate("() => location.hash").split("/")[-1]
    before = {m["id"] for m in live_weighings(live_server, child_id, "kader3")}
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("8,1")
    page.get_by_role("button", name="Simpan").click()
    # the clock banner is up: she is asked to check the date first, and saves on the second tap
    expect(page.locator("#visit-form .form-error")).to_contain_text("Tanggal/jam HP salah")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#sync-chip")).to_have_text("1 perlu perhatian")

    page.locator("#sync-chip").click()
    entry = page.locator("#attention li")
    expect(entry).to_contain_text(re.compile(rf"^Penimbangan \d+ \w+ \d{{4}}, 8,1 kg: {re.escape(name)}"))
    expect(entry).to_contain_text("Tanggal timbang: tidak boleh setelah hari ini")
    shot(page, "23-sync-refused-entry", full_page=False)
    # the server's reason came in Bahasa Indonesia: switched to English, it follows as the rest of the
    # screen does (it stayed Indonesian), on the sync screen and on the form that fixes it
    page.locator("#lang-btn").click()
    expect(page.locator("#sync-chip")).to_have_text("1 needs attention")
    expect(entry).to_contain_text("Date measured: must not be after today")
    expect(entry).not_to_contain_text("setelah hari ini")
    entry.get_by_role("link", name="Fix").click()
    refused = page.locator("#visit-form .error[id^=f-measured_on]")
    expect(refused).to_have_text("must not be after today")
    page.locator("#lang-btn").click()
    expect(refused).to_have_text("tidak boleh setelah hari ini")
    # drawn in English ("8.1"), it follows the language as the rest of the screen does (it stayed "8.1")
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("8,1")
    real_today = date.today().isoformat()
    page.get_by_label("Tanggal timbang").fill(real_today)
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("button", name="Simpan").click()  # the date checked (the clock is still wrong)
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    wait_synced(page)
    added = [m for m in live_weighings(live_server, child_id, "kader3") if m["id"] not in before]
    assert [(m["measured_on"], m["weight_kg"]) for m in added] == [(real_today, 8.1)]


def test_a_weighing_recorded_before_2000_in_old_data_is_still_corrected(live_server, new_context, monkeypatch):
    """Old data: a weighing whose device clock reading (recorded_at) is of 1999, stored before the
    server checked readings (validators.device_clock: 2000 to 2099). Correcting its weight from the
    PWA must not be refused for that reading, which the cadre never touched: the correction does
    not send it back, and the server keeps it as it was."""
    from posyandu import validators

    name = "Umar Data Lama"
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader6")
    wait_synced(page)
    child_id = register_child(page, name, days_old=300, sex="Laki-laki")
    wait_synced(page)
    monkeypatch.setattr(validators, "DEVICE_CLOCK_FROM", datetime(1900, 1, 1, tzinfo=validators.timezone.utc))
    made = live_server.api("POST", f"/children/{child_id}/measurements", "kader6", json={
        "measured_on": (date.today() - timedelta(days=20)).isoformat(), "weight_kg": 8.1,
        "recorded_at": "1999-12-31T17:00:00+00:00"})
    monkeypatch.undo()
    assert made.status_code == 201, made.get_json()
    mid = made.get_json()["id"]

    page.goto(page.url.split("#")[0] + "#/sync")
    page.locator("#sync-now").click()
    page.wait_for_function("() => { const b = document.getElementById('sync-now'); return b && !b.disabled; }")
    open_child(page, name)
    page.locator(f"#history tr[data-id='{mid}']").get_by_role("link", name=re.compile("Ubah")).click()
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("8,1")
    page.get_by_label("Berat badan (kg)").fill("8,4")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    wait_synced(page)
    now = live_server.api("GET", f"/measurements/{mid}", "kader6").get_json()
    assert (now["weight_kg"], now["recorded_at"][:19]) == (8.4, "1999-12-31T17:00:00")


def test_a_weighing_corrected_before_it_was_sent_is_listed_as_a_change_not_a_second_weighing(live_server, new_context):
    """14,1 kg typed for 11,4, corrected offline before any sync: the sync screen listed two
    weighings of the child, both "menunggu", alike, and a cadre reading it took it for a child
    weighed twice and might discard one. The correction now says "(diubah)"; one weighing is sent."""
    from tests.e2e.pages import registered_by

    name = "Kartika Salah Ketik"
    child_id = registered_by(live_server, "kader3", name, days_old=700, mother_name="Yuli")
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    ctx.set_offline(True)
    open_child(page, name)
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("14,1")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    open_child(page, name)
    page.locator("#history tbody tr").first.get_by_role("link", name=re.compile("Ubah")).click()
    page.get_by_label("Berat badan (kg)").fill("11,4")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    page.goto(live_server.url + "/#/sync")
    rows = page.locator("#queue li")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(re.compile(rf"Penimbangan \d+ \w+ \d{{4}}, 14,1 kg: {name}"))
    expect(rows.nth(1)).to_contain_text(re.compile(rf"Penimbangan \d+ \w+ \d{{4}}, 11,4 kg \(diubah\): {name}"))
    ctx.set_offline(False)
    wait_synced(page)
    assert [m["weight_kg"] for m in live_weighings(live_server, child_id, "kader3")] == [11.4]


def test_last_months_weighing_corrected_shows_no_dose_list_of_that_day_under_todays_dose_button(live_server, new_context):
    """A weighing of last month corrected: its result listed "Jadwal <that day>" with the doses
    late then, above "Catat imunisasi/vitamin diberikan", which opens today's dose form: which
    day would the dose carry? The doses of a day other than the dose form's are not shown."""
    from tests.e2e.pages import registered_by, weighed_by

    name = "Eko Koreksi Lama"
    child_id = registered_by(live_server, "kader3", name, days_old=130, sex="M", mother_name="Wati")
    last_month = (date.today().replace(day=1) - timedelta(days=3)).isoformat()
    old = weighed_by(live_server, "kader3", child_id, measured_on=last_month, weight_kg=5.9)
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    open_child(page, name)
    page.locator(f"#history tr[data-id='{old}']").get_by_role("link", name=re.compile("Ubah")).click()
    page.get_by_label("Berat badan (kg)").fill("6,1")
    page.get_by_role("button", name="Simpan").click()
    result = page.locator("#visit-result")
    expect(result).to_contain_text("Hasil penimbangan")
    expect(result.locator("#due")).to_have_count(0)
    expect(result.get_by_role("link", name="Catat imunisasi/vitamin diberikan")).to_have_count(0)
    # today's weighing: the day's doses, and the form that records them (a 4-month-old has some due)
    open_child(page, name)
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("6,4")
    page.get_by_role("button", name="Simpan").click()
    expect(result.locator("#due")).to_be_visible()
    expect(result.get_by_role("link", name="Catat imunisasi/vitamin diberikan")).to_be_visible()
