"""/api/v1/imports/visits: bulk import of children and visits from a spreadsheet (bidan, admin)."""
from __future__ import annotations

from flask import Response, current_app
from flask.views import MethodView
from flask_jwt_extended import current_user

from posyandu import access
from posyandu.access import HEALTH_WORKERS, roles_required
from posyandu.extensions import Blueprint, db
from posyandu.imports.operations import import_file, refusal, settle
from posyandu.imports.schemas import ImportArgs, ImportFileSchema, ImportRefusalSchema, ImportResultSchema
from posyandu.imports.template import FILENAME, template_xlsx
from posyandu.validators import NothingHere

blp = Blueprint("imports", __name__, url_prefix="/api/v1", description="Imports of puskesmas spreadsheets")


@blp.route("/imports/visits")
class VisitImport(MethodView):
    @roles_required(*HEALTH_WORKERS)
    @blp.arguments(ImportArgs, location="query")
    @blp.arguments(ImportFileSchema, location="files")
    @blp.ARGUMENTS_PARSER.use_args(NothingHere(ImportArgs().fields, "form"), location="form")  # the file only
    @blp.response(201, ImportResultSchema, description="Imported (with accept_valid, the valid rows)")
    @blp.alt_response(200, schema=ImportResultSchema, success=True, description="dry_run: what would happen")
    @blp.alt_response(422, schema=ImportRefusalSchema, content_type="application/problem+json",
                      description="Refused: the file (errors.file), or its rows (errors.rows, with skipped_rows)")
    def post(self, args, files, _form):
        """Import children and visits from a CSV/XLSX file: all or nothing, idempotent, with a dry run.

        A refused file answers 422 with ``errors.rows`` = {row number: {column: [reasons]}} and ``skipped_rows``
        (the totals lines skipped, as a check lists them); a file of more rows than one upload takes
        (``IMPORT_MAX_ROWS``, 3000 by default) 422 on ``file``.
        """
        upload = files["file"]
        posyandu_id = args.pop("posyandu_id")
        if posyandu_id is not None:  # one she does not see (or closed): 404 naming it, as a report's filter
            access.check_area_args(current_user, {"posyandu_id": posyandu_id})
        result = import_file(current_user, upload.stream, upload.filename, **args,
                             max_rows=current_app.config["IMPORT_MAX_ROWS"],
                             posyandu=None if posyandu_id is None else str(posyandu_id))
        settle(result)
        db.session.commit()
        if not result.committed:
            if not result.dry_run:
                raise refusal(result)
            return result, 200
        return result


@blp.route("/imports/visits/template")
class VisitImportTemplate(MethodView):
    @roles_required(*HEALTH_WORKERS)
    @blp.alt_response(200, schema={"type": "string", "format": "binary"},
                      content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", success=True,
                      description="XLSX: sheet Data (the headers) and sheet Petunjuk (what each column takes)")
    def get(self):
        """The spreadsheet to fill for ``POST /imports/visits``: every column the import reads, headed as a
        register heads them (NIK and phone columns formatted as text, dates day first)."""
        return Response(template_xlsx(), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": f'attachment; filename="{FILENAME}"'})
