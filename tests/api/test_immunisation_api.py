"""Recording doses against the schedule, and the immunisation card (both databases).

Every expected date below is worked out by hand from the 2024 schedule that migration 0002
puts in the database (ages are calendar months then days, see schedule.py):

* born 2025-01-10: +42 days = 2025-02-21 (Jan has 21 days left, +21 in Feb); +70 days = 2025-03-21;
  RV's maximum age 6 months 29 days = 2025-07-10 + 29 = 2025-08-08.
* born 2024-03-01: +42 days = 2024-04-12 (30 days left in March); +70 days = 2024-05-10;
  RV maximum = 2024-09-01 + 29 = 2024-09-30.
"""
from __future__ import annotations

import copy
from datetime import date, timedelta
import uuid

import pytest
from sqlalchemy import select

from tests.support.pwa_words import pwa_words
from tests.sync.helpers import mutation, push

BORN = "2025-01-10"


def record(client, world, child_id, vaccine, dose, on, by="kader1", **extra):
    body = {"id": str(uuid.uuid4()), "vaccine": vaccine, "dose": dose, "given_on": on, "batch_number": "T1", **extra}
    return client.post(f"/api/v1/children/{child_id}/immunisations", json=body, headers=world.headers(by))


def given(client, world, child_id, doses, by="bidan_a"):
    for vaccine, dose, on in doses:
        resp = record(client, world, child_id, vaccine, dose, on, by=by)
        assert resp.status_code == 201, (vaccine, dose, on, resp.get_json())


def card(client, world, child_id, on, by="kader1"):
    resp = client.get(f"/api/v1/children/{child_id}/immunisation-card?on={on}", headers=world.headers(by))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    body["by_label"] = {d["label"]: d for d in body["doses"]}
    return body


def codes(resp):
    return [v["code"] for v in resp.get_json()["violations"]]


@pytest.fixture
def baby(make_child):
    return make_child(name="Bayi Januari", birth_date=BORN)


def test_a_dose_too_soon_after_the_previous_one_is_refused_with_the_earliest_date(client, world, baby):
    given(client, world, baby["id"], [("OPV", 1, "2025-02-10")])
    # OPV 2: 23 days after OPV 1, needs 28 → earliest 2025-03-10 (min age 42 days, 2025-02-21, is met)
    resp = record(client, world, baby["id"], "OPV", 2, "2025-03-05")
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    problem = resp.get_json()
    assert problem["type"].endswith("/rule_violation")
    assert problem["violations"] == [{"code": "interval_too_short", "overridable": True, "message":
                                      "OPV 2 given 23 days after OPV 1 (10 Feb 2025); earliest allowed date is 10 Mar 2025."}]
    assert problem["errors"]["given_on"] == [problem["violations"][0]["message"]]
    assert "ask the midwife" in problem["errors"]["override_reason"][0]
    indonesian = client.post(f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers("kader1", "id"),
                             json={"vaccine": "OPV", "dose": 2, "given_on": "2025-03-05"}).get_json()
    assert indonesian["errors"]["given_on"] == ["OPV 2 diberikan 23 hari setelah OPV 1 (10 Feb 2025); "
                                                "paling cepat 10 Mar 2025."]
    assert record(client, world, baby["id"], "OPV", 2, "2025-03-10").status_code == 201  # exactly 28 days
    # OPV 3: earliest = max(birth + 70 d = 2025-03-21, OPV 2 + 28 d = 2025-04-07); recommended 3 months
    opv3 = card(client, world, baby["id"], "2025-03-20")["by_label"]["OPV 3"]
    assert (opv3["status"], opv3["earliest_date"], opv3["due_date"]) == ("upcoming", "2025-04-07", "2025-04-10")


def test_a_dose_before_its_minimum_age_is_refused(client, world, baby):
    resp = record(client, world, baby["id"], "DPT-HB-Hib", 1, "2025-02-15")  # 36 days old, minimum 42
    assert resp.status_code == 422 and codes(resp) == ["before_min_age"]
    assert "21 Feb 2025" in resp.get_json()["errors"]["given_on"][0]


def test_a_late_start_gets_catch_up_dates_from_the_real_doses(client, world, make_child):
    child = make_child(name="Mulai Terlambat", birth_date="2024-03-01")
    before = card(client, world, child["id"], "2025-01-15")["by_label"]
    dpt1, dpt2, dpt3 = before["DPT-HB-Hib 1"], before["DPT-HB-Hib 2"], before["DPT-HB-Hib 3"]
    assert (dpt1["status"], dpt1["earliest_date"], dpt1["due_date"]) == ("overdue", "2024-04-12", "2024-05-01")
    # DPT 2 projected from today's first dose: 2025-01-15 + 28 d; DPT 3 from that: + 28 d
    assert (dpt2["status"], dpt2["waiting_for"], dpt2["earliest_date"]) == ("upcoming", 1, "2025-02-12")
    assert dpt3["earliest_date"] == "2025-03-12"
    assert (before["RV 1"]["status"], before["RV 1"]["latest_date"]) == ("missed", "2024-09-30")
    given(client, world, child["id"], [("DPT-HB-Hib", 1, "2025-01-15")])
    after = card(client, world, child["id"], "2025-02-20")
    dpt2, dpt3 = after["by_label"]["DPT-HB-Hib 2"], after["by_label"]["DPT-HB-Hib 3"]
    assert (dpt2["status"], dpt2["due_date"], dpt2["can_give"]) == ("due", "2025-02-12", True)
    assert (dpt3["status"], dpt3["earliest_date"], dpt3["waiting_for"]) == ("upcoming", "2025-03-20", 2)
    assert after["idl"]["status"] == "in_progress" and after["idl"]["deadline"] == "2025-03-01"


def test_rotavirus_past_its_maximum_age_needs_a_bidan_and_a_reason(client, world, baby, make_child, db):
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User

    # the last day (2025-08-08) is allowed; then RV 2 can never be 28 days later in time → missed
    twin = make_child(name="Kembar", sex="F", birth_date=BORN)
    assert record(client, world, twin["id"], "RV", 1, "2025-08-08").status_code == 201
    assert card(client, world, twin["id"], "2025-08-08")["by_label"]["RV 2"]["status"] == "missed"

    late = {"vaccine": "RV", "dose": 1, "on": "2025-08-15"}
    kader = record(client, world, baby["id"], **late, override_reason="ibu baru datang")
    assert kader.status_code == 403 and codes(kader) == ["after_max_age"]
    assert "only a midwife or admin" in kader.get_json()["errors"]["override_reason"][0]
    no_reason = record(client, world, baby["id"], **late, by="bidan_a")
    assert no_reason.status_code == 422 and "override_reason" in no_reason.get_json()["errors"]
    assert "8 Aug 2025" in no_reason.get_json()["errors"]["given_on"][0]
    ok = record(client, world, baby["id"], **late, by="bidan_a", override_reason="ibu baru datang, dokter setuju")
    assert ok.status_code == 201, ok.get_json()
    bidan_id = db.session.scalar(select(User.id).where(User.username == "bidan_a"))
    assert ok.get_json()["override_by"] == str(bidan_id)
    assert ok.get_json()["override_reason"] == "ibu baru datang, dokter setuju"
    rows = db.session.execute(select(AuditLog.action, AuditLog.reason, AuditLog.changes, AuditLog.user_id,
                                     AuditLog.kabupaten_code)
                              .where(AuditLog.record_id == ok.get_json()["id"]).order_by(AuditLog.id)).all()
    assert [(r.action, r.reason, r.user_id) for r in rows] == [
        ("override", "ibu baru datang, dokter setuju", bidan_id), ("create", "ibu baru datang, dokter setuju", bidan_id)]
    # the override in the area's trail as the record's creation is (it had none: a kabupaten's audit missed it)
    assert rows[0].kabupaten_code == rows[1].kabupaten_code is not None
    assert rows[0].changes["violations"] == ["after_max_age"] and len(rows[0].changes["causes"]) == 1


def test_a_dose_recorded_twice_is_refused_even_with_a_reason(client, world, baby):
    given(client, world, baby["id"], [("BCG", 1, "2025-02-10")])
    again = record(client, world, baby["id"], "BCG", 1, "2025-03-10", by="bidan_a", override_reason="lupa")
    assert again.status_code == 422
    assert again.get_json()["violations"][0] == {"code": "duplicate_dose", "overridable": False,
                                                 "message": "BCG was already recorded on 10 Feb 2025."}
    assert "dose" in again.get_json()["errors"]


@pytest.mark.parametrize("vaccine, dose, field", [("XYZ", 1, "vaccine"), ("MR", 5, "dose")])
def test_a_dose_the_schedule_does_not_have_is_refused_on_the_field_that_is_wrong(client, world, baby, vaccine,
                                                                                 dose, field):
    """A vaccine the schedule does not have is named on ``vaccine``, a dose number its vaccine does not
    have (MR has 2) on ``dose``: the PWA shows each on its field (both were put on ``given_on``, whose
    date is right)."""
    resp = record(client, world, baby["id"], vaccine, dose, "2025-11-10")
    assert resp.status_code == 422 and codes(resp) == ["not_in_schedule"]
    problem = resp.get_json()
    assert problem["errors"][field] == [f"{vaccine} dose {dose} is not in schedule 2024.2."]
    assert set(problem["errors"]) == {field, "override_reason"}
    # a dose corrected to one the schedule does not have is refused the same way
    given(client, world, baby["id"], [("MR", 1, "2025-10-10")])
    mr = client.get(f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers("bidan_a")).get_json()
    edited = client.patch(f"/api/v1/immunisations/{mr['items'][0]['id']}", json={"vaccine": vaccine, "dose": dose},
                          headers=world.headers("bidan_a"))
    assert edited.status_code == 422 and set(edited.get_json()["errors"]) == {field, "override_reason"}, edited.get_json()


def test_correcting_a_date_is_judged_again_but_editing_the_batch_is_not(client, world, baby):
    given(client, world, baby["id"], [("OPV", 1, "2025-02-10"), ("OPV", 2, "2025-03-10")])
    dose2 = client.get(f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers("kader1")).get_json()["items"][1]
    moved = client.patch(f"/api/v1/immunisations/{dose2['id']}", json={"given_on": "2025-03-01"}, headers=world.headers("kader1"))
    assert moved.status_code == 422 and codes(moved) == ["interval_too_short"]
    batch = client.patch(f"/api/v1/immunisations/{dose2['id']}", json={"given_on": "2025-03-10", "batch_number": "X9"},
                         headers=world.headers("kader1"))
    assert batch.status_code == 200 and batch.get_json()["batch_number"] == "X9"



def test_moving_dose_1_closer_to_dose_2_is_judged_against_dose_2(client, world, baby):
    # OPV 1 on 2025-02-10 and OPV 2 on 2025-03-10 (28 days); OPV 1 corrected to 2025-02-24 leaves OPV 2
    # only 14 days after it: OPV 2's earliest date would then be 2025-02-24 + 28 = 2025-03-24
    given(client, world, baby["id"], [("OPV", 1, "2025-02-10"), ("OPV", 2, "2025-03-10")])
    dose1 = client.get(f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers("kader1")).get_json()["items"][0]
    moved = client.patch(f"/api/v1/immunisations/{dose1['id']}", json={"given_on": "2025-02-24"}, headers=world.headers("kader1"))
    assert moved.status_code == 422 and codes(moved) == ["interval_too_short"]
    assert moved.get_json()["violations"][0]["message"] == ("OPV 2 given 14 days after OPV 1 (24 Feb 2025); "
                                                            "earliest allowed date is 24 Mar 2025.")

def posyandu_in(app, world, key: str, regions: list[tuple[str, str]], puskesmas: tuple[str, str], name: str):
    """Posyandu ``name`` (``world.ids[key]``) in the desa last of ``regions`` (code, name: each made), run by
    the puskesmas ``puskesmas`` (name, code) of the kecamatan above it."""
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.registry.operations import create_posyandu, create_puskesmas, upsert_region

    with app.app_context():
        for code, region in regions:
            upsert_region(code, region)
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        desa = regions[-1][0]
        pkm = create_puskesmas({"name": puskesmas[0], "kecamatan_code": desa.rsplit(".", 1)[0], "code": puskesmas[1]})
        pos = create_posyandu(admin, {"name": name, "desa_code": desa, "puskesmas_id": pkm.id, "meeting_day": 10})
        db.session.commit()
        world.ids[key] = pos.id
    return pos.id


@pytest.fixture
def bali(app, world):
    """Posyandu Cempaka in Kota Denpasar (51.71), where JE is routine."""
    regions = [("51", "Bali"), ("51.71", "Kota Denpasar"), ("51.71.01", "Denpasar Selatan"),
               ("51.71.01.1001", "Sesetan")]
    return posyandu_in(app, world, "bali", regions, ("PKM Denpasar Selatan", "DS"), "Cempaka")


def test_je_only_in_a_kabupaten_the_schedule_lists(client, world, baby, bali, make_child):
    denpasar = make_child(by="admin", posyandu="bali", name="Made", birth_date=BORN)
    je_bali = card(client, world, denpasar["id"], "2025-11-10", by="admin")["by_label"]["JE"]
    assert (je_bali["status"], je_bali["due_date"], je_bali["earliest_date"]) == ("due", "2025-11-10", "2025-10-10")
    assert card(client, world, baby["id"], "2025-11-10")["by_label"]["JE"]["status"] == "not_applicable"
    assert record(client, world, denpasar["id"], "JE", 1, "2025-11-10", by="admin").status_code == 201
    gresik = record(client, world, baby["id"], "JE", 1, "2025-11-10")
    assert gresik.status_code == 422 and codes(gresik) == ["not_in_area"] and "vaccine" in gresik.get_json()["errors"]
    assert record(client, world, baby["id"], "JE", 1, "2025-11-10", by="bidan_a",
                  override_reason="pindahan dari Bali").status_code == 201


def test_je_marked_endemic_only_is_offered_in_the_kabupaten_its_version_lists(client, world, baby, bali, make_child):
    """An admin who lists JE's kabupaten in a new version and keeps ``endemic_only: true`` (as the bundled
    2024 file has it) means "endemic here": JE is due in Denpasar at 10 months and recorded there by a
    kader, and still not offered in Gresik. It was offered nowhere (no kabupaten is ever configured endemic)."""
    from tests.api.test_immunisation_schedule_api import SCHEDULE, in_force

    doc = copy.deepcopy(in_force(client, world)["document"])
    doc.update(version="2025.je", valid_from="2025-06-01")
    je = next(e for e in doc["entries"] if e["vaccine"] == "JE")
    je.update(areas=["51.71"], endemic_only=True)
    assert client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin")).status_code == 201
    denpasar = make_child(by="admin", posyandu="bali", name="Made", birth_date=BORN)
    je_bali = card(client, world, denpasar["id"], "2025-11-10", by="admin")["by_label"]["JE"]
    assert (je_bali["status"], je_bali["due_date"], je_bali["can_give"]) == ("due", "2025-11-10", True)
    assert card(client, world, baby["id"], "2025-11-10")["by_label"]["JE"]["status"] == "not_applicable"
    assert record(client, world, denpasar["id"], "JE", 1, "2025-11-10", by="admin").status_code == 201
    assert codes(record(client, world, baby["id"], "JE", 1, "2025-11-10")) == ["not_in_area"]
    coverage = client.get(f"/api/v1/reports/coverage?month=2025-11&posyandu_id={world.ids['bali']}",
                          headers=world.headers("admin")).get_json()["rows"]
    je_row = next(r for r in coverage if r["indicator"] == "JE")
    assert (je_row["target"], je_row["covered"]) == (1, 1)


def test_coverage_has_no_je_row_where_the_schedule_offers_it_nowhere(client, world, baby, bali, make_child):
    """A Gresik health office's coverage listed "JE 0 0 –" (in every posyandu's rows of a download): a
    vaccine of Bali's schedule, read as one its programme missed. A report over no kabupaten JE is offered in
    has no JE row; one with Denpasar in it keeps it, every area's (Gresik's 0 of 0 too); a JE dose given in
    Gresik in the period all the same (a child from Bali, by a bidan) keeps it, to count that dose."""
    def indicators(query, by="admin"):
        resp = client.get(f"/api/v1/reports/coverage?month=2025-11&{query}", headers=world.headers(by))
        assert resp.status_code == 200, resp.get_json()
        return [(r["area"], r["indicator"], r["target"], r["given_in_period"]) for r in resp.get_json()["rows"]]

    make_child(by="admin", posyandu="bali", name="Made", birth_date=BORN)
    gresik = indicators(f"posyandu_id={world.ids['p1']}", by="bidan_a")
    assert gresik and "JE" not in {name for _, name, _, _ in gresik} and "MR 1" in {name for _, name, _, _ in gresik}
    both = [row for row in indicators("level=kabupaten") if row[1] == "JE"]
    assert ("51.71", "JE", 1, 0) in both and ("35.25", "JE", 0, 0) in both, both
    assert record(client, world, baby["id"], "JE", 1, "2025-11-10", by="bidan_a",
                  override_reason="pindahan dari Bali").status_code == 201
    assert [row for row in indicators(f"posyandu_id={world.ids['p1']}", by="bidan_a") if row[1] == "JE"] == [
        (str(world.ids["p1"]), "JE", 0, 1)]


def test_je_given_in_bali_stays_on_the_card_of_a_child_living_where_it_is_not_routine(client, world, baby):
    """A child who had JE in Bali and moved to Gresik: her card says given on its date, not "not applicable"
    (the PWA hides not-applicable doses, so her JE vanished from her card and her parent's)."""
    assert record(client, world, baby["id"], "JE", 1, "2025-11-10", by="bidan_a", source="record",
                  override_reason="pindahan dari Bali").status_code == 201
    je = card(client, world, baby["id"], "2026-01-10")["by_label"]["JE"]
    assert (je["status"], je["given_on"], je["can_give"]) == ("given", "2025-11-10", False)
    assert je["immunisation_id"] is not None


def supplement(client, world, child_id, kind, on, by="kader1", **extra):
    return client.post(f"/api/v1/children/{child_id}/supplements", headers=world.headers(by),
                       json={"id": str(uuid.uuid4()), "kind": kind, "given_on": on, **extra})


def test_vitamin_a_is_blue_at_eleven_months_and_red_at_twelve_in_august(client, world, make_child):
    # born 2024-08-20: 11 completed months on 2025-08-10, 12 on 2025-08-20
    child = make_child(name="Agustus", birth_date="2024-08-20")
    assert card(client, world, child["id"], "2025-08-10")["supplements_due"] == [
        {"kind": "vitamin_a_blue", "round": "2025-08"}]
    assert card(client, world, child["id"], "2025-08-20")["supplements_due"] == [
        {"kind": "vitamin_a_red", "round": "2025-08"}, {"kind": "deworming", "round": "2025-08"}]
    assert codes(supplement(client, world, child["id"], "vitamin_a_red", "2025-08-10")) == ["wrong_capsule_for_age"]
    assert supplement(client, world, child["id"], "vitamin_a_blue", "2025-08-10").status_code == 201
    # one capsule a round: on the 20th only deworming is left; September is no round at all
    later = card(client, world, child["id"], "2025-08-20")
    assert later["supplements_due"] == [{"kind": "deworming", "round": "2025-08"}]
    assert [(s["kind"], s["given_on"]) for s in later["supplements_given"]] == [("vitamin_a_blue", "2025-08-10")]
    assert card(client, world, child["id"], "2025-09-10")["supplements_due"] == []
    assert codes(supplement(client, world, child["id"], "vitamin_a_red", "2025-09-10")) == ["not_round_month"]


def test_a_blue_capsule_after_an_infants_red_one_is_refused_unless_a_bidan_overrides(client, world, make_child):
    # born 2024-08-05: 6 completed months on 2025-02-10, 11 on 2025-08-02; the red capsule given then
    # (overridden) is her infant dose, so a blue one after it is a second one, named with the red's date
    child = make_child(name="Merah Dulu", birth_date="2024-08-05")
    red = supplement(client, world, child["id"], "vitamin_a_red", "2025-02-10", by="bidan_a",
                     override_reason="stok biru habis")
    assert red.status_code == 201, red.get_json()
    blue = supplement(client, world, child["id"], "vitamin_a_blue", "2025-08-02")
    assert blue.status_code == 422 and codes(blue) == ["infant_dose_given"]
    assert blue.get_json()["violations"] == [{"code": "infant_dose_given", "overridable": True, "message":
                                              "The blue capsule is given once; the infant's dose was given as a "
                                              "red capsule on 10 Feb 2025."}]
    assert "kind" in blue.get_json()["errors"]
    ok = supplement(client, world, child["id"], "vitamin_a_blue", "2025-08-02", by="bidan_a", override_reason="ragu")
    assert ok.status_code == 201 and ok.get_json()["override_by"] is not None


def test_deworming_from_twelve_months_once_a_round(client, world, make_child):
    older = make_child(name="Dua Tahun", birth_date="2023-01-15")  # 24 months on 2025-02-10
    assert supplement(client, world, older["id"], "deworming", "2025-02-10").status_code == 201
    twice = supplement(client, world, older["id"], "deworming", "2025-02-20")
    assert twice.status_code == 422 and codes(twice) == ["given_twice_in_round"]
    kept = supplement(client, world, older["id"], "deworming", "2025-02-20", by="bidan_a", override_reason="dua kali")
    assert kept.status_code == 201 and kept.get_json()["override_by"] is not None
    baby = make_child(name="Sebelas Bulan", birth_date="2024-03-01")  # 11 months on 2025-02-10
    young = supplement(client, world, baby["id"], "deworming", "2025-02-10")
    assert young.status_code == 422 and codes(young) == ["too_young"]
    ok = supplement(client, world, baby["id"], "deworming", "2025-02-10", by="bidan_a", override_reason="wabah cacingan")
    assert ok.status_code == 201 and ok.get_json()["override_by"] is not None


def test_sync_push_rejects_the_bad_dose_with_field_errors_and_applies_the_rest(client, world, baby):
    def dose(vaccine, n, on, **extra):
        return mutation("immunisation", str(uuid.uuid4()),
                        {"child_id": baby["id"], "vaccine": vaccine, "dose": n, "given_on": on, **extra})

    results = push(client, world.headers("kader1", "id"), [
        dose("OPV", 1, "2025-02-10"), dose("OPV", 2, "2025-03-05"), dose("BCG", 1, "2025-02-10"),
        dose("RV", 1, "2025-08-15", override_reason="terlambat")])
    assert [r["status"] for r in results] == ["applied", "rejected", "applied", "rejected"]
    assert results[1]["errors"]["given_on"] == ["OPV 2 diberikan 23 hari setelah OPV 1 (10 Feb 2025); "
                                                "paling cepat 10 Mar 2025."]
    assert set(results[3]["errors"]) == {"given_on", "override_reason"}
    listed = client.get(f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers("kader1")).get_json()
    assert sorted((d["vaccine"], d["dose"]) for d in listed["items"]) == [("BCG", 1), ("OPV", 1)]


def test_sync_push_names_a_dose_the_schedule_does_not_have_on_the_field_rest_does(client, world, baby):
    """The phone shows a refused dose's errors on its form's fields: an unknown vaccine on ``vaccine``,
    an unknown dose of a known one on ``dose``, as REST names them."""
    def dose(vaccine, n):
        return mutation("immunisation", str(uuid.uuid4()),
                        {"child_id": baby["id"], "vaccine": vaccine, "dose": n, "given_on": "2025-11-10"})

    unknown, fifth = push(client, world.headers("kader1", "id"), [dose("XYZ", 1), dose("MR", 5)])
    assert (unknown["status"], fifth["status"]) == ("rejected", "rejected")
    assert unknown["errors"]["vaccine"] == ["XYZ dosis 1 tidak ada dalam jadwal 2024.2."]
    assert fifth["errors"]["dose"] == ["MR dosis 5 tidak ada dalam jadwal 2024.2."]


def test_the_same_dose_entered_on_two_phones_the_same_day_is_kept_and_flagged(client, world, baby):
    """api-contract (Sync): same-day events are both kept, the later flagged — not refused."""
    def dose(vaccine, n, on):
        return mutation("immunisation", str(uuid.uuid4()),
                        {"child_id": baby["id"], "vaccine": vaccine, "dose": n, "given_on": on})

    first = push(client, world.headers("kader1"), [dose("BCG", 1, "2025-02-10")], client_id="hp-kader1")
    second = push(client, world.headers("kader1b"), [dose("BCG", 1, "2025-02-10")], client_id="hp-kader1b")
    assert first[0]["status"] == second[0]["status"] == "applied"
    assert second[0]["record"]["possible_duplicate_of"] == first[0]["record"]["id"]
    later = push(client, world.headers("kader1b"), [dose("BCG", 1, "2025-03-10")], client_id="hp-kader1b")
    assert later[0]["status"] == "rejected" and "dose" in later[0]["errors"]   # given again on another day


def test_the_card_names_the_record_that_stands_not_its_possible_duplicate(client, world, baby):
    """BCG entered on two phones the same day: the first record stands, the later is flagged a possible
    duplicate of it (api-contract, Sync). The card's BCG row is the first record, whichever order the
    database hands the two back in (it named the flagged copy)."""
    first = record(client, world, baby["id"], "BCG", 1, "2025-02-10")
    second = record(client, world, baby["id"], "BCG", 1, "2025-02-10", by="kader1b")
    assert first.status_code == second.status_code == 201, second.get_json()
    assert second.get_json()["possible_duplicate_of"] == first.get_json()["id"]
    bcg = card(client, world, baby["id"], "2025-03-01")["by_label"]["BCG"]
    assert (bcg["status"], bcg["given_on"], bcg["immunisation_id"]) == ("given", "2025-02-10", first.get_json()["id"])


def test_the_same_capsule_entered_twice_the_same_day_is_kept_and_flagged(client, world, make_child):
    child = make_child(name="Dua Tahun", birth_date="2023-01-15")
    one = supplement(client, world, child["id"], "vitamin_a_red", "2025-02-10")
    two = supplement(client, world, child["id"], "vitamin_a_red", "2025-02-10", by="kader1b")
    assert one.status_code == two.status_code == 201, two.get_json()
    assert two.get_json()["possible_duplicate_of"] == one.get_json()["id"]
    other_day = supplement(client, world, child["id"], "vitamin_a_red", "2025-02-20")
    assert other_day.status_code == 422 and codes(other_day) == ["given_twice_in_round"]
    assert two.get_json()["override_by"] is None  # the same day needs no reason: one capsule entered twice


def test_a_second_capsule_of_a_round_on_another_day_is_kept_with_a_bidans_reason(client, world, make_child, db):
    """Two phones each gave her a red capsule in the August round, on the 4th and the 18th: two capsules
    (an overdose to follow up), not one entered twice. The second was refused even to a midwife with a
    reason, so the record lost it; now a bidan or admin keeps it with her reason (on the record, audited as
    an override of given_twice_in_round), and a kader is told the midwife can."""
    from posyandu.audit import AuditLog

    child = make_child(name="Eka Merah", birth_date="2023-03-15")
    assert supplement(client, world, child["id"], "vitamin_a_red", "2025-08-04").status_code == 201

    def red(on, **extra):
        return mutation("supplement", str(uuid.uuid4()), {"child_id": child["id"], "kind": "vitamin_a_red",
                                                          "given_on": on, **extra})

    [refused] = push(client, world.headers("kader1b", "id"), [red("2025-08-18")], client_id="hp-kader1b")
    assert refused["status"] == "rejected"
    assert refused["errors"]["given_on"] == ["Putaran Agustus 2025: vitamin A sudah diberikan pada 4 Agu 2025."]
    assert refused["errors"]["override_reason"] == ["hanya bidan atau admin yang dapat menerima ini dengan alasan: "
                                                    "hubungi bidan"]
    direct = supplement(client, world, child["id"], "vitamin_a_red", "2025-08-18")
    assert direct.status_code == 422 and direct.get_json()["violations"] == [
        {"code": "given_twice_in_round", "overridable": True,
         "message": "Round August 2025: vitamin A was already given on 4 Aug 2025."}]
    [kept] = push(client, world.headers("bidan_a"), [red("2025-08-18", override_reason="dua HP memberi kapsul")],
                  client_id="hp-bidan")
    assert kept["status"] == "applied", kept
    assert kept["record"]["override_by"] is not None and kept["record"]["override_reason"] == "dua HP memberi kapsul"
    assert kept["record"]["possible_duplicate_of"] is None  # another day: a second capsule, not a copy
    audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "override", AuditLog.record_id == kept["record"]["id"]))
    assert audit.changes["violations"] == ["given_twice_in_round"] and audit.reason == "dua HP memberi kapsul"
    given_on = [s["given_on"] for s in card(client, world, child["id"], "2025-08-31")["supplements_given"]]
    assert given_on == ["2025-08-04", "2025-08-18"]


def test_the_card_and_due_list_default_to_the_posyandus_local_date_not_papuas(client, world, make_child, bali,
                                                                                monkeypatch, db):
    """At 22:30 WIB on 31 March (15:30 UTC) it is already 1 April in Papua (WIT) but still 31 March in
    Gresik and Denpasar: a Gresik child born 1 January is 2 completed months old that evening, and a
    posyandu meeting on day 31 meets today, not on 30 April."""
    from datetime import datetime, timezone

    import posyandu.validators as validators
    from posyandu.registry.models import Posyandu

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 3, 31, 15, 30, tzinfo=timezone.utc).astimezone(tz)

    gresik = make_child(name="Ani", birth_date="2026-01-01")
    denpasar = make_child(by="admin", posyandu="bali", name="Made", birth_date="2026-01-01")
    db.session.get(Posyandu, world.ids["p1"]).meeting_day = 31
    db.session.commit()
    monkeypatch.setattr(validators, "datetime", Clock)
    for child_id, by in ((gresik["id"], "kader1"), (denpasar["id"], "admin")):
        resp = client.get(f"/api/v1/children/{child_id}/immunisation-card", headers=world.headers(by))
        assert resp.status_code == 200, resp.get_json()
        assert (resp.get_json()["as_of"], resp.get_json()["age_months"]) == ("2026-03-31", 2)
    due = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list", headers=world.headers("kader1"))
    assert due.status_code == 200 and due.get_json()["date"] == "2026-03-31", due.get_json()
    # A birth date already allowed somewhere in Indonesia (1 April, as a phone set to WIT gives it): the
    # card without ``on`` answers for the birth day, not 422 on a date the caller never sent.
    newborn = make_child(name="Baru", birth_date="2026-04-01")
    resp = client.get(f"/api/v1/children/{newborn['id']}/immunisation-card", headers=world.headers("kader1"))
    assert resp.status_code == 200 and resp.get_json()["as_of"] == "2026-04-01", resp.get_json()


def test_the_due_list_is_by_name_ignoring_case_on_every_database(client, world, make_child):
    """A name typed in small letters is listed among the others, not after every capital (as SQLite's
    code-point order put it) nor wherever a PostgreSQL server's locale puts it: the same order as the
    PWA's offline list (due-list.js)."""
    on = date.today()
    made = {name: make_child(name=name, sex=sex, birth_date=(on - timedelta(days=days)).isoformat())["id"]
            for name, sex, days in (("Citra Dewi", "F", 70), ("adi saputra", "M", 75), ("Budi Hartono", "M", 80),
                                    ("budi hartono", "M", 150))}
    due = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date={on.isoformat()}", headers=world.headers("kader1"))
    assert due.status_code == 200, due.get_json()
    listed = [c["name"] for c in due.get_json()["children"] if c["child_id"] in made.values()]
    assert listed == ["adi saputra", "Budi Hartono", "budi hartono", "Citra Dewi"]


def test_a_dose_corrected_back_within_the_rules_no_longer_says_a_bidan_accepted_it(client, world, baby, db):
    """RV 1 recorded a week past its maximum age, accepted by a bidan with her reason; the kader then
    finds the real date in the Buku KIA, within the age: the record no longer names the bidan's
    acceptance (the rules it broke are not broken), and the audit log keeps what it said."""
    from posyandu.audit import AuditLog

    ok = record(client, world, baby["id"], "RV", 1, "2025-08-15", by="bidan_a", override_reason="ibu baru datang")
    assert ok.status_code == 201 and ok.get_json()["override_by"] is not None, ok.get_json()
    bidan_id = ok.get_json()["override_by"]
    moved = client.patch(f"/api/v1/immunisations/{ok.get_json()['id']}", json={"given_on": "2025-08-01"},
                         headers=world.headers("kader1"))
    assert moved.status_code == 200, moved.get_json()
    assert (moved.get_json()["override_by"], moved.get_json()["override_reason"]) == (None, None)
    stored = client.get(f"/api/v1/immunisations/{ok.get_json()['id']}", headers=world.headers("kader1")).get_json()
    assert (stored["override_by"], stored["override_reason"], stored["given_on"]) == (None, None, "2025-08-01")
    lifted = db.session.execute(select(AuditLog.changes, AuditLog.kabupaten_code).where(
        AuditLog.record_id == ok.get_json()["id"], AuditLog.action == "override_lifted")).one()
    assert lifted.changes == {"override_by": [bidan_id, None], "override_reason": ["ibu baru datang", None]}
    assert lifted.kabupaten_code == baby["kabupaten_code"] is not None  # in the area's trail (it was null)
    # moved again past the age, by a kader: refused as for a new record (her acceptance is gone)
    again = client.patch(f"/api/v1/immunisations/{ok.get_json()['id']}", json={"given_on": "2025-08-15"},
                         headers=world.headers("kader1"))
    assert again.status_code == 422 and codes(again) == ["after_max_age"], again.get_json()


@pytest.mark.parametrize("lang, at", [("id", 0), ("en", 1)])
def test_a_vials_expiry_typed_wrong_is_refused_in_the_words_of_the_pwas_own_check(client, world, baby, lang, at):
    """'harus antara tahun 2000 dan 2099' (i18n.js expiry_years), as the phone's form says it: the server
    said 'harus antara 2000-01-01 dan 2099-12-31', 'Must be greater than or equal to 2000-01-01 and ...'."""
    body = {"id": str(uuid.uuid4()), "vaccine": "BCG", "dose": 1, "given_on": "2025-02-10", "source": "given",
            "batch_number": "T1", "expiry_date": "0202-01-01"}
    resp = client.post(f"/api/v1/children/{baby['id']}/immunisations", json=body, headers=world.headers("kader1", lang))
    assert resp.status_code == 422 and resp.get_json()["errors"]["expiry_date"] == [pwa_words("expiry_years")[at]]


def test_a_scheduled_vaccine_typed_in_other_capitals_is_stored_as_the_schedule_writes_it_and_counts(client, world, baby):
    """'bcg' and 'DPT-HB-HIB' were stored as vaccines outside the schedule, with a bidan's reason, and never
    counted: the card still had BCG and DPT-HB-Hib 1 to give, and IDL missed them. A reason sent for a dose
    that keeps every rule was stored without its author."""
    first = record(client, world, baby["id"], "bcg", 1, "2025-02-10", by="bidan_a")
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["vaccine"] == "BCG"
    second = record(client, world, baby["id"], "dpt-hb-HIB", 1, "2025-03-12", by="bidan_a",
                    override_reason="dicatat dari klinik swasta")
    assert second.status_code == 201, second.get_json()
    assert (second.get_json()["vaccine"], second.get_json()["override_reason"], second.get_json()["override_by"]) == \
        ("DPT-HB-Hib", None, None)
    shown = card(client, world, baby["id"], "2025-04-01")
    assert shown["by_label"]["BCG"]["status"] == "given"
    assert shown["by_label"]["DPT-HB-Hib 1"]["status"] == "given"
    assert all(d["in_schedule"] for d in shown["doses"])
