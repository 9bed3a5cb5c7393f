"""A child's age as the Buku KIA and the KMS count it: in calendar months, the day of birth clamped
to the month's end ("2 bulan" on the same day of the month two months after birth; born 31 January,
one month old on 28/29 February). The immunisation schedule, vitamin A, the reports' age groups
and S36, the under-fives of S, and the KMS's KBM (``growth.trend``) all count so. WHO's z-scores,
LiLA's 6-59 months and the charts' x axis count days (months of 30.4375 days), as WHO's tables and
software do (``growth.zscores``, ``growth.signs``, ``growth.chart``). ``static/pwa/js/due.js`` has
the same two functions. Pure: imports neither Flask nor the app's extensions.
"""
from __future__ import annotations

import calendar
from datetime import date


def add_months(start: date, months: int) -> date:
    """Calendar months, the day clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    year, month0 = divmod(start.month - 1 + months, 12)
    year += start.year
    day = min(start.day, calendar.monthrange(year, month0 + 1)[1])
    return date(year, month0 + 1, day)


def completed_months(birth: date, on: date) -> int:
    """Whole calendar months lived on ``on`` (the Buku KIA way of saying '6 bulan')."""
    months = (on.year - birth.year) * 12 + on.month - birth.month
    return months - 1 if add_months(birth, months) > on else months
