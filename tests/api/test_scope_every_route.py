"""Every route with a record id in its path, for a caller of every role whose area the record is
outside: 403 or 404, never the record, and nothing written. The routes are read from the app's URL
map, so a route added later without a line here fails the test until its request is written down;
each request is shown to work for an admin (the body is good: the refusal is the caller's scope)."""
from __future__ import annotations

import uuid

import pytest

from tests.api.test_faults import counts

BORN = "2025-01-10"
SECRET = "Rahasia Kamal"
NIK = "3526010101250009"
# One caller of every role but admin, each with an area of their own that the record is outside:
# the record is in Posyandu Kenanga (p3, PKM Kamal, Kabupaten Bangkalan 35.26).
OUTSIDERS = ("kader1", "bidan_a", "dinkes_gresik", "parent1")

# (method, rule) → the request's JSON body ("json"), and the admin's answer when not a success ("admin")
REQUESTS: dict[tuple[str, str], dict] = {
    ("GET", "/api/v1/children/<uuid:child_id>"): {},
    ("PATCH", "/api/v1/children/<uuid:child_id>"): {"json": {"mother_name": "Ibu Diubah"}},
    ("DELETE", "/api/v1/children/<uuid:child_id>"): {},
    ("GET", "/api/v1/children/<uuid:child_id>/access-log"): {},
    ("GET", "/api/v1/children/<uuid:child_id>/export"): {},
    ("GET", "/api/v1/children/<uuid:child_id>/growth-chart"): {},
    ("GET", "/api/v1/children/<uuid:child_id>/immunisation-card"): {},
    ("GET", "/api/v1/children/<uuid:child_id>/immunisations"): {},
    ("POST", "/api/v1/children/<uuid:child_id>/immunisations"): {
        "json": lambda: {"id": str(uuid.uuid4()), "vaccine": "BCG", "dose": 1, "given_on": "2025-01-20",
                         "batch_number": "T1"}},
    ("GET", "/api/v1/children/<uuid:child_id>/invitations"): {},
    ("POST", "/api/v1/children/<uuid:child_id>/invitations"): {},
    ("DELETE", "/api/v1/children/<uuid:child_id>/invitations/<uuid:invitation_id>"): {},
    ("GET", "/api/v1/children/<uuid:child_id>/measurements"): {},
    ("POST", "/api/v1/children/<uuid:child_id>/measurements"): {
        "json": lambda: {"id": str(uuid.uuid4()), "measured_on": "2025-03-05", "weight_kg": 5.4}},
    ("POST", "/api/v1/children/<uuid:child_id>/merge"): {"json": "duplicate"},
    ("POST", "/api/v1/children/<uuid:child_id>/not-duplicate"): {"json": {}},
    ("GET", "/api/v1/children/<uuid:child_id>/parents"): {},
    ("DELETE", "/api/v1/children/<uuid:child_id>/parents/<uuid:user_id>"): {},
    ("GET", "/api/v1/children/<uuid:child_id>/supplements"): {},
    ("POST", "/api/v1/children/<uuid:child_id>/supplements"): {
        "json": lambda: {"id": str(uuid.uuid4()), "kind": "vitamin_a_blue", "given_on": "2025-08-05"}},
    ("GET", "/api/v1/measurements/<uuid:event_id>"): {},
    ("PATCH", "/api/v1/measurements/<uuid:event_id>"): {"json": {"weight_kg": 4.3}},
    ("DELETE", "/api/v1/measurements/<uuid:event_id>"): {},
    ("GET", "/api/v1/immunisations/<uuid:event_id>"): {},
    ("PATCH", "/api/v1/immunisations/<uuid:event_id>"): {"json": {"batch_number": "T2"}},
    ("DELETE", "/api/v1/immunisations/<uuid:event_id>"): {},
    ("GET", "/api/v1/supplements/<uuid:event_id>"): {},
    ("PATCH", "/api/v1/supplements/<uuid:event_id>"): {"json": {"given_by": "Bidan Lain"}},
    ("DELETE", "/api/v1/supplements/<uuid:event_id>"): {},
    ("GET", "/api/v1/posyandu/<uuid:posyandu_id>"): {},
    ("PATCH", "/api/v1/posyandu/<uuid:posyandu_id>"): {"json": {"address": "Jl. Diubah 1"}},
    ("DELETE", "/api/v1/posyandu/<uuid:posyandu_id>"): {"admin": 409},  # it has children: past the scope
    ("GET", "/api/v1/posyandu/<uuid:posyandu_id>/due-list"): {},
    ("PATCH", "/api/v1/puskesmas/<uuid:puskesmas_id>"): {"json": {"name": "PKM Diubah"}},  # admin's alone
    ("GET", "/api/v1/users/<uuid:user_id>"): {},
    ("PATCH", "/api/v1/users/<uuid:user_id>"): {"json": {"name": "Nama Diubah"}},
}


def _id_routes(app) -> list[tuple[str, str]]:
    from werkzeug.routing import UUIDConverter

    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  if any(isinstance(c, UUIDConverter) for c in rule._converters.values())
                  for method in (rule.methods or set()) - {"HEAD", "OPTIONS"})


def test_every_route_with_a_record_id_is_in_this_test(app):
    assert set(_id_routes(app)) == set(REQUESTS)


@pytest.fixture
def outside(client, world, make_child, link_parent):
    """A child of Posyandu Kenanga (p3) with one event of each kind, an open code, a linked parent, and
    a second registration of hers to merge; parent1 sees a child of Melati (p1) only."""
    kader, bidan = world.headers("kader3"), world.headers("bidan_b")
    child = make_child(by="kader3", posyandu="p3", name=SECRET, nik=NIK, sex="F", birth_date=BORN)
    twin = make_child(by="kader3", posyandu="p3", name=SECRET, sex="F", birth_date=BORN)
    url = f"/api/v1/children/{child['id']}"
    ids = {"child_id": child["id"], "posyandu_id": str(world.ids["p3"]), "puskesmas_id": str(world.ids["pkm_b"]),
           "duplicate": twin["id"]}
    for kind, body in (("measurements", {"measured_on": "2025-02-05", "weight_kg": 4.2}),
                       ("immunisations", {"vaccine": "HB0", "dose": 1, "given_on": BORN, "batch_number": "T1"}),
                       ("supplements", {"kind": "vitamin_a_blue", "given_on": "2025-08-05"})):
        resp = client.post(f"{url}/{kind}", json={"id": str(uuid.uuid4()), **body}, headers=bidan)
        assert resp.status_code == 201, resp.get_json()
        ids[kind] = resp.get_json()["id"]
    first = client.post(f"{url}/invitations", headers=kader).get_json()["code"]
    parent = client.post("/api/v1/auth/register", json={"code": first, "username": "ibu_kamal", "password":
                                                        "sandi-ibu-kamal-1", "name": "Ibu Kamal"})
    assert parent.status_code == 201, parent.get_json()
    ids["user_id"] = parent.get_json()["user"]["id"]
    assert client.post(f"{url}/invitations", headers=kader).status_code == 201
    listed = client.get(f"{url}/invitations", headers=kader).get_json()
    [code] = listed["items"]
    ids["invitation_id"] = code["id"]
    link_parent(make_child(name="Anak Melati")["id"])
    return ids


def _request(rule: str, method: str, ids: dict) -> tuple[str, dict]:
    url = rule
    event = rule.split("/")[3] if rule.startswith(("/api/v1/measurements", "/api/v1/immunisations",
                                                   "/api/v1/supplements")) else None
    for name in ("child_id", "invitation_id", "user_id", "posyandu_id", "puskesmas_id"):
        url = url.replace(f"<uuid:{name}>", ids[name])
    url = url.replace("<uuid:event_id>", ids[event] if event else "")
    spec = REQUESTS[(method, rule)]
    body = spec.get("json")
    body = body() if callable(body) else {"duplicate_id": ids["duplicate"]} if body == "duplicate" else body
    return url, {"json": body} if body is not None else {}


@pytest.mark.parametrize("method, rule", sorted(REQUESTS), ids=[f"{m} {r}" for m, r in sorted(REQUESTS)])
def test_a_record_outside_the_callers_area_is_403_or_404_for_every_role_and_nothing_changes(
        client, world, db, outside, method, rule):
    url, kwargs = _request(rule, method, outside)
    for who in OUTSIDERS:
        world.headers(who)  # logged in (audited) before counting
    before = counts(db)
    for who in OUTSIDERS:
        resp = client.open(url, method=method, headers=world.headers(who), **kwargs)
        assert resp.status_code in (403, 404), (who, method, url, resp.status_code, resp.get_data(as_text=True)[:300])
        assert resp.content_type == "application/problem+json"
        text = resp.get_data(as_text=True)
        assert SECRET not in text and NIK not in text and outside["child_id"] not in text, (who, method, url)
    assert counts(db) == before, (method, url)
    # the same request is one the record's area may make: the refusal above was the caller's scope
    resp = client.open(url, method=method, headers=world.headers("admin"), **kwargs)
    expected = REQUESTS[(method, rule)].get("admin")
    assert resp.status_code == expected if expected else 200 <= resp.status_code < 300, (
        method, url, resp.get_data(as_text=True)[:300])


LISTS = ["/api/v1/children", "/api/v1/children?q=Rahasia", "/api/v1/children?posyandu_id={p3}", "/api/v1/posyandu",
         "/api/v1/sync/pull?limit=1000", "/api/v1/sync/devices", "/api/v1/access-log", "/api/v1/users",
         "/api/v1/reports/actions?month=2025-02", "/api/v1/reports/actions?month=2025-02&region_code=35.26",
         "/api/v1/reports/actions?month=2025-02&posyandu_id={p3}", "/api/v1/reports/actions?month=2025-02&format=csv",
         "/api/v1/reports/workbook?month=2025-02", "/api/v1/exports/fhir?month=2025-02",
         "/api/v1/exports/fhir?month=2025-02&region_code=35.26", "/api/v1/reports/skdn?month=2025-02&posyandu_id={p3}"]


@pytest.mark.parametrize("who", OUTSIDERS)
def test_no_list_report_export_or_pull_names_a_child_outside_the_callers_area(client, world, outside, who):
    for url in LISTS:
        resp = client.get(url.format(p3=world.ids["p3"]), headers=world.headers(who))
        assert resp.status_code in (200, 403, 404), (who, url, resp.status_code)
        text = resp.get_data(as_text=True) if resp.mimetype != XLSX else _xlsx_text(resp.data)
        assert SECRET not in text and NIK not in text and outside["child_id"] not in text, (who, url)
        if "/reports/" in url and "posyandu_id=" in url and resp.status_code == 200:  # a report of another area
            pytest.fail(f"{who} {url}: {text[:200]}")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_text(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(name).decode("utf-8", "replace") for name in z.namelist())


@pytest.mark.parametrize("who", ["kader1", "bidan_a"])
def test_a_push_or_a_registration_into_another_area_is_refused_and_writes_nothing(client, world, db, outside, who):
    headers = world.headers(who)
    before = counts(db)
    child = client.post("/api/v1/children", json={"id": str(uuid.uuid4()), "posyandu_id": str(world.ids["p3"]),
                                                  "name": "Anak Lain", "sex": "M", "birth_date": BORN}, headers=headers)
    assert child.status_code in (403, 404, 422) and SECRET not in child.get_data(as_text=True)
    mutations = [
        {"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": outside["child_id"],
         "base_version": 1, "data": {"mother_name": "Ibu Diubah"}},
        {"mutation_id": str(uuid.uuid4()), "entity": "measurement", "op": "upsert", "id": str(uuid.uuid4()),
         "data": {"child_id": outside["child_id"], "measured_on": "2025-03-05", "weight_kg": 5.4}},
        {"mutation_id": str(uuid.uuid4()), "entity": "measurement", "op": "delete", "id": outside["measurements"],
         "base_version": 1},
        {"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
         "data": {"posyandu_id": str(world.ids["p3"]), "name": "Anak Lain", "sex": "M", "birth_date": BORN}}]
    resp = client.post("/api/v1/sync/push", json={"client_id": f"hp-{who}", "mutations": mutations}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert [r["status"] for r in resp.get_json()["results"]] == ["rejected"] * 4, resp.get_json()
    assert SECRET not in resp.get_data(as_text=True) and NIK not in resp.get_data(as_text=True)
    after = counts(db)
    assert {k: v for k, v in after.items() if k not in ("AuditLog", "SyncMutation")} == \
        {k: v for k, v in before.items() if k not in ("AuditLog", "SyncMutation")}
