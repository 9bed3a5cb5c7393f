"""Push: apply a batch of offline mutations, each exactly once (sync-notes §1.3).

One transaction per request, a savepoint per mutation. Each mutation first
claims its ``mutation_id`` in the idempotency ledger, then is applied through
the same operations as the REST API (so audit, change log, z-scores and dose
rules are the same), and its result is stored in the ledger: a retry after a
lost response gets the first attempt's answer with ``replayed: true``.

A run of new measurements (most of a posyandu day's push), or of new children (a
posyandu's first sync), is applied together, in one savepoint, by the same
operations in their bulk form; see "new records, many at once" below. The answers
are the same either way (tests/sync/test_push_bulk.py).
"""
from __future__ import annotations

import contextvars
import hashlib
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from marshmallow import EXCLUDE, ValidationError, fields, validate
from sqlalchemy import func, select, tuple_, union
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.util import identity_key

from posyandu import access, events, privacy
from posyandu.audit import ENTITIES, EntityType, act_as, log_action, pending_fields, snapshot
from posyandu.auth.models import User
from posyandu.database import among, aware, insert_or_skip, insert_rows, utcnow
from posyandu.errors import DomainError, Forbidden, NotFound, ValidationFailed, growth_input_errors
from posyandu.extensions import db
from posyandu.growth.zscores import GrowthInputError
from posyandu.i18n import LANGS, Msg, lang, title_msg, translate_field_message
from posyandu.registry import operations as registry
from posyandu.registry.models import Child, Posyandu
from posyandu.serializing import PlannedLoad, planned_load
from posyandu.sync import devices
from posyandu.sync.merge import changed_by_client, three_way
from posyandu.sync.models import ChangeLog, SyncClient, SyncMutation
from posyandu.validators import UNSTORABLE, UUID_TEXT, Filled, Schema, Uuid, iso_date, local_today, unstorable_text

PUSH_ENTITIES = ("child", "measurement", "immunisation", "supplement")
EVENT_ENTITIES = PUSH_ENTITIES[1:]
UNKNOWN_RECORD = Msg("not found or outside your area", "tidak ditemukan atau di luar wilayah Anda")
UNKNOWN_CHILD = Msg("child not found or outside your area", "anak tidak ditemukan atau di luar wilayah Anda")
OTHER_CHILD = Msg("a record stays with its child: delete it and record it again for the other child",
                  "catatan tetap pada anaknya: hapus lalu catat ulang untuk anak yang lain")
CHANGED_ON_SERVER = Msg("changed on the server since your version", "sudah diubah di server sejak versi Anda")
REFUSED_SINCE_LEFT = Msg("cannot be kept at the posyandu you left (changed there since, or not valid there): tell its "
                         "cadre or midwife what you recorded",
                         "tidak dapat disimpan di posyandu yang sudah Anda tinggalkan (sudah diubah di sana, atau tidak "
                         "sah di sana): sampaikan catatan Anda kepada kader atau bidannya")
LEFT_GRACE = timedelta(days=90)
"""How long after a kader or midwife left a posyandu (moved by an admin), or a child left hers, her phone
may still send what it recorded there before (``_left_since``): a phone kept offline longer than that is
refused what it holds of a place no longer hers, as a phone first seen after she left is (it never held
it). The midwife sees a phone unseen for a week on its list (``GET /sync/devices``)."""
REUSED_ID = Msg("this mutation id was already used for a different change",
                "id mutasi ini sudah dipakai untuk perubahan lain")
UNSTORABLE_VALUE = Msg("a value is too long or out of range for the database",
                       "ada nilai yang terlalu panjang atau di luar batas basis data")
# What the database refuses in one mutation: that mutation is rejected, its savepoint rolled back
# (PostgreSQL's transaction is usable again from there), and the rest of the batch applies. A
# DataError is a value the schemas should have refused (too long, out of range): rejecting only its
# mutation keeps a phone's outbox from being stuck behind it, the whole batch refused on every retry.
REFUSED_BY_DATABASE = (IntegrityError, DataError)


class PayloadTooLarge(DomainError):
    status, key = 413, "too_large"


class SyncConflict(DomainError):
    """The change overlaps a newer server change (or targets a deleted record)."""

    status, key = 409, "conflict"

    def __init__(self, record: Any, fields_: list[str], refusal: DomainError | None = None):
        super().__init__(errors=refusal.errors if refusal else {f: [CHANGED_ON_SERVER] for f in fields_} or None)
        self.record = record
        self.restorable = refusal is None  # false: a deleted record the caller may not bring back


class MutationIn(PlannedLoad):
    """One mutation, validated on its own so a bad one is rejected and the rest apply."""

    class Meta:
        unknown = EXCLUDE

    # an idempotency key, echoed as the client wrote it (in braces, digits run together): not a record's id
    mutation_id = fields.UUID(required=True)
    entity = Filled(required=True, validate=validate.OneOf(PUSH_ENTITIES))  # blank: "wajib diisi"
    op = Filled(required=True, validate=validate.OneOf(("upsert", "delete")))
    id = Uuid(required=True)
    base_version = fields.Integer(load_default=None, allow_none=True, strict=True, validate=validate.Range(min=1))
    data = fields.Dict(load_default=dict)


_MUTATION_IN = MutationIn()  # built once: a schema instance costs more than a load


@dataclass
class Mutation:
    mutation_id: uuid.UUID
    entity: str
    op: str
    id: uuid.UUID | None  # None only for a mutation refused on reading (below)
    base_version: int | None
    data: dict[str, Any]
    request_hash: str
    refused: dict[str, Any] | None = None  # its rejection, when it could not even be read
    # the hash as it was computed before numbers were normalised, when it differs: a retry of a
    # mutation first sent to an older server still matches the ledger's answer
    earlier_hash: str | None = None

    def asks_as(self, stored_hash: str) -> bool:
        return stored_hash in (self.request_hash, self.earlier_hash)


def _schemas() -> dict[str, tuple[Schema, Schema, Schema]]:
    """Per entity: (create schema, partial update schema, dump schema). Fields the
    server computes are ignored when a client sends the whole record back (``_load``); any other
    field the record has not is refused, as REST refuses it. Loads are planned
    (``serializing.planned_load``): a push reads hundreds of records."""
    from posyandu.growth.schemas import MeasurementSchema, MeasurementUpdateSchema
    from posyandu.immunisation.schemas import (ImmunisationSchema, ImmunisationUpdateSchema, SupplementSchema,
                                               SupplementUpdateSchema)
    from posyandu.registry.schemas import ChildSchema, ChildUpdateSchema

    pairs = {"child": (ChildSchema, ChildUpdateSchema), "measurement": (MeasurementSchema, MeasurementUpdateSchema),
             "immunisation": (ImmunisationSchema, ImmunisationUpdateSchema),
             "supplement": (SupplementSchema, SupplementUpdateSchema)}
    out = {name: (planned_load(create)(), planned_load(update)(partial=True), create()) for name, (create, update) in
           pairs.items()}
    for loaders in out.values():
        computed = frozenset(loaders[2].dump_fields) - frozenset(loaders[0].load_fields)
        for loader in loaders[:2]:
            _COMPUTED[id(loader)] = computed
    return out


_COMPUTED: dict[int, frozenset[str]] = {}
"""Per load schema of ``_schemas`` (by its id: each is built once): the fields of its record the server
computes (``version``, ``zscores``, ``trend``), in a pulled record a phone sends back whole."""


_SCHEMAS: dict[str, tuple[Schema, Schema, Schema]] = {}


def schemas(entity: str) -> tuple[Schema, Schema, Schema]:
    if not _SCHEMAS:
        _SCHEMAS.update(_schemas())
    return _SCHEMAS[entity]


@dataclass
class _Batch:
    """One push as it is applied: the answers so far, and the records to answer with at the end,
    each with its ledger entry: a ``SyncMutation`` claimed one at a time, the row of a
    mutation applied together (inserted at the end, with its answer), or None for a second
    copy of a mutation in the batch (answered as the first)."""

    user: User
    client_id: str
    checked: list[Any]
    results: list[dict[str, Any]]
    applied: list[tuple[SyncMutation | dict[str, Any] | None, dict[str, Any], Any]] = field(default_factory=list)

    def apply(self, i: int) -> None:
        self.results[i] = _apply(self.user, self.client_id, self.checked[i], self.applied)


# the mutations of the push being applied: a registration is judged by the visits it was sent with
# (``_registered_before_leaving``)
_PUSHED: contextvars.ContextVar[list[Any]] = contextvars.ContextVar("pushed", default=[])
# when the server first saw the pushing phone, as the caller's (``_held_then``); None: another user's
_PHONE_SINCE: contextvars.ContextVar[datetime | None] = contextvars.ContextVar("phone_since", default=None)
# the mutation being applied reached a record outside the caller's area by ``_left_since`` (its answer
# tells nothing of the record as it stands: ``_apply``)
_BEYOND: contextvars.ContextVar[list[bool] | None] = contextvars.ContextVar("beyond", default=None)


def push(user: User, client_id: str, raw_mutations: list[Any], max_mutations: int, *,
         client_version: str | None = None, bulk: bool = True, login: str | None = None) -> dict[str, Any]:
    """Apply the mutations in order, each exactly once; one answer per mutation. ``bulk``:
    apply runs of new measurements together (below); false: every mutation one at a time.
    ``login``: the login the caller's token belongs to, noted for the phone (``devices.seen``)."""
    access.require_staff(user)
    if len(raw_mutations) > max_mutations:
        raise PayloadTooLarge(Msg(f"at most {max_mutations} mutations per push",
                                  f"paling banyak {max_mutations} mutasi per sinkron"))
    act_as(client_id=client_id)
    devices.seen(user, client_id, client_version, pushed=True, login=login)
    checked = [_check(raw) for raw in raw_mutations]
    pushed, phone = _PUSHED.set(checked), _PHONE_SINCE.set(devices.first_seen(user, client_id))
    try:
        return _push(user, client_id, raw_mutations, checked, bulk)
    finally:
        _PUSHED.reset(pushed)
        _PHONE_SINCE.reset(phone)


def _push(user: User, client_id: str, raw_mutations: list[Any], checked: list[Any], bulk: bool) -> dict[str, Any]:
    _lock_what_it_touches(checked)
    batch = _Batch(user, client_id, checked, [{}] * len(checked))
    uses = Counter(m.mutation_id for m in checked if isinstance(m, Mutation))
    run: list[int] = []  # consecutive new records of one entity, applied together
    entity = None
    for i, m in enumerate(checked):
        kind = _bulk_entity(m) if bulk and isinstance(m, Mutation) and uses[m.mutation_id] == 1 and \
            m.refused is None else None
        if kind is not None and kind == entity:
            run.append(i)
            continue
        _apply_new(batch, entity, run)
        run, entity = ([i], kind) if kind is not None else ([], None)
        if kind is not None:
            continue
        if isinstance(m, Mutation):
            batch.apply(i)
        else:
            batch.results[i] = m
    _apply_new(batch, entity, run)
    # Several mutations of one batch may touch one record (one new version per
    # transaction): answer each, conflicts included, with the record as it is
    # committed, so that one version number always means one content.
    db.session.flush()
    rows = []
    unwritten = []  # applied, and nothing written: an edit to the values it holds, a delete of one gone
    for ledger, result, obj in batch.applied:
        result["version"], result["record"] = obj.version, snapshot(obj)
        if ledger is None:  # a copy of a mutation claimed earlier in the batch: its answer only
            continue
        if result["status"] == "applied" and not result.get("replayed") and pending_fields(obj) is None:
            unwritten.append(obj.id if isinstance(obj, Child) else obj.child_id)
        if isinstance(ledger, dict):
            rows.append({**ledger, "result": _as_kept(result, obj)})
        else:
            ledger.result = _as_kept(result, obj)
    insert_rows(db.session, SyncMutation, rows)
    _read_back([r for r in batch.results if r.get("record_of")])
    privacy.record_reads("view", [*children_shown(batch.results), *unwritten])
    return {"results": [_as_sent(raw, result) for raw, result in zip(raw_mutations, batch.results)]}


def children_shown(results: list[dict[str, Any]]) -> list[uuid.UUID]:
    """The children whose data an answer hands back without writing it (a conflict's server record,
    a replayed answer's record), for the access log (posyandu.privacy); an applied change's record
    is the write itself, in the audit log (one that wrote nothing, ``_push`` logs as a read, as
    ``privacy.record_read_unless_written`` does an empty PATCH)."""
    out = []
    for result in results:
        record = result.get("record")
        if not isinstance(record, dict) or (result.get("status") == "applied" and not result.get("replayed")):
            continue
        child_id = record.get("child_id") if "child_id" in record else record.get("id")
        if child_id:
            out.append(uuid.UUID(str(child_id)))
    return out


def _as_sent(raw: Any, result: dict[str, Any]) -> dict[str, Any]:
    """The answer names the mutation id as the client wrote it (upper case, as iOS writes UUIDs, or
    in braces): a client matches answers to its outbox by the string it sent."""
    sent = raw.get("mutation_id") if isinstance(raw, dict) else None
    if not isinstance(sent, str) or result.get("mutation_id") in (None, sent):
        return result
    return {**result, "mutation_id": sent} if _key_or_none(sent) == _key_or_none(result["mutation_id"]) else result


def _lock_what_it_touches(checked: list[Any]) -> None:
    """Before any mutation is applied, lock every row the batch will lock (docs/sync.md, "Concurrent
    writers"): the posyandu its children are registered at or moved to, or where a child it edits or
    restores without naming one is (FOR SHARE, as ``registry.create_children`` and ``update_child``
    will, and their registration locks, ``access.lock_posyandu_for_children``: an edit is judged as
    a registration there), then every child it touches, in the order
    of their ids, each once, in the strongest mode the batch needs: CHILD for a child it edits, moves,
    restores or deletes (and the child that stands for a merged one it addresses), EVENTS for one
    whose events it writes: a new event's ``child_id``, an edited, deleted or restored event's child as
    stored, and the child that stands for either. Taken mutation by mutation, a weighing then an
    edit of one child would upgrade FOR SHARE to FOR NO KEY UPDATE, and two phones doing that at once
    deadlock; two children could be taken in opposite orders. The locks each mutation takes later
    are then held already. Which children: one query (merged ones followed, by one more per step of
    a chain), then the locks. The ids are the phone's: a row outside the caller's area is locked
    too, then refused as before (as ``access.get_child`` does)."""
    modes: dict[uuid.UUID, str] = {}
    posyandu: set[uuid.UUID] = set()
    unplaced: list[uuid.UUID] = []  # children edited or restored by a mutation that names no posyandu
    events: dict[type, list[uuid.UUID]] = {}
    for m in checked:
        if not isinstance(m, Mutation) or m.refused is not None:
            continue
        if m.entity == "child":
            modes[m.id] = access.CHILD
            if m.op == "upsert" and (posyandu_id := _uuid_or_none(m.data.get("posyandu_id"))):
                posyandu.add(posyandu_id)
            elif m.op == "upsert":
                unplaced.append(m.id)
            continue
        events.setdefault(ENTITIES[m.entity].model, []).append(m.id)
        if m.op == "upsert" and (child_id := _uuid_or_none(m.data.get("child_id"))):
            modes.setdefault(child_id, access.EVENTS)
    if unplaced:  # an edit or restore sent without its posyandu is judged, and restored, where the child is
        posyandu.update(db.session.scalars(select(Child.posyandu_id).where(among(db.session, Child.id, unplaced))))
    access.lock_posyandu_for_children(posyandu)  # as ``registry.create_children`` will, before any child
    if not modes and not events:
        return
    # one query (each part by its index): the children named, and the stored events' children
    touched = union(select(Child.id, Child.merged_into).where(among(db.session, Child.id, modes)),
                    *[select(Child.id, Child.merged_into).join(model, model.child_id == Child.id)
                      .where(among(db.session, model.id, ids)) for model, ids in events.items()])
    into: dict[uuid.UUID, uuid.UUID | None] = {}  # every child touched that exists: its merged_into
    asked: set[uuid.UUID] = set()
    while True:
        into.update(db.session.execute(touched).all())
        chained = {target for target in into.values() if target is not None} - into.keys() - asked
        if not chained:
            break
        asked |= chained
        touched = select(Child.id, Child.merged_into).where(among(db.session, Child.id, chained))
    wanted = {child_id: modes.get(child_id, access.EVENTS) for child_id in into}
    for child_id in [child_id for child_id, mode in wanted.items() if mode == access.CHILD]:
        seen = {child_id}
        while (child_id := into.get(child_id)) is not None and child_id not in seen:  # the child that stands
            seen.add(child_id)
            wanted[child_id] = access.CHILD
    access.lock_children(wanted, read=False)  # each mutation reads them as it goes
    # their new-event locks, as ``events.create_events`` (a new event) and ``access.lock_event_child``
    # (an event corrected, deleted or restored) will take them, after their rows: ahead, in one order,
    # not mutation by mutation (taken as it goes, two pushes could take two children in opposite
    # orders). Every child locked: one edited here is held FOR NO KEY UPDATE, so no other writer holds
    # its new-event lock, and taking it costs no wait
    access.lock_new_events(wanted)


def _as_kept(result: dict[str, Any], obj: Any) -> dict[str, Any]:
    """The answer as the ledger keeps it: without the record, which the change log holds at
    that version (written by this same transaction), only which record it is (a third of
    the disk a measurement takes, otherwise)."""
    return {**result, "record": None, "record_of": [_entity_of(obj), str(obj.id)]}


def _read_back(answers: list[dict[str, Any]]) -> None:
    """Replayed answers' records from the change log, which holds them at those versions, in one
    query for the batch. Should a version be gone (a change history rebuilt by an operator),
    the record as it stands."""
    if not answers:
        return
    key = tuple_(ChangeLog.entity, ChangeLog.record_id, ChangeLog.version)
    refs = [(a["record_of"][0], uuid.UUID(a.pop("record_of")[1]), a["version"]) for a in answers]
    found = {(e, r, v): record for e, r, v, record in db.session.execute(
        select(ChangeLog.entity, ChangeLog.record_id, ChangeLog.version, ChangeLog.record).where(key.in_(set(refs))))}
    for answer, (entity, record_id, version) in zip(answers, refs):
        answer["record"] = found.get((entity, record_id, version))
        if answer["record"] is None:
            current = db.session.get(ENTITIES[entity].model, record_id)
            answer["record"] = ENTITIES[entity].serialize(current) if current is not None else None


def _result(mutation_id: Any, status: str, *, record: Any = None, version: int | None = None,
            errors: Any = None) -> dict[str, Any]:
    """A mutation's answer. Its errors come in the request's language (``errors``) and in every
    language (``errors_in``): a phone keeps a refusal and shows it in the language it is later
    switched to, and the ledger keeps it so that a replay answers in the language it is asked in."""
    answer = {"mutation_id": str(mutation_id) if mutation_id is not None else None, "status": status,
              "replayed": False, "version": version, "record": record, "errors": None}
    if errors:
        answer["errors_in"] = {language: translate_field_message(errors, language) for language in LANGS}
        answer["errors"] = answer["errors_in"][lang()]
    return answer


def _replayed(stored: dict[str, Any]) -> dict[str, Any]:
    """A ledger answer, given again: its errors in the request's language (an answer kept before
    they were kept in every language has them in its first request's only). An answer kept with its
    record (before ``record_of``) has its timestamps as answered now (migration 0014 rewrote them)."""
    answer = {**stored, "replayed": True}
    by_language = answer.get("errors_in")
    if by_language:
        answer["errors"] = by_language.get(lang()) or by_language.get("id")
    return answer


_WHOLE_FLOAT = re.compile(r"\d\.0[,\]}]")   # json.dumps writes a whole float as "74.0", then , ] or }


def _canonical(asked: Any) -> str:
    return json.dumps(asked, sort_keys=True, separators=(",", ":"), default=str)  # ASCII: lone surrogates escaped


def _sha(canonical: str) -> str:
    return hashlib.sha256(canonical.encode()).hexdigest()


def _hashes(raw: dict[str, Any]) -> dict[str, Any]:
    """What a mutation asks, as a hash: a mutation id sent again must ask the same. A number is
    hashed by its value: a client that writes 8.0 the second time where it wrote 8 (one JSON
    library, then another) asks the same thing, and is answered, not refused as reusing the id.
    Where that changes the hash, the hash as computed before is kept too (``earlier_hash``), for a
    retry, written as it was first sent, of a mutation first sent to an older server. The numbers
    are read again by the C parser (a whole float is written ``….0``), not walked in Python: a
    value nested a few hundred levels deep is only hashed, never a 500."""
    asked = _canonical({k: raw.get(k) for k in ("entity", "op", "id", "base_version", "data")})
    if not _WHOLE_FLOAT.search(asked):
        return {"request_hash": _sha(asked)}
    by_value = _canonical(json.loads(asked, parse_float=_by_value))
    if by_value == asked:
        return {"request_hash": _sha(asked)}
    return {"request_hash": _sha(by_value), "earlier_hash": _sha(asked)}


def _by_value(text: str) -> int | float:
    """A JSON number with a fraction or exponent: an integer when it is one a double holds exactly."""
    number = float(text)
    return int(number) if number.is_integer() and abs(number) <= 2 ** 53 else number


def _parse(raw: Any) -> Mutation:
    if not isinstance(raw, dict):
        raise ValidationError({"_schema": [Msg("a mutation must be an object", "mutasi harus berupa objek")]})
    return Mutation(**_MUTATION_IN.load(raw), **_hashes(raw))


def _check(raw: Any) -> Mutation | dict[str, Any]:
    """The mutation, parsed; or, if it cannot even be read, its rejection: kept in the ledger
    like any other answer (a retry is answered ``replayed``, and the id cannot later be used for
    something else) when its mutation id can be read, else only answered."""
    unstorable = unstorable_text(raw)
    if not unstorable:
        try:
            return _parse(raw)
        except ValidationError as exc:
            errors = exc.messages
    else:
        # a record's field named as every other refusal of it names it ({field: [...]}), not under "data":
        # the phone's list of refused records showed "[object Object]"
        inner = unstorable.get("data")
        errors = {**{k: v if isinstance(v, list) else [UNSTORABLE] for k, v in inner.items()},
                  **{k: v for k, v in unstorable.items() if k != "data"}} if isinstance(inner, dict) else unstorable
    mid = raw.get("mutation_id") if isinstance(raw, dict) and "mutation_id" not in (unstorable or errors) else None
    refused = _result(mid if isinstance(mid, str) else None, "rejected", errors=errors)
    mutation_id = _key_or_none(mid)
    if mutation_id is None:
        return refused
    entity = raw.get("entity") if raw.get("entity") in PUSH_ENTITIES else ""
    return Mutation(mutation_id, entity, "", _uuid_or_none(raw.get("id")), None, {}, **_hashes(raw),
                    refused=refused)


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    """``value`` as a UUID when written as one (8-4-4-4-12, ``validators.UUID_TEXT``), else None."""
    return uuid.UUID(value) if isinstance(value, str) and UUID_TEXT.fullmatch(value) else None


def _key_or_none(value: Any) -> uuid.UUID | None:
    """A mutation id as a UUID, however written (braces, digits run together: an idempotency key the
    answer echoes as sent, not a record's id), else None."""
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _apply(user: User, client_id: str, m: Mutation, applied: list) -> dict[str, Any]:
    """One mutation: claim its id, apply it in a savepoint, store its result."""
    ledger, prior = _claim(user, client_id, m)
    if prior is not None:
        if prior.user_id != user.id or not m.asks_as(prior.request_hash):
            return _result(m.mutation_id, "rejected", errors={"mutation_id": [REUSED_ID]})
        replay = _replayed(prior.result)
        # claimed earlier in this batch: answered, like the first copy, with the record as committed;
        # else its record is read back from the change log at the end (_read_back)
        first = next((obj for entry, _, obj in applied if entry is prior), None)
        if first is not None:
            applied.append((None, replay, first))
        return replay
    if m.refused is not None:
        ledger.status, ledger.result = "rejected", dict(m.refused)
        return m.refused
    obj, beyond = None, [False]
    reaching = _BEYOND.set(beyond)
    try:
        with db.session.begin_nested():
            obj = (_delete if m.op == "delete" else _upsert)(user, client_id, m)
        et = ENTITIES[m.entity]
        result = _result(m.mutation_id, "applied", record=et.serialize(obj), version=obj.version)
    except SyncConflict as exc:
        obj = exc.record   # re-read at the end of the batch, like an applied record
        result = _result(m.mutation_id, "conflict", record=ENTITIES[_entity_of(exc.record)].serialize(exc.record),
                         version=exc.record.version, errors=exc.errors)
        if not exc.restorable:
            result["restorable"] = False
    except ValidationError as exc:
        obj, result = None, _result(m.mutation_id, "rejected", errors=exc.messages)
    except (DomainError, *REFUSED_BY_DATABASE, GrowthInputError) as exc:
        obj, result = None, _result(m.mutation_id, "rejected", errors=_errors_of(exc))
    finally:
        _BEYOND.reset(reaching)
    if beyond[0]:
        # a record she no longer sees (404 to her anywhere else): what she sent is kept, and nothing of the
        # record as it stands is told her, now or in a replay (a contact changed since, the child's posyandu
        # of now); nor by a refusal (a weighing recorded there since, dated; an exit). A change made there since
        # overlapping hers is not hers to resolve: refused, said so, on the record (as one outside her area is)
        result = _result(m.mutation_id, "applied", version=result["version"]) if result["status"] == "applied" \
            else _result(m.mutation_id, "rejected", errors={"id": [REFUSED_SINCE_LEFT]})
        obj = None
    ledger.status, ledger.result = result["status"], dict(result)
    if obj is not None:
        applied.append((ledger, result, obj))
    return result


def _entity_of(obj: Any) -> str:
    return next(name for name, et in ENTITIES.items() if isinstance(obj, et.model))


def _errors_of(exc: Exception) -> dict[str, Any]:
    if isinstance(exc, GrowthInputError):  # a value the growth calculator cannot use, no rule caught first
        return growth_input_errors(exc)
    if isinstance(exc, ValidationFailed) and exc.errors:
        return exc.errors
    if isinstance(exc, NotFound):
        return {"id": [UNKNOWN_RECORD]}
    if isinstance(exc, Forbidden):
        return exc.errors or {"_schema": [title_msg("forbidden")]}
    if isinstance(exc, DomainError):
        return exc.errors or {"_schema": [exc.detail or title_msg(exc.key)]}
    if isinstance(exc, DataError):
        return {"_schema": [UNSTORABLE_VALUE]}
    return {"_schema": [title_msg("conflict")]}


def _claim(user: User, client_id: str, m: Mutation) -> tuple[SyncMutation | None, SyncMutation | None]:
    """Insert the ledger row first: a concurrent replay of the same id then
    waits on the primary key until this push commits, and reads its result."""
    prior = db.session.identity_map.get(identity_key(SyncMutation, m.mutation_id))  # read earlier in this push
    if prior is not None:
        return None, prior
    ledger = SyncMutation(**_ledger_entry(user, client_id, m, "claimed"), result={})
    if insert_or_skip(db.session, ledger):
        return ledger, None
    return None, db.session.get(SyncMutation, m.mutation_id, populate_existing=True)


def _ledger_entry(user: User, client_id: str, m: Mutation, status: str) -> dict[str, Any]:
    """A mutation's ledger columns but its answer."""
    return {"mutation_id": m.mutation_id, "client_id": client_id, "user_id": user.id, "entity": m.entity,
            "record_id": m.id, "request_hash": m.request_hash, "status": status}


# --- new records, many at once ---------------------------------------------------------
# A posyandu day's weighings are most of what phones push. A run of consecutive new
# measurements is applied with a handful of statements instead of some twenty each: one
# lookup of the ids, the ledger and the children, then ``events.create_events`` (one
# calculator run, one KMS trend pass per child, one INSERT per table). Only what would
# certainly apply goes this way; anything else (an edit, a replay, an unknown or merged
# child, a rule to judge, an invalid value) takes the one-at-a-time path above, in its
# place in the batch, so every answer is the one that path gives. A run of new children
# (a posyandu's first sync) goes the same way through ``registry.create_children``.

def _bulk_entity(m: Mutation) -> str | None:
    """The entity of a mutation that may create a record together with its neighbours."""
    if m.entity in ("measurement", "child") and m.op == "upsert" and _names_its_own_id(m):
        return m.entity
    return None


def _apply_new_measurements(batch: _Batch, run: list[int]) -> None:
    from posyandu.growth.models import Measurement

    create = schemas("measurement")[0]
    ready: dict[int, tuple[Mutation, dict[str, Any], uuid.UUID]] = {}
    for i in run:
        m = batch.checked[i]
        try:
            loaded, child_id = _load(create, m.data), _uuid_or_none(m.data.get("child_id"))
        except (ValidationError, ValueError):
            continue
        if child_id is None:  # judged one at a time (``_child_of_event``): refused on child_id
            continue
        if not loaded.get("trend_override"):  # who may override is judged one at a time
            ready[i] = (m, loaded, child_id)
    new = _first_of_their_records(Measurement, [m for m, _, _ in ready.values()])
    wanted = {cid for _, _, cid in ready.values()}
    # for writing their events, all in one statement (held already since the push began, as a rule), then
    # read as they stand; their posyandu is not needed here: not joined in
    access.lock_children(wanted, access.EVENTS, read=False)
    children = {c.id: c for c in db.session.scalars(
        select(Child).where(among(db.session, Child.id, wanted), access.child_clause(batch.user))
        .options(lazyload(Child.posyandu)).execution_options(populate_existing=True))}
    fast: dict[int, tuple[Mutation, Child, dict[str, Any]]] = {}
    for i, (m, loaded, child_id) in ready.items():
        child = children.get(child_id)
        if (m.mutation_id in new and child is not None and child.merged_into is None
                and child.deleted_at is None and loaded["measured_on"] >= child.birth_date):
            fast[i] = (m, child, loaded)
    # the segment being gathered: its first index, how many of it are counted in ``days`` (each
    # child's latest day there), and each child's latest stored day (read once, when a child repeats)
    seen: dict[str, Any] = {"first": None, "counted": 0, "days": {}, "stored": None}

    def joins(segment: list[int], i: int) -> bool:
        """Whether the weighing ``i`` may be created with ``segment`` and give what one at a time
        gives: the first of its child there, or dated on or after every weighing of its child, stored
        or in the segment. One dated before would change the trend of a weighing recorded before it
        in this push (one at a time: a recompute, a new version of a stored neighbour for each,
        though the last puts it back as it was), which the segment computes once."""
        if seen["first"] != segment[0]:  # a new segment: what went before it is stored by now
            seen.update(first=segment[0], counted=0, days={}, stored=None)
        days = seen["days"]
        for j in segment[seen["counted"]:]:  # those added since the last call (each child's latest day)
            child_j, day_j = fast[j][1].id, fast[j][2]["measured_on"]
            days[child_j] = max(days.get(child_j, day_j), day_j)
        seen["counted"] = len(segment)
        child, day = fast[i][1].id, fast[i][2]["measured_on"]
        if child not in days:
            return True
        if seen["stored"] is None:
            seen["stored"] = dict(db.session.execute(
                select(Measurement.child_id, func.max(Measurement.measured_on))
                .where(among(db.session, Measurement.child_id, {c.id for _, c, _ in fast.values()}),
                       Measurement.deleted_at.is_(None)).group_by(Measurement.child_id)).all())
        stored = seen["stored"].get(child)
        return day >= days[child] and (stored is None or day >= stored)

    _in_segments(batch, run, fast, _create_measurements, joins)


def _create_measurements(batch: _Batch, items: list[tuple[int, Mutation, Child, dict[str, Any]]]) -> None:
    """Create the measurements in one savepoint. Should anything fail (a concurrent push
    of the same ids, a value the calculator refuses), nothing of it stays and each
    mutation takes the one-at-a-time path instead."""
    if not items:
        return
    from posyandu.growth.models import Measurement

    try:
        with db.session.begin_nested():
            objs = events.create_events(batch.user, Measurement,
                                        [(child, {**loaded, "id": m.id}, m.mutation_id) for _, m, child, loaded in items],
                                        client_id=batch.client_id)
    except (DomainError, ValidationError, *REFUSED_BY_DATABASE, GrowthInputError):
        for i, *_ in items:
            batch.apply(i)
        return
    # The ledger rows are written with the answers, at the end of the batch. A concurrent push of
    # the same mutations waits on the measurements' ids above, then takes the one-at-a-time path
    # and replays this one's answers; the same mutation ids with other record ids (a client bug)
    # collide with this push's ledger rows: the later push is refused whole (409), its phone retries.
    _answer_applied(batch, [(i, m) for i, m, *_ in items], objs)


def _apply_new_children(batch: _Batch, run: list[int]) -> None:
    """A run of new children (a posyandu's first sync), as ``_apply_new_measurements`` does new
    weighings: any child that is not certainly new and valid goes the one-at-a-time way."""
    create = schemas("child")[0]
    ready: dict[int, tuple[Mutation, dict[str, Any]]] = {}
    for i in run:
        m = batch.checked[i]
        try:
            ready[i] = (m, _load(create, m.data))
        except ValidationError:
            continue
    new = _first_of_their_records(Child, [m for m, _ in ready.values()])
    fast = {i: (m, loaded) for i, (m, loaded) in ready.items() if m.mutation_id in new}
    _in_segments(batch, run, fast, _create_children)


def _create_children(batch: _Batch, items: list[tuple[int, Mutation, dict[str, Any]]]) -> None:
    """Register the children in one savepoint; should anything fail (a posyandu outside the
    caller's area, a concurrent push of the same ids), each goes the one-at-a-time way."""
    if not items:
        return
    try:
        with db.session.begin_nested():
            objs = registry.create_children(batch.user, [{**loaded, "id": m.id} for _, m, loaded in items])
    except (DomainError, ValidationError, *REFUSED_BY_DATABASE):
        for i, *_ in items:
            batch.apply(i)
        return
    _answer_applied(batch, [(i, m) for i, m, _ in items], objs)


def _first_of_their_records(model: type, mutations: list[Mutation]) -> set[uuid.UUID]:
    """The mutation ids, of ``mutations``, that certainly create their record: not stored yet
    (in any state), not created earlier in the run, not seen by the ledger (a replay). The
    ledger rows read go into the session: the one-at-a-time path then reads them without a query."""
    stored = set(db.session.scalars(select(model.id).where(among(db.session, model.id, [m.id for m in mutations]))))
    seen = {row.mutation_id for row in db.session.scalars(select(SyncMutation).where(
        among(db.session, SyncMutation.mutation_id, [m.mutation_id for m in mutations])))}
    first, ids = set(), set()
    for m in mutations:
        if not (m.id in stored or m.id in ids or m.mutation_id in seen):
            first.add(m.mutation_id)
        ids.add(m.id)
    return first


def _answer_applied(batch: _Batch, mutations: list[tuple[int, Mutation]], objs: list[Any]) -> None:
    """The answers of records created together; their ledger rows are written with the answers,
    at the end of the batch."""
    for (i, m), obj in zip(mutations, objs):
        batch.results[i] = result = _result(m.mutation_id, "applied", version=obj.version)
        batch.applied.append((_ledger_entry(batch.user, batch.client_id, m, "applied"), result, obj))


def _in_segments(batch: _Batch, run: list[int], fast: dict[int, tuple], create: Any,
                 joins: Any = None) -> None:
    """``create`` each stretch of the run that can go together; the others one at a time, in
    their place. ``joins(segment, i)``: whether ``i`` may go with the stretch so far (else it
    begins the next)."""
    segment: list[int] = []
    for i in run:
        if i in fast:
            if segment and joins is not None and not joins(segment, i):
                create(batch, [(j, *fast[j]) for j in segment])
                segment = []
            segment.append(i)
            continue
        create(batch, [(j, *fast[j]) for j in segment])
        segment = []
        batch.apply(i)
    create(batch, [(j, *fast[j]) for j in segment])


def _apply_new(batch: _Batch, entity: str | None, run: list[int]) -> None:
    if run:
        {"measurement": _apply_new_measurements, "child": _apply_new_children}[entity](batch, run)


# --- applying one mutation -------------------------------------------------------------

def _visible(user: User, model: type, record_id: uuid.UUID, *, lock: bool = False) -> Any:
    """The record in any state (deleted included) if the caller may see it; else None.
    ``lock``: a child to change, locked first (``access.lock_children``); an event to change, its
    child locked first for writing its events (``access.lock_event_child``), as REST's
    ``access.get_event`` does. The push's look-ahead (``_lock_what_it_touches``) holds them as a
    rule, but it found the event's child before locking it: a merge committed in between has
    re-pointed the event to a child it did not lock."""
    if model is Child:
        if lock:
            access.lock_children([record_id], access.CHILD)
        return db.session.scalar(select(Child).where(Child.id == record_id, access.child_clause(user)))
    if lock:
        access.lock_event_child(model, record_id)
    return db.session.scalar(select(model).join(Child, Child.id == model.child_id)
                             .where(model.id == record_id, access.child_clause(user))
                             .execution_options(populate_existing=lock))


def _base(et: EntityType, obj: Any, base_version: int | None, who: tuple[str, Any]) -> dict[str, Any] | None:
    """The record as the client last saw it, or None if that version is unknown.

    A missing base version means the client never learnt of a later one (it
    created the record): version 1. Later versions made by the same client and
    user (an earlier push whose answer was lost, or an earlier mutation of this
    batch) are folded into the base: a client never conflicts with itself.
    """
    version = base_version or 1
    if version > obj.version:
        return None
    rows = db.session.execute(
        select(ChangeLog.version, ChangeLog.record, ChangeLog.changed_fields, ChangeLog.client_id, ChangeLog.user_id)
        .where(ChangeLog.entity == et.name, ChangeLog.record_id == obj.id, ChangeLog.version >= version)
        .order_by(ChangeLog.version)).all()
    own_pending = pending_fields(obj)
    if not rows or rows[0].version != version:
        # only possible for a version made earlier in this very batch
        return et.serialize(obj) if version == obj.version and own_pending is not None else None
    base = dict(rows[0].record)
    for row in rows[1:]:
        if (row.client_id, row.user_id) == who:
            base.update({f: row.record.get(f) for f in row.changed_fields or () if f in row.record})
    if own_pending:
        current = et.serialize(obj)
        base.update({f: current.get(f) for f in own_pending if f in current})
    return base


def _changed_by_others(et: EntityType, obj: Any, base_version: int | None, who: tuple[str, Any]) -> bool:
    """Whether another device wrote, since ``base_version``, a field a device writes (``_writable``;
    a restore of the tombstone the delete was based on is such a change), even a change it has
    undone since: a child moved away and back, a name changed and put back. Its values equal what
    the deleting phone saw, but someone acted on the record that phone did not see (sync-notes:
    a delete with a stale ``base_version`` is a conflict). The device's own later changes (an
    earlier push whose answer was lost, this batch) are no one else's. What the server derives
    is no one's change a delete could throw away: a weighing's KMS trend after a neighbour was
    recorded, a day's duplicate flag, the posyandu and kabupaten an event follows its child to.
    Compared too, they answered the delete ``conflict`` naming no field, for the phone to resolve
    what no one changed."""
    version = base_version or 1
    if version > obj.version:
        return True
    rows = db.session.execute(
        select(ChangeLog.version, ChangeLog.record, ChangeLog.client_id, ChangeLog.user_id)
        .where(ChangeLog.entity == et.name, ChangeLog.record_id == obj.id, ChangeLog.version >= version)
        .order_by(ChangeLog.version)).all()
    if not rows or rows[0].version != version:
        # only possible for a version made earlier in this very batch
        return not (version == obj.version and pending_fields(obj) is not None)
    writable = _writable(et.name)
    before = rows[0].record
    for row in rows[1:]:
        after = row.record
        if (row.client_id, row.user_id) != who and any(after.get(k) != before.get(k) for k in writable):
            return True
        before = after
    return False


def _writable(entity: str) -> frozenset[str]:
    """The fields of ``entity`` a device sets: its update schema's load fields but its id, and
    ``deleted_at``, which a delete or a restore sets."""
    return frozenset(schemas(entity)[1].load_fields) - {"id", "base_version"} | {"deleted_at"}


def _load(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """A mutation's record fields, loaded by ``schema`` (``_schemas``): the fields the server computes
    ignored, any other the record has not refused ("unknown field", as REST refuses it): dropped,
    a key mistyped or a field of another version ("weigth_kg", "lila_cm") was answered applied, its
    value stored nowhere and the phone told nothing."""
    computed = _COMPUTED.get(id(schema), frozenset())
    return schema.load({k: v for k, v in data.items() if k not in ("id", "base_version", "child_id") and k not in computed})


def _merge(et: EntityType, addressed: Any, target: Any, base_version: int | None, who: tuple[str, Any],
           loaded: dict[str, Any]) -> dict[str, Any]:
    """The client's changes to apply to ``target`` after a three-way merge, or a conflict."""
    base = _base(et, addressed, base_version, who)
    if base is None:
        raise SyncConflict(target, [])
    if target is not addressed:
        base.update(_own_since_merge(et, addressed, target, who))
    incoming = _sent(et, loaded)
    current = et.serialize(target)
    merged = three_way(base, current, incoming)
    if merged.conflicts:
        raise SyncConflict(target, merged.conflicts)
    stale = _judged_in_another_month(et, base, current, incoming, merged.apply)
    if stale:
        raise SyncConflict(target, stale)
    changes = {k: loaded[k] for k in merged.apply}
    # A reason (a bidan's for a dose outside the schedule's rules) is the client's word for this
    # write as well as a field: the rules hear it as REST's do (events._written) when it is the
    # reason the record holds already, which the merge sees as no change (a bidan correcting the
    # date of a dose she accepted, her reason as it stands). Storing it changes nothing.
    changes.update({k: loaded[k] for k in events.REASON_FIELDS if k in loaded and incoming[k] == current.get(k)})
    return changes


def _sent(et: EntityType, loaded: dict[str, Any]) -> dict[str, Any]:
    """The fields the client sent, as the record is serialised (the change log's ``record``): what
    the merge compares with its base."""
    return {k: v for k, v in schemas(et.name)[2].dump(loaded).items() if k in loaded}


def _judged_in_another_month(et: EntityType, base: dict[str, Any], current: dict[str, Any], incoming: dict[str, Any],
                             apply: Any) -> list[str]:
    """A health worker's N/T (``trend_override``) judges a weighing's gain over the month before it:
    given on her phone to the weighing as it stood in one month, after someone moved it to another,
    merged it would stand over a month's gain she never judged (the move itself drops a judgement,
    ``growth.operations``; one merged after it came back). Her judgement's fields, to ask her again
    on the weighing as it stands (a conflict); none when its month is the one she saw."""
    if et.name != "measurement" or "trend_override" not in apply:
        return []
    month = lambda record: str(record.get("measured_on") or "")[:7]  # noqa: E731 - "YYYY-MM"
    if month(base) == month(current):
        return []
    return [f for f in ("trend_override", "trend_override_reason") if f in incoming and incoming[f] != current.get(f)]


def _own_since_merge(et: EntityType, alias: Any, target: Any, who: tuple[str, Any]) -> dict[str, Any]:
    """The device's own changes to the child that stands made since ``alias`` was merged into it,
    as ``_base`` folds in its changes to the record it addresses: a phone that has not pulled the
    merge sends each edit of the duplicate on the version of it that it saw, and each lands on the
    child that stands. Its second edit of a field (in this push, or queued before the answer to the
    first came) conflicted with its first, the child that stands holding its own value. The merge
    is the duplicate's last change; its own changes since are its later rows of the child that
    stands, and what this push changed there."""
    merged = db.session.scalar(select(func.max(ChangeLog.seq)).where(ChangeLog.entity == et.name,
                                                                     ChangeLog.record_id == alias.id))
    own: dict[str, Any] = {}
    for row in db.session.execute(
            select(ChangeLog.record, ChangeLog.changed_fields)
            .where(ChangeLog.entity == et.name, ChangeLog.record_id == target.id, ChangeLog.seq > (merged or 0),
                   ChangeLog.client_id == who[0], ChangeLog.user_id == who[1])
            .order_by(ChangeLog.version)):
        own.update({f: row.record.get(f) for f in row.changed_fields or () if f in row.record})
    pending = pending_fields(target)
    if pending:
        current = et.serialize(target)
        own.update({f: current.get(f) for f in pending if f in current})
    return own


def _restores(user: User, obj: Any, base_version: int | None) -> bool:
    """Whether an upsert of ``obj`` restores it. An edit of a tombstone is a conflict, unless the
    client saw the tombstone (its base is the deleted version) and chose to restore the record.
    A child the caller may not restore (a kader's, deleted by a midwife) is a conflict that says
    so (``restorable`` false): her phone offers only to drop her change, not a restore refused."""
    if obj.deleted_at is None:
        return False
    if base_version != obj.version or getattr(obj, "merged_into", None) is not None:
        raise SyncConflict(obj, ["deleted_at"], _restore_refusal(user, obj))
    return True


def _restore_refusal(user: User, obj: Any) -> DomainError | None:
    if type(obj) is not Child or obj.merged_into is not None:
        return None
    try:
        registry.check_may_restore(user, obj)
    except (Forbidden, ValidationFailed) as refusal:
        return refusal
    return None


_RECORD_ID = Uuid()


def _id_sent(value: Any) -> uuid.UUID | None:
    """An id sent in a record's fields, read as the schemas read one (any spelling of a UUID: upper
    case, as iOS and .NET write them); None if it is not one."""
    try:
        return _RECORD_ID.deserialize(value)
    except ValidationError:
        return None


def _names_its_own_id(m: Mutation) -> bool:
    """Whether the record's fields name no id, or the mutation's own (the same UUID, however written)."""
    return m.data.get("id") is None or _id_sent(m.data["id"]) == m.id


def _upsert(user: User, client_id: str, m: Mutation) -> Any:
    et = ENTITIES[m.entity]
    if not _names_its_own_id(m):
        raise ValidationFailed(errors={"id": [Msg("differs from the mutation's id", "berbeda dengan id mutasi")]})
    create, update, _ = schemas(m.entity)
    existing = db.session.get(et.model, m.id)
    if existing is None:
        return _create(user, client_id, m, et, create)
    addressed = _visible(user, et.model, m.id, lock=True)
    exited = None  # a child's exit she recorded before leaving the child's posyandu (``_exit_left_behind``)
    if addressed is None and et.model is not Child:
        addressed = _own_left_behind(user, et.model, m.id, lambda: _load(update, m.data).get(events.DATE_FIELD[et.model]))
    elif addressed is None:
        addressed = exited = _exit_left_behind(user, existing, m, lambda: _load(update, m.data), (client_id, user.id))
    if addressed is None:
        raise NotFound()
    target = registry.resolve_alias(addressed) if et.model is Child else addressed
    if target is not addressed and _visible(user, Child, target.id, lock=True) is None:
        raise NotFound()  # merged into a child outside the caller's area: neither shown nor changed
    restoring = target is addressed and _restores(user, target, m.base_version)
    if target is not addressed and target.deleted_at is not None:
        raise SyncConflict(target, ["deleted_at"])
    if et.model is not Child and not _names_its_child(target, m.data.get("child_id")):
        raise ValidationFailed(errors={"child_id": [OTHER_CHILD]})
    changes = _merge(et, addressed, target, m.base_version, (client_id, user.id), _load(update, m.data))
    if et.model is Child:
        child = (registry.restore_child if restoring else registry.update_child)(user, target, changes)
        if exited is not None and changes:  # none: the same exit recorded by someone else meanwhile
            log_action("recorded_before_reassignment", "child", child.id, kabupaten_code=child.kabupaten_code,
                       reason="exit recorded at the posyandu its kader or bidan has left since")
        return child
    if restoring:
        child = _child_of_event(user, target.child_id)  # it comes back to the child that stands: in the caller's area
        return _kept_for_review(events.restore_event(user, target, changes), child, "restored")
    return events.update_event(user, target, changes)


def _names_its_child(event: Any, raw_id: Any) -> bool:
    """Whether the ``child_id`` sent with a stored event names its child (or none is sent): the
    same, or a duplicate merged into it since (a phone that has not pulled the merge yet). An event
    is not moved to another child by an edit (REST refuses the field): a weighing entered for the
    wrong twin is deleted and recorded again for the other, each change the phones can follow;
    an edit answered ``applied`` with the move left out would drop it silently."""
    if raw_id is None:
        return True
    child_id = _id_sent(raw_id)
    if child_id is None:
        return False
    if child_id == event.child_id:
        return True
    named, own = db.session.get(Child, child_id), db.session.get(Child, event.child_id)
    return named is not None and registry.resolve_alias(named) is registry.resolve_alias(own)


def _create(user: User, client_id: str, m: Mutation, et: EntityType, schema: Schema) -> Any:
    if et.model is Child:
        data = {**_load(schema, m.data), "id": m.id}
        try:
            with db.session.begin_nested():
                return registry.create_child(user, data)
        except ValidationFailed as exc:
            if "posyandu_id" not in (exc.errors or {}) or not _registered_before_leaving(user, m.id, data["posyandu_id"]):
                raise
        child = registry.create_child(user, data, left=data["posyandu_id"])
        log_action("recorded_before_reassignment", "child", child.id, kabupaten_code=child.kabupaten_code,
                   reason="registered at the posyandu its kader or bidan has left since, with a visit of before")
        return child
    loaded, left = None, None
    try:
        child = _child_of_event(user, m.data.get("child_id"))
    except ValidationFailed as unknown:
        try:
            loaded = _load(schema, m.data)  # its day: the child may have moved away since
        except ValidationError:
            # no record she could have made there (an edit of one the server never took, no day): the child
            # unknown to her, as before, not the fields a new record lacks
            raise unknown from None
        child, left = _moved_away_since(user, m.data.get("child_id"), loaded[events.DATE_FIELD[et.model]])
    loaded = _load(schema, m.data) if loaded is None else loaded
    obj = events.create_event(user, et.model, child, {**loaded, "id": m.id}, client_id=client_id,
                              mutation_id=m.mutation_id)
    if left is not None and left != obj.posyandu_id:
        # where it was recorded: the posyandu she left, not the one the record stands at with her (the
        # place of a dose the FHIR export names, ``fhir._given_at``, read as a move's former posyandu)
        log_action("recorded_before_move", et.name, obj.id, changes={"posyandu_id": [str(left), str(obj.posyandu_id)]},
                   reason="recorded at the posyandu the child has left since", kabupaten_code=obj.kabupaten_code)
    elif left is not None:  # the child stayed; the cadre who recorded it was moved to another posyandu
        log_action("recorded_before_reassignment", et.name, obj.id,
                   reason="recorded at the posyandu its kader or bidan has left since", kabupaten_code=obj.kabupaten_code)
    return _kept_for_review(obj, child, "recorded")


def _kept_for_review(obj: Any, child: Child, how: str) -> Any:
    """An event recorded (or restored) for a child deleted meanwhile: never discarded for a referential
    reason, it is kept, and the audit log asks a person to review it."""
    if child.deleted_at is not None:
        log_action("needs_review", _entity_of(obj), obj.id, reason=f"{how} for a deleted child",
                   kabupaten_code=obj.kabupaten_code)
    return obj


def _moved_away_since(user: User, raw_id: Any, day: date) -> tuple[Child, uuid.UUID]:
    """The child that stands for ``raw_id``, when it left a posyandu the caller sees on ``day`` or
    after (moved to another, or merged into a child registered elsewhere): a weighing or a dose
    recorded offline before the midwife moved the child is kept rather than refused. Its cadre no
    longer sees the child and could not enter it again, and the new posyandu would never learn of
    it. It is the child's, at her new posyandu, as her earlier events are; with the posyandu she
    left, where it was recorded. Anything else (an event dated after the child left, a child never
    in the caller's area): refused as before."""
    child_id = _uuid_or_none(raw_id)
    child = access.child_for_events(child_id) if child_id is not None else None
    left = _left_since(user, [child_id, child.id], day) if child is not None else None
    if left is not None:
        return child, left
    raise ValidationFailed(errors={"child_id": [UNKNOWN_CHILD]})


def _registered_before_leaving(user: User, child_id: uuid.UUID, posyandu_id: uuid.UUID) -> bool:
    """Whether a registration at ``posyandu_id``, outside the caller's scope, was made on her phone
    before she was taken off that posyandu (``privacy.departures``): sent in the same push as a
    weighing, dose or capsule of the child dated on or before the day she left (the visit she was
    registered at; a registration carries no day of its own). Kept then, as her visits of children
    registered before are (``_left_since``): refused, the child and every visit of her were lost,
    the cadre seeing no longer the posyandu to enter them again."""
    from posyandu.privacy import departures

    if user.role not in ("kader", "bidan"):
        return False
    gone = [at for _, at in departures(user.id, [posyandu_id]) if _held_then(at)]
    kabupaten = db.session.scalar(select(Posyandu.kabupaten_code).where(Posyandu.id == posyandu_id))
    if not gone or kabupaten is None:
        return False
    last = local_today(kabupaten, max(gone).replace(tzinfo=timezone.utc))
    for m in _PUSHED.get():
        if not isinstance(m, Mutation) or m.refused is not None or m.op != "upsert" \
                or m.entity not in EVENT_ENTITIES or _uuid_or_none(m.data.get("child_id")) != child_id:
            continue
        try:
            day = iso_date(m.data.get(events.DATE_FIELD[ENTITIES[m.entity].model]))
        except ValueError:
            continue
        if day <= last:
            _reached_beyond()
            return True
    return False


def _left_since(user: User, child_ids: list[uuid.UUID], day: date) -> uuid.UUID | None:
    """The posyandu a record of one of the registrations ``child_ids``, dated ``day``, was made at
    while the caller still saw the child there, when she sees the child there no more: a posyandu
    she sees that the child left on ``day`` or after, or one she was taken off (``departures``: a
    kader moved to another posyandu, a bidan to another puskesmas, a posyandu moved out of a bidan's
    puskesmas) on ``day`` or after, the child
    then registered there and not gone before ``day``. The latest such, when several; None: none."""
    from posyandu.privacy import departures, stays

    spans = stays(list(set(child_ids)))
    gone = departures(user.id, {p for p, _, _ in spans}) if user.role in ("kader", "bidan") else []
    seen = set(db.session.scalars(select(Posyandu.id).where(Posyandu.id.in_(access.visible_posyandu_ids(user)))))
    kabupaten = dict(db.session.execute(select(Posyandu.id, Posyandu.kabupaten_code).where(
        Posyandu.id.in_({p for p, _, _ in spans}))).all())

    def by(posyandu_id: uuid.UUID, at: datetime | None) -> bool:
        # the day she left is the posyandu's civil date (WIB/WITA/WIT), not UTC's: a move at 06:00
        # WIB is 23:00 UTC the day before, and that morning's weighing was recorded the day she left
        return at is None or day <= local_today(kabupaten[posyandu_id], at.replace(tzinfo=timezone.utc))

    # a child she registered there herself she saw there, though the server learnt of her after she
    # left (``_registered_before_leaving``): the stay her registration began (``stays``: it starts
    # at the child's creation), not one the child came to later
    hers = set(db.session.scalars(select(Child.created_at).where(Child.id.in_(child_ids), Child.created_by == user.id))
               ) if gone else set()
    left = [(until, p) for p, _, until in spans if until is not None and p in seen and by(p, until) and _held_then(until)]
    left += [(at, p) for p, at in gone for there, since, until in spans
             if there == p and (since < at or since in hers) and by(p, at) and by(p, until) and _held_then(at)]
    if not left:
        return None
    _reached_beyond()
    return max(left)[1]


def _held_then(at: datetime) -> bool:
    """Whether the pushing phone may hold a record made before ``at`` (the caller, or the child, left the
    posyandu then): the server saw it as the caller's before then (a phone first seen since never held
    the posyandu's children: a new installation's push of "old" records is made up), and ``at`` is within
    ``LEFT_GRACE`` of now."""
    since = _PHONE_SINCE.get()
    at = aware(at)
    return since is not None and aware(since) <= at and utcnow() - at <= LEFT_GRACE


def _reached_beyond() -> None:
    """Note that the mutation being applied reaches a record outside the caller's area (``_BEYOND``)."""
    beyond = _BEYOND.get()
    if beyond is not None:
        beyond[0] = True


def _own_left_behind(user: User, model: type, record_id: uuid.UUID, day: Any = None) -> Any:
    """An event the caller recorded herself, of a child who has since left her area, dated (and, an
    edit, to be dated ``day()``, its changes read once it is known hers) on or before the day the child left (``_moved_away_since``): the phone
    sends a weighing recorded offline and then corrected or deleted there as separate entries, and
    the weighing was kept while its correction or delete was refused as outside her area, the
    server keeping what she had corrected or deleted. Anyone else's record of the child, or one
    dated after she left: None (refused as before). Its child is locked already (``_visible``)."""
    from posyandu.privacy import merged_ids

    obj = db.session.get(model, record_id, populate_existing=True)
    if obj is None or obj.recorded_by != user.id:
        return None
    latest = max(getattr(obj, events.DATE_FIELD[model]), (day() if day else None) or date.min)
    return obj if _left_since(user, merged_ids(obj.child_id), latest) is not None else None


def _exit_left_behind(user: User, child: Child, m: Mutation, loaded: Any, who: tuple[str, Any]) -> Child | None:
    """``child``, when ``m`` is her exit (died, moved away: the phone's exit form sends the child as
    it saw her with only ``exit_date`` and ``exit_reason`` changed) that the caller recorded on her
    phone before she was taken off the child's posyandu, as her weighings and doses of then are kept
    (``_left_since``: ``departures``): dated on or before the day she left, the child registered there
    while she was, and there still (not moved, merged or deleted since). Refused, the posyandu's new
    cadre never learnt that the child died or moved away: still counted in S, on the due and
    follow-up lists, her family called. Her own exit taken back ("Batalkan keluar", kept then undone on
    her phone) is kept so too, judged by the day of the exit it takes back: kept alone, the exit marked a
    living child dead. Anything else (another change of the child, an exit dated after she left, someone
    else's exit undone): None, refused as before. ``loaded()``: the mutation's fields, read once the child
    is one she may have left; ``child`` is locked already (``_visible``)."""
    from posyandu.privacy import merged_ids

    if user.role not in ("kader", "bidan") or child.deleted_at is not None or child.merged_into is not None:
        return None
    try:
        data = loaded()
    except ValidationError:
        return None  # refused on what it names, as before: not on her values
    day = data.get("exit_date")
    if day is None and "exit_date" in data and child.exit_date is not None and _exit_written_by(child, who):
        day = child.exit_date  # her own exit undone
    if day is None or _left_since(user, merged_ids(child.id), day) != child.posyandu_id:
        return None
    et = ENTITIES["child"]
    base = _base(et, child, m.base_version, who)
    if base is None or changed_by_client(base, _sent(et, data)).keys() - set(registry.EXIT_FIELDS):
        return None
    return child


def _exit_written_by(child: Child, who: tuple[str, Any]) -> bool:
    """Whether the child's exit as it stands was written by ``who`` (client, user): earlier in this batch,
    or the latest version that changed it is hers."""
    if set(registry.EXIT_FIELDS) & (pending_fields(child) or set()):
        return True  # this transaction writes nothing of anyone else's
    for client_id, user_id, fields in db.session.execute(
            select(ChangeLog.client_id, ChangeLog.user_id, ChangeLog.changed_fields)
            .where(ChangeLog.entity == "child", ChangeLog.record_id == child.id).order_by(ChangeLog.version.desc())):
        if "exit_date" in (fields or ()):
            return (client_id, user_id) == who
    return False


def _child_of_event(user: User, raw_id: Any) -> Child:
    if isinstance(raw_id, str) and not UUID_TEXT.fullmatch(raw_id):  # as every id (``validators.Uuid``)
        raise ValidationFailed(errors={"child_id": ["Not a valid UUID."]})
    try:
        child_id = uuid.UUID(str(raw_id))
    except ValueError:
        raise ValidationFailed(errors={"child_id": [UNKNOWN_CHILD]}) from None
    # the child that stands for it (a merged duplicate's), locked for writing its events
    child = access.child_for_events(child_id, access.child_clause(user))
    if child is None:
        raise ValidationFailed(errors={"child_id": [UNKNOWN_CHILD]})
    return child


def _delete(user: User, client_id: str, m: Mutation) -> Any:
    et = ENTITIES[m.entity]
    obj = _visible(user, et.model, m.id, lock=True)
    if obj is None and et.model is not Child:
        obj = _own_left_behind(user, et.model, m.id)
    if obj is None:
        raise NotFound()
    if obj.deleted_at is not None:
        return obj  # already gone (or merged away): nothing to do
    reason = _delete_reason(m.data)
    if _changed_by_others(et, obj, m.base_version, (client_id, user.id)):
        raise SyncConflict(obj, [])  # do not delete what another cadre just changed
    if et.model is Child and _unseen_events(obj, (client_id, user.id)):
        raise SyncConflict(obj, [])
    if et.model is Child:
        registry.delete_child(user, obj, reason)
    else:
        events.delete_event(user, obj, reason)
    return obj


def _unseen_events(child: Child, who: tuple[str, Any]) -> bool:
    """Whether another device recorded an event of ``child`` (a weighing, a dose) after the deleting phone's
    last pull (``SyncClient.last_pull_seq``), still standing: a child deleted as registered by mistake took
    with her, unsaid, a weighing another kader had just taken, which the deleting phone had never seen (a QA
    pass with two phones; sent the other way round the weighing was kept for review). A conflict: the phone
    pulls, and her "Tetap hapus" deletes both. A phone that never named itself pulling is not judged."""
    seen = db.session.scalar(select(SyncClient.last_pull_seq).where(SyncClient.client_id == who[0],
                                                                   SyncClient.user_id == who[1]))
    if seen is None:
        return False
    recorded: dict[str, list[Any]] = {}
    for entity, record_id, client_id, user_id in db.session.execute(
            select(ChangeLog.entity, ChangeLog.record_id, ChangeLog.client_id, ChangeLog.user_id).where(
                ChangeLog.child_id == child.id, ChangeLog.seq > seen, ChangeLog.version == 1,
                ChangeLog.entity.in_(EVENT_ENTITIES))):
        if (client_id, user_id) != who:
            recorded.setdefault(entity, []).append(record_id)
    return any(db.session.scalar(select(ENTITIES[entity].model.id).where(
        ENTITIES[entity].model.id.in_(ids), ENTITIES[entity].model.deleted_at.is_(None)).limit(1)) is not None
        for entity, ids in recorded.items())


def _delete_reason(data: dict[str, Any]) -> str | None:
    """A delete's ``reason``, read as the REST delete reads its ``?reason=`` (``DeleteArgs``): one that is
    no text, is longer than 255 characters or holds control characters rejects the mutation on
    ``reason`` (ValidationError), where it was dropped or cut and the record deleted all the same."""
    from posyandu.registry.schemas import DeleteArgs

    return DeleteArgs().load({"reason": data.get("reason")}).get("reason")

