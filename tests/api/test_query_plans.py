"""The plans PostgreSQL makes for what users read often, on tables of a district's shape (docs/scaling.md,
"Query plans at a district's size"). The rows are put in by SQL, not through the API: only their number
and spread matter to the planner. PostgreSQL only (SQLite plans nothing of the kind)."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import text

from tests.support.statements import statements_run


def _postgresql_only(app) -> None:
    from posyandu.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a PostgreSQL plan")


def _statements(app, client, path: str, headers: dict, method: str = "GET",
                expect: int = 200, **kwargs) -> list[tuple[str, object]]:
    """The statements (and their parameters) a request of ``path`` runs (``kwargs``: the request's body)."""
    from posyandu.extensions import db

    with app.app_context():
        engine = db.engine
    with statements_run(engine) as seen:
        resp = client.open(path, method=method, headers=headers, **kwargs)
    assert resp.status_code == expect, resp.get_json()
    return seen


def _plan(app, statement: str, params: object) -> str:
    from posyandu.extensions import db

    with app.app_context():
        conn = db.engine.raw_connection()
        try:
            cur = conn.cursor()
            cur.execute("EXPLAIN " + statement, params)
            return "\n".join(row[0] for row in cur.fetchall())
        finally:
            conn.close()


def _district_weighed(app, world, on: str, posyandu: int = 60, children: int = 100) -> None:
    """``posyandu`` more posyandu, a third of them in kecamatan 35.25.01 (puskesmas A), the others in
    35.26.01 (B), each with ``children`` children weighed and measured once on ``on``; then ANALYZE:
    a district's shape, many posyandu of about a hundred children, at a twentieth of its size."""
    from posyandu.extensions import db

    with app.app_context():
        db.session.execute(text("""
            INSERT INTO posyandu (id, name, desa_code, puskesmas_id, kabupaten_code, meeting_day, version, created_at,
                                  updated_at)
            SELECT md5('plan-pos' || p)::uuid, 'Plan ' || p,
                   CASE WHEN p % 3 = 0 THEN '35.25.01.200' || (1 + p % 2) ELSE '35.26.01.2001' END,
                   CASE WHEN p % 3 = 0 THEN CAST(:a AS uuid) ELSE CAST(:b AS uuid) END,
                   CASE WHEN p % 3 = 0 THEN '35.25' ELSE '35.26' END, 10, 1, now(), now()
            FROM generate_series(1, :n) p"""), {"a": str(world.ids["pkm_a"]), "b": str(world.ids["pkm_b"]), "n": posyandu})
        db.session.execute(text("""
            INSERT INTO child (id, posyandu_id, kabupaten_code, name, sex, birth_date, has_kms, version, created_at,
                               updated_at)
            SELECT md5('plan-child' || k)::uuid, md5('plan-pos' || (1 + k % :pos))::uuid,
                   CASE WHEN (1 + k % :pos) % 3 = 0 THEN '35.25' ELSE '35.26' END, 'Anak ' || k,
                   CASE WHEN k % 2 = 0 THEN 'M' ELSE 'F' END, CAST(:on AS date) - (30 + k % 1700), true, 1, now(), now()
            FROM generate_series(1, :n) k"""), {"pos": posyandu, "n": posyandu * children, "on": on})
        db.session.execute(text("""
            INSERT INTO measurement (id, child_id, posyandu_id, kabupaten_code, measured_on, weight_kg, length_height_cm,
                                     position, oedema, age_days, flagged, bb_u, tb_u, bb_tb, trend, bgm, two_t,
                                     referral, version, created_at, updated_at)
            SELECT md5('plan-m' || id)::uuid, id, posyandu_id, kabupaten_code, CAST(:on AS date), 9.5, 80.0, 'standing',
                   false, CAST(:on AS date) - birth_date, false, 'normal', 'normal', 'gizi_baik', 'N', false, false,
                   false, 1, now(), now()
            FROM child WHERE name LIKE 'Anak %'"""), {"on": on})
        db.session.commit()
        db.session.execute(text("ANALYZE posyandu; ANALYZE child; ANALYZE measurement"))
        db.session.commit()


@pytest.mark.parametrize("report", ["prevalence", "skdn", "f1"])
def test_a_kecamatans_report_joins_each_childs_latest_visits_by_hash_not_row_by_row(app, client, world, report):
    """A report reads each child's latest visit of the month, and for prevalence her latest weighing,
    length and weight-for-length too, each a subquery of one shared CTE joined to the child. PostgreSQL
    guessed 0.5 % of the CTE's rows in each (the condition ``n = 1`` on a computed column) and joined
    them by nested loops, every child's row compared with every other's: at 100,000 children a kecamatan's
    prevalence took 9.6 s (20 s under EXPLAIN ANALYZE), its whole kabupaten's 0.6 s. A dinkes office
    waited, or gunicorn's timeout cut the download."""
    _postgresql_only(app)
    _district_weighed(app, world, "2025-02-10")
    path = f"/api/v1/reports/{report}?month=2025-02&level=kecamatan&region_code=35.25.01"
    [(statement, params)] = [(s, p) for s, p in _statements(app, client, path, world.headers("dinkes_gresik"))
                             if "measurement" in s]
    plan = _plan(app, statement, params)
    row_by_row = re.findall(r"Join Filter: \(\w+\.child_id = child\.id\)", plan)
    assert not row_by_row, plan


def test_the_registrations_merged_into_a_child_are_found_by_an_index(app, client, world, make_child):
    """A child's download and access history (and a visits import, for each of its children) look up the
    registrations merged into her: ``merged_into IN (...)``. With no index that read the whole child
    table each time, 10 ms at 100,000 children: 50 s more for an import of 5,000 children's visits.
    Merged registrations are few: a partial index holds only them."""
    _postgresql_only(app)
    _district_weighed(app, world, "2025-02-10", posyandu=30, children=100)
    child = make_child()
    statements = _statements(app, client, f"/api/v1/children/{child['id']}/export", world.headers("kader1"))
    lookups = [(s, p) for s, p in statements if "merged_into IN" in s]   # for her access log, and her history
    assert lookups
    for statement, params in lookups:
        plan = _plan(app, statement, params)
        assert "Seq Scan on child" not in plan, plan


def test_the_children_flagged_against_one_are_found_by_an_index(app, client, world, make_child):
    """Deleting or merging a child looks up the children flagged as her possible duplicate
    (``possible_duplicate_of = ...``): with no index, the whole child table each time."""
    _postgresql_only(app)
    _district_weighed(app, world, "2025-02-10", posyandu=30, children=100)
    child = make_child()
    seen = _statements(app, client, f"/api/v1/children/{child['id']}", world.headers("kader1"), "DELETE", 204)
    [(statement, params)] = [(s, p) for s, p in seen if "child.possible_duplicate_of =" in s]
    plan = _plan(app, statement, params)
    assert "Seq Scan on child" not in plan, plan


def test_a_childs_access_history_is_read_by_its_indexes_not_the_whole_log_backwards(app, client, world, make_child):
    """A page of a child's access history (her own reads, and the bulk downloads of her posyandu or
    region) was one query joined by OR, ordered by id: PostgreSQL walked the whole log backwards by id
    until it had a page, 2.6 M rows (0.4 s warm, 3.3 s from disk) for a child with fewer rows than a
    page, at 100,000 children. The log grows by a row per child per pull page and list."""
    _postgresql_only(app)
    from posyandu.extensions import db

    child = make_child()
    client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1"))
    with app.app_context():
        db.session.execute(text("""
            INSERT INTO access_log (at, user_id, action, resource, child_id)
            SELECT now() + make_interval(secs => k), md5('u' || k % 50)::uuid, 'pull', 'GET /api/v1/sync/pull',
                   md5('other' || k % 20000)::uuid
            FROM generate_series(1, 200000) k"""))
        db.session.execute(text("""
            INSERT INTO access_log (at, user_id, action, resource, posyandu_id)
            SELECT now() + make_interval(secs => k), md5('u' || k % 50)::uuid, 'export', 'GET /api/v1/reports/workbook',
                   md5('pos' || k % 500)::uuid
            FROM generate_series(1, 5000) k"""))
        db.session.commit()
        db.session.execute(text("ANALYZE access_log"))
        db.session.commit()
    statements = _statements(app, client, f"/api/v1/children/{child['id']}/access-log", world.headers("admin"))
    reads = [(s, p) for s, p in statements if s.lstrip().startswith("SELECT") and "FROM access_log" in s]
    assert reads
    for statement, params in reads:
        plan = _plan(app, statement, params)
        assert "pk_access_log" not in plan and "Seq Scan on access_log" not in plan, plan


def test_where_an_exported_dose_was_given_is_read_from_the_audit_log_by_its_index(app, world):
    """The FHIR export reads, per batch of children, the audit rows of their doses in the period
    (``fhir._given_at``: the posyandu a dose was recorded at, its record having moved with the child
    since). The audit log is the largest table (a row per write, kept): it must be read by
    ``ix_audit_log_record_id``, never walked whole (nor along its primary key for the order)."""
    _postgresql_only(app)
    import hashlib
    import uuid
    from types import SimpleNamespace

    from posyandu.extensions import db
    from posyandu.reports.exports.fhir import _given_at

    with app.app_context():
        db.session.execute(text("""
            INSERT INTO audit_log (at, action, entity, record_id, changes)
            SELECT now(), 'create', CASE WHEN k % 4 = 0 THEN 'immunisation' ELSE 'measurement' END,
                   md5('plan-rec' || k)::uuid::text, json_build_object('posyandu_id', json_build_array(NULL, md5('pos' || k % 60)::uuid))
            FROM generate_series(1, 300000) k"""))
        db.session.commit()
        db.session.execute(text("ANALYZE audit_log"))
        db.session.commit()
        doses = [SimpleNamespace(id=uuid.UUID(hashlib.md5(f"plan-rec{k}".encode()).hexdigest()))
                 for k in range(4, 4 * 200, 4)]
        with statements_run(db.engine) as seen:
            found = _given_at(db.session, doses)
        assert len(found) == len(doses)
    [(statement, params)] = [(s, p) for s, p in seen if "FROM audit_log" in s]
    plan = _plan(app, statement, params)
    assert "ix_audit_log_record_id" in plan and "Seq Scan on audit_log" not in plan, plan
