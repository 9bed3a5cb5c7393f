"""A child's "Riwayat perubahan" in real Chromium against the real server: a kader corrects a weighing
(through the API, as her phone's sync would), and the midwife, opening the child's screen, taps "Lihat
riwayat perubahan" and reads who changed it, from what weight to what, and when; offline the panel says it
needs a connection (its module, js/online/changes.js, is fetched when asked for)."""
from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, wait_synced

pytestmark = pytest.mark.e2e


def test_the_midwife_reads_who_corrected_a_weighing(live_server, new_context, shot):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, "bidan1")
    wait_synced(page)
    for child in live_server.api("GET", "/children?limit=20", "kader1").get_json()["items"]:  # one of kader1's, weighed
        weighings = live_server.api("GET", f"/children/{child['id']}/measurements", "kader1").get_json()["items"]
        if any(m["weight_kg"] is not None for m in weighings):
            break
    name = child["name"]
    last = max((m for m in weighings if m["weight_kg"] is not None), key=lambda m: m["measured_on"])
    new_weight = round(last["weight_kg"] + 0.3, 1)
    fixed = live_server.api("PATCH", f"/measurements/{last['id']}", "kader1", json={"weight_kg": new_weight})
    assert fixed.status_code == 200, fixed.get_json()

    page.goto(f"{base}/#/child/{child['id']}")
    page.get_by_role("heading", name=name, exact=True).wait_for()
    panel = page.locator("#changes-panel")
    expect(panel.get_by_role("heading", name="Riwayat perubahan")).to_be_visible()
    ctx.set_offline(True)
    panel.get_by_role("button", name="Lihat riwayat perubahan").click()
    expect(panel).to_contain_text("Perlu internet.")
    ctx.set_offline(False)
    expect(panel).not_to_contain_text("Perlu internet.")  # back online, the sync ran and the screen was drawn again
    panel.get_by_role("button", name="Lihat riwayat perubahan").click()
    newest = panel.locator("li").first
    expect(newest).to_contain_text("mengubah penimbangan")
    kader = next(u for u in live_server.api("GET", "/users?limit=200", "admin").get_json()["items"]
                 if u["username"] == "kader1")
    # which weighing: its day, as the card writes it
    y, m, d = (int(x) for x in last["measured_on"].split("-"))
    day = f"{d} {'Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des'.split()[m - 1]} {y}"
    expect(newest.locator("strong")).to_have_text(
        re.compile(rf"^{re.escape(kader['name'])}( \(kader\))? mengubah penimbangan \({day}\)$"))
    before = f"{last['weight_kg']:g}".replace(".", ",")
    expect(newest).to_contain_text(f"berat (kg): {before} → {f'{new_weight:g}'.replace('.', ',')}")
    shot(page, "child-history")
    assert errors == []


def test_a_move_is_one_line_with_her_records_counted(live_server, new_context):
    """A child moved to another posyandu: the server writes a row for her record and one for each of her
    weighings and doses (they move with her). The panel drew one "memindahkan anak" line per row, pages of
    them and nothing else; now the rows of one operation are one line, counted by kind, across pages
    (a line a next page may go on with is held back until it is read)."""
    def as_user(username: str) -> dict:
        token = live_server.api("POST", "/auth/login", json={"username": username, "password": "posyandu123"})
        return {"Authorization": f"Bearer {token.get_json()['access_token']}"}

    kader, bidan = as_user("kader3"), as_user("bidan1")
    places = {p["name"]: p["id"] for p in live_server.api("GET", "/posyandu", headers=bidan).get_json()["items"]}
    born = date.today() - timedelta(days=700)
    made = live_server.api("POST", "/children", headers=kader, json={
        "posyandu_id": places["Posyandu Kenanga"], "name": "Made Pindah Posyandu", "sex": "M", "birth_date": born.isoformat()})
    assert made.status_code == 201, made.get_json()
    child = made.get_json()
    for month in range(22):  # a weighing a month: more rows than a page of the history (20)
        weighed = live_server.api("POST", f"/children/{child['id']}/measurements", headers=kader, json={
            "measured_on": (born + timedelta(days=30 * month + 5)).isoformat(),
            "weight_kg": round(3.5 + 0.6 * month if month < 6 else 7.1 + 0.25 * (month - 6), 1)})
        assert weighed.status_code == 201, weighed.get_json()
    for vaccine, day in (("HB0", 0), ("BCG", 20)):
        given = live_server.api("POST", f"/children/{child['id']}/immunisations", headers=kader, json={
            "vaccine": vaccine, "dose": 1, "given_on": (born + timedelta(days=day)).isoformat(), "source": "record"})
        assert given.status_code == 201, given.get_json()
    # moved twice and back (24 rows each, newest first): she ends where she was registered, so the phones'
    # and the server's counts of Kenanga, which later tests compare, are as they would be without her moves
    for there in ("Posyandu Mawar", "Posyandu Melati", "Posyandu Kenanga"):
        moved = live_server.api("PATCH", f"/children/{child['id']}", headers=bidan, json={
            "base_version": child["version"], "posyandu_id": places[there]})
        assert moved.status_code == 200, moved.get_json()
        child = moved.get_json()

    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    page.goto(f"{live_server.url}/#/child/{child['id']}")
    page.get_by_role("heading", name="Made Pindah Posyandu", exact=True).wait_for()
    panel = page.locator("#changes-panel")
    panel.get_by_role("button", name="Lihat riwayat perubahan").click()
    lines = panel.locator("li")
    said = "Bidan Ratna memindahkan anak: 22 penimbangan, 2 imunisasi"
    # the first page held 20 rows of the last move, one line: the next was read too, for two whole lines;
    # the rows of the move before it on that page were held back for the next page, which goes on with them
    expect(lines.first.locator("strong")).to_have_text(said)
    expect(lines.nth(1).locator("strong")).to_have_text("Bidan Ratna mengubah data anak")
    expect(lines).to_have_count(2)
    more = panel.locator("button", has_text="Muat lagi")  # hidden after the last page
    for _ in range(5):
        if not more.is_visible():
            break
        more.click()
        expect(more).to_be_enabled()  # the page read
    moves = panel.locator("li", has_text="memindahkan anak")
    expect(moves).to_have_count(3)  # a move's line counted over the pages it spans
    expect(moves.locator("strong")).to_have_text([said, said, said])
    expect(moves.nth(0)).to_contain_text("Posyandu: Posyandu Melati → Posyandu Kenanga")
    expect(moves.nth(1)).to_contain_text("Posyandu: Posyandu Mawar → Posyandu Melati")
    expect(moves.nth(2)).to_contain_text("Posyandu: Posyandu Kenanga → Posyandu Mawar")
    # every other row is a line of its own: 22 weighings and 2 doses recorded with their values, the child
    # registered and changed
    expect(panel.locator("li", has_text="mencatat penimbangan")).to_have_count(22)
    expect(panel.locator("li", has_text="mengubah data anak")).to_have_count(3)
