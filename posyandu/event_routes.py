"""Routes for a child's events, built once for measurements, immunisations and supplements."""
from __future__ import annotations

import uuid
from datetime import date

from flask.views import MethodView
from flask_jwt_extended import current_user
from sqlalchemy import select

from posyandu import access, events, privacy
from posyandu.access import READERS, STAFF, roles_required, seen_first
from posyandu.errors import other_id_problems, refuse_other_id
from posyandu.extensions import Blueprint, db
from posyandu.pagination import PageArgs, paginate
from posyandu.registry.schemas import RecordDeleteArgs
from posyandu.validators import ID_TAKEN, STALE_VERSION, Schema


def event_blueprint(model: type, plural: str, schema: type[Schema], update_schema: type[Schema],
                    page: type[Schema], date_field: str, noun: str) -> Blueprint:
    """``/children/<id>/<plural>`` (list, create) and ``/<plural>/<id>`` (read, edit, delete)."""
    blp = Blueprint(plural, __name__, url_prefix="/api/v1", description=f"A child's {plural}")
    order = [getattr(model, date_field), model.id]

    def seen_event(user, event_id):  # type: ignore[no-untyped-def]
        return access.get_event(user, model, event_id)

    @blp.route(f"/children/<uuid:child_id>/{plural}")
    class ForChild(MethodView):
        @roles_required(*READERS)
        @seen_first(access.get_child)  # a child out of sight: 404 whatever the query holds
        @blp.arguments(PageArgs, location="query")
        @blp.response(200, page)
        @blp.doc(summary=f"The child's {plural}, oldest first")
        def get(self, args, child_id):
            child = access.get_child(current_user, child_id)
            stmt = select(model).where(model.child_id == child.id, model.deleted_at.is_(None))
            page = paginate(stmt, order, args["limit"], args["cursor"], [_date, _uuid])
            privacy.record_reads("view", [child.id])
            db.session.commit()
            return page

        @roles_required(*STAFF)  # before the body: another role's write is 403 whatever it holds
        @seen_first(access.get_child)  # and a child out of the caller's sight 404
        @blp.arguments(schema)
        @blp.response(201, schema)
        @blp.problem_response(409, ID_TAKEN)
        @blp.doc(summary=f"Record a {noun} for the child (kader, bidan, admin)")
        def post(self, body, child_id):
            obj = events.create_event(current_user, model, access.get_child(current_user, child_id, for_events=True),
                                      body)
            db.session.commit()
            return obj

    @blp.route(f"/{plural}/<uuid:event_id>")
    class ById(MethodView):
        @roles_required(*READERS)
        @blp.response(200, schema)
        @blp.doc(summary=f"One {noun}")
        def get(self, event_id):
            obj = access.get_event(current_user, model, event_id)
            privacy.record_reads("view", [obj.child_id])
            db.session.commit()
            return obj

        @roles_required(*STAFF)
        @seen_first(seen_event)
        @blp.arguments(update_schema(partial=True), field_checks=lambda data, event_id: other_id_problems(data, event_id))
        @blp.response(200, schema)
        @blp.problem_response(409, STALE_VERSION)
        @blp.doc(summary=f"Correct a {noun}")
        def patch(self, body, event_id):
            refuse_other_id(body, event_id)
            obj = access.get_event(current_user, model, event_id, for_update=True)
            before = obj.version
            obj = events.update_event(current_user, obj, body)
            privacy.record_read_unless_written(obj, before, obj.child_id)
            db.session.commit()
            return obj

        @roles_required(*STAFF)
        @seen_first(seen_event)
        @blp.arguments(RecordDeleteArgs, location="query")
        @blp.response(204)
        @blp.problem_response(409, STALE_VERSION)
        @blp.doc(summary=f"Remove a {noun} entered by mistake (kept as a tombstone)")
        def delete(self, args, event_id):
            events.delete_event(current_user, access.get_event(current_user, model, event_id, for_update=True),
                                args.get("reason"), args.get("base_version"))
            db.session.commit()

    return blp


def _date(value: str) -> date:
    return date.fromisoformat(value)


def _uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)
