"""Roles × areas: the only place that decides what a caller may see and do.

Every lookup is filtered by the caller's area before anything else (redash's
``get_by_id_and_org``), so an id outside the caller's scope answers 404 and
never reveals that the record exists. Role gates answer 403.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from functools import wraps
from itertools import groupby
from operator import itemgetter
from typing import Any, Callable, TypeVar

from flask_jwt_extended import current_user, verify_jwt_in_request
from sqlalchemy import ARRAY, ColumnElement, Integer, Select, false, func, literal, or_, select, true

from posyandu.auth.models import User
from posyandu.database import among
from posyandu.errors import Forbidden, NotFound, ValidationFailed
from posyandu.i18n import Msg, title_msg
from posyandu.extensions import checked_first, db
from posyandu.registry.models import Child, ParentLink, Posyandu, PosyanduMove, Puskesmas, Region

F = TypeVar("F", bound=Callable[..., Any])
STAFF = ("kader", "bidan", "admin")          # may register children and record visits
HEALTH_WORKERS = ("bidan", "admin")          # may override rules, merge duplicates
READERS = ("kader", "bidan", "dinkes", "admin", "parent")
ROLES = "_roles_required"  # on a view method: the roles that may call it
NOT_IN_AREA = Msg("not found in your area", "tidak ditemukan di wilayah Anda")  # an area asked for in a query


def roles_required(*roles: str) -> Callable[[F], F]:
    """Require a valid access token and one of ``roles`` (403 otherwise). Placed above a route's
    ``@blp.arguments``, it runs before the body and query are read: a role that may not make the
    request at all is told 403 whatever they hold, never their format errors (422) first."""
    def decorator(fn: F) -> F:
        @wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_role(roles)
            return fn(*args, **kwargs)
        setattr(wrapper, ROLES, roles)  # read by posyandu.query_params: 403 before an unknown parameter's 422
        return wrapper  # type: ignore[return-value]
    return decorator


def check_role(roles: Iterable[str]) -> None:
    """401 without a valid access token, 403 unless its user has one of ``roles``."""
    verify_jwt_in_request()
    if current_user.role not in roles:
        raise Forbidden()


def seen_first(lookup: Callable[..., Any]) -> Callable[[F], F]:
    """A route's decorator placed below ``roles_required`` and above its ``@blp.arguments``: the record in
    its path is looked up (``lookup(current_user, **view_kwargs)``: ``get_child``, ``get_event``…, 404
    when the caller does not see it) before the body and query are read, so a record out of her sight
    is 404 whatever they hold, as for a well-formed request, never their format errors (422) first: on
    every write with a record id, and every read of one that takes a query (a page's ``limit``, a
    card's ``on``). The view looks it up again, locked as it writes (``checked_first``)."""
    return checked_first(lambda **kwargs: lookup(current_user, **kwargs))


def region_clause(column: Any, code: str) -> ColumnElement[bool]:
    """``column`` is ``code`` or lies under it (Kemendagri codes nest by prefix)."""
    return or_(column == code, column.like(code + ".%"))


def posyandu_clause(user: User, *, once: bool = False) -> ColumnElement[bool]:
    """Which posyandu the user may see. ``once``: or saw before it moved out of her puskesmas or region
    (``PosyanduMove``): the reports of its months before, which count it where it was then
    (``reports.cohort.as_of``), are hers to read."""
    if user.role == "admin":
        return true()
    if user.role == "kader":
        return Posyandu.id == user.posyandu_id if user.posyandu_id else false()
    if user.role == "bidan":
        if not user.puskesmas_id:
            return false()
        return or_(Posyandu.puskesmas_id == user.puskesmas_id, *([Posyandu.id.in_(
            select(PosyanduMove.posyandu_id).where(PosyanduMove.from_puskesmas_id == user.puskesmas_id))] if once else []))
    if user.role == "dinkes":
        if not user.region_code:
            return false()
        return or_(region_clause(Posyandu.desa_code, user.region_code), *([Posyandu.id.in_(
            select(PosyanduMove.posyandu_id).where(region_clause(PosyanduMove.from_desa_code, user.region_code)))]
            if once else []))
    return Posyandu.id.in_(select(Child.posyandu_id).where(child_clause(user)))


def visible_posyandu_ids(user: User) -> Select:
    return select(Posyandu.id).where(posyandu_clause(user), Posyandu.deleted_at.is_(None))


def in_region(code: str | None, region: str) -> bool:
    """``code`` is ``region`` or lies under it: ``region_clause`` in Python."""
    return code is not None and (code == region or code.startswith(region + "."))


def sees_posyandu_in(user: User, code: str, closed: bool = False) -> bool:
    """Whether region ``code`` holds a posyandu ``user`` may see (``closed``: one closed since too, or one she
    saw there before it moved: its desa of then, ``PosyanduMove``)."""
    seen = select(Posyandu.id).where(posyandu_clause(user, once=True)) if closed else visible_posyandu_ids(user)
    there = region_clause(Posyandu.desa_code, code)
    if closed:
        there = or_(there, Posyandu.id.in_(select(PosyanduMove.posyandu_id)
                                           .where(region_clause(PosyanduMove.from_desa_code, code))))
    return db.session.scalar(select(Posyandu.id).where(Posyandu.id.in_(seen), there).limit(1)) is not None


def sees_region(user: User, code: str, closed: bool = False) -> bool:
    """Whether region ``code`` holds some of what ``user`` may see: for a health office, a region
    within its own or around it (one with no posyandu yet too); for anyone else, one holding a
    posyandu they see; for an admin, any region there is. A report of another district answered its
    empty table, as if that district had reported nothing, under a file named for it; a mistyped
    code within one's own district, as if its posyandu had reported nothing. ``closed``: a posyandu closed
    since counts (a report of its months before: its desa's, for the bidan who ran it)."""
    if user.role == "admin":
        return db.session.get(Region, code) is not None
    if user.role == "dinkes":
        own = user.region_code
        return bool(own) and (in_region(code, own) or in_region(own, code)) and \
            db.session.get(Region, code) is not None
    return sees_posyandu_in(user, code, closed)


def puskesmas_clause(user: User) -> ColumnElement[bool]:
    """Which puskesmas the user may see: those of the posyandu she sees, and a bidan's own."""
    if user.role == "admin":
        return true()
    return Puskesmas.id.in_(select(Posyandu.puskesmas_id).where(posyandu_clause(user))) | \
        (Puskesmas.id == user.puskesmas_id)


def check_area_args(user: User, args: Mapping[str, Any], *, closed: bool = False) -> None:
    """404 naming each area a report or list is asked to narrow to (``posyandu_id``, ``puskesmas_id``,
    ``region_code``, ``desa_code``) that ``user`` does not see, one that exists nowhere alike. An empty
    page for a posyandu of another district said it had no children, where its report said it was not
    there; a 404 naming nothing read as a mistyped address."""
    posyandu = (lambda v: select(Posyandu.id).where(Posyandu.id == v, posyandu_clause(user, once=True))) if closed else \
        (lambda v: _posyandu(user, v))  # ``closed``: a posyandu closed since too (a report of its months before)
    sees = {"posyandu_id": lambda v: _seen(posyandu(v)),
            "puskesmas_id": lambda v: _seen(select(Puskesmas.id).where(Puskesmas.id == v, puskesmas_clause(user))),
            "region_code": lambda v: sees_region(user, v, closed), "desa_code": lambda v: sees_region(user, v, closed)}
    unseen = {key: [NOT_IN_AREA] for key, seen in sees.items() if args.get(key) and not seen(args[key])}
    if unseen:
        raise NotFound(title_msg("not_found"), errors=unseen)  # its detail as any 404's (the PWA shows it)


OUTSIDE_REGION = Msg("this posyandu is not in the region asked for (region_code) in the months asked for: give one "
                     "of the two",
                     "posyandu ini tidak berada di wilayah yang diminta (region_code) pada bulan yang diminta: isi "
                     "salah satunya")


def check_posyandu_in_region(args: Mapping[str, Any], days: Iterable[date]) -> None:
    """422 on ``posyandu_id`` when a report is asked for a posyandu and a region it did not stand in on any
    of ``days`` (each month's last day, where the reports place it: its desa then, before a later move
    ``PosyanduMove``, as ``reports.cohort.as_of`` reads it): answered, the filters together were an empty
    report (SKDN, downloads, a FHIR Bundle of no entry) that read as a posyandu of no children."""
    code, posyandu_id = args.get("region_code"), args.get("posyandu_id")
    if not (code and posyandu_id):
        return
    now = db.session.scalar(select(Posyandu.desa_code).where(Posyandu.id == posyandu_id))
    moves = db.session.execute(select(PosyanduMove.moved_on, PosyanduMove.from_desa_code)
                               .where(PosyanduMove.posyandu_id == posyandu_id)
                               .order_by(PosyanduMove.moved_on, PosyanduMove.created_at, PosyanduMove.id)).all()

    def desa_on(day: date) -> str | None:
        return next((desa for moved_on, desa in moves if moved_on > day), now)

    if not any(in_region(desa_on(day), code) for day in days):
        raise ValidationFailed(errors={"posyandu_id": [OUTSIDE_REGION]})


def _seen(query: Select) -> bool:
    return db.session.scalar(query.limit(1)) is not None


def child_clause(user: User) -> ColumnElement[bool]:
    """Which children the user may see (deleted ones included; callers filter)."""
    if user.role == "admin":
        return true()
    if user.role == "parent":
        return Child.id.in_(select(ParentLink.child_id).where(ParentLink.user_id == user.id))
    if user.role == "kader":
        return Child.posyandu_id == user.posyandu_id if user.posyandu_id else false()
    return Child.posyandu_id.in_(visible_posyandu_ids(user))


def scoped_children(user: User) -> Select:
    return select(Child).where(child_clause(user), Child.deleted_at.is_(None))


def get_posyandu(user: User, posyandu_id: uuid.UUID, *, for_update: bool = False,
                 for_children: bool = False, scoped: bool = True) -> Posyandu:
    """The posyandu if the user may see it (404 otherwise). ``for_update``: the caller changes or
    closes it; ``for_children``: the caller registers a child there or moves one there, copying
    its region. Either locks its row first (``locked``: CHILD, EVENTS), so it is read, and its
    scope judged, as it stands once no one else is changing it. ``scoped=False``: one the caller
    has left, whose registration she made before (``sync.push._registered_before_leaving``)."""
    if for_update or for_children:
        locked(select(Posyandu).where(Posyandu.id == posyandu_id), CHILD if for_update else EVENTS)
    obj = db.session.scalar(_posyandu(user, posyandu_id, scoped))
    if obj is None:
        raise NotFound()
    return obj


def _posyandu(user: User, posyandu_id: uuid.UUID, scoped: bool = True) -> Select:
    """The posyandu of this id, not deleted, if ``user`` sees it (``scoped``)."""
    return select(Posyandu).where(Posyandu.id == posyandu_id, posyandu_clause(user) if scoped else true(),
                                  Posyandu.deleted_at.is_(None))


def get_child(user: User, child_id: uuid.UUID, *, for_update: bool = False, for_events: bool = False) -> Child:
    """The child if the user may see it (404 otherwise). ``for_update``: the caller changes the
    child, which requires a role that may edit children (403); ``for_events``: the caller writes
    one of its events. Either locks the child's row first (``lock_children``), so the child is
    read, and its scope judged, as it stands once no one else is changing it."""
    if for_update or for_events:
        lock_children([child_id], CHILD if for_update else EVENTS)
    obj = db.session.scalar(scoped_children(user).where(Child.id == child_id))
    if obj is None:
        raise NotFound()
    if for_update and user.role not in STAFF:
        raise Forbidden()
    return obj


# --- row locks on a child -------------------------------------------------------------------
# A weighing copies its child's posyandu (the scope phones pull by) and is judged by its birth
# date; a move, merge or delete re-points, or tombstones, the events it reads. Each side locks
# the child's row before reading it, until its transaction ends, so that neither misses what
# the other has not committed yet (docs/sync.md, "Concurrent writers"):
#   EVENTS  writing one of the child's events: FOR SHARE. Writers of events go together; a
#           change of the child waits for them, and they for it.
#   CHILD   changing the child itself (a move, merge, delete, correction): FOR NO KEY UPDATE.
# Neither blocks a foreign-key check (FOR KEY SHARE). Several children are locked in one
# statement, in the order of their ids: two merges of one pair, or a merge and a posyandu day's
# push, never lock them in opposite orders. A transaction that will both write a child's events
# and change the child locks it once, CHILD, before either: two of them holding it FOR SHARE and
# each waiting to upgrade would deadlock (a push locks all it touches first, sync/push.py).
# A posyandu's row is locked the same two ways, before its children: EVENTS by whoever copies its
# region (desa, kabupaten) into a child registered or moved there, CHILD by a change or closing of
# the posyandu, which then locks its children (registry.update_posyandu).
# SQLite locks no rows: the transaction takes SQLite's one write lock (BEGIN IMMEDIATE) before it
# reads, which a transaction that wrote holds already.
EVENTS, CHILD = "events", "child"


def locked(stmt: Select, mode: str) -> list[Any]:
    """The rows of ``stmt``, a select of children (or of posyandu, puskesmas, users) from that table
    alone, their rows locked in ``mode`` until the transaction ends, and read (in the session too) as
    they stand once locked. Scope conditions go in a query after it: a row PostgreSQL had to wait for
    is checked again as it now stands, but against other tables' rows as they were, and may be
    dropped."""
    if db.session.get_bind().dialect.name == "sqlite":
        begin_immediate()
    entity = stmt.column_descriptions[0]["entity"]  # not the rows it joins in to load (Child.posyandu)
    stmt = stmt.with_for_update(read=mode == EVENTS, key_share=mode == CHILD, of=entity)
    return list(db.session.scalars(stmt.execution_options(populate_existing=True)))


def lock_registrations(posyandu_ids: Iterable[uuid.UUID]) -> None:
    """Whoever registers a child at these posyandu, one transaction at a time per posyandu until it
    ends: a registration looks for the child's likely duplicate among the children registered
    before it (``registry.likely_duplicate``), and two kader registering one child at once each
    looked before the other committed, so neither was flagged. PostgreSQL: a transaction-level
    advisory lock per posyandu, in the order of their ids, taken after the posyandu's row lock and
    before any child's (a push takes them ahead, ``sync.push``); nothing holding a child's lock
    waits for one. SQLite: the registration holds its one write lock already (``locked``)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    for posyandu_id in sorted(set(posyandu_ids)):
        db.session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(posyandu_id.bytes[:8], "big", signed=True))))


NEW_EVENTS_LOCK = 0x4E45  # the first key of ``lock_new_events``' advisory locks (two-int key space)


def lock_new_events(child_ids: Iterable[uuid.UUID]) -> None:
    """Whoever records new events (weighings, doses, capsules) for these children, one transaction at
    a time per child until it ends: a new event looks for an earlier one of the same child and day (or
    dose) to flag itself a possible duplicate of (``events.possible_duplicates``), and two phones
    pushing one child's weighing of a posyandu day at once each looked before the other committed, so
    neither was flagged and the bidan never saw the pair. Writers of a child's events otherwise go
    together (FOR SHARE). PostgreSQL: a transaction-level advisory lock per child (its id's first four
    bytes: two children sharing them only wait for each other), in the order of their keys, in one
    statement, taken after the children's row locks (a push takes them ahead, ``sync.push``); SQLite:
    the writer holds its one write lock already (``locked``)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    keys = sorted({int.from_bytes(child_id.bytes[:4], "big", signed=True) for child_id in child_ids})
    if not keys:
        return
    ordered = select(func.unnest(literal(keys, ARRAY(Integer))).label("k")).order_by("k").subquery()
    db.session.execute(select(func.pg_advisory_xact_lock(NEW_EVENTS_LOCK, ordered.c.k)))


def lock_posyandu_for_children(posyandu_ids: Iterable[uuid.UUID]) -> None:
    """What a registration at these posyandu, or a move there, locks before any child, in the one
    order every writer takes (docs/sync.md, "Concurrent writers"): their rows FOR SHARE (EVENTS), in
    the order of their ids, then their registration locks (``lock_registrations``). A push takes
    them ahead (``sync.push``), and so does a REST change of a child judged as a registration
    (``registry.lock_to_judge``): taken after the child's lock, they would close a circle with a
    push, which holds them when it waits for that child."""
    ids = sorted(set(posyandu_ids))
    if not ids:
        return
    locked(select(Posyandu).where(among(db.session, Posyandu.id, ids)).order_by(Posyandu.id), EVENTS)
    lock_registrations(ids)


def lock_children(ids: Iterable[uuid.UUID] | Mapping[uuid.UUID, str], mode: str = CHILD, *,
                  read: bool = True) -> list[Any]:
    """These children, locked (``locked``) in the order of their ids, in one statement. ``ids`` may
    map each child to its own mode instead: then one statement per stretch of ids in one mode (a
    statement locks in one), still each row once, in the order of the ids, in the mode it needs.
    ``read=False``: only their ids are read (a caller locking ahead of what reads them)."""
    runs = groupby(sorted(ids.items()), key=itemgetter(1)) if isinstance(ids, Mapping) else [(mode, set(ids))]
    found: list[Any] = []
    for run_mode, run in runs:  # by id: uuid order is PostgreSQL's
        wanted = [i[0] for i in run] if isinstance(ids, Mapping) else run
        found += locked(select(Child if read else Child.id).where(among(db.session, Child.id, wanted))
                        .order_by(Child.id), run_mode)
    return found


def child_for_events(child_id: uuid.UUID, clause: ColumnElement[bool] | None = None) -> Child | None:
    """The child that stands for ``child_id`` (``merged_into`` followed, a merge committed while
    this waited for the lock included), locked for writing its events; None if ``child_id`` or
    the child that stands is not among ``clause``."""
    seen: list[uuid.UUID] = []
    child = None
    while child_id not in seen:
        seen.append(child_id)
        found = lock_children([child_id], EVENTS)
        child = found[0] if found else None
        if child is None or child.merged_into is None:
            break
        child_id = child.merged_into
    if child is None or child.merged_into is not None:
        return None
    if clause is not None:
        wanted = {seen[0], child.id}
        if set(db.session.scalars(select(Child.id).where(Child.id.in_(wanted), clause))) != wanted:
            return None
    return child


def begin_immediate() -> None:
    """SQLite: take the write lock now, unless this transaction has begun already (pysqlite
    begins one only before its first write, so the reads before it would be of whatever was
    committed then, not serialised with other writers)."""
    connection = db.session.connection()
    if not connection.connection.dbapi_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def get_event(user: User, model: type, event_id: uuid.UUID, *, for_update: bool = False) -> Any:
    """A measurement/immunisation/supplement through its child's scope. ``for_update``: the caller
    corrects or deletes it, which requires a role that may record visits (403); its child is locked
    first for writing its events (``lock_children``, EVENTS, as ``get_child(for_events=True)``), so
    the event is read, and its scope judged, as it stands once no move, merge or delete of the child
    is under way: its change is logged at the posyandu the child is at when it commits."""
    if for_update:
        lock_event_child(model, event_id)
    stmt = select(model).join(Child, Child.id == model.child_id).where(
        model.id == event_id, model.deleted_at.is_(None), child_clause(user), Child.deleted_at.is_(None))
    obj = db.session.scalar(stmt.execution_options(populate_existing=True) if for_update else stmt)
    if obj is None:
        raise NotFound()
    if for_update and user.role not in STAFF:
        raise Forbidden()
    return obj


def lock_event_child(model: type, event_id: uuid.UUID) -> None:
    """Lock the child of a stored event for writing its events (EVENTS), before the event is read
    to be corrected, deleted or restored (REST and push). A merge committed while this waited has
    re-pointed the event to the child that stands: that one is locked in its turn. Then the event's
    own row, to write it (FOR NO KEY UPDATE): writers of a child's events go together, so two writing
    this one event (a bidan's correction, a kader's delete, a phone's push) each read it at one version
    and wrote the next, and the second's change was refused at commit by the change log's key (a bare
    409, the whole push with it). Now the second waits, and reads the event as the first left it.
    Between the two, the child's new-event lock (``lock_new_events``): a correction moving the event
    onto a day (or dose), a delete or a restore judges the day's duplicates again, and judged them
    beside a new event of that day recorded at once, each before the other committed, neither was
    flagged (or the new one was flagged against the one being deleted). Taken before the event's row,
    as a new event takes it before its hooks write the child's other events (their KMS trend)."""
    child_id = db.session.scalar(select(model.child_id).where(model.id == event_id))
    seen: set[uuid.UUID] = set()
    while child_id is not None and child_id not in seen:
        seen.add(child_id)
        lock_children([child_id], EVENTS)
        child_id = db.session.scalar(select(model.child_id).where(model.id == event_id))
    if child_id is not None:
        lock_new_events([child_id])
        db.session.execute(select(model.id).where(model.id == event_id).with_for_update(key_share=True))


def require_staff(user: User) -> None:
    if user.role not in STAFF:
        raise Forbidden()


def require_health_worker(user: User) -> None:
    if user.role not in HEALTH_WORKERS:
        raise Forbidden()
