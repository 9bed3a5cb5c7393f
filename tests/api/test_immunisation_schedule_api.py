"""The schedule API, a posyandu's due list, and who may see what (both databases)."""
from __future__ import annotations

import copy
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.api.test_immunisation_api import card, codes, given, record
from tests.support.statements import before_each_statement, statements_run
from tests.sync.helpers import mutation, push

SCHEDULE = "/api/v1/immunisation/schedule"
ROLES = ("kader1", "bidan_a", "dinkes_gresik", "admin", "parent1")


def in_force(client, world, on=None, by="admin"):
    resp = client.get(SCHEDULE + (f"?on={on}" if on else ""), headers=world.headers(by))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


@pytest.mark.parametrize("who", ROLES)
def test_every_signed_in_user_reads_the_schedule_in_force(client, world, who):
    body = in_force(client, world, by=who)
    assert body["id"] == 1 and body["version"] == "2024.2" and body["active"] is True
    vials = {v["code"]: v["doses_per_vial"] for v in body["document"]["vaccines"]}
    assert vials == {"HB0": 1, "BCG": 20, "OPV": 20, "DPT-HB-Hib": 5, "PCV": None, "RV": None, "IPV": None,
                     "MR": 10, "JE": None}
    je = next(e for e in body["document"]["entries"] if e["vaccine"] == "JE")
    assert "51.71" in je["areas"] and je["endemic_only"] is False
    listed = client.get(SCHEDULE + "/versions", headers=world.headers(who)).get_json()
    assert [v["version"] for v in listed["items"]] == ["2024.2"] and listed["next_cursor"] is None
    assert client.get(SCHEDULE + "/versions/1", headers=world.headers(who)).get_json()["name"] == body["name"]
    assert client.get(SCHEDULE).status_code == 401


@pytest.mark.parametrize("who", ("kader1", "bidan_a", "dinkes_gresik", "parent1"))
def test_only_an_admin_publishes_or_withdraws_a_version(client, world, who):
    doc = in_force(client, world)["document"]
    resp = client.post(SCHEDULE + "/versions", json={"document": {**doc, "version": "x"}}, headers=world.headers(who))
    assert resp.status_code == 403
    for action in ("activate", "deactivate"):
        assert client.post(f"{SCHEDULE}/versions/1/{action}", headers=world.headers(who)).status_code == 403


def test_an_invalid_schedule_is_422_per_field(client, world):
    doc = copy.deepcopy(in_force(client, world)["document"])
    doc["version"] = "2025.bad"
    doc["vaccines"][0]["doses_per_vial"] = 0
    doc["entries"][1]["min_age"] = {"months": 2}  # BCG: min 2 months > recommended 1 month
    doc["supplements"]["vitamin_a"]["round_months"] = [2, 13]
    resp = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin"))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    errors = resp.get_json()["errors"]
    assert resp.get_json()["detail"] == "the schedule is not valid"  # as every other detail: lower case, no full stop
    assert set(errors) == {"document.vaccines[0]", "document.entries[1]", "document.supplements.vitamin_a.round_months"}
    assert errors["document.entries[1]"] == ["entries[1] (BCG 1): min_age is after recommended_age"]
    in_indonesian = client.post(SCHEDULE + "/versions", json={"document": doc},
                                headers=world.headers("admin", lang="id")).get_json()
    assert in_indonesian["detail"] == "jadwal tidak valid"
    assert in_indonesian["title"] == "Data tidak valid" and set(in_indonesian["errors"]) == set(errors)
    assert in_indonesian["errors"]["document.entries[1]"] == ["entries[1] (BCG 1): min_age sesudah recommended_age"]
    assert in_indonesian["errors"]["document.supplements.vitamin_a.round_months"] == [
        "supplements.vitamin_a.round_months harus daftar bulan 1-12 yang tidak kosong dan tidak berulang"]
    same = client.post(SCHEDULE + "/versions", json={"document": in_force(client, world)["document"]},
                       headers=world.headers("admin"))
    assert same.status_code == 422 and "document.version" in same.get_json()["errors"]
    assert client.post(SCHEDULE + "/versions", json={"document": "x"}, headers=world.headers("admin")).status_code == 422
    assert client.post(f"{SCHEDULE}/versions/1/deactivate", headers=world.headers("admin")).status_code == 409
    assert client.get(f"{SCHEDULE}/versions/99", headers=world.headers("admin")).status_code == 404


@pytest.mark.parametrize("where, key, value, field", [
    ("entry", "max_age", {"months": 1_000_000_000}, "document.entries[0]"),
    ("entry", "max_age", {"days": 7306}, "document.entries[0]"),
    ("entry", "recommended_age", {"months": 240, "days": 1}, "document.entries[0]"),
    ("entry", "min_interval", {"days": 10 ** 30}, "document.entries[3]"),
    ("entry", "max_age", {"months": 241, "days": -31}, "document.entries[0]"),
    ("entry", "max_age", {"months": 1, "days": -10 ** 9}, "document.entries[0]"),
    ("top", "overdue_after", {"months": 10 ** 9}, "document.overdue_after"),
    ("vaccine", "doses_per_vial", 10 ** 30, "document.vaccines[0]"),
])
def test_schedule_numbers_past_twenty_years_are_422_and_nothing_breaks(client, world, make_child, where, key, value,
                                                                       field):
    """Ages, intervals and overdue_after of more than 20 years were accepted (201) and then every card,
    due list and dose recorded under the version was a 500 (date arithmetic past the year 9999)."""
    doc = copy.deepcopy(in_force(client, world)["document"])
    doc["version"] = "2099.1"
    target = {"entry": doc["entries"][0], "top": doc, "vaccine": doc["vaccines"][0]}[where]
    if key == "min_interval":
        target = doc["entries"][3]
        assert target["dose"] > 1 and target["min_interval"]
    target[key] = value
    resp = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin", lang="id"))
    assert resp.status_code == 422 and resp.content_type == "application/problem+json", resp.get_json()
    errors = resp.get_json()["errors"]
    assert list(errors) == [field], errors
    assert "20 tahun" in errors[field][0] or "paling banyak 100" in errors[field][0], errors
    # the version in force still answers
    child = make_child()
    assert client.get(f"/api/v1/children/{child['id']}/immunisation-card", headers=world.headers("kader1")).status_code == 200


def test_a_version_stored_before_the_bounds_cannot_be_activated(client, world, db):
    from posyandu.immunisation.models import ScheduleVersion

    doc = copy.deepcopy(in_force(client, world)["document"])
    doc.update(version="2099.3", overdue_after={"months": 1_000_000_000})
    db.session.add(ScheduleVersion(name=doc["name"], valid_from=date(2024, 1, 1), document=doc, active=False))
    db.session.commit()
    stored = max(v["id"] for v in client.get(SCHEDULE + "/versions", headers=world.headers("admin")).get_json()["items"])
    resp = client.post(f"{SCHEDULE}/versions/{stored}/activate", headers=world.headers("admin"))
    assert resp.status_code == 422 and list(resp.get_json()["errors"]) == ["document.overdue_after"]
    assert in_force(client, world)["version"] == "2024.2"


def test_a_schedule_at_the_twenty_year_bounds_works_everywhere(client, world, make_child):
    doc = copy.deepcopy(in_force(client, world)["document"])
    doc.update(version="2099.2", valid_from="2024-01-01", overdue_after={"days": 7305})
    for entry in doc["entries"]:
        entry["max_age"] = {"months": 240}
        if entry.get("min_interval"):
            entry["min_interval"] = {"months": 240}
    doc["vaccines"][0]["doses_per_vial"] = 100
    made = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin"))
    assert made.status_code == 201, made.get_json()
    child = make_child(birth_date="2024-02-29")
    body = card(client, world, child["id"], date.today().isoformat())
    assert body["schedule_version"] == "2099.2" and body["by_label"]["HB0"]["latest_date"] == "2044-02-29"
    resp = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list", headers=world.headers("kader1"))
    assert resp.status_code == 200, resp.get_json()
    resp = record(client, world, child["id"], "HB0", 1, "2024-03-01")
    assert resp.status_code == 201, resp.get_json()


def test_a_new_version_changes_the_card_and_vials_without_code(client, world, make_child, db):
    from posyandu.audit import AuditLog

    child = make_child(name="Bayi Januari", birth_date="2025-01-10")
    before = card(client, world, child["id"], "2025-11-10")["by_label"]["MR 1"]
    assert (before["status"], before["due_date"]) == ("due", "2025-10-10")  # 9 months
    doc = copy.deepcopy(in_force(client, world)["document"])
    doc.update(version="2025.1", valid_from="2025-06-01")
    mr1 = next(e for e in doc["entries"] if (e["vaccine"], e["dose"]) == ("MR", 1))
    mr1["recommended_age"] = {"months": 10}
    next(v for v in doc["vaccines"] if v["code"] == "PCV")["doses_per_vial"] = 4
    made = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin"))
    assert made.status_code == 201 and made.get_json()["id"] == 2
    after = card(client, world, child["id"], "2025-11-10")
    assert after["schedule_version"] == "2025.1" and after["by_label"]["MR 1"]["due_date"] == "2025-11-10"
    assert in_force(client, world, on="2025-05-31")["version"] == "2024.2"
    assert client.post(f"{SCHEDULE}/versions/2/deactivate", headers=world.headers("admin")).status_code == 200
    assert card(client, world, child["id"], "2025-11-10")["by_label"]["MR 1"]["due_date"] == "2025-10-10"
    assert client.post(f"{SCHEDULE}/versions/2/activate", headers=world.headers("admin")).get_json()["active"] is True
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "schedule_version")
                                 .order_by(AuditLog.id)).all()
    assert actions == ["create", "deactivate", "activate"]


def test_a_dose_outside_the_schedule_in_force_stays_on_the_card_and_a_bidan_records_or_corrects_it(
        client, world, make_child):
    """A version adding TCV is withdrawn after a dose of it was given (or a private clinic gave a vaccine the
    programme never had): the dose stays on the card, given, marked outside the schedule (it had no row,
    though the dose list held it); a bidan or admin corrects or records such a dose with her reason (a
    correction of its date was refused for good, and so was the phone's record of it, even hers: only a
    delete was left); a kader is told the midwife can."""
    doc = copy.deepcopy(in_force(client, world)["document"])
    doc.update(version="2025.5", valid_from="2025-06-01")
    doc["vaccines"].append({"code": "TCV", "name": "Typhoid conjugate", "doses_per_vial": 5})
    doc["entries"].append({"vaccine": "TCV", "dose": 1, "recommended_age": {"months": 9}, "min_age": {"months": 6},
                           "max_age": None, "min_interval": None, "counts_toward": None, "areas": None,
                           "endemic_only": False, "source": "test"})
    made = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin"))
    assert made.status_code == 201, made.get_json()
    child, sister = (make_child(name=name, birth_date="2024-06-01") for name in ("Ani", "Ina"))
    tcv = record(client, world, child["id"], "TCV", 1, "2025-06-05", by="bidan_a", source="record")
    assert tcv.status_code == 201, tcv.get_json()
    assert client.post(f"{SCHEDULE}/versions/{made.get_json()['id']}/deactivate",
                       headers=world.headers("admin")).status_code == 200

    body = card(client, world, child["id"], "2025-07-01")
    assert body["schedule_version"] == "2024.2"
    row = body["by_label"]["TCV 1"]
    assert {k: row[k] for k in ("status", "given_on", "immunisation_id", "in_schedule", "due_date", "can_give",
                                "counts_toward")} == {"status": "given", "given_on": "2025-06-05",
                                                      "immunisation_id": tcv.get_json()["id"], "in_schedule": False,
                                                      "due_date": None, "can_give": False, "counts_toward": None}
    assert body["doses"][-1] == row and all(d["in_schedule"] for d in body["doses"][:-1])
    assert card(client, world, child["id"], "2025-06-04")["by_label"].get("TCV 1") is None  # not given yet then

    url = f"/api/v1/immunisations/{tcv.get_json()['id']}"
    kader = client.patch(url, json={"given_on": "2025-06-04"}, headers=world.headers("kader1"))
    assert kader.status_code == 422 and kader.get_json()["violations"] == [
        {"code": "not_in_schedule", "overridable": True, "message": "TCV dose 1 is not in schedule 2024.2."}]
    assert "ask the midwife" in kader.get_json()["errors"]["override_reason"][0]
    unsaid = client.patch(url, json={"given_on": "2025-06-04"}, headers=world.headers("bidan_a"))
    assert unsaid.status_code == 422 and "override_reason" in unsaid.get_json()["errors"]
    fixed = client.patch(url, json={"given_on": "2025-06-04", "override_reason": "tanggal di Buku KIA 4 Juni"},
                         headers=world.headers("bidan_a"))
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["override_by"] is not None
    assert card(client, world, child["id"], "2025-07-01")["by_label"]["TCV 1"]["given_on"] == "2025-06-04"

    def tcv_on(child_id, on, **extra):
        return mutation("immunisation", str(uuid.uuid4()), {"child_id": child_id, "vaccine": "TCV", "dose": 1,
                                                            "given_on": on, "source": "record", **extra})

    [refused] = push(client, world.headers("kader1", "id"), [tcv_on(sister["id"], "2025-06-04")], client_id="hp-k")
    assert refused["status"] == "rejected"
    assert refused["errors"]["override_reason"] == ["hanya bidan atau admin yang dapat menerima ini dengan alasan: "
                                                    "hubungi bidan"]
    [kept] = push(client, world.headers("bidan_a"), [tcv_on(sister["id"], "2025-06-04", override_reason="diberi")],
                  client_id="hp-b")
    assert kept["status"] == "applied" and kept["record"]["override_by"] is not None, kept
    # recorded once, as any dose: TCV 1 again on another day is refused, a reason or not
    [again] = push(client, world.headers("bidan_a"), [tcv_on(sister["id"], "2025-06-20", override_reason="x")],
                   client_id="hp-b")
    assert again["status"] == "rejected" and "dose" in again["errors"], again
    # a vaccine outside the programme altogether, given at a private clinic
    var = record(client, world, child["id"], "VAR", 1, "2025-06-10", by="bidan_a", source="record",
                 place="elsewhere", override_reason="varisela di klinik swasta")
    assert var.status_code == 201, var.get_json()
    assert card(client, world, child["id"], "2025-07-01")["by_label"]["VAR 1"]["status"] == "given"


def test_flask_load_schedule_publishes_a_file(app, client, world, tmp_path):
    import json

    doc = copy.deepcopy(in_force(client, world)["document"])
    path = tmp_path / "jadwal.json"
    path.write_text("\ufeff" + json.dumps({**doc, "version": "2026.1"}), encoding="utf-8")  # Notepad's BOM
    out = app.test_cli_runner().invoke(args=["load-schedule", str(path), "--valid-from", "2026-01-01", "--inactive"])
    assert out.exit_code == 0, out.output
    assert "jadwal 2026.1" in out.output and "belum aktif" in out.output and "2026-01-01" in out.output
    bad = tmp_path / "rusak.json"
    bad.write_text(json.dumps({**doc, "version": "2026.2", "entries": []}), encoding="utf-8")
    refused = app.test_cli_runner().invoke(args=["load-schedule", str(bad)])
    assert refused.exit_code != 0 and "jadwal tidak valid" in refused.output and "document.entries" in refused.output
    versions = client.get(SCHEDULE + "/versions", headers=world.headers("admin")).get_json()["items"]
    assert [(v["version"], v["valid_from"], v["active"]) for v in versions] == [
        ("2024.2", "2024-01-01", True), ("2026.1", "2026-01-01", False)]


@pytest.mark.parametrize("depth", [33, 100_000])
def test_flask_load_schedule_refuses_json_nested_deeper_than_the_api_takes(app, client, world, tmp_path, depth):
    """A file nested 100,000 deep stopped the command with a RecursionError traceback; one 33 deep
    (which the API refuses as malformed) went on to be judged. Both are refused, nothing published."""
    import json

    doc = copy.deepcopy(in_force(client, world)["document"])
    path = tmp_path / "jadwal.json"
    path.write_text(json.dumps({**doc, "version": "2026.8"})[:-1] + ', "notes": ' + "[" * (depth - 1) + "]" * (depth - 1)
                    + "}", encoding="utf-8")
    out = app.test_cli_runner().invoke(args=["load-schedule", str(path)])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), (out.output, out.exception)
    assert "jadwal tidak valid" in out.output and "document: JSON bersarang lebih dari 32 tingkat" in out.output, \
        out.output
    versions = client.get(SCHEDULE + "/versions", headers=world.headers("admin")).get_json()["items"]
    assert [v["version"] for v in versions] == ["2024.2"]


@pytest.mark.parametrize("content, why", [
    (b"", "not JSON: Expecting value"), (b'{"version": "\xff"}', "not JSON: 'utf-8' codec can't decode"),
    (b'{"version": "2026.7", "n": ' + b"1" * 5000 + b"}", "not JSON: a number longer than 4300 digits"),
    (b'{"version": "2026.7", "valid_from": "2026-01-01", "version": "2027.1"}',
     'kunci "version" ditulis dua kali dalam satu objek JSON')])
def test_flask_load_schedule_refuses_a_file_it_cannot_read_with_a_message(app, client, world, tmp_path, content, why):
    """An empty file, one not in UTF-8, a number of 5000 digits (which the API answers 422 as
    malformed JSON), a key given twice (which the API refuses too): a message and exit 1, never a traceback. The number stopped the command
    with a ValueError traceback ("Exceeds the limit (4300 digits) for integer string conversion")."""
    path = tmp_path / "jadwal.json"
    path.write_bytes(content)
    out = app.test_cli_runner().invoke(args=["load-schedule", str(path)])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), (out.output, out.exception)
    assert "jadwal tidak valid" in out.output and f"document: {why}" in out.output, out.output
    versions = client.get(SCHEDULE + "/versions", headers=world.headers("admin")).get_json()["items"]
    assert [v["version"] for v in versions] == ["2024.2"]


# --- the due list ---------------------------------------------------------------------------
# Posyandu Melati on Sunday 2025-08-10 (an August round):
#   X born 2025-06-10 (2 months): HB0, BCG, OPV 1 given → OPV 2 (OPV 1 + 28 d = 08-07, recommended 08-10),
#     DPT-HB-Hib 1, PCV 1, RV 1 all due; no capsule before 6 months.
#   Y born 2024-11-10 (9 months): everything to 4 months on time → MR 1 and IPV 2 (≥ 4 months after IPV 1
#     on 03-10) due; PCV 3 waits for 12 months; a blue capsule (6-11 months).
#   Z born 2023-02-10 (30 months), never immunised → catch-up first doses without a passed maximum age:
#     OPV 1, DPT-HB-Hib 1, PCV 1, IPV 1, MR 1 (HB0, BCG and RV 1 are missed); red capsule and deworming.
#   W born 2020-06-10 (62 months) is past five: not listed; K at Posyandu Mawar is not listed either.
# Per vaccine: OPV 2 (vials ⌈2/20⌉ = 1), DPT-HB-Hib 2 (⌈2/5⌉ = 1), PCV 2 (vial size unknown → null),
#   RV 1 (null), IPV 2 (null), MR 2 (⌈2/10⌉ = 1).
Y_DOSES = [("HB0", 1, "2024-11-10"), ("BCG", 1, "2024-12-10"), ("OPV", 1, "2024-12-10"),
           ("OPV", 2, "2025-01-10"), ("DPT-HB-Hib", 1, "2025-01-10"), ("PCV", 1, "2025-01-10"), ("RV", 1, "2025-01-10"),
           ("OPV", 3, "2025-02-10"), ("DPT-HB-Hib", 2, "2025-02-10"), ("PCV", 2, "2025-02-10"), ("RV", 2, "2025-02-10"),
           ("OPV", 4, "2025-03-10"), ("DPT-HB-Hib", 3, "2025-03-10"), ("RV", 3, "2025-03-10"), ("IPV", 1, "2025-03-10")]


@pytest.fixture
def session_day(client, world, make_child):
    kids = {k: make_child(name=f"Anak {k}", birth_date=born)
            for k, born in (("X", "2025-06-10"), ("Y", "2024-11-10"), ("Z", "2023-02-10"), ("W", "2020-06-10"))}
    make_child(by="kader2", posyandu="p2", name="Anak K", birth_date="2025-06-10")
    given(client, world, kids["X"]["id"], [("HB0", 1, "2025-06-10"), ("BCG", 1, "2025-07-10"), ("OPV", 1, "2025-07-10")])
    given(client, world, kids["Y"]["id"], Y_DOSES)
    return kids


def test_the_due_list_of_a_session_day_with_vials(client, world, session_day):
    resp = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date=2025-08-10", headers=world.headers("kader1"))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["date"], body["posyandu_name"], body["schedule_version"]) == ("2025-08-10", "Melati", "2024.2")
    rows = {r["name"]: r for r in body["children"]}
    assert set(rows) == {"Anak X", "Anak Y", "Anak Z"}
    labels = {n: [(d["label"], d["status"]) for d in r["immunisations"]] for n, r in rows.items()}
    assert labels["Anak X"] == [("OPV 2", "due"), ("DPT-HB-Hib 1", "due"), ("PCV 1", "due"), ("RV 1", "due")]
    assert labels["Anak Y"] == [("MR 1", "due"), ("IPV 2", "due")]
    assert labels["Anak Z"] == [("OPV 1", "overdue"), ("DPT-HB-Hib 1", "overdue"), ("PCV 1", "overdue"),
                                ("IPV 1", "overdue"), ("MR 1", "overdue")]
    assert [s["kind"] for s in rows["Anak X"]["supplements"]] == []
    assert [s["kind"] for s in rows["Anak Y"]["supplements"]] == ["vitamin_a_blue"]
    assert [s["kind"] for s in rows["Anak Z"]["supplements"]] == ["vitamin_a_red", "deworming"]
    assert (rows["Anak Y"]["age_months"], rows["Anak Z"]["age_months"]) == (9, 30)
    vials = {v["vaccine"]: (v["doses"], v["doses_per_vial"], v["vials"]) for v in body["vaccines"]}
    assert vials == {"OPV": (2, 20, 1), "DPT-HB-Hib": (2, 5, 1), "PCV": (2, None, None), "RV": (1, None, None),
                     "IPV": (2, None, None), "MR": (2, 10, 1)}
    assert body["supplements"] == [{"kind": "deworming", "count": 1}, {"kind": "vitamin_a_blue", "count": 1},
                                   {"kind": "vitamin_a_red", "count": 1}]
    september = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date=2025-09-10",
                           headers=world.headers("kader1")).get_json()
    assert all(r["supplements"] == [] for r in september["children"])  # no round in September


def test_the_due_list_defaults_to_the_next_meeting_day(client, world):
    from posyandu.validators import local_today

    # Melati (Gresik, WIB) meets on the 5th; "today" is Gresik's civil date, not the WIT date that only
    # bounds future entries (the two differ from 15:00 to 17:00 UTC)
    now = local_today("35.25.01.2001")
    expected = date(now.year, now.month, 5) if now.day <= 5 else \
        date(now.year + (now.month == 12), now.month % 12 + 1, 5)
    body = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list", headers=world.headers("bidan_a")).get_json()
    assert body["date"] == expected.isoformat() and body["children"] == [] and body["vaccines"] == []


DUE_LIST = [("kader1", 200), ("kader1b", 200), ("bidan_a", 200), ("dinkes_gresik", 200), ("admin", 200),
            ("kader2", 404), ("kader3", 404), ("bidan_b", 404), ("dinkes_bangkalan", 404), ("parent1", 403)]


@pytest.mark.parametrize("who,status", DUE_LIST)
def test_due_list_scope(client, world, make_child, link_parent, who, status):
    link_parent(make_child()["id"])  # a parent of a Melati child still may not see the posyandu's list
    resp = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date=2025-08-10", headers=world.headers(who))
    assert resp.status_code == status, resp.get_json()
    assert client.get(f"/api/v1/posyandu/{uuid.uuid4()}/due-list", headers=world.headers("admin")).status_code == 404


CARD = [("kader1", 200), ("kader1b", 200), ("bidan_a", 200), ("dinkes_gresik", 200), ("admin", 200), ("parent1", 200),
        ("kader2", 404), ("kader3", 404), ("bidan_b", 404), ("dinkes_bangkalan", 404)]


@pytest.mark.parametrize("who,status", CARD)
def test_card_scope(client, world, make_child, link_parent, who, status):
    mine, other = make_child(name="Anak Sendiri"), make_child(name="Anak Tetangga", birth_date="2024-02-02")
    link_parent(mine["id"])
    resp = client.get(f"/api/v1/children/{mine['id']}/immunisation-card", headers=world.headers(who))
    assert resp.status_code == status, resp.get_json()
    if who == "parent1":
        assert client.get(f"/api/v1/children/{other['id']}/immunisation-card",
                          headers=world.headers(who)).status_code == 404
    if status == 200:
        assert len(resp.get_json()["doses"]) == 21


def test_a_card_before_birth_or_a_bad_date_is_422(client, world, make_child):
    child = make_child(birth_date="2025-01-10")
    for query in ("on=2025-01-09", "on=2025-13-01", "on=0001-01-01"):
        resp = client.get(f"/api/v1/children/{child['id']}/immunisation-card?{query}", headers=world.headers("kader1"))
        assert resp.status_code == 422 and "on" in resp.get_json()["errors"], query


def test_the_due_list_costs_the_same_queries_for_more_children(app, client, world, session_day, make_child):
    from posyandu.extensions import db

    def statements() -> int:
        with app.app_context():
            engine = db.engine
        with statements_run(engine) as seen:
            resp = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date=2025-08-10",
                              headers=world.headers("kader1"))
        assert resp.status_code == 200
        return len(seen)

    four = statements()
    for i in range(5):
        child = make_child(name=f"Tambahan {i}", birth_date="2024-11-10")
        given(client, world, child["id"], [("HB0", 1, "2024-11-10"), ("BCG", 1, "2024-12-10")])
    assert 3 <= four <= 10 and statements() == four  # children, doses, supplements (+ user, posyandu, schedule)


def test_a_forged_versions_cursor_is_422(app, client, world):
    from posyandu.pagination import encode_cursor

    for values in ([2 ** 70], ["abc"], [1, 2]):
        with app.app_context():
            cursor = encode_cursor(values)
        resp = client.get(f"{SCHEDULE}/versions", query_string={"cursor": cursor}, headers=world.headers("kader1"))
        assert resp.status_code == 422 and "cursor" in resp.get_json()["errors"], values


@pytest.mark.parametrize("field, text", [("source", "Kemenkes\u0000 2024"), ("name", "Jadwal \ud83d")])
def test_flask_load_schedule_refuses_nul_and_lone_surrogates_as_the_api_does(app, client, world, tmp_path, field,
                                                                             text):
    """The API refuses a document with NUL or half an emoji (422); the command stored it (SQLite) or
    stopped with a database traceback (PostgreSQL cannot store either), and on SQLite every phone's
    fetch of the schedule then carried it."""
    import json

    doc = {**copy.deepcopy(in_force(client, world)["document"]), "version": "2026.9", field: text}
    api = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin", "id"))
    assert api.status_code == 422, api.get_json()
    path = tmp_path / "jadwal.json"
    path.write_text(json.dumps(doc), encoding="utf-8")  # \u0000 and \ud83d written as JSON escapes
    out = app.test_cli_runner().invoke(args=["load-schedule", str(path)])
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), (out.output, out.exception)
    assert "jadwal tidak valid" in out.output and f"document.{field}: tidak boleh berisi karakter NUL" in out.output, \
        out.output
    versions = client.get(SCHEDULE + "/versions", headers=world.headers("admin")).get_json()["items"]
    assert [v["version"] for v in versions] == ["2024.2"]
    assert in_force(client, world)["version"] == "2024.2"


def test_a_posyandu_days_doses_are_judged_on_one_reading_of_the_schedule(app, client, world, make_child):
    """A phone pushes a posyandu day: a dose for each of five babies and a vitamin A capsule. Each dose
    and capsule read every active version (and parsed its document) to judge itself; the push now reads
    them once, and a second push, another transaction, reads them again."""
    from posyandu.extensions import db

    born = date.today().replace(day=1) - timedelta(days=400)
    kids = [make_child(name=f"Bayi {n}", birth_date=(born + timedelta(days=n)).isoformat())["id"] for n in range(5)]
    doses = [mutation("immunisation", str(uuid.uuid4()), {"child_id": kid, "vaccine": "HB0", "dose": 1,
                                                          "given_on": (born + timedelta(days=n)).isoformat(),
                                                          "source": "record"})
             for n, kid in enumerate(kids)]
    capsule = mutation("supplement", str(uuid.uuid4()), {"child_id": kids[0], "kind": "vitamin_a_blue",
                                                          "given_on": (born + timedelta(days=200)).isoformat(),
                                                          "override_reason": "kampanye"})
    reads: list[str] = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT") and "FROM schedule_version" in statement:
            reads.append(statement)

    with app.app_context():
        engine = db.engine
    with before_each_statement(engine, count):
        pushed = push(client, world.headers("bidan_a"), [*doses, capsule])
        assert [r["status"] for r in pushed] == ["applied"] * 6, pushed
        assert len(reads) == 1, reads
        again = push(client, world.headers("bidan_a"), [mutation("immunisation", str(uuid.uuid4()), {
            "child_id": kids[1], "vaccine": "BCG", "dose": 1, "given_on": (born + timedelta(days=31)).isoformat(),
            "source": "record"})])
        assert again[0]["status"] == "applied" and len(reads) == 2, (again, reads)


def test_a_version_published_or_withdrawn_is_in_force_in_its_own_transaction(client, world, db):
    """What a transaction read of the versions (``operations.schedules_of``) is read again once it
    publishes or withdraws one: ``flask load-schedule`` and a seed judge doses after publishing."""
    from posyandu.immunisation import operations

    day = date(2026, 3, 1)
    assert operations.schedule_in_force(db.session, day).version == "2024.2"
    doc = copy.deepcopy(in_force(client, world)["document"])
    row = operations.publish_version(None, {**doc, "version": "2026.1", "valid_from": "2026-01-01"})
    assert operations.schedule_in_force(db.session, day).version == "2026.1"
    assert operations.version_in_force(db.session, day).id == row.id
    admin = db.session.scalar(select(operations.User).where(operations.User.username == "admin"))
    operations.set_active(admin, row, False)
    assert operations.schedule_in_force(db.session, day).version == "2024.2"
    db.session.rollback()
    assert [v.document["version"] for v in operations.schedules_of(db.session).versions] == ["2024.2"]
