"""The FHIR R4 export (posyandu.reports.exports.fhir) against domain.md and the api-contract, on
records written through the real API (both databases); the expected resources worked out here."""
from __future__ import annotations

import json
import uuid

AUG = "2025-08"
LOINC = "http://loinc.org"


def _resources(client, world, query, who="bidan_a"):
    from fhir.resources.R4B.bundle import Bundle

    from tests.support.fhir_r4 import assert_valid_r4

    resp = client.get(f"/api/v1/exports/fhir?{query}", headers=world.headers(who))
    assert resp.status_code == 200, resp.data[:300]
    Bundle.model_validate_json(resp.data)
    assert_valid_r4(resp.data)
    return [e["resource"] for e in json.loads(resp.data).get("entry", [])]


def test_the_r4_validator_refuses_what_r4_does_not_have(client, world):
    """The R4 check can fail: a resource type FHIR R4B added (Citation), valid R4B, and a quantity
    that is no number."""
    from fhir.resources.R4B.bundle import Bundle

    from tests.support.fhir_r4 import r4_errors

    r4b_only = {"resourceType": "Bundle", "type": "collection",
                "entry": [{"resource": {"resourceType": "Citation", "status": "active"}}]}
    Bundle.model_validate(r4b_only)
    assert "Citation" in r4_errors(json.dumps(r4b_only).encode())
    no_number = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": {
        "resourceType": "Observation", "status": "final", "code": {"text": "BB"}, "valueQuantity": {"value": "berat"}}}]}
    assert "valueQuantity" in r4_errors(json.dumps(no_number).encode())
    assert r4_errors(json.dumps({"resourceType": "Bundle", "type": "collection"}).encode()) == ""


def _weigh(client, world, child, by, **body):
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", json={"id": str(uuid.uuid4()), **body},
                       headers=world.headers(by))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _observed(resources, child):
    return sorted((o["effectiveDateTime"], o["code"]["coding"][0]["code"], o["valueQuantity"]["value"])
                  for o in resources if o["resourceType"] == "Observation"
                  and o["subject"]["reference"] == f"urn:uuid:{child['id']}")


def test_fhir_exports_one_value_per_child_day_and_measure_the_one_the_reports_count(client, world, make_child):
    """Two weighings of one child on one day are both kept, the later flagged a possible duplicate
    (api-contract, Sync); the KMS trend, SKDN and prevalence take the later of the day. The export
    sent both, so SATUSEHAT was told the child weighed 9.3 and 9.5 kg on 10 August (or the same
    9.3 kg twice, from two phones). It sends for each day and measure the value that stands: the
    latest recorded that day with that measure (the length of the first stays, the re-weighing
    having none); another day's weighing is another Observation."""
    child = make_child(name="Anak Ganda", sex="M", birth_date="2024-08-15")
    first = _weigh(client, world, child, "kader1", measured_on="2025-08-10", weight_kg=9.3, length_height_cm=75.0,
                   position="lying")
    again = _weigh(client, world, child, "kader1b", measured_on="2025-08-10", weight_kg=9.5)
    assert again["possible_duplicate_of"] == first["id"]
    _weigh(client, world, child, "kader1", measured_on="2025-08-24", weight_kg=9.6)
    twin = make_child(name="Anak Dua Ponsel", sex="F", birth_date="2024-08-15")
    one = _weigh(client, world, twin, "kader1", measured_on="2025-08-10", weight_kg=8.8)
    two = _weigh(client, world, twin, "kader1b", measured_on="2025-08-10", weight_kg=8.8)
    assert two["possible_duplicate_of"] == one["id"]
    found = _resources(client, world, f"month={AUG}&posyandu_id={world.ids['p1']}")
    assert _observed(found, child) == [("2025-08-10", "29463-7", 9.5), ("2025-08-10", "8306-3", 75.0),
                                       ("2025-08-24", "29463-7", 9.6)]
    assert _observed(found, twin) == [("2025-08-10", "29463-7", 8.8)]
    (skdn,) = client.get(f"/api/v1/reports/skdn?month={AUG}&posyandu_id={world.ids['p1']}",
                         headers=world.headers("bidan_a")).get_json()["rows"]
    assert skdn["D"] == 2  # each child weighed once in the month's count


def _timing(resources):
    return {(r["vaccineCode"]["text"], r["occurrenceDateTime"]): r["reasonCode"][0]["coding"][-1]["code"]
            for r in resources if r["resourceType"] == "Immunization"}


def test_fhir_a_dose_whose_earliest_day_a_late_dose_moved_is_catch_up_however_soon_it_came(client, world, make_child):
    """Imunisasi kejar is for a child who did not get a dose at the age the schedule sets (Permenkes
    12/2017): the doses after a late one follow the catch-up schedule. DPT-HB-Hib 1 at 3 months 2 days
    (overdue from 3 months) is IM-Kejar; DPT-HB-Hib 2, whose earliest day that late dose set at 28 days
    after it, given that very day (3 months 30 days, before it was overdue by its own recommended age),
    was exported IM-Ideal. A booster whose earliest day is its own minimum age is not moved by a late
    dose before it: MR 2 at exactly 18 months, after a late MR 1 at 11 months, is ideal."""
    boy = make_child(name="Anak Kejar Berantai", sex="M", birth_date="2024-01-10")
    for vaccine, dose, on in (("DPT-HB-Hib", 1, "2024-04-12"), ("DPT-HB-Hib", 2, "2024-05-10"),
                              ("MR", 1, "2024-12-10"), ("MR", 2, "2025-07-10")):
        resp = client.post(f"/api/v1/children/{boy['id']}/immunisations", headers=world.headers("bidan_a"), json={
            "id": str(uuid.uuid4()), "vaccine": vaccine, "dose": dose, "given_on": on, "batch_number": "T1",
            "place": "posyandu"})
        assert resp.status_code == 201, resp.get_json()
    found = _resources(client, world, f"from=2024-04&to=2025-07&posyandu_id={world.ids['p1']}")
    assert _timing(found) == {("DPT-HB-Hib 1", "2024-04-12"): "IM-Kejar", ("DPT-HB-Hib 2", "2024-05-10"): "IM-Kejar",
                              ("MR 1", "2024-12-10"): "IM-Kejar", ("MR 2", "2025-07-10"): "IM-Ideal"}


def test_fhir_a_doses_reason_is_judged_by_the_version_in_force_on_the_day_it_was_given(client, world, make_child):
    """MR 2 at exactly 18 months (10 February 2025) is on time by 2024.2, in force that day: IM-Baduta and
    IM-Ideal. Version 2025.3, in force from 1 March 2025, recommends it at 15 months: a range from February
    to March, judged by the version at its end, exported the same dose as IM-Kejar (overdue from 16 months).
    A dose's reason is fixed by the version in force on the day it was given, whatever period is exported:
    MR 2 at 18 months on 20 March 2025, under 2025.3, is IM-Kejar in every export holding it."""
    from tests.api.test_schedule_versions_api import SCHEDULE, document_of

    later = {"version": "2025.3", "valid_from": "2025-03-01", "set": [
        {"vaccine": "MR", "dose": 2, "recommended_age": {"months": 15}, "min_age": {"months": 15},
         "min_interval": {"months": 3}}]}
    made = client.post(SCHEDULE + "/versions", json={"document": document_of(later)}, headers=world.headers("admin"))
    assert made.status_code == 201, made.get_json()
    on_time = make_child(name="Anak Tepat Waktu", sex="F", birth_date="2023-08-10")
    moved = make_child(name="Anak Jadwal Baru", sex="M", birth_date="2023-09-20")
    for child, vaccine, dose, on in ((on_time, "MR", 1, "2024-05-10"), (on_time, "MR", 2, "2025-02-10"),
                                     (moved, "MR", 1, "2024-06-20"), (moved, "MR", 2, "2025-03-20")):
        resp = client.post(f"/api/v1/children/{child['id']}/immunisations", headers=world.headers("bidan_a"), json={
            "id": str(uuid.uuid4()), "vaccine": vaccine, "dose": dose, "given_on": on, "batch_number": "T1",
            "place": "posyandu"})
        assert resp.status_code == 201, resp.get_json()

    def reasons(query):
        return {(r["vaccineCode"]["text"], r["occurrenceDateTime"]): [c["code"] for c in r["reasonCode"][0]["coding"]]
                for r in _resources(client, world, f"{query}&posyandu_id={world.ids['p1']}")
                if r["resourceType"] == "Immunization"}

    alone = reasons("month=2025-02")
    assert alone == {("MR 2", "2025-02-10"): ["IM-Baduta", "IM-Ideal"]}
    both = reasons("from=2025-02&to=2025-03")
    # born 20 Sep 2023: 2025.3's 15 months are 20 Dec 2024, overdue after 20 Jan 2025
    assert both == {**alone, ("MR 2", "2025-03-20"): ["IM-Baduta", "IM-Kejar"]}
    assert reasons("from=2025-01&to=2025-06") == both


def test_fhir_a_dose_given_before_the_child_moved_is_located_where_it_was_given(client, world, make_child):
    """A child's records follow her to her new posyandu (the reports count them there), each record's
    ``posyandu_id`` changed with her. The export took that for the place a dose was given: BCG given at
    Melati before the family moved to Mawar was sent to SATUSEHAT as given at Mawar. Its Location is the
    posyandu it was given at (in the Bundle before the dose); a dose given after the move, at Mawar."""
    baby = make_child(name="Bayi Pindah", sex="F", birth_date="2025-01-05")

    def dose(vaccine, on, by):
        resp = client.post(f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers(by), json={
            "id": str(uuid.uuid4()), "vaccine": vaccine, "dose": 1, "given_on": on, "batch_number": "T1",
            "place": "posyandu"})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    bcg = dose("BCG", "2025-02-05", "kader1")
    moved = client.patch(f"/api/v1/children/{baby['id']}", json={"posyandu_id": str(world.ids["p2"])},
                         headers=world.headers("bidan_a"))
    assert moved.status_code == 200, moved.get_json()
    opv = dose("OPV", "2025-02-08", "kader2")
    # the move is recorded today: February 2025 counts her at Melati (reports.cohort.placed_on), so the
    # Bundles asked here are of areas holding both posyandu
    for who, query in (("bidan_a", "month=2025-02"), ("dinkes_gresik", "month=2025-02")):
        found = _resources(client, world, query, who)
        by_id = {r["id"]: r for r in found}
        assert by_id[bcg]["location"] == {"reference": f"urn:uuid:{world.ids['p1']}"}, who
        assert by_id[opv]["location"] == {"reference": f"urn:uuid:{world.ids['p2']}"}, who
        melati = [r for r in found if r["resourceType"] == "Location" and r["id"] == str(world.ids["p1"])]
        assert [r["name"] for r in melati] == ["Melati"], who
        # its desa's Kemendagri codes (Sumbergede, 35.25.01.2001), as SATUSEHAT's Address profile carries them
        assert melati[0]["address"]["extension"] == [{
            "url": "https://fhir.kemkes.go.id/r4/StructureDefinition/administrativeCode",
            "extension": [{"url": "province", "valueCode": "35"}, {"url": "city", "valueCode": "3525"},
                          {"url": "district", "valueCode": "352501"}, {"url": "village", "valueCode": "3525012001"}]}]
        assert [r["id"] for r in found].index(str(world.ids["p1"])) < [r["id"] for r in found].index(bcg)


def test_fhir_codes_a_posyandu_and_its_puskesmas_as_they_stood_when_the_reports_count_them(client, world, make_child):
    """Melati is handed today to a puskesmas opened today, in another desa. The Bundle read each posyandu as it
    stands now: February 2025's BCG, given at PKM Wringinanom, was sent as given at the new PKM Sooko, which did
    not exist then, and Melati's Location carried its new desa where the month's reports count it in
    Sumbergede. A dose at the puskesmas is coded with the puskesmas of its day, Melati with its desa at the
    period's end (reports.cohort.as_of)."""
    from posyandu.validators import local_today

    today = local_today("35.25")  # Melati's day, as its move is dated (UTC's is the day before from 17:00)
    baby = make_child(name="Bayi Melati", sex="F", birth_date="2025-01-05")

    def dose(vaccine, on):
        resp = client.post(f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers("kader1"), json={
            "id": str(uuid.uuid4()), "vaccine": vaccine, "dose": 1, "given_on": on, "batch_number": "T1",
            "place": "puskesmas"})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    bcg = dose("BCG", "2025-02-05")
    admin = world.headers("admin")
    sooko = client.post("/api/v1/puskesmas", headers=admin, json={"name": "PKM Sooko", "kecamatan_code": "35.25.01",
                                                                    "code": "PS"})
    assert sooko.status_code == 201, sooko.get_json()
    sooko = sooko.get_json()["id"]
    moved = client.patch(f"/api/v1/posyandu/{world.ids['p1']}", headers=admin,
                         json={"puskesmas_id": sooko, "desa_code": "35.25.01.2002"})
    assert moved.status_code == 200, moved.get_json()
    mr = dose("MR", today.isoformat())

    def village(found):
        melati = [r for r in found if r["resourceType"] == "Location" and r["id"] == str(world.ids["p1"])]
        return [e["valueCode"] for r in melati for e in r["address"]["extension"][0]["extension"] if e["url"] == "village"]

    for who in ("admin", "dinkes_gresik"):
        february = {r["id"]: r for r in _resources(client, world, "month=2025-02", who)}
        assert february[bcg]["location"] == {"reference": f"urn:uuid:{world.ids['pkm_a']}"}, who
        assert february[str(world.ids["pkm_a"])]["name"] == "PKM Wringinanom" and sooko not in february, who
        assert village(february.values()) == ["3525012001"], who
        # from then to now: each dose's puskesmas of its day; Melati's desa at the period's end
        both = _resources(client, world, f"from=2025-02&to={today:%Y-%m}", who)
        by_id = {r["id"]: r for r in both}
        assert by_id[bcg]["location"] == {"reference": f"urn:uuid:{world.ids['pkm_a']}"}, who
        assert by_id[mr]["location"] == {"reference": f"urn:uuid:{sooko}"}, who
        assert village(both) == ["3525012002"], who


def test_fhir_locating_doses_at_the_puskesmas_costs_no_query_a_day_when_no_posyandu_moved(app, client, world, make_child):
    """The puskesmas of a dose's day is read per posyandu and day only once a posyandu has moved since the
    period began; otherwise it is the one it stands under (a district's month: a query per posyandu day)."""
    from posyandu.extensions import db
    from tests.support.statements import statements_run

    def dosed(day):
        baby = make_child(name=f"Bayi {day}", sex="F", birth_date="2025-07-20")
        resp = client.post(f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers("kader1"), json={
            "id": str(uuid.uuid4()), "vaccine": "BCG", "dose": 1, "given_on": f"2025-08-{day:02d}",
            "batch_number": "T1", "place": "puskesmas"})
        assert resp.status_code == 201, resp.get_json()

    def statements() -> int:
        with app.app_context():
            engine = db.engine
        with statements_run(engine) as seen:
            _resources(client, world, "month=2025-08", "admin")
        return len(seen)

    dosed(1)
    statements()  # the first read caches what every export reads (the schedules)
    one_day = statements()
    for day in range(2, 9):
        dosed(day)
    assert statements() == one_day


def test_fhir_reads_the_dose_history_only_of_the_children_given_a_dose_in_the_period(client, world, make_child):
    """Each dose of the period is timed (IM-Ideal or IM-Kejar) against the child's whole history,
    which the export read for every child in the Bundle, a child weighed in the month with doses only
    in earlier months too: most of a district's export time (docs/scaling.md, "Long downloads"). It
    reads the history of the children given a dose in the period, whose Immunizations alone it sends,
    and times them as before."""
    import sqlalchemy as sa

    from posyandu.immunisation.models import Immunisation

    def dose(child, vaccine, number, on):
        resp = client.post(f"/api/v1/children/{child['id']}/immunisations", headers=world.headers("bidan_a"), json={
            "id": str(uuid.uuid4()), "vaccine": vaccine, "dose": number, "given_on": on, "batch_number": "T1",
            "place": "posyandu"})
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    weighed = make_child(name="Anak Ditimbang", sex="M", birth_date="2024-09-01")
    dose(weighed, "BCG", 1, "2024-10-01")
    _weigh(client, world, weighed, "kader1", measured_on="2025-08-10", weight_kg=10.1)
    dosed = make_child(name="Anak Diimunisasi", sex="F", birth_date="2024-09-01")
    history = {dose(dosed, "DPT-HB-Hib", 1, "2024-12-20"), dose(dosed, "DPT-HB-Hib", 2, "2025-01-20")}
    august = dose(dosed, "MR", 1, "2025-08-05")
    loaded = []

    def on_load(target, _context):
        loaded.append(str(target.id))

    sa.event.listen(Immunisation, "load", on_load)
    try:
        found = _resources(client, world, f"month={AUG}&posyandu_id={world.ids['p1']}")
    finally:
        sa.event.remove(Immunisation, "load", on_load)
    assert sorted(loaded) == sorted(history | {august})
    assert [r["id"] for r in found if r["resourceType"] == "Immunization"] == [august]
    assert _timing(found) == {("MR 1", "2025-08-05"): "IM-Kejar"}  # MR 1 due at 9 months: June 2025
    assert {r["id"] for r in found if r["resourceType"] == "Patient"} == {weighed["id"], dosed["id"]}


def test_fhir_marks_a_value_a_who_flag_finds_implausible_with_a_note_naming_the_flags(client, world, make_child):
    """A weight WHO's flags find implausible (30 kg at 12 months: weight-for-age z far above +5,
    domain.md) is kept, and left out of prevalence; it went to SATUSEHAT as any final Observation, the
    national platform unable to tell it from a real weight. It carries a note naming the flags; a
    plausible head circumference of the same visit, and a plausible child's values, carry none."""
    child = make_child(name="Anak Salah Ketik", sex="M", birth_date="2024-08-15")
    m = _weigh(client, world, child, "kader1", measured_on="2025-08-10", weight_kg=30.0, length_height_cm=75.0,
               position="lying", head_circumference_cm=46.0)
    assert m["flags"]["wfa"] is True and m["flags"]["lhfa"] is False and m["flags"]["hcfa"] is False
    plain = make_child(name="Anak Wajar", sex="M", birth_date="2024-08-15")
    _weigh(client, world, plain, "kader1", measured_on="2025-08-10", weight_kg=9.6, length_height_cm=75.0,
           position="lying")
    found = _resources(client, world, f"month={AUG}&posyandu_id={world.ids['p1']}")
    notes = {(o["subject"]["reference"], o["code"]["coding"][0]["code"]): [n["text"] for n in o.get("note", [])]
             for o in found if o["resourceType"] == "Observation"}
    weight = notes[(f"urn:uuid:{child['id']}", "29463-7")]
    assert len(weight) == 1 and "(wfa," in weight[0], weight
    # its Indonesian names the indices as a cadre reads them (BB/U, BB/PB), its English as WHO's flags
    indonesian = weight[0].split("Implausible")[0]
    assert indonesian.startswith("Di luar batas wajar WHO (BB/U, BB/PB") and "wfa" not in indonesian, weight
    length = notes[(f"urn:uuid:{child['id']}", "8306-3")]
    assert len(length) == 1 and "lhfa" not in length[0] and "wfl" in length[0], length  # weight-for-length: both
    assert notes[(f"urn:uuid:{child['id']}", "9843-4")] == []
    assert [v for (who, _), v in notes.items() if who == f"urn:uuid:{plain['id']}"] == [[], []]


def test_fhir_a_child_who_died_is_a_deceased_patient_and_one_who_moved_away_is_not(client, world, make_child):
    """A child's exit (died / moved away) is written on her record: a death is a fact about the patient
    (``Patient.deceasedDateTime``, the day recorded); a family's move away is not, so nothing is said."""
    died = make_child(name="Anak Duka", sex="F", birth_date="2024-08-15")
    moved = make_child(name="Anak Pindah", sex="M", birth_date="2024-08-15")
    for child, reason in ((died, "died"), (moved, "moved_away")):
        _weigh(client, world, child, "kader1", measured_on="2025-08-05", weight_kg=9.0)
        resp = client.patch(f"/api/v1/children/{child['id']}", json={"exit_date": "2025-08-20", "exit_reason": reason},
                            headers=world.headers("kader1"))
        assert resp.status_code == 200, resp.get_json()
    found = {r["id"]: r for r in _resources(client, world, f"month={AUG}&posyandu_id={world.ids['p1']}")
             if r["resourceType"] == "Patient"}
    assert found[died["id"]]["deceasedDateTime"] == "2025-08-20"
    assert "deceasedDateTime" not in found[moved["id"]] and "deceasedBoolean" not in found[moved["id"]]
