"""A length measured apart from the weighing, in real Chromium (offline: nothing reaches the shared
server). The result screen of an entry with no weight judges what it can (PB/U) and claims no weight
status it cannot know: no BB/PB (the server judges it only with both in one entry); the month's
weighing before it gives BB/U and N/T, named by its date, as the server's reports take them; with no
weighing that month it says that the weight is not judged."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import offline_with_new_child

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
    ctx.close()
