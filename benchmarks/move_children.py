"""Every child of a posyandu moved to another in one request (``POST /posyandu/{id}/move-children``) on
PostgreSQL, against the plain SQL a database administrator would run for the same move, measured in the
same run on the same data.

Run: ``.venv/bin/python benchmarks/move_children.py [--children 300]``. Each child has 24 monthly
weighings (``benchmarks/sync.py``'s dataset, pushed in through the API in process), all at one posyandu.

1. Starts a throwaway PostgreSQL 15 (tests/support/pgserver.py), builds the schema with the migrations,
   registers the children and pushes their weighings (not timed).
2. Timed, in process:
   a) baseline: two ``UPDATE`` statements moving the children and their weighings (no history of the
      move, no audit, no change log for the phones, no duplicate check), then undone (not timed);
   b) the API: the move as the admin's screen asks it, each child moved as ``PATCH /children/{id}`` moves
      one, in one transaction.

Printed: seconds, milliseconds a child, b) as a multiple of a), and how the request compares with
gunicorn's timeout (``gunicorn.conf.py``), after which the move is undone whole and the admin told so.
"""
from __future__ import annotations

import argparse
import runpy
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.sync import PASSWORD, PER_POSYANDU, build, dataset, in_process  # noqa: E402
from tests.support.pgserver import PostgresServer  # noqa: E402

TIMEOUT = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["timeout"]  # production's gunicorn timeout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=300)
    args = parser.parse_args()
    pg = PostgresServer().start()
    try:
        url = pg.create_database("posyandu_move_children")
        posyandu = build(url, max(args.children, PER_POSYANDU + 1))  # two posyandu at least
        source, target = posyandu[0], posyandu[1]
        children, visits = dataset([source], args.children * 24, seed=11)
        from sqlalchemy import func, select, text

        from posyandu.extensions import db
        from posyandu.growth.models import Measurement
        from posyandu.registry.models import Child

        app, client = in_process(url, children, visits)
        print(f"{len(children):,} children, {len(visits):,} weighings at one posyandu, PostgreSQL 15, in process\n")

        def at(pos: str) -> tuple[int, int]:
            with app.app_context():
                return (db.session.scalar(select(func.count()).select_from(Child).where(Child.posyandu_id == uuid.UUID(pos))),
                        db.session.scalar(select(func.count()).select_from(Measurement)
                                          .where(Measurement.posyandu_id == uuid.UUID(pos))))

        def plain(a: str, b: str) -> float:
            with app.app_context():
                start = time.perf_counter()
                for table in ("child", "measurement"):
                    db.session.execute(text(f"UPDATE {table} SET posyandu_id = :b WHERE posyandu_id = :a"),
                                       {"a": uuid.UUID(a), "b": uuid.UUID(b)})
                db.session.commit()
                return time.perf_counter() - start

        a = plain(source, target)
        assert at(target) == (len(children), len(visits)), at(target)
        plain(target, source)  # undone, not timed
        assert at(source) == (len(children), len(visits))

        admin = client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}).get_json()["access_token"]
        start = time.perf_counter()
        answer = client.post(f"/api/v1/posyandu/{source}/move-children", json={"to_posyandu_id": target, "reason": "bench"},
                             headers={"Authorization": f"Bearer {admin}"})
        b = time.perf_counter() - start
        assert answer.status_code == 200 and answer.get_json()["moved"] == len(children), answer.get_json()
        assert at(target) == (len(children), len(visits)), at(target)

        for label, seconds in (("a) baseline: two plain UPDATEs", a), ("b) the API's move, one request", b)):
            print(f"{label:40} {seconds:7.2f} s {seconds / len(children) * 1000:7.1f} ms a child", flush=True)
        print(f"\nb) / a) {b / a:.1f}; the request took {b / TIMEOUT:.0%} of gunicorn's timeout ({TIMEOUT:g} s): "
              f"at this rate {TIMEOUT / b * len(children):,.0f} children move in one request before it is undone")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
