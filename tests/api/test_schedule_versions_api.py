"""Which schedule version judges a dose, and the versions the phone holds (both databases).

The cases in tests/data/schedule_versions_cases.json are where two versions disagree; the same cases run
on the phone's code in tests/js/schedule-versions.test.mjs, so a dose the phone accepts offline is the
dose the server accepts, whatever its date."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from tests.api.test_immunisation_api import card, codes, posyandu_in, record
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = json.loads((ROOT / "tests/data/schedule_versions_cases.json").read_text(encoding="utf-8"))
BASE = json.loads((ROOT / FIXTURE["base"]).read_text(encoding="utf-8"))
SCHEDULE = "/api/v1/immunisation/schedule"


def document_of(version: dict) -> dict:
    """The fixture's version: the base document with its version, valid_from and entry fields replaced."""
    doc = copy.deepcopy(BASE)
    doc.update(version=version["version"], valid_from=version["valid_from"])
    for change in version.get("set", []):
        entry = next(e for e in doc["entries"] if (e["vaccine"], e["dose"]) == (change["vaccine"], change["dose"]))
        entry.update({k: v for k, v in change.items() if k not in ("vaccine", "dose")})
    return doc


@pytest.fixture
def versions(client, world):
    """The fixture's versions after the first (which a fresh database holds), published by the admin."""
    first = client.get(SCHEDULE, headers=world.headers("admin")).get_json()
    assert (first["version"], first["valid_from"]) == (FIXTURE["versions"][0]["version"], FIXTURE["versions"][0]["valid_from"])
    for version in FIXTURE["versions"][1:]:
        made = client.post(SCHEDULE + "/versions", json={"document": document_of(version), "active": version["active"]},
                           headers=world.headers("admin"))
        assert made.status_code == 201, made.get_json()


def version_on(client, world, on):
    return client.get(f"{SCHEDULE}?on={on}", headers=world.headers("kader1")).get_json()["version"]


@pytest.mark.parametrize("case", FIXTURE["cases"], ids=[c["id"] for c in FIXTURE["cases"]])
def test_a_dose_is_judged_by_the_version_in_force_on_its_own_date(client, world, make_child, versions, case):
    i = case["input"]
    child = make_child(name="Anak Buku KIA", birth_date=i["birth_date"])
    if case["kind"] == "validate_dose":
        new = i["new"]
        assert version_on(client, world, new["given_on"]) == case["expected"]["version"]
        resp = record(client, world, child["id"], new["vaccine"], new["dose"], new["given_on"], source="record")
        expected = case["expected"]["codes"]
        assert resp.status_code == (422 if expected else 201), resp.get_json()
        assert (codes(resp) if expected else []) == expected, case["explain"]
    elif case["kind"] == "copied":
        found = {}
        for d in sorted(i["copied"], key=lambda d: (d["given_on"], d["dose"])):  # the phone sends them in date order
            resp = record(client, world, child["id"], d["vaccine"], d["dose"], d["given_on"], source="record")
            if resp.status_code != 201:
                found[f"{d['vaccine']}|{d['dose']}"] = codes(resp)
        assert found == case["expected"]["problems"], case["explain"]
    else:
        body = card(client, world, child["id"], i["as_of"])
        assert body["schedule_version"] == case["expected"]["schedule_version"]
        for label, want in case["expected"]["entries"].items():
            assert {k: body["by_label"][label][k] for k in want} == want, case["explain"]


def test_the_schedule_answer_carries_every_active_version_for_the_phone(client, world, versions):
    """GET /immunisation/schedule: besides the version in force, ``versions``: every active version, oldest
    valid_from first, with its id and document, so a phone picks a dose's version by its date offline."""
    body = client.get(SCHEDULE, headers=world.headers("kader1")).get_json()
    held = body["versions"]
    assert [(v["id"], v["version"], v["valid_from"], v["active"]) for v in held] == [
        (1, "2024.2", "2024-01-01", True), (2, "2025.1", "2025-07-01", True)]  # 2025.9 is withdrawn
    mr1 = next(e for e in held[1]["document"]["entries"] if (e["vaccine"], e["dose"]) == ("MR", 1))
    assert (mr1["min_age"], held[0]["document"]["version"], held[1]["document"]["version"]) == (
        {"months": 8}, "2024.2", "2025.1")
    # a withdrawn version comes back when activated; the answer of another day lists the same versions
    assert client.post(f"{SCHEDULE}/versions/3/activate", headers=world.headers("admin")).status_code == 200
    on_old_day = client.get(f"{SCHEDULE}?on=2024-06-01", headers=world.headers("parent1")).get_json()
    assert on_old_day["version"] == "2024.2"
    assert [v["version"] for v in on_old_day["versions"]] == ["2024.2", "2025.1", "2025.9"]


def test_the_openapi_document_describes_the_versions_field(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    ref = spec["paths"]["/api/v1/immunisation/schedule"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    schema = spec["components"]["schemas"][ref["$ref"].rsplit("/", 1)[1]]
    assert "versions" in schema["properties"] and "description" in schema["properties"]["versions"]



@pytest.fixture
def papua(app, world):
    """Posyandu Anggrek in Kota Jayapura (91.71, WIT) and its kader, kader_papua."""
    from posyandu.auth.operations import create_user
    from posyandu.extensions import db

    regions = [("91", "Papua"), ("91.71", "Kota Jayapura"), ("91.71.01", "Jayapura Utara"),
               ("91.71.01.1001", "Gurabesi")]
    pos = posyandu_in(app, world, "papua", regions, ("PKM Jayapura Utara", "JU"), "Anggrek")
    with app.app_context():
        create_user({"username": "kader_papua", "password": PASSWORD, "name": "Kader Papua", "role": "kader",
                     "posyandu_id": pos})
        db.session.commit()


def test_the_version_in_force_today_is_the_callers_day_not_papuas(client, world, versions, papua, monkeypatch):
    """2025.1 is in force from 1 July 2025. At 22:30 WIB on 30 June (15:30 UTC) it is 1 July in Papua
    (00:30 WIT) but still 30 June in Gresik: the schedule asked for without ``on`` answers 2024.2 to Gresik's
    kader, midwife, health office and parent, and to an admin (WIB), 2025.1 to a kader in Jayapura; at
    00:30 WIB on 1 July, 2025.1 to all."""
    from datetime import datetime, timezone

    import posyandu.validators as validators

    def at(hour: int) -> list[str]:
        class Clock(datetime):
            @classmethod
            def now(cls, tz=None):
                return datetime(2025, 6, 30, hour, 30, tzinfo=timezone.utc).astimezone(tz)
        monkeypatch.setattr(validators, "datetime", Clock)
        return [client.get(SCHEDULE, headers=world.headers(u)).get_json()["version"]
                for u in ("kader1", "bidan_a", "dinkes_gresik", "parent1", "admin", "kader_papua")]

    assert at(15) == ["2024.2"] * 5 + ["2025.1"]
    assert at(17) == ["2025.1"] * 6


# --- IDL and Baduta Lengkap: judged by the version in force on their deadline --------------------
# 2026.1 counts PCV 1 and 2 toward IDL and PCV 3 toward Baduta Lengkap, from 1 July 2026 (2024.2 counts
# none of them): a child is judged by the version in force on her first (second) birthday.
PCV_COUNTS = {"version": "2026.1", "valid_from": "2026-07-01", "active": True,
              "set": [{"vaccine": "PCV", "dose": 1, "counts_toward": "idl"},
                      {"vaccine": "PCV", "dose": 2, "counts_toward": "idl"},
                      {"vaccine": "PCV", "dose": 3, "counts_toward": "baduta"}]}


def add_months(iso: str, months: int) -> str:
    from datetime import date

    from posyandu.ages import add_months as add

    return add(date.fromisoformat(iso), months).isoformat()


def idl_doses(birth: str, pcv: bool = False) -> list[tuple[str, int, str]]:
    """Every IDL dose of 2024.2 at its recommended month (born on the 10th or 15th: each past its minimum
    age and interval), with PCV 1 and 2 too when ``pcv``."""
    doses = [("HB0", 1, 0), ("BCG", 1, 1), ("OPV", 1, 1), ("OPV", 2, 2), ("DPT-HB-Hib", 1, 2), ("OPV", 3, 3),
             ("DPT-HB-Hib", 2, 3), ("OPV", 4, 4), ("DPT-HB-Hib", 3, 4), ("IPV", 1, 4), ("MR", 1, 9)]
    doses += [("PCV", 1, 2), ("PCV", 2, 3)] if pcv else []
    return [(vaccine, dose, add_months(birth, month)) for vaccine, dose, month in doses]


def baduta_doses(birth: str) -> list[tuple[str, int, str]]:
    return [("DPT-HB-Hib", 4, add_months(birth, 18)), ("MR", 2, add_months(birth, 18))]


@pytest.fixture
def pcv_counts(client, world):
    made = client.post(SCHEDULE + "/versions", json={"document": document_of(PCV_COUNTS)}, headers=world.headers("admin"))
    assert made.status_code == 201, made.get_json()


def test_idl_and_baduta_are_judged_by_the_version_in_force_on_their_deadline(client, world, make_child, pcv_counts):
    """Born 10 June 2024, she had every IDL dose of 2024.2 before her first birthday (10 June 2025) and
    both Baduta doses before her second (10 June 2026), no PCV: complete by the version in force on each
    deadline. 2026.1, in force from 1 July 2026, counts PCV: the card of today said IDL ``incomplete``,
    missing PCV 2, and Baduta missing PCV 3, a completion of a year before the rule undone. A child whose
    first birthday (1 August 2026) comes under 2026.1 is judged by it, even on a day before it was in force."""
    from tests.api.test_immunisation_api import given

    born = "2024-06-10"
    done = make_child(name="Anak Lengkap 2024", birth_date=born)
    given(client, world, done["id"], idl_doses(born) + baduta_doses(born))
    body = card(client, world, done["id"], "2026-12-01")
    assert body["schedule_version"] == "2026.1"  # what is still to give: by the version of the day
    assert body["by_label"]["PCV 2"]["counts_toward"] == "idl"
    assert (body["idl"]["status"], body["idl"]["deadline"], body["idl"]["missing"]) == ("complete", "2025-06-10", [])
    assert (body["baduta"]["status"], body["baduta"]["missing"]) == ("complete", [])

    later = make_child(name="Anak 2025", birth_date="2025-08-01")
    given(client, world, later["id"], [(v, d, on) for v, d, on in idl_doses("2025-08-01") if on < "2026-07-01"])
    for on in ("2026-05-01", "2026-12-01"):  # 2024.2's day and 2026.1's: her deadline's version judges both
        idl = card(client, world, later["id"], on)["idl"]
        assert {(m["vaccine"], m["dose"]) for m in idl["missing"]} == {("PCV", 1), ("PCV", 2)}, on
    assert card(client, world, later["id"], "2026-05-01")["idl"]["status"] == "in_progress"


def test_a_range_reports_idl_and_baduta_as_its_months_add_up(client, world, make_child, pcv_counts):
    """The coverage of June 2025 to July 2026 judged every child by 2026.1, the version at the period's
    end: a child complete by 2024.2 at her birthday in June 2025 was counted uncovered, the range's IDL
    (3 of 4) not the sum of its months' (4 of 4 here: 3 under 2024.2, the July 2026 birthdays under 2026.1).
    Now each child is judged by the version in force on her birthday, and the range adds up."""
    from tests.api.test_immunisation_api import given

    children = {"2024-06-10": idl_doses("2024-06-10") + baduta_doses("2024-06-10"),  # IDL June 2025, Baduta June 2026
                "2025-01-15": idl_doses("2025-01-15"),                              # IDL January 2026, under 2024.2
                "2025-07-10": idl_doses("2025-07-10", pcv=True),                   # IDL July 2026, with PCV: complete
                "2025-07-15": idl_doses("2025-07-15")}                             # IDL July 2026, no PCV: incomplete
    for born, doses in children.items():
        child = make_child(name=f"Anak {born}", birth_date=born)
        given(client, world, child["id"], [d for d in doses if d[2] <= "2026-07-31"])

    def counted(query):
        resp = client.get(f"/api/v1/reports/coverage?{query}&posyandu_id={world.ids['p1']}",
                          headers=world.headers("bidan_a"))
        assert resp.status_code == 200, resp.get_json()
        return {r["kind"]: (r["target"], r["covered"]) for r in resp.get_json()["rows"] if r["kind"] in ("idl", "baduta")}

    whole = counted("from=2025-06&to=2026-07")
    assert whole == {"idl": (4, 3), "baduta": (1, 1)}
    months = [f"{y}-{m:02d}" for y, m in [(2025, m) for m in range(6, 13)] + [(2026, m) for m in range(1, 8)]]
    by_month = [counted(f"month={m}") for m in months]
    assert {k: tuple(sum(c[k][i] for c in by_month) for i in (0, 1)) for k in whole} == whole
    assert counted("month=2025-06")["idl"] == (1, 1) and counted("month=2026-07")["idl"] == (2, 1)


# --- a vaccine a later version adds (PCV and RV were rolled out gradually; TCV might be) ---------------
def with_tcv(valid_from: str) -> dict:
    """The base schedule with TCV 1 at 9 months (from 6, up to 24), valid from ``valid_from``."""
    doc = document_of({"version": "2025.3", "valid_from": valid_from})
    doc["vaccines"].append({"code": "TCV", "name": "Tifoid konjugat", "doses_per_vial": 5})
    doc["entries"].append({"vaccine": "TCV", "dose": 1, "recommended_age": {"months": 9}, "min_age": {"months": 6},
                           "max_age": {"months": 24}})
    return doc


def test_a_dose_a_later_version_added_is_due_from_the_day_it_came_in(client, world, make_child):
    """2025.3 adds TCV 1 at 9 months from 1 March 2025. A child of 14 months (born 10 January 2024, 9 months
    on 10 October 2024) showed TCV "terlambat" from that very day, due 10 October 2024, months before the
    vaccine existed, on her card, the day's due list and the follow-up list (39 children overdue became 53 in
    QA's district). Now it is due on 1 March 2025, overdue only a month later; a child past its 24 months by
    then (born 1 December 2022) is not offered it at all, neither missed; a baby gets it at her 9 months."""
    made = client.post(SCHEDULE + "/versions", json={"document": with_tcv("2025-03-01")}, headers=world.headers("admin"))
    assert made.status_code == 201, made.get_json()
    ani = make_child(name="Ani Empat Belas Bulan", birth_date="2024-01-10")
    old = make_child(name="Budi Dua Tahun", birth_date="2022-12-01")
    baby = make_child(name="Citra Bayi", birth_date="2024-10-20")
    tcv = card(client, world, ani["id"], "2025-03-20")["by_label"]["TCV"]
    assert (tcv["status"], tcv["recommended_date"], tcv["due_date"], tcv["can_give"]) == (
        "due", "2024-10-10", "2025-03-01", True)
    assert card(client, world, ani["id"], "2025-04-02")["by_label"]["TCV"]["status"] == "overdue"
    assert card(client, world, old["id"], "2025-03-20")["by_label"]["TCV"]["status"] == "not_applicable"
    assert card(client, world, baby["id"], "2025-03-20")["by_label"]["TCV"]["due_date"] == "2025-07-20"

    due = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date=2025-03-20", headers=world.headers("kader1"))
    doses = {c["name"]: {d["label"]: d for d in c["immunisations"]} for c in due.get_json()["children"]}
    assert (doses["Ani Empat Belas Bulan"]["TCV"]["status"], doses["Ani Empat Belas Bulan"]["TCV"]["due_date"]) == (
        "due", "2025-03-01")
    assert "TCV" not in doses.get("Budi Dua Tahun", {})

    def overdue(month):
        resp = client.get(f"/api/v1/reports/actions?month={month}&reason=overdue_immunisation&limit=500",
                          headers=world.headers("bidan_a"))
        assert resp.status_code == 200, resp.get_json()
        return {r["name"]: r["overdue_immunisations"] for r in resp.get_json()["items"]}

    march, april = overdue("2025-03"), overdue("2025-04")
    assert "TCV" not in march["Ani Empat Belas Bulan"] and "TCV" in april["Ani Empat Belas Bulan"]
    assert "TCV" not in march["Budi Dua Tahun"] + april["Budi Dua Tahun"]


def test_coverage_leaves_out_a_dose_a_child_was_past_when_it_came_in(client, world, make_child):
    """2025.3 adds TCV 1 (9 months, up to 11), counted for IDL, from 1 March 2025. A child born 15 March 2024
    was 11 months on 15 February, before it came in: her card says TCV ``not_applicable`` and her IDL complete,
    yet the coverage report counted her IDL of March 2025 unreached, and her in TCV's target: a dose never
    offered her. A child born 10 April 2024 was offered it (11 months on 10 March): missing it, her IDL is
    incomplete, and she is TCV's target, uncovered, on both."""
    from tests.api.test_immunisation_api import given

    doc = with_tcv("2025-03-01")
    doc["entries"][-1].update(max_age={"months": 11}, counts_toward="idl")
    made = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin"))
    assert made.status_code == 201, made.get_json()
    past, offered = (make_child(name=f"Anak {born}", birth_date=born) for born in ("2024-03-15", "2024-04-10"))
    for child in (past, offered):
        given(client, world, child["id"], idl_doses(child["birth_date"]))
    assert card(client, world, past["id"], "2025-04-30")["by_label"]["TCV"]["status"] == "not_applicable"
    assert card(client, world, past["id"], "2025-04-30")["idl"]["status"] == "complete"
    assert card(client, world, offered["id"], "2025-04-30")["idl"]["status"] == "incomplete"

    def counted(month):
        resp = client.get(f"/api/v1/reports/coverage?month={month}&posyandu_id={world.ids['p1']}",
                          headers=world.headers("bidan_a"))
        assert resp.status_code == 200, resp.get_json()
        rows = resp.get_json()["rows"]
        return ({r["kind"]: (r["target"], r["covered"]) for r in rows if r["kind"] == "idl"}
                | {r["vaccine"]: (r["target"], r["covered"]) for r in rows if r["kind"] == "dose" and r["vaccine"] == "TCV"})

    assert counted("2025-03") == {"idl": (1, 1), "TCV": (1, 0)}  # her first birthday; the other is 11 months
    assert counted("2025-04") == {"idl": (1, 0), "TCV": (1, 0)}
