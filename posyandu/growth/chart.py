"""Growth chart data: a child's points with the WHO reference curves the KMS draws.

The curves are WHO's LMS values turned back into measurements,
y = M (1 + L·S·z)^(1/L) — the same numbers WHO prints in its SD tables. The lines, the
colour bands between them, the age axis, the birth point and where each point is drawn are the
PWA's (``static/pwa/js/chart.js``: ``chartData``, ``birthPoint``, ``placed``), so the server's chart
and the phone's are the same picture. Pure module: no Flask, no database.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from posyandu.growth.tables import MAX_AGE_DAYS, growth_tables
from posyandu.growth.zscores import POSITIONS, _adjusted_length_height, sd_line

# The KMS's lines: the Permenkes cut-offs of each index (+1 SD: BB/U 'risiko berat badan lebih', the
# orange line; BB/PB-BB/TB 'berisiko gizi lebih'); TB/U has none at +1 SD.
SD_LINES = {"wfa": (-3, -2, 0, 1, 2, 3), "lhfa": (-3, -2, 0, 2, 3),
            "wfl": (-3, -2, 0, 1, 2, 3), "wfh": (-3, -2, 0, 1, 2, 3)}
# (from SD, to SD, band): warn yellow below −2 SD, ok green, over orange above +1 SD (Buku KIA colours)
BANDS = {"wfa": ((-3, -2, "warn"), (-2, 1, "ok"), (1, 3, "over")),
         "lhfa": ((-3, -2, "warn"), (-2, 3, "ok"))}
BANDS["wfl"] = BANDS["wfh"] = BANDS["wfa"]
DAYS_PER_MONTH = 30.4375
HEIGHT_FROM_DAYS = 731
# the WHO tables end at day 1856 (60.98 months): a last axis month of 61 keeps that day in view
LAST_MONTH = 61
SEX_CODES = {"M": 1, "F": 2}


def _half_up(value: float) -> int:
    """JavaScript's Math.round: to the nearest whole number, halves up (numpy's rint rounds them to even)."""
    return math.floor(value + 0.5)


def _round2(value: float) -> float:
    """The phone's round2 (Math.round(v * 100) / 100), so both give the same curves to the bit."""
    return _half_up(value * 100) / 100


def last_month(last_age_days: int) -> int:
    """The age axis' last month: a year at least, three months past the latest point, at most 61."""
    return min(LAST_MONTH, max(12, math.ceil(last_age_days / DAYS_PER_MONTH) + 3))


def age_curves(indicator: str, sex: str, until_days: int) -> dict[str, Any]:
    """Whole months from birth to ``last_month(until_days)``, each read at its day (day 1856 for month 61);
    lhfa also 23.99 (day 730, the last lying) before 24 (day 731, standing): WHO's 0.7 cm step, as the phone."""
    months = np.arange(0, last_month(until_days) + 1, dtype=float)
    if indicator == "lhfa" and months[-1] >= 24:
        months = np.insert(months, 24, 23.99)
    days = np.array([min(MAX_AGE_DAYS, _half_up(m * DAYS_PER_MONTH)) for m in months], dtype=int)
    lms = growth_tables()[indicator].rows(np.full(days.shape, SEX_CODES[sex]), days)
    return _curves(indicator, months, lms, "age_months")


def length_curves(indicator: str, sex: str) -> dict[str, Any]:
    """Points every 1 cm over the table's range (wfl 45-110 cm, wfh 65-120 cm)."""
    table = growth_tables()[indicator]
    cm = np.arange(table.first, table.last + 1, 10) / 10
    lms = table.rows(np.full(cm.shape, SEX_CODES[sex]), np.rint(cm * 10).astype(int))
    return _curves(indicator, cm, lms, "length_height_cm")


def _curves(indicator: str, x: np.ndarray, lms: np.ndarray, x_name: str) -> dict[str, Any]:
    lines = {str(sd): [_round2(float(v)) for v in sd_line(lms, float(sd))] for sd in SD_LINES[indicator]}
    return {"x": x_name, "x_values": [round(float(v), 2) for v in x], "sd": lines,
            "bands": [{"from_sd": a, "to_sd": b, "band": band} for a, b, band in BANDS[indicator]]}


def birth_point(birth_date: Any, weight_kg: float | None, length_cm: float | None,
                measured_on: Sequence[Any]) -> dict[str, Any] | None:
    """The birth as the charts' point at month 0 (the Buku KIA's first KMS entry): the birth weight
    and length (measured lying); None when neither is known or a weighing on the day of birth is that
    point already (``measured_on``: the dates of the child's measurements)."""
    if (weight_kg is None and length_cm is None) or birth_date in measured_on:
        return None
    return {"measured_on": birth_date, "age_days": 0, "age_months": 0.0, "weight_kg": weight_kg,
            "length_height_cm": length_cm, "position": None if length_cm is None else "lying", "birth": True}


def _placed(curves: dict[str, Any], point: dict[str, Any], cm: float | None) -> dict[str, Any]:
    """Where each chart draws ``point`` ({x, y, unjudged}), null where it is not drawn: a weighing
    under 731 days belongs on weight-for-length, one from 731 to 1856 on weight-for-height; a value missing or
    beyond the curves is not drawn. Hollow (unjudged): a weight with oedema, a value flagged implausible
    (a birth point's weight for length aside)."""
    day, weight, flags = point.get("age_days"), point.get("weight_kg"), point.get("flags") or {}
    out: dict[str, Any] = {}
    for indicator, curve in curves.items():
        out[indicator] = None
        if day is None or (indicator == "wfl" and day >= HEIGHT_FROM_DAYS) or (indicator == "wfh" and day < HEIGHT_FROM_DAYS):
            continue
        x = day / DAYS_PER_MONTH if curve["x"] == "age_months" else cm
        y = cm if indicator == "lhfa" else weight
        xs = curve["x_values"]
        if x is None or y is None or not xs[0] <= x <= xs[-1] or day > MAX_AGE_DAYS:  # wfh: WHO's under-fives
            continue
        # a newborn's weight for length is no sign (judged by weight and length for age): her birth point
        # far below it (1.96 kg at 49.6 cm, -5.9) was drawn hollow, "oedema or a likely mistake", to a mother
        flagged = flags.get(indicator) is True and not (point.get("birth") and indicator in ("wfl", "wfh"))
        unjudged = (point.get("oedema") is True and indicator != "lhfa") or flagged
        out[indicator] = {"x": x, "y": y, "unjudged": unjudged}
    return out


def _plotted_lengths(points: Sequence[dict[str, Any]]) -> list[float | None]:
    """Each point's length/height where the z-scores read it (WHO's 0.7 cm: lying from 2 years
    counts 0.7 cm less, standing before 0.7 cm more; standing under 9 months as unrecorded)."""
    if not points:
        return []
    raw = np.array([np.nan if p.get("length_height_cm") is None else p["length_height_cm"] for p in points], dtype=float)
    day = np.array([-1 if p.get("age_days") is None else p["age_days"] for p in points])
    position = np.array([POSITIONS.get(p.get("position"), 0) for p in points])
    adjusted, _, _ = _adjusted_length_height(day, ~np.isnan(raw), position, raw)
    return [None if np.isnan(v) else float(v) for v in adjusted]


def chart_data(sex: str, birth_date: Any, points: Sequence[dict[str, Any]],
               birth: dict[str, Any] | None = None) -> dict[str, Any]:
    """Everything the PWA draws for one child (as its ``chart.chartData``): wfa and lhfa by age, and
    weight-for-length (under 2 years) or weight-for-height (2 years and over); a child now 2 or
    older with a weighing and length from before keeps the weight-for-length curves beside (WHO
    reads a weighing under 731 days against weight-for-length, one from 731 against weight-for-height).
    ``birth`` (``birth_point``, with its z-scores) is drawn first, as the phone does; each point gets
    ``plot``, where every chart draws it."""
    drawn = [*([birth] if birth else []), *points]
    last_age = max((p["age_days"] or 0 for p in drawn), default=0)
    by_length = ["wfh"] if last_age >= 731 else ["wfl"]
    if last_age >= 731 and any(p["age_days"] is not None and p["age_days"] < 731 and p.get("weight_kg") is not None
                               and p.get("length_height_cm") is not None for p in drawn):
        by_length.insert(0, "wfl")
    curves = {"wfa": age_curves("wfa", sex, last_age), "lhfa": age_curves("lhfa", sex, last_age),
              **{name: length_curves(name, sex) for name in by_length}}
    plotted = [{**p, "plot": _placed(curves, p, cm)} for p, cm in zip(drawn, _plotted_lengths(drawn))]
    return {
        "sex": sex, "birth_date": birth_date, "birth_point": plotted[0] if birth else None,
        "points": plotted[1:] if birth else plotted, "curves": curves,
    }
