"""A dose recorded twice on one day (two phones offline, each at the table: the server keeps both and
flags the second ``possible_duplicate_of`` the first) is pointed out on the child's screen, as a day
weighed twice is: the list showed the dose twice and nothing more. And the doses form's "Pilih minimal
satu." goes as soon as a dose is ticked, as a field's message goes when she changes it."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, open_child, registered_by, wait_synced

pytestmark = pytest.mark.e2e
NAME = "Bayu Dua Catatan"


def test_a_dose_recorded_twice_on_a_day_is_pointed_out_and_the_choose_one_message_goes_on_a_tick(
        live_server, new_context):
    child_id = registered_by(live_server, "kader5", NAME, days_old=35, sex="M", mother_name="Sumi")
    given = (date.today() - timedelta(days=1)).isoformat()
    ids = []
    for _phone in range(2):
        dosed = live_server.api("POST", f"/children/{child_id}/immunisations", "kader5",
                                json={"vaccine": "BCG", "dose": 1, "given_on": given, "source": "record"})
        assert dosed.status_code == 201, dosed.get_json()
        ids.append(dosed.get_json()["id"])
    second = live_server.api("GET", f"/children/{child_id}/immunisations", "kader5").get_json()["items"]
    assert {d["id"]: d["possible_duplicate_of"] for d in second} == {ids[0]: None, ids[1]: ids[0]}

    page = new_context().new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, live_server.url, "kader5")
    wait_synced(page)
    open_child(page, NAME)
    notice = page.locator("#doses-given p.notice")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(re.compile(r"^Ada 2 catatan BCG.* tanggal .* \(mungkin dari dua HP\)\. "
                                              r"Bila hanya diberikan sekali, hapus yang salah"))
    expect(page.locator("#doses-given li")).to_have_count(2)

    page.get_by_role("link", name="Catat imunisasi/vitamin diberikan").click()
    page.get_by_role("button", name="Simpan").click()
    alert = page.get_by_role("alert").filter(has_text="Pilih minimal satu.")
    expect(alert).to_be_visible()
    page.locator("input[name=dose]").first.check()
    expect(alert).to_be_hidden()
    assert errors == []
