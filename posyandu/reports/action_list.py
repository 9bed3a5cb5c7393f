"""The children a bidan acts on at the end of a month (domain.md, KMS and immunisation rules).

For each child under five in the area on the month's last day, looking at the
child's latest weighing/measurement of the month *or the month before* (a child
absent once is still followed up; each nutrition index from the latest
measurement that measured it, ``cohort.latest_of``):

* ``T`` — that weighing's KMS trend is T (tidak naik); ``2T`` — T twice in a row;
  ``BGM`` — weight-for-age below −3 SD (below the red line); ``overweight_risk`` — weight-for-age
  above +1 SD (above the KMS's orange line: BB/U risiko berat badan lebih, Permenkes 2/2020), the
  third of the KMS's referral signs (domain.md; the weighing's ``referral`` with BGM and 2T);
* ``wasting`` — BB/PB-BB/TB gizi kurang or gizi buruk, or oedema;
  ``muac_severe`` — LiLA below 11.5 cm at 6-59 completed months, a sign of gizi buruk to refer to
  the puskesmas (Kemenkes RI, Pedoman Pencegahan dan Tatalaksana Gizi Buruk pada Balita 2019,
  following WHO 2013; ``growth.signs``), read from the latest measurement with a LiLA; it is a
  reason of its own: the reports' wasting stays BB/PB-BB/TB or oedema (domain.md);
  ``stunting`` — TB/U pendek or sangat pendek;
* ``not_weighed_2_months`` — no weighing in either month (children born before
  the earlier month began; not one who left the register by the month's end);
* ``overdue_immunisation`` — doses overdue on the month's last day by the
  schedule in force (``due.immunisation_card``: more than a month past due, not
  yet past the maximum age; a dose a later version added, due no earlier than the day it came in), worked out for the whole list by ``due.OverdueDoses`` (the card's
  rules, each date computed once for all the children; 0.5 ms a child as a full card each).

Rows stream in posyandu and name order; the growth signs come from one SQL
query, the overdue doses from the pure schedule rules, one chunk of children
at a time, so memory stays flat for a whole district.
"""
from __future__ import annotations

import uuid
from datetime import date
from itertools import islice
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import Integer, String, and_, cast, extract, func, not_, select, true, tuple_
from sqlalchemy.types import NullType

from posyandu import database
from posyandu.growth.models import Measurement
from posyandu.growth.signs import muac_sign
from posyandu.immunisation.due import OverdueDoses
from posyandu.immunisation.models import Immunisation
from posyandu.immunisation.operations import schedules_of
from posyandu.ages import completed_months
from posyandu.pagination import _cursor_values, encode_cursor
from posyandu.registry.models import Child, Posyandu
from posyandu.reports.cohort import (as_of, covered_areas, events_in_area, in_register_on, joined_latest, latest_of,
                                     open_on, placed_on, seen_now, under_five_on, visits_between)
from posyandu.reports.period import Month
from posyandu.reports.skdn import STUNTED, WASTED

ORDER = (Posyandu.name, Posyandu.id, Child.name, Child.id)  # the list's order, a unique key: its pages' cursor
REASONS = ("T", "2T", "BGM", "overweight_risk", "wasting", "muac_severe", "stunting", "not_weighed_2_months", "overdue_immunisation")
CHUNK = 1000


def _in_area(stmt: Any, month: Month, posyandu_filter: Any, seen: Any = None) -> Any:
    """``stmt`` over the area's children on the list: live, under five, not exited before the month (in her
    exit's month she is listed, not to be weighed, no dose overdue: ``left_in``), each at the posyandu she
    was registered at on the month's last day, open then (``cohort.placed_on``, ``open_on``), as the
    month's SKDN counts her. At her posyandu now, a child moved since was listed by the posyandu she went
    to for the months she was not there, its counts above its S, and by none where she was."""
    on = month.last
    return (stmt.select_from(Child).join(Posyandu, Posyandu.id == placed_on(on))
            .where(Child.deleted_at.is_(None), Child.merged_into.is_(None), open_on(on), posyandu_filter,
                   events_in_area(Child, posyandu_filter, on, Child.id), under_five_on(on), in_register_on(on),
                   *([] if seen is None else [Child.posyandu_id.in_(seen_now(seen).correlate(None))])))


def _keys(month: Month, posyandu_filter: Any, after: list[Any] | None, n: int, offset: int = 0, seen: Any = None) -> Any:
    """The list's keys (``ORDER``) of the area's next ``n`` children after ``after`` (and ``offset`` more), in order."""
    stmt = _in_area(select(*ORDER), month, posyandu_filter, seen)
    if after is not None:
        stmt = stmt.where(tuple_(*ORDER) > tuple_(*after))
    return stmt.order_by(*ORDER).offset(offset).limit(n)


def _children(month: Month, posyandu_filter: Any, after: list[Any] | None = None, rows: bool = True,
              among: tuple[Any, Any] | None = None, seen: Any = None) -> Any:
    """The area's children with the signs their reasons come from, in the list's order; ``rows=False``:
    only what the reasons need (no last weighing, no order), for ``counts``; ``among``: only some
    children, as the conditions (on ``Child.id``, on ``Measurement.child_id``) that name them, their
    visits alone read."""
    start = month.previous.first
    visits = visits_between(start, month.last, posyandu_filter, ("weighed", "length", "weight_for_length", "muac"),
                            narrow=among[1] if among else None)
    w, h, t = latest_of(visits, "weighed"), latest_of(visits, "length"), latest_of(visits, "weight_for_length")
    a = latest_of(visits, "muac")
    last_weighed = (select(func.max(Measurement.measured_on))
                    .where(Measurement.child_id == Child.id, Measurement.weight_kg.is_not(None),
                           Measurement.deleted_at.is_(None), Measurement.measured_on <= month.last)
                    .scalar_subquery())
    stmt = (select(Child.id.label("child_id"), Child.name, Child.sex, Child.birth_date, Child.kabupaten_code,
                   Child.exit_date, Child.exit_reason, Child.mother_name, Child.guardian_phone, Posyandu.id.label("posyandu_id"),
                   Posyandu.name.label("posyandu_name"), w.c.measured_on.label("weighed_on"), w.c.trend,
                   w.c.two_t, w.c.bgm, w.c.z_wfa, h.c.tb_u, t.c.bb_tb, t.c.oedema, a.c.muac_cm, a.c.age_days.label("muac_age_days"),
                   *([last_weighed.label("last_weighed_on")] if rows else [])))
    stmt = _in_area(stmt, month, posyandu_filter, seen)
    if among:
        stmt = stmt.where(among[0])
    for visit in (w, h, t, a):
        stmt = joined_latest(stmt, visit, outer=True)
    if after is not None:
        stmt = stmt.where(tuple_(*ORDER) > tuple_(*after))
    return stmt.order_by(*ORDER) if rows else stmt


def left_in(r: Any, month: Month) -> bool:
    """Whether the child of row ``r`` left the register by the month's end (in it: listed, but neither to
    be weighed nor given a dose)."""
    return (r["exit_date"] or date.max) <= month.last


def growth_reasons(r: Any, month: Month) -> list[str]:
    """The KMS and nutrition reasons of one child row (pure)."""
    out = []
    if r["weighed_on"] is not None:
        out += [name for name, hit in (("T", r["trend"] == "T"), ("2T", r["two_t"]), ("BGM", r["bgm"]),
                                       ("overweight_risk", r["z_wfa"] is not None and r["z_wfa"] > 1)) if hit]
    elif r["birth_date"] < month.previous.first and not left_in(r, month):
        out.append("not_weighed_2_months")
    if r["bb_tb"] in WASTED or r["oedema"]:
        out.append("wasting")
    if muac_sign(r["muac_age_days"], r["muac_cm"]) == "gizi_buruk":
        out.append("muac_severe")
    if r["tb_u"] in STUNTED:
        out.append("stunting")
    return out


def _doses(session: Any, last: date, child_ids: Any) -> tuple[Any, Callable[[Any], Iterable[tuple[str, int, date]]]]:
    """The doses of ``child_ids`` (a list, or a SELECT of ids) recorded by ``last`` (the card ignores later
    ones), grouped per child so a district's million doses are not a million rows to fetch: the
    statement (child_id and the grouped columns) and how to read a row's grouped columns, from the
    first, as the (vaccine, dose, given_on) of her doses. On PostgreSQL three arrays per child (vaccines,
    doses, dates), which the driver reads in C; elsewhere each dose as "vaccine dose yyyymmdd" (a vaccine
    code is letters, digits and '-'), joined by commas on the server and split here."""
    on = Immunisation.given_on
    which = (database.among(session, Immunisation.child_id, child_ids) if isinstance(child_ids, list)
             else Immunisation.child_id.in_(child_ids))
    where = (which, Immunisation.deleted_at.is_(None), on <= last)
    if session.get_bind().dialect.name == "postgresql":
        raw = NullType()  # the driver's lists as they come (SQLAlchemy's ARRAY would process each item again)
        stmt = select(Immunisation.child_id, func.array_agg(Immunisation.vaccine, type_=raw).label("vaccines"),
                      func.array_agg(Immunisation.dose, type_=raw).label("doses"),
                      func.array_agg(on, type_=raw).label("given_on")).where(*where).group_by(Immunisation.child_id)
        return stmt, lambda r: zip(*r) if r[0] is not None else ()
    day = cast(extract("year", on) * 10000 + extract("month", on) * 100 + extract("day", on), Integer)
    item = Immunisation.vaccine + " " + cast(Immunisation.dose, String) + " " + cast(day, String)
    stmt = (select(Immunisation.child_id, func.aggregate_strings(item, ",").label("doses"))
            .where(*where).group_by(Immunisation.child_id))
    days: dict[str, date] = {}  # each date read once

    def read(r: Any) -> list[tuple[str, int, date]]:
        given = []
        for text in (r[0].split(",") if r[0] is not None else ()):
            vaccine, dose, ymd = text.rsplit(" ", 2)
            if (on_day := days.get(ymd)) is None:
                n = int(ymd)
                on_day = days[ymd] = date(n // 10000, n // 100 % 100, n % 100)
            given.append((vaccine, int(dose), on_day))
        return given
    return stmt, read


def _given(session: Any, child_ids: list[Any], last: date) -> dict[Any, Iterable[tuple[str, int, date]]]:
    """The (vaccine, dose, given_on) of these children's doses recorded by ``last`` (``_doses``), by child."""
    stmt, read = _doses(session, last, child_ids)
    return {r[0]: read(r[1:]) for r in session.execute(stmt)}


def for_role(rows: Iterable[dict[str, Any]], role: str) -> Iterator[dict[str, Any]]:
    """``rows`` as ``role`` may see them: without the family's contact details (null) for a role
    that does not visit or call families (dinkes; ``privacy.as_seen_by``)."""
    from posyandu.privacy import as_seen_by

    for row in rows:
        yield as_seen_by(role, row)


def named_as_reported(session: Any, rows: Iterable[dict[str, Any]], posyandu_filter: Any,
                      month: Month) -> Iterator[dict[str, Any]]:
    """``rows`` with each posyandu named as the month's reports name it (``cohort.covered_areas``: "Mawar
    (Sooko)" where another posyandu of its kabupaten is a Mawar too). After ``page``: its cursor keeps the
    list's own order, by the posyandu's name as stored. The names are read now, in the request, not as the
    rows stream."""
    names = covered_areas(session, posyandu_filter, "posyandu", month.last)
    return ({**row, "posyandu_name": names.get(str(row["posyandu_id"])) or row["posyandu_name"]} for row in rows)


def _batches(session: Any, month: Month, posyandu_filter: Any, after: list[Any] | None,
             first: int, seen: Any = None) -> Iterator[list[Any]]:
    """The list's children after ``after``, in its order, a batch at a time: ``first`` children, then
    four times as many each time; each batch reads its own children's visits alone, so a page of a
    district's list (``first``: the page's size) reads a few dozen children, not the whole area's
    latest visits before the cursor, and a page of a rare reason, read through the whole area, costs
    about a third more than one query of it. Up to ``CHUNK`` children, a batch names them (an index
    lookup each); a larger one is the range of keys up to its last, the rest of the area at the end."""
    n = first
    while True:
        if n <= CHUNK:
            keys = session.execute(as_of(session, _keys(month, posyandu_filter, after, n, seen=seen),
                                         month.last)).all()
            if not keys:
                return
            ids = [k[-1] for k in keys]
            among = (database.among(session, Child.id, ids), database.among(session, Measurement.child_id, ids))
            upto, more = keys[-1], len(keys) == n
        else:
            upto = session.execute(as_of(session, _keys(month, posyandu_filter, after, 1, n - 1, seen),
                                         month.last)).first()
            span = [tuple_(*ORDER) > tuple_(*after)] if after is not None else []
            if upto is not None:
                span.append(tuple_(*ORDER) <= tuple_(*upto))
            ids = _in_area(select(Child.id), month, posyandu_filter, seen).where(*span).scalar_subquery()
            among, more = (and_(*span) if span else true(), Measurement.child_id.in_(ids)), upto is not None
        found = session.execute(as_of(session, _children(month, posyandu_filter, rows=True, among=among, seen=seen),
                                      month.last)).mappings().all()
        yield from (found[k:k + CHUNK] for k in range(0, len(found), CHUNK))  # a page leaves no cursor open
        if not more:
            return
        after, n = list(upto), n * 4


def _reasons(session: Any, month: Month, posyandu_filter: Any, wanted: set[str], after: list[Any] | None = None,
             rows: bool = True, first: int | None = None, seen: Any = None) -> Iterator[tuple[Any, list[str], list[str]]]:
    """Each child of the area with at least one of ``wanted``: (her SQL row, her reasons, her overdue doses;
    with ``rows=False`` none named, only the reason: ``counts``); ``first``: read in batches of children
    (``_batches``), the first of ``first`` children."""
    schedules = schedules_of(session) if "overdue_immunisation" in wanted else None
    schedule = schedules.on(month.last) if schedules else None
    overdue_doses = OverdueDoses(schedule, month.last, schedules.introduced) if schedules else None
    joined = None  # the counts: each child's doses joined to her row, one streamed query
    if first is not None:
        chunks: Iterable[Any] = _batches(session, month, posyandu_filter, after, first, seen)
    else:
        stmt = _children(month, posyandu_filter, after, rows, seen=seen)
        if schedule and not rows:
            doses, joined = _doses(session, month.last, _in_area(select(Child.id), month, posyandu_filter, seen))
            doses, width = doses.subquery(), len(stmt.selected_columns)
            stmt = stmt.add_columns(*doses.c[1:]).outerjoin(doses, doses.c.child_id == Child.id)
        stmt = stmt.execution_options(yield_per=CHUNK)
        chunks = session.execute(as_of(session, stmt, month.last)).mappings().partitions(CHUNK)
    for chunk in chunks:
        given = _given(session, [r["child_id"] for r in chunk], month.last) if schedule and not joined else {}
        for r in chunk:
            found, overdue = growth_reasons(r, month), []
            if overdue_doses and not left_in(r, month):
                doses = joined(tuple(r.values())[width:]) if joined else given.get(r["child_id"], ())
                if rows:  # the doses named; the counts only ask whether there is one (and stop at it)
                    overdue = overdue_doses.labels(r["birth_date"], doses, r["kabupaten_code"])
                    late = bool(overdue)
                else:
                    late = overdue_doses.has_any(r["birth_date"], doses, r["kabupaten_code"])
                if late:
                    found.append("overdue_immunisation")
            found = [f for f in found if f in wanted]
            if found:
                yield r, found, overdue


def action_list(session: Any, month: Month, posyandu_filter: Any, reasons: Iterable[str] | None = None,
                after: list[Any] | None = None, limit: int | None = None, seen: Any = None) -> Iterator[dict[str, Any]]:
    """Children with at least one of ``reasons`` (all of REASONS by default), streamed; ``after``: only
    those after this key (``cursor_after``) in the list's order; ``limit``: the caller reads about this
    many rows (a page and the one after it), so the children are read a batch at a time from the first
    ``limit`` on, and no further than the rows taken (the same rows, in the same order). ``seen`` (a
    clause on Posyandu: the caller's scope now): only the children at a posyandu the caller sees now.
    A child moved out of her area since is counted in its past months (``counts``, the SKDN), never
    named there, as the FHIR Bundle (``exports.fhir._children``): her kader no longer sees her record."""
    first = limit + 1 if limit is not None else None
    for r, found, overdue in _reasons(session, month, posyandu_filter, set(reasons or REASONS), after, first=first,
                                      seen=seen):
        yield _row(r, month, found, overdue)


def counts(session: Any, month: Month, posyandu_filter: Any, seen: Any = None) -> dict[str, Any]:
    """How many children the whole list has (``children``) and how many have each reason (``reasons``,
    every one of REASONS, 0 included): the list's own rules, without building, ordering or sending
    its rows (a kabupaten's list is tens of MB; its counts a few numbers). ``seen`` (the caller's scope
    now, as ``action_list`` takes it): ``not_listed``, how many of them the list does not name, moved
    since to a posyandu out of it (counted where they were, as the month's SKDN counts them): the list's
    rules run again over those children alone, once one query found there is one."""
    by_reason = dict.fromkeys(REASONS, 0)
    children = 0
    for _, found, _ in _reasons(session, month, posyandu_filter, set(REASONS), rows=False):
        children += 1
        for reason in found:
            by_reason[reason] += 1
    out: dict[str, Any] = {"children": children, "reasons": by_reason}
    if seen is not None:  # counted again only when one child of the area is now out of sight (rare)
        away = session.execute(as_of(session, _in_area(select(Child.id), month, posyandu_filter, not_(seen)).limit(1),
                                     month.last)).first()
        out["not_listed"] = sum(1 for _ in _reasons(session, month, posyandu_filter, set(REASONS), rows=False,
                                                    seen=not_(seen))) if away else 0
    return out


def cursor_after(cursor: str | None) -> list[Any] | None:
    """The key a page's ``cursor`` names (422 on ``cursor`` when it names none)."""
    return _cursor_values(cursor, ORDER, (None, uuid.UUID, None, uuid.UUID)) if cursor else None


def page(rows: Iterable[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """The first ``limit`` rows and the cursor of the rows after them, if any; the rows past the
    page are not computed."""
    out = list(islice(rows, limit + 1))
    if len(out) <= limit:
        return out, None
    last = out[limit - 1]
    return out[:limit], encode_cursor([last["posyandu_name"], last["posyandu_id"], last["name"], last["child_id"]])


def _row(r: Any, month: Month, reasons: list[str], overdue: list[str]) -> dict[str, Any]:
    return {"child_id": r["child_id"], "name": r["name"], "sex": r["sex"], "birth_date": r["birth_date"],
            "age_months": completed_months(r["birth_date"], month.last), "posyandu_id": r["posyandu_id"],
            "posyandu_name": r["posyandu_name"], "mother_name": r["mother_name"],
            "guardian_phone": r["guardian_phone"], "reasons": reasons,
            # in her exit's month she is listed (its SKDN counts her): said, so no one calls a bereaved
            # mother about a weight gain; left in a later month, she is not left yet in this one
            **({"exit_date": r["exit_date"], "exit_reason": r["exit_reason"]} if left_in(r, month)
               else {"exit_date": None, "exit_reason": None}),
            "weighed_on": r["weighed_on"], "last_weighed_on": r["last_weighed_on"], "overdue_immunisations": overdue}
