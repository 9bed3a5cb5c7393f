"""What the cadre typed stays typed, in real Chromium against the real server: changing the date
of "Catat imunisasi/vitamin diberikan" keeps the doses she ticked and the vials she wrote that are
still offered on the new date (one no longer offered is unticked, and she is told why), and the
ID/EN button redraws a half-filled form in the other language with everything she entered, its
decimals written the language's way ('5,4' is '5.4' in English)."""
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
    expect(dropped).to_contain_text("umur minimal")

    given_on.fill(date.today().isoformat())  # back to today: offered again, but not ticked again unasked
    given_on.dispatch_event("change")
    expect(page.get_by_label(re.compile(r"^DPT-HB-Hib 1 \("))).not_to_be_checked()
    expect(page.get_by_label(re.compile(r"^BCG \("))).to_be_checked()
    expect(bcg.get_by_label("Nomor batch (lot)")).to_have_value("BCG-7731")
    expect(dropped).to_be_hidden()


def test_the_language_button_keeps_a_half_filled_form(live_server, new_context):
    """One way for every form: the registration, the weighing and the doses of the day are redrawn
    in English with what she had entered, ticked and chosen, and back in Bahasa Indonesia again."""
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader5")
    wait_synced(page)
    lang = page.locator("#lang-btn")
    born = (date.today() - timedelta(days=70)).isoformat()

    page.goto(live_server.url + "/#/register")
    page.get_by_role("heading", name="Daftarkan anak baru").wait_for()
    page.get_by_label("Nama anak").fill("Sari Dua Bahasa")
    page.get_by_label("Perempuan").check()
    page.get_by_label("Tanggal lahir").fill(born)
    page.get_by_label("Berat lahir (kg)").fill("3,2")
    lang.click()
    page.get_by_role("heading", name="Register a new child").wait_for()
    expect(page.get_by_label("Child's name")).to_have_value("Sari Dua Bahasa")
    expect(page.get_by_label("Girl")).to_be_checked()
    expect(page.locator("input[name=birth_date]")).to_have_value(born)
    expect(page.locator("input[name=birth_weight_kg]")).to_have_value("3.2")  # a number the language's way
    lang.click()
    page.get_by_role("heading", name="Daftarkan anak baru").wait_for()
    expect(page.get_by_label("Nama anak")).to_have_value("Sari Dua Bahasa")
    expect(page.locator("input[name=birth_weight_kg]")).to_have_value("3,2")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Sari Dua Bahasa", exact=True).wait_for()

    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("5,4")
    page.get_by_label("Panjang/tinggi badan (cm)").fill("58")
    lang.click()
    page.get_by_role("heading", name=re.compile("^Record a weighing")).wait_for()
    expect(page.locator("input[name=weight_kg]")).to_have_value("5.4")
    expect(page.locator("input[name=length_height_cm]")).to_have_value("58")
    lang.click()
    expect(page.locator("input[name=weight_kg]")).to_have_value("5,4")
    page.get_by_role("link", name="Batal").click()
    page.get_by_role("button", name="Tinggalkan").click()  # what she typed is not saved: asked first

    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label(re.compile(r"^BCG \(")).check()
    page.get_by_label(GIVEN).check()
    page.locator("fieldset.lot", has_text="Vial BCG").get_by_label("Nomor batch (lot)").fill("BCG-2040")
    lang.click()
    page.get_by_role("heading", name=re.compile("^Record doses given")).wait_for()
    expect(page.get_by_label(re.compile(r"^BCG \("))).to_be_checked()
    expect(page.locator("input[name=source][value=given]")).to_be_checked()
    bcg = page.locator("fieldset.lot", has_text="BCG")
    expect(bcg).to_be_visible()
    expect(bcg.locator("input[name^=batch_number]")).to_have_value("BCG-2040")
