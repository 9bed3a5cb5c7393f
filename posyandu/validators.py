"""Field validators shared by the schemas (syntax only: no database, no current user)."""
from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Iterator

import marshmallow
import orjson
from marshmallow import INCLUDE, ValidationError, fields, validate, validates_schema

from posyandu.i18n import Msg
from posyandu.messages import CONTROL, CONTROL_RE, REQUIRED

# Matched against the whole value (fullmatch: "$" alone also matches before a final newline), in
# ASCII digits (Python's \d also takes Arabic-Indic and other digits no column should hold).
NIK_RE = re.compile(r"\d{16}", re.ASCII)
NIK_SEPARATORS_RE = re.compile(r"[\s.\-]+")  # a NIK written in groups: "3525 0155 0125 0001", "3525.0155.0125.0001"
WIT_OFFSET = timedelta(hours=9)
PHONE_RE = re.compile(r"(\+62|62|0)8\d{7,12}", re.ASCII)  # as the PWA's PHONE (screens/forms.js)
PHONE_SEPARATORS_RE = re.compile(r"[\s-]")  # what people type between groups of digits, as the PWA strips
# NUL cannot be stored in PostgreSQL text; a lone surrogate (half of an emoji cut in two)
# cannot be encoded as UTF-8. Either would fail at the database, so input refuses them.
UNSTORABLE_RE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE = Msg("must not contain NUL characters or unpaired surrogates",
                 "tidak boleh berisi karakter NUL atau surrogate tanpa pasangan")

def one_line_text(value: str) -> None:
    """A one-line text a person typed: refused when it holds ``CONTROL_RE``'s characters."""
    if CONTROL_RE.search(value):
        raise ValidationError(CONTROL)


# The bidi isolates and overrides a chat app wraps a pasted name in ("\u2068Siti Aminah\u2069"): a
# ``Trimmed`` text drops them, as its tabs and line breaks become spaces. Refused, a name pasted so
# was saved on the phone and refused at its sync, and a record stored with one before could not be
# corrected (a phone sends the whole record with each edit).
DIRECTION_RE = re.compile("[\u202a-\u202e\u2066-\u2069]")


class Schema(marshmallow.Schema):
    """The project's schema: a required field sent as null is told what one left out is (its
    ``required`` message, "wajib diisi"), wherever it is read: a REST body or a sync push's
    mutation. marshmallow says "tidak boleh kosong" of a null, so the admin's new posyandu with
    no puskesmas chosen was told that, and "wajib diisi" of its empty name."""

    def on_bind_field(self, field_name: str, field_obj: fields.Field) -> None:
        if field_obj.required:  # the bound field is this schema instance's own copy
            field_obj.error_messages = {**field_obj.error_messages, "null": field_obj.error_messages["required"]}


UUID_TEXT = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


class Uuid(fields.UUID):
    """A UUID as RFC 9562 writes it: 32 hex digits in groups of 8-4-4-4-12, either case (answered in lower
    case). Python reads braces, "urn:uuid:" and the digits run together too, and the record came back under
    an id other than the one its phone made (a phone keying its records by its text would hold two): the
    contract's "a malformed id is refused with 422"."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(value, str) and not UUID_TEXT.fullmatch(value):
            raise self.make_error("invalid_uuid")
        return super()._deserialize(value, attr, data, **kwargs)


def has_letter(value: str) -> None:
    """A name holds a letter (of any script): "3", "-" or "..." is a number or a mark typed in the name's
    field, or a register's count read as a child (a totals line)."""
    if not any(ch.isalpha() for ch in value):
        raise ValidationError(Msg("a name needs at least one letter", "nama harus berisi huruf"))


def today() -> date:
    """The latest civil date anywhere in Indonesia (WIT, UTC+9): a date after
    this is in the future for every posyandu, so no honest entry is refused. Not a default "as of"
    date (a card, a due list): that is ``local_today`` of the child's or posyandu's region."""
    return (datetime.now(timezone.utc) + WIT_OFFSET).date()


# Indonesia's three time zones by province (a region code's first two digits); any other province is WIB
# (UTC+7: Sumatra, Java, West and Central Kalimantan), where most people live.
WITA_PROVINCES = frozenset({"51", "52", "53", "63", "64", "65", "71", "72", "73", "74", "75", "76"})  # UTC+8
WIT_PROVINCES = frozenset({"81", "82", "91", "92", "93", "94", "95", "96", "97"})  # UTC+9
# (provinces, hours ahead of UTC) of WIT and WITA; every other province is WIB, WIB_HOURS ahead
ZONES = ((WIT_PROVINCES, 9), (WITA_PROVINCES, 8))
WIB_HOURS = 7


def local_today(region_code: str | None, now: datetime | None = None) -> date:
    """The civil date at ``now`` (default: now) in the province of ``region_code`` (a kabupaten, desa, ...):
    the day a posyandu there lives in. ``today()`` (WIT) is for refusing future dates only: between
    22:00 and 24:00 WIB it is already tomorrow, and a card or due list "as of today" would be a day ahead."""
    province = (region_code or "")[:2]
    hours = next((h for provinces, h in ZONES if province in provinces), WIB_HOURS)
    return ((now or datetime.now(timezone.utc)).astimezone(timezone.utc) + timedelta(hours=hours)).date()


def not_future(value: date) -> None:
    """Refused in the words the PWA's own check says (i18n.js ``not_future``)."""
    if value > today():
        raise ValidationError(Msg("must not be after today", "tidak boleh setelah hari ini"))


OLDEST_CHILD_YEARS = 18


def birth_date(value: date) -> None:
    """A child's birth date: not in the future, and not more than 18 years ago (a posyandu records
    children; an older date is a typing error, and a year like 0001 no date arithmetic survives)."""
    not_future(value)
    now = today()
    oldest = date(now.year - OLDEST_CHILD_YEARS, now.month, 28 if (now.month, now.day) == (2, 29) else now.day)
    if value < oldest:
        raise ValidationError(Msg(f"must not be more than {OLDEST_CHILD_YEARS} years ago",
                                  f"tidak boleh lebih dari {OLDEST_CHILD_YEARS} tahun yang lalu"))


def nik(value: str) -> None:
    """A 16-digit NIK with a plausible date of birth in digits 7-12 (women +40), refused in the words
    of the PWA's own checks (i18n.js ``nik_short``, ``nik_format``, ``nik_invalid``)."""
    if not NIK_RE.fullmatch(value):
        if value.isdigit() and len(value) < 16:
            raise ValidationError(Msg(
                "NIK must have 16 digits; a leading zero may have been lost (store NIK as text)",
                "NIK harus 16 angka; angka 0 di depan mungkin terhapus (simpan NIK sebagai teks)"))
        raise ValidationError(Msg("NIK must be exactly 16 digits", "NIK harus tepat 16 angka"))
    day, month = int(value[6:8]), int(value[8:10])
    if day > 40:
        day -= 40
    if not (1 <= day <= 31 and 1 <= month <= 12) or value[:2] == "00":
        raise ValidationError(Msg("NIK is not valid (region or birth date digits)",
                                  "NIK tidak sah (kode wilayah atau tanggal lahir)"))


def nik_digits(text: str) -> str:
    """A NIK written in groups (as on the KTP: spaces, dots or dashes between them) is its 16 digits;
    anything else is left as written, for ``nik`` to say why it is refused. The API's NIK fields and
    the spreadsheet import read it so alike."""
    digits = NIK_SEPARATORS_RE.sub("", text)
    return digits if NIK_RE.fullmatch(digits) else text


class Nik(fields.String):
    """A NIK (``nik``), stored as its 16 digits however it was grouped (``nik_digits``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=nik, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        return nik_digits(super()._deserialize(value, attr, data, **kwargs))


def nik_birth_mismatch(nik_value: str, born: date, sex: str) -> Msg | None:
    """Why a NIK cannot be this person's, or None: its digits 7-12 are the holder's birth date (DDMMYY,
    day + 40 for a woman), so another person's NIK (a mother's typed in her child's column, a
    sibling's) shows another date or sex. None too for a NIK not 16 digits (``nik`` says why)."""
    if not NIK_RE.fullmatch(nik_value):
        return None
    day, month, year = int(nik_value[6:8]), int(nik_value[8:10]), int(nik_value[10:12])
    female = day > 40
    if (day - 40 * female, month, year, female) == (born.day, born.month, born.year % 100, sex == "F"):
        return None
    holder_en, holder_id = ("female", "perempuan") if female else ("male", "laki-laki")
    own_en, own_id = ("female", "perempuan") if sex == "F" else ("male", "laki-laki")
    nik_born, own_born = f"{day - 40 * female:02d}/{month:02d}/{year:02d}", born.strftime("%d/%m/%Y")
    return Msg(f"NIK {nik_value} is of a {holder_en} born {nik_born}, but this child is a {own_en} born "
               f"{own_born}: it may be another person's NIK (the mother's?); correct the NIK, or the birth "
               "date or sex, or leave the NIK empty until it is checked",
               f"NIK {nik_value} milik {holder_id} lahir {nik_born}, sedangkan anak ini {own_id} lahir "
               f"{own_born}: mungkin NIK orang lain (NIK ibu?); perbaiki NIK, atau tanggal lahir atau jenis "
               "kelamin, atau kosongkan NIK sampai sudah dicek")


def phone(value: str) -> None:
    if not PHONE_RE.fullmatch(value):
        raise ValidationError(Msg("not a valid Indonesian mobile number (08…)", "nomor HP tidak sah (08…)"))


class Phone(fields.String):
    """An Indonesian mobile number, stored as the PWA sends it: without the spaces and dashes people
    type between groups ("0812-3456 7890" is 081234567890). Stored as typed, a number with a separator
    between every digit did not fit its column (20 characters; the digits are at most 16)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validate=phone, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        return PHONE_SEPARATORS_RE.sub("", super()._deserialize(value, attr, data, **kwargs))


# A date is written YYYY-MM-DD, and an instant in ISO 8601's extended form with its date so
# (2025-01-15T09:30:00.000Z, +07:00 for an offset): Python 3.11's fromisoformat, which marshmallow's
# Date and DateTime read with, also takes the compact 20261101 and the week date 2026-W44-1 (stored as
# 2026-10-26), which no message ("format TTTT-BB-HH") nor the phone admits.
ISO_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
ISO_INSTANT_RE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2})?", re.ASCII)


def iso_date(text: str) -> date:
    """A date written YYYY-MM-DD, and only so (ValueError otherwise)."""
    if not (isinstance(text, str) and ISO_DATE_RE.fullmatch(text)):
        raise ValueError(text)
    return date.fromisoformat(text)


def iso_instant(text: str) -> datetime:
    """An instant in ISO 8601's extended form (``ISO_INSTANT_RE``), and only so (ValueError otherwise)."""
    if not (isinstance(text, str) and ISO_INSTANT_RE.fullmatch(text)):
        raise ValueError(text)
    return datetime.fromisoformat(text)


class YesNo(fields.Boolean):
    """A yes or no of a record, sent as JSON's ``true`` or ``false`` and nothing else: marshmallow's
    Boolean took "yes", "on", "1" and 1 as true, so another client's text stored oedema (which voids the
    weight's z-scores and counts the child severely wasted) from a word. The calculator's rows are as strict
    (``zscores``), and an import reads its own words for yes and no (``imports.rows``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if type(value) is not bool:
            raise self.make_error("invalid", input=value)
        return value


class Day(fields.Date):
    """A date, read only as YYYY-MM-DD (``iso_date``): every date the API takes."""

    DESERIALIZATION_FUNCS = {**fields.Date.DESERIALIZATION_FUNCS, "iso": iso_date, "iso8601": iso_date}


# a device's clock reading: any instant of these hundred years (as a vial's expiry, immunisation.schemas)
DEVICE_CLOCK_FROM = datetime(2000, 1, 1, tzinfo=timezone.utc)
DEVICE_CLOCK_BEFORE = datetime(2100, 1, 1, tzinfo=timezone.utc)


def device_clock(value: datetime) -> None:
    """A device's clock reading (``recorded_at``): an instant from 2000 to 2099.

    Only informative (a record's date is its ``measured_on``/``given_on``), but a reading past
    datetime's range in UTC cannot even be stored (0001-01-01T00:00+07:00), and one before 2000
    is a clock that was never set (the PWA cannot save a record then: its today is before every
    birth date). It is not refused for being ahead of the server: a phone running days fast saves
    a weighing dated in the future, the server refuses that date, and the cadre corrects it, but
    not the reading, which the corrected weighing keeps (tests/e2e/test_corrections.py). An
    instant without an offset is read as UTC, as it is stored."""
    instant = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if not DEVICE_CLOCK_FROM <= instant < DEVICE_CLOCK_BEFORE:
        raise ValidationError(Msg("must be in the years 2000 to 2099: check the device's clock",
                                  "harus di antara tahun 2000 dan 2099: periksa jam perangkat"))


def utc_timestamp(value: datetime) -> str:
    """An instant as api-contract.md writes timestamps: ISO 8601 in UTC with ``Z`` (a naive value is
    UTC, as everything stored), always to the microsecond, so two of them order as text as in time."""
    instant = value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Timestamp(fields.DateTime):
    """A timestamp: read in ISO 8601's extended form (``iso_instant``, any offset), answered by
    ``utc_timestamp``."""

    SERIALIZATION_FUNCS = {**fields.DateTime.SERIALIZATION_FUNCS, "iso": utc_timestamp, "iso8601": utc_timestamp}
    DESERIALIZATION_FUNCS = {**fields.DateTime.DESERIALIZATION_FUNCS, "iso": iso_instant, "iso8601": iso_instant}


def recorded_at_field() -> Timestamp:
    """An event's ``recorded_at``: the device's clock when it was saved (``device_clock``)."""
    return Timestamp(allow_none=True, validate=device_clock, metadata={
        "description": "The device's clock when saved: an instant in the years 2000 to 2099"})


# A correction whose base_version another change has passed (registry.operations.check_base_version):
# its operation names it (Blueprint.problem_response) as well as the field.
STALE_VERSION = "precondition_failed: base_version is no longer the record's version; read it again"
# A creation naming an id a record has already (a retry whose first answer was lost, most often).
ID_TAKEN = "conflict: a record with this id exists already (a retry of a creation that was made)"
ID_EXISTS = Msg("a record with this id exists already: was it saved before? Read it again instead of creating it",
                "data dengan id ini sudah ada: sudah tersimpan sebelumnya? Muat ulang datanya, jangan dibuat lagi")


def own_id_field() -> fields.UUID:
    """A correction's ``id``: the record's own, if sent (``errors.refuse_other_id``)."""
    return Uuid(metadata={"description": "Optional: the id in the URL (another is refused, 422 on `id`)"})


def base_version_field() -> fields.Integer:
    """A correction's ``base_version``: the version the client read, optional."""
    return fields.Integer(load_only=True, strict=True, validate=validate.Range(min=1), metadata={
        "description": f"The version you read; if another change came since, 409 ({STALE_VERSION.split(';')[0]})"})


def decimal_comma(value: float) -> str:
    """A number as Bahasa Indonesia writes it (``0,5``), as the PWA's own messages do."""
    return f"{value:g}".replace(".", ",")


def between(lo: float, hi: float, grams_hint: bool = False) -> validate.Validator:
    """``lo ≤ x ≤ hi`` with a hint when a weight was clearly entered in grams."""
    id_lo, id_hi = decimal_comma(lo), decimal_comma(hi)

    def check(value: float) -> None:
        if grams_hint and value > 100 and lo <= value / 1000 <= hi:
            raise ValidationError(Msg(f"must be between {lo} and {hi} kg; {value:g} looks like grams",
                                      f"harus antara {id_lo} dan {id_hi} kg; {decimal_comma(value)} tampaknya dalam gram"))
        if not lo <= value <= hi:
            raise ValidationError(Msg(f"must be between {lo} and {hi}", f"harus antara {id_lo} dan {id_hi}"))
    return check


NUMBER_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
COMMA_NUMBER_TEXT = re.compile(r"-?[0-9]+,[0-9]+")
DECIMAL_COMMA = Msg("write the decimal with a dot, not a comma (8.5)", "tulis desimal dengan titik, bukan koma (8.5)")


class Measure(fields.Float):
    """A measurement (kg, cm): a JSON number, or text of ASCII digits with a dot ("8.5"), as a client may send
    it. Read by ``float()``, more passed for numbers: "1_2.5" as 12.5, Arabic-Indic or full-width digits,
    "1.2e1", "+12", "12\n"; and "8,5", a cadre's own way to write it, was said only to be no valid number."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(value, str):
            if COMMA_NUMBER_TEXT.fullmatch(value):
                raise ValidationError(DECIMAL_COMMA)
            if not NUMBER_TEXT.fullmatch(value):
                raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


WHOLE_NUMBER_TEXT = re.compile(r"-?[0-9]+")


class WholeNumber(fields.Integer):
    """A whole number in a query (``?limit=50``): ASCII digits. Read by ``int()``, more passed: Arabic-Indic,
    Devanagari or full-width digits ("٥٠" as 50), "5_0", "+50", " 50 " — a link or a script writing one
    of those meant something we cannot be sure of, and is told so rather than answered as if it had
    written 50."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        if isinstance(value, str) and not WHOLE_NUMBER_TEXT.fullmatch(value):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


def blank(text: str) -> bool:
    """Whether a text shows nothing: empty, whitespace, or invisible format characters alone (zero-width
    spaces and joiners, a BOM)."""
    return all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text)


class Filled(fields.String):
    """A text that must be given: a blank one (``blank``: "", "   ") is missing, and said so as a field
    left out is (``REQUIRED``), not refused by the field's format rule ("3-80 letters…" for an empty
    username, the Kemendagri code's for a region code of spaces). The value is kept as given.

    ``as_typed``: only "" is missing, any other text is the value (a password, whose spaces are
    characters typed: one checked is wrong or right as any other, one set judged by its own rules)."""

    def __init__(self, *, as_typed: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.as_typed = as_typed

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        value = super()._deserialize(value, attr, data, **kwargs)
        if value == "" or (not self.as_typed and blank(value)):
            raise ValidationError(REQUIRED)
        if not self.as_typed:
            one_line_text(value)
        return value


class Pattern(validate.Regexp):
    r"""``validate.Regexp`` with its message in both languages (Regexp formats its ``error`` into a
    plain English str); still a Regexp, so the OpenAPI document keeps the pattern.

    The value must match whole, as the pattern means in the OpenAPI document (ECMAScript): Python's
    "$" also matches before a final newline ("123\n" is no RT, and no column of 3 holds it), and
    ``\d`` and ``\w`` are read in ASCII."""

    def __init__(self, regex: str, message: Msg) -> None:
        super().__init__(regex, re.ASCII, error=str(message))
        self.message = message

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self._format_error(value))
        return value

    def _format_error(self, value: str) -> Msg:  # type: ignore[override]
        return self.message


def single_spaced(text: str) -> str:
    """A text as a ``Trimmed`` field stores it (a child's name): runs of whitespace made single spaces,
    the ends trimmed, in Unicode NFC. What compares a name with a stored one reads both so."""
    return unicodedata.normalize("NFC", " ".join(text.split()))


class Trimmed(fields.String):
    """A one-line text (``one_line_text``: no control characters), its runs of spaces (tabs, line
    breaks) made single spaces and its text-direction marks dropped (``DIRECTION_RE``), in Unicode NFC (one
    spelling of "Ṣaleh" whether the phone typed combining accents or not: ``single_spaced``); empty
    means missing, and so does a text of nothing but invisible format characters
    (zero-width spaces and joiners, a BOM: a name no list can show): a required field left so is
    told ``REQUIRED``, as one left out is."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        value = single_spaced(DIRECTION_RE.sub("", super()._deserialize(value, attr, data, **kwargs)))
        one_line_text(value)
        if blank(value):
            value = ""
        if not value and self.required:  # left blank: said as a field left out is ("wajib diisi")
            raise ValidationError(REQUIRED)
        if not value and not self.allow_none:
            raise ValidationError(Msg("must not be empty", "tidak boleh kosong"))
        return value or None

    def _validate(self, value):  # type: ignore[no-untyped-def]
        if value is not None:  # an empty text became None (missing): length rules do not apply
            super()._validate(value)


def plain_place_name(text: str) -> str:
    """A place's name (a posyandu, a puskesmas, a region) as stored and compared: in Unicode NFKC (a
    full-width "Ｍｅｌａｔｉ" from a phone's keyboard is "Melati") and without invisible format characters
    (a zero-width space pasted from a chat): two names that look alike on every list are one name, and
    one desa's second "Melati" is refused (``registry.models.same_name``)."""
    shown = "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) != "Cf")
    return single_spaced(shown)


class PlaceName(Trimmed):
    """A place's name (``plain_place_name``), otherwise as ``Trimmed``."""

    def _deserialize(self, value, attr, data, **kwargs):  # type: ignore[no-untyped-def]
        value = super()._deserialize(value, attr, data, **kwargs)
        return None if value is None else plain_place_name(value)


UNSTORABLE_PATH_DEPTH = 8
"""How deep ``unstorable_text`` names a bad string: one further down is named by its container at
this depth. A NUL 300 lists down in a pushed mutation was named 300 levels deep, and the idempotency
ledger could not store that answer (orjson stops at 255): a 500, the good mutations beside it lost,
the phone stuck retrying the push."""


def unstorable_text(value: Any) -> dict[Any, Any]:
    """Per-field errors (nested like marshmallow's) for every string in ``value``
    (JSON-like: dicts, lists, strings) that holds NUL or a lone surrogate; {} if none."""
    try:  # the usual case, at C speed: orjson refuses lone surrogates and writes NUL as \u0000
        if b"\\u0000" not in orjson.dumps(value):
            return {}
    except TypeError:  # a surrogate, or what orjson does not write (a huge integer…): look at each string
        pass

    def paths(item: Any, path: tuple) -> Iterator[tuple]:
        if isinstance(item, str):
            if UNSTORABLE_RE.search(item):
                yield path
        elif isinstance(item, dict):
            for key, sub in item.items():
                key_text = UNSTORABLE_RE.sub("\ufffd", str(key))
                yield from (paths(key, (*path, key_text)) if UNSTORABLE_RE.search(str(key)) else ())
                yield from paths(sub, (*path, key_text))
        elif isinstance(item, (list, tuple)):
            for index, sub in enumerate(item):
                yield from paths(sub, (*path, index))

    errors: dict[Any, Any] = {}
    for path in paths(value, ()):
        path = (path or ("_schema",))[:UNSTORABLE_PATH_DEPTH]
        node = errors
        for part in path[:-1]:
            inner = node.setdefault(part, {})
            if not isinstance(inner, dict):  # the entry is refused as a whole already (its key is unstorable)
                break
            node = inner
        else:
            node[path[-1]] = [UNSTORABLE]
    return errors


def as_stored(data: dict[str, Any], model: Any) -> dict[str, Any]:
    """Round ``data``'s numbers to the scale of ``model``'s numeric columns as PostgreSQL's
    numeric does (half away from zero), so the z-scores, the answer and the change log carry
    the stored value on every database, and phones never hold a value the database does not."""
    for key, quantum in _numeric_columns(model):
        if data.get(key) is not None:
            data[key] = float(Decimal(repr(data[key])).quantize(quantum, ROUND_HALF_UP))
    return data


@functools.cache
def _numeric_columns(model: Any) -> tuple[tuple[str, Decimal], ...]:
    """``model``'s columns with a scale, each with its smallest step (0.01 for a scale of 2)."""
    return tuple((column.key, Decimal(1).scaleb(-column.type.scale)) for column in model.__table__.columns
                 if getattr(column.type, "scale", None) is not None)


PLACES = {"json": ("body", "isi permintaan"), "form": ("form", "formulir")}


class NothingHere(Schema):
    """A part of the request an endpoint reads nothing from (a DELETE's JSON body, an upload's
    form fields): every field sent there is refused on its name, never ignored. An option the
    endpoint takes in the URL (``options``) is told where it goes: a delete's reason sent in the
    body, or a dry run sent as a form field, was dropped without a word and the write done anyway."""

    class Meta:
        unknown = INCLUDE  # each named below, with its own message

    def __init__(self, options: Iterable[str] = (), location: str = "json", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.options = frozenset(options)
        self.place = PLACES[location]

    @validates_schema
    def _nothing(self, data: dict[str, Any], **_: Any) -> None:
        en, id_ = self.place
        errors = {name: [Msg(f"goes in the URL, not the {en}: ?{name}=…", f"dikirim di alamat (URL), bukan di {id_}: ?{name}=…")
                         if name in self.options else "Unknown field."] for name in data}
        if errors:
            raise ValidationError(errors)
