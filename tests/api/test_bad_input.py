"""Bad input a QA sweep found answered wrongly (both databases): each is a 4xx problem on its field,
never a 500, and nothing is written."""
from __future__ import annotations

import pytest

from tests.api.test_faults import assert_problem, counts

SCHEDULE = "/api/v1/immunisation/schedule"


def schedule_document(client, world, version: str) -> dict:
    doc = client.get(f"{SCHEDULE}/versions/1", headers=world.headers("admin")).get_json()["document"]
    return {**doc, "version": version}


# --- integers no JSON column can store -----------------------------------------------------------
@pytest.mark.parametrize("where,value", [
    (("age_arithmetic",), 10 ** 20), (("age_arithmetic",), -2 ** 63 - 1), (("age_arithmetic",), {"a": [10 ** 20]}),
    (("supplements", "vitamin_a", "source"), 10 ** 20), (("supplements", "deworming", "source"), {"a": [10 ** 20]}),
])
def test_a_schedules_free_text_that_is_no_text_is_422_on_its_field_not_a_500(client, world, db, where, value):
    """The schedule's notes (``age_arithmetic``, a supplement's ``source``) were stored as they came,
    whatever JSON they held: an integer beyond 64 bits, which orjson (writing the JSON columns) does not
    write, was a 500 at the INSERT (``TypeError: Integer exceeds 64-bit range``)."""
    doc = schedule_document(client, world, "2099-big")
    node = doc
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    world.headers("admin")
    before = counts(db)
    problem = assert_problem(client.post(f"{SCHEDULE}/versions", json={"document": doc},
                                         headers=world.headers("admin", "id")), 422)
    field = ".".join(where)
    assert problem["errors"] == {f"document.{field}": [f"{field} harus berupa teks"]}, problem
    assert counts(db) == before
    doc = schedule_document(client, world, "2099-text")  # a text is taken, as before
    doc["age_arithmetic"] = "bulan kalender"
    assert client.post(f"{SCHEDULE}/versions", json={"document": doc, "active": False},
                       headers=world.headers("admin")).status_code == 201


def test_a_version_stored_before_the_publishing_rules_is_still_read(client, world, db, make_child):
    """The rules on a published document's notes and ``valid_from`` are a publisher's: read from the
    database, a version stored before them (a note that is a number, a year 0001) made every immunisation
    card, due list and report of its days a 500."""
    from datetime import date, timedelta

    from posyandu.immunisation.models import ScheduleVersion

    child = make_child(birth_date=(date.today() - timedelta(days=200)).isoformat())
    since = date.today() - timedelta(days=1)
    doc = {**schedule_document(client, world, "2026-old"), "valid_from": since.isoformat(), "age_arithmetic": 12}
    doc["supplements"]["vitamin_a"]["source"] = ["Permenkes"]
    db.session.add(ScheduleVersion(name=doc["name"], valid_from=since, document=doc, active=True))
    db.session.commit()
    card = client.get(f"/api/v1/children/{child['id']}/immunisation-card", headers=world.headers("kader1"))
    assert card.status_code == 200, card.get_json()
    assert card.get_json()["schedule_version"] == "2026-old"


def test_a_kbm_table_with_an_integer_beyond_64_bits_is_422_on_its_field(client, world, db):
    """The other JSON document an admin stores: its grams are integers of a range, no other key is taken."""
    world.headers("admin")  # logged in (audited) before counting
    before = counts(db)
    for url, body, field in (("/api/v1/growth/kbm", {"grams_by_month": {"1": 10 ** 20}, "source": "uji"},
                              "grams_by_month"),
                             ("/api/v1/growth/kbm", {"grams_by_month": {"1": 500}, "source": "uji", "x": 2 ** 70}, "x")):
        problem = assert_problem(client.post(url, json=body, headers=world.headers("admin")), 422)
        assert field in problem["errors"], problem
    assert counts(db) == before


# --- a write whose route reads no body -----------------------------------------------------------
def _open_codes(client, world, child_id) -> int:
    return len(client.get(f"/api/v1/children/{child_id}/invitations", headers=world.headers("kader1")).get_json()["items"])


def test_a_body_sent_to_a_write_that_reads_none_is_refused_as_any_body_and_nothing_is_done(
        client, world, db, make_child, link_parent):
    """The routes that take no body (a parent's code made or revoked, a parent unlinked, a schedule
    version activated or withdrawn) did their write whatever body came: 10 MB, compressed, text, or
    ``{"reason": …}`` that was dropped and never audited. Refused as a route that reads a body refuses
    it (413, 415, 422 on the field), as DELETE of a child did; no body, or ``{}``, is as before."""
    child = make_child()
    link_parent(child["id"])
    kader, admin = world.headers("kader1", "id"), world.headers("admin", "id")
    parent_id = client.get("/api/v1/auth/me", headers=world.headers("parent1")).get_json()["id"]
    code = client.post(f"/api/v1/children/{child['id']}/invitations", headers=kader).get_json()
    before = counts(db)
    invitations = f"/api/v1/children/{child['id']}/invitations"
    assert_problem(client.post(invitations, data=b" " * (10 * 1024 * 1024), content_type="application/json",
                               headers=kader), 413)
    assert_problem(client.post(invitations, data=b"\x1f\x8b", content_type="application/json",
                               headers={**kader, "Content-Encoding": "gzip"}), 415)
    assert_problem(client.post(invitations, data="sampah", content_type="text/plain", headers=kader), 415)
    refused = assert_problem(client.post(invitations, json={"reason": "x"}, headers=kader), 422)
    assert refused["errors"] == {"reason": ["isian tidak dikenal"]}, refused
    assert _open_codes(client, world, child["id"]) == 1
    unlink = f"/api/v1/children/{child['id']}/parents/{parent_id}"
    assert_problem(client.delete(unlink, data=b"\xff\xfe not json", content_type="text/plain", headers=kader), 415)
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("parent1")).status_code == 200
    revoke = f"{invitations}/{code['id']}"
    assert "reason" in assert_problem(client.delete(revoke, json={"reason": "salah orang"}, headers=kader), 422)["errors"]
    assert _open_codes(client, world, child["id"]) == 1
    versions = client.get(f"{SCHEDULE}/versions", headers=admin).get_json()["items"]
    doc = schedule_document(client, world, "2099-inactive")
    made = client.post(f"{SCHEDULE}/versions", json={"document": doc, "active": False}, headers=admin).get_json()
    before = counts(db)
    activate = f"{SCHEDULE}/versions/{made['id']}/activate"
    assert list(assert_problem(client.post(activate, json={"active": False}, headers=admin), 422)["errors"]) == ["active"]
    deactivate = f"{SCHEDULE}/versions/{versions[0]['id']}/deactivate"
    assert_problem(client.post(deactivate, data=b" " * (9 * 1024 * 1024), content_type="application/json",
                               headers=admin), 413)
    assert [v["active"] for v in client.get(f"{SCHEDULE}/versions", headers=admin).get_json()["items"]] == \
        [v["active"] for v in versions] + [False]
    assert counts(db) == before
    # without a body, or with an empty object, each is done as before
    assert client.post(activate, json={}, headers=admin).status_code == 200
    assert client.delete(revoke, headers=kader).status_code == 204
    assert client.post(invitations, json={}, headers=kader).status_code == 201
    assert client.delete(unlink, headers=kader).status_code == 204


def test_a_delete_told_its_reason_goes_in_the_url_and_a_route_without_one_that_it_is_unknown(client, world, make_child):
    """The message a reason sent in the body gets is the route's: a delete takes ``?reason=``; the
    restore of a child takes none."""
    child = make_child()
    bidan = world.headers("bidan_a")
    refused = assert_problem(client.delete(f"/api/v1/children/{child['id']}", json={"reason": "x"}, headers=bidan), 422)
    assert "?reason=" in refused["errors"]["reason"][0], refused
    assert client.delete(f"/api/v1/children/{child['id']}?reason=salah", headers=bidan).status_code == 204
    restore = f"/api/v1/children/{child['id']}/restore"
    assert assert_problem(client.post(restore, json={"reason": "x"}, headers=bidan), 422)["errors"] == {
        "reason": ["unknown field"]}
    assert client.post(restore, json={}, headers=bidan).status_code == 200


# --- a correction naming another record's id -----------------------------------------------------
OTHER_ID = ["berbeda dengan id di alamat (URL): id data tidak dapat diubah"]


@pytest.mark.parametrize("kind,change", [("measurements", {"weight_kg": 7.77}),
                                         ("immunisations", {"batch_number": "ZZ9"}),
                                         ("supplements", {"given_by": "Bidan Lain"})])
def test_a_correction_whose_body_names_another_records_id_is_422_on_id_and_changes_nothing(
        client, world, db, make_child, kind, change):
    """``PATCH /measurements/{A}`` with ``{"id": B, …}`` answered 200 and changed A: the caller meant B.
    Refused on ``id``, as a sync mutation naming another id is; the record's own id is taken."""
    from datetime import date, timedelta

    from tests.api.test_events import body_for, recent

    made = []
    for _ in range(2):
        child = make_child(birth_date=(date.today() - timedelta(days=600)).isoformat())
        resp = client.post(f"/api/v1/children/{child['id']}/{kind}", json=body_for(kind, recent(kind, 1)),
                           headers=world.headers("kader1"))
        assert resp.status_code == 201, resp.get_json()
        made.append(resp.get_json())
    a, b = made
    headers = world.headers("kader1", "id")
    before = counts(db)
    refused = assert_problem(client.patch(f"/api/v1/{kind}/{a['id']}", json={"id": b["id"], **change},
                                          headers=headers), 422)
    assert refused["errors"] == {"id": OTHER_ID}, refused
    assert counts(db) == before
    assert client.get(f"/api/v1/{kind}/{a['id']}", headers=headers).get_json() == a
    same = client.patch(f"/api/v1/{kind}/{a['id']}", json={"id": a["id"].upper(), **change}, headers=headers)
    assert same.status_code == 200 and all(same.get_json()[k] == v for k, v in change.items()), same.get_json()


def test_a_child_or_posyandu_correction_naming_another_id_is_422_on_id(client, world, db, make_child):
    a, b = make_child(name="Anak Satu"), make_child(name="Anak Dua")
    headers, admin = world.headers("kader1", "id"), world.headers("admin", "id")
    posyandu = client.get("/api/v1/posyandu", headers=admin).get_json()["items"][:2]
    before = counts(db)
    for url, other, change, who in ((f"/api/v1/children/{a['id']}", b["id"], {"name": "Nama Baru"}, headers),
                                    (f"/api/v1/posyandu/{posyandu[0]['id']}", posyandu[1]["id"], {"meeting_day": 9}, admin)):
        refused = assert_problem(client.patch(url, json={"id": other, **change}, headers=who), 422)
        assert refused["errors"] == {"id": OTHER_ID}, refused
    assert counts(db) == before
    assert client.get(f"/api/v1/children/{a['id']}", headers=headers).get_json()["name"] == "Anak Satu"
    assert client.patch(f"/api/v1/children/{a['id']}", json={"id": a["id"], "name": "Nama Baru"},
                        headers=headers).get_json()["name"] == "Nama Baru"


def test_another_records_id_is_named_with_the_bodys_other_errors_at_once(client, world, make_child):
    """The id's refusal came only once the rest of the body passed: a form answered in rounds."""
    from tests.api.test_events import body_for, recent

    a, b = make_child(), make_child()
    headers = world.headers("kader1", "id")
    refused = assert_problem(client.patch(f"/api/v1/children/{a['id']}", json={"id": b["id"], "sex": "X"},
                                          headers=headers), 422)
    assert set(refused["errors"]) == {"id", "sex"}, refused
    made = [client.post(f"/api/v1/children/{c['id']}/measurements", json=body_for("measurements", recent("measurements", 1)),
                        headers=headers).get_json() for c in (a, b)]
    refused = assert_problem(client.patch(f"/api/v1/measurements/{made[0]['id']}", json={"id": made[1]["id"], "weight_kg": -1},
                                          headers=headers), 422)
    assert set(refused["errors"]) == {"id", "weight_kg"}, refused


# --- a schedule's days ---------------------------------------------------------------------------
@pytest.mark.parametrize("valid_from", ["0001-01-01", "1899-12-31", "3000-01-01", "9999-12-31"])
def test_a_schedule_valid_from_a_day_the_schedule_query_cannot_ask_is_422(client, world, db, valid_from):
    """``?on=`` takes 1900-01-01 to 2999-12-31; a version valid from 0001-01-01 or 9999-12-31 was
    published and activated. Refused on ``valid_from``; the bounds themselves are taken."""
    doc = {**schedule_document(client, world, "2099-far"), "valid_from": valid_from}
    world.headers("admin")
    before = counts(db)
    problem = assert_problem(client.post(f"{SCHEDULE}/versions", json={"document": doc},
                                         headers=world.headers("admin", "id")), 422)
    assert problem["errors"] == {"document.valid_from": ["valid_from harus antara 1900-01-01 dan 2999-12-31"]}
    assert counts(db) == before
    for bound in ("1900-01-01", "2999-12-31"):
        doc = {**schedule_document(client, world, f"2099-{bound}"), "valid_from": bound}
        made = client.post(f"{SCHEDULE}/versions", json={"document": doc, "active": False}, headers=world.headers("admin"))
        assert made.status_code == 201, made.get_json()


# --- dates written otherwise than YYYY-MM-DD -----------------------------------------------------
NOT_A_DATE = ["bukan tanggal yang sah (format TTTT-BB-HH)"]


def _week_date(day) -> str:
    year, week, weekday = day.isocalendar()
    return f"{year}-W{week:02d}-{weekday}"


def test_a_date_or_instant_not_in_iso_extended_form_is_refused_everywhere_it_is_read(client, world, db, make_child):
    """Python 3.11's fromisoformat (marshmallow's Date, DateTime) took ``2026-W44-1`` (stored as
    2026-10-26) and ``20261101`` while the message says TTTT-BB-HH: every date field (REST, sync, a
    query) takes YYYY-MM-DD alone, and a device's clock ISO 8601's extended form."""
    from datetime import date, timedelta

    from tests.sync.helpers import child_data, measurement_data, mutation, new_id

    child = make_child(birth_date=(date.today() - timedelta(days=600)).isoformat())
    kader = world.headers("kader1", "id")
    day = date.today() - timedelta(days=3)
    odd = (_week_date(day), day.strftime("%Y%m%d"))
    world.headers("bidan_a")
    before = counts(db)
    for text in odd:
        for url, body, field in (
                ("/api/v1/children", {"posyandu_id": str(world.ids["p1"]), "name": "Ani", "sex": "F", "birth_date": text},
                 "birth_date"),
                (f"/api/v1/children/{child['id']}/measurements", {"measured_on": text, "weight_kg": 9.1}, "measured_on"),
                (f"/api/v1/children/{child['id']}/immunisations", {"vaccine": "MR", "dose": 1, "given_on": text},
                 "given_on"),
                (f"/api/v1/children/{child['id']}/immunisations",
                 {"vaccine": "MR", "dose": 1, "given_on": day.isoformat(), "source": "given", "batch_number": "B1",
                  "expiry_date": "2030" + text[4:] if "W" in text else "20300101"}, "expiry_date")):
            problem = assert_problem(client.post(url, json=body, headers=kader), 422)
            assert problem["errors"][field] == NOT_A_DATE, (text, problem)
        problem = assert_problem(client.patch(f"/api/v1/children/{child['id']}", json={"birth_date": text},
                                              headers=kader), 422)
        assert problem["errors"] == {"birth_date": NOT_A_DATE}
        card = client.get(f"/api/v1/children/{child['id']}/immunisation-card?on={text}", headers=kader)
        assert list(assert_problem(card, 422)["errors"]) == ["on"]
    for instant in ("20250115T093000Z", "2025-W03-3T09:30:00Z", "2025-01-15 09:30:00Z", "2025-01-15T0930Z"):
        problem = assert_problem(client.post(f"/api/v1/children/{child['id']}/measurements", json={
            "measured_on": day.isoformat(), "weight_kg": 9.1, "recorded_at": instant}, headers=kader), 422)
        assert problem["errors"] == {"recorded_at": ["bukan waktu yang sah"]}, (instant, problem)
    # a phone's push: each such mutation refused on its field, alone
    pushed = client.post("/api/v1/sync/push", headers=world.headers("kader1"), json={"client_id": "d-1", "mutations": [
        mutation("child", new_id(), child_data(world.ids["p1"], birth_date=odd[0])),
        mutation("measurement", new_id(), measurement_data(child["id"], measured_on=odd[1])),
        mutation("measurement", new_id(), measurement_data(child["id"], recorded_at="20250115T093000Z"))]})
    assert pushed.status_code == 200, pushed.get_json()
    results = pushed.get_json()["results"]
    assert [(r["status"], list(r["errors"])) for r in results] == [
        ("rejected", ["birth_date"]), ("rejected", ["measured_on"]), ("rejected", ["recorded_at"])], results
    after = counts(db)
    assert {k: v for k, v in after.items() if k != "SyncMutation"} == {k: v for k, v in before.items() if k != "SyncMutation"}
    # the extended forms are taken
    made = client.post(f"/api/v1/children/{child['id']}/measurements", json={
        "measured_on": day.isoformat(), "weight_kg": 9.1, "recorded_at": "2025-01-15T09:30:00.123+07:00"}, headers=kader)
    assert made.status_code == 201, made.get_json()
    assert made.get_json()["recorded_at"] == "2025-01-15T02:30:00.123000Z"


# --- control characters and text-direction overrides --------------------------------------------
CONTROL = ["tidak boleh berisi karakter kontrol (tab, baris baru, escape) atau pengubah arah teks "
           "(U+202A-U+202E, U+2066-U+2069)"]
BAD_TEXTS = ("An\x01i", "Ani\x1b[31m", "Ani\x9b", "Ani\x7f")


@pytest.mark.parametrize("text", BAD_TEXTS)
def test_a_text_with_control_or_bidi_characters_is_refused_on_its_field_by_rest_sync_and_import(
        client, world, db, make_child, text):
    """``An\\x01i\\x1b[31m`` and ``\\u202e…`` were stored in names, addresses, reasons and codes, and carried
    into the CSV, XLSX and FHIR exports: refused on the field (REST 422, a push's mutation rejected, an
    import's row), one rule for every one-line text (``validators.one_line_text``)."""
    from tests.api.test_reports_import import upload
    from tests.sync.helpers import child_data, mutation, new_id

    child = make_child()
    kader, admin = world.headers("kader1", "id"), world.headers("admin", "id")
    world.headers("bidan_a")
    before = counts(db)
    new_child = {"posyandu_id": str(world.ids["p1"]), "name": "Ani", "sex": "F", "birth_date": child["birth_date"]}
    for url, body, field, who in (
            ("/api/v1/children", {**new_child, "name": text}, "name", kader),
            ("/api/v1/children", {**new_child, "address": text}, "address", kader),
            ("/api/v1/children", {**new_child, "mother_name": text}, "mother_name", kader),
            (f"/api/v1/children/{child['id']}/supplements",
             {"kind": "deworming", "given_on": child["birth_date"], "given_by": text}, "given_by", kader),
            (f"/api/v1/children/{child['id']}/not-duplicate", {"reason": text}, "reason", world.headers("bidan_a", "id")),
            ("/api/v1/puskesmas", {"name": "PKM Baru", "kecamatan_code": "35.25.01", "code": text}, "code", admin)):
        problem = assert_problem(client.post(url, json=body, headers=who), 422)
        assert problem["errors"][field] == CONTROL, (url, field, problem)
    assert assert_problem(client.patch(f"/api/v1/children/{child['id']}", json={"name": text}, headers=kader),
                          422)["errors"] == {"name": CONTROL}
    deleted = client.delete(f"/api/v1/children/{child['id']}", query_string={"reason": text}, headers=kader)
    assert assert_problem(deleted, 422)["errors"] == {"reason": CONTROL}
    pushed = client.post("/api/v1/sync/push", headers=world.headers("kader1"), json={"client_id": "d-1", "mutations": [
        mutation("child", new_id(), child_data(world.ids["p1"], name=text))]})
    [result] = pushed.get_json()["results"]
    assert result["status"] == "rejected" and list(result["errors"]) == ["name"], result
    after = counts(db)
    assert {k: v for k, v in after.items() if k != "SyncMutation"} == {k: v for k, v in before.items() if k != "SyncMutation"}
    row = f"posyandu;nama;jenis_kelamin;tanggal_lahir\nMelati;{text};P;{child['birth_date']}\n"
    resp = upload(client, world, row.encode(), query="dry_run=true")
    assert resp.status_code == 200, resp.get_json()
    [refused] = resp.get_json()["errors"]
    assert list(refused["errors"]) == ["nama"], refused


def test_direction_marks_tabs_and_line_breaks_in_a_name_or_address_are_dropped_not_refused(client, world, db, make_child):
    """A chat app wraps a pasted name in bidi isolates ("\u2068Siti Aminah\u2069"): refused, the name was
    saved on the phone and refused at its sync, the child's weighings held behind it; and a record
    stored with one before this rule could not be corrected, a phone sending the whole record with each
    edit. A one-line text drops them, its tabs and line breaks made spaces, as it stores its spaces."""
    import uuid

    from sqlalchemy import select

    from posyandu.auth.models import User
    from posyandu.registry.models import Child
    from posyandu.registry.operations import update_child
    from tests.sync.helpers import child_data, mutation, new_id

    made = client.post("/api/v1/children", headers=world.headers("kader1"), json={
        "posyandu_id": str(world.ids["p1"]), "name": "\u2068Siti Aminah\u2069", "sex": "F",
        "birth_date": make_child()["birth_date"], "address": "Jl. Mawar\tNo. 3\nRT 01"})
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["name"], made.get_json()["address"]) == ("Siti Aminah", "Jl. Mawar No. 3 RT 01")
    old = make_child()  # stored with an override before the rule (written past the schemas, as then)
    kader = db.session.scalar(select(User).where(User.username == "kader1"))
    stored = update_child(kader, db.session.get(Child, uuid.UUID(old["id"])), {"address": "Jl. Melati\u202e 5"})
    db.session.commit()
    edit = {**child_data(world.ids["p1"], name=old["name"], birth_date=old["birth_date"], sex=old["sex"]),
            "address": "Jl. Melati\u202e 5", "exit_date": old["birth_date"], "exit_reason": "moved_away"}
    pushed = client.post("/api/v1/sync/push", headers=world.headers("kader1"), json={"client_id": "d-1", "mutations": [
        mutation("child", old["id"], edit, op="upsert", base_version=stored.version),
        mutation("child", new_id(), child_data(world.ids["p1"], name="\u2068Budi\u2069"))]})
    assert [r["status"] for r in pushed.get_json()["results"]] == ["applied", "applied"], pushed.get_json()
    assert db.session.get(Child, uuid.UUID(old["id"])).address == "Jl. Melati 5"


def test_an_ordinary_name_with_accents_apostrophes_and_spaces_is_taken(client, world, make_child):
    made = client.post("/api/v1/children", headers=world.headers("kader1"), json={
        "posyandu_id": str(world.ids["p1"]), "name": "  Ṣaleh   Nur’aini  ", "sex": "F",
        "birth_date": make_child()["birth_date"], "address": "Jl. Mawar No. 3, RT 01/RW 02"})
    assert made.status_code == 201 and made.get_json()["name"] == "Ṣaleh Nur’aini", made.get_json()


@pytest.mark.parametrize("field", ["name", "source", "version"])
@pytest.mark.parametrize("text", ["Jadwal\x01 2099", "Jadwal\x1b[31m 2099"])
def test_a_schedule_published_with_control_characters_in_its_name_source_or_version_is_422_on_the_field(
        client, world, db, field, text):
    """A schedule's name, source and version (on every card, the schedule screen and the exports) were
    published with ``\x01`` or an ANSI escape in them, though every other one-line text refuses them
    (``validators.one_line_text``): refused when published, on the field, and nothing is stored. (A version
    stored before is still read: the rule is a publisher's, ``publishing_problems``.)"""
    doc = {**schedule_document(client, world, "2099-ctl"), field: text}
    world.headers("admin")
    before = counts(db)
    problem = assert_problem(client.post(f"{SCHEDULE}/versions", json={"document": doc},
                                         headers=world.headers("admin", "id")), 422)
    assert problem["errors"] == {f"document.{field}": [f"{field} {CONTROL[0]}"]}, problem
    english = assert_problem(client.post(f"{SCHEDULE}/versions", json={"document": doc},
                                         headers=world.headers("admin", "en")), 422)
    assert english["errors"][f"document.{field}"] == [f"{field} must not contain control characters (a tab, a line "
                                                      "break, an escape) or text-direction overrides (U+202A-U+202E, "
                                                      "U+2066-U+2069)"]
    assert counts(db) == before
    doc[field] = "Jadwal 2099"  # the same document, its text without them, is published
    assert client.post(f"{SCHEDULE}/versions", json={"document": doc, "active": False},
                       headers=world.headers("admin")).status_code == 201



def test_a_schedule_published_with_a_control_character_in_a_vaccines_name_or_an_entrys_source_is_422_there(
        client, world, db):
    """A vaccine's name (on every card) and an entry's or a supplement's source were not checked:
    "Hepatitis\x1b[31m B0" was published. Each is refused at its place in the document."""
    doc = schedule_document(client, world, "2099-ctl2")
    doc["vaccines"][0]["name"] = "Hepatitis\x1b[31m B0"
    doc["entries"][1]["source"] = "Permenkes\x01 12/2017"
    doc["supplements"]["vitamin_a"]["source"] = "Juknis\u202e"
    before = counts(db)
    problem = assert_problem(client.post(f"{SCHEDULE}/versions", json={"document": doc},
                                         headers=world.headers("admin", "id")), 422)
    assert set(problem["errors"]) == {"document.vaccines[0].name", "document.entries[1].source",
                                      "document.supplements.vitamin_a.source"}, problem
    assert problem["errors"]["document.vaccines[0].name"] == [f"vaccines[0].name {CONTROL[0]}"]
    assert counts(db) == before

# --- a pushed delete's reason --------------------------------------------------------------------
@pytest.mark.parametrize("reason", [5, ["salah"], {"a": 1}, "x" * 256, "salah\x1b[31m"])
def test_a_pushed_delete_whose_reason_rest_would_refuse_is_rejected_on_reason_and_deletes_nothing(
        client, world, db, make_child, reason):
    """A delete pushed with a reason that is no text, or over 255 characters, was applied with the
    reason dropped or cut; REST refuses the same ``?reason=`` (422). Rejected on ``reason``, alike."""
    from tests.sync.helpers import mutation

    child = make_child()
    kader = world.headers("kader1")
    before = counts(db)
    pushed = client.post("/api/v1/sync/push", headers=kader, json={"client_id": "d-1", "mutations": [
        {**mutation("child", child["id"], {"reason": reason}, op="delete", base_version=1)}]})
    [result] = pushed.get_json()["results"]
    assert result["status"] == "rejected" and list(result["errors"]) == ["reason"], result
    assert client.get(f"/api/v1/children/{child['id']}", headers=kader).status_code == 200
    assert {k: v for k, v in counts(db).items() if k != "SyncMutation"} == \
        {k: v for k, v in before.items() if k != "SyncMutation"}
    # a reason REST takes is kept as REST keeps it
    pushed = client.post("/api/v1/sync/push", headers=kader, json={"client_id": "d-1", "mutations": [
        mutation("child", child["id"], {"reason": "  salah   input "}, op="delete", base_version=1)]})
    assert pushed.get_json()["results"][0]["status"] == "applied", pushed.get_json()
    from sqlalchemy import select

    from posyandu.audit import AuditLog
    assert db.session.scalar(select(AuditLog.reason).where(AuditLog.record_id == child["id"],
                                                           AuditLog.action == "delete")) == "salah input"
