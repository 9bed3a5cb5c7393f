"""Growth chart data: a child's points with WHO reference curves (−3, −2, 0, +2, +3 SD).

The curves are WHO's LMS values turned back into measurements,
y = M (1 + L·S·z)^(1/L) — the same numbers WHO prints in its SD tables.
Pure module: no Flask, no database.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from posyandu.growth.tables import MAX_AGE_DAYS, growth_tables
from posyandu.growth.zscores import _sd_line as sd_line

SD_LINES = (-3, -2, 0, 2, 3)
DAYS_PER_MONTH = 30.4375
SEX_CODES = {"M": 1, "F": 2}


def age_curves(indicator: str, sex: str, until_days: int) -> dict[str, Any]:
    """Monthly points (x = age in months) from birth to ``until_days`` (at least 12 months)."""
    months = np.arange(0, min(max(until_days / DAYS_PER_MONTH, 12.0), 60.0) + 1)
    days = np.minimum(np.rint(months * DAYS_PER_MONTH).astype(int), MAX_AGE_DAYS)
    lms = growth_tables()[indicator].rows(np.full(days.shape, SEX_CODES[sex]), days)
    return _curves(months, lms, "age_months")


def length_curves(indicator: str, sex: str) -> dict[str, Any]:
    """Points every 1 cm over the table's range (wfl 45-110 cm, wfh 65-120 cm)."""
    table = growth_tables()[indicator]
    cm = np.arange(table.first, table.last + 1, 10) / 10
    lms = table.rows(np.full(cm.shape, SEX_CODES[sex]), np.rint(cm * 10).astype(int))
    return _curves(cm, lms, "length_height_cm")


def _curves(x: np.ndarray, lms: np.ndarray, x_name: str) -> dict[str, Any]:
    lines = {str(sd): [round(float(v), 2) for v in sd_line(lms, float(sd))] for sd in SD_LINES}
    return {"x": x_name, "x_values": [round(float(v), 2) for v in x], "sd": lines}


def chart_data(sex: str, birth_date: Any, points: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Everything the PWA draws for one child (as its ``chart.chartData``): wfa and lhfa by age, and
    weight-for-length (under 2 years) or weight-for-height (2 years and over); a child now 2 or
    older with a weighing and length from before keeps the weight-for-length curves beside (WHO
    reads a weighing under 731 days against weight-for-length, one from 731 against weight-for-height)."""
    last_age = max((p["age_days"] or 0 for p in points), default=0)
    by_length = ["wfh"] if last_age >= 731 else ["wfl"]
    if last_age >= 731 and any((p["age_days"] or 0) < 731 and p.get("weight_kg") is not None
                               and p.get("length_height_cm") is not None for p in points):
        by_length.insert(0, "wfl")
    return {
        "sex": sex, "birth_date": birth_date, "points": list(points),
        "curves": {"wfa": age_curves("wfa", sex, last_age), "lhfa": age_curves("lhfa", sex, last_age),
                   **{name: length_curves(name, sex) for name in by_length}},
    }
