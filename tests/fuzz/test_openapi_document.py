"""The OpenAPI document describes the answers the app really sends (#8)."""
from __future__ import annotations


def test_error_answers_are_documented_as_problem_json(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    for name in ("DEFAULT_ERROR", "UNPROCESSABLE_ENTITY"):
        content = spec["components"]["responses"][name]["content"]
        assert list(content) == ["application/problem+json"], name
        assert content["application/problem+json"]["schema"] == {"$ref": "#/components/schemas/Problem"}
    problem = spec["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "detail"}  # detail: the title when nothing more
    assert {"detail", "errors"} <= set(problem["properties"])
    assert "Error" not in spec["components"]["schemas"]  # flask-smorest's {code, status, message} is never sent


def test_a_real_error_matches_the_documented_problem_shape(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    body = client.get("/api/v1/children").get_json()  # 401 without a token
    props = spec["components"]["schemas"]["Problem"]["properties"]
    assert set(body) <= set(props) and isinstance(body["status"], int)


def test_every_documented_error_answer_is_problem_json(client):
    """An error status an operation names (a push of more than 500 mutations: 413; the last active
    schedule version withdrawn: 409) is answered with problem details, and documented so: they
    were documented with no content at all."""
    spec = client.get("/api/v1/openapi.json").get_json()
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            for status, response in operation["responses"].items():
                if status == "default" or status[0] not in "45" or (path, status) == ("/api/v1/health", "503"):
                    continue
                if "$ref" in response:
                    response = spec["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                content = response.get("content", {})
                assert list(content) == ["application/problem+json"], (method, path, status, response)
                # the Problem, or a problem with more (a file refused whole: ImportRefusal, its skipped rows too)
                ref = content["application/problem+json"]["schema"]["$ref"].rsplit("/", 1)[1]
                schema, problem = spec["components"]["schemas"][ref], spec["components"]["schemas"]["Problem"]
                assert set(problem["properties"]) <= set(schema["properties"]), (method, path, status, ref)
                assert set(problem.get("required", [])) <= set(schema.get("required", [])), (method, path, status, ref)
                for name, prop in problem["properties"].items():
                    assert schema["properties"][name] == prop or name == "errors", (method, path, status, ref, name)


def test_the_calculators_rows_are_documented(client):
    """The public calculator's request body named its rows as anything (``items: {}``): the
    reference to CalculatorRow was lost, so the row fields (sex, age, weight...) were documented
    nowhere in the operation."""
    spec = client.get("/api/v1/openapi.json").get_json()
    body = spec["paths"]["/api/v1/growth/calculate"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    request = spec["components"]["schemas"][body["$ref"].rsplit("/", 1)[1]]
    items = request["properties"]["measurements"]["items"]
    refs = [items.get("$ref")] + [s.get("$ref") for s in items.get("allOf", []) + items.get("anyOf", [])]
    assert "#/components/schemas/CalculatorRow" in refs, items
    assert {"sex", "age_days", "birth_date", "weight_kg"} <= set(spec["components"]["schemas"]["CalculatorRow"]["properties"])


def test_every_query_parameter_says_what_it_does(client):
    """/api/v1/docs is where an integrator (a puskesmas's spreadsheet script, a dinkes dashboard)
    learns the parameters: a bare ``reason`` on a delete, ``limit`` on a list, ``format`` on the
    follow-up list, ``user_id`` on the access log left her to guess their meaning and bounds."""
    spec = client.get("/api/v1/openapi.json").get_json()
    bare = sorted(f"{method.upper()} {path} {p['name']}"
                  for path, operations in spec["paths"].items()
                  for method, operation in operations.items() if method != "parameters"
                  for p in operation.get("parameters", [])
                  if p.get("in") == "query" and not (p.get("description") or p.get("schema", {}).get("description")))
    assert bare == []


def test_every_409_an_operation_answers_is_documented(client, world, make_child):
    """A creation naming an id taken already, a stale ``base_version`` on a correction, a posyandu
    closed while children are registered there, a change of an account its parent closed: each is
    answered 409, which their operations did not name (only ``default``), so a client generated from
    the document had no case for them."""
    from datetime import date, timedelta

    from tests.conftest import PASSWORD

    spec = client.get("/api/v1/openapi.json").get_json()
    admin = world.headers("admin")
    child = make_child()
    weighing = client.post(f"/api/v1/children/{child['id']}/measurements", headers=admin,
                           json={"measured_on": (date.today() - timedelta(days=1)).isoformat(), "weight_kg": 9.1})
    assert weighing.status_code == 201, weighing.get_json()
    weighing = weighing.get_json()
    parent = next(u["id"] for u in client.get("/api/v1/users?q=parent1", headers=admin).get_json()["items"]
                  if u["username"] == "parent1")
    assert client.post("/api/v1/auth/close-account", json={"password": PASSWORD},
                       headers=world.headers("parent1")).status_code == 204
    answers = {
        ("/api/v1/children", "post"): client.post(  # the same id again: a retry whose answer was lost
            "/api/v1/children", json={key: child[key] for key in ("id", "posyandu_id", "name", "sex", "birth_date")},
            headers=admin),
        ("/api/v1/children/{child_id}/measurements", "post"): client.post(
            f"/api/v1/children/{child['id']}/measurements", headers=admin,
            json={"id": weighing["id"], "measured_on": weighing["measured_on"], "weight_kg": 9.1}),
        ("/api/v1/children/{child_id}", "patch"): client.patch(
            f"/api/v1/children/{child['id']}", json={"base_version": child["version"] + 1, "name": "Budi S"},
            headers=admin),
        ("/api/v1/measurements/{event_id}", "patch"): client.patch(
            f"/api/v1/measurements/{weighing['id']}", json={"base_version": weighing["version"] + 1, "weight_kg": 9.2},
            headers=admin),
        ("/api/v1/posyandu/{posyandu_id}", "delete"): client.delete(
            f"/api/v1/posyandu/{world.ids['p1']}?reason=tutup", headers=admin),
        ("/api/v1/users/{user_id}", "patch"): client.patch(
            f"/api/v1/users/{parent}", json={"active": True}, headers=admin),
    }
    for (path, method), resp in answers.items():
        assert resp.status_code == 409, (method, path, resp.get_json())
        assert "409" in spec["paths"][path][method]["responses"], (method, path)
    for path, method in (("/api/v1/immunisations/{event_id}", "patch"), ("/api/v1/supplements/{event_id}", "patch"),
                         ("/api/v1/children/{child_id}/immunisations", "post"),
                         ("/api/v1/children/{child_id}/supplements", "post"), ("/api/v1/posyandu", "post")):
        assert "409" in spec["paths"][path][method]["responses"], (method, path)  # as the ones above



def test_the_fhir_exports_codes_are_documented_as_it_writes_them(client):
    """An integrator maps the Bundle from the served document: the operation had a summary and no
    word of its identifiers or codes, which were only in the module's docstring."""
    from posyandu.reports.exports import fhir

    spec = client.get("/api/v1/openapi.json").get_json()
    description = spec["paths"]["/api/v1/exports/fhir"]["get"]["description"]
    codes = [code for _, code, *_ in fhir.MEASURES] + [fhir.LENGTH[0], fhir.HEIGHT[0]]
    assert [c for c in [fhir.NIK, *codes] if c not in description] == []
    assert "nik-ibu" in fhir.NIK_IBU and "…/id/nik-ibu" in description
