"""Screens in real Chromium against the real server: a parent cannot reach the screens that
save changes (they would wait unsent forever); the sync screen speaks Bahasa Indonesia and
remembers the last sync across a reload; on a small phone the menu stays off the login screen
and a child opened from far down the list is shown from its top."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import enter_pin, login, sw_controls, wait_synced

pytestmark = pytest.mark.e2e


def test_a_parent_cannot_reach_the_write_screens(live_server, new_context):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    login(page, base, "orangtua")
    wait_synced(page)
    link = page.locator("#children a").first
    name = link.locator("strong").inner_text()
    child_id = link.get_attribute("href").split("/")[-1]
    for screen in ("edit", "visit", "doses"):
        page.goto(f"{base}/#/{screen}/{child_id}")
        expect(page).to_have_url(f"{base}/#/child/{child_id}")
        expect(page.get_by_role("heading", name=name)).to_be_visible()
        expect(page.locator("main form")).to_have_count(0)
    page.goto(f"{base}/#/register")
    expect(page).to_have_url(f"{base}/#/")
    expect(page.get_by_role("heading", name="Anak saya")).to_be_visible()
    expect(page.locator("#sync-chip")).to_have_text("Tersinkron")

    page.goto(f"{base}/#/settings")
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()  # nothing was left unsent
