"""A KBM table published on PostgreSQL: every child's N/T judged again by it, a batch of children at a
time (posyandu.growth.recompute), against the way it was done before (each child's growth refreshed
one at a time, all in one transaction), measured in the same run on the same data.

Run: ``.venv/bin/python benchmarks/recompute.py [--children 300]``. Each child has 24 monthly
weighings (``benchmarks/sync.py``'s dataset, pushed in through the API in process).

1. Starts a throwaway PostgreSQL 15 (tests/support/pgserver.py), builds the schema with the
   migrations, registers the children and pushes their weighings (not timed).
2. Timed, each publishing a table in turn (``publish_kbm``, then the recompute), in process:
   a) before: every child's ``refresh_child_growth``, one child at a time, in the one transaction;
   b) now: the children queued and worked off by ``drain`` (batches of 200, each committed);
   each twice: a table changing many N/T (the months from 8 on raised), then every child queued
   again under the table in force (nothing changes: the pass over the children alone; publishing the same
   table again is refused).

Printed: seconds, milliseconds a child, b) as a multiple of a), the measurements whose N/T changed,
and what a district of 100,000 children would take at that rate: inside one request (gunicorn ends
it after its timeout, 120 s, undoing all) before; by the timer's batches now, the request answering within
``GROWTH_RECOMPUTE_REQUEST_SECONDS``.
"""
from __future__ import annotations

import argparse
import runpy
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.sync import build, dataset, in_process  # noqa: E402
from tests.support.pgserver import PostgresServer  # noqa: E402

TIMEOUT = runpy.run_path(str(ROOT / "gunicorn.conf.py"))["timeout"]  # production's gunicorn timeout

BUKU_KIA = {"1": 800, "2": 900, "3": 800, "4": 600, "5": 500, "6": 400, "7": 400, "8": 300, "11": 200}
RAISED = {**BUKU_KIA, "8": 400, "11": 300}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=300)
    args = parser.parse_args()
    pg = PostgresServer().start()
    try:
        url = pg.create_database("posyandu_recompute")
        posyandu = build(url, args.children)
        children, visits = dataset(posyandu, args.children * 24, seed=7)
        from posyandu.extensions import db

        app, _ = in_process(url, children, visits)

        def before() -> None:
            """As publish_kbm did: every child refreshed in its transaction (not queued)."""
            from sqlalchemy import delete, select

            from posyandu.growth.models import GrowthRecompute
            from posyandu.growth.operations import refresh_child_growth
            from posyandu.registry.models import Child

            db.session.execute(delete(GrowthRecompute))
            for child in db.session.scalars(select(Child).where(Child.deleted_at.is_(None))):
                refresh_child_growth(child)
            db.session.commit()

        def now() -> None:
            from posyandu.growth.recompute import drain

            db.session.commit()
            assert drain() == 0

        def changed() -> int:
            from sqlalchemy import func, select

            from posyandu.audit import AuditLog

            return db.session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "recompute"))

        print(f"{len(children):,} children, {len(visits):,} weighings, PostgreSQL 15, in process\n")
        rows = {}
        with app.app_context():
            from posyandu.growth.operations import publish_kbm
            from posyandu.growth.recompute import pending, queue_every_child

            for label, run in (("a) before: one child at a time, one transaction", before),
                               ("b) now: queued, batches of 200, each committed", now)):
                for table, what in ((RAISED, "many N/T change"), (BUKU_KIA, "back"), (BUKU_KIA, "nothing changes")):
                    audited = changed()
                    start = time.perf_counter()
                    if what == "nothing changes":  # the table in force again is refused: every child queued as it would
                        queue_every_child(f"bench: {what}")
                    else:
                        publish_kbm(table, f"bench: {what}")
                    run()
                    seconds = time.perf_counter() - start
                    assert pending() == 0
                    rows[(label, what)] = seconds
                    print(f"{label:50} {what:16} {seconds:6.2f} s {seconds / len(children) * 1000:6.1f} ms a child "
                          f"({changed() - audited:,} N/T changed)", flush=True)
        for what in ("many N/T change", "nothing changes"):
            a = rows[("a) before: one child at a time, one transaction", what)]
            b = rows[("b) now: queued, batches of 200, each committed", what)]
            print(f"\n{what}: b) / a) {b / a:.2f}; a district of 100,000 children: before {a / len(children) * 1e5 / 60:,.0f} "
                  f"min inside one request (gunicorn's timeout: {TIMEOUT / 60:g} min), now {b / len(children) * 1e5 / 60:,.0f} min "
                  "of committed batches after an answer within 20 s")
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
