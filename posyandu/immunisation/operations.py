"""Immunisation writes: schedule versions (publish, activate) and the dose rules enforced when an
immunisation, vitamin A capsule or deworming dose is recorded or corrected.

The rules themselves are pure (``due.validate_dose``, ``supplements.validate_supplement``); this
module loads what they need, decides who may override what, and raises. The two ``check_*``
functions are ``posyandu.events`` hooks, so the REST endpoints, sync push and imports share them.
"""
from __future__ import annotations

import json
import re
import sys
from bisect import bisect_right
from dataclasses import dataclass
from functools import cache, cached_property
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import func, select

from posyandu.access import HEALTH_WORKERS, begin_immediate
from posyandu.audit import AuditLog, created_fields, log_action
from posyandu.database import forget_in_transaction, once_a_transaction
from posyandu.auth.models import User
from posyandu.errors import Conflict, Forbidden, ValidationFailed
from posyandu.extensions import db
from posyandu.i18n import Msg
from posyandu.immunisation.due import Area, GivenDose, NewDose, Violation, iso_message, validate_dose
from posyandu.immunisation.models import Immunisation, ScheduleVersion, Supplement
from posyandu.immunisation.schedule import (Schedule, ScheduleError, load_default_schedule, publishing_problems,
                                            schedule_from_dict, schedule_to_dict)
from posyandu.immunisation.supplements import SupplementGiven, validate_supplement
from posyandu.registry.models import Child
from posyandu.sync.models import ChangeLog
from posyandu.validators import today, unstorable_text

# The fields whose write has a dose (or capsule) judged by the schedule's rules: a new record writes
# them all, an edit those it changes. A restore writes ``deleted_at`` (``events.restore_event``): the
# record that comes back is judged whole, as the same record recorded now would be, since a dose
# recorded while it was deleted, a corrected birth date or a newer schedule may make it break a rule.
RESTORED = "deleted_at"
DOSE_FIELDS = frozenset({"vaccine", "dose", "given_on", RESTORED})
SUPPLEMENT_FIELDS = frozenset({"kind", "given_on", RESTORED})
# Which request field each violation code is reported under (problem+json ``errors``).
FIELD_OF = {"not_in_area": "vaccine", "unknown_kind": "kind", "duplicate_dose": "dose", "dose_out_of_order": "dose",
            "wrong_capsule_for_age": "kind", "blue_already_given": "kind", "infant_dose_given": "kind"}
GIVE_REASON = Msg("a midwife or admin may record this anyway by giving a reason (override_reason)",
                  "bidan atau admin dapat tetap mencatatnya dengan mengisi alasan (override_reason)")
ASK_BIDAN = Msg("only a midwife or admin may accept this with a reason: ask the midwife",
                "hanya bidan atau admin yang dapat menerima ini dengan alasan: hubungi bidan")
# A second record of the same dose (or capsule) on the same day is the same event entered twice,
# on two phones or twice on one: kept and flagged ``possible_duplicate_of`` for a bidan to resolve,
# never refused (api-contract, Sync: append-only events). Given again on another day is an error.
SAME_DAY_TWIN_CODES = frozenset({"duplicate_dose", "given_twice_in_round", "blue_already_given", "infant_dose_given"})
ONLY_HEALTH_WORKERS = Msg("only a midwife or admin may override the schedule rules",
                          "hanya bidan atau admin yang boleh mengesampingkan aturan jadwal")


class RuleViolation(ValidationFailed):
    """A dose breaks the schedule rules (422, type .../rule_violation, with ``violations``)."""

    key = "rule_violation"


# --- the schedule in force ----------------------------------------------------------------

def version_in_force(session: Any, on: date) -> ScheduleVersion | None:
    """The newest active version valid on ``on``; before the first one, the oldest active version."""
    return _in_force(schedules_of(session).versions, on)


def _in_force(versions: list[ScheduleVersion], on: date) -> ScheduleVersion | None:
    """Of ``versions`` (``active_versions``' order), the one in force on ``on``: the last valid from that
    day or before (of two valid from one day, the later id); before every one, the oldest."""
    valid = bisect_right([v.valid_from for v in versions], on)
    return versions[valid - 1] if valid else next(iter(versions), None)


def active_versions(session: Any) -> list[ScheduleVersion]:
    """Every active version, oldest ``valid_from`` first (then by id): what ``version_in_force`` chooses
    from, sent to phones so they choose a dose's version by its date as the server does."""
    return list(session.scalars(select(ScheduleVersion).where(ScheduleVersion.active.is_(True))
                                .order_by(ScheduleVersion.valid_from, ScheduleVersion.id)))


def schedule_in_force(session: Any, on: date) -> Schedule:
    """The one answer to "which schedule applies on this date" (cards, due lists, dose rules, reports,
    FHIR): the version in force, or the bundled 2024 schedule when the table holds none."""
    return schedules_of(session).on(on)


_SCHEDULES = "posyandu.schedules_in_force"  # the key of ``schedules``' answer in ``Session.info``


def schedules_of(session: Any) -> SchedulesInForce:
    """The active versions as this transaction first read them, each parsed once: every dose, capsule,
    card and report of one request (a push of a posyandu day's doses) judged by one reading, where each
    dose read every version and parsed its document again. Read again in the next transaction, and
    after this one publishes or (de)activates a version (``forget_in_transaction``)."""
    return once_a_transaction(session, _SCHEDULES, SchedulesInForce)


class SchedulesInForce:
    """``schedule_in_force`` for many days: the active versions read once, each parsed once (the same
    ``Schedule`` for every day it is in force). What is judged by the version of its own day, not of the
    day one looks: a child's IDL (Baduta Lengkap) by the version in force on her first (second) birthday,
    its deadline, a dose's reason code by the version of the day it was given. A report or export judges
    many children and doses this way, and a query for each would be one per child; versions are few."""

    def __init__(self, session: Any):
        self.versions = active_versions(session)
        self._parsed: dict[int, Schedule] = {}

    def on(self, day: date) -> Schedule:
        row = _in_force(self.versions, day)
        return load_default_schedule() if row is None else self._schedule(row)

    def _schedule(self, row: ScheduleVersion) -> Schedule:
        if row.id not in self._parsed:
            self._parsed[row.id] = schedule_from_dict(row.document)
        return self._parsed[row.id]

    @cached_property
    def introduced(self) -> dict[tuple[str, int], date]:
        """The day each dose a later version added came in: the earliest ``valid_from`` of an active version
        listing it; the oldest version's doses were always there (not listed). A card, due list or overdue
        list dates no dose before it (``due.immunisation_card``): 2026.2 adding TCV 1 at 9 months from 1
        December 2026 made every child past 9 months overdue that day, "due" ten months before it existed.
        The phone works it out of the same versions (static/pwa/js/schedule.js)."""
        out: dict[tuple[str, int], date | None] = {}
        for i, row in enumerate(self.versions):
            for e in self._schedule(row).entries:
                out.setdefault((e.vaccine, e.dose), row.valid_from if i else None)
        return {key: day for key, day in out.items() if day is not None}

    def spans(self, first: date, last: date) -> list[tuple[date, date, Schedule]]:
        """The days ``first`` to ``last`` cut where another version comes in force: each part's first and
        last day, and the schedule in force over it."""
        starts = [first, *sorted({v.valid_from for v in self.versions if first < v.valid_from <= last})]
        ends = [day - timedelta(days=1) for day in starts[1:]] + [last]
        return [(start, end, self.on(start)) for start, end in zip(starts, ends)]


# --- publishing versions ------------------------------------------------------------------

def _problem_field(problem: str) -> str:
    """'entries[3] (OPV 2): …' → 'document.entries[3]'; 'supplements.vitamin_a.blue must …' → its path."""
    head = problem.split(":")[0].split(" ")[0]
    top = head.split("[")[0].split(".")[0]
    if top == "schedule":
        return "document"
    if top in ("version", "name", "source", "valid_from", "age_arithmetic", "overdue_after", "vaccines", "entries", "supplements"):
        return "document." + head
    return "document.entries"  # duplicate entries, numbering gaps


def parse_document(document: Any) -> Schedule:
    """Validate a schedule document to publish; every problem → 422 under its own field."""
    problems = publishing_problems(document)
    try:
        schedule = schedule_from_dict(document)
    except ScheduleError as exc:
        problems = [*exc.problems, *problems]
    if problems:
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(_problem_field(problem), []).append(problem)
        raise ValidationFailed(Msg("the schedule is not valid", "jadwal tidak valid"), errors)
    if len(schedule.name) > 120:
        raise ValidationFailed(errors={"document.name": [Msg("at most 120 characters", "paling banyak 120 karakter")]})
    return schedule


# The key (PostgreSQL's two-int advisory key space, apart from ``access.lock_registrations``' one
# bigint) that publishing and (de)activating schedule versions take: one change at a time.
SCHEDULE_LOCK = (0x5343, 0x4844)


def lock_versions() -> None:
    """Whoever publishes, activates or withdraws a schedule version, one transaction at a time until it
    ends, judged on the versions as they then stand: two admins publishing one version number at once
    each looked for it before the other committed and both stored it; two withdrawing the last two
    active versions each saw the other's still active, and none stood. PostgreSQL: a transaction-level
    advisory lock (an empty table has no row to lock); SQLite: its one write lock, taken now."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(*SCHEDULE_LOCK)))
    else:
        begin_immediate()


def publish_version(user: User | None, document: Any, active: bool = True) -> ScheduleVersion:
    """A new schedule version (the document normalised by ``schedule_to_dict``), audited."""
    schedule = parse_document(document)
    lock_versions()
    versions = db.session.scalars(select(ScheduleVersion.document)).all()
    if any(doc.get("version") == schedule.version for doc in versions):
        raise ValidationFailed(errors={"document.version": [Msg(f"version {schedule.version} exists already",
                                                                f"versi {schedule.version} sudah ada")]})
    row = ScheduleVersion(name=schedule.name, valid_from=schedule.valid_from, document=schedule_to_dict(schedule),
                          active=active, created_by=user.id if user else None)
    db.session.add(row)
    db.session.flush()
    forget_in_transaction(db.session, _SCHEDULES)
    log_action("create", "schedule_version", row.id, created_fields({
        "version": schedule.version, "active": active, "valid_from": schedule.valid_from.isoformat()}))
    return row


def set_active(user: User, row: ScheduleVersion, active: bool) -> ScheduleVersion:
    """Activate or deactivate a version (audited); the last active version cannot be deactivated,
    and a version stored before a rule it breaks (e.g. ages over 20 years) cannot be activated.
    Judged on the versions as they stand once no other change of them is under way (``lock_versions``)."""
    lock_versions()
    db.session.refresh(row)
    if row.active == active:
        return row
    if active:
        parse_document(row.document)
    if not active:
        others = db.session.scalar(select(func.count()).select_from(ScheduleVersion)
                                   .where(ScheduleVersion.active.is_(True), ScheduleVersion.id != row.id))
        if not others:
            raise Conflict(Msg("the last active schedule version cannot be deactivated",
                               "versi jadwal aktif terakhir tidak dapat dinonaktifkan"))
    row.active = active
    forget_in_transaction(db.session, _SCHEDULES)
    log_action("activate" if active else "deactivate", "schedule_version", row.id,
               {"active": [not active, active]})
    return row


def load_schedule_file(path: Path, valid_from: date | None = None, active: bool = True) -> ScheduleVersion:
    """``flask load-schedule``: publish a JSON file as a new version (``valid_from`` overrides the file's).
    JSON nested deeper than the API's parser takes (``extensions.MAX_JSON_DEPTH``) is refused as
    it refuses it: nested thousands deep, reading it ran out of stack (a RecursionError traceback); an object
    naming a key twice, as the API refuses it (``extensions.read_json``)."""
    from posyandu.extensions import MAX_JSON_DEPTH, RepeatedKey, read_json, repeated_key, too_deep

    nested = Msg(f"JSON nested more than {MAX_JSON_DEPTH} deep",
                 f"JSON bersarang lebih dari {MAX_JSON_DEPTH} tingkat")
    try:
        document = read_json(path.read_text(encoding="utf-8-sig"))  # Notepad's BOM, as the API skips it
    except RepeatedKey as exc:
        raise ValidationFailed(errors={"document": repeated_key(exc).messages["_schema"]}) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed(errors={"document": [f"not JSON: {exc}"]}) from None
    except ValueError:  # "Exceeds the limit (4300 digits) for integer string conversion": a traceback
        raise ValidationFailed(errors={"document": [
            f"not JSON: a number longer than {sys.get_int_max_str_digits()} digits"]}) from None
    except RecursionError:
        raise ValidationFailed(errors={"document": [nested]}) from None
    if too_deep(document):
        raise ValidationFailed(errors={"document": [nested]})
    unstorable = unstorable_text(document)  # as the API's parser refuses them (extensions.Parser)
    if unstorable:
        raise ValidationFailed(errors={"document": unstorable})
    if valid_from is not None and isinstance(document, dict):
        document["valid_from"] = valid_from.isoformat()
    return publish_version(None, document, active)


# --- the rules when a dose is written (events hooks) ---------------------------------------

def check_immunisation(user: User, obj: Immunisation, child: Child, data: dict[str, Any]) -> None:
    """Hook for ``posyandu.events``: the record's own completeness (``record_problems``), then
    minimum age and interval, maximum age, order, duplicates and area (Permenkes 12/2017 via
    ``due.validate_dose``), judged by the schedule in force on ``given_on``."""
    in_force = cache(lambda: schedule_in_force(db.session, obj.given_on))  # read when first asked
    if "vaccine" in data and obj.given_on is not None:  # a scheduled vaccine as the schedule writes it
        obj.vaccine = in_force().code_of(obj.vaccine)
    # a dose being deleted is not judged (whatever it lacks, it may go); its product only when it or
    # the vaccine is written, or the dose restored (a later schedule listing it for another vaccine
    # blocks no other edit)
    problems = record_problems(obj, in_force,
                               product=bool({"kfa_code", "vaccine", RESTORED} & data.keys())
                               ) if obj.deleted_at is None else {}
    if problems:
        raise ValidationFailed(errors=problems)
    if not DOSE_FIELDS & data.keys():
        return
    rows = [GivenDose(*r) for r in db.session.execute(
        select(Immunisation.vaccine, Immunisation.dose, Immunisation.given_on, Immunisation.id)
        .where(Immunisation.child_id == child.id, Immunisation.id != obj.id, Immunisation.deleted_at.is_(None)))]
    schedule = in_force()
    found = validate_dose(schedule, child.birth_date, rows, NewDose(obj.vaccine, obj.dose, obj.given_on, obj.id),
                          area=Area(kabupaten=child.kabupaten_code), today=today())
    twin = any((r.vaccine, r.dose, r.given_on) == (obj.vaccine, obj.dose, obj.given_on) for r in rows)
    enforce(user, obj, "immunisation", _unless_twin(found, twin), data.get("override_reason"),
            dose_field_of(schedule, obj.vaccine), accepted=_accepted_before(obj, "immunisation", data, DOSE_FIELDS))


def dose_field_of(schedule: Schedule, vaccine: str) -> Callable[[str], str]:
    """The request field a dose's violation is reported under (``FIELD_OF``, else ``given_on``): a
    dose not in the schedule on ``vaccine`` when the schedule has no such vaccine, on ``dose`` when it
    has the vaccine but not that dose number (MR 5): the date is not what is wrong."""
    unknown = "dose" if schedule.doses_of(vaccine) else "vaccine"
    return lambda code: unknown if code == "not_in_schedule" else FIELD_OF.get(code, "given_on")


LOT_REQUIRED = Msg("required for a dose given by a health worker: SATUSEHAT asks for the vial's lot number and "
                   "expiry date", "wajib diisi untuk dosis yang diberikan petugas: SATUSEHAT meminta nomor batch dan "
                   "tanggal kedaluwarsa vial")
EXPIRED = Msg("the vial had expired on the day the dose was given: check both dates",
              "vial sudah kedaluwarsa pada tanggal pemberian: periksa kedua tanggal")


def record_problems(dose: Immunisation, schedule: Callable[[], Schedule], *, product: bool = True
                    ) -> dict[str, list[Msg]]:
    """What a dose's record lacks or contradicts, per field (domain.md, Interoperability): a dose
    given by a health worker (``source`` given) has its vial's lot number and expiry date, and
    the vial had not expired that day; a KFA product code is not one the schedule lists for
    another vaccine. A dose copied from the Buku KIA, recalled or not stated needs neither: the
    book often has no lot. ``schedule``: the schedule in force, read only if needed; ``product``:
    whether to judge the KFA product."""
    errors: dict[str, list[Msg]] = {}
    if dose.source == "given":
        if not dose.batch_number:
            errors["batch_number"] = [LOT_REQUIRED]
        if dose.expiry_date is None:
            errors["expiry_date"] = [LOT_REQUIRED]
        elif dose.given_on is not None and dose.expiry_date < dose.given_on:
            errors["expiry_date"] = [EXPIRED]
    if product and dose.kfa_code:
        listed = schedule().vaccine_of_product(dose.kfa_code)
        if listed is not None and listed.code != dose.vaccine:
            errors["kfa_code"] = [Msg(f"this KFA product is a {listed.code} vaccine, not {dose.vaccine}",
                                      f"produk KFA ini vaksin {listed.code}, bukan {dose.vaccine}")]
    return errors


def check_supplement(user: User, obj: Supplement, child: Child, data: dict[str, Any]) -> None:
    """Hook for ``posyandu.events``: vitamin A age bands and rounds, deworming age and rounds
    (Permenkes 21/2015, 15/2017 via ``supplements.validate_supplement``)."""
    if not SUPPLEMENT_FIELDS & data.keys():
        return
    rows = [SupplementGiven(*r) for r in db.session.execute(
        select(Supplement.kind, Supplement.given_on, Supplement.id)
        .where(Supplement.child_id == child.id, Supplement.id != obj.id, Supplement.deleted_at.is_(None)))]
    config = schedule_in_force(db.session, obj.given_on).supplements
    found = validate_supplement(config, child.birth_date, rows, SupplementGiven(obj.kind, obj.given_on, obj.id),
                                area=Area(kabupaten=child.kabupaten_code), today=today())
    twin = any((r.kind, r.given_on) == (obj.kind, obj.given_on) for r in rows)
    enforce(user, obj, "supplement", _unless_twin(found, twin), data.get("override_reason"),
            accepted=_accepted_before(obj, "supplement", data, SUPPLEMENT_FIELDS))


def _unless_twin(found: list[Violation], twin: bool) -> list[Violation]:
    """A same-day twin is a possible duplicate (flagged by ``events``), not a rule violation."""
    return [v for v in found if v.code not in SAME_DAY_TWIN_CODES] if twin else found


def _held(entity: str, obj: Any) -> dict[str, Any]:
    """The record as last committed (its newest change-log version; this transaction's own versions
    reach the change log only at commit), or {} for a new one."""
    return db.session.scalar(select(ChangeLog.record).where(ChangeLog.entity == entity, ChangeLog.record_id == obj.id)
                             .order_by(ChangeLog.version.desc()).limit(1)) or {}


@dataclass(frozen=True)
class Accepted:
    """The rules a bidan or admin accepted a record under (codes), and her reason."""

    codes: frozenset[str]
    reasons: frozenset[str]   # hers: as audited, and as the record held it
    causes: frozenset[str] | None = None   # the rules' messages as she saw them (None: an older audit row)

    def covers(self, found: list[Violation], reason: str | None) -> bool:
        """Whether she accepted exactly these breaches: the same rules, for the same cause (a dose
        now 1 day after the previous one where she accepted 20 is not what she accepted). Causes audited
        in an older wording (ISO dates, "1 days") are matched as written then (``_as_audited``)."""
        return (all(v.overridable for v in found) and {v.code for v in found} <= self.codes
                and (self.causes is None or all(_as_audited(v) & self.causes for v in found))
                and (not reason or reason in self.reasons))


# Wordings of a rule's English message before it was reworded: (now, then)
EARLIER_WORDINGS = [(re.compile(r"\b1 (day|month)\b"), r"1 \1s"),  # a count of one said "1 days"
                    (re.compile(r" is outside the round months "), " is not a round month ")]


def _as_audited(v: Violation) -> set[str]:
    """``v``'s message as an acceptance may have audited it: as now, with ISO dates (``iso_message``), and
    either as written before its rewordings (``EARLIER_WORDINGS``)."""
    said = {v.message["en"], iso_message(v)}
    for now, then in EARLIER_WORDINGS:
        said |= {now.sub(then, text) for text in said}
    return said


def _accepted_before(obj: Any, entity: str, data: dict[str, Any], judged: frozenset[str]) -> Accepted | None:
    """A record restored as it was (none of its ``judged`` fields changed) that a bidan or admin had
    recorded outside the rules: the rules she accepted it under and her reason (its last override's
    audit row). Undoing a mistaken delete does not need her again for those; a rule it breaks only
    now (a dose recorded while it was deleted) is judged as for a new record."""
    if RESTORED not in data or (judged - {RESTORED}) & data.keys() or obj.override_by is None:
        return None
    row = db.session.execute(select(AuditLog.changes, AuditLog.reason).where(
        AuditLog.action == "override", AuditLog.entity == entity, AuditLog.record_id == str(obj.id))
        .order_by(AuditLog.id.desc()).limit(1)).first()
    if row is None or not isinstance(row.changes, dict):
        return None
    # her reason as the record held it before this write, its tombstone (she may have reworded it
    # since her override); this transaction's own versions reach the change log only at commit
    reasons = {row.reason, _held(entity, obj).get("override_reason")} - {None, ""}
    causes = row.changes.get("causes")
    return Accepted(frozenset(row.changes.get("violations") or ()), frozenset(reasons),
                    frozenset(causes) if isinstance(causes, list) else None)


def enforce(user: User, obj: Any, entity: str, found: list[Violation], reason: str | None,
            field_of: Callable[[str], str] = lambda code: FIELD_OF.get(code, "given_on"), *,
            accepted: Accepted | None = None) -> None:
    """Refuse a record that breaks a rule. A rule marked overridable gives way to a bidan or admin
    who states ``override_reason``: the record keeps who and why, and the audit log the codes.
    ``accepted``: a restored record's earlier acceptance, which stands for the rules it named when
    no new reason is given (her reason, resent with the phone's copy, is not a new one). A record a
    bidan had accepted outside the rules that an edit brings within them (a date corrected) no
    longer says so: her name and reason are taken off it, and the audit log keeps them."""
    if not found:
        if obj.override_by is not None:
            log_action("override_lifted", entity, obj.id, {"override_by": [str(obj.override_by), None],
                                                           "override_reason": [obj.override_reason, None]},
                       kabupaten_code=obj.kabupaten_code)
        obj.override_by = obj.override_reason = None  # a reason no rule asked for is no one's: not kept
        return
    if accepted is not None and accepted.covers(found, reason):
        return
    errors: dict[str, list[Msg]] = {}
    for v in found:
        errors.setdefault(field_of(v.code), []).append(Msg(v.message["en"], v.message["id"]))
    extensions = {"violations": [{"code": v.code, "overridable": v.overridable,
                                  "message": Msg(v.message["en"], v.message["id"])} for v in found]}
    detail = Msg(" ".join(v.message["en"] for v in found), " ".join(v.message["id"] for v in found))
    if any(not v.overridable for v in found):
        raise RuleViolation(detail, errors, extensions=extensions)
    if user.role not in HEALTH_WORKERS:
        if reason:
            raise Forbidden(ONLY_HEALTH_WORKERS, {**errors, "override_reason": [ONLY_HEALTH_WORKERS]},
                            extensions=extensions)
        raise RuleViolation(detail, {**errors, "override_reason": [ASK_BIDAN]}, extensions=extensions)
    if not reason:
        raise RuleViolation(detail, {**errors, "override_reason": [GIVE_REASON]}, extensions=extensions)
    obj.override_by = user.id
    log_action("override", entity, obj.id, {"violations": [v.code for v in found],
                                             "causes": [v.message["en"] for v in found]}, reason,
               kabupaten_code=obj.kabupaten_code)  # in the area's trail, as the record's own rows
