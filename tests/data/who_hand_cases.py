"""Hand-worked and WHO-anthro-test cases for ``who_make_fixtures.py``.

A tuple is ``(id, inputs, indicator, (table, sex, index), y, restricted, extra, note)``:
the expected z-score is worked from that WHO LMS row by WHO's formula. A dict
is a literal case whose expectation needs no arithmetic (nulls, warnings) or is
copied from the WHO anthro R package's tests (the source says which file).
"""

from __future__ import annotations

NULL_Z = {k: None for k in ("wfa", "lhfa", "wfl", "wfh", "bfa", "hcfa", "acfa")}
NO_STATUS = {"bb_u": None, "tb_u": None, "bb_tb": None, "imt_u": None}
ANTHRO = "WHO anthro R package, WorldHealthOrganization/anthro tests/testthat/"


def literal(case_id, inputs, expected, source):
    return {"id": f"hand-{case_id}", **inputs, "expected": expected, "source": source}


def age_cases(lms):
    m1856 = lms("wfa", "F", 1856)[1]
    return [
        ("age-0-median", {"sex": "M", "age_days": 0, "weight_kg": 3.3464}, "wfa", ("wfa", "M", 0), 3.3464, True,
         {"flags": {"wfa": False}, "status": {"bb_u": "normal"}, "warnings": []}, "median gives 0"),
        ("age-1856-median", {"sex": "F", "age_days": 1856, "weight_kg": m1856}, "wfa", ("wfa", "F", 1856), m1856,
         True, {"age_months": 60.98}, "last day WHO igrowup computes; 1856/30.4375 = 60.98"),
        literal("age-1857", {"sex": "F", "age_days": 1857, "weight_kg": m1856, "length_height_cm": 110.0,
                             "position": "standing", "muac_cm": 16.0},
                {"age_months": 61.01, "zscores": NULL_Z, "status": NO_STATUS, "warnings": ["age_over_60_months"]},
                "domain.md: z-scores up to day 1856 only (igrowup); 1857/30.4375 = 61.01"),
        literal("dates", {"sex": "F", "birth_date": "2024-01-31", "measured_on": "2025-02-10"},
                {"age_days": 376, "age_months": 12.35, "zscores": NULL_Z, "warnings": []},
                "api-contract.md example dates: 2025-02-10 - 2024-01-31 = 376 days; 376/30.4375 = 12.353"),
        literal("missing-values", {"sex": "F", "age_days": 100},
                {"zscores": NULL_Z, "flags": dict(NULL_Z), "status": NO_STATUS, "warnings": []},
                "only sex and age given: every z-score undefined"),
    ]


def edge_cases(lms):
    cases = []
    for table, sex, cm, day, position in (("wfl", "F", 45.0, 10, "lying"), ("wfl", "M", 110.0, 700, "lying"),
                                          ("wfh", "M", 65.0, 800, "standing"), ("wfh", "F", 120.0, 1800, "standing")):
        m = lms(table, sex, cm)[1]
        other = "wfh" if table == "wfl" else "wfl"
        inputs = {"sex": sex, "age_days": day, "weight_kg": m, "length_height_cm": cm, "position": position}
        cases.append((f"{table}-edge-{cm}", inputs, table, (table, sex, cm), m, True, {"zscores": {other: None}},
                      f"table edge {cm} cm, weight = M"))
        outside = round(cm - 0.1 if cm in (45.0, 65.0) else cm + 0.1, 1)
        cases.append(literal(f"{table}-outside-{outside}", {**inputs, "length_height_cm": outside},
                             {"zscores": {"wfl": None, "wfh": None}, "status": {"bb_tb": None},
                              "warnings_include": ["length_height_out_of_range"]},
                             f"domain.md: {table} table covers {'45-110' if table == 'wfl' else '65-120'} cm"))
    return cases


def interpolation_cases(lms):
    lo, hi = lms("wfh", "M", 85.0), lms("wfh", "M", 85.1)
    half = tuple((a + b) / 2 for a, b in zip(lo, hi))
    l, m, s = half
    z = round(((12.0 / m) ** l - 1) / (s * l), 2)
    return [literal("wfh-interpolated-85.05", {"sex": "M", "age_days": 1000, "weight_kg": 12.0,
                                               "length_height_cm": 85.05, "position": "standing"},
                    {"zscores": {"wfh": z, "wfl": None}},
                    f"domain.md: L, M, S interpolated between 85.0 {lo} and 85.1 {hi}: halfway {half}, y=12.0")]


def position_cases(lms):
    cases = []
    for day, position, y, note in ((730, "standing", 80.7, "under 731 days standing: +0.7 cm"),
                                   (730, "lying", 80.0, "under 731 days lying: as measured"),
                                   (730, None, 80.0, "no position under 731 days: lying assumed"),
                                   (731, "lying", 79.3, "from 731 days lying: -0.7 cm"),
                                   (731, "standing", 80.0, "from 731 days standing: as measured"),
                                   (731, None, 80.0, "no position from 731 days: standing assumed")):
        inputs = {"sex": "M", "age_days": day, "length_height_cm": 80.0}
        if position:
            inputs["position"] = position
        cases.append((f"lhfa-{day}-{position or 'unknown'}", inputs, "lhfa", ("lhfa", "M", day), y, False,
                      {"warnings": []}, note))
    for day, y, warn in ((273, 65.0, ["standing_under_9_months"]), (274, 65.7, [])):
        cases.append((f"standing-day-{day}", {"sex": "M", "age_days": day, "length_height_cm": 65.0,
                                              "position": "standing"}, "lhfa", ("lhfa", "M", day), y, False,
                      {"warnings": warn}, "under 9 months (day < 274) standing is implausible: WHO anthro >= 1.0 "
                      "treats the position as not recorded (no +0.7) and warns"))
    return cases


def wfl_wfh_cases(lms):
    wfh85, wfl85 = lms("wfh", "M", 85.0)[1], lms("wfl", "M", 85.0)[1]
    return [
        ("wfh-not-wfl-at-1000-days", {"sex": "M", "age_days": 1000, "weight_kg": wfh85, "length_height_cm": 85.0,
                                      "position": "standing"}, "wfh", ("wfh", "M", 85.0), wfh85, True,
         {"zscores": {"wfl": None}, "status": {"bb_tb": "gizi_baik"}},
         "2-5 year olds use weight-for-height, never weight-for-length (a bug other systems shipped)"),
        ("wfh-lying-at-1000-days", {"sex": "M", "age_days": 1000, "weight_kg": wfh85, "length_height_cm": 85.7,
                                    "position": "lying"}, "wfh", ("wfh", "M", 85.0), wfh85, True,
         {"zscores": {"wfl": None}}, "lying from 731 days: 85.7 - 0.7 = 85.0 cm height"),
        ("wfl-at-700-days", {"sex": "M", "age_days": 700, "weight_kg": wfl85, "length_height_cm": 85.0,
                             "position": "lying"}, "wfl", ("wfl", "M", 85.0), wfl85, True,
         {"zscores": {"wfh": None}}, "under 731 days: weight-for-length"),
    ]


def restricted_cases(lms):
    base = {"sex": "M", "age_days": 0}
    return [
        ("wfa-restricted-low", {**base, "weight_kg": 1.9}, "wfa", ("wfa", "M", 0), 1.9, True,
         {"flags": {"wfa": False}, "status": {"bb_u": "sangat_kurang"}},
         "between -3 and -4: must not be reported as -4"),
        ("wfa-restricted-lower", {**base, "weight_kg": 1.6}, "wfa", ("wfa", "M", 0), 1.6, True, None, ""),
        ("wfa-restricted-high", {**base, "weight_kg": 6.0}, "wfa", ("wfa", "M", 0), 6.0, True,
         {"flags": {"wfa": False}, "status": {"bb_u": "risiko_lebih"}}, ""),
        ("wfa-flagged", {**base, "weight_kg": 10.0}, "wfa", ("wfa", "M", 0), 10.0, True,
         {"flags": {"wfa": True}, "status": {"bb_u": None}, "warnings": ["remeasure"]}, "wfa > 5 is flagged"),
        ("lhfa-not-restricted", {"sex": "F", "age_days": 0, "length_height_cm": 40.0}, "lhfa", ("lhfa", "F", 0),
         40.0, False, {"flags": {"lhfa": False}, "status": {"tb_u": "sangat_pendek"}}, "lhfa is never restricted"),
        ("acfa-day-91", {"sex": "F", "age_days": 91, "muac_cm": 11.0}, "acfa", ("acfa", "F", 91), 11.0, True,
         None, "acfa table starts at day 91"),
        literal("acfa-day-90", {"sex": "F", "age_days": 90, "muac_cm": 11.0}, {"zscores": {"acfa": None}},
                "acfa only from 91 days (3 months)"),
        ("oedema", {"sex": "M", "age_days": 400, "weight_kg": 9.0, "length_height_cm": 75.0, "position": "lying",
                    "oedema": True}, "lhfa", ("lhfa", "M", 400), 75.0, False,
         {"zscores": {"wfa": None, "wfl": None, "wfh": None, "bfa": None},
          "flags": {"wfa": None, "wfl": None, "bfa": None},
          "status": {"bb_u": None, "bb_tb": None, "imt_u": None}, "warnings": ["oedema"]},
         "oedema: weight-based z-scores are not computed"),
    ]


def anthro_cases(lms):
    lfa = round((50 / 56.4833 - 1) / 0.03492, 2)
    return [
        literal("anthro-lhfa-adjusted-flag", {"sex": "M", "age_days": 987, "length_height_cm": 72.86, "position": "lying"},
                {"zscores": {"lhfa": -6.09}, "flags": {"lhfa": True}, "status": {"tb_u": None}, "warnings": ["remeasure"]},
                ANTHRO + "test-zscores.R 'length for age uses adjusted lenhei'"),
        literal("anthro-24-months", {"sex": "F", "age_days": 731, "length_height_cm": 77.5},
                {"zscores": {"lhfa": -2.55}}, ANTHRO + "test-zscores.R 'height measurements are used for age 24 "
                "months' (24 months = 730.5 days, rounded up to 731)"),
        literal("anthro-24-months-standing", {"sex": "F", "age_days": 731, "length_height_cm": 77.5,
                                              "position": "standing"}, {"zscores": {"lhfa": -2.55}},
                ANTHRO + "test-zscores.R 'clenhei takes the measure argument into account correctly'"),
        literal("anthro-8-months-standing", {"sex": "M", "age_days": 244, "length_height_cm": 60.0,
                                             "position": "standing"},
                {"zscores": {"lhfa": -4.81}, "warnings": ["standing_under_9_months"]},
                ANTHRO + "test-zscores.R 'young children with measured standing will be adjusted' (8 months = 244 days)"),
        literal("anthro-9-months-standing", {"sex": "M", "age_days": 274, "length_height_cm": 60.0,
                                             "position": "standing"}, {"zscores": {"lhfa": -5.02}, "warnings": []},
                ANTHRO + "test-zscores.R same test (9 months = 274 days, 60.7 cm)"),
        literal("anthro-wfa", {"sex": "F", "age_days": 1522, "weight_kg": 17.0},
                {"zscores": {"wfa": 0.24}, "flags": {"wfa": False}}, ANTHRO + "test-zscore-weight-for-age.R"),
        literal("anthro-wfa-flag", {"sex": "F", "age_days": 1, "weight_kg": 10.37}, {"flags": {"wfa": True}},
                ANTHRO + "test-zscore-weight-for-age.R 'has a default flag threshold of -6;5'"),
        literal("anthro-wfa-1857", {"sex": "M", "age_days": 1857, "weight_kg": 50.0}, {"zscores": {"wfa": None}},
                ANTHRO + "test-zscore-weight-for-age.R 'does not compute zscores where no growthstandards'"),
        literal("anthro-lfa", {"sex": "M", "age_days": 44, "length_height_cm": 50.0}, {"zscores": {"lhfa": lfa}},
                ANTHRO + "test-zscore-length-for-age.R: round(((50 / 56.4833)^1 - 1) / (0.03492 * 1), 2)"),
        literal("anthro-bmi-flag", {"sex": "F", "age_days": 1, "weight_kg": 25.0, "length_height_cm": 100.0,
                                    "position": "lying"}, {"flags": {"bfa": True}},
                ANTHRO + "test-zscore-bmi-for-age.R: BMI 25 at day 1 is flagged"),
    ]


def hand_cases(lms):
    return [*age_cases(lms), *edge_cases(lms), *interpolation_cases(lms), *position_cases(lms),
            *wfl_wfh_cases(lms), *restricted_cases(lms), *anthro_cases(lms)]
