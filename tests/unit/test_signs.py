"""LiLA (MUAC) and head-circumference signs at the weighing table (posyandu.growth.signs).

tests/data/lila_head_cases.json (tests/data/lila_head_make_cases.py: the rules written out from
Kemenkes 2019 / WHO 2013 and WHO's head-circumference standard, the z-scores from WHO's tables by
tests/data/who_reference.py) is run here on the server's rules and in tests/js/growth.test.mjs on
the phone's (assess.js)."""
import json
from pathlib import Path

import pytest

from posyandu.growth.signs import REFERRED, head_sign, muac_sign
from posyandu.growth.zscores import calculate

CASES = json.loads((Path(__file__).resolve().parents[2] / "tests/data/lila_head_cases.json")
                   .read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_shared_lila_and_head_cases(case):
    result = calculate({"sex": case["sex"], "birth_date": case["birth_date"], "measured_on": case["measured_on"],
                        "muac_cm": case["muac_cm"], "head_circumference_cm": case["head_circumference_cm"]})
    hcfa = result["zscores"]["hcfa"]
    got = {"hcfa": hcfa, "muac_sign": muac_sign(result["age_days"], case["muac_cm"]), "head_sign": head_sign(hcfa)}
    got["refer"] = got["muac_sign"] in REFERRED["muac_sign"] or got["head_sign"] in REFERRED["head_sign"]
    assert got == case["expected"], case["explain"]


@pytest.mark.parametrize(("days", "muac", "sign"), [
    (182, 11.0, None), (183, 11.0, "gizi_buruk"), (183, 11.49, "gizi_buruk"), (183, 11.5, "gizi_kurang"),
    (400, 12.49, "gizi_kurang"), (400, 12.5, "normal"), (1826, 11.0, "gizi_buruk"), (1827, 11.0, None),
    (None, 11.0, None), (400, None, None),
])
def test_lila_is_read_at_6_to_59_completed_months_with_kemenkes_cut_offs(days, muac, sign):
    assert muac_sign(days, muac) == sign


@pytest.mark.parametrize(("hcfa", "sign"), [(-2.0, "normal"), (-2.01, "mikrosefali"), (2.0, "normal"),
                                             (2.01, "makrosefali"), (None, None), (-6.1, "mikrosefali")])
def test_head_circumference_beyond_2_sd_is_a_sign(hcfa, sign):
    assert head_sign(hcfa) == sign



def test_the_days_the_action_list_reads_lila_on_are_the_rules_6_to_59_months():
    from posyandu.growth.signs import MUAC_FROM_DAY, MUAC_TO_DAY, lila_applies

    assert [lila_applies(d) for d in (MUAC_FROM_DAY - 1, MUAC_FROM_DAY, MUAC_TO_DAY, MUAC_TO_DAY + 1)] == [
        False, True, True, False]
