"""/api/v1/reports: monthly SKDN and nutrition prevalence within the caller's area."""
from __future__ import annotations

from flask.views import MethodView
from flask_jwt_extended import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates

from posyandu import access
from posyandu.access import roles_required
from posyandu.extensions import Blueprint, db
from posyandu.i18n import Msg
from posyandu.registry.models import Posyandu
from posyandu.reports.skdn import LEVELS, Month, prevalence, skdn

blp = Blueprint("reports", __name__, url_prefix="/api/v1", description="Monthly reports for puskesmas and dinkes")
REPORTERS = ("kader", "bidan", "dinkes", "admin")


class ReportArgs(Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM"})
    level = fields.String(load_default="posyandu", validate=validate.OneOf(LEVELS))
    region_code = fields.String(validate=validate.Regexp(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"))
    posyandu_id = fields.UUID()

    @validates("month")
    def _month(self, value: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        try:
            Month.parse(value)
        except ValueError:
            raise ValidationError(Msg("must be a month such as 2025-03", "harus bulan, misalnya 2025-03")) from None


class SkdnRowSchema(Schema):
    area = fields.String(metadata={"description": "posyandu id, or desa/kecamatan/kabupaten code"})
    S, K, D, N, T, O, B, BGM = (fields.Integer() for _ in range(8))
    two_t = fields.Integer(data_key="2T", attribute="2T")
    D_prime = fields.Integer(metadata={"description": "D′ = weighed last month and this month (N + T)"})
    K_S, D_S, D_K, N_D, N_D_prime, N_S = (fields.Float(allow_none=True) for _ in range(6))


class PrevalenceRowSchema(Schema):
    area = fields.String()
    measured, flagged, tb_u_n, stunted, bb_tb_n, wasted, bb_u_n, underweight, overweight = (
        fields.Integer() for _ in range(9))
    stunting_pct, wasting_pct, underweight_pct, overweight_pct = (fields.Float(allow_none=True) for _ in range(4))


class SkdnReportSchema(Schema):
    month = fields.String()
    level = fields.String()
    rows = fields.List(fields.Nested(SkdnRowSchema))


class PrevalenceReportSchema(Schema):
    month = fields.String()
    level = fields.String()
    rows = fields.List(fields.Nested(PrevalenceRowSchema))


def _filter(args: dict):
    clause = access.posyandu_clause(current_user) & Posyandu.deleted_at.is_(None)
    if args.get("region_code"):
        clause = clause & access.region_clause(Posyandu.desa_code, args["region_code"])
    if args.get("posyandu_id"):
        clause = clause & (Posyandu.id == args["posyandu_id"])
    return clause


@blp.route("/reports/skdn")
class SkdnReport(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, SkdnReportSchema)
    def get(self, args):
        """SKDN for a month, per posyandu or rolled up to desa, kecamatan or kabupaten."""
        rows = skdn(db.session, Month.parse(args["month"]), _filter(args), args["level"])
        return {"month": args["month"], "level": args["level"], "rows": rows}


@blp.route("/reports/prevalence")
class PrevalenceReport(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(ReportArgs, location="query")
    @blp.response(200, PrevalenceReportSchema)
    def get(self, args):
        """Stunting, wasting, underweight and overweight prevalence for a month (flagged values excluded)."""
        rows = prevalence(db.session, Month.parse(args["month"]), _filter(args), args["level"])
        return {"month": args["month"], "level": args["level"], "rows": rows}
