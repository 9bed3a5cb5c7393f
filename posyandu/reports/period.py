"""Report months, periods and ages in completed calendar months (pure).

A report is for a calendar month or a run of months (``from``..``to``). A
child's age in a report month is counted in completed calendar months on the
month's last day, the way the Buku KIA and the F1 Gizi form count ("6 bulan"
on the same day of the month six months after birth; 31 Jan + 1 month = 28/29
Feb), the same arithmetic as the immunisation schedule. Vitamin A is the exception,
judged as the posyandu day judges it: F1's capsules by the age on the day given
(``f1.capsules_by_age``), coverage's round target by the age on the day a capsule was given or by what was
due on the posyandu's meeting day (``coverage._vitamin_a``).

Ages become birth-date bounds so the database compares plain dates, the same
way on SQLite and PostgreSQL: a child has completed ``n`` months on ``on``
exactly when ``birth_date <= born_by(on, n)``.
Pure: imports neither Flask nor the app's extensions.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from posyandu.ages import add_months

# F1 Gizi age groups in completed months (domain.md, "Monthly report: SKDN").
AGE_GROUPS: tuple[tuple[str, int, int], ...] = (
    ("0-5", 0, 5), ("6-11", 6, 11), ("12-23", 12, 23), ("24-35", 24, 35), ("36-59", 36, 59))
ALL_AGES = "0-59"
UNDER_FIVE_MONTHS = 60
MAX_PERIOD_MONTHS = 36
# Report months run from January 2000 to the month under way (latest_month): a month not begun has
# no weighings, and its report would read as a posyandu day no one came to (D/S 0 %).
_MONTH = re.compile(r"(\d{4})-(\d{2})", re.ASCII)  # whole (a trailing newline passed `$`), ASCII digits


class MonthOutOfRange(ValueError):
    """A well-formed month outside ``FIRST_MONTH`` .. :func:`latest_month`."""


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str, today: date) -> "Month":
        """'2025-03' → Month(2025, 3); ValueError for anything else, :class:`MonthOutOfRange`
        for a month before January 2000 or after :func:`latest_month` of ``today``."""
        found = _MONTH.fullmatch(text or "")
        if not found:
            raise ValueError(text)
        year, month = int(found.group(1)), int(found.group(2))
        if not 1 <= month <= 12:
            raise ValueError(text)
        if not FIRST_MONTH <= (parsed := cls(year, month)) <= latest_month(today):
            raise MonthOutOfRange(text)
        return parsed

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last(self) -> date:
        return date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    def plus(self, months: int) -> "Month":
        year, month0 = divmod(self.year * 12 + self.month - 1 + months, 12)
        return Month(year, month0 + 1)

    @property
    def previous(self) -> "Month":
        return self.plus(-1)

    @property
    def under_five_born_after(self) -> date:
        """Children born after this date are under 60 completed months on the month's last day."""
        return born_by(self.last, UNDER_FIVE_MONTHS)


FIRST_MONTH = Month(2000, 1)


def latest_month(today: date) -> Month:
    """The last month a report may be for: ``today``'s, the month under way (the schemas give the date
    in WIT, ``validators.today``: on the last evening of a month in Java, Papua's posyandu already
    report the next)."""
    return Month(today.year, today.month)


@dataclass(frozen=True)
class Period:
    """Months ``start``..``end`` inclusive."""

    start: Month
    end: Month

    @property
    def months(self) -> list[Month]:
        span = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
        return [self.start.plus(i) for i in range(span + 1)]

    @property
    def first(self) -> date:
        return self.start.first

    @property
    def last(self) -> date:
        return self.end.last


def born_by(on: date, months: int) -> date:
    """The latest birth date of a child who has completed ``months`` calendar months on ``on``.

    ``add_months(birth, months) <= on`` is monotone in the birth date, so the
    answer is found by stepping from ``on`` minus ``months`` (at most a few
    days: the month-end clamp makes 29-31 Jan all reach 28 Feb)."""
    birth = add_months(on, -months)
    while add_months(birth + timedelta(days=1), months) <= on:
        birth += timedelta(days=1)
    while add_months(birth, months) > on:
        birth -= timedelta(days=1)
    return birth


def age_group_bounds(on: date) -> list[tuple[str, date, date]]:
    """(label, born_after, born_on_or_before) of each F1 age group on ``on``."""
    return [(label, born_by(on, high + 1), born_by(on, low)) for label, low, high in AGE_GROUPS]


def reaching_months_in(month: Month, months: int) -> tuple[date, date]:
    """(born_after, born_on_or_before): children who complete ``months`` months during ``month`` (e.g. S36)."""
    return born_by(month.first - timedelta(days=1), months), born_by(month.last, months)


TENTH = Decimal("0.1")


def pct(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole``, one decimal; None when ``whole`` is 0.

    Rounded half up from the exact ratio of the two counts, as Excel's ROUND and the paper
    forms do (1/16 = 6.25 % → 6.3; 3/2000 = 0.15 % → 0.2): Python's ``round`` of the float
    rounds a tie to the even digit (6.2) and sees 0.15 as 0.1499…"""
    if not whole:
        return None
    return float((Decimal(100 * part) / Decimal(whole)).quantize(TENTH, rounding=ROUND_HALF_UP))
