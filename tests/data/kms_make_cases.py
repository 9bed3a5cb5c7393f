"""Build ``kms_trend_cases.json``: KMS trend cases (N, T, O, B, 2T, BGM; domain.md "Growth
trend on the KMS") run by ``tests/unit/test_trend.py`` (pytest, the server's
``posyandu.growth.trend_series``) and ``tests/js/growth.test.mjs`` (node, the PWA's
``assess.js``), so that the N/T a cadre sees at the table offline is the one the server stores.

Run from the repository root: ``python tests/data/kms_make_cases.py``.
Nothing here calls the project's code. The hand cases below are worked from domain.md, the
arithmetic written out in ``explain``. The generated series (seeded, so the file is stable)
take their expectations from ``reference`` below: domain.md's rules written out month by
month, with the weights' grams counted in decimal arithmetic. Generated cases list the trend
fields only (BGM and the +1 SD sign need a weight-for-age z-score: the hand cases give those).
"""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
KBM = {1: 800, 2: 900, 3: 800, 4: 600, 5: 500, 6: 400, 7: 400, 8: 300, 9: 300, 10: 300, 11: 200}  # 12-60: 200
KMS_LAST_MONTH = 60
WHO_LAST_DAY = 1856  # the WHO growth standards' last day (weight-for-age, who-growth-standards-2006)

HAND = [
    {"id": "gap-of-two-months-is-o", "sex": "F", "birth_date": "2024-01-10",
     "weighings": [{"measured_on": "2024-03-05", "weight_kg": 5.0}, {"measured_on": "2024-05-06", "weight_kg": 5.8}],
     "explain": "First weighing: B. May 2024 after March: April not weighed, so no N/T (O: weighed this month but not "
                "last month), whatever the gain.",
     "expected": [{"trend": "B", "gain_g": None, "kbm_g": None}, {"trend": "O", "gain_g": None, "kbm_g": None}]},
    {"id": "two-weighings-in-a-month-the-latest-counts", "sex": "F", "birth_date": "2024-01-10",
     "weighings": [{"measured_on": "2024-03-05", "weight_kg": 5.0}, {"measured_on": "2024-04-02", "weight_kg": 5.5},
                   {"measured_on": "2024-04-28", "weight_kg": 6.0}, {"measured_on": "2024-05-27", "weight_kg": 6.5}],
     "explain": "2 Apr: 2 months (3 months on 10 Apr), KBM 900; +500 g vs March -> T. 28 Apr: 3 months, KBM 800; "
                "+1000 g vs March -> N. 27 May: 4 months (since 10 May), KBM 600; vs April's latest (6.0 kg) +500 g -> "
                "T; April's latest is N, so no 2T.",
     "expected": [{"trend": "B"}, {"trend": "T", "gain_g": 500, "kbm_g": 900},
                  {"trend": "N", "gain_g": 1000, "kbm_g": 800},
                  {"trend": "T", "gain_g": 500, "kbm_g": 600, "two_t": False, "referral": False}]},
    {"id": "four-months-on-the-day-of-the-fourth-month", "sex": "M", "birth_date": "2024-01-01",
     "weighings": [{"measured_on": "2024-04-01", "weight_kg": 5.0}, {"measured_on": "2024-05-01", "weight_kg": 5.7}],
     "explain": "Buku KIA counts completed months in calendar months: on 1 May the boy born 1 January is 4 months "
                "old, KBM 600; +700 g -> N. (WHO's 30.4375-day months make 121 days 3.97, month 3's KBM 800: T.)",
     "expected": [{"trend": "B"}, {"trend": "N", "gain_g": 700, "kbm_g": 600}]},
    {"id": "born-on-the-31st-months-end-on-the-months-last-day", "sex": "F", "birth_date": "2024-01-31",
     "weighings": [{"measured_on": "2024-02-28", "weight_kg": 3.3}, {"measured_on": "2024-02-29", "weight_kg": 4.0},
                   {"measured_on": "2024-03-31", "weight_kg": 4.85}],
     "explain": "Born on the 31st: one month old on 29 February (February's last day), so 28 February is month 0 (B "
                "either way). 31 March: 2 months, KBM 900; +850 g vs 29 Feb -> T. (60 days are 1.97 of WHO's "
                "months: month 1's KBM 800, N.)",
     "expected": [{"trend": "B"}, {"trend": "B"}, {"trend": "T", "gain_g": 850, "kbm_g": 900}]},
    {"id": "31st-then-1st-are-consecutive-months", "sex": "M", "birth_date": "2023-06-15",
     "weighings": [{"measured_on": "2024-01-31", "weight_kg": 9.0}, {"measured_on": "2024-02-01", "weight_kg": 9.0},
                   {"measured_on": "2024-03-31", "weight_kg": 9.5}, {"measured_on": "2024-05-01", "weight_kg": 9.6}],
     "explain": "Months are calendar months: 1 Feb follows 31 Jan (7 months since 15 Jan, KBM 400; +0 g -> T). "
                "31 Mar: 9 months since 15 Mar, KBM 300; +500 g vs 1 Feb -> N. 1 May after 31 Mar: April not "
                "weighed -> O.",
     "expected": [{"trend": "B"}, {"trend": "T", "gain_g": 0, "kbm_g": 400},
                  {"trend": "N", "gain_g": 500, "kbm_g": 300}, {"trend": "O", "gain_g": None}]},
    {"id": "first-weighing-after-moving-is-not-b", "sex": "F", "birth_date": "2023-01-20",
     "weighings": [{"measured_on": "2024-06-10", "weight_kg": 9.0}, {"measured_on": "2024-07-08", "weight_kg": 9.3}],
     "explain": "June at the old posyandu, July the first weighing at the new one after the move: the child's weighings "
                "move with her (a transfer repoints them), so July is compared with June: 17 months since 20 June, "
                "KBM 200; +300 g -> N, not B (B is a child weighed for the first time).",
     "expected": [{"trend": "B"}, {"trend": "N", "gain_g": 300, "kbm_g": 200}]},
    {"id": "the-kms-ends-at-60-months", "sex": "M", "birth_date": "2020-01-01",
     "weighings": [{"measured_on": "2024-11-04", "weight_kg": 17.95}, {"measured_on": "2024-12-02", "weight_kg": 18.0},
                   {"measured_on": "2025-01-30", "weight_kg": 18.1}, {"measured_on": "2025-02-03", "weight_kg": 18.15}],
     "explain": "2 Dec 2024: 59 months (since 1 Dec), KBM 200, +50 g -> T. 30 Jan 2025: 60 months (since 1 Jan; "
                "day 1856, WHO's last), +100 g -> T, T last month -> 2T, referral (weight-for-age near the median: "
                "WHO boys day 1856 M = 18.4968). 3 Feb 2025: 61 months (since 1 Feb): past the KMS and the KBM "
                "table: no trend, no 2T, no referral.",
     "expected": [{"trend": "B"}, {"trend": "T", "gain_g": 50, "kbm_g": 200},
                  {"trend": "T", "gain_g": 100, "kbm_g": 200, "two_t": True, "bgm": False, "referral": True},
                  {"trend": None, "trend_computed": None, "gain_g": None, "kbm_g": None, "two_t": False,
                   "bgm": False, "referral": False}]},
    {"id": "the-kms-ends-where-weight-for-age-does", "sex": "M", "birth_date": "2020-01-01",
     "weighings": [{"measured_on": "2024-12-31", "weight_kg": 18.0}, {"measured_on": "2025-01-31", "weight_kg": 18.3}],
     "explain": "31 Jan 2025 is 60 calendar months (since 1 Jan) but day 1857 (2020 has 366 days: 1827 days to 1 "
                "Jan 2025, +30), past WHO's last day 1856: no weight-for-age z-score, so no BGM, and the KMS that "
                "plots it is over too: no trend.",
     "expected": [{"trend": "B"}, {"trend": None, "trend_computed": None, "gain_g": None, "kbm_g": None,
                   "two_t": False, "bgm": False, "referral": False}]},
    {"id": "oedema-weight-has-no-bgm", "sex": "F", "birth_date": "2024-01-15",
     "weighings": [{"measured_on": "2024-07-15", "weight_kg": 5.0},
                   {"measured_on": "2024-08-15", "weight_kg": 5.5, "oedema": True}],
     "explain": "With oedema the weight-based z-scores are not computed (domain.md): BGM and the +1 SD sign read "
                "weight-for-age, so neither is set, although 5.0 kg at day 182 is below -3 SD (WHO girls day 182: "
                "L -0.0749, M 7.2894, S 0.12205, SD3neg = M(1-3LS)^(1/L) = 5.079). The first weighing (no oedema) "
                "is BGM. 15 August: 7 months, KBM 400; +500 g -> N.",
     "expected": [{"trend": "B", "bgm": True, "referral": True},
                  {"trend": "N", "gain_g": 500, "kbm_g": 400, "bgm": False}]},
    {"id": "a-remeasured-implausible-weight-is-not-compared-with", "sex": "F", "birth_date": "2024-01-15",
     "weighings": [{"measured_on": "2024-06-14", "weight_kg": 7.0}, {"measured_on": "2024-07-15", "weight_kg": 17.0},
                   {"measured_on": "2024-07-15", "weight_kg": 7.1}, {"measured_on": "2024-08-15", "weight_kg": 7.6}],
     "explain": "17.0 kg (typed for 7.0) at day 182 is far above +5 SD (WHO girls day 182: M 7.2894): flagged, the "
                "cadre re-measures the same day (7.1 kg, recorded after it). The month's latest weighing counts: 15 "
                "August (7 months, KBM 400) is compared with 7.1 kg: +500 g -> N. The flagged weighing itself is "
                "+10000 g -> N and above +1 SD -> referral; the re-measure on 15 July (6 months that day: calendar "
                "months, though day 182 is 5.98 of WHO's) is +100 g < KBM 400 -> T.",
     "expected": [{"trend": "B"}, {"trend": "N", "gain_g": 10000, "kbm_g": 400, "referral": True},
                  {"trend": "T", "gain_g": 100, "kbm_g": 400, "referral": False},
                  {"trend": "N", "gain_g": 500, "kbm_g": 400, "two_t": False}]},
    {"id": "kbm-200-from-12-months-exactly-is-n", "sex": "M", "birth_date": "2023-01-10",
     "weighings": [{"measured_on": "2024-02-05", "weight_kg": 10.0}, {"measured_on": "2024-03-05", "weight_kg": 10.2},
                   {"measured_on": "2024-04-05", "weight_kg": 10.39}],
     "explain": "5 Mar 2024: 13 months (since 10 Feb), KBM 200; +200 g = KBM -> N. 5 Apr: 14 months, +190 g -> T.",
     "expected": [{"trend": "B"}, {"trend": "N", "gain_g": 200, "kbm_g": 200},
                  {"trend": "T", "gain_g": 190, "kbm_g": 200, "two_t": False}]},
    {"id": "a-loss-above-the-red-line-is-t-and-twice-2t", "sex": "F", "birth_date": "2024-01-15",
     "weighings": [{"measured_on": "2024-09-16", "weight_kg": 8.0}, {"measured_on": "2024-10-15", "weight_kg": 7.8},
                   {"measured_on": "2024-11-15", "weight_kg": 7.7}],
     "explain": "15 Oct: 9 months, KBM 300; -200 g -> T, weight-for-age about -0.4 (WHO girls day 274 M 8.2259): "
                "no BGM, no referral. 15 Nov: 10 months, KBM 300; -100 g -> T, T last month -> 2T, referral.",
     "expected": [{"trend": "B"}, {"trend": "T", "gain_g": -200, "kbm_g": 300, "bgm": False, "referral": False},
                  {"trend": "T", "gain_g": -100, "kbm_g": 300, "two_t": True, "bgm": False, "referral": True}]},
    {"id": "born-on-a-leap-day", "sex": "F", "birth_date": "2024-02-29",
     "weighings": [{"measured_on": "2024-03-29", "weight_kg": 4.2}, {"measured_on": "2024-04-29", "weight_kg": 4.9},
                   {"measured_on": "2024-05-30", "weight_kg": 5.9}, {"measured_on": "2025-02-28", "weight_kg": 8.5}],
     "explain": "29 Apr: 2 months (the 29th: WHO's 60 days are 1.97 months), KBM 900; +700 g -> T. 30 May: 3 "
                "months since 29 May, KBM 800; +1000 g -> N. 28 Feb 2025: January not weighed -> O.",
     "expected": [{"trend": "B"}, {"trend": "T", "gain_g": 700, "kbm_g": 900},
                  {"trend": "N", "gain_g": 1000, "kbm_g": 800}, {"trend": "O"}]},
    {"id": "bgm-after-a-loss", "sex": "F", "birth_date": "2024-01-15",
     "weighings": [{"measured_on": "2024-06-14", "weight_kg": 5.2}, {"measured_on": "2024-07-15", "weight_kg": 5.0}],
     "explain": "Day 182, WHO girls L -0.0749, M 7.2894, S 0.12205: SD3neg = M(1-3LS)^(1/L) = 5.079 kg, SD2neg = "
                "5.723; 5.0 kg -> z = -3 + (5.0-5.079)/(5.723-5.079) = -3.12 < -3: BGM, referral. 15 July: 6 "
                "months, KBM 400; -200 g -> T.",
     "expected": [{"trend": "B"}, {"trend": "T", "gain_g": -200, "kbm_g": 400, "bgm": True, "referral": True}]},
    {"id": "a-bidans-n-breaks-the-2t", "sex": "F", "birth_date": "2024-01-15",
     "weighings": [{"measured_on": "2024-06-15", "weight_kg": 7.0},
                   {"measured_on": "2024-07-15", "weight_kg": 7.1, "trend_override": "N"},
                   {"measured_on": "2024-08-15", "weight_kg": 7.2}],
     "explain": "15 July: 6 months, KBM 400; +100 g -> T computed, a bidan judged N (the curve follows its "
                "line): N counts. 15 August: 7 months, KBM 400; +100 g -> T, but July counts N: no 2T.",
     "expected": [{"trend": "B"}, {"trend": "N", "trend_computed": "T", "gain_g": 100, "kbm_g": 400},
                  {"trend": "T", "trend_computed": "T", "two_t": False, "referral": False}]},
    {"id": "a-bidans-n-over-a-loss-is-t", "sex": "F", "birth_date": "2024-01-15",
     "weighings": [{"measured_on": "2024-06-15", "weight_kg": 7.0},
                   {"measured_on": "2024-07-15", "weight_kg": 6.9, "trend_override": "N"},
                   {"measured_on": "2024-08-15", "weight_kg": 7.0}],
     "explain": "July: -100 g. A bidan's N stood when June was 6.8 kg, then June was corrected to 7.0: Buku KIA "
                "\"TIDAK NAIK (T): grafik BB mendatar atau menurun\": T counts whatever was judged. August: +100 g, "
                "7 months, KBM 400 -> T, after July's T: 2T, referral.",
     "expected": [{"trend": "B"}, {"trend": "T", "trend_computed": "T", "gain_g": -100, "kbm_g": 400},
                  {"trend": "T", "trend_computed": "T", "gain_g": 100, "kbm_g": 400, "two_t": True,
                   "referral": True}]},
]


def months_old(born: date, on: date) -> int:
    """Completed months as the Buku KIA counts them (domain.md): calendar months from the day of birth, a
    day past the month's last (born 31 Jan) counted on that last day (28/29 Feb)."""
    months = (on.year - born.year) * 12 + on.month - born.month
    next_month = date(on.year + on.month // 12, on.month % 12 + 1, 1)
    last_day = (next_month - timedelta(days=1)).day
    return months if min(born.day, last_day) <= on.day else months - 1


def reference(born: date, weighings: list[dict]) -> list[dict]:
    """domain.md's KMS rules, month by month: each weighing against the latest weighing (in the order
    recorded) of the calendar month before; a health worker's N/T over a computed N/T counts (an N
    only over a gain: a weight flat or down is T); 2T is
    T counted this month and last; nothing past 60 completed months."""
    when = [date.fromisoformat(w["measured_on"]) for w in weighings]
    month = [d.year * 12 + d.month for d in when]
    order = sorted(range(len(weighings)), key=lambda i: when[i])  # stable: as recorded within a day
    counted: dict[int, tuple[int, str | None]] = {}  # month -> (position in order, trend counted) of its latest
    out: list[dict] = [{} for _ in weighings]
    for pos, i in enumerate(order):
        age = months_old(born, when[i])
        before = [j for j in order[:pos] if month[j] == month[i] - 1]
        if age > KMS_LAST_MONTH or (when[i] - born).days > WHO_LAST_DAY:
            computed, gain, kbm = None, None, None
        elif not before:
            earlier = any(month[j] < month[i] for j in order[:pos])
            computed, gain, kbm = ("O" if earlier else "B"), None, None
        else:
            last = weighings[before[-1]]
            gain = int(Decimal(str(weighings[i]["weight_kg"])) * 1000 - Decimal(str(last["weight_kg"])) * 1000)
            kbm = KBM.get(max(age, 1), 200)
            computed = "N" if gain >= kbm else "T"
        override = weighings[i].get("trend_override")
        # Buku KIA: "grafik BB mendatar atau menurun" is T: a bidan's N stands over a gain only
        stands = override in ("N", "T") and computed in ("N", "T") and not (override == "N" and gain <= 0)
        trend = override if stands else computed
        previous = counted.get(month[i] - 1)
        two_t = trend == "T" and previous is not None and previous[1] == "T"
        counted[month[i]] = (pos, trend)
        out[i] = {"trend": trend, "trend_computed": computed, "gain_g": gain, "kbm_g": kbm, "two_t": two_t}
    return out


def generated(count: int, seed: int = 20260) -> list[dict]:
    """Series stressing the edges: month ends and starts, same-day pairs, gaps, leap days, the 60th
    month, losses, overrides."""
    rnd = random.Random(seed)
    cases = []
    for n in range(count):
        born = date(2019, 1, 1) + timedelta(days=rnd.randint(0, 2200))
        if rnd.random() < 0.1:
            born = date(rnd.choice([2020, 2024]), 2, 29)
        start = rnd.choice([0, rnd.randint(0, 1400), rnd.randint(0, 1400), rnd.randint(0, 1400), rnd.randint(1780, 1850)])
        day = born + timedelta(days=start)
        kg = Decimal(rnd.randint(250, 1800)) / 100
        weighings = []
        for _ in range(rnd.randint(1, 12)):
            weighing = {"measured_on": day.isoformat(), "weight_kg": float(kg)}
            if rnd.random() < 0.15:
                weighing["trend_override"] = rnd.choice("NT")
            weighings.append(weighing)
            step = rnd.choice([0, 1, 27, 28, 29, 30, 31, 31, 32, 58, 61, 92])
            day += timedelta(days=step)
            if rnd.random() < 0.2:  # to a month's last or first day
                nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
                day = nxt - timedelta(days=1) if rnd.random() < 0.5 else nxt
            kg = max(Decimal("2.0"), kg + Decimal(rnd.randint(-40, 120)) / 100)
        cases.append({"id": f"generated-{n}", "sex": rnd.choice("MF"), "birth_date": born.isoformat(),
                      "weighings": weighings, "explain": "generated (seed 20260); expected by reference()",
                      "expected": reference(born, weighings)})
    return cases


def main() -> None:
    for case in HAND:  # the hand cases agree with the reference on every trend field they give
        ref = reference(date.fromisoformat(case["birth_date"]), case["weighings"])
        for want, got in zip(case["expected"], ref):
            for key in set(want) & set(got):
                assert want[key] == got[key], (case["id"], key, want, got)
    fixture = {
        "about": "KMS trend cases (domain.md 'Growth trend on the KMS') run by tests/unit/test_trend.py (the server's "
                 "trend_series) and tests/js/growth.test.mjs (the PWA's assess.js). Each case: a child's sex, birth date "
                 "and weighings in the order recorded ({measured_on, weight_kg, oedema?, trend_override?}); 'expected' "
                 "one object per weighing, a subset of {trend (counted), trend_computed, gain_g, kbm_g, bgm, two_t, "
                 "referral (the KMS's: BGM, 2T or above +1 SD)}. Built by tests/data/kms_make_cases.py, never from "
                 "the project's code; KBM: domain.md's default table.",
        "cases": HAND + generated(300),
    }
    lines = ",\n".join(json.dumps(case, ensure_ascii=False) for case in fixture["cases"])  # a case a line
    text = f'{{"about": {json.dumps(fixture["about"], ensure_ascii=False)},\n "cases": [\n{lines}\n]}}\n'
    (HERE / "kms_trend_cases.json").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
