"""Build ``lila_head_cases.json``: the LiLA (MUAC) and head-circumference signs a cadre sees at the
weighing table, run by ``tests/unit/test_signs.py`` (pytest, the server's ``posyandu.growth.signs``
over the calculator's head-circumference z-score) and ``tests/js/growth.test.mjs`` (node, the PWA's
``assess.js``), so the phone offline says what the server stores.

Run from the repository root: ``python tests/data/lila_head_make_cases.py``.
Nothing here calls the project's code. The rules, written out from their sources:

* LiLA (lingkar lengan atas, MUAC): Kemenkes RI, Pedoman Pencegahan dan Tatalaksana Gizi Buruk
  pada Balita (2019), following WHO, Guideline: updates on the management of severe acute
  malnutrition in infants and children (2013): for children 6-59 months, LiLA < 11.5 cm is a sign
  of gizi buruk (refer to the puskesmas), 11.5 to < 12.5 cm of gizi kurang, 12.5 cm or more
  normal; under 6 months LiLA is not used. Age in completed months = floor(days / 30.4375)
  (domain.md), so 6 months begin on day 183 (182 / 30.4375 = 5.98) and 59 months end on day
  1826 (1827 / 30.4375 = 60.02).
* Head circumference-for-age (WHO Child Growth Standards, 2007): below -2 SD or above +2 SD is a
  reason to refer to a health worker; the z-score as reported (rounded to 2 decimals, domain.md),
  so -2.00 exactly is not below -2 SD. The z-scores come from ``who_reference.py`` (WHO's LMS
  tables, not the project's code). WHO's head-circumference table runs to day 1856.
"""

from __future__ import annotations

import json
import sys
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from who_reference import reference  # noqa: E402  (the independent WHO calculator beside this file)

DAYS_PER_MONTH = 30.4375


def on_day(birth: str, days: int) -> str:
    return (date.fromisoformat(birth) + timedelta(days=days)).isoformat()


def muac_sign(days: int, muac: float | None) -> str | None:
    if muac is None or not 6 <= int(days // DAYS_PER_MONTH) <= 59:
        return None
    return "gizi_buruk" if muac < 11.5 else "gizi_kurang" if muac < 12.5 else "normal"


def head_sign(hcfa: float | None) -> str | None:
    if hcfa is None:
        return None
    return "mikrosefali" if hcfa < -2 else "makrosefali" if hcfa > 2 else "normal"


def head_z(sex: str, days: int, cm: float) -> float | None:
    return reference(sex, days, head=cm)["zscores"]["hcfa"]


def head_at(sex: str, z_wanted: float, start: int) -> tuple[int, float]:
    """The first day from ``start`` with a head circumference (0.1 cm) whose z-score rounds to ``z_wanted``."""
    for days in range(start, 1857):
        for tenths in range(250, 600):
            if head_z(sex, days, tenths / 10) == z_wanted:
                return days, tenths / 10
    raise LookupError(z_wanted)


def case(id_: str, sex: str, birth: str, days: int, explain: str, muac=None, head=None) -> dict:
    hcfa = None if head is None else head_z(sex, days, head)
    return {"id": id_, "sex": sex, "birth_date": birth, "measured_on": on_day(birth, days), "age_days": days,
            "muac_cm": muac, "head_circumference_cm": head, "explain": explain,
            "expected": {"hcfa": hcfa, "muac_sign": muac_sign(days, muac), "head_sign": head_sign(hcfa),
                         "refer": muac_sign(days, muac) == "gizi_buruk" or head_sign(hcfa) in ("mikrosefali", "makrosefali")}}


def cases() -> list[dict]:
    out = [
        case("two-year-old-lila-11.0-is-gizi-buruk", "M", "2023-03-01", 731, "24 months, LiLA 11.0 < 11.5: gizi buruk, refer.", muac=11.0),
        case("lila-11.4-is-gizi-buruk", "F", "2023-03-01", 400, "13 months, 11.4 < 11.5: gizi buruk.", muac=11.4),
        case("lila-11.5-exactly-is-not-buruk", "F", "2023-03-01", 400, "11.5 is not < 11.5: gizi kurang (11.5 to < 12.5).", muac=11.5),
        case("lila-12.4-is-gizi-kurang", "M", "2022-08-15", 900, "29 months, 12.4 < 12.5: gizi kurang.", muac=12.4),
        case("lila-12.5-exactly-is-normal", "M", "2022-08-15", 900, "12.5 is not < 12.5: normal.", muac=12.5),
        case("lila-at-day-182-is-not-used", "F", "2024-01-01", 182,
             "2024-01-01 to 2024-07-01: 182 days (February 2024 has 29), 182 / 30.4375 = 5.98: 5 completed months, "
             "under 6 months: LiLA is not used.", muac=11.0),
        case("lila-at-day-183-is-used", "F", "2024-01-01", 183, "183 / 30.4375 = 6.01: 6 completed months: 11.0 is gizi buruk.", muac=11.0),
        case("lila-at-day-1826-59-months", "M", "2020-01-01", 1826, "1826 / 30.4375 = 59.99: 59 months, still 6-59: gizi buruk.", muac=11.0),
        case("lila-at-day-1827-60-months-is-not-used", "M", "2020-01-01", 1827, "1827 / 30.4375 = 60.02: 60 months, past 6-59.", muac=11.0),
        case("no-lila-no-sign", "F", "2023-03-01", 400, "Nothing measured: no sign.", head=None),
        case("lila-13.6-normal", "F", "2022-05-20", 1200, "39 months, 13.6 >= 12.5: normal.", muac=13.6),
        case("newborn-small-head", "F", "2026-11-01", 0, "Day 0, girl: WHO L 1, M 33.8787, S 0.03496; (30.0 / 33.8787 - 1) / 0.03496 = -3.27: below -2 SD, refer.", head=30.0),
        case("head-past-1856-days-has-no-z", "M", "2019-01-01", 1857, "Day 1857: past WHO's table, no z-score, no sign.", head=45.0),
        case("both-signs", "M", "2023-03-01", 500, "Day 500 (16 months), boy: LiLA 11.2 < 11.5 gizi buruk; head: WHO L 1, M 47.0905, S 0.02796, (42.0 / 47.0905 - 1) / 0.02796 = -3.87: below -2 SD. Both refer.",
             muac=11.2, head=42.0),
    ]
    for sex, z, name in (("F", -2.0, "head-minus-2.00-exactly-is-normal"), ("M", -2.01, "head-minus-2.01-is-below-2-sd"),
                         ("F", 2.0, "head-plus-2.00-exactly-is-normal"), ("M", 2.01, "head-plus-2.01-is-above-2-sd")):
        days, cm = head_at(sex, z, 200)
        out.append(case(name, sex, "2024-02-29", days, f"Day {days}, {cm} cm: WHO z rounds to {z:.2f}.", head=cm))
    return out


if __name__ == "__main__":
    about = ("LiLA (MUAC) and head-circumference signs at the weighing table (Kemenkes 2019 / WHO 2013 for LiLA at "
             "6-59 months; WHO head circumference-for-age beyond +-2 SD), run by tests/unit/test_signs.py (the "
             "server) and tests/js/growth.test.mjs (the PWA's assess.js). Built by tests/data/lila_head_make_cases.py "
             "from the rules written out there and WHO's tables (who_reference.py), never from the project's code. "
             "expected: hcfa (rounded), muac_sign (null | gizi_buruk | gizi_kurang | normal), head_sign (null | "
             "mikrosefali | makrosefali | normal), refer (LiLA gizi buruk or head beyond +-2 SD).")
    data = {"about": about, "cases": cases()}
    text = json.dumps(data, ensure_ascii=False, indent=None)
    lines = text.replace('"cases": [{', '"cases": [\n{').replace('}, {"id"', '},\n{"id"')
    (HERE / "lila_head_cases.json").write_text(lines + "\n", encoding="utf-8")
