"""One phone, two accounts, in real Chromium: a mother's phone left on her child's screen, the app
reopened (its PIN screen) and "Masuk dengan akun lain" tapped for another parent. The other parent
landed on the first one's child's address and was told "Anak ini tidak ada di HP ini. Perbarui data,
atau tanyakan ke kader." as if her own child were missing. Now a login as someone else starts at
home. Reads only."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, offline_with_new_child, wait_synced

pytestmark = pytest.mark.e2e


def test_another_account_logging_in_on_the_pin_screen_starts_at_her_home_not_the_last_users_child(live_server, new_context):
    base = live_server.url
    # a mother of Posyandu Mawar (kader2's), whose phone never holds orangtua's Melati children
    mawar = live_server.api("GET", "/children?limit=1", "kader2").get_json()["items"][0]["id"]
    code = live_server.api("POST", f"/children/{mawar}/invitations", "kader2").get_json()["code"]
    made = live_server.api("POST", "/auth/register", json={"code": code, "username": f"ibu_hp_{mawar[:8]}",
                                                           "password": "kuat-sekali", "name": "Ibu Mawar"})
    assert made.status_code == 201, made.get_json()
    page = new_context().new_page()
    login(page, base, "orangtua")
    wait_synced(page)
    page.locator("#children a").first.click()
    expect(page).to_have_url(f"{base}/#/child/" + page.url.split("/")[-1])
    page.reload()
    page.get_by_role("heading", name="Masukkan PIN").wait_for()
    page.get_by_role("button", name="Masuk dengan akun lain").click()
    page.get_by_label("Nama pengguna").fill(f"ibu_hp_{mawar[:8]}")
    page.get_by_label("Kata sandi").fill("kuat-sekali")
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.locator("input[name=pin]").fill("135792")
    page.locator("input[name=pin2]").fill("135792")
    page.get_by_role("button", name="Simpan").click()
    page.locator("#nav").wait_for()
    expect(page).to_have_url(f"{base}/#/")
    expect(page.locator("main")).not_to_contain_text("tidak ada di HP ini")
    expect(page.locator(f"#children a[href='#/child/{mawar}']")).to_be_visible()  # her home, her child
    live_server.api("DELETE", f"/children/{mawar}/parents/{made.get_json()['user']['id']}", "kader2")


def test_the_pin_screen_says_what_waits_for_its_user_before_another_account_logs_in(live_server, new_context):
    """A kader's records wait, unsent, behind her PIN; another kader logging in on this phone saw nothing
    of them, weighed the same children again, and the midwife's list of phones said nothing waited. The
    PIN screen now says how many wait for whom, and "Masuk dengan akun lain" asks a second tap."""
    base = live_server.url
    ctx, page, _ = offline_with_new_child(new_context, base, "kader6", "Anak Menunggu PIN", days_old=200)
    page.reload()
    page.get_by_role("heading", name="Masukkan PIN").wait_for()
    notice = page.locator("#pin-unsent")
    expect(notice).to_have_text("1 data Kader Posyandu Dahlia belum terkirim di HP ini: terkirim saat ia "
                                "membuka aplikasi dengan PIN-nya.")
    page.get_by_role("button", name="Masuk dengan akun lain").click()
    expect(page.get_by_label("Nama pengguna")).to_have_count(0)  # asked first
    page.get_by_role("button", name="Data itu tetap menunggu Kader Posyandu Dahlia. Tetap masuk dengan akun lain").click()
    expect(page.get_by_label("Nama pengguna")).to_be_visible()
