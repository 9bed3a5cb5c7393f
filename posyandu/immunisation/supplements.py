"""Vitamin A capsules and deworming at the posyandu (domain.md "Immunisation";
Permenkes 21/2015 Standar Kapsul Vitamin A; Permenkes 15/2017 Penanggulangan Cacingan).

- Vitamin A: a blue capsule (100,000 IU) once at 6-11 months, a red capsule
  (200,000 IU) at 12-59 months, in each round month (February and August by
  default; a district may move them).
- Deworming: from 12 to 59 months, once in each configured round month.
- A kabupaten/kota may have its own round months (``round_months_by_area``); a child's rounds
  are her kabupaten's, else the schedule's national ``round_months``.
- A *round* is the whole configured calendar month of a year, named "YYYY-MM".
  One vitamin A capsule (either colour) and one deworming dose per round.
- Ages are completed calendar months (ages.completed_months), the way the
  Buku KIA says "6 bulan"; note this differs from the growth module's WHO
  30.4375-day months, which serve the WHO tables only.
Pure: imports neither Flask nor the app's extensions.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from posyandu.immunisation.due import Area, Violation, date_checks, make_violation
from posyandu.ages import completed_months
from posyandu.immunisation.schedule import _KABUPATEN, _check_keys, _is_int, kabupaten_of
from posyandu.messages import MONTH_NAMES, Msg, month_text

KINDS = ("vitamin_a_blue", "vitamin_a_red", "deworming")
VITAMIN_A = ("vitamin_a_blue", "vitamin_a_red")
# given_twice_in_round too: two phones that each gave her a capsule on another day of the round gave two (an
# overdose to follow up), and a bidan keeps both on the record with her reason rather than lose one
OVERRIDABLE = frozenset({"too_young", "too_old", "wrong_capsule_for_age", "not_round_month", "blue_already_given",
                         "infant_dose_given", "given_twice_in_round"})
KIND_LABELS = {
    "id": {"vitamin_a_blue": "kapsul vitamin A biru", "vitamin_a_red": "kapsul vitamin A merah",
           "vitamin_a": "vitamin A", "deworming": "obat cacing"},
    "en": {"vitamin_a_blue": "blue vitamin A capsule", "vitamin_a_red": "red vitamin A capsule",
           "vitamin_a": "vitamin A", "deworming": "deworming"},
}
MESSAGES = {
    "unknown_kind": ("Jenis suplemen {kind} tidak dikenal.", "Unknown supplement kind {kind}."),
    "too_young": ("Anak berumur {age_months} bulan, terlalu muda untuk {kind_label} (minimal {min_months} bulan).",
                  "The child is {age_months} {age_months:month|months} old, too young for {kind_label} "
                  "(minimum {min_months} months)."),
    "too_old": ("Anak berumur {age_months} bulan, melewati batas umur {kind_label} ({max_months} bulan).",
                "The child is {age_months} months old, past the age limit for {kind_label} ({max_months} months)."),
    "wrong_capsule_for_age": ("Umur {age_months} bulan seharusnya mendapat {expected_label}, bukan {kind_label}.",
                              "At {age_months} months the child should get the {expected_label}, not the {kind_label}."),
    "not_round_month": ("{given_on} bukan bulan pemberian ({months_label}).",
                        "{given_on} is outside the round months ({months_label})."),
    "given_twice_in_round": ("Putaran {round_label}: {kind_label} sudah diberikan pada {previous_date}.",
                             "Round {round_label}: {kind_label} was already given on {previous_date}."),
    "blue_already_given": ("Kapsul biru hanya sekali; sudah diberikan pada {previous_date}.",
                           "The blue capsule is given once; it was given on {previous_date}."),
    "infant_dose_given": ("Kapsul biru hanya sekali; dosis bayi sudah diberikan dengan kapsul merah pada "
                          "{previous_date}.",
                          "The blue capsule is given once; the infant's dose was given as a red capsule on "
                          "{previous_date}."),
}

@dataclass(frozen=True)
class AgeBand:
    """Completed calendar months, both ends inclusive (6-11 = from 6 months to the day before 12)."""

    min_months: int
    max_months: int

    def contains(self, months: int) -> bool:
        return self.min_months <= months <= self.max_months


@dataclass(frozen=True)
class SupplementConfig:
    vitamin_a_months: tuple[int, ...]
    blue: AgeBand
    red: AgeBand
    deworming_months: tuple[int, ...]
    deworming: AgeBand
    vitamin_a_source: str | None = None
    deworming_source: str | None = None
    # per kabupaten/kota (4-digit code, as ScheduleEntry.areas): its own round months
    vitamin_a_months_by_area: tuple[tuple[str, tuple[int, ...]], ...] = ()
    deworming_months_by_area: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def round_months(self, kind: str, area: Area | None = None) -> tuple[int, ...]:
        """The round months of ``kind`` where the child lives: her kabupaten's own, else the national ones."""
        worm = kind == "deworming"
        by_area = dict(self.deworming_months_by_area if worm else self.vitamin_a_months_by_area)
        national = self.deworming_months if worm else self.vitamin_a_months
        return by_area.get(kabupaten_of(area.kabupaten) if area else None, national)


@dataclass(frozen=True)
class SupplementGiven:
    kind: str
    given_on: date
    id: str | None = None


@dataclass(frozen=True)
class SupplementDue:
    kind: str
    round: str


def round_of(config: SupplementConfig, kind: str, on: date, area: Area | None = None) -> str | None:
    """The round ("YYYY-MM") that ``on`` falls in for this kind where the child lives, or None outside
    her round months."""
    return f"{on.year:04d}-{on.month:02d}" if on.month in config.round_months(kind, area) else None


def _month_key(on: date) -> str:
    return f"{on.year:04d}-{on.month:02d}"


def _group(kind: str) -> tuple[str, ...]:
    return VITAMIN_A if kind in VITAMIN_A else (kind,)


def infant_dose(config: SupplementConfig, birth_date: date, given: SupplementGiven) -> bool:
    """Whether a capsule is the infant's one dose the blue capsule is (once, at 6-11 months): a blue one, or a
    red one (a higher dose) given in the blue band's ages (overridden, as when the blue ran out): after
    either, no blue capsule is due; at 12 months the red one is, as for any child. A red capsule given
    younger (overridden as too young) is no dose of the band: the blue is still due at 6-11 months."""
    return given.kind == "vitamin_a_blue" or (
        given.kind == "vitamin_a_red" and config.blue.contains(completed_months(birth_date, given.given_on)))


def supplements_due(config: SupplementConfig, birth_date: date, given: list[SupplementGiven],
                    on: date, area: Area | None = None) -> list[SupplementDue]:
    """What the child should get on ``on`` (a posyandu day): nothing outside her ``area``'s round months; otherwise
    the capsule for the age band unless one was given this round (blue only if she never had her infant
    dose, ``infant_dose``), and deworming from 12 months unless given this round. Records after ``on`` are ignored."""
    if on < birth_date:
        return []
    age, past = completed_months(birth_date, on), [g for g in given if g.given_on <= on]
    this_round = {g.kind for g in past if _month_key(g.given_on) == _month_key(on)}
    out = []
    if (rnd := round_of(config, "vitamin_a_red", on, area)) and not this_round & set(VITAMIN_A):
        if config.blue.contains(age) and not any(infant_dose(config, birth_date, g) for g in past):
            out.append(SupplementDue("vitamin_a_blue", rnd))
        elif config.red.contains(age):
            out.append(SupplementDue("vitamin_a_red", rnd))
    if (rnd := round_of(config, "deworming", on, area)) and config.deworming.contains(age) \
            and "deworming" not in this_round:
        out.append(SupplementDue("deworming", rnd))
    return out


def _violation(code: str, labels: dict | None = None, **params: object) -> Violation:
    return make_violation(code, MESSAGES, OVERRIDABLE, params, labels)


def _kind_labels(**kinds: str) -> dict[str, dict[str, str]]:
    return {lang: {f"{name}_label": words[kind] for name, kind in kinds.items()}
            for lang, words in KIND_LABELS.items()}


def validate_supplement(config: SupplementConfig, birth_date: date, given: list[SupplementGiven],
                        new: SupplementGiven, *, area: Area | None = None,
                        today: date | None = None) -> list[Violation]:
    """Every rule a new vitamin A / deworming record breaks (Permenkes 21/2015, 15/2017); rounds are
    those of the child's ``area``."""
    found = date_checks(new.given_on, birth_date, today or date.today())
    if new.kind not in KINDS:
        return found + [_violation("unknown_kind", kind=new.kind)]
    if new.given_on < birth_date:
        return found
    others = [g for g in given if g.kind in _group(new.kind) and (new.id is None or g.id != new.id)]
    return found + _age_checks(config, birth_date, new) + _round_checks(config, birth_date, others, new, area)


def _age_checks(config: SupplementConfig, birth: date, new: SupplementGiven) -> list[Violation]:
    age, labels = completed_months(birth, new.given_on), _kind_labels(kind=new.kind)
    low = config.deworming if new.kind == "deworming" else config.blue
    high = config.deworming if new.kind == "deworming" else config.red
    if age < low.min_months:  # the kind's own minimum named: a red capsule's is 12 months, not the blue one's 6
        own = config.red if new.kind == "vitamin_a_red" else low
        return [_violation("too_young", labels, kind=new.kind, age_months=age, min_months=own.min_months)]
    if age > high.max_months:
        return [_violation("too_old", labels, kind=new.kind, age_months=age, max_months=high.max_months)]
    expected = "vitamin_a_blue" if config.blue.contains(age) else "vitamin_a_red"
    if new.kind in VITAMIN_A and new.kind != expected and (config.blue.contains(age) or config.red.contains(age)):
        return [_violation("wrong_capsule_for_age", _kind_labels(kind=new.kind, expected=expected),
                           kind=new.kind, expected=expected, age_months=age)]
    return []


def _round_checks(config: SupplementConfig, birth: date, others: list[SupplementGiven], new: SupplementGiven,
                  area: Area | None) -> list[Violation]:
    found, key = [], _month_key(new.given_on)
    months = config.round_months(new.kind, area)
    if round_of(config, new.kind, new.given_on, area) is None:
        labels = {lang: {"months_label": ", ".join(names[m - 1] for m in months)} for lang, names in MONTH_NAMES.items()}
        found.append(_violation("not_round_month", labels, given_on=new.given_on, months=list(months)))
    if twins := sorted(g.given_on for g in others if _month_key(g.given_on) == key):
        group = "deworming" if new.kind == "deworming" else "vitamin_a"
        labels = {lang: {**words, "round_label": month_text(new.given_on.year, new.given_on.month, lang)}
                  for lang, words in _kind_labels(kind=group).items()}
        found.append(_violation("given_twice_in_round", labels, kind=group, round=key, previous_date=twins[0]))
    if new.kind != "vitamin_a_blue":
        return found
    # the infant's dose given in another round: another blue capsule, else a red given at 6-11 months (infant_dose)
    doses = sorted((g.given_on, g.kind) for g in others
                   if _month_key(g.given_on) != key and infant_dose(config, birth, g))
    if blues := [on for on, kind in doses if kind == "vitamin_a_blue"]:
        found.append(_violation("blue_already_given", previous_date=blues[0]))
    elif doses:
        found.append(_violation("infant_dose_given", previous_date=doses[0][0]))
    return found


# --- configuration (part of the schedule document, validated by schedule.schedule_from_dict) ---
def _parse_band(value: Any, where: str, problems: list[str]) -> AgeBand:
    ok = isinstance(value, dict) and set(value) == {"min_months", "max_months"} and all(
        _is_int(value[k]) and 0 <= value[k] <= 72 for k in value)
    if not ok or value["min_months"] > value["max_months"]:
        problems.append(Msg(f"{where} must be {{min_months, max_months}} with 0 <= min <= max <= 72",
                            f"{where} harus {{min_months, max_months}} dengan 0 <= min <= max <= 72"))
        return AgeBand(0, 0)
    return AgeBand(value["min_months"], value["max_months"])


def _parse_months(value: Any, where: str, problems: list[str]) -> tuple[int, ...]:
    if not isinstance(value, list) or not value or not all(_is_int(m) and 1 <= m <= 12 for m in value) \
            or len(set(value)) != len(value):
        problems.append(Msg(f"{where} must be a non-empty list of distinct months 1-12",
                            f"{where} harus daftar bulan 1-12 yang tidak kosong dan tidak berulang"))
        return ()
    return tuple(sorted(value))


def _parse_months_by_area(value: Any, where: str, problems: list[str]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """``{"35.25": [3, 9]}``: kabupaten/kota codes written as an entry's ``areas`` ('35.25' or '3525'),
    each with its own round months; kept by the 4-digit code."""
    if value is None:
        return ()
    if not isinstance(value, dict):
        problems.append(Msg(f"{where} must be an object of kabupaten/kota codes to round months, "
                            f"like {{\"35.25\": [3, 9]}}",
                            f"{where} harus objek kode kabupaten/kota ke bulan pemberian, "
                            f"seperti {{\"35.25\": [3, 9]}}"))
        return ()
    out: dict[str, tuple[int, ...]] = {}
    for code, months in value.items():
        if not (isinstance(code, str) and _KABUPATEN.fullmatch(code)):
            problems.append(Msg(f"{where}: {code!r} is not a kabupaten/kota code like '35.25'",
                                f"{where}: {code!r} bukan kode kabupaten/kota seperti '35.25'"))
            continue
        kabupaten = kabupaten_of(code) or ""
        if kabupaten in out:
            problems.append(Msg(f"{where}: kabupaten/kota {kabupaten[:2]}.{kabupaten[2:]} is listed twice",
                                f"{where}: kabupaten/kota {kabupaten[:2]}.{kabupaten[2:]} tertulis dua kali"))
            continue
        out[kabupaten] = _parse_months(months, f"{where}[{code}]", problems)
    return tuple(sorted(out.items()))


def supplement_config_from_dict(value: Any, problems: list[str]) -> SupplementConfig:
    """Parse the schedule document's "supplements" section, appending problems."""
    vit = value.get("vitamin_a") if isinstance(value, dict) else None
    worm = value.get("deworming") if isinstance(value, dict) else None
    if not isinstance(vit, dict) or not isinstance(worm, dict):
        problems.append(Msg("supplements must have 'vitamin_a' and 'deworming' objects",
                            "supplements harus punya objek 'vitamin_a' dan 'deworming'"))
        return SupplementConfig((), AgeBand(0, 0), AgeBand(0, 0), (), AgeBand(0, 0))
    _check_keys(vit, {"round_months", "round_months_by_area", "blue", "red", "source"},
                {"round_months", "blue", "red"}, "supplements.vitamin_a", problems)
    _check_keys(worm, {"round_months", "round_months_by_area", "min_months", "max_months", "source"},
                {"round_months", "min_months", "max_months"}, "supplements.deworming", problems)
    blue = _parse_band(vit.get("blue"), "supplements.vitamin_a.blue", problems)
    red = _parse_band(vit.get("red"), "supplements.vitamin_a.red", problems)
    if blue.max_months >= red.min_months:
        problems.append(Msg("supplements.vitamin_a: the blue band must end before the red band starts",
                            "supplements.vitamin_a: rentang biru harus berakhir sebelum rentang merah mulai"))
    band = {k: worm.get(k) for k in ("min_months", "max_months")}
    return SupplementConfig(
        _parse_months(vit.get("round_months"), "supplements.vitamin_a.round_months", problems), blue, red,
        _parse_months(worm.get("round_months"), "supplements.deworming.round_months", problems),
        _parse_band(band, "supplements.deworming", problems), vit.get("source"), worm.get("source"),
        _parse_months_by_area(vit.get("round_months_by_area"), "supplements.vitamin_a.round_months_by_area", problems),
        _parse_months_by_area(worm.get("round_months_by_area"), "supplements.deworming.round_months_by_area", problems))


def supplement_config_to_dict(config: SupplementConfig) -> dict[str, Any]:
    band = lambda b: {"min_months": b.min_months, "max_months": b.max_months}  # noqa: E731
    # written only when a kabupaten has its own rounds: a document without them reads back as written
    by_area = lambda pairs: {"round_months_by_area": {k: list(m) for k, m in pairs}} if pairs else {}  # noqa: E731
    return {
        "vitamin_a": {"round_months": list(config.vitamin_a_months), **by_area(config.vitamin_a_months_by_area),
                      "blue": band(config.blue), "red": band(config.red), "source": config.vitamin_a_source},
        "deworming": {"round_months": list(config.deworming_months), **by_area(config.deworming_months_by_area),
                      **band(config.deworming), "source": config.deworming_source},
    }
