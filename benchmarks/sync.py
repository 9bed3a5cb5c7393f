"""Offline sync on PostgreSQL: measurements pushed through the real HTTP server (gunicorn)
against a plain batched INSERT of the same rows, and a cadre's first full pull.

Run: ``.venv/bin/python benchmarks/sync.py [--measurements 7200] [--batch 500] [--workers 2]
[--phones N]``. The issue's full size is ``--measurements 100000`` (per pass; about ten
minutes on 2 cores); the default (300 children × 24 months per pass, the pull's dataset)
keeps ``make bench`` to about a minute.

1. Starts a throwaway PostgreSQL 15 the way the tests do (tests/support/pgserver.py) and
   builds the schema with the migrations, in two databases: ``posyandu_bench`` for the
   server and ``posyandu_baseline`` for the plain INSERT.
2. Creates one puskesmas with posyandu of 300 children each (two sets of children), a bidan
   of the puskesmas (she pushes) and a kader of the first posyandu (she pulls), then starts
   gunicorn (gunicorn.conf.py, wsgi:app, ``--workers`` processes) on a free loopback port
   against ``posyandu_bench``, and logs in over HTTP.
3. Registers the children by ``POST /sync/push`` (not timed), then pushes the measurements,
   24 monthly visits per child over two years, month by month (a posyandu day after
   another, as phones send them), ``--batch`` mutations per request. Timed: the whole push,
   so rows/s include HTTP, JSON, JWT, validation, the idempotency ledger, z-scores and KMS
   trend, the audit log and the change log.
   a) the first set by one phone, one request at a time over one keep-alive connection;
   b) the second set by ``--phones`` phones at once (default: as many as gunicorn workers),
      each with its own children and connection: the server's throughput.
4. Baselines: the measurement rows the server stored (every column, read back) are inserted
   into ``posyandu_baseline`` (children copied first for the foreign key) with psycopg
   ``executemany``, one transaction per ``--batch`` rows, into empty tables, best of three:
   c) the measurement rows alone, the raw insert rate (target: a) at least 30 % of it);
   d) each batch with the change-log, audit and ledger rows the push wrote for those
      measurements: what the database alone costs for the rows a push must write.
5. The kader's first full pull (no cursor, ``limit=500``, every page until ``has_more`` is
   false) of her posyandu: 300 children with two years of history. Best of 3.
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import random
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.gunicorn import start_gunicorn, wait_healthy  # noqa: E402
from tests.support.pgserver import PostgresServer  # noqa: E402

PASSWORD = "bench-password-1"
PER_POSYANDU = 300
MONTHS = 24
SECRET = "bench-secret-" + "x" * 40


def build(url: str, children: int | None) -> list[str]:
    """Schema by migrations; unless ``children`` is None, regions, a puskesmas, its posyandu
    and the two users. Posyandu ids."""
    import logging

    from config import TestConfig
    from posyandu import create_app
    from posyandu.auth.operations import create_user
    from posyandu.extensions import db
    from posyandu.registry.operations import create_posyandu, create_puskesmas, upsert_region

    app = create_app(type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}))
    with app.app_context():
        from flask_migrate import upgrade

        upgrade()
        logging.getLogger("alembic").setLevel(logging.WARNING)
        if children is None:
            db.engine.dispose()
            return []
        for code, name in [("35", "Jawa Timur"), ("35.25", "Gresik"), ("35.25.01", "Wringinanom"),
                           ("35.25.01.2001", "Sumbergede")]:
            upsert_region(code, name)
        admin = create_user({"username": "admin", "password": PASSWORD, "name": "Admin", "role": "admin"})
        pkm = create_puskesmas({"name": "PKM Bench", "kecamatan_code": "35.25.01", "code": "PB"})
        posyandu = [create_posyandu(admin, {"name": f"Posyandu {i + 1}", "desa_code": "35.25.01.2001",
                                            "puskesmas_id": pkm.id, "meeting_day": 1 + i % 28})
                    for i in range(max(1, math.ceil(children / PER_POSYANDU)))]
        create_user({"username": "bidan", "password": PASSWORD, "name": "Bidan", "role": "bidan",
                     "puskesmas_id": pkm.id})
        create_user({"username": "kader", "password": PASSWORD, "name": "Kader", "role": "kader",
                     "posyandu_id": posyandu[0].id})
        db.session.commit()
        ids = [str(p.id) for p in posyandu]
        db.session.remove()
        db.engine.dispose()
    return ids


class Server:
    """gunicorn with the production settings file, on a free loopback port."""

    def __init__(self, url: str, workers: int, log: Path) -> None:
        env = {"DATABASE_URL": url, "SECRET_KEY": SECRET, "JWT_SECRET_KEY": SECRET,
               "RATELIMIT_ENABLED": "false", "ACCESS_TOKEN_MINUTES": "600", "LOG_LEVEL": "WARNING",
               "GUNICORN_WORKERS": str(workers), "GUNICORN_TIMEOUT": "600"}
        self.log = log.open("w")
        self.proc, self.port = start_gunicorn(env, self.log)
        wait_healthy(self.port, self.proc)

    def connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def request(self, method: str, path: str, body: object = None, token: str | None = None,
                conn: http.client.HTTPConnection | None = None) -> dict:
        own = conn is None
        conn = conn or self.connect()
        headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
        conn.request(method, path, body=None if body is None else json.dumps(body), headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        if own:
            conn.close()
        if resp.status != 200:
            raise RuntimeError(f"{method} {path}: {resp.status} {data[:500]!r}")
        return json.loads(data)

    def login(self, username: str) -> str:
        return self.request("POST", "/api/v1/auth/login", {"username": username, "password": PASSWORD})["access_token"]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


@contextmanager
def pushed(name: str, children: int, seed: int, posyandu_used: int | None = None) -> Iterator[tuple]:
    """A throwaway PostgreSQL database ``name`` built for ``children`` (``build``), gunicorn (2
    workers) on it, and ``dataset``'s children and monthly visits (in the first ``posyandu_used``
    posyandu, default all) pushed by the bidan: (server, children, visits, seconds of the visits'
    push). Both servers stop on leaving."""
    pg = PostgresServer().start()
    server = None
    try:
        url = pg.create_database(name)
        posyandu = build(url, children)
        kids, visits = dataset(posyandu[:posyandu_used], children * MONTHS, seed=seed)
        server = Server(url, 2, pg.dir / "gunicorn.log")
        bidan = server.login("bidan")
        push_all(server, bidan, "child", kids, 500)
        yield server, kids, visits, push_all(server, bidan, "measurement", visits, 500)
    finally:
        if server:
            server.stop()
        pg.stop()


def dataset(posyandu: list[str], n_measurements: int, seed: int) -> tuple[list[dict], list[dict]]:
    """Children (born 2–5 years ago) and their monthly visits over the last two years, month by month."""
    rng = random.Random(seed)
    today = date.today()
    first_month = date(today.year - 2, today.month, 1)
    children = []
    for i in range(math.ceil(n_measurements / MONTHS)):
        children.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                         "posyandu_id": posyandu[i // PER_POSYANDU], "name": f"Anak {i}", "sex": "MF"[i % 2],
                         "birth_date": (first_month - timedelta(days=rng.randint(1, 1000))).isoformat()})
    visits = []
    for k in range(MONTHS):
        day = date(first_month.year + (first_month.month - 1 + k) // 12, (first_month.month - 1 + k) % 12 + 1, 5)
        for c in children:
            if len(visits) == n_measurements:
                break
            months = (day - date.fromisoformat(c["birth_date"])).days / 30.44
            weight = (3.3 + 0.75 * months if months < 6 else 7.8 + 0.22 * (months - 6)) * rng.uniform(0.88, 1.1)
            height = (50 + 2.6 * months if months < 9 else 73 + 0.95 * (months - 9)) * rng.uniform(0.96, 1.03)
            visits.append({"id": str(uuid.UUID(int=rng.getrandbits(128), version=4)), "child_id": c["id"],
                           "measured_on": day.isoformat(), "weight_kg": round(weight, 1),
                           "length_height_cm": round(height, 1), "position": "lying" if months < 24 else "standing"})
    return children, visits


def upserts(entity: str, records: list[dict]) -> list[dict]:
    """``records`` as a push's new upserts of ``entity``."""
    return [{"mutation_id": str(uuid.uuid4()), "entity": entity, "op": "upsert", "id": r["id"], "base_version": None,
             "data": r} for r in records]


def in_process(url: str, children: list[dict], visits: list[dict]) -> tuple[Any, Any]:
    """The app on ``url`` in this process and its test client, with ``children`` and their ``visits`` pushed
    by the bidan in batches of 500, each applied (not timed: what a benchmark then measures starts from it)."""
    from config import TestConfig
    from posyandu import create_app

    app = create_app(type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}))
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"username": "bidan", "password": PASSWORD}).get_json()["access_token"]
    for entity, records in (("child", children), ("measurement", visits)):
        for i in range(0, len(records), 500):
            answer = client.post("/api/v1/sync/push", json={"client_id": "bench", "mutations": upserts(entity, records[i:i + 500])},
                                 headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 200 and all(r["status"] == "applied" for r in answer.get_json()["results"])
    return app, client


def push_all(server: Server, token: str, entity: str, records: list[dict], batch: int,
             clients: int = 1) -> float:
    """Push ``records`` in batches of ``batch``; with several ``clients`` (phones, each its own
    connection and its own children), at the same time. Wall time of the whole push."""
    def one_phone(mine: list[dict], phone: int) -> None:
        conn = server.connect()
        for i in range(0, len(mine), batch):
            body = {"client_id": f"bench-phone-{phone}", "mutations": upserts(entity, mine[i:i + batch])}
            results = server.request("POST", "/api/v1/sync/push", body, token, conn)["results"]
            bad = [r for r in results if r["status"] != "applied"]
            if bad:
                raise RuntimeError(f"push refused: {bad[0]}")
        conn.close()

    owner = lambda r: r.get("child_id") or r["id"]  # noqa: E731  (a child's visits stay on one phone)
    phones = sorted({owner(r) for r in records})
    share = {child: k % clients for k, child in enumerate(phones)}
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        for done in [pool.submit(one_phone, [r for r in records if share[owner(r)] == k], k)
                     for k in range(clients)]:
            done.result()
    return time.perf_counter() - start


def first_pull(server: Server, token: str) -> tuple[float, int, int]:
    conn = server.connect()
    start, cursor, changes, pages = time.perf_counter(), None, 0, 0
    while True:
        page = server.request("GET", "/api/v1/sync/pull?limit=500" + (f"&cursor={cursor}" if cursor else ""),
                              token=token, conn=conn)
        changes, pages, cursor = changes + len(page["changes"]), pages + 1, page["cursor"]
        if not page["has_more"]:
            break
    conn.close()
    return time.perf_counter() - start, changes, pages


def baseline(bench_url: str, base_url: str, batch: int) -> tuple[float, float, int]:
    """Copy the children, then INSERT the stored measurement rows (all columns), ``batch`` per
    transaction, into empty tables: c) the measurement rows alone; d) each batch with the
    change-log, audit and ledger rows the push wrote for those measurements (the database's
    share of a push). Best of three runs each. Returns (c seconds, d seconds, measurements)."""
    import psycopg
    from psycopg.types.json import Jsonb

    plain = lambda url: url.replace("postgresql+psycopg://", "postgresql://")  # noqa: E731

    def read(src: psycopg.Connection, sql: str, key: str = "id") -> tuple[str, list[tuple], list[str]]:
        """The INSERT for the rows ``sql`` selects, the rows, and each row's ``key`` column as text."""
        cur = src.execute(sql)
        names = [d.name for d in cur.description]
        cols, marks = ", ".join(f'"{n}"' for n in names), ", ".join(["%s"] * len(names))
        rows = [tuple(Jsonb(v) if isinstance(v, (dict, list)) else v for v in row) for row in cur.fetchall()]
        table = sql.split(" FROM ")[1].split()[0]
        keys = [str(row[names.index(key)]) for row in rows] if key in names else []
        return f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows, keys

    with psycopg.connect(plain(bench_url)) as src, psycopg.connect(plain(base_url)) as dst:
        for table, order in (("region", "code"), ("puskesmas", "created_at"), ("posyandu", "created_at"),
                             ('"user"', "created_at"), ("child", "created_at")):  # a duplicate after its original
            insert, rows, _ = read(src, f"SELECT * FROM {table} ORDER BY {order}")
            with dst.cursor() as out:
                out.executemany(insert, rows)
        dst.commit()
        insert, rows, ids = read(src, "SELECT * FROM measurement ORDER BY measured_on, created_at")
        batch_of = {mid: i // batch for i, mid in enumerate(ids)}
        batches = [[(insert, rows[i:i + batch])] for i in range(0, len(rows), batch)]
        with_logs = [list(b) for b in batches]
        for table, order in (("change_log", "seq"), ("audit_log", "id"), ("sync_mutation", "created_at")):
            log_insert, log_rows, record_ids = read(
                src, f"SELECT * FROM {table} WHERE entity = 'measurement' ORDER BY {order}", key="record_id")
            grouped: dict[int, list[tuple]] = {}
            for row, record_id in zip(log_rows, record_ids):
                grouped.setdefault(batch_of[record_id], []).append(row)
            for k, group in grouped.items():
                with_logs[k].append((log_insert, group))

        def run(plan: list[list[tuple[str, list[tuple]]]]) -> float:
            best = math.inf
            for _ in range(3):  # best of 3 (autovacuum of the pushed tables may still be running)
                dst.execute("TRUNCATE measurement, change_log, audit_log, sync_mutation")
                dst.commit()
                start = time.perf_counter()
                for statements in plan:
                    with dst.transaction(), dst.cursor() as out:
                        for insert, rows in statements:
                            out.executemany(insert, rows)
                best = min(best, time.perf_counter() - start)
            return best

        return run(batches), run(with_logs), len(ids)


def storage(bench_url: str, measurements: int) -> None:
    """Disk per measurement written through the API (table + indexes + TOAST of every table a write
    touches: the row, its change-log and audit rows, the idempotency ledger), and per 100,000
    child-years of monthly visits (1.2 million measurements). The children's own registration
    rows (one per 24 measurements here) are counted in too: an upper bound."""
    import psycopg

    tables = ("measurement", "change_log", "audit_log", "sync_mutation")
    with psycopg.connect(bench_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        sizes = {t: conn.execute("SELECT pg_total_relation_size(%s)", (t,)).fetchone()[0] for t in tables}
    per_row = {t: size / measurements for t, size in sizes.items()}
    print("disk per measurement pushed: " + ", ".join(f"{t} {b:,.0f} B" for t, b in per_row.items())
          + f"; total {sum(per_row.values()):,.0f} B")
    print(f"per 100,000 child-years of monthly visits (1.2 M measurements): "
          f"{sum(per_row.values()) * 1.2e6 / 1e9:.2f} GB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--measurements", type=int, default=PER_POSYANDU * MONTHS)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--phones", type=int, default=None,
                        help="phones pushing at once in the second pass (default: --workers)")
    args = parser.parse_args()
    phones = args.phones or args.workers
    pg = PostgresServer().start()
    server = None
    try:
        bench_url, base_url = pg.create_database("posyandu_bench"), pg.create_database("posyandu_baseline")
        per_pass = math.ceil(args.measurements / MONTHS)
        posyandu = build(bench_url, 2 * per_pass)
        build(base_url, None)
        # two sets of children in separate posyandu: one pushed by one phone, one by several
        half = max(1, math.ceil(per_pass / PER_POSYANDU))
        first, first_visits = dataset(posyandu[:half], args.measurements, seed=5)
        second, second_visits = dataset(posyandu[half:] or posyandu, args.measurements, seed=6)
        server = Server(bench_url, args.workers, pg.dir / "gunicorn.log")
        bidan, kader = server.login("bidan"), server.login("kader")
        setup = push_all(server, bidan, "child", first + second, args.batch)
        print(f"{len(first) + len(second):,} children in {len(posyandu)} posyandu registered by push in "
              f"{setup:.1f} s; gunicorn with {args.workers} workers on PostgreSQL 15")
        print(f"\n{len(first_visits):,} measurements per pass, {args.batch} per request / transaction")
        pushes = []
        for label, records, clients in (("a) POST /sync/push, one phone at a time", first_visits, 1),
                                        (f"b) POST /sync/push, {phones} phones at once", second_visits, phones)):
            seconds = push_all(server, bidan, "measurement", records, args.batch, clients=clients)
            pushes.append((label, len(records) / seconds))
            print(f"{label:48} {seconds:7.1f} s {len(records) / seconds:8,.0f} rows/s", flush=True)
        raw, raw_logged, rows = baseline(bench_url, base_url, args.batch)
        assert rows == len(first_visits) + len(second_visits), (rows, len(first_visits), len(second_visits))
        raw_rate, logged_rate = rows / raw, rows / raw_logged
        print(f"{'c) psycopg executemany INSERT, measurement rows':48} {raw:7.1f} s {raw_rate:8,.0f} rows/s")
        print(f"{'d) the same with their change-log, audit, ledger':48} {raw_logged:7.1f} s {logged_rate:8,.0f} rows/s")
        for label, rate in pushes:
            print(f"{label[:2]} / c) {rate / raw_rate:6.1%}   {label[:2]} / d) {rate / logged_rate:6.1%}")
        print("target: a) at least 30 % of c), the raw insert rate\n")
        storage(bench_url, rows)
        best = min((first_pull(server, kader) for _ in range(3)), key=lambda r: r[0])
        pulled = sum(1 for c in first + second if c["posyandu_id"] == posyandu[0])
        print(f"first full pull, kader of Posyandu 1 ({pulled} children, "
              f"{MONTHS} months): {best[1]:,} changes in {best[2]} pages of 500, {best[0]:.2f} s (best of 3)")
    finally:
        if server:
            server.stop()
        pg.stop()


if __name__ == "__main__":
    main()
