"""The cadre's day offline, end to end in real Chromium against the real server:
load once online, go offline, reload, register a child and weigh her, see the status,
come back online and see the sync complete; a second cadre of the same posyandu pulls
the child; the parent sees the chart; an edit of the same child on two phones gives
the conflict screen. Screenshots go to tests/e2e/screenshots/."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import enter_pin, login, open_child, sw_controls, wait_synced, waiting

pytestmark = pytest.mark.e2e
NAME = "Sari Luring"
MOTHER_NIK = "3525015008950002"  # a woman born on 10 August 1995 (day + 40) in 35.25.01


def register_and_weigh_offline(page, shot) -> None:
    page.get_by_role("link", name="Daftarkan anak baru").click()
    # the form drawn (else "Nama anak" finds the home screen's "Cari nama anak")
    page.get_by_role("heading", name="Daftarkan anak baru").wait_for()
    page.get_by_label("Nama anak").fill(NAME)
    page.get_by_label("Perempuan").check()
    page.get_by_label("Tanggal lahir").fill((date.today() - timedelta(days=305)).isoformat())
    page.get_by_label("Nama ibu").fill("Siti Aminah")
    # typed in groups, as the KTP prints it: sent and stored as its 16 digits
    page.get_by_label("NIK ibu", exact=False).fill(" ".join(MOTHER_NIK[i:i + 4] for i in range(0, 16, 4)))
    shot(page, "03-register-child-offline")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name=NAME, exact=True).wait_for()
    expect(page.locator("#sync-chip")).to_have_text(waiting(1))

    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("6,0")
    page.get_by_label("Panjang/tinggi badan (cm)").fill("68.5")
    page.get_by_label("Lingkar lengan atas (cm)").fill("12.9")
    page.get_by_role("button", name="Simpan").click()
    result = page.locator("#visit-result")
    expect(result.locator("[data-key=bb_u]")).to_contain_text("berat badan kurang")
    expect(result.locator("[data-key=bb_u]")).to_have_class("status warn")
    expect(result.locator("[data-key=trend]")).to_contain_text("B — baru pertama kali ditimbang")
    expect(result.locator("#due")).to_be_visible()
    expect(page.locator("#sync-chip")).to_have_text(waiting(2))
    shot(page, "04-visit-result-offline")

    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label("BCG (terlambat)").check()
    page.get_by_label("Disalin dari Buku KIA / catatan lain").check()  # the dose's source, asked once one is checked
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name=NAME, exact=True).wait_for()
    expect(page.locator("#card tr", has_text="BCG")).to_contain_text("sudah")
    expect(page.locator("#sync-chip")).to_have_text(waiting(3))


def test_offline_day_sync_second_cadre_parent_and_conflict(live_server, new_context, shot):
    base = live_server.url

    # 1. load once online: login, PIN, first sync, the service worker takes over
    a_ctx = new_context()
    a = a_ctx.new_page()
    errors: list[str] = []
    a.on("pageerror", lambda e: errors.append(str(e)))
    a.goto(base + "/")
    shot(a, "01-login")
    login(a, base, "kader1")
    wait_synced(a)
    shot(a, "02-home-posyandu-day", full_page=False)
    sw_controls(a)

    # 2. offline: reload, PIN re-entry, register and weigh
    a_ctx.set_offline(True)
    a.reload()
    enter_pin(a)
    expect(a.locator("#children li").first).to_be_visible()
    register_and_weigh_offline(a, shot)

    # 3. nothing is lost across a reload while still offline
    a.goto(base + "/#/")
    a.reload()
    enter_pin(a)
    a.get_by_label("Cari nama anak").fill(NAME)
    expect(a.locator("#children a", has_text=NAME)).to_contain_text("belum terkirim")
    assert live_server.api("GET", f"/children?q={NAME}", "kader1").get_json()["items"] == []

    # 4. back online: the sync runs by itself and completes
    a_ctx.set_offline(False)
    wait_synced(a)
    a.goto(base + "/#/sync")
    expect(a.locator("#sync-summary")).to_have_text("Semua data sudah terkirim.")
    shot(a, "05-sync-complete", full_page=False)
    items = live_server.api("GET", f"/children?q={NAME}", "kader1").get_json()["items"]
    assert len(items) == 1
    child_id = items[0]["id"]
    visits = live_server.api("GET", f"/children/{child_id}/measurements", "kader1").get_json()["items"]
    assert [(v["weight_kg"], v["status"]["bb_u"]) for v in visits] == [(6.0, "kurang")]
    doses = live_server.api("GET", f"/children/{child_id}/immunisations", "kader1").get_json()["items"]
    assert [(d["vaccine"], d["dose"]) for d in doses] == [("BCG", 1)]

    # 5. a second cadre of the same posyandu pulls the child
    b_ctx = new_context()
    b = b_ctx.new_page()
    login(b, base, "kader1b")
    wait_synced(b)
    open_child(b, NAME)
    expect(b.locator("#result [data-key=bb_u]")).to_contain_text("berat badan kurang")
    shot(b, "06-second-cadre-child")

    # 6. the parent, invited by the cadre, sees the chart and the immunisation card
    open_child(a, NAME)
    a.get_by_role("button", name="Undang orang tua").click()
    expect(a.locator("#invite")).to_contain_text("Kode untuk orang tua")
    code = a.locator("#invite").inner_text().split(": ")[1].split(" ")[0]
    # the screen drawn again (a sync that ends redraws it) still shows the code until it expires
    open_child(a, NAME)
    expect(a.locator("#invite")).to_contain_text(code)
    p_ctx = new_context()
    p = p_ctx.new_page()
    login(p, base, "orangtua")
    wait_synced(p)
    p.get_by_label("Kode undangan").fill(code)
    p.get_by_role("button", name="Tambahkan").click()
    p.locator("#children a", has_text=NAME).click()
    expect(p.locator(".charts svg").first).to_be_visible()
    expect(p.locator(".charts svg .child-point")).to_have_count(3)  # one point on each chart
    expect(p.locator("#plain")).to_contain_text("Berat badan Sari kurang untuk umurnya.")
    expect(p.locator("#card")).to_be_visible()
    expect(p.locator("#next-dose")).to_contain_text("OPV 1")
    shot(p, "07-parent-child-chart")

    # 7. the same child edited on two phones: the second to sync gets the conflict screen, with
    # a choice only for the field both changed; the address only b changed is not sent back
    a_ctx.set_offline(True)
    open_child(b, NAME)
    b.get_by_role("link", name="Ubah data anak").click()
    b.get_by_label("Nama ibu").fill("Siti Rahayu")
    b.get_by_label("Alamat").fill("Dusun Baru RT 05")
    b.get_by_role("button", name="Simpan").click()
    b.get_by_role("heading", name=NAME, exact=True).wait_for()
    wait_synced(b)
    open_child(a, NAME)
    a.get_by_role("link", name="Ubah data anak").click()
    a.get_by_label("Nama ibu").fill("Siti Aminah Putri")
    a.get_by_role("button", name="Simpan").click()
    a.get_by_role("heading", name=NAME, exact=True).wait_for()
    a_ctx.set_offline(False)
    expect(a.locator("#sync-chip")).to_have_text("1 perlu diselesaikan")
    a.locator("#sync-chip").click()
    a.locator("#conflicts a").first.click()
    form = a.locator("#conflict-form")
    expect(form).to_contain_text("Nilai saya: Siti Aminah Putri")
    expect(form).to_contain_text("Nilai di server: Siti Rahayu")
    expect(form.locator("fieldset")).to_have_count(1)
    expect(form).not_to_contain_text("Alamat")
    shot(a, "08-conflict")
    form.get_by_role("radio", name="Nilai saya: Siti Aminah Putri").check()  # no default: she picks
    form.get_by_role("button", name="Simpan pilihan").click()
    wait_synced(a)
    child = live_server.api("GET", f"/children/{child_id}", "kader1").get_json()
    assert child["mother_name"] == "Siti Aminah Putri"
    assert child["mother_nik"] == MOTHER_NIK  # a newborn without a NIK: SATUSEHAT knows her by her mother's
    assert child["address"] == "Dusun Baru RT 05"
    assert errors == []
