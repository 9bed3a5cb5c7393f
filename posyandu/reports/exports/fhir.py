"""A FHIR R4 ``collection`` Bundle of a posyandu's or region's children and their
measurements and immunisations in a period (domain.md, "Interoperability").

* ``Location`` per posyandu; ``Patient`` per child with a record in the period,
  identified by NIK (``https://fhir.kemkes.go.id/id/nik``), else by the mother's
  NIK (``…/id/nik-ibu``; also when the child's NIK is the mother's, entered twice), and
  always by our UUID; a child whose exit is recorded as a death carries ``deceasedDateTime``;
* ``Observation`` per value measured: body weight 29463-7 [kg], body length
  8306-3 (lying; an infant under 9 months entered standing too) or body height 8302-2
  (standing) [cm], the value measured (not the 0.7 cm-adjusted one), head circumference
  9843-4 [cm], mid-upper arm circumference 56072-2 [cm] (LOINC, UCUM units); one per day and
  measure: of two weighings of one day (the later flagged a possible duplicate), the later, which
  the KMS trend, SKDN and prevalence count (``standing_observations``).
  Z-scores and nutritional status have no SATUSEHAT code and are left out; a value a WHO flag
  marks implausible (kept, left out of prevalence: domain.md) carries a ``note`` naming the flags;
* ``Immunization`` per dose: the KFA product code when recorded (named as the schedule
  lists it), the CVX code (SATUSEHAT's "CVX name") and our own vaccine code; dose number,
  lot and expiry; ``primarySource`` true for a dose given by the health worker who recorded
  it (``source`` given), false with ``reportOrigin`` (written record, parent's recall) for
  one copied or recalled; a record that does not say is true only when given here (not
  elsewhere) with the vial's lot and expiry, which SATUSEHAT requires of a dose recorded by its
  giver (a dose without them claimed as such was refused), else false, with no ``reportOrigin``;
  as location the posyandu, or for a dose given at the puskesmas the posyandu's puskesmas (a
  ``Location`` of its own, in the Bundle before the first dose naming it), none for one given
  elsewhere: the posyandu the dose was recorded at, not the one its record moved to with the
  child (a move, a merge: ``_given_at``), in the Bundle too when outside the area
  (``inactive`` if closed); and the reason as SATUSEHAT's Immunization example writes it, one ``reasonCode``
  with two codings: the programme, IM-Dasar (basic: a dose counting toward IDL, or due in
  the first year) or IM-Baduta (the under-two boosters: counting toward Baduta
  Lengkap, or due from 12 months) in SATUSEHAT's ``immunization-reason``, with the
  routine timing IM-Ideal / IM-Kejar (``immunization-routine-timing``): ideal when given
  before the dose was overdue by the schedule's recommended age (one ``overdue_after`` past
  it) and not past its maximum age, catch-up after (HB0, allowed up to 7 days, given at
  3 weeks on a bidan's override is late, not ideal); both, with the dose's name and KFA product, by
  the schedule version in force on the day it was given, so a dose is coded alike in every period
  exported (the version at the period's end made a dose on time in its month catch-up in a range). Imunisasi kejar is for a child who did not
  get a dose at the age the schedule sets (Permenkes 12/2017): a dose whose earliest date moved
  with a late dose before it is catch-up too, however soon after that one it came. The same dose recorded
  twice (two phones: the later kept, flagged ``possible_duplicate_of`` the first) is exported
  once, as the first, as coverage counts it.

Resources reference each other by ``urn:uuid`` full URLs. The JSON is written
entry by entry, one chunk of children at a time (memory stays flat).
"""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timezone
from typing import Any, Iterator

from sqlalchemy import or_, select, true

from posyandu.audit import AuditLog
from posyandu.database import among
from posyandu.growth.models import Measurement
from posyandu.growth.zscores import HEIGHT_FROM_DAYS, STANDING_PLAUSIBLE_FROM_DAYS
from posyandu.immunisation.due import Area, GivenDose, immunisation_card
from posyandu.immunisation.models import Immunisation
from posyandu.immunisation.operations import SchedulesInForce, schedules_of
from posyandu.immunisation.schedule import Schedule
from posyandu.privacy import as_seen_by, own_nik
from posyandu.registry.models import Child, Posyandu, Puskesmas
from posyandu.reports.cohort import (as_of, events_in_area, moved_after, open_on, placed_on, scoped_posyandu_ids,
                                     seen_now)
from posyandu.reports.period import Period

CHUNK = 500
UCUM, LOINC, CVX = "http://unitsofmeasure.org", "http://loinc.org", "http://hl7.org/fhir/sid/cvx"
KFA = "http://sys-ids.kemkes.go.id/kfa"
ORIGIN = "http://terminology.hl7.org/CodeSystem/immunization-origin"
ORIGINS = {"record": "Written Record", "recall": "Parent/Guardian/Patient Recall"}
NIK, NIK_IBU = "https://fhir.kemkes.go.id/id/nik", "https://fhir.kemkes.go.id/id/nik-ibu"
TIMING = "http://terminology.kemkes.go.id/CodeSystem/immunization-routine-timing"
REASON = "http://terminology.kemkes.go.id/CodeSystem/immunization-reason"
PROGRAMME = {"IM-Dasar": "Imunisasi Program Rutin Dasar", "IM-Baduta": "Imunisasi Program Rutin Lanjutan Baduta"}
OUR_VACCINES = "https://posyandu.example/fhir/CodeSystem/vaccine"
CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
# Our vaccine codes → CVX (CDC): the "CVX name" SATUSEHAT asks for.
CVX_CODES = {"HB0": ("08", "Hep B, adolescent or pediatric"), "BCG": ("19", "BCG"), "OPV": ("178", "OPV bivalent"),
             "DPT-HB-Hib": ("198", "DTP-hepB-Hib Pentavalent Non-US"), "IPV": ("10", "IPV"),
             "PCV": ("152", "Pneumococcal Conjugate, unspecified formulation"),
             "RV": ("122", "rotavirus, unspecified formulation"), "MR": ("04", "M/R"),
             "JE": ("129", "Japanese Encephalitis, unspecified formulation")}
# (column, LOINC code, display, category)
MEASURES = (("weight_kg", "29463-7", "Body weight", "vital-signs", "kg"),
            ("head_circumference_cm", "9843-4", "Head Occipital-frontal circumference", "vital-signs", "cm"),
            ("muac_cm", "56072-2", "Mid upper arm circumference", "exam", "cm"))
# the WHO flags (domain.md: implausible, kept, left out of prevalence) each measured value enters
FLAGS_OF = {"weight_kg": ("wfa", "wfl", "wfh", "bfa"), "length_height_cm": ("lhfa", "wfl", "wfh", "bfa"),
            "head_circumference_cm": ("hcfa",), "muac_cm": ("acfa",)}
# the indices the flags are of, as Indonesia names them (domain.md, the PWA): the note's Indonesian
INDEX_NAMES = {"wfa": "BB/U", "wfl": "BB/PB", "wfh": "BB/TB", "bfa": "IMT/U", "hcfa": "LK/U", "acfa": "LiLA/U"}
LENGTH = ("8306-3", "Body height --lying")
HEIGHT = ("8302-2", "Body height")


def _urn(value: Any) -> str:
    return f"urn:uuid:{value}"


def _entry(resource: dict[str, Any]) -> dict[str, Any]:
    return {"fullUrl": _urn(resource["id"]), "resource": resource}


ADMINISTRATIVE_CODE = "https://fhir.kemkes.go.id/r4/StructureDefinition/administrativeCode"
ADMINISTRATIVE_LEVELS = ("province", "city", "district", "village")


def location(p: Posyandu | Puskesmas) -> dict[str, Any]:
    """A posyandu (or puskesmas) as a Location, its address carrying its region's Kemendagri codes as
    SATUSEHAT's ``administrativeCode`` extension (without dots: "35", "3525", "352501", "3525012001"): two
    posyandu Mawar of one kabupaten, named alike, are told apart by their desa."""
    status = "inactive" if getattr(p, "deleted_at", None) else "active"  # a posyandu closed since
    out = {"resourceType": "Location", "id": str(p.id), "status": status, "name": p.name, "mode": "instance",
           "identifier": [{"system": "urn:ietf:rfc:3986", "value": _urn(p.id)}]}
    parts = (getattr(p, "desa_code", None) or getattr(p, "kecamatan_code", None) or "").split(".")
    address: dict[str, Any] = {"use": "work", "country": "ID"}
    if getattr(p, "address", None):
        address["text"] = p.address
    if parts != [""]:
        codes = [{"url": level, "valueCode": "".join(parts[:i + 1])}
                 for i, level in enumerate(ADMINISTRATIVE_LEVELS[:len(parts)])]
        address["extension"] = [{"url": ADMINISTRATIVE_CODE, "extension": codes}]
    out["address"] = address
    return out


def patient(c: Child) -> dict[str, Any]:
    ids = [{"system": "urn:ietf:rfc:3986", "value": _urn(c.id)}]
    if own_nik(c.nik, c.mother_nik):
        ids.insert(0, {"use": "official", "system": NIK, "value": c.nik})
    elif c.mother_nik:
        ids.insert(0, {"use": "secondary", "system": NIK_IBU, "value": c.mother_nik})
    out = {"resourceType": "Patient", "id": str(c.id), "identifier": ids, "active": True,
           "name": [{"use": "official", "text": c.name}], "gender": "male" if c.sex == "M" else "female",
           "birthDate": c.birth_date.isoformat()}
    if c.exit_reason == "died":  # recorded as the child's exit (a move away is no fact about the patient)
        out["deceasedDateTime"] = c.exit_date.isoformat()
    if c.address:
        out["address"] = [{"use": "home", "text": c.address}]
    return out


def _observation(m: Measurement, key: str, code: tuple[str, str], category: str, value: float,
                 unit: str) -> dict[str, Any]:
    return {"resourceType": "Observation", "id": str(uuid.uuid5(m.id, key)), "status": "final",
            "category": [{"coding": [{"system": CATEGORY, "code": category}]}],
            "code": {"coding": [{"system": LOINC, "code": code[0], "display": code[1]}], "text": code[1]},
            "subject": {"reference": _urn(m.child_id)}, "effectiveDateTime": m.measured_on.isoformat(),
            "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit}}


def observations(m: Measurement) -> list[dict[str, Any]]:
    """One Observation per value measured (length vs height by the recorded or the WHO default position;
    standing under 9 months counts as not recorded, as in the growth calculator), each value as measured."""
    return list(_observations_by_column(m).values())


def _observations_by_column(m: Measurement) -> dict[str, dict[str, Any]]:
    out = {col: _observation(m, col, (code, display), cat, getattr(m, col), unit)
           for col, code, display, cat, unit in MEASURES if getattr(m, col) is not None}
    if m.length_height_cm is not None:
        days = m.age_days or 0
        position = None if m.position == "standing" and days < STANDING_PLAUSIBLE_FROM_DAYS else m.position
        lying = position == "lying" or (position is None and days < HEIGHT_FROM_DAYS)
        out["length_height_cm"] = _observation(m, "length_height_cm", LENGTH if lying else HEIGHT, "vital-signs",
                                               m.length_height_cm, "cm")
    for col, obs in out.items():
        flagged = [k for k in FLAGS_OF[col] if (m.flags or {}).get(k) is True]
        if flagged:  # SATUSEHAT has no code for it: said in a note, as the value stays (a re-measure is asked)
            named = ", ".join(INDEX_NAMES.get(k) or ("PB/U" if (m.age_days or 0) < HEIGHT_FROM_DAYS else "TB/U")
                              for k in flagged)
            obs["note"] = [{"text": f"Di luar batas wajar WHO ({named}): tidak dihitung dalam prevalensi, perlu "
                                    f"diukur ulang. Implausible by the WHO flags ({', '.join(flagged)}): left out of "
                                    "prevalence."}]
    return out


def standing_observations(measurements: list[Measurement]) -> list[dict[str, Any]]:
    """The Observations of a child's measurements, one per day and measure: two weighings of one day
    (two phones, or a re-weighing) are both kept, the later flagged a possible duplicate, and the
    KMS trend, SKDN and prevalence take the later (``cohort.visits_between``: day, then recording
    order); so does the export, measure by measure (a re-weighing without a length leaves the day's
    length standing), rather than telling SATUSEHAT of two weights on one day."""
    kept: dict[tuple[date, str], dict[str, Any]] = {}
    for m in sorted(measurements, key=lambda m: (m.measured_on, m.created_at, m.id)):
        for col, obs in _observations_by_column(m).items():
            kept[(m.measured_on, col)] = obs  # the day's later value replaces the earlier
    return list(kept.values())


def immunization(i: Immunisation, schedule: Schedule, ideal: bool | None,
                 location_id: uuid.UUID | None = None) -> dict[str, Any]:
    """``location_id``: the Location where the dose was given, in the Bundle (None: none, given elsewhere)."""
    coding = [{"system": OUR_VACCINES, "code": i.vaccine}]
    if i.vaccine in CVX_CODES:
        coding.insert(0, {"system": CVX, "code": CVX_CODES[i.vaccine][0], "display": CVX_CODES[i.vaccine][1]})
    if i.kfa_code:
        product = schedule.product(i.kfa_code)
        coding.insert(0, {"system": KFA, "code": i.kfa_code, **({"display": product.name} if product else {})})
    out: dict[str, Any] = {
        "resourceType": "Immunization", "id": str(i.id), "status": "completed",
        "vaccineCode": {"coding": coding, "text": schedule.label(i.vaccine, i.dose) if schedule.entry(i.vaccine, i.dose)
                        else f"{i.vaccine} {i.dose}"},
        "patient": {"reference": _urn(i.child_id)}, "occurrenceDateTime": i.given_on.isoformat(),
        "primarySource": i.source == "given" if i.source else (
            i.place != "elsewhere" and bool(i.batch_number) and i.expiry_date is not None),
        "protocolApplied": [{"doseNumberPositiveInt": i.dose}]}
    if location_id is not None:
        out["location"] = {"reference": _urn(location_id)}
    if i.source in ORIGINS:
        out["reportOrigin"] = {"coding": [{"system": ORIGIN, "code": i.source, "display": ORIGINS[i.source]}]}
    if i.batch_number:
        out["lotNumber"] = i.batch_number
    if i.expiry_date:
        out["expirationDate"] = i.expiry_date.isoformat()
    reason = []  # the programme, then the timing, as SATUSEHAT's example orders them
    entry = schedule.entry(i.vaccine, i.dose)
    if entry is not None:
        programme = programme_of(entry)
        reason.append({"system": REASON, "code": programme, "display": PROGRAMME[programme]})
    if ideal is not None:
        code = "IM-Ideal" if ideal else "IM-Kejar"
        reason.append({"system": TIMING, "code": code, "display": "Imunisasi Ideal" if ideal else "Imunisasi Kejar"})
    if reason:
        out["reasonCode"] = [{"coding": reason}]
    return out


def programme_of(entry: Any) -> str:
    """IM-Dasar or IM-Baduta for a schedule entry: by what it counts toward (IDL, Baduta Lengkap),
    else by its recommended age (the first year is basic immunisation; 12-23 months, boosters)."""
    if entry.counts_toward in ("idl", "baduta"):
        return "IM-Dasar" if entry.counts_toward == "idl" else "IM-Baduta"
    return "IM-Dasar" if entry.recommended_age.approx_days() < 365 else "IM-Baduta"


def _on_time(schedules: SchedulesInForce, child: Child, doses: list[Immunisation], as_of: date) -> dict[Any, bool]:
    """Per immunisation id: given before the dose was overdue by its recommended age (the card's
    ``recommended_date``, not its ``due_date``, which a late dose before it moves) and by its maximum
    age (the card's ``latest_date``: HB0's 7 days end before a month past its recommended day 0), and
    not on the catch-up schedule a late dose before it set: a dose whose earliest day (the card's
    ``earliest_date``) a catch-up dose of its vaccine pushed past its own minimum age is catch-up too,
    however soon after that one it came (a booster whose earliest day stays its minimum age is not).
    Each dose by the version in force on the day it was given, its card entry that version's: judged by
    the version at the period's end, MR 2 on time at 18 months was exported IM-Kejar once a version
    moving it to 15 months came in force within the period, and IM-Ideal in its month's export alone."""
    given, area = [GivenDose(i.vaccine, i.dose, i.given_on) for i in doses], Area(kabupaten=child.kabupaten_code)
    cards: dict[int, dict[tuple[str, int], Any]] = {}  # per version (few): its card's entries given

    def given_entry(schedule: Schedule, key: tuple[str, int]) -> Any:
        if id(schedule) not in cards:
            card = immunisation_card(schedule, child.birth_date, given, max(as_of, child.birth_date), area=area)
            cards[id(schedule)] = {(e.vaccine, e.dose): e for e in card.entries if e.given_on is not None}
        return cards[id(schedule)].get(key)

    first: dict[tuple[str, int], date] = {}  # the day each dose was given (the card's ``given_on``: its first)
    for i in sorted(doses, key=lambda i: i.given_on):
        first.setdefault((i.vaccine, i.dose), i.given_on)
    timely: dict[tuple[str, int], bool] = {}
    for (vaccine, dose), day in sorted(first.items()):
        schedule = schedules.on(day)
        if (e := given_entry(schedule, (vaccine, dose))) is None:
            continue  # not in its version, or after ``as_of``
        moved = (not timely.get((vaccine, dose - 1), True)
                 and e.earliest_date > schedule.entry(vaccine, dose).min_age.after(child.birth_date))
        timely[(vaccine, dose)] = on_time(e.given_on, schedule, e) and not moved
    return {i.id: timely[(i.vaccine, i.dose)] for i in doses if (i.vaccine, i.dose) in timely}


def on_time(given_on: date, schedule: Schedule, entry: Any) -> bool:
    """IM-Ideal rather than IM-Kejar: given by one ``overdue_after`` past the recommended date, and
    not past the dose's maximum age (a card entry's ``latest_date``, None without one)."""
    late = schedule.overdue_after.after(entry.recommended_date)
    return given_on <= late and (entry.latest_date is None or given_on <= entry.latest_date)


def _given_at(session: Any, doses: list[Immunisation]) -> dict[str, uuid.UUID]:
    """Per dose (its id as text) whose record has moved: the posyandu it was recorded at. A child's
    records follow her to a new posyandu, or into the child her duplicate registration was merged into
    (``registry.operations._repoint_events``), each record's ``posyandu_id`` with them, while a dose
    stays given where it was. Read from the first audit row naming the record's posyandu: its
    creation's value, or the former one of its first move."""
    out: dict[str, uuid.UUID] = {}
    if not doses:
        return out
    rows = session.execute(select(AuditLog.record_id, AuditLog.changes).where(
        AuditLog.entity == "immunisation", among(session, AuditLog.record_id, [str(i.id) for i in doses]))
        .order_by(AuditLog.id))
    for record_id, changes in rows:
        if record_id in out or not isinstance(changes, dict) or not changes.get("posyandu_id"):
            continue
        before, after = changes["posyandu_id"]
        if before or after:
            out[record_id] = uuid.UUID(str(before or after))
    return out


def _children(period: Period, pf: Any, seen: Any) -> Any:
    """The children the reports count in the area at the period's end (``cohort.placed_on``: a child moved
    since, at the posyandu she left) measured or given a dose in the period, of those the caller sees now
    (``seen``: a clause on Posyandu): a Bundle names them, so a child moved out of the caller's area is not
    in it, though the period's reports count her there."""
    on = period.last
    measured = select(Measurement.child_id).where(Measurement.measured_on.between(period.first, period.last),
                                                  Measurement.deleted_at.is_(None), events_in_area(Measurement, pf, on))
    immunised = select(Immunisation.child_id).where(Immunisation.given_on.between(period.first, period.last),
                                                    Immunisation.deleted_at.is_(None),
                                                    events_in_area(Immunisation, pf, on))
    placed = select(Posyandu.id).where(pf, open_on(on))
    return (select(Child).where(Child.deleted_at.is_(None), placed_on(on).in_(placed),
                                Child.posyandu_id.in_(seen_now(seen)),
                                or_(Child.id.in_(measured), Child.id.in_(immunised))).order_by(Child.id))


def _events(session: Any, model: type, date_col: Any, ids: Any, period: Period | None) -> dict[Any, list[Any]]:
    stmt = select(model).where(model.child_id.in_(ids), model.deleted_at.is_(None))
    if period is not None:
        stmt = stmt.where(date_col.between(period.first, period.last))
    out: dict[Any, list[Any]] = {}
    for obj in session.scalars(stmt.order_by(model.child_id, date_col, model.id)):
        out.setdefault(obj.child_id, []).append(obj)
    return out


def _posyandu_then(session: Any, which: Any, on: date) -> list[Any]:
    """The posyandu ``which`` (a clause on Posyandu) takes as they stood on ``on`` (``cohort.as_of``: the
    puskesmas and desa of then, which the period's reports count them under), in the order of their ids:
    rows with the attributes ``location`` reads. Read as they stand now, a posyandu handed since to a
    puskesmas opened after the period had its doses coded as given there, and its Location the desa it
    moved to."""
    stmt = select(*(getattr(Posyandu, name).label(name) for name in (
        "id", "name", "desa_code", "puskesmas_id", "address", "deleted_at"))).where(which)
    return list(session.execute(as_of(session, stmt.order_by(Posyandu.id), on)))


def bundle_entries(session: Any, period: Period, posyandu_filter: Any, role: str,
                   seen: Any = true()) -> Iterator[dict[str, Any]]:
    """Locations, then per child its Patient, Observations and Immunizations. ``role``: the caller's,
    whose Patients carry no family contact details when it is a health office's (``privacy.as_seen_by``)."""
    schedules = schedules_of(session)  # each dose judged by the version of its day
    then: dict[Any, Any] = {}  # posyandu → as it stood at the period's end (``_posyandu_then``)
    # the area's posyandu of then, with their desa of then
    for p in _posyandu_then(session, Posyandu.id.in_(scoped_posyandu_ids(posyandu_filter)), period.last):
        then[p.id] = p
        yield _entry(location(p))
    placed: set[Any] = set(then)  # the Locations already in the Bundle
    dose_puskesmas: dict[tuple[Any, date], Any] = {}  # (posyandu, day) → its puskesmas that day
    moved = moved_after(session, period.first)  # a posyandu moved since the period began (most days: none)

    def stood(posyandu_id: Any) -> Any:
        """The posyandu as it stood at the period's end, read once (one outside the area: a dose given there)."""
        if posyandu_id not in then:
            then.update((p.id, p) for p in _posyandu_then(session, Posyandu.id == posyandu_id, period.last))
            then.setdefault(posyandu_id, None)  # none such: not asked again
        return then[posyandu_id]

    def puskesmas_on(posyandu_id: Any, day: date) -> Any:
        """The puskesmas the posyandu was under on ``day``, read once a posyandu and day, and only when a
        posyandu moved since the period began (else the one at the period's end)."""
        if (posyandu_id, day) not in dose_puskesmas:
            row = _posyandu_then(session, Posyandu.id == posyandu_id, day)[0] if moved else stood(posyandu_id)
            dose_puskesmas[posyandu_id, day] = row.puskesmas_id
        return dose_puskesmas[posyandu_id, day]

    result = session.scalars(as_of(session, _children(period, posyandu_filter, seen), period.last)
                             .execution_options(yield_per=CHUNK))
    for chunk in result.partitions(CHUNK):
        ids = [c.id for c in chunk]
        measured = _events(session, Measurement, Measurement.measured_on, ids, period)
        # the whole history (its timing: IM-Ideal or IM-Kejar) only of the children with a dose in the period,
        # the only ones with Immunizations in the Bundle: reading every child's was most of a district's export
        dosed = select(Immunisation.child_id).where(Immunisation.child_id.in_(ids), Immunisation.deleted_at.is_(None),
                                                    Immunisation.given_on.between(period.first, period.last))
        immunised = _events(session, Immunisation, Immunisation.given_on, dosed, None)
        given_at = _given_at(session, [i for doses in immunised.values() for i in doses
                                       if period.first <= i.given_on <= period.last and i.place != "elsewhere"])
        for child in chunk:
            yield _entry(patient(as_seen_by(role, child)))
            yield from (_entry(o) for o in standing_observations(measured.get(child.id, [])))
            # the same dose recorded twice: the first stands for both (flag_duplicates_again keeps it unflagged)
            doses = [i for i in immunised.get(child.id, []) if i.possible_duplicate_of is None]
            on_time = _on_time(schedules, child, doses, period.last) if doses else {}
            for i in doses:
                if not period.first <= i.given_on <= period.last:
                    continue
                where = None
                if i.place != "elsewhere":
                    at = given_at.get(str(i.id), i.posyandu_id)
                    if stood(at) is None:  # the posyandu the audit names exists no more: the record's own
                        at = i.posyandu_id
                    at_posyandu = i.place == "posyandu"
                    where = at if at_posyandu else puskesmas_on(at, i.given_on)
                    if where not in placed:
                        placed.add(where)
                        yield _entry(location(stood(at) if at_posyandu else session.get(Puskesmas, where)))
                yield _entry(immunization(i, schedules.on(i.given_on), on_time.get(i.id), where))


def bundle_chunks(session: Any, period: Period, posyandu_filter: Any, role: str, seen: Any = true()) -> Iterator[bytes]:
    """The Bundle as JSON, written entry by entry, as ``role`` may see it (``bundle_entries``)."""
    stamp = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    head = {"resourceType": "Bundle", "id": str(uuid.uuid4()), "type": "collection", "timestamp": stamp}
    entries = bundle_entries(session, period, posyandu_filter, role, seen)
    first = next(entries, None)
    if first is None:  # FHIR JSON has no empty arrays
        yield json.dumps(head).encode()
        return
    yield (json.dumps(head)[:-1] + ', "entry": [' + json.dumps(first, ensure_ascii=False)).encode("utf-8")
    for entry in entries:
        yield (", " + json.dumps(entry, ensure_ascii=False)).encode("utf-8")
    yield b"]}"
