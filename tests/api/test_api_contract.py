"""api-contract.md, section by section: the statements no other test pins.

The contract's shapes are what the PWA, the health offices' tools and the exports rely on; each
test names the statement it checks. Statements pinned elsewhere: malformed ids (test_faults),
pagination (test_platform, test_scope_every_route), health (test_platform), login, refresh and
logout (test_auth), the calculator (test_growth_api), push and pull (tests/sync), and real answers
against the served document (test_openapi_responses).
"""
from __future__ import annotations

import pytest

# General: "title/detail are in the language asked for by Accept-Language (id default, en)"
INDONESIAN = {"title": "Perlu masuk (login)", "errors": {"password": ["wajib diisi"], "username": ["wajib diisi"]}}
ENGLISH = {"title": "Authentication required",
           "errors": {"password": ["missing data for required field"], "username": ["missing data for required field"]}}


@pytest.mark.parametrize("accept_language, expected", [
    (None, INDONESIAN),
    ("en", ENGLISH),
    ("en-US,id;q=0.9", ENGLISH),            # English (as spoken in the US) first: was answered in Indonesian
    ("en-GB;q=0.8, id;q=0.2", ENGLISH),
    ("id-ID,en;q=0.9", INDONESIAN),         # an Indonesian browser: was answered in English
    ("id-ID,id;q=0.9,en-US;q=0.8,en;q=0.7", INDONESIAN),
    ("en-US,en;q=0.9,id;q=0.8", ENGLISH),
    ("fr, en;q=0.5", ENGLISH),
    ("fr, *;q=0.5", INDONESIAN),
    ("*", INDONESIAN),                      # any language: the default
    ("en;q=0.5, *;q=0.9", INDONESIAN),      # Indonesian, by "*", preferred: was answered in English
    ("*;q=0.5, en", ENGLISH),
    ("en;q=0, id-ID;q=0.5", INDONESIAN),    # q=0: not acceptable
    ("id;q=0", ENGLISH),                    # Indonesian not acceptable: the other language (was Indonesian)
    ("id;q=0, en;q=0", INDONESIAN),         # nothing acceptable: the default
    ("EN-us", ENGLISH),
    ("en-US, id", ENGLISH),                 # equal preference: the first listed
    ("id, en-US", INDONESIAN),
])
def test_problems_and_field_messages_speak_the_language_the_caller_prefers_a_regional_tag_included(
        client, accept_language, expected):
    headers = {"Accept-Language": accept_language} if accept_language is not None else {}
    refused = client.get("/api/v1/children", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["title"] == expected["title"]
    invalid = client.post("/api/v1/auth/login", json={}, headers=headers)
    assert invalid.status_code == 422 and invalid.get_json()["errors"] == expected["errors"]


# The shapes the contract fixes, as it writes them: every key below is in every such answer, so
# the served document must say so (``required``), or a client generated from it treats each one
# as optional, and a bad answer that drops one passes every check made against the document.
CONTRACT_KEYS = {
    "Problem": {"type", "title", "status", "detail"},               # General: errors
    "Health": {"status", "database"},                               # General: health
    "Tokens": {"access_token", "refresh_token", "user"},            # Auth: login
    "RefreshedTokens": {"access_token"},                            # Auth: refresh
    "CalculatorResult": {"age_days", "age_months", "zscores", "flags", "warnings", "status"},
    "CalculatorRowErrors": {"errors"},
    "PushResult": {"mutation_id", "status", "replayed", "version", "record", "errors"},
    "Change": {"entity", "op", "id", "version", "record", "reason"},
    "PullResponse": {"changes", "cursor", "has_more", "reset"},
}
INDICATORS = {"wfa", "lhfa", "wfl", "wfh", "bfa", "hcfa", "acfa"}
# domain.md, "Categories (Permenkes 2/2020) — status keys in the API"
WASTING = {"gizi_buruk", "gizi_kurang", "gizi_baik", "berisiko_gizi_lebih", "gizi_lebih", "obesitas"}
CATEGORIES = {"bb_u": {"sangat_kurang", "kurang", "normal", "risiko_lebih"},
              "tb_u": {"sangat_pendek", "pendek", "normal", "tinggi"}, "bb_tb": WASTING, "imt_u": WASTING}


@pytest.fixture
def spec(client) -> dict:
    return client.get("/api/v1/openapi.json").get_json()


def _component(spec: dict, ref_or_schema: dict) -> dict:
    ref = ref_or_schema.get("$ref") or next((s["$ref"] for s in ref_or_schema.get("allOf", []) if "$ref" in s), None)
    return spec["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else ref_or_schema


def _answered(spec: dict, path: str, method: str = "get", status: str = "200") -> dict:
    content = spec["paths"][path][method]["responses"][status]["content"]["application/json"]
    return _component(spec, content["schema"])


@pytest.mark.parametrize("name", sorted(CONTRACT_KEYS))
def test_the_document_requires_every_key_the_contract_puts_in_an_answer(spec, name):
    schema = spec["components"]["schemas"][name]
    assert CONTRACT_KEYS[name] <= set(schema.get("required", [])), (name, schema.get("required"))


def test_the_document_requires_items_and_next_cursor_on_every_list(spec):
    """General: lists "return {"items": [...], "next_cursor": "..." | null}"."""
    pages = {name: s for name, s in spec["components"]["schemas"].items() if "next_cursor" in s.get("properties", {})}
    assert len(pages) >= 12, sorted(pages)
    for name, page in pages.items():
        assert {"items", "next_cursor"} <= set(page.get("required", [])), name
        assert page["properties"]["next_cursor"]["nullable"] is True and page["properties"]["items"]["type"] == "array"


def test_the_logged_in_user_is_documented_with_its_id_name_and_a_role_of_the_contract(spec):
    """Auth: login answers ``"user": {"id", "name", "role", ...}``; roles kader, bidan, parent, dinkes, admin."""
    user = _component(spec, spec["components"]["schemas"]["Tokens"]["properties"]["user"])
    assert {"id", "name", "role"} <= set(user["required"])
    assert set(user["properties"]["role"]["enum"]) == {"kader", "bidan", "parent", "dinkes", "admin"}


def test_the_calculator_answer_is_documented_as_a_result_or_the_rows_errors(spec):
    """Growth calculator: one result per row; "flags has the same keys as zscores: true/false where
    the z-score exists, null where it does not"; "status uses Indonesia's categories ... as
    snake_case keys listed in domain.md"; a bad row "gets {"errors": {...}} in its place"."""
    response = _answered(spec, "/api/v1/growth/calculate", "post")
    assert response["required"] == ["results"]
    row = response["properties"]["results"]["items"]
    assert sorted(alt["$ref"].rsplit("/", 1)[1] for alt in row["oneOf"]) == ["CalculatorResult", "CalculatorRowErrors"]
    result = spec["components"]["schemas"]["CalculatorResult"]
    zscores, flags = (_component(spec, result["properties"][k]) for k in ("zscores", "flags"))
    assert set(zscores["properties"]) == set(flags["properties"]) == INDICATORS
    assert set(zscores["required"]) == set(flags["required"]) == INDICATORS
    assert all(p == {"type": "number", "nullable": True} for p in zscores["properties"].values())
    assert all(p == {"type": "boolean", "nullable": True} for p in flags["properties"].values())
    status = _component(spec, result["properties"]["status"])
    assert set(status["required"]) == set(CATEGORIES)
    for key, categories in CATEGORIES.items():
        category = status["properties"][key]
        assert category["nullable"] is True and set(category["enum"]) == {*categories, None}
    errors = spec["components"]["schemas"]["CalculatorRowErrors"]
    assert set(errors["properties"]) == {"errors"}


def test_the_calculator_row_is_documented_as_the_contract_writes_it(spec):
    """Growth calculator: "sex": "M" | "F", birth_date and measured_on or instead age_days,
    "position": "lying" | "standing"; a negative weight is bad input; every field but sex and the
    age may be absent."""
    row = spec["components"]["schemas"]["CalculatorRow"]
    assert row["required"] == ["sex"] and row["properties"]["sex"]["enum"] == ["M", "F"]
    assert set(row["properties"]) == {"sex", "birth_date", "measured_on", "age_days", "weight_kg", "length_height_cm",
                                      "position", "head_circumference_cm", "muac_cm", "oedema"}
    assert row["properties"]["birth_date"]["format"] == row["properties"]["measured_on"]["format"] == "date"
    assert row["properties"]["age_days"]["type"] == "integer" and row["properties"]["age_days"]["minimum"] == 0
    assert row["properties"]["position"]["enum"] == ["lying", "standing", None]
    for measure in ("weight_kg", "length_height_cm", "head_circumference_cm", "muac_cm"):
        assert row["properties"][measure]["minimum"] == 0 and row["properties"][measure]["exclusiveMinimum"] is True


def test_push_and_pull_document_the_contracts_enums(spec):
    """Sync: entity child | measurement | immunisation | supplement, op upsert | delete, status
    applied | conflict | rejected, reason deleted | out_of_scope (pull also sends posyandu)."""
    mutation = spec["components"]["schemas"]["MutationDoc"]["properties"]
    assert set(spec["components"]["schemas"]["MutationDoc"]["required"]) == {"mutation_id", "entity", "op", "id"}
    assert mutation["mutation_id"]["format"] == mutation["id"]["format"] == "uuid"
    assert mutation["base_version"]["nullable"] is True and mutation["data"]["type"] == "object"
    assert set(mutation["entity"]["enum"]) == {"child", "measurement", "immunisation", "supplement"}
    assert set(mutation["op"]["enum"]) == {"upsert", "delete"}
    result = _answered(spec, "/api/v1/sync/push", "post")["properties"]["results"]["items"]
    assert set(_component(spec, result)["properties"]["status"]["enum"]) == {"applied", "conflict", "rejected"}
    change = _component(spec, _answered(spec, "/api/v1/sync/pull")["properties"]["changes"]["items"])["properties"]
    assert set(change["entity"]["enum"]) == {"child", "measurement", "immunisation", "supplement", "posyandu"}
    assert set(change["op"]["enum"]) == {"upsert", "delete"}
    assert set(change["reason"]["enum"]) == {"deleted", "out_of_scope", None} and change["reason"]["nullable"] is True
    assert change["record"]["nullable"] is True and change["version"]["type"] == "integer"
    pull = _answered(spec, "/api/v1/sync/pull")["properties"]
    assert pull["has_more"]["type"] == pull["reset"]["type"] == "boolean" and pull["cursor"]["type"] == "string"
