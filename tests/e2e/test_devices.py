"""The midwife's "HP kader" in real Chromium against the real server: a kader's phone syncs, keeping one
weighing the server refuses, and the midwife's sync screen lists that phone under the kader's name and
posyandu, with when it last synced and the one record it still holds; a kader does not get the panel;
offline it says it needs a connection (its list is fetched when asked for, js/online/). A kader whose phone holds records and has not synced for days
is warned on her home screen."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import (enter_pin, fill_login, login, offline_with_new_child, wait_synced, waiting,
                             weigh_first_child_refused)

pytestmark = pytest.mark.e2e
PWA = Path(__file__).resolve().parents[2] / "static" / "pwa"


def test_the_midwife_sees_each_phone_of_her_puskesmas_and_what_it_still_holds(live_server, new_context, shot):
    base = live_server.url
    k_ctx = new_context()
    k = k_ctx.new_page()
    errors: list[str] = []
    k.on("pageerror", lambda e: errors.append(str(e)))
    login(k, base, "kader1")
    wait_synced(k)
    k.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20000)

    weigh_first_child_refused(k)
    k.goto(base + "/#/sync")
    expect(k.get_by_role("heading", name="Sinkron data")).to_be_visible()
    expect(k.locator("#devices-panel")).to_have_count(0)      # a kader's own phone is on her own screen
    listed = live_server.api("GET", "/sync/devices", "bidan1").get_json()["items"]
    phone = max((d for d in listed if d["username"] == "kader1"), key=lambda d: d["last_seen_at"])
    assert phone["pending_changes"] == 1, listed
    # the app names its version (the shell's hash in sw.js): the one served now
    served = re.search(r"const VERSION = '(\w+)'", (PWA / "sw.js").read_text()).group(1)
    assert (phone["app_version"], phone["app_current"]) == (f"pwa-{served}", True)
    # another phone of hers still runs an older app (the releases before sent "pwa-1")
    old = live_server.api("GET", "/sync/pull?client_id=old-phone", "kader1", headers={"X-Client-Version": "pwa-1"})
    assert old.status_code == 200, old.get_json()
    lone = _kader_of_one_phone(live_server, posyandu_of=phone["posyandu_id"])

    b_ctx = new_context(timezone_id="Asia/Jakarta")
    b = b_ctx.new_page()
    b.on("pageerror", lambda e: errors.append(str(e)))
    login(b, base, "bidan1")
    wait_synced(b)
    b.goto(base + "/#/sync")
    panel = b.locator("#devices-panel")
    expect(panel.get_by_role("heading", name="HP kader")).to_be_visible()
    # the list's module (js/online/, not in the offline shell) first asked for offline: it says what
    # it needs, and back online the next tap fetches it (a browser remembers a failed import)
    b_ctx.set_offline(True)
    panel.get_by_role("button", name="Lihat HP kader").click()
    expect(panel).to_contain_text("Perlu internet.")
    b_ctx.set_offline(False)
    expect(panel).not_to_contain_text("Perlu internet.")  # back online, the sync ran and the screen was drawn again
    panel.get_by_role("button", name="Lihat HP kader").click()
    row = panel.locator(f"li[data-client='{phone['client_id']}']")
    expect(row).to_contain_text(phone["user_name"])
    expect(row).to_contain_text("sinkron terakhir")
    # her two phones told apart by the day each first synced (the rows read alike)
    expect(row).to_contain_text("sinkron pertama")
    expect(panel.locator("li[data-client='old-phone']")).to_contain_text("sinkron pertama")
    # only a user of several phones has them told apart: each row says it exactly then
    rows = panel.locator("li[data-client]").evaluate_all("els => Object.fromEntries(els.map((e) => [e.dataset.client, e.textContent]))")
    user = {d["client_id"]: d["user_id"] for d in live_server.api("GET", "/sync/devices?limit=200", "bidan1").get_json()["items"]}
    phones = {u: sum(user[c] == u for c in rows) for u in {user[c] for c in rows}}
    assert {c: "sinkron pertama" in text for c, text in rows.items()} == {c: phones[user[c]] > 1 for c in rows}, rows
    assert phones[lone] == 1  # the rule both ways (the staff of earlier tests may each have several)
    expect(row.locator(".tag").first).to_have_text("1 data belum terkirim")
    expect(panel.locator("li[data-client='old-phone'] .tag")).to_have_text(
        ["aplikasi versi lama: buka saat ada sinyal lalu ketuk Muat ulang"])
    shot(b, "devices-panel")

    # offline, the panel says what it needs
    b_ctx.set_offline(True)
    panel.get_by_role("button", name="Lihat HP kader").click()
    expect(panel).to_contain_text("Perlu internet.")
    b_ctx.set_offline(False)

    # the kader drops the refused weighing: the server holds nothing of it, her phone nothing unsent
    k.locator("#attention li").get_by_role("button", name="Buang").click()
    k.locator("#attention li").get_by_role("button", name="Ya, buang data ini").click()  # a second tap
    expect(k.locator("#attention")).to_have_count(0)
    assert errors == []


def _kader_of_one_phone(live_server, posyandu_of: str) -> str:
    """A new kader of that posyandu whose one phone has synced (her id): the phones of a shared live server's
    users are many, each test's logins listed while they last."""
    import uuid

    client = live_server.app.test_client()
    admin = client.post("/api/v1/auth/login", json={"username": "admin", "password": "posyandu123"}).get_json()
    username, temporary, own = f"kader_{uuid.uuid4().hex[:6]}", "sandi-sementara-satu", "sandi-kader-baru-dua"
    made = client.post("/api/v1/users", headers={"Authorization": f"Bearer {admin['access_token']}"}, json={
        "username": username, "password": temporary, "name": "Kader Satu HP", "role": "kader", "posyandu_id": posyandu_of})
    assert made.status_code == 201, made.get_json()
    first = client.post("/api/v1/auth/login", json={"username": username, "password": temporary}).get_json()
    changed = client.post("/api/v1/auth/password", headers={"Authorization": f"Bearer {first['access_token']}"},
                          json={"current_password": temporary, "new_password": own})
    assert changed.status_code in (200, 204), changed.get_json()
    tokens = client.post("/api/v1/auth/login", json={"username": username, "password": own}).get_json()
    pulled = client.get("/api/v1/sync/pull?client_id=lone-phone", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert pulled.status_code == 200, pulled.get_json()
    return made.get_json()["id"]


def test_a_kader_is_warned_of_records_only_her_phone_holds_after_days_without_a_sync(live_server, new_context):
    base = live_server.url
    ctx, page, _ = offline_with_new_child(new_context, base, "kader2", "Raka Peringatan", days_old=90)
    expect(page.locator("#sync-chip")).to_have_text(waiting(1))
    page.goto(base + "/#/")
    expect(page.locator("#search")).to_be_visible()
    expect(page.locator("#unsent-warning")).to_have_count(0)        # synced today
    page.clock.set_system_time(datetime.now() + timedelta(days=4, hours=1))
    page.reload()
    enter_pin(page)
    warning = page.locator("#unsent-warning")
    expect(warning).to_contain_text("1 data hanya ada di HP ini: sudah 4 hari belum sinkron.")
    warning.get_by_role("link", name="Sinkron sekarang").click()
    expect(page).to_have_url(base + "/#/sync")
    # back to today and online: the child is sent, the warning gone
    page.clock.set_system_time(datetime.now())
    ctx.set_offline(False)
    page.get_by_role("button", name="Sinkron sekarang").click()
    wait_synced(page)
    page.goto(base + "/#/")
    expect(page.locator("#search")).to_be_visible()
    expect(page.locator("#unsent-warning")).to_have_count(0)
    assert len(live_server.api("GET", "/children?q=Raka Peringatan", "kader2").get_json()["items"]) == 1


def test_a_lost_phone_signed_out_by_the_midwife_asks_its_kader_for_her_password_and_keeps_her_records(
        live_server, new_context):
    """A kader's phone is lost with a child registered on it offline: her midwife signs that phone out
    ("Keluarkan HP ini", asked twice). Found again and online, the phone forgets that login (401
    device_signed_out: its PIN opens nothing more, its data would be deleted were nothing unsent) and keeps
    the child, not sent yet; logged in again with her password, it sends her, and the midwife's list no
    longer says it is signed out. The midwife's own phone is named, never offered."""
    base = live_server.url
    k_ctx, k, _ = offline_with_new_child(new_context, base, "kader3", "Dewi Hilang", days_old=120)
    expect(k.locator("#sync-chip")).to_have_text(waiting(1))
    phone = max((d for d in live_server.api("GET", "/sync/devices?limit=200", "bidan1").get_json()["items"]
                 if d["username"] == "kader3"), key=lambda d: d["last_seen_at"])

    b = new_context().new_page()
    errors: list[str] = []
    b.on("pageerror", lambda e: errors.append(str(e)))
    login(b, base, "bidan1")
    wait_synced(b)
    b.goto(base + "/#/sync")
    panel = b.locator("#devices-panel")
    panel.get_by_role("button", name="Lihat HP kader").click()
    row = panel.locator(f"li[data-client='{phone['client_id']}']")
    expect(row).to_contain_text(phone["user_name"])
    expect(panel).to_contain_text("HP hilang atau dicuri?")
    own = panel.locator("li[data-client]", has=b.locator(".tag", has_text=re.compile("^HP ini$")))
    expect(own).to_have_count(1)
    expect(own.get_by_role("button")).to_have_count(0)
    row.get_by_role("button", name="Keluarkan HP ini").click()
    row.get_by_role("button", name=f"Ya, keluarkan HP {phone['user_name']} ini").click()
    expect(row).to_contain_text("dikeluarkan")
    expect(row.get_by_role("button")).to_have_count(0)

    # found again, online: the phone forgets the login (the PIN opens nothing more) and asks for the password;
    # the child, not sent yet, stays on it
    k_ctx.set_offline(False)
    k.evaluate("() => window.dispatchEvent(new Event('online'))")
    notice = k.get_by_role("alert")
    expect(notice).to_contain_text("HP ini dikeluarkan dari akun oleh bidan atau admin. 1 data belum terkirim tetap "
                                   "disimpan di HP ini", timeout=60000)
    expect(k.get_by_label("Kata sandi")).to_be_visible()
    k.reload()
    expect(k.get_by_label("Kata sandi")).to_be_visible()   # no PIN screen: its login forgotten
    fill_login(k, "kader3")
    k.get_by_role("button", name="Simpan").click()
    k.locator("#nav").wait_for()
    wait_synced(k, timeout=60000)
    assert len(live_server.api("GET", "/children?q=Dewi Hilang", "kader3").get_json()["items"]) == 1
    again = {d["client_id"]: d for d in live_server.api("GET", "/sync/devices?limit=200", "bidan1").get_json()["items"]}
    assert again[phone["client_id"]]["signed_out_at"] is None, again[phone["client_id"]]
    assert errors == []
