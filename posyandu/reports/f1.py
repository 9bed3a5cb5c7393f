"""The monthly F1 Gizi form as the puskesmas collects it (domain.md, "Monthly report: SKDN").

Every count split by sex (L/P) and by age group 0-5, 6-11, 12-23, 24-35 and
36-59 completed months on the month's last day (the vitamin A capsules: on the day
given), with totals. Which index each count uses:

* S, K, D, N, T, O, B, BGM, 2T and ``D_no_kms`` (of D, no KMS recorded: why D/K can pass
  100 %): as in SKDN (the month's latest weighing; BGM is the KMS red line, weight-for-age
  below −3 SD, flagged values included);
* ``bb_u_sangat_kurang`` / ``bb_u_kurang``: BB/U category of that weighing
  (Permenkes 2/2020; flagged values have no category); a weighing recording oedema is sangat kurang,
  as in the prevalence (``skdn.severely_underweight``: WHO anthro);
* ``S36``: children completing 36 months during the month;
* ``vitamin_a_blue`` / ``vitamin_a_red``: children given a blue (100,000 IU) or
  red (200,000 IU) capsule during the month, in the row of their sex and age group on
  the day given (the first such day, if the month has two), as the capsule's colour is
  chosen — whether or not they are still under five (in S) at the month's end: a red capsule
  given at 59 months to a child who is 60 by the 28th is counted, in 36-59, and a blue one given
  at 11 months in 6-11 though the child is 12 by the month's end. A capsule given at 60 months
  or more (an overridden record) has no row on the form and is not counted.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from posyandu.immunisation.models import Supplement
from posyandu.ages import completed_months
from posyandu.immunisation.supplements import VITAMIN_A
from posyandu.registry.models import Child
from posyandu.reports.cohort import (age_group, area_column, as_of, children_in_area, cohort, count_if, covered_areas,
                                     events_in_area, grouped, joined_latest, latest_visit, months_with_areas, with_margins)
from posyandu.reports.period import AGE_GROUPS, Month, Period, reaching_months_in
from posyandu.reports.skdn import COUNTS as SKDN_COUNTS, count_columns, severely_underweight

COUNTS = (*SKDN_COUNTS, "bb_u_sangat_kurang", "bb_u_kurang", "S36", "vitamin_a_blue", "vitamin_a_red")


def capsules_given(month: Month, posyandu_filter: Any) -> Any:
    """Per child given a vitamin A capsule this month: whether a blue and whether a red one was given, and
    the first day one was (``given_on``)."""
    given = lambda kind: func.max(case((Supplement.kind == kind, 1), else_=0))  # noqa: E731
    return (select(Supplement.child_id, given("vitamin_a_blue").label("blue"), given("vitamin_a_red").label("red"),
                   func.min(Supplement.given_on).label("given_on"))
            .where(Supplement.kind.in_(VITAMIN_A), Supplement.given_on.between(month.first, month.last),
                   Supplement.deleted_at.is_(None), events_in_area(Supplement, posyandu_filter, month.last))
            .group_by(Supplement.child_id).subquery())


def capsules_by_age(session: Any, month: Month, posyandu_filter: Any, level: str) -> dict[tuple, dict[str, int]]:
    """Per (area, sex, age group on the day given): the children given a blue and a red vitamin A capsule
    during the month (module docstring). The database groups them by birth date and day given; the age
    is ``ages.completed_months``, as the capsule's own checks count it."""
    first = (select(Supplement.child_id, Supplement.kind, func.min(Supplement.given_on).label("given_on"))
             .where(Supplement.kind.in_(VITAMIN_A), Supplement.given_on.between(month.first, month.last),
                    Supplement.deleted_at.is_(None), events_in_area(Supplement, posyandu_filter, month.last))
             .group_by(Supplement.child_id, Supplement.kind).subquery())
    keys = [area_column(level).label("area"), Child.sex.label("sex"),
            Child.birth_date.label("birth_date"), first.c.kind.label("kind"), first.c.given_on.label("given_on")]
    stmt = (children_in_area(posyandu_filter, level, month.last)
            .with_only_columns(*keys, func.count(Child.id).label("n"))
            .join(first, first.c.child_id == Child.id).group_by(*keys))
    out: dict[tuple, dict[str, int]] = {}
    for r in session.execute(as_of(session, stmt, month.last)).mappings():
        age = completed_months(r["birth_date"], r["given_on"])
        group = next((label for label, low, high in AGE_GROUPS if low <= age <= high), None)
        if group is not None:
            cell = out.setdefault((str(r["area"]), r["sex"], group), dict.fromkeys(VITAMIN_A, 0))
            cell[r["kind"]] += r["n"]
    return out


def f1_gizi(session: Any, month: Month, posyandu_filter: Any, level: str = "posyandu",
            areas: dict[str, str | None] | None = None) -> list[dict[str, Any]]:
    """Per area: sex × age-group cells plus totals by sex, by age group and overall (``areas``: the
    report's ``covered_areas``, else read here)."""
    areas = covered_areas(session, posyandu_filter, level, month.last) if areas is None else areas
    w = latest_visit(month.first, month.last, posyandu_filter, weighed_only=True)
    stmt = joined_latest(cohort(month, posyandu_filter, level), w, outer=True)
    s36_after, s36_by = reaching_months_in(month, 36)
    cols = count_columns(w) + [
        count_if(severely_underweight(w)).label("bb_u_sangat_kurang"), count_if(w.c.bb_u == "kurang").label("bb_u_kurang"),
        count_if((Child.birth_date > s36_after) & (Child.birth_date <= s36_by)).label("S36")]
    stmt = stmt.add_columns(Child.sex.label("sex"), age_group(month.last).label("age_group"), *cols)
    cells = {(r["area"], r["sex"], r["age_group"]): {**r, **dict.fromkeys(VITAMIN_A, 0)}
             for r in grouped(session, stmt, level, ("sex", "age_group"), areas, on=month.last)}
    for (area, sex, group), given in capsules_by_age(session, month, posyandu_filter, level).items():
        cell = cells.setdefault((area, sex, group), {"area": area, "area_name": None, "sex": sex, "age_group": group,
                                                     **dict.fromkeys(COUNTS, 0)})
        cell.update(given)
    return with_margins(list(cells.values()), COUNTS, areas, cross=True)


def f1_period(session: Any, period: Period, posyandu_filter: Any, level: str = "posyandu") -> list[dict[str, Any]]:
    return [{"month": str(m), **r} for m, areas in months_with_areas(session, posyandu_filter, level, period)
            for r in f1_gizi(session, m, posyandu_filter, level, areas)]
