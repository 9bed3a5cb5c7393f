"""The audit log and the one function that records a change.

``record_change`` is the only writer of ``audit_log`` and ``change_log`` rows:
REST edits, sync pushes, imports and recompute jobs all go through it, so a
pull can never miss a change and every write leaves an audit row.
"""
from __future__ import annotations

import getpass
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from flask import g, has_request_context, request
from sqlalchemy import BigInteger, Index, String, event, inspect, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from posyandu.database import as_json_value, insert_rows, utcnow
from posyandu.extensions import db

BUFFER_KEY = "posyandu_change_buffer"
INDEX_KEY = "posyandu_change_buffer_index"
FLUSHES_KEY = "posyandu_flushes"


class AuditLog(db.Model):
    """Who changed what, when, and from which client. Never deleted; updated only to erase a
    deleted child's personal values after the retention period (posyandu.retention)."""

    __tablename__ = "audit_log"
    # The kabupaten of the record changed: a region's audit trail (PDP access requests)
    # reads one index, and the table can be distributed by kabupaten (docs/scaling.md).
    __table_args__ = (Index("ix_audit_log_kabupaten_at", "kabupaten_code", "at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    client_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(30))
    entity: Mapped[str] = mapped_column(String(30))
    record_id: Mapped[str | None] = mapped_column(String(64), index=True)
    changes: Mapped[dict[str, Any] | None]
    reason: Mapped[str | None] = mapped_column(String(255))
    kabupaten_code: Mapped[str | None] = mapped_column(String(5))


@dataclass
class EntityType:
    """A synced record type: its model, how it is serialised, and its scope keys."""

    name: str
    model: type
    serialize: Callable[[Any], dict[str, Any]]
    posyandu_of: Callable[[Any], uuid.UUID | None] = lambda obj: getattr(obj, "posyandu_id", None)
    child_of: Callable[[Any], uuid.UUID | None] = lambda obj: getattr(obj, "child_id", None)


ENTITIES: dict[str, EntityType] = {}
_BY_MODEL: dict[type, EntityType] = {}


def register_entity(entity: EntityType) -> None:
    ENTITIES[entity.name] = entity
    _BY_MODEL[entity.model] = entity


@dataclass
class _Pending:
    """A record's change-log row, queued until commit. It carries no op: the row says "delete" exactly
    when the record is deleted at commit (a delete and a restore in one push end live)."""

    obj: Any
    entity: EntityType
    fields: set[str] = field(default_factory=set)
    prev_posyandu_id: uuid.UUID | None = None
    mutation_id: uuid.UUID | None = None
    snapshot: tuple[dict[str, Any], int] | None = None  # (serialised record, flushes when taken)


def act_as(*, user_id: uuid.UUID | None = None, client_id: str | None = None) -> None:
    """Name who the writes that follow, in this app context, are by: the user (set when a
    request's token is checked, or by a command acting as a user) and the client installation
    (a push names its phone; a request may name it in ``X-Client-Id``). Each given value is kept
    until the context ends; the audit and change-log rows read them (``context``)."""
    if user_id is not None:
        g.actor_id = user_id
    if client_id is not None:
        g.actor_client_id = client_id


def actor_id() -> uuid.UUID | None:
    """The user named by ``act_as`` in this app context, if any."""
    return g.get("actor_id") if g else None


def command_line_client() -> str:
    """The client of a write or read made by a server command: ``cli:<login>``, the operator who
    ran it (``SUDO_USER``: deploy.md runs commands as the posyandu user through sudo, and that
    account alone would name no one), else the account it runs as, else its uid."""
    login = os.environ.get("SUDO_USER")
    if not login:
        try:
            login = getpass.getuser()
        except (OSError, KeyError):  # no name for this uid (a container), nor LOGNAME/USER
            login = str(os.getuid())
    return f"cli:{login}"[:64]


def context() -> dict[str, Any]:
    """Who is acting: the user, client and address of the current request (a command: its operator,
    ``command_line_client``)."""
    if not has_request_context():
        return {"user_id": actor_id(), "client_id": command_line_client(), "ip": None}
    client = g.get("actor_client_id") or request.headers.get("X-Client-Id")
    return {"user_id": actor_id(), "client_id": (client or "")[:64] or None, "ip": request.remote_addr}


def changes_between(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for fields whose JSON value differs."""
    return {k: [as_json_value(before.get(k)), as_json_value(after.get(k))]
            for k in after if as_json_value(before.get(k)) != as_json_value(after.get(k))}


def apply_changes(obj: Any, data: dict[str, Any]) -> dict[str, list[Any]]:
    """Set ``data`` on ``obj`` and return what actually changed."""
    before = {k: getattr(obj, k) for k in data}
    diff = changes_between(before, data)
    for key in diff:
        setattr(obj, key, data[key])
    return diff


def created_fields(data: dict[str, Any]) -> dict[str, list[Any]]:
    """The audit's ``changes`` of a new record: every field given, from nothing, as an update's row keeps
    it (``as_json_value``: ``true``, ``1``, ISO times ending ``Z``); any other value (a list), as text. Written
    as text once, ``"True"`` and ``"1"`` beside an update's ``true`` and ``1``, and a time as
    ``2026-11-20 03:00:00+00:00`` beside ``2026-11-20T03:00:00Z``: one field read two ways in one trail."""
    return {k: [None, _json_or_text(as_json_value(v))] for k, v in data.items()}


def _json_or_text(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float)) else str(value)  # a list, as text


def log_action(action: str, entity: str, record_id: Any, changes: dict | None = None,
               reason: str | None = None, kabupaten_code: str | None = None) -> None:
    """An audit row for something that is not a synced record (login, user admin…)."""
    db.session.add(AuditLog(action=action, entity=entity, record_id=str(record_id) if record_id else None,
                            changes=changes, reason=reason, kabupaten_code=kabupaten_code, **context()))


def record_change(obj: Any, op: str, changes: dict[str, list[Any]] | None = None, *,
                  reason: str | None = None, prev_posyandu_id: uuid.UUID | None = None,
                  mutation_id: uuid.UUID | None = None, action: str | None = None) -> None:
    """Record a create/update/delete of a synced record: bump its version,
    write the audit row now and queue its change-log row for commit time.

    Several changes to one record in one transaction make one new version.
    """
    entity = _BY_MODEL[type(obj)]
    existing = _pending_of(obj)
    if op == "delete":
        obj.deleted_at = obj.deleted_at or utcnow()
    if existing is None:
        obj.version = 1 if op == "create" else (obj.version or 0) + 1
        existing = _Pending(obj, entity, prev_posyandu_id=prev_posyandu_id, mutation_id=mutation_id)
        _queue(db.session, existing)
    else:
        _journal(db.session(), existing)
        existing.prev_posyandu_id = existing.prev_posyandu_id or prev_posyandu_id
    existing.fields.update((changes or {}).keys())
    log_action(action or op, entity.name, obj.id, changes, reason, getattr(obj, "kabupaten_code", None))


def record_creates(objs: list[Any], changes: list[dict[str, list[Any]]], *, mutation_ids: list[uuid.UUID | None],
                   reasons: list[str | None]) -> None:
    """``record_change(obj, "create", …)`` for several new records of one type at once: version 1,
    their change-log rows queued for commit time, their audit rows in one INSERT."""
    if not objs:
        return
    entity = _BY_MODEL[type(objs[0])]
    ctx = context()
    rows = []
    for obj, diff, mutation_id, reason in zip(objs, changes, mutation_ids, reasons):
        obj.version = 1
        _queue(db.session, _Pending(obj, entity, set(diff), mutation_id=mutation_id))
        rows.append({"action": "create", "entity": entity.name, "record_id": str(obj.id), "changes": diff,
                     "reason": reason, "kabupaten_code": getattr(obj, "kabupaten_code", None), **ctx})
    if len(rows) == 1:
        db.session.add(AuditLog(**rows[0]))
    else:
        insert_rows(db.session, AuditLog, rows)


def pending_fields(obj: Any) -> set[str] | None:
    """Fields changed on ``obj`` in this transaction (not yet in the change log), or None."""
    found = _pending_of(obj)
    return set(found.fields) if found else None


def snapshot(obj: Any) -> dict[str, Any]:
    """The record serialised as it stands now. Its change-log row, written at commit, reuses
    this instead of serialising the record again, if nothing is flushed or changed before then."""
    record = _BY_MODEL[type(obj)].serialize(obj)
    found = _pending_of(obj)
    if found is not None and not inspect(obj).modified:
        found.snapshot = (record, db.session.info.get(FLUSHES_KEY, 0))
    return record


def _buffer(session: Session) -> list[_Pending]:
    return session.info.setdefault(BUFFER_KEY, [])


def _pending_of(obj: Any) -> _Pending | None:
    return db.session.info.get(INDEX_KEY, {}).get(id(obj))


def _queue(session: Session, entry: _Pending) -> None:
    """Queue a record's change-log entry (the buffer, and its index by object)."""
    _buffer(session).append(entry)
    session.info.setdefault(INDEX_KEY, {})[id(entry.obj)] = entry


MARKS_KEY = "posyandu_change_buffer_marks"
JOURNAL_KEY = "posyandu_change_buffer_journal"


def _journal(session: Session, entry: _Pending) -> None:
    """Inside a savepoint, keep what a queued entry was before it is changed again: should the
    savepoint roll back (a push's mutation that fails), the entry is put back as it was, as the
    record itself is (its fields and move belong to the earlier change that stands)."""
    if session.in_nested_transaction():
        session.info.setdefault(JOURNAL_KEY, []).append((entry, set(entry.fields), entry.prev_posyandu_id))


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: Any) -> None:
    """Remember where the change buffer and its journal stood when a savepoint began…"""
    if transaction.nested:
        session.info.setdefault(MARKS_KEY, {})[id(transaction)] = (
            len(_buffer(session)), len(session.info.get(JOURNAL_KEY, ())))


@event.listens_for(Session, "after_soft_rollback")
def _unbuffer_savepoint(session: Session, previous_transaction: Any) -> None:
    """…and, when it is rolled back, forget the changes recorded inside it and put back the
    entries queued before it that it changed."""
    if previous_transaction.nested:
        marks = session.info.get(MARKS_KEY, {}).pop(id(previous_transaction), None)
        if marks is not None:
            mark, journal_mark = marks
            journal = session.info.get(JOURNAL_KEY, [])
            for entry, fields_, prev_posyandu_id in reversed(journal[journal_mark:]):
                entry.fields, entry.prev_posyandu_id = fields_, prev_posyandu_id
            del journal[journal_mark:]
            index = session.info.get(INDEX_KEY, {})
            for entry in _buffer(session)[mark:]:
                index.pop(id(entry.obj), None)
            del _buffer(session)[mark:]


@event.listens_for(Session, "after_flush")
def _count_flush(session: Session, flush_context: Any) -> None:
    session.info[FLUSHES_KEY] = session.info.get(FLUSHES_KEY, 0) + 1


def _log_row(p: _Pending, seq: int, ctx: dict[str, Any], record: dict[str, Any] | None) -> dict[str, Any]:
    obj = p.obj
    return {
        "seq": seq, "entity": p.entity.name, "record_id": obj.id, "version": obj.version,
        "op": "delete" if obj.deleted_at is not None else "upsert",
        "record": record if record is not None else p.entity.serialize(obj), "changed_fields": sorted(p.fields),
        "posyandu_id": p.entity.posyandu_of(obj), "prev_posyandu_id": p.prev_posyandu_id,
        "child_id": p.entity.child_of(obj), "kabupaten_code": getattr(obj, "kabupaten_code", None),
        "user_id": ctx["user_id"], "client_id": ctx["client_id"], "mutation_id": p.mutation_id,
        "committed_at": utcnow(),
    }


@event.listens_for(Session, "before_commit")
def _stamp_change_log(session: Session) -> None:
    """Allocate seqs and write the change log as the transaction's last statements.

    The counter row stays locked until COMMIT, so a later transaction cannot
    take a larger seq and become visible before this one (sync-notes §1.4).
    """
    if session.in_nested_transaction():
        return  # a savepoint is released: the outer commit stamps everything at once
    pending = session.info.pop(BUFFER_KEY, None)
    session.info.pop(INDEX_KEY, None)
    session.info.pop(JOURNAL_KEY, None)
    if not pending:
        return
    from posyandu.sync.models import ChangeLog, SyncCounter

    # a snapshot (``snapshot``) still stands if nothing was flushed or changed since it was taken
    flushes = session.info.get(FLUSHES_KEY, 0)
    snapshots = [p.snapshot[0] if p.snapshot and p.snapshot[1] == flushes and not inspect(p.obj).modified
                 else None for p in pending]
    session.flush()
    n = len(pending)
    top = session.execute(update(SyncCounter).where(SyncCounter.id == 1)
                          .values(value=SyncCounter.value + n).returning(SyncCounter.value)).scalar_one()
    ctx = context()
    rows = [_log_row(p, top - n + 1 + i, ctx, record) for i, (p, record) in enumerate(zip(pending, snapshots))]
    insert_rows(session, ChangeLog, rows)


@event.listens_for(Session, "after_rollback")
def _drop_buffer(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(BUFFER_KEY, None)
        session.info.pop(INDEX_KEY, None)
        session.info.pop(MARKS_KEY, None)
        session.info.pop(JOURNAL_KEY, None)
