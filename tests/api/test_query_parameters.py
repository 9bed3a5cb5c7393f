"""A query parameter the route does not know, or one given twice where the route takes one value,
is refused with 422 on that parameter, on every route of the API but the sync pull and push.

Before, webargs dropped unknown query parameters and kept the first of repeated ones: a health
office's script asking ``/reports/skdn?posyandu=…`` (for ``posyandu_id``) got the whole area's
report, an export with a misspelt month filter exported everything: a wrong number handed on as
right. The routes are read from the app's URL map and the parameters from the OpenAPI document it
serves, so a route or parameter added later is covered without a line here."""
from __future__ import annotations

import re
import uuid
from datetime import date

import pytest

from config import TestConfig
from tests.api.test_faults import assert_problem, counts

# Routes that take any query parameter (phones of every app version sync; see posyandu/query_params.py)
LENIENT = {("GET", "/api/v1/sync/pull"), ("POST", "/api/v1/sync/push"), ("GET", "/api/v1/health")}
NOT_API = {"api-docs.openapi_json", "api-docs.openapi_swagger_ui", "swagger_assets"}  # documents, not data


def _made_app():
    from posyandu import create_app

    return create_app(TestConfig)  # its URL map and OpenAPI document: no database needed


_APP = _made_app()


def _api_routes() -> list[tuple[str, str]]:
    return sorted((method, rule.rule) for rule in _APP.url_map.iter_rules()
                  if rule.rule.startswith("/api/") and rule.endpoint not in NOT_API
                  for method in (rule.methods or set()) - {"HEAD", "OPTIONS"})


def _documented_parameters() -> list[tuple[str, str, str, bool]]:
    """(method, path template, name, repeatable) of every query parameter the document lists."""
    with _APP.test_request_context():
        spec = _APP.test_client().get("/api/v1/openapi.json").get_json()
    out = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for param in operation.get("parameters", []) if isinstance(operation, dict) else []:
                if param.get("in") == "query":
                    out.append((method.upper(), path, param["name"], param["schema"].get("type") == "array"))
    return sorted(out)


ROUTES = _api_routes()
STRICT = [r for r in ROUTES if r not in LENIENT]
DOCUMENTED = _documented_parameters()


def _url(template: str) -> str:
    """A route's path with made-up ids: the parameter is refused before any record is looked up."""
    url = re.sub(r"<uuid:\w+>|\{\w+_id\}", lambda m: str(uuid.uuid4()), template)
    return re.sub(r"<int[^>]*:\w+>|\{version_id\}", "1", url)


def test_the_routes_read_from_the_url_map_are_the_api_with_its_lenient_ones():
    assert len(STRICT) >= 60, STRICT
    assert LENIENT <= set(ROUTES)
    assert {(m, p) for m, p, _, _ in DOCUMENTED if ("GET", p) in LENIENT or ("POST", p) in LENIENT} == \
        {("GET", "/api/v1/sync/pull"), ("GET", "/api/v1/health")}  # health's ?detail=true


def _caller(method: str, rule: str) -> str:
    """The admin, or for a route she may not call (a parent's own), a caller of a role it takes: a role
    it refuses is told 403 first (test_a_role_a_route_refuses_…)."""
    from tests.api.test_scope_every_route import CALLERS, GATED, REQUESTS

    roles = {**GATED, **REQUESTS}.get((method, rule), {}).get("roles", ("admin",))
    return next(who for role, who in CALLERS.items() if role in roles and (role == "admin" or "admin" not in roles))


@pytest.mark.parametrize("method, rule", STRICT, ids=[f"{m} {r}" for m, r in STRICT])
def test_a_made_up_query_parameter_is_422_naming_it_on_every_route_and_nothing_is_written(
        client, world, db, method, rule):
    headers = world.headers(_caller(method, rule), "id")  # logged in (audited) before counting
    before = counts(db)
    resp = client.open(f"{_url(rule)}?posyandu=35.25", method=method, headers=headers,
                       json={} if method in ("POST", "PATCH", "PUT") else None)
    body = assert_problem(resp, 422)
    assert list(body["errors"]) == ["posyandu"], body
    [message] = body["errors"]["posyandu"]
    assert message.startswith("parameter tidak dikenal"), message
    assert counts(db) == before, (method, rule)


@pytest.mark.parametrize("method, path, name, repeatable", DOCUMENTED,
                         ids=[f"{m} {p} {n}" for m, p, n, _ in DOCUMENTED])
def test_a_documented_parameter_is_known_and_given_twice_is_422_unless_it_takes_several(
        client, world, method, path, name, repeatable):
    url, headers = _url(path), world.headers("admin")
    once = client.open(f"{url}?{name}=1", method=method, headers=headers)
    if once.status_code == 422:  # a value refused is fine; the name must be known
        assert not any(str(m).startswith("unknown parameter") for m in once.get_json()["errors"].get(name, [])), \
            once.get_json()
    twice = client.open(f"{url}?{name}=1&{name}=2", method=method, headers=headers)
    if (method, path) in LENIENT:
        assert twice.status_code != 422 or name not in twice.get_json().get("errors", {}), twice.get_json()
    elif repeatable:
        assert twice.status_code != 422 or not any("more than once" in str(m) for m in
                                                   twice.get_json()["errors"].get(name, [])), twice.get_json()
    else:
        body = assert_problem(twice, 422)
        assert body["errors"] == {name: [body["errors"][name][0]]}, body
        assert "more than once" in body["errors"][name][0], body


def test_a_health_offices_misspelt_posyandu_filter_is_refused_not_answered_with_the_whole_area(client, world):
    """`posyandu` for `posyandu_id`: before, the whole kabupaten's SKDN came back as the posyandu's."""
    resp = client.get(f"/api/v1/reports/skdn?month=2025-02&posyandu={world.ids['p1']}",
                      headers=world.headers("dinkes_gresik", "id"))
    body = assert_problem(resp, 422)
    [message] = body["errors"]["posyandu"]
    assert message.startswith("parameter tidak dikenal") and "posyandu_id" in message, message
    english = client.get(f"/api/v1/reports/skdn?month=2025-02&posyandu={world.ids['p1']}",
                         headers=world.headers("dinkes_gresik", "en")).get_json()
    assert english["errors"]["posyandu"][0].startswith("unknown parameter"), english
    assert "posyandu_id" in english["errors"]["posyandu"][0], english


def test_an_export_with_a_misspelt_month_is_refused_and_a_month_given_twice_too(client, world):
    headers = world.headers("dinkes_gresik")
    misspelt = client.get("/api/v1/exports/fhir?month=2025-02&region_code=35.25.01&tahun=2025", headers=headers)
    assert list(assert_problem(misspelt, 422)["errors"]) == ["tahun"]
    twice = client.get("/api/v1/reports/skdn?month=2025-01&month=2025-02&format=csv", headers=headers)
    assert list(assert_problem(twice, 422)["errors"]) == ["month"]


def test_a_repeatable_parameters_bad_value_is_told_as_a_list_of_messages_naming_it(client, world):
    """?reason=T&reason=bogus answered {"reason": {"1": [...]}}, the value's place as a key, where every
    other error is a field's list of messages (api-contract.md, General): now the list, naming the value."""
    url = "/api/v1/reports/actions?month=2025-02&reason=T&reason=bogus&reason=2T&reason=x"
    body = assert_problem(client.get(url, headers=world.headers("bidan_a", "id")), 422)
    assert list(body["errors"]) == ["reason"] and len(body["errors"]["reason"]) == 2, body
    assert all(isinstance(m, str) for m in body["errors"]["reason"]), body
    assert body["errors"]["reason"][0].startswith("bogus: harus salah satu dari: T, 2T, BGM"), body
    assert body["errors"]["reason"][1].startswith("x: harus salah satu dari: "), body
    english = assert_problem(client.get(url, headers=world.headers("bidan_a", "en")), 422)
    assert english["errors"]["reason"][0].startswith("bogus: must be one of: T, 2T, BGM"), english


def test_a_list_filter_misspelt_is_refused(client, world):
    resp = client.get(f"/api/v1/children?posyandu={world.ids['p1']}", headers=world.headers("admin"))
    assert list(assert_problem(resp, 422)["errors"]) == ["posyandu"]


# Every query the PWA (static/pwa/js), the README, docs/, benchmarks/ and tests/e2e send: all known.
USED = ["/api/v1/reports/skdn?month=2025-02&level=desa&region_code=35.25.01&format=csv&sep=semicolon",
        "/api/v1/reports/f1?from=2025-01&to=2025-02&level=puskesmas&format=xlsx",
        "/api/v1/reports/prevalence?month=2025-02&posyandu_id={p1}",
        "/api/v1/reports/coverage?month=2025-02&level=kabupaten",
        "/api/v1/reports/actions?from=2025-01&to=2025-02&region_code=35.25.01&format=csv&sep=semicolon",
        "/api/v1/reports/actions?month=2025-02&level=kecamatan&region_code=35.25.01",  # README, benchmarks/plans.py
        "/api/v1/reports/actions?month=2025-02&reason=T&reason=BGM",
        "/api/v1/reports/workbook?month=2025-02&level=posyandu&region_code=35.25",
        "/api/v1/exports/fhir?month=2025-02&region_code=35.25.01",
        "/api/v1/regions?parent_code=35.25&limit=500", "/api/v1/posyandu?limit=500", "/api/v1/puskesmas?limit=500",
        "/api/v1/children?q=Budi&limit=20", "/api/v1/children?posyandu_id={p1}", "/api/v1/users?role=kader",
        "/api/v1/sync/devices?limit=200", "/api/v1/access-log?user_id={u}&child_id={c}",
        "/api/v1/children/{c}/access-log?limit=20", "/api/v1/children/{c}/parents?limit=500",
        "/api/v1/children/{c}/invitations?limit=500", "/api/v1/children/{c}/measurements?limit=500",
        "/api/v1/children/{c}/immunisation-card?on=2025-03-01", "/api/v1/posyandu/{p1}/due-list?date=2025-03-05",
        "/api/v1/immunisation/schedule?on=2025-03-01", "/api/v1/sync/pull?limit=500&client_id=hp-1&pending=0"]


def test_every_query_the_app_and_the_docs_send_is_answered(client, world, make_child):
    child = make_child(birth_date="2024-06-01")
    ids = {"p1": world.ids["p1"], "c": child["id"], "u": str(uuid.uuid4())}
    for url in USED:
        resp = client.get(url.format(**ids), headers=world.headers("admin"))
        assert resp.status_code == 200, (url, resp.get_data(as_text=True)[:300])


def test_sync_pull_and_push_take_parameters_they_do_not_know(client, world):
    """A phone of an older or newer app version syncs with what its version sends."""
    headers = world.headers("kader1")
    pull = client.get("/api/v1/sync/pull?limit=5&limit=7&app_version=0.9&since=2025-01-01", headers=headers)
    assert pull.status_code == 200, pull.get_json()
    assert len(pull.get_json()["changes"]) <= 5  # the first of a repeated one, as before
    push = client.post("/api/v1/sync/push?compat=1", json={"client_id": "hp-1", "mutations": []}, headers=headers)
    assert push.status_code == 200, push.get_json()


def test_the_api_document_says_which_parameters_are_refused_and_why_sync_takes_any(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "unknown parameter" in spec["info"]["description"]
    assert "parameter tidak dikenal" in spec["info"]["description"]
    assert "ignored" in spec["paths"]["/api/v1/sync/pull"]["get"]["description"]
    assert "ignored" in spec["paths"]["/api/v1/sync/push"]["post"]["description"]


@pytest.mark.parametrize("query", ["format=csv", "format=json", "sep=semicolon"])
def test_the_workbook_refuses_a_format_or_separator_it_never_used(client, world, query):
    """The workbook is always XLSX: it listed the reports' `format` and `sep`, and a script asking
    `format=csv` got a workbook, `format=json` a binary file."""
    resp = client.get(f"/api/v1/reports/workbook?month=2025-02&{query}", headers=world.headers("dinkes_gresik"))
    assert list(assert_problem(resp, 422)["errors"]) == [query.split("=")[0]]
    params = client.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/reports/workbook"]["get"]["parameters"]
    assert {p["name"] for p in params} == {"month", "from", "to", "region_code", "posyandu_id", "level"}


def _public_operations() -> set[tuple[str, str]]:
    """(method, rule) of the operations the document marks as taking no token (``security: []``)."""
    with _APP.test_request_context():
        spec = _APP.test_client().get("/api/v1/openapi.json").get_json()
    rule = lambda path: re.sub(r"\{(\w+)\}", r"<\1>", path)  # noqa: E731
    return {(method.upper(), rule(path)) for path, operations in spec["paths"].items()
            for method, operation in operations.items()
            if isinstance(operation, dict) and operation.get("security") == []}


PUBLIC = _public_operations()


@pytest.mark.parametrize("method, rule", STRICT, ids=[f"{m} {r}" for m, r in STRICT])
def test_a_caller_without_a_valid_token_is_told_401_before_any_parameter_is_judged(client, world, method, rule):
    """An unknown parameter is the caller's mistake only once she may call the route: without a
    token, or with one refused, a protected route answers 401 (WWW-Authenticate: Bearer) as it does
    without the parameter, not a 422 listing the parameters it takes; a public route still refuses it."""
    for headers in ({}, {"Authorization": "Bearer not-a-token"}):
        resp = client.open(f"{_url(rule)}?posyandu=35.25", method=method, headers={**headers, "Accept-Language": "id"},
                           json={} if method in ("POST", "PATCH", "PUT") else None)
        public = (method, re.sub(r"<\w+:(\w+)>", r"<\1>", rule)) in PUBLIC
        if public and not headers:
            assert_problem(resp, 422)
        elif not public:
            assert_problem(resp, 401)
            assert resp.headers["WWW-Authenticate"].startswith("Bearer"), (method, rule)


def _gated_routes() -> list[tuple[str, str, str]]:
    """(method, rule, role) of every strict route and each role its table (test_scope_every_route.py) says it refuses."""
    from tests.api.test_scope_every_route import CALLERS, GATED, REQUESTS

    return sorted((method, rule, role) for (method, rule), spec in {**GATED, **REQUESTS}.items()
                  if (method, rule) in STRICT for role in CALLERS if role not in spec["roles"])


GATED_ROLES = _gated_routes()


@pytest.mark.parametrize("method, rule, role", GATED_ROLES, ids=[f"{m} {r} {who}" for m, r, who in GATED_ROLES])
def test_a_role_a_route_refuses_is_told_403_before_an_unknown_parameter_and_not_the_parameters_it_takes(
        client, world, db, method, rule, role):
    """Before, a parent's token asking ``/reports/skdn?month=2025-08&foo=1`` was answered 422 listing the
    report's parameters (region_code, posyandu_id, month…), and without ``foo`` 403: the API description
    puts the role's refusal before the query's format, and a route's parameters are said only to whom may
    call it."""
    from tests.api.test_scope_every_route import CALLERS

    headers = world.headers(CALLERS[role], "id")
    before = counts(db)
    resp = client.open(f"{_url(rule)}?posyandu=35.25", method=method, headers=headers,
                       json={} if method in ("POST", "PATCH", "PUT") else None)
    body = assert_problem(resp, 403)
    assert body["type"].endswith("/forbidden") and "errors" not in body, body
    assert counts(db) == before, (method, rule)


INTEGER_PARAMETERS = [(m, p, n) for m, p, n, _ in DOCUMENTED if n in ("limit", "pending", "base_version")]
EVENT_BODIES = {"measurements": {"weight_kg": 8.0}, "immunisations": {"vaccine": "MR", "dose": 1},
                "supplements": {"kind": "deworming", "override_reason": "uji"}}  # a midwife's, out of the round
NOT_ASCII_DIGITS = ["٥", "५", "５", "5_0", "+5", " 5", "5 ", "5.0", "1e1"]  # Arabic-Indic, Devanagari, full-width


@pytest.mark.parametrize("method, path, name", INTEGER_PARAMETERS, ids=[f"{m} {p} {n}" for m, p, n in INTEGER_PARAMETERS])
def test_a_whole_number_parameter_takes_ascii_digits_and_refuses_what_int_would_have_read(
        client, world, make_child, method, path, name):
    """``int()`` read "٥" (Arabic-Indic five), "५", "５", "5_0", "+5" and " 5" as numbers: a page of five
    answered to a link whose digits we cannot be sure of. ASCII digits only, as a measurement's text is."""
    url = path.replace("{child_id}", make_child()["id"]) if "{child_id}" in path else _url(path)
    base = {"client_id": "hp-1"} if name == "pending" else {"month": "2026-11"} if "/reports/" in path else {}
    headers = world.headers("kader1" if "sync" in path or ("{child_id}" in path and "access-log" not in path) else "admin")
    if "{event_id}" in path:  # a delete's: on a record that exists
        kind = path.split("/")[3]
        made = client.post(f"/api/v1/children/{make_child()['id']}/{kind}", headers=headers,
                           json={**EVENT_BODIES[kind], "measured_on" if kind == "measurements" else "given_on":
                                 date.today().isoformat()})
        assert made.status_code == 201, made.get_json()
        url = path.replace("{event_id}", made.get_json()["id"])
    taken = client.open(url, method=method, headers=headers, query_string={**base, name: "5"})
    # a delete on version 5 of a record at version 1: refused as stale, read as the number it is
    assert taken.status_code == (409 if name == "base_version" else 200), taken.get_json()
    for value in NOT_ASCII_DIGITS:
        body = assert_problem(client.open(url, method=method, headers=headers,
                                          query_string={**base, name: value}), 422)
        assert list(body["errors"]) == [name], (value, body)


def test_the_whole_number_parameters_are_every_integer_one_the_document_lists():
    with _APP.test_request_context():
        spec = _APP.test_client().get("/api/v1/openapi.json").get_json()
    integers = {(method.upper(), path, param["name"]) for path, operations in spec["paths"].items()
                for method, operation in operations.items() if isinstance(operation, dict)
                for param in operation.get("parameters", []) if param.get("in") == "query"
                and param["schema"].get("type") == "integer"}
    assert integers == set(INTEGER_PARAMETERS) and len(integers) >= 5, integers ^ set(INTEGER_PARAMETERS)
