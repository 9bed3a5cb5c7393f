"""A field's error goes as she corrects it, in real Chromium against the real server: "wajib diisi"
(or the doses' "pilih dari mana catatan imunisasi ini") stayed in red under a field she had since filled
or a choice she had since made, until the next "Simpan", as if her answer had not been taken."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, wait_synced

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
