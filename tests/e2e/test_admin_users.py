"""The admin's "Pengguna" screen, in real Chromium against the real server: a puskesmas admin
adds a kader (her errors shown on their fields), edits her, moves her, gives her a temporary
password, switches her off with a second tap, and sees a kader left at a closed posyandu. The
screen is online only, fetched when an admin opens it (never in the offline shell), and refused
to a kader or bidan."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, starred, sw_ready, wait_synced
from tests.e2e.server import DEMO_PASSWORD

pytestmark = pytest.mark.e2e


def stored_user(server, username: str) -> dict | None:
    items = server.api("GET", f"/users?limit=100&q={username}", "admin").get_json()["items"]
    return next((u for u in items if u["username"] == username), None)


def posyandu_id(server, name: str) -> str:
    items = server.api("GET", "/posyandu?limit=100", "admin").get_json()["items"]
    return next(p["id"] for p in items if p["name"] == name)


def can_log_in(server, username: str, password: str) -> bool:
    resp = server.app.test_client().post("/api/v1/auth/login", json={"username": username, "password": password})
    return resp.status_code == 200


def open_users(page) -> None:
    page.goto(page.url.split("#")[0] + "#/")
    page.get_by_role("link", name="Pengguna", exact=True).click()
    page.get_by_role("heading", name="Pengguna", exact=True).wait_for()


def test_an_admin_adds_edits_resets_and_switches_off_a_kader(live_server, new_context, shot):
    base = live_server.url
    username = f"kader_{uuid.uuid4().hex[:6]}"
    page = new_context().new_page()
    login(page, base, "admin")
    open_users(page)
    expect(page.locator("#users-list")).to_contain_text("kader1b")

    # a new kader: every refusal of the server shown on its field at once, in Indonesian (the
    # username taken and the posyandu missing with the phone's format, not at the next tries)
    page.get_by_role("link", name="Tambah pengguna").click()
    form = page.locator("#user-new")
    form.get_by_label("Nama lengkap").fill("Kader Baru Sekali")
    form.get_by_label("Kata sandi sementara").fill("sementara-2026")
    form.get_by_label("Peran").select_option("kader")
    form.get_by_label("Nomor HP").fill("12")
    form.get_by_role("button", name="Simpan pengguna").click()
    expect(form.get_by_label("Nama pengguna")).to_have_attribute("aria-invalid", "true")
    expect(form.locator("#" + form.get_by_label("Nama pengguna").get_attribute("id") + "-e")).to_have_text("wajib diisi")
    form.get_by_label("Nama pengguna").fill("kader1")  # taken
    form.get_by_role("button", name="Simpan pengguna").click()
    for label in ("Nama pengguna", "Posyandu", "Nomor HP"):
        expect(form.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    expect(form.locator(".error").filter(has_text="sudah dipakai")).to_be_visible()
    expect(form.locator(".error").filter(has_text="wajib diisi")).to_be_visible()
    expect(form.locator(".error").filter(has_text="nomor HP tidak sah")).to_be_visible()
    expect(form.get_by_label("Nama pengguna")).to_be_focused()  # the first of them
    shot(page, "admin-users-errors")
    assert stored_user(live_server, "kader1")["name"] == "Kader Posyandu Melati"  # nothing changed

    form.get_by_label("Posyandu").select_option(label="Posyandu Melati")
    form.get_by_label("Nomor HP").fill("")
    form.get_by_label("Nama pengguna").fill(username)
    form.get_by_role("button", name="Simpan pengguna").click()
    page.get_by_role("heading", name="Kader Baru Sekali").wait_for()
    made = stored_user(live_server, username)
    assert made["role"] == "kader" and made["posyandu_id"] == posyandu_id(live_server, "Posyandu Melati") and made["active"]
    assert can_log_in(live_server, username, "sementara-2026")

    # found again by the list's search
    open_users(page)
    page.get_by_label("Cari nama atau nama pengguna").fill("baru sekali")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#users-list li")).to_have_count(1)
    page.locator("#users-list a", has_text="Kader Baru Sekali").click()
    page.get_by_role("heading", name="Kader Baru Sekali").wait_for()

    # renamed and moved to another posyandu
    edit = page.locator("#user-edit")
    edit.get_by_label("Nama lengkap").fill("Kader Mawar Baru")
    edit.get_by_label("Posyandu").select_option(label="Posyandu Mawar")
    edit.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator("#user-edit-note")).to_contain_text("Tersimpan")
    moved = stored_user(live_server, username)
    assert moved["name"] == "Kader Mawar Baru" and moved["posyandu_id"] == posyandu_id(live_server, "Posyandu Mawar")

    # a temporary password: a weak one refused on its field, then one set
    reset = page.locator("#user-password")
    reset.get_by_label("Kata sandi sementara baru").fill(username)
    reset.get_by_role("button", name="Atur ulang kata sandi").click()
    expect(reset.get_by_label("Kata sandi sementara baru")).to_have_attribute("aria-invalid", "true")
    reset.get_by_label("Kata sandi sementara baru").fill("baru-dari-admin-77")
    reset.get_by_role("button", name="Atur ulang kata sandi").click()
    expect(page.locator("#user-password-note")).to_contain_text("Kata sandi sementara disimpan")
    expect(page.locator("#user-temporary")).to_contain_text("belum mengganti kata sandi sementara")
    assert can_log_in(live_server, username, "baru-dari-admin-77")
    assert not can_log_in(live_server, username, "sementara-2026")

    # switched off: a second tap first
    page.get_by_role("button", name="Nonaktifkan").click()
    assert stored_user(live_server, username)["active"] is True  # not yet
    page.get_by_role("button", name="Ya, nonaktifkan akun ini").click()
    expect(page.locator("#user-state")).to_contain_text("Nonaktif")
    assert stored_user(live_server, username)["active"] is False
    assert not can_log_in(live_server, username, "baru-dari-admin-77")
    shot(page, "admin-users-off")

    # the list's filter finds her among the accounts switched off, and switches her on again
    open_users(page)
    expect(page.get_by_label("Cari nama atau nama pengguna")).to_have_value("baru sekali")  # the search kept
    page.get_by_label("Cari nama atau nama pengguna").fill("")
    page.get_by_label("Status").select_option("false")
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#users-list")).to_contain_text("Kader Mawar Baru")
    expect(page.locator("#users-list li", has_text="Kader Mawar Baru")).to_contain_text("Nonaktif")
    page.locator("#users-list a", has_text="Kader Mawar Baru").click()
    page.get_by_role("button", name="Aktifkan lagi").click()
    expect(page.locator("#user-state")).to_contain_text("Aktif")
    expect(page.locator("#user-state-note")).to_have_text("Akun diaktifkan lagi.")
    # a later save refused: the note of the earlier one goes (it stayed above "wajib diisi")
    page.locator("#user-edit").get_by_label("Nama lengkap").fill("")
    page.locator("#user-edit").get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator("#user-edit")).to_contain_text("wajib diisi")
    expect(page.locator("#user-state-note")).to_have_text("")
    assert stored_user(live_server, username)["active"] is True


def test_a_bidan_and_a_dinkes_account_need_their_area(live_server, new_context):
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    page.goto(live_server.url + "/#/users/new")
    form = page.locator("#user-new")
    form.get_by_label("Peran").select_option("bidan")
    expect(form.get_by_label("Posyandu")).to_be_hidden()
    form.get_by_label("Nama lengkap").fill("Bidan Baru")
    form.get_by_label("Nama pengguna").fill(f"bidan_{uuid.uuid4().hex[:6]}")
    form.get_by_label("Kata sandi sementara").fill("sementara-2026")
    form.get_by_role("button", name="Simpan pengguna").click()
    expect(form.get_by_label("Puskesmas")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Peran").select_option("dinkes")
    # a code with dots: not the decimal keypad, whose Indonesian layout may have a comma and no dot
    expect(form.get_by_label("Kode wilayah")).not_to_have_attribute("inputmode", "decimal")
    form.get_by_label("Kode wilayah").fill("99.99")
    form.get_by_role("button", name="Simpan pengguna").click()
    expect(form.get_by_label("Kode wilayah")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Kode wilayah").fill("35.25")
    form.get_by_role("button", name="Simpan pengguna").click()
    page.get_by_role("heading", name="Bidan Baru").wait_for()
    expect(page.locator("#user-edit").get_by_label("Kode wilayah")).to_have_value("35.25")


def test_a_kader_left_at_a_closed_posyandu_is_shown(live_server, new_context):
    from posyandu.audit import record_change
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu

    pkm = live_server.api("GET", "/puskesmas?limit=10", "admin").get_json()["items"][0]["id"]
    made = live_server.api("POST", "/posyandu", "admin", json={
        "name": "Posyandu Sementara", "desa_code": "35.25.01.2001", "puskesmas_id": pkm, "meeting_day": 20})
    assert made.status_code == 201, made.get_json()
    username = f"kader_{uuid.uuid4().hex[:6]}"
    kader = live_server.api("POST", "/users", "admin", json={
        "username": username, "password": "sementara-2026", "name": "Kader Tertinggal", "role": "kader",
        "posyandu_id": made.get_json()["id"]})
    assert kader.status_code == 201, kader.get_json()
    with live_server.app.app_context():  # closed with its kader (restored data, or closed before that was asked)
        record_change(db.session.get(Posyandu, uuid.UUID(made.get_json()["id"])), "delete", reason="closed")
        db.session.commit()

    page = new_context().new_page()
    login(page, live_server.url, "admin")
    open_users(page)
    page.get_by_label("Cari nama atau nama pengguna").fill(username)
    page.get_by_role("button", name="Cari").click()
    expect(page.locator("#users-list li")).to_have_count(1)
    expect(page.locator("#users-list li")).to_contain_text("Posyandu ditutup")
    page.locator("#users-list a", has_text="Kader Tertinggal").click()
    expect(page.locator("#user-closed")).to_contain_text("sudah ditutup")
    # renamed where she is (her closed posyandu is not sent back), then moved to an open one
    edit = page.locator("#user-edit")
    edit.get_by_label("Nama lengkap").fill("Kader Tertinggal Dua")
    edit.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator("#user-edit-note")).to_contain_text("Tersimpan")
    edit.get_by_label("Posyandu").select_option(label="Posyandu Melati")
    edit.get_by_role("button", name="Simpan perubahan").click()
    expect(page.locator("#user-edit-note")).to_contain_text("Tersimpan")
    expect(page.locator("#user-closed")).to_have_count(0)
    assert stored_user(live_server, username)["posyandu_closed"] is False


def test_a_dinkes_accounts_region_is_listed_by_its_name(live_server, new_context):
    """The list said a dinkes account's area as its code ("35.25"), which no one reads as Gresik."""
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    open_users(page)
    page.get_by_label("Peran").select_option(label="Dinas Kesehatan")
    page.get_by_role("button", name="Cari").click()
    row = page.locator("#users-list li", has_text="Dinkes Gresik")
    expect(row).to_contain_text("dinkes · Dinas Kesehatan · Kabupaten Gresik (35.25)")
    page.locator("#lang-btn").click()
    expect(page.locator("#users-list li", has_text="Dinkes Gresik")).to_contain_text(
        "health office · Kabupaten Gresik (35.25)")
def test_an_admin_is_sent_to_settings_for_her_own_password(live_server, new_context):
    """The server refuses her own password in PATCH /users/{id} (it would have ended her session
    and skipped the current password): her own account offers no reset, but the way to Settings,
    where the form asks the current one."""
    me = live_server.api("GET", "/auth/me", "admin").get_json()
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    page.goto(live_server.url + f"/#/users/{me['id']}")
    page.locator("#user-edit").wait_for()
    expect(page.locator("#user-password")).to_have_count(0)
    page.locator("#user-own-password a", has_text="Pengaturan").click()
    expect(page.locator("#password-form").get_by_label("Kata sandi sekarang")).to_be_visible()


@pytest.mark.parametrize("username", ["kader1", "bidan1"])
def test_a_kader_or_a_bidan_is_refused_the_users_screen(live_server, new_context, username):
    page = new_context().new_page()
    fetched = []
    page.on("request", lambda r: fetched.append(r.url) if "/js/online/" in r.url or "/api/v1/users" in r.url else None)
    login(page, live_server.url, username)
    expect(page.get_by_role("link", name="Pengguna", exact=True)).to_have_count(0)
    page.goto(live_server.url + "/#/users")
    page.wait_for_function("() => location.hash === '#/'")
    page.goto(live_server.url + "/#/users/new")
    page.wait_for_function("() => location.hash === '#/'")
    expect(page.get_by_role("heading", name="Pengguna", exact=True)).to_have_count(0)
    assert fetched == []


@pytest.mark.parametrize(("screen", "title", "shown"), [("users", "Pengguna", ("#users-list", "kader1")),
                                                     ("areas", "Puskesmas & posyandu", ("main", "Posyandu Melati"))])
def test_the_admin_screens_say_they_need_the_internet_offline(live_server, new_context, screen, title, shown):
    context = new_context()
    page = context.new_page()
    login(page, live_server.url, "admin")
    wait_synced(page)
    sw_ready(page)  # the shell cached: the app runs offline
    context.set_offline(True)
    page.evaluate(f"location.hash = '#/{screen}'")
    expect(page.locator(f"#{screen}-offline")).to_contain_text("Perlu internet")
    context.set_offline(False)
    page.get_by_role("heading", name=title, exact=True).wait_for()  # drawn again once online
    expect(page.locator(shown[0])).to_contain_text(shown[1])


def test_the_user_forms_star_each_field_the_server_requires(live_server, new_context):
    """The role and the area of it were asked with no star, as the only fields that could be left
    empty: the shell's forms star every field they require (ui.js star)."""
    page = new_context().new_page()
    login(page, live_server.url, "admin")
    page.goto(live_server.url + "/#/users/new")
    form = page.locator("#user-new")
    form.wait_for()
    assert starred(form) == {"Nama lengkap": True, "Nama pengguna": True, "Kata sandi sementara": True, "Peran": True,
                             "Posyandu": True, "Nomor HP": False}
    form.get_by_label("Peran").select_option("bidan")
    assert starred(form)["Puskesmas"] is True
    form.get_by_label("Peran").select_option("dinkes")
    assert starred(form)["Kode wilayah"] is True
    form.get_by_label("Peran").select_option("admin")
    assert "Posyandu" not in starred(form) and "Puskesmas" not in starred(form)


def test_a_switched_off_kader_logging_in_is_told_her_account_is_off_not_that_her_password_is_wrong(
        live_server, new_context):
    """A kader who left, switched off, tries her right password on a new phone: she was told "Nama
    pengguna atau kata sandi salah", and tried again until the limit, sure she had forgotten it. A
    wrong password is still only that."""
    username = f"kader.pergi.{uuid.uuid4().hex[:6]}"
    kader = live_server.api("POST", "/users", "admin", json={
        "username": username, "password": "sementara-2026", "name": "Kader Pergi", "role": "kader",
        "posyandu_id": posyandu_id(live_server, "Posyandu Melati")})
    assert kader.status_code == 201, kader.get_json()
    off = live_server.api("PATCH", f"/users/{kader.get_json()['id']}", "admin", json={"active": False})
    assert off.status_code == 200, off.get_json()
    page = new_context().new_page()
    page.goto(live_server.url + "/")
    alert = page.get_by_role("alert")
    # a wrong password: that, and what to do if forgotten; the right one: only that the account is off
    for password, said in (("salah-sekali", re.compile(r"^Nama pengguna atau kata sandi salah\. Lupa kata sandi\?")),
                           ("sementara-2026", "Akun ini dinonaktifkan")):
        page.get_by_label("Nama pengguna").fill(username)
        page.get_by_label("Kata sandi").fill(password)
        page.get_by_role("button", name="Masuk").click()
        expect(alert).to_have_text(said)
    expect(page.locator("input[name=pin]")).to_have_count(0)


def test_the_kader_forms_posyandu_list_names_namesakes_with_their_desa(live_server, new_context):
    """Two posyandu of one name ("Posyandu" before it and case aside) were listed alike in the new and
    edit user forms and the list's filter: the admin could not tell which one she put a kader at. Each
    is named with its desa, as the reports name it."""
    melati = posyandu_id(live_server, "Posyandu Melati")
    made = live_server.api("POST", "/posyandu", "admin", json={
        "name": "melati", "desa_code": "35.25.01.2002", "meeting_day": 9,
        "puskesmas_id": live_server.api("GET", f"/posyandu/{melati}", "admin").get_json()["puskesmas_id"]})
    assert made.status_code == 201, made.get_json()
    try:
        page = new_context().new_page()
        login(page, live_server.url, "admin")
        page.goto(live_server.url + "/#/users/new")
        form = page.locator("#user-new")
        form.get_by_label("Peran").select_option("kader")
        labels = form.get_by_label("Posyandu").locator("option").all_text_contents()
        assert {"Posyandu Melati (Sumbergede)", "melati (Sooko)"} <= set(labels), labels
        assert "Posyandu Mawar" in labels  # a name of its own stays as it is
    finally:
        assert live_server.api("DELETE", f"/posyandu/{made.get_json()['id']}?reason=e2e", "admin").status_code == 204
