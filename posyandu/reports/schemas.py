"""Report arguments (period, area, level, format) and the report shapes."""
from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from posyandu.i18n import Msg
from posyandu.pagination import page_schema
from posyandu.registry.schemas import REGION_CODE
from posyandu.reports.action_list import REASONS
from posyandu.reports.cohort import ALL_SEXES, LEVELS, SEXES
from posyandu.reports.exports.csv import SEPARATORS
from posyandu.reports.period import (AGE_GROUPS, ALL_AGES, FIRST_MONTH, MAX_PERIOD_MONTHS, Month, MonthOutOfRange, Period,
                                      latest_month)
from posyandu.validators import Day, Schema, Uuid, WholeNumber, today

FORMATS = ("json", "csv", "xlsx")
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
BAD_MONTH = Msg("must be a month such as 2025-03", "harus bulan, misalnya 2025-03")


class PeriodArgs(Schema):
    """``month`` alone, or ``from`` and ``to`` (inclusive, at most 36 months), each from 2000-01 to the
    month under way (posyandu.reports.period.latest_month)."""

    # the pattern documents the format (the schema's own check answers BAD_MONTH, or the range)
    month = fields.String(metadata={"description": "YYYY-MM: one month (same as from=to=month), from 2000-01 to "
                                                   "the month under way (its date in WIT, UTC+9). Give month, or "
                                                   "from (with to or not), never both: one of them is required",
                                    "pattern": MONTH_PATTERN})
    from_ = fields.String(data_key="from", metadata={"description": "YYYY-MM: first month of a range (required "
                                                                    "unless month is given)",
                                                     "pattern": MONTH_PATTERN})
    to = fields.String(metadata={"description": "YYYY-MM: last month of a range (default: from)",
                                 "pattern": MONTH_PATTERN})

    @validates_schema(skip_on_field_errors=False)  # a bad month said with a bad posyandu_id, not after it
    def _period(self, data: dict, **kwargs) -> None:  # type: ignore[no-untyped-def]
        errors: dict[str, list] = {}
        for key, name in (("month", "month"), ("from_", "from"), ("to", "to")):
            if data.get(key) is not None:
                try:
                    Month.parse(data[key], today())
                except MonthOutOfRange:
                    latest = latest_month(today())
                    errors[name] = [Msg(f"must be a month from {FIRST_MONTH} to {latest}",
                                        f"harus bulan dari {FIRST_MONTH} sampai {latest}")]
                except ValueError:
                    errors[name] = [BAD_MONTH]
        if data.get("month") and (data.get("from_") or data.get("to")):
            errors.setdefault("month", []).append(Msg("give month, or from and to, not both",
                                                      "isi month, atau from dan to, jangan keduanya"))
        elif not data.get("month") and not data.get("from_"):
            errors["month"] = [Msg("give month, or from and to", "isi month, atau from dan to")]
        if errors:
            raise ValidationError(errors)
        period = _period_of(data)
        if period.end < period.start:
            raise ValidationError({"to": [Msg("must not be before from", "tidak boleh sebelum from")]})
        if len(period.months) > MAX_PERIOD_MONTHS:
            raise ValidationError({"to": [Msg(f"at most {MAX_PERIOD_MONTHS} months from 'from'",
                                              f"paling banyak {MAX_PERIOD_MONTHS} bulan dari 'from'")]})

    @post_load
    def _make_period(self, data: dict, **kwargs) -> dict:  # type: ignore[no-untyped-def]
        data["period"] = _period_of(data)
        return data


def _period_of(data: dict) -> Period:
    start = Month.parse(data.get("month") or data["from_"], today())
    end = Month.parse(data.get("month") or data.get("to") or data["from_"], today())
    return Period(start, end)


def csv_separator() -> fields.String:
    return fields.String(load_default="comma", validate=validate.OneOf(tuple(SEPARATORS)), metadata={
        "description": "CSV only: comma (default; decimal point) or semicolon (decimal comma), as a spreadsheet "
                       "set to Indonesian reads a CSV"})


class AreaArgs(Schema):
    region_code = fields.String(validate=REGION_CODE, metadata={"description": "Only this region (and below)"})
    posyandu_id = Uuid(metadata={"description": "Only this posyandu"})


def level_field(**kwargs) -> fields.String:  # type: ignore[no-untyped-def]
    return fields.String(validate=validate.OneOf(LEVELS), **kwargs)


class RollUpArgs(PeriodArgs, AreaArgs):
    """A period, an area and a roll-up level: the workbook's arguments (always XLSX)."""

    level = level_field(load_default="posyandu",
                        metadata={"description": "Roll-up: posyandu, desa, puskesmas, kecamatan or kabupaten"})


class ReportArgs(RollUpArgs):
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS),
                           metadata={"description": "json (default), csv or xlsx (Indonesian headers, one sheet; more "
                                                    "than 1,048,575 rows, which no sheet holds: 422 on format)"})
    sep = csv_separator()


class PrevalenceArgs(ReportArgs):
    overall = fields.Boolean(load_default=False, metadata={
        "description": "Only each area's rows of all sexes and ages (sex 'all', age group '0-59'), as the reports "
                       "screen reads them: an eighth of the rows"})


class ActionListArgs(PeriodArgs, AreaArgs):
    reason = fields.List(fields.String(validate=validate.OneOf(REASONS)),
                         metadata={"description": "Only children with one of these reasons (repeatable)"})
    # the README gives every report one query (month, area, level): the list names children, not areas
    level = level_field(metadata={"description": "Taken so one query serves every report; the list names "
                                                 "children whatever the roll-up"})
    limit = WholeNumber(load_default=50, validate=validate.Range(min=1, max=500), metadata={
        "description": "JSON only: at most this many children (default 50), with next_cursor for the rest (a whole "
                       "kabupaten's list is tens of thousands of children)"})
    cursor = fields.String(metadata={"description": "JSON only: the next_cursor of the page before"})
    format = fields.String(load_default="json", validate=validate.OneOf(FORMATS),
                           metadata={"description": "json (default), csv or xlsx (Indonesian headers, the whole list; "
                                                    "more than 1,048,575 children, which no sheet holds: 422 on format)"})
    sep = csv_separator()


class ActionCountsArgs(PeriodArgs, AreaArgs):
    level = level_field(metadata={"description": "Taken so one query serves every report; the counts are the "
                                                 "area's whatever the roll-up"})


class FhirArgs(PeriodArgs, AreaArgs):
    pass


def sent_whole(schema: type[Schema]) -> type[Schema]:
    """An answer's schema whose every field is always sent (null where it may be): each is required in
    the OpenAPI document, so a client generated from it does not make every count optional."""
    for field in schema._declared_fields.values():
        field.required = True
    return schema


def _area_name() -> fields.String:
    return fields.String(allow_none=True, metadata={"description": "followed by ' (sebagian)' (in English "
                                                                   "' (partial)') when the report covers only part "
                                                                   "of the area (a puskesmas's share of a kabupaten)"})


class _AreaRow(Schema):
    month = fields.String(metadata={"description": "YYYY-MM"})
    area = fields.String(metadata={"description": "posyandu or puskesmas id, or desa/kecamatan/kabupaten code"})
    area_name = _area_name()


def _ints(*names: str) -> dict:
    return {n: fields.Integer(data_key=n, attribute=n) for n in names}


def _pcts(*names: str) -> dict:
    return {n: fields.Float(allow_none=True) for n in names}


def _no_kms() -> fields.Integer:
    return fields.Integer(metadata={"description": "of D, children weighed with no KMS/Buku KIA recorded (not in K): "
                                                   "why D/K can be above 100 %"})


SkdnRowSchema = sent_whole(type("SkdnRowSchema", (_AreaRow,), {
    **_ints("S", "K", "D", "N", "T", "O", "B", "BGM"),
    "two_t": fields.Integer(data_key="2T", attribute="2T"),
    "D_prime": fields.Integer(metadata={"description": "D′ = weighed last month and this month (N + T)"}),
    "D_no_kms": _no_kms(),
    **_pcts("K_S", "D_S", "D_K", "N_D", "N_D_prime", "N_S")}))

# validate= on an answer's field documents its values (an enum), checking nothing
_BREAKDOWN = {"sex": fields.String(validate=validate.OneOf((*SEXES, ALL_SEXES)),
                                   metadata={"description": "M, F or all"}),
              "age_group": fields.String(validate=validate.OneOf((*(g for g, _, _ in AGE_GROUPS), ALL_AGES)),
                                         metadata={"description": "0-5, 6-11, 12-23, 24-35, 36-59 or 0-59 (all)"})}

F1RowSchema = sent_whole(type("F1RowSchema", (_AreaRow,), {
    **_BREAKDOWN, **_ints("S", "K", "D", "N", "T", "O", "B", "BGM", "bb_u_sangat_kurang", "bb_u_kurang", "S36",
                          "vitamin_a_blue", "vitamin_a_red"),
    "two_t": fields.Integer(data_key="2T", attribute="2T"), "D_no_kms": _no_kms()}))

PrevalenceRowSchema = sent_whole(type("PrevalenceRowSchema", (_AreaRow,), {
    **_BREAKDOWN, **_ints("measured", "flagged", "tb_u_n", "stunted", "severely_stunted", "flagged_tb_u", "bb_tb_n",
                          "wasted", "severely_wasted", "overweight", "flagged_bb_tb", "bb_u_n", "underweight",
                          "severely_underweight", "flagged_bb_u"),
    **_pcts("stunting_pct", "wasting_pct", "underweight_pct", "overweight_pct")}))


@sent_whole
class CoverageRowSchema(Schema):
    period = fields.String(metadata={"description": "the report's months: '2025-08', or '2025-06/2025-08' (ISO 8601)"})
    area = fields.String()
    area_name = _area_name()
    indicator = fields.String(metadata={"description": "for reading, e.g. 'DPT-HB-Hib 3', "
                                                       "'Imunisasi Dasar Lengkap (IDL)', 'Vitamin A biru Februari 2025' "
                                                       "(IDL, Baduta and the rounds in the answer's language; downloads "
                                                       "in Indonesian); `kind` tells the rows apart"})
    kind = fields.String(validate=validate.OneOf(("dose", "idl", "baduta", "vitamin_a_blue", "vitamin_a_red")))
    vaccine = fields.String(allow_none=True)
    dose = fields.Integer(allow_none=True)
    round = fields.String(allow_none=True, metadata={"description": "vitamin A round month YYYY-MM"})
    target = fields.Integer()
    covered = fields.Integer()
    coverage_pct = fields.Float(allow_none=True)
    given_in_period = fields.Integer(allow_none=True, metadata={
        "description": "doses given in the period: children given the dose (one entered twice counts once), at the "
                       "posyandu where each was registered on the day given, in its area of the period's end"})


@sent_whole
class ActionRowSchema(Schema):
    child_id = Uuid()
    name = fields.String()
    sex = fields.String(validate=validate.OneOf(SEXES))
    birth_date = Day()
    age_months = fields.Integer()
    posyandu_id = Uuid()
    posyandu_name = fields.String()
    mother_name = fields.String(allow_none=True, metadata={"description": "null for a dinkes user (contact details)"})
    guardian_phone = fields.String(allow_none=True, metadata={"description": "null for a dinkes user (contact details)"})
    reasons = fields.List(fields.String(validate=validate.OneOf(REASONS)))
    exit_date = Day(allow_none=True, metadata={"description": (
        "the day she left the register (died, moved out of the area), when in the month or before its end: "
        "listed in her exit's month, as its SKDN counts her; null otherwise")})
    exit_reason = fields.String(allow_none=True, validate=validate.OneOf(("died", "moved_away")))
    weighed_on = Day(allow_none=True, metadata={"description": "the weighing the KMS signs come from"})
    last_weighed_on = Day(allow_none=True)
    overdue_immunisations = fields.List(fields.String())


def report_schema(name: str, row: type[Schema]) -> type[Schema]:
    """A report's answer: its rows for the period, rolled up to ``level``."""
    return sent_whole(type(name, (Schema,), {"from_": fields.String(data_key="from"), "to": fields.String(),
                                             "level": level_field(), "rows": fields.List(fields.Nested(row))}))


SkdnReportSchema = report_schema("SkdnReportSchema", SkdnRowSchema)
F1ReportSchema = report_schema("F1ReportSchema", F1RowSchema)
PrevalenceReportSchema = report_schema("PrevalenceReportSchema", PrevalenceRowSchema)
CoverageReportSchema = report_schema("CoverageReportSchema", CoverageRowSchema)
ActionListSchema = sent_whole(type("ActionListSchema", (page_schema(ActionRowSchema, "ActionRowPage"),), {
    "from_": fields.String(data_key="from"), "to": fields.String()}))

ReasonCountsSchema = sent_whole(type("ReasonCountsSchema", (Schema,), {
    reason.replace("2T", "two_t"): fields.Integer(data_key=reason, attribute=reason) for reason in REASONS}))


@sent_whole
class ActionCountsSchema(Schema):
    from_ = fields.String(data_key="from")
    to = fields.String()
    children = fields.Integer(metadata={"description": "children on the whole follow-up list (at least one reason)"})
    reasons = fields.Nested(ReasonCountsSchema, metadata={
        "description": "children with each reason (a child with two reasons counts in both)"})
    not_listed = fields.Integer(metadata={
        "description": "of `children`, those the list (/reports/actions) does not name: moved since to a posyandu "
                       "outside the caller's area, counted where they were that month, as its SKDN counts them"})
