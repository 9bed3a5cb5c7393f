"""A server upgraded from any past release (every revision 0001 ... 0014) to head, on SQLite and
PostgreSQL, with a posyandu's records pushed by the first PWA (its mutation shape: no dose source,
no N/T override): every row of the older schema comes through, the reports give the same numbers,
``flask db upgrade`` run again changes nothing, and a push from that old app after the upgrade (a
retry of one already applied and a new one) is answered as before the upgrade.
tests/ops/test_migrations_keep_data.py checks the columns each migration adds; this one the path."""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.ops.test_migrations_keep_data import _rows
from tests.support.migrations import dispose, upgraded_app

VERSIONS = Path(__file__).parents[2] / "migrations" / "versions"
# (file, revision) of every migration but the last, oldest first
PAST = [(p.name[:4], re.search(r'^revision = ["\'](\w+)["\']', p.read_text(), re.M).group(1))
        for p in sorted(VERSIONS.glob("0*.py"))][:-1]


def _value(cell: str) -> str:
    """A stored value as text, a decimal by its value (PostgreSQL writes 3.10 in numeric(4,2), 3.100 in (5,3))."""
    return str(Decimal(cell).normalize()) if re.fullmatch(r"-?\d+\.\d+", cell) else cell


def _reports(client, headers, posyandu_id) -> dict:
    month = f"{date.today():%Y-%m}"
    return {name: client.get(f"/api/v1/reports/{name}?posyandu_id={posyandu_id}&month={month}",
                             headers=headers).get_json() for name in ("skdn", "f1", "coverage")}


def _vitamin_a_round() -> tuple[date, date]:
    """A birth date and a day of a vitamin A round (February, August) when that child was 6-11 months."""
    for age in range(300, 700):
        born = date.today() - timedelta(days=age)
        for days in range(190, 330):
            day = born + timedelta(days=days)
            if day.month in (2, 8) and day <= date.today():
                return born, day
    raise AssertionError("no round")


@pytest.mark.parametrize("number,revision", PAST, ids=[n for n, _ in PAST])
def test_upgrading_from_every_past_revision_keeps_rows_reports_and_old_phones(database_url, number, revision):
    from flask_migrate import downgrade, upgrade

    from posyandu.extensions import db
    from tests.sync.helpers import child_data, measurement_data, mutation, new_id, push

    app, world = upgraded_app(database_url)
    client, h, bidan = app.test_client(), world.headers("kader1"), world.headers("bidan_a")
    p1 = world.ids["p1"]
    child_id, (born, round_day) = new_id(), _vitamin_a_round()
    today, recorded = date.today().isoformat(), "2026-11-23T09:15:00+07:00"
    first_app = [  # as the PWA of 2026-11-23 (a21147d) wrote its outbox entries
        mutation("child", child_id, child_data(p1, birth_date=born.isoformat(), birth_weight_kg=3.1, has_kms=True)),
        mutation("measurement", new_id(), measurement_data(child_id, weight_kg=6.4, length_height_cm=62.0,
                                                           oedema=False, recorded_at=recorded)),
        mutation("immunisation", new_id(), {"child_id": child_id, "vaccine": "BCG", "dose": 1,
                                            "given_on": (born + timedelta(days=30)).isoformat(), "place": "posyandu",
                                            "recorded_at": recorded}),
        mutation("supplement", new_id(), {"child_id": child_id, "kind": "vitamin_a_blue", "given_on": round_day.isoformat(),
                                          "place": "posyandu", "recorded_at": recorded}),
    ]
    answers = push(client, h, first_app, client_id="phone-2026-11")
    assert [a["status"] for a in answers] == ["applied"] * 4, answers
    reports = _reports(client, bidan, p1)
    assert reports["skdn"], reports
    try:
        with app.app_context():
            before = _rows(db)
            db.session.remove()
            downgrade(revision=revision)
            old = _rows(db)
            upgrade()
            after = _rows(db)
            upgrade()  # run again (a deploy script retried): nothing changes
            assert _rows(db) == after
            db.session.remove()
        assert set(after) == set(before)
        for table, (columns, rows) in old.items():
            if table == "alembic_version" or (table == "schedule_version" and number == "0001"):
                continue  # 0002 inserts the default schedule anew (its downgrade deleted it)
            if table == "growth_recompute" and number < "0021":
                continue  # 0021 queues every child for her N/T to be judged again (below)
            at_head = after[table][0]
            assert at_head == before[table][0], table
            assert sorted(tuple(_value(r[at_head.index(c)]) for c in columns) for r in after[table][1]) == sorted(
                tuple(map(_value, r)) for r in rows), table
        if number < "0021":  # the KBM read at the age in calendar months: every child waits for the timer
            columns, rows = after["growth_recompute"]
            assert [uuid.UUID(r[columns.index("child_id")]) for r in rows] == [uuid.UUID(child_id)], rows
        assert _reports(client, bidan, p1) == reports
        retried = push(client, h, first_app[1:2], client_id="phone-2026-11")  # its answer was lost
        assert retried[0]["replayed"] and retried[0]["status"] == "applied", retried
        late = push(client, h, [mutation("measurement", new_id(), measurement_data(
            child_id, measured_on=(date.today() - timedelta(days=1)).isoformat(), weight_kg=6.3,
            length_height_cm=61.9, oedema=False, recorded_at=recorded))], client_id="phone-2026-11")
        assert late[0]["status"] == "applied", late
    finally:
        dispose(app)
