"""/api/v1/growth: the public calculator and a child's growth chart."""
from __future__ import annotations

from flask import current_app, jsonify
from flask.views import MethodView
from flask_jwt_extended import current_user
from marshmallow import Schema, fields, validate
from sqlalchemy import select

from posyandu import access, privacy
from posyandu.access import READERS, roles_required
from posyandu.extensions import Blueprint, db, limiter
from posyandu.growth.chart import birth_point, chart_data
from posyandu.growth.models import Measurement
from posyandu.growth.schemas import StatusSchema, ZScoresSchema
from posyandu.growth.zscores import calculate, calculate_many
from posyandu.i18n import Msg
from posyandu.validators import Pattern, Timestamp

blp = Blueprint("growth", __name__, url_prefix="/api/v1", description="WHO z-scores and growth charts")
MAX_ROWS = 10_000


class CalculatorRowSchema(Schema):
    sex = fields.String(required=True, metadata={"enum": ["M", "F"]})
    birth_date = fields.Date()
    measured_on = fields.Date()
    age_days = fields.Integer()
    weight_kg = fields.Float(allow_none=True)
    length_height_cm = fields.Float(allow_none=True)
    position = fields.String(allow_none=True, metadata={"enum": ["lying", "standing"]})
    head_circumference_cm = fields.Float(allow_none=True)
    muac_cm = fields.Float(allow_none=True)
    oedema = fields.Boolean(allow_none=True)


class CalculatorRequestSchema(Schema):
    # each row is judged on its own (calculate_many): a bad one, a null one too, gets its errors in place;
    # text no database stores (NUL, a lone surrogate) too: nothing is stored, and growth.js judges it so
    CHECKED_PER_ITEM = ("measurements",)

    measurements = fields.List(fields.Raw(allow_none=True, metadata={"allOf": [{"$ref": "#/components/schemas/CalculatorRow"}]}),
                               required=True, validate=validate.Length(min=1, max=MAX_ROWS))


class CalculatorResultSchema(Schema):
    age_days = fields.Integer()
    age_months = fields.Float()
    zscores = fields.Nested(ZScoresSchema)
    flags = fields.Dict(keys=fields.String(), values=fields.Boolean(allow_none=True))
    warnings = fields.List(fields.String())
    status = fields.Nested(StatusSchema)
    errors = fields.Dict(metadata={"description": "Present instead of the result when the row's input is bad"})


class CalculatorResponseSchema(Schema):
    results = fields.List(fields.Nested(CalculatorResultSchema))


@blp.route("/growth/calculate")
class Calculator(MethodView):
    decorators = [limiter.limit(lambda: current_app.config["CALCULATOR_RATE_LIMIT"], scope="calculator")]

    @blp.arguments(CalculatorRequestSchema)
    @blp.alt_response(429, response="TOO_MANY_REQUESTS")  # problem+json, with Retry-After
    @blp.response(200, CalculatorResponseSchema)
    @blp.doc(security=[])
    def post(self, body):
        """WHO z-scores, flags and Permenkes categories for up to 10,000 rows (public).

        A row with bad input gets ``{"errors": {...}}`` in its place; the others are computed.
        """
        from posyandu.i18n import translate_field_message

        results = calculate_many(body["measurements"])
        for row in results:
            if "errors" in row:
                row["errors"] = translate_field_message(row["errors"])
        # Already in the documented shape: skip re-serialising 10,000 rows through marshmallow.
        return jsonify({"results": results})


class PlacedSchema(Schema):
    x = fields.Float(metadata={"description": "Age in months (days / 30.4375, unrounded) on wfa and lhfa; on wfl "
                                              "and wfh the length/height where the z-score reads it (WHO 0.7 cm)"})
    y = fields.Float(metadata={"description": "Weight in kg; on lhfa the length/height where the z-score reads it"})
    unjudged = fields.Boolean(metadata={"description": "Drawn hollow, not judged against the curves: a weight "
                                                       "with oedema, or a value flagged implausible (WHO)"})


class ChartPointSchema(Schema):
    id = fields.UUID()
    measured_on = fields.Date()
    age_days = fields.Integer(allow_none=True)
    age_months = fields.Float(allow_none=True)
    weight_kg = fields.Float(allow_none=True)
    length_height_cm = fields.Float(allow_none=True, metadata={"description": "As measured (see plot for where it is drawn)"})
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
                       "731 days on wfh only; a value missing, or beyond the curves: older than the WHO tables, a "
                       "length out of the wfl/wfh table)"})


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
                       "last), or every cm of the wfl (45-110) or wfh (65-120) table"})
    sd = fields.Dict(keys=fields.String(), values=fields.List(fields.Float()), metadata={
        "description": "The KMS's SD lines, one y per x value: -3, -2, 0, +1, +2, +3 SD (keys '-3' ... '3'); "
                       "lhfa has no +1 SD line (TB/U has no cut-off there). +1 SD is the KMS's orange line "
                       "(BB/U risiko berat badan lebih, BB/PB-BB/TB berisiko gizi lebih)"})
    bands = fields.List(fields.Nested(BandSchema), metadata={"description": "The coloured bands between the lines"})


class ChartSchema(Schema):
    sex = fields.String()
    birth_date = fields.Date()
    birth_point = fields.Nested(BirthPointSchema, allow_none=True, metadata={
        "description": "The birth weight and length (measured lying) as the charts' first point, at month 0 (the "
                       "Buku KIA's KMS begins with it); null when neither is known or the child was weighed on the "
                       "day of birth (that measurement is the point). Not in points: it is no measurement"})
    points = fields.List(fields.Nested(ChartPointSchema))
    curves = fields.Dict(keys=fields.String(), values=fields.Nested(CurveSchema),
                         metadata={"description": "wfa, lhfa, and wfl (under 2 years) or wfh (from 2 years; "
                                                  "with wfl too when weighings with a length from before 2 "
                                                  "years are plotted)"})


@blp.route("/children/<uuid:child_id>/growth-chart")
class GrowthChart(MethodView):
    @roles_required(*READERS)
    @blp.response(200, ChartSchema)
    def get(self, child_id):
        """A child's measurements with the WHO reference curves, for drawing the KMS charts."""
        child = access.get_child(current_user, child_id)
        privacy.record_reads("view", [child.id])
        db.session.commit()
        rows = db.session.scalars(select(Measurement).where(Measurement.child_id == child.id,
                                                            Measurement.deleted_at.is_(None))
                                  .order_by(Measurement.measured_on, Measurement.created_at))
        points = [{"id": m.id, "measured_on": m.measured_on, "age_days": m.age_days,
                   "age_months": round(m.age_days / 30.4375, 2) if m.age_days is not None else None,
                   "weight_kg": m.weight_kg, "length_height_cm": m.length_height_cm, "position": m.position,
                   "oedema": m.oedema, "zscores": m.zscores, "flags": m.flags, "status": m.status,
                   "trend": m.trend, "flagged": m.flagged} for m in rows]
        birth = birth_point(child.birth_date, child.birth_weight_kg, child.birth_length_cm,
                            [p["measured_on"] for p in points])
        if birth:  # judged as the phone judges it (growthOf): the calculator's results for day 0
            result = calculate({"sex": child.sex, "age_days": 0, "weight_kg": birth["weight_kg"],
                                "length_height_cm": birth["length_height_cm"], "position": birth["position"]})
            birth.update({k: result[k] for k in ("zscores", "flags", "status")}, oedema=False,
                         flagged=any(result["flags"].values()))
        return chart_data(child.sex, child.birth_date, points, birth)


class KbmSchema(Schema):
    version = fields.Integer(dump_only=True)
    grams_by_month = fields.Dict(keys=fields.String(validate=Pattern(
        r"^([1-9]|[1-5][0-9]|60)$", Msg("a month of age from 1 to 60", "bulan umur 1 sampai 60"))),
                                 values=fields.Integer(validate=validate.Range(1, 2000)), required=True,
                                 metadata={"description": "KBM in grams by completed month of age (1-60); month 1 is "
                                                          "required, a month missing takes the previous month's value. "
                                                          "At least 1 g: a weight that did not go up is T (Buku KIA)"})
    source = fields.String(required=True, validate=validate.Length(min=3, max=255))
    created_at = Timestamp(dump_only=True, allow_none=True, metadata={"description": "null for the built-in table"})


class KbmPublishedSchema(KbmSchema):
    recompute_pending = fields.Integer(dump_only=True, metadata={
        "description": "children whose N/T still wait to be recomputed by this table (0: none)"})


@blp.route("/growth/kbm")
class Kbm(MethodView):
    @roles_required(*READERS)
    @blp.response(200, KbmSchema)
    def get(self):
        """The KBM table (minimum monthly weight gain) in force for N/T."""
        from posyandu.growth.operations import kbm_in_force

        return kbm_in_force()

    @roles_required("admin")
    @blp.arguments(KbmSchema)
    @blp.response(201, KbmPublishedSchema)
    def post(self, body):
        """Publish a new KBM version (admin); every child's N/T is recomputed by it: in this request
        for up to `GROWTH_RECOMPUTE_REQUEST_SECONDS`, a batch of children at a time, the rest by
        `flask recompute-growth --queued` (its timer, docs/deploy.md). `recompute_pending`: the
        children whose N/T still wait (0: every child's is judged by this table);
        `GET /growth/recompute` follows them."""
        from posyandu.growth.operations import publish_kbm
        from posyandu.growth.recompute import drain_after_commit

        row = publish_kbm(body["grams_by_month"], body["source"])
        db.session.commit()
        published = {k: getattr(row, k) for k in ("version", "grams_by_month", "source", "created_at")}
        left = drain_after_commit(current_app.config["GROWTH_RECOMPUTE_REQUEST_SECONDS"])
        return {**published, "recompute_pending": left}


class RecomputeSchema(Schema):
    pending = fields.Integer(required=True, metadata={
        "description": "children whose growth results wait to be recomputed (after a KBM table was published)"})
    requested_at = Timestamp(allow_none=True, metadata={"description": "when the longest-waiting was queued"})


@blp.route("/growth/recompute")
class Recompute(MethodView):
    @roles_required("admin")
    @blp.response(200, RecomputeSchema)
    def get(self):
        """How many children's growth results (N/T after a new KBM table) still wait for their
        recompute, and since when (admin)."""
        from posyandu.growth.recompute import waiting

        return waiting()
