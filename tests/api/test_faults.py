"""Bad input over HTTP (#8), on SQLite and PostgreSQL: a huge body, malformed
JSON, the wrong content type, wrong types for every field of the main write
endpoints, huge strings, NUL bytes, lone surrogates, deep nesting. Each answer
is a 4xx problem+json of the documented shape, never a 500, and nothing is
written (records, audit rows and change-log rows are counted before and after).
"""
from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD

TODAY = date.today().isoformat()


def counts(db) -> dict[str, int]:
    """Rows of every table that a write touches."""
    from posyandu.audit import AuditLog
    from posyandu.growth.models import Measurement
    from posyandu.immunisation.models import Immunisation, Supplement
    from posyandu.registry.models import Child, Posyandu, Puskesmas
    from posyandu.sync.models import ChangeLog, SyncMutation

    db.session.remove()
    return {m.__name__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Child, Measurement, Immunisation, Supplement, Posyandu, Puskesmas, AuditLog, ChangeLog,
                      SyncMutation)}


def assert_problem(resp, status: int | None = None) -> dict:
    assert 400 <= resp.status_code < 500, (resp.status_code, resp.get_data(as_text=True)[:300])
    if status is not None:
        assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.content_type == "application/problem+json"
    body = resp.get_json()
    assert {"type", "title", "status", "detail"} <= set(body) and body["status"] == resp.status_code
    return body


@pytest.mark.parametrize("url,field", [("/api/v1/puskesmas", "code"), ("/api/v1/children", "address"),
                                       ("/api/v1/children", "mother_name"), ("/api/v1/posyandu", "address")])
@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_optional_text_is_taken_as_absent_not_a_500(client, world, db, url, field, blank):
    """Regression (schemathesis): a blank optional text became None and its length rule crashed."""
    bodies = {"/api/v1/puskesmas": {"name": "PKM Baru", "kecamatan_code": "35.25.01"},
              "/api/v1/children": {"id": str(uuid.uuid4()), "posyandu_id": str(world.ids["p1"]), "name": "Ani",
                                   "sex": "F", "birth_date": (date.today() - timedelta(days=90)).isoformat()},
              "/api/v1/posyandu": {"name": "Baru", "desa_code": "35.25.01.2001",
                                   "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 3}}
    resp = client.post(url, json={**bodies[url], field: blank}, headers=world.headers("admin"))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()[field] is None
    missing_name = client.post(url, json={**bodies[url], "name": blank}, headers=world.headers("admin"))
    assert "name" in assert_problem(missing_name, 422)["errors"]


# --- the body itself -------------------------------------------------------------------

class CountingBody:
    """A request body of ``size`` bytes made on demand, counting what the server reads."""

    def __init__(self, size: int) -> None:
        self.size, self.pos, self.read_bytes = size, 0, 0

    def read(self, n: int = -1) -> bytes:
        n = self.size - self.pos if n is None or n < 0 else min(n, self.size - self.pos)
        self.pos += n
        self.read_bytes += n
        return b" " * n

    readline = read

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = offset if whence == 0 else self.size + offset if whence == 2 else self.pos + offset
        return self.pos


def test_a_50_mb_body_is_refused_413_before_it_is_read(client, world, db):
    headers = world.headers("kader1")
    before = counts(db)
    body = CountingBody(50 * 1024 * 1024)
    resp = client.post("/api/v1/sync/push", input_stream=body, content_length=body.size,
                       content_type="application/json", headers=headers)
    assert assert_problem(resp, 413)["title"] == "Data too large"  # as the Indonesian: was "Payload too large"
    assert body.read_bytes == 0  # refused from Content-Length alone, never buffered
    assert counts(db) == before


WRITES = [("post", "/api/v1/children"), ("post", "/api/v1/children/{child}/measurements"),
          ("post", "/api/v1/children/{child}/immunisations"), ("post", "/api/v1/children/{child}/supplements"),
          ("patch", "/api/v1/children/{child}"), ("post", "/api/v1/sync/push"), ("post", "/api/v1/auth/login")]
MALFORMED = [("{not json", "application/json"), ('{"name": "Ani",}', "application/json"), ("", "application/json"),
             ('"just a string"', "application/json"), ("[1, 2, 3]", "application/json"), ("null", "application/json"),
             (b'{"name": "\xff\xfe"}', "application/json"), ('{"name": "Ani"}', "text/plain"),
             ("name=Ani&sex=F", "application/x-www-form-urlencoded"), ("[" * 50000 + "]" * 50000, "application/json"),
             ('{"a":' * 20000 + "1" + "}" * 20000, "application/json"),
             ('{"name": ' + "9" * 5000 + "}", "application/json")]   # past Python's 4300-digit int limit


def test_a_patch_without_a_body_is_422_and_an_empty_object_changes_nothing(client, world, db, make_child):
    """Regression (schemathesis): the body is documented as required, yet no body was a silent 200."""
    child = make_child()
    headers = world.headers("kader1")
    before = counts(db)
    assert "_schema" in assert_problem(client.patch(f"/api/v1/children/{child['id']}", headers=headers), 422)["errors"]
    assert counts(db) == before
    resp = client.patch(f"/api/v1/children/{child['id']}", json={}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["version"] == child["version"]


@pytest.mark.parametrize("method,url", WRITES)
def test_malformed_or_mistyped_bodies_are_4xx_problems_and_write_nothing(client, world, db, make_child, method, url):
    child = make_child()
    headers = world.headers("kader1") if "login" not in url else {}
    before = counts(db)
    for data, content_type in MALFORMED:
        resp = client.open(url.format(child=child["id"]), method=method.upper(), data=data,
                           content_type=content_type, headers=headers)
        body = assert_problem(resp, 415 if content_type != "application/json" else None)
        if resp.status_code == 415:
            assert body["type"].endswith("/unsupported_media_type")
            assert body["title"] == ("The request body must be JSON" if headers else "Isi permintaan harus berupa JSON")
    assert counts(db) == before


# --- wrong types, field by field, from the served OpenAPI document -----------------------

def wrong_values(prop: dict) -> list:
    kind = prop.get("type")
    if kind in ("number", "integer"):
        return ["sembilan", [9], {"kg": 9}, True] + ([9.5] if kind == "integer" else [])
    if kind == "boolean":
        # a yes or no is JSON's true or false: marshmallow took "yes", "on", "1", 1 and 0 (oedema from a word)
        return ["mungkin", [True], {"v": 1}, 2, "yes", "true", "on", "1", 1, 0, "false"]
    if kind == "string":
        bad = [12345, ["Ani"], {"a": "b"}, True]
        return bad + (["bukan-format"] if prop.get("format") in ("uuid", "date", "date-time") else [])
    return []


def writable_fields(spec: dict, component: str) -> dict[str, dict]:
    props = spec["components"]["schemas"][component]["properties"]
    return {name: p for name, p in props.items() if not p.get("readOnly")}


def good_bodies(world, child_id: str) -> dict[str, tuple[str, str, dict]]:
    today = date.today().isoformat()
    return {"Child": ("/api/v1/children", "kader1", {"posyandu_id": str(world.ids["p1"]), "name": "Siti Nur'aini",
                                                     "sex": "F", "birth_date": "2025-01-10"}),
            "Measurement": (f"/api/v1/children/{child_id}/measurements", "kader1",
                            {"measured_on": today, "weight_kg": 9.2, "length_height_cm": 75.0}),
            "Immunisation": (f"/api/v1/children/{child_id}/immunisations", "admin",
                             {"vaccine": "DPT-HB-Hib", "dose": 1, "given_on": today, "override_reason": "catch-up"}),
            "Supplement": (f"/api/v1/children/{child_id}/supplements", "admin",
                           {"kind": "vitamin_a_red", "given_on": today, "override_reason": "catch-up"})}


@pytest.mark.parametrize("component", ["Child", "Measurement", "Immunisation", "Supplement"])
def test_every_field_of_a_wrong_type_is_named_in_a_422_and_nothing_is_written(client, world, db, make_child,
                                                                               component):
    child = make_child()
    spec = client.get("/api/v1/openapi.json").get_json()
    url, who, good = good_bodies(world, child["id"])[component]
    headers = world.headers(who)
    before, tried = counts(db), 0
    for field, prop in writable_fields(spec, component).items():
        for bad in wrong_values(prop):
            resp = client.post(url, json={**good, "id": str(uuid.uuid4()), field: bad}, headers=headers)
            problem = assert_problem(resp, 422)
            assert field in problem["errors"], (field, bad, problem)
            tried += 1
    assert tried > 20 and counts(db) == before


@pytest.mark.parametrize("component", ["Child", "Measurement"])
def test_a_sync_mutation_with_a_wrong_type_is_rejected_with_the_field_and_nothing_is_written(
        client, world, db, make_child, component):
    child = make_child()
    spec = client.get("/api/v1/openapi.json").get_json()
    _, _, good = good_bodies(world, child["id"])[component]
    entity = component.lower()
    if entity == "measurement":
        good = {**good, "child_id": child["id"]}
    headers = world.headers("kader1")
    before, mutations, expected = counts(db), [], []
    for field, prop in writable_fields(spec, component).items():
        if field == "id":
            continue
        for bad in wrong_values(prop):
            mutations.append({"mutation_id": str(uuid.uuid4()), "entity": entity, "op": "upsert",
                              "id": str(uuid.uuid4()), "base_version": None, "data": {**good, field: bad}})
            expected.append(field)
    resp = client.post("/api/v1/sync/push", json={"client_id": "device-faults", "mutations": mutations},
                       headers=headers)
    assert resp.status_code == 200, resp.get_json()
    for field, result in zip(expected, resp.get_json()["results"]):
        assert result["status"] == "rejected" and field in result["errors"], (field, result)
    after = counts(db)
    assert {k: v for k, v in after.items() if k != "SyncMutation"} == \
        {k: v for k, v in before.items() if k != "SyncMutation"}  # only the ledger remembers the answers


# --- text no database can store, huge strings ---------------------------------------------

@pytest.mark.parametrize("bad", ["Ani\x00", "Ani\ud800", "\udc00Ani", "x" * 1_000_000])
def test_nul_lone_surrogates_and_huge_strings_are_422_naming_the_field_and_write_nothing(
        client, world, db, make_child, bad):
    child = make_child()
    headers = world.headers("kader1")
    new_child = {"id": str(uuid.uuid4()), "posyandu_id": str(world.ids["p1"]), "name": "Ani", "sex": "F",
                 "birth_date": "2025-01-10"}
    mutation = {"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
                "data": {**{k: v for k, v in new_child.items() if k != "id"}, "name": bad}}
    cases = [("post", "/api/v1/children", {**new_child, "name": bad}, "name"),
             ("post", "/api/v1/children", {**new_child, "mother_name": bad}, "mother_name"),
             ("patch", f"/api/v1/children/{child['id']}", {"address": bad}, "address"),
             ("post", f"/api/v1/children/{child['id']}/measurements",
              {"measured_on": TODAY, "weight_kg": 9.0, "trend_override": "N", "trend_override_reason": bad},
              "trend_override_reason"),
             ("post", "/api/v1/sync/push", {"client_id": bad, "mutations": []}, "client_id")]
    before = counts(db)
    for method, url, body, field in cases:
        problem = assert_problem(client.open(url, method=method.upper(), json=body, headers=headers), 422)
        assert field in problem["errors"], (url, field, problem)
    login = client.post("/api/v1/auth/login", json={"username": bad, "password": "rahasia-123"})
    assert login.status_code in (401, 422) and login.content_type == "application/problem+json"
    # in a sync push the bad text rejects its own mutation only (the phone's outbox is never stuck)
    resp = client.post("/api/v1/sync/push", json={"client_id": "dev-1", "mutations": [mutation]}, headers=headers)
    [result] = resp.get_json()["results"]
    assert resp.status_code == 200 and result["status"] == "rejected"
    assert "name" in result["errors"].get("data", result["errors"])   # unstorable text / too long
    after = counts(db)
    assert after.pop("SyncMutation") - before.pop("SyncMutation") <= 1   # the ledger may remember the answer
    assert after == before


def test_a_json_object_naming_a_key_twice_is_422_naming_the_key_and_nothing_is_written(client, world, db, make_child):
    """``{"weight_kg": 8.5, "weight_kg": 85}`` was read by json.loads as its last value, 85, when another
    reader (a proxy, a log, the sender's own check) may have taken the first: the body is refused with the
    key named, on every JSON route, a sync push whole (its other mutations are no surer), the login too."""
    child = make_child()
    headers = world.headers("kader1")
    before = counts(db)
    weighing = ('{"measured_on": "%s", "weight_kg": 8.5, "length_height_cm": 70.2, "position": "lying", '
                '"weight_kg": 85}' % TODAY)
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", data=weighing,
                       content_type="application/json", headers=world.headers("kader1", "id"))
    assert assert_problem(resp, 422)["errors"] == {
        "_schema": ['kunci "weight_kg" ditulis dua kali dalam satu objek JSON: kirim sekali saja']}
    english = client.post(f"/api/v1/children/{child['id']}/measurements", data=weighing,
                          content_type="application/json", headers=headers)
    assert assert_problem(english, 422)["errors"] == {
        "_schema": ['the key "weight_kg" is given twice in one JSON object: send it once']}
    mutation = ('{"mutation_id": "%s", "entity": "measurement", "op": "upsert", "id": "%s", '
                '"data": {"child_id": "%s", "measured_on": "%s", "weight_kg": 8.5, "weight_kg": 85}}')
    push = '{"client_id": "hp-1", "mutations": [%s, %s]}' % (
        mutation.replace(', "weight_kg": 85', "") % (uuid.uuid4(), uuid.uuid4(), child["id"], TODAY),
        mutation % (uuid.uuid4(), uuid.uuid4(), child["id"], TODAY))
    resp = client.post("/api/v1/sync/push", data=push, content_type="application/json", headers=headers)
    assert "weight_kg" in assert_problem(resp, 422)["errors"]["_schema"][0]
    login = client.post("/api/v1/auth/login", data='{"username": "kader1", "password": "%s", "username": "admin"}'
                        % PASSWORD, content_type="application/json")
    assert "username" in assert_problem(login, 422)["errors"]["_schema"][0]
    patch = client.patch(f"/api/v1/children/{child['id']}", data='{"name": "Ani", "name": "Budi"}',
                         content_type="application/json", headers=headers)
    assert "name" in assert_problem(patch, 422)["errors"]["_schema"][0]
    assert counts(db) == before
    # the same key in two objects, or nested in one under another name, is no repeat
    weighed = client.post(f"/api/v1/children/{child['id']}/measurements", data=weighing.replace(', "weight_kg": 85', ""),
                          content_type="application/json", headers=headers)
    assert weighed.status_code == 201, weighed.get_json()
    sent = client.post("/api/v1/sync/push", data=push.replace(', "weight_kg": 85', ""), content_type="application/json",
                       headers=headers).get_json()
    assert [r["status"] for r in sent["results"]] == ["applied", "applied"], sent


def test_an_integer_too_long_for_python_is_malformed_json_not_a_500(client, world, db, make_child):
    """json.loads refuses integers over 4300 digits with a ValueError that is not a JSONDecodeError:
    it was a 500 on every JSON endpoint, even an unauthenticated login."""
    digits = "9" * 5000
    malformed = client.post("/api/v1/auth/login", data='{"username": "x", "password": ', content_type="application/json")
    login = client.post("/api/v1/auth/login", data='{"username": "x", "password": %s}' % digits,
                        content_type="application/json")
    assert assert_problem(login, 422) == assert_problem(malformed, 422)
    assert login.get_json()["errors"] == {"_schema": ["isi JSON tidak sah"]}
    child = make_child()
    before = counts(db)
    body = ('{"client_id": "dev-1", "mutations": [{"mutation_id": "%s", "entity": "measurement", "op": "upsert", '
            '"id": "%s", "data": {"child_id": "%s", "measured_on": "%s", "weight_kg": %s}}]}'
            % (uuid.uuid4(), uuid.uuid4(), child["id"], TODAY, digits))
    push = client.post("/api/v1/sync/push", data=body, content_type="application/json", headers=world.headers("kader1"))
    assert assert_problem(push, 422)["errors"] == {"_schema": ["invalid JSON body"]}
    # a long integer Python does read (no phone's JavaScript writes one) rejects its own mutation only
    mutations = [{"mutation_id": str(uuid.uuid4()), "entity": "measurement", "op": "upsert", "id": str(uuid.uuid4()),
                  "data": {"child_id": child["id"], "measured_on": TODAY, "weight_kg": weight}}
                 for weight in (10 ** 4000, 9.2)]
    resp = client.post("/api/v1/sync/push", json={"client_id": "dev-1", "mutations": mutations},
                       headers=world.headers("kader1"))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    first, second = resp.get_json()["results"]
    assert first["status"] == "rejected" and "weight_kg" in first["errors"], first
    assert second["status"] == "applied"
    after = counts(db)
    assert (after["Measurement"], after["Child"]) == (before["Measurement"] + 1, before["Child"])


def test_pattern_and_special_number_messages_are_in_indonesian_by_default(client, world, make_child):
    """The region-code and username patterns, and NaN/Infinity, answered in English under ``id``."""
    child = make_child()
    headers = world.headers("kader1", lang="id")

    def errors(resp) -> dict:
        return assert_problem(resp, 422)["errors"]
    assert errors(client.get("/api/v1/reports/skdn?month=2025-06&region_code=35-25",
                             headers=world.headers("bidan_a", lang="id"))) == {
        "region_code": ["harus kode Kemendagri, misalnya 35.25.01.2001"]}
    register = {"code": "ZZZZ-ZZZZ", "username": "ibu ani", "password": "kuat-sekali", "name": "Ibu Ani"}
    assert errors(client.post("/api/v1/auth/register", json=register)) == {  # the bad code said with it
        "username": ["3-80 huruf, angka, atau _ . - @, tanpa spasi"], "code": ["tidak sah, kedaluwarsa, atau sudah dipakai: periksa kodenya, atau minta kode baru ke kader atau bidan"]}
    for number in ("NaN", "Infinity", "-Infinity", "1e999"):
        body = '{"measured_on": "%s", "weight_kg": %s}' % (TODAY, number)
        resp = client.post(f"/api/v1/children/{child['id']}/measurements", data=body, content_type="application/json",
                           headers=headers)
        assert errors(resp) == {"weight_kg": ["nilai khusus (NaN atau tak hingga) tidak diizinkan"]}, number
    resp = client.post(f"/api/v1/children/{child['id']}/measurements", json={"measured_on": TODAY, "weight_kg": 10 ** 400},
                       headers=headers)
    assert errors(resp) == {"weight_kg": ["angka terlalu besar"]}
    resp = client.post(f"/api/v1/children/{child['id']}/immunisations",
                       json={"vaccine": "D", "dose": 1, "given_on": TODAY}, headers=headers)
    assert errors(resp) == {"vaccine": ["kode vaksin 2-20 huruf, angka atau '-' (misalnya DPT-HB-Hib)"]}


@pytest.mark.parametrize("bad", ["Ani\x00", "Ani\ud800"])
def test_unstorable_text_in_one_mutation_rejects_it_alone_and_the_rest_apply(client, world, db, bad):
    good = {"posyandu_id": str(world.ids["p1"]), "sex": "F", "birth_date": "2025-01-10"}
    mutations = [{"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
                  "data": {**good, "name": name}} for name in (bad, "Ni Luh Putu Ayu Dewi")]
    mutations.append({"mutation_id": "m" + bad, "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
                      "data": {**good, "name": "Wayan"}})
    resp = client.post("/api/v1/sync/push", json={"client_id": "dev-1", "mutations": mutations},
                       headers=world.headers("kader1"))
    assert resp.status_code == 200
    first, second, third = resp.get_json()["results"]
    assert first["status"] == "rejected" and first["mutation_id"] == mutations[0]["mutation_id"]
    assert list(first["errors"]) == ["name"] and all(isinstance(m, str) for m in first["errors"]["name"])
    assert second["status"] == "applied"
    assert third["status"] == "rejected" and third["mutation_id"] is None and "mutation_id" in third["errors"]
    assert counts(db)["Child"] == 1


def test_an_unstorable_key_over_unstorable_values_is_rejected_not_a_500(client, world, db):
    """A key holding NUL whose value holds more of them: the whole entry is refused (this once
    raised inside the check, a 500 for the whole push; found by a property test)."""
    good = {"posyandu_id": str(world.ids["p1"]), "name": "Ani", "sex": "F", "birth_date": "2025-01-10"}
    mutations = [{"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
                  "data": {**good, "\x00": {"a": "\x00", "b": ["\x00", "\ud800"]}}},
                 {"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
                  "data": good}]
    resp = client.post("/api/v1/sync/push", json={"client_id": "dev-1", "mutations": mutations},
                       headers=world.headers("kader1"))
    assert resp.status_code == 200
    first, second = resp.get_json()["results"]
    assert first["status"] == "rejected" and list(first["errors"]) == ["\ufffd"], first
    assert len(first["errors"]["\ufffd"]) == 1 and isinstance(first["errors"]["\ufffd"][0], str), first
    assert second["status"] == "applied" and counts(db)["Child"] == 1
    resp = client.post("/api/v1/children", json={**good, "\x00": {"a": "\x00"}}, headers=world.headers("kader1"))
    assert resp.status_code == 422 and counts(db)["Child"] == 1


def nested(value, depth):
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize("depth", [300, 600])
def test_json_nested_past_the_apis_depth_is_malformed_not_a_500(app, client, world, db, depth):
    """A NUL 600 lists down in a child's name: its field errors nested as deep, and their translation
    ran out of stack (500). Such a body is malformed; a pushed mutation is judged on its own: a NUL
    300 lists down in one was named 300 levels deep, an answer the idempotency ledger could not
    store (orjson stops at 255): a 500, the good mutation beside it lost, the phone stuck retrying."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: a bug answers 500, not raises here
    good = {"posyandu_id": str(world.ids["p1"]), "name": "Ani", "sex": "F", "birth_date": "2025-01-10"}
    mutations = [{"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
                  "data": {**good, "name": nested("\x00", depth)}},
                 {"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
                  "data": good}]
    headers = world.headers("kader1")  # a login is audited: before the count
    before = counts(db)
    for url, body in (("/api/v1/children", {**good, "name": nested("\x00", depth)}),
                      ("/api/v1/children", {**good, "name": "Ani", "x": nested(1, depth)}),
                      ("/api/v1/sync/push", {"client_id": nested("a", depth), "mutations": []})):
        problem = assert_problem(client.post(url, json=body, headers=headers), 422)
        assert problem["errors"] == {"_schema": ["invalid JSON body"]}, (url, problem)
    assert counts(db) == before
    for _ in range(2):  # and its retry, replayed from the ledger
        resp = client.post("/api/v1/sync/push", json={"client_id": "dev-1", "mutations": mutations}, headers=headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        rejected, applied = resp.get_json()["results"]
        assert rejected["status"] == "rejected" and rejected["errors"]["name"] == [rejected["errors"]["name"][0]], rejected
        assert isinstance(rejected["errors"]["name"][0], str), rejected
        assert applied["status"] == "applied"
    assert counts(db)["Child"] == before["Child"] + 1
    resp = client.post("/api/v1/growth/calculate", json={"measurements": [
        {"sex": "M", "age_days": 10, "weight_kg": nested("\x00", depth)}, {"sex": "M", "age_days": 10, "weight_kg": 3.5}]})
    bad, computed = resp.get_json()["results"]
    assert list(bad) == ["errors"] and "weight_kg" in bad["errors"] and computed["zscores"]["wfa"] is not None


def test_unstorable_text_in_one_calculator_row_is_that_rows_error(client):
    """A NUL or a lone surrogate in one row refused the whole batch: the contract gives a bad row its
    errors in its place and computes the others (as growth.js does offline)."""
    rows = [{"sex": "M", "age_days": 10, "weight_kg": 3.5}, {"sex": "M\x00", "age_days": 10},
            {"sex": "F", "age_days": 10, "weight_kg": "\ud800"}]
    resp = client.post("/api/v1/growth/calculate", json={"measurements": rows})
    assert resp.status_code == 200, resp.get_json()
    first, second, third = resp.get_json()["results"]
    assert first["zscores"]["wfa"] is not None
    assert list(second) == ["errors"] and "sex" in second["errors"], second
    assert list(third) == ["errors"] and "weight_kg" in third["errors"], third


def test_a_1_mb_name_in_a_sync_mutation_is_rejected_alone(client, world, db):
    headers = world.headers("kader1")
    good = {"posyandu_id": str(world.ids["p1"]), "name": "Ni Luh Putu Ayu Dewi", "sex": "F", "birth_date": "2025-01-10"}
    mutations = [{"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
                  "data": {**good, "name": name}} for name in ("x" * 1_000_000, "Ni Luh Putu Ayu Dewi")]
    resp = client.post("/api/v1/sync/push", json={"client_id": "dev-1", "mutations": mutations}, headers=headers)
    first, second = resp.get_json()["results"]
    assert first["status"] == "rejected" and "name" in first["errors"]
    assert second["status"] == "applied" and counts(db)["Child"] == 1


def test_query_strings_with_nul_are_422_not_a_database_error(client, world):
    for url in ("/api/v1/children?q=a%00b", "/api/v1/sync/pull?cursor=a%00", "/api/v1/users?role=a%00"):
        resp = client.get(url, headers=world.headers("admin"))
        assert assert_problem(resp, 422)["errors"], url


def _id_routes(app) -> list[tuple[str, str, list[str]]]:
    """Every (method, rule, id parameters) of a route with a record id in its path."""
    from werkzeug.routing import UUIDConverter

    routes = []
    for rule in app.url_map.iter_rules():
        ids = [name for name, conv in rule._converters.items() if isinstance(conv, UUIDConverter)]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}) if ids else ():
            routes.append((method, rule.rule, ids))
    return routes


@pytest.mark.parametrize("bad", ["not-a-uuid", "12345", "123e4567-e89b-12d3-a456-42661417400Z",
                                 "123e4567e89b12d3a456426614174000", "{123e4567-e89b-12d3-a456-426614174000}"])
def test_a_malformed_id_in_any_path_is_422_on_its_parameter_and_writes_nothing(app, client, world, db, make_child,
                                                                                bad):
    """api-contract: "The server rejects a malformed id with 422" (before, no route matched: 404, or 405
    where only the PWA's files matched the path)."""
    child = make_child()
    routes = _id_routes(app)
    assert len(routes) >= 20, routes  # every record route, not a few
    headers = world.headers("admin", "id")  # logged in (a login is audited) before counting
    before = counts(db)
    for method, rule, ids in routes:
        for bad_one in ids:
            url = rule
            for name in ids:
                url = url.replace(f"<uuid:{name}>", bad if name == bad_one else child["id"])
            resp = client.open(url, method=method, json={} if method in ("POST", "PUT", "PATCH") else None,
                               headers=headers)
            body = assert_problem(resp, 422)
            assert body["errors"] == {bad_one: ["bukan UUID yang sah"]}, (method, url, body)
    assert counts(db) == before


def test_a_well_formed_id_of_no_record_is_still_404(client, world):
    for url in (f"/api/v1/children/{uuid.uuid4()}", f"/api/v1/measurements/{uuid.uuid4()}"):
        assert_problem(client.get(url, headers=world.headers("admin")), 404)
    assert_problem(client.get(f"/api/v1/children/{str(uuid.uuid4()).upper()}", headers=world.headers("admin")), 404)


def test_a_malformed_id_is_told_after_the_caller_is_judged_401_then_403(client, world):
    """The documented order (401, 403, 404, then 422): GET /children/abc with no token was told its id's
    format (422), and a parent's PATCH of /children/abc too, where a well-formed id gets 403."""
    assert_problem(client.get("/api/v1/children/abc"), 401)
    assert_problem(client.patch("/api/v1/children/abc", json={"name": "X"}, headers=world.headers("parent1")), 403)
    assert assert_problem(client.get("/api/v1/children/abc", headers=world.headers("kader1")), 422)["errors"] == {
        "child_id": ["not a valid UUID"]}


# text as sent (the access log's cursor is an id), or values encrypted by the server's own key:
# a forgery by someone holding it (or a bug) must still be refused by type
FORGED_CURSORS = ["x.\u00e9", "\u00b2", "9999999999999999999", [-1], [{"a": 1}], [[1]],
                  [None], [1e400], [1, 2], ["2024-01-01", 5],
                  [123, str(uuid.UUID(int=1))], [{"x": 1}, str(uuid.UUID(int=1))],
                  ["\ud800"], ["a\x00", str(uuid.UUID(int=1))]]


@pytest.mark.parametrize("cursor", FORGED_CURSORS, ids=range(len(FORGED_CURSORS)))
def test_a_list_cursor_this_server_did_not_make_is_422_never_a_500(app, client, world, make_child, cursor):
    """A list cursor is JSON the client hands back: values of the wrong type for their column (a
    number for a name, a list for an id, infinity for a version) once reached the database or a
    conversion that raised more than ValueError, and the access log took any Unicode digit."""
    from posyandu.pagination import encode_cursor

    if isinstance(cursor, list):
        with app.app_context():
            cursor = encode_cursor(cursor)
    child = make_child()
    for url in ("/api/v1/regions", "/api/v1/posyandu", "/api/v1/children", "/api/v1/users",
                f"/api/v1/children/{child['id']}/measurements", f"/api/v1/children/{child['id']}/supplements",
                "/api/v1/immunisation/schedule/versions", "/api/v1/access-log",
                f"/api/v1/children/{child['id']}/access-log"):
        resp = client.get(url, query_string={"cursor": cursor}, headers=world.headers("admin"))
        assert "cursor" in assert_problem(resp, 422)["errors"], url


def test_a_header_the_database_refuses_is_never_a_500(client, world, db):
    from posyandu.sync.models import SyncClient

    headers = {**world.headers("kader1"), "X-Client-Version": "1.0\x00"}
    resp = client.post("/api/v1/sync/push", json={"client_id": "dev-x", "mutations": []}, headers=headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)    # the control character is dropped
    assert db.session.get(SyncClient, "dev-x").app_version == "1.0"


def test_a_database_that_cannot_be_reached_is_a_503_problem_with_retry_after():
    from flask_jwt_extended import create_access_token

    from config import TestConfig
    from posyandu import create_app

    cfg = type("Down", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1:1/none",
                                       "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}}})
    app = create_app(cfg)
    with app.app_context():
        token = create_access_token(type("U", (), {"id": uuid.uuid4()})())
    resp = app.test_client().get("/api/v1/children", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 503 and resp.content_type == "application/problem+json"
    assert resp.headers["Retry-After"] == "5" and resp.get_json()["type"].endswith("/unavailable")


def test_a_database_that_cannot_be_reached_says_its_own_retry_after_on_a_rate_limited_route():
    """The limiter put its window's reset over a 503's Retry-After on a limited route (the larger of
    the two): a login or a parent's registration while the database was down said "wait 60 s"
    instead of 5, though no limit was near, and a phone honouring it stayed quiet a minute. The
    503 says its own now (a 429 says the limiter's: test_auth). An attempt the server could not judge
    takes no place in the address's budget: a room retrying through an outage is not locked out after it."""
    from config import TestConfig
    from posyandu import create_app

    cfg = type("Down", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://x@127.0.0.1:1/none",
                                       "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
                                       "LOGIN_ADDRESS_RATE_LIMIT": "3 per minute"})
    client = create_app(cfg).test_client()
    body = {"code": "ABCD-EFGH", "username": "ibu.ani", "password": "kuat-sekali", "name": "Ibu Ani"}
    for _ in range(5):
        down = client.post("/api/v1/auth/register", json=body)
        # limited (the header names one of its limits: the address's, or the server-wide one of refused codes)
        assert down.status_code == 503 and down.headers["X-RateLimit-Limit"] in ("3", "100"), down.get_data(as_text=True)
        assert down.headers["Retry-After"] == "5"


@pytest.fixture
def silent_database():
    """The URL of a PostgreSQL that does not answer: a port that takes connections (the kernel
    completes them in the listening socket's backlog) and never says a word, as a database host
    behind a firewall dropping its replies or a server hung. Not a refused port: that fails at
    once, whatever the timeout. Closed at the end, which resets whatever still waits on it."""
    import socket

    server = socket.create_server(("127.0.0.1", 0), backlog=16)
    try:
        yield f"postgresql+psycopg://posyandu@127.0.0.1:{server.getsockname()[1]}/posyandu"
    finally:
        server.close()


def _within(seconds: float, call):
    """``call()``'s result, its exception, and the seconds it took; None if it took longer than
    ``seconds`` (left running in a daemon thread)."""
    import threading
    import time

    done: list = []

    def run() -> None:
        started = time.monotonic()
        try:
            result, exc = call(), None
        except Exception as raised:  # noqa: BLE001 - handed to the test
            result, exc = None, raised
        done.append((result, exc, time.monotonic() - started))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    return done[0] if done else None


def test_a_database_that_does_not_answer_is_a_503_within_the_connect_timeout(monkeypatch, silent_database):
    """DB_CONNECT_TIMEOUT bounds opening a connection. Before, psycopg waited its own 130 s on a
    database host that did not answer: every request, and GET /health, hung until gunicorn killed
    the worker (60 s), and an uptime checker saw a timeout, not a 503. The reports' replica
    engine is bounded the same way."""
    import config
    from config import TestConfig
    from posyandu import create_app
    from posyandu.replica import EXTENSION

    monkeypatch.setenv("DB_CONNECT_TIMEOUT", "2")  # psycopg's least
    cfg = type("Silent", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": silent_database,
                                         "REPORTS_DATABASE_URL": silent_database,
                                         "SQLALCHEMY_ENGINE_OPTIONS": config._engine_options(silent_database)})
    app = create_app(cfg)
    answered = _within(20, lambda: app.test_client().get("/api/v1/health"))
    assert answered is not None, "GET /health still waiting for the database after 20 s"
    resp, _, took = answered
    assert resp.status_code == 503 and resp.get_json()["database"] == "unreachable" and took < 10, took
    replica = _within(20, lambda: app.extensions[EXTENSION].connect())
    assert replica is not None, "the replica engine still connecting after 20 s"
    _, exc, took = replica
    assert type(exc).__name__ == "OperationalError" and took < 10, (exc, took)


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS"])
@pytest.mark.parametrize("url", ["/api/v1/no-such-thing", "/api/v1/sync/pushh", "/api/v1/auth/login/",
                                 "/api/v1/children/", "/api/v2/children"])
def test_an_unknown_api_path_is_404_whatever_the_method(client, world, method, url):
    """A path no API route has is 404 for every method. Before, every method but GET and HEAD
    was answered 405 'Metode tidak diizinkan' with ``Allow: GET, HEAD, OPTIONS`` (the PWA's
    static files matched the path): a client posting to a mistyped path, or with a trailing
    slash, was told to use GET, which then answered 404."""
    resp = client.open(url, method=method, json={}, headers=world.headers("admin", "id"))
    body = assert_problem(resp, 404)
    assert body["title"] == "Data tidak ditemukan" and "Allow" not in resp.headers


def test_a_wrong_method_on_an_api_route_is_still_405_naming_its_methods(client, world):
    resp = client.put("/api/v1/children", json={}, headers=world.headers("admin", "en"))
    body = assert_problem(resp, 405)
    assert body["title"] == "Method not allowed"
    assert set(resp.headers["Allow"].split(", ")) == {"GET", "POST", "HEAD", "OPTIONS"}
    assert client.get("/index.html").status_code == 200  # the PWA's files are still served
    assert client.get("/js/api.js").status_code == 200


def _chunked(client, url, body: bytes, content_type: str, headers: dict):
    """A body sent as HTTP/1.1 chunked transfer coding: no Content-Length (a fetch() of a stream,
    requests given a generator, curl -T -). Servers (werkzeug, gunicorn) mark the input terminated."""
    import io

    return client.post(url, input_stream=io.BytesIO(body), environ_overrides={"wsgi.input_terminated": True},
                       headers={**headers, "Content-Type": content_type, "Transfer-Encoding": "chunked"})


def test_a_body_that_is_not_json_is_refused_when_sent_chunked_too(client, world):
    """A non-JSON body with no Content-Length (chunked) was taken as no body at all: a logout whose
    refresh token came as text/plain answered 204 and left the refresh token working. Now 415, as
    with a Content-Length, and nothing is revoked."""
    import json

    login = client.post("/api/v1/auth/login", json={"username": "kader1", "password": PASSWORD}).get_json()
    auth = {"Authorization": f"Bearer {login['access_token']}", "Accept-Language": "id"}
    body = json.dumps({"refresh_token": login["refresh_token"]}).encode()
    problem = assert_problem(_chunked(client, "/api/v1/auth/logout", body, "text/plain;charset=UTF-8", auth), 415)
    assert problem["title"] == "Isi permintaan harus berupa JSON"
    assert client.get("/api/v1/auth/me", headers=auth).status_code == 200  # refused: nothing revoked
    assert _chunked(client, "/api/v1/auth/logout", body, "application/json", auth).status_code == 204
    assert client.post("/api/v1/auth/refresh",
                       headers={"Authorization": f"Bearer {login['refresh_token']}"}).status_code == 401


def test_a_chunked_json_body_is_read(client, world):
    resp = _chunked(client, "/api/v1/regions", b'{"code": "35.25.02", "name": "Driyorejo"}', "application/json",
                    world.headers("admin"))
    assert resp.status_code == 201, resp.get_json()


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_a_compressed_body_is_refused_with_415_saying_so(client, world, db, make_child, coding):
    """Content-Encoding is not decoded: a gzip body was answered 422 'isi JSON tidak sah' as if
    the client had written broken JSON (and a DELETE's or logout's body, read by no one, was
    ignored). RFC 9110 15.5.16: 415, with Accept-Encoding naming what is accepted."""
    import gzip

    world.headers("admin")  # logged in (a login is audited) before counting
    before = counts(db)
    payload = gzip.compress(b'{"code": "35.25.02", "name": "Driyorejo"}')
    for lang, words in (("id", "isi permintaan yang dikompresi (Content-Encoding) tidak diterima: kirim JSON tanpa kompresi"),
                        ("en", "a compressed body (Content-Encoding) is not accepted: send the JSON uncompressed")):
        resp = client.post("/api/v1/regions", data=payload,
                           headers={**world.headers("admin", lang), "Content-Type": "application/json",
                                    "Content-Encoding": coding})
        problem = assert_problem(resp, 415)
        assert problem["detail"] == words, problem  # written as every other detail: lower case, no full stop
        assert resp.headers["Accept-Encoding"] == "identity"
    assert counts(db) == before
    ok = client.post("/api/v1/regions", json={"code": "35.25.02", "name": "Driyorejo"},
                     headers={**world.headers("admin"), "Content-Encoding": "identity"})
    assert ok.status_code == 201


def test_a_json_body_starting_with_a_utf8_bom_is_read(client, world):
    """A JSON file saved by Windows Notepad or PowerShell's Out-File -Encoding utf8 starts with a
    UTF-8 byte order mark; posted as is (curl --data-binary @file.json) it was refused 422 'Isi JSON
    tidak sah.' with nothing to say why. RFC 8259 8.1 lets a parser ignore it: it is read, as
    Flask's own request.get_json does."""
    body = '\ufeff{"code": "35.25.02", "name": "Driyorejo Ñ"}'.encode()
    resp = client.post("/api/v1/regions", data=body,
                       headers={**world.headers("admin"), "Content-Type": "application/json"})
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["name"] == "Driyorejo Ñ"
    broken = client.post("/api/v1/regions", data=b"\xef\xbb\xbf{", headers={**world.headers("admin", "id"),
                                                                             "Content-Type": "application/json"})
    assert assert_problem(broken, 422)["errors"] == {"_schema": ["isi JSON tidak sah"]}


def test_a_chunked_body_over_the_size_limit_is_413_not_broken_json(app, client, world, db, monkeypatch):
    """A body with no Content-Length (chunked) longer than MAX_CONTENT_LENGTH was cut at the limit
    by werkzeug without a word, and the cut JSON answered 422 'isi JSON tidak sah': the client
    was told its JSON was broken instead of too large (413, as the same body with a Content-Length)."""
    import json

    headers = world.headers("admin", "id")
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2000)
    before = counts(db)
    body = json.dumps({"code": "35.25.02", "name": "Driyorejo", "x": "a" * 3000}).encode()
    problem = assert_problem(_chunked(client, "/api/v1/regions", body, "application/json", headers), 413)
    assert problem["title"] == "Data terlalu besar"
    assert assert_problem(client.post("/api/v1/regions", data=body, headers={
        **headers, "Content-Type": "application/json"}), 413)["title"] == "Data terlalu besar"
    assert counts(db) == before
    small = json.dumps({"code": "35.25.02", "name": "Driyorejo"}).encode()
    assert _chunked(client, "/api/v1/regions", small, "application/json", headers).status_code == 201


def test_a_delete_with_its_reason_in_a_json_body_is_refused_and_deletes_nothing(client, world, db, make_child):
    """The reason of a delete is a query parameter (?reason=). Sent in a JSON body (axios.delete(url,
    {data: {reason}}), the reason was dropped without a word and the record deleted with none in its
    audit row. Now 422 on ``reason`` saying where it goes, and nothing is deleted; ?reason= works."""
    from posyandu.audit import AuditLog

    child = make_child()
    body = {"measured_on": TODAY, "weight_kg": 9.1}
    m = client.post(f"/api/v1/children/{child['id']}/measurements", json=body, headers=world.headers("kader1")).get_json()
    headers = world.headers("kader1", "id")
    before = counts(db)
    for url in (f"/api/v1/measurements/{m['id']}", f"/api/v1/children/{child['id']}"):
        resp = client.delete(url, json={"reason": "salah anak"}, headers=headers)
        problem = assert_problem(resp, 422)
        assert list(problem["errors"]) == ["reason"] and "?reason=" in problem["errors"]["reason"][0], problem
        other = assert_problem(client.delete(url, json={"alasan": "salah"}, headers=headers), 422)
        assert other["errors"] == {"alasan": ["isian tidak dikenal"]}
        assert_problem(client.delete(url, data="reason=salah", headers={
            **headers, "Content-Type": "application/x-www-form-urlencoded"}), 415)
    assert counts(db) == before
    assert client.delete(f"/api/v1/measurements/{m['id']}?reason=salah%20anak", json={}, headers=headers).status_code == 204
    db.session.remove()
    assert db.session.scalar(select(AuditLog.reason).where(AuditLog.record_id == m["id"],
                                                           AuditLog.action == "delete")) == "salah anak"


def test_every_422_naming_fields_says_so_in_one_detail(client, world, make_child):
    """A malformed id, cursor or unknown query parameter answered the title ("Invalid data") as its
    detail; a body's field errors "Check the fields listed in errors.": one shape, two texts. Said as the
    Indonesian says it ("Periksa isian yang ditandai."), not in the API's word for them."""
    make_child()
    headers = world.headers("kader1")
    answers = [client.get("/api/v1/children/not-a-uuid", headers=headers),
               client.get("/api/v1/children?cursor=zz", headers=headers),
               client.get("/api/v1/children?colour=red", headers=headers),
               client.get("/api/v1/children?limit=1&limit=2", headers=headers),
               client.post("/api/v1/children", json={"name": 5}, headers=headers)]
    assert {assert_problem(resp, 422)["detail"] for resp in answers} == {"Check the marked fields."}


def test_an_if_match_naming_an_entity_tag_is_412_and_changes_nothing(client, world, db, make_child):
    """The API has no entity tags (a write names the version it read as base_version): a PATCH with
    If-Match was applied whatever the tag, its sender believing herself protected from overwriting
    a newer record (RFC 9110 13.1.1: a false condition is not carried out). ``*`` holds."""
    from posyandu.registry.models import Child

    child = make_child()
    headers = world.headers("kader1")
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"address": "Jl. Baru"},
                        headers={**headers, "If-Match": '"abc"'})
    problem = assert_problem(resp, 412)
    assert problem["title"] == "If-Match is not supported" and "base_version" in problem["detail"], problem
    db.session.remove()
    assert db.session.get(Child, uuid.UUID(child["id"])).address != "Jl. Baru"
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"address": "Jl. Baru"},
                        headers={**headers, "If-Match": "*"})
    assert resp.status_code == 200 and resp.get_json()["address"] == "Jl. Baru"
    # only if none exists (RFC 9110 13.1.2): the child exists, so neither a change nor a delete is made
    for method, body in (("PATCH", {"address": "Jl. Lain"}), ("DELETE", None)):
        resp = client.open(f"/api/v1/children/{child['id']}", method=method, json=body,
                           headers={**headers, "If-None-Match": "*"})
        assert assert_problem(resp, 412)["detail"].startswith("If-None-Match: * asks"), method
    db.session.remove()
    kept = db.session.get(Child, uuid.UUID(child["id"]))
    assert (kept.address, kept.deleted_at) == ("Jl. Baru", None)
    # a tag: none of ours matches it, so the condition holds
    resp = client.patch(f"/api/v1/children/{child['id']}", json={"address": "Jl. Lain"},
                        headers={**headers, "If-None-Match": '"abc"'})
    assert resp.status_code == 200, resp.get_json()


def test_an_address_with_an_empty_segment_is_a_404_problem_not_a_redirect(client, world):
    """"/api/v1//children/…" (a client's id left empty): werkzeug merged the slashes and answered an HTML
    308 to another address, or a 405 of another route; no address of ours, 404 in the problem shape."""
    for method, path in (("DELETE", f"/api/v1//children/{uuid.uuid4()}"), ("GET", "/api/v1/children//measurements"),
                         ("POST", "/api/v1/children//measurements")):
        resp = client.open(path, method=method, headers=world.headers("kader1"), json={} if method == "POST" else None)
        assert_problem(resp, 404)


@pytest.mark.parametrize("bad", ["yes", "false", 0, 1, "off"])
def test_an_account_switched_on_or_off_by_a_word_is_422_and_unchanged(client, world, db, bad):
    """An account's ``active`` is true or false: "false" or 0 read by marshmallow's Boolean switched a
    kader off or on by a word another client sent."""
    admin = world.headers("admin")
    users = {u["username"]: u for u in client.get("/api/v1/users?limit=100", headers=admin).get_json()["items"]}
    kader = users["kader2"]
    before = counts(db)
    problem = assert_problem(client.patch(f"/api/v1/users/{kader['id']}", json={"active": bad}, headers=admin), 422)
    assert "active" in problem["errors"], problem
    assert client.get(f"/api/v1/users/{kader['id']}", headers=admin).get_json()["active"] is True
    assert counts(db) == before
