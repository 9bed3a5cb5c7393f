"""A length measured apart from the weighing, in real Chromium (offline: nothing reaches the shared
server). The result screen of an entry with no weight judges what it can (PB/U) and claims no weight
status it cannot know: no BB/PB (the server judges it only with both in one entry); the month's
weighing before it gives BB/U and N/T, named by its date, as the server's reports take them; with no
weighing that month it says that the weight is not judged. The kader's home list and the parent's
screens show that weighing's weight status too (they showed the newest entry alone: it was gone)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import offline_with_new_child, parent_phone

pytestmark = pytest.mark.e2e


def _enter(page, base: str, child_id: str, **by_label: str) -> None:
    page.goto(f"{base}/#/child/{child_id}")  # the result stays at #/visit: a new form from the child's screen
    page.get_by_role("link", name="Catat penimbangan").click()
    for label, value in by_label.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Simpan").click()
    page.get_by_role("heading", name="Hasil penimbangan: Lina Panjang").wait_for()


def test_a_length_alone_shows_its_length_status_and_the_months_weighing_never_a_weight_it_lacks(live_server, new_context):
    base = live_server.url
    ctx, page, child_id = offline_with_new_child(new_context, base, "kader5", "Lina Panjang", days_old=200)
    result = page.locator("#result")
    status = lambda key: result.locator(f"li[data-key={key}]")  # noqa: E731

    _enter(page, base, child_id, **{"Panjang/tinggi badan (cm)": "66"})  # no weighing yet this month
    expect(status("tb_u")).to_contain_text("PB/U")
    expect(page.locator("#no-weight")).to_have_text("Tanpa berat badan: status berat dan N/T tidak dinilai.")
    for key in ("bb_u", "bb_tb", "trend"):
        expect(status(key)).to_have_count(0)

    _enter(page, base, child_id, **{"Berat badan (kg)": "7,5"})  # the weighing, on its own
    expect(status("bb_u")).to_be_visible()
    weighed_as = status("bb_u").locator(".status-value").inner_text()
    expect(status("trend")).to_contain_text("B")
    expect(page.locator("#no-weight")).to_have_count(0)

    _enter(page, base, child_id, **{"Panjang/tinggi badan (cm)": "66,5"})  # then the length, apart
    expect(status("tb_u")).to_contain_text("PB/U")
    expect(status("bb_u")).to_contain_text("(penimbangan ")  # the weighing's, named by its date
    expect(status("bb_u").locator(".status-value")).to_have_text(weighed_as)
    expect(status("trend")).to_contain_text("(penimbangan ")
    expect(status("bb_tb")).to_have_count(0)  # never judged from two entries
    expect(page.locator("#no-weight")).to_have_count(0)

    page.goto(f"{base}/#/")  # her home list tags the child with that weighing's status, as the result
    row = page.locator("#children a", has_text="Lina Panjang")
    expect(row.locator(".row-tags .tag").first).to_have_text(weighed_as)
    ctx.close()


def test_a_parent_reads_her_childs_weight_status_after_a_length_alone(live_server, new_context):
    """A child of kader5's posyandu weighed early this month and measured for length alone today, on the
    server; a parent linked to her reads the weighing's status on her home list and the child's screen
    (it was gone: the length's own PB/U came first). The child is deleted at the end."""
    posyandu_id = live_server.api("GET", "/auth/me", "kader5").get_json()["posyandu_id"]
    today = date.today()
    born = (today - timedelta(days=200)).isoformat()
    made = live_server.api("POST", "/children", "kader5",
                           json={"posyandu_id": posyandu_id, "name": "Rani Panjang", "sex": "F", "birth_date": born})
    assert made.status_code == 201, made.get_json()
    child_id = made.get_json()["id"]
    try:
        for fields in ({"measured_on": today.replace(day=1).isoformat(), "weight_kg": 6.8},
                       {"measured_on": today.isoformat(), "length_height_cm": 65.5, "position": "lying"}):
            answer = live_server.api("POST", f"/children/{child_id}/measurements", "kader5", json=fields)
            assert answer.status_code == 201, answer.get_json()
        page, _ = parent_phone(new_context, live_server, child_id, "kader5", "ibu.panjang", "Ibu Rani")
        said = re.compile(r"^Berat badan Rani .+ untuk umurnya( \(penimbangan [^)]+\))?\.")  # its day before the stop
        expect(page.locator("#children a .tag")).to_have_text(said)  # was "Panjang badan Rani ..."
        page.locator("#children a").click()
        expect(page.locator("#plain .plain").first).to_have_text(said)
        if today.day > 1:  # weighed on another day: named by its date
            expect(page.locator("#plain .plain").first).to_contain_text("(penimbangan ")
        expect(page.locator("#plain")).to_contain_text("Panjang badan Rani")
    finally:
        live_server.api("DELETE", f"/children/{child_id}?reason=tes", "kader5")
