"""change_log.record and sync_mutation.result: timestamps written before they were answered in UTC
with Z, rewritten once as they are written now (``validators.utc_timestamp``: UTC, ``Z``, to the
microsecond). Snapshots logged before then hold "+00:00" (microseconds left out when zero), and an
event's ``recorded_at`` the offset its phone sent ("+07:00"); the ledger kept some answers whole,
their record with them (before it kept them by reference to the change log). The pull, a replay and
the three-way merge converted them on every read; they read the rows as stored now.

Only the timestamp keys of the synced records are touched (the table below: the record schemas'
``Timestamp`` fields when this was written), each read as an instant and written anew; a value that
is not an instant is left as it is. A naive one is UTC, as everything stored: only SQLite's before
its columns kept UTC (``database.UtcDateTime``) logged one, the wall time it stored, which the row
itself holds and is read as UTC now. A row already so written is not written again, so running it
twice is harmless.

In batches of ``BATCH`` rows, read by primary key in order, each batch in a transaction of its own
(committed as it goes, outside the migration's transaction): a district's change log is millions of
rows, neither loaded at once nor held locked until the end. The release still serving meanwhile
(docs/deploy.md) writes on: a row it changes between a batch's read and write (the retention
erasing a child's personal data) is not written back as read, its batch is read again; the change
log is rewritten last, after the ledger, its new rows read as their seqs come (in commit order). A
release since timestamps are written with Z (migration 0008 and later) writes only rows in this form;
one before it goes on logging "+00:00" after the last batch: stop it for the upgrade (docs/deploy.md).
JSON is stored as ``json`` on PostgreSQL and as text on SQLite; it is read as its text and written
through SQLAlchemy's JSON type.

The downgrade changes nothing: the earlier release reads timestamps written either way.

Revision ID: c42fe1cb8106
Revises: 3c7f9a2e5d14
"""
from __future__ import annotations

import json
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
        # the ledger first: the change log's pass ends last, as close as can be to the restart (the
        # serving release writes change-log rows meanwhile; new ledger rows keep no record)
        _rewrite(engine, sync_mutation, sync_mutation.c.mutation_id, sync_mutation.c.result, _answer)
        _rewrite(engine, change_log, change_log.c.seq, change_log.c.record, _record)


def downgrade() -> None:
    pass


def _rewrite(engine: sa.Engine, table: Any, key: Any, column: Any,
             rewritten: Callable[[str, Any], Any]) -> None:
    """Each row of ``table`` of a synced entity whose ``column`` ``rewritten`` changes, written anew,
    ``BATCH`` rows at a time by ``key``. A row is written only if it still holds the text it was read
    with: one the serving release changed meanwhile (``purge-deleted-children`` erasing a child's
    personal data from her snapshots and answers) is not written back as it was read, undoing that;
    its batch is read again."""
    as_text = sa.cast(column, sa.Text)
    update = (table.update().where(key == sa.bindparam("_key"), as_text == sa.bindparam("_was"))
              .values({column.name: sa.bindparam("_value")}))
    last, retries = None, 0
    with engine.connect() as conn:
        while True:
            with conn.begin():
                query = sa.select(key, table.c.entity, as_text).where(table.c.entity.in_(list(TIMESTAMPS)))
                if last is not None:
                    query = query.where(key > last)
                rows = conn.execute(query.order_by(key).limit(BATCH)).all()
                if not rows:
                    return
                changed = []
                for k, entity, raw in rows:
                    value = None if raw is None else json.loads(raw)
                    if (new := rewritten(entity, value)) is not value:
                        changed.append({"_key": k, "_was": raw, "_value": new})
                written = conn.execute(update, changed).rowcount if changed else 0
            if written == len(changed):
                last, retries = rows[-1][0], 0
            elif (retries := retries + 1) > 100:
                raise RuntimeError(f"0014: rows of {table.name} after {last} keep changing while rewritten")


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
