"""Where a dose's record comes from, its vial's lot and expiry, and its KFA product (domain.md,
Interoperability: SATUSEHAT codes the vaccine with the KFA product code and requires lot number
and expiry when a health worker gives the dose). Both databases.

A dose ``given`` by a health worker must carry its lot and expiry (and the vial must not have
expired that day); a dose copied from the Buku KIA (``record``), recalled (``recall``) or not
stated needs neither. In FHIR: ``primarySource`` true for a given dose, false with the
``reportOrigin`` of HL7's immunization-origin code system for the others.
"""
from __future__ import annotations

import copy
import json
import uuid

import pytest
from sqlalchemy import func, select

from tests.api.test_immunisation_api import record
from tests.api.test_immunisation_schedule_api import SCHEDULE, in_force
from tests.sync.helpers import mutation, push

BORN = "2025-01-10"
BCG_PRODUCT = {"kfa_code": "93000001", "name": "Vaksin BCG uji (produsen uji)"}
DPT_PRODUCT = {"kfa_code": "93000002", "name": "Vaksin DPT-HB-Hib uji (produsen uji)"}


@pytest.fixture
def baby(make_child):
    return make_child(name="Bayi Januari", birth_date=BORN)


def stored(db, dose_id):
    from posyandu.immunisation.models import Immunisation

    db.session.expire_all()
    return db.session.get(Immunisation, uuid.UUID(dose_id))


def count(db) -> int:
    from posyandu.immunisation.models import Immunisation

    return db.session.scalar(select(func.count()).select_from(Immunisation))


def publish_products(client, world):
    """A schedule version like the one in force, listing a test product for BCG and for DPT-HB-Hib
    (made-up codes of the right shape: the real ones are the admin's to list)."""
    doc = copy.deepcopy(in_force(client, world)["document"])
    doc.update(version="2024.products", valid_from="2024-01-02")
    for vaccine in doc["vaccines"]:
        if vaccine["code"] == "BCG":
            vaccine["products"] = [BCG_PRODUCT]
        if vaccine["code"] == "DPT-HB-Hib":
            vaccine["products"] = [DPT_PRODUCT]
    resp = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin"))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_a_dose_given_here_without_its_lot_and_expiry_is_refused_on_both_fields(client, world, db, baby):
    before = count(db)
    resp = client.post(
        f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers("kader1", lang="id"),
        json={"id": str(uuid.uuid4()), "vaccine": "BCG", "dose": 1, "given_on": "2025-02-10", "source": "given"})
    assert resp.status_code == 422 and resp.content_type == "application/problem+json"
    errors = resp.get_json()["errors"]
    assert set(errors) == {"batch_number", "expiry_date"}
    assert errors["batch_number"][0].startswith("wajib diisi untuk dosis yang diberikan petugas")
    assert count(db) == before  # nothing written


def test_a_vial_expired_on_the_day_given_is_refused(client, world, db, baby):
    resp = record(client, world, baby["id"], "BCG", 1, "2025-02-10", source="given", expiry_date="2025-02-09")
    assert resp.status_code == 422
    assert list(resp.get_json()["errors"]) == ["expiry_date"]
    assert "expired on the day the dose was given" in resp.get_json()["errors"]["expiry_date"][0]
    # expiring that very day is still in date
    ok = record(client, world, baby["id"], "BCG", 1, "2025-02-10", source="given", expiry_date="2025-02-10")
    assert ok.status_code == 201, ok.get_json()


def test_a_dose_given_here_with_lot_expiry_and_product_is_stored_and_served(client, world, db, baby):
    publish_products(client, world)
    resp = record(client, world, baby["id"], "BCG", 1, "2025-02-10", source="given", batch_number=" 0123A ",
                  expiry_date="2026-06-30", kfa_code="93000001")
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["source"], body["batch_number"], body["expiry_date"], body["kfa_code"]) == (
        "given", "0123A", "2026-06-30", "93000001")
    row = stored(db, body["id"])
    assert (row.source, row.batch_number, str(row.expiry_date), row.kfa_code) == ("given", "0123A", "2026-06-30",
                                                                                   "93000001")


@pytest.mark.parametrize("source", ["record", "recall", None])
def test_a_dose_copied_recalled_or_not_stated_needs_no_lot(client, world, baby, source):
    resp = record(client, world, baby["id"], "BCG", 1, "2025-02-10", source=source, batch_number=None)
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["source"] == source and resp.get_json()["batch_number"] is None


@pytest.mark.parametrize("field,value", [("source", "told"), ("kfa_code", "9300001"), ("kfa_code", "12345678"),
                                         ("kfa_code", "93000001x"), ("expiry_date", "0202-01-01")])
def test_a_malformed_source_kfa_code_or_expiry_is_422_on_its_field(client, world, baby, field, value):
    resp = client.post(f"/api/v1/children/{baby['id']}/immunisations", headers=world.headers("kader1", lang="id"),
                       json={"id": str(uuid.uuid4()), "vaccine": "BCG", "dose": 1, "given_on": "2025-02-10",
                             field: value})
    assert resp.status_code == 422 and list(resp.get_json()["errors"]) == [field]
    message = resp.get_json()["errors"][field][0]
    assert not message.startswith(("Must", "Not a", "String does not")), message  # in Indonesian


def test_a_kfa_product_listed_for_another_vaccine_is_refused(client, world, baby):
    publish_products(client, world)
    resp = record(client, world, baby["id"], "BCG", 1, "2025-02-10", kfa_code=DPT_PRODUCT["kfa_code"])
    assert resp.status_code == 422
    assert resp.get_json()["errors"] == {"kfa_code": ["this KFA product is a DPT-HB-Hib vaccine, not BCG"]}
    # a code the schedule does not list is the admin's list being incomplete, not an error
    assert record(client, world, baby["id"], "BCG", 1, "2025-02-10", kfa_code="93999999").status_code == 201


def test_an_edit_is_judged_on_the_whole_record(client, world, db, baby):
    made = record(client, world, baby["id"], "BCG", 1, "2025-02-10", source="record", batch_number=None)
    assert made.status_code == 201
    dose = made.get_json()
    url, headers = f"/api/v1/immunisations/{dose['id']}", world.headers("kader1")
    # saying it was given here, without the lot: refused, and the record is unchanged
    resp = client.patch(url, json={"source": "given", "base_version": 1}, headers=headers)
    assert resp.status_code == 422 and set(resp.get_json()["errors"]) == {"batch_number", "expiry_date"}
    assert stored(db, dose["id"]).source == "record" and stored(db, dose["id"]).version == 1
    resp = client.patch(url, json={"source": "given", "batch_number": "B7", "expiry_date": "2025-12-31",
                                   "base_version": 1}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    # moving the date past the expiry, or clearing the lot, of a given dose: refused
    late = client.patch(url, json={"given_on": "2026-01-05", "base_version": 2}, headers=headers)
    assert late.status_code == 422 and list(late.get_json()["errors"]) == ["expiry_date"]
    cleared = client.patch(url, json={"batch_number": None, "base_version": 2}, headers=headers)
    assert cleared.status_code == 422 and list(cleared.get_json()["errors"]) == ["batch_number"]
    row = stored(db, dose["id"])
    assert (row.version, row.batch_number, str(row.given_on)) == (2, "B7", "2025-02-10")


def test_a_push_rejects_only_the_dose_without_its_lot(client, world, db, baby):
    bad, good = str(uuid.uuid4()), str(uuid.uuid4())
    results = push(client, world.headers("kader1", lang="id"), [
        mutation("immunisation", bad, {"child_id": baby["id"], "vaccine": "BCG", "dose": 1,
                                       "given_on": "2025-02-10", "source": "given"}),
        mutation("immunisation", good, {"child_id": baby["id"], "vaccine": "OPV", "dose": 1, "given_on": "2025-02-10",
                                        "source": "given", "batch_number": "P1", "expiry_date": "2025-09-30"})])
    assert [r["status"] for r in results] == ["rejected", "applied"]
    assert set(results[0]["errors"]) == {"batch_number", "expiry_date"}
    assert results[0]["errors"]["expiry_date"][0].startswith("wajib diisi")
    assert stored(db, bad) is None and stored(db, good).batch_number == "P1"
    assert results[1]["record"]["source"] == "given" and results[1]["record"]["expiry_date"] == "2025-09-30"


def test_products_in_a_schedule_are_checked_and_served(client, world):
    doc = copy.deepcopy(in_force(client, world)["document"])
    doc["version"] = "2025.products"
    doc["vaccines"][1]["products"] = [BCG_PRODUCT, {"kfa_code": "9300000", "name": ""}]
    doc["vaccines"][2]["products"] = [BCG_PRODUCT, {"kfa_code": "93000003"}]
    resp = client.post(SCHEDULE + "/versions", json={"document": doc}, headers=world.headers("admin", lang="id"))
    assert resp.status_code == 422
    errors = resp.get_json()["errors"]
    assert errors["document.vaccines[1].products[1]"] == ["vaccines[1].products[1]: kfa_code harus 93 diikuti 6 angka",
                                                          "vaccines[1].products[1]: name harus 1-200 karakter"]
    assert errors["document.vaccines[2].products[1]"] == ["vaccines[2].products[1]: 'name' belum diisi",
                                                          "vaccines[2].products[1]: name harus 1-200 karakter"]
    assert errors["document.vaccines"] == ["vaccines: kode KFA '93000001' tercantum lebih dari sekali"]
    made = publish_products(client, world)
    bcg = next(v for v in made["document"]["vaccines"] if v["code"] == "BCG")
    assert bcg["products"] == [BCG_PRODUCT]
    assert "products" not in next(v for v in made["document"]["vaccines"] if v["code"] == "OPV")
    served = in_force(client, world, by="kader1")["document"]
    assert next(v for v in served["vaccines"] if v["code"] == "BCG")["products"] == [BCG_PRODUCT]


def test_fhir_codes_the_product_in_kfa_and_tells_first_hand_from_copied(client, world, baby):
    from fhir.resources.R4B.bundle import Bundle

    publish_products(client, world)
    doses = {
        "given": record(client, world, baby["id"], "BCG", 1, "2025-02-10", source="given", batch_number="L-77",
                        expiry_date="2026-01-31", kfa_code="93000001"),
        "recall": record(client, world, baby["id"], "OPV", 1, "2025-02-10", source="recall", batch_number=None),
        "record": record(client, world, baby["id"], "OPV", 2, "2025-03-10", source="record", batch_number=None),
        "unstated": record(client, world, baby["id"], "DPT-HB-Hib", 1, "2025-03-10", kfa_code="93123456"),
        "unstated_vial": record(client, world, baby["id"], "RV", 1, "2025-03-10", expiry_date="2026-01-31"),
        "elsewhere": record(client, world, baby["id"], "PCV", 1, "2025-03-10", place="elsewhere"),
    }
    assert all(r.status_code == 201 for r in doses.values()), {k: r.get_json() for k, r in doses.items()}
    found = {}
    for month in ("2025-02", "2025-03"):  # a streamed download: each read before the next request
        resp = client.get(f"/api/v1/exports/fhir?month={month}&posyandu_id={world.ids['p1']}",
                          headers=world.headers("bidan_a"))
        assert resp.status_code == 200
        Bundle.model_validate_json(resp.data)  # valid FHIR R4
        found.update({e["resource"]["id"]: e["resource"] for e in json.loads(resp.data)["entry"]})
    given, copied, recalled, unstated, elsewhere = (found[doses[k].get_json()["id"]] for k in
                                                    ("given", "record", "recall", "unstated", "elsewhere"))
    assert given["vaccineCode"]["coding"][0] == {"system": "http://sys-ids.kemkes.go.id/kfa", "code": "93000001",
                                                 "display": BCG_PRODUCT["name"]}
    assert given["vaccineCode"]["coding"][1]["system"] == "http://hl7.org/fhir/sid/cvx"
    assert (given["primarySource"], given["lotNumber"], given["expirationDate"]) == (True, "L-77", "2026-01-31")
    assert "reportOrigin" not in given
    origin = "http://terminology.hl7.org/CodeSystem/immunization-origin"
    assert copied["primarySource"] is False and copied["reportOrigin"]["coding"] == [
        {"system": origin, "code": "record", "display": "Written Record"}]
    assert recalled["primarySource"] is False and recalled["reportOrigin"]["coding"][0]["code"] == "recall"
    assert "lotNumber" not in copied
    # not stated: given by its recorder only when here with the vial's lot and expiry, which SATUSEHAT
    # requires of such a dose (a lot without expiry was claimed so, and refused); a KFA code the schedule
    # does not list, without a name
    assert unstated["primarySource"] is False and "reportOrigin" not in unstated and unstated["lotNumber"] == "T1"
    unstated_vial = found[doses["unstated_vial"].get_json()["id"]]
    assert (unstated_vial["primarySource"], unstated_vial["lotNumber"], unstated_vial["expirationDate"]) == \
        (True, "T1", "2026-01-31")
    assert unstated["vaccineCode"]["coding"][0] == {"system": "http://sys-ids.kemkes.go.id/kfa", "code": "93123456"}
    assert elsewhere["primarySource"] is False and "reportOrigin" not in elsewhere
    # the posyandu is the location of a dose given there, never of one given elsewhere
    assert given["location"] == {"reference": f"urn:uuid:{world.ids['p1']}"} and "location" not in elsewhere


def test_a_dose_whose_product_a_later_schedule_lists_for_another_vaccine_is_judged_only_when_it_changes(
        client, world, db, baby):
    made = record(client, world, baby["id"], "BCG", 1, "2025-02-10", kfa_code=DPT_PRODUCT["kfa_code"])
    assert made.status_code == 201  # no schedule lists the code yet
    publish_products(client, world)  # now it is DPT-HB-Hib's
    url = f"/api/v1/immunisations/{made.get_json()['id']}"
    headers = world.headers("kader1")
    # another field's correction is not blocked by it
    edit = client.patch(url, json={"given_by": "Bidan Ratna", "base_version": 1}, headers=headers)
    assert edit.status_code == 200, edit.get_json()
    # a product written is judged: BCG's own is taken, DPT-HB-Hib's refused
    fixed = client.patch(url, json={"kfa_code": BCG_PRODUCT["kfa_code"], "base_version": 2}, headers=headers)
    assert fixed.status_code == 200, fixed.get_json()
    again = client.patch(url, json={"kfa_code": DPT_PRODUCT["kfa_code"], "base_version": 3}, headers=headers)
    assert again.status_code == 422 and list(again.get_json()["errors"]) == ["kfa_code"]
    # and it may be deleted as entered by mistake
    assert client.delete(url + "?reason=salah+catat", headers=headers).status_code == 204
    assert stored(db, made.get_json()["id"]).deleted_at is not None


def test_a_restored_dose_is_judged_on_its_product_as_a_new_one(client, world, db, baby):
    # recorded before any schedule listed its product, deleted, then the product became DPT-HB-Hib's:
    # the phone's whole copy, restored over the tombstone, is refused as the same dose recorded now is
    made = record(client, world, baby["id"], "BCG", 1, "2025-02-10", kfa_code=DPT_PRODUCT["kfa_code"]).get_json()
    assert client.delete(f"/api/v1/immunisations/{made['id']}", headers=world.headers("kader1")).status_code == 204
    publish_products(client, world)
    phone = {k: made[k] for k in ("child_id", "vaccine", "dose", "given_on", "batch_number", "kfa_code")}
    [refused] = push(client, world.headers("kader1"), [mutation("immunisation", made["id"], phone, base_version=2)])
    assert refused["status"] == "rejected" and list(refused["errors"]) == ["kfa_code"], refused
    assert stored(db, made["id"]).deleted_at is not None
    [back] = push(client, world.headers("kader1"), [mutation("immunisation", made["id"], {
        **phone, "kfa_code": BCG_PRODUCT["kfa_code"]}, base_version=2)])
    assert back["status"] == "applied" and back["record"]["kfa_code"] == BCG_PRODUCT["kfa_code"], back
    assert stored(db, made["id"]).deleted_at is None


def _bundle(client, world, month):
    from fhir.resources.R4B.bundle import Bundle

    resp = client.get(f"/api/v1/exports/fhir?month={month}&posyandu_id={world.ids['p1']}",
                      headers=world.headers("dinkes_gresik"))
    assert resp.status_code == 200, resp.data[:300]
    Bundle.model_validate_json(resp.data)
    return [e["resource"] for e in json.loads(resp.data).get("entry", [])]


def test_fhir_a_dose_given_at_the_puskesmas_is_not_located_at_the_posyandu(client, world, baby):
    """A dose given at the puskesmas (``place``) was exported with the posyandu as its Location:
    a health office counting doses by place saw it given at the posyandu. Its Location is the
    child's puskesmas, in the Bundle once, whatever the number of doses given there."""
    doses = [record(client, world, baby["id"], "BCG", 1, "2025-02-10", place="puskesmas"),
             record(client, world, baby["id"], "OPV", 1, "2025-02-10", place="puskesmas"),
             record(client, world, baby["id"], "HB0", 1, "2025-01-10", place="posyandu")]
    assert all(r.status_code == 201 for r in doses), [r.get_json() for r in doses]
    found = _bundle(client, world, "2025-02") + _bundle(client, world, "2025-01")
    by_id = {r["id"]: r for r in found}
    bcg, opv, hb0 = (by_id[r.get_json()["id"]] for r in doses)
    assert hb0["location"] == {"reference": f"urn:uuid:{world.ids['p1']}"}
    assert bcg["location"] == opv["location"] == {"reference": f"urn:uuid:{world.ids['pkm_a']}"}
    february = [r for r in _bundle(client, world, "2025-02") if r["resourceType"] == "Location"]
    assert sorted(r["name"] for r in february) == ["Melati", "PKM Wringinanom"]
    assert {r["id"] for r in february} == {str(world.ids["p1"]), str(world.ids["pkm_a"])}


def test_fhir_exports_a_dose_entered_twice_once(client, world, baby):
    """The same dose recorded on two phones is kept and flagged a possible duplicate (api-contract,
    Sync), and coverage counts it once; the FHIR export sent both, so SATUSEHAT was told the baby
    had BCG 1 twice. The dose recorded first stands for both; the copy is left out."""
    first = record(client, world, baby["id"], "BCG", 1, "2025-02-10", by="kader1")
    again = record(client, world, baby["id"], "BCG", 1, "2025-02-10", by="kader1b")
    assert first.status_code == again.status_code == 201, again.get_json()
    assert again.get_json()["possible_duplicate_of"] == first.get_json()["id"]
    doses = [r for r in _bundle(client, world, "2025-02") if r["resourceType"] == "Immunization"]
    assert [r["id"] for r in doses] == [first.get_json()["id"]]
    # resolved by deleting the first: the other stands, unflagged, and is exported
    gone = client.delete(f"/api/v1/immunisations/{first.get_json()['id']}", headers=world.headers("bidan_a"))
    assert gone.status_code in (200, 204), gone.data[:300]
    doses = [r for r in _bundle(client, world, "2025-02") if r["resourceType"] == "Immunization"]
    assert [r["id"] for r in doses] == [again.get_json()["id"]]
