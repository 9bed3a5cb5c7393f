"""District-size reports on PostgreSQL: the monthly kabupaten SKDN + prevalence through the API
against one hand-written SQL query through psql, and the peak memory of a whole-district XLSX.

Run: ``.venv/bin/python benchmarks/reports.py [--children 100000] [--months 24]``.

1. Starts a throwaway PostgreSQL 15 the way the tests do (tests/support/pgserver.py) and
   builds the schema with the migrations.
2. Generates a kabupaten with fast bulk SQL (INSERT … SELECT generate_series): 18
   kecamatan/puskesmas, one posyandu per 100 children, children born over the last five
   years, a visit in ~95 % of the months they were under five. The growth columns the
   reports read (z-scores, categories, flags, KMS trend, BGM, 2T) are drawn in SQL from
   plausible distributions, not computed by the growth engine: the reports only aggregate
   them, so their values do not change the work.
3. Times, best of 5 after a warm-up: a) ``GET /reports/skdn`` + ``GET /reports/prevalence``
   for last month at ``level=kabupaten`` as the dinkes user (WSGI in-process: JWT, scope,
   arguments, SQL, JSON); b) one hand-written query computing the same S, K, D, N, T, O, B,
   BGM, 2T and stunting/wasting/underweight/overweight counts, run by ``psql`` (its own
   ``\\timing``). Prints both and the ratio (target: within 2×).
4. Peak memory (max RSS) of a fresh process that streams ``GET /reports/workbook`` (every
   report, one sheet each, and the action list with every child of the area) for one
   kecamatan and for the whole district (target: flat, under 200 MB).
5. The whole district's downloads end to end, request to last byte, each in a fresh process:
   the workbook (bytes, seconds, rows/s) and last month's FHIR Bundle (``GET /exports/fhir``:
   bytes, seconds, resources/s, children/s; the file parsed and its entries counted), each
   against gunicorn's 120 s timeout; the Bundle against psql copying out the rows it reads.
   The generated children also have their doses (about 90 % of each due by their age), whose
   whole history the export reads for each dose's timing. ``--profile`` then runs the export
   under cProfile in this process.
6. The kabupaten's coverage report (``GET /reports/coverage?level=kabupaten``) for last month and the last
   August (a vitamin A round), each child's doses read as now (bit masks, ``coverage.given_masks``) and as
   before (a flag per schedule entry per child, IDL and Baduta Lengkap a statement each:
   ``_coverage_as_before``), alternating, best of 3 each; prints both and the ratio, the answers compared.
"""
from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.pgserver import PostgresServer, _bin  # noqa: E402

KECAMATAN = 18
PASSWORD = "bench-password-1"
GUNICORN_TIMEOUT = 120  # gunicorn.conf.py's default, as nginx's proxy_read_timeout

SETUP_SQL = """
CREATE OR REPLACE FUNCTION bench_u(n bigint, k int, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
  $$ SELECT ((hashtext(n::text || ':' || k::text || ':' || salt::text)::bigint & 2147483647) / 2147483647.0)::float8 $$;
CREATE OR REPLACE FUNCTION bench_z(n bigint, k int, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
  $$ SELECT (bench_u(n, k, salt) + bench_u(n, k, salt + 1) + bench_u(n, k, salt + 2) - 1.5) * 2.0 $$;
INSERT INTO region (code, name, level, parent_code) VALUES ('35', 'Jawa Timur', 'provinsi', NULL),
  ('35.25', 'Kabupaten Bench', 'kabupaten', '35');
INSERT INTO region (code, name, level, parent_code)
  SELECT '35.25.' || lpad(k::text, 2, '0'), 'Kecamatan ' || k, 'kecamatan', '35.25' FROM generate_series(1, {kec}) k;
INSERT INTO region (code, name, level, parent_code)
  SELECT '35.25.' || lpad((d % {kec} + 1)::text, 2, '0') || '.' || (2001 + d / {kec}), 'Desa ' || d, 'desa',
         '35.25.' || lpad((d % {kec} + 1)::text, 2, '0')
  FROM generate_series(0, {desa} - 1) d;
INSERT INTO puskesmas (id, code, name, kecamatan_code, kabupaten_code, created_at, updated_at)
  SELECT md5('pkm' || k)::uuid, 'PKM' || k, 'Puskesmas ' || k, '35.25.' || lpad(k::text, 2, '0'), '35.25', now(), now()
  FROM generate_series(1, {kec}) k;
INSERT INTO posyandu (id, name, desa_code, puskesmas_id, kabupaten_code, meeting_day, version, created_at, updated_at)
  SELECT md5('pos' || p)::uuid, 'Posyandu ' || p,
         '35.25.' || lpad(((p / 3) % {kec} + 1)::text, 2, '0') || '.' || (2001 + (p / 3) / {kec}),
         md5('pkm' || ((p / 3) % {kec} + 1))::uuid, '35.25', 1 + p % 28, 1, now(), now()
  FROM generate_series(0, {posyandu} - 1) p;
INSERT INTO child (id, posyandu_id, kabupaten_code, name, sex, birth_date, has_kms, version, created_at, updated_at)
  SELECT md5('c' || n)::uuid, md5('pos' || (n % {posyandu}))::uuid, '35.25', 'Anak ' || n,
         CASE WHEN n % 2 = 0 THEN 'M' ELSE 'F' END, current_date - (bench_u(n, 0, 90) * 1825)::int,
         bench_u(n, 0, 91) < 0.93, 1, now(), now()
  FROM generate_series(1, {children}) n;
INSERT INTO measurement (id, child_id, posyandu_id, kabupaten_code, measured_on, weight_kg, length_height_cm, position,
                         oedema, age_days, z_wfa, z_lhfa, z_wfl, z_wfh, bb_u, tb_u, bb_tb, flagged, trend,
                         trend_computed, bgm, two_t, referral, version, created_at, updated_at)
SELECT md5('m' || n || ':' || k)::uuid, child_id, posyandu_id, '35.25', day, round((3 + age / 140.0)::numeric, 2),
       round((50 + age / 30.0)::numeric, 1), CASE WHEN age < 731 THEN 'lying' ELSE 'standing' END, oedema, age,
       CASE WHEN NOT oedema THEN wfa END, lhfa, CASE WHEN age < 731 AND NOT oedema THEN wfh END,
       CASE WHEN age >= 731 AND NOT oedema THEN wfh END,
       CASE WHEN flagged OR oedema THEN NULL WHEN wfa < -3 THEN 'sangat_kurang' WHEN wfa < -2 THEN 'kurang'
            WHEN wfa <= 1 THEN 'normal' ELSE 'risiko_lebih' END,
       CASE WHEN flagged THEN NULL WHEN lhfa < -3 THEN 'sangat_pendek' WHEN lhfa < -2 THEN 'pendek'
            WHEN lhfa <= 3 THEN 'normal' ELSE 'tinggi' END,
       CASE WHEN flagged OR oedema THEN NULL WHEN wfh < -3 THEN 'gizi_buruk' WHEN wfh < -2 THEN 'gizi_kurang'
            WHEN wfh <= 1 THEN 'gizi_baik' WHEN wfh <= 2 THEN 'berisiko_gizi_lebih' WHEN wfh <= 3 THEN 'gizi_lebih'
            ELSE 'obesitas' END,
       flagged, trend, trend, wfa < -3 AND NOT oedema, trend = 'T' AND r < 0.10, wfa < -3 OR wfa > 1, 1, now(), now()
FROM (
  SELECT c.n, v.k, c.id AS child_id, c.posyandu_id, v.day, v.day - c.birth_date AS age,
         bench_u(c.n, v.k, 7) < 0.002 AS oedema, bench_u(c.n, v.k, 8) < 0.005 AS flagged,
         -1.1 + 0.9 * bench_z(c.n, v.k, 1) AS lhfa, -0.45 + 0.95 * bench_z(c.n, v.k, 4) AS wfh,
         -0.8 + bench_z(c.n, v.k, 10) AS wfa, bench_u(c.n, v.k, 13) AS r,
         CASE WHEN bench_u(c.n, v.k, 14) < 0.04 THEN 'B' WHEN bench_u(c.n, v.k, 14) < 0.14 THEN 'O'
              WHEN bench_u(c.n, v.k, 14) < 0.47 THEN 'T' ELSE 'N' END AS trend
  FROM (SELECT id, posyandu_id, birth_date, substr(name, 6)::bigint AS n FROM child) c
  JOIN posyandu p ON p.id = c.posyandu_id
  CROSS JOIN LATERAL (
    SELECT k, (date_trunc('month', current_date)::date - make_interval(months => k))::date + (p.meeting_day - 1) AS day
    FROM generate_series(0, {months} - 1) k) v
  WHERE v.day BETWEEN c.birth_date AND current_date AND v.day < c.birth_date + interval '60 months'
    AND bench_u(c.n, v.k, 20) < 0.95
) m;
INSERT INTO immunisation (id, child_id, posyandu_id, kabupaten_code, vaccine, dose, given_on, batch_number,
                          expiry_date, place, source, version, created_at, updated_at)
SELECT md5('i' || c.n || ':' || s.vaccine || s.dose)::uuid, c.id, c.posyandu_id, '35.25', s.vaccine, s.dose, d.day,
       'B' || (c.n % 997), d.day + 180, CASE WHEN bench_u(c.n, s.k, 31) < 0.8 THEN 'posyandu' ELSE 'puskesmas' END,
       'given', 1, now(), now()
FROM (SELECT id, posyandu_id, birth_date, substr(name, 6)::bigint AS n FROM child) c
CROSS JOIN (VALUES (1, 'HB0', 1, 0), (2, 'BCG', 1, 1), (3, 'OPV', 1, 1), (4, 'OPV', 2, 2), (5, 'OPV', 3, 3),
  (6, 'OPV', 4, 4), (7, 'DPT-HB-Hib', 1, 2), (8, 'DPT-HB-Hib', 2, 3), (9, 'DPT-HB-Hib', 3, 4), (10, 'PCV', 1, 2),
  (11, 'PCV', 2, 3), (12, 'RV', 1, 2), (13, 'RV', 2, 3), (14, 'RV', 3, 4), (15, 'IPV', 1, 4), (16, 'MR', 1, 9),
  (17, 'IPV', 2, 9), (18, 'PCV', 3, 12), (19, 'DPT-HB-Hib', 4, 18), (20, 'MR', 2, 18)) s(k, vaccine, dose, months)
CROSS JOIN LATERAL (SELECT (c.birth_date + make_interval(months => s.months)
                            + make_interval(days => CASE WHEN s.months = 0 THEN 0 ELSE (bench_u(c.n, s.k, 30) * 40)::int END)
                            )::date AS day) d
WHERE d.day <= current_date AND bench_u(c.n, s.k, 32) < 0.9;
VACUUM ANALYZE;
"""

# The same aggregate, written by hand: last month's S, K, D, N, T, O, B, BGM, 2T (latest weighing) and
# the prevalence counts, each index from the latest measurement that measured it (reports.cohort).
BASELINE_SQL = """
WITH month AS (
  SELECT * FROM measurement
  WHERE kabupaten_code = '35.25' AND measured_on BETWEEN '{first}' AND '{last}' AND deleted_at IS NULL),
w AS (
  SELECT DISTINCT ON (child_id) child_id, trend, bgm, two_t, bb_u, oedema FROM month WHERE weight_kg IS NOT NULL
  ORDER BY child_id, measured_on DESC, created_at DESC),
m AS (
  SELECT DISTINCT ON (child_id) child_id, flagged FROM month ORDER BY child_id, measured_on DESC, created_at DESC),
h AS (
  SELECT DISTINCT ON (child_id) child_id, tb_u FROM month WHERE length_height_cm IS NOT NULL
  ORDER BY child_id, measured_on DESC, created_at DESC),
t AS (
  SELECT DISTINCT ON (child_id) child_id, bb_tb, oedema FROM month
  WHERE (weight_kg IS NOT NULL AND length_height_cm IS NOT NULL) OR oedema
  ORDER BY child_id, measured_on DESC, created_at DESC)
SELECT count(*) AS s, count(*) FILTER (WHERE c.has_kms) AS k, count(w.child_id) AS d,
  count(*) FILTER (WHERE w.trend = 'N') AS n, count(*) FILTER (WHERE w.trend = 'T') AS t,
  count(*) FILTER (WHERE w.trend = 'O') AS o, count(*) FILTER (WHERE w.trend = 'B') AS b,
  count(*) FILTER (WHERE w.bgm) AS bgm, count(*) FILTER (WHERE w.two_t) AS two_t,
  count(m.child_id) AS measured, count(*) FILTER (WHERE m.flagged) AS flagged,
  count(h.tb_u) AS tb_u_n, count(*) FILTER (WHERE h.tb_u IN ('pendek', 'sangat_pendek')) AS stunted,
  count(*) FILTER (WHERE t.bb_tb IS NOT NULL OR t.oedema) AS bb_tb_n,
  count(*) FILTER (WHERE t.bb_tb IN ('gizi_kurang', 'gizi_buruk') OR t.oedema) AS wasted,
  count(*) FILTER (WHERE t.bb_tb IN ('gizi_lebih', 'obesitas')) AS overweight,
  count(*) FILTER (WHERE w.bb_u IS NOT NULL OR w.oedema) AS bb_u_n,
  count(*) FILTER (WHERE w.bb_u IN ('kurang', 'sangat_kurang') OR w.oedema) AS underweight
FROM child c LEFT JOIN w ON w.child_id = c.id LEFT JOIN m ON m.child_id = c.id
  LEFT JOIN h ON h.child_id = c.id LEFT JOIN t ON t.child_id = c.id
WHERE c.kabupaten_code = '35.25' AND c.deleted_at IS NULL AND c.merged_into IS NULL
  AND c.birth_date <= '{last}' AND c.birth_date > '{born_after}';
"""

DOWNLOAD_PROBE = """
import resource, sys, time
sys.path.insert(0, {root!r})
from config import TestConfig
from posyandu import create_app
cfg = type("Bench", (TestConfig,), {{"SQLALCHEMY_DATABASE_URI": {url!r}, "RATELIMIT_ENABLED": False}})
client = create_app(cfg).test_client()
token = client.post("/api/v1/auth/login", json={{"username": "dinkes", "password": {pw!r}}}).get_json()["access_token"]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
resp = client.get({path!r}, headers={{"Authorization": "Bearer " + token}}, buffered=False)
size = 0
with open({out!r}, "wb") as out:
    for chunk in resp.response:
        size += len(chunk)
        out.write(chunk)
assert resp.status_code == 200, resp.status_code
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, size, time.perf_counter() - start)
"""

# What the FHIR export reads, as psql reads it: the month's children of the area (a weighing or a
# dose in the month), their month's measurements and their whole immunisation history, copied out.
RAW_FHIR_SQL = """
\\timing on
COPY (SELECT c.* FROM child c WHERE c.deleted_at IS NULL AND c.id IN (
  SELECT child_id FROM measurement WHERE measured_on BETWEEN '{first}' AND '{last}' AND deleted_at IS NULL
  UNION SELECT child_id FROM immunisation WHERE given_on BETWEEN '{first}' AND '{last}' AND deleted_at IS NULL)
  ORDER BY c.id) TO STDOUT;
COPY (SELECT * FROM measurement WHERE measured_on BETWEEN '{first}' AND '{last}' AND deleted_at IS NULL
  ORDER BY child_id, measured_on, id) TO STDOUT;
COPY (SELECT i.* FROM immunisation i WHERE i.deleted_at IS NULL AND i.child_id IN (
  SELECT child_id FROM measurement WHERE measured_on BETWEEN '{first}' AND '{last}' AND deleted_at IS NULL
  UNION SELECT child_id FROM immunisation WHERE given_on BETWEEN '{first}' AND '{last}' AND deleted_at IS NULL)
  ORDER BY i.child_id, i.given_on, i.id) TO STDOUT;
"""

def last_month() -> tuple[str, date, date]:
    from posyandu.reports.period import Month

    today = date.today()
    month = Month(today.year, today.month).previous
    return str(month), month.first, month.last


def generate(server: PostgresServer, url: str, children: int, months: int) -> dict[str, int]:
    from sqlalchemy import text

    from config import TestConfig
    from posyandu import create_app
    from posyandu.extensions import db

    posyandu = max(1, children // 100)
    cfg = type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    app = create_app(cfg)
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        sql = SETUP_SQL.format(kec=KECAMATAN, desa=max(1, posyandu // 3 + 1), posyandu=posyandu,
                               children=children, months=months)
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for statement in sql.split(";\n"):
                if statement.strip():
                    conn.execute(text(statement))
        from posyandu.auth.operations import create_user

        create_user({"username": "dinkes", "name": "Dinkes Bench", "role": "dinkes", "region_code": "35.25",
                     "password": PASSWORD})
        db.session.commit()
        counts = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("posyandu", "child", "measurement",
                                                                                   "immunisation")}
        db.session.remove()
        db.engine.dispose()
    return counts


def time_api(url: str, month: str, repeat: int = 5) -> tuple[float, dict]:
    from config import TestConfig
    from posyandu import create_app

    cfg = type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    client = create_app(cfg).test_client()
    token = client.post("/api/v1/auth/login", json={"username": "dinkes", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    def both() -> dict:
        out = {}
        for report in ("skdn", "prevalence"):
            resp = client.get(f"/api/v1/reports/{report}?month={month}&level=kabupaten", headers=headers)
            assert resp.status_code == 200, resp.get_json()
            out[report] = resp.get_json()["rows"]
        return out

    rows = both()  # warm-up (connections, caches)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        both()
        best = min(best, time.perf_counter() - start)
    return best, rows


def time_after_a_move(url: str, month: str) -> tuple[float, float]:
    """``time_api`` before and after a posyandu of the district is handed to another puskesmas today (the
    puskesmas it has, so the rows are the same: only the reading of the posyandu as they stood then costs)."""
    from sqlalchemy import text

    from config import TestConfig
    from posyandu import create_app
    from posyandu.extensions import db

    still, rows = time_api(url, month)
    app = create_app(type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}))
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO posyandu_move (id, posyandu_id, from_puskesmas_id, from_desa_code, "
                          "from_kabupaten_code, moved_on, created_at) SELECT gen_random_uuid(), id, puskesmas_id, "
                          "desa_code, kabupaten_code, current_date, now() FROM posyandu ORDER BY id LIMIT 1"))
    moved, after = time_api(url, month)
    assert after == rows, "a move to the puskesmas it had changed a report"
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM posyandu_move"))
        db.engine.dispose()
    return moved, still


def _coverage_as_before() -> tuple:
    """The coverage report's doses, IDL and Baduta Lengkap as read before (``coverage._doses`` and
    ``coverage._complete`` until this benchmark measured them): a flag per schedule entry per child, a
    ``max(CASE …)`` of every dose for each entry, and IDL and Baduta Lengkap a statement each."""
    from datetime import timedelta

    from sqlalchemy import and_, case, func, select, true

    from posyandu.immunisation.models import Immunisation
    from posyandu.registry.models import Child
    from posyandu.reports import coverage as cov
    from posyandu.reports.cohort import children_in_area, cohort, count_if, scoped_posyandu_ids
    from posyandu.reports.period import born_by

    def has(e, cond, label):  # type: ignore[no-untyped-def]
        dose = (Immunisation.vaccine == e.vaccine) & (Immunisation.dose == e.dose)
        return func.max(case((dose & cond, 1), else_=0)).label(label)

    def doses(session, schedule, period, pf, level):  # type: ignore[no-untyped-def]
        entries = schedule.entries
        given = (select(Immunisation.child_id, *(has(e, true(), f"g{i}") for i, e in enumerate(entries)))
                 .where(Immunisation.given_on <= period.last, Immunisation.deleted_at.is_(None),
                        Immunisation.posyandu_id.in_(scoped_posyandu_ids(pf)))
                 .group_by(Immunisation.child_id).subquery())
        stmt = cohort(period.end, pf, level).outerjoin(given, given.c.child_id == Child.id)
        cols = []
        for i, e in enumerate(entries):
            had = func.coalesce(given.c[f"g{i}"], 0) == 1
            due = (Child.birth_date <= cov.born_by_age(period.last, e.recommended_age)) & cov.applies(e)
            cols += [count_if(due).label(f"t{i}"), count_if(due & had).label(f"c{i}")]
        return {str(r["area"]): {("dose", e.vaccine, e.dose, None): (r[f"t{i}"], r[f"c{i}"])
                                 for i, e in enumerate(entries)}
                for r in session.execute(stmt.add_columns(*cols).group_by(stmt.selected_columns.area)).mappings()}

    def complete(session, schedule, period, pf, level):  # type: ignore[no-untyped-def]
        out: dict = {}
        for kind, years in (("idl", 1), ("baduta", 2)):
            entries = [e for e in schedule.entries if e.counts_toward == kind]
            after, by = born_by(period.first - timedelta(days=1), 12 * years), born_by(period.last, 12 * years)
            in_cohort = and_(Child.birth_date > after, Child.birth_date <= by)
            before = cov._date_code(Immunisation.given_on) < cov._birthday_code(years)
            given = (select(Immunisation.child_id, *(has(e, before, f"g{i}") for i, e in enumerate(entries)))
                     .join(Child, Child.id == Immunisation.child_id)
                     .where(Immunisation.deleted_at.is_(None), in_cohort,
                            Immunisation.posyandu_id.in_(scoped_posyandu_ids(pf)))
                     .group_by(Immunisation.child_id).subquery())
            done = and_(true(), *((given.c[f"g{i}"] == 1) | ~cov.applies(e) for i, e in enumerate(entries)))
            stmt = children_in_area(pf, level).where(in_cohort).outerjoin(given, given.c.child_id == Child.id)
            stmt = stmt.add_columns(func.count(Child.id), count_if(done)).group_by(stmt.selected_columns.area)
            for a, t, c in session.execute(stmt):
                out.setdefault(str(a), {})[(kind, None, None, None)] = (t, c)
        return out

    return doses, complete


def time_coverage(url: str, months: list[str], repeat: int = 3) -> list[tuple[str, float, float, int]]:
    """``GET /reports/coverage?level=kabupaten`` for each month (WSGI, JSON) as now and with the doses read as
    before (``_coverage_as_before``), alternating, best of ``repeat`` each after a warm-up; the answers
    compared. (month, before s, now s, rows) per month."""
    from config import TestConfig
    from posyandu import create_app
    from posyandu.reports import coverage as cov

    cfg = type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    client = create_app(cfg).test_client()
    token = client.post("/api/v1/auth/login", json={"username": "dinkes", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    now, before = (cov._doses, cov._complete), _coverage_as_before()

    def timed(month: str, parts: tuple) -> tuple[float, list]:
        cov._doses, cov._complete = parts
        try:
            start = time.perf_counter()
            resp = client.get(f"/api/v1/reports/coverage?month={month}&level=kabupaten", headers=headers)
            took = time.perf_counter() - start
        finally:
            cov._doses, cov._complete = now
        assert resp.status_code == 200, resp.get_json()
        return took, resp.get_json()["rows"]

    out = []
    for month in months:
        timed(month, now)  # warm-up
        best = {"before": float("inf"), "now": float("inf")}
        for _ in range(repeat):
            for label, parts in (("before", before), ("now", now)):
                took, rows = timed(month, parts)
                best[label] = min(best[label], took)
                if label == "before":
                    old = rows
                else:
                    assert rows == old, month
        out.append((month, best["before"], best["now"], len(rows)))
    return out


def time_psql(server: PostgresServer, first: date, last: date, repeat: int = 5) -> tuple[float, str]:
    from posyandu.reports.period import UNDER_FIVE_MONTHS, born_by

    query = BASELINE_SQL.format(first=first, last=last, born_after=born_by(last, UNDER_FIVE_MONTHS))
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write("\\timing on\n" + query * (repeat + 1))
    done = subprocess.run([_bin("psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(server.port), "-U", "posyandu",
                           "-d", "posyandu_bench", "-f", f.name], capture_output=True, text=True, check=True)
    Path(f.name).unlink()
    times = [float(t) for t in re.findall(r"Time: ([\d.]+) ms", done.stdout)][1:]  # the first run warms up
    return min(times) / 1000, done.stdout.split("\n")[2]


def download(url: str, path: str, out: Path) -> tuple[float, float, int, float]:
    """Stream ``GET path`` as the dinkes user in a fresh process into ``out``: (start-up RSS MB,
    peak RSS MB, bytes, seconds from the request to its last byte)."""
    probe = DOWNLOAD_PROBE.format(root=str(ROOT), url=url, pw=PASSWORD, path=path, out=str(out))
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    before, peak, size, seconds = done.stdout.split()
    return int(before) / 1024, int(peak) / 1024, int(size), float(seconds)


def fhir_resources(path: Path) -> dict[str, int]:
    """The Bundle's entries by resourceType (the file parsed whole: a truncated one fails here)."""
    import json
    from collections import Counter

    with path.open("rb") as f:
        bundle = json.load(f)
    return dict(Counter(e["resource"]["resourceType"] for e in bundle.get("entry", [])))


def workbook_rows(path: Path) -> dict[str, int]:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        return {ws.title: max(0, ws.max_row - 1) for ws in book.worksheets}  # less the header row
    finally:
        book.close()


def time_raw_fhir_read(server: PostgresServer, first: date, last: date) -> float:
    """Seconds psql takes to copy out the rows the export reads (``RAW_FHIR_SQL``), warm: best of 2."""
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(RAW_FHIR_SQL.format(first=first, last=last) * 3)
    done = subprocess.run([_bin("psql"), "-X", "-q", "-h", "127.0.0.1", "-p", str(server.port), "-U", "posyandu",
                           "-d", "posyandu_bench", "-o", "/dev/null", "-f", f.name],
                          capture_output=True, text=True, check=True)
    Path(f.name).unlink()
    times = [float(t) for t in re.findall(r"Time: ([\d.]+) ms", done.stdout)]
    runs = [sum(times[i:i + 3]) for i in range(3, len(times), 3)]  # the first run warms up
    return min(runs) / 1000


def profile_fhir(url: str, month: str, top: int = 30) -> None:
    """The whole-district export under cProfile, in this process (py-spy is not installed)."""
    import cProfile
    import pstats

    from config import TestConfig
    from posyandu import create_app

    cfg = type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    client = create_app(cfg).test_client()
    token = client.post("/api/v1/auth/login", json={"username": "dinkes", "password": PASSWORD}).get_json()
    profiler = cProfile.Profile()
    profiler.enable()
    resp = client.get(f"/api/v1/exports/fhir?month={month}",
                      headers={"Authorization": f"Bearer {token['access_token']}"}, buffered=False)
    size = sum(len(chunk) for chunk in resp.response)
    profiler.disable()
    print(f"profiled export: {size / 1e6:.1f} MB")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--profile", action="store_true", help="then profile the FHIR export with cProfile")
    args = parser.parse_args()
    month, first, last = last_month()
    server = PostgresServer().start()
    try:
        url = server.create_database("posyandu_bench")
        start = time.perf_counter()
        counts = generate(server, url, args.children, args.months)
        print(f"district: {counts['child']:,} children, {counts['measurement']:,} measurements, "
              f"{counts['posyandu']:,} posyandu in {KECAMATAN} kecamatan, {args.months} months "
              f"(generated in {time.perf_counter() - start:.1f} s with INSERT … SELECT generate_series)")
        api, rows = time_api(url, month)
        sql, _ = time_psql(server, first, last)
        skdn, prev = rows["skdn"][0], rows["prevalence"][0]
        print(f"report month {month}, kabupaten 35.25: S {skdn['S']:,} D {skdn['D']:,} N {skdn['N']:,} "
              f"T {skdn['T']:,}; stunting {prev['stunting_pct']} %, wasting {prev['wasting_pct']} %\n")
        print(f"{'monthly kabupaten SKDN + prevalence':46} {'best of 5':>12}")
        print(f"{'a) API: GET skdn + GET prevalence (WSGI, JSON)':46} {api * 1000:9.1f} ms")
        print(f"{'b) one hand-written SQL query via psql':46} {sql * 1000:9.1f} ms")
        print(f"{'ratio a / b':46} {api / sql:9.2f}x   target: within 2x\n")
        work = Path(tempfile.mkdtemp(prefix="bench-reports-"))
        print("peak memory of a streamed XLSX workbook (every report + the action list), fresh process:")
        books = {}
        for label, area in (("one kecamatan", "&region_code=35.25.01"), ("whole district", "")):
            out = work / f"{label.replace(' ', '-')}.xlsx"
            before, peak, size, seconds = download(url, f"/api/v1/reports/workbook?month={month}&level=posyandu{area}",
                                                   out)
            books[label] = (size, seconds, sum(workbook_rows(out).values()))
            print(f"  {label:15} max RSS {peak:6.1f} MB (after start-up {before:6.1f} MB), "
                  f"{size / 1e6:6.2f} MB of XLSX in {seconds:5.1f} s")
        print("  target: flat, under 200 MB\n")
        print(f"whole-district downloads, request to last byte (fresh process, WSGI in-process; "
              f"gunicorn's timeout {GUNICORN_TIMEOUT} s):")
        size, seconds, rows = books["whole district"]
        print(f"  XLSX workbook      {size / 1e6:8.2f} MB in {seconds:6.1f} s: {rows:,} rows, "
              f"{rows / seconds:,.0f} rows/s, {size / 1e6 / seconds:.2f} MB/s "
              f"({seconds / GUNICORN_TIMEOUT:.0%} of the timeout)")
        out = work / "district.fhir.json"
        before, peak, size, seconds = download(url, f"/api/v1/exports/fhir?month={month}", out)
        kinds = fhir_resources(out)
        resources = sum(kinds.values())
        raw = time_raw_fhir_read(server, first, last)
        print(f"  FHIR Bundle        {size / 1e6:8.2f} MB in {seconds:6.1f} s: {resources:,} resources "
              f"({', '.join(f'{n:,} {k}' for k, n in sorted(kinds.items()))}), {resources / seconds:,.0f} resources/s, "
              f"{kinds.get('Patient', 0) / seconds:,.0f} children/s, {size / 1e6 / seconds:.2f} MB/s, "
              f"max RSS {peak:.0f} MB ({seconds / GUNICORN_TIMEOUT:.0%} of the timeout)")
        print(f"  baseline: psql copying out the rows it reads (children, month's measurements, their doses) "
              f"{raw:6.2f} s; ratio export / raw read {seconds / raw:6.1f}x")
        shutil.rmtree(work)
        august = f"{int(month[:4]) - (int(month[5:]) < 8)}-08"  # the last vitamin A round of August
        print(f"\nkabupaten coverage ({counts['immunisation']:,} doses), GET /reports/coverage?level=kabupaten, "
              f"best of 3, the doses read as before and now, alternating:")
        for m, before, now, n in time_coverage(url, [month, august]):
            print(f"  month {m}: before {before * 1000:7.0f} ms, now {now * 1000:7.0f} ms, ratio before / now "
                  f"{before / now:5.2f}x ({n} rows, the same)")
        moved, still = time_after_a_move(url, month)
        print(f"\nlast month's kabupaten SKDN + prevalence after a posyandu moved to another puskesmas today (each read "
              f"with the posyandu as they stood then, reports.cohort.as_of): {still * 1000:7.1f} ms before the move, "
              f"{moved * 1000:7.1f} ms after, ratio after / before {moved / still:5.2f}x (the same rows)")
        if args.profile:
            profile_fhir(url, month)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
