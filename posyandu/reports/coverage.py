"""Immunisation and vitamin A coverage for a period (domain.md, "Immunisation").

Definitions (the schedule in force at the period's end supplies the doses, ages,
vitamin A bands and round months, the one in force on a child's first or second birthday
her IDL or Baduta doses; a dose is applicable where
the schedule offers it: in the kabupaten an entry lists, and an ``endemic_only`` vaccine
such as JE listing none is left out, as no kabupaten is configured endemic otherwise; a dose offered in no
kabupaten of the report's area, JE outside Bali, has no row unless given there in the period: 0 of 0 in
every area, a Gresik officer read it as a vaccine the programme missed):

* **per vaccine and dose**: ``target`` = children under five at the period's end
  (the S of the last month) who have reached the dose's recommended age by
  then; ``covered`` = those of them with the dose recorded on or before the period's end. A child
  past the dose's maximum age without it (``max_age``: HB0 after 7 days, BCG after the first
  birthday, RV after 6 months 29 days; "missed" on her card) stays in the target, uncovered: she is
  a child the programme did not reach, which coverage is there to show (left out, 5 of 11 children
  given BCG read as 100 %: only the children who could still be reached were counted). But a dose a later
  version added (TCV, as PCV and RV were rolled out) is not in the target of a child past its maximum age
  by the day it came in, nor wanted for her IDL (Baduta): never offered her, "not_applicable" on her card
  (``added_in_time``).
  ``given_in_period`` = doses of it
  recorded during the period in the area (the monthly PWS count; a dose where the child was registered
  on the day given, though it followed her to another posyandu since, that posyandu in the area it stood in
  at the period's end, as the other columns: the posyandu rows add up to their desa's, puskesmas's and
  kabupaten's, and a posyandu closed in the period keeps a row for the doses it gave), whatever the child's
  age: children given it, so the same dose entered twice (two phones, kept and flagged a possible duplicate)
  counts once.
* **IDL** (Imunisasi Dasar Lengkap): ``target`` = children whose first birthday
  falls in the period, in the register in its month (one who left in a later month of the period too, as
  the months' reports count her); ``covered`` = those given every applicable IDL dose
  before that birthday. **Baduta Lengkap**: the same with the second birthday
  and the Baduta doses (the 18-month boosters) — as in ``due.immunisation_card``. Which doses those are is
  the version in force on that birthday (``due.deadline``; ``cards.child_card`` judges the card so): a
  range of months counts what its months' reports add up to, and a version published later, counting one
  more dose, leaves the children complete before it complete.
* **vitamin A**, for each round month (February and August by default) inside
  the period, the round's target agrees with the due list (``cards.due_list``). A kabupaten may have
  its own round months (``round_months_by_area``): a month is a round where any kabupaten has one,
  and its target holds only the children whose kabupaten has a round that month (a capsule given
  in another month is in no round's target). Within it: a child given a
  capsule in the round month (at a posyandu the report covers) counts, target and covered, in the
  band of her age on the (first) day given (``band_given``), whatever her age at the month's end — the
  capsule's colour, which the rules give by that age (``supplements.validate_supplement``), unless a bidan
  overrode them (two blue capsules for a toddler when the red ran out: a child of 12-59 months reached,
  not one of 6-11); a child given none counts,
  uncovered, in the band of the capsule ``supplements.supplements_due`` names for her on her posyandu's
  meeting day of that month (``cards.next_meeting_day`` from the month's first day, the day the due list
  is drawn up for): blue at 6-11 completed months if she never had her infant dose (a blue capsule, or
  a red one given at 6-11 months, overridden: ``supplements.infant_dose``), red at 12-59. A child due
  nothing that day (under 6 months or not yet born, 6-11 months with her infant dose given, 60 months or
  more, out of the register by then: her exit on or before it, as the due list leaves her out) is in no target.
"""
from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any, Sequence

from sqlalchemy import BigInteger, ColumnElement, and_, case, extract, false, func, literal, or_, select, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import GenericFunction

from posyandu.immunisation.cards import next_meeting_day
from posyandu.immunisation.due import DEADLINE_MONTHS, Area, applies as offered_in
from posyandu.immunisation.models import Immunisation, Supplement
from posyandu.immunisation.operations import SchedulesInForce, schedules_of
from posyandu.ages import completed_months
from posyandu.immunisation.schedule import Age, Schedule, ScheduleEntry
from posyandu.immunisation.supplements import VITAMIN_A, SupplementConfig, SupplementGiven, supplements_due
from posyandu.messages import Msg, month_text
from posyandu.registry.models import Child, Posyandu
from posyandu.reports.cohort import (area_column, area_names, as_of, children_in_area, cohort, count_if, covered_areas,
                                     events_in_area, in_order, open_on, placed_on)
from posyandu.reports.f1 import capsules_given
from posyandu.reports.period import Month, Period, born_by, pct

# the rows other than a dose's, by ``kind`` (the PWA keys on ``kind``; the name is for reading): the
# abbreviation a bidan knows kept beside the words a reader new to it needs
INDICATOR_NAMES = {"idl": Msg("Complete basic immunisation (IDL)", "Imunisasi Dasar Lengkap (IDL)"),
                   "baduta": Msg("Complete under-two immunisation (Baduta)", "Imunisasi Baduta Lengkap"),
                   "vitamin_a_blue": Msg("Vitamin A (blue)", "Vitamin A biru"),
                   "vitamin_a_red": Msg("Vitamin A (red)", "Vitamin A merah")}


def born_by_age(on: date, age: Age) -> date:
    """Latest birth date of a child who has reached ``age`` (calendar months, then days) on ``on``."""
    return born_by(on - timedelta(days=age.days), age.months)


def applies(entry: ScheduleEntry) -> ColumnElement[bool]:
    """SQL twin of ``due.applies`` for the child's kabupaten: the kabupaten the entry lists (endemic_only
    or not); without a list, everywhere, or nowhere for an endemic_only one (no area names it endemic)."""
    if entry.areas is not None:
        return Child.kabupaten_code.in_([f"{a[:2]}.{a[2:]}" for a in entry.areas])
    return false() if entry.endemic_only else true()


def _date_code(column: Any) -> Any:
    return extract("year", column) * 10000 + extract("month", column) * 100 + extract("day", column)


def _birthday_code(years: int, month: bool = False) -> Any:
    """yyyymmdd of the child's ``years``-th birthday (29 Feb → 28 Feb, as ``ages.add_months``); ``month``:
    of its month's first day."""
    b = Child.birth_date
    day = 1 if month else case((and_(extract("month", b) == 2, extract("day", b) == 29), 28), else_=extract("day", b))
    return (extract("year", b) + years) * 10000 + extract("month", b) * 100 + day


class bits_or(GenericFunction[int]):
    """Bitwise OR of an integer over a group: PostgreSQL's ``bit_or``; on SQLite, which has none, the sum of
    the distinct values, the same for values that are each 0 or one power of two (a bit)."""
    type = BigInteger()
    name = "bit_or"
    inherit_cache = True
    _register = False


@compiles(bits_or, "sqlite")
def _sqlite_bits_or(element: bits_or, compiler: Any, **kw: Any) -> str:
    return f"sum(DISTINCT {compiler.process(element.clauses, **kw)})"


BITS = 62  # bits of a mask (a signed 64-bit integer; SQLite's sum of them must not overflow)


def _bit(i: int) -> tuple[int, int]:
    """The mask (word) and bit of the ``i``-th entry of a list."""
    return i // BITS, 1 << (i % BITS)


def given_masks(sets: Sequence[tuple[str, Sequence[ScheduleEntry], Any]], *where: Any, of_child: bool = False) -> Any:
    """Per child, which entries of each set she was given, as bit masks: for a set ``(name, entries, when)``,
    columns ``<name>0``, ``<name>1``… (``_bit``: entry ``i`` is bit ``i % 62`` of mask ``i // 62``; the
    schedule's 21 entries, one mask), from her live doses of ``where`` (``when``: those of them the set
    reads, or None). ``of_child``: the dose's child is joined, for ``where`` and ``when`` to read.

    One pass over the doses, each turned into its entry's bit, then one OR per child and set. A flag per
    entry per child (``max(CASE …)`` for each entry: 21 aggregates for every dose) kept 21 values per
    child, and a district's children spilled to disk (docs/scaling.md). The bit is a CASE, not a join to
    a list of the entries: PostgreSQL read such a list of constants as one index scan of the doses per entry."""
    masks = []
    for name, entries, when in sets:
        words: dict[int, list[Any]] = {}
        for i, e in enumerate(entries):
            word, bit = _bit(i)
            words.setdefault(word, []).append(
                (and_(Immunisation.vaccine == e.vaccine, Immunisation.dose == e.dose), literal(bit, BigInteger)))
        for w, whens in words.items():
            bits = case(*whens) if when is None else case((when, case(*whens)))  # ``when`` read first, once
            masks.append(bits_or(bits).label(f"{name}{w}"))
    stmt = select(Immunisation.child_id, *masks)
    if of_child:
        stmt = stmt.join(Child, Child.id == Immunisation.child_id)
    return stmt.where(Immunisation.deleted_at.is_(None), *where).group_by(Immunisation.child_id).subquery()


def had(masks: Any, name: str, i: int) -> Any:
    """Whether the child was given entry ``i`` of the set ``name`` (``given_masks``): false for a child with none."""
    word, bit = _bit(i)
    return func.coalesce(masks.c[f"{name}{word}"].op("&")(literal(bit, BigInteger)), 0) != 0


def added_in_time(entry: ScheduleEntry, introduced: dict[tuple[str, int], date]) -> ColumnElement[bool]:
    """SQL twin of the card's dose offered to the child (``due._card_entry``): a dose a later version added
    (``SchedulesInForce.introduced``) is not offered to a child past its maximum age the day before it came
    in (``not_applicable`` on her card), in no dose's target, and not wanted for her IDL or Baduta Lengkap."""
    since = introduced.get((entry.vaccine, entry.dose))
    if since is None or entry.max_age is None:
        return true()
    return Child.birth_date > born_by_age(since - timedelta(days=1), entry.max_age)


def _doses(session: Any, schedule: Schedule, introduced: dict[tuple[str, int], date], period: Period, pf: Any,
           level: str) -> dict[str, dict[tuple, Any]]:
    """(target, covered) per area of each schedule dose (module docstring)."""
    entries = schedule.entries
    given = given_masks([("m", entries, None)], Immunisation.given_on <= period.last,
                        events_in_area(Immunisation, pf, period.last))
    stmt = cohort(period.end, pf, level).outerjoin(given, given.c.child_id == Child.id)
    cols = []
    for i, e in enumerate(entries):
        due = and_(Child.birth_date <= born_by_age(period.last, e.recommended_age), applies(e),
                   added_in_time(e, introduced))
        cols += [count_if(due).label(f"t{i}"), count_if(due & had(given, "m", i)).label(f"c{i}")]
    out: dict[str, dict[tuple, Any]] = {}
    for r in session.execute(as_of(session, stmt.add_columns(*cols).group_by(stmt.selected_columns.area),
                                   period.last)).mappings():
        out[str(r["area"])] = {("dose", e.vaccine, e.dose, None): (r[f"t{i}"], r[f"c{i}"])
                               for i, e in enumerate(entries)}
    return out


def _complete(session: Any, schedules: SchedulesInForce, period: Period, pf: Any,
              level: str) -> dict[str, dict[tuple, Any]]:
    """(target, covered) per area of IDL and Baduta Lengkap: the children whose first (second) birthday is
    in the period, and those of them given every applicable IDL (Baduta) dose before it, the doses the
    version in force on that birthday counts (``due.deadline``): the period is cut where a version comes
    in force (``SchedulesInForce.spans``) and each part's children judged by its own, so a range of months
    counts what its months' reports add up to, and a version published since undoes no completion of
    before it. One statement for both, reading the doses of those children alone."""
    complete = []  # (kind, its entries, the children whose birthday is in a part of the period, the doses before it)
    for kind, months in DEADLINE_MONTHS.items():
        years = months // 12
        # in the register in her birthday's month (she left in it or after: its month counts her)
        in_register = or_(Child.exit_date.is_(None), _date_code(Child.exit_date) >= _birthday_code(years, month=True))
        before = _date_code(Immunisation.given_on) < _birthday_code(years)
        for first, last, schedule in schedules.spans(period.first, period.last):
            after, by = born_by(first - timedelta(days=1), months), born_by(last, months)
            complete.append((kind, [e for e in schedule.entries if e.counts_toward == kind],
                             and_(Child.birth_date > after, Child.birth_date <= by, in_register), before))
    either = or_(*(reaching for _, _, reaching, _ in complete))
    given = given_masks([(f"{kind}_{j}_", doses, and_(reaching, before))
                         for j, (kind, doses, reaching, before) in enumerate(complete)],
                        either, events_in_area(Immunisation, pf, period.last), of_child=True)
    stmt = children_in_area(pf, level, period.last, either).outerjoin(given, given.c.child_id == Child.id)
    cols = []
    for kind in DEADLINE_MONTHS:
        parts = [(j, doses, reaching) for j, (of, doses, reaching, _) in enumerate(complete) if of == kind]
        done = or_(*(and_(reaching, *(had(given, f"{kind}_{j}_", i) | ~applies(e)
                                      | ~added_in_time(e, schedules.introduced) for i, e in enumerate(doses)))
                     for j, doses, reaching in parts))
        cols += [count_if(or_(*(reaching for _, _, reaching in parts))).label(f"t_{kind}"),
                 count_if(done).label(f"c_{kind}")]
    return {str(r["area"]): {(kind, None, None, None): (r[f"t_{kind}"], r[f"c_{kind}"]) for kind in DEADLINE_MONTHS}
            for r in session.execute(as_of(session, stmt.add_columns(*cols).group_by(stmt.selected_columns.area),
                                           period.last)).mappings()}


def _given_in_period(session: Any, period: Period, pf: Any, level: str) -> dict[tuple[str, str, int], int]:
    stmt = (select(area_column(level).label("area"), Immunisation.vaccine, Immunisation.dose,
                   func.count(Immunisation.child_id.distinct()))
            .select_from(Immunisation).join(Posyandu, Posyandu.id == placed_on(  # where given, though it followed her
                Immunisation.given_on, Immunisation.child_id, Immunisation.posyandu_id)))
    stmt = stmt.where(Immunisation.given_on.between(period.first, period.last), Immunisation.deleted_at.is_(None),
                      open_on(period.first), pf)
    stmt = stmt.group_by(stmt.selected_columns.area, Immunisation.vaccine, Immunisation.dose)
    # each dose at the posyandu the child was registered at on the day given (``placed_on``), that posyandu in
    # the desa and puskesmas it stood in at the period's end, as the target and covered columns read it: read
    # on the day given, a posyandu handed to another puskesmas within the month had its doses in the old
    # puskesmas's row while its own row (and every caller's) was the new one's, and rows no longer added up
    return {(str(a), v, d): n for a, v, d, n in session.execute(as_of(session, stmt, period.last))}


def _vitamin_a(session: Any, schedule: Schedule, month: Month, pf: Any, level: str,
               period: Period) -> dict[str, dict[str, Any]]:
    """(target, covered) of each band per area for one round month of ``period`` (module docstring), the
    posyandu in the areas they were in at the period's end, as its other rows (``cohort.as_of``): a child given a
    capsule in the month by her age on the day given; any other by ``supplements_due`` on her posyandu's
    meeting day.
    The database groups the children by what the rule reads (meeting day, birth date, the round's first
    capsule day, first blue capsule, last red one under 12 months); the rule itself runs here, once per group."""
    cfg, caps = schedule.supplements, capsules_given(month, pf)
    def capsule_day(kind: str, day: Any, *where: Any) -> Any:
        """Each child's first (``func.min``) or last (``func.max``) capsule of a colour by the month's end."""
        return (select(Supplement.child_id, day(Supplement.given_on).label("given_on"))
                .where(Supplement.kind == kind, Supplement.given_on <= month.last, Supplement.deleted_at.is_(None),
                       *where)
                .group_by(Supplement.child_id).subquery())

    blue = capsule_day("vitamin_a_blue", func.min)
    # a red capsule given as her infant dose (``supplements.infant_dose``) tells only for a child under the
    # red band's age on the month's first day (older, she is due red whatever she had): read for those alone.
    # Her last one: each before that day was given under 12 months (one in the month puts her among the
    # round's capsules), so one was given at 6-11 months (her infant dose) exactly when the last was; her
    # first may be one given too young, overridden, no infant dose
    red = capsule_day("vitamin_a_red", func.max, Supplement.child_id.in_(
        select(Child.id).where(Child.birth_date > born_by(month.first, cfg.red.min_months))))
    # a capsule in the round, or young enough to be due one on a day of the month (under 60 months on its 1st)
    maybe_due = and_(Child.birth_date <= month.last, Child.birth_date > born_by(month.first, cfg.red.max_months + 1))
    keys = [area_column(level).label("area"), Posyandu.meeting_day.label("meeting_day"),
            Child.kabupaten_code.label("kabupaten"), Child.birth_date.label("birth_date"),
            caps.c.given_on.label("capsule_on"), caps.c.blue.label("got_blue"), blue.c.given_on.label("blue_on"),
            red.c.given_on.label("red_on"),
            # her exit in the month (else none, one group): on or before the meeting day, she is on no due list
            case((Child.exit_date <= month.last, Child.exit_date)).label("left_on")]
    stmt = (children_in_area(pf, level, month.last).with_only_columns(*keys, func.count(Child.id).label("n"))
            .outerjoin(caps, caps.c.child_id == Child.id).outerjoin(blue, blue.c.child_id == Child.id)
            .outerjoin(red, red.c.child_id == Child.id)
            .where(or_(caps.c.child_id.is_not(None), maybe_due)).group_by(*keys))
    out: dict[str, dict[str, Any]] = {}
    meeting = functools.cache(lambda day: next_meeting_day(day, month.first))  # a few days, many groups
    for r in session.execute(as_of(session, stmt, period.last)).mappings():
        counts = out.setdefault(str(r["area"]), {(k, None, None, str(month)): (0, 0) for k in VITAMIN_A})
        where = Area(kabupaten=r["kabupaten"])
        if month.month not in cfg.round_months("vitamin_a_red", where):
            continue  # her kabupaten has no round this month
        if r["capsule_on"] is not None:  # her capsule of the round: target and covered in her age's band
            colour = "vitamin_a_blue" if r["got_blue"] else "vitamin_a_red"
            key = (band_given(cfg, r["birth_date"], r["capsule_on"], colour), None, None, str(month))
            counts[key] = (counts[key][0] + r["n"], counts[key][1] + r["n"])
            continue
        given = [SupplementGiven(kind, r[on]) for kind, on in
                 (("vitamin_a_blue", "blue_on"), ("vitamin_a_red", "red_on")) if r[on]]
        day = meeting(r["meeting_day"])
        if r["left_on"] is not None and r["left_on"] <= day:
            continue  # out of the register by the day the due list is drawn up: no capsule was due her
        for due in supplements_due(cfg, r["birth_date"], given, day, where):
            if due.kind in VITAMIN_A:
                key = (due.kind, None, None, str(month))
                counts[key] = (counts[key][0] + r["n"], counts[key][1])
    return out


def band_given(cfg: SupplementConfig, birth_date: date, given_on: date, kind: str) -> str:
    """The band a child given a vitamin A capsule of ``kind`` on ``given_on`` counts in: the band of her age
    that day (blue 6-11 months, red 12-59), whatever the capsule's colour. The rules give the colour by that
    age (``supplements.validate_supplement``), so the two agree unless a bidan overrode them (the red capsules
    ran out: two blue ones for a toddler, a child of 12-59 months reached). A capsule given outside 6-59
    months (overridden as too young or too old) is in no age band: it keeps its colour's."""
    age = completed_months(birth_date, given_on)
    return next((band for band, ages in (("vitamin_a_blue", cfg.blue), ("vitamin_a_red", cfg.red))
                 if ages.contains(age)), kind)


def coverage(session: Any, period: Period, posyandu_filter: Any, level: str = "posyandu",
             lang: str = "id") -> list[dict[str, Any]]:
    """Per area: one row per schedule dose offered there (module docstring), then IDL, Baduta Lengkap and
    each vitamin A round, each named in ``lang`` (a round by its month: "Vitamin A biru Agustus 2025")."""
    schedules = schedules_of(session)
    schedule = schedules.on(period.last)
    cfg = schedule.supplements  # a round month: the national ones and any kabupaten's own
    months = {*cfg.vitamin_a_months, *(m for _, own in cfg.vitamin_a_months_by_area for m in own)}
    rounds = [m for m in period.months if m.month in months]
    given = _given_in_period(session, period, posyandu_filter, level)
    kabupaten = session.scalars(as_of(session, select(Posyandu.kabupaten_code)
                                      .where(posyandu_filter, open_on(period.last)).distinct(), period.last)).all()
    recorded = {(vaccine, dose) for _, vaccine, dose in given}  # a dose given all the same (a child from Bali) stays
    offered = [e for e in schedule.entries
               if (e.vaccine, e.dose) in recorded or any(offered_in(e, Area(kabupaten=k)) for k in kabupaten)]
    keys = [("dose", e.vaccine, e.dose, None) for e in offered] + [("idl", None, None, None),
            ("baduta", None, None, None)] + [(k, None, None, str(m)) for m in rounds
                                             for k in ("vitamin_a_blue", "vitamin_a_red")]
    names = covered_areas(session, posyandu_filter, level, period.last)
    found: dict[str, dict[tuple, tuple[int, int]]] = {area: {} for area in names}  # every area, zeros without children
    for values_of in (_doses(session, schedule, schedules.introduced, period, posyandu_filter, level),
                      _complete(session, schedules, period, posyandu_filter, level)):
        for area, values in values_of.items():
            found.setdefault(area, {}).update(values)
    for month in rounds:
        for area, values in _vitamin_a(session, schedule, month, posyandu_filter, level, period).items():
            found.setdefault(area, {}).update(values)
    for area, _, _ in given:  # a posyandu closed in the period, its children moved on: the doses it gave
        found.setdefault(area, {})
    names.update(area_names(session, level, [a for a in found if a not in names]))  # a closed posyandu's children
    # the period in every row, as the other reports' rows carry their month: a download read alone.
    # An ISO 8601 interval of months, the same in every language (not "s.d." in an English answer)
    label = str(period.start) if period.start == period.end else f"{period.start}/{period.end}"
    return [{"period": label, **_row(schedule, area, names.get(area), key, found[area].get(key, (0, 0)), given, lang)}
            for area in sorted(found, key=in_order(names)) for key in keys]


def _row(schedule: Schedule, area: str, name: str | None, key: tuple, value: tuple[int, int],
         given: dict[tuple[str, str, int], int], lang: str) -> dict[str, Any]:
    kind, vaccine, dose, rnd = key
    target, covered = value
    if kind == "dose":
        indicator = schedule.label(vaccine, dose)
    else:
        named = INDICATOR_NAMES[kind]
        indicator = (named.id_text if lang == "id" else str(named)) + (
            f" {month_text(int(rnd[:4]), int(rnd[5:]), lang)}" if rnd else "")
    return {"area": area, "area_name": name, "indicator": indicator, "kind": kind, "vaccine": vaccine, "dose": dose,
            "round": rnd, "target": target, "covered": covered, "coverage_pct": pct(covered, target),
            "given_in_period": given.get((area, vaccine, dose), 0) if kind == "dose" else None}
