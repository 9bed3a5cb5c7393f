"""A user-facing message in both languages, for pure modules that know nothing of the request
(``posyandu.i18n`` picks the language when it is answered)."""
from __future__ import annotations

import re
from datetime import date


class Msg(str):
    """A field message with both translations; str() is the English text."""

    id_text: str

    def __new__(cls, en: str, id_: str) -> "Msg":
        obj = super().__new__(cls, en)
        obj.id_text = id_
        return obj


_PLACEHOLDER = re.compile(r"\{(\w+)(?::([^|}]*)\|([^}]*))?\}")


def fill(template: str, values: dict[str, object]) -> str:
    """``template``'s {placeholders} filled from ``values``; an English count says its noun with
    ``{n:one|many}``, ``one`` when n is 1 ("1 day", "2 days"), as the PWA's texts do (i18n.js t())."""
    return _PLACEHOLDER.sub(lambda m: str(values[m[1]]) if m[2] is None else m[2] if str(values[m[1]]) == "1"
                            else m[3], template)


# What a one-line text (a name, an address, a reason, a code; a schedule's name, refused when it is
# published: ``immunisation.schedule.publishing_problems``) must not hold: C0 and C1 control
# characters (an ANSI escape \x1b[31m, \x01; a tab or a line break too: none of these fields is
# more than a line), and the bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
# which turn the text around it ("\u202eanA" shows as "Ana"). Stored, they travel into the CSV, XLSX
# and FHIR exports and to every phone.
CONTROL_RE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
CONTROL = Msg("must not contain control characters (a tab, a line break, an escape) or text-direction overrides "
              "(U+202A-U+202E, U+2066-U+2069)",
              "tidak boleh berisi karakter kontrol (tab, baris baru, escape) atau pengubah arah teks "
              "(U+202A-U+202E, U+2066-U+2069)")


TAKEN = Msg("already taken", "sudah dipakai")  # a value another record holds (a username, a puskesmas code)
REQUIRED = Msg("missing data for required field", "wajib diisi")  # marshmallow's own, as i18n writes both
BEFORE_BIRTH = Msg("must not be before the date of birth", "tidak boleh sebelum tanggal lahir")  # i18n.js before_birth


MONTH_NAMES = {
    "id": ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September",
           "Oktober", "November", "Desember"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"),
}


def date_text(day: date, lang: str) -> str:
    """A date in a message the way the PWA shows dates (i18n.js formatDate): "15 Agu 2024",
    "15 Aug 2024" (the month's first three letters: Jan ... Mei ... Agu Sep Okt Nov Des)."""
    return f"{day.day} {MONTH_NAMES[lang][day.month - 1][:3]} {day.year}"


def month_text(year: int, month: int, lang: str) -> str:
    """A calendar month in a message: "Agustus 2024", "August 2024" (i18n.js formatMonth)."""
    return f"{MONTH_NAMES[lang][month - 1]} {year}"

