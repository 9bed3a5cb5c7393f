"""Immunisation and supplement schemas."""
from __future__ import annotations

from datetime import date

from marshmallow import ValidationError, fields, validate

from posyandu import validators as v
from posyandu.i18n import Msg
from posyandu.immunisation import due, supplements
from posyandu.immunisation.models import DOSE_SOURCES, PLACES, SUPPLEMENT_KINDS
from posyandu.immunisation.schedule import DATES_FROM, DATES_TO
from posyandu.pagination import page_schema
from posyandu.validators import Schema, Uuid


# a vial's expiry: any plausible date (a typo such as 0202-01-01 is refused on its field)
EXPIRY_RANGE = (date(2000, 1, 1), date(2099, 12, 31))


def plausible_expiry(value: date) -> None:
    """Refused in the words of the PWA's own check (i18n.js ``expiry_years``), not as a range of ISO dates."""
    if not EXPIRY_RANGE[0] <= value <= EXPIRY_RANGE[1]:
        raise ValidationError(Msg("must be between the years 2000 and 2099", "harus antara tahun 2000 dan 2099"))


class ChildEventSchema(Schema):
    """Fields every child event shares (ids, device clock, versioning)."""

    id = Uuid()
    child_id = Uuid(dump_only=True)
    posyandu_id = Uuid(dump_only=True)
    recorded_at = v.recorded_at_field()
    possible_duplicate_of = Uuid(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    deleted_at = v.Timestamp(dump_only=True, allow_none=True)
    created_at = v.Timestamp(dump_only=True)


class ImmunisationSchema(ChildEventSchema):
    vaccine = v.Filled(required=True, validate=v.Pattern(r"^[A-Za-z0-9\-]{2,20}$", Msg(  # blank: "wajib diisi"
        "a vaccine code of 2-20 letters, digits or '-' (e.g. DPT-HB-Hib)",
        "kode vaksin 2-20 huruf, angka atau '-' (misalnya DPT-HB-Hib)")))
    dose = fields.Integer(required=True, strict=True, validate=validate.Range(1, 10))  # 1.5 is no dose 1
    given_on = v.Day(required=True, validate=v.not_future)
    batch_number = v.Trimmed(allow_none=True, validate=validate.Length(max=40), metadata={
        "description": "The vial's lot (batch) number; required when source is given"})
    expiry_date = v.Day(allow_none=True, validate=plausible_expiry, metadata={
        "description": "The vial's expiry date; required when source is given, and not before given_on"})
    given_by = v.Trimmed(allow_none=True, validate=validate.Length(max=120))
    place = fields.String(load_default="posyandu", validate=validate.OneOf(PLACES))
    source = fields.String(allow_none=True, validate=validate.OneOf(DOSE_SOURCES), metadata={
        "description": "Where this record comes from: given (at this visit, by a health worker: batch_number "
                       "and expiry_date are then required, as SATUSEHAT requires them), record (copied from the "
                       "Buku KIA or another written record), recall (the parent's recollection); null: not stated"})
    kfa_code = v.Trimmed(allow_none=True, validate=v.Pattern(r"^93\d{6}$", Msg(
        "a KFA product code: 93 and 6 more digits", "kode produk KFA: 93 diikuti 6 angka")), metadata={
        "description": "The vaccine product's code in KFA (Kamus Farmasi dan Alat Kesehatan), e.g. from the "
                       "products the schedule lists for the vaccine"})
    override_reason = v.Trimmed(allow_none=True, validate=validate.Length(max=255), metadata={"description": (
        "A bidan's (or admin's) reason to accept a dose the schedule rules refuse, for the rules that give way "
        f"(violations overridable): {', '.join(sorted(due.OVERRIDABLE))}; a kader who gives one for a rule "
        "broken is refused (403)")})
    override_by = Uuid(dump_only=True, allow_none=True,
                              metadata={"description": "The bidan or admin who accepted it"})


class ImmunisationUpdateSchema(ImmunisationSchema):
    id = v.own_id_field()
    base_version = v.base_version_field()


class SupplementSchema(ChildEventSchema):
    kind = v.Filled(required=True, validate=validate.OneOf(SUPPLEMENT_KINDS))  # blank: "wajib diisi"
    given_on = v.Day(required=True, validate=v.not_future)
    given_by = v.Trimmed(allow_none=True, validate=validate.Length(max=120))
    place = fields.String(load_default="posyandu", validate=validate.OneOf(PLACES))
    override_reason = v.Trimmed(allow_none=True, validate=validate.Length(max=255), metadata={"description": (
        "A bidan's (or admin's) reason to accept a record the rules refuse, for the rules that give way "
        f"(violations overridable): {', '.join(sorted(supplements.OVERRIDABLE))}; a kader who gives one for a rule "
        "broken is refused (403)")})
    override_by = Uuid(dump_only=True, allow_none=True,
                              metadata={"description": "The bidan or admin who accepted it"})


class SupplementUpdateSchema(SupplementSchema):
    id = v.own_id_field()
    base_version = v.base_version_field()


ImmunisationPage = page_schema(ImmunisationSchema, "ImmunisationPage")
SupplementPage = page_schema(SupplementSchema, "SupplementPage")


# --- the schedule ---------------------------------------------------------------------------
class ScheduleVersionSummarySchema(Schema):
    id = fields.Integer(allow_none=True, metadata={"description": "null: the bundled default (no version stored)"})
    version = fields.String(attribute="document.version")
    name = fields.String()
    valid_from = v.Day()
    active = fields.Boolean()
    created_at = v.Timestamp(allow_none=True)
    created_by = Uuid(allow_none=True)


class ScheduleVersionSchema(ScheduleVersionSummarySchema):
    document = fields.Dict(metadata={"description": "The schedule document (posyandu/immunisation/schedule.py): "
                                                    "vaccines (each may list its KFA products, "
                                                    "[{kfa_code, name}]), entries with ages {months, days}, "
                                                    "supplements (vitamin_a and deworming: round_months, and "
                                                    "optionally round_months_by_area {kabupaten code: months} "
                                                    "for a kabupaten/kota with rounds of its own)"})


class ScheduleInForceSchema(ScheduleVersionSchema):
    versions = fields.List(fields.Nested(ScheduleVersionSchema), metadata={"description": (
        "Every active version (this one included), oldest valid_from first, then by id. A dose is judged by "
        "the version in force on the day it was given: the newest of these whose valid_from is on or before "
        "that day (the later id on a tie), or the oldest before every one; a card or due list on a day by the "
        "version in force that day. Clients that judge offline (the PWA) keep them all and choose the same "
        "way. The bundled default alone (id null) when no version is stored.")})


class ScheduleVersionInSchema(Schema):
    document = fields.Dict(required=True, metadata={"description": "A whole schedule document; every problem "
                                                                   "is answered under errors['document.<path>']. "
                                                                   "Its valid_from is a day of 1900-01-01 to "
                                                                   "2999-12-31 (as ?on= of the schedule)"})
    active = fields.Boolean(load_default=True, metadata={"description": "Put it in force from its valid_from"})


DATE_RANGE = validate.Range(min=DATES_FROM, max=DATES_TO)  # the days a schedule may name


class OnDateArgs(Schema):
    on = v.Day(load_default=None, validate=DATE_RANGE, metadata={"description": "Default: today"})


ScheduleVersionPage = page_schema(ScheduleVersionSummarySchema, "ScheduleVersionPage")

# --- a child's card -------------------------------------------------------------------------
DOSE_STATUSES = ["given", "due", "overdue", "upcoming", "missed", "not_applicable"]


class CardDoseSchema(Schema):
    vaccine = fields.String()
    dose = fields.Integer()
    label = fields.String()
    status = fields.String(metadata={"enum": DOSE_STATUSES, "description": (
        "not_applicable: not offered where the child lives, or not given before she left the register "
        "(from her `exit_date` on: nothing is due her)")})
    given_on = v.Day(allow_none=True)
    immunisation_id = Uuid(allow_none=True)
    in_schedule = fields.Boolean(metadata={"description": (
        "false: a dose given that the schedule in force on the card's date has no entry for (a vaccine outside "
        "the programme, recorded by a bidan with her reason, or of a version since withdrawn), listed after "
        "the schedule's entries, status given, its dates null and counting toward nothing")})
    recommended_date = v.Day(allow_none=True, metadata={"description": "null only outside the schedule"})
    earliest_date = v.Day(allow_none=True, metadata={
        "description": "Minimum age and interval after the previous dose; null only outside the schedule"})
    due_date = v.Day(allow_none=True, metadata={"description": "null only outside the schedule"})
    latest_date = v.Day(allow_none=True, metadata={"description": "Maximum age (rotavirus), if any"})
    can_give = fields.Boolean(metadata={"description": "May be given on the card's date"})
    waiting_for = fields.Integer(allow_none=True, metadata={"description": "The previous dose still missing"})
    counts_toward = fields.String(allow_none=True, metadata={"enum": ["idl", "baduta", None]})


class DoseRefSchema(Schema):
    vaccine = fields.String()
    dose = fields.Integer()


class IndicatorSchema(Schema):
    status = fields.String(metadata={"enum": ["complete", "in_progress", "incomplete", "completed_late"]})
    deadline = v.Day()
    missing = fields.List(fields.Nested(DoseRefSchema))
    late = fields.List(fields.Nested(DoseRefSchema))


class SupplementDueSchema(Schema):
    kind = fields.String(metadata={"enum": list(SUPPLEMENT_KINDS)})
    round = fields.String(metadata={"description": "YYYY-MM"})


class SupplementGivenSchema(Schema):
    id = Uuid()
    kind = fields.String(metadata={"enum": list(SUPPLEMENT_KINDS)})
    given_on = v.Day()


class ImmunisationCardSchema(Schema):
    child_id = Uuid()
    as_of = v.Day()
    birth_date = v.Day()
    age_months = fields.Integer(metadata={"description": "Completed calendar months"})
    schedule_version = fields.String()
    doses = fields.List(fields.Nested(CardDoseSchema))
    idl = fields.Nested(IndicatorSchema, metadata={"description": (
        "Imunisasi Dasar Lengkap: the doses the schedule version in force on the first birthday (its deadline) "
        "counts, whatever version is in force on `as_of`")})
    baduta = fields.Nested(IndicatorSchema, metadata={"description": (
        "Imunisasi Baduta Lengkap: the doses the schedule version in force on the second birthday (its deadline) "
        "counts")})
    supplements_due = fields.List(fields.Nested(SupplementDueSchema))
    supplements_given = fields.List(fields.Nested(SupplementGivenSchema))


# --- a posyandu's due list ------------------------------------------------------------------
class DueListArgs(Schema):
    date = v.Day(load_default=None, validate=DATE_RANGE,
                       metadata={"description": "Default: the posyandu's next meeting day"})


class DueDoseSchema(Schema):
    vaccine = fields.String()
    dose = fields.Integer()
    label = fields.String()
    status = fields.String(metadata={"enum": ["early", "due", "overdue"]})
    due_date = v.Day()
    latest_date = v.Day(allow_none=True)


class DueChildSchema(Schema):
    child_id = Uuid()
    name = fields.String()
    sex = fields.String()
    birth_date = v.Day()
    age_months = fields.Integer()
    mother_name = fields.String(allow_none=True, metadata={"description": "null to a dinkes user (contact details)"})
    immunisations = fields.List(fields.Nested(DueDoseSchema))
    supplements = fields.List(fields.Nested(SupplementDueSchema))


class VaccineCountSchema(Schema):
    vaccine = fields.String()
    name = fields.String()
    doses = fields.Integer()
    doses_per_vial = fields.Integer(allow_none=True)
    vials = fields.Integer(allow_none=True, metadata={"description": "ceil(doses / doses_per_vial); null if unknown"})


class SupplementCountSchema(Schema):
    kind = fields.String(metadata={"enum": list(SUPPLEMENT_KINDS)})
    count = fields.Integer()


class DueListSchema(Schema):
    posyandu_id = Uuid()
    posyandu_name = fields.String()
    date = v.Day()
    schedule_version = fields.String()
    children = fields.List(fields.Nested(DueChildSchema))
    vaccines = fields.List(fields.Nested(VaccineCountSchema))
    supplements = fields.List(fields.Nested(SupplementCountSchema))
