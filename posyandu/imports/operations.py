"""Import children and visits through the app's own operations (audit and change log stay right).

* **Idempotent**: ids are deterministic UUIDv5s of natural keys — a child is its
  posyandu plus its NIK, or plus name, birth date and sex when it has no NIK; a
  visit is its child plus the date and the values measured. Importing the same
  file again finds every id already there and changes nothing. A row that repeats an earlier
  row's visit (or, without a visit, the very row) is reported as repeating it (``repeated_rows``),
  not as a visit there already: nothing was, before the file. A visit of a day the
  child has one already (weighed on the kader's phone) is that visit when every value
  the row gives is the same, and is refused naming it otherwise: one visit a day. The
  file's rows of one child's day whose values agree (one the weight, another the length)
  are one visit (``combined_rows``); one giving a value otherwise is refused naming the row.
* **Matching**: a child already registered in the posyandu with the same NIK gets
  the visits (a row whose sex or birth date differs from that child's is refused: a
  NIK typed wrong may be another child's); so does the one child registered there in
  the app with the row's very name, sex and birth date and no other NIK, and, her name
  corrected since (in the app or in the file), the one child of that sex and birth date
  once recorded under the row's name, or of the very name spelled otherwise (``names_same``; a
  newborn's "Bayi Ny. Siti" named since) holding the very visits the file gives her (``_found_again``):
  never one of another name, nor of a name only alike (a twin weighed as her sister). A new child
  that ``likely_duplicate`` (same NIK, or same sex, birth date within 3 days and a
  similar name, or the other sex of her very name and birth date: refused on her sex) finds among the
  posyandu's children is refused with the reason, unless
  its row says ``bukan_duplikat: ya`` (twins); it is then registered and flagged for a
  bidan to review, as in the app. One of the row's very name and sex born a few days off is
  her, her birth date corrected in one place only: the message says to correct it in the app
  or the file (``bukan_duplikat`` would register her twice); one born on her birth date with the day
  and month swapped, or a year off, is refused as her likely duplicate (``_misdated``), and with
  ``bukan_duplikat: ya`` registered flagged against her, as a likely duplicate is. A row of a child
  registered at another posyandu of the importer's area is refused, found by her NIK or, without one, by
  her very name, sex, birth date and mother (``_at_another_posyandu``). A child found gets the details its record leaves blank
  and the file gives (a birth weight, the mother's NIK, a phone number: ``FILLED_IN``), as
  an edit in the app would write them; what the record holds already is kept.
* **All or nothing** per file: any bad row refuses the whole file, unless
  ``accept_valid`` — then bad rows are left out. A row that may register its child is
  its own savepoint, so a refused row leaves nothing behind, and every row is judged on
  its own (a later row of a refused child names the same reason again).
* **Dry run**: the same checks in a transaction that is rolled back, so it lists
  exactly the rows a real import would refuse, and why.

Rows are judged one by one against each child's visits, read once per child, and the
file's earlier rows; the visits of the rows accepted are recorded together at the end,
in the file's order, a batch at a time (``create_events``, as a push records a phone's),
and growth results (z-scores, KMS trend) are computed once per child, not once per visit.
The registered children a row's new child is compared with (a likely duplicate, one born on her birth
date typed wrong, the same child at another posyandu of the area) are read once per file, the children
its earlier rows register added (``registered``). Operations flush; the caller commits or rolls back.
"""
from __future__ import annotations

import contextlib
import hashlib
import hmac
import re
import uuid
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any, Callable, Iterable

from flask import current_app
from sqlalchemy import func, select

from posyandu import access
from posyandu.audit import apply_changes, log_action, record_change
from posyandu.auth.models import User
from posyandu.database import among
from posyandu.errors import DomainError
from posyandu.events import check_date, create_events
from posyandu.extensions import db
from posyandu.growth.models import Measurement
from posyandu.growth.operations import refresh_child_growth
from posyandu.i18n import Msg
from posyandu.imports.registered import Registered, misdated_days
from posyandu.imports.rows import (ParsedRow, month_first_columns, parse_row, refuse_excel_month_first, row_name,
                                   skipped_rows, within_limit)
from posyandu.imports.template import TITLES
from posyandu.messages import date_text, fill
from posyandu.registry.models import Child, Posyandu, Region
from posyandu.registry.operations import (create_child, likely_duplicates, mother_names_alike, names_alike, names_same,
                                         named, resolve_alias, sex_typed_wrong, spelled_name, update_child)
from posyandu.validators import decimal_comma, single_spaced

VISIT_BATCH = 500  # visits recorded together, as a push of a phone's batch
NAMESPACE = uuid.UUID("5f1b0a52-3c1e-4a57-9d0e-6f6f7e1c0a07")  # fixed forever: the ids depend on it


class RowError(Exception):
    def __init__(self, errors: dict[str, list[Any]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class ImportResult:
    dry_run: bool = False
    committed: bool = False
    rows: int = 0
    children_created: int = 0
    children_matched: int = 0
    children_updated: int = 0
    visits_created: int = 0
    visits_unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    # rows that give nothing an earlier row of the file did not (the same visit, or the very same row
    # without one): {"row", "repeats"}, counted neither as visits nor as children found
    repeated_rows: list[dict[str, int]] = field(default_factory=list)
    # rows that add values to the visit an earlier row of the file gives the child that day (one row the
    # weight, another the length): {"row", "combined_with"} (the visit's first row), one visit, counted once
    combined_rows: list[dict[str, int]] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)  # the file's columns not read (``reader.Headers``)
    # rows that are no child's, skipped saying why (a register's totals line, its column numbers, its
    # signature: ``rows.skipped_rows``): {"row", "reason"}, counted in none of the other numbers (``rows`` neither)
    skipped_rows: list[dict[str, Any]] = field(default_factory=list)
    # children already registered whose data a refused row's message discloses (her name and birth date,
    # the posyandu she is registered at, the visit of a day she has): read, for the access log
    # (``settle``), whether or not the import is kept. A dry run, a check, writes nothing: no audit row;
    # what its answer tells of a registered child is logged as any import's is, and nothing else (its
    # counts name no child, and what its rows match was the importer's to give)
    named: set[uuid.UUID] = field(default_factory=set)
    filename: str | None = None  # the file's, and its SHA-256: for the audit row of a refused one (``settle``)
    file_digest: str | None = None

    @property
    def invalid_rows(self) -> int:
        return len(self.errors)

    @property
    def valid_rows(self) -> int:
        return self.rows - self.invalid_rows


def _child_key(posyandu_id: uuid.UUID, child: dict[str, Any]) -> str:
    """What makes a row's child the same child in every file: its posyandu and NIK, else its name,
    birth date and sex."""
    if child.get("nik"):
        return f"child|{posyandu_id}|nik:{child['nik']}"
    return f"child|{posyandu_id}|{_plain_name(child['name'])}|{child['birth_date']}|{child['sex']}"


def child_id_for(posyandu_id: uuid.UUID, child: dict[str, Any]) -> uuid.UUID:
    """The id an import gives a row's child: the same in every import (a file imported again finds
    it), keyed with the server's secret (``IMPORT_ID_KEY``, else ``SECRET_KEY``). Unkeyed, anyone could
    compute the id of the child with a given NIK at a given posyandu (the formula is public) and
    learn, from the 409 a record with that id is answered, that the NIK is registered there."""
    secret = (current_app.config.get("IMPORT_ID_KEY") or current_app.config["SECRET_KEY"]).encode()
    return uuid.uuid5(NAMESPACE, hmac.new(secret, _child_key(posyandu_id, child).encode(), hashlib.sha256).hexdigest())


def legacy_child_id_for(posyandu_id: uuid.UUID, child: dict[str, Any]) -> uuid.UUID:
    """The unkeyed id imports gave children before ``child_id_for`` was keyed: still looked up, so a
    file imported then finds its children again (a child with a NIK is found by it anyway)."""
    return uuid.uuid5(NAMESPACE, _child_key(posyandu_id, child))


def visit_id_for(child_id: uuid.UUID, visit: dict[str, Any]) -> uuid.UUID:
    values = "|".join(str(visit.get(k)) for k in ("measured_on", "weight_kg", "length_height_cm", "position",
                                                  "head_circumference_cm", "muac_cm", "oedema"))
    return uuid.uuid5(NAMESPACE, f"visit|{child_id}|{values}")


MEASURED = ("weight_kg", "length_height_cm", "head_circumference_cm", "muac_cm")
_MEASURE_NAMES = {"weight_kg": ("weight", "BB", "kg"), "length_height_cm": ("length/height", "PB/TB", "cm"),
                  "head_circumference_cm": ("head circumference", "LK", "cm"), "muac_cm": ("MUAC", "LiLA", "cm")}


def _same_value(stored: Any, given: Any) -> bool:
    if isinstance(given, bool) or stored is None:
        return stored == given
    return round(float(stored), 2) == round(float(given), 2)  # as stored: Numeric(5, 2) at most


def _same_visit(stored: dict[str, Any], visit: dict[str, Any]) -> bool:
    """Whether a visit recorded (``_values``) holds every value a row's visit gives."""
    given = {k: visit[k] for k in MEASURED if visit.get(k) is not None}
    if visit.get("oedema"):
        given["oedema"] = True
    return all(_same_value(stored[k], v) for k, v in given.items())


def _measure_text(key: str, value: float, lang: str) -> str:
    en, id_, unit = _MEASURE_NAMES[key]
    return f"{en} {value:g} {unit}" if lang == "en" else f"{id_} {decimal_comma(value)} {unit}"


@dataclass
class _Visits:
    """A child's visits as an import judges its rows against them."""
    family: tuple[uuid.UUID, ...]  # the child and those merged into her: a visit imported to one is hers
    ids: set[uuid.UUID]
    # live visits' measured values by day, oldest first; one an earlier row of the file gives has its "row"
    days: dict[Any, list[dict[str, Any]]]
    given: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)  # the file's accepted rows' visits, by day
    # by day: the visit the file's rows of that day make together (``_made``), unless one was recorded before
    made: dict[Any, dict[str, Any]] = field(default_factory=dict)


FILLED_IN = ("nik", "mother_nik", "mother_name", "father_name", "guardian_phone", "address", "rt", "rw",
             "birth_weight_kg", "birth_length_cm")


def _blanks(child: Child, given: dict[str, Any]) -> dict[str, Any]:
    """The details ``given`` (a row's child) that ``child``'s record leaves blank (``FILLED_IN``)."""
    return {k: given[k] for k in FILLED_IN if given.get(k) not in (None, "") and getattr(child, k) in (None, "")}


def _plain_name(name: str) -> str:
    """A name as stored (``single_spaced``: the registry's own reading of a name), case aside: "SITI  AMINAH"
    is Siti Aminah. A row's name is read so already; a stored one may not be (a record loaded into the
    database by other means than the app, before it was so read)."""
    return single_spaced(name).lower()


def _named(posyandu_id: uuid.UUID, child: dict[str, Any]) -> tuple[uuid.UUID, str, str, Any]:
    """A child as a row names her: posyandu, name (case and spaces aside), sex, birth date."""
    return posyandu_id, _plain_name(child["name"]), child["sex"], child["birth_date"]


def _values(visit: Any) -> dict[str, Any]:
    return {k: visit.get(k) for k in (*MEASURED, "oedema")}


COMBINED = (*MEASURED, "position")  # what the file's rows of a day give their one visit, each once (``_combine``)


def _made(visit: dict[str, Any], number: int, pending: dict[str, Any] | None, *,
          there: bool = False) -> dict[str, Any]:
    """The visit the file's rows of a day make, as its first row (``number``) gives it: its values, the
    row that gave each (``from``), and either the visit to record (``pending``) or, recorded before,
    whether it stands (``there``: the day's other rows must agree with it; deleted since, those agreeing
    with the file's rows are not imported either)."""
    values = {**_values(visit), "position": visit.get("position")}
    return {**values, "row": number, "from": {k: number for k in COMBINED if values[k] is not None},
            "visit": pending, "there": there}


def _agree(key: str, a: Any, b: Any) -> bool:
    """Whether two rows' values of ``key`` (one of ``COMBINED``) are one value."""
    return a == b if key == "position" else _same_value(a, b)


def _differing(made: dict[str, Any], visit: dict[str, Any]) -> list[str]:
    """The values a row gives that the visit the file's earlier rows of its day make (``_made``) has otherwise."""
    return [k for k in COMBINED if visit.get(k) is not None and made.get(k) is not None
            and not _agree(k, made[k], visit[k])]


def _disagreeing(day: Any, given: list[tuple[int, dict[str, Any]]]) -> Msg | None:
    """Why every row of one child's day is refused, when two of them give a value otherwise (two weights, 6
    and 6.5 kg): which one is right the file cannot say, and the first imported (``accept_valid``) judged her
    N/T and 2T by a weight perhaps mistyped, while the clerk was told to correct either row. None when the
    rows agree: they are one visit (``_combine``)."""
    differing: dict[str, list[tuple[int, Any]]] = {}
    for k in COMBINED:
        values = [(number, visit[k]) for number, visit in given if visit.get(k) is not None]
        if any(not _agree(k, values[0][1], v) for _, v in values):
            differing[k] = values
    if not differing:
        return None
    rows = sorted({number for values in differing.values() for number, _ in values})
    listed = {lang: (", ".join(map(str, rows[:-1])) + (" and " if lang == "en" else " dan ") + str(rows[-1]))
              for lang in ("en", "id")}
    shown = {lang: "; ".join(f"{'row' if lang == 'en' else 'baris'} {number}: {_value_text(k, value, lang)}"
                             for k, values in differing.items() for number, value in values) for lang in ("en", "id")}
    return Msg(
        f"rows {listed['en']} give this child other values on {date_text(day, 'en')} ({shown['en']}): one visit a "
        "day, and which is right is not known; correct the wrong rows and import the file again (no row of this "
        "child's day is imported until then)",
        f"baris {listed['id']} memberi anak ini nilai berbeda tanggal {date_text(day, 'id')} ({shown['id']}): "
        "satu kunjungan sehari, dan tidak diketahui mana yang benar; perbaiki baris yang salah lalu impor lagi "
        "(tidak ada baris anak ini di hari itu yang diimpor sampai diperbaiki)")


def _value_text(key: str, value: Any, lang: str) -> str:
    if key == "position":
        return {"lying": ("position lying", "posisi berbaring"), "standing": ("position standing", "posisi berdiri")
                }[value][lang == "id"]
    return _measure_text(key, value, lang)


class _Run:
    """State of one file's import."""

    def __init__(self, user: User, headers: dict[str, str], result: ImportResult):
        self.user, self.headers, self.result = user, headers, result
        self.posyandu: dict[str, Posyandu | None] = {}
        self.closed_posyandu: dict[str, bool] = {}
        self.children: dict[uuid.UUID, tuple[Child, int, dict[str, Any]]] = {}  # by key id: child, first row, data
        self.new_visits: dict[uuid.UUID, list[Measurement]] = {}
        self.known: dict[uuid.UUID, _Visits] = {}  # by child: its visits (``_known``)
        self.filled: set[uuid.UUID] = set()  # the children found whose blank details were filled in (or made)
        self.pending: list[tuple[Child, dict[str, Any]]] = []  # the visits to record, in the file's order
        self.merged: dict[uuid.UUID, list[uuid.UUID]] = {}  # by child: the children merged into it
        self.created: set[uuid.UUID] = set()  # the children this file registered
        self.found: set[uuid.UUID] = set()  # the children the file's accepted rows found or registered
        self.plain_rows: dict[tuple[uuid.UUID, str], int] = {}  # the file's rows without a visit, by child: first
        # the file's valid rows, read before the first (``plan``): each child key's visits, and the
        # children the rows name directly (by their ids, keyed and of before, and by their very names)
        self.file_visits: dict[uuid.UUID, list[dict[str, Any]]] = {}
        self.file_keys: set[uuid.UUID] = set()
        self.file_names: dict[tuple[uuid.UUID, str, str, Any], set[uuid.UUID]] = {}
        self.file_niks: dict[uuid.UUID, set[uuid.UUID]] = {}  # by registered child: the keys of rows of her NIK
        # by child key: its posyandu and its first row's child
        self.file_children: dict[uuid.UUID, tuple[uuid.UUID, dict[str, Any]]] = {}
        self.twins: set[uuid.UUID] = set()  # child keys of rows marked not a duplicate ("Bukan Duplikat": ya)
        self.claims: dict[tuple[uuid.UUID, str, Any], dict[uuid.UUID, uuid.UUID]] = {}  # ``_claims``, by group
        self.registered = Registered(user)  # what a new child is compared with, read once (``plan``)
        # by (child key, day): why the file's rows of that day are all refused (``_disagreeing``)
        self.disagreeing: dict[tuple[uuid.UUID, Any], Msg] = {}

    def plan(self, rows: list[tuple[int, ParsedRow]]) -> None:
        """Read the whole file before its first row (``_found_again``): a child is then found the
        same way whichever of her rows comes first."""
        niks: dict[str, set[uuid.UUID]] = {}
        days: dict[tuple[uuid.UUID, Any], list[tuple[int, dict[str, Any]]]] = {}
        for number, row in rows:
            pos = self.posyandu.get(row.posyandu or "")
            if row.errors or pos is None:
                continue
            key = child_id_for(pos.id, row.child)
            # the ids imports gave children before ids were keyed too: a row finds her by either
            keys = {key, legacy_child_id_for(pos.id, row.child)}
            self.file_keys |= keys
            self.file_names.setdefault(_named(pos.id, row.child), set()).update(keys)
            self.file_children.setdefault(key, (pos.id, row.child))
            self.registered.plan(pos.id, row.child)
            if row.not_duplicate:
                self.twins.add(key)
            if row.visit:
                self.file_visits.setdefault(key, []).append(row.visit)
                days.setdefault((key, row.visit["measured_on"]), []).append((number, row.visit))
            if row.child.get("nik"):
                niks.setdefault(row.child["nik"], set()).add(key)
        self.disagreeing = {day: why for day, given in days.items() if len(given) > 1
                            if (why := _disagreeing(day[1], given)) is not None}
        if niks:  # the children the rows' NIKs find (``_existing``), whatever the name the rows give them
            for child_id, nik in db.session.execute(select(Child.id, Child.nik).where(
                    among(db.session, Child.nik, set(niks)), Child.deleted_at.is_(None),
                    Child.merged_into.is_(None), access.child_clause(self.user))):
                self.file_niks.setdefault(child_id, set()).update(niks[nik])

    def lock_posyandu(self, texts: Iterable[str]) -> None:
        """Find every posyandu the file names and take their locks, as a registration there takes them
        (``access.lock_posyandu_for_children``: rows, then registration locks, in the order of their
        ids), all at once, before any child's: taken as a row first named each, after an earlier row's
        child, a push or a correction holding a later posyandu's locks and waiting for that child
        deadlocked with the import. One closed while this waited is said so."""
        for text in texts:
            self._look_up(text)
        access.lock_posyandu_for_children(pos.id for pos in self.posyandu.values() if pos is not None)
        for text, pos in self.posyandu.items():
            if pos is not None and pos.deleted_at is not None:  # read again as it stands, once locked
                self.posyandu[text], self.closed_posyandu[text] = None, True

    def _look_up(self, text: str) -> None:
        if text not in self.posyandu:
            stmt = select(Posyandu).where(access.posyandu_clause(self.user))
            try:
                stmt = stmt.where(Posyandu.id == uuid.UUID(text))
            except ValueError:
                stmt = stmt.where(named(Posyandu, text))
                if (desa := re.fullmatch(r"(.+?)\s*\((.+)\)", text.strip().lower())) and db.session.scalar(
                        stmt.with_only_columns(Posyandu.id).limit(1)) is None:
                    # "Mawar (Sooko)": named with its desa, as the reports name a posyandu another open
                    # posyandu of its kabupaten shares its name with (each alone "ganda", ambiguous)
                    stmt = select(Posyandu).join(Region, Region.code == Posyandu.desa_code).where(
                        access.posyandu_clause(self.user), named(Posyandu, desa[1]),
                        func.lower(Region.name) == desa[2].strip())
            found = db.session.scalars(stmt.where(Posyandu.deleted_at.is_(None)).limit(2)).all()
            self.posyandu[text] = found[0] if len(found) == 1 else None
            # none open by that name: a closed one in the importer's area is said so, not "unknown"
            self.closed_posyandu[text] = not found and db.session.scalar(stmt.limit(1)) is not None

    def lock_children(self, rows: list[ParsedRow]) -> None:
        """Lock every child registered already that a row may write visits for, before the first row,
        as the rows will (``access.child_for_events``: FOR SHARE), in the order of their ids: locked
        row by row, in the file's order, the import held one child and waited for another that a
        merge, or a push deleting both, held while it waited for the first (they lock by id). A few
        queries for the whole file, each finding more than ``_existing`` may match (a superset does no
        harm): the children of the rows' ids (the keyed ones and those of before), those of their
        NIKs, those of their posyandu born on their day, and the children those were merged into.
        Found later (a merge committed meanwhile), a child is locked by its row, as by a push.
        SQLite: the import holds its one write lock already (``access.locked``)."""
        if db.session.get_bind().dialect.name != "postgresql":
            return
        rows = [(row, self.posyandu.get(row.posyandu or "")) for row in rows if not row.errors]
        rows = [(row, pos) for row, pos in rows if pos is not None]
        if not rows:
            return
        ids = {make(pos.id, row.child) for row, pos in rows for make in (child_id_for, legacy_child_id_for)}
        niks = {row.child["nik"] for row, _ in rows if row.child.get("nik")}
        born = {(pos.id, row.child["sex"], row.child["birth_date"]) for row, pos in rows}
        live = (Child.deleted_at.is_(None), Child.merged_into.is_(None), access.child_clause(self.user))
        found = {(i, into) for i, into in db.session.execute(
            select(Child.id, Child.merged_into).where(among(db.session, Child.id, ids)))}
        if niks:
            found |= {(i, None) for i in db.session.scalars(
                select(Child.id).where(among(db.session, Child.nik, niks), *live))}
        found |= {(i, into) for i, into, *day in db.session.execute(  # merged away too (``_registered_by_hand``)
            select(Child.id, Child.merged_into, Child.posyandu_id, Child.sex, Child.birth_date).where(
                among(db.session, Child.posyandu_id, {p for p, _, _ in born}),
                among(db.session, Child.birth_date, {d for _, _, d in born}),
                Child.deleted_at.is_(None) | Child.merged_into.is_not(None), access.child_clause(self.user)))
            if tuple(day) in born}
        wanted = {i for i, _ in found}
        chained = {into for _, into in found if into is not None} - wanted
        while chained:  # the child that stands for one merged away
            wanted |= chained
            chained = set(db.session.scalars(select(Child.merged_into).where(
                among(db.session, Child.id, chained), Child.merged_into.is_not(None)))) - wanted
        access.lock_children(wanted, access.EVENTS, read=False)

    def find_posyandu(self, text: str) -> Posyandu:
        """The posyandu a row names, found and locked ahead (``lock_posyandu``)."""
        if text not in self.posyandu:
            self.lock_posyandu([text])
        if self.posyandu[text] is None:
            if self.closed_posyandu[text]:
                raise RowError({"posyandu": [Msg(f"posyandu '{text}' is closed: choose another",
                                                 f"posyandu '{text}' sudah ditutup: pilih posyandu lain")]})
            raise RowError({"posyandu": [Msg(f"unknown posyandu '{text}' (or outside your area, or ambiguous: "
                                             "add its desa, e.g. 'Mawar (Sooko)')",
                                             f"posyandu '{text}' tidak dikenal (atau di luar wilayah Anda, atau ganda: "
                                             "tulis juga desanya, mis. 'Mawar (Sooko)')")]})
        return self.posyandu[text]

    def posyandu_errors(self, row: ParsedRow) -> dict[str, list[Any]]:
        """A refused row's posyandu judged too (unknown, outside the area, closed), so a dry run names
        every problem of the row at once; looked up only: the row writes nothing, and takes no lock."""
        if not row.posyandu or "posyandu" in row.errors:
            return {}
        self._look_up(row.posyandu)
        if self.posyandu[row.posyandu] is not None:
            return {}
        try:
            self.find_posyandu(row.posyandu)
        except RowError as exc:
            return exc.errors
        return {}

    def child_for(self, number: int, row: ParsedRow, pos: Posyandu) -> tuple[Child, str]:
        """The row's child and how it was found: ``seen`` (an earlier row of this file),
        ``matched`` (already registered) or ``created``."""
        key = child_id_for(pos.id, row.child)
        if key in self.children:
            child, first, data = self.children[key]
            # the name as the key reads it (case and spaces aside: "RARA PUTRI" one month is Rara Putri)
            differs = [k for k in ("name", "sex", "birth_date") if (_plain_name(row.child[k]) != _plain_name(data[k])
                                                                     if k == "name" else row.child.get(k) != data.get(k))]
            if differs:
                raise RowError({k: [Msg(f"differs from row {first} of the same child",
                                        f"berbeda dengan baris {first} untuk anak yang sama")] for k in differs})
            if child.posyandu_id != pos.id:  # moved since: each row of hers gives nothing new, or is refused
                self._elsewhere(child, row)
            return child, "seen"
        child, how = self._existing(key, row, pos), "matched"
        if child is None:
            child, how = self._register(key, row, pos), "created"
            self.created.add(child.id)
        self.children[key] = (child, number, row.child)
        return child, how

    def _existing(self, key: uuid.UUID, row: ParsedRow, pos: Posyandu) -> Child | None:
        child = (db.session.get(Child, key)
                 or db.session.get(Child, legacy_child_id_for(pos.id, row.child)))  # imported before ids were keyed
        by_nik = False
        if child is None and row.child.get("nik"):  # among the children the importer may see: a NIK
            # registered outside their area is not theirs to learn of (it is registered anew, as by hand)
            child = db.session.scalar(select(Child).where(Child.nik == row.child["nik"], Child.deleted_at.is_(None),
                                                          Child.merged_into.is_(None), access.child_clause(self.user))
                                      .limit(1))
            by_nik = child is not None
        if child is None:
            child = (self._registered_by_hand(row, pos) or self._found_again(key, row, pos)
                     or self._at_another_posyandu(row, pos))
        if child is not None and child.merged_into is not None:
            child = resolve_alias(child)
        if child is not None:  # locked for writing its visits, and judged as it then stands
            child = access.child_for_events(child.id)
        if child is not None and child.deleted_at is not None:
            raise RowError({"name": [Msg("this child was deleted", "anak ini sudah dihapus")]})
        if child is not None and child.posyandu_id != pos.id:
            self._elsewhere(child, row)
            return child
        if child is not None and row.child.get("nik"):  # a NIK typed wrong may be another child's
            sex = {"M": "L", "F": "P"}.get(child.sex)
            differs = {k: shown for k, v, shown in (("sex", child.sex, {"en": sex, "id": sex}),
                                                    ("birth_date", child.birth_date,
                                                     {lang: date_text(child.birth_date, lang) for lang in ("en", "id")}))
                       if row.child[k] != v}
            if differs:
                self.result.named.add(child.id)
                raise RowError({k: [Msg(
                    f"the child registered with this NIK ({child.name}) has {v['en']}: "
                    "correct the file or the child's record",
                    f"anak yang terdaftar dengan NIK ini ({child.name}) tercatat {v['id']}: perbaiki berkas atau data anak")]
                    for k, v in differs.items()})
            # a twin's NIK (the same birth date and sex) on the other twin's row, or a digit typed wrong:
            # her visits went to another child without a word
            if by_nik and not names_alike(child, SimpleNamespace(name=row.child["name"],
                                                                 mother_nik=row.child.get("mother_nik"),
                                                                 mother_name=row.child.get("mother_name"))):
                self.result.named.add(child.id)
                raise RowError({"nik": [Msg(
                    f"this NIK is registered for {child.name}, not {row.child['name']}: correct the NIK or the name "
                    "(a twin's NIK?)",
                    f"NIK ini terdaftar untuk {child.name}, bukan {row.child['name']}: perbaiki NIK atau nama "
                    "(NIK kembarannya?)")]})
        return child

    def _elsewhere(self, child: Child, row: ParsedRow) -> None:
        """A row naming a child registered at another posyandu: refused, saying where when that is in the
        importer's area (a child moved out of it is not followed there), unless it gives nothing she lacks
        there (``_nothing_new``), each row of hers judged."""
        other = db.session.scalar(select(Posyandu.name).where(Posyandu.id == child.posyandu_id,
                                                              access.posyandu_clause(self.user)))
        if other and self._nothing_new(child, row):
            return
        named = f" ({other})" if other else ""
        if other:  # where a child of her area is registered: a read of the child's record
            self.result.named.add(child.id)
        first = self._registered_by_row(child)  # not in the app: an earlier row of this file registers her
        raise RowError({"nik" if row.child.get("nik") else "posyandu": [Msg(
            f"row {first} of this file records this child at another posyandu{named}: one child, one "
            "posyandu; correct the posyandu in one of the rows",
            f"baris {first} berkas ini mencatat anak ini di posyandu lain{named}: satu anak di satu posyandu; "
            "perbaiki posyandu di salah satu baris") if first is not None else Msg(
            f"this child is registered at another posyandu{named}", f"anak ini terdaftar di posyandu lain{named}")]})

    def _nothing_new(self, child: Child, row: ParsedRow) -> bool:
        """Whether a row of a child now at another posyandu of the importer's area gives nothing she lacks:
        its visit recorded already with its very values (or none), and no detail her record is blank in.
        Last month's register imported again after she moved (Melati to Mawar) was refused on her rows:
        they are matched and unchanged, writing nothing; a new visit or detail is still refused there."""
        if _blanks(child, row.child):
            return False
        return not row.visit or self._agreeing_days(child, [row.visit]) == 1

    def _registered_by_hand(self, row: ParsedRow, pos: Posyandu) -> Child | None:
        """The one child of the posyandu registered with this very name (case and spaces aside, read
        as the registry reads a name: ``_plain_name``), sex and birth date, and no other NIK: a child a
        kader registered in the app, whose id no import made, or one an earlier row of the file gave her
        NIK (a row without a NIK is
        hers whether her NIK is recorded or not: the NIK on her first row only of a register). Found,
        she gets the visits (and a file imported again finds her again); none, or more than one,
        and the row is looked for again (``_found_again``), else a new child (refused as a likely
        duplicate of a similar one unless ``bukan_duplikat``). A record a bidan merged into another
        since is found when no standing one is, as the child she was merged into (``resolve_alias``):
        the file imported again then adds nothing rather than a third registration."""
        c = row.child
        found = [child for child in db.session.scalars(select(Child).where(
            Child.posyandu_id == pos.id, Child.sex == c["sex"], Child.birth_date == c["birth_date"],
            *((Child.nik.is_(None) | (Child.nik == c["nik"]),) if c.get("nik") else ()),
            Child.deleted_at.is_(None) | Child.merged_into.is_not(None), access.child_clause(self.user)))
            if _plain_name(child.name) == _plain_name(c["name"])]  # compared as the registry reads names
        standing = [child for child in found if child.merged_into is None]
        if standing:
            return standing[0] if len(standing) == 1 else None
        into = {stands.id: stands for stands in map(resolve_alias, found)}
        return next(iter(into.values())) if len(into) == 1 else None

    def _at_another_posyandu(self, row: ParsedRow, pos: Posyandu) -> Child | None:
        """The child of the importer's area registered at another posyandu with the row's very name
        (``spelled_name``), sex, birth date and mother (both given, alike: ``mother_names_alike``), and no
        other NIK: refused as registered there (``_existing``), as the row is with her NIK. Without it a
        register of the posyandu she is not registered at registered her a second time."""
        c = row.child
        if not c.get("mother_name"):
            return None
        name = spelled_name(c["name"])
        return next((child for child in self.registered.in_area(c["sex"], c["birth_date"])
                     if child.posyandu_id != pos.id and (not c.get("nik") or child.nik in (None, c["nik"]))
                     and child.mother_name and mother_names_alike(c["mother_name"], child.mother_name)
                     and spelled_name(child.name) == name), None)

    def _found_again(self, key: uuid.UUID, row: ParsedRow, pos: Posyandu) -> Child | None:
        """The child a row names by a name she no longer has, or that the file corrected. An import
        found a child by her name only: a file imported again after her name was corrected, in the
        app or in the file, registered her a second time, with her visits (S counted her twice).
        Of the children of the posyandu with the row's sex and birth date (and no other NIK) whom no
        other row of the file, under another name, names (by her id, keyed or of before, her NIK or her
        very name) or finds (a twin weighed the same is not her sister), the one once recorded under the
        row's name (corrected in the app: the audit trail keeps the names she had), else the one of her
        very name spelled otherwise (``_may_be_by_visits``) holding the very measurements this child's rows of the file give, on
        each of their days she was weighed (one day at least: the file imported before, under the name it
        then gave her, its spelling since corrected); either way none
        whose visit of such a day differs (a twin). None, or more than one, and the row is a new child.
        Judged for the whole file at once (``_claims``), so whichever of the twins' rows comes first."""
        child_id = self._claims(key, pos, row.child["sex"], row.child["birth_date"]).get(key)
        return None if child_id is None else db.session.get(Child, child_id)

    def _claims(self, asking: uuid.UUID, pos: Posyandu, sex: str, birth_date: Any) -> dict[uuid.UUID, uuid.UUID]:
        """{key: the child ``_found_again`` finds for it} for every child key of the file born that day,
        of that sex, at that posyandu, that nothing else finds (her id, her NIK, her very name): computed
        once, from the whole file, in rounds. A row found her sister only once her sister's rows were
        judged: taken row by row, a twin whose one visit her sister also has was found when her sister's
        rows came first and registered anew when they came last. Each round, every key left takes the
        one child it fits among those no child of another name took; a child two names take is taken by
        neither (no telling which); the rounds end when none takes one more. ``asking``: the key of the
        row that asks first, found by nothing else (``_existing`` looked)."""
        group = (pos.id, sex, birth_date)
        if group in self.claims:
            return self.claims[group]
        keys = {key: c for key, (pos_id, c) in self.file_children.items()
                if pos_id == pos.id and c["sex"] == sex and c["birth_date"] == birth_date}
        taken: dict[uuid.UUID, tuple[uuid.UUID, str, str, Any]] = {}  # children found otherwise: by whose name
        options: dict[uuid.UUID, list[tuple[uuid.UUID, bool, int]]] = {}
        for key, c in keys.items():
            direct = None if key == asking else self._found_directly(key, c, pos)
            if direct is not None:
                taken.setdefault(direct, _named(pos.id, c))
            else:
                options[key] = self._candidates(key, c, pos)
        claimed: dict[uuid.UUID, uuid.UUID] = {}
        while True:
            picks: dict[uuid.UUID, dict[uuid.UUID, tuple[uuid.UUID, str, str, Any]]] = {}
            for key, candidates in options.items():
                if key in claimed:
                    continue
                name = _named(pos.id, keys[key])
                others = {i for i, by in taken.items() if by != name} | {
                    i for k, i in claimed.items() if _named(pos.id, keys[k]) != name}
                free = [(i, renamed, agreeing) for i, renamed, agreeing in candidates if i not in others]
                found = [i for i, renamed, _ in free if renamed] or [i for i, _, agreeing in free if agreeing]
                if len(found) == 1:
                    picks.setdefault(found[0], {})[key] = name
            new = {key: i for i, by in picks.items() if len(set(by.values())) == 1 for key in by}
            if not new:
                break
            claimed.update(new)
        self.claims[group] = claimed
        return claimed

    def _found_directly(self, key: uuid.UUID, c: dict[str, Any], pos: Posyandu) -> uuid.UUID | None:
        """The child a key's rows find before ``_found_again`` looks (``_existing``): by her id (keyed or
        of before, the one she was merged into), her NIK, her very name."""
        child = db.session.get(Child, key) or db.session.get(Child, legacy_child_id_for(pos.id, c))
        if child is not None:
            return resolve_alias(child).id if child.merged_into is not None else child.id
        by_nik = next((i for i, keys in self.file_niks.items() if key in keys), None)
        if by_nik is not None:
            return by_nik
        child = self._registered_by_hand(ParsedRow(child=c), pos)
        return None if child is None else child.id

    def _candidates(self, key: uuid.UUID, c: dict[str, Any], pos: Posyandu) -> list[tuple[uuid.UUID, bool, int]]:
        """The children a key's rows may name under another name (``_found_again``): (id, once recorded
        under the rows' name, on how many of the rows' days she has their very visit), none whose visit
        of such a day differs, nor one the file names otherwise (her id, her NIK, her very name under
        another key's name)."""
        from posyandu.audit import AuditLog

        same = self.file_names.get(_named(pos.id, c), set())  # this child's keys (with a NIK and without)
        elsewhere = {child_id for child_id, keys in self.file_niks.items() if keys - same}
        candidates = [child for child in db.session.scalars(select(Child).where(
            Child.posyandu_id == pos.id, Child.sex == c["sex"], Child.birth_date == c["birth_date"],
            *((Child.nik.is_(None) | (Child.nik == c["nik"]),) if c.get("nik") else ()),
            Child.deleted_at.is_(None), Child.merged_into.is_(None), access.child_clause(self.user))
            .order_by(Child.id).limit(20))
            if child.id not in self.created and child.id not in self.file_keys - same and child.id not in elsewhere
            and not self.file_names.get(_named(pos.id, {**c, "name": child.name}), set()) - same]
        visits = self.file_visits.get(key, [])
        agreeing = {child.id: self._agreeing_days(child, visits) for child in candidates}
        candidates = [child for child in candidates if agreeing[child.id] is not None]
        if not candidates:
            return []
        wanted = _plain_name(c["name"])
        renamed = {record_id for record_id, changes in db.session.execute(
            select(AuditLog.record_id, AuditLog.changes).where(
                AuditLog.entity == "child", AuditLog.record_id.in_([str(child.id) for child in candidates])))
            if wanted in {_plain_name(name) for name in ((changes or {}).get("name") or ()) if isinstance(name, str)}}
        return [(child.id, str(child.id) in renamed, agreeing[child.id] if self._may_be_by_visits(key, c, child) else 0)
                for child in candidates]

    def _may_be_by_visits(self, key: uuid.UUID, c: dict[str, Any], child: Child) -> bool:
        """Whether the child a row's visits agree with may be hers under another name: only when the
        names are one child's (``names_same``: her very name spelled otherwise, "Siti Aminnah" for "Siti
        Aminah", or a newborn's "Bayi Ny. Siti" named since, her mother the same); not when the rows say
        she is a twin ("Bukan Duplikat": her sister was weighed the same), nor when they give another
        mother. A weighing of the same values on the same day is no proof of who was weighed: twins of one
        mother weighed alike, and any child of that sex and birth date weighed so, were taken for the child
        registered (Zahra Ramadhani's row for her twin Aisyah Putri, her NIK and father written on Aisyah's
        record); names alike as a likely duplicate's are (``names_alike``: "Siti Zahra" and "Siti Aisyah"
        share "siti") are not either: the row is a new child, refused as the likely duplicate she is
        unless "Bukan Duplikat". A child the audit trail knows by the row's name is found all the same."""
        mother = c.get("mother_name")
        row = SimpleNamespace(name=c["name"], mother_nik=c.get("mother_nik"), mother_name=mother)
        return key not in self.twins and names_same(child, row) and not (
            mother and child.mother_name and not mother_names_alike(mother, child.mother_name))

    def _agreeing_days(self, child: Child, visits: list[dict[str, Any]]) -> int | None:
        """On how many days of ``visits`` the child has a live visit of the very values given; None
        when one of those days' visits differs."""
        if not visits:
            return 0
        days: dict[Any, list[dict[str, Any]]] = {}
        for m in db.session.execute(select(Measurement.measured_on, Measurement.oedema,
                                           *(getattr(Measurement, k) for k in MEASURED)).where(
                Measurement.child_id == child.id, Measurement.deleted_at.is_(None),
                Measurement.measured_on.in_({v["measured_on"] for v in visits}))):
            days.setdefault(m.measured_on, []).append(_values(m._mapping))
        agreeing = 0
        for visit in visits:
            if visit["measured_on"] not in days:
                continue
            if not any(_same_visit(m, visit) for m in days[visit["measured_on"]]):
                return None
            agreeing += 1
        return agreeing

    def _register(self, key: uuid.UUID, row: ParsedRow, pos: Posyandu) -> Child:
        child = create_child(self.user, {**row.child, "id": key, "posyandu_id": pos.id},
                             candidates=self.registered.alike)
        if row.not_duplicate:  # registered all the same, flagged for a bidan to merge or rule apart
            if child.possible_duplicate_of is None and (other := self._misdated(child)) is not None:
                record_change(child, "update", apply_changes(child, {"possible_duplicate_of": other.id}))
            return child
        if child.possible_duplicate_of:
            other = db.session.get(Child, child.possible_duplicate_of)
            self.result.named.add(other.id)
            if _plain_name(other.name) == _plain_name(row.child["name"]) and other.sex == row.child["sex"]:
                raise RowError({"birth_date": [self._other_birth_date(other)]})
            if sex_typed_wrong(child, other):
                raise RowError({"sex": [self._other_sex(other)]})
            others = likely_duplicates(child, candidates=self.registered.alike(child))
            if len(others) > 1:  # twins: the row may be either sister, not a third child
                self.result.named.update(o.id for o in others)
                raise RowError({"name": [self._one_of(others)]})
            raise RowError({"name": [self._likely_duplicate(other)]})
        if (other := self._misdated(child)) is not None:
            self.result.named.add(other.id)
            raise RowError({"birth_date": [self._likely_duplicate(other, misdated=True)]})
        return child

    def _likely_duplicate(self, other: Child, *, misdated: bool = False) -> Msg:
        """Why a new child's row is refused as ``other``'s likely duplicate: what to correct (her name, or
        her birth date when ``misdated``: ``_misdated``), in the file when an earlier row of it registers
        ``other``, or 'ya' in the twins' column as the file heads it."""
        first = self._registered_by_row(other)
        twins = self._column("not_duplicate")
        shown = {lang: date_text(other.birth_date, lang) for lang in ("en", "id")}
        what = {"en": "the birth date", "id": "tanggal lahir"} if misdated else {"en": "the name", "id": "nama"}
        if first is not None:  # not in the app: the file's own row registers her
            return Msg(
                f"likely the same child as {other.name} (born {shown['en']}) of row {first} of this file; correct "
                f"{what['en']} in one of the rows, or write 'ya' in {twins} (twins)",
                f"kemungkinan anak yang sama dengan {other.name} (lahir {shown['id']}) di baris {first} berkas ini; "
                f"perbaiki {what['id']} di salah satu baris, atau tulis 'ya' di kolom {twins} (kembar)")
        if misdated:
            return Msg(
                f"likely the same child as {other.name} (born {shown['en']}) already registered, the birth date "
                f"with its day and month swapped or another year; correct the birth date in the file or in the "
                f"app, or write 'ya' in {twins}",
                f"kemungkinan anak yang sama dengan {other.name} (lahir {shown['id']}) yang sudah terdaftar, "
                f"tanggal lahirnya tertukar hari dan bulan atau beda tahun; perbaiki tanggal lahir di berkas atau "
                f"di aplikasi, atau tulis 'ya' di kolom {twins}")
        return Msg(
            f"likely the same child as {other.name} (born {shown['en']}) already registered; "
            f"add the NIK, correct the name, or write 'ya' in {twins}",
            f"kemungkinan anak yang sama dengan {other.name} (lahir {shown['id']}) "
            f"yang sudah terdaftar; isi NIK, perbaiki nama, atau tulis 'ya' di kolom {twins}")

    def _one_of(self, others: list[Child]) -> Msg:
        """Why a new child's row is refused as likely one of several registered children (twins, "Putri
        Aini" for Putri Ayu and Putri Ani): each named, and the row's name (or NIK) to be written as one is
        registered; 'ya' in the twins' column only for another child (it registers a third)."""
        twins = self._column("not_duplicate")
        shown = {lang: ", ".join(f"{other.name} ({word} {date_text(other.birth_date, lang)}"
                                 + (f", {where} {first}" if (first := self._registered_by_row(other)) else "") + ")"
                                 for other in others)
                 for lang, word, where in (("en", "born", "row"), ("id", "lahir", "baris"))}
        return Msg(
            f"may be one of the children already registered: {shown['en']}; if she is one of them, write her name "
            f"(or NIK) exactly as registered; only if she is truly another child, write 'ya' in {twins}",
            f"mungkin salah satu anak yang sudah terdaftar: {shown['id']}; jika memang salah satunya, tulis namanya "
            f"(atau NIK-nya) persis seperti terdaftar; hanya jika benar-benar anak lain, tulis 'ya' di kolom {twins}")

    def _misdated(self, child: Child) -> Child | None:
        """The child of the posyandu of the very name (``spelled_name``), sex and mother (her name alike,
        ``mother_names_alike``) of ``child``, just registered from a row, born on its birth date with the
        day and month swapped (12 Aug for 8 Dec) or one year off, the day and month the same: a birth date
        typed wrong in one place, which ``likely_duplicate`` (three days either side) does not see, and
        the child was registered a second time. Registered all the same (``bukan_duplikat``), she is
        flagged ``possible_duplicate_of`` her, for a bidan to merge or to rule apart: she was registered
        unflagged, in no bidan's "Anak ganda" list, where a likely duplicate registered so is."""
        name = spelled_name(child.name)
        return next((other for other in self.registered.at_posyandu(child.posyandu_id, child.sex,
                                                                     misdated_days(child.birth_date))
                     if other.id != child.id and spelled_name(other.name) == name
                     and mother_names_alike(child.mother_name or "", other.mother_name or "")), None)

    def _column(self, key: str) -> str:
        """A column as a message names it: by the file's own header, else the template's."""
        return self.headers.get(key) or TITLES.get(key, key)

    def _registered_by_row(self, other: Child) -> int | None:
        """The row of this file that registers ``other``, if one does."""
        if other.id not in self.created:
            return None
        return next((number for child, number, _ in self.children.values() if child.id == other.id), None)

    def _other_sex(self, other: Child) -> Msg:
        """Why a row is refused as the child of its very name and birth date registered as the other sex: her
        sex typed wrong in one place. Corrected where it is wrong (the row is then hers); 'ya' in the twins'
        column only for another child."""
        twins = self._column("not_duplicate")
        shown = {lang: date_text(other.birth_date, lang) for lang in ("en", "id")}
        sex = {"en": "a boy" if other.sex == "M" else "a girl", "id": "laki-laki" if other.sex == "M" else "perempuan"}
        first = self._registered_by_row(other)
        if first is None:
            said = {"en": f"{other.name} (born {shown['en']}) is registered as {sex['en']}",
                    "id": f"{other.name} (lahir {shown['id']}) terdaftar sebagai {sex['id']}"}
        else:
            said = {"en": f"row {first} of this file gives {other.name} (born {shown['en']}) as {sex['en']}",
                    "id": f"baris {first} berkas ini mencatat {other.name} (lahir {shown['id']}) sebagai {sex['id']}"}
        return Msg(f"{said['en']}: the same child, the sex typed wrong in one place? Correct it where it is wrong, "
                   f"or write 'ya' in {twins} if this is another child",
                   f"{said['id']}: anak yang sama, jenis kelamin salah ketik di salah satu tempat? Perbaiki yang salah, "
                   f"atau tulis 'ya' di kolom {twins} jika ini anak lain")

    def _other_birth_date(self, other: Child) -> Msg:
        """Why a row is refused as the likely duplicate of a child of its very name and sex born a few
        days off: the same child, her birth date corrected in one place only. Not ``bukan_duplikat``
        (she would be registered twice): the birth date is corrected where it is wrong, in the app
        (then the row finds her) or in the file; in the file when an earlier row of it registered her."""
        shown = {lang: date_text(other.birth_date, lang) for lang in ("en", "id")}
        first = self._registered_by_row(other)
        if first is not None:
            return Msg(f"row {first} of this file gives {other.name} the birth date {shown['en']}: the same child? "
                       "Correct the birth date in one of the rows",
                       f"baris {first} berkas ini mencatat {other.name} lahir {shown['id']}: anak yang sama? "
                       "Perbaiki tanggal lahir di salah satu baris")
        return Msg(f"{other.name} is registered born {shown['en']}, a few days from this row's birth date: the "
                   "same child? If this row's date is right, correct the birth date in the app (the child's "
                   "record), else correct it in the file; the row is then hers (bukan_duplikat would register "
                   "her twice)",
                   f"{other.name} terdaftar lahir {shown['id']}, beberapa hari dari tanggal lahir di baris ini: anak "
                   "yang sama? Jika tanggal di baris ini yang benar, perbaiki tanggal lahir di aplikasi (data anak), "
                   "jika tidak perbaiki di berkas; baris ini lalu tercatat untuknya (bukan_duplikat akan "
                   "mendaftarkannya dua kali)")

    def visit(self, child: Child, visit: dict[str, Any], created: bool,
              number: int) -> tuple[bool, int | None, int | None]:
        """Judge the visit, to be recorded at the end (``record_visits``) unless it was imported before,
        to this child or to a duplicate since merged into it (the visit kept its id), or is the day's
        visit already: whether it will be recorded, the earlier row of the file that gave it already,
        if one did (a row repeated: nothing was there before the file), and the earlier row whose visit
        of that day it adds its values to, if it does (``_combine``). Judged against the child's visits
        read once (``_known``) and the file's earlier rows, so the rows cost no query each."""
        check_date(Measurement, child, visit)  # refused here, in the row's savepoint: a child it made goes too
        known = self._known(child, created)
        day = visit["measured_on"]
        made = known.made.get(day)
        # an earlier row's visit again: as that row gives it, or as the file's rows of the day make it together
        earlier = next((m["row"] for m in known.given.get(day, ()) if _same_visit(m, visit)), None)
        if earlier is None and made is not None and _same_visit(made, visit):
            earlier = made["row"]
        recorded, joins, new = False, None, earlier is None
        if new and any(visit_id_for(kin, visit) in known.ids for kin in known.family):  # imported before
            if made is None:  # deleted since, the day's other rows of it are not imported either (``_combine``)
                known.made[day] = _made(visit, number, None, there=bool(known.days.get(day)))
        elif new and made is not None and (made["visit"] is not None or made["there"] or not _differing(made, visit)):
            if made["there"] and not _differing(made, visit):  # recorded before: it must hold this row's values too
                self._same_day(known, visit)
            self._combine(made, visit, number)
            joins = made["row"]
        elif new and self._same_day(known, visit):
            known.made[day] = _made(visit, number, None, there=True)
        elif new:
            recorded, visit_id = True, visit_id_for(child.id, visit)
            made = known.made[day] = _made(visit, number, {**visit, "id": visit_id})
            known.ids.add(visit_id)
            known.days.setdefault(day, []).append(made)
            self.pending.append((child, made["visit"]))
        known.given.setdefault(day, []).append({**_values(visit), "row": number})
        return recorded, earlier, joins

    def _combine(self, made: dict[str, Any], visit: dict[str, Any], number: int) -> None:
        """Add a row's values to the visit the file's earlier rows of that day make (``_made``): a
        register's two lines of one visit, one with the weight and one with the length, make one visit
        (the second was refused: "one visit a day"). A value those rows give otherwise (two weights of one
        day) refuses the row, naming the row that gave it and both values: one visit a day. The file's
        visit of the day recorded before (imported, or weighed in the app), a row that adds a value is
        refused too (``_same_day``: a visit recorded is corrected in the app); deleted since, a row
        agreeing with it is not imported either, and one that differs is the day's visit (``visit``): a
        deleted visit no longer holds its day."""
        if differs := _differing(made, visit):
            rows = sorted({made["from"][k] for k in differs})
            shown = {(who, lang): ", ".join(_value_text(k, values[k], lang) for k in differs)
                     for who, values in (("made", made), ("row", visit)) for lang in ("en", "id")}
            named = {"en": f"row {rows[0]} gives" if len(rows) == 1 else f"rows {', '.join(map(str, rows))} give",
                     "id": f"baris {', '.join(map(str, rows))}"}
            day = visit["measured_on"]
            raise RowError({"measured_on": [Msg(
                f"{named['en']} this child a visit on {date_text(day, 'en')} already ({shown['made', 'en']}), and "
                f"this row {shown['row', 'en']}: one visit a day (the rows of one day are one visit when no value "
                f"of theirs differs); correct this row or {named['en'].rsplit(' ', 1)[0]}",
                f"{named['id']} sudah mencatat kunjungan anak ini tanggal {date_text(day, 'id')} "
                f"({shown['made', 'id']}), dan baris ini {shown['row', 'id']}: satu kunjungan sehari (baris-baris "
                f"di hari yang sama menjadi satu kunjungan bila tidak ada nilainya yang berbeda); perbaiki baris ini "
                f"atau {named['id']}")]})
        for k in COMBINED:
            if visit.get(k) is not None and made.get(k) is None:
                made[k], made["from"][k] = visit[k], number
        made["oedema"] = bool(made["oedema"] or visit.get("oedema"))
        if made["visit"] is not None:  # the visit to record, with every row's values (its id its first row's)
            made["visit"].update({k: made[k] for k in (*COMBINED, "oedema")})

    def _known(self, child: Child, created: bool) -> _Visits:
        """The ids of the visits of the child and of those merged into it (deleted ones too: a visit
        imported, then deleted, is not imported again) and its live visits' values by day, read once
        (a child this import registers has none, and none merged into her), then kept with the file's visits."""
        if child.id not in self.known:
            visits = _Visits((child.id,) if created else (child.id, *self.merged_into(child.id)), set(), {})
            if not created:
                for m in db.session.execute(
                        select(Measurement.id, Measurement.child_id, Measurement.measured_on, Measurement.deleted_at,
                               Measurement.oedema, *(getattr(Measurement, k) for k in MEASURED))
                        .where(among(db.session, Measurement.child_id, visits.family))
                        .order_by(Measurement.created_at)):
                    visits.ids.add(m.id)
                    if m.child_id == child.id and m.deleted_at is None:
                        visits.days.setdefault(m.measured_on, []).append(_values(m._mapping))
            self.known[child.id] = visits
        return self.known[child.id]

    def _same_day(self, known: _Visits, visit: dict[str, Any]) -> bool:
        """True when the child has a visit of that day recorded already (a weighing the kader recorded on
        her phone) with every value the row gives: it is that visit, not a second one. One with other
        values is refused, naming them: one visit a day (a second weighing of the day, on the chart and in
        the KMS trend, would be a weighing recorded twice), and a visit recorded is corrected in the app,
        not by a file. The file's own rows of a day are one visit (``_combine``)."""
        day = visit["measured_on"]
        stored = known.days.get(day)
        if not stored:
            return False
        if any(_same_visit(m, visit) for m in stored):
            return True
        m = stored[0]
        shown = {lang: ", ".join(_measure_text(k, m[k], lang) for k in MEASURED if m[k] is not None)
                 for lang in ("en", "id")}
        self.result.named.add(known.family[0])  # the answer tells the visit she has that day: a read
        raise RowError({"measured_on": [Msg(
            f"the child already has a visit on {date_text(day, 'en')} ({shown['en']}): one visit a day; "
            "correct this row, or correct the visit recorded",
            f"anak ini sudah punya kunjungan tanggal {date_text(day, 'id')} ({shown['id']}): satu kunjungan "
            "sehari; perbaiki baris ini, atau perbaiki kunjungan yang tercatat")]})

    def fill_in(self, child: Child, row: ParsedRow) -> bool:
        """Write into the child's record the details the row gives that it lacks (a birth weight, the
        mother's NIK, a phone number from the puskesmas register): an edit as in the app
        (``update_child``: audit, change log, a registration judged again); True when something
        was filled in. A detail the record holds already stays as recorded: the app is where a
        child's record is corrected."""
        blanks = _blanks(child, row.child)
        if blanks:
            update_child(self.user, child, blanks)
        return bool(blanks)

    def record_visits(self) -> None:
        """Record the visits judged by the rows, in the file's order, a few hundred at a time
        (``create_events``: one duplicate query, audit, change log and insert for each batch). Their
        children's new-event locks are taken first, all at once, in one order (``access.lock_new_events``)."""
        access.lock_new_events(child.id for child, _ in self.pending)
        for i in range(0, len(self.pending), VISIT_BATCH):
            batch = self.pending[i:i + VISIT_BATCH]
            made = create_events(self.user, Measurement, [(child, visit, None) for child, visit in batch],
                                 after_write=False)
            for (child, _), m in zip(batch, made):
                self.new_visits.setdefault(child.id, []).append(m)

    def merged_into(self, child_id: uuid.UUID) -> list[uuid.UUID]:
        """The children merged into ``child_id``, directly or through another."""
        if child_id not in self.merged:
            found, frontier = [], [child_id]
            while frontier:
                frontier = [i for i in db.session.scalars(select(Child.id).where(Child.merged_into.in_(frontier)))
                            if i not in found and i != child_id]
                found += frontier
            self.merged[child_id] = found
        return self.merged[child_id]

    def row(self, number: int, parsed: ParsedRow) -> None:
        """Import one row, in its own savepoint when it writes at once; a refused row leaves nothing behind."""
        if parsed.errors:
            raise RowError({**self.posyandu_errors(parsed), **parsed.errors})
        pos = self.find_posyandu(parsed.posyandu or "")
        key = child_id_for(pos.id, parsed.child)
        if parsed.visit and (why := self.disagreeing.get((key, parsed.visit["measured_on"]))):
            raise RowError({"measured_on": [why]})
        known = key in self.children
        try:
            # a savepoint for a row that may write (register its child, fill in its details); a row of a
            # child found already that gives nothing new writes nothing until its visit, recorded at the end
            writes = not known or bool(_blanks(self.children[key][0], parsed.child))
            with db.session.begin_nested() if writes else contextlib.nullcontext():
                child, how = self.child_for(number, parsed, pos)
                filled = how != "created" and self.fill_in(child, parsed)
                recorded, repeats, joins = (
                    self.visit(child, parsed.visit, how == "created", number) if parsed.visit
                    else (False, self.plain_rows.get((child.id, repr(sorted(parsed.child.items())))), None))
        except (RowError, DomainError) as exc:
            if not known:
                self.children.pop(key, None)
            if isinstance(exc, RowError):
                raise
            raise RowError(exc.errors or {"_row": [exc.detail or exc.key]}) from None
        if how == "matched" and child.id in self.found:  # an earlier row's child under another key (her NIK)
            how = "seen"
        self.found.add(child.id)
        r = self.result
        if not parsed.visit:  # the very row again (a registration given twice) repeats this one
            self.plain_rows.setdefault((child.id, repr(sorted(parsed.child.items()))), number)
        if repeats is not None:
            r.repeated_rows.append({"row": number, "repeats": repeats})
        if joins is not None:
            r.combined_rows.append({"row": number, "combined_with": joins})
        if how == "created" or filled:  # compared with as a stored child by the rows after (her NIK, her mother)
            self.registered.add(child)
        r.children_created += how == "created"
        r.children_matched += how == "matched"
        if how == "created":
            self.filled.add(child.id)  # what later rows give a child this file registers is no update
        elif filled and child.id not in self.filled:
            self.filled.add(child.id)
            r.children_updated += 1
        r.visits_created += recorded
        r.visits_unchanged += bool(parsed.visit) and not recorded and repeats is None and joins is None

    def error(self, number: int, errors: dict[str, list[Any]], name: str | None) -> None:
        # a column the file lacks (a visit's date) by the template's header, not ours
        named = {self._column(k): v for k, v in errors.items()}
        self.result.errors.append({"row": number, "name": name, "errors": named})


def import_visits(user: User, headers: dict[str, str], rows: Iterable[tuple[int, dict[str, Any]]], *,
                  dry_run: bool = False, accept_valid: bool = False, file_digest: str | None = None,
                  progress: Callable[[int], None] | None = None, posyandu: str | None = None) -> ImportResult:
    """Import the rows; the caller commits when ``result.committed`` and rolls back otherwise. ``posyandu``
    (its id or name): the posyandu of every row that names none (a posyandu's own register)."""
    access.require_health_worker(user)
    result = ImportResult(dry_run=dry_run, ignored_columns=list(getattr(headers, "ignored", [])),
                          file_digest=file_digest)
    run = _Run(user, headers, result)
    # Write first: the audit row's INSERT makes pysqlite BEGIN the transaction, so the row
    # savepoints below nest inside it (a SAVEPOINT opened outside one commits on RELEASE).
    log_action("import_start", "visits_file", file_digest, reason="dry run" if dry_run else None)
    db.session.flush()
    rows = list(rows)
    # no child's (a register's totals line, "Jumlah", its column numbers, its signature): said and skipped
    result.skipped_rows.extend(skipped_rows(rows))
    if result.skipped_rows:
        skipped = {r["row"] for r in result.skipped_rows}
        rows = [(number, raw) for number, raw in rows if number not in skipped]
        if progress:
            progress(len(skipped))
    if posyandu is not None:  # a child's line (the totals and signature lines skipped) naming no posyandu
        for _, raw in rows:
            if raw.get("posyandu") is None or not str(raw["posyandu"]).strip():
                raw["posyandu"] = posyandu
    refuse_excel_month_first(rows, headers)
    month_first = month_first_columns(raw for _, raw in rows)
    parsed = [(number, parse_row(raw, month_first)) for number, raw in rows]  # the whole file, before any lock
    names = {number: row_name(raw) for number, raw in rows}  # a refused row's child, as the file writes her
    run.lock_posyandu(dict.fromkeys(p.posyandu or "" for _, p in parsed if not p.errors))
    run.lock_children([p for _, p in parsed])  # after the posyandu's, as every writer takes them
    run.plan(parsed)
    for number, row in parsed:
        result.rows += 1
        try:
            run.row(number, row)
        except RowError as exc:
            run.error(number, exc.errors, names[number])
        if progress:
            progress(1)
    # kept: a file of no refused row, or its valid rows when she chose so and there are some; a file of
    # no valid row is refused whole (with accept_valid it was answered "committed", having kept nothing)
    result.committed = not dry_run and (not result.errors or (accept_valid and result.valid_rows > 0))
    if result.committed:  # a refused file or a dry run is rolled back: its visits were judged, not written
        run.record_visits()
        for child_id, visits in run.new_visits.items():
            refresh_child_growth(db.session.get(Child, child_id), touched=visits)
        log_action("import", "visits_file", file_digest, changes={
            **{k: getattr(result, k) for k in ("rows", "valid_rows", "invalid_rows", "children_created",
                                               "children_matched", "children_updated", "visits_created",
                                               "visits_unchanged")}, "repeated_rows": len(result.repeated_rows),
            "combined_rows": len(result.combined_rows), "skipped_rows": len(result.skipped_rows)})
    return result


def settle(result: ImportResult) -> None:
    """Ends an import before the caller commits: its own writes kept (``result.committed``) or rolled
    back (a dry run, a refused file), then the registered children a refused row's message named
    (``ImportResult.named``) logged as reads (``privacy.record_reads``): the answer told their names
    and birth dates whatever was kept. Only children that stand once it is over (one this file
    registered was rolled back with it). A refused file (not a dry run: a check) leaves an audit row
    of the attempt (``log_refused``), written after the rollback."""
    from posyandu.privacy import record_reads

    if not result.committed:
        db.session.rollback()
        if not result.dry_run:  # the attempt, in the transaction the caller commits next (its import_start is gone)
            log_refused(result.filename, result.file_digest, rows=result.rows, invalid_rows=result.invalid_rows)
    if result.named:
        record_reads("view", sorted(db.session.scalars(select(Child.id).where(Child.id.in_(result.named)))))


def log_refused(filename: str | None, file_digest: str | None, *, rows: int | None = None,
                invalid_rows: int | None = None, why: str | None = None) -> None:
    """The audit row of an import refused whole (its rows, or the file itself: unreadable, too long),
    written after its rollback: who tried to import which file, and that nothing was kept."""
    reason = "refused" if why is None else f"refused: {why}"
    log_action("import_refused", "visits_file", file_digest, reason=reason[:255],
               changes={"filename": filename, "rows": rows, "invalid_rows": invalid_rows})


def digest(data: Any) -> str:
    """SHA-256 of a file (for the audit row); the stream is rewound."""
    h = hashlib.sha256()
    while chunk := data.read(1 << 16):
        h.update(chunk)
    data.seek(0)
    return h.hexdigest()


NO_ROWS = Msg("the file holds no rows of children or visits: fill in one row per child or visit under the column "
              "headings, then import it again",
              "berkas tidak berisi baris anak atau kunjungan: isi satu baris per anak atau kunjungan di bawah judul "
              "kolom, lalu impor lagi")


def import_file(user: User, data: Any, filename: str, *, dry_run: bool = False, accept_valid: bool = False,
                progress: Callable[[int], None] | None = None, max_rows: int | None = None,
                posyandu: str | None = None) -> ImportResult:
    """Read a CSV/XLSX upload and import it (422 when the file itself cannot be read, or holds more
    than ``max_rows`` rows: an upload must end within the server's request timeout; the attempt is
    then audited and committed here, on its own, ``log_refused``). ``posyandu``: as ``import_visits``."""
    from posyandu.errors import ValidationFailed
    from posyandu.imports.reader import FileError, read_rows

    access.require_health_worker(user)
    file_digest = digest(data)
    try:
        headers, reading = read_rows(data, filename, posyandu_given=posyandu is not None)  # read once: the rows past the limit only counted
        rows, n = (reading, 0) if max_rows is None else within_limit(reading, max_rows)  # totals lines aside
        if max_rows is not None and n > max_rows:
            raise FileError(Msg(
                f"the file has {n} rows, more than the {max_rows} one upload takes: split it (by posyandu or by "
                "month), or ask whoever runs the server to import it with the flask import-visits command",
                f"berkas berisi {n} baris, lebih dari {max_rows} yang dapat diunggah sekaligus: pecah berkas (per "
                "posyandu atau per bulan), atau minta pengelola server mengimpornya dengan perintah flask import-visits"))
        result = import_visits(user, headers, rows, dry_run=dry_run, accept_valid=accept_valid,
                               file_digest=file_digest, progress=progress, posyandu=posyandu)
        if not result.rows and not dry_run:  # a check says so in its counts (rows 0); kept, it was "committed"
            raise FileError(NO_ROWS)
    except FileError as exc:
        if not dry_run:  # the attempt audited in a transaction of its own: the caller rolls the error back
            db.session.rollback()
            log_refused(filename, file_digest, why=str(exc.message))
            db.session.commit()
        raise ValidationFailed(errors={"file": [exc.message]}) from None
    result.filename = filename
    return result


def refusal(result: ImportResult) -> DomainError:
    """The 422 for a file refused as a whole: every bad row, by row number, with the name each gives
    (``row_names``), and the rows skipped as no child's (``skipped_rows``, as a check answers them), so
    the answer tells what became of every row. ``accept_valid`` is offered only to a file with rows to keep."""
    from posyandu.errors import ValidationFailed
    from posyandu.i18n import translate_field_message

    counted = {"invalid": result.invalid_rows, "rows": result.rows}
    detail = (Msg(fill("{invalid} of {rows} {rows:row|rows} refused; nothing was imported. Correct them, or import "
                       "with accept_valid=true to keep only the valid rows.", counted),
                  f"{result.invalid_rows} dari {result.rows} baris ditolak; tidak ada yang diimpor. Perbaiki, "
                  "atau impor dengan accept_valid=true untuk menyimpan baris yang benar saja.")
              if result.valid_rows else
              Msg(fill("{invalid} of {rows} {rows:row|rows} refused, none valid; nothing was imported. Correct them "
                       "and import the file again.", counted),
                  f"{result.invalid_rows} dari {result.rows} baris ditolak, tidak ada yang benar; tidak ada yang "
                  "diimpor. Perbaiki, lalu impor berkas itu lagi."))
    return ValidationFailed(
        translate_field_message(detail),
        errors={"rows": {str(e["row"]): e["errors"] for e in result.errors}},
        extensions={"skipped_rows": result.skipped_rows,
                    # a name as written, in both languages (a plain text here is recased as a field message)
                    "row_names": {str(e["row"]): Msg(e["name"], e["name"]) for e in result.errors if e["name"]}})
