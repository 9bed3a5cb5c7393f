"""The suite run with its clock moved (``pytest --clock=...``, ``make test-clock``): a date-boundary check.

Indonesia's three zones are UTC+7, +8 and +9; the machine's clock and ``date.today()`` are usually UTC. So
for some hours every day the WIT date is a day ahead of the WIB date, and from 17:00 UTC every Indonesian
date is a day ahead of the machine's. A test that asks "today" of the wrong zone passes most of the day and
fails at those hours, worst on a month's or a year's last day (a report's month changes). The moved clock
is the whole test process's (time-machine): the in-process app, its rules and the tests; never PostgreSQL's
own ``now()`` (the app reads no database clock) nor a server started in another process (tests/ops). The
browser tests' server runs in the test process, and tests/e2e/conftest.py sets each browser context's
clock to the moved instant (a browser an hour from its server says its clock is wrong)."""
from __future__ import annotations

import calendar
from datetime import date, datetime, time, timezone

# named instants, each from today's date: the hours at which the zones disagree, at a month's or year's end
NAMED = {
    # 15:30 UTC on this month's last day: 00:30 of the 1st in Papua (WIT), still the last day in Java (WIB)
    "month-end-wit": lambda today: _at(_month_end(today), time(15, 30)),
    # 18:00 UTC on this month's last day: the 1st everywhere in Indonesia, the last day on the machine
    "month-end": lambda today: _at(_month_end(today), time(18, 0)),
    # 18:00 UTC on 31 December: a new year in Indonesia (report years, age in years, the schedule's year)
    "year-end": lambda today: _at(date(today.year, 12, 31), time(18, 0)),
    # 17:30 UTC on February's last day (a leap day when there is one): the vitamin A round's month ends
    "february-end": lambda today: _at(_month_end(date(today.year + (today.month > 2), 2, 1)), time(17, 30)),
}


def _month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def _at(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=timezone.utc)


def instant(spec: str, today: date) -> datetime:
    """The aware instant ``spec`` names: one of NAMED (counted from ``today``, never before it), or an ISO
    8601 instant with its offset (``2027-01-31T18:00:00+00:00``). ValueError for anything else."""
    if spec in NAMED:
        return NAMED[spec](today)
    try:
        moved = datetime.fromisoformat(spec)
    except ValueError:
        moved = None
    if moved is None or moved.tzinfo is None:
        raise ValueError(f"--clock {spec!r}: an ISO instant with its UTC offset (2027-01-31T18:00:00+00:00) "
                         f"or one of {', '.join(NAMED)}")
    return moved
