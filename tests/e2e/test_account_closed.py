"""A parent with two phones closes her account on one, in real Chromium against the real server: her
other phone, opened with its PIN at its next online start, is answered 401 account_closed (before:
token_revoked, "log in again", her children's data kept behind the PIN), deletes her database,
forgets her login and shows the login screen saying so."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import PIN, login, wait_synced

pytestmark = pytest.mark.e2e

SECRET = "rahasia-ibu-dua-hp"


def _databases(page) -> list[str]:
    return page.evaluate("() => indexedDB.databases().then((list) => list.map((d) => d.name))")


def test_a_parent_closes_her_account_on_one_phone_and_the_other_forgets_it(live_server, new_context, shot):
    base = live_server.url
    child = live_server.api("GET", "/children?limit=1", "kader1").get_json()["items"][0]
    code = live_server.api("POST", f"/children/{child['id']}/invitations", "kader1").get_json()["code"]
    made = live_server.api("POST", "/auth/register", json={"code": code, "username": "ibu.dua.hp", "password": SECRET,
                                                            "name": "Ibu Dua HP"})
    assert made.status_code == 201, made.get_json()
    user_id = made.get_json()["user"]["id"]

    phones = []
    for _ in range(2):
        page = new_context().new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        login(page, base, "ibu.dua.hp", SECRET)
        wait_synced(page)
        expect(page.locator("#children")).to_contain_text(child["name"])
        assert f"posyandu-{user_id}" in _databases(page)
        phones.append((page, errors))
    (first, _), (other, other_errors) = phones

    # on the first phone: Pengaturan → "Tutup akun saya", her password, a second tap
    first.goto(first.url.split("#")[0] + "#/settings")
    form = first.locator("#close-account")
    form.get_by_label("Kata sandi sekarang").fill(SECRET)
    form.get_by_role("button", name="Tutup akun saya").click()
    form.get_by_role("button", name="Ya, tutup akun").click()
    first.get_by_role("heading", name="Masuk").wait_for()
    # she is told it is done (the page reloaded to the login with nothing said: had it worked?)
    expect(first.get_by_role("alert").filter(has_text="Akun ini sudah ditutup")).to_have_text(
        "Akun ini sudah ditutup. Data anak di HP ini sudah dihapus.")
    first.reload()  # said once
    first.get_by_role("heading", name="Masuk").wait_for()
    expect(first.get_by_role("alert").filter(has_text="Akun ini sudah ditutup")).to_have_count(0)

    # the other phone, opened again with its PIN: its sync is refused account_closed, so it forgets
    other.reload()
    other.get_by_role("heading", name="Masukkan PIN").wait_for()
    other.locator("input[name=pin]").fill(PIN)
    other.get_by_role("button", name="Buka").click()  # the app opens, then its first sync forgets her
    notice = other.get_by_role("alert").filter(has_text="Akun ini sudah ditutup")
    expect(notice).to_have_text("Akun ini sudah ditutup. Data anak di HP ini sudah dihapus.")
    expect(other.get_by_label("Nama pengguna")).to_be_visible()
    expect(other.locator("#nav")).to_be_hidden()
    assert child["name"] not in other.locator("#main").inner_text()
    shot(other, "account-closed-other-phone", full_page=False)
    other.wait_for_function(f"() => indexedDB.databases().then((l) => !l.some((d) => d.name === 'posyandu-{user_id}'))")
    # opened again, it has no login of hers to offer (no PIN screen): the password login only
    other.reload()
    expect(other.get_by_label("Nama pengguna")).to_be_visible()
    expect(other.get_by_role("heading", name="Masukkan PIN")).to_have_count(0)
    assert other_errors == []


def test_a_parents_phone_whose_session_the_server_no_longer_accepts_forgets_her_children(live_server, new_context):
    """She changed her password on another phone (her old phone lent or lost): the server refuses this
    phone's tokens. It kept showing her children's charts and cards behind its PIN, saying only "Gagal
    memperbarui" in its header. A parent has nothing unsent: at its first refused sync it deletes her data
    and forgets her login, saying why, as for an account closed."""
    from tests.e2e.pages import parent_phone

    child = live_server.api("GET", "/children?limit=1", "kader2").get_json()["items"][0]
    page, user_id = parent_phone(new_context, live_server, child["id"], "kader2", "ibu.hp.lama", "Ibu HP Lama")
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    expect(page.locator("#children")).to_contain_text(child["name"])

    # on her new phone (the API), a new password: every token of the old one is refused
    client = live_server.app.test_client()
    token = client.post("/api/v1/auth/login", json={"username": "ibu.hp.lama", "password": "kuat-sekali"}).get_json()["access_token"]
    changed = client.post("/api/v1/auth/password", json={"current_password": "kuat-sekali", "new_password": SECRET},
                          headers={"Authorization": f"Bearer {token}"})
    assert changed.status_code == 200, changed.get_json()

    page.reload()
    page.get_by_role("heading", name="Masukkan PIN").wait_for()
    page.locator("input[name=pin]").fill(PIN)
    page.get_by_role("button", name="Buka").click()
    notice = page.get_by_role("alert").filter(has_text="Sesi di HP ini berakhir")
    expect(notice).to_have_text("Sesi di HP ini berakhir: masuk lagi. Data anak di HP ini dihapus sampai Anda masuk lagi.")
    expect(page.get_by_label("Nama pengguna")).to_be_visible()
    assert child["name"] not in page.locator("#main").inner_text()
    page.wait_for_function(f"() => indexedDB.databases().then((l) => !l.some((d) => d.name === 'posyandu-{user_id}'))")
    assert errors == []
