"""SQLite and PostgreSQL give the same reports for the same data: the demo kabupaten
(300 children, two years of visits, doses and capsules) loaded into both."""
from __future__ import annotations

import re
from datetime import date

import pytest

from tests.conftest import BACKENDS, _empty_all_tables


def _months_back(n: int) -> str:
    y, m = divmod(date.today().year * 12 + date.today().month - 1 - n, 12)
    return f"{y:04d}-{m + 1:02d}"


LAST, YEAR_AGO = _months_back(1), _months_back(12)
QUERIES = [f"/api/v1/reports/{report}?from={YEAR_AGO}&to={LAST}&level={level}"
           for report in ("skdn", "f1", "prevalence", "coverage") for level in ("posyandu", "desa", "kabupaten")]
QUERIES += [f"/api/v1/reports/actions?month={LAST}&limit=500", f"/api/v1/reports/coverage?month={_months_back(3)}&level=puskesmas"]


def _comparable(body: dict) -> dict:
    """Posyandu and puskesmas ids are random per load: compare by name instead."""
    rows = body["rows"] if "rows" in body else body["items"]  # a report, or the follow-up list
    assert body.get("next_cursor") is None, "the whole follow-up list fits one page"
    for row in rows:
        row.pop("posyandu_id", None)
        # a Kemendagri code is digits and dots; an id is random (and one in 256 starts with "35")
        if "area_name" in row and not re.fullmatch(r"[\d.]+", row["area"]):
            row["area"] = row["area_name"]
    rows.sort(key=lambda r: [str(v) for v in r.values()])
    return body


def _fhir(body: dict) -> list:
    return sorted((e["resource"] for e in body["entry"] if e["resource"]["resourceType"] in ("Patient", "Observation")),
                  key=lambda r: r["id"])


def _answers(app) -> dict:
    from posyandu.demo import load_demo
    from posyandu.extensions import db

    with app.app_context():
        load_demo(seed=7)
        db.session.commit()
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"username": "dinkes", "password": "posyandu123"}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    out = {}
    for query in QUERIES:
        resp = client.get(query, headers=headers)
        assert resp.status_code == 200, (query, resp.get_json())
        out[query] = _comparable(resp.get_json())
    out["fhir"] = _fhir(client.get(f"/api/v1/exports/fhir?month={LAST}", headers=headers).get_json())
    return out


@pytest.mark.skipif(set(BACKENDS) != {"sqlite", "postgresql"}, reason="needs both databases")
def test_sqlite_and_postgresql_agree_on_the_demo_data(apps):
    answers = {}
    for backend in ("sqlite", "postgresql"):
        app = apps(backend)
        try:
            answers[backend] = _answers(app)
        finally:
            _empty_all_tables(app)
    lite, pg = answers["sqlite"], answers["postgresql"]
    assert lite.keys() == pg.keys()
    for key in lite:
        assert lite[key] == pg[key], key
    # …and the data is not trivially empty.
    kabupaten = lite[f"/api/v1/reports/skdn?from={YEAR_AGO}&to={LAST}&level=kabupaten"]["rows"]
    assert len(kabupaten) == 12 and all(r["S"] > 200 and r["D"] > 150 for r in kabupaten)
    assert any(r["kind"] == "idl" and r["covered"] for r in lite[f"/api/v1/reports/coverage?from={YEAR_AGO}&to={LAST}&level=kabupaten"]["rows"])
    assert len(lite["fhir"]) > 300
