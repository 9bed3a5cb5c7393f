"""Back returns a midwife to where she was on the screen she left, in real Chromium against the real
server: from a child opened far down the reports' follow-up list she came back to the top of the
reports (charts and tables first) and had to scroll down through them again to find the next child."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, wait_synced

pytestmark = pytest.mark.e2e


def test_back_from_a_child_of_the_follow_up_list_returns_to_her_place_in_it(live_server, new_context):
    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)  # the children of the list are on her phone
    page.get_by_role("link", name="Laporan").click()
    names = page.locator("#actions li strong a")
    expect(names.nth(19)).to_be_visible(timeout=60000)
    name = names.nth(19)
    child = name.inner_text()
    name.scroll_into_view_if_needed()
    page.mouse.wheel(0, 100)  # she scrolls on a little, reading
    page.wait_for_timeout(500)
    place = page.evaluate("() => scrollY")
    assert place > 1000
    name.click()
    page.get_by_role("heading", name=child, exact=True).wait_for()
    assert page.evaluate("() => scrollY") == 0  # a new screen starts at its top

    page.go_back()
    page.locator("#actions").wait_for()
    page.wait_for_function(f"() => Math.abs(scrollY - {place}) < 2")
    expect(page.locator("#actions li strong a", has_text=child).first).to_be_in_viewport()

    # a link to a screen seen before still opens it at its top (only Back and Forward go back to a place)
    page.locator("#nav a[href='#/']").click()
    page.get_by_role("heading", name="Hari posyandu").wait_for()
    page.locator("#nav a[href='#/reports']").click()
    page.locator("#actions").wait_for()
    assert page.evaluate("() => scrollY") == 0
