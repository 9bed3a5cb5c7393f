"""Measurement schemas; the calculator's, the growth chart's and the KBM table's (growth/routes.py)."""
from __future__ import annotations

from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from posyandu import validators as v
from posyandu.growth.categories import STATUS_CATEGORIES
from posyandu.growth.models import Measurement
from posyandu.growth.signs import HEAD_SIGNS, MUAC_SIGNS
from posyandu.growth.zscores import INDICATORS, MAX_INPUT_AGE_DAYS
from posyandu.i18n import Msg
from posyandu.pagination import PageArgs, page_schema
from posyandu.validators import Schema, Uuid


ZScoresSchema = Schema.from_dict(  # null: undefined for the row (a value missing, beyond the table)
    {name: fields.Float(required=True, allow_none=True) for name in INDICATORS}, name="ZScoresSchema")
FlagsSchema = Schema.from_dict(  # api-contract: the same keys as zscores, null where the z-score is
    {name: fields.Boolean(required=True, allow_none=True) for name in INDICATORS}, name="FlagsSchema")
StatusSchema = Schema.from_dict(  # Permenkes 2/2020 (domain.md); null: no z-score, or one flagged implausible
    {key: fields.String(required=True, allow_none=True, metadata={"enum": [*names, None]})
     for key, names in STATUS_CATEGORIES.items()}, name="StatusSchema")


MEASURED = ("weight_kg", "length_height_cm", "head_circumference_cm", "muac_cm")
NOTHING_MEASURED = Msg("enter at least the weight or a length/height", "isi minimal berat atau panjang/tinggi badan")


class MeasurementSchema(Schema):
    """A weighing/measuring; the growth results are computed by the server."""

    id = Uuid()
    child_id = Uuid(dump_only=True)
    posyandu_id = Uuid(dump_only=True)
    measured_on = v.Day(required=True, validate=v.not_future)
    weight_kg = v.Measure(allow_none=True, validate=v.between(0.5, 70, grams_hint=True))
    length_height_cm = v.Measure(allow_none=True, validate=v.between(38, 150))
    position = fields.String(allow_none=True, validate=validate.OneOf(["lying", "standing"]))
    head_circumference_cm = v.Measure(allow_none=True, validate=v.between(25, 60))
    muac_cm = v.Measure(allow_none=True, validate=v.between(5, 30))
    oedema = v.YesNo(load_default=False)
    recorded_at = v.recorded_at_field()
    trend_override = fields.String(allow_none=True, validate=validate.OneOf(["N", "T"]),
                                   metadata={"description": "A health worker's N/T judgement (needs a reason)"})
    trend_override_reason = v.Trimmed(allow_none=True, validate=validate.Length(max=255))
    # computed
    age_days = fields.Integer(dump_only=True, allow_none=True)
    zscores = fields.Nested(ZScoresSchema, dump_only=True)
    flags = fields.Dict(dump_only=True, allow_none=True)
    warnings = fields.List(fields.String(), dump_only=True, allow_none=True)
    status = fields.Nested(StatusSchema, dump_only=True)
    trend = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "KMS: N, T, O or B; null without a weight or past the KMS (over 60 completed months)"})
    trend_computed = fields.String(dump_only=True, allow_none=True)
    weight_gain_g = fields.Integer(dump_only=True, allow_none=True)
    kbm_g = fields.Integer(dump_only=True, allow_none=True)
    bgm = fields.Boolean(dump_only=True)
    two_t = fields.Boolean(dump_only=True)
    referral = fields.Boolean(dump_only=True, metadata={
        "description": "The KMS's referral signs (domain.md): BGM, 2T or weight-for-age above +1 SD. "
                       "Severe wasting (gizi buruk) and oedema are referred by their status and the "
                       "oedema flag, and LiLA and head circumference by muac_sign and head_sign, which this field does "
                       "not repeat"})
    muac_sign = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "LiLA (MUAC) sign for a child of 6-59 completed months (Kemenkes RI, Pedoman Pencegahan "
                       "dan Tatalaksana Gizi Buruk pada Balita 2019, following WHO 2013): gizi_buruk below 11.5 cm "
                       "(refer to the puskesmas), gizi_kurang 11.5 to below 12.5 cm, normal from 12.5 cm; null "
                       "without a LiLA, under 6 months (not used) or from 60 months. Not part of the reports' "
                       "wasting (BB/PB-BB/TB or oedema); the action list names gizi_buruk as muac_severe",
        "enum": [*MUAC_SIGNS, None]})
    head_sign = fields.String(dump_only=True, allow_none=True, metadata={
        "description": "Head circumference-for-age (WHO Child Growth Standards): mikrosefali below -2 SD, "
                       "makrosefali above +2 SD (both: refer to the bidan/puskesmas), normal between (-2.00 and "
                       "+2.00 included, on the rounded z-score); null without a head circumference or a z-score",
        "enum": [*HEAD_SIGNS, None]})
    possible_duplicate_of = Uuid(dump_only=True, allow_none=True)
    version = fields.Integer(dump_only=True)
    deleted_at = v.Timestamp(dump_only=True, allow_none=True)
    created_at = v.Timestamp(dump_only=True)

    @validates_schema
    def _something_measured(self, data, partial=False, **kwargs):  # type: ignore[no-untyped-def]
        if not partial and all(data.get(k) is None for k in MEASURED):  # an edit: checked on the record
            raise ValidationError(NOTHING_MEASURED, "weight_kg")
        if data.get("trend_override") and not data.get("trend_override_reason"):
            raise ValidationError(Msg("a reason is required", "alasan wajib diisi"), "trend_override_reason")

    @post_load
    def _as_stored(self, data, **kwargs):  # type: ignore[no-untyped-def]
        """Round to the columns' scale as PostgreSQL's numeric does (half away from zero), so the
        z-scores, the answer and the change log carry the stored value on every database."""
        return v.as_stored(data, Measurement)


class MeasurementUpdateSchema(MeasurementSchema):
    id = v.own_id_field()
    base_version = v.base_version_field()


class EventQueryArgs(PageArgs):
    pass


MeasurementPage = page_schema(MeasurementSchema, "MeasurementPage")


MAX_ROWS = 10_000


POSITIVE = {"exclusiveMinimum": True, "minimum": 0}  # a row with a value of 0 or less gets its errors


class CalculatorRowSchema(Schema):
    """A calculator row, documented only: the rows are read one by one (``zscores.calculate_many``)."""

    sex = fields.String(required=True, metadata={"enum": ["M", "F"]})
    birth_date = v.Day()
    measured_on = v.Day(metadata={"description": "With birth_date, instead of age_days"})
    age_days = fields.Integer(metadata={"minimum": 0, "maximum": MAX_INPUT_AGE_DAYS})
    weight_kg = v.Measure(allow_none=True, metadata=POSITIVE)
    length_height_cm = v.Measure(allow_none=True, metadata=POSITIVE)
    position = fields.String(allow_none=True, metadata={"enum": ["lying", "standing", None]})
    head_circumference_cm = v.Measure(allow_none=True, metadata=POSITIVE)
    muac_cm = v.Measure(allow_none=True, metadata=POSITIVE)
    oedema = fields.Boolean(allow_none=True)


class CalculatorRequestSchema(Schema):
    # each row is judged on its own (calculate_many): a bad one, a null one too, gets its errors in place;
    # text no database stores (NUL, a lone surrogate) too: nothing is stored, and growth.js judges it so
    CHECKED_PER_ITEM = ("measurements",)

    measurements = fields.List(fields.Raw(allow_none=True, metadata={"allOf": [{"$ref": "#/components/schemas/CalculatorRow"}]}),
                               required=True, validate=validate.Length(min=1, max=MAX_ROWS))


class CalculatorResultSchema(Schema):
    age_days = fields.Integer(required=True)
    age_months = fields.Float(required=True, metadata={"description": "age_days / 30.4375, to 2 decimals"})
    zscores = fields.Nested(ZScoresSchema, required=True)
    flags = fields.Nested(FlagsSchema, required=True, metadata={
        "description": "WHO's implausible-value flags: a flagged z-score is kept, and gets no status category"})
    warnings = fields.List(fields.String(), required=True, metadata={
        "description": "Data-quality notes for the cadre, as stable codes (e.g. standing_under_9_months, remeasure)"})
    status = fields.Nested(StatusSchema, required=True)


class CalculatorRowErrorsSchema(Schema):
    errors = fields.Dict(required=True, metadata={"description": "In place of the result of a row with bad input: "
                                                                "{field: [message, ...]}"})


class CalculatorResponseSchema(Schema):
    # one per row, in order; documented only (the route answers the rows as computed)
    results = fields.List(fields.Raw(metadata={"oneOf": [{"$ref": "#/components/schemas/CalculatorResult"},
                                                         {"$ref": "#/components/schemas/CalculatorRowErrors"}]}),
                          required=True)


class PlacedSchema(Schema):
    x = fields.Float(metadata={"description": "Age in months (days / 30.4375, unrounded) on wfa and lhfa; on wfl "
                                              "and wfh the length/height where the z-score reads it (WHO 0.7 cm)"})
    y = fields.Float(metadata={"description": "Weight in kg; on lhfa the length/height where the z-score reads it"})
    unjudged = fields.Boolean(metadata={"description": "Drawn hollow, not judged against the curves: a weight "
                                                       "with oedema, or a value flagged implausible (WHO)"})


class ChartPointSchema(Schema):
    id = Uuid()
    measured_on = v.Day()
    age_days = fields.Integer(allow_none=True)
    age_months = fields.Float(allow_none=True)
    weight_kg = fields.Float(allow_none=True)
    length_height_cm = v.Measure(allow_none=True, metadata={"description": "As measured (see plot for where it is drawn)"})
    position = fields.String(allow_none=True)
    oedema = fields.Boolean(allow_none=True)
    zscores = fields.Nested(ZScoresSchema)
    flags = fields.Dict(keys=fields.String(), values=fields.Boolean(allow_none=True),
                        metadata={"description": "Implausible values (WHO flags) by indicator"})
    status = fields.Nested(StatusSchema)
    trend = fields.String(allow_none=True)
    flagged = fields.Boolean()
    plot = fields.Dict(keys=fields.String(), values=fields.Nested(PlacedSchema, allow_none=True), metadata={
        "description": "Where each chart of curves draws the point, as the PWA's KMS does (chart.js placed): one "
                       "key per curve; null where it is not drawn (a weighing under 731 days is on wfl only, one from "
                       "731 days on wfh only; a value missing, or beyond the curves: older than the WHO tables, day 1856, "
                       "on every chart, wfh too; a length out of the wfl/wfh table)"})


class BirthPointSchema(ChartPointSchema):
    class Meta:
        exclude = ("id", "trend")

    birth = fields.Boolean(metadata={"description": "Always true: the birth record, not a measurement"})


class BandSchema(Schema):
    from_sd = fields.Integer()
    to_sd = fields.Integer()
    band = fields.String(metadata={"enum": ["warn", "ok", "over"],
                                   "description": "The KMS's colour between the two lines: warn yellow (below "
                                                  "-2 SD), ok green, over orange (above +1 SD)"})


class CurveSchema(Schema):
    x = fields.String(metadata={"description": "age_months or length_height_cm"})
    x_values = fields.List(fields.Float(), metadata={
        "description": "Whole months from 0 to the axis' last month (12 at least, 3 past the latest point, at most "
                       "61; month m is read at day round(m × 30.4375), month 61 at day 1856, the WHO tables' "
                       "last; lhfa also 23.99, read at day 730, the last lying, before month 24 read standing: "
                       "WHO's 0.7 cm step), or every cm of the wfl (45-110) or wfh (65-120) table"})
    sd = fields.Dict(keys=fields.String(), values=fields.List(fields.Float()), metadata={
        "description": "The KMS's SD lines, one y per x value: -3, -2, 0, +1, +2, +3 SD (keys '-3' ... '3'); "
                       "lhfa has no +1 SD line (TB/U has no cut-off there). +1 SD is the KMS's orange line "
                       "(BB/U risiko berat badan lebih, BB/PB-BB/TB berisiko gizi lebih)"})
    bands = fields.List(fields.Nested(BandSchema), metadata={"description": "The coloured bands between the lines"})


class ChartSchema(Schema):
    sex = fields.String()
    birth_date = v.Day()
    birth_point = fields.Nested(BirthPointSchema, allow_none=True, metadata={
        "description": "The birth weight and length (measured lying) as the charts' first point, at month 0 (the "
                       "Buku KIA's KMS begins with it); null when neither is known or the child was weighed on the "
                       "day of birth (that measurement is the point). Not in points: it is no measurement"})
    points = fields.List(fields.Nested(ChartPointSchema))
    curves = fields.Dict(keys=fields.String(), values=fields.Nested(CurveSchema),
                         metadata={"description": "wfa, lhfa, and wfl (under 2 years) or wfh (from 2 years; "
                                                  "with wfl too when weighings with a length from before 2 "
                                                  "years are plotted)"})


class KbmSchema(Schema):
    version = fields.Integer(dump_only=True)
    grams_by_month = fields.Dict(keys=fields.String(validate=v.Pattern(
        r"^([1-9]|[1-5][0-9]|60)$", Msg("a month of age from 1 to 60", "bulan umur 1 sampai 60"))),
                                 values=fields.Integer(strict=True, validate=validate.Range(1, 2000)), required=True,
                                 metadata={"description": "KBM in grams by completed month of age (1-60); month 1 is "
                                                          "required, a month missing takes the previous month's value. "
                                                          "At least 1 g: a weight that did not go up is T (Buku KIA)"})
    source = v.Filled(required=True, validate=validate.Length(min=3, max=255))  # blank: "wajib diisi"
    created_at = v.Timestamp(dump_only=True, allow_none=True, metadata={"description": "null for the built-in table"})


class KbmPublishedSchema(KbmSchema):
    recompute_pending = fields.Integer(dump_only=True, metadata={
        "description": "children whose N/T still wait to be recomputed by this table (0: none)"})


class RecomputeSchema(Schema):
    pending = fields.Integer(required=True, metadata={
        "description": "children whose growth results wait to be recomputed (after a KBM table was published)"})
    requested_at = v.Timestamp(allow_none=True, metadata={"description": "when the longest-waiting was queued"})
