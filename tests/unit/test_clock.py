"""The moved clock's named instants (tests/support/clock.py) fall where the zones disagree, as they claim."""
from datetime import date, datetime, timezone

import pytest

from posyandu.validators import local_today
from tests.support.clock import instant


def test_month_end_wit_is_the_1st_in_papua_and_the_last_day_in_java():
    at = instant("month-end-wit", date(2028, 2, 10))
    assert at == datetime(2028, 2, 29, 15, 30, tzinfo=timezone.utc)  # 2028 is a leap year
    assert (local_today("94.71", at), local_today("35.25", at)) == (date(2028, 3, 1), date(2028, 2, 29))
    assert local_today("73.71", at) == date(2028, 2, 29)  # Makassar (WITA, UTC+8): 23:30, still February


def test_month_end_is_the_1st_everywhere_in_indonesia_and_the_last_day_on_the_machine():
    at = instant("month-end", date(2026, 11, 30))
    assert at.date() == date(2026, 11, 30)
    assert {local_today(code, at) for code in ("11.71", "35.25", "73.71", "94.71")} == {date(2026, 12, 1)}


def test_year_end_and_february_end_are_never_before_today():
    assert instant("year-end", date(2026, 12, 31)) == datetime(2026, 12, 31, 18, tzinfo=timezone.utc)
    assert instant("february-end", date(2026, 3, 1)).date() == date(2027, 2, 28)
    assert instant("february-end", date(2027, 2, 28)).date() == date(2027, 2, 28)
    assert local_today("35.25", instant("february-end", date(2027, 1, 5))) == date(2027, 3, 1)


def test_an_instant_without_its_offset_is_refused_an_iso_instant_is_kept():
    with pytest.raises(ValueError, match="UTC offset"):
        instant("2027-01-31T18:00:00", date(2026, 12, 5))
    assert instant("2027-01-31T18:00:00+00:00", date(2026, 12, 5)) == datetime(2027, 1, 31, 18, tzinfo=timezone.utc)

