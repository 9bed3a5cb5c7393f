"""The API's refusals, consistent across routes (api-contract.md: a record outside the caller's scope
answers 404, an action the role may not take 403):

- a list narrowed to an area the caller does not see (or that does not exist) is 404, as a report of
  it is, never an empty page that says the area has nothing;
- a refusal that does not depend on the body (the caller's role, the account's state) is answered
  whatever the body holds, before its format is judged (422).
"""
from __future__ import annotations

import uuid

import pytest

PROBLEM = "application/problem+json"


def _problem(resp, status: int, kind: str | None = None) -> dict:
    body = resp.get_json()
    assert resp.status_code == status and resp.content_type == PROBLEM, (resp.status_code, body)
    if kind:
        assert body["type"].endswith("/" + kind), body
    return body


# --- lists narrowed to an area -------------------------------------------------------------------
def test_a_list_of_children_of_a_posyandu_outside_the_callers_scope_is_404_as_its_report(client, world, make_child):
    """Before, ``/children?posyandu_id=<Kenanga>`` answered kader1 (of Melati) an empty page, while
    ``/reports/skdn?posyandu_id=<Kenanga>`` answered 404: the list said Kenanga had no children."""
    make_child(by="kader3", posyandu="p3")
    unknown = uuid.uuid4()
    for who in ("kader1", "bidan_a", "dinkes_gresik", "parent1"):
        for posyandu in (world.ids["p3"], unknown):
            report = client.get("/api/v1/reports/skdn", query_string={"month": "2025-02", "posyandu_id": posyandu},
                                headers=world.headers(who))
            listed = client.get("/api/v1/children", query_string={"posyandu_id": posyandu}, headers=world.headers(who))
            assert report.status_code == (403 if who == "parent1" else 404), (who, report.get_json())
            _problem(listed, 404, "not_found")
    # the admin: an unknown posyandu only
    _problem(client.get("/api/v1/children", query_string={"posyandu_id": unknown}, headers=world.headers("admin")), 404)
    # in scope: the page, as before
    for who in ("kader3", "bidan_b", "dinkes_bangkalan", "admin"):
        page = client.get("/api/v1/children", query_string={"posyandu_id": world.ids["p3"]}, headers=world.headers(who))
        assert page.status_code == 200 and len(page.get_json()["items"]) == 1, (who, page.get_json())


def test_a_list_of_posyandu_of_a_puskesmas_or_desa_outside_the_callers_scope_is_404(client, world):
    for who in ("kader1", "bidan_a", "dinkes_gresik"):
        for query in ({"puskesmas_id": world.ids["pkm_b"]}, {"puskesmas_id": uuid.uuid4()},
                      {"desa_code": "35.26.01.2001"}):
            _problem(client.get("/api/v1/posyandu", query_string=query, headers=world.headers(who)), 404, "not_found")
    _problem(client.get("/api/v1/posyandu", query_string={"puskesmas_id": uuid.uuid4()},
                        headers=world.headers("admin")), 404)
    # her own: as before (a kader sees her posyandu's puskesmas and desa)
    for who, pkm, desa, names in (("kader1", "pkm_a", "35.25.01.2001", ["Melati"]),
                                  ("bidan_b", "pkm_b", "35.26.01.2001", ["Kenanga"]),
                                  ("dinkes_gresik", "pkm_a", "35.25.01.2002", ["Mawar"]),
                                  ("admin", "pkm_b", "35.26.01.2001", ["Kenanga"])):
        for query in ({"puskesmas_id": world.ids[pkm], "desa_code": desa},):
            page = client.get("/api/v1/posyandu", query_string=query, headers=world.headers(who))
            assert page.status_code == 200 and [p["name"] for p in page.get_json()["items"]] == names, (who, page.get_json())


def test_a_list_of_users_of_a_posyandu_or_puskesmas_that_does_not_exist_is_404(client, world):
    admin = world.headers("admin")
    for key in ("posyandu_id", "puskesmas_id"):
        _problem(client.get("/api/v1/users", query_string={key: uuid.uuid4()}, headers=admin), 404, "not_found")
    kader = client.get("/api/v1/users", query_string={"posyandu_id": world.ids["p3"]}, headers=admin)
    assert [u["username"] for u in kader.get_json()["items"]] == ["kader3"], kader.get_json()
