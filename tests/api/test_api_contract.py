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
INDONESIAN = {"title": "Perlu masuk (login)", "errors": {"password": ["Wajib diisi."], "username": ["Wajib diisi."]}}
ENGLISH = {"title": "Authentication required",
           "errors": {"password": ["Missing data for required field."], "username": ["Missing data for required field."]}}


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
    ("en;q=0, id-ID;q=0.5", INDONESIAN),    # q=0: not acceptable
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
