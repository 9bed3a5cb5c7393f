"""Who read a child's personal data, and a child's data for its parent (UU 27/2022 PDP).

domain.md, "People and privacy": restrict access by role and area (posyandu.access), *log
access to personal data*, and *let a parent see and export their child's data*. Writes are
in the audit log (posyandu.audit); this is its counterpart for reads.

Every answer that discloses a child's personal data leaves a row per child: the child's
record, its measurements, doses and charts, a list naming the child (children, due list,
action list), a sync pull page carrying its records, a push answered with the server's record
(a conflict, a replay), an export. An area's bulk download
(the FHIR export, the XLSX or CSV of the action list, the report workbook) leaves one row
for the area: the posyandu or region asked for, else the caller's own (a kader's posyandu, a
dinkes office's region; nothing for an admin: everything); a bidan's, one for each posyandu of her
puskesmas it held. A child's access history shows the downloads of the posyandu she was at, and of
the regions that posyandu stood in, at the time.

Rows are written in the request's transaction by the route, which commits; a request that
fails discloses nothing and logs nothing. Only a child's parent and an admin read a child's
history (``child_access_log``); an admin reads anyone's (``access_log_query``).
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import BigInteger, Index, String, false, literal, or_, select, text, true
from sqlalchemy.orm import Mapped, mapped_column

from posyandu.audit import context
from posyandu.database import aware, insert_rows, utcnow
from posyandu.extensions import db

ACTIONS = ("view", "list", "pull", "export")


class AccessLog(db.Model):
    """One disclosure of personal data: who, when, through which endpoint, about which child (or,
    for an area's bulk download, which posyandu or region and how many children). Never updated."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_child_at", "child_id", "at"),
                      Index("ix_access_log_user_at", "user_id", "at"),
                      Index("ix_access_log_posyandu_at", "posyandu_id", "at"),
                      # the bulk downloads of an area, newest first, for a child's history (child_access_log_parts)
                      Index("ix_access_log_area", "id", postgresql_where=text("child_id IS NULL"),
                            sqlite_where=text("child_id IS NULL")))

    id: Mapped[int] = mapped_column(BigInteger().with_variant(db.Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[uuid.UUID | None]
    client_id: Mapped[str | None] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(10))
    resource: Mapped[str] = mapped_column(String(120))
    child_id: Mapped[uuid.UUID | None]
    posyandu_id: Mapped[uuid.UUID | None]
    region_code: Mapped[str | None] = mapped_column(String(13))


# The family's contact details are for whoever calls on the family (kader, bidan; the parent her
# own; admin): a health office follows cases by child and posyandu, it does not phone or visit
# families (UU 27/2022: no more personal data than the purpose needs). Every answer naming a child
# to it leaves them null: the follow-up list, the children list, a child's record, the due list,
# the FHIR export. The parents' names, the phone and the home address (with its RT/RW) alike: the
# father's name and the address were left in while the mother's name was taken out. The mother's NIK
# too, unless the child has none of her own (``_hidden``).
CONTACT_FIELDS = ("mother_name", "father_name", "guardian_phone", "address", "rt", "rw")
CONTACT_ROLES = ("kader", "bidan", "admin", "parent")


def own_nik(nik: str | None, mother_nik: str | None) -> bool:
    """Whether a child has a NIK of her own (the mother's typed as the child's is not the child's)."""
    return bool(nik) and nik != mother_nik


def _hidden(nik: str | None, mother_nik: str | None) -> tuple[str, ...]:
    """What a health office is not given of a child: the family's contact details, and the mother's
    NIK (hers, not the child's) beside a NIK of the child's own: it stands for a child only without one
    (a newborn; the FHIR export's ``nik-ibu`` identifier)."""
    return CONTACT_FIELDS + (("mother_nik",) if own_nik(nik, mother_nik) else ())


class _WithoutContacts:
    """A child (model) read through, its contact details None: serialised as any child, never
    written (nulling the model's own attributes would be flushed)."""

    def __init__(self, child: Any) -> None:
        self._child = child

    def __getattr__(self, name: str) -> Any:
        return None if name in _hidden(self._child.nik, self._child.mother_nik) else getattr(self._child, name)


def as_seen_by(role: str, item: Any) -> Any:
    """``item`` (a child, or a row naming one as a dict) as ``role`` may see it: without the
    family's contact details for a role that does not call families (dinkes) (``_hidden``)."""
    if role in CONTACT_ROLES:
        return item
    if isinstance(item, dict):
        hidden = _hidden(item.get("nik"), item.get("mother_nik"))
        return {**item, **dict.fromkeys(key for key in hidden if key in item)}
    return _WithoutContacts(item)


def _resource() -> str:
    """The endpoint read, as its route (``GET /api/v1/children/<uuid:child_id>``), or the command."""
    if has_request_context() and request.url_rule is not None:
        return f"{request.method} {request.url_rule.rule}"[:120]
    return "cli"


def _headers_only() -> bool:
    """A HEAD request: answered with a GET's headers, without its body, so it discloses no child's data."""
    return has_request_context() and request.method == "HEAD"


def record_reads(action: str, child_ids: Iterable[uuid.UUID | None]) -> None:
    """A disclosure of these children's data: one row each (repeats and None ignored)."""
    ids = list(dict.fromkeys(cid for cid in child_ids if cid is not None))
    if not ids or _headers_only():
        return
    _insert_reads(action, "child_id", ids)


def _insert_reads(action: str, column: str, values: list[uuid.UUID]) -> None:
    """One access row for each of ``values``, in ``column`` (a child's id, or a posyandu's), in one INSERT."""
    base = {"at": utcnow(), "action": action, "resource": _resource(), "child_id": None, "posyandu_id": None,
            "region_code": None, **context()}
    insert_rows(db.session, AccessLog, [{**base, column: value} for value in values])


def record_read_unless_written(record: Any, version_before: int, child_id: uuid.UUID) -> None:
    """A write that changed nothing (``record`` still at ``version_before``: an empty PATCH, a
    not-duplicate of a child with no flag) left no audit row, yet its answer carries the record:
    a read, logged as one."""
    if record.version == version_before:
        record_reads("view", [child_id])


def record_area_read(user: Any, action: str, *, posyandu_id: uuid.UUID | None = None,
                     region_code: str | None = None) -> None:
    """An area's bulk download by ``user``: one row for what it named, the posyandu asked for (in
    the user's scope: the route found it), else the user's own area (``own_area``) within the region
    (a Kemendagri code, any level) asked for: the region, when it holds only part of the user's
    area; the user's own area, when it holds all of it. A region holding none of the user's
    posyandu named no child: nothing is logged (a row would tell the parents there of a download
    of their children that did not happen). A posyandu asked for within a region is logged alone (the
    region's other children were not named), and nothing when the region does not hold it, nor for a posyandu
    the user ran before it moved out of her area (``access.posyandu_clause(once=True)``): her download of its
    months before names none of its children (``reports.cohort.seen_now``), and a row would tell its
    families now of one."""
    from posyandu.access import posyandu_clause, sees_posyandu_in
    from posyandu.registry.models import Posyandu

    if _headers_only():
        return
    if posyandu_id is not None:
        if region_code is not None and not _within(posyandu_id, None, region_code):
            return
        if db.session.scalar(select(Posyandu.id).where(Posyandu.id == posyandu_id, posyandu_clause(user))) is None:
            return
        region_code = None
    elif user.role == "bidan":
        _log_each_posyandu(user, action, region_code)
        return
    else:
        if region_code is None or holds_own_area(user, region_code):
            posyandu_id, region_code = own_area(user)
        elif not sees_posyandu_in(user, region_code):
            return
    db.session.add(AccessLog(at=utcnow(), action=action, resource=_resource(), child_id=None,
                             posyandu_id=posyandu_id, region_code=region_code, **context()))


def _log_each_posyandu(user: Any, action: str, region_code: str | None) -> None:
    """A midwife's download of her area (within ``region_code``, if asked): a row for each posyandu of her
    puskesmas it held. Her area is no region: logged as the region holding her posyandu (her kecamatan, or
    the kabupaten when one lies in another), it told the families of another puskesmas's posyandu there of
    a download that held none of their children."""
    from posyandu.access import in_region, posyandu_clause
    from posyandu.registry.models import Posyandu

    held = [posyandu_id for posyandu_id, desa in db.session.execute(
        select(Posyandu.id, Posyandu.desa_code).where(posyandu_clause(user), Posyandu.deleted_at.is_(None))
        .order_by(Posyandu.id)) if region_code is None or in_region(desa, region_code)]
    if held:
        _insert_reads(action, "posyandu_id", held)


def holds_own_area(user: Any, region_code: str) -> bool:
    """Whether region ``region_code`` holds all of what ``user`` may see (``own_area``)."""
    return _within(*own_area(user), region_code)


def _within(posyandu_id: uuid.UUID | None, region_code: str | None, region: str) -> bool:
    """Whether the area (a posyandu, or a region; neither: everything) lies wholly in ``region``."""
    from posyandu.access import in_region
    from posyandu.registry.models import Posyandu

    if posyandu_id is not None:
        return in_region(db.session.scalar(select(Posyandu.desa_code).where(Posyandu.id == posyandu_id)), region)
    return in_region(region_code, region)


def _common_region(codes: list[str]) -> str | None:
    """The smallest region holding every code (None: no region holds them all, i.e. everything)."""
    parts = [code.split(".") for code in codes]
    common = []
    for segment in zip(*parts):
        if len(set(segment)) > 1:
            break
        common.append(segment[0])
    return ".".join(common) or None


def own_area(user: Any) -> tuple[uuid.UUID | None, str | None]:
    """(posyandu, region) of what ``user`` may see: a kader's posyandu, a bidan's kecamatan (the
    puskesmas's, or the region holding all its posyandu when one lies outside it), a dinkes
    office's region, a parent's nothing (their children are logged one by one), an admin's
    everything (neither)."""
    from posyandu.access import in_region
    from posyandu.registry.models import Posyandu, Puskesmas

    if user.role == "kader":
        return user.posyandu_id, None
    if user.role == "bidan":
        kecamatan = db.session.scalar(select(Puskesmas.kecamatan_code).where(Puskesmas.id == user.puskesmas_id))
        desas = list(db.session.scalars(select(Posyandu.desa_code).where(
            Posyandu.puskesmas_id == user.puskesmas_id, Posyandu.deleted_at.is_(None))))
        if kecamatan is None or all(in_region(desa, kecamatan) for desa in desas):
            return None, kecamatan
        # a posyandu of the puskesmas in another kecamatan (a bidan places them anywhere in her kabupaten)
        return None, _common_region([kecamatan, *desas])
    if user.role == "dinkes":
        return None, user.region_code
    return None, None


def child_access_log_parts(child: Any) -> tuple[Any, Any]:
    """The disclosures of ``child``'s data, as two queries: its own rows and those of the duplicate
    registrations merged into it (the same child, read before the merge), and the bulk downloads
    that held her: of a whole scope (an admin's, or one without a filter, which covers every child
    the caller could see) since she was first registered, and of a posyandu, or a region holding
    it, while she was registered there (``stays``: a download made before she came, or after she
    moved away, held her not). A page reads each by its own index (``ix_access_log_child_at``, and
    ``ix_access_log_area`` of the bulk downloads alone): as one query joined by ``OR``, PostgreSQL
    walked the whole log backwards by id for a page's 50 rows (docs/scaling.md). A region's download is
    matched with the desa the posyandu stood in at the time (``desa_periods``)."""
    ids = merged_ids(child.id)
    spans = stays(ids)
    periods = desa_periods({posyandu_id for posyandu_id, _, _ in spans})
    whole = AccessLog.posyandu_id.is_(None) & AccessLog.region_code.is_(None)
    areas = [whole & (AccessLog.at >= min(since for _, since, _ in spans))] if spans else []
    for posyandu_id, since, until in spans:
        areas.append(_between(AccessLog.posyandu_id == posyandu_id, since, until))
        for desa, start, end in periods.get(posyandu_id, []):  # a region's download, of the desa the posyandu stood in then
            lo = aware(since) if start is None else max(aware(since), start)
            hi = end if until is None else aware(until) if end is None else min(aware(until), end)
            if hi is None or lo < hi:
                areas.append(_between(literal(desa + ".").startswith(AccessLog.region_code + "."), lo, hi))
    area = AccessLog.child_id.is_(None) & or_(false(), *areas)
    return select(AccessLog).where(AccessLog.child_id.in_(ids)), select(AccessLog).where(area)


def _between(clause: Any, since: datetime, until: datetime | None) -> Any:
    return clause & (AccessLog.at >= since) & (true() if until is None else AccessLog.at < until)


def desa_periods(posyandu_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[tuple[str, datetime | None, datetime | None]]]:
    """(desa, from, until: None for always and still) of each posyandu's stand, by its moves (``PosyanduMove``:
    a desa changed, a region split). A region's download held the children of the posyandu in it then: read
    against the desa of now, a posyandu moved from one kecamatan to another gave its families the downloads
    of the new one from before it came, and none of the old one's while it was there."""
    from posyandu.registry.models import Posyandu, PosyanduMove

    ids = set(posyandu_ids)
    if not ids:
        return {}
    out: dict[uuid.UUID, list[tuple[str, datetime | None, datetime | None]]] = {i: [] for i in ids}
    start: dict[uuid.UUID, datetime | None] = {}
    for posyandu_id, desa, at in db.session.execute(
            select(PosyanduMove.posyandu_id, PosyanduMove.from_desa_code, PosyanduMove.created_at)
            .where(PosyanduMove.posyandu_id.in_(ids)).order_by(PosyanduMove.created_at, PosyanduMove.id)):
        out[posyandu_id].append((desa, start.get(posyandu_id), aware(at)))
        start[posyandu_id] = aware(at)
    for posyandu_id, desa in db.session.execute(select(Posyandu.id, Posyandu.desa_code).where(Posyandu.id.in_(ids))):
        out[posyandu_id].append((desa, start.get(posyandu_id), None))
    return out


def child_access_log(child: Any) -> Any:
    """``child_access_log_parts`` as one query (every row: the download of the child's data)."""
    own, area = child_access_log_parts(child)
    return select(AccessLog).where(or_(own.whereclause, area.whereclause))


def stays(child_ids: list[uuid.UUID]) -> list[tuple[uuid.UUID, datetime, datetime | None]]:
    """(posyandu, from, until: None for still) of each registration in ``child_ids``: from its
    creation, each move (an audited change of its ``posyandu_id``) ending one stay and starting the
    next, the last ending when the registration was deleted or merged away."""
    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child

    moves: dict[str, list[tuple[datetime, str, str]]] = {}
    for record_id, at, changes in db.session.execute(
            select(AuditLog.record_id, AuditLog.at, AuditLog.changes)
            .where(AuditLog.entity == "child", AuditLog.record_id.in_([str(i) for i in child_ids]))
            .order_by(AuditLog.at, AuditLog.id)):
        old, new = (changes or {}).get("posyandu_id") or (None, None)
        if old is not None and new is not None and old != new:
            moves.setdefault(record_id, []).append((at, old, new))
    out = []
    for child in db.session.scalars(select(Child).where(Child.id.in_(child_ids))):
        steps = moves.get(str(child.id), [])
        here, since = (uuid.UUID(steps[0][1]) if steps else child.posyandu_id), child.created_at
        for at, _, new in steps:
            out.append((here, since, at))
            here, since = uuid.UUID(new), at
        out.append((here, since, child.deleted_at))
    return out


def departures(user_id: uuid.UUID, among: Iterable[uuid.UUID]) -> list[tuple[uuid.UUID, datetime]]:
    """(posyandu, when) of each time ``user_id`` was taken off one of the posyandu ``among``: an
    audited change of her ``posyandu_id`` (a kader moved to another posyandu, or given another role),
    or of her ``puskesmas_id`` (a bidan moved to another puskesmas: each posyandu it ran then,
    ``_run_by``, not those it runs now: a posyandu moved into it since is one she never saw); or a
    posyandu's own audited change of ``puskesmas_id`` while she was a bidan of the puskesmas it left
    (she stayed, it went: the same for her phone; not one who came to it after, nor an account made
    since). Her arrival is not asked: a record she kept of a
    child she saw there may be dated before it (a card's earlier weighings entered), as it may
    while she sees the child."""
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User

    among = set(among)
    out: list[tuple[uuid.UUID, datetime]] = []
    hers: list[tuple[datetime, uuid.UUID | None]] = []  # (when, puskesmas she left) of each of her moves
    for at, changes in db.session.execute(
            # only an admin's edit changes her scope: not her logins and other rows of her account
            select(AuditLog.at, AuditLog.changes)
            .where(AuditLog.entity == "user", AuditLog.record_id == str(user_id), AuditLog.action == "update")
            .order_by(AuditLog.at, AuditLog.id)):
        for field in ("posyandu_id", "puskesmas_id"):
            old, new = (changes or {}).get(field) or (None, None)
            if old == new:
                continue
            if field == "puskesmas_id":
                hers.append((at, old and uuid.UUID(old)))
            if old is not None:
                ids = [uuid.UUID(old)] if field == "posyandu_id" else _run_by(uuid.UUID(old), at, among)
                out += [(posyandu_id, at) for posyandu_id in ids]
    account = db.session.execute(select(User.created_at, User.puskesmas_id).where(User.id == user_id)).first()
    if account is not None:
        for posyandu_id, at, old in _puskesmas_moves(among):
            # her puskesmas then: the one her first move after it took her from, else the one she has
            then = next((was for when, was in hers if when > at), account.puskesmas_id)
            if account.created_at < at and then == old:
                out.append((posyandu_id, at))
    return [(posyandu_id, at) for posyandu_id, at in out if posyandu_id in among]


def _puskesmas_moves(among: Iterable[uuid.UUID], after: datetime | None = None
                     ) -> list[tuple[uuid.UUID, datetime, uuid.UUID]]:
    """(posyandu, when, the puskesmas it left) of each audited move of one of the posyandu
    ``among`` from a puskesmas to another (after ``after``), oldest first."""
    from posyandu.audit import AuditLog

    out = []
    for record_id, at, changes in db.session.execute(
            select(AuditLog.record_id, AuditLog.at, AuditLog.changes)
            .where(AuditLog.entity == "posyandu", AuditLog.action == "update",
                   AuditLog.record_id.in_([str(posyandu_id) for posyandu_id in among]),
                   true() if after is None else AuditLog.at > after)
            .order_by(AuditLog.at, AuditLog.id)):
        old, new = (changes or {}).get("puskesmas_id") or (None, None)
        if old is not None and old != new:
            out.append((uuid.UUID(record_id), at, uuid.UUID(old)))
    return out


def _run_by(puskesmas_id: uuid.UUID, at: datetime, among: set[uuid.UUID]) -> list[uuid.UUID]:
    """The posyandu of ``among`` ``puskesmas_id`` ran at ``at``: those it runs now, and those moved
    away from it since, less those moved into it since (a posyandu's audited change of
    ``puskesmas_id``: the first after ``at`` tells where it was then)."""
    from posyandu.registry.models import Posyandu

    then: dict[uuid.UUID, uuid.UUID] = {}
    for posyandu_id, _, old in _puskesmas_moves(among, after=at):
        then.setdefault(posyandu_id, old)
    now = db.session.execute(select(Posyandu.id, Posyandu.puskesmas_id).where(Posyandu.id.in_(among)))
    return [posyandu_id for posyandu_id, current in now if then.get(posyandu_id, current) == puskesmas_id]


def merged_ids(child_id: uuid.UUID) -> list[uuid.UUID]:
    """``child_id`` and every registration merged into it, directly or through another merged one."""
    from posyandu.registry.models import Child

    found, frontier = [child_id], [child_id]
    while frontier:
        frontier = [cid for cid in db.session.scalars(select(Child.id).where(Child.merged_into.in_(frontier)))
                    if cid not in found]
        found += frontier
    return found


def access_log_query(user_id: uuid.UUID | None = None, child_id: uuid.UUID | None = None) -> Any:
    """Disclosures, optionally of one user's reads or of one child (its own rows only)."""
    stmt = select(AccessLog)
    if user_id is not None:
        stmt = stmt.where(AccessLog.user_id == user_id)
    if child_id is not None:
        stmt = stmt.where(AccessLog.child_id == child_id)
    return stmt


def people(rows: list[Any]) -> dict[uuid.UUID, dict[str, str]]:
    """The name and role of each user ``rows`` (log rows) name by ``user_id``, in one query."""
    from posyandu.auth.models import User

    ids = {r.user_id for r in rows if r.user_id is not None}
    return {u.id: {"name": u.name, "role": u.role}
            for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


def described(rows: list[AccessLog]) -> list[dict[str, Any]]:
    """``rows`` as answered: each with its reader's name and role."""
    readers = people(rows)
    return [{"at": r.at, "action": r.action, "resource": r.resource, "child_id": r.child_id,
             "posyandu_id": r.posyandu_id, "region_code": r.region_code, "user_id": r.user_id,
             "reader": readers.get(r.user_id)} for r in rows]


def child_export(child: Any) -> dict[str, Any]:
    """Everything held about ``child``: the record, its measurements (with their z-scores and
    status), immunisations and vitamin A / deworming doses, oldest first (deleted ones left out,
    as they are for every reader), who has read the child's data and who changed it (the values
    before and after), newest first."""
    from posyandu import history
    from posyandu.audit import ENTITIES, AuditLog
    from posyandu.growth.models import Measurement
    from posyandu.immunisation.models import Immunisation, Supplement

    def records(model: Any, day: Any) -> list[dict[str, Any]]:
        rows = db.session.scalars(select(model).where(model.child_id == child.id, model.deleted_at.is_(None))
                                  .order_by(day, model.created_at))
        entity = next(et for et in ENTITIES.values() if et.model is model)
        return [entity.serialize(row) for row in rows]

    return {"format": "posyandu-child-export/1", "exported_at": utcnow(),
            "child": ENTITIES["child"].serialize(child),
            "measurements": records(Measurement, Measurement.measured_on),
            "immunisations": records(Immunisation, Immunisation.given_on),
            "supplements": records(Supplement, Supplement.given_on),
            "access_log": described(list(db.session.scalars(
                child_access_log(child).order_by(AccessLog.at.desc(), AccessLog.id.desc())))),
            "history": history.described(list(db.session.scalars(
                history.child_history_query(child).order_by(AuditLog.id.desc()))))}
