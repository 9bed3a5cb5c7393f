"""SQL building blocks shared by the reports: who is counted, where, and with which visit.

* The cohort of a month (S): children registered at a posyandu in the caller's
  scope, not deleted or merged away, born by the month's last day and under 60
  completed months on it. Each child counts once, at the posyandu she was registered
  at on the month's last day (``placed_on``): a child moved since counts, in the months
  before, where she was (with her events, which follow her), so a month's report read
  after its end stays the same. A child who left the register (``exit_date``: died, moved out of the
  area) counts up to and including the month of her exit, never after (``in_register_on``).
* Areas: a posyandu rolls up to its desa, the kecamatan and kabupaten of that desa
  (Kemendagri codes nest by prefix), and its puskesmas. ``level`` picks the grouping
  column. A puskesmas may run posyandu in a desa of a neighbouring kecamatan: the
  kecamatan is the desa's, never the puskesmas's. Every area holding an open posyandu
  the report covers has its rows, zeros when it has no child to count
  (``covered_areas``): a health office reads a missing row as "did not report".
* A child's visit of the month is its latest measurement of the month (the
  latest weighing, for SKDN), chosen with a window function. A nutrition index
  is read from the latest measurement that measured its inputs
  (``PICKS``): a weight-only re-weighing
  later in the month does not erase the month's length (each status still comes
  from one measurement, never a weight of one day with a length of another).

Everything here is plain SQLAlchemy Core that compiles to the same SQL on
SQLite and PostgreSQL; nothing loads rows into Python.
"""
from __future__ import annotations

import uuid
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import Select, and_, case, func, literal, or_, select
from sqlalchemy.sql.elements import ColumnClause
from sqlalchemy.sql.selectable import TableClause
from sqlalchemy.sql.util import ClauseAdapter
from sqlalchemy.sql.visitors import replacement_traverse

from posyandu.database import aware, once_a_transaction
from posyandu.growth.models import Measurement
from posyandu.registry.models import Child, ChildMove, Posyandu, PosyanduMove, Puskesmas, Region, same_name
from posyandu.reports.period import AGE_GROUPS, ALL_AGES, UNDER_FIVE_MONTHS, Month, age_group_bounds, born_by
from posyandu.validators import WIB_HOURS, ZONES

LEVELS = ("posyandu", "desa", "puskesmas", "kecamatan", "kabupaten")
KECAMATAN_CODE_LENGTH = len("35.25.01")  # the desa code's prefix: 35.25.01.2001 → 35.25.01
SEXES = ("M", "F")
ALL_SEXES = "all"
VISIT_COLUMNS = ("id", "child_id", "measured_on", "age_days", "weight_kg", "length_height_cm", "muac_cm", "oedema", "trend",
                 "bgm", "two_t", "flagged", "z_wfa", "z_lhfa", "z_wfl", "z_wfh", "bb_u", "tb_u", "bb_tb")


def area_column(level: str) -> Any:
    return {"posyandu": Posyandu.id, "desa": Posyandu.desa_code, "puskesmas": Posyandu.puskesmas_id,
            "kecamatan": func.substr(Posyandu.desa_code, 1, KECAMATAN_CODE_LENGTH),
            "kabupaten": Posyandu.kabupaten_code}[level]


# --- the posyandu as it stood on a day ----------------------------------------------------------
MOVED = ("puskesmas_id", "desa_code", "kabupaten_code")  # what a ``PosyanduMove`` keeps of before it
_LAST_MOVE = "posyandu.reports.last_move"  # ``Session.info``: (transaction, the latest move's day)


def as_of(session: Any, stmt: Any, on: Any, since: date | None = None) -> Any:
    """``stmt`` (a report's whole statement, as executed) reading the posyandu as they stood on ``on``: a
    posyandu handed to another puskesmas, or whose desa changed, after that day has its puskesmas, desa and
    kabupaten of then (``PosyanduMove``: those it left by its first move after the day), in its grouping
    (``area_column``), the report's area and the caller's scope alike: a month's report read after the move
    stays as it was, the new puskesmas counts it from the month of the move, and its old midwife still reads
    the months she ran it. Each of the three columns becomes a look-up of that move (an index read per
    posyandu row), the table staying in the statement with its statistics and indexes. Unchanged when no
    posyandu has moved since (most days, and every current month): the table as it stands is that day's.
    A clause about the posyandu as they stand now (who the caller may name now, the action list's ``seen``)
    reads ``posyandu_now`` (an alias of the table), which this leaves alone. ``on`` may be a date column (a
    dose's day: each row read as its day), ``since`` then the earliest of its days."""
    if session is None or not moved_after(session, on if since is None else since):
        return stmt
    table = Posyandu.__table__
    then = {name: func.coalesce(
        select(getattr(PosyanduMove, f"from_{name}")).where(PosyanduMove.posyandu_id == table.c.id, PosyanduMove.moved_on > on)
        .order_by(PosyanduMove.moved_on, PosyanduMove.created_at, PosyanduMove.id).limit(1).scalar_subquery(),
        table.c[name]) for name in MOVED}

    def replace(element: Any) -> Any:
        table_of = getattr(element, "table", None)
        if (isinstance(element, ColumnClause) and isinstance(table_of, TableClause) and table_of.name == "posyandu"
                and element.name in then):
            return then[element.name]
        return None

    return replacement_traverse(stmt, {}, replace)


POSYANDU_NOW = Posyandu.__table__.alias("posyandu_now")  # the posyandu as they stand, whatever ``as_of``


def seen_now(seen: Any) -> Select:
    """The ids of the posyandu ``seen`` (a clause on Posyandu: the caller's scope) takes as they stand now,
    whatever ``as_of`` does to the statement around it."""
    return ClauseAdapter(POSYANDU_NOW).traverse(select(Posyandu.id).where(seen))


def moved_after(session: Any, on: date) -> bool:
    """Whether a posyandu moved after ``on``: the latest move's day, read once a transaction."""
    last = once_a_transaction(session, _LAST_MOVE, lambda s: s.scalar(select(func.max(PosyanduMove.moved_on))))
    return last is not None and last > on


def scoped_posyandu_ids(posyandu_filter: Any) -> Select:
    """Ids of the live posyandu the report covers (the caller's scope and the asked area)."""
    return select(Posyandu.id).where(posyandu_filter, Posyandu.deleted_at.is_(None))


def placed_on(on: Any, child_id: Any = Child.id, now: Any = Child.posyandu_id) -> Any:
    """The posyandu a child (``child_id``, at ``now`` today) was registered at on ``on`` (a date, or a date
    column: an event's day): the one she left by her first move after that day (``ChildMove``), else ``now``."""
    left = (select(ChildMove.from_posyandu_id).where(ChildMove.child_id == child_id, ChildMove.moved_on > on)
            .order_by(ChildMove.moved_on, ChildMove.created_at).limit(1).scalar_subquery())
    return func.coalesce(left, now)


def open_on(on: date) -> Any:
    """The posyandu was open on ``on``: not closed, or closed after that day where it is (its zone's
    midnight, WIB, WITA or WIT, as a child's move is dated by its day there, ``ChildMove.moved_on``; its
    past months stay in its regions' reports, as its children, moved away before, count there then).
    Judged by UTC's midnight, a posyandu closed on the 1st before 07:00 WIB (09:00 WIT) had closed in
    the month before: its children, moved on the 1st, counted nowhere in that month."""
    return or_(Posyandu.deleted_at.is_(None), Posyandu.deleted_at >= _midnight_after(on))


def _midnight_after(on: date) -> Any:
    """The instant the day after ``on`` begins where the posyandu is (WIB, WITA or WIT)."""
    day_after = datetime.combine(on + timedelta(days=1), time(), timezone.utc)
    province = func.substr(Posyandu.kabupaten_code, 1, 2)
    at = lambda hours: literal(day_after - timedelta(hours=hours), Posyandu.deleted_at.type)  # noqa: E731
    return case(*((province.in_(provinces), at(hours)) for provinces, hours in ZONES), else_=at(WIB_HOURS))


def events_in_area(event: Any, posyandu_filter: Any, on: date, child_id: Any = None) -> Any:
    """An event (``event``: Measurement, Immunisation, Supplement; or ``Child`` itself, ``child_id`` its
    id) of a child the covered posyandu had on ``on`` may be among: recorded at one of them, or of a child
    who left one after that day (her events followed her). A superset, narrowed by ``placed_on``: it lets
    the database find them by their posyandu's index rather than read every child's placement."""
    ids = select(Posyandu.id).where(posyandu_filter, open_on(on)).correlate(None)
    left = select(ChildMove.child_id).where(ChildMove.from_posyandu_id.in_(ids), ChildMove.moved_on > on)
    return or_(event.posyandu_id.in_(ids), (event.child_id if child_id is None else child_id).in_(left))


def in_register_on(on: date) -> Any:
    """Not exited (``Child.exit_date``) before the month of ``on``: she counts in her exit's month too, so a
    month's S keeps her weighing of that month (D <= S) and no past month changes."""
    return or_(Child.exit_date.is_(None), Child.exit_date >= on.replace(day=1))


def children_in_area(posyandu_filter: Any, level: str, on: date | None = None, registered: Any = None) -> Select:
    """``SELECT <area> FROM child JOIN posyandu …`` for live children of the covered posyandu: where they
    were on ``on`` (``placed_on``, at a posyandu open then: ``open_on``; in the register in its month, or
    by ``registered``), else where they are now."""
    return (select(area_column(level).label("area")).select_from(Child)
            .join(Posyandu, Posyandu.id == (Child.posyandu_id if on is None else placed_on(on)))
            .where(Child.deleted_at.is_(None), Child.merged_into.is_(None), posyandu_filter,
                   *([Posyandu.deleted_at.is_(None)] if on is None else
                     [open_on(on), in_register_on(on) if registered is None else registered, events_in_area(Child, posyandu_filter, on, Child.id)])))


def under_five_on(on: date) -> Any:
    """Born by ``on`` and under 60 completed months on it."""
    return and_(Child.birth_date <= on, Child.birth_date > born_by(on, UNDER_FIVE_MONTHS))


def cohort(month: Month, posyandu_filter: Any, level: str) -> Select:
    """The month's S: children under five on its last day, in the covered area."""
    return children_in_area(posyandu_filter, level, month.last).where(under_five_on(month.last))


def age_group(on: date) -> Any:
    """The F1 age group label of ``Child.birth_date`` on ``on`` (the child is under five)."""
    whens = [(Child.birth_date > born_after, label) for label, born_after, _ in age_group_bounds(on)[:-1]]
    return case(*whens, else_=literal(age_group_bounds(on)[-1][0]))


def weighed(c: Any) -> Any:  # BB/U, and the SKDN's weighing
    return c.weight_kg.is_not(None)


def length_measured(c: Any) -> Any:  # TB/U
    return c.length_height_cm.is_not(None)


def weight_for_length_measured(c: Any) -> Any:  # BB/TB: both, or oedema (severely wasted whatever the numbers)
    return (c.weight_kg.is_not(None) & c.length_height_cm.is_not(None)) | c.oedema


def muac_measured(c: Any) -> Any:  # LiLA (the action list's muac_severe)
    return c.muac_cm.is_not(None)


PICKS: dict[str, Callable[[Any], Any] | None] = {
    "any": None, "weighed": weighed, "length": length_measured, "weight_for_length": weight_for_length_measured,
    "muac": muac_measured}
"""What a ``latest_of`` pick takes: any measurement, or those where the condition holds."""


def visits_between(first: date, last: date, posyandu_filter: Any, picks: Iterable[str] = tuple(PICKS),
                   narrow: Any = None) -> Any:
    """The live measurements between ``first`` and ``last`` at the covered posyandu, as a CTE that
    ``latest_of`` picks share. Each carries, per pick (``PICKS``), how many of its child's visits the
    pick takes from the latest down to it (the pick's latest has 1): one window over one sort of
    the period's rows, whatever the number of picks (a window per pick sorted the rows again each time).
    ``picks``: the ones the caller takes; ``narrow``: a further condition on ``Measurement`` (some children
    alone: a child's picks are the same, the window being per child)."""
    m = Measurement
    window = {"partition_by": m.child_id, "order_by": (m.measured_on.desc(), m.created_at.desc(), m.id.desc()),
              "rows": (None, 0)}
    taken = {name: func.sum(case((cond(m), 1), else_=0) if cond is not None else literal(1)).over(**window)
             for name, cond in PICKS.items() if name in picks}
    return (select(*(getattr(m, c) for c in VISIT_COLUMNS), *(n.label(f"n_{name}") for name, n in taken.items()))
            .where(m.measured_on.between(first, last), m.deleted_at.is_(None),
                   events_in_area(m, posyandu_filter, last), *([narrow] if narrow is not None else []))
            .cte())


def latest_of(visits: Any, pick: str = "any") -> Any:
    """Each child's latest visit of ``visits`` (``visits_between``) that ``pick`` takes (``PICKS``:
    ``weighed``, ``length``…), as a subquery of one row per child."""
    c, cond = visits.c, PICKS[pick]
    # ``< 2`` and not ``== 1`` (the same rows: a row the pick takes counts itself): PostgreSQL knows
    # nothing of a CTE's computed column and guesses 0.5 % of the rows for an equality, a third for a
    # range. From 0.5 % it joined the picks by nested loops, comparing every child's row with every
    # other's: a kecamatan's prevalence took 10-20 s instead of 0.1 (docs/scaling.md).
    took = c[f"n_{pick}"] < 2
    taken = and_(cond(c), took) if cond is not None else took
    return select(*(c[col] for col in VISIT_COLUMNS)).where(taken).subquery()


def latest_visit(first: date, last: date, posyandu_filter: Any, *, weighed_only: bool) -> Any:
    """Each child's latest measurement between ``first`` and ``last`` (``weighed_only``: its latest
    weighing), as a subquery of one row per child."""
    pick = "weighed" if weighed_only else "any"
    return latest_of(visits_between(first, last, posyandu_filter, [pick]), pick)


def joined_latest(stmt: Select, visit: Any, *, outer: bool) -> Select:
    on = visit.c.child_id == Child.id
    return stmt.outerjoin(visit, on) if outer else stmt.join(visit, on)


def count_if(cond: Any) -> Any:
    return func.coalesce(func.sum(case((cond, 1), else_=0)), 0)


def area_names(session: Any, level: str, keys: Iterable[str]) -> dict[str, str]:
    """Display names of the areas in ``keys`` (posyandu/puskesmas names, Kemendagri region names).

    A posyandu whose name another open posyandu of its kabupaten has too, or one closed since among
    ``keys`` (a past month's rows), is named with its desa
    ("Mawar (Sooko)"), a desa whose name another desa of its kabupaten has, with its kecamatan
    ("Sooko (Wringinanom)"): a district's flower-named posyandu and its many Sumberejo made rows
    a health office could not tell apart. Whether a name is shared is read from the kabupaten, not
    from the report's rows, so an area is named the same in every report."""
    keys = sorted({str(k) for k in keys})
    if not keys:
        return {}
    if level == "puskesmas":
        rows = session.execute(select(Puskesmas.id, Puskesmas.name).where(Puskesmas.id.in_([uuid.UUID(k) for k in keys])))
        return {str(k): name for k, name in rows}
    if level == "posyandu":  # each: its name, its kabupaten, the desa that tells it from a twin
        place = {str(k): (name, desa[:5], desa) for k, name, desa in session.execute(select(
            Posyandu.id, Posyandu.name, Posyandu.desa_code).where(Posyandu.id.in_([uuid.UUID(k) for k in keys])))}
        # the same name as the registry judges it ("Posyandu" before it and case aside: "Melati", "Posyandu melati")
        seen = Counter((same_name(name), kabupaten) for name, kabupaten in session.execute(
            select(Posyandu.name, Posyandu.kabupaten_code).where(
                or_(Posyandu.deleted_at.is_(None), Posyandu.id.in_([uuid.UUID(k) for k in keys])),
                Posyandu.kabupaten_code.in_({k for _, k, _ in place.values()}))))
        twins = {k: within for k, (name, kabupaten, within) in place.items()
                 if seen[(same_name(name), kabupaten)] > 1}
        return _told_apart(session, place, twins)
    else:  # a region; a desa's twin is told apart by its kecamatan
        place = {k: (name, k[:5], k[:KECAMATAN_CODE_LENGTH]) for k, name in session.execute(
            select(Region.code, Region.name).where(Region.code.in_(keys)))}
        if level != "desa":
            return {k: name for k, (name, _, _) in place.items()}
        others = select(Region.name, func.substr(Region.code, 1, 5)).where(Region.level == "desa")
    names = {name for name, _, _ in place.values()}
    seen = Counter(tuple(r) for r in session.execute(others.where(others.selected_columns[0].in_(names))))
    twins = {k: within for k, (name, kabupaten, within) in place.items() if seen[(name, kabupaten)] > 1}
    return _told_apart(session, place, twins)


def _told_apart(session: Any, place: dict[str, tuple[str, str, str]], twins: dict[str, str]) -> dict[str, str]:
    """Each area's name, a twin's with the name of the region that tells it apart (``twins``: key -> code)."""
    told = dict(session.execute(select(Region.code, Region.name).where(Region.code.in_(set(twins.values())))).all())
    return {k: f"{name} ({told[twins[k]]})" if told.get(twins.get(k)) else name for k, (name, _, _) in place.items()}


def covered_areas(session: Any, posyandu_filter: Any, level: str, on: date | None = None) -> dict[str, str | None]:
    """Every area at ``level`` holding a posyandu the report covers, open on ``on`` (a month's last day;
    None: now), with its name, in the reports' order (``in_order``): a region by its code, a posyandu by
    its desa's code then its name, a puskesmas by its kecamatan's code then its name. By id, a district's
    posyandu came in an order no reader could follow. ``covered_areas_on`` for one day."""
    return covered_areas_on(session, posyandu_filter, level, [on])[0]


def covered_areas_on(session: Any, posyandu_filter: Any, level: str,
                     days: list[date | None]) -> list[dict[str, str | None]]:
    """``covered_areas`` on each of ``days`` (a period's months' last days), read and named once: a report
    over twelve months read its areas and their names again for each. A posyandu open now has its rows
    in every month (its children may have been entered after their visits); one closed since keeps the
    months before its closing as they were, rows and name, as its children, counted there then, do: a past
    month's report read after the closing had lost its zero rows, its coverage's every dose row, and named
    its rows by nothing but their id; from the month it was opened (``created_at``): a posyandu opened and
    closed since had no part in the months before it (its records, entered late, still have their rows:
    ``grouped``). Opened and closed on a day where it is (WIB, WITA or WIT), as ``open_on`` judges it. A
    day None: open now."""
    by = {"posyandu": (Posyandu.desa_code, Posyandu.name), "puskesmas": (Puskesmas.kecamatan_code, Puskesmas.name)}
    sort = by.get(level, ())
    dated = [d for d in days if d is not None]
    when = Posyandu.deleted_at.is_(None)
    if dated:  # or closed after the first day, opened by the last
        when = or_(when, and_(open_on(min(dated)), Posyandu.created_at < _midnight_after(max(dated))))
    stmt = (select(area_column(level).label("area"), *sort, Posyandu.kabupaten_code, Posyandu.created_at,
                   Posyandu.deleted_at).select_from(Posyandu).where(posyandu_filter, when))
    if level == "puskesmas":
        stmt = stmt.join(Puskesmas, Puskesmas.id == Posyandu.puskesmas_id)
    if dated and moved_after(session, min(dated)):  # a posyandu moved since: each day's areas as they stood then
        rows_on = {day: session.execute(as_of(session, stmt, day)).all() if day else None for day in set(days)}
        now = session.execute(stmt).all() if None in days else []
        rows_of = lambda day: rows_on[day] if day is not None else now  # noqa: E731
    else:
        rows = session.execute(stmt).all()
        rows_of = lambda day: rows  # noqa: E731

    def open_then(row: Any, day: date | None) -> bool:
        *_, kabupaten, opened, closed = row
        if closed is None:
            return True
        midnight = _local_midnight_after(day, kabupaten) if day is not None else None
        return midnight is not None and aware(closed) >= midnight and aware(opened) < midnight

    each = [sorted({(*r[1:1 + len(sort)], str(r[0])) for r in rows_of(day) if open_then(r, day)}) for day in days]
    keys = [[k[-1] for k in found] for found in each]
    # each day named by its own areas: a closed namesake's months name the other "Mawar (Sooko)", the next "Mawar"
    named: dict[frozenset[str], dict[str, str]] = {}
    for day_keys in keys:
        if frozenset(day_keys) not in named:
            named[frozenset(day_keys)] = area_names(session, level, day_keys)
    return [{k: named[frozenset(day_keys)].get(k) for k in day_keys} for day_keys in keys]


def months_with_areas(session: Any, posyandu_filter: Any, level: str,
                      period: Any) -> list[tuple[Month, dict[str, str | None]]]:
    """Each month of ``period`` with its ``covered_areas`` (``covered_areas_on``)."""
    return list(zip(period.months, covered_areas_on(session, posyandu_filter, level, [m.last for m in period.months])))


def _local_midnight_after(day: date, kabupaten_code: str) -> datetime:
    """``_midnight_after`` of one posyandu, in Python."""
    hours = next((h for provinces, h in ZONES if kabupaten_code[:2] in provinces), WIB_HOURS)
    return datetime.combine(day + timedelta(days=1), time(), timezone.utc) - timedelta(hours=hours)


def in_order(areas: dict[str, Any]) -> Callable[[str], tuple[int, str]]:
    """Sort key of an area: its place in ``areas`` (``covered_areas``), any other after them by its key."""
    place = {a: i for i, a in enumerate(areas)}
    return lambda area: (place.get(area, len(place)), area)


PARTIAL = {"id": " (sebagian)", "en": " (partial)"}


def partial_areas(session: Any, posyandu_filter: Any, level: str, on: date | None = None) -> frozenset[str]:
    """The areas at ``level`` the report covers only part of: holding a posyandu open on ``on`` (None:
    now) the filter leaves out (a puskesmas's report at kabupaten level, a desa asked for at kecamatan level)."""
    if level == "posyandu":
        return frozenset()
    area = area_column(level)
    covered = select(area).where(posyandu_filter, _open(on))
    stmt = select(area).where(_open(on), ~posyandu_filter, area.in_(covered)).distinct()
    return frozenset(str(a) for a in session.scalars(stmt if on is None else as_of(session, stmt, on)))


def _open(on: date | None) -> Any:
    """Open on ``on`` (``open_on``; a closed one, opened by then: ``covered_areas_on``), or now."""
    if on is None:
        return Posyandu.deleted_at.is_(None)
    return or_(Posyandu.deleted_at.is_(None), and_(open_on(on), Posyandu.created_at < _midnight_after(on)))


def mark_partial(rows: Iterable[dict[str, Any]], partial: frozenset[str], lang: str = "id") -> Iterator[dict[str, Any]]:
    """``rows`` with the name of an area of ``partial`` (``partial_areas``) followed by "(sebagian)"
    ("(partial)" in English): a puskesmas's share of a district, named as the district, read as its
    total once pasted beside the district's own report."""
    for row in rows:
        if row.get("area") in partial:
            row = {**row, "area_name": f"{row.get('area_name') or row['area']}{PARTIAL[lang]}"}
        yield row


def every_area(rows: list[dict[str, Any]], areas: dict[str, str | None],
               counts: Iterable[str]) -> list[dict[str, Any]]:
    """``rows`` (one per area, from ``grouped``) and a row of zero ``counts`` for each area of
    ``areas`` (``covered_areas``) that has none, in area order."""
    have = {r["area"] for r in rows}
    blank = [{"area": a, "area_name": name, **{k: 0 for k in counts}} for a, name in areas.items() if a not in have]
    order = in_order(areas)
    return sorted(rows + blank, key=lambda r: order(r["area"]))


def grouped(session: Any, stmt: Select, level: str, keys: tuple[str, ...] = (),
            areas: dict[str, str | None] | None = None, *, on: date) -> list[dict[str, Any]]:
    """Run an aggregate grouped by area (and ``keys``), ordered, with area names attached: those of
    ``areas`` (``covered_areas``, read once for a report's months), any other read here. The posyandu
    as they stood on ``on`` (``as_of``)."""
    group = [stmt.selected_columns.area, *(stmt.selected_columns[k] for k in keys)]
    rows = [dict(r) for r in session.execute(as_of(session, stmt.group_by(*group).order_by(*group), on)).mappings()]
    known = areas or {}
    names = {**known, **area_names(session, level, (r["area"] for r in rows if str(r["area"]) not in known))}
    for r in rows:
        r["area"] = str(r["area"])
        r["area_name"] = names.get(r["area"])
    return rows


def with_margins(cells: list[dict[str, Any]], counts: Iterable[str], areas: dict[str, str | None], *,
                 cross: bool) -> list[dict[str, Any]]:
    """Add totals to rows keyed by (area, sex, age_group): per area the total (all, 0-59), each sex
    over all ages, each age group over both sexes and, with ``cross``, the sex × age cells themselves.
    Every area of ``areas`` (``covered_areas``) has them all, zeros where it has no cell."""
    counts = list(counts)
    out: list[dict[str, Any]] = []
    by_area: dict[str, list[dict[str, Any]]] = {area: [] for area in areas}
    for c in cells:
        by_area.setdefault(c["area"], []).append(c)
    for area in sorted(by_area, key=in_order(areas)):
        rows = by_area[area]
        base = {"area": area, "area_name": areas.get(area, rows[0].get("area_name") if rows else None)}

        def total(sex: str, age: str, pick: list[dict[str, Any]]) -> dict[str, Any]:
            return {**base, "sex": sex, "age_group": age, **{k: sum(r[k] for r in pick) for k in counts}}

        out.append(total(ALL_SEXES, ALL_AGES, rows))
        out += [total(s, ALL_AGES, [r for r in rows if r["sex"] == s]) for s in SEXES]
        for label, _, _ in AGE_GROUPS:
            out.append(total(ALL_SEXES, label, [r for r in rows if r["age_group"] == label]))
            if cross:
                out += [total(s, label, [r for r in rows if r["age_group"] == label and r["sex"] == s])
                        for s in SEXES]
    return out
