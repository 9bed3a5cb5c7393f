"""Read models: a child's immunisation card and a posyandu's due list for a session day.

Both apply the pure rules (``due.immunisation_card``, ``due.due_on``,
``supplements.supplements_due``) with the schedule in force on the date asked
for and the child's kabupaten (JE only where the schedule lists it). A due
list loads the posyandu's children, their doses and their supplements in
three queries, however many children there are.
"""
from __future__ import annotations

import calendar
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import or_, select

from posyandu import access
from posyandu.auth.models import User
from posyandu.errors import ValidationFailed
from posyandu.extensions import db
from posyandu.immunisation.due import DEADLINE_MONTHS, Area, ChildDoses, GivenDose, deadline, due_on, immunisation_card, \
    outside_schedule
from posyandu.immunisation.models import Immunisation, Supplement
from posyandu.immunisation.operations import schedules_of
from posyandu.ages import add_months, completed_months
from posyandu.immunisation.supplements import SupplementGiven, supplements_due
from posyandu.messages import BEFORE_BIRTH
from posyandu.registry.models import Child, Posyandu
from posyandu.validators import local_today

UNDER_FIVE_MONTHS = 60
# a card row of a dose outside the schedule: no ages or dates of its own, counting toward nothing
OUTSIDE_SCHEDULE = {"recommended_date": None, "earliest_date": None, "due_date": None, "latest_date": None,
                    "can_give": False, "waiting_for": None, "counts_toward": None}


def next_meeting_day(meeting_day: int, today: date) -> date:
    """The posyandu's next session on or after ``today`` (day 31 → the month's last day)."""
    def in_month(year: int, month: int) -> date:
        return date(year, month, min(meeting_day, calendar.monthrange(year, month)[1]))

    this = in_month(today.year, today.month)
    if this >= today:
        return this
    nxt = add_months(today.replace(day=1), 1)
    return in_month(nxt.year, nxt.month)


def today_of(child: Child) -> date:
    """A card's default day: the date where the child lives (her kabupaten's time zone), or her birth
    date when a phone a zone ahead entered one that is still tomorrow there."""
    return max(local_today(child.kabupaten_code), child.birth_date)


def today_for(user: User) -> date:
    """A user's default day: the date in the province of a posyandu she sees (hers, her puskesmas's or
    region's, her children's); WIB's for an admin or one who sees none."""
    kabupaten = None if user.role == "admin" else db.session.scalar(
        select(Posyandu.kabupaten_code).where(access.posyandu_clause(user)).limit(1))
    return local_today(kabupaten)


def _doses(stmt: Any) -> dict[Any, list[GivenDose]]:
    out: dict[Any, list[GivenDose]] = {}
    for child_id, vaccine, dose, given_on, id_ in db.session.execute(stmt):
        out.setdefault(child_id, []).append(GivenDose(vaccine, dose, given_on, id_))
    return out


def _supplements(stmt: Any) -> dict[Any, list[SupplementGiven]]:
    out: dict[Any, list[SupplementGiven]] = {}
    for child_id, kind, given_on, id_ in db.session.execute(stmt):
        out.setdefault(child_id, []).append(SupplementGiven(kind, given_on, id_))
    return out


DOSE_COLUMNS = (Immunisation.child_id, Immunisation.vaccine, Immunisation.dose, Immunisation.given_on, Immunisation.id)
SUPPLEMENT_COLUMNS = (Supplement.child_id, Supplement.kind, Supplement.given_on, Supplement.id)


def child_card(child: Child, on: date) -> dict[str, Any]:
    """Every schedule dose's status on ``on`` with its dates, IDL and Baduta Lengkap, and the vitamin A /
    deworming due that day; records dated after ``on`` are left out. The version in force on ``on``
    decides: a dose still to give would be given on or after that day, and is judged then by that
    version (``operations.check_immunisation``), so ``can_give`` and the dates agree with what the server
    accepts, and a dose a later version added is due no earlier than the day it came in
    (``SchedulesInForce.introduced``); a dose given stays given whichever version judged it (the PWA's card
    does the same). IDL and Baduta Lengkap are judged by the version in force on their deadline (``due.deadline``): a version
    published since, counting one more dose, does not undo a completion of the year before it (nor
    does one judging a birthday still to come leave out a dose it will count). A dose given that the
    schedule has no entry for is listed too, after its entries (``in_schedule`` false)."""
    if on < child.birth_date:
        raise ValidationFailed(errors={"on": [BEFORE_BIRTH]})
    schedules = schedules_of(db.session)
    schedule = schedules.on(on)
    # a dose entered twice the same day (two phones): the record that stands first, its possible duplicate after
    given = _doses(select(*DOSE_COLUMNS).where(Immunisation.child_id == child.id, Immunisation.deleted_at.is_(None))
                   .order_by(Immunisation.possible_duplicate_of.is_not(None), Immunisation.created_at,
                             Immunisation.id)).get(child.id, [])
    supplements = _supplements(select(*SUPPLEMENT_COLUMNS).where(
        Supplement.child_id == child.id, Supplement.deleted_at.is_(None))).get(child.id, [])
    area = Area(kabupaten=child.kabupaten_code)
    card = immunisation_card(schedule, child.birth_date, given, on, area=area, introduced=schedules.introduced)
    indicators = {}
    for kind in DEADLINE_MONTHS:
        judge = schedules.on(deadline(kind, child.birth_date))
        judged = card if judge is schedule else immunisation_card(judge, child.birth_date, given, on, area=area,
                                                                  introduced=schedules.introduced)
        indicators[kind] = asdict(getattr(judged, kind))
    ids: dict[tuple, Any] = {}
    for g in given:
        ids.setdefault((g.vaccine, g.dose, g.given_on), g.id)
    doses = [{**asdict(e), "immunisation_id": ids.get((e.vaccine, e.dose, e.given_on)), "in_schedule": True}
             for e in card.entries]
    # a dose the schedule has no entry for (a private clinic's TCV, a withdrawn version's), given all the same
    doses += [{"vaccine": g.vaccine, "dose": g.dose, "label": schedule.label(g.vaccine, g.dose), "status": "given",
               "given_on": g.given_on, "immunisation_id": g.id, "in_schedule": False, **OUTSIDE_SCHEDULE}
              for g in outside_schedule(schedule, child.birth_date, given, on)]
    left = child.exit_date is not None and child.exit_date <= on  # out of the register: nothing is due her
    if left:
        doses = [d if d["status"] == "given" else {**d, "status": "not_applicable", "can_give": False} for d in doses]
    return {
        "child_id": child.id, "as_of": on, "birth_date": child.birth_date,
        "age_months": completed_months(child.birth_date, on), "schedule_version": schedule.version,
        "doses": doses, **indicators,
        "supplements_due": [] if left else [asdict(s) for s in
                                             supplements_due(schedule.supplements, child.birth_date, supplements, on, area)],
        "supplements_given": [{"kind": s.kind, "given_on": s.given_on, "id": s.id}
                              for s in sorted(supplements, key=lambda s: s.given_on) if s.given_on <= on],
    }


def by_name(name: str, child_id: Any) -> tuple[str, str, str]:
    """A due list's order: by name ignoring case, then the name, then the id, compared by code point
    (as the PWA's due-list.js orders the list it makes offline). Sorted here, not by the database,
    whose collation differs (SQLite's by code point, PostgreSQL's by the locale it was made with)."""
    return name.lower(), name, str(child_id)


def _children(posyandu: Posyandu, on: date) -> list[Child]:
    oldest = add_months(on, -UNDER_FIVE_MONTHS - 1)
    rows = db.session.scalars(select(Child).where(
        Child.posyandu_id == posyandu.id, Child.deleted_at.is_(None), Child.merged_into.is_(None),
        Child.birth_date <= on, Child.birth_date >= oldest, or_(Child.exit_date.is_(None), Child.exit_date > on)))
    return sorted((c for c in rows if completed_months(c.birth_date, on) < UNDER_FIVE_MONTHS),
                  key=lambda c: by_name(c.name, c.id))


def _of_posyandu(columns: tuple, model: type, posyandu: Posyandu) -> Any:
    return (select(*columns).join(Child, Child.id == model.child_id)
            .where(Child.posyandu_id == posyandu.id, Child.deleted_at.is_(None), model.deleted_at.is_(None)))


def due_list(posyandu: Posyandu, on: date) -> dict[str, Any]:
    """The children under five of ``posyandu`` with an immunisation dose allowed on ``on`` or a vitamin A
    capsule / deworming dose due in that round, and the doses and vials per vaccine to bring."""
    schedules = schedules_of(db.session)
    schedule = schedules.on(on)
    children = _children(posyandu, on)
    doses = _doses(_of_posyandu(DOSE_COLUMNS, Immunisation, posyandu))
    supplements = _supplements(_of_posyandu(SUPPLEMENT_COLUMNS, Supplement, posyandu))
    plan = due_on(schedule, [ChildDoses(c.id, c.birth_date, tuple(doses.get(c.id, ())), Area(kabupaten=c.kabupaten_code))
                             for c in children], on, introduced=schedules.introduced)
    by_child = {p.child_id: p.doses for p in plan.children}
    rows, supplement_totals = [], {}
    for c in children:
        due_supplements = supplements_due(schedule.supplements, c.birth_date, supplements.get(c.id, []), on,
                                          Area(kabupaten=c.kabupaten_code))
        for s in due_supplements:
            supplement_totals[s.kind] = supplement_totals.get(s.kind, 0) + 1
        if by_child.get(c.id) or due_supplements:
            rows.append({"child_id": c.id, "name": c.name, "sex": c.sex, "birth_date": c.birth_date,
                         "age_months": completed_months(c.birth_date, on), "mother_name": c.mother_name,
                         "immunisations": [asdict(d) for d in by_child.get(c.id, ())],
                         "supplements": [asdict(s) for s in due_supplements]})
    vaccines = [{**asdict(t), "name": v.name if (v := schedule.vaccine(t.vaccine)) else t.vaccine,
                 "doses_per_vial": v.doses_per_vial if v else None} for t in plan.totals]
    return {"posyandu_id": posyandu.id, "posyandu_name": posyandu.name, "date": on,
            "schedule_version": schedule.version, "children": rows, "vaccines": vaccines,
            "supplements": [{"kind": k, "count": n} for k, n in sorted(supplement_totals.items())]}
