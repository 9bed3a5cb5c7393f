"""Turn one spreadsheet row into a child and (optionally) a visit, or say why not.

Cleaning catches what real posyandu spreadsheets get wrong (domain.md, "Real
data is messy"): NIKs stored as numbers (lost leading zeros, or Excel's
scientific notation) or another person's NIK (the mother's: its birth date
digits are not the child's), weights in grams (or with thousands separators, or
the unit typed in; read in grams in a column headed so), DD/MM/YYYY dates, Excel serial dates (45672), written dates
("15 Januari 2025", "15-Agt-25"), decimal commas, "L"/"P" for sex,
"berbaring"/"berdiri" for the position. The field rules are the API's own
schemas (ChildSchema, MeasurementSchema), so an import accepts exactly what a
cadre's phone may send (and the NIK's birth date, which the API does not check
yet). No database access here.
"""
from __future__ import annotations

import contextlib
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable

from marshmallow import ValidationError

from posyandu.growth.schemas import MeasurementSchema
from posyandu.i18n import Msg
from posyandu.growth.schemas import MEASURED
from posyandu.imports.reader import (BEYOND, COUNT, FLAGS, GRAM_UNITS, GRAMS, LABEL, MERGED, POSITION_BY_COLUMN,
                                     UNREAD, WEIGHTS, FileError, is_count, is_dash)
from posyandu.imports.template import TEXT_COLUMNS, TITLES
from posyandu.imports.xlsx import Float1904, Int1904, NotADate, UncalculatedFormula
from posyandu.messages import REQUIRED, date_text
from posyandu.registry.schemas import ChildSchema
from posyandu.validators import UNSTORABLE, UNSTORABLE_RE, decimal_comma, nik_birth_mismatch, nik_digits, today, unstorable_text

CHILD_FIELDS = ("name", "sex", "birth_date", "nik", "mother_nik", "mother_name", "father_name", "guardian_phone",
                "address", "rt", "rw", "birth_weight_kg", "birth_length_cm", "has_kms")
VISIT_FIELDS = ("measured_on", "weight_kg", "length_height_cm", "position", "head_circumference_cm", "muac_cm",
                "oedema")
DATES = ("birth_date", "measured_on")
NUMBERS = ("birth_weight_kg", "birth_length_cm", "weight_kg", "length_height_cm", "head_circumference_cm", "muac_cm")
CODED = {*DATES, *NUMBERS, *TEXT_COLUMNS, *FLAGS, "sex", "position"}  # a cell of a number, a date, a code, a word
SEXES = {"l": "M", "lk": "M", "laki": "M", "laki_laki": "M", "lelaki": "M", "pria": "M", "m": "M", "male": "M",
         "p": "F", "pr": "F", "perempuan": "F", "w": "F", "wanita": "F", "f": "F", "female": "F"}
# "terlentang": e-PPGBM's and the KMS's spelling of telentang
POSITIONS = {"berbaring": "lying", "telentang": "lying", "terlentang": "lying", "lying": "lying", "pb": "lying",
             "b": "lying", "berdiri": "standing", "standing": "standing", "tb": "standing", "d": "standing"}
# "+" (oedema graded +, ++, +++), "punya" (Punya KMS: punya / tidak punya)
YES = {"ya", "y", "yes", "1", "true", "ada", "punya", "v", "x", "√", "✓", "✔", "+", "++", "+++"}
NO = {"tidak", "t", "no", "n", "0", "false", "tidak_ada", "tidak_punya"}  # and a dash (``reader.DASH``)
_TIME = r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"  # "2025-01-15 00:00:00": a date exported with its time
_DMY = re.compile(r"(\d{1,2})([/.\-])(\d{1,2})\2(\d{4}|\d{2})" + _TIME)  # day first, as Indonesia writes dates
_YMD = re.compile(r"(\d{4})([/.\-])(\d{1,2})\2(\d{1,2})" + _TIME)
_WRITTEN = re.compile(r"(\d{1,2})[\s./\-]*([a-z]+)\.?[\s./\-,]*(\d{4}|\d{2})")  # 15 Januari 2025, 15-Jan-25
_MONTH_FIRST = re.compile(r"([a-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")  # January 15, 2025: English (US) long date
_WEEKDAY = re.compile(r"([a-z']+),\s*(.+)")  # Rabu, 15 Januari 2025: a long date with its day of the week
WEEKDAYS = {name: number for number, names in enumerate((
    ("senin", "monday"), ("selasa", "tuesday"), ("rabu", "wednesday"), ("kamis", "thursday"),
    ("jumat", "jum'at", "friday"), ("sabtu", "saturday"), ("minggu", "ahad", "sunday"))) for name in names}
# a formula's error shown in its cell (Excel, LibreOffice): never a value (a name pulled by VLOOKUP: "#N/A")
FORMULA_ERROR = re.compile(r"#(?:NULL!|DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|GETTING_DATA|SPILL!|CALC!|FIELD!|BLOCKED!|"
                           r"CONNECT!|BUSY!|UNKNOWN!)|Err:\d{3}", re.IGNORECASE)
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")  # a date cell exported as its Excel serial number
MONTHS = {name: number for number, names in enumerate((
    ("januari", "january", "jan"), ("februari", "pebruari", "february", "feb", "peb"), ("maret", "march", "mar"),
    ("april", "apr"), ("mei", "may"), ("juni", "june", "jun"), ("juli", "july", "jul"),
    ("agustus", "august", "agu", "agt", "ags", "agus", "aug"), ("september", "sep", "sept"),
    ("oktober", "october", "okt", "oct"), ("november", "nopember", "nov", "nop"),
    ("desember", "december", "des", "dec")), start=1) for name in names}
MAC_1904_DAYS = 1462  # from 1900's serial epoch to 1904's (a workbook saved by old Mac Excel: xlsx.Int1904)
EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 is 1900-01-01 in Excel's (1900) date system, with its phantom 29 Feb 1900
SERIAL_DATES = (date(2000, 1, 1), date(2100, 1, 1))  # serials read as dates: a child's, not a stray small number
_WITH_UNIT = re.compile(r"(.*?\d)\s*([a-z]+)\.?")  # "12,5 kg", "65cm", "3200 gr"
_PLAIN_NUMBER = re.compile(r"[+-]?\d*[.,]?\d+")  # one separator at most: the decimal one
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?P<group>[., ])\d{3}(?:(?P=group)\d{3})*(?:(?P<decimal>[.,])\d+)?")
_SCIENTIFIC = re.compile(r"^\d+([.,]\d+)?[eE]\+?\d+$")
_LOST_ZERO_PHONE = re.compile(r"8\d{7,12}", re.ASCII)  # 08… (validators.PHONE_RE) without its 0


@dataclass
class ParsedRow:
    child: dict[str, Any] = field(default_factory=dict)
    visit: dict[str, Any] | None = None
    posyandu: str | None = None
    not_duplicate: bool = False
    errors: dict[str, list[Any]] = field(default_factory=dict)


def _key(value: Any) -> str:
    return re.sub(r"[^a-z]+", "_", str(value).lower()).strip("_")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet number: 8123 not 8123.0
    text = " ".join(str(value).split())
    return text or None


NOT_A_DATE = Msg("not a date: use DD/MM/YYYY (day first), YYYY-MM-DD or 15 Januari 2025",
                 "bukan tanggal: gunakan HH/BB/TTTT (hari dulu), TTTT-BB-HH atau 15 Januari 2025")


def month_first_columns(raws: Iterable[dict[str, Any]]) -> frozenset[str]:
    """Every date column of a file where some date is written month first (01/15/2025: there is no
    15th month), else none. A spreadsheet set to English (US) writes all its dates so: its 03/05/2025
    is 5 March, which read day first would be 3 May (``_date``'s ``month_first``)."""
    for raw in raws:
        for name in DATES:
            value = raw.get(name)
            if isinstance(value, str) and (m := _DMY.fullmatch(" ".join(value.split()).lower())):
                if int(m[3]) > 12 and 1 <= int(m[1]) <= 12:
                    return frozenset(DATES)
    return frozenset()


def refuse_excel_month_first(rows: Iterable[tuple[int, dict[str, Any]]], headers: dict[str, str]) -> None:
    """Refuse a workbook whose dates Excel read month first (Windows or Excel set to English (US)): in one
    date column, a text date that reads day first only (13/04/2025: no 13th month), which Excel left text,
    beside date cells, which it made of dates typed day first read month first (03/04/2025 became 4 March).
    Excel set to a day-first language makes 13/04/2025 a date cell too. Those date cells carry no trace of
    what was typed: imported, a child was stored born 4 March for 3 April, and row by row nothing tells
    which cells were swapped, so the file is refused (``reader.FileError``) saying how to type them again.
    A column all date cells, or all text, shows nothing of the kind (nor a CSV, whose dates are all text).
    Evidence only: a text date written with "/" or "-" (one typed with dots, 16.01.2025, stays text in
    Excel in any language: no sign of English (US)), and a date cell that could have been swapped, of day
    12 or less and another than its month (20 Feb 2025 would have been typed 02/20/2025; 5 May reads alike
    either way), the one cited."""
    texts: dict[str, tuple[int, str]] = {}
    cells: dict[str, tuple[int, date]] = {}
    for number, raw in rows:
        for key in DATES:
            value = raw.get(key)
            if isinstance(value, date) and key not in cells:
                day = value.date() if isinstance(value, datetime) else value
                if day.day <= 12 and day.day != day.month:
                    cells[key] = (number, day)
            elif (isinstance(value, str) and key not in texts
                  and (m := _DMY.fullmatch(" ".join(value.split()).lower())) and m[2] in "/-"
                  and int(m[1]) > 12 >= int(m[3])):
                with contextlib.suppress(ValidationError):
                    _date(value)  # a date day first (31/02 is none)
                    texts[key] = (number, " ".join(value.split()))
        if name := next((n for n in DATES if n in texts and n in cells), None):
            break
    else:
        return
    column = headers.get(name) or TITLES.get(name, name)
    (row, text), (cell_row, cell) = texts[name], cells[name]
    typed = f"{cell.month:02}/{cell.day:02}/{cell.year}"  # what was typed day first, read month first
    shown = {lang: date_text(cell, lang) for lang in ("en", "id")}
    raise FileError(Msg(
        f"the dates of column {column} were read month first by Excel (Windows or Excel set to English (US)): row "
        f"{row} holds {text} as text (no month 13 or more: Excel could not read it month first), row {cell_row} the "
        f"date {shown['en']} (typed {typed}?); imported, days and months would be swapped. Format the column as "
        "text and type the dates again (DD/MM/YYYY), or set Windows or Excel to Indonesian and type them again",
        f"tanggal di kolom {column} dibaca Excel bulan dulu (Windows atau Excel berbahasa Inggris (AS)): baris {row} "
        f"berisi {text} sebagai teks (tidak ada bulan ke-13 atau lebih: Excel tidak dapat membacanya bulan dulu), "
        f"baris {cell_row} tanggal {shown['id']} (diketik {typed}?); jika diimpor, hari dan bulan akan tertukar. "
        "Format kolom sebagai teks lalu ketik ulang tanggalnya (HH/BB/TTTT), atau atur Windows atau Excel ke bahasa "
        "Indonesia lalu ketik ulang"))


def _date(value: Any, month_first: bool = False) -> str:
    """A date cell, an Excel serial (a date cell saved as a plain number, or exported to CSV as one),
    DD/MM/YYYY or DD/MM/YY (day first: 01/02/2025 is 1 February), YYYY-MM-DD, or a written date with an
    Indonesian or English month ("15 Januari 2025", "15-Agt-25", "January 15, 2025"), also after its
    day of the week (a long date cell exported to CSV: "Rabu, 15 Januari 2025"). Never guessed: a month-first date
    (01/15/2025) and a 2-digit year that would be in the future are refused with the reason."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _serial(value + (MAC_1904_DAYS if isinstance(value, (Int1904, Float1904)) else 0))
    text = " ".join(str(value).split()).lower()
    if _SERIAL.fullmatch(text):
        return _serial(float(text))
    if found := _YMD.fullmatch(text):
        return _ymd(int(found[1]), int(found[3]), int(found[4]))
    if found := _DMY.fullmatch(text):
        day, month, year = int(found[1]), int(found[3]), found[4]
        if month > 12 and 1 <= day <= 12:
            raise ValidationError(Msg(
                f"{value} is written month first (MM/DD/YYYY: a spreadsheet set to English (US)?); dates are "
                "read day first (DD/MM/YYYY): correct the date, or set the spreadsheet to Indonesian",
                f"{value} tertulis bulan dulu (BB/HH/TTTT: lembar kerja berbahasa Inggris (AS)?); tanggal dibaca "
                "hari dulu (HH/BB/TTTT): perbaiki tanggalnya, atau atur lembar kerja ke bahasa Indonesia"))
        if month_first and day <= 12 and day != month:  # either way a date: not guessed
            raise ValidationError(Msg(
                f"{value} may be month first: other dates of this file are (MM/DD/YYYY); write the dates day "
                "first (DD/MM/YYYY), or set the spreadsheet to Indonesian",
                f"{value} mungkin tertulis bulan dulu: tanggal lain di berkas ini begitu (BB/HH/TTTT); tulis tanggal "
                "hari dulu (HH/BB/TTTT), atau atur lembar kerja ke bahasa Indonesia"))
        return _ymd(_year(year, value), month, day)
    if (found := _WRITTEN.fullmatch(text)) and found[2] in MONTHS:
        return _ymd(_year(found[3], value), MONTHS[found[2]], int(found[1]))
    if (found := _MONTH_FIRST.fullmatch(text)) and found[1] in MONTHS:  # the month a word: not ambiguous
        return _ymd(int(found[3]), MONTHS[found[1]], int(found[2]))
    if (found := _WEEKDAY.fullmatch(text)) and found[1] in WEEKDAYS:
        day = _date(found[2])
        if date.fromisoformat(day).weekday() != WEEKDAYS[found[1]]:  # a typo in the date or the day
            shown = {lang: date_text(date.fromisoformat(day), lang) for lang in ("en", "id")}
            weekday = str(value).split(",")[0].strip()
            raise ValidationError(Msg(f"{shown['en']} was not a {weekday}: correct the date",
                                      f"{shown['id']} bukan hari {weekday}: perbaiki tanggalnya"))
        return day
    raise ValidationError(NOT_A_DATE)


def _ymd(year: int, month: int, day: int) -> str:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        raise ValidationError(NOT_A_DATE) from None


def _year(digits: str, value: Any) -> int:
    """A 2-digit year is 20YY (a child under five, a visit this century); one that would be in the
    future is not guessed to be 19YY."""
    if len(digits) == 4:
        return int(digits)
    year = 2000 + int(digits)
    if year > today().year:
        raise ValidationError(Msg(f"{value}: write the year in 4 digits", f"{value}: tulis tahun dengan 4 digit"))
    return year


def _serial(number: float) -> str:
    """An Excel serial date (days since 30 Dec 1899; a fraction is the time of day), taken only
    when it is a date of 2000-2099: a small number in a date column is no date."""
    low, high = ((d - EXCEL_EPOCH).days for d in SERIAL_DATES)
    if not low <= number < high:  # NaN and infinity too
        raise ValidationError(NOT_A_DATE)
    return (EXCEL_EPOCH + timedelta(days=int(number))).isoformat()


def _number(name: str, value: Any, grams: bool = False) -> float:
    """A measurement in the column's unit (kg or cm), the unit itself allowed after it ("12,5 kg").
    A single "," or "." is the decimal separator: "3.200" and "3,200" are 3.2 kg, whether meant as kg
    or as grams with a thousands dot (3 200 g), never 3200 kg. A number grouped in thousands ("1.234,5",
    "1,234.5", "1 234") is read as written, so the column's range refuses it (as grams, in a kg column).
    Anything else ("12 5", "1,2,3", another unit) is refused, never guessed. ``grams``: a weight in a
    column headed in grams (``reader.in_grams``), read in grams and given in kg (3200: 3.2); there a
    single "." or "," before three digits groups thousands ("3.200", "3,200": 3200 g; grams are whole),
    and a number under 100 ("3,2", "3.25") is refused as kilograms, as is a cell saying kg."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _in_kg(float(value)) if grams else float(value)
    unit = "g" if grams else name.rsplit("_", 1)[-1]
    shown = {"en": "grams", "id": "gram"} if grams else {"en": unit, "id": unit}
    text = " ".join(str(value).split()).lower()
    if found := _WITH_UNIT.fullmatch(text):
        text, given = found.groups()
        if given != unit and not (grams and given in GRAM_UNITS):
            raise ValidationError(Msg(f"write the value in {shown['en']} ({given} is another unit)",
                                      f"tulis nilainya dalam {shown['id']} ({given} satuan lain)"))
    grouped = _GROUPED_NUMBER.fullmatch(text)
    if grams and grouped and not grouped["decimal"]:
        return _in_kg(float(text.replace(grouped["group"], "")))
    if _PLAIN_NUMBER.fullmatch(text):
        number = float(text.replace(",", "."))
    elif grouped and grouped["decimal"] != grouped["group"]:
        number = float(text.replace(grouped["group"], "").replace(",", "."))
    else:
        example = {"en": "3200", "id": "3200"} if grams else {"en": "12,5 or 12.5", "id": "12,5 atau 12.5"}
        raise ValidationError(Msg(f"not a number: write it as {example['en']} (in {shown['en']})",
                                  f"bukan angka: tulis seperti {example['id']} (dalam {shown['id']})"))
    return _in_kg(number) if grams else number


def _in_kg(grams: float) -> float:
    """A weight in grams as kg; under 100 g it is no child's weight but one written in kg (3,2)."""
    if 0 < grams < 100:
        raise ValidationError(Msg(
            f"the column is in grams (its header says so) and {grams:g} looks like kilograms: write it in grams "
            f"({grams * 1000:g}), or head the column in kg",
            f"kolom ini dalam gram (menurut judul kolomnya) dan {decimal_comma(grams)} tampaknya dalam kg: tulis "
            f"dalam gram ({grams * 1000:g}), atau beri judul kolom dalam kg"))
    return grams / 1000


def _nik(value: Any) -> str:
    if isinstance(value, float) and not value.is_integer():
        value = str(value)
    text = _text(value) or ""
    if _SCIENTIFIC.match(text):
        raise ValidationError(Msg("the spreadsheet turned the NIK into a number (e.g. 3.5E+15); store NIK as text",
                                  "NIK berubah menjadi angka di lembar kerja (mis. 3,5E+15); simpan NIK sebagai teks"))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and len(text) == 16 and text.endswith("0"):
        # Excel keeps 15 significant digits: 3525015501250001 typed in a number cell is stored ...0000
        raise ValidationError(Msg(
            "the NIK is a number cell, and Excel keeps only 15 digits of a number: its last digit may have "
            "become 0; store NIK as text and type it again",
            "NIK tersimpan sebagai angka, dan Excel hanya menyimpan 15 digit angka: digit terakhirnya mungkin "
            "berubah menjadi 0; simpan NIK sebagai teks lalu ketik ulang"))
    # written in groups (as on the KTP) its digits are the NIK, as the API reads it; anything else is
    # judged as written (``validators.nik``: "must be exactly 16 digits")
    return nik_digits(text)


def _phone(value: Any) -> str | None:
    """A mobile number whose leading 0 the spreadsheet dropped (a number cell: 81234567890) gets it back."""
    text = _text(value)
    return f"0{text}" if text and _LOST_ZERO_PHONE.fullmatch(text) else text


def _flag(name: str, value: Any) -> bool:
    """Ya/tidak, ada/tidak ada, punya/tidak punya, 1/0 (a number cell too), a tick (√) or "+" (yes), a dash
    ("-", "—": no): a blank is the default, and anything else is refused (never read as the default:
    oedema "1" is oedema)."""
    if isinstance(value, bool):
        return value
    raw = (_text(value) or "").lower()
    if raw == "":
        return FLAGS[name]
    if raw in YES or _key(raw) in YES:
        return True
    if raw in NO or _key(raw) in NO or is_dash(raw):
        return False
    raise ValidationError(Msg("must be ya or tidak", "harus ya atau tidak"))


def _clean(name: str, value: Any, month_first: frozenset[str] = frozenset(), grams: tuple[str, ...] = ()) -> Any:
    if isinstance(value, str) and name in CODED:
        # a zero-width space or joiner, a BOM, pasted from a chat into a weight, a date, a NIK or a phone: no
        # character of it ("6,1" that looked so was "not a number")
        value = "".join(ch for ch in value if unicodedata.category(ch) != "Cf")
    if name in TEXT_COLUMNS and isinstance(value, str):
        # the apostrophe that keeps digits text in a spreadsheet ('3525..., '0812..., '002), written into the
        # cell (one already formatted as text in LibreOffice, as the template's are; a CSV typed by hand): a
        # NIK was refused as not 16 digits, though this very refusal says to store NIK as text, a phone as no
        # mobile number, an RT kept as "'002"
        value = (_text(value) or "").removeprefix("'")
    if name in DATES:
        return _date(value, name in month_first)
    if name in NUMBERS:
        return _number(name, value, name in grams)
    if name in ("nik", "mother_nik"):
        return _nik(value)
    if name in FLAGS:
        return _flag(name, value)
    if name == "guardian_phone":
        return _phone(value)
    if name == "sex":
        if _key(value) not in SEXES:
            raise ValidationError(Msg("must be L or P", "harus L atau P"))
        return SEXES[_key(value)]
    if name == "position":
        if _key(value) not in POSITIONS:
            raise ValidationError(Msg("must be berbaring or berdiri", "harus berbaring atau berdiri"))
        return POSITIONS[_key(value)]
    return _text(value)


def _load(schema: Any, data: dict[str, Any], errors: dict[str, list[Any]]) -> dict[str, Any]:
    try:
        return schema.load(data)
    except ValidationError as exc:
        for key, messages in exc.messages.items():
            errors.setdefault(key, []).extend(messages if isinstance(messages, list) else [messages])
        return {}


@functools.cache
def _child_schema(already: tuple[str, ...]) -> ChildSchema:
    """The child's schema, without the fields refused already: made once for each such set (a
    schema's making copies its fields: most of a row's time when made per row)."""
    return ChildSchema(partial=("posyandu_id", *already))


@functools.cache
def _visit_schema() -> MeasurementSchema:
    return MeasurementSchema(only=VISIT_FIELDS)


# a register's totals line under its table, by the word in its name cell, or in the No column left of a blank
# name (``reader.LABEL``: "JUMLAH" merged over No to Nama): "Jumlah", "TOTAL", "Jumlah Balita"
_TOTALS = re.compile(r"(sub_?|grand_)?(jumlah|jml|total)(_(total|balita|anak|seluruhnya|keseluruhan))?")


def _totals_label(raw: dict[str, Any]) -> str | None:
    """The totals word of a row ("Jumlah"), in its name cell or, that blank or a count (the children the
    table lists), left of it (``reader.LABEL``)."""
    name = raw.get("name")
    if _blank_cell(name) or is_count(name):
        name = raw.get(LABEL)
    return name if isinstance(name, str) and _TOTALS.fullmatch(_key(name)) else None


def _totals_name(raw: dict[str, Any]) -> bool:
    return _totals_label(raw) is not None


def _blank_cell(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _same_date(value: Any) -> Any:
    """A date cell as compared with the table's (``table_dates``): a text without its outer spaces."""
    return value.strip() if isinstance(value, str) else value


def table_dates(raws: Iterable[dict[str, Any]]) -> frozenset[Any]:
    """The visit dates (``measured_on`` cells, as read) of the rows not named as a totals line: a totals
    line holding one of them in its date cell holds the table's date merged down over it (``totals_row``)."""
    out = set()
    for raw in raws:
        value = raw.get("measured_on")
        if not _totals_name(raw) and not _blank_cell(value) and not isinstance(value, tuple):
            out.add(_same_date(value))
    return frozenset(out)


def _sex_count(value: Any) -> bool:
    """A totals line's count in the sex column: "12", "L: 12", "P=10", "L 12 / P 10", "12 L"; never a sex
    (L, P, laki-laki) nor 1 or 2 (sex as a number: 1 male, 2 female, as BPS codes it)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value not in (1, 2)
    text = value.strip().lower() if isinstance(value, str) else ""
    words = re.findall(r"[a-z][a-z-]*", text)
    return (bool(re.search(r"\d", text)) and text not in ("1", "2") and all(_key(w) in SEXES for w in words)
            and bool(re.fullmatch(r"[\d\s:=,;/&+.()-]*", re.sub(r"[a-z][a-z-]*", " ", text))))


def _a_date(value: Any) -> bool:
    """Whether a cell reads as a date (``_date``)."""
    try:
        _date(value)
    except ValidationError:
        return False
    return True


def totals_row(raw: dict[str, Any], dates: frozenset[Any] = frozenset()) -> bool:
    """Whether a row is a register's totals line ("Jumlah" or "Total" in its name cell, or, that blank, left
    of it: in the No column, or merged over No to Nama, ``reader.LABEL``; no birth date, its sex cell empty
    or a count ("L: 12", ``_sex_count``), every other cell read a number, a percentage or empty, the
    posyandu's aside, and its visit date empty, one of the table's ``dates`` (a date merged down the
    table, ``table_dates``) or any date (the register's closing date, "30/11/2026")): no child,
    skipped by the import saying so (``skipped_totals``), not refused as a child whose sex and birth
    date are missing. A row giving a sex (L, P, laki-laki, or 1/2) or a birth date is a child's,
    whatever her name."""
    if not _totals_name(raw) or not _blank_cell(raw.get("birth_date")):
        return False

    def count(value: Any) -> bool:
        if isinstance(value, tuple):  # reader.Differing
            return all(count(v) for v in value)
        return (value is None or (isinstance(value, (int, float)) and not isinstance(value, bool))
                or (isinstance(value, str) and (not value.strip() or bool(COUNT.fullmatch(value.strip())))))

    def cell(key: str, value: Any) -> bool:
        if key == "sex":
            return _blank_cell(value) or _sex_count(value)
        if key == "measured_on" and not isinstance(value, tuple) and not _blank_cell(value):
            return _same_date(value) in dates or _a_date(value)
        return count(value)

    return all(cell(key, value) for key, value in raw.items()
               if key not in ("name", "posyandu") and not key.startswith("_"))


def skipped_totals(raw: dict[str, Any]) -> Msg:
    """Why a totals line (``totals_row``) is skipped."""
    name = " ".join(str(_totals_label(raw)).split())
    return Msg(f"skipped: a totals line (\"{name}\"), no child", f"dilewati: baris jumlah (\"{name}\"), bukan anak")


def _position_of_column(by_column: tuple[str, str], cleaned: dict[str, Any], errors: dict[str, list[Any]]) -> None:
    """The position of a length/height read from a PB or a TB column (``reader.POSITION_BY_COLUMN``):
    the position cell's when it agrees, else the row is refused on it. Unknown, the position is taken
    as the age calls for: a standing height under two years lost WHO's 0.7 cm (a lying length over two
    years gained it)."""
    column, position = by_column
    given = cleaned.setdefault("position", position)
    if given != position:
        words = {"lying": ("lying", "berbaring"), "standing": ("standing", "berdiri")}
        errors["position"] = [Msg(
            f"the position says {words[given][0]} but the length/height is in the column {column} "
            f"({words[position][0]}): correct one of them",
            f"posisi {words[given][1]} tetapi panjang/tinggi ada di kolom {column} ({words[position][1]}): "
            "perbaiki salah satunya")]
        del cleaned["position"]


def _one_weight(name: str, values: tuple[Any, ...]) -> float | None:
    """The weight a row's columns of one weight give (``reader.Differing``), each read in its column's
    unit ("BB (kg)" 3,2 and "BB (gram)" 3200: 3.2 kg), when they agree to the gram; else None (refused
    naming the values). Of a kg and a grams column, a cell plainly in the other column's unit is read in
    it (``_weight_cell``: "3,2" in both is 3.2 kg, "3200" in both 3.2 kg), and cells that then differ are
    refused naming both columns and what each was read as."""
    if name not in WEIGHTS:
        return None
    grams = getattr(values, "grams", ()) or (False,) * len(values)
    mixed = len(set(grams)) > 1
    try:
        read = [round(_weight_cell(name, v, g, mixed), 3) for v, g in zip(values, grams)]
    except ValidationError:
        return None
    if len(set(read)) == 1:
        return read[0]
    if not mixed:
        return None
    columns = getattr(values, "columns", ()) or tuple("(gram)" if g else "(kg)" for g in grams)
    each = {lang: ", ".join(f"{_text(v)} {word} {f(kg)} kg" for v, kg in zip(values, read))
            for lang, word, f in (("en", "is", "{:g}".format), ("id", "adalah", decimal_comma))}
    raise ValidationError(Msg(
        f"the weight differs between the columns {' and '.join(columns)}: {each['en']}; correct one, or keep one "
        "column",
        f"berat berbeda antara kolom {' dan '.join(columns)}: {each['id']}; perbaiki salah satunya, atau pakai satu "
        "kolom saja"))


def _weight_cell(name: str, value: Any, grams: bool, mixed: bool) -> float:
    """A weight cell in kg, read in its column's unit (``grams``). Of a row with a kg and a grams column
    (``mixed``), a cell plainly in the other unit is read in it: in a grams column a number under 100 is
    kilograms (alone it is refused as such, ``_in_kg``), in a kg column one of 100 or more is grams
    (alone refused as "looks like grams", domain.md's birth weights in grams in a kilogram column), so the
    two cells agree or are refused naming both; a cell with no other column is never read so."""
    if not mixed:
        return _number(name, value, grams)
    if grams:
        try:
            return _number(name, value, grams=True)
        except ValidationError:
            if 0 < (kg := _number(name, value)) < 100:  # raises when no number in kg either
                return kg
            raise
    kg = _number(name, value)
    return _number(name, value, grams=True) if kg >= 100 else kg


def parse_row(raw: dict[str, Any], month_first: frozenset[str] = frozenset()) -> ParsedRow:
    """Clean and validate one row (every problem of the row is collected); ``month_first``: the file's
    date columns written month first (``month_first_columns``)."""
    out, cleaned = ParsedRow(), {}
    if BEYOND in raw or POSITION_BY_COLUMN in raw or UNREAD in raw or GRAMS in raw or LABEL in raw or MERGED in raw:
        raw = dict(raw)
    raw.pop(LABEL, None)  # the text left of a blank name: a totals line's only (``totals_row``)
    merged = raw.pop(MERGED, ())
    by_column = raw.pop(POSITION_BY_COLUMN, None)
    unread = raw.pop(UNREAD, ())
    grams = raw.pop(GRAMS, ())
    if BEYOND in raw:
        last, extra, delimiter = raw.pop(BEYOND)
        shown = "; ".join(extra)
        more = {"en": f"the row has {len(extra)} more {'cell' if len(extra) == 1 else 'cells'} than the header ({shown})",
                "id": f"baris ini punya {len(extra)} sel lebih banyak dari judul kolom ({shown})"}
        # split by a comma: most often a decimal comma; by a ";" or a tab, that character typed in a cell
        out.errors[last] = [Msg(
            f"{more['en']}: a number with a decimal comma (7,2) in a comma-separated file? Write 7.2, put it in "
            "quotes, or save the file separated by semicolons",
            f"{more['id']}: angka dengan koma desimal (7,2) di berkas yang dipisah koma? Tulis 7.2, beri tanda kutip, "
            "atau simpan berkas dipisah titik koma") if delimiter in (",", None) else Msg(
            f"{more['en']}: a cell holding the file's separator ({'a tab' if delimiter == chr(9) else repr(delimiter)}, "
            "in a name, an address or a note)? Remove it from that cell, or put the cell in quotes",
            f"{more['id']}: ada sel berisi pemisah berkas ({'tab' if delimiter == chr(9) else repr(delimiter)}, di nama, "
            "alamat atau catatan)? Hapus dari sel itu, atau beri tanda kutip pada selnya")]
    # NUL or a lone surrogate cannot be stored (PostgreSQL refused the whole file naming no row): the cell
    # is refused as the API refuses such text
    unstorable = unstorable_text({k: v for k, v in raw.items() if isinstance(v, (str, tuple))})
    for name in unstorable:
        out.errors[name] = [UNSTORABLE]
    for name, value in raw.items():
        if (value in (None, "") and name not in FLAGS) or name in unstorable:
            continue
        if isinstance(value, str) and FORMULA_ERROR.fullmatch(value.strip()):
            out.errors.setdefault(name, []).append(Msg(
                f"the cell shows a formula error ({value.strip()}), not a value: correct the formula in the "
                "spreadsheet, or type the value",
                f"sel berisi galat rumus ({value.strip()}), bukan nilai: perbaiki rumusnya di lembar kerja, "
                "atau ketik nilainya"))
            continue
        if isinstance(value, UncalculatedFormula):
            out.errors.setdefault(name, []).append(Msg(
                f"cell {value.cell} holds a formula ({value}) saved without its value: open the file in Excel or "
                "LibreOffice and save it again (or type the value)",
                f"sel {value.cell} berisi rumus ({value}) yang tersimpan tanpa nilainya: buka berkas di Excel atau "
                "LibreOffice lalu simpan lagi (atau ketik nilainya)"))
            continue
        if isinstance(value, NotADate):  # openpyxl read it "#VALUE!": no formula's error
            out.errors.setdefault(name, []).append(Msg(
                f"cell {value.cell} is formatted as a date but holds the number {value}, which is no date (a phone "
                "number or a NIK in this column?): type " + ("the date (DD/MM/YYYY)" if name in DATES else "the value"),
                f"sel {value.cell} berformat tanggal tetapi berisi angka {value}, yang bukan tanggal (nomor HP atau "
                "NIK di kolom ini?): ketik " + ("tanggalnya (HH/BB/TTTT)" if name in DATES else "nilainya")))
            continue
        if isinstance(value, tuple):
            try:
                weight = _one_weight(name, value)
            except ValidationError as exc:  # a kg and a grams column disagree: both named
                out.errors.setdefault(name, []).extend(exc.messages)
                continue
            if weight is not None:
                cleaned[name] = weight  # "BB (kg)" 3,2 and "BB (gram)" 3200: one weight
                continue
            # reader.Differing: two columns of this meaning disagree
            shown = " / ".join(str(_text(v)) for v in value)
            out.errors.setdefault(name, []).append(Msg(
                f"two columns of the same meaning give different values ({shown}): keep one",
                f"dua kolom yang sama artinya berisi nilai berbeda ({shown}): pakai satu saja"))
            continue
        try:
            cleaned[name] = _clean(name, value, month_first, grams)
        except ValidationError as exc:
            out.errors.setdefault(name, []).extend(exc.messages)
    if by_column and "length_height_cm" in cleaned and "position" not in out.errors:
        _position_of_column(by_column, cleaned, out.errors)
    out.posyandu = None if "posyandu" in unstorable or "posyandu" in out.errors else _text(raw.get("posyandu"))
    out.not_duplicate = bool(cleaned.pop("not_duplicate", False))
    child = {k: cleaned[k] for k in CHILD_FIELDS if k in cleaned and k not in out.errors}
    already = tuple(k for k in CHILD_FIELDS if k in out.errors)  # one message per field is enough
    out.child = _load(_child_schema(already), child, out.errors)
    # judged against a birth date and sex the row holds (one refused above is named already)
    if out.child.get("nik") and {"birth_date", "sex"} <= out.child.keys() and (
            wrong := nik_birth_mismatch(out.child["nik"], out.child["birth_date"], out.child["sex"])):
        out.errors["nik"] = [wrong]
    visit = {k: cleaned[k] for k in VISIT_FIELDS if k in cleaned and k not in out.errors and k != "oedema"}
    if ("measured_on" in merged and set(visit) == {"measured_on"} and not cleaned.get("oedema") and not unread
            and not any(k in out.errors for k in VISIT_FIELDS)):
        # the session's date merged down the date column, and nothing of this child measured: she was absent
        # (in S, not in D), registered without a visit; a date typed on the row itself with nothing measured
        # is a weight forgotten, refused below
        visit = {}
    if visit:
        visit["oedema"] = cleaned.get("oedema", False)
        if "measured_on" not in visit and "measured_on" not in out.errors:
            out.errors["measured_on"] = [Msg("a visit needs its date", "kunjungan harus ada tanggalnya")]
        if "measured_on" in visit and unread and not any(k in visit or k in out.errors for k in MEASURED):
            # a register's line of a dose, or vitamin A, dated: nothing of it is imported, and no weighing
            shown = ", ".join(unread)
            out.errors["weight_kg"] = [Msg(
                f"enter at least the weight or a length/height: of this visit the row gives only {shown}, not "
                "imported (immunisation doses and vitamin A are recorded in the app); if the row is no weighing, "
                "remove it, or import the valid rows only",
                f"isi minimal berat atau panjang/tinggi badan: dari kunjungan ini baris hanya berisi {shown}, yang "
                "tidak diimpor (imunisasi dan vitamin A dicatat di aplikasi); jika baris ini bukan penimbangan, "
                "hapus barisnya, atau impor baris yang benar saja")]
            out.visit = None
        elif "measured_on" in visit:  # a value refused above is named once, not again as missing
            found: dict[str, list[Any]] = {}
            out.visit = _load(_visit_schema(), visit, found)
            for key, messages in found.items():
                if key not in out.errors or key not in VISIT_FIELDS:
                    out.errors.setdefault(key, []).extend(messages)
        else:
            out.visit = None
    for name in grams:  # refused by its range in kg, of a value the file wrote in grams: both said
        if name in cleaned and name in out.errors:
            kg = cleaned[name]
            out.errors[name].append(Msg(f"the column is in grams (its header says so): {kg * 1000:g} g is {kg:g} kg",
                                        f"kolom ini dalam gram (menurut judul kolomnya): {kg * 1000:g} g adalah "
                                        f"{decimal_comma(kg)} kg"))
    if not out.posyandu and "posyandu" not in out.errors:
        out.errors.setdefault("posyandu", []).append(REQUIRED)
    return out


def within_limit(rows: Iterable[tuple[int, dict[str, Any]]], limit: int) -> tuple[list[tuple[int, dict[str, Any]]], int]:
    """The file's rows up to its ``limit``-th row that is no totals line (``totals_row``), column numbers
    (``_column_numbers``) nor a line giving no child (``_no_child``), and how many of its rows are none of
    those, counted to its end: an upload's row limit counts children's rows, not a register's totals line
    (3,000 visits and their "Jumlah" were refused as 3,001 rows)."""
    kept: list[tuple[int, dict[str, Any]]] = []
    counted = 0
    for number, raw in rows:
        counted += not totals_row(raw) and not _column_numbers(raw) and not _no_child(raw)
        if counted <= limit:
            kept.append((number, raw))
    return kept, counted


_COLUMN_NUMBER = re.compile(r"[(\[]?(\d{1,3})[)\].]?")  # a register's printed column number: "(1)", "[2]", "3", "4."
# the signature block under a register's table: a role ("Kader Posyandu", "Mengetahui,", "Kepala Puskesmas X")
_ROLE = re.compile(r"(mengetahui|menyetujui|dibuat_oleh|yang_membuat|pelapor|petugas|kader|kader_posyandu|tpg"
                   r"|nutrisionis|(ketua|kepala|bidan|koordinator|sekretaris|penanggung_jawab|pj)(_[a-z]+)*)")
_PLACE_DATE = re.compile(r"([^\d,]*[a-zA-Z][^\d,]*),\s*(.+)")  # "Wringinanom, 31 Agustus 2025"
CHILD_MARKS = ("sex", "birth_date", "nik", "measured_on")  # a child's line gives one of these
CONTEXT = ("posyandu", "measured_on")  # a line's setting, not its child: copied down a register's unused lines


def _cells(raw: dict[str, Any]) -> list[tuple[str, Any]]:
    """A row's filled cells read, as (our column, value), in column order (two columns of one meaning each)."""
    return [(key, v) for key, value in raw.items() if not key.startswith("_")
            for v in (value if isinstance(value, tuple) else (value,)) if not _blank_cell(v)]


def _no_child(raw: dict[str, Any]) -> bool:
    """Whether a line gives nothing of a child: its cells only the posyandu or the visit date (``CONTEXT``,
    copied down a register's unused lines, not merged: a merged one is no line's own, ``reader._rows``), or a
    yes/no saying no (an unticked checkbox, FALSE, "tidak"); no dose (``reader.UNREAD``). It was refused as a
    child without a name, sex or birth date, though the same line with the posyandu merged down was blank."""
    cells = _cells(raw)
    return bool(cells) and UNREAD not in raw and all(key in CONTEXT or (key in FLAGS and _says_no(key, value))
                                                     for key, value in cells)


def _says_no(name: str, value: Any) -> bool:
    try:
        return _flag(name, value) is False
    except ValidationError:
        return False


def _shown(value: Any, lang: str) -> str:
    """A cell as a skipped line's reason shows it: a date as the messages write dates, a checkbox's FALSE."""
    if isinstance(value, bool):
        return str(value).upper()
    if isinstance(value, date):
        return date_text(value.date() if isinstance(value, datetime) else value, lang)
    return str(_text(value))


def _column_numbers(raw: dict[str, Any]) -> bool:
    """Whether a row is the header's printed column numbers ("(1)" … "(17)", or 1 2 3 … 17): three cells
    or more, each a column number, every one another."""
    numbers = []
    for _, value in _cells(raw):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
            numbers.append(int(value))
        elif isinstance(value, str) and (found := _COLUMN_NUMBER.fullmatch(value.strip())):
            numbers.append(int(found[1]))
        else:
            return False
    return len(numbers) >= 3 and len(set(numbers)) == len(numbers) and 0 not in numbers


def _signature_text(value: Any) -> bool:
    """A role ("Kader Posyandu", "Mengetahui,") or a place and date ("Wringinanom, 31 Agustus 2025")."""
    if not isinstance(value, str):
        return False
    text = " ".join(value.split())
    place = _PLACE_DATE.fullmatch(text)
    return bool(_ROLE.fullmatch(_key(text))) or bool(
        place and _key(place[1]) not in WEEKDAYS and _a_date(place[2]))


NAME_SHOWN = 100  # characters of a refused row's name told back


def row_name(raw: dict[str, Any]) -> str | None:
    """The name a row gives its child, as the file writes it (spaces collapsed, cut at ``NAME_SHOWN``;
    what cannot be written as JSON, NUL or a lone surrogate, replaced): named with the row refused, so
    the clerk finds her in the register by the child, not by counting rows."""
    value = raw.get("name")
    if not isinstance(value, str):
        return None
    text = _text(UNSTORABLE_RE.sub("\ufffd", value))
    return text[:NAME_SHOWN] if text else None


def skipped_rows(rows: Iterable[tuple[int, dict[str, Any]]]) -> list[dict[str, Any]]:
    """The rows that are no child's, each as {"row", "reason"}: a register's totals line (``totals_row``),
    the header's printed column numbers (``_column_numbers``), a line giving no child (``_no_child``: the
    posyandu copied down its unused lines, an unticked checkbox) and the signature block under the table: a
    line giving no sex, birth date, NIK nor visit date whose every text is a role or a place and date
    ("Wringinanom, 31 Agustus 2025", "Kader Posyandu"), and under it, to the file's end, lines of text
    in those lines' columns only (the signer's name, her NIP). A name alone elsewhere is a child's line
    whose details are missing: refused as such, not skipped."""
    rows = list(rows)
    dates = table_dates(raw for _, raw in rows)
    found: dict[int, Msg] = {}
    signed: set[str] = set()  # the columns of the signature lines above
    names: list[int] = []  # the lines of text under them: the signature's only if no child's line follows
    for number, raw in rows:
        cells = _cells(raw)
        if totals_row(raw, dates):
            found[number] = skipped_totals(raw)
        elif _column_numbers(raw):
            found[number] = Msg("skipped: the header's column numbers ((1), (2), …), no child",
                                "dilewati: baris nomor kolom ((1), (2), …), bukan anak")
        elif not cells:
            continue
        elif not any(key in CHILD_MARKS for key, _ in cells) and (
                all(_signature_text(v) for _, v in cells)
                or (signed and all(key in signed and isinstance(v, str) for key, v in cells))):
            if not all(_signature_text(v) for _, v in cells):
                names.append(number)
            signed |= {key for key, _ in cells}
            shown = "; ".join(" ".join(str(v).split()) for _, v in cells)
            found[number] = Msg(f"skipped: the signature under the table (\"{shown}\"), no child",
                                f"dilewati: tanda tangan di bawah tabel (\"{shown}\"), bukan anak")
        elif _no_child(raw):
            shown = {lang: "; ".join(_shown(v, lang) for _, v in cells) for lang in ("en", "id")}
            found[number] = Msg(
                f"skipped: the line gives no child (no name, sex, birth date, NIK nor measurement), only "
                f"\"{shown['en']}\"",
                f"dilewati: baris ini tidak berisi anak (tanpa nama, jenis kelamin, tanggal lahir, NIK maupun ukuran), "
                f"hanya \"{shown['id']}\"")
        else:  # a line of the table: the lines of text above it are its own, judged as any
            for name in names:
                del found[name]
            signed, names = set(), []
    return [{"row": number, "reason": reason} for number, reason in found.items()]
