"""The child's line on her growth charts in real Chromium, on a kader's child screen and her parent's:
on the KMS (weight for age) weighings of consecutive months are joined, and a missed month breaks the
line (Buku KIA); length for age joins its measurements, months apart as they are."""
from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, parent_phone, wait_synced

pytestmark = pytest.mark.e2e

# each piece of the child's line on the chart titled `name`: how many points it joins
PIECES = """(name) => [...document.querySelectorAll('svg.chart')].find((s) => s.querySelector('title').textContent === name)
  .querySelectorAll('.child-line').values().map((l) => l.getAttribute('points').split(' ').length).toArray()"""


def test_a_child_not_weighed_in_march_and_april_has_her_kms_line_broken_there(live_server, new_context):
    year = date.today().year - 1
    posyandu_id = live_server.api("GET", "/auth/me", "kader6").get_json()["posyandu_id"]
    made = live_server.api("POST", "/children", "kader6", json={"posyandu_id": posyandu_id, "name": "Putri Garis Putus",
                                                                "sex": "F", "birth_date": f"{year - 1}-12-01"})
    assert made.status_code == 201, made.get_json()
    child_id = made.get_json()["id"]
    try:
        for month, kg, cm in ((1, 4.5, 53.0), (2, 5.3, None), (5, 6.8, 61.0), (6, 7.2, None)):
            fields = {"measured_on": f"{year}-{month:02d}-15", "weight_kg": kg,
                      **({"length_height_cm": cm, "position": "lying"} if cm else {})}
            answer = live_server.api("POST", f"/children/{child_id}/measurements", "kader6", json=fields)
            assert answer.status_code == 201, answer.get_json()
        kader = new_context().new_page()
        login(kader, live_server.url, "kader6")
        wait_synced(kader)
        parent, _ = parent_phone(new_context, live_server, child_id, "kader6", "ibu.garis", "Ibu Putri")
        for page in (kader, parent):
            page.goto(f"{live_server.url}/#/child/{child_id}")
            expect(page.locator("svg.chart circle.child-point")).to_have_count(4 + 2 + 2)  # wfa, lhfa, wfl
            # January–February and May–June: two pieces, nothing across March and April
            assert page.evaluate(PIECES, "Berat menurut umur (KMS)") == [2, 2]
            assert page.evaluate(PIECES, "Panjang/tinggi menurut umur") == [2]  # January to May, joined
            desc = page.locator("svg.chart desc").first.text_content()
            # said oldest first, with their dates: the months between them tell the missed ones
            assert re.findall(rf"15 \w+ {year}", desc) == [f"15 {m} {year}" for m in ("Jan", "Feb", "Mei", "Jun")], desc
    finally:
        live_server.api("DELETE", f"/children/{child_id}?reason=tes", "kader6")
