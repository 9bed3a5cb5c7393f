"""The national routine immunisation schedule and the vitamin A / deworming
configuration, as versioned data (domain.md "Immunisation"; Kemenkes Program
Imunisasi, Permenkes 12/2017; Permenkes 21/2015 for vitamin A).

An admin publishes a schedule as JSON; :func:`schedule_from_dict` is the
gatekeeper that turns it into frozen dataclasses or raises :class:`ScheduleError`
listing every problem. Ages are calendar months plus days (see :class:`Age`),
not WHO's 30.4375-day months, because the schedule and the Buku KIA count a
child as "2 months old" on the same day of the month two months after birth.
Pure: imports neither Flask nor the app's extensions.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, fields, is_dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from posyandu.ages import add_months
from posyandu.messages import CONTROL, CONTROL_RE, Msg

if TYPE_CHECKING:
    from posyandu.immunisation.supplements import SupplementConfig

DEFAULT_SCHEDULE_PATH = Path(__file__).parent / "data" / "schedule-2024.json"
INDICATORS = ("idl", "baduta")
MEAN_MONTH_DAYS = 30.4375  # only to compare two ages when validating a schedule
# The longest age, interval or overdue_after a schedule may give: 20 years, in months, in days
# (20 × 365.25) or both together. Every date the schedule yields then stays near the child's
# birth (a card adds at most ten chained intervals), far from the year 9999 where dates end.
MAX_AGE_YEARS = 20
MAX_AGE_MONTHS = 12 * MAX_AGE_YEARS
MAX_AGE_DAYS = 7305
MAX_DOSES_PER_VIAL = 100
# The days a schedule may name, as ``GET /immunisation/schedule?on=`` takes them: a version valid from
# 0001-01-01 or 9999-12-31 was published and put in force, and no day asked for could reach it.
DATES_FROM, DATES_TO = date(1900, 1, 1), date(2999, 12, 31)
_CODE = re.compile(r"^[A-Za-z0-9\-]{2,20}$")
_KABUPATEN = re.compile(r"\d{2}\.?\d{2}", re.ASCII)  # fullmatch: a trailing newline passed `$`
_KFA = re.compile(r"93\d{6}", re.ASCII)


class ScheduleError(ValueError):
    """A schedule document is invalid; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("invalid schedule: " + "; ".join(self.problems))


@dataclass(frozen=True)
class Age:
    """An age or interval: calendar ``months`` then ``days`` (days < 0 only for 'the day before')."""

    months: int = 0
    days: int = 0

    def after(self, start: date) -> date:
        return add_months(start, self.months) + timedelta(days=self.days)

    def approx_days(self) -> float:
        return self.months * MEAN_MONTH_DAYS + self.days

    def to_dict(self) -> dict[str, int]:
        out = {"months": self.months} if self.months else {}
        if self.days or not self.months:
            out["days"] = self.days
        return out


@dataclass(frozen=True)
class VaccineProduct:
    """A vaccine product as SATUSEHAT codes it: its KFA code (Kamus Farmasi dan Alat Kesehatan,
    93xxxxxx) and name, e.g. as listed by kfa.kemkes.go.id. Listed so phones can offer it."""

    kfa_code: str
    name: str


@dataclass(frozen=True)
class Vaccine:
    code: str
    name: str
    doses_per_vial: int | None = None
    products: tuple[VaccineProduct, ...] = ()


@dataclass(frozen=True)
class ScheduleEntry:
    """One (vaccine, dose) of the schedule. ``areas``: kabupaten codes (4 digits) or None for everywhere;
    ``endemic_only``: offered only where it is endemic (JE): the kabupaten ``areas`` lists, or without
    a list where the child's area names it endemic (``due.applies``)."""

    vaccine: str
    dose: int
    recommended_age: Age
    min_age: Age
    max_age: Age | None
    min_interval: Age | None
    counts_toward: str | None
    areas: tuple[str, ...] | None = None
    endemic_only: bool = False
    source: str | None = None


@dataclass(frozen=True)
class Schedule:
    version: str
    name: str
    source: str
    valid_from: date
    overdue_after: Age
    vaccines: tuple[Vaccine, ...]
    entries: tuple[ScheduleEntry, ...]
    supplements: SupplementConfig
    age_arithmetic: str | None = None

    def entry(self, vaccine: str, dose: int) -> ScheduleEntry | None:
        return next((e for e in self.entries if e.vaccine == vaccine and e.dose == dose), None)

    def doses_of(self, vaccine: str) -> tuple[ScheduleEntry, ...]:
        return tuple(sorted((e for e in self.entries if e.vaccine == vaccine), key=lambda e: e.dose))

    def vaccine(self, code: str) -> Vaccine | None:
        return next((v for v in self.vaccines if v.code == code), None)

    def code_of(self, typed: str) -> str:
        """``typed`` as the schedule writes its vaccine's code, whatever its case ('bcg', 'DPT-HB-HIB': BCG,
        DPT-HB-Hib); else as typed. Kept as typed, a scheduled dose was stored outside the schedule, given
        with a bidan's reason, and never counted: the card and IDL still asked for it."""
        return next((v.code for v in self.vaccines if v.code.casefold() == typed.casefold()), typed)

    def vaccine_of_product(self, kfa_code: str) -> Vaccine | None:
        """The vaccine that lists this KFA product, if any."""
        return next((v for v in self.vaccines if any(p.kfa_code == kfa_code for p in v.products)), None)

    def product(self, kfa_code: str) -> VaccineProduct | None:
        return next((p for v in self.vaccines for p in v.products if p.kfa_code == kfa_code), None)

    def label(self, vaccine: str, dose: int) -> str:
        """'DPT-HB-Hib 2', or just 'BCG' for a single-dose vaccine."""
        return vaccine if len(self.doses_of(vaccine)) == 1 else f"{vaccine} {dose}"


def kabupaten_of(code: str | None) -> str | None:
    """The 4-digit kabupaten/kota part of any Kemendagri code ('35.25.01.2001' -> '3525')."""
    digits = "".join(ch for ch in code or "" if ch.isdigit())
    return digits[:4] if len(digits) >= 4 else None


@lru_cache(maxsize=1)
def load_default_schedule() -> Schedule:
    """The bundled 2024 schedule (data/schedule-2024.json)."""
    return schedule_from_dict(json.loads(DEFAULT_SCHEDULE_PATH.read_text(encoding="utf-8")))


def schedule_from_dict(doc: Any) -> Schedule:
    """Validate a schedule document and build a :class:`Schedule`; raise :class:`ScheduleError`
    listing every problem (unknown keys, duplicate doses, numbering gaps, min > max ...)."""
    problems: list[str] = []
    if not isinstance(doc, dict):
        raise ScheduleError([Msg("the schedule must be a JSON object", "jadwal harus berupa objek JSON")])
    _check_keys(doc, _TOP_KEYS, _TOP_REQUIRED, "schedule", problems)
    for key in ("version", "name", "source"):
        if not isinstance(doc.get(key), str) or not doc.get(key, "").strip():
            problems.append(Msg(f"{key} must be a non-empty string", f"{key} harus berupa teks yang tidak kosong"))
    valid_from = _parse_date(doc.get("valid_from"), "valid_from", problems)
    overdue = _parse_age(doc.get("overdue_after", {"months": 1}), "overdue_after", problems)
    vaccines = _parse_vaccines(doc.get("vaccines"), problems)
    entries = _parse_entries(doc.get("entries"), {v.code for v in vaccines}, problems)
    # supplements.py owns its configuration; imported here, not at the top, because it imports this module
    from posyandu.immunisation.supplements import supplement_config_from_dict  # noqa: PLC0415

    supplements = supplement_config_from_dict(doc.get("supplements"), problems)
    if problems:
        raise ScheduleError(problems)
    return Schedule(doc["version"], doc["name"], doc["source"], valid_from, overdue, vaccines,
                    entries, supplements, doc.get("age_arithmetic"))


def schedule_to_dict(schedule: Schedule) -> dict[str, Any]:
    """The JSON document :func:`schedule_from_dict` reads (round-trips)."""
    from posyandu.immunisation.supplements import supplement_config_to_dict  # noqa: PLC0415

    return {
        "version": schedule.version, "name": schedule.name, "source": schedule.source,
        "valid_from": schedule.valid_from.isoformat(),
        **({"age_arithmetic": schedule.age_arithmetic} if schedule.age_arithmetic else {}),
        "overdue_after": schedule.overdue_after.to_dict(),
        "vaccines": [_vaccine_to_dict(v) for v in schedule.vaccines],
        "entries": [_entry_to_dict(e) for e in schedule.entries],
        "supplements": supplement_config_to_dict(schedule.supplements),
    }


def _vaccine_to_dict(vaccine: Vaccine) -> dict[str, Any]:
    out = jsonable(vaccine)
    if not vaccine.products:  # as documents without products were written
        del out["products"]
    return out


def _entry_to_dict(entry: ScheduleEntry) -> dict[str, Any]:
    out = jsonable(entry)
    out["areas"] = list(entry.areas) if entry.areas is not None else None
    return out


def jsonable(value: Any) -> Any:
    """Dataclasses, tuples and dates as plain JSON values (Age as {months, days})."""
    if isinstance(value, Age):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value.isoformat() if isinstance(value, date) else value


# --- parsing and validation (the admin API's gatekeeper) -----------------------------------
_TOP_KEYS = {"version", "name", "source", "valid_from", "age_arithmetic", "overdue_after",
             "vaccines", "entries", "supplements"}
_TOP_REQUIRED = {"version", "name", "source", "valid_from", "vaccines", "entries", "supplements"}
_ENTRY_KEYS = {"vaccine", "dose", "recommended_age", "min_age", "max_age", "min_interval",
               "counts_toward", "areas", "endemic_only", "source"}
_ENTRY_REQUIRED = {"vaccine", "dose", "recommended_age", "min_age"}


def _check_keys(obj: dict, allowed: set, required: set, where: str, problems: list[str]) -> None:
    problems.extend(Msg(f"{where}: unknown key {k!r}", f"{where}: kunci {k!r} tidak dikenal")
                    for k in sorted(set(obj) - allowed))
    problems.extend(Msg(f"{where}: missing {k!r}", f"{where}: {k!r} belum diisi") for k in sorted(required - set(obj)))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def publishing_problems(doc: Any) -> list[str]:
    """What a document published now must also hold, beyond what :func:`schedule_from_dict` reads (a
    version stored before these rules is still read, never a 500 at every card): its free texts (a note,
    a source) strings, any other JSON (an integer beyond 64 bits, which no JSON column takes, a list)
    was stored as it came; its one-line texts (``version``, ``name``, ``source``: on every card, the
    schedule screen and the exports, a vaccine's name and an entry's source too: ``_one_line_texts``) free
    of control characters and text-direction overrides (``CONTROL_RE``), as every other one-line text is:
    "Jadwal\x1b[31m 2025" and a vaccine "Hepatitis\x1b[31m B0" were published;
    ``valid_from`` a day ``?on=`` can ask for (DATES_FROM to DATES_TO): a
    version valid from 0001-01-01 or 9999-12-31 was published and put in force."""
    if not isinstance(doc, dict):
        return []
    sup = doc.get("supplements") if isinstance(doc.get("supplements"), dict) else {}
    texts = {"age_arithmetic": doc.get("age_arithmetic")} | {
        f"supplements.{kind}.source": part.get("source") for kind in ("vitamin_a", "deworming")
        if isinstance(part := sup.get(kind), dict)}
    problems: list[str] = [Msg(f"{where} must be a string", f"{where} harus berupa teks")
                           for where, value in texts.items() if value is not None and not isinstance(value, str)]
    problems.extend(Msg(f"{where} {CONTROL}", f"{where} {CONTROL.id_text}") for where, text in _one_line_texts(doc)
                    if CONTROL_RE.search(text))
    problems.extend(_vaccine_problems(doc.get("vaccines")))
    try:
        day = date.fromisoformat(doc.get("valid_from"))
    except (TypeError, ValueError):
        return problems  # schedule_from_dict says so
    if not DATES_FROM <= day <= DATES_TO:
        problems.append(Msg(f"valid_from must be between {DATES_FROM} and {DATES_TO}",
                            f"valid_from harus antara {DATES_FROM} dan {DATES_TO}"))
    return problems


def _vaccine_problems(vaccines: Any) -> list[str]:
    """A vaccine's name 1-200 characters (null or an object was stored as "None"), and no two codes alike but
    for case: a code typed in any case is read as the vaccine's (``Schedule.code_of``), so two are one. A
    publisher's rules: a version stored before them is still read."""
    items = [v for v in vaccines if isinstance(v, dict)] if isinstance(vaccines, list) else []
    problems: list[str] = [
        Msg(f"vaccines[{i}].name must be 1-200 characters", f"vaccines[{i}].name harus 1-200 karakter")
        for i, v in enumerate(vaccines or []) if isinstance(v, dict) and "name" in v
        and (not isinstance(v["name"], str) or not 1 <= len(v["name"].strip()) <= 200)]
    codes = [v["code"] for v in items if isinstance(v.get("code"), str)]
    folded = [c.casefold() for c in codes]
    problems.extend(Msg(f"vaccines: duplicate code {c!r}", f"vaccines: kode {c!r} ganda")
                    for c in sorted({c for c in codes if folded.count(c.casefold()) > 1 and codes.count(c) == 1}))
    return problems


def _one_line_texts(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    """Every text of a document with its place ("version", "vaccines[2].name", "entries[5].source"), its
    free note (``age_arithmetic``) aside: each is one line on a card, the schedule screen or an export."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            if where or key != "age_arithmetic":
                yield from _one_line_texts(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _one_line_texts(item, f"{where}[{i}]")


def _parse_date(value: Any, where: str, problems: list[str]) -> date:
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        problems.append(Msg(f"{where} must be an ISO date (YYYY-MM-DD)", f"{where} harus tanggal dengan format TTTT-BB-HH"))
        return date.min


def _parse_age(value: Any, where: str, problems: list[str]) -> Age:
    if not isinstance(value, dict) or not value or set(value) - {"months", "days"}:
        problems.append(Msg(f"{where} must be an object with 'months' and/or 'days'",
                            f"{where} harus berupa objek dengan 'months' dan/atau 'days'"))
        return Age()
    months, days = value.get("months", 0), value.get("days", 0)
    if not (_is_int(months) and _is_int(days)) or months < 0 or (months == 0 and days < 0):
        problems.append(Msg(f"{where}: months must be an integer >= 0, days an integer (negative only after months)",
                            f"{where}: months harus bilangan bulat >= 0, days bilangan bulat "
                            "(negatif hanya bila ada months)"))
        return Age()
    age = Age(months, days)
    if months > MAX_AGE_MONTHS or abs(days) > MAX_AGE_DAYS or not 0 <= age.approx_days() <= MAX_AGE_DAYS:
        problems.append(Msg(f"{where}: must be from 0 to {MAX_AGE_YEARS} years (months at most {MAX_AGE_MONTHS}, "
                            f"days at most {MAX_AGE_DAYS}, both together at most {MAX_AGE_YEARS} years)",
                            f"{where}: harus antara 0 dan {MAX_AGE_YEARS} tahun (months paling banyak "
                            f"{MAX_AGE_MONTHS}, days paling banyak {MAX_AGE_DAYS}, keduanya bersama paling lama "
                            f"{MAX_AGE_YEARS} tahun)"))
        return Age()
    return age


def _parse_vaccines(value: Any, problems: list[str]) -> tuple[Vaccine, ...]:
    if not isinstance(value, list) or not value:
        problems.append(Msg("vaccines must be a non-empty list", "vaccines harus berupa daftar yang tidak kosong"))
        return ()
    out = []
    for i, item in enumerate(value):
        where = f"vaccines[{i}]"
        if not isinstance(item, dict):
            problems.append(Msg(f"{where} must be an object", f"{where} harus berupa objek"))
            continue
        _check_keys(item, {"code", "name", "doses_per_vial", "products"}, {"code", "name"}, where, problems)
        code, per_vial = item.get("code"), item.get("doses_per_vial")
        if not isinstance(code, str) or not _CODE.match(code):
            problems.append(Msg(f"{where}: code must be 2-20 letters, digits or '-'",
                                f"{where}: code harus 2-20 huruf, angka atau '-'"))
        if per_vial is not None and (not _is_int(per_vial) or not 1 <= per_vial <= MAX_DOSES_PER_VIAL):
            problems.append(Msg(f"{where}: doses_per_vial must be a positive integer (at most {MAX_DOSES_PER_VIAL}) "
                                "or null",
                                f"{where}: doses_per_vial harus bilangan bulat positif (paling banyak "
                                f"{MAX_DOSES_PER_VIAL}) atau null"))
        out.append(Vaccine(str(code), str(item.get("name", "")), per_vial,
                           _parse_products(item.get("products", []), where, problems)))
    codes = [v.code for v in out]
    problems.extend(Msg(f"vaccines: duplicate code {c!r}", f"vaccines: kode {c!r} ganda")
                    for c in sorted({c for c in codes if codes.count(c) > 1}))
    kfa = [p.kfa_code for v in out for p in v.products]
    problems.extend(Msg(f"vaccines: KFA code {c!r} listed more than once", f"vaccines: kode KFA {c!r} tercantum lebih "
                        "dari sekali") for c in sorted({c for c in kfa if kfa.count(c) > 1}))
    return tuple(out)


def _parse_products(value: Any, where: str, problems: list[str]) -> tuple[VaccineProduct, ...]:
    """A vaccine's ``products``: ``[{"kfa_code": "93xxxxxx", "name": "..."}]``."""
    if not isinstance(value, list):
        problems.append(Msg(f"{where}.products must be a list", f"{where}.products harus berupa daftar"))
        return ()
    out = []
    for j, item in enumerate(value):
        at = f"{where}.products[{j}]"
        if not isinstance(item, dict):
            problems.append(Msg(f"{at} must be an object", f"{at} harus berupa objek"))
            continue
        _check_keys(item, {"kfa_code", "name"}, {"kfa_code", "name"}, at, problems)
        code, name = item.get("kfa_code"), item.get("name")
        if not isinstance(code, str) or not _KFA.fullmatch(code):
            problems.append(Msg(f"{at}: kfa_code must be 93 and 6 more digits",
                                f"{at}: kfa_code harus 93 diikuti 6 angka"))
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 200:
            problems.append(Msg(f"{at}: name must be 1-200 characters", f"{at}: name harus 1-200 karakter"))
        out.append(VaccineProduct(str(code), str(name or "").strip()))
    return tuple(out)


def _parse_entries(value: Any, codes: set[str], problems: list[str]) -> tuple[ScheduleEntry, ...]:
    if not isinstance(value, list) or not value:
        problems.append(Msg("entries must be a non-empty list", "entries harus berupa daftar yang tidak kosong"))
        return ()
    entries = [e for i, item in enumerate(value) if (e := _parse_entry(item, f"entries[{i}]", codes, problems))]
    _check_numbering(entries, problems)
    return tuple(entries)


def _parse_entry(item: Any, where: str, codes: set[str], problems: list[str]) -> ScheduleEntry | None:
    if not isinstance(item, dict):
        problems.append(Msg(f"{where} must be an object", f"{where} harus berupa objek"))
        return None
    _check_keys(item, _ENTRY_KEYS, _ENTRY_REQUIRED, where, problems)
    vaccine, dose = item.get("vaccine"), item.get("dose")
    if not isinstance(vaccine, str) or vaccine not in codes:
        problems.append(Msg(f"{where}: vaccine {vaccine!r} is not listed in vaccines",
                            f"{where}: vaksin {vaccine!r} tidak ada di daftar vaccines"))
    if not _is_int(dose) or not 1 <= dose <= 10:
        problems.append(Msg(f"{where}: dose must be an integer from 1 to 10",
                            f"{where}: dose harus bilangan bulat 1 sampai 10"))
        return None
    where = f"{where} ({vaccine} {dose})"
    seen = len(problems)
    ages = {k: _parse_age(item[k], f"{where} {k}", problems) if item.get(k) is not None else None
            for k in ("recommended_age", "min_age", "max_age", "min_interval")}
    entry = ScheduleEntry(
        str(vaccine), dose, ages["recommended_age"] or Age(), ages["min_age"] or Age(), ages["max_age"],
        ages["min_interval"], item.get("counts_toward"), _parse_areas(item.get("areas"), where, problems),
        item.get("endemic_only", False), item.get("source"))
    # an age refused above stands in as 0: comparing it with the others would only add false problems
    _check_entry(entry, where, problems, compare_ages=len(problems) == seen)
    return entry


def _parse_areas(value: Any, where: str, problems: list[str]) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) and _KABUPATEN.fullmatch(v) for v in value):
        problems.append(Msg(f"{where}: areas must be null or a list of kabupaten/kota codes like '51.71'",
                            f"{where}: areas harus null atau daftar kode kabupaten/kota seperti '51.71'"))
        return None
    return tuple(kabupaten_of(v) or "" for v in value)


def _check_entry(e: ScheduleEntry, where: str, problems: list[str], compare_ages: bool = True) -> None:
    if compare_ages:
        _check_age_order(e, where, problems)
    if e.dose == 1 and e.min_interval is not None:
        problems.append(Msg(f"{where}: dose 1 cannot have a min_interval",
                            f"{where}: dosis 1 tidak boleh punya min_interval"))
    if e.counts_toward not in (*INDICATORS, None):
        problems.append(Msg(f"{where}: counts_toward must be 'idl', 'baduta' or null",
                            f"{where}: counts_toward harus 'idl', 'baduta' atau null"))
    if not isinstance(e.endemic_only, bool):
        problems.append(Msg(f"{where}: endemic_only must be true or false",
                            f"{where}: endemic_only harus true atau false"))
    if e.source is not None and not isinstance(e.source, str):
        problems.append(Msg(f"{where}: source must be a string", f"{where}: source harus berupa teks"))


def _check_age_order(e: ScheduleEntry, where: str, problems: list[str]) -> None:
    if e.min_age.approx_days() > e.recommended_age.approx_days():
        problems.append(Msg(f"{where}: min_age is after recommended_age",
                            f"{where}: min_age sesudah recommended_age"))
    if e.max_age is not None and e.max_age.approx_days() < e.recommended_age.approx_days():
        problems.append(Msg(f"{where}: max_age is before recommended_age",
                            f"{where}: max_age sebelum recommended_age"))
    if e.max_age is not None and e.min_age.approx_days() > e.max_age.approx_days():
        problems.append(Msg(f"{where}: min_age is after max_age", f"{where}: min_age sesudah max_age"))


def _check_numbering(entries: list[ScheduleEntry], problems: list[str]) -> None:
    by_vaccine: dict[str, list[int]] = {}
    for e in entries:
        by_vaccine.setdefault(e.vaccine, []).append(e.dose)
    for vaccine, doses in by_vaccine.items():
        dupes = sorted({d for d in doses if doses.count(d) > 1})
        problems.extend(Msg(f"duplicate entry {vaccine} dose {d}", f"entri ganda {vaccine} dosis {d}") for d in dupes)
        if not dupes and sorted(doses) != list(range(1, len(doses) + 1)):
            problems.append(Msg(f"{vaccine}: doses must be numbered 1..{len(doses)} without gaps, got {sorted(doses)}",
                                f"{vaccine}: dosis harus bernomor 1..{len(doses)} tanpa loncatan, "
                                f"tertulis {sorted(doses)}"))
