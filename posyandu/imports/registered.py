"""The registered children an import judges the children its rows would register against, read once
per file: a likely duplicate at the row's posyandu (``registry.likely_duplicates``), one of the row's
name born on its birth date typed wrong (``operations._Run._misdated``), the same child at another
posyandu of the importer's area (``operations._Run._at_another_posyandu``). Each asked the database
once per new child, three statements a row of a register of 3000 (an N+1 of the upload's time)."""
from __future__ import annotations

import contextlib
import uuid
from datetime import date, timedelta
from typing import Iterable

from sqlalchemy import or_, select

from posyandu import access
from posyandu.auth.models import User
from posyandu.database import among
from posyandu.extensions import db
from posyandu.registry.models import Child
from posyandu.registry.operations import BORN_WITHIN


def misdated_days(born: date) -> set[date]:
    """The birth dates ``born`` is when typed wrong in one place (``_misdated``): one year off, the day
    and month the same, or its day and month swapped (12 Aug for 8 Dec)."""
    days = set()
    for year in (born.year - 1, born.year + 1):
        with contextlib.suppress(ValueError):  # 29 February
            days.add(born.replace(year=year))
    if born.day <= 12 and born.day != born.month:
        days.add(born.replace(month=born.day, day=born.month))
    return days


def _near_days(born: date) -> set[date]:
    """The birth dates ``likely_duplicates`` compares ``born`` with (``BORN_WITHIN``)."""
    return {born + timedelta(days=n) for n in range(-BORN_WITHIN.days, BORN_WITHIN.days + 1)}


def _by_created(children: Iterable[Child]) -> list[Child]:
    """As the queries they stand for ordered them: the first registered first."""
    return sorted(children, key=lambda child: (child.created_at, child.id))


class Registered:
    """The live children (neither deleted nor merged) the file's new children are compared with, by
    sex and birth date: those of each posyandu of the file born near a row's child, or on a birth date
    hers typed wrong, or of a row's NIK, and those of the importer's area born on a row's very birth
    date. Read at the first question, for every row of the file at once (``plan``); a question the
    plan did not foresee reads what it lacks then, so each answer is the query's it replaces. The
    children the file's rows register, or fill in (a NIK, a mother's name), are added as their rows are
    kept (``add``): a later row compares with them, as a query (after the row's flush) did; a refused
    row's child, rolled back, is never added."""

    def __init__(self, user: User):
        self.user = user
        # a puskesmas's area or less is read ahead; a district's or the country's children born on the
        # file's days are too many to hold at once (every child of five birth years), asked a row at a time
        self.area_ahead = user.role in ("kader", "bidan")
        self.children: dict[uuid.UUID, Child] = {}
        self.seen: set[uuid.UUID] = set()  # of ``children``, those of the importer's area (``access.child_clause``)
        self.born: dict[tuple[str, date], set[uuid.UUID]] = {}
        self.nik: dict[str, set[uuid.UUID]] = {}
        self.read_days: set[tuple[uuid.UUID, date]] = set()  # (posyandu, birth date) read
        self.read_niks: set[tuple[uuid.UUID, str]] = set()  # (posyandu, NIK) read
        self.read_area: set[date] = set()  # birth dates read in the whole area
        # what the file's rows ask (``plan``), read at the first question
        self.planned: tuple[set[tuple[uuid.UUID, date]], set[tuple[uuid.UUID, str]], set[date]] = (set(), set(), set())

    def plan(self, posyandu_id: uuid.UUID, child: dict) -> None:
        """What a row's child is compared with, if the row registers her."""
        born = child["birth_date"]
        days, niks, area = self.planned
        days.update((posyandu_id, day) for day in _near_days(born) | misdated_days(born))
        if child.get("nik"):
            niks.add((posyandu_id, child["nik"]))
        if child.get("mother_name") and self.area_ahead:  # the area's question needs her mother (``_at_another_posyandu``)
            area.add(born)

    def add(self, child: Child) -> None:
        """A child a row of the file registered or filled in (her NIK): compared with as a stored one."""
        self.children[child.id] = child
        self.seen.add(child.id)  # registered at, or found at, a posyandu of the importer's
        self.born.setdefault((child.sex, child.birth_date), set()).add(child.id)
        if child.nik:
            self.nik.setdefault(child.nik, set()).add(child.id)

    def at_posyandu(self, posyandu_id: uuid.UUID, sex: str, days: Iterable[date], nik: str | None = None) -> list[Child]:
        """The posyandu's children of that sex born on one of ``days``, or of that NIK, first registered first."""
        days = set(days)
        self._read(days={(posyandu_id, day) for day in days}, niks={(posyandu_id, nik)} if nik else set())
        ids = set().union(*(self.born.get((sex, day), ()) for day in days), self.nik.get(nik, ()) if nik else ())
        return _by_created(child for child in map(self.children.__getitem__, ids) if child.posyandu_id == posyandu_id)

    def alike(self, child: Child) -> list[Child]:
        """The children ``likely_duplicates`` judges ``child`` against (its ``candidates``): her posyandu's of
        her NIK, or of her sex born near her birth date, or of the other sex born on it (``sex_typed_wrong``)."""
        other = {"M": "F", "F": "M"}.get(child.sex, child.sex)
        return _by_created({c.id: c for c in (*self.at_posyandu(child.posyandu_id, child.sex, _near_days(child.birth_date),
                                                                child.nik),
                                              *self.at_posyandu(child.posyandu_id, other, {child.birth_date}))}.values())

    def in_area(self, sex: str, day: date) -> list[Child]:
        """The children of the importer's area of that sex born on ``day``, first registered first."""
        if not self.area_ahead:
            return list(db.session.scalars(select(Child).where(
                Child.sex == sex, Child.birth_date == day, Child.deleted_at.is_(None), Child.merged_into.is_(None),
                access.child_clause(self.user)).order_by(Child.created_at, Child.id)))
        self._read(area={day})
        return _by_created(self.children[i] for i in self.born.get((sex, day), ()) if i in self.seen)

    def _read(self, days: set[tuple[uuid.UUID, date]] = frozenset(), niks: set[tuple[uuid.UUID, str]] = frozenset(),
              area: set[date] = frozenset()) -> None:
        """Read what the questions need and was not read yet; at the first, all the file's rows ask."""
        planned_days, planned_niks, planned_area = self.planned
        if planned_days or planned_niks or planned_area:
            self.planned = (set(), set(), set())
            days, niks, area = days | planned_days, niks | planned_niks, area | planned_area
        days, niks, area = days - self.read_days, niks - self.read_niks, area - self.read_area
        live = (Child.deleted_at.is_(None), Child.merged_into.is_(None))
        if days or niks:  # of the file's posyandu, each with its dates and NIKs (a superset: any with any)
            wanted = [among(db.session, Child.birth_date, {day for _, day in days})] if days else []
            if niks:
                wanted.append(among(db.session, Child.nik, {nik for _, nik in niks}))
            self._keep(select(Child).where(among(db.session, Child.posyandu_id, {p for p, _ in days | niks}),
                                           or_(*wanted), *live), seen=False)
            self.read_days |= days
            self.read_niks |= niks
        if area:
            self._keep(select(Child).where(among(db.session, Child.birth_date, area), *live,
                                           access.child_clause(self.user)), seen=True)
            self.read_area |= area

    def _keep(self, stmt, *, seen: bool) -> None:
        for child in db.session.scalars(stmt):
            if child.id not in self.children:
                self.children[child.id] = child
                self.born.setdefault((child.sex, child.birth_date), set()).add(child.id)
                if child.nik:
                    self.nik.setdefault(child.nik, set()).add(child.id)
            if seen:
                self.seen.add(child.id)
