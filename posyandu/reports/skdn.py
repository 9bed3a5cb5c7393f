"""SKDN for a month, computed in the database (domain.md, "Monthly report: SKDN").

S children under five registered in the area; K of them with a KMS/Buku KIA;
D weighed this month; N weighed this month and last with a gain of at least
the KBM; T weighed both months with a smaller gain; O weighed this month but
not last; B weighed for the first time; plus BGM (weight-for-age below −3 SD)
and 2T (T twice in a row). Always D = N + T + O + B; D′ = N + T (weighed last
month and this month). Ratios: K/S, D/S, D/K, N/D, N/D′ and N/S (%).

``D_no_kms``: of D, the children with no KMS recorded (not in K). They are weighed and
counted in D as the KMS rules say, so D/K goes above 100 % when there are more of them than
children of K absent; the count says why, the numbers stay as they are.

Each child counts once a month, with the month's latest weighing (its stored
KMS trend, a health worker's N/T override included), at the posyandu the
child was registered at on the month's last day (``cohort.placed_on``).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func

from posyandu.registry.models import Child
from posyandu.reports.cohort import (cohort, count_if, covered_areas, every_area, grouped, joined_latest, latest_visit,
                                     months_with_areas)
from posyandu.reports.period import Month, Period, pct

STUNTED, WASTED = ("pendek", "sangat_pendek"), ("gizi_kurang", "gizi_buruk")
UNDERWEIGHT, OVERWEIGHT = ("kurang", "sangat_kurang"), ("gizi_lebih", "obesitas")
COUNTS = ("S", "K", "D", "N", "T", "O", "B", "BGM", "2T", "D_no_kms")


def severely_underweight(weighing: Any) -> Any:
    """BB/U sangat kurang, or oedema on the weighing: WHO anthro/igrowup count an oedematous child below
    -3 SD of weight-for-age (``zwei_aux`` = -3.1), though she has no weight-for-age z-score."""
    return (weighing.c.bb_u == "sangat_kurang") | weighing.c.oedema.is_(True)


def count_columns(weighing: Any) -> list[Any]:
    """The :data:`COUNTS` of a cohort joined (outer) to its month's latest ``weighing``, as labelled
    columns: the SKDN's, and the F1 Gizi form's first ones."""
    cols = [func.count(Child.id).label("S"), count_if(Child.has_kms).label("K"), func.count(weighing.c.id).label("D")]
    cols += [count_if(weighing.c.trend == t).label(t) for t in ("N", "T", "O", "B")]
    cols += [count_if(weighing.c.bgm).label("BGM"), count_if(weighing.c.two_t).label("2T")]
    return cols + [count_if(weighing.c.id.is_not(None) & ~Child.has_kms).label("D_no_kms")]


def skdn(session: Any, month: Month, posyandu_filter: Any, level: str = "posyandu",
         areas: dict[str, str | None] | None = None) -> list[dict[str, Any]]:
    """One row per area at ``level`` for ``month``: S, K, D, N, T, O, B, BGM, 2T, D′, ``D_no_kms`` and the ratios
    (every area holding an open posyandu of the report, zeros where no child counts; ``areas``: its
    ``covered_areas``, else read here)."""
    areas = covered_areas(session, posyandu_filter, level, month.last) if areas is None else areas
    weighing = latest_visit(month.first, month.last, posyandu_filter, weighed_only=True)
    stmt = joined_latest(cohort(month, posyandu_filter, level), weighing, outer=True)
    rows = grouped(session, stmt.add_columns(*count_columns(weighing)), level, areas=areas, on=month.last)
    return [with_ratios(r) for r in every_area(rows, areas, COUNTS)]


def skdn_period(session: Any, period: Period, posyandu_filter: Any, level: str = "posyandu") -> list[dict[str, Any]]:
    """:func:`skdn` for every month of ``period``, each row carrying its ``month`` (the areas of each: a
    posyandu closed during the period has its rows up to its closing)."""
    return [{"month": str(m), **r} for m, areas in months_with_areas(session, posyandu_filter, level, period)
            for r in skdn(session, m, posyandu_filter, level, areas)]


def with_ratios(r: dict[str, Any]) -> dict[str, Any]:
    r["D_prime"] = r["N"] + r["T"]
    r.update({"K_S": pct(r["K"], r["S"]), "D_S": pct(r["D"], r["S"]), "D_K": pct(r["D"], r["K"]),
              "N_D": pct(r["N"], r["D"]), "N_D_prime": pct(r["N"], r["D_prime"]), "N_S": pct(r["N"], r["S"])})
    return r
