"""How long a deleted child's personal data is kept (UU 27/2022 PDP: data no longer needed for
its purpose is erased; a parent's request to delete ends with it).

A child deleted (registered by mistake, or at a parent's request) or merged away into the record
that stands stays a tombstone for a while, so that a phone that saw the delete can still undo a
mistake (``registry.restore_child``) and a late offline change still finds its child. After the
retention period (``flask purge-deleted-children --days``) its personal data leaves the database:

* the child row keeps its id, sex, birth date, posyandu, dates and ``merged_into`` (what links the
  remaining rows, and a late change of a merged registration, to something); its name becomes
  ``ERASED``, its NIKs, parents' names, phone, address, RT/RW and birth size become null;
* the audit rows of the child keep who wrote which field when (proof of every write), with each
  personal value, and each reason (often typed: a delete's, "permintaan ibu Siti"), replaced by
  ``ERASED``, as is each reason of its weighings' and doses' rows (its delete's is copied to each) and
  each reason typed on them (a bidan's ``override_reason``, ``trend_override_reason``: on the record and
  wherever a copy of it is kept); the change log's copies of the record (what phones pull) and the push
  ledger's stored answers lose the same values;
* its parent links and invitation codes are removed; the access log (ids only) stays.

Reports already leave deleted and merged-away children out, so past counts do not change. An
erased child cannot be restored (``check_restorable``): it is registered again.
"""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from posyandu.messages import Msg

ERASED = "[dihapus]"
PERSONAL_FIELDS = ("name", "nik", "mother_nik", "mother_name", "father_name", "guardian_phone",
                   "address", "rt", "rw", "birth_weight_kg", "birth_length_cm")
MIN_DAYS = 30     # a phone offline that long may still hold a delete to undo
DEFAULT_DAYS = 365

ERASED_CHILD = Msg("this child's data was erased after its retention period: register the child again",
                   "data anak ini sudah dihapus permanen setelah masa simpan: daftarkan anak ini lagi")


def erased_record(record: dict[str, Any] | None) -> dict[str, Any] | None:
    """A child's record (as serialised) without its personal data."""
    if record is None:
        return None
    out = dict(record)
    for key in PERSONAL_FIELDS:
        if key in out:
            out[key] = ERASED if key == "name" else None
    return out


def erased_changes(changes: dict[str, Any] | None, personal: tuple[str, ...] = PERSONAL_FIELDS) -> dict[str, Any] | None:
    """An audit row's ``{field: [old, new]}`` with each personal value given replaced by
    ``ERASED``: which field was written, from or to nothing, stays provable."""
    if not changes:
        return changes
    return {key: ([None if v is None else ERASED for v in value] if key in personal
                  and isinstance(value, list) else value)
            for key, value in changes.items()}


def is_erased(child: Any) -> bool:
    return child.deleted_at is not None and child.name == ERASED


def cutoff(days: int, now: datetime) -> datetime:
    """Children deleted before this instant are erased; ``days`` at least ``MIN_DAYS``."""
    if days < MIN_DAYS:
        raise ValueError(f"keep at least {MIN_DAYS} days")
    return now - timedelta(days=days)


def purge_deleted_children(days: int = DEFAULT_DAYS, now: datetime | None = None) -> list[uuid.UUID]:
    """Erase the personal data of every child deleted or merged away more than ``days`` ago and
    not erased yet (module docstring); one audit row ``erase`` each. The ids erased. Flushes;
    the caller commits: the whole run is one transaction (interrupted, nothing is half-erased)."""
    from sqlalchemy import delete, select

    from posyandu.access import CHILD, locked
    from posyandu.audit import AuditLog, log_action
    from posyandu.database import utcnow
    from posyandu.extensions import db
    from posyandu.registry.models import Child, Invitation, ParentLink
    from posyandu.sync.models import ChangeLog, SyncMutation

    before = cutoff(days, now or utcnow())
    # locked as a restore or an edit locks a child (access.CHILD), and judged as they stand once
    # locked: a child a phone restores meanwhile is back on the register, not erased
    children = locked(select(Child).where(Child.deleted_at.is_not(None), Child.deleted_at < before,
                                          Child.name != ERASED).order_by(Child.id), CHILD)
    for start in range(0, len(children), 500):
        chunk = children[start:start + 500]
        ids = [c.id for c in chunk]
        texts = [str(i) for i in ids]
        for child in chunk:
            for key in PERSONAL_FIELDS:
                setattr(child, key, ERASED if key == "name" else None)
        for row in db.session.scalars(select(AuditLog).where(AuditLog.entity == "child",
                                                             AuditLog.record_id.in_(texts))):
            row.changes, row.reason = erased_changes(row.changes), row.reason and ERASED
        _erase_event_reasons(ids)
        for row in db.session.scalars(select(ChangeLog).where(ChangeLog.entity == "child",
                                                              ChangeLog.record_id.in_(ids))):
            row.record = erased_record(row.record)
        for row in db.session.scalars(select(SyncMutation).where(SyncMutation.entity == "child",
                                                                 SyncMutation.record_id.in_(ids))):
            if isinstance(row.result, dict) and row.result.get("record"):
                row.result = {**row.result, "record": erased_record(row.result["record"])}
        db.session.execute(delete(ParentLink).where(ParentLink.child_id.in_(ids)))
        db.session.execute(delete(Invitation).where(Invitation.child_id.in_(ids)))
        for child in chunk:
            log_action("erase", "child", child.id, reason=f"retention: deleted over {days} days ago",
                       kabupaten_code=child.kabupaten_code)
        db.session.flush()
    return [c.id for c in children]


EVENT_REASONS = ("override_reason", "trend_override_reason")
"""A weighing's or dose's own text typed by hand: a bidan's reason for accepting a dose outside the rules
("permintaan Ibu Siti Aminah, pindah ke Surabaya") or for her N/T."""


def _erase_event_reasons(child_ids: list[uuid.UUID]) -> None:
    """The reasons typed for these children's weighings and doses, replaced by ``ERASED``: the reason of
    each write (a child's delete gives each of them its own, typed by hand, which names her family as
    often), and ``EVENT_REASONS`` wherever they are kept: on the record, in its audit rows' changes (an
    override lifted) and its change-log copies (the push ledger's answers name a record, ``push._as_kept``,
    without a copy: the ledger, not indexed by record, is not read for them)."""
    from sqlalchemy import select

    from posyandu.audit import ENTITIES, AuditLog
    from posyandu.extensions import db
    from posyandu.sync.models import ChangeLog

    def erased(record: Any, typed: tuple[str, ...]) -> Any:
        return {**record, **{k: ERASED for k in typed if record.get(k) is not None}} \
            if isinstance(record, dict) else record

    for entity in ENTITIES.values():
        if entity.name == "child" or not hasattr(entity.model, "child_id"):
            continue
        typed = tuple(k for k in EVENT_REASONS if hasattr(entity.model, k))
        ids = list(db.session.scalars(select(entity.model.id).where(entity.model.child_id.in_(child_ids))))
        for start in range(0, len(ids), 500):
            part = ids[start:start + 500]
            for row in db.session.scalars(select(AuditLog).where(
                    AuditLog.entity == entity.name, AuditLog.record_id.in_([str(i) for i in part]))):
                row.reason, row.changes = row.reason and ERASED, erased_changes(row.changes, typed)
            if not typed:
                continue
            for obj in db.session.scalars(select(entity.model).where(entity.model.id.in_(part))):
                for key in typed:
                    if getattr(obj, key) is not None:
                        setattr(obj, key, ERASED)
            for log in db.session.scalars(select(ChangeLog).where(ChangeLog.entity == entity.name,
                                                                  ChangeLog.record_id.in_(part))):
                log.record = erased(log.record, typed)
