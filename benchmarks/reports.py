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
"""
from __future__ import annotations

import argparse
import re
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
VACUUM ANALYZE;
"""

# The same aggregate, written by hand: last month's S, K, D, N, T, O, B, BGM, 2T (latest weighing) and
# the prevalence counts, each index from the latest measurement that measured it (reports.cohort).
BASELINE_SQL = """
WITH month AS (
  SELECT * FROM measurement
  WHERE kabupaten_code = '35.25' AND measured_on BETWEEN '{first}' AND '{last}' AND deleted_at IS NULL),
w AS (
  SELECT DISTINCT ON (child_id) child_id, trend, bgm, two_t, bb_u FROM month WHERE weight_kg IS NOT NULL
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
  count(w.bb_u) AS bb_u_n, count(*) FILTER (WHERE w.bb_u IN ('kurang', 'sangat_kurang')) AS underweight
FROM child c LEFT JOIN w ON w.child_id = c.id LEFT JOIN m ON m.child_id = c.id
  LEFT JOIN h ON h.child_id = c.id LEFT JOIN t ON t.child_id = c.id
WHERE c.kabupaten_code = '35.25' AND c.deleted_at IS NULL AND c.merged_into IS NULL
  AND c.birth_date <= '{last}' AND c.birth_date > '{born_after}';
"""

MEMORY_PROBE = """
import resource, sys, time
sys.path.insert(0, {root!r})
from config import TestConfig
from posyandu import create_app
cfg = type("Bench", (TestConfig,), {{"SQLALCHEMY_DATABASE_URI": {url!r}, "RATELIMIT_ENABLED": False}})
client = create_app(cfg).test_client()
token = client.post("/api/v1/auth/login", json={{"username": "dinkes", "password": {pw!r}}}).get_json()["access_token"]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
resp = client.get("/api/v1/reports/workbook?month={month}&level=posyandu{area}",
                  headers={{"Authorization": "Bearer " + token}}, buffered=False)
size = sum(len(chunk) for chunk in resp.response)
assert resp.status_code == 200, resp.status_code
print(before, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, size, time.perf_counter() - start)
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
        counts = {t: db.session.scalar(text(f"SELECT count(*) FROM {t}")) for t in ("posyandu", "child", "measurement")}
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


def peak_memory(url: str, month: str, area: str) -> tuple[float, float, int, float]:
    probe = MEMORY_PROBE.format(root=str(ROOT), url=url, pw=PASSWORD, month=month, area=area)
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    before, peak, size, seconds = done.stdout.split()
    return int(before) / 1024, int(peak) / 1024, int(size), float(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
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
        print("peak memory of a streamed XLSX workbook (every report + the action list), fresh process:")
        for label, area in (("one kecamatan", "&region_code=35.25.01"), ("whole district", "")):
            before, peak, size, seconds = peak_memory(url, month, area)
            print(f"  {label:15} max RSS {peak:6.1f} MB (after start-up {before:6.1f} MB), "
                  f"{size / 1e6:6.2f} MB of XLSX in {seconds:5.1f} s")
        print("  target: flat, under 200 MB")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
