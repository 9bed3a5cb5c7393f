"""A password an admin sets is temporary, in real Chromium: the cadre's first login goes straight to
"Ganti kata sandi" (nothing else reachable, no sync), her own password opens the app; and when the
admin resets it while her phone holds a child not yet sent, the child waits in the outbox through
the login again and the password change, then reaches the server."""
from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import PIN, register_child, start_login, wait_synced, waiting

pytestmark = pytest.mark.e2e

TEMPORARY, OWN, RESET, OWN_AGAIN = "sementara-2026", "pilihan-sendiri-2026", "sementara-lagi-2026", "pilihan-kedua-2026"


def _change(page, current: str, new: str) -> None:
    form = page.locator("#password-form")
    form.get_by_label("Kata sandi sekarang").fill(current)
    form.get_by_label(re.compile("^Kata sandi baru")).fill(new)
    form.get_by_label("Ulangi kata sandi baru").fill(new)
    form.get_by_role("button", name="Ganti kata sandi").click()


def _on_password_screen(page, waiting: int = 0) -> None:
    expect(page.locator("#temporary-password-note")).to_contain_text("Ganti kata sandi sementara Anda dulu")
    page.wait_for_function("() => location.hash === '#/password'")
    expect(page.locator("#nav")).to_be_hidden()
    # the header says nothing was synced, and why: never "Tersinkron" (nor "n akan dikirim")
    said = f"{waiting} belum terkirim" if waiting else "Belum sinkron"
    expect(page.locator("#sync-chip")).to_have_text(said)
    expect(page.locator("#sync-chip")).to_have_accessible_name(f"{said}: ganti kata sandi dulu")


def _temporary_kader(live_server, name: str) -> tuple:
    """A new kader of kader1's posyandu whose password the admin set (TEMPORARY): (username, her user
    record, the admin's headers)."""
    client = live_server.app.test_client()
    admin = client.post("/api/v1/auth/login", json={"username": "admin", "password": "posyandu123"}).get_json()
    as_admin = {"Authorization": f"Bearer {admin['access_token']}"}
    posyandu = live_server.api("GET", "/auth/me", "kader1").get_json()["posyandu_id"]
    username = f"kader_{uuid.uuid4().hex[:6]}"
    made = client.post("/api/v1/users", headers=as_admin, json={
        "username": username, "password": TEMPORARY, "name": name, "role": "kader", "posyandu_id": posyandu})
    assert made.status_code == 201 and made.get_json()["must_change_password"] is True, made.get_json()
    return username, made.get_json(), as_admin


def test_a_temporary_password_is_changed_first_and_a_reset_keeps_the_unsent_child(live_server, new_context, shot):
    username, made, as_admin = _temporary_kader(live_server, "Kader Sementara")
    client = live_server.app.test_client()

    page = new_context().new_page()
    start_login(page, live_server.url, username, TEMPORARY)
    page.get_by_role("button", name="Simpan").click()
    _on_password_screen(page)
    shot(page, "11-temporary-password", full_page=False)
    page.goto(page.url.split("#")[0] + "#/register")  # nothing else is reachable
    _on_password_screen(page)
    _change(page, TEMPORARY, OWN)
    page.locator("#nav").wait_for()
    page.wait_for_function("() => location.hash === '#/'")
    wait_synced(page, timeout=60000)
    me = client.post("/api/v1/auth/login", json={"username": username, "password": OWN}).get_json()
    assert me["user"]["must_change_password"] is False

    # offline, she registers a child; the admin resets her password meanwhile (she forgot it, say)
    page.context.set_offline(True)
    register_child(page, "Rina Sementara", days_old=200)
    expect(page.locator("#sync-chip")).to_have_text(waiting(1))
    reset = client.patch(f"/api/v1/users/{made['id']}", headers=as_admin, json={"password": RESET})
    assert reset.status_code == 200 and reset.get_json()["must_change_password"] is True
    # what the live region says, each text kept (a later announcement replaces it)
    page.evaluate("() => { window.said = []; new MutationObserver(() => window.said.push(document.getElementById('live')"
                  ".textContent)).observe(document.getElementById('live'), {childList: true, characterData: true, subtree: true}); }")
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    page.wait_for_function("() => document.getElementById('sync-chip').dataset.phase === 'login_required'",
                           timeout=60000)
    # said to a screen reader too, not the chip's change alone; once, not at every sync tried after
    page.wait_for_function("() => window.said.some((text) => text.includes('kata sandi diganti admin'))")
    with page.expect_response(lambda r: r.url.endswith("/sync/push"), timeout=60000):
        register_child(page, "Rina Kedua", days_old=210)   # a save tries a sync, refused again
    page.wait_for_function("() => document.getElementById('sync-chip').dataset.phase === 'login_required'")
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.said.filter((text) => text.includes('kata sandi diganti admin')).length") == 1
    # said on every screen, not "1 belum terkirim" alone (she did not know to log in), in one line at 360 px,
    # its label with how many wait
    chip = page.locator("#sync-chip")
    expect(chip).to_have_text("Perlu masuk lagi")
    expect(chip).to_have_attribute("aria-label", "2 belum terkirim: Perlu masuk lagi")
    lines = chip.evaluate("(c) => { const r = document.createRange(); r.selectNodeContents(c); "
                          "return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }")
    assert lines == 1, chip.bounding_box()
    page.goto(page.url.split("#")[0] + "#/sync")
    expect(page.locator("main")).to_contain_text("kata sandi diganti admin")  # why her old one is refused
    page.locator("main").get_by_role("button", name="Masuk", exact=True).click()
    # her name typed for her, the password asked (focused)
    expect(page.get_by_label("Nama pengguna")).to_have_value(username)
    expect(page.get_by_label("Kata sandi")).to_be_focused()
    page.get_by_label("Kata sandi").fill(RESET)
    page.get_by_role("button", name="Masuk", exact=True).click()
    page.locator("input[name=pin]").fill(PIN)
    page.locator("input[name=pin2]").fill(PIN)
    page.get_by_role("button", name="Simpan").click()
    _on_password_screen(page, waiting=2)
    kader1 = live_server.api("GET", "/children?q=Rina Sementara", "kader1").get_json()["items"]
    assert kader1 == [], "not sent while the password is temporary"
    _change(page, RESET, OWN_AGAIN)
    page.locator("#nav").wait_for()
    wait_synced(page, timeout=60000)
    assert len(live_server.api("GET", "/children?q=Rina Sementara", "kader1").get_json()["items"]) == 1
    assert len(live_server.api("GET", "/children?q=Rina Kedua", "kader1").get_json()["items"]) == 1


def test_the_chip_says_her_sync_waits_for_her_own_password_after_the_server_refuses_it(live_server, new_context):
    """Her pull refused (403 password_change_required): the header said "Tersinkron" before any sync,
    and "Sinkron gagal" without why after one; it says nothing was synced and why, in both languages."""
    username = _temporary_kader(live_server, "Kader Baru")[0]
    page = new_context().new_page()
    pulls = []
    page.on("response", lambda r: "/sync/pull" in r.url and pulls.append(r.status))
    start_login(page, live_server.url, username, TEMPORARY)
    page.get_by_role("button", name="Simpan").click()
    _on_password_screen(page)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")  # a sync tried: the server refuses it
    page.wait_for_function("() => document.getElementById('sync-chip').dataset.phase === 'password_change'")
    assert pulls == [403], pulls
    _on_password_screen(page)
    page.locator("#lang-btn").click()
    expect(page.locator("#sync-chip")).to_have_text("Not synced")
    expect(page.locator("#sync-chip")).to_have_accessible_name("Not synced: change your password first")
    page.locator("#lang-btn").click()
    _change(page, TEMPORARY, OWN)
    wait_synced(page, timeout=60000)
    expect(page.locator("#sync-chip")).to_have_text("Tersinkron")


def test_the_admin_may_not_use_the_account_with_the_password_she_set(live_server):
    username = _temporary_kader(live_server, "Kader Lain")[0]
    client = live_server.app.test_client()
    tokens = client.post("/api/v1/auth/login", json={"username": username, "password": TEMPORARY}).get_json()
    refused = client.get("/api/v1/children", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert refused.status_code == 403 and refused.get_json()["type"].endswith("/password_change_required")


def test_the_password_form_fetched_offline_comes_once_the_phone_is_online(live_server, new_context):
    """The form is fetched when shown (js/online/password.js): opened with her PIN at a posyandu without
    signal, "Perlu internet"; the signal back, the form, no reload needed (nothing else is reachable)."""
    from tests.e2e.pages import sw_ready

    username = _temporary_kader(live_server, "Kader Tanpa Sinyal")[0]
    page = new_context().new_page()
    start_login(page, live_server.url, username, TEMPORARY)
    page.get_by_role("button", name="Simpan").click()
    _on_password_screen(page)
    sw_ready(page)
    page.context.set_offline(True)
    page.reload()
    page.get_by_role("heading", name="Masukkan PIN").wait_for()
    page.locator("input[name=pin]").fill(PIN)
    page.get_by_role("button", name="Buka").click()
    expect(page.locator("#password-offline")).to_have_text("Ganti kata sandi: Perlu internet.")
    page.context.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    expect(page.locator("#password-form")).to_be_visible()
    _change(page, TEMPORARY, OWN)
    page.locator("#nav").wait_for()
