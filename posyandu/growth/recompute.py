"""Recomputing the growth results of every child: after an admin publishes a KBM table (N/T are
judged by it) or the WHO tables change.

A district's children are too many for one request or one transaction (100,000 children take
5 to 30 minutes, and gunicorn ends a request after 60 s, undoing it all), so they are queued
(``growth_recompute``: one row per child) and worked off a batch at a time, each batch its own
transaction, by whoever drains the queue: the admin's request for as long as it may take
(``GROWTH_RECOMPUTE_REQUEST_SECONDS``, enough for a small installation), then
``flask recompute-growth --queued`` (the systemd timer of docs/deploy.md, every minute), which
also resumes a drain a restart cut short. Until a child's turn, her N/T stand as judged by the
table before.

A batch locks its queue rows (PostgreSQL: ``FOR UPDATE SKIP LOCKED``, so drainers running at
once take different children) and then its children, as a change of a child locks them
(``access.CHILD``, in the order of their ids): a push writing one of those children's visits
waits for the batch, and the batch for it, never both ways (a push never touches the queue).
A child queued again while a batch holds her (another table published meanwhile) is queued anew
once the batch commits: the queueing waits for the batch's row locks (PostgreSQL's upsert, SQLite's
one write lock), so the batch never deletes a request made after it read the table."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable

from sqlalchemy import delete, func, literal, select

from posyandu import access
from posyandu.database import among, utcnow
from posyandu.extensions import db
from posyandu.growth.models import GrowthRecompute
from posyandu.registry.models import Child

BATCH = 200
log = logging.getLogger(__name__)


def queue_every_child(reason: str) -> int:
    """Queue every child not deleted (a child queued already is asked for again: ``requested_at``
    moves on). One statement; the caller commits. The children now waiting."""
    from sqlalchemy.dialects import postgresql, sqlite

    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}[db.session.get_bind().dialect.name]
    now = utcnow()
    stmt = insert(GrowthRecompute).from_select(
        ["child_id", "requested_at", "reason"],
        select(Child.id, literal(now, GrowthRecompute.requested_at.type), literal(reason, GrowthRecompute.reason.type))
        .where(Child.deleted_at.is_(None)).order_by(Child.id))  # rows in one order: two at once never deadlock
    stmt = stmt.on_conflict_do_update(index_elements=["child_id"],
                                      set_={"requested_at": stmt.excluded.requested_at, "reason": stmt.excluded.reason})
    db.session.execute(stmt)
    return pending()


def pending() -> int:
    """Children still waiting for their recompute."""
    return db.session.scalar(select(func.count()).select_from(GrowthRecompute)) or 0


def waiting() -> dict[str, object]:
    """``pending`` and the oldest ``requested_at`` (None when none waits)."""
    count, oldest = db.session.execute(
        select(func.count(), func.min(GrowthRecompute.requested_at)).select_from(GrowthRecompute)).one()
    return {"pending": count, "requested_at": oldest}


def recompute_batch(size: int = BATCH) -> int:
    """Recompute up to ``size`` queued children (the first by id that no other drainer holds) in one
    transaction, committed; the number taken off the queue, 0 when none is left to take. A child
    whose stored values the calculator refuses (``GrowthInputError``: none the API lets in, but a
    record changed by hand) would fail her batch at every run, and every batch after it: the batch
    is then done one child at a time, and such a child is taken off the queue, logged (a correction
    of her record recomputes her, as any edit does)."""
    from posyandu.growth.zscores import GrowthInputError

    ids = _take(size)
    if not ids:
        db.session.rollback()
        return 0
    try:
        _recompute(ids)
    except GrowthInputError:
        db.session.rollback()
        for child_id in ids:
            if not _take(1, child_id):
                db.session.rollback()
                continue  # another drainer took her meanwhile
            try:
                _recompute([child_id])
            except GrowthInputError:
                db.session.rollback()
                log.exception("growth recompute: child %s has values the calculator refuses; taken off the queue",
                              child_id)
                if _take(1, child_id):
                    _done([child_id])
                else:
                    db.session.rollback()
    return len(ids)


def _take(size: int, child_id: object = None) -> list[object]:
    """Queued children's ids, locked (PostgreSQL: those no other drainer holds; SQLite: this
    transaction's write lock first), the first ``size`` by id, or ``child_id`` alone."""
    stmt = select(GrowthRecompute.child_id).order_by(GrowthRecompute.child_id).limit(size)
    if child_id is not None:
        stmt = stmt.where(GrowthRecompute.child_id == child_id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    else:
        access.begin_immediate()
    return list(db.session.scalars(stmt))


def _recompute(ids: list[object]) -> None:
    """The children locked as a change of a child locks them, recomputed, off the queue, committed."""
    from posyandu.growth.operations import refresh_children_growth

    children = [c for c in access.lock_children(ids, access.CHILD) if c.deleted_at is None]
    reasons = dict(db.session.execute(select(GrowthRecompute.child_id, GrowthRecompute.reason)
                                      .where(among(db.session, GrowthRecompute.child_id, ids))).all())
    refresh_children_growth(children, reasons=reasons)
    _done(ids)


def _done(ids: list[object]) -> None:
    db.session.execute(delete(GrowthRecompute).where(among(db.session, GrowthRecompute.child_id, ids)))
    db.session.commit()


def drain(seconds: float | None = None, size: int = BATCH,
          progress: Callable[[int], None] | None = None) -> int:
    """Recompute batch after batch until none is left to take or ``seconds`` have passed (a batch
    begun is finished); the children still queued."""
    start = time.monotonic()
    while seconds is None or time.monotonic() - start < seconds:
        done = recompute_batch(size)
        if not done:
            break
        if progress:
            progress(done)
    return pending()


def drain_after_commit(seconds: float) -> int:
    """What a request does once it committed what queued the children: ``drain`` for up to
    ``seconds``. A batch that fails is rolled back and logged, and left with the rest to the timer's
    run (what queued them stands); the children still queued."""
    try:
        return drain(seconds)
    except Exception:  # noqa: BLE001 - the request's own work is committed; the queue keeps the rest
        log.exception("growth recompute: a batch failed, left queued")
        db.session.rollback()
        return pending()
