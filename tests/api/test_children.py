"""Children: scope per role, validation of every field, audit of every write."""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.support.pwa_words import pwa_words

CHILDREN_READERS_OF_P1 = ["kader1", "kader1b", "bidan_a", "dinkes_gresik", "admin"]
OUTSIDERS_OF_P1 = ["kader2", "kader3", "bidan_b", "dinkes_bangkalan", "parent1"]


def count(db, model) -> int:
    db.session.remove()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("who", CHILDREN_READERS_OF_P1)
def test_a_child_is_visible_inside_the_callers_area(client, world, make_child, who):
    child = make_child()
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers(who)).status_code == 200
    ids = [c["id"] for c in client.get("/api/v1/children", headers=world.headers(who)).get_json()["items"]]
    assert child["id"] in ids


@pytest.mark.parametrize("who", OUTSIDERS_OF_P1)
def test_a_child_outside_the_callers_area_is_404_and_not_listed(client, world, make_child, who):
    child = make_child()
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers(who)).status_code == 404
    # a role that may not change children at all is told so (403), for any child: nothing of this one
    writes = 404 if who.startswith(("kader", "bidan")) else 403
    assert client.patch(f"/api/v1/children/{child['id']}", json={"name": "X"}, headers=world.headers(who)).status_code == writes
    assert client.delete(f"/api/v1/children/{child['id']}", headers=world.headers(who)).status_code == writes
    ids = [c["id"] for c in client.get("/api/v1/children", headers=world.headers(who)).get_json()["items"]]
    assert child["id"] not in ids


def test_parents_and_dinkes_may_read_but_not_register_or_edit(client, world, make_child, link_parent):
    child = make_child()
    link_parent(child["id"])
    body = {"posyandu_id": str(world.ids["p1"]), "name": "A", "sex": "F", "birth_date": "2024-01-01"}
    for who in ("parent1", "dinkes_gresik"):
        assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers(who)).status_code == 200
        assert client.post("/api/v1/children", json=body, headers=world.headers(who)).status_code == 403
        assert client.patch(f"/api/v1/children/{child['id']}", json={"name": "B"}, headers=world.headers(who)).status_code == 403


def test_a_kader_cannot_register_a_child_in_another_posyandu(client, world, db):
    from posyandu.registry.models import Child

    body = {"posyandu_id": str(world.ids["p2"]), "name": "Ani", "sex": "F", "birth_date": "2024-01-01"}
    resp = client.post("/api/v1/children", json=body, headers=world.headers("kader1"))
    assert resp.status_code == 422 and "posyandu_id" in resp.get_json()["errors"]
    assert count(db, Child) == 0


def test_no_token_is_401_everywhere(client, world, make_child):
    child = make_child()
    for method, url in [("get", "/api/v1/children"), ("get", f"/api/v1/children/{child['id']}"),
                        ("post", "/api/v1/children"), ("get", "/api/v1/posyandu"),
                        ("get", f"/api/v1/children/{child['id']}/measurements")]:
        resp = getattr(client, method)(url, json={})
        assert resp.status_code == 401, url
        assert resp.content_type == "application/problem+json"


GOOD = {"name": "Siti Aminah", "sex": "F", "birth_date": "2024-03-14", "birth_weight_kg": 3.1, "birth_length_cm": 49,
        "nik": "3525015403240001", "mother_nik": "3525014101950002", "mother_name": "Aminah", "father_name": "Joko",
        "guardian_phone": "081234567890", "address": "Dusun Krajan", "rt": "002", "rw": "001", "has_kms": True}
BAD = [
    ("name", "   ", "name"), ("sex", "L", "sex"), ("birth_date", "2024-02-30", "birth_date"),
    ("birth_date", (date.today() + timedelta(days=3)).isoformat(), "birth_date"),
    ("birth_weight_kg", 3100, "birth_weight_kg"), ("birth_weight_kg", -1, "birth_weight_kg"),
    ("birth_length_cm", 120, "birth_length_cm"), ("nik", "525015403240001", "nik"), ("nik", "35250154032400AB", "nik"),
    ("nik", "3525019913240001", "nik"), ("mother_nik", "123", "mother_nik"), ("guardian_phone", "12345", "guardian_phone"),
    ("rt", "abcd", "rt"), ("rw", "1234", "rw"), ("has_kms", "maybe", "has_kms"), ("id", "not-a-uuid", "id"),
    ("posyandu_id", "nope", "posyandu_id"), ("unknown_field", 1, "unknown_field"), ("name", "x" * 121, "name"),
    # a final newline once passed the patterns ("$" matches before it), and the column could not hold it
    # (a NIK with one is its 16 digits: test_a_nik_written_in_groups_is_stored_as_its_16_digits)
    ("rt", "123\n", "rt"), ("rw", "1\n", "rw"), ("rt", "\u0661", "rt"),
    ("nik", "3525 0154 0324 000", "nik"), ("mother_nik", "3525/0141/0195/0002", "mother_nik"),
    # nothing a list could show: zero-width joiners and spaces, a BOM
    ("name", "\u200d" * 120, "name"), ("name", "\u200b \ufeff", "name"),
    # a UUID written otherwise than 8-4-4-4-12 hex digits (Python reads these; the record came back under another id)
    ("id", "ee076f9476064b6d9021d733b56f37b2", "id"), ("id", "{463bb4e0-9f5c-4c1e-8e8a-1d6c1b0f2a3b}", "id"),
    ("id", "urn:uuid:5e97efdd-3a52-4f0e-9a53-0d5d6f1e8c21", "id"), ("posyandu_id", "0" * 32, "posyandu_id"),
    # no letter: a number or a mark typed in the name's field (an import read a register's count "3" as a child)
    ("name", "3", "name"), ("name", "- -", "name"), ("name", "12.5", "name"),
]


@pytest.mark.parametrize("field,value,error_key", BAD, ids=[f"{b[0]}={str(b[1])[:12]}" for b in BAD])
def test_bad_child_input_is_422_with_the_field_named_and_nothing_written(client, world, db, field, value, error_key):
    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child

    headers = world.headers("kader1")
    audits = count(db, AuditLog)
    body = {**GOOD, "posyandu_id": str(world.ids["p1"]), field: value}
    resp = client.post("/api/v1/children", json=body, headers=headers)
    assert resp.status_code == 422
    assert resp.content_type == "application/problem+json"
    problem = resp.get_json()
    assert problem["status"] == 422 and error_key in problem["errors"]
    assert count(db, Child) == 0 and count(db, AuditLog) == audits


def test_a_name_of_any_script_with_a_digit_or_a_mark_is_a_name(client, world):
    """A name needs a letter, of any script: "Bayi Ny. Siti", "Siti 2" (a twin so told), an Arabic-script name."""
    for name in ("Bayi Ny. Siti", "Siti 2", "\u0641\u0627\u0637\u0645\u0629", "A'isyah"):
        resp = client.post("/api/v1/children", json={**GOOD, "nik": None, "posyandu_id": str(world.ids["p1"]), "name": name},
                           headers=world.headers("kader1"))
        assert resp.status_code == 201, (name, resp.get_json())
    refused = client.post("/api/v1/children", json={**GOOD, "posyandu_id": str(world.ids["p1"]), "name": "3"},
                          headers={**world.headers("kader1"), "Accept-Language": "id"})
    assert refused.get_json()["errors"]["name"] == ["nama harus berisi huruf"], refused.get_json()


def test_a_phone_number_typed_with_dashes_or_spaces_is_stored_without_them(client, world):
    body = {**GOOD, "posyandu_id": str(world.ids["p1"]), "guardian_phone": "0-8-1-2-3-4-5-6-7-8-9-0"}
    resp = client.post("/api/v1/children", json=body, headers=world.headers("kader1"))
    assert resp.status_code == 201 and resp.get_json()["guardian_phone"] == "081234567890", resp.get_json()
    edited = client.patch(f"/api/v1/children/{resp.get_json()['id']}", json={"guardian_phone": "+62 812-3456 7890"},
                          headers=world.headers("kader1"))
    assert edited.status_code == 200 and edited.get_json()["guardian_phone"] == "+6281234567890"


@pytest.mark.parametrize("nik, mother_nik", [("3525 0154 0324 0001", "3525.0141.0195.0002"),
                                             ("3525-0154-0324-0001", " 3525 0141 0195 0002 "),
                                             ("3525015403240001\n", "3525014101950002\n")])
def test_a_nik_written_in_groups_is_stored_as_its_16_digits(client, world, nik, mother_nik):
    """As on the KTP (spaces, dots or dashes between groups), as the spreadsheet import reads it: the
    API refused it as not 16 digits."""
    body = {**GOOD, "posyandu_id": str(world.ids["p1"]), "nik": nik, "mother_nik": mother_nik}
    resp = client.post("/api/v1/children", json=body, headers=world.headers("kader1"))
    assert resp.status_code == 201, resp.get_json()
    assert (resp.get_json()["nik"], resp.get_json()["mother_nik"]) == ("3525015403240001", "3525014101950002")
    edited = client.patch(f"/api/v1/children/{resp.get_json()['id']}", json={"nik": "3525 0154 0324 0009"},
                          headers=world.headers("kader1"))
    assert edited.status_code == 200 and edited.get_json()["nik"] == "3525015403240009", edited.get_json()


@pytest.mark.parametrize("nik", ["3525 0154 0324 000", "3525 0154 0324 00012", "3525/0154/0324/0001",
                                 "3525 0154 0324 000l", "NIK 3525 0154 0324 0001", "35250154032400AB"])
def test_a_nik_with_separators_but_not_16_digits_is_refused_as_the_import_refuses_it(client, world, nik):
    body = {**GOOD, "posyandu_id": str(world.ids["p1"]), "nik": nik}
    resp = client.post("/api/v1/children", json=body, headers=world.headers("kader1"))
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"nik": ["NIK must be exactly 16 digits"]}


def test_nik_that_lost_its_leading_zero_gets_a_specific_message(client, world):
    body = {**GOOD, "posyandu_id": str(world.ids["p1"]), "nik": "123456789012345"}
    msg = client.post("/api/v1/children", json=body, headers=world.headers("kader1")).get_json()["errors"]["nik"][0]
    assert "leading zero" in msg


def test_a_childs_nik_equal_to_her_mothers_is_refused_by_rest_push_and_import(client, world, db):
    """Every person has a NIK of their own: the mother's typed in the child's field is refused, and
    nothing is written; a child already stored so can still be edited in other fields."""
    import io
    from sqlalchemy import func, select

    from posyandu.registry.models import Child
    from tests.sync.helpers import child_data, mutation, new_id, push

    nik = "3525014501250001"
    body = {**GOOD, "posyandu_id": str(world.ids["p1"]), "nik": nik, "mother_nik": nik}
    resp = client.post("/api/v1/children", json=body, headers=world.headers("kader1", lang="id"))
    assert resp.status_code == 422 and "NIK ibu" in resp.get_json()["errors"]["nik"][0], resp.get_json()
    ok_id = new_id()
    results = push(client, world.headers("kader1"), [
        mutation("child", new_id(), child_data(world.ids["p1"], name="Rina", nik=nik, mother_nik=nik)),
        mutation("child", ok_id, child_data(world.ids["p1"], name="Wulan", mother_nik=nik))])
    assert [r["status"] for r in results] == ["rejected", "applied"] and "nik" in results[0]["errors"], results
    sheet = f"posyandu,nama,jenis_kelamin,tanggal_lahir,nik,nik_ibu\nMelati,Sekar,P,2025-01-05,{nik},{nik}\n"
    imported = client.post("/api/v1/imports/visits", data={"file": (io.BytesIO(sheet.encode()), "x.csv")},
                           headers=world.headers("bidan_a"), content_type="multipart/form-data")
    assert imported.status_code == 422, imported.get_json()
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Child)) == 1
    # giving Wulan her mother's NIK as her own is refused; editing her address is not
    same = client.patch(f"/api/v1/children/{ok_id}", json={"nik": nik}, headers=world.headers("kader1"))
    assert same.status_code == 422 and "nik" in same.get_json()["errors"]
    assert client.patch(f"/api/v1/children/{ok_id}", json={"address": "Dusun Krajan"},
                        headers=world.headers("kader1")).status_code == 200


def test_birth_weight_in_grams_is_caught_in_indonesian(client, world):
    body = {**GOOD, "posyandu_id": str(world.ids["p1"]), "birth_weight_kg": 3200}
    resp = client.post("/api/v1/children", json=body, headers=world.headers("kader1", lang="id"))
    assert resp.get_json()["title"] == "Data tidak valid"
    assert "gram" in resp.get_json()["errors"]["birth_weight_kg"][0]


@pytest.mark.parametrize("lang, weight, message", [
    ("id", 3200, "harus antara 0,5 dan 6 kg; 3200 tampaknya dalam gram"),
    ("id", 0.3, "harus antara 0,5 dan 6"),
    ("id", 3250.5, "harus antara 0,5 dan 6 kg; 3250,5 tampaknya dalam gram"),
    ("en", 0.3, "must be between 0.5 and 6.0")])
def test_a_weight_out_of_range_is_said_with_the_decimal_comma_in_indonesian(client, world, lang, weight, message):
    """As the PWA's own check says it (checks.js): a cadre reads "0,5 kg", never "0.5"."""
    body = {**GOOD, "posyandu_id": str(world.ids["p1"]), "birth_weight_kg": weight}
    resp = client.post("/api/v1/children", json=body, headers=world.headers("kader1", lang=lang))
    assert resp.status_code == 422
    assert resp.get_json()["errors"]["birth_weight_kg"] == [message]


@pytest.mark.parametrize("lang, message", [("id", "isi JSON tidak sah"), ("en", "invalid JSON body")])
def test_malformed_json_is_a_4xx_problem_in_the_callers_language(client, world, lang, message):
    resp = client.post("/api/v1/children", data="{not json", content_type="application/json",
                       headers=world.headers("kader1", lang=lang))
    assert 400 <= resp.status_code < 500 and resp.content_type == "application/problem+json"
    assert resp.get_json()["errors"] == {"_schema": [message]}


def test_register_read_update_delete_round_trip_with_audit_and_change_log(client, world, db):
    from posyandu.audit import AuditLog
    from posyandu.sync.models import ChangeLog

    child_id = str(uuid.uuid4())
    body = {**GOOD, "id": child_id, "posyandu_id": str(world.ids["p1"]), "name": "Nur 'Aini Ç"}
    created = client.post("/api/v1/children", json=body, headers=world.headers("kader1"))
    assert created.status_code == 201 and created.get_json()["id"] == child_id
    assert created.get_json()["name"] == "Nur 'Aini Ç" and created.get_json()["version"] == 1
    assert created.get_json()["nik"] == "3525015403240001"
    upd = client.patch(f"/api/v1/children/{child_id}", json={"mother_name": "Aminah Z", "base_version": 1},
                       headers=world.headers("kader1b"))
    assert upd.status_code == 200 and upd.get_json()["version"] == 2
    stale = client.patch(f"/api/v1/children/{child_id}", json={"mother_name": "Q", "base_version": 1},
                         headers=world.headers("kader1"))
    assert stale.status_code == 409
    assert client.delete(f"/api/v1/children/{child_id}?reason=salah%20input", headers=world.headers("bidan_a")).status_code == 204
    assert client.get(f"/api/v1/children/{child_id}", headers=world.headers("kader1")).status_code == 404
    db.session.remove()
    audit = db.session.execute(select(AuditLog.action, AuditLog.reason).where(AuditLog.record_id == child_id)
                               .order_by(AuditLog.id)).all()
    assert [a for a, _ in audit] == ["create", "update", "delete"] and audit[-1][1] == "salah input"
    log = db.session.execute(select(ChangeLog.version, ChangeLog.op).where(ChangeLog.record_id == uuid.UUID(child_id))
                             .order_by(ChangeLog.seq)).all()
    assert [tuple(r) for r in log] == [(1, "upsert"), (2, "upsert"), (3, "delete")]


def test_the_same_id_twice_is_409_not_a_second_child(client, world, make_child):
    """And says so on ``id``, as every refusal names its field (it was the one 409 with no field message)."""
    child = make_child()
    body = {**GOOD, "id": child["id"], "posyandu_id": str(world.ids["p1"])}
    again = client.post("/api/v1/children", json=body, headers=world.headers("kader1", "id"))
    assert again.status_code == 409 and again.mimetype == "application/problem+json"
    assert again.get_json()["errors"] == {"id": ["data dengan id ini sudah ada: sudah tersimpan sebelumnya? Muat ulang "
                                                 "datanya, jangan dibuat lagi"]}, again.get_json()
    weighing = {"id": str(uuid.uuid4()), "measured_on": child["birth_date"], "weight_kg": 3.2, "oedema": False}
    url = f"/api/v1/children/{child['id']}/measurements"
    first = client.post(url, json=weighing, headers=world.headers("kader1"))
    assert first.status_code == 201, first.get_json()
    again = client.post(url, json=weighing, headers=world.headers("kader1"))
    assert again.status_code == 409 and list(again.get_json()["errors"]) == ["id"], again.get_json()
    made = client.post("/api/v1/posyandu", json={"id": str(world.ids["p1"]), "name": "Posyandu Baru", "meeting_day": 5,
                                                  "desa_code": "35.25.01.2001", "puskesmas_id": str(world.ids["pkm_a"])},
                       headers=world.headers("admin"))
    assert made.status_code == 409 and list(made.get_json()["errors"]) == ["id"], made.get_json()


def test_a_likely_duplicate_registration_is_kept_and_flagged(client, world, make_child):
    first = make_child(name="Ahmad Fauzi", birth_date="2025-01-10")
    second = make_child(by="kader1b", name="Achmad Fauzi", birth_date="2025-01-11")
    assert second["possible_duplicate_of"] is None or second["possible_duplicate_of"] == first["id"]
    third = make_child(by="kader1b", name="Ahmad F.", birth_date="2025-01-12")
    assert third["possible_duplicate_of"] == first["id"]
    # spellings that only add or leave out a space or a dot: "Nur Aini" and "Nuraini" were not flagged
    nur = make_child(name="Nur Aini", sex="F", birth_date="2025-02-10")
    assert make_child(by="kader1b", name="Nuraini", sex="F", birth_date="2025-02-10")["possible_duplicate_of"] == nur["id"]
    rizki = make_child(name="M. Rizki", sex="M", birth_date="2025-03-10")
    assert make_child(by="kader1b", name="M Rizki", sex="M", birth_date="2025-03-11")["possible_duplicate_of"] == rizki["id"]


def test_children_are_paginated_by_name_without_gaps_or_repeats(client, world, make_child):
    names = [f"Anak {i:02d}" for i in range(7)]
    for n in reversed(names):
        make_child(name=n)
    seen, cursor = [], None
    while True:
        url = "/api/v1/children?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=world.headers("kader1")).get_json()
        seen += [c["name"] for c in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == names


def test_a_list_cursor_names_no_child_and_is_refused_once_altered(client, world, make_child):
    """A cursor was base64 of the page's last key: a child's name, readable in every URL a proxy or
    a browser's history kept. It is encrypted, and one the server did not make is refused."""
    import base64
    import binascii

    for n in ("Siti Rahmawati", "Zaskia Putri"):
        make_child(name=n)
    cursor = client.get("/api/v1/children?limit=1", headers=world.headers("kader1")).get_json()["next_cursor"]
    try:
        decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    except (binascii.Error, ValueError):
        decoded = b""
    assert b"Siti" not in decoded and "Siti" not in cursor
    page = client.get("/api/v1/children", query_string={"limit": 1, "cursor": cursor}, headers=world.headers("kader1"))
    assert [c["name"] for c in page.get_json()["items"]] == ["Zaskia Putri"]
    altered = cursor[:40] + ("A" if cursor[40] != "A" else "B") + cursor[41:]
    made_elsewhere = base64.urlsafe_b64encode(b'["Siti Rahmawati", "00000000-0000-0000-0000-000000000000"]').decode()
    for bad in (altered, made_elsewhere):
        resp = client.get("/api/v1/children", query_string={"limit": 1, "cursor": bad}, headers=world.headers("kader1"))
        assert resp.status_code == 422 and "cursor" in resp.get_json()["errors"], bad


def test_a_bad_cursor_or_limit_is_422(client, world):
    assert client.get("/api/v1/children?cursor=%%%", headers=world.headers("kader1")).status_code == 422
    assert client.get("/api/v1/children?limit=0", headers=world.headers("kader1")).status_code == 422
    assert client.get("/api/v1/children?limit=9999", headers=world.headers("kader1")).status_code == 422


def test_name_search(client, world, make_child):
    make_child(name="Putri Maharani")
    make_child(name="Bayu Pratama")
    found = client.get("/api/v1/children?q=putri", headers=world.headers("kader1")).get_json()["items"]
    assert [c["name"] for c in found] == ["Putri Maharani"]
    # an apostrophe typed straight finds one written curly (a phone's keyboard), and the other way round
    make_child(name="Siti Nur\u2019aini")
    make_child(name="Mu'adz Hamzah")
    for q, name in (("nur'aini", "Siti Nur\u2019aini"), ("NUR\u2019AINI", "Siti Nur\u2019aini"), ("mu\u2019adz", "Mu'adz Hamzah")):
        found = client.get("/api/v1/children", query_string={"q": q}, headers=world.headers("kader1")).get_json()["items"]
        assert [c["name"] for c in found] == [name], q


def test_moving_a_child_needs_the_target_in_scope(client, world, make_child):
    child = make_child()
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"posyandu_id": str(world.ids["p3"])},
                        headers=world.headers("bidan_a"))
    assert resp.status_code == 422
    ok = client.patch(f"/api/v1/children/{child['id']}", json={"posyandu_id": str(world.ids["p2"])},
                      headers=world.headers("bidan_a"))
    assert ok.status_code == 200 and ok.get_json()["posyandu_id"] == str(world.ids["p2"])
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).status_code == 404
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader2")).status_code == 200


def test_birth_measures_are_answered_as_the_database_stores_them(client, world, db):
    """numeric(5,3)/(4,1): PostgreSQL rounds half away from zero; every database must agree."""
    body = {"posyandu_id": str(world.ids["p1"]), "name": "Bulat", "sex": "F", "birth_date": "2025-01-10",
            "birth_weight_kg": 3.1255, "birth_length_cm": 48.25}
    made = client.post("/api/v1/children", json=body, headers=world.headers("kader1"))
    assert made.status_code == 201, made.get_json()
    assert (made.get_json()["birth_weight_kg"], made.get_json()["birth_length_cm"]) == (3.126, 48.3)
    again = client.get(f"/api/v1/children/{made.get_json()['id']}", headers=world.headers("kader1")).get_json()
    assert (again["birth_weight_kg"], again["birth_length_cm"]) == (3.126, 48.3)


@pytest.mark.parametrize("sent, kept", [(2.499, 2.499), (2.495, 2.495), (2.4994, 2.499), (2.4995, 2.5), (2.5, 2.5)])
def test_a_birth_weight_is_kept_to_the_gram_on_every_database(client, world, db, sent, kept):
    """numeric(4,2) kept 10 g: PostgreSQL rounded 2,495-2,499 g to 2.50 kg, onto the 2,500 g line of
    low birth weight (BBLR). Kept to the gram now, a value with more decimals rounded to the gram as
    PostgreSQL's numeric rounds (half away from zero), on SQLite too: the answer, a read and the row
    hold the same number."""
    from sqlalchemy import text

    body = {"posyandu_id": str(world.ids["p1"]), "name": "Bayi Gram", "sex": "M", "birth_date": "2025-01-10",
            "birth_weight_kg": sent}
    made = client.post("/api/v1/children", json=body, headers=world.headers("kader1"))
    assert made.status_code == 201 and made.get_json()["birth_weight_kg"] == kept, made.get_json()
    child_id = made.get_json()["id"]
    edited = client.patch(f"/api/v1/children/{child_id}", json={"birth_weight_kg": sent, "name": "Bayi Gram Dua"},
                          headers=world.headers("kader1"))
    assert edited.status_code == 200 and edited.get_json()["birth_weight_kg"] == kept, edited.get_json()
    assert client.get(f"/api/v1/children/{child_id}", headers=world.headers("kader1")).get_json()["birth_weight_kg"] == kept
    stored = db.session.execute(text("SELECT birth_weight_kg FROM child")).scalar_one()
    assert float(stored) == kept


@pytest.mark.parametrize("birth_date", ["0001-01-01", "1900-06-01", (date.today() - timedelta(days=365 * 18 + 10)).isoformat()])
def test_a_birth_date_more_than_18_years_ago_is_refused_on_its_field(client, world, make_child, birth_date):
    body = {"posyandu_id": str(world.ids["p1"]), "name": "Anak Lama", "sex": "F", "birth_date": birth_date}
    resp = client.post("/api/v1/children", json=body, headers=world.headers("kader1", "id"))
    assert resp.status_code == 422 and resp.get_json()["errors"]["birth_date"] == ["tidak boleh lebih dari 18 tahun yang lalu"]
    child = make_child()
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"birth_date": birth_date}, headers=world.headers("kader1"))
    assert resp.status_code == 422 and "birth_date" in resp.get_json()["errors"]
    from tests.sync.helpers import child_data, mutation, new_id, push
    [r] = push(client, world.headers("kader1"), [mutation("child", new_id(), child_data(world.ids["p1"], birth_date=birth_date))])
    assert r["status"] == "rejected" and "birth_date" in r["errors"]


def test_the_first_record_of_any_kind_bounds_the_birth_date_and_a_merge(client, world, make_child):
    """A dose long before a weighing: the birth date between them was taken (the first day was picked as
    the latest of each kind's first), leaving a dose before birth; a merge into a child born between
    them took the dose along. Both are refused, naming the dose's day."""
    child = make_child(birth_date=(date.today() - timedelta(days=300)).isoformat())
    dose_day = (date.today() - timedelta(days=290)).isoformat()
    assert client.post(f"/api/v1/children/{child['id']}/immunisations", json={"vaccine": "BCG", "dose": 1, "given_on": dose_day},
                       headers=world.headers("kader1")).status_code == 201
    assert client.post(f"/api/v1/children/{child['id']}/measurements", json={
        "measured_on": (date.today() - timedelta(days=20)).isoformat(), "weight_kg": 8.1}, headers=world.headers("kader1")).status_code == 201
    between = (date.today() - timedelta(days=100)).isoformat()
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"birth_date": between}, headers=world.headers("kader1", "en"))
    d = date.fromisoformat(dose_day)
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"birth_date": [
        f"the child has a weighing or dose on {d.day} {d.strftime('%b')} {d.year}, before this birth date: correct that record first"]}
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).get_json()["version"] == 1
    younger = make_child(name="Anak Lahir Kemudian", birth_date=between, sex=child["sex"])
    merge = client.post(f"/api/v1/children/{younger['id']}/merge", json={"duplicate_id": child["id"]},
                        headers=world.headers("bidan_a", "en"))
    assert merge.status_code == 422 and list(merge.get_json()["errors"]) == ["duplicate_id"], merge.get_json()
    assert client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).get_json()["deleted_at"] is None


def test_a_birth_date_after_the_childs_first_weighing_or_dose_is_refused(client, world, make_child):
    from tests.sync.helpers import measurement_data, mutation, new_id, push

    child = make_child(birth_date=(date.today() - timedelta(days=200)).isoformat())
    early = (date.today() - timedelta(days=150)).isoformat()
    assert client.post(f"/api/v1/children/{child['id']}/immunisations",
                       json={"vaccine": "BCG", "dose": 1, "given_on": early}, headers=world.headers("kader1")).status_code == 201
    later = (date.today() - timedelta(days=100)).isoformat()
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"birth_date": later}, headers=world.headers("kader1", "id"))
    shown = f"{(d := date.fromisoformat(early)).day} {'Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des'.split()[d.month - 1]} {d.year}"
    assert resp.status_code == 422 and resp.get_json()["errors"]["birth_date"] == [
        f"anak ini punya penimbangan atau imunisasi pada {shown}, sebelum tanggal lahir ini: perbaiki catatan itu dulu"]
    # the same edit by sync is rejected alone: the rest of the batch applies
    results = push(client, world.headers("kader1"), [
        mutation("child", child["id"], {"birth_date": later}, base_version=1),
        mutation("measurement", new_id(), measurement_data(child["id"])),
    ])
    assert [r["status"] for r in results] == ["rejected", "applied"] and "birth_date" in results[0]["errors"]
    again = client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).get_json()
    assert again["birth_date"] == child["birth_date"] and again["version"] == 1
    # a birth date before every record is a correction like any other
    earlier = (date.today() - timedelta(days=210)).isoformat()
    ok = client.patch(f"/api/v1/children/{child['id']}", json={"birth_date": earlier}, headers=world.headers("kader1"))
    assert ok.status_code == 200 and ok.get_json()["birth_date"] == earlier


def test_a_duplicate_is_not_merged_into_a_child_born_after_its_first_weighing(client, world, make_child):
    winner = make_child(birth_date=(date.today() - timedelta(days=60)).isoformat())
    loser = make_child(by="kader1b", birth_date=(date.today() - timedelta(days=90)).isoformat())
    weighed = (date.today() - timedelta(days=80)).isoformat()
    assert client.post(f"/api/v1/children/{loser['id']}/measurements", json={"measured_on": weighed, "weight_kg": 4.1},
                       headers=world.headers("kader1")).status_code == 201
    resp = client.post(f"/api/v1/children/{winner['id']}/merge", json={"duplicate_id": loser["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 422 and "duplicate_id" in resp.get_json()["errors"]
    assert client.get(f"/api/v1/children/{loser['id']}", headers=world.headers("kader1")).status_code == 200


def test_a_merge_does_not_fill_a_nik_to_make_the_childs_nik_her_mothers(client, world, make_child):
    """A merge filled the child that stands's blank NIK from the duplicate's, which held the mother's
    NIK (or her blank mother's NIK from the duplicate's child NIK): the child's NIK equal to her
    mother's, which a registration, an edit, sync and an import all refuse. That blank stays; the
    other fields are filled."""
    mother = "3525014101950002"
    kept = make_child(name="Dewi", sex="F", birth_date="2025-02-01", mother_nik=mother)
    duplicate = make_child(by="kader1b", name="Dewi", sex="F", birth_date="2025-02-01", nik=mother, mother_name="Sari")
    resp = client.post(f"/api/v1/children/{kept['id']}/merge", json={"duplicate_id": duplicate["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["nik"], resp.get_json()["mother_nik"], resp.get_json()["mother_name"]) == (None, mother, "Sari")
    # the other way round: the child's own NIK kept, the duplicate's mother's NIK (the same) not taken
    kept = make_child(name="Eka", sex="F", birth_date="2025-03-01", nik=mother)
    duplicate = make_child(by="kader1b", name="Eka", sex="F", birth_date="2025-03-01", mother_nik=mother)
    resp = client.post(f"/api/v1/children/{kept['id']}/merge", json={"duplicate_id": duplicate["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["nik"], resp.get_json()["mother_nik"]) == (mother, None)


def test_a_merge_retried_is_answered_as_the_first_and_one_into_a_merged_child_names_the_child_that_stands(
        client, world, db, make_child):
    """A merge whose answer was lost and is sent again was 422 "duplicate_id: unknown or outside your
    area", as if the duplicate had never been: it is answered as the first was, and writes nothing. A
    merge into a child merged away was a bare 404: 409 naming the child that stands, to whoever sees it."""
    from posyandu.audit import AuditLog
    from tests.api.test_openapi_responses import Document

    document = Document(client.get("/api/v1/openapi.json").get_json())
    kept = make_child(name="Kembar", sex="F", birth_date="2025-02-01")
    duplicate = make_child(by="kader1b", name="Kembar", sex="F", birth_date="2025-02-01")
    merge = lambda into, dup, who="bidan_a", lang="en": client.post(  # noqa: E731
        f"/api/v1/children/{into['id']}/merge", json={"duplicate_id": dup["id"]}, headers=world.headers(who, lang))
    first = merge(kept, duplicate)
    assert first.status_code == 200, first.get_json()
    audit_rows = db.session.scalar(select(func.count()).select_from(AuditLog))
    again = merge(kept, duplicate)
    assert again.status_code == 200 and again.get_json() == first.get_json()
    document.check("/api/v1/children/{child_id}/merge", "post", again)
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == audit_rows
    # into the child merged away: the child that stands named, in the caller's language
    into_merged = merge(duplicate, kept, lang="id")
    assert into_merged.status_code == 409 and into_merged.mimetype == "application/problem+json"
    body = into_merged.get_json()
    assert (body["title"], body["merged_into"]) == ("Anak ini sudah digabungkan ke data anak lain", kept["id"])
    # the child named as she knows it, not by an id she cannot act on
    assert body["detail"] == "anak ini sudah digabungkan ke data anak lain (Kembar, lahir 1 Feb 2025): gabungkan ke data itu"
    assert merge(duplicate, kept).get_json()["detail"] == (
        "this child was merged into another record (Kembar, born 1 Feb 2025): merge into that one")
    document.check("/api/v1/children/{child_id}/merge", "post", into_merged)
    # a bidan who does not see the child that stands learns nothing of it, even of a child of hers merged there
    assert merge(duplicate, kept, who="bidan_b").status_code == 404
    far = make_child(by="kader3", posyandu="p3", name="Kembar", sex="F", birth_date="2025-02-01")
    assert merge(kept, far, who="admin").status_code == 200
    assert merge(kept, far, who="admin").status_code == 200
    assert merge(kept, far).status_code == 422  # a duplicate bidan_a never saw is unknown to her still
    assert merge(far, kept, who="bidan_b").status_code == 404
    assert merge(far, kept, who="admin").get_json()["merged_into"] == kept["id"]
    # a duplicate merged into another child is still unknown as this one's
    other = make_child(name="Lain", sex="M", birth_date="2025-02-01")
    assert merge(other, duplicate).status_code == 422


def test_a_bidan_says_a_flagged_child_is_not_a_duplicate_and_every_phone_learns_it(client, world, db, make_child):
    from posyandu.audit import AuditLog
    from tests.sync.helpers import pull_all

    # twin girls: the same birth date and the same first letters of the name, flagged as one
    twin_a = make_child(name="Nurul Aini", sex="F", birth_date="2025-01-10", mother_name="Siti")
    twin_b = make_child(by="kader1b", name="Nurul Aisyah", sex="F", birth_date="2025-01-10", mother_name="Siti")
    assert twin_b["possible_duplicate_of"] == twin_a["id"]
    _, cursor, _ = pull_all(client, world.headers("kader1"))
    url = f"/api/v1/children/{twin_b['id']}/not-duplicate"
    # a kader may not decide it; a bidan of another puskesmas does not see the child
    assert client.post(url, json={}, headers=world.headers("kader1")).status_code == 403
    assert client.post(url, json={}, headers=world.headers("bidan_b")).status_code == 404
    resp = client.post(url, json={"reason": "kembar"}, headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["possible_duplicate_of"] is None and body["version"] == twin_b["version"] + 1
    # idempotent, and without a body too
    again = client.post(url, headers=world.headers("bidan_a"))
    assert again.status_code == 200 and again.get_json()["version"] == body["version"]
    # both children stay; the kader's phone pulls the cleared flag
    changes, _, _ = pull_all(client, world.headers("kader1"), cursor)
    mine = [c for c in changes if c["entity"] == "child" and c["id"] == twin_b["id"]]
    assert [(c["op"], c["record"]["possible_duplicate_of"], c["version"]) for c in mine] == [
        ("upsert", None, body["version"])]
    assert client.get(f"/api/v1/children/{twin_a['id']}", headers=world.headers("kader1")).status_code == 200
    audit = db.session.scalars(select(AuditLog).where(AuditLog.record_id == twin_b["id"],
                                                      AuditLog.action == "not_duplicate")).all()
    assert [(a.reason, a.changes) for a in audit] == [("kembar", {"possible_duplicate_of": [twin_a["id"], None]})]


def test_a_child_ruled_apart_from_the_namesake_she_was_flagged_against_is_flagged_against_her_own_second_record(
        client, world, make_child):
    """Registered twice ("Sari Timbang" on two phones), both records were flagged against an older Sari of
    a few days before: ruling each apart from her cleared both flags, and the pair that is one child was
    never shown to the bidan. Ruled apart, a child is judged again, the one ruled apart aside."""
    older = make_child(name="Sari Pratama", sex="F", birth_date="2026-01-02")
    first = make_child(name="Sari Timbang", sex="F", birth_date="2026-01-05")
    second = make_child(by="kader1b", name="Sari Timbang", sex="F", birth_date="2026-01-05")
    assert (first["possible_duplicate_of"], second["possible_duplicate_of"]) == (older["id"], older["id"]), (first, second)
    bidan = world.headers("bidan_a")
    ruled = client.post(f"/api/v1/children/{first['id']}/not-duplicate", json={"reason": "beda anak"}, headers=bidan)
    assert ruled.status_code == 200 and ruled.get_json()["possible_duplicate_of"] == second["id"], ruled.get_json()
    # the older Sari is not offered again; ruling the second apart from her leaves the pair flagged
    again = client.post(f"/api/v1/children/{second['id']}/not-duplicate", json={}, headers=bidan).get_json()
    assert again["possible_duplicate_of"] is None, again  # the first record is flagged against her already
    assert client.get(f"/api/v1/children/{first['id']}", headers=bidan).get_json()["possible_duplicate_of"] == second["id"]


def test_a_third_registration_flagged_against_the_merged_duplicate_is_flagged_against_the_child_that_stands(
        client, world, make_child):
    from tests.sync.helpers import pull_all

    born = "2025-03-01"
    a = make_child(name="Rizky Ramadhan", birth_date=born)
    b = make_child(by="kader1b", name="Rizki Ramadan", birth_date=born)  # flagged against a
    c = make_child(by="kader1b", name="Rizky R.", birth_date=born)  # flagged against a too (the first registered)
    assert b["possible_duplicate_of"] == a["id"] and c["possible_duplicate_of"] == a["id"]
    _, cursor, _ = pull_all(client, world.headers("kader1"))
    # the bidan keeps b: a is merged into it, so c is now a possible duplicate of b
    resp = client.post(f"/api/v1/children/{b['id']}/merge", json={"duplicate_id": a["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["possible_duplicate_of"] is None  # b's own flag pointed at a
    c_now = client.get(f"/api/v1/children/{c['id']}", headers=world.headers("kader1")).get_json()
    assert (c_now["possible_duplicate_of"], c_now["version"]) == (b["id"], c["version"] + 1)
    changes, _, _ = pull_all(client, world.headers("kader1"), cursor)
    pulled = {ch["id"]: ch for ch in changes if ch["entity"] == "child"}
    assert pulled[c["id"]]["record"]["possible_duplicate_of"] == b["id"]
    assert pulled[a["id"]]["op"] == "delete"


def test_a_merged_duplicates_own_flag_against_a_third_child_passes_to_the_child_that_stands(client, world, db,
                                                                                            make_child):
    """The registration merged away was flagged as a possible duplicate of a third child: the flag was
    lost with it, so the question (is the child that stands that third child too?) left the bidan's
    "Anak ganda" list unanswered. The child that stands takes it when it has no flag of its own (its
    flag against the duplicate itself is answered by the merge), audited and synced with the merge."""
    from posyandu.audit import AuditLog
    from tests.sync.helpers import pull_all

    kept = make_child(name="Budi Santoso", birth_date="2025-02-10", nik="3525011002250001")
    third = make_child(name="Rizky Ramadhan", birth_date="2025-03-01")
    merged = make_child(by="kader1b", name="Rizki Ramadan", birth_date="2025-03-01")
    assert (kept["possible_duplicate_of"], merged["possible_duplicate_of"]) == (None, third["id"])
    _, cursor, _ = pull_all(client, world.headers("kader1"))
    resp = client.post(f"/api/v1/children/{kept['id']}/merge", json={"duplicate_id": merged["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert (body["possible_duplicate_of"], body["version"]) == (third["id"], kept["version"] + 1)
    changes, _, _ = pull_all(client, world.headers("kader1"), cursor)
    pulled = {ch["id"]: ch for ch in changes if ch["entity"] == "child"}
    assert pulled[kept["id"]]["record"]["possible_duplicate_of"] == third["id"]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.record_id == kept["id"], AuditLog.action == "merge")).all()
    assert [a.changes.get("possible_duplicate_of") for a in audit] == [[None, third["id"]]]
    assert client.get(f"/api/v1/children/{third['id']}", headers=world.headers("kader1")).get_json()[
        "possible_duplicate_of"] is None


def test_a_merge_does_not_flag_a_child_again_against_her_twin_a_bidan_ruled_apart(client, world, db, make_child):
    """Twins ruled apart by a bidan ("kembar"), then one of them registered a second time by another
    kader: that registration is flagged against the first twin (the first child alike). Merging it into
    the twin it is, the child that stands took its flag and was flagged against her sister again, the
    bidan's ruling undone and the pair back on her "Anak ganda" list. A flag a bidan ruled out is not
    carried: the child that stands is flagged against no one."""
    from posyandu.audit import AuditLog

    twin_a = make_child(name="Nurul Aini", sex="F", birth_date="2025-01-10", mother_name="Siti")
    twin_b = make_child(by="kader1b", name="Nurul Aisyah", sex="F", birth_date="2025-01-10", mother_name="Siti")
    assert twin_b["possible_duplicate_of"] == twin_a["id"]
    assert client.post(f"/api/v1/children/{twin_b['id']}/not-duplicate", json={"reason": "kembar"},
                       headers=world.headers("bidan_a")).status_code == 200
    again = make_child(name="Nurul Aisyah", sex="F", birth_date="2025-01-10", mother_name="Siti")
    assert again["possible_duplicate_of"] == twin_a["id"]
    resp = client.post(f"/api/v1/children/{twin_b['id']}/merge", json={"duplicate_id": again["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["possible_duplicate_of"] is None, resp.get_json()
    audit = db.session.scalars(select(AuditLog).where(AuditLog.record_id == twin_b["id"],
                                                      AuditLog.action == "merge")).all()
    assert [a.changes.get("possible_duplicate_of") for a in audit] == [None]
    # a flag no bidan ruled out still passes (the merged registration's against a third child)
    third = make_child(name="Rizky Ramadhan", sex="F", birth_date="2025-03-01")
    merged = make_child(by="kader1b", name="Rizki Ramadan", sex="F", birth_date="2025-03-01")
    resp = client.post(f"/api/v1/children/{twin_a['id']}/merge", json={"duplicate_id": merged["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.get_json()["possible_duplicate_of"] == third["id"], resp.get_json()


@pytest.mark.parametrize("gone", ["merged", "deleted"])
def test_a_child_flagged_against_a_registration_merged_or_deleted_is_not_flagged_against_her_ruled_out_twin(
        client, world, make_child, gone):
    """Twins ruled apart, and one of them registered a second time: the other twin, judged again among
    her posyandu's children (moved away and back), is flagged against that registration. Merged into
    the twin it is, or deleted, she was flagged against her sister (the child that stands, or the first
    child alike), the bidan's ruling undone. A child judged again is never flagged against a child a
    bidan ruled her apart from: here against no one."""
    twin_a = make_child(name="Nurul Aini", sex="F", birth_date="2025-01-10", mother_name="Siti")
    twin_b = make_child(by="kader1b", name="Nurul Aisyah", sex="F", birth_date="2025-01-10", mother_name="Siti")
    bidan = world.headers("bidan_a")
    assert client.post(f"/api/v1/children/{twin_b['id']}/not-duplicate", json={"reason": "kembar"},
                       headers=bidan).status_code == 200
    again = make_child(name="Nurul Aini", sex="F", birth_date="2025-01-10", mother_name="Siti")
    assert again["possible_duplicate_of"] == twin_a["id"]
    for posyandu in ("p2", "p1"):
        moved = client.patch(f"/api/v1/children/{twin_b['id']}", json={"posyandu_id": str(world.ids[posyandu])},
                             headers=bidan)
        assert moved.status_code == 200, moved.get_json()
    assert moved.get_json()["possible_duplicate_of"] == again["id"]  # her ruling is about her sister only
    if gone == "merged":
        resp = client.post(f"/api/v1/children/{twin_a['id']}/merge", json={"duplicate_id": again["id"]},
                           headers=bidan)
        assert resp.status_code == 200, resp.get_json()
    else:
        assert client.delete(f"/api/v1/children/{again['id']}?reason=terdaftar%20dua%20kali",
                             headers=bidan).status_code == 204
    now = client.get(f"/api/v1/children/{twin_b['id']}", headers=world.headers("kader1")).get_json()
    assert now["possible_duplicate_of"] is None, now


def test_a_child_flagged_against_its_duplicate_takes_the_duplicates_flag_against_a_third_child(client, world,
                                                                                             make_child):
    third = make_child(name="Rizky Ramadhan", birth_date="2025-03-01")
    merged = make_child(by="kader1b", name="Rizki Ramadan", birth_date="2025-03-01", nik="3525010103250003")
    kept = make_child(by="kader1b", name="Muhammad Rizki", birth_date="2025-03-20", nik="3525010103250003")
    assert (merged["possible_duplicate_of"], kept["possible_duplicate_of"]) == (third["id"], merged["id"])
    resp = client.post(f"/api/v1/children/{kept['id']}/merge", json={"duplicate_id": merged["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.get_json()["possible_duplicate_of"] == third["id"], resp.get_json()


def test_a_child_that_stands_keeps_its_own_flag_and_is_not_flagged_against_itself(client, world, make_child):
    other = make_child(name="Dewi Lestari", sex="F", birth_date="2025-02-01")
    kept = make_child(by="kader1b", name="Dewi L.", sex="F", birth_date="2025-02-01", nik="3525014102250004")
    third = make_child(name="Rizky Ramadhan", sex="F", birth_date="2025-03-01")
    merged = make_child(by="kader1b", name="Rizki Ramadan", sex="F", birth_date="2025-03-01")
    assert (kept["possible_duplicate_of"], merged["possible_duplicate_of"]) == (other["id"], third["id"])
    resp = client.post(f"/api/v1/children/{kept['id']}/merge", json={"duplicate_id": merged["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.get_json()["possible_duplicate_of"] == other["id"], resp.get_json()
    # merged into the child it was flagged against: the child that stands is flagged against nothing
    a = make_child(name="Siti Aminah", sex="F", birth_date="2025-01-15")
    b = make_child(by="kader1b", name="Siti Amina", sex="F", birth_date="2025-01-16")
    assert b["possible_duplicate_of"] == a["id"]
    resp = client.post(f"/api/v1/children/{a['id']}/merge", json={"duplicate_id": b["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.get_json()["possible_duplicate_of"] is None


def test_after_a_merge_the_later_recorded_of_one_days_weighings_is_the_flagged_one(client, world, make_child):
    """One day's weighing recorded under each of two registrations of one child: merged, the
    weighing recorded first stands and the later one is flagged against it (api-contract, Sync),
    whichever registration each came from."""
    born = "2025-03-01"
    loser = make_child(name="Rizky Ramadhan", birth_date=born)
    winner = make_child(by="kader1b", name="Rizki Ramadan", birth_date=born)
    day = {"measured_on": date.today().isoformat(), "weight_kg": 9.4}
    first, later = (client.post(f"/api/v1/children/{c['id']}/measurements", json=day, headers=world.headers("kader1"))
                    .get_json() for c in (loser, winner))
    resp = client.post(f"/api/v1/children/{winner['id']}/merge", json={"duplicate_id": loser["id"]},
                       headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    read = lambda m: client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers("kader1")).get_json()  # noqa: E731
    assert (read(first)["child_id"], read(first)["possible_duplicate_of"]) == (winner["id"], None)
    assert (read(later)["child_id"], read(later)["possible_duplicate_of"]) == (winner["id"], first["id"])


def test_a_moved_child_is_judged_again_at_her_new_posyandu_and_so_are_those_flagged_against_her(client, world, db,
                                                                                                make_child):
    """A move kept the child's flag against a child of the posyandu she left (whom the new posyandu's
    bidan does not see, nor can merge) and, flagged, she was never judged against the children of her
    new posyandu; the children she left behind stayed flagged against a child their health workers no
    longer see. Both are judged again, as a registration and a delete are, audited and synced."""
    from posyandu.audit import AuditLog
    from tests.sync.helpers import pull_all

    born = "2025-01-15"
    left = make_child(name="Siti Aminah", sex="F", birth_date=born)
    moving = make_child(by="kader1b", name="Siti Amina", sex="F", birth_date=born)
    there = make_child(by="kader3", posyandu="p3", name="Siti Aminah", sex="F", birth_date=born)
    assert (moving["possible_duplicate_of"], there["possible_duplicate_of"]) == (left["id"], None)
    resp = client.patch(f"/api/v1/children/{moving['id']}", json={"posyandu_id": str(world.ids["p3"])},
                        headers=world.headers("admin"))
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["possible_duplicate_of"] == there["id"]
    audit = db.session.scalars(select(AuditLog).where(AuditLog.record_id == moving["id"], AuditLog.action == "update")).all()
    assert [row.changes["possible_duplicate_of"] for row in audit] == [[left["id"], there["id"]]]
    # the first registered moves away: those flagged against her are judged among the children that stay
    born = "2025-04-02"
    a = make_child(name="Putri Ayu", sex="F", birth_date=born)
    b = make_child(by="kader1b", name="Putri Ayuningtyas", sex="F", birth_date=born)
    c = make_child(by="kader1b", name="Putri A.", sex="F", birth_date=born)
    assert (b["possible_duplicate_of"], c["possible_duplicate_of"]) == (a["id"], a["id"])
    _, cursor, _ = pull_all(client, world.headers("kader1"))
    resp = client.patch(f"/api/v1/children/{a['id']}", json={"posyandu_id": str(world.ids["p2"])},
                        headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    get = lambda child: client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).get_json()  # noqa: E731
    assert (get(b)["possible_duplicate_of"], get(b)["version"]) == (None, b["version"] + 1)
    assert get(c)["possible_duplicate_of"] == b["id"]
    changes, _, _ = pull_all(client, world.headers("kader1"), cursor)
    pulled = {ch["id"]: ch for ch in changes if ch["entity"] == "child"}
    assert (pulled[b["id"]]["record"]["possible_duplicate_of"], pulled[c["id"]]["record"]["possible_duplicate_of"]) == (
        None, b["id"])
    db.session.remove()
    audit = db.session.scalars(select(AuditLog).where(AuditLog.record_id == b["id"], AuditLog.action == "transfer")).all()
    assert [(row.changes, row.reason) for row in audit] == [
        ({"possible_duplicate_of": [a["id"], None]}, f"{a['id']} moved to another posyandu")]


def test_a_child_flagged_against_a_deleted_registration_is_judged_again(client, world, make_child):
    born = "2025-04-02"
    a = make_child(name="Putri Ayu", sex="F", birth_date=born)
    b = make_child(by="kader1b", name="Putri Ayuningtyas", sex="F", birth_date=born)
    c = make_child(by="kader1b", name="Putri A.", sex="F", birth_date=born)
    lone = make_child(name="Bagas Saputra", birth_date="2025-05-05")
    lone_twin = make_child(by="kader1b", name="Bagas S.", birth_date="2025-05-05")
    assert (b["possible_duplicate_of"], c["possible_duplicate_of"], lone_twin["possible_duplicate_of"]) == (
        a["id"], a["id"], lone["id"])
    get = lambda child: client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).get_json()  # noqa: E731
    # a registered by mistake and deleted: b is the first that stands; c is now b's possible duplicate
    assert client.delete(f"/api/v1/children/{a['id']}", headers=world.headers("kader1")).status_code == 204
    assert get(b)["possible_duplicate_of"] is None and get(b)["version"] == b["version"] + 1
    assert get(c)["possible_duplicate_of"] == b["id"]
    # no other child like it: the flag goes
    assert client.delete(f"/api/v1/children/{lone['id']}", headers=world.headers("kader1")).status_code == 204
    assert get(lone_twin)["possible_duplicate_of"] is None


def test_indonesian_spellings_of_one_name_are_flagged_as_likely_duplicates(client, world, make_child):
    """"Muhammad", "Muhamad", "Moh." and "M." are one name; so are "Nurul" and "Nur", and the old and
    new spellings ("Achmad"/"Ahmad"): a second registration under another spelling is flagged."""
    rizki = make_child(name="Muhammad Rizki", sex="M", birth_date="2025-04-10")
    for spelling in ("M. Rizki", "Moh. Rizki", "Mochammad Rizki", "Muh Rizki", "Muhamad Rizky"):
        assert make_child(by="kader1b", name=spelling, sex="M", birth_date="2025-04-11")[
            "possible_duplicate_of"] == rizki["id"], spelling
    hidayah = make_child(name="Nurul Hidayah", sex="F", birth_date="2025-04-20")
    assert make_child(by="kader1b", name="Nur Hidayah", sex="F", birth_date="2025-04-20")[
        "possible_duplicate_of"] == hidayah["id"]
    fauzi = make_child(name="Ahmad Fauzi", sex="M", birth_date="2025-05-10")
    assert make_child(by="kader1b", name="Achmad Fauzi", sex="M", birth_date="2025-05-11")[
        "possible_duplicate_of"] == fauzi["id"]
    # letters written either way (sy/s, dh/d, th/t, y/i) and "Puteri": these were registered twice unflagged
    for first, second, sex in (("Aisyah Putri", "Aisah Putri", "F"), ("Fadhil Ramadhan", "Fadil Ramadan", "M"),
                               ("Fathimah", "Fatimah", "F"), ("Siti Aminah", "Sity Aminah", "F"),
                               ("Dewi Lestari", "Dewy Lestari", "F"), ("Putri Ayu", "Puteri Ayu", "F")):
        kept = make_child(name=first, sex=sex, birth_date="2025-06-01")
        assert make_child(by="kader1b", name=second, sex=sex, birth_date="2025-06-02")[
            "possible_duplicate_of"] == kept["id"], second
    # another child altogether, born the same days, stays unflagged
    assert make_child(by="kader1b", name="Dimas Rizki", sex="M", birth_date="2025-04-10")["possible_duplicate_of"] is None
    assert make_child(by="kader1b", name="Muhammad Fauzan", sex="M", birth_date="2025-04-10")[
        "possible_duplicate_of"] is None


def test_a_child_registered_again_as_the_other_sex_is_flagged_but_twins_of_a_boy_and_a_girl_are_not(
        client, world, make_child):
    """The same child, her sex typed wrong on one phone (P for L), was registered twice unflagged: the
    duplicate check compared children of one sex only. The very name and birth date of the other sex is now
    flagged; a boy and a girl born the same day (twins) have names of their own, or are registered by their
    mother's name, which both share: neither is flagged."""
    ahmad = make_child(name="Ahmad Hidayat", sex="M", birth_date="2024-08-03", mother_name="Ani")
    assert make_child(by="kader1b", name="Ahmad Hidayat", sex="F", birth_date="2024-08-03")[
        "possible_duplicate_of"] == ahmad["id"]
    assert make_child(by="kader1b", name="Achmad Hidayat", sex="F", birth_date="2024-08-03")[  # spelled otherwise
        "possible_duplicate_of"] == ahmad["id"]
    # a day apart, or another name of the other sex: not flagged
    make_child(name="Rizal Hidayat", sex="M", birth_date="2024-08-20")
    assert make_child(by="kader1b", name="Rizal Hidayat", sex="F", birth_date="2024-08-21")["possible_duplicate_of"] is None
    hasan = make_child(name="Hasan", sex="M", birth_date="2024-09-01")
    assert make_child(by="kader1b", name="Hasanah", sex="F", birth_date="2024-09-01")["possible_duplicate_of"] is None
    assert hasan["possible_duplicate_of"] is None
    make_child(name="Bayi Ny. Rina", sex="M", birth_date="2024-10-01")
    assert make_child(by="kader1b", name="Bayi Ny. Rina", sex="F", birth_date="2024-10-01")["possible_duplicate_of"] is None
    # both in one push (the phone asked, and the kader saved all the same): flagged as when sent apart
    from tests.sync.helpers import child_data, mutation, new_id, push

    first, second = new_id(), new_id()
    sent = push(client, world.headers("kader1"), [
        mutation("child", first, child_data(world.ids["p1"], name="Zidan Maulana", sex="M", birth_date="2024-11-05")),
        mutation("child", second, child_data(world.ids["p1"], name="Zidan Maulana", sex="F", birth_date="2024-11-05"))])
    assert [r["record"]["possible_duplicate_of"] for r in sent] == [None, first], sent


def test_a_newborn_registered_by_her_mothers_name_is_flagged_against_her_named_registration(client, world, make_child):
    """A newborn is registered before she is named, as "Bayi Ny. Siti"; another kader registers her
    by her name, the mother's name given: the pair is flagged (either order). A baby of another mother
    born that day is not."""
    baby = make_child(name="Bayi Ny. Siti", sex="F", birth_date="2025-06-01")
    named = make_child(by="kader1b", name="Aisyah Putri", sex="F", birth_date="2025-06-01", mother_name="Siti Aminah")
    assert named["possible_duplicate_of"] == baby["id"]
    other = make_child(by="kader1b", name="Zahra", sex="F", birth_date="2025-06-01", mother_name="Rina")
    assert other["possible_duplicate_of"] is None
    first = make_child(name="Dewi Lestari", sex="F", birth_date="2025-07-01", mother_name="Wati")
    assert make_child(by="kader1b", name="By. Ny. Wati", sex="F", birth_date="2025-07-02")[
        "possible_duplicate_of"] == first["id"]


def test_an_edit_that_makes_a_child_look_like_another_flags_it_but_not_twins_ruled_apart(client, world, make_child):
    """A birth date corrected, a newborn renamed or a child moved to a posyandu where she is already
    registered: the edit is judged as a registration is (flagged for a bidan, synced as the edit's
    version). Twins a bidan ruled different children are not flagged again by an edit."""
    first = make_child(name="Putri Ayu", sex="F", birth_date="2025-06-01")
    typo = make_child(by="kader1b", name="Putri Ayu", sex="F", birth_date="2025-08-01")
    assert typo["possible_duplicate_of"] is None
    fixed = client.patch(f"/api/v1/children/{typo['id']}", json={"birth_date": "2025-06-01"},
                         headers=world.headers("kader1b"))
    assert fixed.status_code == 200 and fixed.get_json()["possible_duplicate_of"] == first["id"]
    assert fixed.get_json()["version"] == typo["version"] + 1
    # registered anew at the posyandu the family moved to, then the old record moved there too
    elsewhere = make_child(by="kader2", posyandu="p2", name="Bagus Wicaksono", sex="M", birth_date="2025-03-03")
    moved_in = make_child(name="Bagus Wicaksono", sex="M", birth_date="2025-03-03")
    resp = client.patch(f"/api/v1/children/{moved_in['id']}", json={"posyandu_id": str(world.ids["p2"])},
                        headers=world.headers("bidan_a"))
    assert resp.status_code == 200 and resp.get_json()["possible_duplicate_of"] == elsewhere["id"]
    # twins ruled apart stay apart when one's name is corrected
    twin_a = make_child(name="Nurul Aini", sex="F", birth_date="2025-01-10", mother_name="Siti")
    twin_b = make_child(by="kader1b", name="Nurul Aisyah", sex="F", birth_date="2025-01-10", mother_name="Siti")
    assert twin_b["possible_duplicate_of"] == twin_a["id"]
    assert client.post(f"/api/v1/children/{twin_b['id']}/not-duplicate", json={"reason": "kembar"},
                       headers=world.headers("bidan_a")).status_code == 200
    renamed = client.patch(f"/api/v1/children/{twin_b['id']}", json={"name": "Nurul Aisya"},
                           headers=world.headers("kader1"))
    assert renamed.status_code == 200 and renamed.get_json()["possible_duplicate_of"] is None


@pytest.mark.parametrize("lang, at", [("id", 0), ("en", 1)])
def test_a_future_birth_date_and_a_short_nik_are_refused_in_the_words_of_the_pwas_own_checks(client, world, lang, at):
    """The same mistake is worded the same way by the phone's check and by the server (whose message
    a refused sync shows on the field): a date after today was "tidak boleh di masa depan" from the
    server, "tidak boleh setelah hari ini" on the form; a NIK "16 digit", "16 angka"."""
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    body = {**GOOD, "posyandu_id": str(world.ids["p1"]), "birth_date": tomorrow, "nik": "352501540324000"}
    errors = client.post("/api/v1/children", json=body, headers=world.headers("kader1", lang)).get_json()["errors"]
    assert errors["birth_date"] == [pwa_words("not_future")[at]]
    assert pwa_words("nik_short")[at] in errors["nik"][0]
    body["nik"] = "35250154032400AB"
    errors = client.post("/api/v1/children", json=body, headers=world.headers("kader1", lang)).get_json()["errors"]
    assert errors["nik"] == ["NIK " + pwa_words("nik_format")[at]]


@pytest.mark.parametrize("lang, at", [("id", 0), ("en", 1)])
def test_a_weighing_before_birth_is_refused_in_the_words_of_the_pwas_own_check(client, world, make_child, lang, at):
    """'tidak boleh sebelum tanggal lahir' (i18n.js before_birth), as the phone's form says it: the server
    said 'sebelum tanggal lahir anak', 'before the child's birth date'."""
    child = make_child()
    born = date.fromisoformat(child["birth_date"])
    body = {"id": str(uuid.uuid4()), "measured_on": (born - timedelta(days=1)).isoformat(), "weight_kg": 3.2}
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", json=body, headers=world.headers("kader1", lang))
    assert resp.status_code == 422 and resp.get_json()["errors"] == {"measured_on": [pwa_words("before_birth")[at]]}


def test_a_merge_of_two_children_that_cannot_be_one_or_were_ruled_apart_is_refused(client, world, db, make_child):
    """A merge cannot be undone, and judges the joined history by the kept child's birth date. Any two
    children of a bidan's area were merged: a boy born 2022 and one born 2025 (his weighings of 10 kg
    scored as severe stunting), a boy and a girl; and a pair ruled apart as twins meanwhile, from an
    "Anak ganda" screen left open. A pair not flagged must be able to be one child (same sex, born at
    most a year apart: a year mistyped); one ruled apart is a 409."""
    from posyandu.registry.models import Child

    def merge(winner, loser):
        return client.post(f"/api/v1/children/{winner['id']}/merge", json={"duplicate_id": loser["id"]},
                           headers=world.headers("bidan_a", "id"))

    older = make_child(name="Ahmad Firmansyah", sex="M", birth_date="2022-10-19")
    younger = make_child(by="kader1b", name="Ahmad Saputra", sex="M", birth_date="2025-04-13")
    girl = make_child(by="kader1b", name="Wati", sex="F", birth_date="2022-10-19")
    for loser in (younger, girl):
        resp = merge(older, loser)
        assert resp.status_code == 422 and "tidak ditandai sebagai anak yang sama" in resp.get_json()["errors"]["duplicate_id"][0]
    # a year mistyped: the same child, merged though not flagged
    typo = make_child(by="kader1b", name="Firman", sex="M", birth_date="2023-10-19")
    assert merge(older, typo).status_code == 200
    # twins flagged, ruled apart by one bidan while another's screen still offers to merge them
    twin_a = make_child(name="Nurul Hidayah", sex="F", birth_date="2025-01-10", mother_name="Siti")
    twin_b = make_child(by="kader1b", name="Nur Hidayah", sex="F", birth_date="2025-01-10", mother_name="Siti")
    assert twin_b["possible_duplicate_of"] == twin_a["id"]
    assert client.post(f"/api/v1/children/{twin_b['id']}/not-duplicate", json={"reason": "kembar"},
                       headers=world.headers("admin")).status_code == 200
    resp = merge(twin_a, twin_b)
    assert resp.status_code == 409, resp.get_json()
    assert resp.get_json()["errors"]["duplicate_id"] == [
        "bidan sudah menilai keduanya anak yang berbeda (bukan anak yang sama): tidak digabungkan"]
    db.session.remove()
    assert {c.name for c in db.session.scalars(select(Child).where(Child.merged_into.is_(None)))} >= {
        "Ahmad Saputra", "Wati", "Nurul Hidayah", "Nur Hidayah"}


@pytest.mark.parametrize("kind", ["child", "measurements", "immunisations", "supplements"])
def test_a_delete_on_a_version_read_before_another_change_is_409_and_deletes_nothing(client, world, make_child, kind):
    """A REST delete could not name the version it read: a bidan deleting a weighing she read before a
    cadre's correction deleted the correction unseen (a push's delete on that version is a conflict,
    and an If-Match was told to send base_version, which no delete took). ``?base_version=`` now."""
    today = date.today()
    # the last vitamin A round (10 February or 10 August) passed, the child 8 months old then
    rounds = [date(year, month, 10) for year in (today.year - 1, today.year) for month in (2, 8)]
    round_day = max(day for day in rounds if day < today)
    child = make_child(**({"birth_date": (round_day - timedelta(days=240)).isoformat()} if kind == "supplements" else {}))
    bodies = {"measurements": {"measured_on": today.isoformat(), "weight_kg": 8.0},
              "immunisations": {"vaccine": "MR", "dose": 1, "given_on": today.isoformat()},
              "supplements": {"kind": "vitamin_a_blue", "given_on": round_day.isoformat()}}
    if kind == "child":
        url, correction = f"/api/v1/children/{child['id']}", {"mother_name": "Siti Aminah"}
    else:
        made = client.post(f"/api/v1/children/{child['id']}/{kind}", json=bodies[kind], headers=world.headers("kader1"))
        assert made.status_code == 201, made.get_json()
        url = f"/api/v1/{kind}/{made.get_json()['id']}"
        correction = {"measurements": {"weight_kg": 8.4}, "immunisations": {"batch_number": "MR-2026-01"},
                      "supplements": {"given_by": "Bidan Sari"}}[kind]
    fixed = client.patch(url, json={**correction, "base_version": 1}, headers=world.headers("kader1b"))
    assert fixed.status_code == 200 and fixed.get_json()["version"] == 2, fixed.get_json()
    stale = client.delete(f"{url}?base_version=1&reason=salah%20input", headers=world.headers("bidan_a"))
    assert stale.status_code == 409 and "version 2" in stale.get_json()["detail"], stale.get_json()
    assert client.get(url, headers=world.headers("bidan_a")).status_code == 200  # nothing deleted
    assert client.delete(f"{url}?base_version=0", headers=world.headers("bidan_a")).status_code == 422
    assert client.delete(f"{url}?base_version=2&reason=salah%20input", headers=world.headers("bidan_a")).status_code == 204
    assert client.get(url, headers=world.headers("bidan_a")).status_code == 404
