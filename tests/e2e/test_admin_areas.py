"""The admin's "Puskesmas & posyandu" screen, in real Chromium against the real server: from
Settings she sees every puskesmas with its posyandu, adds a posyandu (the server's refusals shown
on their fields), renames it, and moves it to another puskesmas after a second tap that says what
follows (the old puskesmas's bidan lose it, the new one's see it); she adds a puskesmas, offered the
kecamatan of her district; she closes an empty posyandu and adds a missing region. Online only,
fetched when an admin opens it, and refused to a bidan."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, starred, wait_synced

pytestmark = pytest.mark.e2e


def puskesmas_ids(server) -> dict[str, str]:
    return {p["name"]: p["id"] for p in server.api("GET", "/puskesmas?limit=100", "admin").get_json()["items"]}


def posyandu_named(server, name: str, user: str = "admin") -> dict | None:
    items = server.api("GET", "/posyandu?limit=500", user).get_json()["items"]
    return next((p for p in items if p["name"] == name), None)


@pytest.fixture
def made_posyandu(live_server):
    """The posyandu a test made, closed after it (the other tests count the district's posyandu)."""
    made: list[str] = []
    yield made
    for name in made:
        pos = posyandu_named(live_server, name)
        if pos:
            closed = live_server.api("DELETE", f"/posyandu/{pos['id']}?reason=e2e", "admin")
            assert closed.status_code == 204, closed.get_json()


def open_areas(page) -> None:
    page.goto(page.url.split("#")[0] + "#/settings")
    page.get_by_role("link", name="Puskesmas & posyandu").click()
    page.get_by_role("heading", name="Puskesmas & posyandu", exact=True).wait_for()


def test_an_admin_adds_a_posyandu_renames_it_and_moves_it_to_another_puskesmas(live_server, new_context, made_posyandu,
                                                                                shot):
    pkm = puskesmas_ids(live_server)
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "admin")
    wait_synced(page)
    page.goto(live_server.url + "/#/users/new")  # the users screen reads the posyandu once a session
    page.locator("#user-new").wait_for()
    open_areas(page)
    wringinanom = page.locator(f'[data-puskesmas="{pkm["Puskesmas Wringinanom"]}"]')
    expect(wringinanom.get_by_role("heading")).to_have_text("Puskesmas Wringinanom")
    expect(wringinanom.locator("li")).to_have_text([re.compile(f"^Posyandu {n}") for n in ("Kenanga", "Mawar", "Melati")])
    shot(page, "admin-areas-list")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")  # nothing wider than 360 px

    # a new posyandu: the server's refusals on their fields, in Indonesian; nothing made meanwhile
    page.get_by_role("link", name="Tambah posyandu").click()
    form = page.locator("#posyandu-new")
    made_posyandu.extend(["Posyandu Uji Pindah", "Posyandu Uji Baru"])
    form.get_by_label("Nama").fill("Posyandu Uji Pindah")
    form.get_by_role("button", name="Simpan posyandu").click()  # no puskesmas chosen: said so, not as a bad id
    expect(form.get_by_label("Puskesmas")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("select[name=puskesmas_id] ~ .error")).to_have_text("wajib diisi")  # as its empty name would be
    form.get_by_label("Puskesmas").select_option(label="Puskesmas Wringinanom")
    form.get_by_label("Kode desa/kelurahan").fill("35.25.01.9999")
    form.get_by_label("Tanggal buka setiap bulan").fill("40")
    form.get_by_role("button", name="Simpan posyandu").click()
    # the day's format and the desa unknown, at once (the server's field checks); the first one focused
    day, desa = form.get_by_label("Tanggal buka setiap bulan"), form.get_by_label("Kode desa/kelurahan")
    expect(desa).to_have_attribute("aria-invalid", "true")
    expect(desa).to_be_focused()
    expect(form.locator(".error").filter(has_text="harus desa yang terdaftar")).to_be_visible()
    expect(day).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".error").filter(has_text="harus antara 1 dan 31")).to_be_visible()
    expect(form.get_by_label("Puskesmas")).not_to_have_attribute("aria-invalid", "true")
    shot(page, "admin-areas-refused")
    assert posyandu_named(live_server, "Posyandu Uji Pindah") is None
    # the desa of its puskesmas's kecamatan are offered, by name
    expect(form.locator("#desa_code-options option")).to_have_count(3)
    expect(form.locator('#desa_code-options option[value="35.25.01.2001"]')).to_have_attribute("label", "Sumbergede")
    desa.fill("35.25.01.2001")
    day.fill("18")
    form.get_by_role("button", name="Simpan posyandu").click()
    page.get_by_role("heading", name="Posyandu Uji Pindah").wait_for()
    expect(page.locator("#posyandu-edit-note")).to_have_text("Tersimpan: Posyandu Uji Pindah dibuat.")
    made = posyandu_named(live_server, "Posyandu Uji Pindah")
    assert made["puskesmas_id"] == pkm["Puskesmas Wringinanom"] and made["meeting_day"] == 18
    assert made["desa_code"] == "35.25.01.2001" and made["address"] is None

    # renamed
    edit = page.locator("#posyandu-edit")
    edit.get_by_label("Nama").fill("Posyandu Uji Baru")
    edit.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator("#posyandu-edit-note")).to_have_text("Tersimpan.")
    assert posyandu_named(live_server, "Posyandu Uji Baru")["id"] == made["id"]

    # moved: the second tap under the words of what follows; "Batal" leaves it where it is
    move = page.locator("#posyandu-move")
    move.get_by_label("Puskesmas tujuan").select_option(label="Puskesmas Driyorejo")
    move.get_by_role("button", name="Pindahkan", exact=True).click()
    words = page.locator("#posyandu-move-words")
    expect(words).to_contain_text("Pindahkan Posyandu Uji Baru dari Puskesmas Wringinanom ke Puskesmas Driyorejo?")
    expect(words).to_contain_text("Kader dan anak-anak posyandu ini ikut pindah.")
    expect(words).to_contain_text("Bidan Puskesmas Wringinanom tidak lagi melihat posyandu ini")
    yes = move.get_by_role("button", name="Ya, pindahkan ke Puskesmas Driyorejo")
    expect(yes).to_be_focused()
    expect(yes).to_have_attribute("aria-describedby", "posyandu-move-words")
    shot(page, "admin-areas-move-confirm")
    move.get_by_role("button", name="Batal").click()
    expect(words).to_have_count(0)
    expect(move.get_by_role("button", name="Pindahkan", exact=True)).to_be_focused()
    assert posyandu_named(live_server, "Posyandu Uji Baru")["puskesmas_id"] == pkm["Puskesmas Wringinanom"]
    assert posyandu_named(live_server, "Posyandu Uji Baru", "bidan1") is not None

    move.get_by_role("button", name="Pindahkan", exact=True).click()
    move.get_by_role("button", name="Ya, pindahkan ke Puskesmas Driyorejo").click()
    expect(page.locator("#posyandu-move-note")).to_have_text("Dipindahkan ke Puskesmas Driyorejo.")
    expect(page.locator("#posyandu-at")).to_have_text("Puskesmas Driyorejo")
    assert posyandu_named(live_server, "Posyandu Uji Baru")["puskesmas_id"] == pkm["Puskesmas Driyorejo"]
    assert posyandu_named(live_server, "Posyandu Uji Baru", "bidan1") is None  # the old puskesmas's bidan lost it
    assert posyandu_named(live_server, "Posyandu Uji Baru", "bidan2") is not None

    # the list shows it under its new puskesmas
    page.get_by_role("link", name="Semua puskesmas & posyandu").click()
    expect(page.locator(f'[data-puskesmas="{pkm["Puskesmas Driyorejo"]}"] li')).to_contain_text(["Posyandu Uji Baru"])
    expect(page.locator(f'[data-puskesmas="{pkm["Puskesmas Wringinanom"]}"]')).not_to_contain_text("Posyandu Uji Baru")

    # the users screen offers it to a kader (its posyandu, read before, read again since it changed)
    page.goto(live_server.url + "/#/users/new")
    expect(page.locator("#user-new").get_by_label("Posyandu").locator("option", has_text="Posyandu Uji Baru")).to_have_count(1)
    assert errors == []


def test_an_admin_adds_a_puskesmas_offered_the_kecamatan_of_her_district(live_server, new_context):
    added = live_server.api("POST", "/regions", "admin", json={"code": "35.25.03", "name": "Menganti"})
    assert added.status_code == 201, added.get_json()
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    open_areas(page)
    page.locator("#lang-btn").click()  # in English too
    expect(page.get_by_role("heading", name="Health centres & posyandu")).to_be_visible()
    expect(page.get_by_role("link", name="Edit Puskesmas Driyorejo")).to_be_visible()
    page.locator("#lang-btn").click()
    page.get_by_role("link", name="Tambah puskesmas").click()
    form = page.locator("#puskesmas-new")
    expect(form.locator("#kecamatan_code-options option")).to_have_count(3)
    expect(form.locator('#kecamatan_code-options option[value="35.25.03"]')).to_have_attribute("label", "Menganti")
    form.get_by_label("Kode kecamatan").fill("35.25.99")
    form.get_by_role("button", name="Simpan puskesmas").click()  # no name, and no such kecamatan
    expect(form.get_by_label("Nama")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".error").filter(has_text="wajib diisi")).to_be_visible()
    form.get_by_label("Nama").fill("Puskesmas Menganti")
    form.get_by_role("button", name="Simpan puskesmas").click()
    expect(form.get_by_label("Kode kecamatan")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".error").filter(has_text="harus kecamatan yang terdaftar")).to_be_visible()
    assert "Puskesmas Menganti" not in puskesmas_ids(live_server)

    form.get_by_label("Kode kecamatan").fill("35.25.03")
    form.get_by_role("button", name="Simpan puskesmas").click()
    expect(page.locator("#areas-note")).to_have_text("Tersimpan: Puskesmas Menganti dibuat.")
    made = puskesmas_ids(live_server)["Puskesmas Menganti"]
    card = page.locator(f'[data-puskesmas="{made}"]')
    expect(card).to_contain_text("Belum ada posyandu.")

    # its code corrected on its own page
    card.get_by_role("link", name="Ubah Puskesmas Menganti").click()
    edit = page.locator("#puskesmas-edit")
    edit.get_by_label("Kode puskesmas").fill("P3525030101")
    edit.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator("#puskesmas-edit-note")).to_have_text("Tersimpan.")
    edit.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator("#puskesmas-edit-note")).to_have_text("Tidak ada yang diubah.")
    stored = live_server.api("GET", "/puskesmas?limit=100", "admin").get_json()["items"]
    assert next(p for p in stored if p["id"] == made)["code"] == "P3525030101"


def test_the_areas_name_each_kecamatan_and_desa_not_only_its_code(live_server, new_context):
    """Each puskesmas said its kecamatan, and each posyandu its desa, as a code ("35.25.01"): named now,
    the code after the name (the forms ask for codes)."""
    pkm = puskesmas_ids(live_server)["Puskesmas Wringinanom"]
    melati = posyandu_named(live_server, "Posyandu Melati")["id"]
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    open_areas(page)
    card = page.locator(f"[data-puskesmas='{pkm}']")
    expect(card.locator("p.muted").first).to_contain_text("Wringinanom (35.25.01)")
    desa = card.locator(f"[data-posyandu='{melati}'] small")
    expect(desa).to_contain_text("Sumbergede (35.25.01.2001) · Buka setiap tanggal")
    card.get_by_role("link", name="Ubah Puskesmas Wringinanom").click()
    expect(page.locator(f"[data-posyandu='{melati}'] small")).to_contain_text("Sumbergede (35.25.01.2001)")
def test_a_bidan_is_refused_the_areas_screen(live_server, new_context):
    page = new_context().new_page()
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "/js/online/areas" in r.url else None)
    login(page, live_server.url, "bidan1")
    page.goto(live_server.url + "/#/settings")
    page.locator("#who").wait_for()
    expect(page.locator("#areas-link")).to_have_count(0)
    page.goto(live_server.url + "/#/areas/posyandu/new")
    page.wait_for_function("() => location.hash === '#/settings'")
    expect(page.get_by_role("heading", name="Puskesmas & posyandu")).to_have_count(0)
    assert fetched == []


def test_a_puskesmas_that_does_not_exist_is_said_not_found(live_server, new_context):
    """Its posyandu are asked for by ``/posyandu?puskesmas_id=``, which answers 404 for a puskesmas the
    caller does not see (or that does not exist), as its reports do, where it answered an empty page:
    the screen says "Tidak ditemukan." as for a posyandu that does not exist, not an error."""
    import uuid

    page = new_context().new_page()
    login(page, live_server.url, "admin")
    for kind in ("puskesmas", "posyandu"):
        page.goto(live_server.url + f"/#/areas/{kind}/{uuid.uuid4()}")
        expect(page.locator(".areas .notice.bad")).to_have_text("Tidak ditemukan.")


def test_an_admin_closes_an_empty_posyandu_told_first_what_still_holds_it(live_server, new_context, made_posyandu):
    """Closing a posyandu was only possible by hand (``DELETE /posyandu/<id>``): the screen now closes
    it after a second tap, with a reason kept in the audit log; while a child is registered there the
    server's refusal is said in the note and nothing is closed."""
    import uuid

    pkm = puskesmas_ids(live_server)
    made_posyandu.append("Posyandu Uji Tutup")
    pos = live_server.api("POST", "/posyandu", "admin", json={
        "name": "Posyandu Uji Tutup", "puskesmas_id": pkm["Puskesmas Wringinanom"], "desa_code": "35.25.01.2001",
        "meeting_day": 9}).get_json()
    child = live_server.api("POST", "/children", "admin", json={
        "id": str(uuid.uuid4()), "posyandu_id": pos["id"], "name": "Sinta Uji Tutup", "sex": "F",
        "birth_date": "2025-06-01"}).get_json()
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "admin")
    page.goto(live_server.url + f"/#/areas/posyandu/{pos['id']}")
    close = page.locator("#posyandu-close")
    expect(close).to_contain_text("Hanya posyandu tanpa anak terdaftar dan tanpa kader aktif")
    close.get_by_role("button", name="Tutup posyandu").click()
    expect(page.locator("#posyandu-close-words")).to_have_text(
        "Tutup Posyandu Uji Tutup? Posyandu ini tidak lagi muncul di daftar dan tidak dapat dipilih untuk anak atau kader.")
    close.get_by_role("button", name="Batal").click()  # nothing sent
    expect(close.get_by_role("button", name="Tutup posyandu")).to_be_focused()
    close.get_by_role("button", name="Tutup posyandu").click()
    close.get_by_role("button", name="Ya, tutup Posyandu Uji Tutup").click()
    expect(page.locator("#posyandu-close-note")).to_contain_text("posyandu ini masih punya 1 anak terdaftar: pindahkan dulu ke posyandu lain")
    expect(close.get_by_role("button", name="Tutup posyandu")).to_be_focused()  # not lost with the "Ya" button
    assert posyandu_named(live_server, "Posyandu Uji Tutup") is not None

    assert live_server.api("DELETE", f"/children/{child['id']}?reason=e2e", "admin").status_code == 204
    close.get_by_label("Alasan").fill("Digabung dengan Posyandu Mawar")
    close.get_by_role("button", name="Tutup posyandu").click()
    close.get_by_role("button", name="Ya, tutup Posyandu Uji Tutup").click()
    expect(page.locator("#areas-note")).to_have_text("Ditutup: Posyandu Uji Tutup.")
    expect(page.locator(f'[data-puskesmas="{pkm["Puskesmas Wringinanom"]}"]')).not_to_contain_text("Posyandu Uji Tutup")
    assert posyandu_named(live_server, "Posyandu Uji Tutup") is None
    from sqlalchemy import select

    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    with live_server.app.app_context():
        assert db.session.scalars(select(AuditLog.reason).where(
            AuditLog.record_id == pos["id"], AuditLog.action == "delete")).all() == ["Digabung dengan Posyandu Mawar"]
    assert errors == []


def test_an_admin_moves_every_child_of_a_posyandu_to_another_then_closes_it(live_server, new_context, made_posyandu):
    """Closing a posyandu with children meant editing each child: the screen moves them all at once
    to a posyandu she picks (named with its puskesmas), after a second tap that says its kader stay; the
    answer says how many moved and that one may be registered there already. Then it closes."""
    import uuid

    pkm = puskesmas_ids(live_server)["Puskesmas Wringinanom"]
    made_posyandu.extend(["Posyandu Uji Asal", "Posyandu Uji Tujuan"])
    made = {name: live_server.api("POST", "/posyandu", "admin", json={
        "name": name, "puskesmas_id": pkm, "desa_code": "35.25.01.2001", "meeting_day": 9}).get_json()
        for name in made_posyandu[-2:]}
    source, target = made["Posyandu Uji Asal"], made["Posyandu Uji Tujuan"]

    def register(pos, name, born):
        resp = live_server.api("POST", "/children", "admin", json={
            "id": str(uuid.uuid4()), "posyandu_id": pos["id"], "name": name, "sex": "F", "birth_date": born})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    kids = [register(source, "Sinta Uji Pindah", "2025-06-01"), register(source, "Rina Uji Pindah", "2024-09-09"),
            register(target, "Rina Uji Pindah", "2024-09-09")]  # Rina registered at both
    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "admin")
    page.goto(live_server.url + f"/#/areas/posyandu/{source['id']}")
    form = page.locator("#posyandu-children")
    expect(form).to_contain_text("Bulan-bulan sebelumnya tetap dihitung di posyandu ini.")
    form.get_by_role("button", name="Pindahkan anak-anak").click()  # none chosen: the server's words, on the field
    expect(form.get_by_label("Posyandu tujuan")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("select[name=to_posyandu_id] ~ .error")).to_have_text("wajib diisi")
    assert "Posyandu Uji Asal (Puskesmas Wringinanom)" not in form.get_by_label("Posyandu tujuan").inner_text()
    form.get_by_label("Posyandu tujuan").select_option(label="Posyandu Uji Tujuan (Puskesmas Wringinanom)")
    form.get_by_label("Alasan").fill("Digabung dengan Posyandu Uji Tujuan")
    form.get_by_role("button", name="Pindahkan anak-anak").click()
    expect(page.locator("#posyandu-children-words")).to_have_text(
        "Pindahkan semua anak Posyandu Uji Asal ke Posyandu Uji Tujuan? HP kader Posyandu Uji Asal tidak lagi menyimpan "
        "data anak-anak ini; HP kader Posyandu Uji Tujuan mengunduhnya. Kadernya tidak ikut pindah: ubah di Pengguna.")
    assert live_server.api("GET", f"/children?posyandu_id={target['id']}", "admin").get_json()["items"][0]["id"] == kids[2]
    form.get_by_role("button", name="Ya, pindahkan ke Posyandu Uji Tujuan").click()
    expect(page.locator("#posyandu-children-note")).to_have_text(
        "2 anak dipindahkan ke Posyandu Uji Tujuan. 1 di antaranya mungkin sudah terdaftar di Posyandu Uji Tujuan: "
        "periksa di Kemungkinan anak ganda.")
    moved = live_server.api("GET", f"/children?posyandu_id={target['id']}&limit=10", "admin").get_json()["items"]
    assert sorted(c["id"] for c in moved) == sorted(kids)
    assert live_server.api("GET", f"/children?posyandu_id={source['id']}", "admin").get_json()["items"] == []

    page.locator("#posyandu-close").get_by_role("button", name="Tutup posyandu").click()
    page.locator("#posyandu-close").get_by_role("button", name="Ya, tutup Posyandu Uji Asal").click()
    expect(page.locator("#areas-note")).to_have_text("Ditutup: Posyandu Uji Asal.")
    for kid in kids:  # the target closes after the test, once empty
        assert live_server.api("DELETE", f"/children/{kid}?reason=e2e", "admin").status_code == 204
    assert errors == []


def test_an_admin_adds_a_region_its_parent_needed_first(live_server, new_context):
    """A kecamatan or desa missing from those the forms offer was added only by hand (``POST /regions``):
    the list screen adds it now, the server's refusal (no such parent) on the code's field."""
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    open_areas(page)
    page.get_by_text("Tambah wilayah (kecamatan atau desa)").click()
    form = page.locator("#region-new")
    form.get_by_label("Kode wilayah").fill("35.26.01")  # its kabupaten, 35.26, not yet known
    form.get_by_label("Nama wilayah").fill("Kamal")
    form.get_by_role("button", name="Simpan wilayah").click()
    expect(form.get_by_label("Kode wilayah")).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".error").filter(has_text="wilayah induk harus ada dulu")).to_be_visible()
    form.get_by_label("Kode wilayah").fill("35.26")
    form.get_by_label("Nama wilayah").fill("Bangkalan")
    form.get_by_role("button", name="Simpan wilayah").click()
    # said in the form, left open and empty for the next: she adds a kecamatan, then its desa (the form
    # closed, its word at the top of the page, and she opened it again for each)
    expect(form.locator("#region-new-note")).to_have_text("Tersimpan: wilayah 35.26 Bangkalan.")
    expect(page.locator("#region-add")).to_have_attribute("open", "")
    expect(form.get_by_label("Kode wilayah")).to_have_value("")
    form.get_by_label("Kode wilayah").fill("35.26.01")
    form.get_by_label("Nama wilayah").fill("Kamal")
    form.get_by_role("button", name="Simpan wilayah").click()
    expect(form.locator("#region-new-note")).to_have_text("Tersimpan: wilayah 35.26.01 Kamal.")
    open_areas(page)  # once said, it is not said again, and the form is closed
    expect(page.locator("#region-add")).not_to_have_attribute("open", "")
    under = live_server.api("GET", "/regions?parent_code=35.26", "admin").get_json()["items"]
    assert [(r["code"], r["name"], r["level"]) for r in under] == [("35.26.01", "Kamal", "kecamatan")]


def _region_form_saved(live_server, new_context, code: str, name: str):
    """The admin's region form filled with ``code`` and ``name`` and saved: the form and its question."""
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    open_areas(page)
    page.get_by_text("Tambah wilayah (kecamatan atau desa)").click()
    form = page.locator("#region-new")
    form.get_by_label("Kode wilayah").fill(code)
    form.get_by_label("Nama wilayah").fill(name)
    form.get_by_role("button", name="Simpan wilayah").click()
    return page, form, page.locator("#region-rename-confirm")


def test_a_region_code_already_taken_renames_it_only_once_she_confirms_the_old_name(live_server, new_context):
    """``POST /regions`` with a code already there renames that region. The form posted at once, so an
    admin adding a kecamatan under a mistyped code renamed a real one without a word: she is now shown
    the name it has and asked; the same name again changes nothing."""
    live_server.api("POST", "/regions", "admin", json={"code": "35.27", "name": "Sampang"})
    page, form, ask = _region_form_saved(live_server, new_context, "35.27", "Pamekasan")
    expect(ask).to_contain_text("Kode 35.27 sudah dipakai wilayah Sampang. Ganti namanya menjadi Pamekasan?")
    ask.get_by_role("button", name="Batal").click()
    expect(ask).to_be_hidden()
    names = lambda: {r["code"]: r["name"] for r in  # noqa: E731
                     live_server.api("GET", "/regions?parent_code=35", "admin").get_json()["items"]}
    assert names()["35.27"] == "Sampang"

    form.get_by_label("Nama wilayah").fill("Sampang")
    form.get_by_role("button", name="Simpan wilayah").click()
    expect(page.locator("#region-new-note")).to_have_text("Wilayah 35.27 Sampang sudah ada; tidak ada yang diubah.")

    form.get_by_label("Nama wilayah").fill("Kabupaten Sampang")
    form.get_by_role("button", name="Simpan wilayah").click()
    ask.get_by_role("button", name="Ya, ganti nama menjadi Kabupaten Sampang").click()
    expect(page.locator("#region-new-note")).to_have_text("Tersimpan: wilayah 35.27 Kabupaten Sampang.")
    assert names()["35.27"] == "Kabupaten Sampang"


def test_a_provinces_code_typed_alone_renames_it_only_once_she_confirms(live_server, new_context):
    """A province's code has no parent to list its region under: the form posted it at once, so "35"
    typed with a kecamatan's name renamed Jawa Timur, every report of the province with it, unasked."""
    _, _, ask = _region_form_saved(live_server, new_context, "35", "Kamal")
    expect(ask).to_contain_text("Kode 35 sudah dipakai wilayah Jawa Timur. Ganti namanya menjadi Kamal?")
    ask.get_by_role("button", name="Batal").click()
    provinces = [r for r in live_server.api("GET", "/regions?limit=500", "admin").get_json()["items"] if r["code"] == "35"]
    assert [r["name"] for r in provinces] == ["Jawa Timur"]


def test_the_area_forms_star_each_field_the_server_requires(live_server, new_context):
    """A new posyandu's puskesmas, and the puskesmas to move one to, were asked with no star: the
    shell's forms star every field they require (ui.js star)."""
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    page.goto(live_server.url + "/#/areas/posyandu/new")
    form = page.locator("#posyandu-new")
    form.wait_for()
    assert starred(form) == {"Nama": True, "Puskesmas": True, "Kode desa/kelurahan": True,
                             "Tanggal buka setiap bulan": True, "Alamat": False}
    melati = posyandu_named(live_server, "Posyandu Melati")
    page.goto(live_server.url + f"/#/areas/posyandu/{melati['id']}")
    page.locator("#posyandu-move").wait_for()
    assert starred(page.locator("#posyandu-move")) == {"Puskesmas tujuan": True}
