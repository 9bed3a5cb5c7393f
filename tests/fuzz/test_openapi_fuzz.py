"""Schemathesis over every operation of the OpenAPI document the app serves (#8).

For each operation and method in ``/api/v1/openapi.json``, schemathesis draws
valid and invalid requests from the document and sends them to the app with
a real Bearer token. Every response must be free of 5xx, carry a documented
status code and content type, and match the documented schema; invalid input
must be refused with a 4xx.

The app runs on its own database (rate limits off for this app only: the
fuzzer sends thousands of requests from one address), holding the test
world plus one child with a measurement, a dose and a vitamin A capsule whose
ids are mixed into generated path parameters, so reads and edits of existing
records are exercised too, not only 404s.

``make test`` runs FUZZ_EXAMPLES (default 5) derandomised examples per operation
as admin on SQLite (about two minutes); ``make fuzz`` runs more, as admin, kader
and parent (FUZZ_USERS), on SQLite and PostgreSQL (FUZZ_BACKENDS).
"""
from __future__ import annotations

import os
import tempfile
import uuid
import zlib
from datetime import date, timedelta
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (content_type_conformance, ignored_auth, negative_data_rejection,
                                               response_schema_conformance, status_code_conformance)

from config import TestConfig
from posyandu import create_app
from tests.conftest import PASSWORD, _build_world

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "5"))
BACKENDS = [b for b in os.environ.get("FUZZ_BACKENDS", "sqlite").split(",") if b]
ROLES = [r for r in os.environ.get("FUZZ_USERS", "admin").split(",") if r]  # admin reaches every operation
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection, ignored_auth]


class FuzzConfig(TestConfig):
    RATELIMIT_ENABLED = False
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(hours=2)
    SQLALCHEMY_DATABASE_URI = "sqlite://"  # replaced per backend; serving the document needs no database


# Sync push validates each mutation on its own (api-contract): a malformed one is answered
# "rejected" inside a 200 and the others still apply, so a schema-violating mutation is not
# refused with a 4xx. For that operation `each_mutation_answered` replaces negative_data_rejection;
# the growth calculator answers a bad row with its errors in place in the same way (`each_row_answered`).
PER_MUTATION = {"/api/v1/sync/push"}
PER_ROW = {"/api/v1/growth/calculate"}


@schemathesis.check
def each_mutation_answered(ctx, response, case):
    """One result per mutation, in order; every mutation that breaks the schema is "rejected"."""
    from posyandu.sync.push import MutationIn

    if case.path not in PER_MUTATION or case.method != "POST" or response.status_code != 200:
        return None
    sent, results = case.body["mutations"], response.json()["results"]
    assert len(results) == len(sent), f"{len(sent)} mutations sent, {len(results)} results"
    for mutation, result in zip(sent, results):
        if not isinstance(mutation, dict) or MutationIn().validate(mutation):
            assert result["status"] == "rejected", f"malformed mutation {mutation!r} answered {result!r}"
    return True


@schemathesis.check
def each_row_answered(ctx, response, case):
    """One result per row, in order; a row that is not an object gets errors in its place."""
    if case.path not in PER_ROW or case.method != "POST" or response.status_code != 200:
        return None
    sent, results = case.body["measurements"], response.json()["results"]
    assert len(results) == len(sent), f"{len(sent)} rows sent, {len(results)} results"
    for row, result in zip(sent, results):
        if not isinstance(row, dict):
            assert set(result) == {"errors"}, f"row {row!r} answered {result!r}"
    return True


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", create_app(FuzzConfig))
KNOWN: dict[str, str] = {}  # path parameter -> id of an existing record (filled by the fuzz_app fixture)


def _negated(case, location: ParameterLocation) -> bool:
    info = case.meta.components.get(location) if case.meta else None
    return info is not None and info.mode is GenerationMode.NEGATIVE


def address_known_records(case) -> None:
    """Half the cases (chosen deterministically) address records that exist instead of
    random ids; only where the path was generated valid, so a negative case stays negative."""
    if not case.path_parameters or _negated(case, ParameterLocation.PATH):
        return
    if zlib.crc32(repr(sorted(case.path_parameters.items())).encode()) % 2:
        return
    for name in case.path_parameters:
        key = name if name != "event_id" else case.path.split("/")[3]
        if key in KNOWN:
            case.path_parameters[name] = KNOWN[key]


def _seed(app) -> dict[str, str]:
    world = _build_world(app)
    http = app.test_client()
    kader = world.headers("kader1")
    child_id = str(uuid.uuid4())
    born = (date.today() - timedelta(days=400)).isoformat()
    made = http.post("/api/v1/children", headers=kader, json={
        "id": child_id, "posyandu_id": str(world.ids["p1"]), "name": "Siti Nur'aini", "sex": "F", "birth_date": born})
    assert made.status_code == 201, made.get_json()
    ids = {"child_id": child_id, "posyandu_id": str(world.ids["p1"])}
    today = date.today().isoformat()
    for plural, body in [("measurements", {"measured_on": today, "weight_kg": 9.1, "length_height_cm": 74.0}),
                         ("immunisations", {"vaccine": "DPT-HB-Hib", "dose": 1, "given_on": today}),
                         ("supplements", {"kind": "vitamin_a_red", "given_on": today})]:
        if plural != "measurements":  # off-schedule on purpose: the admin accepts it with a reason
            body["override_reason"] = "catch-up dose"
        resp = http.post(f"/api/v1/children/{child_id}/{plural}", headers=world.headers("admin"),
                         json={"id": str(uuid.uuid4()), **body})
        assert resp.status_code == 201, (plural, resp.get_json())
        ids[plural] = resp.get_json()["id"]
    users = http.get("/api/v1/users?limit=100", headers=world.headers("admin")).get_json()["items"]
    ids["user_id"] = next(u["id"] for u in users if u["username"] == "kader3")  # never the fuzzer's own account
    return ids


class Tokens:
    def __init__(self, app, username: str) -> None:
        self.http, self.username = app.test_client(), username
        self.access = self.login()

    def login(self, kind: str = "access_token") -> str:
        resp = self.http.post("/api/v1/auth/login", json={"username": self.username, "password": PASSWORD})
        return resp.get_json()[kind]

    def for_case(self, case) -> str:
        """Logout revokes what it is given and refresh wants a refresh token: fresh ones for those."""
        if case.path == "/api/v1/auth/logout":
            return self.login()
        if case.path == "/api/v1/auth/refresh":
            return self.login("refresh_token")
        return self.access


@pytest.fixture(scope="module", params=BACKENDS)
def fuzz_app(request):
    from flask_migrate import upgrade

    from posyandu.extensions import db

    if request.param == "sqlite":
        url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='posyandu-fuzz-')) / 'fuzz.sqlite3'}"
    else:
        if os.environ.get("TEST_PG_URL"):
            pytest.skip("the fuzzer needs a database of its own (unset TEST_PG_URL)")
        url = request.getfixturevalue("pg_server").create_database("posyandu_fuzz")
    app = create_app(type("Cfg", (FuzzConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        upgrade()
    KNOWN.clear()
    KNOWN.update(_seed(app))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=ROLES)
def tokens(request, fuzz_app):
    key = f"fuzz_tokens_{request.param}"
    if key not in fuzz_app.extensions:
        fuzz_app.extensions[key] = Tokens(fuzz_app, request.param)
    return fuzz_app.extensions[key]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
def test_every_operation_answers_as_documented(case, fuzz_app, tokens):
    address_known_records(case)
    # A case whose Authorization header was generated invalid is sent as generated (it must be refused).
    headers = None if _negated(case, ParameterLocation.HEADER) else {"Authorization": f"Bearer {tokens.for_case(case)}"}
    checks = CHECKS if case.path not in PER_MUTATION | PER_ROW else \
        [c for c in CHECKS if c is not negative_data_rejection] + [each_mutation_answered, each_row_answered]
    case.call_and_validate(app=fuzz_app, headers=headers, checks=checks)
