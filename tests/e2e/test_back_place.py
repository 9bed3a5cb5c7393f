"""Back returns a midwife to where she was on the screen she left, in real Chromium against the real
server: from a child opened far down the reports' follow-up list she came back to the top of the
reports (charts and tables first) and had to scroll down through them again to find the next child."""
from __future__ import annotations

from datetime import date

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


def test_back_after_a_correction_saved_goes_to_the_screen_before_the_child_not_to_the_form(live_server, new_context):
    """A weighing deleted (or doses recorded) from a child's screen returns to that screen as Back does:
    Back then went to the deleted weighing's form, a screen saying only "Data ini tidak ada lagi di HP ini."."""
    from datetime import date, timedelta

    posyandu = {p["name"]: p["id"] for p in live_server.api("GET", "/posyandu?limit=500", "admin").get_json()["items"]}
    made = live_server.api("POST", "/children", "kader3", json={
        "posyandu_id": posyandu["Posyandu Kenanga"], "name": "Bayu Salah Timbang", "sex": "M",
        "birth_date": (date.today() - timedelta(days=45)).isoformat(), "mother_name": "Sri"})
    assert made.status_code == 201, made.get_json()
    child_id = made.get_json()["id"]
    weighed = live_server.api("POST", f"/children/{child_id}/measurements", "kader3",
                              json={"measured_on": date.today().isoformat(), "weight_kg": 45})
    assert weighed.status_code == 201, weighed.get_json()

    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.get_by_label("Posyandu", exact=True).select_option(label="Posyandu Kenanga")
    page.get_by_label("Cari nama anak").fill("Bayu Salah Timbang")
    page.locator("#children a", has_text="Bayu Salah Timbang").click()
    page.get_by_role("heading", name="Bayu Salah Timbang", exact=True).wait_for()
    page.locator("a[href^='#/visit/']", has_text="Ubah").first.click()
    page.get_by_label("Tercatat dua kali").check()
    page.get_by_role("button", name="Hapus", exact=True).click()
    page.get_by_role("heading", name="Bayu Salah Timbang", exact=True).wait_for()
    assert page.evaluate("() => location.hash") == f"#/child/{child_id}"
    page.go_back()
    page.get_by_role("heading", name="Hari posyandu").wait_for()
    expect(page.get_by_text("Data ini tidak ada lagi di HP ini.")).to_have_count(0)

    # doses recorded from the child's screen: the same
    page.go_forward()
    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_label("BCG (jatuh tempo)").check()
    page.get_by_label("Disalin dari Buku KIA / catatan lain").check()
    page.get_by_label("Puskesmas").check()
    page.get_by_role("button", name="Simpan").click()
    page.locator("#child-doses", has_text="BCG").or_(page.get_by_text("BCG").first).first.wait_for()
    page.get_by_role("heading", name="Bayu Salah Timbang", exact=True).wait_for()
    page.go_back()
    page.get_by_role("heading", name="Hari posyandu").wait_for()


def test_back_to_a_weighing_saved_shows_the_child_not_an_empty_form_again(live_server, new_context):
    """A kader weighs a child, reads the result, goes home for the next one and presses Back: she came
    to an empty "Catat penimbangan" form for the child just weighed (as if it were not saved: a second
    weighing one tap away). Back now shows the child's screen, the weighing saved in it."""
    page = new_context().new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    name = live_server.api("GET", "/children?limit=1", "kader1").get_json()["items"][0]["name"]
    page.get_by_label("Cari nama anak").fill(name)
    page.locator("#children a", has_text=name).first.click()
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("12,3")
    page.get_by_role("button", name="Simpan").click()
    page.locator("#visit-result h2").wait_for()
    page.mouse.wheel(0, 300)  # she reads the result (its place kept as she scrolls)
    page.wait_for_timeout(500)
    page.locator("#nav-home").click()
    page.get_by_role("heading", name="Hari posyandu").wait_for()

    page.go_back()
    page.get_by_role("heading", name=name, exact=True).wait_for()
    expect(page.locator("#visit-form")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("12,3")


def test_back_from_a_child_just_registered_does_not_reopen_an_empty_registration_form(live_server, new_context):
    """A kader registers a newborn and presses Back: she came to an empty "Daftarkan anak baru" form (as
    if the baby were not registered: a second record one form away). Back now leaves the new child."""
    page = new_context().new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    page.get_by_role("link", name="Daftarkan anak baru").click()
    # the form drawn (else "Nama anak" finds the home screen's "Cari nama anak": ci117)
    page.get_by_role("heading", name="Daftarkan anak baru").wait_for()
    page.get_by_label("Nama anak").fill("Bayi Kembali")
    page.get_by_label("Perempuan").check()
    page.get_by_label("Tanggal lahir").fill(date.today().isoformat())
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Bayi Kembali", exact=True).wait_for()

    page.go_back()
    page.get_by_role("heading", name="Hari posyandu").wait_for()
    expect(page.locator("#child-form")).to_have_count(0)
