"""change_log.record and sync_mutation.result: timestamps written before they were answered in UTC
with Z, rewritten once as they are written now (``validators.utc_timestamp``: UTC, ``Z``, to the
microsecond). Snapshots logged before then hold "+00:00" (microseconds left out when zero), and an
event's ``recorded_at`` the offset its phone sent ("+07:00"); the ledger kept some answers whole,
their record with them (before it kept them by reference to the change log). The pull, a replay and
the three-way merge converted them on every read; they read the rows as stored now.

Only the timestamp keys of the synced records are touched (the table below: the record schemas'
``Timestamp`` fields when this was written), each read as an instant (a naive one is UTC, as
everything stored) and written anew; a value that is not an instant is left as it is. A row already
so written is not written again, so running it twice is harmless.

In batches of ``BATCH`` rows, read by primary key in order, each batch in a transaction of its own
(committed as it goes, outside the migration's transaction): a district's change log is millions of
rows, neither loaded at once nor held locked until the end, and the release still serving meanwhile
(docs/deploy.md) writes only rows in this form already. JSON is stored as ``json`` on PostgreSQL and
as text on SQLite; both are read and written through SQLAlchemy's JSON type.

The downgrade changes nothing: the earlier release reads timestamps written either way.

Revision ID: c42fe1cb8106
Revises: 3c7f9a2e5d14
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "c42fe1cb8106"
down_revision = "3c7f9a2e5d14"
branch_labels = None
depends_on = None

BATCH = 1000

# the keys of each synced record's snapshot that hold an instant (a posyandu's: none)
TIMESTAMPS = {
    "child": ("created_at", "updated_at", "deleted_at"),
    "measurement": ("created_at", "deleted_at", "recorded_at"),
    "immunisation": ("created_at", "deleted_at", "recorded_at"),
    "supplement": ("created_at", "deleted_at", "recorded_at"),
}
CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")

change_log = sa.table("change_log", sa.column("seq", sa.BigInteger()), sa.column("entity", sa.String()),
                      sa.column("record", sa.JSON()))
sync_mutation = sa.table("sync_mutation", sa.column("mutation_id", sa.Uuid()), sa.column("entity", sa.String()),
                         sa.column("result", sa.JSON()))


def upgrade() -> None:
    context = op.get_context()
    if context.as_sql:
        raise RuntimeError("0014 rewrites the rows it reads: run it against the database, not as SQL")
    engine = op.get_bind().engine
    with context.autocommit_block():  # the migrations before it committed; each batch commits itself
        _rewrite(engine, change_log, change_log.c.seq, change_log.c.record, _record)
        _rewrite(engine, sync_mutation, sync_mutation.c.mutation_id, sync_mutation.c.result, _answer)


def downgrade() -> None:
    pass


def _rewrite(engine: sa.Engine, table: Any, key: Any, column: Any,
             rewritten: Callable[[str, Any], Any]) -> None:
    """Each row of ``table`` of a synced entity whose ``column`` ``rewritten`` changes, written anew,
    ``BATCH`` rows at a time by ``key``."""
    update = table.update().where(key == sa.bindparam("_key")).values({column.name: sa.bindparam("_value")})
    last = None
    with engine.connect() as conn:
        while True:
            with conn.begin():
                query = sa.select(key, table.c.entity, column).where(table.c.entity.in_(list(TIMESTAMPS)))
                if last is not None:
                    query = query.where(key > last)
                rows = conn.execute(query.order_by(key).limit(BATCH)).all()
                if not rows:
                    return
                last = rows[-1][0]
                changed = [{"_key": k, "_value": new} for k, entity, value in rows
                           if (new := rewritten(entity, value)) is not value]
                if changed:
                    conn.execute(update, changed)


def _record(entity: str, record: Any) -> Any:
    """A snapshot with its timestamps written as now; the snapshot itself when they are already."""
    if not isinstance(record, dict):
        return record
    keys = [k for k in TIMESTAMPS[entity] if isinstance(record.get(k), str) and not CANONICAL.fullmatch(record[k])]
    written = {k: _instant(record[k]) for k in keys}
    written = {k: v for k, v in written.items() if v != record[k]}
    return {**record, **written} if written else record


def _answer(entity: str, result: Any) -> Any:
    """A ledger answer kept with its record: the record's timestamps written as now."""
    if not isinstance(result, dict) or not isinstance(result.get("record"), dict):
        return result
    record = _record(entity, result["record"])
    return result if record is result["record"] else {**result, "record": record}


def _instant(text: str) -> str:
    """``validators.utc_timestamp`` of the instant ``text`` writes; ``text`` if it is none."""
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        return text
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")
