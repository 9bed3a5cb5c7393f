"""The conflict screen in real Chromium: the record changed again on the server after the
conflict was answered (a later pull brought the newer version): the screen shows that version
as the other side, and the cadre's choice is sent on it (no second conflict about what she saw)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, open_child, registered_by, wait_synced, weighed_by

pytestmark = pytest.mark.e2e


def _kader3_synced(live_server, new_context):
    """kader3's phone after its first sync: (context, page, base url, page errors collected)."""
    ctx = new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "kader3")
    wait_synced(page)
    return ctx, page, page.url.split("#")[0], errors


def _mother_name_conflict(live_server, new_context, mine: str, theirs: str):
    """kader3, offline, corrects her first child's mother's name to ``mine`` while the server's is
    corrected to ``theirs``; back online, the push is answered with a conflict. (page, child, base
    url, page errors)."""
    ctx, page, base, errors = _kader3_synced(live_server, new_context)
    child = live_server.api("GET", "/children?limit=1", "kader3").get_json()["items"][0]
    ctx.set_offline(True)
    page.goto(f"{base}#/edit/{child['id']}")
    page.get_by_label("Nama ibu").fill(mine)
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name=child["name"], exact=True).wait_for()
    assert live_server.api("PATCH", f"/children/{child['id']}", "admin", json={"mother_name": theirs}).status_code == 200
    ctx.set_offline(False)
    expect(page.locator("#sync-chip")).to_have_text("1 perlu diselesaikan")
    return page, child, base, errors


def _open_conflict_after_a_sync(page, base: str) -> None:
    page.goto(f"{base}#/sync")
    page.locator("#sync-now").click()
    page.wait_for_function("() => { const b = document.getElementById('sync-now'); return b && !b.disabled; }")
    page.locator("#conflicts a").first.click()


def test_the_conflict_shows_and_resolves_on_the_servers_newest_version(live_server, new_context):
    page, child, base, errors = _mother_name_conflict(live_server, new_context, "Ibu Kader", "Ibu Bidan")

    # before she opens it, the name is corrected again on the server (and the address), and pulled
    changed = live_server.api("PATCH", f"/children/{child['id']}", "admin",
                              json={"mother_name": "Ibu Puskesmas", "address": "Dusun Baru RT 07"})
    assert changed.status_code == 200
    _open_conflict_after_a_sync(page, base)
    form = page.locator("#conflict-form")
    expect(form).to_contain_text("Nilai di server: Ibu Puskesmas")
    expect(form).to_contain_text("Nilai saya: Ibu Kader")
    expect(form.locator("fieldset")).to_have_count(1)

    # nothing is chosen for her: a reflexive tap on "Simpan pilihan" put her value over the other one's
    expect(form.get_by_role("radio", checked=True)).to_have_count(0)
    form.get_by_role("button", name="Simpan pilihan").click()
    assert page.evaluate("() => document.querySelector('#conflict-form').checkValidity()") is False
    expect(form).to_be_visible()  # not saved: the browser asks her to pick
    form.get_by_role("radio", name="Nilai saya: Ibu Kader").check()
    form.get_by_role("button", name="Simpan pilihan").click()
    wait_synced(page)
    now = live_server.api("GET", f"/children/{child['id']}", "kader3").get_json()
    assert (now["mother_name"], now["address"]) == ("Ibu Kader", "Dusun Baru RT 07")
    assert now["version"] == changed.get_json()["version"] + 1, "one more version: hers, on the one she saw"
    assert errors == []


def test_a_conflict_on_a_child_moved_out_of_her_area_since_says_so_and_is_only_dropped(live_server, new_context):
    page, child, base, errors = _mother_name_conflict(live_server, new_context, "Ibu Kader Dua", "Ibu Bidan Dua")

    # before she opens it, the child moves to another posyandu, and her phone pulls that
    other = next(p["id"] for p in live_server.api("GET", "/posyandu?limit=100", "admin").get_json()["items"]
                 if p["id"] != child["posyandu_id"])
    assert live_server.api("PATCH", f"/children/{child['id']}", "admin", json={"posyandu_id": other}).status_code == 200
    _open_conflict_after_a_sync(page, base)
    card = page.locator("#conflict-moved")
    expect(card).to_contain_text("pindah ke luar wilayah Anda")
    expect(card.get_by_role("button")).to_have_count(1)  # no "restore": there is nothing here to restore
    # her screen, kept for the change that waits: her weighings and doses went with her, so no status
    # ("B — baru pertama kali ditimbang") nor doses "terlambat" worked out of none, nor a form to record more
    page.goto(f"{base}#/child/{child['id']}")
    screen = page.locator("section.child")
    expect(screen).to_contain_text("pindah ke luar wilayah Anda")
    for gone in ("a[href^='#/visit/']", "a[href^='#/doses/']", "#due", "#history", "#card"):
        expect(screen.locator(gone)).to_have_count(0)
    screen.get_by_role("link", name="Sinkron data").click()
    page.locator("#conflicts a").first.click()
    card.get_by_role("button", name="Buang").click()
    wait_synced(page)
    expect(page.locator("#sync-chip")).not_to_contain_text("perlu diselesaikan")
    assert live_server.api("GET", f"/children/{child['id']}", "admin").get_json()["mother_name"] == "Ibu Bidan Dua"
    assert errors == []
    # the live server is shared by the session's tests: the child goes back to kader3's posyandu
    assert live_server.api("PATCH", f"/children/{child['id']}", "admin",
                           json={"posyandu_id": child["posyandu_id"]}).status_code == 200


def test_a_field_typed_while_a_sync_pulls_anothers_change_of_it_is_a_conflict(live_server, new_context):
    """The edit form stays as drawn while she types (a sync does not redraw under her field): a pull
    brought the bidan's correction of the same field meanwhile, and the save was based on that newer
    version, so the server applied hers over the bidan's, unasked."""
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    child = live_server.api("GET", "/children?limit=1", "kader3").get_json()["items"][0]
    page.goto(f"{page.url.split('#')[0]}#/edit/{child['id']}")
    page.get_by_label("Nama ibu").fill("Ibu Kader")  # her focus stays in the field
    assert live_server.api("PATCH", f"/children/{child['id']}", "admin", json={"mother_name": "Ibu Bidan"}).status_code == 200
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # a sync runs: it pulls the bidan's version
    page.wait_for_function("() => document.getElementById('sync-chip').dataset.phase === 'done'")
    expect(page.get_by_label("Nama ibu")).to_have_value("Ibu Kader")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name=child["name"], exact=True).wait_for()
    expect(page.locator("#sync-chip")).to_have_text("1 perlu diselesaikan")
    assert live_server.api("GET", f"/children/{child['id']}", "kader3").get_json()["mother_name"] == "Ibu Bidan"


def test_a_weighing_corrected_offline_while_another_deleted_it_is_restored_or_left_deleted_on_a_second_tap(
        live_server, new_context):
    """Her correction of a weighing someone else deleted meanwhile: the queue named the field
    "deleted_at" (the server's name), the card said the help of a choice between values (there is
    none) and "Nilai di server" dropped her correction at one tap. Now it says what happened in her
    words, "Pulihkan" sends the weighing back with her change, and "Biarkan terhapus" asks first."""
    from datetime import date

    child_id = registered_by(live_server, "kader3", "Wulan Terhapus Sari", days_old=200, mother_name="Ratna")
    weighing = weighed_by(live_server, "kader3", child_id, measured_on=date.today().isoformat(), weight_kg=7.2)

    ctx, page, base, errors = _kader3_synced(live_server, new_context)
    ctx.set_offline(True)
    open_child(page, "Wulan Terhapus Sari")
    page.locator(f"#history tr[data-id='{weighing}']").get_by_role("link", name=re.compile("Ubah")).click()
    page.get_by_label("Berat badan (kg)").fill("7,4")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    deleted = live_server.api("DELETE", f"/measurements/{weighing}?reason=Tercatat+dua+kali", "bidan1")
    assert deleted.status_code == 204, deleted.get_json()
    ctx.set_offline(False)
    expect(page.locator("#sync-chip")).to_have_text("1 perlu diselesaikan")
    page.goto(f"{base}#/sync")
    entry = page.locator("#conflicts a")
    expect(entry).to_contain_text("Wulan Terhapus Sari")
    expect(entry.locator(".tag")).to_have_text("dihapus")
    entry.click()

    card = page.locator("#conflict-deleted")
    expect(card).to_contain_text("Orang lain sudah menghapus data ini di server, sementara Anda mengubahnya di HP ini.")
    expect(card).not_to_contain_text("Pilih nilai yang benar")
    card.get_by_role("button", name="Biarkan terhapus").click()  # asks first: her correction would go
    expect(card.get_by_role("button", name="Ya, buang perubahan saya")).to_be_focused()
    card.get_by_role("button", name="Batal").click()
    expect(page.locator("#conflict-deleted")).to_be_visible()
    card.get_by_role("button", name="Pulihkan data ini").click()
    wait_synced(page)
    expect(page.locator("#sync-chip")).not_to_contain_text("perlu diselesaikan")
    back = live_server.api("GET", f"/children/{child_id}/measurements", "kader3").get_json()["items"]
    assert [(m["id"], m["weight_kg"]) for m in back] == [(weighing, 7.4)]
    assert errors == []


def test_a_child_a_midwife_deleted_while_the_kader_edited_it_is_not_offered_back_to_her(live_server, new_context):
    """A kader does not undo a midwife's delete (only a midwife restores the child): her conflict card
    offered "Pulihkan data ini", and the restore it sent came back refused under "Perlu perhatian", a
    second thing to clear. Now the card says why, in her words, and offers only to leave it deleted."""
    child_id = registered_by(live_server, "kader3", "Laras Dihapus Bidan", days_old=300, mother_name="Sumi")
    ctx, page, base, errors = _kader3_synced(live_server, new_context)
    ctx.set_offline(True)
    page.goto(f"{base}#/edit/{child_id}")
    page.get_by_label("Nama ibu").fill("Sumiati")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Laras Dihapus Bidan", exact=True).wait_for()
    deleted = live_server.api("DELETE", f"/children/{child_id}?reason=Bukan+wilayah+posyandu", "bidan1")
    assert deleted.status_code == 204, deleted.get_json()
    ctx.set_offline(False)
    expect(page.locator("#sync-chip")).to_have_text("1 perlu diselesaikan")
    page.goto(f"{base}#/sync")
    page.locator("#conflicts a", has_text="Laras Dihapus Bidan").click()

    card = page.locator("#conflict-deleted")
    expect(card).to_contain_text("anak ini dihapus oleh bidan: hanya bidan yang dapat mengembalikannya")
    expect(card.get_by_role("button", name="Pulihkan data ini")).to_have_count(0)
    page.get_by_role("button", name="EN (English)").click()  # the reason follows the language she reads in
    expect(card).to_contain_text("only a midwife may bring her back")
    page.get_by_role("button", name="ID (Bahasa Indonesia)").click()
    page.locator("#conflict-deleted").get_by_role("button", name="Biarkan terhapus").click()
    wait_synced(page)
    expect(page.locator("#sync-chip")).not_to_contain_text("perlu")
    assert live_server.api("GET", f"/children/{child_id}", "bidan1").status_code == 404
    assert errors == []


def test_a_child_moved_away_while_her_edit_waited_leaves_the_lists_and_her_edit_is_only_discarded(
        live_server, new_context):
    """kader3, offline, corrects a child's phone number; a bidan moves the child to another posyandu.
    The sync refused the edit (the child is no longer hers) and kept the child for it: she stayed on
    the home list under her old posyandu, counted in S and in the day's doses due (her doses gone from
    the phone, so all of them "due"), and "Perbaiki" opened a form whose save was refused again.
    Now she is in no list or count; the refused edit says why and can only be discarded."""
    from tests.e2e.pages import registered_by
    from tests.e2e.test_skdn_offline import on_phone, on_server

    name = "Bima Pindah Posyandu"
    child_id = registered_by(live_server, "kader3", name, days_old=400, sex="M", mother_name="Tini")
    home = live_server.api("GET", f"/children/{child_id}", "kader3").get_json()["posyandu_id"]
    ctx, page, base, errors = _kader3_synced(live_server, new_context)
    ctx.set_offline(True)
    page.goto(f"{base}#/edit/{child_id}")
    page.get_by_label("No. HP orang tua").fill("081234567890")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name=name, exact=True).wait_for()
    other = next(p["id"] for p in live_server.api("GET", "/posyandu?limit=100", "bidan1").get_json()["items"] if p["id"] != home)
    assert live_server.api("PATCH", f"/children/{child_id}", "bidan1", json={"posyandu_id": other}).status_code == 200
    ctx.set_offline(False)
    expect(page.locator("#sync-chip")).to_have_text("1 perlu perhatian")
    page.goto(f"{base}#/")
    page.locator("#children a").first.wait_for()
    expect(page.locator("#children a", has_text=name)).to_have_count(0)
    page.locator("#skdn-here summary").click()
    from datetime import date

    assert on_phone(page) == on_server(live_server, "kader3", home, date.today().strftime("%Y-%m"))
    page.goto(f"{base}#/sync")
    refused = page.locator("#attention li", has_text=name)
    expect(refused.get_by_role("link", name="Perbaiki")).to_have_count(0)
    refused.get_by_role("button", name="Buang").click()
    refused.get_by_role("button", name="Ya, buang data ini").click()
    expect(page.locator("#sync-chip")).not_to_contain_text("perlu")
    assert errors == []
    assert live_server.api("PATCH", f"/children/{child_id}", "admin", json={"posyandu_id": home}).status_code == 200
