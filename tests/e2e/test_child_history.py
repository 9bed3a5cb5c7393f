"""A child's "Riwayat perubahan" in real Chromium against the real server: a kader corrects a weighing
(through the API, as her phone's sync would), and the midwife, opening the child's screen, taps "Lihat
riwayat perubahan" and reads who changed it, from what weight to what, and when; offline the panel says it
needs a connection (its module, js/online/changes.js, is fetched when asked for)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, wait_synced

pytestmark = pytest.mark.e2e


def test_the_midwife_reads_who_corrected_a_weighing(live_server, new_context, shot):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, "bidan1")
    wait_synced(page)
    for child in live_server.api("GET", "/children?limit=20", "kader1").get_json()["items"]:  # one of kader1's, weighed
        weighings = live_server.api("GET", f"/children/{child['id']}/measurements", "kader1").get_json()["items"]
        if any(m["weight_kg"] is not None for m in weighings):
            break
    name = child["name"]
    last = max((m for m in weighings if m["weight_kg"] is not None), key=lambda m: m["measured_on"])
    new_weight = round(last["weight_kg"] + 0.3, 1)
    fixed = live_server.api("PATCH", f"/measurements/{last['id']}", "kader1", json={"weight_kg": new_weight})
    assert fixed.status_code == 200, fixed.get_json()

    page.goto(f"{base}/#/child/{child['id']}")
    page.get_by_role("heading", name=name, exact=True).wait_for()
    panel = page.locator("#changes-panel")
    expect(panel.get_by_role("heading", name="Riwayat perubahan")).to_be_visible()
    ctx.set_offline(True)
    panel.get_by_role("button", name="Lihat riwayat perubahan").click()
    expect(panel).to_contain_text("Perlu internet.")
    ctx.set_offline(False)
    expect(panel).not_to_contain_text("Perlu internet.")  # back online, the sync ran and the screen was drawn again
    panel.get_by_role("button", name="Lihat riwayat perubahan").click()
    newest = panel.locator("li").first
    expect(newest).to_contain_text("mengubah penimbangan")
    kader = next(u for u in live_server.api("GET", "/users?limit=200", "admin").get_json()["items"]
                 if u["username"] == "kader1")
    expect(newest.locator("strong")).to_have_text(re.compile(rf"^{re.escape(kader['name'])}( \(kader\))? mengubah penimbangan$"))
    before = f"{last['weight_kg']:g}".replace(".", ",")
    expect(newest).to_contain_text(f"berat (kg): {before} → {f'{new_weight:g}'.replace('.', ',')}")
    shot(page, "child-history")
    assert errors == []
