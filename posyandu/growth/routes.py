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
from posyandu.growth.chart import chart_data
from posyandu.growth.models import Measurement
from posyandu.growth.schemas import StatusSchema, ZScoresSchema
from posyandu.growth.zscores import calculate_many
from posyandu.validators import Timestamp

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
    # each row is judged on its own (calculate_many): a bad one, a null one too, gets its errors in place
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


class ChartPointSchema(Schema):
    id = fields.UUID()
    measured_on = fields.Date()
    age_days = fields.Integer(allow_none=True)
    age_months = fields.Float(allow_none=True)
    weight_kg = fields.Float(allow_none=True)
    length_height_cm = fields.Float(allow_none=True)
    position = fields.String(allow_none=True)
    zscores = fields.Nested(ZScoresSchema)
    status = fields.Nested(StatusSchema)
    trend = fields.String(allow_none=True)
    flagged = fields.Boolean()


class CurveSchema(Schema):
    x = fields.String(metadata={"description": "age_months or length_height_cm"})
    x_values = fields.List(fields.Float())
    sd = fields.Dict(keys=fields.String(), values=fields.List(fields.Float()),
                     metadata={"description": "-3, -2, 0, 2, 3 SD lines, one y per x value"})


class ChartSchema(Schema):
    sex = fields.String()
    birth_date = fields.Date()
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
                   "zscores": m.zscores, "status": m.status, "trend": m.trend, "flagged": m.flagged} for m in rows]
        return chart_data(child.sex, child.birth_date, points)


class KbmSchema(Schema):
    version = fields.Integer(dump_only=True)
    grams_by_month = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^([1-9]|[1-5][0-9]|60)$")),
                                 values=fields.Integer(validate=validate.Range(1, 2000)), required=True,
                                 metadata={"description": "KBM in grams by completed month of age (1-60); month 1 is "
                                                          "required, a month missing takes the previous month's value. "
                                                          "At least 1 g: a weight that did not go up is T (Buku KIA)"})
    source = fields.String(required=True, validate=validate.Length(min=3, max=255))
    created_at = Timestamp(dump_only=True, allow_none=True, metadata={"description": "null for the built-in table"})


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
    @blp.response(201, KbmSchema)
    def post(self, body):
        """Publish a new KBM version (admin); every child's N/T is recomputed."""
        from posyandu.growth.operations import publish_kbm

        row = publish_kbm(body["grams_by_month"], body["source"])
        db.session.commit()
        return row
