"""The schedule from the server and the posyandu day's due list (#4, #6), in real Chromium against
the real server: an admin publishes and activates a new schedule version through the API (a new
vaccine with its vial size); a cadre's app picks it up at the next sync and, offline after a
reload, still computes due doses by it; the "Sasaran hari ini" list computed on the phone equals
the server's /due-list for the same posyandu and date (children, doses, vials, capsules). Dinkes
does not sync at all. Screenshots go to tests/e2e/screenshots/."""
from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import enter_pin, login, sw_controls, wait_synced

pytestmark = pytest.mark.e2e

SCHEDULE = "/immunisation/schedule"
STATUS = {"early": "boleh lebih awal", "due": "jatuh tempo", "overdue": "terlambat"}
KIND = {"vitamin_a_blue": "Vitamin A biru", "vitamin_a_red": "Vitamin A merah", "deworming": "Obat cacing"}
VARICELLA = {"vaccine": "VAR", "dose": 1, "recommended_age": {"months": 12}, "min_age": {"months": 12},
             "max_age": {"months": 60, "days": -1}, "min_interval": None, "counts_toward": None, "areas": None,
             "endemic_only": False, "source": "e2e: a vaccine added by a new schedule version"}

APP_LIST = """() => ({
  summary: document.getElementById('due-list-summary').textContent,
  rows: [...document.querySelectorAll('#bring tbody tr')].map((tr) => [tr.dataset.vaccine ?? tr.dataset.kind,
    tr.cells[0].textContent, tr.cells[1].textContent, tr.cells[2].textContent]),
  groups: [...document.querySelectorAll('#due-list details.due-group')].map((d) => [d.dataset.key,
    [...d.querySelectorAll('li')].map((li) => [li.querySelector('a').getAttribute('href').split('/').pop(),
      li.querySelector('small').textContent.trim()])]),
})"""


def publish_varicella(server) -> int:
    """The admin adds varicella at 12 months (5 doses a vial) as a new version, then activates it."""
    current = server.api("GET", SCHEDULE, "admin").get_json()["document"]
    doc = copy.deepcopy(current)
    doc.update(version="2025.e2e", valid_from=(date.today() - timedelta(days=30)).isoformat())
    doc["vaccines"].append({"code": "VAR", "name": "Varisela", "doses_per_vial": 5})
    doc["entries"].append(VARICELLA)
    made = server.api("POST", f"{SCHEDULE}/versions", "admin", json={"document": doc, "active": False})
    assert made.status_code == 201, made.get_json()
    version_id = made.get_json()["id"]
    assert server.api("POST", f"{SCHEDULE}/versions/{version_id}/activate", "admin").status_code == 200
    assert server.api("GET", SCHEDULE, "kader1").get_json()["version"] == "2025.e2e"
    return version_id


def expected_list(server, posyandu_id: str, on: str, user: str = "kader1") -> dict:
    """What the home screen should show, from the server's own due list (fetched with the user's token)."""
    resp = server.api("GET", f"/posyandu/{posyandu_id}/due-list?date={on}", user)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    doses = sum(v["doses"] for v in body["vaccines"])
    groups: dict[str, list] = {v["vaccine"]: [] for v in body["vaccines"]}
    kinds: dict[str, list] = {s["kind"]: [] for s in body["supplements"]}
    for child in body["children"]:
        for d in child["immunisations"]:
            groups[d["vaccine"]].append([child["child_id"], f"{d['label']} · {STATUS[d['status']]}"])
        for s in child["supplements"]:
            kinds[s["kind"]].append([child["child_id"], f"{child['age_months']}\u00a0bln"])  # one line: no-break space
    return {
        "summary": f"{len(body['children'])} anak · {doses} dosis imunisasi · jadwal {body['schedule_version']}",
        "rows": [[v["vaccine"], v["vaccine"], str(v["doses"]), str(v["vials"]) if v["doses_per_vial"] else "?"]
                 for v in body["vaccines"]] + [[s["kind"], KIND[s["kind"]], str(s["count"]), ""] for s in body["supplements"]],
        "groups": [[k, v] for k, v in groups.items()] + [[k, v] for k, v in kinds.items()],
    }


def test_a_new_schedule_reaches_the_phone_and_the_due_list_matches_the_server(live_server, new_context, shot):
    base = live_server.url
    today = date.today().isoformat()
    melati = live_server.api("GET", "/auth/me", "kader1").get_json()["posyandu_id"]
    ctx = new_context()
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    login(page, base, "kader1")
    wait_synced(page)
    sw_controls(page)
    page.goto(base + "/#/")
    expect(page.locator("#due-list-summary")).to_contain_text("jadwal 2024.2")  # the version a fresh server installs (also the bundled file)
    first = expected_list(live_server, melati, today)
    # the screen may be drawn once more as the app settles after the service worker's reload
    expect(page.locator("#due-list-summary")).to_have_text(first["summary"])
    assert page.evaluate(APP_LIST) == first

    version_id = publish_varicella(live_server)
    try:
        # online: the next sync brings the new version; the due list recomputes with it
        page.goto(base + "/#/sync")
        page.get_by_role("button", name="Sinkron sekarang").click()
        wait_synced(page)
        page.goto(base + "/#/")
        expect(page.locator("#due-list-summary")).to_contain_text("jadwal 2025.e2e")
        page.locator("#due-list > summary").click()  # the panel opens with a tap
        expect(page.locator("#bring tr[data-vaccine=VAR]")).to_be_visible()
        online = page.evaluate(APP_LIST)
        assert online == expected_list(live_server, melati, today)
        var = next(row for row in online["rows"] if row[0] == "VAR")
        assert int(var[2]) > 0 and var[3] == str(-(-int(var[2]) // 5))  # ceil(doses / 5 a vial)
        shot(page, "30-due-list-new-schedule")

        # offline after a reload: the kept copy, not the bundled file, still gives the new vaccine
        ctx.set_offline(True)
        page.reload()
        enter_pin(page)
        expect(page.locator("#due-list-summary")).to_contain_text("jadwal 2025.e2e")
        offline = page.evaluate(APP_LIST)
        assert offline == expected_list(live_server, melati, today)
        page.locator("#due-list > summary").click()
        page.locator("details[data-key=VAR] summary").click()
        expect(page.locator("details[data-key=VAR] li").first).to_be_visible()
        page.locator("#due-list").scroll_into_view_if_needed()
        shot(page, "31-due-list-offline-360px", full_page=False)
        first = dict(offline["groups"])["VAR"][0][0]
        page.locator(f"details[data-key=VAR] a[href='#/child/{first}']").click()
        expect(page.locator("#due")).to_contain_text("VAR")
        expect(page.locator("#card tr", has_text="VAR")).to_be_visible()
        shot(page, "32-child-new-vaccine-offline")
        page.goto(base + "/#/settings")
        expect(page.locator("#schedule-info")).to_contain_text("2025.e2e dari server")

        # English switch on the due list, still offline
        page.goto(base + "/#/")
        page.locator("#lang-btn").click()
        expect(page.locator("#due-list-h")).to_have_text("Today's targets")
        expect(page.locator("#bring caption")).to_have_text("What to bring")
        page.locator("#lang-btn").click()
        expect(page.locator("#due-list-h")).to_have_text("Sasaran hari ini")
    finally:
        ctx.set_offline(False)
        assert live_server.api("POST", f"{SCHEDULE}/versions/{version_id}/deactivate", "admin").status_code == 200
    assert errors == []


def test_another_day_of_the_bidan_matches_the_server(live_server, new_context):
    """A bidan picks one of her posyandu and a vitamin A month: the same children and capsules as /due-list."""
    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    on = date(date.today().year + (date.today().month > 8), 8, 12).isoformat()  # the next August round
    posyandu = live_server.api("GET", "/posyandu", "bidan1").get_json()["items"][1]
    page.get_by_label("Posyandu").select_option(label=posyandu["name"])
    page.get_by_label("Tanggal").fill(on)
    page.get_by_label("Tanggal").dispatch_event("change")
    expect(page.locator("#due-list-h")).to_contain_text("Sasaran")
    assert page.evaluate(APP_LIST) == expected_list(live_server, posyandu["id"], on, "bidan1")


def test_dinkes_does_not_sync_and_sees_no_sync_failure(live_server, new_context, shot):
    ctx = new_context()
    page = ctx.new_page()
    calls: list[str] = []
    page.on("request", lambda r: calls.append(r.url) if "/api/v1/sync/" in r.url else None)
    login(page, live_server.url, "dinkes")
    page.locator("#report-form").wait_for()
    expect(page.locator("#sync-chip")).to_be_hidden()
    expect(page.locator("#nav-sync")).to_be_hidden()
    page.goto(live_server.url + "/#/sync")  # an old bookmark: the reports, not a failing sync screen
    page.locator("#report-form").wait_for()
    ctx.set_offline(True)
    ctx.set_offline(False)  # the online event starts no sync either
    page.wait_for_timeout(1500)
    expect(page.locator("body")).not_to_contain_text("Sinkron gagal")
    expect(page.locator("#sync-chip")).to_be_hidden()
    assert calls == []
    shot(page, "33-dinkes-no-sync", full_page=False)
