"""Measurement schemas."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from posyandu import validators as v
from posyandu.growth.models import Measurement
from posyandu.growth.signs import HEAD_SIGNS, MUAC_SIGNS
from posyandu.i18n import Msg
from posyandu.pagination import PageArgs, page_schema


class ZScoresSchema(Schema):
    wfa = fields.Float(allow_none=True)
    lhfa = fields.Float(allow_none=True)
    wfl = fields.Float(allow_none=True)
    wfh = fields.Float(allow_none=True)
    bfa = fields.Float(allow_none=True)
    hcfa = fields.Float(allow_none=True)
    acfa = fields.Float(allow_none=True)


class StatusSchema(Schema):
    bb_u = fields.String(allow_none=True)
    tb_u = fields.String(allow_none=True)
    bb_tb = fields.String(allow_none=True)
    imt_u = fields.String(allow_none=True)


MEASURED = ("weight_kg", "length_height_cm", "head_circumference_cm", "muac_cm")
NOTHING_MEASURED = Msg("enter at least the weight or a length/height", "isi minimal berat atau panjang/tinggi badan")


class MeasurementSchema(Schema):
    """A weighing/measuring; the growth results are computed by the server."""

    id = fields.UUID()
    child_id = fields.UUID(dump_only=True)
    posyandu_id = fields.UUID(dump_only=True)
    measured_on = fields.Date(required=True, validate=v.not_future)
    weight_kg = fields.Float(allow_none=True, validate=v.between(0.5, 70, grams_hint=True))
    length_height_cm = fields.Float(allow_none=True, validate=v.between(38, 150))
    position = fields.String(allow_none=True, validate=validate.OneOf(["lying", "standing"]))
    head_circumference_cm = fields.Float(allow_none=True, validate=v.between(25, 60))
    muac_cm = fields.Float(allow_none=True, validate=v.between(5, 30))
    oedema = fields.Boolean(load_default=False)
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
    possible_duplicate_of = fields.UUID(dump_only=True, allow_none=True)
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
    base_version = fields.Integer(load_only=True, strict=True, validate=validate.Range(min=1))


class EventQueryArgs(PageArgs):
    pass


MeasurementPage = page_schema(MeasurementSchema, "MeasurementPage")
