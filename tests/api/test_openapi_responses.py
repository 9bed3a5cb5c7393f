"""Real answers of a representative set of endpoints match the OpenAPI document the app serves.

The fuzzer (tests/fuzz) draws random requests, most of which end in a 404 or a 422; here each
endpoint is called as the user who would call it, on records that exist, and its answer (2xx or
problem details) is checked against the operation's documented response for that status:
content type, then the body against the schema, strictly (a field the document does not name is
an error too, and a timestamp must be UTC with ``Z`` as api-contract.md fixes).
"""
from __future__ import annotations

import copy
import re
import uuid
from datetime import date, timedelta
from typing import Any

import jsonschema_rs
import pytest

from tests.conftest import PASSWORD

TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
DATE = re.compile(r"\d{4}-\d\d-\d\d")


def _json_schema(node: Any) -> Any:
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable`` as a null type, objects closed to
    properties the document does not name."""
    if isinstance(node, list):
        return [_json_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _json_schema(v) for k, v in node.items() if k not in ("nullable", "example", "discriminator")}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if "required" in out:  # a writeOnly property is required in requests only (OpenAPI 3.0.3)
        written = {k for k, v in node.get("properties", {}).items() if isinstance(v, dict) and v.get("writeOnly")}
        out["required"] = [k for k in out["required"] if k not in written]
        if not out["required"]:
            del out["required"]
    if node.get("nullable"):
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


class Document:
    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.components = _json_schema(copy.deepcopy(spec["components"]))

    def response(self, template: str, method: str, status: int) -> dict:
        operation = self.spec["paths"][template][method]
        responses = operation["responses"]
        assert str(status) in responses or "default" in responses, (template, method, status)
        response = responses.get(str(status), responses.get("default"))
        if "$ref" in response:
            response = self.spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
        return response

    def check(self, template: str, method: str, resp: Any) -> None:
        response = self.response(template, method, resp.status_code)
        missing = [name for name in response.get("headers", {}) if name not in resp.headers]
        assert not missing, (template, method, resp.status_code, "headers the document names, not sent", missing)
        content = response.get("content")
        if resp.status_code == 204 or not content:
            assert not resp.data, (template, method, resp.status_code, "an answer the document says is empty")
            return
        assert resp.mimetype in content, (template, method, resp.status_code, resp.mimetype, list(content))
        if not resp.mimetype.endswith("json"):
            return
        schema = {**_json_schema(content[resp.mimetype]["schema"]), "components": self.components}
        validator = jsonschema_rs.Draft4Validator(schema, validate_formats=True, formats={
            "date-time": lambda s: bool(TIMESTAMP.fullmatch(s)), "date": lambda s: bool(DATE.fullmatch(s))})
        errors = [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in validator.iter_errors(resp.get_json())]
        assert not errors, (method.upper(), template, resp.status_code, errors[:10])


@pytest.fixture
def document(client) -> Document:
    return Document(client.get("/api/v1/openapi.json").get_json())


@pytest.fixture
def records(client, world, make_child, link_parent) -> dict[str, str]:
    """A child of kader1's posyandu with a weighing, a dose and a capsule, linked to parent1."""
    child = make_child(birth_date=(date.today() - timedelta(days=70)).isoformat())
    link_parent(child["id"])
    today = date.today().isoformat()
    ids = {"child_id": child["id"], "posyandu_id": str(world.ids["p1"])}
    for plural, body in [("measurements", {"measured_on": today, "weight_kg": 5.1, "length_height_cm": 58.0,
                                           "recorded_at": "2025-01-02T10:00:00+07:00"}),
                         ("immunisations", {"vaccine": "DPT-HB-Hib", "dose": 1, "given_on": today}),
                         ("supplements", {"kind": "vitamin_a_blue", "given_on": today, "override_reason": "catch-up"})]:
        resp = client.post(f"/api/v1/children/{child['id']}/{plural}", headers=world.headers("admin"),
                           json={"id": str(uuid.uuid4()), **body})
        assert resp.status_code == 201, (plural, resp.get_json())
        ids[plural] = resp.get_json()["id"]
    invited = client.post(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1"))
    assert invited.status_code == 201, invited.get_json()
    listed = client.get(f"/api/v1/children/{child['id']}/invitations", headers=world.headers("kader1"))
    ids["invitation_id"] = listed.get_json()["items"][0]["id"]  # the code itself is shown once, without its id
    ids["parent_id"] = client.get("/api/v1/auth/me", headers=world.headers("parent1")).get_json()["id"]
    return ids


# (user, method, path template, body or query, status expected)
CALLS: list[tuple[str | None, str, str, Any, int]] = [
    (None, "get", "/api/v1/health", None, 200),
    (None, "post", "/api/v1/auth/login", {"username": "kader1", "password": PASSWORD}, 200),
    (None, "post", "/api/v1/auth/login", {"username": "kader1", "password": "wrong-password"}, 401),
    (None, "post", "/api/v1/auth/login", {"username": 3}, 422),
    ("kader1", "get", "/api/v1/auth/me", None, 200),
    (None, "get", "/api/v1/auth/me", None, 401),
    (None, "post", "/api/v1/growth/calculate", {"measurements": [
        {"sex": "F", "birth_date": "2024-01-31", "measured_on": "2025-02-10", "weight_kg": 9.4,
         "length_height_cm": 74.2, "position": "lying", "head_circumference_cm": 46.0, "muac_cm": 14.1, "oedema": False},
        {"sex": "X", "age_days": -1}]}, 200),
    ("admin", "get", "/api/v1/users", None, 200),
    ("admin", "get", "/api/v1/users/{parent_id}", None, 200),
    ("kader1", "get", "/api/v1/users", None, 403),
    ("admin", "get", "/api/v1/regions", None, 200),
    ("admin", "get", "/api/v1/puskesmas", None, 200),
    ("bidan_a", "get", "/api/v1/posyandu", None, 200),
    ("bidan_a", "get", "/api/v1/posyandu/{posyandu_id}", None, 200),
    ("kader1", "get", "/api/v1/children", None, 200),
    ("kader1", "get", "/api/v1/children/{child_id}", None, 200),
    ("parent1", "get", "/api/v1/children/{child_id}", None, 200),
    ("kader3", "get", "/api/v1/children/{child_id}", None, 404),
    ("kader1", "get", "/api/v1/children/not-an-id", None, 422),
    ("kader1", "patch", "/api/v1/children/{child_id}", {"name": "Budi"}, 200),
    ("kader1", "patch", "/api/v1/children/{child_id}", {"sex": "X"}, 422),
    ("kader1", "post", "/api/v1/children", {"name": ""}, 422),
    ("kader1", "get", "/api/v1/children/{child_id}/measurements", None, 200),
    ("kader1", "get", "/api/v1/measurements/{measurements}", None, 200),
    ("kader1", "patch", "/api/v1/measurements/{measurements}", {"muac_cm": 12.5}, 200),
    ("kader1", "get", "/api/v1/children/{child_id}/immunisations", None, 200),
    ("kader1", "get", "/api/v1/immunisations/{immunisations}", None, 200),
    ("kader1", "get", "/api/v1/children/{child_id}/supplements", None, 200),
    ("kader1", "get", "/api/v1/supplements/{supplements}", None, 200),
    ("kader1", "get", "/api/v1/children/{child_id}/growth-chart", None, 200),
    ("kader1", "get", "/api/v1/children/{child_id}/immunisation-card", None, 200),
    ("kader1", "get", "/api/v1/posyandu/{posyandu_id}/due-list", None, 200),
    ("kader1", "get", "/api/v1/children/{child_id}/invitations", None, 200),
    ("kader1", "get", "/api/v1/children/{child_id}/parents", None, 200),
    ("parent1", "get", "/api/v1/children/{child_id}/export", None, 200),
    ("parent1", "get", "/api/v1/children/{child_id}/access-log", None, 200),
    ("admin", "get", "/api/v1/access-log", None, 200),
    ("kader1", "get", "/api/v1/growth/kbm", None, 200),
    ("kader1", "get", "/api/v1/immunisation/schedule", None, 200),
    ("admin", "get", "/api/v1/immunisation/schedule/versions", None, 200),
    ("kader1", "post", "/api/v1/sync/push", {"client_id": str(uuid.uuid4()), "mutations": [
        {"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": str(uuid.uuid4()),
         "base_version": None, "data": {"name": ""}}]}, 200),
    ("kader1", "get", "/api/v1/sync/pull", None, 200),
    ("bidan_a", "get", "/api/v1/sync/devices", None, 200),
    ("dinkes_gresik", "get", "/api/v1/reports/skdn", {"month": "2025-01"}, 200),
    ("dinkes_gresik", "get", "/api/v1/reports/prevalence", {"month": "2025-01"}, 200),
    ("dinkes_gresik", "get", "/api/v1/reports/coverage", {"month": "2025-01"}, 200),
    ("bidan_a", "get", "/api/v1/reports/actions", {"month": "2025-01"}, 200),
    ("dinkes_gresik", "get", "/api/v1/reports/f1", {"month": "2025-01", "level": "kabupaten"}, 200),
    ("dinkes_gresik", "get", "/api/v1/reports/actions/counts", {"month": "2025-01"}, 200),
    ("kader1", "delete", "/api/v1/children/{child_id}/invitations/{invitation_id}", None, 204),
    ("kader1", "delete", "/api/v1/supplements/{supplements}", {"reason": "salah catat"}, 204),
]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_real_answers_match_the_served_openapi_document(client, world, records, document, lang):
    failures = []
    for who, method, template, payload, status in CALLS:
        path = template.format(**records) if "{" in template else template
        headers = world.headers(who, lang) if who else {"Accept-Language": lang}
        kwargs = {"query_string": payload} if method in ("get", "delete") else {"json": payload}
        resp = getattr(client, method)(path, headers=headers, **kwargs)
        if resp.status_code != status:
            failures.append((method, path, resp.status_code, resp.get_json()))
            continue
        try:
            document.check(re.sub(r"\{(measurements|immunisations|supplements)\}", "{event_id}",
                                  template.replace("{parent_id}", "{user_id}").replace("not-an-id", "{child_id}")),
                           method, resp)
        except AssertionError as exc:
            failures.append(exc.args)
    assert not failures, "\n".join(map(str, failures))


def test_writes_downloads_and_refusals_match_the_served_openapi_document(client, world, records, document):
    """The writes of the admin and the bidan, the downloads, the token endpoints, and answers
    refused before any view runs (a push too large)."""
    import io

    from tests.api.test_reports_import import FILE

    failures = []

    def call(who: str | None, method: str, template: str, status: int, headers: dict | None = None, **kwargs):
        path = template.format(**records) if "{" in template else template
        resp = getattr(client, method)(path, headers={**(world.headers(who) if who else {}), **(headers or {})}, **kwargs)
        if resp.status_code != status:
            failures.append((method, path, resp.status_code, resp.get_json(silent=True)))
            return resp
        try:
            document.check(template.split("?")[0].replace("{measurements}", "{event_id}"), method, resp)
        except AssertionError as exc:
            failures.append(exc.args)
        return resp

    tokens = client.post("/api/v1/auth/login", json={"username": "kader1b", "password": PASSWORD}).get_json()
    call(None, "post", "/api/v1/auth/refresh", 200, {"Authorization": f"Bearer {tokens['refresh_token']}"})
    call(None, "post", "/api/v1/auth/logout", 204, {"Authorization": f"Bearer {tokens['access_token']}"},
         json={"refresh_token": tokens["refresh_token"]})
    call(None, "post", "/api/v1/auth/refresh", 401, {"Authorization": f"Bearer {tokens['refresh_token']}"})
    made = call("admin", "post", "/api/v1/users", 201, json={"username": "kader9", "password": PASSWORD, "name": "Kader 9",
                                                            "role": "kader", "posyandu_id": records["posyandu_id"]})
    records["user_id"] = made.get_json()["id"]
    call("admin", "patch", "/api/v1/users/{user_id}", 200, json={"name": "Kader Sembilan"})
    call("admin", "post", "/api/v1/puskesmas", 201, json={"name": "PKM Baru", "kecamatan_code": "35.25.01"})
    call("bidan_a", "post", "/api/v1/posyandu", 201, json={"name": "Anggrek", "desa_code": "35.25.01.2001",
                                                           "puskesmas_id": str(world.ids["pkm_a"]), "meeting_day": 3})
    call("bidan_a", "patch", "/api/v1/posyandu/{posyandu_id}", 200, json={"meeting_day": 6})
    call("admin", "post", "/api/v1/regions", 201, json={"code": "35.25.02", "name": "Driyorejo"})
    call("kader1", "post", "/api/v1/children/{child_id}/measurements", 201,
         json={"id": str(uuid.uuid4()), "measured_on": date.today().isoformat(), "weight_kg": 5.2})
    call("kader1", "post", "/api/v1/children", 201, json={
        "id": str(uuid.uuid4()), "posyandu_id": records["posyandu_id"], "name": "Siti", "sex": "F",
        "birth_date": (date.today() - timedelta(days=30)).isoformat()})
    call("admin", "post", "/api/v1/growth/kbm", 201, json={"grams_by_month": {"1": 800, "2": 900}, "source": "uji"})
    call("bidan_a", "post", "/api/v1/imports/visits?dry_run=true", 200, content_type="multipart/form-data",
         data={"file": (io.BytesIO(FILE.encode()), "kunjungan.csv")})
    refused = FILE.replace(";P;15/01/2025;", ";X;15/01/2025;", 1) + ";Jumlah;;;;;;;;\n"  # skipped_rows too
    call("bidan_a", "post", "/api/v1/imports/visits", 422, content_type="multipart/form-data",
         data={"file": (io.BytesIO(refused.encode()), "kunjungan.csv")})
    for report in ("skdn", "f1", "prevalence", "coverage"):
        call("bidan_a", "get", f"/api/v1/reports/{report}", 200, query_string={"month": "2025-01", "format": "csv"})
    call("bidan_a", "get", "/api/v1/reports/f1", 200, query_string={"month": "2025-01"})
    call("bidan_a", "get", "/api/v1/reports/workbook", 200, query_string={"month": "2025-01"})
    call("dinkes_gresik", "get", "/api/v1/exports/fhir", 200, query_string={"month": "2025-01"})
    call("kader1", "post", "/api/v1/sync/push", 413, json={"client_id": str(uuid.uuid4()), "mutations": [{}] * 501})
    call("kader1", "post", "/api/v1/children", 415, data="name=x", content_type="application/x-www-form-urlencoded")
    call("kader1", "delete", "/api/v1/measurements/{measurements}", 204, query_string={"reason": "salah catat"})
    assert not failures, "\n".join(map(str, failures))


def test_a_login_refused_for_too_many_wrong_passwords_says_when_to_ask_again_as_documented(client, world, document):
    """The 429 of the login, the refresh, the password change… is problem+json with ``Retry-After``
    (seconds), which a script must honour; before, the document described its body only, so an
    integrator reading it learnt of the header from nowhere but the refresh's prose."""
    for _ in range(6):
        resp = client.post("/api/v1/auth/login", json={"username": "kader1", "password": "bukan-sandinya"})
    assert resp.status_code == 429, resp.get_json()
    document.check("/api/v1/auth/login", "post", resp)
    assert int(resp.headers["Retry-After"]) > 0
    assert "Retry-After" in document.response("/api/v1/auth/login", "post", 429)["headers"]


REPORT_ANSWERS = ("SkdnReport", "SkdnRow", "F1Report", "F1Row", "PrevalenceReport", "PrevalenceRow", "CoverageReport",
                  "CoverageRow", "ActionList", "ActionRow", "ActionCounts", "ReasonCounts")


def test_every_field_of_a_report_answer_is_required_in_the_document_as_it_is_always_sent(document):
    """A district's dashboard generated from the document: before, no report schema listed a required
    field, so every count of an SKDN row, every reason count, ``rows`` itself, read as optional; they are
    always sent (null where the schema says so), as the real answers above are checked to carry."""
    schemas = document.spec["components"]["schemas"]
    optional = {name: sorted(set(schemas[name]["properties"]) - set(schemas[name].get("required", [])))
                for name in REPORT_ANSWERS}
    assert not any(optional.values()), optional
    assert schemas["SkdnReport"]["properties"]["level"]["enum"] == ["posyandu", "desa", "puskesmas", "kecamatan",
                                                                    "kabupaten"]


def test_the_report_answers_name_the_values_of_their_coded_fields(document):
    """A dashboard mapping a row's sex, age group, coverage kind or follow-up reason to its own codes:
    before, each was any string, its values in prose or nowhere (a follow-up row's sex); the real answers
    above are checked against these enums."""
    schemas = document.spec["components"]["schemas"]
    enums = {(name, field): schemas[name]["properties"][field].get("enum")
             for name, field in (("F1Row", "sex"), ("F1Row", "age_group"), ("PrevalenceRow", "sex"),
                                 ("PrevalenceRow", "age_group"), ("CoverageRow", "kind"), ("ActionRow", "sex"))}
    enums[("ActionRow", "reasons")] = schemas["ActionRow"]["properties"]["reasons"]["items"].get("enum")
    assert enums == {("F1Row", "sex"): ["M", "F", "all"], ("PrevalenceRow", "sex"): ["M", "F", "all"],
                     ("F1Row", "age_group"): ["0-5", "6-11", "12-23", "24-35", "36-59", "0-59"],
                     ("PrevalenceRow", "age_group"): ["0-5", "6-11", "12-23", "24-35", "36-59", "0-59"],
                     ("CoverageRow", "kind"): ["dose", "idl", "baduta", "vitamin_a_blue", "vitamin_a_red"],
                     ("ActionRow", "sex"): ["M", "F"],
                     ("ActionRow", "reasons"): ["T", "2T", "BGM", "overweight_risk", "wasting", "muac_severe",
                                                "stunting", "not_weighed_2_months", "overdue_immunisation"]}


def test_the_fhir_export_is_documented_as_the_bundle_it_is(client, world, records, document):
    """Before, the document said only ``{"type": "object"}``: a Bundle of type collection, its entries'
    fullUrl and resource (Location, Patient, Observation, Immunization) were in prose alone. An area and
    months holding nothing is a Bundle without ``entry``; both are checked against the document."""
    schema = document.response("/api/v1/exports/fhir", "get", 200)["content"]["application/fhir+json"]["schema"]
    assert schema["properties"]["type"]["enum"] == ["collection"], schema
    assert schema["properties"]["entry"]["items"]["properties"]["resource"]["properties"]["resourceType"]["enum"] == \
        ["Location", "Patient", "Observation", "Immunization"]
    month = date.today().strftime("%Y-%m")
    assert client.post("/api/v1/regions", json={"code": "35.25.02", "name": "Driyorejo"},  # no posyandu yet
                       headers=world.headers("admin")).status_code == 201
    for query, entries in (({"month": month}, True), ({"month": month, "region_code": "35.25.02"}, False)):
        resp = client.get("/api/v1/exports/fhir", query_string=query, headers=world.headers("admin"))
        assert resp.status_code == 200, resp.get_json()
        document.check("/api/v1/exports/fhir", "get", resp)
        assert ("entry" in resp.get_json()) == entries, resp.get_json()
