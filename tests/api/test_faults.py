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
