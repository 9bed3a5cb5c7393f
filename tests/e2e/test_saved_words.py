"""What the result of a weighing says of its sending, in real Chromium: online it is being sent (the
sync follows within about 2 s), then sent once nothing waits; offline it will be sent when there is a
connection. Before, it said "akan dikirim saat ada sinyal" online too."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, wait_synced

pytestmark = pytest.mark.e2e


def weigh_first_child(page, kg: str, button: str = "Simpan") -> None:
    page.goto(page.url.split("#")[0] + "#/")
    page.locator("#children a").first.click()
    page.locator("a[href^='#/visit/']").first.click()
    page.locator("input[name=weight_kg]").fill(kg)
    page.get_by_role("button", name=button).click()
    page.locator("#visit-result h2").wait_for()


def test_the_result_says_sending_online_then_sent_and_waiting_offline(live_server, new_context):
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader2")
    wait_synced(page)
    note = page.locator("#visit-result h2 + p")  # under the heading

    weigh_first_child(page, "9,1")
    expect(note).to_have_text("Tersimpan di HP; sedang dikirim ke server.", timeout=1500)
    expect(note).to_have_text("Tersimpan dan terkirim ke server.")
    wait_synced(page)

    page.locator("#lang-btn").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    weigh_first_child(page, "9.2", "Save")
    expect(note).to_have_text("Saved on the phone; being sent to the server.", timeout=1500)
    expect(note).to_have_text("Saved and sent to the server.")
    wait_synced(page)

    ctx.set_offline(True)
    weigh_first_child(page, "9.3", "Save")
    expect(note).to_have_text("Saved on the phone; it will be sent when there is a connection.")
    page.wait_for_timeout(3000)  # the sync tried meanwhile, and failed
    expect(note).to_have_text("Saved on the phone; it will be sent when there is a connection.")
