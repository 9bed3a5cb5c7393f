"""/api/v1: the immunisation schedule (versions), a child's card and a posyandu's due list."""
from __future__ import annotations

from types import SimpleNamespace

from flask.views import MethodView
from flask_jwt_extended import current_user
from sqlalchemy import select

from posyandu import access, privacy
from posyandu.access import READERS, roles_required, seen_first
from posyandu.extensions import Blueprint, checked_first, db
from posyandu.immunisation import cards, operations
from posyandu.immunisation.models import ScheduleVersion
from posyandu.immunisation.schedule import load_default_schedule, schedule_to_dict
from posyandu.immunisation.schemas import (DueListArgs, DueListSchema, ImmunisationCardSchema, OnDateArgs,
                                           ScheduleInForceSchema, ScheduleVersionInSchema, ScheduleVersionPage,
                                           ScheduleVersionSchema)
from posyandu.pagination import PageArgs, paginate
from posyandu.validators import local_today

blp = Blueprint("immunisation", __name__, url_prefix="/api/v1",
                description="The national immunisation schedule, immunisation cards and due lists")
DUE_LIST_ROLES = ("kader", "bidan", "dinkes", "admin")


def _bundled() -> SimpleNamespace:
    """The bundled 2024 schedule, shown when no version is stored."""
    schedule = load_default_schedule()
    return SimpleNamespace(id=None, name=schedule.name, valid_from=schedule.valid_from, active=True,
                           created_at=None, created_by=None, document=schedule_to_dict(schedule))


def _version_id(value: object) -> int:
    """A cursor's version id; out of the column's range is a bad cursor (422), not a database error."""
    number = int(value)  # type: ignore[call-overload]
    if not 0 <= number <= 2147483647:
        raise ValueError(value)
    return number


def _version(version_id: int) -> ScheduleVersion:
    return db.get_or_404(ScheduleVersion, version_id)


@blp.route("/immunisation/schedule")
class ScheduleInForce(MethodView):
    @roles_required(*READERS)
    @blp.arguments(OnDateArgs, location="query")
    @blp.response(200, ScheduleInForceSchema)
    def get(self, args):
        """The schedule in force on ``on`` (default: today where the caller works, ``cards.today_for``), for
        every signed-in user, with every active version (``versions``): the PWA keeps them all and judges
        each dose by the version of its date."""
        versions = operations.schedules_of(db.session).versions or [_bundled()]
        row = operations.version_in_force(db.session, args["on"] or cards.today_for(current_user)) or versions[0]
        return SimpleNamespace(**{k: getattr(row, k) for k in ("id", "name", "valid_from", "active", "created_at",
                                                             "created_by", "document")}, versions=versions)


@blp.route("/immunisation/schedule/versions")
class ScheduleVersions(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, ScheduleVersionPage)
    def get(self, args):
        """Every published schedule version, oldest first."""
        return paginate(select(ScheduleVersion), [ScheduleVersion.id], args["limit"], args["cursor"], [_version_id])

    @roles_required("admin")
    @blp.arguments(ScheduleVersionInSchema)
    @blp.response(201, ScheduleVersionSchema)
    def post(self, body):
        """Publish a new schedule version (admin); each problem in the document answers 422 under its path."""
        row = operations.publish_version(current_user, body["document"], body["active"])
        db.session.commit()
        return row


@blp.route("/immunisation/schedule/versions/<int(max=2147483647):version_id>")
class ScheduleVersionById(MethodView):
    @roles_required(*READERS)
    @blp.response(200, ScheduleVersionSchema)
    def get(self, version_id):
        """One schedule version with its document."""
        return _version(version_id)


@blp.route("/immunisation/schedule/versions/<int(max=2147483647):version_id>/activate")
class ActivateVersion(MethodView):
    @roles_required("admin")
    @checked_first(_version)  # a version that does not exist: 404 whatever the body holds
    @blp.response(200, ScheduleVersionSchema)
    def post(self, version_id):
        """Put a version in force from its valid_from (admin)."""
        row = operations.set_active(current_user, _version(version_id), True)
        db.session.commit()
        return row


@blp.route("/immunisation/schedule/versions/<int(max=2147483647):version_id>/deactivate")
class DeactivateVersion(MethodView):
    @roles_required("admin")
    @checked_first(_version)  # a version that does not exist: 404 whatever the body holds
    @blp.response(200, ScheduleVersionSchema)
    @blp.problem_response(409, "It is the last active version")
    def post(self, version_id):
        """Withdraw a version (admin); the previous active one applies again."""
        row = operations.set_active(current_user, _version(version_id), False)
        db.session.commit()
        return row


@blp.route("/children/<uuid:child_id>/immunisation-card")
class ImmunisationCard(MethodView):
    @roles_required(*READERS)
    @seen_first(access.get_child)  # a child out of sight: 404 whatever the query holds
    @blp.arguments(OnDateArgs, location="query")
    @blp.response(200, ImmunisationCardSchema)
    def get(self, args, child_id):
        """The child's immunisation card on ``on`` (default today): each dose given, due, overdue, upcoming
        or missed with its dates (by the schedule version in force on ``on``), IDL and Baduta Lengkap (each by
        the version in force on its deadline, the first or second birthday), and vitamin A / deworming due.
        Today is the date where the child lives (WIB, WITA or WIT), or her birth date if that is later."""
        child = access.get_child(current_user, child_id)
        privacy.record_reads("view", [child.id])
        db.session.commit()
        return cards.child_card(child, args["on"] or cards.today_of(child))


@blp.route("/posyandu/<uuid:posyandu_id>/due-list")
class DueList(MethodView):
    @roles_required(*DUE_LIST_ROLES)
    @seen_first(access.get_posyandu)
    @blp.arguments(DueListArgs, location="query")
    @blp.response(200, DueListSchema)
    def get(self, args, posyandu_id):
        """Children due on a session day (default: the next meeting day): immunisation doses, vitamin A and
        deworming in their round months, and the doses and vials per vaccine to bring. The next meeting day
        is counted from the date where the posyandu is (WIB, WITA or WIT)."""
        posyandu = access.get_posyandu(current_user, posyandu_id)
        on = args["date"] or cards.next_meeting_day(posyandu.meeting_day, local_today(posyandu.kabupaten_code))
        due = cards.due_list(posyandu, on)
        privacy.record_reads("list", [row["child_id"] for row in due["children"]])
        db.session.commit()
        return {**due, "children": [privacy.as_seen_by(current_user.role, row) for row in due["children"]]}
