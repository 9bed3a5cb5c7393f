"""The posyandu day's list in real Chromium: children under five only (those the posyandu follows: SKDN's
S, the due list); a child of five or more is counted as not listed and found by her name, to correct
her record. The phone stays offline: nothing reaches the shared server."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import offline_with_new_child

pytestmark = pytest.mark.e2e


def test_a_child_of_five_or_more_is_left_out_of_the_day_list_and_found_by_name(live_server, new_context):
    base = live_server.url
    ctx, page, older = offline_with_new_child(new_context, base, "kader4", "Lulus Posyandu", days_old=1900)
    page.goto(base + "/#/")
    expect(page.locator("#search")).to_be_visible()
    expect(page.locator("#children a", has_text="Lulus Posyandu")).to_have_count(0)
    expect(page.locator("#due-summary")).to_contain_text(re.compile(r"\d+ anak berumur 5 tahun ke atas tidak ditampilkan"))
    page.get_by_label("Cari nama anak").fill("Lulus")
    expect(page.locator("#children a", has_text="Lulus Posyandu")).to_have_count(1)
    expect(page.locator("#due-summary")).not_to_contain_text("tidak ditampilkan")
    page.locator("#children a", has_text="Lulus Posyandu").click()
    expect(page).to_have_url(f"{base}/#/child/{older}")
    ctx.close()
