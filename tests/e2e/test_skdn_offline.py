"""The month's SKDN on the cadre's home screen, counted on the phone (js/skdn.js), in real
Chromium against the real server: on the demo data it equals the server's /reports/skdn for
her posyandu, last month and this month (D_no_kms too: the line saying why D/K may pass 100 %); a
weighing saved offline counts at once; after the sync the server's report says the same again."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, register_child, wait_synced

pytestmark = pytest.mark.e2e
COUNTS = ("S", "K", "D", "N", "T", "O", "B", "BGM", "2T", "D_prime")  # D′ too: the key under them explains it


def on_phone(page) -> dict[str, int]:
    """The counts, and D_no_kms from its line ('n anak ditimbang tanpa KMS tercatat…', none: 0)."""
    counts = {k: int(page.locator(f"#skdn-here [data-key='{k}'] dd").text_content().replace(".", "")) for k in COUNTS}
    line = page.locator("#skdn-here #skdn-no-kms")
    said = re.match(r"([\d.]+) anak ditimbang tanpa KMS tercatat: ", line.text_content()) if line.count() else None
    counts["D_no_kms"] = int(said.group(1).replace(".", "")) if line.count() else 0
    return counts


def on_server(server, user: str, posyandu_id: str, month: str) -> dict[str, int]:
    rows = server.api("GET", f"/reports/skdn?month={month}&posyandu_id={posyandu_id}", user).get_json()["rows"]
    assert len(rows) == 1, rows
    return {k: rows[0][k] for k in (*COUNTS, "D_no_kms")}


def show_day(page, day: date) -> None:
    page.locator("#day-date").fill(day.isoformat())
    page.locator("#day-date").dispatch_event("change")


def test_the_months_skdn_on_the_phone_is_the_servers(live_server, new_context, shot):
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    posyandu_id = live_server.api("GET", "/posyandu", "kader3").get_json()["items"][0]["id"]
    today = date.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=5)

    show_day(page, last_month)
    expect(page.locator("#skdn-here summary")).to_contain_text("SKDN")
    month = last_month.strftime("%Y-%m")
    assert on_phone(page) == on_server(live_server, "kader3", posyandu_id, month)
    assert on_phone(page)["D"] > 0, "the demo posyandu weighed children last month"
    assert on_phone(page)["D_no_kms"] > 0, "and some without a KMS (demo: 7 % of children)"
    page.locator("#skdn-here summary").click()
    shot(page, "34-skdn-on-the-phone", full_page=False)

    show_day(page, today)
    before = on_phone(page)
    assert before == on_server(live_server, "kader3", posyandu_id, today.strftime("%Y-%m"))

    # offline: a new baby is registered and weighed for the first time, counted at once
    ctx.set_offline(True)
    register_child(page, "Hana Hitung SKDN", days_old=20)
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Berat badan (kg)").fill("3,9")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    page.goto(live_server.url + "/#/")
    show_day(page, today)
    after = on_phone(page)
    # in S, in K (registered with her Buku KIA), in D as B
    assert after == {**before, "S": before["S"] + 1, "K": before["K"] + 1, "D": before["D"] + 1, "B": before["B"] + 1}

    ctx.set_offline(False)
    wait_synced(page)
    assert on_server(live_server, "kader3", posyandu_id, today.strftime("%Y-%m")) == after


def test_a_weighing_entered_late_judges_this_months_again_offline(live_server, new_context, shot):
    """A cadre enters last month's weighing after this month's, offline: this month's weighing,
    judged B by the server (no weighing before it), is N now (+1 kg, above any KBM) on the child's
    screen and in the home SKDN at once, as the server judges it after the sync."""
    today = date.today()
    last_month = (today.replace(day=1) - timedelta(days=1)).replace(day=today.day if today.day <= 28 else 28)
    posyandu_id = live_server.api("GET", "/posyandu", "kader3").get_json()["items"][0]["id"]
    made = live_server.api("POST", "/children", "kader3", json={
        "posyandu_id": posyandu_id, "name": "Lala Terlambat", "sex": "F", "has_kms": True,
        "birth_date": (today - timedelta(days=150)).isoformat()})
    assert made.status_code == 201, made.get_json()
    child_id = made.get_json()["id"]
    weighed = live_server.api("POST", f"/children/{child_id}/measurements", "kader3",
                              json={"measured_on": today.isoformat(), "weight_kg": 6.5})
    assert weighed.get_json()["trend"] == "B", weighed.get_json()
    this_id = weighed.get_json()["id"]

    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    show_day(page, today)
    before = on_server(live_server, "kader3", posyandu_id, today.strftime("%Y-%m"))
    expect(page.locator("#skdn-here [data-key='S'] dd")).to_have_text(str(before["S"]))  # drawn after the pull
    assert on_phone(page) == before
    trend_cell = page.locator(f"#history tr[data-id='{this_id}'] td").nth(4)

    ctx.set_offline(True)
    page.goto(f"{live_server.url}/#/child/{child_id}")
    expect(trend_cell).to_have_text("B")
    page.get_by_role("link", name="Catat penimbangan").click()
    page.get_by_label("Tanggal timbang").fill(last_month.isoformat())
    page.get_by_label("Berat badan (kg)").fill("5,5")
    page.get_by_role("button", name="Simpan").click()
    expect(page.locator("#visit-result")).to_contain_text("Hasil penimbangan")
    # no day's doses for a weighing of another day: nothing in their place (a bare "null" was shown)
    assert "null" not in page.locator("#visit-result").inner_text()
    page.goto(f"{live_server.url}/#/child/{child_id}")
    expect(trend_cell).to_have_text("N")
    shot(page, "35-late-weighing-judged-again", full_page=False)
    page.goto(live_server.url + "/#/")
    show_day(page, today)
    # weighed last month and this month now: D′ (N + T) counts her too
    assert on_phone(page) == {**before, "B": before["B"] - 1, "N": before["N"] + 1, "D_prime": before["D_prime"] + 1}

    ctx.set_offline(False)
    wait_synced(page)
    assert on_server(live_server, "kader3", posyandu_id, today.strftime("%Y-%m")) == on_phone(page)
    assert live_server.api("GET", f"/measurements/{this_id}", "kader3").get_json()["trend"] == "N"
