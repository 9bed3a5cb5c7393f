"""The reports screen's month under way, its prevalence-by-area title at 360 px, and "Muat lagi" without
signal, in real Chromium against the real server (dinkes, whose follow-up list runs to several pages)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login
from tests.e2e.test_reports_page import bulan, last_full_month, show

pytestmark = pytest.mark.e2e


def jakarta_month() -> str:
    return f"{datetime.now(timezone.utc) + timedelta(hours=7):%Y-%m}"


def test_the_month_under_way_can_be_asked_for_and_is_said_not_over(live_server, new_context):
    """The newest month offered was the last full one, with no word why: a kader's posyandu day of this
    month was out of her reports (and its children BGM or 2T off the follow-up list) until the next."""
    page = new_context(timezone_id="Asia/Jakarta").new_page()  # the month the test reckons in
    login(page, live_server.url, "dinkes")
    page.locator("#report-form").wait_for()
    expect(page.locator("#report-partial")).to_have_count(0)  # the default: last month, over
    this = jakarta_month()
    show(page, first=this, last=this, level="puskesmas")
    day = datetime.now(timezone.utc) + timedelta(hours=7)
    expect(page.locator("#report-partial")).to_have_text(
        f"Angka per {day.day} {bulan(this)[:3]} {day.year}, saat {bulan(this)} belum selesai: masih bisa berubah.")
    show(page, first=last_full_month(), last=last_full_month(), level="puskesmas")
    expect(page.locator("#report-partial")).to_have_count(0)


def test_the_prevalence_by_area_is_titled_in_full_on_a_phone(live_server, new_context):
    """Its title was the caption of a table wider than the screen, inside the box that scrolls sideways:
    "Prevalensi per wilayah (%) · Novemb", the month cut off at the box's edge."""
    page = new_context().new_page()
    login(page, live_server.url, "dinkes")
    page.locator("#report-form").wait_for()
    month = last_full_month()
    show(page, first=month, last=month, level="puskesmas")
    title = page.get_by_role("region", name=f"Prevalensi per wilayah (%) · {bulan(month)}")
    expect(title).to_be_visible()
    heading = page.locator("#nutrition-areas-cap")
    expect(heading).to_have_text(f"Prevalensi per wilayah (%) · {bulan(month)}")
    box = heading.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360, box
    assert page.evaluate("() => { const h = document.getElementById('nutrition-areas-cap'); return h.scrollWidth <= h.clientWidth; }")


def test_more_of_the_follow_up_list_without_signal_says_so_in_the_apps_words(live_server, new_context):
    """"Gagal memuat: Failed to fetch. Coba lagi": the browser's English words for no signal."""
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "dinkes")
    page.locator("#report-form").wait_for()
    more = page.locator("#actions-more")
    expect(more).to_be_visible(timeout=60000)
    expect(page.locator("#actions-count")).to_contain_text("anak", timeout=60000)  # its module read, online
    ctx.set_offline(True)
    more.click()
    expect(more).to_have_text("Gagal memuat: tidak ada koneksi internet. Coba lagi")
    expect(more).to_be_focused()
    ctx.set_offline(False)
    more.click()
    expect(page.locator("#actions > li")).to_have_count(100)
