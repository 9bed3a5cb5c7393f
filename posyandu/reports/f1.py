"""The monthly F1 Gizi form as the puskesmas collects it (domain.md, "Monthly report: SKDN").

Every count split by sex (L/P) and by age group 0-5, 6-11, 12-23, 24-35 and
36-59 completed months on the month's last day, with totals. Which index each
count uses:

* S, K, D, N, T, O, B, BGM, 2T: as in SKDN (the month's latest weighing; BGM is
  the KMS red line, weight-for-age below −3 SD, flagged values included);
* ``bb_u_sangat_kurang`` / ``bb_u_kurang``: BB/U category of that weighing
  (Permenkes 2/2020; flagged values have no category);
* ``S36``: children completing 36 months during the month;
* ``vitamin_a_blue`` / ``vitamin_a_red``: children given a blue (100,000 IU) or
  red (200,000 IU) capsule during the month.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from posyandu.immunisation.models import Supplement
from posyandu.registry.models import Child
from posyandu.reports.cohort import (age_group, cohort, count_if, covered_areas, grouped, joined_latest,
                                     latest_visit, scoped_posyandu_ids, with_margins)
from posyandu.reports.period import Month, Period, reaching_months_in

COUNTS = ("S", "K", "D", "N", "T", "O", "B", "BGM", "2T", "bb_u_sangat_kurang", "bb_u_kurang", "S36",
          "vitamin_a_blue", "vitamin_a_red")


def capsules_given(month: Month, posyandu_filter: Any) -> Any:
    """Per child: whether a blue and whether a red vitamin A capsule was given this month."""
    given = lambda kind: func.max(case((Supplement.kind == kind, 1), else_=0))  # noqa: E731
    return (select(Supplement.child_id, given("vitamin_a_blue").label("blue"), given("vitamin_a_red").label("red"))
            .where(Supplement.given_on.between(month.first, month.last), Supplement.deleted_at.is_(None),
                   Supplement.posyandu_id.in_(scoped_posyandu_ids(posyandu_filter)))
            .group_by(Supplement.child_id).subquery())


def f1_gizi(session: Any, month: Month, posyandu_filter: Any, level: str = "posyandu") -> list[dict[str, Any]]:
    """Per area: sex × age-group cells plus totals by sex, by age group and overall."""
    w = latest_visit(month.first, month.last, posyandu_filter, weighed_only=True)
    caps = capsules_given(month, posyandu_filter)
    stmt = joined_latest(cohort(month, posyandu_filter, level), w, outer=True).outerjoin(caps, caps.c.child_id == Child.id)
    s36_after, s36_by = reaching_months_in(month, 36)
    cols = [func.count(Child.id).label("S"), count_if(Child.has_kms).label("K"), func.count(w.c.id).label("D")]
    cols += [count_if(w.c.trend == t).label(t) for t in ("N", "T", "O", "B")]
    cols += [count_if(w.c.bgm).label("BGM"), count_if(w.c.two_t).label("2T"),
             count_if(w.c.bb_u == "sangat_kurang").label("bb_u_sangat_kurang"),
             count_if(w.c.bb_u == "kurang").label("bb_u_kurang"),
             count_if((Child.birth_date > s36_after) & (Child.birth_date <= s36_by)).label("S36"),
             count_if(caps.c.blue == 1).label("vitamin_a_blue"), count_if(caps.c.red == 1).label("vitamin_a_red")]
    stmt = stmt.add_columns(Child.sex.label("sex"), age_group(month.last).label("age_group"), *cols)
    return with_margins(grouped(session, stmt, level, ("sex", "age_group")), COUNTS,
                        covered_areas(session, posyandu_filter, level), cross=True)


def f1_period(session: Any, period: Period, posyandu_filter: Any, level: str = "posyandu") -> list[dict[str, Any]]:
    return [{"month": str(m), **r} for m in period.months for r in f1_gizi(session, m, posyandu_filter, level)]
