"""Writes for a child's append-only events: measurements, immunisations, supplements.

A second event for the same child and day is kept and flagged as a possible
duplicate for a person to resolve, never merged away (api-contract, Sync).
"""
from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, Callable

from sqlalchemy import select

from posyandu import access
from posyandu.audit import apply_changes, created_fields, record_change, record_creates
from posyandu.auth.models import User
from posyandu.database import among, creation_instants, ids_taken, insert_records, new_records
from posyandu.errors import Conflict, Forbidden, ValidationFailed
from posyandu.extensions import db
from posyandu.i18n import Msg
from posyandu.messages import BEFORE_BIRTH
from posyandu.registry.models import Child
from posyandu.registry.operations import after_exit, check_base_version, resolve_alias, undelete
from posyandu.validators import ID_EXISTS

# Per event model: the date column, the columns that make two events "the same",
# and a hook run after every create/update (z-scores, dose rules…). A model whose hook
# can judge several new events at once (they do not depend on each other's order:
# measurements) also registers ``after_write_many``, and may be created in bulk.
DATE_FIELD: dict[type, str] = {}
SAME_KEYS: dict[type, tuple[str, ...]] = {}
# (an edit's hook may answer the fields it changed in turn, ``{field: [old, new]}``, to be audited)
AFTER_WRITE: dict[type, Callable[[User, Any, Child, dict[str, Any]], dict[str, list[Any]] | None]] = {}
AFTER_WRITE_MANY: dict[type, Callable[[User, Sequence[tuple[Any, Child, dict[str, Any]]]], None]] = {}
REASON_FIELDS = ("override_reason", "trend_override_reason")
REASON_IS_THEIRS = Msg("only a midwife or admin gives or changes the reason for a record outside the rules",
                       "hanya bidan atau admin yang memberi atau mengubah alasan untuk catatan di luar aturan")


def _reasons_are_theirs(user: User, named: list[str]) -> None:
    """A reason for a record outside the rules (a dose, an N/T judgement) is a bidan's or admin's
    word: a kader's write that gives one, changes or clears it is refused. Judged after the model's
    hook, so that a dose a kader records outside the rules with a reason is refused naming its rules;
    a kader's copy that resends a reason unchanged writes nothing, and is no change."""
    if named and user.role not in access.HEALTH_WORKERS:
        raise Forbidden(REASON_IS_THEIRS, {field: [REASON_IS_THEIRS] for field in named})


def register_event(model: type, date_field: str, same_keys: tuple[str, ...],
                   after_write: Callable[[User, Any, Child, dict[str, Any]], dict[str, list[Any]] | None] | None = None,
                   after_write_many: Callable[[User, Sequence[tuple[Any, Child, dict[str, Any]]]], None] | None = None,
                   ) -> None:
    DATE_FIELD[model] = date_field
    SAME_KEYS[model] = same_keys
    if after_write:
        AFTER_WRITE[model] = after_write
    if after_write_many:
        AFTER_WRITE_MANY[model] = after_write_many


def check_date(model: type, child: Child, data: dict[str, Any]) -> None:
    field = DATE_FIELD[model]
    if field in data and data[field] < child.birth_date:
        raise ValidationFailed(errors={field: [BEFORE_BIRTH]})
    if field in data and child.exit_date is not None and data[field] > child.exit_date:
        raise ValidationFailed(errors={field: [after_exit(child.exit_date)]})


def possible_duplicates(model: type, objs: Sequence[Any]) -> list[uuid.UUID | None]:
    """For each event, in the order given, the first-recorded live event of the same child and
    keys recorded before it (stored, or earlier in ``objs``), or None; one query for all.
    ``objs`` are new events not yet flushed, or a single stored one."""
    wanted = {same_keys_of(obj) for obj in objs}
    found: dict[tuple, list[uuid.UUID]] = {}
    for row in db.session.execute(select(model.id, model.child_id, *_key_columns(model))
                                  .where(*_among_groups(model, wanted)).order_by(model.created_at)):
        if tuple(row)[1:] in wanted:
            found.setdefault(tuple(row)[1:], []).append(row.id)
    out = []
    for obj in objs:
        same = found.setdefault(same_keys_of(obj), [])
        out.append(next((rid for rid in same if rid != obj.id), None))
        same.append(obj.id)
    return out


def create_event(user: User, model: type, child: Child, data: dict[str, Any], *,
                 client_id: str | None = None, mutation_id: uuid.UUID | None = None,
                 after_write: bool = True) -> Any:
    """Record an event. ``after_write=False`` leaves the model's hook (z-scores, KMS trend) to the
    caller, who must run it once for the child afterwards (bulk imports: once per child, not per row)."""
    return create_events(user, model, [(child, data, mutation_id)], client_id=client_id,
                         after_write=after_write)[0]


def create_events(user: User, model: type, items: Sequence[tuple[Child, dict[str, Any], uuid.UUID | None]], *,
                  client_id: str | None = None, after_write: bool = True) -> list[Any]:
    """Record several events of one model, ``(child, data, mutation_id)`` each, exactly as if
    recorded one after another by ``create_event``: same rows, duplicate flags, computed values,
    audit and change-log rows, with one flush, one duplicate query and one hook run for all.
    More than one at a time only for a model with ``after_write_many`` (or with no hook).
    The children are read locked for writing their events (``access.get_child(for_events=True)``,
    ``access.child_for_events``, ``access.lock_children``): their posyandu is copied as it stands."""
    access.require_staff(user)
    if len(items) > 1 and after_write and model in AFTER_WRITE and model not in AFTER_WRITE_MANY:
        raise ValueError(f"{model.__name__} events are judged one after another: create them one at a time")
    datas = []
    for child, data, _ in items:
        check_date(model, child, data)
        datas.append({**data, "id": data.get("id") or uuid.uuid4()})
    if ids_taken(db.session, model, [data["id"] for data in datas]):
        raise Conflict(ID_EXISTS, errors={"id": [ID_EXISTS]})
    # one creation instant each, in the order given (a same-day pair keeps its order everywhere)
    objs = new_records(model, [
        {"child_id": child.id, "posyandu_id": child.posyandu_id, "kabupaten_code": child.kabupaten_code,
         "recorded_by": user.id, "client_id": client_id, "created_at": at, "updated_at": at, **data}
        for at, (child, _, _), data in zip(creation_instants(len(datas)), items, datas)])
    # flags, rules and computed values before the INSERT, so each row is written once, complete
    # (the hooks read the child's other events: these are not in the session yet); the flags judged
    # with no other new event of these children uncommitted (``access.lock_new_events``)
    access.lock_new_events(child.id for child, _, _ in items)
    for obj, duplicate in zip(objs, possible_duplicates(model, objs)):
        obj.possible_duplicate_of = duplicate
    if after_write and model in AFTER_WRITE_MANY:
        AFTER_WRITE_MANY[model](user, [(obj, child, data) for obj, (child, _, _), data in zip(objs, items, datas)])
    elif after_write and model in AFTER_WRITE:
        AFTER_WRITE[model](user, objs[0], items[0][0], datas[0])
    _reasons_are_theirs(user, sorted({f for data in datas for f in REASON_FIELDS if data.get(f)}))
    record_creates(objs, [created_fields(data) for data in datas],
                   mutation_ids=[mutation_id for _, _, mutation_id in items],
                   # the health worker's reason (a kader's was refused above), for a dose or an N/T alike
                   reasons=[data.get("override_reason") or data.get("trend_override_reason") for data in datas])
    db.session.flush()  # whatever the hooks changed on other records goes first
    insert_records(db.session, objs)
    return objs


def update_event(user: User, obj: Any, data: dict[str, Any]) -> Any:
    access.require_staff(user)
    check_base_version(obj, data.pop("base_version", None))
    data.pop("id", None)
    child = db.session.get(Child, obj.child_id)
    check_date(type(obj), child, data)
    was = same_keys_of(obj)
    changes = apply_changes(obj, data)
    if not changes:
        return obj
    _written(user, obj, child, data, changes)
    if same_keys_of(obj) != was:
        flag_duplicates_again(type(obj), [was, same_keys_of(obj)], action="update", reason=f"{obj.id} changed")
    return obj


def restore_event(user: User, obj: Any, data: dict[str, Any]) -> Any:
    """Bring back a deleted event, with the client's changes ``data`` (a phone that saw the tombstone
    chose "restore", sync-notes §1.3), written as an edit is: judged by the model's hook (a
    measurement's z-scores and age for the child's birth date now, its neighbours' KMS trend with
    it back; a dose or capsule by the schedule's rules as a new one, with the reason ``data``
    gives, since what was recorded while it was deleted may make it break one: the hook hears
    ``deleted_at`` written), its day's duplicate flags judged again, and every record whose values
    change logged for the phones.

    It comes back to the child that stands now, at that child's posyandu: the child it was deleted
    from may since have moved (``registry.update_child``) or been merged into another
    (``registry.merge_children``), and moves and merges re-point live events only. Tombstones stay
    as they were deleted: phones of the old posyandu already hold them there, re-pointing them
    would give every move a version per tombstone and ship the new posyandu records it never
    had, and a deleted record's history would no longer say where it was deleted. Placing the
    record once, in the version that makes it live again, gives each phone one change: the
    posyandu it comes back to pulls it, the one it left an ``out_of_scope`` delete, and a merged
    child's record lands under the child that stands. The caller checks that child is in its
    scope."""
    access.require_staff(user)
    data.pop("base_version", None)
    data.pop("id", None)
    model, field = type(obj), DATE_FIELD[type(obj)]
    child = resolve_alias(db.session.get(Child, obj.child_id))
    check_date(model, child, {field: data.get(field, getattr(obj, field))})
    left = obj.posyandu_id if obj.posyandu_id != child.posyandu_id else None
    changes = {**undelete(obj), **apply_changes(obj, {**data, "child_id": child.id, "posyandu_id": child.posyandu_id,
                                                      "kabupaten_code": child.kabupaten_code})}
    _written(user, obj, child, {**data, "deleted_at": None}, changes, action="restore", prev_posyandu_id=left)
    flag_duplicates_again(model, [same_keys_of(obj)], action="restore", reason=f"{obj.id} restored")
    return obj


def _written(user: User, obj: Any, child: Child, data: dict[str, Any], changes: dict[str, list[Any]],
             **log: Any) -> None:
    """An edit's (or a restore's) rules, then its change recorded (``log``: ``record_change``'s)."""
    consequences = None
    if type(obj) in AFTER_WRITE:
        # the hook sees what changed (plus the reasons given), so an edit of the batch number does not
        # re-judge a dose a bidan accepted earlier; a moved date or a new dose number is judged again,
        # and so is a restored dose (its ``deleted_at`` changed), whole, as a new one
        touched = {k: v for k, v in data.items() if k in changes or k in REASON_FIELDS}
        consequences = AFTER_WRITE[type(obj)](user, obj, child, touched)
    _reasons_are_theirs(user, [f for f in REASON_FIELDS
                               if f in changes and (changes[f][0] or None) != (changes[f][1] or None)])
    # what the rules changed in turn (a weighing moved to another month loses its N/T override),
    # audited with the writer's change, and not hers to be refused for
    changes = {**changes, **(consequences or {})}
    # the audit row's reason is the writer's own: a kader resending the bidan's with her copy gave none
    given = data.get("override_reason") or data.get("trend_override_reason")
    record_change(obj, "update", changes, reason=given if user.role in access.HEALTH_WORKERS else None, **log)


def delete_event(user: User, obj: Any, reason: str | None, base_version: int | None = None) -> None:
    """Tombstone ``obj``; on ``base_version`` (the version the caller read), if given: 409 when another
    change came since (a sync push's delete on a stale version is a conflict alike)."""
    access.require_staff(user)
    check_base_version(obj, base_version)
    record_change(obj, "delete", reason=reason)
    if type(obj) in AFTER_WRITE:
        AFTER_WRITE[type(obj)](user, obj, db.session.get(Child, obj.child_id), {})
    flag_duplicates_again(type(obj), [same_keys_of(obj)], action="delete", reason=f"{obj.id} deleted")


def same_keys_of(obj: Any) -> tuple:
    """Which events ``obj`` is "the same" as: its child and the model's ``SAME_KEYS`` values."""
    return (obj.child_id, *(getattr(obj, k) for k in SAME_KEYS[type(obj)]))


def flag_duplicates_again(model: type, groups: Sequence[tuple], *, action: str, reason: str) -> None:
    """Flag each group's live events (``same_keys_of``) as creating them one after another would:
    the first recorded unflagged, each later one ``possible_duplicate_of`` it (api-contract, Sync:
    "the later flagged as a possible duplicate"). For an event that joins or leaves a group other
    than by being created: an edit of its day (or dose), a delete, a restore, a merge of its child.
    A flag that changes is a new version of its event, so phones hold the pair as the server
    judges it; one left pointing at a deleted record would ask a person to resolve a pair that
    is no longer there. The groups' events are locked to be written (FOR NO KEY UPDATE, as
    ``access.lock_event_child`` locks the one event a writer changes) and read as they then stand: a
    correction of the later twin committing while the first was deleted was read before it, and the
    delete's new version of it (its flag cleared) was refused at commit by the change log's key."""
    wanted = set(groups)
    if not wanted:
        return
    db.session.flush()  # what this transaction changed is stored before the rows are read again
    by_group: dict[tuple, list[Any]] = {}
    for event in db.session.scalars(select(model).where(*_among_groups(model, wanted))
                                    .order_by(model.created_at, model.id).with_for_update(key_share=True)
                                    .execution_options(populate_existing=True)):
        if same_keys_of(event) in wanted:
            by_group.setdefault(same_keys_of(event), []).append(event)
    for events in by_group.values():
        for event in events:
            changes = apply_changes(event, {"possible_duplicate_of": None if event is events[0] else events[0].id})
            if changes:
                record_change(event, "update", changes, action=action, reason=reason)


def _key_columns(model: type) -> list[Any]:
    return [getattr(model, k) for k in SAME_KEYS[model]]


def _among_groups(model: type, groups: set[tuple]) -> list[Any]:
    """Conditions for the live events of ``groups`` (``same_keys_of``) in one query: each column
    among the groups' values (a superset, the caller keeps the exact groups)."""
    return [among(db.session, model.child_id, {g[0] for g in groups}), model.deleted_at.is_(None),
            *[among(db.session, col, {g[1 + j] for g in groups}) for j, col in enumerate(_key_columns(model))]]
