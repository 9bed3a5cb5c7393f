"""/api/v1/growth: the public calculator and a child's growth chart."""
from __future__ import annotations

from flask import current_app, jsonify
from flask.views import MethodView
from flask_jwt_extended import current_user
from sqlalchemy import select

from posyandu import access, privacy
from posyandu.access import READERS, roles_required
from posyandu.extensions import Blueprint, db, limiter
from posyandu.growth.chart import birth_point, chart_data
from posyandu.growth.models import Measurement
from posyandu.growth.operations import kbm_problems
from posyandu.growth.schemas import (CalculatorRequestSchema, CalculatorResponseSchema, ChartSchema, KbmPublishedSchema,
                                     KbmSchema, RecomputeSchema)
from posyandu.growth.zscores import calculate, calculate_many

blp = Blueprint("growth", __name__, url_prefix="/api/v1", description="WHO z-scores and growth charts")


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


@blp.route("/growth/kbm")
class Kbm(MethodView):
    @roles_required(*READERS)
    @blp.response(200, KbmSchema)
    def get(self):
        """The KBM table (minimum monthly weight gain) in force for N/T."""
        from posyandu.growth.operations import kbm_in_force

        return kbm_in_force()

    @roles_required("admin")
    @blp.arguments(KbmSchema, field_checks=kbm_problems)
    @blp.response(201, KbmPublishedSchema)
    def post(self, body):
        """Publish a new KBM version (admin); every child's N/T is recomputed by it: in this request
        for up to `GROWTH_RECOMPUTE_REQUEST_SECONDS`, a batch of children at a time, the rest by
        `flask recompute-growth --queued` (its timer, docs/deploy.md). `recompute_pending`: the
        children whose N/T still wait (0: every child's is judged by this table);
        `GET /growth/recompute` follows them. A table the same as the one in force (months missing
        filled from the month before; the built-in one when none was published) is 422 on
        `grams_by_month`: a version changing nothing would judge every N/T again."""
        from posyandu.growth.operations import publish_kbm
        from posyandu.growth.recompute import drain_after_commit

        row = publish_kbm(body["grams_by_month"], body["source"])
        db.session.commit()
        published = {k: getattr(row, k) for k in ("version", "grams_by_month", "source", "created_at")}
        left = drain_after_commit(current_app.config["GROWTH_RECOMPUTE_REQUEST_SECONDS"])
        return {**published, "recompute_pending": left}


@blp.route("/growth/recompute")
class Recompute(MethodView):
    @roles_required("admin")
    @blp.response(200, RecomputeSchema)
    def get(self):
        """How many children's growth results (N/T after a new KBM table) still wait for their
        recompute, and since when (admin)."""
        from posyandu.growth.recompute import waiting

        return waiting()
