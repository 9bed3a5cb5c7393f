"""Report months and ages in completed calendar months (posyandu.reports.period), pure."""
from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from posyandu.ages import completed_months
from posyandu.reports.period import (FIRST_MONTH, UNDER_FIVE_MONTHS, Month, MonthOutOfRange, Period, age_group_bounds,
                                     born_by, latest_month, pct, reaching_months_in)

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("on, months, expected", [
    (date(2025, 8, 31), 12, date(2024, 8, 31)),
    (date(2025, 2, 28), 1, date(2025, 1, 31)),   # 29, 30 and 31 Jan all complete a month on 28 Feb
    (date(2024, 2, 29), 12, date(2023, 2, 28)),
    (date(2025, 2, 28), 12, date(2024, 2, 29)),  # a leap-day child is one year old on 28 Feb
    (date(2025, 8, 31), 18, date(2024, 2, 29)),
    (date(2025, 6, 30), 60, date(2020, 6, 30)),
])
def test_born_by_is_the_latest_birth_date_with_the_months_completed(on, months, expected):
    assert born_by(on, months) == expected
    assert completed_months(expected, on) >= months
    assert completed_months(expected + timedelta(days=1), on) < months


def test_born_by_agrees_with_completed_months_every_day_of_four_years():
    birth, on = date(2020, 1, 1), date(2025, 3, 31)
    while birth < date(2024, 1, 1):
        months = completed_months(birth, on)
        assert birth <= born_by(on, months) and birth > born_by(on, months + 1), birth
        birth += timedelta(days=1)


def test_the_f1_age_groups_cover_under_fives_without_gaps():
    on = date(2025, 8, 31)
    bounds = age_group_bounds(on)
    assert [b[0] for b in bounds] == ["0-5", "6-11", "12-23", "24-35", "36-59"]
    assert bounds[0][2] == on and bounds[-1][1] == born_by(on, 60)
    for (_, after, _), (_, _, on_or_before) in zip(bounds, bounds[1:]):
        assert after == on_or_before  # each group starts where the older one ends
    # a child born 2025-02-28 is 6 months on Aug 31 (6-11); born 2025-03-01: 5 months (0-5)
    assert bounds[1][1] < date(2025, 2, 28) <= bounds[1][2] and bounds[0][1] < date(2025, 3, 1)


def test_s36_is_the_children_completing_36_months_in_the_month():
    after, by = reaching_months_in(Month(2025, 8), 36)
    assert (after, by) == (date(2022, 7, 31), date(2022, 8, 31))


def test_months_and_periods():
    assert Month.parse("2025-08", date(2026, 3, 15)) == Month(2025, 8) and str(Month(2025, 8)) == "2025-08"
    assert (Month(2025, 1).previous, Month(2024, 12).plus(2)) == (Month(2024, 12), Month(2025, 2))
    assert (Month(2024, 2).first, Month(2024, 2).last) == (date(2024, 2, 1), date(2024, 2, 29))
    assert [str(m) for m in Period(Month(2024, 11), Month(2025, 2)).months] == ["2024-11", "2024-12", "2025-01", "2025-02"]
    for bad in ("2025-13", "2025-1", "1999-12", "Agustus", "", "2025-08-01"):
        with pytest.raises(ValueError):
            Month.parse(bad, date(2026, 3, 15))


def test_report_months_run_from_2000_to_the_month_under_way():
    """A month not begun has no weighings: its report would say D/S 0 %, a posyandu day no one came to."""
    today = date(2026, 3, 15)
    assert latest_month(today) == Month(2026, 3)
    assert Month.parse("2000-01", today) == FIRST_MONTH and Month.parse("2026-03", today) == Month(2026, 3)
    for far in ("1999-12", "2026-04", "2027-01", "9999-12", "0000-01"):
        with pytest.raises(MonthOutOfRange):
            Month.parse(far, today)


def test_percentages_have_one_decimal_and_none_without_a_denominator():
    assert (pct(1, 3), pct(2, 3), pct(0, 5), pct(3, 0)) == (33.3, 66.7, 0.0, None)


@pytest.mark.parametrize("part, whole, expected", [
    (1, 8, 12.5),      # 12.5 exactly: nothing to round
    (1, 16, 6.3),      # 6.25 exactly: half up, as Excel's ROUND and the paper forms (round() gave 6.2)
    (39, 48, 81.3),    # 81.25
    (5, 16, 31.3),     # 31.25
    (3, 16, 18.8),     # 18.75
    (1, 400, 0.3),     # 0.25
    (3, 2000, 0.2),    # 0.15: 100 * 3 / 2000 is 0.1499… as a float, 0.15 as a ratio of integers
    (1, 1600, 0.1),    # 0.0625: below the half, down
    (2, 3, 66.7), (1, 3, 33.3), (8, 8, 100.0),
])
def test_percentages_round_half_up_from_the_exact_ratio(part, whole, expected):
    assert pct(part, whole) == expected


def test_the_period_rules_import_neither_flask_nor_the_database():
    probe = ("import sys\nimport posyandu.reports.period\n"
             "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy')"
             " or m == 'posyandu.extensions')))\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_report_modules_other_than_routes_know_nothing_of_http():
    for path in (ROOT / "posyandu" / "reports").rglob("*.py"):
        if path.name != "routes.py":
            text = path.read_text(encoding="utf-8")
            assert "from flask" not in text and "import flask" not in text, path
