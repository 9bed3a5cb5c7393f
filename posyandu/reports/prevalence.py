"""Nutrition prevalence for a month: stunting, wasting, underweight, overweight (domain.md).

Among the children of the month's cohort who were measured that month, using
each child's latest measurement of the month (Permenkes 2/2020 categories):

* stunting = TB/U pendek or sangat pendek (denominator: children with a TB/U status);
* wasting = BB/PB-BB/TB gizi kurang or gizi buruk, or oedema (denominator: a BB/TB
  status or oedema); overweight = BB/TB gizi lebih or obesitas (same denominator);
* underweight = BB/U kurang or sangat kurang (denominator: a BB/U status).

Implausible values (WHO flags) are left out per index and counted separately:
``flagged_tb_u`` etc. are children whose z-score exists but was flagged;
``flagged`` counts children with any flagged value. Rows come per area as a
total (sex ``all``, age ``0-59``), by sex, and by F1 age group.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import func

from posyandu.registry.models import Child
from posyandu.reports.cohort import age_group, cohort, count_if, grouped, joined_latest, latest_visit, with_margins
from posyandu.reports.period import Month, Period, pct
from posyandu.reports.skdn import OVERWEIGHT, STUNTED, UNDERWEIGHT, WASTED

COUNTS = ("measured", "flagged", "tb_u_n", "stunted", "severely_stunted", "flagged_tb_u",
          "bb_tb_n", "wasted", "severely_wasted", "overweight", "flagged_bb_tb",
          "bb_u_n", "underweight", "severely_underweight", "flagged_bb_u")


def prevalence(session: Any, month: Month, posyandu_filter: Any, level: str = "posyandu") -> list[dict[str, Any]]:
    """Per area: the total row, one row per sex and one per F1 age group, with counts and percentages."""
    v = latest_visit(month.first, month.last, posyandu_filter, weighed_only=False)
    stmt = joined_latest(cohort(month, posyandu_filter, level), v, outer=False)
    wfl_wfh = func.coalesce(v.c.z_wfl, v.c.z_wfh)
    cols = [
        func.count(v.c.id).label("measured"), count_if(v.c.flagged).label("flagged"),
        count_if(v.c.tb_u.is_not(None)).label("tb_u_n"), count_if(v.c.tb_u.in_(STUNTED)).label("stunted"),
        count_if(v.c.tb_u == "sangat_pendek").label("severely_stunted"),
        count_if(v.c.z_lhfa.is_not(None) & v.c.tb_u.is_(None)).label("flagged_tb_u"),
        count_if(v.c.bb_tb.is_not(None) | v.c.oedema).label("bb_tb_n"),
        count_if(v.c.bb_tb.in_(WASTED) | v.c.oedema).label("wasted"),
        count_if((v.c.bb_tb == "gizi_buruk") | v.c.oedema).label("severely_wasted"),
        count_if(v.c.bb_tb.in_(OVERWEIGHT)).label("overweight"),
        count_if(wfl_wfh.is_not(None) & v.c.bb_tb.is_(None)).label("flagged_bb_tb"),
        count_if(v.c.bb_u.is_not(None)).label("bb_u_n"), count_if(v.c.bb_u.in_(UNDERWEIGHT)).label("underweight"),
        count_if(v.c.bb_u == "sangat_kurang").label("severely_underweight"),
        count_if(v.c.z_wfa.is_not(None) & v.c.bb_u.is_(None)).label("flagged_bb_u"),
    ]
    stmt = stmt.add_columns(Child.sex.label("sex"), age_group(month.last).label("age_group"), *cols)
    cells = grouped(session, stmt, level, ("sex", "age_group"))
    return [with_percentages(r) for r in with_margins(cells, COUNTS, cross=False)]


def prevalence_period(session: Any, period: Period, posyandu_filter: Any,
                      level: str = "posyandu") -> list[dict[str, Any]]:
    return [{"month": str(m), **r} for m in period.months for r in prevalence(session, m, posyandu_filter, level)]


def with_percentages(r: dict[str, Any]) -> dict[str, Any]:
    r.update(stunting_pct=pct(r["stunted"], r["tb_u_n"]), wasting_pct=pct(r["wasted"], r["bb_tb_n"]),
             underweight_pct=pct(r["underweight"], r["bb_u_n"]), overweight_pct=pct(r["overweight"], r["bb_tb_n"]))
    return r
