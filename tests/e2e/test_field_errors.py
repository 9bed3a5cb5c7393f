"""A field's error goes as she corrects it, in real Chromium against the real server: "wajib diisi"
(or the doses' "pilih dari mana catatan imunisasi ini") stayed in red under a field she had since filled
or a choice she had since made, until the next "Simpan", as if her answer had not been taken."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, type_no_such_date, wait_synced

pytestmark = pytest.mark.e2e


def test_an_error_goes_once_its_field_is_filled_the_others_stay(live_server, new_context):
    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    page.goto(live_server.url + "/#/register")
    page.get_by_role("heading", name="Daftarkan anak baru").wait_for()
    page.get_by_role("button", name="Simpan").click()
    form = page.locator("#child-form")
    name = page.get_by_label("Nama anak")
    sex = form.locator("fieldset", has=page.get_by_label("Perempuan"))
    birth = page.get_by_label("Tanggal lahir")
    error_of = lambda field: page.locator(f"#{field.get_attribute('id')}-e")  # noqa: E731
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(error_of(name)).not_to_be_empty()
    expect(sex.locator(":scope > .error")).not_to_be_empty()
    expect(error_of(birth)).not_to_be_empty()

    name.fill("Sekar Wangi")
    expect(error_of(name)).to_be_empty()
    expect(name).not_to_have_attribute("aria-invalid", "true")
    page.get_by_label("Perempuan").check()
    expect(sex.locator(":scope > .error")).to_be_empty()
    expect(error_of(birth)).not_to_be_empty()  # not yet filled: still said
    expect(birth).to_have_attribute("aria-invalid", "true")


def test_a_date_that_does_not_exist_is_said_so_not_required(live_server, new_context):
    """31-02 typed in a date field leaves it no value (the browser's badInput): the form said "wajib
    diisi" under a date she had typed in full. It says the date does not exist, keeps what she typed
    and saves nothing until it is corrected."""
    page = new_context().new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    year = date.today().year - 1
    said = "tanggal tidak ada atau belum lengkap: periksa lagi"
    page.goto(live_server.url + "/#/register")
    page.get_by_role("heading", name="Daftarkan anak baru").wait_for()
    page.get_by_label("Nama anak").fill("Dina Tanggal Salah")
    page.get_by_label("Perempuan").check()
    birth = page.get_by_label("Tanggal lahir")
    type_no_such_date(page, birth, year)
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(f"#{birth.get_attribute('id')}-e")).to_have_text(said)
    expect(birth).to_be_focused()
    assert birth.evaluate("e => e.validity.badInput"), "what she typed is kept to correct"
    birth.fill(f"{year}-02-28")
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Dina Tanggal Salah", exact=True).wait_for()
    child_id = page.url.rsplit("/", 1)[1]

    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("9,5")
    on = page.get_by_label("Tanggal timbang")
    type_no_such_date(page, on, date.today().year)
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator(f"#{on.get_attribute('id')}-e")).to_have_text(said)
    expect(page.get_by_label("Berat badan (kg)")).to_have_value("9,5")
    on.fill(date.today().isoformat())
    page.get_by_role("button", name="Simpan").click()
    page.locator("#visit-result h2").wait_for()
    wait_synced(page)
    weighings = live_server.api("GET", f"/children/{child_id}/measurements", "kader3").get_json()["items"]
    assert [(m["measured_on"], m["weight_kg"]) for m in weighings] == [(date.today().isoformat(), 9.5)]
