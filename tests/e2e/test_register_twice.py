"""The same child registered twice on one phone (a cadre who did not find her in the list, or a
second tap on the register book's line): both were saved unasked, and the midwife had a pair to
merge later. The form now asks first, naming the child already there; a second "Simpan" saves (two
children of one name and birthday exist), and a twin, another name, is saved at once."""
from datetime import date, timedelta

from playwright.sync_api import expect

from tests.e2e.pages import offline_with_new_child


def test_a_child_already_on_the_phone_is_named_before_a_second_registration_saves(live_server, new_context):
    _, page, first = offline_with_new_child(new_context, live_server.url, "kader4", "Siti Aminah Dua Kali", days_old=16)
    born = (date.today() - timedelta(days=16)).isoformat()

    def fill(name: str) -> None:
        page.goto(page.url.split("#")[0] + "#/register")
        page.get_by_role("heading", name="Daftarkan anak baru").wait_for()
        page.get_by_label("Nama anak").fill(name)
        page.get_by_label("Perempuan").check()
        page.get_by_label("Tanggal lahir").fill(born)
        page.get_by_role("button", name="Simpan").click()

    fill("siti  aminah dua-kali")  # spelled another way
    said = page.locator("#child-form .form-error")
    expect(said).to_contain_text("Anak ini mungkin sudah terdaftar: Siti Aminah Dua Kali, lahir")
    expect(said).to_be_focused()
    assert page.evaluate("() => location.hash") == "#/register"  # not saved
    page.get_by_role("button", name="Simpan").click()  # another child all the same
    page.get_by_role("heading", name="siti  aminah dua-kali", exact=True).wait_for()
    second = page.evaluate("() => location.hash").split("/")[-1]
    assert second != first

    fill("Zahra Dua Kali")  # her twin: saved at the first tap
    page.get_by_role("heading", name="Zahra Dua Kali", exact=True).wait_for()
