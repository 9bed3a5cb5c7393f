"""Every route of the app, for a caller of every role: who may call it, and what a caller outside
its area gets. The routes are read from the app's URL map, and each must stand in one table here
(``test_every_route_is_in_one_table_of_this_module``), so a route added later fails until its callers
are written down:

- ``REQUESTS``, a route with a record id in its path: a caller of every role whose area the record is
  outside is answered as for an id that exists nowhere (404 to a role that may make the request),
  never the record, and nothing is written; a caller inside the area whose role may not make the
  request gets 403, and nothing is written; the request works for an admin (the body is good: the
  refusal is the caller's). A child merged away or deleted is 404 to all; a child moved out of an
  area (or her area's staff moved away) is outside it everywhere; a health office reads no family's
  contact details.
- ``GATED``, a route without a record id that only some roles may call: 403 for the others.
- ``LISTS``, lists, reports, exports and the sync pull: none names a child outside the caller's area
  (an area asked for outside it is 404); ``AREA_WRITES``, a registration, push or import into another
  area is refused and writes nothing.
- ``SHARED``: data that is every signed-in user's alike (regions, the schedule, KBM), no child's.
- ``OWN_ACCOUNT``: the caller's own account only (tests/api/test_auth.py and the test here).
- ``PUBLIC``: no token needed. Every other route answers 401 without one.

Records outside an area answer 404 and actions a role may not take 403 (docs: api-contract.md)."""
from __future__ import annotations

import io
import uuid

import pytest

from posyandu.access import HEALTH_WORKERS, READERS, STAFF
from tests.api.test_faults import counts

ALL = READERS
BORN = "2025-01-10"
SECRET = "Rahasia Kamal"
NIK = "3526010101250009"
# One caller of every role but admin, each with an area of their own that the record is outside:
# the record is in Posyandu Kenanga (p3, PKM Kamal, Kabupaten Bangkalan 35.26).
OUTSIDERS = {"kader": "kader1", "bidan": "bidan_a", "dinkes": "dinkes_gresik", "parent": "parent1"}
# One caller of every role whose area the record is in (ibu_kamal: the parent linked to the child)
INSIDERS = {"kader": "kader3", "bidan": "bidan_b", "dinkes": "dinkes_bangkalan", "parent": "ibu_kamal", "admin": "admin"}
# One caller of every role, for routes with no record in their path
CALLERS = {"kader": "kader1", "bidan": "bidan_a", "dinkes": "dinkes_gresik", "parent": "parent1", "admin": "admin"}

# (method, rule) → the roles that may make the request ("roles"), its JSON body ("json"), and the
# admin's answer when not a success ("admin")
REQUESTS: dict[tuple[str, str], dict] = {
    ("GET", "/api/v1/children/<uuid:child_id>"): {"roles": ALL},
    ("PATCH", "/api/v1/children/<uuid:child_id>"): {"roles": STAFF, "json": {"mother_name": "Ibu Diubah"}},
    ("DELETE", "/api/v1/children/<uuid:child_id>"): {"roles": STAFF},
    ("GET", "/api/v1/children/<uuid:child_id>/access-log"): {"roles": ("parent", "admin")},
    ("GET", "/api/v1/children/<uuid:child_id>/export"): {"roles": ("parent", *STAFF)},
    ("GET", "/api/v1/children/<uuid:child_id>/history"): {"roles": ("parent", *STAFF)},
    ("GET", "/api/v1/children/<uuid:child_id>/growth-chart"): {"roles": ALL},
    ("GET", "/api/v1/children/<uuid:child_id>/immunisation-card"): {"roles": ALL},
    ("GET", "/api/v1/children/<uuid:child_id>/immunisations"): {"roles": ALL},
    ("POST", "/api/v1/children/<uuid:child_id>/immunisations"): {"roles": STAFF,
        "json": lambda: {"id": str(uuid.uuid4()), "vaccine": "BCG", "dose": 1, "given_on": "2025-01-20",
                         "batch_number": "T1"}},
    ("GET", "/api/v1/children/<uuid:child_id>/invitations"): {"roles": STAFF},
    ("POST", "/api/v1/children/<uuid:child_id>/invitations"): {"roles": STAFF},
    ("DELETE", "/api/v1/children/<uuid:child_id>/invitations/<uuid:invitation_id>"): {"roles": STAFF},
    ("GET", "/api/v1/children/<uuid:child_id>/measurements"): {"roles": ALL},
    ("POST", "/api/v1/children/<uuid:child_id>/measurements"): {"roles": STAFF,
        "json": lambda: {"id": str(uuid.uuid4()), "measured_on": "2025-03-05", "weight_kg": 5.4}},
    ("POST", "/api/v1/children/<uuid:child_id>/merge"): {"roles": HEALTH_WORKERS, "json": "duplicate"},
    ("POST", "/api/v1/children/<uuid:child_id>/not-duplicate"): {"roles": HEALTH_WORKERS, "json": {}},
    # a child who stands: her restore made already (tests/api/test_restore_child.py restores deleted ones)
    ("POST", "/api/v1/children/<uuid:child_id>/restore"): {"roles": HEALTH_WORKERS},
    ("GET", "/api/v1/children/<uuid:child_id>/parents"): {"roles": STAFF},
    ("DELETE", "/api/v1/children/<uuid:child_id>/parents/<uuid:user_id>"): {"roles": (*STAFF, "parent")},
    ("GET", "/api/v1/children/<uuid:child_id>/supplements"): {"roles": ALL},
    ("POST", "/api/v1/children/<uuid:child_id>/supplements"): {"roles": STAFF,
        "json": lambda: {"id": str(uuid.uuid4()), "kind": "vitamin_a_blue", "given_on": "2025-08-05"}},
    ("GET", "/api/v1/measurements/<uuid:event_id>"): {"roles": ALL},
    ("PATCH", "/api/v1/measurements/<uuid:event_id>"): {"roles": STAFF, "json": {"weight_kg": 4.3}},
    ("DELETE", "/api/v1/measurements/<uuid:event_id>"): {"roles": STAFF},
    ("GET", "/api/v1/immunisations/<uuid:event_id>"): {"roles": ALL},
    ("PATCH", "/api/v1/immunisations/<uuid:event_id>"): {"roles": STAFF, "json": {"batch_number": "T2"}},
    ("DELETE", "/api/v1/immunisations/<uuid:event_id>"): {"roles": STAFF},
    ("GET", "/api/v1/supplements/<uuid:event_id>"): {"roles": ALL},
    ("PATCH", "/api/v1/supplements/<uuid:event_id>"): {"roles": STAFF, "json": {"given_by": "Bidan Lain"}},
    ("DELETE", "/api/v1/supplements/<uuid:event_id>"): {"roles": STAFF},
    ("GET", "/api/v1/posyandu/<uuid:posyandu_id>"): {"roles": ALL},
    ("PATCH", "/api/v1/posyandu/<uuid:posyandu_id>"): {"roles": HEALTH_WORKERS, "json": {"address": "Jl. Diubah 1"}},
    ("DELETE", "/api/v1/posyandu/<uuid:posyandu_id>"): {"roles": ("admin",), "admin": 409},  # it has children: past the scope
    ("GET", "/api/v1/posyandu/<uuid:posyandu_id>/due-list"): {"roles": ("kader", "bidan", "dinkes", "admin")},
    ("POST", "/api/v1/posyandu/<uuid:posyandu_id>/move-children"): {"roles": HEALTH_WORKERS, "json": "move"},
    ("PATCH", "/api/v1/puskesmas/<uuid:puskesmas_id>"): {"roles": ("admin",), "json": {"name": "PKM Diubah"}},  # admin's alone
    ("GET", "/api/v1/users/<uuid:user_id>"): {"roles": ("admin",)},
    ("PATCH", "/api/v1/users/<uuid:user_id>"): {"roles": ("admin",), "json": {"name": "Nama Diubah"}},
}


def _id_routes(app) -> list[tuple[str, str]]:
    from werkzeug.routing import UUIDConverter

    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  if any(isinstance(c, UUIDConverter) for c in rule._converters.values())
                  for method in (rule.methods or set()) - {"HEAD", "OPTIONS"})


def test_every_route_with_a_record_id_is_in_this_test(app):
    assert set(_id_routes(app)) == set(REQUESTS)


def _routes(app) -> set[tuple[str, str]]:
    return {(method, rule.rule) for rule in app.url_map.iter_rules()
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}


def _path(url: str) -> str:
    return url.split("?")[0]


def test_every_route_is_in_one_table_of_this_module(app):
    """A route added later fails here until who may call it is written down in one of the tables."""
    listed = {("GET", _path(url)) for url in LISTS}
    covered = set(REQUESTS) | set(GATED) | listed | set(AREA_WRITES) | SHARED | OWN_ACCOUNT | PUBLIC
    assert _routes(app) - covered == set(), "routes no table of tests/api/test_scope_every_route.py covers"
    assert covered - _routes(app) == set(), "routes gone from the app: drop them here"


@pytest.fixture
def outside(client, world, make_child, link_parent):
    """A child of Posyandu Kenanga (p3) with one event of each kind, an open code, a linked parent, and
    a second registration of hers to merge; parent1 sees a child of Melati (p1) only."""
    kader, bidan = world.headers("kader3"), world.headers("bidan_b")
    child = make_child(by="kader3", posyandu="p3", name=SECRET, nik=NIK, sex="F", birth_date=BORN)
    twin = make_child(by="kader3", posyandu="p3", name=SECRET, sex="F", birth_date=BORN)
    url = f"/api/v1/children/{child['id']}"
    ids = {"child_id": child["id"], "posyandu_id": str(world.ids["p3"]), "puskesmas_id": str(world.ids["pkm_b"]),
           "duplicate": twin["id"], "move_to": str(world.ids["p1"])}
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
    world._tokens["ibu_kamal"] = parent.get_json()["access_token"]  # the child's own parent (INSIDERS)
    assert client.post(f"{url}/invitations", headers=kader).status_code == 201
    listed = client.get(f"{url}/invitations", headers=kader).get_json()
    [code] = listed["items"]
    ids["invitation_id"] = code["id"]
    link_parent(make_child(name="Anak Melati")["id"])
    # Kenanga's phone, on its kader's and midwife's phones list
    assert client.get("/api/v1/sync/pull", query_string={"client_id": DEVICE}, headers=kader).status_code == 200
    return ids


DEVICE = "hp-kenanga-0001"


def _request(rule: str, method: str, ids: dict) -> tuple[str, dict]:
    url = rule
    event = rule.split("/")[3] if rule.startswith(("/api/v1/measurements", "/api/v1/immunisations",
                                                   "/api/v1/supplements")) else None
    for name in ("child_id", "invitation_id", "user_id", "posyandu_id", "puskesmas_id"):
        url = url.replace(f"<uuid:{name}>", ids[name])
    url = url.replace("<uuid:event_id>", ids[event] if event else "")
    spec = REQUESTS[(method, rule)]
    body = spec.get("json")
    body = body() if callable(body) else {"duplicate_id": ids["duplicate"]} if body == "duplicate" else \
        {"to_posyandu_id": ids["move_to"]} if body == "move" else body
    return url, {"json": body} if body is not None else {}


@pytest.mark.parametrize("method, rule", sorted(REQUESTS), ids=[f"{m} {r}" for m, r in sorted(REQUESTS)])
def test_a_record_outside_the_callers_area_is_403_or_404_for_every_role_and_nothing_changes(
        client, world, db, outside, method, rule):
    url, kwargs = _request(rule, method, outside)
    for who in OUTSIDERS.values():
        world.headers(who)  # logged in (audited) before counting
    nowhere, _ = _request(rule, method, {k: v if k in ("duplicate", "move_to") else str(uuid.uuid4())
                                       for k, v in outside.items()})
    before = counts(db)
    for role, who in OUTSIDERS.items():
        resp = client.open(url, method=method, headers=world.headers(who), **kwargs)
        assert resp.status_code in (403, 404), (who, method, url, resp.status_code, resp.get_data(as_text=True)[:300])
        assert resp.content_type == "application/problem+json"
        # answered as an id that exists nowhere (404 to a role that may make the request): nothing told
        unknown = client.open(nowhere, method=method, headers=world.headers(who), **kwargs)
        assert resp.status_code == unknown.status_code, (who, method, url, resp.status_code, unknown.status_code)
        assert resp.status_code == 404 or role not in REQUESTS[(method, rule)]["roles"], (who, method, url)
        text = resp.get_data(as_text=True)
        assert SECRET not in text and NIK not in text and outside["child_id"] not in text, (who, method, url)
    assert counts(db) == before, (method, url)
    # the same request is one the record's area may make: the refusal above was the caller's scope
    resp = client.open(url, method=method, headers=world.headers("admin"), **kwargs)
    expected = REQUESTS[(method, rule)].get("admin")
    assert resp.status_code == expected if expected else 200 <= resp.status_code < 300, (
        method, url, resp.get_data(as_text=True)[:300])


def _refused_problem(resp, status: int, *what) -> None:
    text = resp.get_data(as_text=True)
    assert resp.status_code == status, (*what, resp.status_code, text[:300])
    assert resp.content_type == "application/problem+json", what
    assert resp.get_json()["status"] == status and resp.get_json()["title"], what
    assert SECRET not in text and NIK not in text, what


@pytest.mark.parametrize("method, rule", sorted(REQUESTS), ids=[f"{m} {r}" for m, r in sorted(REQUESTS)])
def test_a_caller_in_the_records_area_whose_role_may_not_make_the_request_is_403_and_nothing_changes(
        client, world, db, outside, method, rule):
    url, kwargs = _request(rule, method, outside)
    refused = [who for role, who in INSIDERS.items() if role not in REQUESTS[(method, rule)]["roles"]]
    for who in refused:
        world.headers(who)
    before = counts(db)
    for who in refused:
        _refused_problem(client.open(url, method=method, headers=world.headers(who), **kwargs), 403, who, method, url)
    assert counts(db) == before, (method, url)


REPORTERS = ("kader", "bidan", "dinkes", "admin")
REPORTS = ("/api/v1/reports/skdn", "/api/v1/reports/f1", "/api/v1/reports/prevalence", "/api/v1/reports/coverage",
           "/api/v1/reports/actions", "/api/v1/reports/actions/counts", "/api/v1/reports/workbook",
           "/api/v1/exports/fhir")
IMPORT_FILE = "posyandu,nama,jenis_kelamin,tanggal_lahir,tanggal_timbang,bb\nKenanga,Anak Impor,L,01/02/2025,05/03/2025,5.1\n"


def _import_file() -> dict:
    return {"data": {"file": (io.BytesIO(IMPORT_FILE.encode()), "kunjungan.csv")}, "content_type": "multipart/form-data"}


# (method, rule) without a record id → the roles that may call it, and a request ("query", "json", or
# "kwargs" for the test client, a callable of the world's ids when it names them)
GATED: dict[tuple[str, str], dict] = {
    ("POST", "/api/v1/regions"): {"roles": ("admin",), "json": {"code": "35.26.02", "name": "Kecamatan Baru"}},
    ("POST", "/api/v1/puskesmas"): {"roles": ("admin",), "json": {"name": "PKM Baru", "kecamatan_code": "35.25.01",
                                                                  "code": "PC"}},
    ("POST", "/api/v1/posyandu"): {"roles": HEALTH_WORKERS, "json": lambda ids: {
        "name": "Anggrek", "desa_code": "35.25.01.2002", "puskesmas_id": str(ids["pkm_a"]), "meeting_day": 3}},
    ("GET", "/api/v1/users"): {"roles": ("admin",)},
    ("GET", "/api/v1/children/deleted"): {"roles": HEALTH_WORKERS},
    ("POST", "/api/v1/users"): {"roles": ("admin",), "json": lambda ids: {
        "username": "kader_baru", "password": "sandi-kader-baru-1", "name": "Kader Baru", "role": "kader",
        "posyandu_id": str(ids["p1"])}},
    ("GET", "/api/v1/access-log"): {"roles": ("admin",)},
    ("GET", "/api/v1/audit-log"): {"roles": ("admin",)},
    ("POST", "/api/v1/growth/kbm"): {"roles": ("admin",), "json": {"grams_by_month": {"1": 800}, "source": "Buku KIA"}},
    ("GET", "/api/v1/growth/recompute"): {"roles": ("admin",)},
    ("POST", "/api/v1/immunisation/schedule/versions"): {"roles": ("admin",), "json": {"document": {}}},
    ("POST", "/api/v1/immunisation/schedule/versions/<int(max=2147483647):version_id>/activate"): {"roles": ("admin",)},
    ("POST", "/api/v1/immunisation/schedule/versions/<int(max=2147483647):version_id>/deactivate"): {"roles": ("admin",)},
    ("POST", "/api/v1/imports/visits"): {"roles": HEALTH_WORKERS, "kwargs": _import_file, "query": "dry_run=true"},
    ("GET", "/api/v1/imports/visits/template"): {"roles": HEALTH_WORKERS},
    ("POST", "/api/v1/children"): {"roles": STAFF, "json": lambda ids: {
        "id": str(uuid.uuid4()), "posyandu_id": str(ids["p1"]), "name": "Anak Baru", "sex": "M", "birth_date": BORN}},
    ("POST", "/api/v1/sync/push"): {"roles": STAFF, "json": {"client_id": "hp-baru", "mutations": []}},
    ("GET", "/api/v1/sync/pull"): {"roles": ("kader", "bidan", "parent", "admin")},
    ("GET", "/api/v1/sync/devices"): {"roles": ("kader", "bidan", "dinkes", "admin")},
    ("GET", "/api/v1/sync/devices/never-synced"): {"roles": ("kader", "bidan", "dinkes", "admin")},
    # who of them may sign out whose phone: tests/sync/test_devices.py
    ("POST", "/api/v1/sync/devices/<string:client_id>/sign-out"): {"roles": ("kader", "bidan", "admin")},
    **{("GET", rule): {"roles": REPORTERS, "query": "month=2025-02"} for rule in REPORTS},
    ("POST", "/api/v1/auth/close-account"): {"roles": ("parent",), "json": {"password": "bukan-sandinya"}},
    ("POST", "/api/v1/auth/redeem"): {"roles": ("parent",), "json": {"code": "BUKANKODE"}},
}


def _version_id(client, world) -> str:
    versions = client.get("/api/v1/immunisation/schedule/versions", headers=world.headers("admin")).get_json()
    return str(versions["items"][0]["id"])


def _gated_request(client, world, method: str, rule: str) -> tuple[str, dict]:
    spec = GATED[(method, rule)]
    url = rule.replace("<int(max=2147483647):version_id>", _version_id(client, world)).replace(
        "<string:client_id>", "hp-tidak-ada")
    url += f"?{spec['query']}" if spec.get("query") else ""
    body = spec.get("json")
    kwargs = spec["kwargs"]() if "kwargs" in spec else {}
    if body is not None:
        kwargs["json"] = body(world.ids) if callable(body) else body
    return url, kwargs


@pytest.mark.parametrize("method, rule", sorted(GATED), ids=[f"{m} {r}" for m, r in sorted(GATED)])
def test_a_route_a_role_may_not_call_is_403_to_it_and_changes_nothing(client, world, db, outside, method, rule):
    refused = [who for role, who in CALLERS.items() if role not in GATED[(method, rule)]["roles"]]
    assert refused, "a route every role may call belongs in another table"
    for who in CALLERS.values():
        world.headers(who)
    url, _ = _gated_request(client, world, method, rule)
    before = counts(db)
    for who in refused:
        url, kwargs = _gated_request(client, world, method, rule)
        _refused_problem(client.open(url, method=method, headers=world.headers(who), **kwargs), 403, who, method, url)
    assert counts(db) == before, (method, url)
    # not refused to a role that may call it (its answer may still be 4xx: the body is not always good)
    allowed = next(who for role, who in CALLERS.items() if role in GATED[(method, rule)]["roles"])
    url, kwargs = _gated_request(client, world, method, rule)
    resp = client.open(url, method=method, headers=world.headers(allowed), **kwargs)
    assert resp.status_code not in (401, 403) and resp.status_code < 500, (allowed, method, url, resp.status_code)


LISTS = ["/api/v1/children", "/api/v1/children?q=Rahasia", "/api/v1/children?posyandu_id={p3}", "/api/v1/posyandu",
         "/api/v1/children/deleted", "/api/v1/children/deleted?posyandu_id={p3}",
         "/api/v1/posyandu?puskesmas_id={pkm_b}", "/api/v1/posyandu?desa_code=35.26.01.2001",
         "/api/v1/puskesmas", "/api/v1/sync/pull?limit=1000", "/api/v1/sync/devices", "/api/v1/sync/devices/never-synced", "/api/v1/access-log", "/api/v1/audit-log",
         "/api/v1/users", "/api/v1/users?posyandu_id={p3}",
         "/api/v1/reports/actions?month=2025-02&format=csv", "/api/v1/reports/actions?month=2025-02&format=xlsx",
         *(f"{report}?month=2025-02{area}" for report in REPORTS
           for area in ("", "&region_code=35.26", "&region_code=35.26.01.2001", "&posyandu_id={p3}"))]
# what a caller outside Kenanga asking for it by name gets: never its report (a 200 of nothing would name it)
NAMES_KENANGA = ("region_code=35.26", "posyandu_id={p3}")


@pytest.mark.parametrize("who", list(OUTSIDERS.values()))
def test_no_list_report_export_or_pull_names_a_child_outside_the_callers_area(client, world, outside, who):
    for url in LISTS:
        resp = client.get(url.format(p3=world.ids["p3"], pkm_b=world.ids["pkm_b"]), headers=world.headers(who))
        assert resp.status_code in (200, 403, 404), (who, url, resp.status_code)
        text = resp.get_data(as_text=True) if resp.mimetype != XLSX else _xlsx_text(resp.data)
        for secret in (SECRET, NIK, outside["child_id"], DEVICE, "Kenanga", "PKM Kamal", "Ibu Kamal"):
            assert secret not in text, (who, url, secret)
        if _path(url) in REPORTS and any(area in url for area in NAMES_KENANGA):  # a report of another area
            assert resp.status_code in (403, 404), (who, url, text[:200])


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _xlsx_text(data: bytes) -> str:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(name).decode("utf-8", "replace") for name in z.namelist())


AREA_WRITES = {("POST", "/api/v1/children"), ("POST", "/api/v1/sync/push"), ("POST", "/api/v1/posyandu"),
               ("POST", "/api/v1/imports/visits")}


@pytest.mark.parametrize("who", ["kader1", "bidan_a"])
def test_a_push_or_a_registration_into_another_area_is_refused_and_writes_nothing(client, world, db, outside, who):
    from sqlalchemy import func, select

    from posyandu.audit import AuditLog

    headers = world.headers(who)
    before = counts(db)
    last = db.session.scalar(select(func.max(AuditLog.id)))
    posyandu = client.post("/api/v1/posyandu", json={"name": "Anggrek", "desa_code": "35.26.01.2001", "meeting_day": 3,
                                                     "puskesmas_id": str(world.ids["pkm_b"])}, headers=headers)
    assert posyandu.status_code in (403, 422) and posyandu.content_type == "application/problem+json"
    imported = client.post("/api/v1/imports/visits", headers=headers, **_import_file())
    assert imported.status_code in (403, 422) and imported.content_type == "application/problem+json"
    assert counts(db)["Child"] == before["Child"] and counts(db)["Posyandu"] == before["Posyandu"]
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
         "data": {"posyandu_id": str(world.ids["p3"]), "name": "Anak Lain", "sex": "M", "birth_date": BORN}},
        {"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "delete", "id": outside["child_id"], "base_version": 1},
        {"mutation_id": str(uuid.uuid4()), "entity": "immunisation", "op": "upsert", "id": outside["immunisations"],
         "base_version": 1, "data": {"batch_number": "T9"}},
        {"mutation_id": str(uuid.uuid4()), "entity": "supplement", "op": "delete", "id": outside["supplements"],
         "base_version": 1},
        {"mutation_id": str(uuid.uuid4()), "entity": "supplement", "op": "upsert", "id": str(uuid.uuid4()),
         "data": {"child_id": outside["duplicate"], "kind": "vitamin_a_blue", "given_on": "2025-08-05"}}]
    resp = client.post("/api/v1/sync/push", json={"client_id": f"hp-{who}", "mutations": mutations}, headers=headers)
    assert resp.status_code == 200, resp.get_json()
    assert [r["status"] for r in resp.get_json()["results"]] == ["rejected"] * len(mutations), resp.get_json()
    assert SECRET not in resp.get_data(as_text=True) and NIK not in resp.get_data(as_text=True)
    after = counts(db)
    assert {k: v for k, v in after.items() if k not in ("AuditLog", "SyncMutation")} == \
        {k: v for k, v in before.items() if k not in ("AuditLog", "SyncMutation")}
    # the ledger keeps each refusal (a retry is answered it); the audit log claims no write, only the refused file
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.id > last)).all()
    assert set(actions) <= {"import_refused"}, actions


SHARED = {("GET", "/api/v1/regions"), ("GET", "/api/v1/immunisation/schedule"),
          ("GET", "/api/v1/immunisation/schedule/versions"),
          ("GET", "/api/v1/immunisation/schedule/versions/<int(max=2147483647):version_id>"), ("GET", "/api/v1/growth/kbm")}


def test_what_every_signed_in_user_shares_names_no_child(client, world, outside):
    for method, rule in sorted(SHARED):
        url = rule.replace("<int(max=2147483647):version_id>", _version_id(client, world)).replace(
        "<string:client_id>", "hp-tidak-ada")
        for who in CALLERS.values():
            resp = client.open(url, method=method, headers=world.headers(who))
            assert resp.status_code == 200, (who, url, resp.status_code)
            text = resp.get_data(as_text=True)
            assert SECRET not in text and NIK not in text and outside["child_id"] not in text, (who, url)


OWN_ACCOUNT = {("POST", "/api/v1/auth/refresh"), ("POST", "/api/v1/auth/logout"), ("GET", "/api/v1/auth/me"),
               ("POST", "/api/v1/auth/password"), ("POST", "/api/v1/auth/close-account"), ("POST", "/api/v1/auth/redeem")}


def test_the_own_account_routes_touch_only_the_callers_account(client, world):
    """A refresh token of another user's sent with a logout revokes nothing of theirs; /auth/me is the caller."""
    from tests.conftest import PASSWORD

    theirs = client.post("/api/v1/auth/login", json={"username": "kader3", "password": PASSWORD}).get_json()
    assert client.post("/api/v1/auth/logout", json={"refresh_token": theirs["refresh_token"]},
                       headers=world.headers("kader1")).status_code == 204
    refreshed = client.post("/api/v1/auth/refresh", headers={"Authorization": f"Bearer {theirs['refresh_token']}"})
    assert refreshed.status_code == 200, refreshed.get_json()
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {theirs['access_token']}"}
                      ).get_json()["username"] == "kader3"
    assert client.get("/api/v1/auth/me", headers=world.headers("kader1")).status_code == 401  # hers is revoked


PUBLIC = {("GET", "/api/v1/health"), ("GET", "/api/v1/openapi.json"), ("GET", "/api/v1/docs"),
          ("GET", "/api/v1/docs/static/<path:filename>"), ("POST", "/api/v1/growth/calculate"), ("GET", "/"),
          ("GET", "/<pwa_path:filename>"), ("POST", "/api/v1/auth/login"), ("POST", "/api/v1/auth/register")}


def test_every_route_but_the_public_ones_is_401_without_a_token(app, client, world, outside):
    ids = {**outside, "version_id": _version_id(client, world)}
    for method, rule in sorted(_routes(app) - PUBLIC):
        url = rule.replace("<int(max=2147483647):version_id>", ids["version_id"])
        if (method, rule) in REQUESTS:
            url, _ = _request(rule, method, outside)
        resp = client.open(url, method=method)
        assert resp.status_code == 401, (method, url, resp.status_code)
        assert resp.content_type == "application/problem+json", (method, url)


@pytest.mark.parametrize("gone", ["merged", "deleted"])
def test_a_child_merged_away_or_deleted_is_404_on_every_route_to_every_role_and_nothing_changes(
        client, world, db, outside, gone):
    """Her id (and her events', for a deleted child) answers as an id never seen, to her own area too; a
    merge into a child merged away is 409 ``child_merged`` (naming the child that stands)."""
    merged = client.post(f"/api/v1/children/{outside['child_id']}/merge", json={"duplicate_id": outside["duplicate"]},
                         headers=world.headers("bidan_b"))
    assert merged.status_code == 200, merged.get_json()
    ids = {**outside, "child_id": outside["duplicate"]}
    if gone == "deleted":
        assert client.delete(f"/api/v1/children/{outside['child_id']}", headers=world.headers("admin")).status_code == 204
        ids = outside
    routes = [(m, r) for m, r in sorted(REQUESTS) if "<uuid:child_id>" in r or (gone == "deleted" and "event_id" in r)]
    for who in [*INSIDERS.values(), *OUTSIDERS.values()]:  # signed in before: a sign-in is audited
        world.headers(who)
    before = counts(db)
    for method, rule in routes:
        url, kwargs = _request(rule, method, ids)
        for role, who in INSIDERS.items():
            if rule.endswith("/restore") and gone == "deleted" and role in HEALTH_WORKERS:
                continue  # hers to bring back (tests/api/test_restore_child.py); outside the area below
            resp = client.open(url, method=method, headers=world.headers(who), **kwargs)
            expected = {404} if role in REQUESTS[(method, rule)]["roles"] else {403, 404}
            if rule.endswith("/merge") and gone == "merged":
                expected |= {409}
            assert resp.status_code in expected, (gone, who, method, url, resp.status_code, resp.get_data(as_text=True)[:300])
            assert resp.content_type == "application/problem+json"
            assert NIK not in resp.get_data(as_text=True), (gone, who, method, url)
    assert counts(db) == before
    # listed among the deleted children her own area's midwife may bring back, to no one outside it
    deleted = client.get("/api/v1/children/deleted", headers=world.headers("bidan_b")).get_data(as_text=True)
    assert (outside["child_id"] in deleted) is (gone == "deleted") and outside["duplicate"] not in deleted
    for who in OUTSIDERS.values():
        resp = client.get("/api/v1/children/deleted", headers=world.headers(who))
        assert resp.status_code in (200, 403) and outside["child_id"] not in resp.get_data(as_text=True), who
        restore = client.post(f"/api/v1/children/{outside['child_id']}/restore", headers=world.headers(who))
        assert restore.status_code in (403, 404), (who, restore.status_code)
    assert counts(db) == before


FAMILY = {"mother_name": "Ibu Rahasia Kamal", "father_name": "Bapak Rahasia Kamal", "guardian_phone": "081377665544",
          "address": "Jl. Rahasia No. 9"}


def test_a_health_office_reads_the_children_of_its_region_without_their_familys_contact_details(client, world, outside):
    """Every answer a dinkes office reads about a child of its region (the record, lists, due list, reports,
    downloads, the FHIR export, a growth chart or immunisation card): her name, never her family's contacts."""
    patched = client.patch(f"/api/v1/children/{outside['child_id']}", json=FAMILY, headers=world.headers("kader3"))
    assert patched.status_code == 200, patched.get_json()
    reads = [_request(rule, "GET", outside)[0] for method, rule in sorted(REQUESTS)
             if method == "GET" and "dinkes" in REQUESTS[(method, rule)]["roles"]]
    reads += [url.format(p3=world.ids["p3"], pkm_b=world.ids["pkm_b"]).replace("2025-02", month)
              for url in LISTS for month in ("2025-02", "2025-06")]
    named = 0
    for url in reads:
        resp = client.get(url, headers=world.headers("dinkes_bangkalan"))
        assert resp.status_code in (200, 403), (url, resp.status_code)
        text = resp.get_data(as_text=True) if resp.mimetype != XLSX else _xlsx_text(resp.data)
        named += SECRET in text
        for value in FAMILY.values():
            assert value not in text, (url, value)
    assert named >= 8, named  # the child is in them: what is left out is her family's contacts alone


@pytest.mark.parametrize("moving", ["child", "staff"])
def test_a_child_moved_to_another_area_is_outside_the_old_one_on_every_route_and_list(client, world, db, outside,
                                                                                      moving):
    """Moved from Kenanga (p3, Bangkalan) to Melati (p1, Gresik): the old area's kader, midwife and health
    office are answered for her records as for ids that exist nowhere, and no list names her; the new
    area's see her; her parent still does. Or the staff moved instead (the kader to Melati, the midwife to
    PKM Wringinanom, the office to Gresik), and the child stays: the same, for them."""
    admin = world.headers("admin")
    if moving == "child":
        moved = client.patch(f"/api/v1/children/{outside['child_id']}", json={"posyandu_id": str(world.ids["p1"])},
                             headers=admin)
        assert moved.status_code == 200, moved.get_json()
    else:
        for who, scope in (("kader3", {"posyandu_id": str(world.ids["p1"])}),
                           ("bidan_b", {"puskesmas_id": str(world.ids["pkm_a"])}), ("dinkes_bangkalan", {"region_code": "35.25"})):
            user = client.get("/api/v1/users", query_string={"q": who}, headers=admin).get_json()["items"][0]
            assert client.patch(f"/api/v1/users/{user['id']}", json=scope, headers=admin).status_code == 200
    old = {"kader": "kader3", "bidan": "bidan_b", "dinkes": "dinkes_bangkalan"}
    for method, rule in sorted(REQUESTS):
        if method != "GET" or "<uuid:child_id>" not in rule and "<uuid:event_id>" not in rule:
            continue
        url, _ = _request(rule, method, outside)
        for role, who in old.items():
            resp = client.get(url, headers=world.headers(who))
            assert resp.status_code == (404 if role in REQUESTS[(method, rule)]["roles"] else 403), (who, url)
            assert NIK not in resp.get_data(as_text=True) and outside["child_id"] not in resp.get_data(as_text=True)
        assert client.get(url, headers=world.headers("ibu_kamal")).status_code in (200, 403), url
    for url in LISTS:
        for who in old.values():
            resp = client.get(url.format(p3=world.ids["p3"], pkm_b=world.ids["pkm_b"]), headers=world.headers(who))
            text = resp.get_data(as_text=True) if resp.mimetype != XLSX else _xlsx_text(resp.data)
            if _path(url) == "/api/v1/sync/pull" and resp.status_code == 200:
                # her records leave the old area's phones as out_of_scope deletes; the records that stay there
                # name her in none of their last versions (her twin's flag against her is judged again)
                changes = resp.get_json()["changes"]
                gone = [c for c in changes if outside["child_id"] in (c["id"], (c["record"] or {}).get("child_id"))]
                assert {(c["op"], c["reason"], c["record"]) for c in gone} <= {("delete", "out_of_scope", None)}, who
                assert NIK not in text, who
                text = str(list({(c["entity"], c["id"]): c for c in changes if c not in gone}.values()))
            assert outside["child_id"] not in text and NIK not in text, (who, url)  # (her twin stays at p3)
    for who in ("kader1", "bidan_a", "dinkes_gresik") if moving == "child" else ("admin",):
        assert outside["child_id"] in client.get("/api/v1/children", headers=world.headers(who)).get_data(as_text=True)
