"""/api/v1/children/<id>/export, /children/<id>/access-log and /access-log (posyandu.privacy);
/children/<id>/history and /audit-log (posyandu.history): who read a child's data, and who changed it."""
from __future__ import annotations

import uuid

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user
from marshmallow import fields, validate

from posyandu import access, history, privacy
from posyandu.access import STAFF, roles_required, seen_first
from posyandu.errors import ValidationFailed
from posyandu.extensions import Blueprint, db
from posyandu.pagination import BAD_CURSOR, PageArgs, page_schema
from posyandu.audit import AuditLog
from posyandu.privacy import AccessLog
from posyandu.validators import Day, Schema, Timestamp, Uuid, local_today

blp = Blueprint("privacy", __name__, url_prefix="/api/v1",
                description="Personal data (UU 27/2022 PDP): a child's data export and who has read it")

LARGEST_ID = 2 ** 63 - 1  # access_log.id and audit_log.id are BIGINTs


class ReaderSchema(Schema):
    name = fields.String()
    role = fields.String()


class AccessLogItemSchema(Schema):
    at = Timestamp()
    action = fields.String(metadata={"description": "view, list, pull or export"})
    resource = fields.String(metadata={"description": "The endpoint read, e.g. GET /api/v1/children/<uuid:child_id>"})
    child_id = Uuid(allow_none=True, metadata={"description": "null for an area's bulk download"})
    posyandu_id = Uuid(allow_none=True, metadata={"description": "the posyandu of a bulk download"})
    region_code = fields.String(allow_none=True, metadata={"description": "the region of a bulk download"})
    user_id = Uuid(allow_none=True)
    reader = fields.Nested(ReaderSchema, allow_none=True)


AccessLogPage = page_schema(AccessLogItemSchema, "AccessLogPage")


class AccessLogArgs(PageArgs):
    user_id = Uuid(metadata={"description": "Only this user's reads"})
    child_id = Uuid(metadata={"description": "Only the reads naming this child (an area's bulk downloads: "
                                                    "GET /children/{id}/access-log)"})


class ChangeItemSchema(Schema):
    id = fields.Integer()
    at = Timestamp()
    action = fields.String(metadata={"description": "create, update, delete, restore, merge, transfer, recompute, … "
                                                    "(a user's: login, password_change, …)"})
    entity = fields.String(metadata={"description": "child, measurement, immunisation, supplement (the admin's "
                                                    "search: also user, invitation, parent_link, region, …)"})
    record_id = fields.String(allow_none=True)
    changes = fields.Dict(allow_none=True, metadata={
        "description": "{field: [before, after]} of the fields it changed (a record created: [null, value])"})
    reason = fields.String(allow_none=True, metadata={"description": "Why, when its author said (a deletion's "
                                                                     "reason, a dose outside the rules, a merge)"})
    user_id = Uuid(allow_none=True)
    actor = fields.Nested(ReaderSchema, allow_none=True, metadata={
        "description": "Who made it; null for a server command (client_id says which operator) or an unknown user"})


class ChildChangeItemSchema(ChangeItemSchema):
    record_day = Day(allow_none=True, metadata={
        "description": "The day of the weighing, dose or capsule the row is of, as it stands now; null for "
                       "the child's own record"})


class AuditLogItemSchema(ChangeItemSchema):
    client_id = fields.String(allow_none=True, metadata={
        "description": "The app installation (X-Client-Id), or cli:<operator> for a server command"})
    ip = fields.String(allow_none=True)


ChangePage = page_schema(ChildChangeItemSchema, "ChangePage")
AuditLogPage = page_schema(AuditLogItemSchema, "AuditLogPage")


class AuditLogArgs(PageArgs):
    user_id = Uuid(metadata={"description": "Only this user's writes"})
    entity = fields.String(validate=validate.Length(max=30), metadata={"description": "Only this kind of record"})
    record_id = fields.String(validate=validate.Length(max=64), metadata={"description": "Only this record's"})
    action = fields.String(validate=validate.Length(max=30), metadata={"description": "Only this action"})


class ChildExportSchema(Schema):
    format = fields.String(metadata={"description": "posyandu-child-export/1"})
    exported_at = Timestamp()
    child = fields.Dict()
    measurements = fields.List(fields.Dict())
    immunisations = fields.List(fields.Dict())
    supplements = fields.List(fields.Dict())
    access_log = fields.List(fields.Nested(AccessLogItemSchema))
    history = fields.List(fields.Nested(ChangeItemSchema), metadata={
        "description": "Who changed the child's data, newest first (GET /children/{id}/history)"})


def _page(stmts, limit: int, cursor: str | None, log=AccessLog, describe=privacy.described) -> dict:
    """Newest first, by id: the cursor is the last id answered. ``stmts``: one query, or several
    whose rows are the log's (each read for the page, their pages merged); ``log``: the table read
    (``access_log``, else ``audit_log``), ``describe``: its rows as answered."""
    stmts = stmts if isinstance(stmts, tuple) else (stmts,)
    if cursor:
        # ASCII digits (isdigit() also takes "²", which int() refuses), within the id's BIGINT
        if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 19 or int(cursor) > LARGEST_ID:
            raise ValidationFailed(errors={"cursor": [BAD_CURSOR]})
        stmts = tuple(stmt.where(log.id < int(cursor)) for stmt in stmts)
    found = {row.id: row for stmt in stmts
             for row in db.session.scalars(stmt.order_by(log.id.desc()).limit(limit + 1))}
    rows = [found[i] for i in sorted(found, reverse=True)[:limit + 1]]
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": describe(rows), "next_cursor": str(rows[-1].id) if more else None}


@blp.route("/children/<uuid:child_id>/export")
class ChildExport(MethodView):
    @roles_required("parent", *STAFF)
    @blp.alt_response(200, schema=ChildExportSchema, content_type="application/json", success=True,
                      description="A JSON download: the child, its measurements, doses and access history")
    def get(self, child_id):
        """Everything held about a child, as a JSON download (PDP: a parent may see and export their
        child's data; a kader, bidan or admin in scope may export it for a parent without the app).

        It holds the child's access history, which only the parent and an admin read otherwise:
        a dinkes office, which has no parent to hand it to, is answered 403."""
        child = access.get_child(current_user, child_id)
        privacy.record_reads("export", [child.id])
        db.session.flush()
        data = ChildExportSchema().dump(privacy.child_export(child))
        db.session.commit()
        response = current_app.response_class(current_app.json.dumps(data, indent=2), mimetype="application/json")
        response.headers["Content-Disposition"] = f'attachment; filename="data-anak-{child.id}-{local_today(child.kabupaten_code)}.json"'
        return response


@blp.route("/children/<uuid:child_id>/access-log")
class ChildAccessLog(MethodView):
    @roles_required("parent", "admin")
    @seen_first(access.get_child)  # a child out of sight: 404 whatever the query holds
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AccessLogPage)
    def get(self, args, child_id):
        """Who has read this child's data, newest first (the child's parent, admin): each read of the
        child's record, a list naming the child, a sync of its records, an export, and the bulk
        downloads of its posyandu or region."""
        child = access.get_child(current_user, child_id)
        return _page(privacy.child_access_log_parts(child), args["limit"], args["cursor"])


@blp.route("/access-log")
class AccessLogList(MethodView):
    @roles_required("admin")
    @blp.arguments(AccessLogArgs, location="query")
    @blp.response(200, AccessLogPage)
    def get(self, args):
        """Every read of personal data, newest first, optionally one user's or one child's (admin)."""
        return _page(privacy.access_log_query(args.get("user_id"), args.get("child_id")), args["limit"],
                     args["cursor"])


@blp.route("/children/<uuid:child_id>/history")
class ChildHistory(MethodView):
    @roles_required("parent", *STAFF)
    @seen_first(access.get_child)  # a child out of sight: 404 whatever the query holds
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ChangePage)
    def get(self, args, child_id):
        """Who changed this child's data, newest first: each change to her record and to her weighings,
        vaccine doses and vitamin A / deworming (deleted ones too), with the values before and after,
        its author's name and role, and the reason given (the child's parent; a kader, bidan or admin
        in scope. Not dinkes, which does not see the family's contact details this shows: 403). A
        duplicate registration merged into her is hers. The read is logged, as a child's record is."""
        child = access.get_child(current_user, child_id)
        page = _page(history.child_history_query(child), args["limit"], args["cursor"], AuditLog,
                     lambda rows: history.described(rows, days=True))
        privacy.record_reads("view", [child.id])
        db.session.commit()
        return page


@blp.route("/audit-log")
class AuditLogList(MethodView):
    @roles_required("admin")
    @blp.arguments(AuditLogArgs, location="query")
    @blp.response(200, AuditLogPage)
    def get(self, args):
        """Every write and every sign-in attempt, newest first, with the phone (X-Client-Id) and address
        it came from, optionally one user's, one kind of record's, one record's or one action's (admin:
        an investigation)."""
        stmt = history.audit_log_query(args.get("user_id"), args.get("entity"), args.get("record_id"), args.get("action"))
        shown: list[AuditLog] = []
        page = _page(stmt, args["limit"], args["cursor"], AuditLog,
                     lambda rows: shown.extend(rows) or history.described(rows, where_from=True))
        # its changes hold a child's values (her name, NIK, mother's phone; a weighing): a read of her data, in
        # her access history as the same rows read through /children/{id}/history are
        privacy.record_reads("view", _children_of(shown))
        db.session.commit()
        return page


def _children_of(rows: list[AuditLog]) -> list[uuid.UUID]:
    """The children whose data these audit rows hold: a child's own rows (her record, a parent link) and those of
    her weighings, doses and supplements."""
    from sqlalchemy import select

    from posyandu.audit import ENTITIES

    def as_id(text: str | None) -> uuid.UUID | None:
        try:
            return uuid.UUID(text) if text else None
        except ValueError:
            return None

    out = [as_id(r.record_id) for r in rows if r.entity in ("child", "parent_link")]
    for name, entity in ENTITIES.items():
        ids = {as_id(r.record_id) for r in rows if r.entity == name} - {None}
        if ids and name != "child" and hasattr(entity.model, "child_id"):
            out += db.session.scalars(select(entity.model.child_id).where(entity.model.id.in_(ids)))
    return [i for i in out if i is not None]
