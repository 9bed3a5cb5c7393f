"""Names, tokens and scope under attack (#8), on SQLite and PostgreSQL.

* Indonesian names (apostrophes, diacritics, Balinese titles) round-trip exactly
  through create, read, search, sync pull and the CSV/XLSX action list. Decision:
  names are NFC-normalised on input, so a name typed with combining accents on one
  phone and precomposed on another is one spelling (search and duplicate checks
  agree); precomposed input comes back byte for byte.
* Every kind of bad token is a 401 problem+json.
* A kader trying every id of another posyandu gets 404 (or a rejected mutation),
  never its data, and nothing changes.
"""
from __future__ import annotations

import csv
import io
import unicodedata
import uuid
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

NAMES = ["Ni Luh Putu Ayu Dewi", "Muh. Ma'ruf", "Siti Nur'aini", "I Gusti Ngurah Rai", "Nyoman Ṣaleh",
         "Đặng Thị Hoa", "Ketut Çağrı", "Wayan O'Neil-Sukerta"]
MONTH = date.today().strftime("%Y-%m")


def register(client, headers, posyandu_id, name: str, mother: str = "Ibu Ṣiti") -> dict:
    body = {"id": str(uuid.uuid4()), "posyandu_id": str(posyandu_id), "name": name, "mother_name": mother,
            "sex": "F", "birth_date": (date.today() - timedelta(days=400)).isoformat()}
    resp = client.post("/api/v1/children", json=body, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


@pytest.mark.parametrize("name", NAMES)
def test_indonesian_names_round_trip_through_read_pull_and_exports(client, world, name):
    kader, bidan = world.headers("kader1"), world.headers("bidan_a")
    child = register(client, kader, world.ids["p1"], name)
    assert child["name"] == name and child["mother_name"] == "Ibu Ṣiti"
    assert client.get(f"/api/v1/children/{child['id']}", headers=kader).get_json()["name"] == name
    found = client.get("/api/v1/children", query_string={"q": name.split()[-1]}, headers=kader).get_json()["items"]
    assert [c["name"] for c in found] == [name]
    pulled = client.get("/api/v1/sync/pull", headers=kader).get_json()["changes"]
    assert [c["record"]["name"] for c in pulled if c["entity"] == "child"] == [name]
    query = {"month": MONTH, "posyandu_id": str(world.ids["p1"])}
    rows = list(csv.reader(io.StringIO(client.get("/api/v1/reports/actions", query_string={**query, "format": "csv"},
                                                  headers=bidan).get_data(as_text=True).lstrip("\ufeff"))))
    assert any(name in row for row in rows[1:]), rows
    sheet = load_workbook(io.BytesIO(client.get("/api/v1/reports/actions", query_string={**query, "format": "xlsx"},
                                                headers=bidan).data)).active
    assert any(name in row for row in sheet.iter_rows(values_only=True))


def test_combining_accents_are_stored_precomposed_and_found_either_way(client, world):
    kader = world.headers("kader1")
    decomposed = unicodedata.normalize("NFD", "Nyoman Ṣaleh Đặng")
    assert decomposed != "Nyoman Ṣaleh Đặng"
    child = register(client, kader, world.ids["p1"], decomposed, mother=unicodedata.normalize("NFD", "Ibu Ṣiti"))
    assert child["name"] == "Nyoman Ṣaleh Đặng" and child["mother_name"] == "Ibu Ṣiti"
    for q in ("Ṣaleh", unicodedata.normalize("NFD", "Ṣaleh")):
        items = client.get("/api/v1/children", query_string={"q": q}, headers=kader).get_json()["items"]
        assert [c["id"] for c in items] == [child["id"]], q


# --- tokens ---------------------------------------------------------------------------------

def _user(db, username: str):
    from sqlalchemy import select

    from posyandu.auth.models import User

    return db.session.scalar(select(User).where(User.username == username))


def bad_tokens(app, db, client, world) -> dict[str, tuple[str, str]]:
    """name -> (token, endpoint that should refuse it)."""
    import jwt as pyjwt
    from flask_jwt_extended import create_access_token, create_refresh_token

    kader = _user(db, "kader1")
    with app.test_request_context():
        expired = create_access_token(kader, expires_delta=timedelta(seconds=-5))
        expired_refresh = create_refresh_token(kader, expires_delta=timedelta(seconds=-5))
        refresh = create_refresh_token(kader)
        ghost = create_access_token(type("Gone", (), {"id": uuid.uuid4()})())
        not_a_uuid = create_access_token(type("Odd", (), {"id": "not-a-uuid"})())
    good = pyjwt.decode(world.token("kader1"), options={"verify_signature": False})
    login = client.post("/api/v1/auth/login", json={"username": "kader1b", "password": "rahasia-123"}).get_json()
    client.post("/api/v1/auth/logout", headers={"Authorization": f"Bearer {login['access_token']}"})
    deactivated = client.post("/api/v1/auth/login", json={"username": "kader2", "password": "rahasia-123"}).get_json()
    user_id = deactivated["user"]["id"]
    assert client.patch(f"/api/v1/users/{user_id}", json={"active": False},
                        headers=world.headers("admin")).status_code == 200
    return {
        "expired access": (expired, "/api/v1/children"),
        "expired refresh": (expired_refresh, "/api/v1/auth/refresh"),
        "other key": (pyjwt.encode(good, "an-attackers-key-of-thirty-two-bytes!!", algorithm="HS256"), "/api/v1/children"),
        "alg none": (pyjwt.encode(good, None, algorithm="none"), "/api/v1/children"),
        "unknown user": (ghost, "/api/v1/children"),
        "subject not a uuid": (not_a_uuid, "/api/v1/children"),
        "deactivated user": (deactivated["access_token"], "/api/v1/children"),
        "deactivated user's refresh": (deactivated["refresh_token"], "/api/v1/auth/refresh"),
        "revoked": (login["access_token"], "/api/v1/children"),
        "refresh used as access": (refresh, "/api/v1/children"),
        "access used as refresh": (world.token("kader1"), "/api/v1/auth/refresh"),
        "garbage": ("abc.def.ghi", "/api/v1/children"),
        "empty": ("", "/api/v1/children"),
    }


def test_every_kind_of_bad_token_is_a_401_problem(app, db, client, world):
    for name, (token, url) in bad_tokens(app, db, client, world).items():
        method = "POST" if url.endswith("refresh") else "GET"
        resp = client.open(url, method=method, headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 401, (name, resp.status_code, resp.get_data(as_text=True)[:200])
        assert resp.content_type == "application/problem+json", name
        assert resp.get_json()["status"] == 401 and "items" not in resp.get_json(), name


# --- a kader trying every id of another posyandu ----------------------------------------------

def foreign_records(client, world) -> dict[str, str]:
    """A child of posyandu Kenanga (kader3's) with one record of every kind."""
    admin = world.headers("admin")
    child = register(client, world.headers("kader3"), world.ids["p3"], "Rahasia Kenanga", mother="Ibu Rahasia")
    ids = {"child": child["id"], "posyandu": str(world.ids["p3"])}
    today = date.today().isoformat()
    for plural, body in [("measurements", {"measured_on": today, "weight_kg": 9.1}),
                         ("immunisations", {"vaccine": "DPT-HB-Hib", "dose": 1, "given_on": today,
                                            "override_reason": "catch-up"}),
                         ("supplements", {"kind": "vitamin_a_red", "given_on": today, "override_reason": "catch-up"})]:
        resp = client.post(f"/api/v1/children/{child['id']}/{plural}", json={"id": str(uuid.uuid4()), **body},
                           headers=admin)
        assert resp.status_code == 201, resp.get_json()
        ids[plural] = resp.get_json()["id"]
    return ids


def snapshot(client, world, ids) -> list:
    admin = world.headers("admin")
    urls = [f"/api/v1/children/{ids['child']}", f"/api/v1/posyandu/{ids['posyandu']}"] + \
        [f"/api/v1/{p}/{ids[p]}" for p in ("measurements", "immunisations", "supplements")]
    return [client.get(url, headers=admin).get_json() for url in urls]


def test_a_kader_gets_404_for_every_record_of_another_posyandu_and_changes_nothing(client, world, db, make_child):
    from tests.api.test_faults import counts

    ids = foreign_records(client, world)
    own = make_child()
    kader = world.headers("kader1")
    before, state = counts(db), snapshot(client, world, ids)
    c, p = ids["child"], ids["posyandu"]
    attempts = [("GET", f"/api/v1/children/{c}", None), ("PATCH", f"/api/v1/children/{c}", {"name": "Diubah"}),
                ("DELETE", f"/api/v1/children/{c}", None), ("GET", f"/api/v1/children/{c}/growth-chart", None),
                ("GET", f"/api/v1/children/{c}/immunisation-card", None), ("POST", f"/api/v1/children/{c}/invitations", None),
                ("GET", f"/api/v1/posyandu/{p}", None), ("PATCH", f"/api/v1/posyandu/{p}", {"meeting_day": 3}),
                ("DELETE", f"/api/v1/posyandu/{p}", None), ("GET", f"/api/v1/posyandu/{p}/due-list", None)]
    for plural, body in [("measurements", {"measured_on": TODAY, "weight_kg": 9.0}),
                         ("immunisations", {"vaccine": "BCG", "dose": 1, "given_on": TODAY}),
                         ("supplements", {"kind": "deworming", "given_on": TODAY})]:
        attempts += [("GET", f"/api/v1/children/{c}/{plural}", None), ("POST", f"/api/v1/children/{c}/{plural}", body),
                     ("GET", f"/api/v1/{plural}/{ids[plural]}", None),
                     ("PATCH", f"/api/v1/{plural}/{ids[plural]}", {"given_by": "x"} if plural != "measurements"
                      else {"weight_kg": 9.9}), ("DELETE", f"/api/v1/{plural}/{ids[plural]}", None)]
    # a kader may change or close no posyandu, her own included: 403 for any, telling nothing of this one
    role_refused = {("PATCH", f"/api/v1/posyandu/{p}"), ("DELETE", f"/api/v1/posyandu/{p}")}
    for method, url, body in attempts:
        resp = client.open(url, method=method, json=body, headers=kader)
        assert resp.status_code == (403 if (method, url) in role_refused else 404), (method, url, resp.status_code)
        assert "Rahasia" not in resp.get_data(as_text=True), (method, url)
    merge = client.post(f"/api/v1/children/{own['id']}/merge", json={"duplicate_id": c}, headers=world.headers("bidan_a"))
    assert merge.status_code == 422 and "Rahasia" not in merge.get_data(as_text=True)
    listed = client.get("/api/v1/children", query_string={"q": "Rahasia"}, headers=kader).get_json()["items"]
    pulled = client.get("/api/v1/sync/pull", headers=kader).get_data(as_text=True)
    assert listed == [] and "Rahasia" not in pulled and c not in pulled
    assert counts(db) == {**before, "AuditLog": counts(db)["AuditLog"]}  # only refusals may be audited
    assert snapshot(client, world, ids) == state


TODAY = date.today().isoformat()


def test_sync_mutations_aimed_at_another_posyandu_are_rejected_and_change_nothing(client, world, db):
    ids = foreign_records(client, world)
    state = snapshot(client, world, ids)
    data = {"child": {"name": "Diubah", "posyandu_id": str(world.ids["p1"]), "sex": "M", "birth_date": "2025-01-01"},
            "measurement": {"weight_kg": 9.9, "measured_on": TODAY, "child_id": ids["child"]},
            "immunisation": {"given_by": "x", "vaccine": "BCG", "dose": 1, "given_on": TODAY, "child_id": ids["child"]},
            "supplement": {"given_by": "x", "kind": "deworming", "given_on": TODAY, "child_id": ids["child"]}}
    targets = {"child": ids["child"], "measurement": ids["measurements"], "immunisation": ids["immunisations"],
               "supplement": ids["supplements"]}
    mutations = []
    for entity, record_id in targets.items():
        for op, version in (("upsert", 1), ("upsert", None), ("delete", 1)):
            mutations.append({"mutation_id": str(uuid.uuid4()), "entity": entity, "op": op, "id": record_id,
                              "base_version": version, "data": data[entity] if op == "upsert" else {}})
        if entity != "child":  # a new record for the foreign child
            mutations.append({"mutation_id": str(uuid.uuid4()), "entity": entity, "op": "upsert",
                              "id": str(uuid.uuid4()), "base_version": None, "data": data[entity]})
    resp = client.post("/api/v1/sync/push", json={"client_id": "dev-spy", "mutations": mutations},
                       headers=world.headers("kader1"))
    assert resp.status_code == 200
    for mutation, result in zip(mutations, resp.get_json()["results"]):
        assert result["status"] == "rejected" and result["record"] is None, (mutation, result)
        assert "Rahasia" not in str(result)
    assert snapshot(client, world, ids) == state
