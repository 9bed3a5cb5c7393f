"""A puskesmas register imported through the real HTTP server (gunicorn) on PostgreSQL, against a
plain batched INSERT of the same rows, and against the request timeout it must end within.

Run: ``.venv/bin/python benchmarks/imports.py [--rows 3000] [--posyandu 10]``. The default is the
largest upload the API takes (``IMPORT_MAX_ROWS``): 300 children in 10 posyandu, 10 monthly visits
each, as a puskesmas's register of a year's weighings.

1. Starts a throwaway PostgreSQL 15 (tests/support/pgserver.py), builds the schema with the
   migrations (``benchmarks/sync.py``'s ``build``), one puskesmas with ``--posyandu`` posyandu and a
   bidan, and gunicorn (gunicorn.conf.py, 2 workers) on a loopback port.
2. Timed through HTTP, each a ``POST /api/v1/imports/visits`` of the same CSV:
   a) the dry run (``dry_run=true``: every check, then rolled back);
   b) the import (children registered, visits recorded, z-scores and KMS trend, audit, change log);
   c) the same file again: every row found, nothing written (the idempotent re-upload).
3. Baseline: the children and measurement rows the import stored (every column, read back)
   inserted into an empty database with psycopg ``executemany``, one transaction, best of three.

Printed: seconds, rows/s, each as a multiple of the baseline's time, and each against gunicorn's timeout (120 s)
(``GUNICORN_TIMEOUT``), the limit an upload of this size must stay well within; and the reads of the child table
each upload made (PostgreSQL's count of its scans, ``pg_stat_user_tables``), per new child: a check that asks the
database once per row (an N+1) shows as one more read per new child.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import random
import runpy
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.sync import Server, build  # noqa: E402
from tests.support.pgserver import PostgresServer  # noqa: E402

GUNICORN_TIMEOUT = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["timeout"]  # production's (its default: 120 s)
VISITS = 10
NAMES = ("Ahmad", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gita", "Hadi", "Indah", "Joko", "Kartika", "Lestari")
FAMILY = ("Saputra", "Lestari", "Santoso", "Nugroho", "Wibowo", "Kusuma", "Pratama", "Hidayat", "Firmansyah")


def register(rows: int, posyandu: int, seed: int) -> bytes:
    """A register as a puskesmas keeps it: one row per visit, the child's details on every row."""
    rng = random.Random(seed)
    children = rows // VISITS
    today = date.today()
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Posyandu", "Nama Anak", "JK", "Tgl Lahir", "NIK", "Nama Ibu", "Tanggal Penimbangan",
                     "BB (kg)", "TB/PB (cm)", "LiLA (cm)"])
    for c in range(children):
        sex = "L" if c % 2 else "P"
        born = today - timedelta(days=400 + 4 * c % 1300)  # 4 days apart: none a likely duplicate of another
        nik = f"352501{born.day + (40 if sex == 'P' else 0):02d}{born:%m%y}{c + 1:04d}"  # region, birth, serial
        weight, height = 3.2 + rng.random(), 50 + rng.random() * 2
        age_m = (today - born).days / 30.4375
        weight += age_m * 0.2
        height += age_m * 0.9
        name = f"{NAMES[c % len(NAMES)]} {FAMILY[(c // len(NAMES)) % len(FAMILY)]} {c}"
        for v in range(VISITS):
            on = today.replace(day=1) - timedelta(days=30 * (VISITS - v)) + timedelta(days=4)
            w = weight - (VISITS - v) * 0.2 + rng.uniform(-0.1, 0.2)
            h = height - (VISITS - v) * 0.9
            writer.writerow([f"Posyandu {1 + c % posyandu}", name, sex, born.strftime("%d/%m/%Y"), nik, f"Ibu {c}",
                             on.strftime("%d/%m/%Y"), f"{w:.1f}".replace(".", ","), f"{h:.1f}".replace(".", ","),
                             f"{12.5 + rng.random() * 2:.1f}".replace(".", ",")])
    return out.getvalue().encode("utf-8")


def upload(server: Server, token: str, body: bytes, query: str = "") -> tuple[float, int, dict]:
    boundary = uuid.uuid4().hex
    payload = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"register.csv\"\r\n"
               f"Content-Type: text/csv\r\n\r\n").encode() + body + f"\r\n--{boundary}--\r\n".encode()
    conn = server.connect()
    start = time.perf_counter()
    conn.request("POST", f"/api/v1/imports/visits{query}", body=payload,
                 headers={"Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    resp = conn.getresponse()
    data = resp.read()
    seconds = time.perf_counter() - start
    conn.close()
    if resp.status not in (200, 201):
        raise RuntimeError(f"import: {resp.status} {data[:1000]!r}")
    return seconds, resp.status, json.loads(data)


def child_reads(url: str) -> int:
    """The scans of the child table so far (sequential and by index), as PostgreSQL counts them: an upload's
    server process reports its counts once idle for a second, so the count is read after two."""
    import psycopg

    time.sleep(2)
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        return conn.execute("SELECT seq_scan + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
                            "WHERE relname = 'child'").fetchone()[0]


def baseline(bench_url: str, base_url: str) -> tuple[float, int]:
    """The stored children and measurements (every column) INSERTed into ``base_url`` by psycopg
    ``executemany`` in one transaction, after the regions, puskesmas, posyandu and users they refer
    to (untimed); best of three, the two tables emptied between."""
    import psycopg
    from psycopg.types.json import Jsonb

    plain = lambda url: url.replace("postgresql+psycopg://", "postgresql://")  # noqa: E731

    def read(src: psycopg.Connection, table: str, order: str) -> tuple[str, list[tuple]]:
        cur = src.execute(f"SELECT * FROM {table} ORDER BY {order}")
        names = [d.name for d in cur.description]
        cols, marks = ", ".join(f'"{n}"' for n in names), ", ".join(["%s"] * len(names))
        rows = [tuple(Jsonb(v) if isinstance(v, (dict, list)) else v for v in row) for row in cur.fetchall()]
        return f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows

    with psycopg.connect(plain(bench_url)) as src, psycopg.connect(plain(base_url)) as dst:
        for table, order in (("region", "code"), ("puskesmas", "created_at"), ("posyandu", "created_at"),
                             ('"user"', "created_at")):
            insert, rows = read(src, table, order)
            with dst.cursor() as out:
                out.executemany(insert, rows)
        dst.commit()
        timed = [read(src, "child", "created_at"), read(src, "measurement", "measured_on, created_at")]
        best = float("inf")
        for _ in range(3):
            dst.execute("TRUNCATE measurement, child CASCADE")
            dst.commit()
            start = time.perf_counter()
            with dst.transaction(), dst.cursor() as out:
                for insert, rows in timed:
                    out.executemany(insert, rows)
            best = min(best, time.perf_counter() - start)
    return best, sum(len(rows) for _, rows in timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--posyandu", type=int, default=10)
    args = parser.parse_args()
    pg = PostgresServer().start()
    server = None
    try:
        bench_url, base_url = pg.create_database("posyandu_bench"), pg.create_database("posyandu_baseline")
        build(bench_url, args.posyandu * 300)  # posyandu named "Posyandu 1".."Posyandu N"
        build(base_url, None)
        body = register(args.rows, args.posyandu, seed=7)
        server = Server(bench_url, 2, pg.dir / "gunicorn.log")
        token = server.login("bidan")
        print(f"{args.rows:,} rows ({args.rows // VISITS} children in {args.posyandu} posyandu, {VISITS} visits "
              f"each), CSV of {len(body) / 1024:.0f} KB; gunicorn with 2 workers on PostgreSQL 15")
        results = []
        for label, query in (("a) dry run", "?dry_run=true"), ("b) import", ""), ("c) the same file again", "")):
            reads = child_reads(bench_url)
            seconds, status, answer = upload(server, token, body, query)
            reads = child_reads(bench_url) - reads
            counts = {k: answer[k] for k in ("children_created", "visits_created", "visits_unchanged", "invalid_rows")}
            assert not answer["invalid_rows"], answer["errors"][:3]
            results.append((label, seconds))
            per_child = f"{reads / answer['children_created']:.1f} per new child" if answer["children_created"] else ""
            print(f"{label:26} {seconds:7.1f} s {args.rows / seconds:7,.0f} rows/s {1000 * seconds / args.rows:6.1f} ms/row"
                  f"  {seconds / GUNICORN_TIMEOUT:5.0%} of the {GUNICORN_TIMEOUT} s timeout  {counts}"
                  f"  child table read {reads:,} times {per_child}", flush=True)
        raw, stored = baseline(bench_url, base_url)
        print(f"{'d) executemany INSERT':26} {raw:7.1f} s {stored / raw:7,.0f} rows/s  ({stored:,} child and "
              "measurement rows)")
        for label, seconds in results:  # the same rows stored: a ratio of times
            print(f"{label[:2]} takes {seconds / raw:5.0f}× the time of d)")
    finally:
        if server:
            server.stop()
        pg.stop()


if __name__ == "__main__":
    main()
