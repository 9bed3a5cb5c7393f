"""Which doses a child has, needs and may receive, by the national schedule
(domain.md "Immunisation"; Kemenkes Program Imunisasi, Permenkes 12/2017).

Rules, all pure and mirrored by static/pwa/js/due.js:

- A dose's *earliest* date is max(birth + min_age, previous dose of that vaccine
  + min_interval). When the previous dose is not given yet, its projected date is
  max(its earliest date, as_of), so a child who starts late (catch-up, "imunisasi
  kejar") gets dates from the real previous dose, never from the recommended ages.
- The *due* date is max(birth + recommended_age, earliest). A dose is *overdue*
  more than ``schedule.overdue_after`` (one calendar month, i.e. one missed monthly
  posyandu) after its due date; *missed* once past max_age, or when even the
  earliest date falls after max_age (rotavirus, last dose by 6 months 29 days).
- A dose a later version added (TCV, as PCV and RV were rolled out) is never due before the day it came
  in (``introduced``: ``operations.SchedulesInForce.introduced``): its due date is the later of its own and
  that day, and a child past its maximum age by that day is ``not_applicable``, never ``missed``: every
  child past 9 months showed TCV 1 overdue, due at 9 months, ten months before the vaccine existed.
- IDL: every applicable dose flagged ``idl`` given before the first birthday;
  Baduta Lengkap: every ``baduta`` dose given before the second birthday (``deadline``), flagged
  by the version in force on that day: the caller passes that version (``cards.child_card``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Iterable, Mapping

from posyandu.ages import add_months
from posyandu.immunisation.schedule import Age, Schedule, ScheduleEntry, kabupaten_of
from posyandu.messages import date_text, fill, month_text

ISO_DAY, ISO_MONTH = re.compile(r"\d{4}-\d{2}-\d{2}"), re.compile(r"\d{4}-\d{2}")
DEADLINE_MONTHS = {"idl": 12, "baduta": 24}  # IDL by the first birthday, Baduta Lengkap by the second
# not_in_schedule too: a vaccine outside the national programme (TCV, varicella at a private clinic) or of a
# version since withdrawn was really given, and a bidan keeps it on the record with her reason
OVERRIDABLE = frozenset({"before_min_age", "interval_too_short", "after_max_age", "dose_out_of_order",
                         "not_in_area", "not_in_schedule"})
MESSAGES = {
    "given_before_birth": ("Tanggal pemberian {given_on} sebelum tanggal lahir {birth_date}.",
                           "Date given {given_on} is before the birth date {birth_date}."),
    "in_future": ("Tanggal pemberian {given_on} belum terjadi (hari ini {today}).",
                  "Date given {given_on} is in the future (today is {today})."),
    "not_in_schedule": ("{vaccine} dosis {dose} tidak ada dalam jadwal {version}.",
                        "{vaccine} dose {dose} is not in schedule {version}."),
    "not_in_area": ("{label} bukan program imunisasi di wilayah anak ini.",
                    "{label} is not part of the programme in this child's area."),
    "duplicate_dose": ("{label} sudah tercatat diberikan pada {previous_date}.",
                       "{label} was already recorded on {previous_date}."),
    "dose_out_of_order": ("Urutan dosis salah: {later} diberikan sebelum {earlier}.",
                          "Doses out of order: {later} given before {earlier}."),
    "before_min_age": ("{label} diberikan sebelum umur minimal; paling cepat {earliest}.",
                       "{label} given before the minimum age; earliest allowed date is {earliest}."),
    "interval_too_short": ("{label} diberikan {days} hari setelah {previous} ({previous_date}); paling cepat {earliest}.",
                           "{label} given {days} {days:day|days} after {previous} ({previous_date}); earliest allowed date is "
                           "{earliest}."),
    "after_max_age": ("{label} diberikan melewati umur maksimal (paling lambat {latest}).",
                      "{label} given past the maximum age (last allowed date {latest})."),
}


@dataclass(frozen=True)
class Area:
    """Where the child lives: any Kemendagri code (kabupaten or finer) and the vaccines
    the kabupaten is configured as endemic for (e.g. {"JE"})."""

    kabupaten: str | None = None
    endemic: frozenset[str] = frozenset()


@dataclass(frozen=True)
class GivenDose:
    vaccine: str
    dose: int
    given_on: date
    id: str | None = None


NewDose = GivenDose  # the dose being recorded; its id (when editing) is ignored among ``given``


@dataclass(frozen=True)
class Violation:
    """A broken rule: stable ``code``, whether a bidan may ``overridable`` it with a reason,
    ``message`` {"id", "en"} and the ``params`` the message was built from."""

    code: str
    overridable: bool
    message: dict[str, str]
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DoseRef:
    vaccine: str
    dose: int


@dataclass(frozen=True)
class CardEntry:
    """status: given | due | overdue | upcoming | missed | not_applicable (not offered where the child
    lives, or past its maximum age on the day a later version added it, and not given: a dose given
    elsewhere stays given). ``can_give``: allowed on
    as_of (earliest reached, previous dose given, not past max age, no later dose given before);
    ``waiting_for``: the previous dose number still missing."""

    vaccine: str
    dose: int
    label: str
    status: str
    given_on: date | None
    recommended_date: date
    earliest_date: date
    due_date: date
    latest_date: date | None
    can_give: bool
    waiting_for: int | None
    counts_toward: str | None


@dataclass(frozen=True)
class IndicatorStatus:
    """status: complete | in_progress (deadline not reached) | incomplete | completed_late (catch-up)."""

    status: str
    deadline: date
    missing: tuple[DoseRef, ...]
    late: tuple[DoseRef, ...]


@dataclass(frozen=True)
class Card:
    as_of: date
    entries: tuple[CardEntry, ...]
    idl: IndicatorStatus
    baduta: IndicatorStatus


@dataclass(frozen=True)
class ChildDoses:
    child_id: str
    birth_date: date
    given: tuple[GivenDose, ...] = ()
    area: Area | None = None


@dataclass(frozen=True)
class DueDose:
    """status: early (allowed, before the recommended age) | due | overdue."""

    vaccine: str
    dose: int
    label: str
    status: str
    due_date: date
    latest_date: date | None


@dataclass(frozen=True)
class ChildDue:
    child_id: str
    doses: tuple[DueDose, ...]


@dataclass(frozen=True)
class VaccineCount:
    vaccine: str
    doses: int
    vials: int | None


@dataclass(frozen=True)
class SessionPlan:
    session_date: date
    children: tuple[ChildDue, ...]
    totals: tuple[VaccineCount, ...]


def make_violation(code: str, messages: dict, overridable: frozenset, params: dict[str, object],
                   labels: dict[str, dict[str, str]] | None = None) -> Violation:
    """Build a violation; ``labels`` adds per-language words ({"id": {...}, "en": {...}}) to the
    message that are not stored in ``params`` (which keeps codes and ISO dates). The message writes
    dates as the PWA shows them ("15 Agu 2024"), as due.js does."""
    text = {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}
    message = {lang: fill(template, {**{k: date_text(v, lang) if isinstance(v, date) else v for k, v in params.items()},
                                     **(labels or {}).get(lang, {})})
               for lang, template in zip(("id", "en"), messages[code])}
    return Violation(code, code in overridable, message, text)


def iso_message(violation: Violation, lang: str = "en") -> str:
    """The message as written before it spelled dates out, with the ISO dates of ``params``
    ("... (2024-03-15); earliest allowed date is 2024-04-12."): the causes of older overrides."""
    out = violation.message[lang]
    for value in violation.params.values():
        if isinstance(value, str) and ISO_DAY.fullmatch(value):
            out = re.sub(rf"(?<!\d){re.escape(date_text(date.fromisoformat(value), lang))}", value, out)
        elif isinstance(value, str) and ISO_MONTH.fullmatch(value):
            out = out.replace(month_text(int(value[:4]), int(value[5:]), lang), value)
    return out


def _violation(code: str, **params: object) -> Violation:
    return make_violation(code, MESSAGES, OVERRIDABLE, params)


def applies(entry: ScheduleEntry, area: Area | None) -> bool:
    """Whether the dose is offered where the child lives (JE only in endemic kabupaten): in the kabupaten
    the schedule lists for it (for an ``endemic_only`` vaccine, the kabupaten listed are where it is
    endemic), else everywhere, except an ``endemic_only`` one: only where the child's area names it."""
    kabupaten = kabupaten_of(area.kabupaten) if area else None
    if entry.areas is not None:
        return kabupaten in entry.areas
    return not entry.endemic_only or (area is not None and entry.vaccine in area.endemic)


def date_checks(given_on: date, birth_date: date, today: date) -> list[Violation]:
    """given_before_birth and in_future (never overridable); shared with supplements."""
    out = [_violation("given_before_birth", given_on=given_on, birth_date=birth_date)] if given_on < birth_date else []
    return out + ([_violation("in_future", given_on=given_on, today=today)] if given_on > today else [])


def validate_dose(schedule: Schedule, birth_date: date, given: list[GivenDose], new: NewDose, *,
                  area: Area | None = None, today: date | None = None) -> list[Violation]:
    """Every rule the new dose breaks, in a stable order (Permenkes 12/2017 minimum ages and intervals)."""
    found = date_checks(new.given_on, birth_date, today or date.today())
    entry = schedule.entry(new.vaccine, new.dose)
    if entry is None:
        found.append(_violation("not_in_schedule", vaccine=new.vaccine, dose=new.dose, version=schedule.version))
    if new.given_on < birth_date:
        return found
    label = schedule.label(new.vaccine, new.dose)
    same = [g for g in given if g.vaccine == new.vaccine and (new.id is None or g.id != new.id)]
    if entry is not None and not applies(entry, area):
        found.append(_violation("not_in_area", label=label))
    # a dose outside the schedule too: recorded once, whatever judged it (TCV 1 on 4 and 5 December)
    if twins := sorted(g.given_on for g in same if g.dose == new.dose):
        found.append(_violation("duplicate_dose", label=label, previous_date=twins[0]))
    # its ages and intervals: the schedule's, which has none for it
    return found if entry is None else found + _order_and_timing(schedule, entry, birth_date, same, new, label)


def _order_and_timing(schedule: Schedule, entry: ScheduleEntry, birth: date, same: list[GivenDose],
                      new: NewDose, label: str) -> list[Violation]:
    found = []
    before = [g for g in same if g.dose < new.dose and g.given_on <= new.given_on]
    later = sorted((g for g in same if g.dose > new.dose and g.given_on < new.given_on), key=lambda g: g.dose)
    if new.dose > 1 and not any(g.dose == new.dose - 1 for g in before):
        found.append(_violation("dose_out_of_order", later=label, earlier=schedule.label(new.vaccine, new.dose - 1)))
    elif later:
        found.append(_violation("dose_out_of_order", later=schedule.label(new.vaccine, later[0].dose), earlier=label))
    if new.given_on < (earliest := entry.min_age.after(birth)):
        found.append(_violation("before_min_age", label=label, earliest=earliest))
    prev = max(before, key=lambda g: (g.given_on, g.dose), default=None)
    if prev and entry.min_interval and new.given_on < (need := entry.min_interval.after(prev.given_on)):
        found.append(_violation("interval_too_short", label=label, days=(new.given_on - prev.given_on).days,
                                previous=schedule.label(new.vaccine, prev.dose), previous_date=prev.given_on,
                                earliest=need))
    if entry.max_age and new.given_on > (latest := entry.max_age.after(birth)):
        found.append(_violation("after_max_age", label=label, latest=latest))
    return found + _interval_to_next(schedule, same, new)


def _interval_to_next(schedule: Schedule, same: list[GivenDose], new: NewDose) -> list[Violation]:
    """The interval to the next dose already recorded, when the new (or corrected) dose becomes its
    previous one: a dose 1 recorded after dose 2, or moved closer to it, breaks dose 2's interval."""
    after = [g for g in same if g.dose > new.dose and g.given_on >= new.given_on]
    nxt = min(after, key=lambda g: (g.given_on, g.dose), default=None)
    entry = schedule.entry(new.vaccine, nxt.dose) if nxt else None
    if nxt is None or entry is None or entry.min_interval is None:
        return []
    prev = max((g for g in [new, *same] if g.dose < nxt.dose and g.given_on <= nxt.given_on),
               key=lambda g: (g.given_on, g.dose))
    if prev is not new or nxt.given_on >= (need := entry.min_interval.after(new.given_on)):
        return []
    return [_violation("interval_too_short", label=schedule.label(new.vaccine, nxt.dose),
                       days=(nxt.given_on - new.given_on).days, previous=schedule.label(new.vaccine, new.dose),
                       previous_date=new.given_on, earliest=need)]


def immunisation_card(schedule: Schedule, birth_date: date, given: list[GivenDose], as_of: date, *,
                      area: Area | None = None, introduced: Mapping[tuple[str, int], date] | None = None) -> Card:
    """Every schedule entry's status on ``as_of`` (records after ``as_of`` are ignored), with IDL and
    Baduta Lengkap (domain.md); ``introduced``: the day each dose a later version added came in."""
    if as_of < birth_date:
        raise ValueError("as_of is before the birth date")
    first: dict[tuple[str, int], date] = {}
    for g in sorted((g for g in given if birth_date <= g.given_on <= as_of), key=lambda g: g.given_on):
        first.setdefault((g.vaccine, g.dose), g.given_on)
    built: dict[tuple[str, int], CardEntry] = {}
    for vaccine in dict.fromkeys(e.vaccine for e in schedule.entries):
        anchor = None  # the previous dose's date, real or projected (catch-up)
        for entry in schedule.doses_of(vaccine):
            item = _card_entry(schedule, entry, birth_date, first, anchor, as_of, area,
                               (introduced or {}).get((vaccine, entry.dose)))
            anchor = item.given_on or max(item.earliest_date, as_of)
            built[(vaccine, entry.dose)] = item
    ordered = tuple(built[(e.vaccine, e.dose)] for e in schedule.entries)
    return Card(as_of, ordered, _indicator(ordered, "idl", deadline("idl", birth_date), as_of),
                _indicator(ordered, "baduta", deadline("baduta", birth_date), as_of))


def deadline(indicator: str, birth_date: date) -> date:
    """The day by which IDL (the first birthday) or Baduta Lengkap (the second) is complete: its doses
    count when given before it, and the schedule version in force on it says which doses those are
    (``cards.child_card``, ``coverage``), whatever version is in force when one looks."""
    return add_months(birth_date, DEADLINE_MONTHS[indicator])


def _card_entry(schedule: Schedule, entry: ScheduleEntry, birth: date, first: dict, anchor: date | None,
                as_of: date, area: Area | None, since: date | None = None) -> CardEntry:
    earliest = entry.min_age.after(birth)
    if anchor and entry.min_interval:
        earliest = max(earliest, entry.min_interval.after(anchor))
    recommended = entry.recommended_age.after(birth)
    due, latest = max(recommended, earliest, since or earliest), entry.max_age.after(birth) if entry.max_age else None
    given_on = first.get((entry.vaccine, entry.dose))
    waiting = entry.dose - 1 if entry.dose > 1 and (entry.vaccine, entry.dose - 1) not in first else None
    if given_on:  # a dose she had counts wherever she lives now (JE given before moving out of Bali)
        status = "given"
    elif not applies(entry, area) or (since and latest and latest < since):  # never offered her
        status = "not_applicable"
    elif latest and (as_of > latest or earliest > latest):
        status = "missed"
    elif waiting or as_of < due:
        status = "upcoming"
    else:
        status = "overdue" if as_of > schedule.overdue_after.after(due) else "due"
    # a later dose of the vaccine given before as_of: this one now would be out of order (validate_dose)
    passed = any(d > entry.dose and on < as_of for (v, d), on in first.items() if v == entry.vaccine)
    can_give = not passed and (status in ("due", "overdue")
                               or (status == "upcoming" and not waiting and earliest <= as_of))
    return CardEntry(entry.vaccine, entry.dose, schedule.label(entry.vaccine, entry.dose), status, given_on,
                     recommended, earliest, due, latest, can_give, waiting, entry.counts_toward)


def _indicator(entries: tuple[CardEntry, ...], kind: str, deadline: date, as_of: date) -> IndicatorStatus:
    counted = [e for e in entries if e.counts_toward == kind and e.status != "not_applicable"]
    missing = tuple(DoseRef(e.vaccine, e.dose) for e in counted if e.given_on is None)
    late = tuple(DoseRef(e.vaccine, e.dose) for e in counted if e.given_on and e.given_on >= deadline)
    if not missing and not late:
        status = "complete"
    elif as_of < deadline:
        status = "in_progress"
    else:
        status = "incomplete" if missing else "completed_late"
    return IndicatorStatus(status, deadline, missing, late)


def outside_schedule(schedule: Schedule, birth_date: date, given: list[GivenDose], as_of: date) -> list[GivenDose]:
    """The doses given by ``as_of`` that ``schedule`` has no entry for (a vaccine outside the programme that a
    bidan recorded, TCV of a version since withdrawn), the first record of each, in date order: a dose given
    stays given, and a child's card shows them apart from the schedule's entries (``cards.child_card``)."""
    first: dict[tuple[str, int], GivenDose] = {}
    for g in sorted((g for g in given if birth_date <= g.given_on <= as_of), key=lambda g: g.given_on):
        if schedule.entry(g.vaccine, g.dose) is None:
            first.setdefault((g.vaccine, g.dose), g)
    return list(first.values())


def due_on(schedule: Schedule, children: list[ChildDoses], session_date: date, *,
           area: Area | None = None, introduced: Mapping[tuple[str, int], date] | None = None) -> SessionPlan:
    """For a posyandu day: per child the doses allowed that day (earliest date reached, previous dose
    given, not past max age) and the dose count per vaccine; vials only where the schedule gives
    doses_per_vial. A child's own ``area`` wins over the posyandu's; ``introduced`` as the card's."""
    plans = []
    for child in children:
        if child.birth_date > session_date:
            continue
        card = immunisation_card(schedule, child.birth_date, list(child.given), session_date,
                                 area=child.area or area, introduced=introduced)
        doses = tuple(DueDose(e.vaccine, e.dose, e.label, "early" if e.status == "upcoming" else e.status,
                              e.due_date, e.latest_date) for e in card.entries if e.can_give)
        if doses:
            plans.append(ChildDue(child.child_id, doses))
    return SessionPlan(session_date, tuple(plans), _totals(schedule, plans))


def _totals(schedule: Schedule, plans: list[ChildDue]) -> tuple[VaccineCount, ...]:
    counts = {v.code: 0 for v in schedule.vaccines}
    for plan in plans:
        for dose in plan.doses:
            counts[dose.vaccine] += 1
    per_vial = {v.code: v.doses_per_vial for v in schedule.vaccines}
    return tuple(VaccineCount(code, n, math.ceil(n / per_vial[code]) if per_vial[code] else None)
                 for code, n in counts.items() if n)


class OverdueDoses:
    """The labels of the doses overdue on ``as_of`` (the card's ``overdue`` entries, in schedule order),
    for many children under one schedule (the action list of a whole district): the same rules as
    ``immunisation_card``, without the rest of the card, and with every date a birth date, a dose date
    or a due date gives and every kabupaten's ``applies`` worked out once for the batch, not per child
    (tests/unit/test_overdue_doses.py holds it to the card on every kind of child)."""

    def __init__(self, schedule: Schedule, as_of: date, introduced: Mapping[tuple[str, int], date] | None = None):
        self.schedule, self.as_of = schedule, as_of
        since = introduced or {}
        order = {(e.vaccine, e.dose): i for i, e in enumerate(schedule.entries)}
        after: dict[Age, dict[date, date]] = {}  # per interval: its end from each start
        self._vaccines = tuple(
            tuple(((vaccine, e.dose), (vaccine, e.dose - 1) if e.dose > 1 else None, order[(vaccine, e.dose)],
                   schedule.label(vaccine, e.dose), e.min_interval,
                   after.setdefault(e.min_interval, {}) if e.min_interval else None, since.get((vaccine, e.dose)))
                  for e in schedule.doses_of(vaccine))
            for vaccine in dict.fromkeys(e.vaccine for e in schedule.entries))
        self._overdue_from: dict[date, date] = {}  # due date -> the last day it is only due
        self._ages: dict[date, tuple[tuple[date, date, date | None], ...]] = {}
        self._applies: dict[str | None, tuple[bool, ...]] = {}

    def _of_birth(self, birth: date) -> tuple[tuple[date, date, date | None], ...]:
        """Per schedule entry: birth + min_age, birth + recommended_age, birth + max_age (or None)."""
        if (out := self._ages.get(birth)) is None:
            out = self._ages[birth] = tuple(
                (e.min_age.after(birth), e.recommended_age.after(birth), e.max_age.after(birth) if e.max_age else None)
                for e in self.schedule.entries)
        return out

    def _applies_in(self, kabupaten: str | None) -> tuple[bool, ...]:
        if (out := self._applies.get(kabupaten)) is None:
            area = Area(kabupaten=kabupaten)
            out = self._applies[kabupaten] = tuple(applies(e, area) for e in self.schedule.entries)
        return out

    def labels(self, birth_date: date, doses: Iterable[tuple[str, int, date]],
               kabupaten: str | None = None) -> list[str]:
        """``[e.label for e in immunisation_card(schedule, birth_date, given, as_of,
        area=Area(kabupaten=kabupaten), introduced=introduced).entries if e.status == "overdue"]``, ``doses`` being the
        (vaccine, dose, given_on) of ``given``."""
        return [label for _, label in sorted(self._overdue(birth_date, doses, kabupaten, False))]

    def has_any(self, birth_date: date, doses: Iterable[tuple[str, int, date]], kabupaten: str | None = None) -> bool:
        """``bool(self.labels(birth_date, doses, kabupaten))``, stopping at the first overdue dose (the
        list's counts need not name them)."""
        return bool(self._overdue(birth_date, doses, kabupaten, True))

    def _overdue(self, birth_date: date, doses: Iterable[tuple[str, int, date]], kabupaten: str | None,
                 one: bool) -> list[tuple[int, str]]:
        """The (schedule position, label) of the overdue doses; ``one``: the first found alone."""
        as_of = self.as_of
        if as_of < birth_date:
            raise ValueError("as_of is before the birth date")
        first: dict[tuple[str, int], date] = {}
        for vaccine, dose, given_on in doses:
            if birth_date <= given_on <= as_of:
                key = (vaccine, dose)
                if key not in first or given_on < first[key]:
                    first[key] = given_on
        ages, offered, found = self._of_birth(birth_date), self._applies_in(kabupaten), []
        for doses in self._vaccines:
            anchor = None  # the previous dose's date, real or projected (catch-up)
            for key, previous, i, label, interval, ends, came in doses:
                given_on = first.get(key)
                if given_on is not None:
                    anchor = given_on
                    continue
                earliest, recommended, latest = ages[i]
                if anchor is not None and interval is not None:
                    if (end := ends.get(anchor)) is None:
                        end = ends[anchor] = interval.after(anchor)
                    earliest = max(earliest, end)
                anchor = max(earliest, as_of)
                if (not offered[i] or (previous is not None and previous not in first)
                        or (latest and (as_of > latest or earliest > latest or (came and latest < came)))):
                    continue  # not offered here (nor when it came in), waiting for the dose before, or missed
                due = max(recommended, earliest, came or earliest)
                if (overdue_from := self._overdue_from.get(due)) is None:
                    overdue_from = self._overdue_from[due] = self.schedule.overdue_after.after(due)
                if as_of >= due and as_of > overdue_from:
                    found.append((i, label))
                    if one:
                        return found
        return found
