"""Pull: every change visible to the caller committed after the cursor, exactly once (sync-notes §1.5).

Why no change is ever skipped: ``change_log.seq`` is stamped from the one-row
counter as the last statement of each writing transaction, so seqs become
visible in commit order. The pull first reads the counter's committed value
(the high-water mark) and then reads only rows up to it; every transaction
that took a seq at or below that mark has already committed, so its rows are
visible to the next statement, and a transaction still in flight will take a
seq above the mark and be read by a later pull.
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, and_, false, or_, select, true

from posyandu import access
from posyandu.auth.models import User
from posyandu.database import among
from posyandu.errors import Forbidden
from posyandu.extensions import db
from posyandu.registry.models import Child, ParentLink, Posyandu
from posyandu.sync import cursor as cursors
from posyandu.sync import devices
from posyandu.sync.models import ChangeLog, SyncCounter
from posyandu.validators import utc_timestamp

PULL_ROLES = ("kader", "bidan", "admin", "parent")   # dinkes does not sync; it exports
EVENTS = ("measurement", "immunisation", "supplement")


@dataclass(frozen=True)
class Scope:
    """What a caller's devices hold: the posyandu whose records they pull
    (``None`` = all, for admin), and for a parent the linked children."""

    posyandu_ids: frozenset[uuid.UUID] | None
    child_ids: frozenset[uuid.UUID] | None
    digest: str

    def clause(self) -> ColumnElement[bool]:
        if self.child_ids is not None:
            return or_(ChangeLog.child_id.in_(self.child_ids),
                       and_(ChangeLog.entity == "posyandu", ChangeLog.posyandu_id.in_(self.posyandu_ids or ())))
        if self.posyandu_ids is None:
            return true()
        if not self.posyandu_ids:
            return false()
        return or_(ChangeLog.posyandu_id.in_(self.posyandu_ids), ChangeLog.prev_posyandu_id.in_(self.posyandu_ids))

    def holds(self, row: Any) -> bool:
        """Whether the record is in scope after this change (not only before it): ``row`` is a
        change-log row, or its scope keys (entity, posyandu_id, child_id)."""
        if self.child_ids is not None:
            return row.child_id in self.child_ids or row.entity == "posyandu"
        return self.posyandu_ids is None or row.posyandu_id in self.posyandu_ids


def scope_of(user: User) -> Scope:
    if user.role not in PULL_ROLES:
        raise Forbidden()
    if user.role == "admin":
        return Scope(None, None, cursors.scope_hash("admin", user.scope_version))
    if user.role == "bidan":
        # Her puskesmas, not its list of posyandu: a posyandu opened there has no history before its
        # creation, which her phones pull anyway; only a posyandu moved in or out of the puskesmas
        # resets her cursors (registry.update_posyandu bumps her scope_version). A closed one stays
        # in the set, so that its closing reaches her phones.
        posyandu = frozenset(db.session.scalars(select(Posyandu.id).where(access.posyandu_clause(user))))
        return Scope(posyandu, None, cursors.scope_hash("bidan", user.scope_version, "puskesmas",
                                                        str(user.puskesmas_id)))
    posyandu = frozenset(db.session.scalars(access.visible_posyandu_ids(user)))
    children = None
    if user.role == "parent":
        # a link left to a duplicate merged away (a merge moves it to the child that stands; one made
        # before it did still pointed there) is not pulled: the parent's phones hold the child that stands
        children = frozenset(db.session.scalars(select(ParentLink.child_id).join(Child, Child.id == ParentLink.child_id)
                                                .where(ParentLink.user_id == user.id, Child.merged_into.is_(None))))
    digest = cursors.scope_hash(user.role, user.scope_version, *sorted(map(str, posyandu)), "children",
                                *sorted(map(str, children or ())))
    return Scope(posyandu, children, digest)


def pull(user: User, cursor_text: str | None, limit: int, *, device: dict[str, Any] | None = None) -> dict[str, Any]:
    """One page of changes. ``device`` (``client_id``, ``pending``, ``client_version``, ``login``): the
    phone that pulls, noted with the point it pulled to (``sync.devices.seen``)."""
    key = current_app.config["SECRET_KEY"]
    epoch = current_app.config["SYNC_EPOCH"]
    # The mark before the scope: every change at or below it is committed by then, so the scope read
    # next sees it (a posyandu opened in a midwife's puskesmas is among hers). Read the other way
    # round, a posyandu whose opening committed in between lay under the mark yet outside the scope
    # read, and the cursor moved past it for good.
    high_water = db.session.scalar(select(SyncCounter.value).where(SyncCounter.id == 1)) or 0
    scope = scope_of(user)
    after, reset = 0, False
    if cursor_text:
        try:
            cur = cursors.decode(cursor_text, key)
            if cur.scope != scope.digest or cur.epoch != epoch or cur.seq > high_water \
                    or (cur.mark and cur.mark != log_mark(cur.seq)):
                reset = True
            else:
                after = cur.seq
        except cursors.BadCursor:
            reset = True
    rows = list(db.session.scalars(
        select(ChangeLog).where(ChangeLog.seq > after, ChangeLog.seq <= high_water, scope.clause())
        .order_by(ChangeLog.seq).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    upto = rows[-1].seq if has_more else high_water
    latest = _latest(rows, scope, high_water, has_more)
    nows = [latest.get((row.entity, row.record_id), row) for row in rows]
    gone = _children_gone(nows, scope)
    if device and device.get("client_id"):
        devices.seen(user, device["client_id"], device.get("client_version"), pulled_upto=upto,
                     pending=device.get("pending"), login=device.get("login"))
    return {"changes": [_change(row, scope, now, gone) for row, now in zip(rows, nows)],
            "cursor": cursors.encode(cursors.Cursor(upto, scope.digest, epoch, log_mark(upto)), key),
            "has_more": has_more, "reset": reset}


def log_mark(seq: int) -> str:
    """The change-log row at ``seq`` as this database holds it (its seq and commit instant), for a
    cursor to check that the log it was read from is still the one pulled: restored from a backup
    taken before that row, the database has lost it, and other phones' new changes take its seq and
    those before it. Read from the old cursor they were skipped. One primary-key read."""
    if seq <= 0:
        return ""
    at = db.session.scalar(select(ChangeLog.committed_at).where(ChangeLog.seq == seq))
    return "" if at is None else hashlib.sha256(f"{seq}|{utc_timestamp(at)}".encode()).hexdigest()[:16]


def children_in(changes: list[dict[str, Any]]) -> list[uuid.UUID]:
    """The children whose data ``changes`` carry (a tombstone for a record that left the
    caller's scope carries none), for the access log (posyandu.privacy)."""
    out = []
    for change in changes:
        record = change["record"]
        if record is None or change["entity"] == "posyandu":
            continue
        out.append(uuid.UUID(change["id"] if change["entity"] == "child" else record["child_id"]))
    return out


def _latest(rows: list[ChangeLog], scope: Scope, high_water: int, has_more: bool) -> dict[tuple[str, uuid.UUID], Any]:
    """Each record's last change up to the high-water mark (its scope keys), for the records of
    ``rows``. A record is sent as it was in an earlier version only if it is still in the caller's
    scope now: a child that left the posyandu (and its events) is not handed again, in its
    versions from before the move, to the old posyandu's phones pulling from nothing or from
    before the move; they get the ``out_of_scope`` delete instead. Admin: everything, no query.

    The page's own rows settle the records whose last change is on the page. A record can only
    have left a posyandu by a change naming it as ``prev_posyandu_id`` (a move, a merge's or a
    restore's re-pointing), which is in that posyandu's stream: on a posyandu caller's last page
    nothing is left to read (a phone's everyday pull: no query), and before it only the records
    that moved after the page (an index range of moves, usually empty) are read on. A parent's
    stream follows children, whose events a merge re-points: its records are read on."""
    if not rows or (scope.posyandu_ids is None and scope.child_ids is None):
        return {}
    latest: dict[tuple[str, uuid.UUID], Any] = {(row.entity, row.record_id): row for row in rows}  # by seq: the last
    after = (ChangeLog.seq > rows[-1].seq, ChangeLog.seq <= high_water)
    if scope.child_ids is None:
        if not has_more:
            return latest
        moved = db.session.execute(select(ChangeLog.entity, ChangeLog.record_id).where(
            ChangeLog.prev_posyandu_id.in_(scope.posyandu_ids), *after)).all()
        ids = {record_id for entity, record_id in moved if (entity, record_id) in latest}
        # a deleted event stays behind when its child moves (its tombstone is not moved): its later
        # versions are read on too, so that its earlier ones go as out_of_scope (_children_gone)
        left = {record_id for entity, record_id in moved if entity == "child"}
        ids |= {row.record_id for row in rows if row.entity in EVENTS and row.child_id in left}
    else:
        ids = {record_id for _, record_id in latest}
    if not ids:
        return latest
    for row in db.session.execute(
            select(ChangeLog.entity, ChangeLog.record_id, ChangeLog.seq, ChangeLog.op, ChangeLog.posyandu_id,
                   ChangeLog.child_id)
            .where(among(db.session, ChangeLog.record_id, ids), *after)):
        key = (row.entity, row.record_id)
        if key in latest and row.seq > latest[key].seq:
            latest[key] = row
    return latest


def _children_gone(nows: list[Any], scope: Scope) -> frozenset[uuid.UUID]:
    """The children who have left the caller's posyandu since one of their events was deleted
    (``nows``: the last change of each record on the page). A tombstone is never moved with its
    child (docs/sync.md): the deleted weighing of a child who moved away would still go, in each
    of its versions, with its values, to the old posyandu's phones pulling from before the delete;
    it goes as an ``out_of_scope`` delete instead. One query, only for a page with such events."""
    if scope.child_ids is not None or scope.posyandu_ids is None:
        return frozenset()
    ids = {now.child_id for now in nows if now.op == "delete" and now.entity in EVENTS and now.child_id is not None}
    if not ids:
        return frozenset()
    return frozenset(child_id for child_id, posyandu_id in db.session.execute(
        select(Child.id, Child.posyandu_id).where(among(db.session, Child.id, ids)))
        if posyandu_id not in scope.posyandu_ids)


def _change(row: ChangeLog, scope: Scope, now: Any, gone: frozenset[uuid.UUID] = frozenset()) -> dict[str, Any]:
    """``row`` as a change; ``now``: the record's last change (``_latest``), whose scope decides;
    ``gone``: children no longer in scope, whose deleted events carry nothing (``_children_gone``)."""
    change: dict[str, Any] = {"entity": row.entity, "id": str(row.record_id), "version": row.version}
    if not scope.holds(now) or (now.op == "delete" and row.entity in EVENTS and now.child_id in gone):
        return {**change, "op": "delete", "record": None, "reason": "out_of_scope"}
    if row.op == "delete":
        return {**change, "op": "delete", "record": row.record, "reason": "deleted"}
    return {**change, "op": "upsert", "record": row.record, "reason": None}
