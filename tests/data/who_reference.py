"""An independent WHO z-score reference for property tests: plain Python, one row at a time.

Written from WHO's published method as domain.md states it (WHO Child Growth Standards 2006,
ch. 7; WHO anthro's ``anthro_zscores``), reading WHO's LMS tables from ``shared/data`` (the
copy in ``posyandu/growth/data`` is the same file) with the ``csv`` module. It imports nothing
of the project's code: no NumPy, no chunking, no shared helper, so a bug there cannot hide here.

* age in whole days; z-scores for day 0..1856 (igrowup), acfa from day 91 where its table starts;
* length/height: standing under 731 days +0.7 cm, lying from 731 days -0.7 cm, standing under
  9 months (days / 30.4375 < 9) treated as no position (WHO anthro's ``c9mo_flag``);
* weight-for-length (45-110 cm) under 731 days, weight-for-height (65-120 cm) from 731 days, L M S
  interpolated linearly between 0.1 cm rows;
* z = ((y/M)^L - 1)/(S L); restricted beyond +-3 SD for wfa, wfl, wfh, bfa, acfa;
* oedema: no weight-based z-score; rounded to 2 decimals (exact value, ties away from zero),
  flags on the rounded value; Permenkes 2/2020 categories of the rounded, unflagged z-score.
"""

from __future__ import annotations

import csv
import math
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

WHO = Path(__file__).resolve().parents[2] / "posyandu" / "growth" / "data"
FILES = {"wfa": "weianthro.txt", "lhfa": "lenanthro.txt", "bfa": "bmianthro.txt", "hcfa": "hcanthro.txt",
         "acfa": "acanthro.txt", "wfl": "wflanthro.txt", "wfh": "wfhanthro.txt"}
LIMITS = {"wfa": (-6, 5), "lhfa": (-6, 6), "wfl": (-5, 5), "wfh": (-5, 5), "bfa": (-5, 5), "hcfa": (-5, 5),
          "acfa": (-5, 5)}
RESTRICTED = {"wfa", "wfl", "wfh", "bfa", "acfa"}
LENGTH_RANGE = {"wfl": (450, 1100), "wfh": (650, 1200)}  # tenths of a cm


@cache
def table(name: str) -> dict:
    """{(sex, index): (L, M, S)}: index a day, or tenths of a cm for wfl/wfh."""
    scale = 10 if name in LENGTH_RANGE else 1
    with open(WHO / FILES[name], newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))[1:]
    return {(int(r[0]), round(float(r[1]) * scale)): (float(r[2]), float(r[3]), float(r[4])) for r in rows}


def z_of(y: float, lms: tuple, restricted: bool) -> float:
    l, m, s = lms
    z = math.log(y / m) / s if l == 0 else ((y / m) ** l - 1) / (s * l)
    if not restricted or abs(z) <= 3:
        return z
    sign = 1 if z > 0 else -1
    sd3, sd2 = (m * (1 + l * s * k * sign) ** (1 / l) for k in (3, 2))
    return 3 * sign + (y - sd3) / abs(sd3 - sd2)


def by_length(name: str, sex: int, cm: float):
    tenths = cm * 10
    low = math.floor(round(tenths, 6))
    step = max(0.0, round(tenths - low, 9))
    first, last = LENGTH_RANGE[name]
    if low < first or low > last or (low == last and step > 0):
        return None
    lower = table(name)[(sex, low)]
    if step == 0:
        return lower
    upper = table(name)[(sex, low + 1)]
    return tuple(a + step * (b - a) for a, b in zip(lower, upper))


def rounded(z: float) -> float:
    return float(Decimal(z).quantize(Decimal("0.01"), ROUND_HALF_UP)) + 0.0


def category(key: str, z: float | None) -> str | None:
    """Permenkes 2/2020 (domain.md's table, written out as its inequalities)."""
    if z is None:
        return None
    if key in ("bb_tb", "imt_u"):
        return ("gizi_buruk" if z < -3 else "gizi_kurang" if z < -2 else "gizi_baik" if z <= 1
                else "berisiko_gizi_lebih" if z <= 2 else "gizi_lebih" if z <= 3 else "obesitas")
    if key == "bb_u":
        return "sangat_kurang" if z < -3 else "kurang" if z < -2 else "normal" if z <= 1 else "risiko_lebih"
    return "sangat_pendek" if z < -3 else "pendek" if z < -2 else "normal" if z <= 3 else "tinggi"


def reference(sex: str, day: int, weight=None, length=None, position=None, head=None, muac=None, oedema=False):
    """{"zscores", "flags", "status"} of one measurement, as WHO and domain.md define them."""
    s = 1 if sex == "M" else 2
    z = dict.fromkeys(LIMITS)
    if day <= 1856:
        if length is not None:
            position = None if position == "standing" and day / 30.4375 < 9 else position
            length += 0.7 if day < 731 and position == "standing" else -0.7 if day >= 731 and position == "lying" else 0
        weighed = weight is not None and not oedema
        measures = {"wfa": weight if weighed else None, "lhfa": length, "hcfa": head, "acfa": muac,
                    "bfa": weight / (length / 100) ** 2 if weighed and length is not None else None}
        for name, y in measures.items():
            if y is not None and (s, day) in table(name):
                z[name] = z_of(y, table(name)[(s, day)], name in RESTRICTED)
        if weighed and length is not None:
            name = "wfl" if day < 731 else "wfh"
            lms = by_length(name, s, length)
            if lms is not None:
                z[name] = z_of(weight, lms, True)
    z = {k: None if v is None else rounded(v) for k, v in z.items()}
    flags = {k: None if v is None else not (LIMITS[k][0] <= v <= LIMITS[k][1]) for k, v in z.items()}
    plain = {k: None if flags[k] else v for k, v in z.items()}
    wasting = plain["wfl"] if z["wfl"] is not None else plain["wfh"]
    status = {"bb_u": category("bb_u", plain["wfa"]), "tb_u": category("tb_u", plain["lhfa"]),
              "bb_tb": category("bb_tb", wasting), "imt_u": category("imt_u", plain["bfa"])}
    return {"zscores": z, "flags": flags, "status": status}


def sd_weight(name: str, sex: str, index: int, sd: float) -> float:
    """The weight (kg) on WHO's ``sd`` line of table ``name`` at ``index`` (a day or tenths of a cm)."""
    l, m, s = table(name)[(1 if sex == "M" else 2, index)]
    return m * (1 + l * s * sd) ** (1 / l)
