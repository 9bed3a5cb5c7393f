"""/api/v1/regions, /puskesmas, /posyandu, /children."""
from __future__ import annotations

import uuid

from flask import current_app
from flask.views import MethodView
from flask_jwt_extended import current_user
from sqlalchemy import select

from posyandu import access, privacy
from posyandu.access import HEALTH_WORKERS, READERS, STAFF, roles_required, seen_first
from posyandu.auth import operations as auth_ops
from posyandu.database import name_contains
from posyandu.errors import Conflict, NotFound, ValidationFailed, other_id_problems, refuse_other_id
from posyandu.extensions import Blueprint, db
from posyandu.pagination import PageArgs, cursor_instant, paginate
from posyandu.registry import operations as ops
from posyandu.registry.models import Posyandu, Puskesmas, Region
from posyandu.registry.schemas import (ChildPage, ChildQueryArgs, ChildSchema, ChildUpdateSchema, DeleteArgs,
                                       DeletedChildPage, DeletedChildQueryArgs,
                                       InvitationSchema, LinkedParentPage, MergeSchema, MovedChildrenSchema,
                                       MoveChildrenSchema, NotDuplicateSchema, RecordDeleteArgs, RestoreSchema,
                                       OpenInvitationPage, PosyanduPage, PosyanduQueryArgs, PosyanduSchema,
                                       PosyanduUpdateSchema, PuskesmasPage, PuskesmasQueryArgs, PuskesmasSchema,
                                       PuskesmasUpdateSchema, RegionPage, RegionQueryArgs, RegionSchema)
from posyandu.validators import ID_TAKEN, STALE_VERSION

blp = Blueprint("registry", __name__, url_prefix="/api/v1", description="Areas, posyandu and children")


@blp.route("/regions")
class Regions(MethodView):
    @roles_required(*READERS)
    @blp.arguments(RegionQueryArgs, location="query")
    @blp.response(200, RegionPage)
    def get(self, args):
        """Kemendagri regions, optionally the children of one region, or one region by its code."""
        stmt = select(Region)
        if args.get("parent_code"):
            stmt = stmt.where(Region.parent_code == args["parent_code"])
        if args.get("code"):
            stmt = stmt.where(Region.code == args["code"])
        return paginate(stmt, [Region.code], args["limit"], args["cursor"])

    @roles_required("admin")
    @blp.arguments(RegionSchema)
    @blp.response(201, RegionSchema, description="Created")
    @blp.alt_response(200, schema=RegionSchema, success=True, description="Renamed (or as it was): the code existed")
    def post(self, body):
        """Create or rename a region (admin): 201 when created, 200 when the code existed."""
        existed = db.session.get(Region, body["code"]) is not None
        region = ops.upsert_region(body["code"], body["name"])
        db.session.commit()
        return (region, 200) if existed else region


@blp.route("/puskesmas")
class PuskesmasList(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PuskesmasQueryArgs, location="query")
    @blp.response(200, PuskesmasPage)
    def get(self, args):
        """Puskesmas (health centres) the caller's area touches, by name."""
        stmt = select(Puskesmas).where(access.puskesmas_clause(current_user))
        return paginate(stmt, [Puskesmas.name, Puskesmas.id], args["limit"], args["cursor"], [None, uuid.UUID])

    @roles_required("admin")
    @blp.arguments(PuskesmasSchema, field_checks=ops.puskesmas_problems)
    @blp.response(201, PuskesmasSchema)
    def post(self, body):
        """Create a puskesmas (admin).

        A refusal (422) names every field's error at once: a kecamatan not registered, a code
        another puskesmas has, case aside (409 if two admins give it at once), and a name another
        puskesmas of the kecamatan has ("Puskesmas" before it and case aside) with the format errors
        of the others. The code is stored upper-cased."""
        pkm = ops.create_puskesmas(body)
        db.session.commit()
        return pkm


@blp.route("/puskesmas/<uuid:puskesmas_id>")
class PuskesmasById(MethodView):
    @roles_required("admin")
    @seen_first(lambda _user, puskesmas_id: db.get_or_404(Puskesmas, puskesmas_id))
    @blp.arguments(PuskesmasUpdateSchema(partial=True), field_checks=lambda data, puskesmas_id: ops.puskesmas_problems(
        data, db.get_or_404(Puskesmas, puskesmas_id)))
    @blp.response(200, PuskesmasSchema)
    def patch(self, body, puskesmas_id):
        """Rename a puskesmas, correct its code, or move it to its kecamatan's new code (admin).

        Judged as a new one is (`POST /puskesmas`): its code and its name not another's. After a
        region split its kabupaten follows the kecamatan; its posyandu are moved one by one
        (``PATCH /posyandu/{id}`` with their desa's new code), each taking its children along."""
        pkm = ops.update_puskesmas(db.get_or_404(Puskesmas, puskesmas_id), body)
        db.session.commit()
        return pkm


@blp.route("/posyandu")
class PosyanduList(MethodView):
    @roles_required(*READERS)
    @blp.arguments(PosyanduQueryArgs, location="query")
    @blp.response(200, PosyanduPage)
    def get(self, args):
        """Posyandu within the caller's area. A puskesmas or desa asked for that the caller does not
        see (or that does not exist) is 404, as for its reports."""
        access.check_area_args(current_user, args)
        stmt = select(Posyandu).where(access.posyandu_clause(current_user), Posyandu.deleted_at.is_(None))
        if args.get("puskesmas_id"):
            stmt = stmt.where(Posyandu.puskesmas_id == args["puskesmas_id"])
        if args.get("desa_code"):  # a kecamatan's code (or above) lists its desa's posyandu, as a report's region_code
            stmt = stmt.where(access.region_clause(Posyandu.desa_code, args["desa_code"]))
        return paginate(stmt, [Posyandu.id], args["limit"], args["cursor"], [uuid.UUID])

    @roles_required("admin", "bidan")
    @blp.arguments(PosyanduSchema, field_checks=lambda data: ops.posyandu_problems(current_user, data))
    @blp.response(201, PosyanduSchema)
    @blp.problem_response(409, ID_TAKEN)
    def post(self, body):
        """Create a posyandu (admin, or a bidan within her puskesmas).

        A refusal (422) names every field's error at once: a desa or puskesmas unknown (or, for a
        bidan, not hers) with the format errors of the others."""
        pos = ops.create_posyandu(current_user, body)
        db.session.commit()
        return pos


@blp.route("/posyandu/<uuid:posyandu_id>")
class PosyanduById(MethodView):
    @roles_required(*READERS)
    @blp.response(200, PosyanduSchema)
    def get(self, posyandu_id):
        """One posyandu."""
        return access.get_posyandu(current_user, posyandu_id)

    @roles_required("admin", "bidan")  # before the body: a kader's or dinkes's change is 403 whatever it holds
    @seen_first(access.get_posyandu)  # and another puskesmas' posyandu 404
    @blp.arguments(PosyanduUpdateSchema(partial=True),
                   field_checks=lambda data, posyandu_id: {**other_id_problems(data, posyandu_id),
                                                           **ops.posyandu_problems(current_user, data, posyandu_id)})
    @blp.response(200, PosyanduSchema)
    def patch(self, body, posyandu_id):
        """Change a posyandu's name, meeting day, address or puskesmas (admin, or a bidan within her puskesmas).

        Another role is refused (403) whatever the body holds."""
        refuse_other_id(body, posyandu_id)
        pos = ops.update_posyandu(current_user, access.get_posyandu(current_user, posyandu_id, for_update=True), body)
        db.session.commit()
        return pos

    @roles_required("admin")
    @seen_first(access.get_posyandu)
    @blp.arguments(DeleteArgs, location="query")
    @blp.response(204)
    @blp.problem_response(409, "Children are still registered there, or kader still active (named)")
    def delete(self, args, posyandu_id):
        """Close a posyandu with no children left and no active kader (admin).

        409 while children are registered there, or while kader are still active there (named:
        move them to another posyandu or switch their accounts off first)."""
        ops.delete_posyandu(current_user, access.get_posyandu(current_user, posyandu_id, for_update=True),
                            args.get("reason"))
        db.session.commit()


@blp.route("/posyandu/<uuid:posyandu_id>/move-children")
class PosyanduChildrenMove(MethodView):
    @roles_required("admin", "bidan")  # a kader's or dinkes's: 403 whatever the body holds
    @seen_first(access.get_posyandu)  # another puskesmas' posyandu: 404
    @blp.arguments(MoveChildrenSchema)
    @blp.response(200, MovedChildrenSchema)
    def post(self, body, posyandu_id):
        """Move every child registered at this posyandu to another (admin, or a bidan between her puskesmas's
        posyandu): before it is closed, or when two merge. Each moves as `PATCH /children/{id}` with a new
        `posyandu_id` moves one: her months before stay counted where she was, she is judged against the
        children there (a likely duplicate is flagged, not refused: `possible_duplicates`), the old posyandu's
        phones are told she is gone and the new one's pull her. All or none: a refusal moves no one.

        422 when `to_posyandu_id` is this posyandu, closed, or outside the caller's area. Its kader are not
        moved: `PATCH /users/{id}` each."""
        result = ops.move_children(current_user, posyandu_id, body["to_posyandu_id"], body.get("reason"))
        db.session.commit()
        return result


@blp.route("/children")
class Children(MethodView):
    @roles_required(*READERS)
    @blp.arguments(ChildQueryArgs, location="query")
    @blp.response(200, ChildPage)
    def get(self, args):
        """Children within the caller's scope, by name. A posyandu asked for that the caller does not
        see (or that does not exist, or is closed) is 404, as for its reports."""
        access.check_area_args(current_user, args)
        stmt = access.scoped_children(current_user)
        if args.get("posyandu_id"):
            stmt = stmt.where(access.Child.posyandu_id == args["posyandu_id"])
        if args.get("q"):
            stmt = stmt.where(name_contains(access.Child.name, args["q"]))
        page = paginate(stmt, [access.Child.name, access.Child.id], args["limit"], args["cursor"], [None, uuid.UUID])
        privacy.record_reads("list", [child.id for child in page["items"]])
        db.session.commit()
        page["items"] = [privacy.as_seen_by(current_user.role, child) for child in page["items"]]
        return page

    @roles_required(*STAFF)
    @blp.arguments(ChildSchema)
    @blp.response(201, ChildSchema)
    @blp.problem_response(409, ID_TAKEN)
    def post(self, body):
        """Register a child (kader, bidan, admin). A likely duplicate is flagged, not refused."""
        child = ops.create_child(current_user, body)
        db.session.commit()
        return child


@blp.route("/children/<uuid:child_id>")
class ChildById(MethodView):
    @roles_required(*READERS)
    @blp.response(200, ChildSchema)
    def get(self, child_id):
        """One child (to dinkes without the family's contact details: mother_name, father_name, guardian_phone,
        address, rt and rw null; mother_nik too, unless the child has no NIK of her own)."""
        child = access.get_child(current_user, child_id)
        privacy.record_reads("view", [child.id])
        db.session.commit()
        return privacy.as_seen_by(current_user.role, child)

    @roles_required(*STAFF)
    @seen_first(access.get_child)  # a child out of her sight: 404 whatever the body holds
    @blp.arguments(ChildUpdateSchema(partial=True), field_checks=lambda data, child_id: other_id_problems(data, child_id))
    @blp.response(200, ChildSchema)
    @blp.problem_response(409, STALE_VERSION)
    def patch(self, body, child_id):
        """Correct a child's details, move the child to another posyandu, or record her exit from the register
        (`exit_date` with `exit_reason`: died, moved out of the area; both null undoes it): reports count her
        up to and including her exit's month, never after. A changed birth date or sex recomputes every measurement."""
        refuse_other_id(body, child_id)
        ops.lock_to_judge(child_id, body)  # as a registration, before the child's lock
        child = access.get_child(current_user, child_id, for_update=True)
        before = child.version
        child = ops.update_child(current_user, child, body)
        privacy.record_read_unless_written(child, before, child.id)
        db.session.commit()
        return child

    @roles_required(*STAFF)
    @seen_first(access.get_child)
    @blp.arguments(RecordDeleteArgs, location="query")
    @blp.response(204)
    @blp.problem_response(409, STALE_VERSION)
    def delete(self, args, child_id):
        """Remove a child registered by mistake (kept as a tombstone); on the version read, if
        ``base_version`` is given (409 when another change came since)."""
        ops.delete_child(current_user, access.get_child(current_user, child_id, for_update=True), args.get("reason"),
                         args.get("base_version"))
        db.session.commit()


@blp.route("/children/deleted")
class DeletedChildren(MethodView):
    @roles_required(*HEALTH_WORKERS)
    @blp.arguments(DeletedChildQueryArgs, location="query")
    @blp.response(200, DeletedChildPage)
    def get(self, args):
        """The deleted children of the caller's area that may be brought back (bidan, admin), the last
        deleted first: who deleted each and why, her records deleted with her, and those a phone
        sent for her since (kept for review). Merged duplicates and children erased after their
        retention period are not listed."""
        access.check_area_args(current_user, args, closed=True)
        stmt = ops.deleted_children(current_user)
        if args.get("posyandu_id"):
            stmt = stmt.where(access.Child.posyandu_id == args["posyandu_id"])
        page = paginate(stmt, [access.Child.deleted_at, access.Child.id], args["limit"], args["cursor"],
                        [cursor_instant, uuid.UUID], descending=True)
        facts = ops.deletion_facts(page["items"])
        privacy.record_reads("list", [child.id for child in page["items"]])
        db.session.commit()
        page["items"] = [{**_deleted_fields(child), **facts[child.id]} for child in page["items"]]
        return page


def _deleted_fields(child):  # type: ignore[no-untyped-def]
    return {key: getattr(child, key) for key in ("id", "name", "sex", "birth_date", "posyandu_id", "deleted_at")}


@blp.route("/children/<uuid:child_id>/restore")
class ChildRestore(MethodView):
    @roles_required(*HEALTH_WORKERS)
    @seen_first(lambda user, child_id: _restorable(user, child_id))  # out of her area: 404 whatever the body holds
    @blp.arguments(RestoreSchema, required=False)
    @blp.response(200, ChildSchema)
    def post(self, body, child_id):
        """Bring back a deleted child (bidan, admin) with the weighings, doses and capsules deleted with
        her; those a phone sent for her since count again too. Her phones receive her at their next
        sync. Not a merged duplicate nor a child erased after her retention period (404: neither is in
        ``/children/deleted``); not at a posyandu closed since (404 to a bidan: out of her area, as
        its children; 422 on ``posyandu_id`` to an admin, who names the open posyandu she comes back at,
        ``posyandu_id``: she is moved there, her history with her).

        Idempotent: a retry of a restore made already (its answer lost) is answered 200 with the
        child as she stands."""
        to = (body or {}).get("posyandu_id")
        posyandu_id = db.session.scalar(select(access.Child.posyandu_id).where(access.Child.id == child_id))
        # judged as a registration there (and at the posyandu she comes back at)
        access.lock_posyandu_for_children([p for p in (posyandu_id, to) if p])
        access.lock_children([child_id], access.CHILD)
        child = _restorable(current_user, child_id)
        if child.deleted_at is None:  # restored already
            privacy.record_reads("view", [child.id])
            db.session.commit()
            return child
        child = ops.restore_child(current_user, child, {"posyandu_id": to} if to else {})
        db.session.commit()
        return child


def _restorable(user, child_id: uuid.UUID):  # type: ignore[no-untyped-def]
    """The deleted child ``restore`` brings back, or the child standing (restored already); 404 when
    the caller sees neither."""
    child = db.session.scalar(ops.deleted_children(user).where(access.Child.id == child_id))
    return child if child is not None else access.get_child(user, child_id)


@blp.route("/children/<uuid:child_id>/merge")
class ChildMerge(MethodView):
    @roles_required(*HEALTH_WORKERS)
    @seen_first(lambda user, child_id: _merge_target(user, child_id))
    @blp.arguments(MergeSchema)
    @blp.response(200, ChildSchema)
    @blp.problem_response(409, "child_merged: this child was itself merged into another, the child that "
                               "stands named in merged_into (merge into that one); or conflict, errors.duplicate_id: "
                               "a bidan ruled the two different children (not-duplicate) and they are not flagged again; "
                               "or parents_differ: each child has a parent account or an open invitation code the "
                               "other has not (named in detail, the accounts' ids in parents and the codes counted "
                               "in open_codes, by child id), merged only with parents_confirmed")
    def post(self, body, child_id):
        """Merge a duplicate registration into this child (bidan, admin).

        A merge cannot be undone: a pair not flagged as possible duplicates (either way round) is
        merged only when it could be one child, the same sex and born at most a year apart (a
        year mistyped); otherwise 422 on ``duplicate_id`` (correct the wrong record first). A pair
        a bidan ruled apart (``not-duplicate``) and not flagged since is 409.

        The duplicate becomes a tombstone with ``merged_into`` = this child; its
        measurements, immunisations, supplements and parent links move here, and
        later offline changes addressed to the duplicate's id are applied here.
        Duplicate flags follow: this child's flag against the duplicate is cleared, the
        duplicate's own flag against a third child passes here when this child has none,
        and children flagged against the duplicate are flagged against this child. Flags stay
        within one posyandu: a duplicate of another posyandu passes none, and the children
        there flagged against it are judged again among that posyandu's children. None goes
        against a child a bidan ruled the other apart from (not-duplicate: twins); such a child
        is judged again among the others.

        Idempotent: a retry of a merge made already (its answer lost) is answered 200 with this
        child, as the merge was, and changes nothing. A merge into a child that was itself merged
        into another is 409 ``child_merged``, naming the child that stands in ``merged_into``
        when the caller sees it (otherwise 404, as for any child outside the caller's area)."""
        access.lock_children({child_id, body["duplicate_id"]})  # both at once, by id: never in opposite orders
        winner = _merge_target(current_user, child_id, for_update=True)
        try:
            loser = access.get_child(current_user, body["duplicate_id"], for_update=True)
        except NotFound:
            if not ops.merged_already(current_user, winner, body["duplicate_id"]):
                raise ValidationFailed(errors={"duplicate_id": [ops.UNKNOWN]}) from None
            privacy.record_reads("view", [winner.id])  # no write: its answer carries the child, a read
            db.session.commit()
            return winner
        try:
            child = ops.merge_children(current_user, winner, loser, parents_confirmed=body["parents_confirmed"])
        except Conflict as told:
            if told.key == "parents_differ":  # it names both children's families, as their parent lists do: a read
                db.session.rollback()  # as the refusal rolls back: the log row in a transaction of its own
                privacy.record_reads("view", [child_id, body["duplicate_id"]])
                db.session.commit()
            raise
        db.session.commit()
        return child


def _merge_target(user, child_id: uuid.UUID, *, for_update: bool = False):  # type: ignore[no-untyped-def]
    """The child a merge goes into: 404 when the caller does not see it, 409 ``child_merged`` when it
    was itself merged into another she sees (``ops.check_not_merged_away``)."""
    try:
        return access.get_child(user, child_id, for_update=for_update)
    except NotFound:
        try:
            ops.check_not_merged_away(user, child_id)
        except Conflict as told:  # it names the child that stands, her name and birth date: a read, logged
            db.session.rollback()  # as the refusal rolls back: the log row in a transaction of its own
            privacy.record_reads("view", [uuid.UUID(told.extensions["merged_into"])])
            db.session.commit()
            raise
        raise


@blp.route("/children/<uuid:child_id>/not-duplicate")
class ChildNotDuplicate(MethodView):
    @roles_required(*HEALTH_WORKERS)
    @seen_first(access.get_child)
    @blp.arguments(NotDuplicateSchema, required=False)
    @blp.response(200, ChildSchema)
    def post(self, body, child_id):
        """Say a child flagged ``possible_duplicate_of`` another is a different child (bidan, admin).

        The flag is cleared (audited, and synced to phones as a new version); both children stay.
        Idempotent: a child with no flag is answered as it is."""
        child = access.get_child(current_user, child_id, for_update=True)
        before = child.version
        child = ops.not_duplicate(current_user, child, (body or {}).get("reason"))
        privacy.record_read_unless_written(child, before, child.id)
        db.session.commit()
        return child


@blp.route("/children/<uuid:child_id>/invitations")
class ChildInvitations(MethodView):
    @roles_required("kader", "bidan", "admin")
    @seen_first(access.get_child)  # a child out of her sight: 404 whatever the body holds
    @blp.response(201, InvitationSchema)
    def post(self, child_id):
        """A one-time code for a parent to register and see this child (valid INVITATION_DAYS)."""
        # the child's row locked as for its events: a merge of it waits, or is seen (then 404)
        child = access.get_child(current_user, child_id, for_events=True)
        code, inv = auth_ops.create_invitation(child, current_user, current_app.config["INVITATION_DAYS"])
        db.session.commit()
        return {"id": inv.id, "code": code, "child_id": child.id, "expires_at": inv.expires_at}

    @roles_required("kader", "bidan", "admin")
    @seen_first(access.get_child)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, OpenInvitationPage)
    def get(self, args, child_id):
        """The child's codes that still work, newest first (not the codes themselves: each is shown once)."""
        return auth_ops.open_invitations(access.get_child(current_user, child_id), args["limit"], args["cursor"])


@blp.route("/children/<uuid:child_id>/invitations/<uuid:invitation_id>")
class ChildInvitation(MethodView):
    @roles_required("kader", "bidan", "admin")
    @seen_first(lambda user, child_id, invitation_id: access.get_child(user, child_id))
    @blp.response(204)
    def delete(self, child_id, invitation_id):
        """Revoke a code not used yet (given to the wrong person, or lost): it stops working now.
        A code used, expired or revoked already is 404."""
        auth_ops.revoke_invitation(access.get_child(current_user, child_id, for_events=True), invitation_id)
        db.session.commit()


@blp.route("/children/<uuid:child_id>/parents")
class ChildParents(MethodView):
    @roles_required("kader", "bidan", "admin")
    @seen_first(access.get_child)
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, LinkedParentPage)
    def get(self, args, child_id):
        """The parent accounts that see this child (linked by an invitation code), earliest first."""
        child = access.get_child(current_user, child_id)
        parents = auth_ops.linked_parents(child, args["limit"], args["cursor"])
        privacy.record_reads("view", [child.id])  # the child's family: names and phone numbers
        db.session.commit()
        return parents


@blp.route("/children/<uuid:child_id>/parents/<uuid:user_id>")
class ChildParent(MethodView):
    @roles_required("kader", "bidan", "admin", "parent")
    @seen_first(lambda user, child_id, user_id: _unlinkable(user, child_id, user_id))
    @blp.response(204)
    def delete(self, child_id, user_id):
        """Unlink a parent account from the child (linked by mistake, or custody changed); a parent may
        unlink only themselves. The parent's devices drop the child at their next sync (their cursor
        resets). 404 when that account is not linked to the child."""
        # locked as for its events: a merge copying this child's parents to the child that stands
        # either committed first (this child is gone: 404) or waits for the unlink
        auth_ops.unlink_parent(access.get_child(current_user, child_id, for_events=True), user_id)
        db.session.commit()


def _unlinkable(user, child_id: uuid.UUID, user_id: uuid.UUID) -> None:  # type: ignore[no-untyped-def]
    """404 unless ``user`` sees the child and may unlink ``user_id`` from it (a parent only herself)."""
    access.get_child(user, child_id)
    if user.role == "parent" and user_id != user.id:
        raise NotFound()
