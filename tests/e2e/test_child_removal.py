"""A child registered by mistake deleted from the app, in real Chromium against the real server: there
was no way to but the API (a midwife, or a kader asked by a parent withdrawing her consent). "Hapus data
anak ini…" on the child's screen (online: js/online/removal.js) says what deleting does and what to do
instead (a duplicate is merged, a child who moved or died recorded as leaving), asks the reason, and
deletes on a second tap; the child leaves the phone at the sync that follows."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, open_child, registered_by, wait_synced, weighed_by

pytestmark = pytest.mark.e2e


def test_a_child_registered_by_mistake_is_deleted_with_a_reason_on_a_second_tap(live_server, new_context):
    from datetime import date

    name = "Anak Salah Daftar"
    child_id = registered_by(live_server, "kader3", name, days_old=250, mother_name="Yanti")
    weighing = weighed_by(live_server, "kader3", child_id, measured_on=date.today().isoformat(), weight_kg=7.9)
    ctx = new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "kader3")
    wait_synced(page)
    open_child(page, name)
    panel = page.locator("#removal-panel")
    panel.get_by_role("button", name="Hapus data anak ini…").click()
    expect(panel).to_contain_text("Anak yang tercatat dua kali jangan dihapus: beri tahu bidan agar digabungkan.")
    panel.get_by_role("button", name="Hapus data anak", exact=True).click()
    panel.get_by_role("button", name=f"Ya, hapus data {name}").click()
    expect(panel.locator(".error")).to_have_text("wajib diisi")  # the reason first; nothing sent
    assert live_server.api("GET", f"/children/{child_id}", "kader3").status_code == 200
    panel.get_by_label("Terdaftar keliru (anak ini tidak ada, atau bukan anak posyandu ini)").check()
    panel.get_by_role("button", name=f"Ya, hapus data {name}").click()
    expect(page.locator("#search")).to_be_visible()  # home
    expect(page.locator("#children a", has_text=name)).to_have_count(0)
    wait_synced(page)
    assert live_server.api("GET", f"/children/{child_id}", "kader3").status_code == 404
    assert live_server.api("GET", f"/measurements/{weighing}", "kader3").status_code == 404  # her records with her
    audit = live_server.api("GET", f"/audit-log?entity=child&record_id={child_id}&action=delete", "admin").get_json()["items"]
    assert [a["reason"] for a in audit] == ["Terdaftar keliru (anak ini tidak ada, atau bukan anak posyandu ini)"], audit
    assert errors == []


def test_a_child_whose_refused_weighing_waits_on_the_phone_is_deleted_once_it_is_fixed_or_discarded(
        live_server, new_context):
    """A weighing of hers the server refused waits on the phone: deleted meanwhile, the weighing sent again
    later would land on a deleted child, kept out of sight for review. The delete asks that it go first;
    a weighing merely waiting for a signal goes first by itself (the delete is queued after it)."""
    from tests.e2e.pages import weigh_first_child_refused

    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    entry = page.locator("#children a").first.get_attribute("href").split("/")[-1]
    weigh_first_child_refused(page)
    child = live_server.api("GET", f"/children/{entry}", "kader1").get_json()
    page.goto(f"{live_server.url}/#/child/{entry}")
    page.get_by_role("heading", name=child["name"], exact=True).wait_for()
    panel = page.locator("#removal-panel")
    panel.get_by_role("button", name="Hapus data anak ini…").click()
    panel.get_by_label("Terdaftar keliru (anak ini tidak ada, atau bukan anak posyandu ini)").check()
    panel.get_by_role("button", name="Hapus data anak", exact=True).click()
    panel.get_by_role("button", name=f"Ya, hapus data {child['name']}").click()
    expect(page.locator("#removal-status")).to_have_text('Ada data anak ini yang ditolak server dan menunggu di '
                                                        '"Perlu perhatian": perbaiki atau buang dulu di Sinkron data, lalu hapus.')
    page.goto(f"{live_server.url}/#/sync")
    page.locator("#attention li").get_by_role("button", name="Buang").click()
    page.locator("#attention li").get_by_role("button", name="Ya, buang data ini").click()
    expect(page.locator("#attention")).to_have_count(0)
    assert live_server.api("GET", f"/children/{entry}", "kader1").status_code == 200  # nothing deleted yet

    # offline now, a weighing waits for a signal, and the child is deleted: the weighing goes first, then her delete
    def reviews() -> int:
        return len(live_server.api("GET", "/audit-log?action=needs_review&limit=100", "admin").get_json()["items"])

    reviewed_before = reviews()
    ctx.set_offline(True)
    page.goto(f"{live_server.url}/#/child/{entry}")
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("8,2")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    page.goto(f"{live_server.url}/#/child/{entry}")
    page.get_by_role("heading", name=child["name"], exact=True).wait_for()
    page.route("**/api/v1/sync/push", lambda route: route.abort())  # still no signal for the sync
    ctx.set_offline(False)  # but the panel's module is fetched online
    panel.get_by_role("button", name="Hapus data anak ini…").click()
    panel.get_by_label("Orang tua menarik persetujuan (meminta datanya dihapus)").check()
    panel.get_by_role("button", name="Hapus data anak", exact=True).click()
    panel.get_by_role("button", name=f"Ya, hapus data {child['name']}").click()
    expect(page.locator("#search")).to_be_visible()
    page.unroute("**/api/v1/sync/push")
    page.goto(f"{live_server.url}/#/sync")
    page.get_by_role("button", name="Sinkron sekarang").click()
    wait_synced(page)
    assert live_server.api("GET", f"/children/{entry}", "kader1").status_code == 404
    # the weighing reached the server before the delete, and went with the child: none kept on a deleted child
    assert reviews() == reviewed_before
    created = live_server.api("GET", "/audit-log?entity=measurement&action=create&limit=1", "admin").get_json()["items"]
    deleted = live_server.api("GET", f"/audit-log?entity=measurement&action=delete&record_id={created[0]['record_id']}",
                              "admin").get_json()["items"]
    assert [d["reason"] for d in deleted] == ["Orang tua menarik persetujuan (meminta datanya dihapus)"], deleted


def test_a_midwife_brings_back_a_child_deleted_by_mistake_with_her_weighings(live_server, new_context):
    """The kader's phone that deleted her forgets the tombstone: "Data anak terhapus" (js/online/deleted.js)
    lists the deleted children of the midwife's area, who deleted each and why and what went with her, and
    brings one back on a second tap; her phone receives her with her history."""
    from datetime import date

    name = "Anak Terhapus Keliru"
    child_id = registered_by(live_server, "kader1", name, days_old=300, mother_name="Wulan")
    weighing = weighed_by(live_server, "kader1", child_id, measured_on=date.today().isoformat(), weight_kg=8.2)
    assert live_server.api("DELETE", f"/children/{child_id}?reason=salah%20pilih%20anak", "kader1").status_code == 204
    ctx = new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.locator("#deleted-link").click()
    page.get_by_role("heading", name="Data anak terhapus").wait_for()
    card = page.locator(f'#deleted-children li[data-id="{child_id}"]')
    expect(card).to_contain_text(name)
    expect(card).to_contain_text("oleh Kader Posyandu Melati")
    expect(card).to_contain_text("Alasan: salah pilih anak")
    expect(card).to_contain_text("Ikut terhapus: 1 penimbangan")
    card.get_by_role("button", name="Kembalikan").click()
    card.get_by_role("button", name=f"Ya, kembalikan data {name}").click()
    expect(card.get_by_role("status")).to_have_text(f"Data {name} dikembalikan.")
    card.get_by_role("link", name=name).click()
    page.get_by_role("heading", name=name, exact=True).wait_for()
    assert live_server.api("GET", f"/children/{child_id}", "kader1").status_code == 200
    assert live_server.api("GET", f"/measurements/{weighing}", "kader1").status_code == 200  # her history with her
    assert errors == []


def test_an_admin_brings_back_a_child_of_a_posyandu_closed_since_at_the_posyandu_she_comes_to_now(
        live_server, new_context):
    """Her posyandu closed after she was deleted: the screen said "register her again there" (her weighings
    lost with the record), the server asked for a posyandu the restore could not take. The admin chooses the
    open posyandu she comes to now; she is moved there with her history."""
    import uuid
    from datetime import date

    melati = live_server.api("GET", "/posyandu?limit=100", "bidan1").get_json()["items"][0]  # one of bidan1's
    made = live_server.api("POST", "/posyandu", "admin", json={
        "name": f"Sementara {uuid.uuid4().hex[:4]}", "desa_code": melati["desa_code"], "puskesmas_id": melati["puskesmas_id"],
        "meeting_day": 3})
    assert made.status_code == 201, made.get_json()
    closing = made.get_json()["id"]
    name = f"Anak Posyandu Tutup {uuid.uuid4().hex[:4]}"
    # born this month: in no earlier month's report of the district (other tests count its posyandu rows)
    child_id = registered_by(live_server, "admin", name, days_old=min(3, date.today().day - 1), posyandu_id=closing)
    weighing = weighed_by(live_server, "admin", child_id, measured_on=date.today().isoformat(), weight_kg=3.4)
    assert live_server.api("DELETE", f"/children/{child_id}?reason=salah%20posyandu", "admin").status_code == 204
    assert live_server.api("DELETE", f"/posyandu/{closing}?reason=digabung", "admin").status_code == 204
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    wait_synced(page, timeout=60000)
    page.goto(live_server.url + "/#/deleted")
    page.get_by_role("heading", name="Data anak terhapus").wait_for()
    card = page.locator(f'#deleted-children li[data-id="{child_id}"]')
    expect(card).to_contain_text("Posyandunya sudah ditutup: pilih posyandu tempat anak ini datang sekarang.")
    card.get_by_role("button", name="Kembalikan").click()
    card.get_by_role("button", name=f"Ya, kembalikan data {name}").click()
    expect(card.get_by_role("status")).to_have_text("Pilih posyandunya dulu.")  # none chosen: nothing sent
    card.get_by_label("Kembalikan di posyandu").select_option(label=melati["name"])
    card.get_by_role("button", name="Kembalikan").click()
    card.get_by_role("button", name=f"Ya, kembalikan data {name}").click()
    expect(card.get_by_role("status")).to_contain_text(f"Data {name} dikembalikan.")
    assert live_server.api("GET", f"/children/{child_id}", "bidan1").get_json()["posyandu_id"] == melati["id"]
    assert live_server.api("GET", f"/measurements/{weighing}", "bidan1").status_code == 200  # her history with her


def _synced_again(page) -> None:
    """A sync run to its end, as when the signal comes back: the chip passes through pushing or pulling to done."""
    page.evaluate("""() => { const chip = document.getElementById('sync-chip'); window.phases = [];
      new MutationObserver(() => window.phases.push(chip.dataset.phase)).observe(chip, { attributes: true });
      window.dispatchEvent(new Event('online')); }""")
    page.wait_for_function("() => window.phases.some((p) => p === 'pushing' || p === 'pulling')"
                           " && document.getElementById('sync-chip').dataset.phase === 'done'")


def test_a_panel_she_opened_stays_open_through_a_sync_and_the_screen_shows_it_after(live_server, new_context):
    """The child's screen is drawn again after each sync, to show what it pulled; it closed the deletion panel a
    moment after she opened it (a CI run's tap on its reason found no panel), her reason with it. The panel she
    opened opens again, her reason chosen, over the screen drawn with what the sync brought."""
    from datetime import date, timedelta

    name = "Anak Panel Terbuka"
    child_id = registered_by(live_server, "kader3", name, days_old=250)
    weighed_by(live_server, "kader3", child_id, measured_on=(date.today() - timedelta(days=40)).isoformat(), weight_kg=7.5)
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    open_child(page, name)
    rows = page.locator("#history tbody tr")
    expect(rows).to_have_count(1)
    # no panel open: a weighing recorded elsewhere shows after the sync, the screen drawn again
    weighed_by(live_server, "kader3", child_id, measured_on=(date.today() - timedelta(days=10)).isoformat(), weight_kg=7.7)
    _synced_again(page)
    expect(rows).to_have_count(2)
    panel = page.locator("#removal-panel")
    panel.get_by_role("button", name="Hapus data anak ini…").click()
    reason = panel.get_by_label("Terdaftar keliru (anak ini tidak ada, atau bukan anak posyandu ini)")
    reason.check()
    page.get_by_role("heading", name=name, exact=True).click()  # her finger off the form
    weighed_by(live_server, "kader3", child_id, measured_on=date.today().isoformat(), weight_kg=7.9)
    _synced_again(page)
    expect(rows).to_have_count(3)
    expect(reason).to_be_checked()
    expect(page.locator("#changes-panel li")).to_have_count(0)  # only the one she opened
    panel.get_by_role("button", name="Hapus data anak", exact=True).click()
    panel.get_by_role("button", name=f"Ya, hapus data {name}").click()
    expect(page.locator("#search")).to_be_visible()  # deleted, home
