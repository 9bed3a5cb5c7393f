"""The reads users make often, at a district's size on PostgreSQL: time and statements per request.

Run: ``.venv/bin/python benchmarks/plans.py [--children 100000] [--months 24] [--keep]``.

1. Starts a throwaway PostgreSQL 15 and builds the district of ``benchmarks/reports.py`` (its
   ``generate``: 18 kecamatan, a posyandu per 100 children, 24 months of visits), then fills what that
   leaves empty, by SQL: the change log (every child, then every measurement, oldest first), the
   2024 schedule's doses for each child's age, an audit row per record, 24 reads per child in the
   access log and 24 monthly downloads per posyandu; and a kader (posyandu 0), a bidan (puskesmas 1),
   an admin and a parent of two children.
2. Requests each read in-process (WSGI: JWT, scope, SQL, JSON), once to warm up and once timed,
   counting the statements run (a SQLAlchemy listener) and naming the slowest.
3. The follow-up list (``GET /reports/actions``) of a kecamatan and of the whole kabupaten: its rows
   computed in-process as now (``due.OverdueDoses``: the schedule's rules for the whole list) against
   the baseline measured in the same run, the same rows with a full immunisation card per child (as
   the list was computed before), printed as a ratio, with the SQL alone and the whole request.
4. What the reports screen asks of that list (its first page, the next ("Muat lagi") and the whole
   list's counts) against what it asked before (the whole list), the pages and counts checked against
   the whole list's rows.
5. ``--keep``: leaves the server running for EXPLAIN (ANALYZE, BUFFERS) until Ctrl-C.

docs/scaling.md, "Query plans at a district's size", has the figures and what they led to.
"""
from __future__ import annotations

import argparse
import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import reports  # noqa: E402
from tests.support.pgserver import PostgresServer  # noqa: E402

EXTRA_SQL = """
INSERT INTO change_log (seq, entity, record_id, version, op, record, posyandu_id, child_id, kabupaten_code, committed_at)
SELECT row_number() OVER (ORDER BY k, id), entity, id, 1, 'upsert', rec, posyandu_id, child_id, '35.25', now()
FROM (SELECT 0 AS k, 'child' AS entity, id, posyandu_id, id AS child_id,
             jsonb_build_object('id', id, 'name', name, 'sex', sex, 'birth_date', birth_date) AS rec FROM child
      UNION ALL
      SELECT 1 + (current_date - measured_on), 'measurement', id, posyandu_id, child_id,
             jsonb_build_object('id', id, 'child_id', child_id, 'measured_on', measured_on, 'weight_kg', weight_kg,
                                'length_height_cm', length_height_cm, 'z_wfa', z_wfa, 'trend', trend) FROM measurement) s;
UPDATE sync_counter SET value = (SELECT max(seq) FROM change_log);
INSERT INTO immunisation (id, child_id, posyandu_id, kabupaten_code, vaccine, dose, given_on, place, version, created_at,
                          updated_at)
SELECT md5('i' || c.id || v.vaccine || v.dose)::uuid, c.id, c.posyandu_id, '35.25', v.vaccine, v.dose,
       c.birth_date + v.age, 'posyandu', 1, now(), now()
FROM child c CROSS JOIN (VALUES ('HB0', 1, 0), ('BCG', 1, 30), ('POLIO', 1, 30), ('DPT-HB-Hib', 1, 61), ('POLIO', 2, 61),
                                ('DPT-HB-Hib', 2, 91), ('POLIO', 3, 91), ('DPT-HB-Hib', 3, 122), ('POLIO', 4, 122),
                                ('IPV', 1, 122), ('MR', 1, 274), ('DPT-HB-Hib', 4, 548), ('MR', 2, 548)) v(vaccine, dose, age)
WHERE c.birth_date + v.age < current_date;
INSERT INTO audit_log (at, action, entity, record_id, kabupaten_code)
SELECT created_at, 'create', 'measurement', id::text, '35.25' FROM measurement;
INSERT INTO audit_log (at, action, entity, record_id, kabupaten_code)
SELECT created_at, 'create', 'child', id::text, '35.25' FROM child;
INSERT INTO access_log (at, user_id, action, resource, child_id)
SELECT now() - make_interval(days => k * 15), md5('u' || (substr(c.name, 6)::int % 1000))::uuid,
       CASE WHEN k % 2 = 0 THEN 'pull' ELSE 'list' END, 'GET /api/v1/sync/pull', c.id
FROM child c CROSS JOIN generate_series(1, 24) k;
INSERT INTO access_log (at, user_id, action, resource, posyandu_id)
SELECT now() - make_interval(days => k * 30), md5('u' || p)::uuid, 'export', 'GET /api/v1/reports/workbook',
       md5('pos' || p)::uuid
FROM generate_series(0, {posyandu} - 1) p CROSS JOIN generate_series(1, 24) k;
VACUUM ANALYZE;
"""


def _app(url: str) -> Any:
    """The app on the bench's database, unthrottled, with tokens that outlast the run: the follow-up
    list's baseline alone took minutes on a loaded machine, past the test config's 5-minute token
    (every request after it answered 401)."""
    from datetime import timedelta

    from config import TestConfig
    from posyandu import create_app

    return create_app(type("Bench", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False,
                                                    "JWT_ACCESS_TOKEN_EXPIRES": timedelta(hours=12)}))


def fill(url: str, posyandu: int) -> None:
    from sqlalchemy import text

    from posyandu.auth.operations import create_user
    from posyandu.extensions import db
    from posyandu.registry.models import ParentLink

    app = _app(url)
    with app.app_context():
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for statement in EXTRA_SQL.format(posyandu=posyandu).split(";\n"):
                if statement.strip():
                    conn.execute(text(statement))
        pos0, pkm1 = db.session.execute(text("SELECT md5('pos0')::uuid, md5('pkm1')::uuid")).one()
        for username, scope in (("kader", {"role": "kader", "posyandu_id": pos0}),
                                ("bidan", {"role": "bidan", "puskesmas_id": pkm1}), ("admin", {"role": "admin"}),
                                ("ortu", {"role": "parent"})):
            user = create_user({"username": username, "name": username.title(), "password": reports.PASSWORD, **scope})
        for child_id in db.session.scalars(text("SELECT id FROM child WHERE posyandu_id = md5('pos0')::uuid "
                                                "ORDER BY id LIMIT 2")):
            db.session.add(ParentLink(user_id=user.id, child_id=child_id))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()


def measure(url: str, month: str) -> None:
    from sqlalchemy import event, text

    from posyandu.extensions import db

    app = _app(url)
    client = app.test_client()
    seen: list[tuple[float, str]] = []
    with app.app_context():
        engine = db.engine
        child, pos, desa = db.session.execute(text(
            "SELECT c.id, p.id, p.desa_code FROM child c JOIN posyandu p ON p.id = c.posyandu_id "
            "WHERE p.id = md5('pos0')::uuid AND c.birth_date < current_date - 700 ORDER BY c.id LIMIT 1")).one()
        db.session.remove()

    @event.listens_for(engine, "before_cursor_execute")
    def started(conn, *args):
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def ended(conn, cursor, statement, *args):
        seen.append((time.perf_counter() - conn.info["t0"], " ".join(statement.split())))

    tokens = {u: client.post("/api/v1/auth/login", json={"username": u, "password": reports.PASSWORD}).get_json()
              ["access_token"] for u in ("kader", "bidan", "dinkes", "admin", "ortu")}
    reads = [("kader", f"/api/v1/children?posyandu_id={pos}"), ("kader", "/api/v1/children?q=anak%2050"),
             ("bidan", "/api/v1/children"), ("dinkes", "/api/v1/children"), ("admin", "/api/v1/children?q=anak%2099999"),
             ("kader", f"/api/v1/children/{child}"), ("kader", f"/api/v1/children/{child}/measurements"),
             ("kader", f"/api/v1/children/{child}/immunisations"), ("kader", f"/api/v1/children/{child}/growth-chart"),
             ("kader", f"/api/v1/children/{child}/immunisation-card"), ("kader", f"/api/v1/posyandu/{pos}/due-list"),
             ("bidan", "/api/v1/sync/devices"), ("admin", f"/api/v1/children/{child}/access-log"),
             ("kader", f"/api/v1/children/{child}/export"), ("admin", "/api/v1/users?role=kader"),
             ("dinkes", "/api/v1/posyandu"), ("admin", "/api/v1/puskesmas"),
             ("kader", "/api/v1/sync/pull?limit=500"), ("bidan", "/api/v1/sync/pull?limit=500"),
             ("ortu", "/api/v1/sync/pull?limit=500")]
    for report in ("skdn", "prevalence", "coverage", "f1"):
        for area in (f"level=posyandu&posyandu_id={pos}", f"level=desa&region_code={desa}", "level=puskesmas",
                     "level=kecamatan&region_code=35.25.02", "level=kabupaten"):
            reads.append(("dinkes", f"/api/v1/reports/{report}?month={month}&{area}"))
    reads.append(("dinkes", f"/api/v1/reports/actions?month={month}&level=kecamatan&region_code=35.25.02"))
    reads.append(("dinkes", f"/api/v1/reports/actions?month={month}"))
    reads.append(("dinkes", f"/api/v1/exports/fhir?month={month}&region_code=35.25.02"))
    print(f"{'request (month ' + month + ')':72} {'ms':>9} {'SQL':>4}  slowest statement")
    for user, path in reads:
        headers = {"Authorization": f"Bearer {tokens[user]}"}
        client.get(path, headers=headers)   # warm-up
        seen.clear()
        start = time.perf_counter()
        resp = client.get(path, headers=headers)
        took = time.perf_counter() - start
        assert resp.status_code == 200, (path, resp.status_code)
        slowest = max(seen, default=(0.0, ""))
        label = f"{user} {re.sub(r'[0-9a-f]{8}-[0-9a-f-]{27}', '{id}', path[8:])}".replace(f"month={month}&", "")
        print(f"{label[:72]:72} {took * 1000:9.1f} {len(seen):4}  {slowest[0] * 1000:.1f} ms {slowest[1][:48]}")


def actions(url: str, month: str) -> None:
    """The follow-up list's rows now against a full card per child (the baseline), same data, same run."""
    from sqlalchemy import select

    from posyandu import access
    from posyandu.extensions import db
    from posyandu.immunisation import due
    from posyandu.immunisation.models import Immunisation
    from posyandu.registry.models import Posyandu
    from posyandu.reports import action_list as al
    from posyandu.reports.period import Month

    class CardPerChild(due.OverdueDoses):
        def labels(self, birth_date, given, kabupaten=None):  # type: ignore[no-untyped-def]
            given = [g if isinstance(g, due.GivenDose) else due.GivenDose(*g) for g in given]  # tuples when joined
            card = due.immunisation_card(self.schedule, birth_date, given, self.as_of,
                                         area=due.Area(kabupaten=kabupaten))
            return [e.label for e in card.entries if e.status == "overdue"]

    def given_rows(session, child_ids, last):  # type: ignore[no-untyped-def]
        """The doses as read before: every dose of the chunk's children, a row each."""
        out: dict = {}
        for child_id, vaccine, dose, given_on in session.execute(
                select(Immunisation.child_id, Immunisation.vaccine, Immunisation.dose, Immunisation.given_on)
                .where(Immunisation.child_id.in_(child_ids), Immunisation.deleted_at.is_(None))):
            out.setdefault(child_id, []).append(due.GivenDose(vaccine, dose, given_on))
        return out

    def timed(fn):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        out = fn()
        return time.perf_counter() - start, out

    app = _app(url)
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"username": "dinkes", "password": reports.PASSWORD}
                        ).get_json()["access_token"]
    fast = al.OverdueDoses, al._given

    def both(fn):  # type: ignore[no-untyped-def]
        """``fn`` timed as before (a card per child, a row per dose), then as now."""
        al.OverdueDoses, al._given = CardPerChild, given_rows
        try:
            before = timed(fn)
        finally:
            al.OverdueDoses, al._given = fast
        return before, timed(fn)

    with app.app_context():
        print(f"\n{'follow-up list (month ' + month + ')':28} {'rows':>7} {'MB':>5} {'children SQL':>12} "
              f"{'rows before':>11} {'now':>6} {'ratio':>6} {'request before':>14} {'now':>6} {'ratio':>6}")
        for name, area, query in (("kecamatan 35.25.02", access.region_clause(Posyandu.desa_code, "35.25.02"),
                                   "&region_code=35.25.02"), ("kabupaten", Posyandu.deleted_at.is_(None), "")):
            m = Month.parse(month, date.today())
            sql, _ = timed(lambda: db.session.execute(al._children(m, area)).all())
            list(al.action_list(db.session, m, area))  # warm-up
            (before, old), (after, new) = both(lambda: list(al.action_list(db.session, m, area)))
            assert new == old, name
            path = f"/api/v1/reports/actions?month={month}{query}&format=csv"  # the whole list (JSON is paged)
            (req_before, old_resp), (req_after, resp) = both(
                lambda: client.get(path, headers={"Authorization": f"Bearer {token}"}))
            assert old_resp.status_code == resp.status_code == 200, (name, old_resp.status_code, resp.status_code)
            assert resp.data == old_resp.data, name
            print(f"{name:28} {len(new):7,} {len(resp.data) / 1e6:5.1f} {sql:11.2f}s {before:10.2f}s {after:5.2f}s "
                  f"{before / after:5.1f}× {req_before:13.2f}s {req_after:5.2f}s {req_before / req_after:5.1f}×")
        db.session.remove()


def screen(url: str, month: str) -> None:
    """What the reports screen asks of the follow-up list: before, the whole list (it counted the reasons
    over every row); now its first page (``limit=50``) and the whole list's counts (``/reports/actions/counts``),
    checked against the whole list's rows (read in pages of 500, timed together) before printing."""

    app = _app(url)
    client = app.test_client()
    headers = {"Authorization": "Bearer " + client.post("/api/v1/auth/login", json={
        "username": "dinkes", "password": reports.PASSWORD}).get_json()["access_token"]}

    def timed(path: str) -> tuple[float, dict]:
        start = time.perf_counter()
        resp = client.get(path, headers=headers)
        assert resp.status_code == 200, (path, resp.status_code)
        return time.perf_counter() - start, resp.get_json()

    print(f"\n{'reports screen, follow-up list (month ' + month + ')':44} {'whole list':>10} {'first page':>10} "
          f"{'next page':>10} {'counts':>7} {'rows':>7}")
    def whole_list(query: str) -> tuple[float, dict]:
        seconds, rows, cursor = 0.0, [], ""
        while cursor is not None:
            spent, page = timed(f"/api/v1/reports/actions?month={month}{query}&limit=500{cursor and '&cursor=' + cursor}")
            seconds, rows, cursor = seconds + spent, rows + page["items"], page["next_cursor"]
        return seconds, {"items": rows}

    for name, query in (("kecamatan 35.25.02", "&region_code=35.25.02"), ("kabupaten", "")):
        whole_s, whole = whole_list(query)
        page_s, page = timed(f"/api/v1/reports/actions?month={month}{query}&limit=50")
        next_s, next_page = timed(f"/api/v1/reports/actions?month={month}{query}&limit=50&cursor={page['next_cursor']}")
        counts_s, counted = timed(f"/api/v1/reports/actions/counts?month={month}{query}")
        tally = dict.fromkeys(counted["reasons"], 0)
        for row in whole["items"]:
            for reason in row["reasons"]:
                tally[reason] += 1
        assert counted["children"] == len(whole["items"]) and counted["reasons"] == tally, name
        assert page["items"] == whole["items"][:50] and next_page["items"] == whole["items"][50:100], name
        print(f"{name:44} {whole_s:9.2f}s {page_s:9.2f}s {next_s:9.2f}s {counts_s:6.2f}s {len(whole['items']):7,}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    month, _, _ = reports.last_month()
    server = PostgresServer().start()
    try:
        url = server.create_database("posyandu_bench")
        start = time.perf_counter()
        counts = reports.generate(server, url, args.children, args.months)
        fill(url, counts["posyandu"])
        print(f"district: {counts['child']:,} children, {counts['measurement']:,} measurements, "
              f"{counts['posyandu']:,} posyandu (built in {time.perf_counter() - start:.0f} s)\n")
        measure(url, month)
        actions(url, month)
        screen(url, month)
        if args.keep:
            print(f"\npsql -h 127.0.0.1 -p {server.port} -U posyandu posyandu_bench   (Ctrl-C stops the server)")
            while True:
                time.sleep(60)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
