"""validators: unstorable_text (every string holding NUL or a lone surrogate, and only those),
device_clock, Pattern."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError, validate

from posyandu.i18n import Msg
from posyandu.validators import UNSTORABLE, Pattern, device_clock, unstorable_text


@pytest.mark.parametrize("value, errors", [
    ({"name": "Ani", "n": [1, 2.5, None, True]}, {}),
    ({"name": "Ani \\u0000 typed as text"}, {}),  # a backslash, not a NUL
    ({"name": "Ani\x00"}, {"name": [UNSTORABLE]}),
    ({"a": [{"b": "x"}, {"b": "\ud800"}]}, {"a": {1: {"b": [UNSTORABLE]}}}),
    ({"k\x00": 1}, {"k\ufffd": [UNSTORABLE]}),
    ({"big": 10**30, "name": "x\x00"}, {"name": [UNSTORABLE]}),  # what orjson cannot write: still looked at
    ({"big": 10**30}, {}),
    ("\udc00", {"_schema": [UNSTORABLE]}),
    # an unstorable key over unstorable values: the entry is refused as a whole (found by hypothesis)
    ({"\x00": {"a": "\x00"}}, {"\ufffd": [UNSTORABLE]}),
    ({"\x00": ["\x00", "x", "\x00"]}, {"\ufffd": [UNSTORABLE]}),
    ({"\x00": 1, "\ud800": {"b": "\x00"}}, {"\ufffd": [UNSTORABLE]}),
])
def test_finds_each_unstorable_string(value, errors):
    assert unstorable_text(value) == errors


text = st.text(st.characters() | st.sampled_from(["\x00", "\ud800", "\udfff", "\\"]), max_size=6)
json_like = st.recursive(st.none() | st.booleans() | st.integers() | st.integers(2**64, 2**70) | text,
                         lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
                         max_leaves=20)


@settings(max_examples=400)
@given(json_like)
def test_reports_something_exactly_when_some_string_is_unstorable(value):
    def strings(v):
        if isinstance(v, str):
            yield v
        elif isinstance(v, dict):
            for k, sub in v.items():
                yield k
                yield from strings(sub)
        elif isinstance(v, list):
            for sub in v:
                yield from strings(sub)

    bad = any("\x00" in s or any("\ud800" <= c <= "\udfff" for c in s) for s in strings(value))
    assert bool(unstorable_text(value)) == bad


@pytest.mark.parametrize("value, refused", [
    (datetime(2000, 1, 1, tzinfo=timezone.utc), False),
    (datetime(1999, 12, 31, 23, 59, 59, tzinfo=timezone.utc), True),
    (datetime(2000, 1, 1, 6, 59, tzinfo=timezone(timedelta(hours=7))), True),   # 1999-12-31T23:59Z
    (datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=7))), True),             # before year 1 in UTC
    (datetime(9999, 12, 31, 23, tzinfo=timezone(timedelta(hours=-7))), True),   # after year 9999 in UTC
    (datetime(2001, 1, 1), False),                                             # no offset: read as UTC
    (datetime.now(timezone.utc) + timedelta(days=3), False),                   # a phone running fast
    (datetime(2099, 12, 31, 23, 59, 59, tzinfo=timezone.utc), False),
    (datetime(2100, 1, 1, 6, 59, tzinfo=timezone(timedelta(hours=7))), False),  # 2099-12-31T23:59Z
    (datetime(2100, 1, 1, tzinfo=timezone.utc), True),
])
def test_a_device_clock_reading_is_in_the_years_2000_to_2099(value, refused):
    if refused:
        with pytest.raises(ValidationError):
            device_clock(value)
    else:
        device_clock(value)


@pytest.mark.parametrize("value, match", [("123", True), ("123\n", False), ("\u0661\u0662", False), ("12a", False)])
def test_a_pattern_matches_the_whole_value_in_ascii_digits(value, match):
    pattern = Pattern(r"^\d{1,3}$", Msg("digits", "angka"))
    if match:
        assert pattern(value) == value
    else:
        with pytest.raises(ValidationError):
            pattern(value)


def test_local_today_follows_the_province_time_zone():
    """WIB (UTC+7) for Sumatra, Java, West and Central Kalimantan; WITA (UTC+8) for Bali, NTB, NTT, South,
    East and North Kalimantan and Sulawesi; WIT (UTC+9) for Maluku and Papua. 2026-03-31 16:30 UTC is
    23:30 WIB on the 31st, 00:30 WITA and 01:30 WIT on 1 April."""
    from datetime import date, datetime, timezone

    from posyandu.validators import local_today

    now = datetime(2026, 3, 31, 16, 30, tzinfo=timezone.utc)
    march, april = date(2026, 3, 31), date(2026, 4, 1)
    for code in ("11.01", "31.71", "35.25", "35.25.01.2001", "36", "61.01", "62.71"):
        assert local_today(code, now) == march, code
    for code in ("51.71", "52.01", "53.71", "63.71", "64.72", "65.01", "71.71", "73.71", "76.01"):
        assert local_today(code, now) == april, code
    for code in ("81.71", "82.01", "91.71", "92.01", "94.01", "97.01"):
        assert local_today(code, now) == april, code
    before = datetime(2026, 3, 31, 15, 30, tzinfo=timezone.utc)  # 22:30 WIB, 23:30 WITA, 00:30 WIT
    assert [local_today(c, before) for c in ("35.25", "51.71", "91.71")] == [march, march, april]


@pytest.mark.parametrize("value", ["", "   ", "\u200b", " \ufeff "])
def test_a_required_text_left_blank_is_told_as_one_left_out(value):
    """Trimmed said "tidak boleh kosong" / "must not be empty" of a required name left blank, while the
    same field left out said "wajib diisi" (marshmallow's REQUIRED): one form, two wordings."""
    from marshmallow import Schema

    from posyandu.i18n import translate_field_message
    from posyandu.messages import REQUIRED
    from posyandu.validators import Trimmed

    class Form(Schema):
        name = Trimmed(required=True)
        note = Trimmed()  # optional, not nullable: blank is still refused, as before
        remark = Trimmed(allow_none=True)  # optional: blank is none

    with pytest.raises(ValidationError) as blank:
        Form().load({"name": value})
    with pytest.raises(ValidationError) as missing:
        Form().load({})
    assert blank.value.messages == {"name": [REQUIRED]}
    for language, words in (("id", "wajib diisi"), ("en", "missing data for required field")):  # as answered
        assert (translate_field_message(blank.value.messages, language)
                == translate_field_message(missing.value.messages, language) == {"name": [words]})
    with pytest.raises(ValidationError) as optional:
        Form().load({"name": "Ani", "note": value})
    assert optional.value.messages == {"note": ["must not be empty"]}
    assert Form().load({"name": "Ani", "remark": value}) == {"name": "Ani", "remark": None}


@pytest.mark.parametrize("value", ["", "   ", "\t\n", "\u00a0", "\u200b "])
def test_a_filled_field_sent_blank_is_told_as_one_left_out_unless_kept_as_typed(value):
    """Filled took only "" as blank: a region code of spaces was told the Kemendagri code's format. A
    password to check (``as_typed``) is any text but "", spaces too."""
    from marshmallow import Schema

    from posyandu.messages import REQUIRED
    from posyandu.validators import Filled

    class Form(Schema):
        code = Filled(required=True, validate=validate.Regexp(r"^\d{2}$"))
        password = Filled(required=True, as_typed=True)

    with pytest.raises(ValidationError) as blank:
        Form().load({"code": value, "password": "rahasia"})
    assert blank.value.messages == {"code": [REQUIRED]}
    if value:
        assert Form().load({"code": "35", "password": value}) == {"code": "35", "password": value}
    else:
        with pytest.raises(ValidationError) as empty:
            Form().load({"code": "35", "password": value})
        assert empty.value.messages == {"password": [REQUIRED]}


@pytest.mark.parametrize("value, read", [
    (8.5, 8.5), (8, 8.0), ("8.5", 8.5), ("12", 12.0), ("-0.5", -0.5),
    # float() read these as numbers: digit groups, other scripts' digits, exponents, signs, whitespace
    ("1_2.5", None), ("١٢", None), ("８.５", None), ("1.2e1", None), ("+12", None), ("12\n", None), (" 8.5", None),
    (".5", None), ("8.", None), ("nan", None), ("inf", None), (True, None), ("", None),
])
def test_a_measure_is_a_number_or_ascii_digits_with_a_dot(value, read):
    from marshmallow import fields as ma_fields

    from posyandu.validators import Measure

    field = Measure()
    if read is None:
        with pytest.raises(ValidationError):
            field.deserialize(value)
    else:
        assert field.deserialize(value) == read and isinstance(field, ma_fields.Float)


def test_a_measure_written_with_a_decimal_comma_is_told_to_use_a_dot():
    from posyandu.validators import DECIMAL_COMMA, Measure

    with pytest.raises(ValidationError) as refused:
        Measure().deserialize("8,5")
    assert refused.value.messages == [DECIMAL_COMMA] and "titik, bukan koma" in DECIMAL_COMMA.id_text
