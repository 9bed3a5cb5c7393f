"""KMS trend N/T/O/B, BGM, 2T and referral (Buku KIA, domain.md)."""

import json
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posyandu.growth.trend import (
    DEFAULT_KBM, Weighing, kbm_for_age, kms_status, kms_trend, series_trends,
)

BORN = date(2024, 1, 10)


def test_default_kbm_is_the_buku_kia_table():
    assert [DEFAULT_KBM[m] for m in range(1, 12)] == [800, 900, 800, 600, 500, 400, 400, 300, 300, 300, 200]
    assert all(DEFAULT_KBM[m] == 200 for m in range(12, 61))


@pytest.mark.parametrize("age, kbm", [(0, 800), (1, 800), (2, 900), (11, 200), (60, 200), (70, 200)])
def test_kbm_for_age_uses_completed_months_with_edges_held(age, kbm):
    assert kbm_for_age(age) == kbm


def test_the_kbm_is_read_at_the_age_in_calendar_months_as_the_buku_kia_counts_it():
    # born 10 January: 3 months old on 10 April (91 days: 2.99 of WHO's 30.4375-day months), KBM 800, not 900
    last = Weighing(date(2024, 3, 10), 5.0)
    assert kms_trend(BORN, Weighing(date(2024, 4, 9), 5.85), last, True) == ("T", 850, 900)
    assert kms_trend(BORN, Weighing(date(2024, 4, 10), 5.85), last, True) == ("N", 850, 800)
    # born 31 January: a month old on 29 February (its last day); 2 months on 31 March, KBM 900
    born = date(2024, 1, 31)
    assert kms_trend(born, Weighing(date(2024, 3, 30), 4.85), Weighing(date(2024, 2, 29), 4.0), True) == ("N", 850, 800)
    assert kms_trend(born, Weighing(date(2024, 3, 31), 4.85), Weighing(date(2024, 2, 29), 4.0), True) == ("T", 850, 900)


def test_gain_of_exactly_kbm_is_naik_and_less_is_tidak_naik():
    last = Weighing(date(2024, 3, 5), 5.0)  # age at current weighing: 2 months -> KBM 900 g
    assert kms_trend(BORN, Weighing(date(2024, 4, 5), 5.9), last, True)[0] == "N"
    assert kms_trend(BORN, Weighing(date(2024, 4, 5), 5.899), last, True) == ("T", 899, 900)


def test_weight_loss_is_tidak_naik():
    assert kms_trend(BORN, Weighing(date(2024, 9, 1), 7.4), Weighing(date(2024, 8, 1), 7.5), True)[0] == "T"


def test_float_noise_does_not_turn_800_grams_into_799():
    born = date(2023, 12, 1)  # one month old at 2024-01-02 -> KBM 800 g
    assert kms_trend(born, Weighing(date(2024, 1, 2), 8.3), Weighing(date(2023, 12, 30), 7.5), True)[0] == "N"


def test_no_weighing_last_month_is_o_and_first_weighing_is_b():
    assert kms_trend(BORN, Weighing(date(2024, 5, 1), 6.0), None, True)[0] == "O"
    assert kms_trend(BORN, Weighing(date(2024, 5, 1), 6.0), None, False)[0] == "B"


def test_last_month_must_be_the_previous_calendar_month():
    with pytest.raises(ValueError):
        kms_trend(BORN, Weighing(date(2024, 5, 1), 6.0), Weighing(date(2024, 3, 1), 5.0), True)


def test_bgm_two_t_and_above_plus_one_mean_referral():
    status = kms_status(BORN, Weighing(date(2024, 9, 1), 6.0, wfa=-3.2), Weighing(date(2024, 8, 1), 6.1), True, "T")
    assert (status.trend, status.bgm, status.two_t, status.referral) == ("T", True, True, True)
    fat = kms_status(BORN, Weighing(date(2024, 9, 1), 9.9, wfa=1.3), None, True)
    assert fat.above_plus_one and fat.referral and not fat.bgm
    fine = kms_status(BORN, Weighing(date(2024, 9, 1), 8.0, wfa=0.2), None, False)
    assert not fine.referral and fine.trend == "B"


def test_series_uses_the_latest_weighing_of_each_calendar_month():
    series = [
        Weighing(date(2024, 2, 12), 4.0),   # B
        Weighing(date(2024, 3, 1), 4.5),    # O? no: Feb weighed -> 500 g < 900 -> T
        Weighing(date(2024, 3, 28), 5.0),   # latest of March: 1000 g >= 900 -> N
        Weighing(date(2024, 4, 27), 5.5),   # vs March latest: 500 g < 800 -> T
        Weighing(date(2024, 5, 30), 5.6),   # 100 g < 600 -> T, and T last month -> 2T
        Weighing(date(2024, 7, 2), 6.5),    # June not weighed -> O
    ]
    trends = series_trends(BORN, series)
    assert [t.trend for t in trends] == ["B", "T", "N", "T", "T", "O"]
    assert [t.two_t for t in trends] == [False, False, False, False, True, False]


def test_2t_reads_the_trend_that_counts_in_this_month_as_in_the_last():
    """A month a health worker judged N is not the second T of a 2T; one judged T after a T is."""
    april, may = Weighing(date(2024, 4, 27), 5.5), Weighing(date(2024, 5, 30), 5.6)   # T, then T (100 g < 600)
    series = [Weighing(date(2024, 3, 28), 5.0), april]
    assert [t.two_t for t in series_trends(BORN, [*series, may])][-1] is True
    judged_n = series_trends(BORN, [*series, Weighing(may.measured_on, may.weight_kg, override="N")])[-1]
    assert (judged_n.trend, judged_n.two_t, judged_n.referral) == ("T", False, False)  # trend: the computed one
    gained = Weighing(date(2024, 5, 30), 6.2, override="T")   # 700 g >= 600: N computed, judged T
    judged_t = series_trends(BORN, [*series, gained])[-1]
    assert (judged_t.trend, judged_t.two_t, judged_t.referral) == ("N", True, True)


def test_a_second_weighing_in_the_month_of_the_first_is_still_b():
    """B is a child weighed for the first time (domain.md): re-weighed later that month, it is still
    new that month, not O (the SKDN reads the month's latest weighing); a month after a gap is O."""
    series = [Weighing(date(2024, 2, 10), 4.0), Weighing(date(2024, 2, 24), 4.2),
              Weighing(date(2024, 4, 3), 5.0), Weighing(date(2024, 4, 20), 5.1)]
    assert [t.trend for t in series_trends(BORN, series)] == ["B", "B", "O", "O"]
    assert [t.trend for t in series_trends(BORN, series[1:2], weighed_before=True)] == ["O"]  # a window of a longer one


def test_series_keeps_the_input_order():
    later, earlier = Weighing(date(2024, 4, 2), 5.5), Weighing(date(2024, 3, 2), 4.5)
    assert [t.trend for t in series_trends(BORN, [later, earlier])] == ["N", "B"]  # +1000 g >= 900 g


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.integers(1, 28), st.integers(3000, 16000),
                          st.one_of(st.none(), st.floats(-4, 3))), min_size=1, max_size=25),
       st.integers(0, 40))
def test_a_window_from_two_months_back_gives_the_whole_series_trends(visits, first_new):
    """What the server relies on to recompute only the end of a long history when weighings are
    added (posyandu.growth.operations.trend_window_start): with the weighings from the calendar
    month two before a month M, and whether there was any before, the trends from M on are the
    ones the whole series gives."""
    from posyandu.growth.operations import trend_window_settled, trend_window_start

    def day(month: int, dom: int) -> date:
        index = 2024 * 12 + 1 + month  # from February 2024, after BORN
        return date(index // 12, index % 12 + 1, dom)

    series = sorted((Weighing(day(m, d), g / 1000, wfa) for m, d, g, wfa in visits), key=lambda w: w.measured_on)
    whole = series_trends(BORN, series)
    start = trend_window_start(day(first_new, 1))
    window = [i for i, w in enumerate(series) if w.measured_on >= start]
    windowed = series_trends(BORN, [series[i] for i in window], weighed_before=len(window) < len(series))
    settled = trend_window_settled(start)
    assert settled == day(first_new, 1)
    checked = [(whole[i], result) for i, result in zip(window, windowed) if series[i].measured_on >= settled]
    assert [a for a, _ in checked] == [b for _, b in checked]


def test_the_kms_ends_at_60_months_so_does_the_trend():
    """The KMS, the KBM table (12-60 months: 200 g) and the z-scores (to day 1856, the last day of
    month 60) end with the fifth year: a weighing at 61 completed months has no N/T/O/B, no 2T and
    no referral of the KMS (domain.md); one on day 1856 still has its N/T."""
    born = date(2020, 1, 1)
    on_1856 = born + timedelta(days=1856)               # 2025-01-30: 1856 / 30.4375 = 60.98 -> 60 months
    series = [Weighing(date(2024, 12, 2), 18.0), Weighing(on_1856, 18.1),   # +100 g < 200 g: T
              Weighing(date(2025, 2, 3), 18.15)]       # 1860 days: 61.1 months, past the KMS
    results = series_trends(born, series, weighed_before=True)
    assert [(r.trend, r.age_months, r.kbm_g) for r in results[1:]] == [("T", 60, 200), (None, 61, None)]
    assert (results[2].gain_g, results[2].two_t, results[2].referral) == (None, False, False)
    assert kms_trend(born, Weighing(date(2025, 2, 3), 18.15), None, False) == (None, None, None)  # not B either


KMS_CASES = json.loads((Path(__file__).resolve().parents[2] / "tests/data/kms_trend_cases.json")
                       .read_text(encoding="utf-8"))["cases"]


@pytest.mark.parametrize("case", KMS_CASES, ids=[c["id"] for c in KMS_CASES])
def test_shared_kms_cases(case):
    """tests/data/kms_trend_cases.json (hand-worked from domain.md, and generated series with a
    reference written from it): the server's trend columns (trend_series.series_trends over the
    calculator's weight-for-age), as tests/js/growth.test.mjs checks the PWA's assess.js."""
    from posyandu.growth.trend_series import series_trends as stored_trends
    from posyandu.growth.zscores import calculate

    rows = [SimpleNamespace(measured_on=date.fromisoformat(w["measured_on"]), weight_kg=w["weight_kg"],
                            trend_override=w.get("trend_override")) for w in case["weighings"]]
    computed = [{"z_wfa": calculate({"sex": case["sex"], "birth_date": case["birth_date"], "measured_on": w["measured_on"],
                                     "weight_kg": w["weight_kg"], "oedema": w.get("oedema", False)})["zscores"]["wfa"]}
                for w in case["weighings"]]
    results = stored_trends(date.fromisoformat(case["birth_date"]), rows, computed, DEFAULT_KBM)
    got = [{"trend": r["trend"], "trend_computed": r["trend_computed"], "gain_g": r["weight_gain_g"], "kbm_g": r["kbm_g"],
            "bgm": r["bgm"], "two_t": r["two_t"], "referral": r["referral"]} for r in results]
    assert [{k: g[k] for k in want} for want, g in zip(case["expected"], got)] == case["expected"], case["explain"]


def test_the_kms_ends_on_whos_last_day_as_the_z_scores_do():
    from posyandu.growth.tables import MAX_AGE_DAYS
    from posyandu.growth.trend import KMS_LAST_DAY

    assert KMS_LAST_DAY == MAX_AGE_DAYS == 1856
