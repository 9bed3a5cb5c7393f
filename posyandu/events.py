"""Writes for a child's append-only events: measurements, immunisations, supplements.

A second event for the same child and day is kept and flagged as a possible
duplicate for a person to resolve, never merged away (api-contract, Sync).
"""
from __future__ import annotations

import uuid
from typing import Any, Callable

from sqlalchemy import select

from posyandu import access
from posyandu.audit import apply_changes, record_change
from posyandu.auth.models import User
from posyandu.errors import Conflict, ValidationFailed
from posyandu.extensions import db
from posyandu.i18n import Msg
from posyandu.registry.models import Child
from posyandu.registry.operations import check_base_version

# Per event model: the date column, the columns that make two events "the same",
# and a hook run after every create/update (z-scores, dose rules…).
DATE_FIELD: dict[type, str] = {}
SAME_KEYS: dict[type, tuple[str, ...]] = {}
AFTER_WRITE: dict[type, Callable[[User, Any, Child, dict[str, Any]], None]] = {}
REASON_FIELDS = ("override_reason", "trend_override_reason")


def register_event(model: type, date_field: str, same_keys: tuple[str, ...],
                   after_write: Callable[[User, Any, Child, dict[str, Any]], None] | None = None) -> None:
    DATE_FIELD[model] = date_field
    SAME_KEYS[model] = same_keys
    if after_write:
        AFTER_WRITE[model] = after_write


def _check_date(model: type, child: Child, data: dict[str, Any]) -> None:
    field = DATE_FIELD[model]
    if field in data and data[field] < child.birth_date:
        raise ValidationFailed(errors={field: [Msg("must not be before the child's birth date",
                                                   "tidak boleh sebelum tanggal lahir anak")]})


def possible_duplicate(model: type, obj: Any) -> uuid.UUID | None:
    cond = [getattr(model, k) == getattr(obj, k) for k in SAME_KEYS[model]]
    return db.session.scalar(select(model.id).where(model.child_id == obj.child_id, model.id != obj.id,
                                                    model.deleted_at.is_(None), *cond)
                             .order_by(model.created_at).limit(1))


def create_event(user: User, model: type, child: Child, data: dict[str, Any], *,
                 client_id: str | None = None, mutation_id: uuid.UUID | None = None,
                 after_write: bool = True) -> Any:
    """Record an event. ``after_write=False`` leaves the model's hook (z-scores, KMS trend) to the
    caller, who must run it once for the child afterwards (bulk imports: once per child, not per row)."""
    access.require_staff(user)
    _check_date(model, child, data)
    data = {**data, "id": data.get("id") or uuid.uuid4()}
    if db.session.get(model, data["id"]) is not None:
        raise Conflict()
    obj = model(child_id=child.id, posyandu_id=child.posyandu_id, kabupaten_code=child.kabupaten_code,
                recorded_by=user.id, client_id=client_id, **data)
    db.session.add(obj)
    db.session.flush()
    obj.possible_duplicate_of = possible_duplicate(model, obj)
    if after_write and model in AFTER_WRITE:
        AFTER_WRITE[model](user, obj, child, data)
    record_change(obj, "create", {k: [None, str(v) if v is not None else None] for k, v in data.items()},
                  mutation_id=mutation_id, reason=data.get("override_reason"))
    return obj


def update_event(user: User, obj: Any, data: dict[str, Any]) -> Any:
    access.require_staff(user)
    check_base_version(obj, data.pop("base_version", None))
    data.pop("id", None)
    child = db.session.get(Child, obj.child_id)
    _check_date(type(obj), child, data)
    changes = apply_changes(obj, data)
    if not changes:
        return obj
    if type(obj) in AFTER_WRITE:
        # the hook sees what changed (plus the reasons given), so an edit of the batch number does not
        # re-judge a dose a bidan accepted earlier; a moved date or a new dose number is judged again
        touched = {k: v for k, v in data.items() if k in changes or k in REASON_FIELDS}
        AFTER_WRITE[type(obj)](user, obj, child, touched)
    record_change(obj, "update", changes, reason=data.get("override_reason") or data.get("trend_override_reason"))
    return obj


def delete_event(user: User, obj: Any, reason: str | None) -> None:
    access.require_staff(user)
    record_change(obj, "delete", reason=reason)
    if type(obj) in AFTER_WRITE:
        AFTER_WRITE[type(obj)](user, obj, db.session.get(Child, obj.child_id), {})
