"""Nutrition prevalence for a month: stunting, wasting, underweight, overweight (domain.md).

Among the children of the month's cohort who were measured that month, each
index from the child's latest measurement of the month that measured it (TB/U:
a length/height; BB/TB: a weight and a length/height, or oedema; BB/U: a
weight), Permenkes 2/2020 categories:

* stunting = TB/U pendek or sangat pendek (denominator: children with a TB/U status);
* wasting = BB/PB-BB/TB gizi kurang or gizi buruk, or oedema (denominator: a BB/TB
  status or oedema); overweight = BB/TB gizi lebih or obesitas (same denominator);
* underweight = BB/U kurang or sangat kurang, or oedema on the weighing (denominator: a BB/U status
  or oedema): WHO anthro/igrowup count an oedematous child below -3 SD of weight-for-age as well
  as of weight-for-length/height (``zwei_aux`` = -3.1), so she is severely underweight here too.

Implausible values (WHO flags) are left out per index and counted separately:
``flagged_tb_u`` etc. are children whose z-score exists but was flagged;
``flagged`` counts children with any flagged value (in those or in the month's
latest measurement). Rows come per area as a
total (sex ``all``, age ``0-59``), by sex, and by F1 age group.
"""
from __future__ import annotations

from typing import Any, Iterable, Iterator

from sqlalchemy import func

from posyandu.registry.models import Child
from posyandu.reports.cohort import (ALL_SEXES, age_group, cohort, count_if, covered_areas, grouped, joined_latest,
                                     latest_of, months_with_areas, visits_between, with_margins)
from posyandu.reports.period import ALL_AGES, Month, Period, pct
from posyandu.reports.skdn import OVERWEIGHT, STUNTED, UNDERWEIGHT, WASTED, severely_underweight

COUNTS = ("measured", "flagged", "tb_u_n", "stunted", "severely_stunted", "flagged_tb_u",
          "bb_tb_n", "wasted", "severely_wasted", "overweight", "flagged_bb_tb",
          "bb_u_n", "underweight", "severely_underweight", "flagged_bb_u")


def prevalence(session: Any, month: Month, posyandu_filter: Any, level: str = "posyandu",
               areas: dict[str, str | None] | None = None) -> list[dict[str, Any]]:
    """Per area: the total row, one row per sex and one per F1 age group, with counts and percentages
    (``areas``: the report's ``covered_areas``, else read here)."""
    areas = covered_areas(session, posyandu_filter, level, month.last) if areas is None else areas
    visits = visits_between(month.first, month.last, posyandu_filter, ("any", "length", "weight_for_length", "weighed"))
    v = latest_of(visits)
    h, t, w = latest_of(visits, "length"), latest_of(visits, "weight_for_length"), latest_of(visits, "weighed")
    stmt = joined_latest(cohort(month, posyandu_filter, level), v, outer=False)
    for visit in (h, t, w):
        stmt = joined_latest(stmt, visit, outer=True)
    flagged_tb_u = h.c.z_lhfa.is_not(None) & h.c.tb_u.is_(None)
    flagged_bb_tb = func.coalesce(t.c.z_wfl, t.c.z_wfh).is_not(None) & t.c.bb_tb.is_(None)
    flagged_bb_u = w.c.z_wfa.is_not(None) & w.c.bb_u.is_(None)
    oedema = t.c.oedema.is_(True)
    cols = [
        func.count(v.c.id).label("measured"),
        count_if(v.c.flagged | flagged_tb_u | flagged_bb_tb | flagged_bb_u).label("flagged"),
        count_if(h.c.tb_u.is_not(None)).label("tb_u_n"), count_if(h.c.tb_u.in_(STUNTED)).label("stunted"),
        count_if(h.c.tb_u == "sangat_pendek").label("severely_stunted"), count_if(flagged_tb_u).label("flagged_tb_u"),
        count_if(t.c.bb_tb.is_not(None) | oedema).label("bb_tb_n"),
        count_if(t.c.bb_tb.in_(WASTED) | oedema).label("wasted"),
        count_if((t.c.bb_tb == "gizi_buruk") | oedema).label("severely_wasted"),
        count_if(t.c.bb_tb.in_(OVERWEIGHT)).label("overweight"), count_if(flagged_bb_tb).label("flagged_bb_tb"),
        count_if(w.c.bb_u.is_not(None) | w.c.oedema.is_(True)).label("bb_u_n"),
        count_if(w.c.bb_u.in_(UNDERWEIGHT) | severely_underweight(w)).label("underweight"),
        count_if(severely_underweight(w)).label("severely_underweight"),
        count_if(flagged_bb_u).label("flagged_bb_u"),
    ]
    stmt = stmt.add_columns(Child.sex.label("sex"), age_group(month.last).label("age_group"), *cols)
    cells = grouped(session, stmt, level, ("sex", "age_group"), areas, on=month.last)
    return [with_percentages(r) for r in with_margins(cells, COUNTS, areas, cross=False)]


def prevalence_period(session: Any, period: Period, posyandu_filter: Any,
                      level: str = "posyandu") -> list[dict[str, Any]]:
    return [{"month": str(m), **r} for m, areas in months_with_areas(session, posyandu_filter, level, period)
            for r in prevalence(session, m, posyandu_filter, level, areas)]


def overall(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The rows of all sexes and ages (each area's total), the breakdown left out: the reports screen reads
    no other, and a district's months per posyandu were eight times the JSON a phone had to read."""
    return (r for r in rows if r["sex"] == ALL_SEXES and r["age_group"] == ALL_AGES)


def with_percentages(r: dict[str, Any]) -> dict[str, Any]:
    r.update(stunting_pct=pct(r["stunted"], r["tb_u_n"]), wasting_pct=pct(r["wasted"], r["bb_tb_n"]),
             underweight_pct=pct(r["underweight"], r["bb_u_n"]), overweight_pct=pct(r["overweight"], r["bb_tb_n"]))
    return r
