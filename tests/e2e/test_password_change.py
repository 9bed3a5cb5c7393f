"""A cadre changes her password on the phone, in real Chromium: a wrong current password is
shown on its field, the change keeps this phone signed in (its new tokens sealed under the
PIN, so a reload still syncs) and ends the session of her other phone."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import enter_pin, login, register_child, wait_synced

pytestmark = pytest.mark.e2e

OLD, NEW = "sandi-lama-2026", "sandi-baru-2026"


def test_a_cadre_changes_her_password_and_her_other_phone_must_log_in_again(live_server, new_context, shot):
    client = live_server.app.test_client()
    admin = client.post("/api/v1/auth/login", json={"username": "admin", "password": "posyandu123"}).get_json()
    posyandu = live_server.api("GET", "/auth/me", "kader1").get_json()["posyandu_id"]
    made = client.post("/api/v1/users", headers={"Authorization": f"Bearer {admin['access_token']}"},
                       json={"username": "kader_sandi", "password": "sementara-2026", "name": "Kader Sandi",
                             "role": "kader", "posyandu_id": posyandu})
    assert made.status_code == 201, made.get_json()
    # the admin's password is temporary: on her other phone she set her own (tests/e2e/test_temporary_password.py)
    temporary = client.post("/api/v1/auth/login", json={"username": "kader_sandi", "password": "sementara-2026"}).get_json()
    other_phone = client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {temporary['access_token']}"},
                              json={"current_password": "sementara-2026", "new_password": OLD}).get_json()

    page = new_context().new_page()
    login(page, live_server.url, "kader_sandi", OLD)
    wait_synced(page, timeout=60000)
    page.goto(page.url.split("#")[0] + "#/settings")
    form = page.locator("#password-form")
    form.get_by_label("Kata sandi sekarang").fill("bukan-sandi-ini")
    form.get_by_label(re.compile("^Kata sandi baru")).fill(NEW)
    form.get_by_label("Ulangi kata sandi baru").fill(NEW)
    form.get_by_role("button", name="Ganti kata sandi").click()
    current = form.get_by_label("Kata sandi sekarang")
    expect(current).to_have_attribute("aria-invalid", "true")
    expect(form.locator(f"#{current.get_attribute('id')}-e")).to_have_text("kata sandi salah")
    # two different new passwords are caught on the phone
    current.fill(OLD)
    form.get_by_label("Ulangi kata sandi baru").fill(NEW + "x")
    form.get_by_role("button", name="Ganti kata sandi").click()
    expect(form.get_by_label("Ulangi kata sandi baru")).to_have_attribute("aria-invalid", "true")
    form.get_by_label("Ulangi kata sandi baru").fill(NEW)
    form.get_by_role("button", name="Ganti kata sandi").click()
    expect(page.locator("#password-note")).to_have_text(
        "Kata sandi sudah diganti. HP lain yang memakai akun ini harus masuk lagi; datanya tetap tersimpan.")
    shot(page, "10-settings-password-changed", full_page=False)

    # the other phone's tokens are refused; the new password logs in, the old one does not
    assert client.post("/api/v1/auth/refresh",
                       headers={"Authorization": f"Bearer {other_phone['refresh_token']}"}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "kader_sandi", "password": OLD}).status_code == 401
    assert client.post("/api/v1/auth/login", json={"username": "kader_sandi", "password": NEW}).status_code == 200

    # this phone, reopened with its PIN, still sends a new child with the tokens it kept
    page.reload()
    enter_pin(page)
    register_child(page, "Dewi Sandi Baru", days_old=300)
    wait_synced(page, timeout=60000)
    assert len(live_server.api("GET", "/children?q=Dewi Sandi Baru", "kader1").get_json()["items"]) == 1


def test_a_parent_changing_her_password_is_told_her_other_phones_delete_her_childrens_data(live_server, new_context):
    """A parent was told her other phones "keep their data" (a cadre's words): a parent's phone whose
    session ends deletes her children's data until she logs in there again (README). Now she is told so."""
    from tests.e2e.pages import parent_phone

    child = live_server.api("GET", "/children?limit=1", "kader3").get_json()["items"][0]
    page, _ = parent_phone(new_context, live_server, child["id"], "kader3", "ibu.ganti.sandi", "Ibu Ganti Sandi")
    page.goto(page.url.split("#")[0] + "#/settings")
    form = page.locator("#password-form")
    expect(form.locator(".hint")).to_contain_text("tidak mudah ditebak")
    form.get_by_label("Kata sandi sekarang").fill("kuat-sekali")
    form.get_by_label(re.compile("^Kata sandi baru")).fill(NEW)
    form.get_by_label("Ulangi kata sandi baru").fill(NEW)
    form.get_by_role("button", name="Ganti kata sandi").click()
    expect(page.locator("#password-note")).to_have_text(
        "Kata sandi sudah diganti. HP lain yang memakai akun ini harus masuk lagi; sampai itu, data anak di HP "
        "tersebut dihapus.")
