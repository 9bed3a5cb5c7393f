"""Reading the audit log: a child's record history (who changed what, when and why) and an admin's
search of every write. The log's one writer is ``posyandu.audit``; nothing here writes. No HTTP here.

A child's history is the audit rows of her record and of her weighings, vaccine doses and vitamin A /
deworming (those deleted since too: a deletion is part of it), and of the duplicate registrations merged
into her (the same child, recorded twice; their events now hers). It is what a midwife reads to learn
who changed a weighing and why, and what a parent is owed on asking what was done with her child's data
(UU 27/2022 PDP Art. 7; docs/privacy.md).
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, or_, select

from posyandu.audit import AuditLog
from posyandu.extensions import db

CHILD_EVENT_ENTITIES = ("measurement", "immunisation", "supplement")


def child_history_query(child: Any) -> Select:
    """The audit rows of ``child`` (and the registrations merged into her) and of her events."""
    from posyandu.growth.models import Measurement
    from posyandu.immunisation.models import Immunisation, Supplement
    from posyandu.privacy import merged_ids

    ids = merged_ids(child.id)
    events = {name: [str(i) for i in db.session.scalars(select(model.id).where(model.child_id.in_(ids)))]
              for name, model in zip(CHILD_EVENT_ENTITIES, (Measurement, Immunisation, Supplement))}
    return select(AuditLog).where(or_(
        (AuditLog.entity == "child") & AuditLog.record_id.in_([str(i) for i in ids]),
        *[(AuditLog.entity == name) & AuditLog.record_id.in_(found) for name, found in events.items() if found]))


def audit_log_query(user_id: uuid.UUID | None = None, entity: str | None = None, record_id: str | None = None,
                    action: str | None = None) -> Select:
    """Every write, optionally one user's, one kind of record's, one record's or one action's."""
    stmt = select(AuditLog)
    for column, value in ((AuditLog.user_id, user_id), (AuditLog.entity, entity),
                          (AuditLog.record_id, record_id), (AuditLog.action, action)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt


def described(rows: list[AuditLog], *, where_from: bool = False, days: bool = False) -> list[dict[str, Any]]:
    """``rows`` as answered: each with its actor's name and role (none for a server command or a login
    attempt naming no account); ``where_from``: with the phone and address too (an admin's investigation);
    ``days``: with the day of the weighing or dose a row is of (``record_day``: a midwife read "recomputed
    the nutritional status: 2 weighings" and could not tell which)."""
    from posyandu.privacy import people

    actors = people(rows)
    on = record_days(rows) if days else {}
    return [{"id": r.id, "at": r.at, "action": r.action, "entity": r.entity, "record_id": r.record_id,
             "changes": r.changes, "reason": r.reason, "user_id": r.user_id, "actor": actors.get(r.user_id),
             **({"record_day": on.get((r.entity, r.record_id))} if days else {}),
             **({"client_id": r.client_id, "ip": r.ip} if where_from else {})} for r in rows]


def record_days(rows: list[AuditLog]) -> dict[tuple[str, str], Any]:
    """(entity, record id) → the day of that weighing, dose or capsule as it stands (deleted ones too)."""
    from posyandu.events import DATE_FIELD

    out: dict[tuple[str, str], Any] = {}
    for model, field in DATE_FIELD.items():
        ids = {r.record_id for r in rows if r.entity == model.__tablename__ and r.record_id}
        if ids:  # an event's audit rows name it by its id
            for record_id, day in db.session.execute(select(model.id, getattr(model, field)).where(
                    model.id.in_([uuid.UUID(i) for i in ids]))):
                out[(model.__tablename__, str(record_id))] = day
    return out

