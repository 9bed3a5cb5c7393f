"""User-facing messages in Bahasa Indonesia (default) and English."""
from __future__ import annotations

import re

from flask import Response, has_request_context, request

from posyandu.messages import Msg

__all__ = ["Msg", "lang", "title", "translate_field_message"]

LANGS = ("id", "en")
ANSWERED_IN = "posyandu.answered_in"  # the request's WSGI environ: the language its answer's words were put in

TITLES: dict[str, dict[str, str]] = {
    "validation": {"id": "Data tidak valid", "en": "Invalid data"},
    "validation_detail": {"id": "Periksa isian yang ditandai.", "en": "Check the marked fields."},
    "bad_request": {"id": "Permintaan tidak dapat dibaca", "en": "Malformed request"},
    "unauthorized": {"id": "Perlu masuk (login)", "en": "Authentication required"},
    "token_expired": {"id": "Sesi telah berakhir, silakan masuk lagi", "en": "The session has expired, log in again"},
    "token_revoked": {"id": "Sesi telah dicabut, silakan masuk lagi", "en": "The session has been revoked, log in again"},
    "account_closed": {"id": "Akun ini sudah ditutup", "en": "This account has been closed"},
    "account_inactive": {"id": "Akun ini dinonaktifkan", "en": "This account has been switched off"},
    "device_signed_out": {"id": "HP ini dikeluarkan dari akun", "en": "This phone was signed out"},
    "token_invalid": {"id": "Token tidak sah", "en": "Invalid token"},
    "bad_credentials": {"id": "Nama pengguna atau kata sandi salah", "en": "Wrong username or password"},
    "forbidden": {"id": "Anda tidak berhak melakukan tindakan ini", "en": "You may not do this"},
    "password_change_required": {"id": "Ganti kata sandi sementara Anda dulu",
                                 "en": "Change your temporary password first"},
    "not_found": {"id": "Data tidak ditemukan", "en": "Not found"},
    "method_not_allowed": {"id": "Metode tidak diizinkan", "en": "Method not allowed"},
    "conflict": {"id": "Data bertentangan dengan data yang sudah ada", "en": "Conflicts with existing data"},
    "precondition_failed": {"id": "Data sudah diubah orang lain; muat ulang", "en": "The record changed; reload it"},
    "if_match_unsupported": {"id": "If-Match tidak didukung", "en": "If-Match is not supported"},
    "record_exists": {"id": "Data sudah ada", "en": "The record exists"},
    "too_large": {"id": "Data terlalu besar", "en": "Data too large"},
    "unsupported_media_type": {"id": "Isi permintaan harus berupa JSON", "en": "The request body must be JSON"},
    "rate_limited": {"id": "Terlalu banyak percobaan, coba lagi nanti", "en": "Too many requests, try again later"},
    "unavailable": {"id": "Layanan sedang tidak tersedia", "en": "Service unavailable"},
    "server_error": {"id": "Terjadi kesalahan di server", "en": "Internal server error"},
    "invitation_invalid": {"id": "Kode undangan tidak sah atau sudah dipakai",
                           "en": "The invitation code is invalid or already used"},
    "rule_violation": {"id": "Melanggar aturan", "en": "Rule violated"},
    "child_merged": {"id": "Anak ini sudah digabungkan ke data anak lain", "en": "This child was merged into another"},
    "parents_differ": {"id": "Anak-anak ini punya akun atau kode undangan orang tua yang berbeda",
                       "en": "The children have different parent accounts or invitation codes"},
}

# marshmallow / webargs messages → Bahasa Indonesia, written as our own field messages and the PWA's
# are (lower case, no full stop: "wajib diisi"; api-contract: "must be between 0.5 and 70").
# Exact strings first, then patterns.
FIELD_MESSAGES = {
    "Missing data for required field.": "wajib diisi",
    "Field may not be null.": "tidak boleh kosong",
    "Not a valid number.": "bukan angka yang sah",
    "Not a valid integer.": "bukan bilangan bulat yang sah",
    "Not a valid string.": "bukan teks yang sah",
    "Not a valid boolean.": "bukan nilai ya/tidak yang sah",
    "Not a valid date.": "bukan tanggal yang sah (format TTTT-BB-HH)",
    "Not a valid datetime.": "bukan waktu yang sah",
    "Not a valid UUID.": "bukan UUID yang sah",
    "Unknown field.": "isian tidak dikenal",
    "Invalid input type.": "jenis data tidak sah",
    "Invalid value.": "nilai tidak sah",
    "Not a valid list.": "bukan daftar yang sah",
    "Not a valid mapping type.": "bukan objek yang sah",
    "Shorter than minimum length 1.": "tidak boleh kosong",
    "Invalid JSON body.": "isi JSON tidak sah",  # webargs: a body that is not JSON
    "Invalid type.": "jenis data tidak sah",  # fields.Nested given no object
    "Not a valid utf-8 string.": "bukan teks UTF-8 yang sah",
    "Number too large.": "angka terlalu besar",  # fields.Float of an integer past a float (10**400)
    "Special numeric values (nan or infinity) are not permitted.":  # NaN, Infinity, 1e999 in the JSON
        "nilai khusus (NaN atau tak hingga) tidak diizinkan",
    "String does not match expected pattern.": "tidak sesuai format yang diminta",  # validate.Regexp
    # growth calculator rows (posyandu.growth.zscores)
    "must be an ISO date (YYYY-MM-DD)": "harus tanggal dengan format TTTT-BB-HH",
    'must be "M" or "F"': 'harus "M" atau "F"',
    "give age_days, or birth_date and measured_on": "isi age_days, atau birth_date dan measured_on",
    "is before birth_date": "sebelum tanggal lahir",
    'must be "lying" or "standing"': 'harus "lying" (berbaring) atau "standing" (berdiri)',
    "must be true or false": "harus true atau false",
    "must be a positive number": "harus angka positif",
}
PATTERNS = [
    (re.compile(r"^must be a whole number of days, 0 to (\d+)$"), r"harus bilangan bulat hari, 0 sampai \1"),  # zscores
    (re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
     r"harus antara \1 dan \2"),
    (re.compile(r"^must be between (\S+) and (\S+)$"), r"harus antara \1 dan \2"),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), r"minimal \1"),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), r"maksimal \1"),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"paling banyak \1 karakter"),  # i18n.js max_chars
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), r"paling sedikit \1 karakter"),
    (re.compile(r"^Must be one of: (.*)\.$"), r"harus salah satu dari: \1"),
    (re.compile(r"^Length must be between (\d+) and (\d+)\.$"), r"panjang harus antara \1 dan \2"),
    (re.compile(r"^Length must be (\d+)\.$"), r"panjang harus \1"),
]


def lang() -> str:
    """The language asked for by ``Accept-Language``: of ``id`` and ``en``, the one of highest
    quality, a regional tag counting for its language (``en-US`` is English, ``id-ID`` Indonesian:
    RFC 4647 lookup), and ``*`` for each not named otherwise (RFC 9110 12.5.4: ``*`` alone is the
    default, Indonesian; ``en;q=0.5, *;q=0.9`` is Indonesian; ``*, en;q=0`` too). A tie goes to a
    language named over one ``*`` gives, then to the one listed first, then to Indonesian.
    ``q=0`` is "not acceptable" (RFC 9110 12.4.2): when neither language is acceptable, the default,
    Indonesian, unless it was refused and English was not (``id;q=0`` alone, or ``fr, id;q=0``:
    English, never mentioned, is not refused); refused both (``*;q=0``, ``id;q=0, en;q=0``), or
    neither named (``fr``), Indonesian. (werkzeug's ``best_match`` matched ``en-US`` only after every exact
    tag: "en-US,id;q=0.9" was answered in Indonesian, "id-ID,en;q=0.9" in English; and ``*`` was
    skipped: "en;q=0.5, *;q=0.9" was answered in English; and ``id;q=0`` was answered in the
    Indonesian it refused.)"""
    if not has_request_context():
        return "id"
    language = _asked()
    request.environ[ANSWERED_IN] = language  # the answer is in it: said by language_said
    return language


def _asked() -> str:
    """``Accept-Language``'s choice, by ``lang``'s rules."""
    named: dict[str, tuple[float, int, int]] = {}
    anything: float | None = None  # "*"'s quality, None when not given
    for position, (tag, quality) in enumerate(request.accept_languages):  # highest quality first, "*" last
        if tag == "*":
            anything = max(anything or 0.0, quality)
            continue
        language = tag.split("-", 1)[0].split("_", 1)[0].lower()
        if language in LANGS and language not in named:
            named[language] = (quality, 1, -position)
    ranked = {language: named.get(language, (anything or 0.0, 0, -LANGS.index(language))) for language in LANGS}
    language = max(LANGS, key=ranked.__getitem__)
    if ranked[language][0] > 0:
        return language
    refused = set(LANGS) if anything is not None else set(named)  # nothing acceptable: what was said q=0
    return next((language for language in LANGS if language not in refused), "id")


def language_said(resp: Response) -> Response:
    """An answer whose words were put in the caller's language (a problem's title and messages, an
    import's row errors, a report's partial areas: whatever called ``lang``) names it,
    ``Content-Language: id`` or ``en``, and ``Vary: Accept-Language``: a cache (a proxy, the
    browser's) keeps the Indonesian and the English answers apart. Answers with no words (a child's
    record, the PWA's files and their ETags) say neither. Kept in the request's environ, not in
    ``g``: a test's app context outlives its requests, so ``g`` would carry one request's language
    into the next."""
    language = request.environ.get(ANSWERED_IN)
    if language:
        resp.headers["Content-Language"] = language
        resp.vary.add("Accept-Language")
    return resp


def title(key: str) -> str:
    return TITLES.get(key, TITLES["server_error"])[lang()]


def title_msg(key: str) -> Msg:
    """A title as a field message in both languages (translated when it is answered)."""
    both = TITLES.get(key, TITLES["server_error"])
    return Msg(both["en"], both["id"])


def _as_field_message(text: str) -> str:
    """marshmallow's English field message written as ours and api-contract's ("must be between 0.5 and
    70"): in lower case, with no full stop; it said "Missing data for required field." beside them. A
    first word in capitals (NIK, UUID, JSON) is a name, kept."""
    text = text.removesuffix(".")
    return text if not text or text.split()[0].isupper() else text[0].lower() + text[1:]


def translate_field_message(msg: object, language: str | None = None, *, listed: bool = False) -> object:
    """Translate one marshmallow message (or nested structure) to ``language``, by default the
    request's. ``listed``: a field's message (in an ``errors`` list), not a sentence (a ``detail``)."""
    language = language or lang()
    if isinstance(msg, dict):
        return {k: translate_field_message(v, language, listed=True) for k, v in msg.items()}
    if isinstance(msg, list):
        return [translate_field_message(m, language, listed=True) for m in msg]
    if not isinstance(msg, str):
        return msg
    if language == "en":  # ours as written (a rule's sentence too); marshmallow's field messages as ours
        return str(msg) if isinstance(msg, Msg) or not listed else _as_field_message(msg)
    if isinstance(msg, Msg):
        return msg.id_text
    if msg in FIELD_MESSAGES:
        return FIELD_MESSAGES[msg]
    for pattern, repl in PATTERNS:
        if pattern.match(msg):
            return pattern.sub(repl, msg)
    return msg
