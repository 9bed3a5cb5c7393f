"""/api/v1/reports/* and /api/v1/exports/fhir: monthly reports within the caller's area.

Every report answers JSON, or with ``?format=csv`` / ``?format=xlsx`` the same
rows as a download with Indonesian column headers (one sheet per report;
``/reports/workbook`` puts every report in one XLSX). A kader sees her
posyandu, a bidan her puskesmas area, dinkes its region, admin everything.
"""
from __future__ import annotations

import functools
from typing import Any, Iterable

from flask import Response, stream_with_context
from flask.views import MethodView
from flask_jwt_extended import current_user

from posyandu import access, privacy
from posyandu.access import roles_required
from posyandu.errors import ValidationFailed
from posyandu.extensions import Blueprint, db
from posyandu.heartbeat import beating
from posyandu.i18n import Msg, lang
from posyandu.registry.models import Posyandu
from posyandu.replica import reports_session
from posyandu.reports import schemas as s
from posyandu.reports.action_list import action_list, counts, cursor_after, for_role, named_as_reported, page
from posyandu.reports.cohort import mark_partial, partial_areas
from posyandu.reports.columns import REPORTS
from posyandu.reports.coverage import coverage
from posyandu.reports.exports.csv import csv_chunks
from posyandu.reports.exports.fhir import bundle_chunks
from posyandu.reports.exports.xlsx import SheetFull, file_chunks, xlsx_file
from posyandu.reports.f1 import f1_period
from posyandu.reports.filenames import download_name
from posyandu.reports.period import Period
from posyandu.reports.prevalence import overall, prevalence_period
from posyandu.reports.skdn import skdn_period

blp = Blueprint("reports", __name__, url_prefix="/api/v1",
                description="Monthly reports for puskesmas and dinkes (JSON, CSV, XLSX) and the FHIR export")
REPORTERS = ("kader", "bidan", "dinkes", "admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"type": "string", "format": "binary"}
FHIR_BUNDLE = {  # its envelope, as exports.fhir.bundle_chunks writes it; each resource is FHIR R4's own
    "type": "object", "required": ["resourceType", "id", "type", "timestamp"], "additionalProperties": False,
    "properties": {
        "resourceType": {"type": "string", "enum": ["Bundle"]}, "id": {"type": "string", "format": "uuid"},
        "type": {"type": "string", "enum": ["collection"]}, "timestamp": {"type": "string", "format": "date-time"},
        "entry": {"type": "array", "description": "absent when the area and months hold nothing (FHIR JSON has no "
                                                  "empty arrays)", "items": {
            "type": "object", "required": ["fullUrl", "resource"], "additionalProperties": False, "properties": {
                "fullUrl": {"type": "string", "description": "urn:uuid: and the resource's id"},
                "resource": {"type": "object", "required": ["resourceType", "id"], "additionalProperties": True,
                             "description": "A FHIR R4 (4.0.1) resource", "properties": {
                                 "resourceType": {"type": "string",
                                                  "enum": ["Location", "Patient", "Observation", "Immunization"]},
                                 "id": {"type": "string"}}}}}}}}
DOWNLOAD_DESCRIPTION = ("The report: JSON by default; with format=csv a UTF-8 CSV, with format=xlsx an XLSX "
                        "workbook of one sheet, both with Indonesian column headers and numbers as numbers.")


def downloads(fn: Any) -> Any:
    """Document the ``format=csv`` and ``format=xlsx`` answers beside the JSON one."""
    fn = blp.alt_response(200, schema={"type": "string"}, content_type="text/csv", success=True,
                          description=DOWNLOAD_DESCRIPTION)(fn)
    return blp.alt_response(200, schema=BINARY, content_type=XLSX, success=True, description=DOWNLOAD_DESCRIPTION)(fn)


def area_filter(args: dict) -> Any:
    """The caller's scope, narrowed to the asked region or posyandu (one out of scope is 404)."""
    access.check_area_args(current_user, args, closed=True)
    access.check_posyandu_in_region(args, [m.last for m in args["period"].months])
    clause = access.posyandu_clause(current_user)  # a posyandu closed since: its months before (cohort.open_on)
    if args.get("region_code"):
        clause = clause & access.region_clause(Posyandu.desa_code, args["region_code"])
    if args.get("posyandu_id"):
        clause = clause & (Posyandu.id == args["posyandu_id"])
    return clause


def area_download(args: dict) -> None:
    """A download naming the area's children, written as it streams: logged for the area asked
    for (posyandu.privacy), before the first byte."""
    privacy.record_area_read(current_user, "export", posyandu_id=args.get("posyandu_id"),
                             region_code=args.get("region_code"))
    db.session.commit()


def rolled_up(report: Any, period: Any, pf: Any, level: str, partial: frozenset[str] | None = None,
              said: str = "id") -> Iterable[dict]:
    """The report's rows for the period, area and level, computed only when read (a workbook's sheet
    when written: one report in memory at a time); an area the report covers only part of
    (``partial``, else read here: ``cohort.partial_areas``) is named so (``cohort.mark_partial``), in
    the language ``said``."""
    session = reports_session()
    partial = partial_areas(session, pf, level, period.last) if partial is None else partial
    yield from mark_partial(report(session, period, pf, level), partial, said)


def said_in(args: dict) -> str:
    """The language of a report's words: the caller's in JSON; a download (Indonesian headers) in Indonesian."""
    return lang() if args["format"] == "json" else "id"


def answer(name: str, args: dict, rows: Iterable[dict], *, logged: bool = False) -> Any:
    """The report as JSON, or as a CSV/XLSX download (``args["format"]``); ``logged``: a download naming
    children, logged (``area_download``) before its first byte, an XLSX once it is written (one refused,
    too long for a sheet, disclosed nothing)."""
    period = args["period"]
    if args["format"] == "json":
        return {"from_": str(period.start), "to": str(period.end), "level": args.get("level"), "rows": list(rows)}
    title, columns = REPORTS[name]
    # the follow-up list is of the children at the end of the last month, whatever the roll-up: named for that month alone
    named = {**args, "period": Period(period.end, period.end), "level": None} if name == "actions" else args
    filename = download_name(title, current_user, named, args["format"])  # "Cakupan imunisasi" → cakupan-imunisasi-…
    if args["format"] == "csv":
        if logged:
            area_download(args)
        body, mimetype = stream_with_context(beating(csv_chunks(columns, rows, args["sep"]))), "text/csv"
    else:
        written = workbook([(title, columns, rows)], "format")
        if logged:
            area_download(args)
        body, mimetype = beating(file_chunks(written)), XLSX
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


def workbook(sheets: list[Any], field: str) -> Any:
    """``xlsx_file``, or 422 on ``field`` when a sheet would hold more rows than a spreadsheet takes."""
    try:
        return xlsx_file(sheets)
    except SheetFull as full:
        rows = f"{full.limit:,}"
        said = Msg(
            f'more than {rows} rows for the sheet "{full.title}", more than a spreadsheet holds: '
            "download the CSV, or ask for fewer months or a smaller area",
            f'lebih dari {rows.replace(",", ".")} baris untuk lembar "{full.title}", melebihi isi satu lembar '
            "spreadsheet: unduh CSV, atau minta lebih sedikit bulan atau wilayah yang lebih kecil")
        raise ValidationFailed(said, errors={field: [said]}) from None  # said whole: the app shows the detail


@blp.route("/reports/skdn")
class SkdnReport(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(s.ReportArgs, location="query")
    @blp.response(200, s.SkdnReportSchema)
    @downloads
    def get(self, args):
        """SKDN (S, K, D, N, T, O, B, BGM, 2T and ratios) per month, per posyandu or rolled up."""
        rows = rolled_up(skdn_period, args["period"], area_filter(args), args["level"], said=said_in(args))
        return answer("skdn", args, rows)


@blp.route("/reports/f1")
class F1Report(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(s.ReportArgs, location="query")
    @blp.response(200, s.F1ReportSchema)
    @downloads
    def get(self, args):
        """The F1 Gizi form: SKDN counts, BB/U, S36 and vitamin A by sex and age group, per month."""
        rows = rolled_up(f1_period, args["period"], area_filter(args), args["level"], said=said_in(args))
        return answer("f1", args, rows)


@blp.route("/reports/prevalence")
class PrevalenceReport(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(s.PrevalenceArgs, location="query")
    @blp.response(200, s.PrevalenceReportSchema)
    @downloads
    def get(self, args):
        """Stunting, wasting, underweight, overweight prevalence per month, by sex and age group (flagged values excluded)."""
        rows = rolled_up(prevalence_period, args["period"], area_filter(args), args["level"], said=said_in(args))
        return answer("prevalence", args, overall(rows) if args["overall"] else rows)


@blp.route("/reports/coverage")
class CoverageReport(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(s.ReportArgs, location="query")
    @blp.response(200, s.CoverageReportSchema)
    @downloads
    def get(self, args):
        """Immunisation coverage per vaccine and dose, IDL, Baduta Lengkap and vitamin A rounds for the period.

        IDL (Baduta Lengkap) counts the children whose first (second) birthday is in the period, each judged
        by the schedule version in force on that birthday: a range of months adds up to its months' reports.
        The dose rows and rounds follow the version in force at the period's end."""
        named = functools.partial(coverage, lang=said_in(args))
        return answer("coverage", args, rolled_up(named, args["period"], area_filter(args), args["level"],
                                                  said=said_in(args)))


@blp.route("/reports/actions")
class ActionList(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(s.ActionListArgs, location="query")
    @blp.response(200, s.ActionListSchema)
    @downloads
    def get(self, args):
        """Children to follow up at the end of the (last) month: T, 2T, BGM, wasting, stunting, not weighed, overdue doses.
        JSON is a list (``items``, one page of ``limit``, and ``next_cursor``); CSV and XLSX are the whole list."""
        as_json, pf = args["format"] == "json", area_filter(args)
        rows = for_role(action_list(reports_session(), args["period"].end, pf, args.get("reason"),
                                    cursor_after(args.get("cursor")) if as_json else None,
                                    args["limit"] if as_json else None, access.posyandu_clause(current_user)),
                        current_user.role)
        if not as_json:
            return answer("actions", args, named_as_reported(reports_session(), rows, pf, args["period"].end),
                          logged=True)
        items, next_cursor = page(rows, args["limit"])
        items = list(named_as_reported(reports_session(), items, pf, args["period"].end))
        privacy.record_reads("list", [row["child_id"] for row in items])
        db.session.commit()
        period = args["period"]
        return {"from_": str(period.start), "to": str(period.end), "items": items, "next_cursor": next_cursor}


@blp.route("/reports/actions/counts")
class ActionCounts(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(s.ActionCountsArgs, location="query")
    @blp.response(200, s.ActionCountsSchema)
    def get(self, args):
        """How many children the follow-up list has, and how many for each reason (its first page is
        ``/reports/actions?limit=``: a screen needs not read a district's whole list to count it), and how
        many of them the list does not name: moved since out of the caller's area (``not_listed``)."""
        period = args["period"]
        return {"from_": str(period.start), "to": str(period.end),
                **counts(reports_session(), period.end, area_filter(args), access.posyandu_clause(current_user))}


@blp.route("/reports/workbook")
class Workbook(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(s.RollUpArgs, location="query")
    @blp.alt_response(200, schema=BINARY, content_type=XLSX, success=True, description="One sheet per report")
    def get(self, args):
        """Every report for the period and area in one XLSX workbook (one sheet per report)."""
        period, pf, level = args["period"], area_filter(args), args["level"]
        partial = partial_areas(reports_session(), pf, level, period.last)  # once for the four sheets
        sheets = [(*REPORTS["skdn"], rolled_up(skdn_period, period, pf, level, partial)),
                  (*REPORTS["f1"], rolled_up(f1_period, period, pf, level, partial)),
                  (*REPORTS["prevalence"], rolled_up(prevalence_period, period, pf, level, partial)),
                  (*REPORTS["coverage"], rolled_up(coverage, period, pf, level, partial)),
                  (*REPORTS["actions"], named_as_reported(
                      reports_session(), for_role(action_list(reports_session(), period.end, pf,
                                                              seen=access.posyandu_clause(current_user)),
                                                  current_user.role), pf, period.end))]
        written = workbook(sheets, "_schema")
        area_download(args)  # its last sheet names the children to follow up; logged once written (not refused)
        return Response(beating(file_chunks(written)), mimetype=XLSX, headers={
            "Content-Disposition": f'attachment; filename="{download_name("laporan", current_user, args, "xlsx")}"'})


@blp.route("/exports/fhir")
class FhirExport(MethodView):
    @roles_required(*REPORTERS)
    @blp.arguments(s.FhirArgs, location="query")
    @blp.alt_response(200, schema=FHIR_BUNDLE, content_type="application/fhir+json", success=True,
                      description="A FHIR R4 Bundle (type collection) of Location, Patient, Observation, Immunization")
    def get(self, args):
        """FHIR R4 Bundle of the area's children with their measurements and immunisations in the period.

        Kader, bidan, dinkes and admin, each within their area. A `Location` per posyandu; a `Patient`
        per child with a record in the period, identified by NIK (`https://fhir.kemkes.go.id/id/nik`),
        else by the mother's (`…/id/nik-ibu`), and always by our UUID; an `Observation` per value
        measured (LOINC: weight 29463-7 kg, length 8306-3 or height 8302-2 cm as measured, head
        circumference 9843-4 cm, LiLA 56072-2 cm), a value WHO's flags find implausible with a `note`
        naming them; an `Immunization` per dose (KFA product, CVX, lot and expiry, `primarySource` and
        `reportOrigin` from its `source`, SATUSEHAT's programme and IM-Ideal / IM-Kejar reason, each by the
        schedule version in force on the day the dose was given, whatever the period). Z-scores
        and nutritional status have no SATUSEHAT code and are left out. To dinkes, without the family's
        contact details. Streamed chunked: a download cut short lacks the last chunk and fails, never
        a short file (`posyandu/reports/exports/fhir.py` has every rule)."""
        chunks = bundle_chunks(reports_session(), args["period"], area_filter(args), current_user.role,
                               access.posyandu_clause(current_user))
        area_download(args)
        filename = download_name("fhir", current_user, args, "json")
        return Response(stream_with_context(beating(chunks)), mimetype="application/fhir+json",
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
