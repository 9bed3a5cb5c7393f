"""/api/v1/sync/push, /pull and /devices: thin HTTP over posyandu.sync.push, pull and devices."""
from __future__ import annotations

from flask import current_app, request
from flask.views import MethodView
from flask_jwt_extended import current_user, get_jwt

from posyandu import privacy
from posyandu.access import READERS, STAFF, roles_required
from posyandu.auth.models import TokenFamily
from posyandu.extensions import Blueprint, db
from posyandu.pagination import PageArgs, page_schema
from posyandu.query_params import lenient_query
from posyandu.sync import devices
from posyandu.sync import pull as pulling
from posyandu.sync import push as pushing
from posyandu.sync.schemas import (DeviceSchema, PullArgs, PullResponseSchema, PushResponseSchema, PushSchema,
                                   UnsyncedStaffSchema)
from posyandu.web import shell_version

blp = Blueprint("sync", __name__, url_prefix="/api/v1/sync",
                description="Offline sync: push local changes, pull what changed (see docs/sync.md)")


def _login() -> str | None:
    """The login the caller's token belongs to (its chain of refresh tokens), noted for her phone."""
    return TokenFamily.id_of(get_jwt())


@blp.route("/push")
class Push(MethodView):
    @lenient_query  # phones of every app version push: see posyandu.query_params
    @roles_required(*STAFF)  # before the body: a dinkes's or parent's push is 403 whatever it holds
    @blp.arguments(PushSchema)
    # documented, not dumped through the schema: the answers are built in that shape by
    # posyandu.sync.push, and re-dumping hundreds of records was a fifth of a push's time
    @blp.alt_response(200, schema=PushResponseSchema, success=True, description="One result per mutation")
    @blp.problem_response(413, "More than 500 mutations")
    def post(self, body):
        """Apply a batch of offline mutations (kader, bidan, admin).

        Answers one result per mutation, in order: ``applied``, ``conflict``
        (with the server record) or ``rejected`` (with field errors). The whole
        batch is one transaction; a retry with the same ``mutation_id``s gets the
        stored results with ``replayed: true``. A ``mutation_id`` sent again with other content, or
        by another user, is ``rejected`` on ``mutation_id`` and changes nothing (an id names one
        change, for good). Query parameters are ignored (phones of every app version push)."""
        result = pushing.push(current_user, body["client_id"], body["mutations"],
                              current_app.config["SYNC_PUSH_MAX"], client_version=request.headers.get("X-Client-Version"),
                              bulk=current_app.config["SYNC_BULK"], login=_login())
        db.session.commit()
        return result


@blp.route("/pull")
class Pull(MethodView):
    @lenient_query  # phones of every app version pull: see posyandu.query_params
    @roles_required(*READERS)
    @blp.arguments(PullArgs, location="query")
    @blp.response(200, PullResponseSchema)
    def get(self, args):
        """Changes visible to the caller since the cursor, oldest first, each exactly once
        (kader: her posyandu; bidan: her puskesmas area; parent: own children; admin: all).

        A query parameter not listed here is ignored, and the first of a repeated one kept (every
        other route but `/health` answers 422): phones of older and newer app versions pull with what their
        version sends, and refusing would stop their sync, records only they hold with it."""
        page = pulling.pull(current_user, args.get("cursor"), args["limit"], device={
            "client_id": args.get("client_id"), "pending": args.get("pending"),
            "client_version": request.headers.get("X-Client-Version"), "login": _login()})
        privacy.record_reads("pull", pulling.children_in(page["changes"]))
        db.session.commit()
        return page


DevicePage = page_schema(DeviceSchema, "DevicePage")


@blp.route("/devices")
class Devices(MethodView):
    @roles_required("kader", "bidan", "dinkes", "admin")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, DevicePage)
    def get(self, args):
        """The phones of the staff you oversee, the longest unseen first, with how many changes each
        still held unsent when it last synced (kader: hers and her posyandu's; bidan: her puskesmas's
        kader and midwives; dinkes: its region's; admin: all). A phone unseen for long while holding
        changes is where records get lost: ask its owner to sync."""
        return devices.page(current_user, args["limit"], args["cursor"], shell_version())


@blp.route("/devices/<string:client_id>/sign-out")
class SignOutDevice(MethodView):
    @roles_required("kader", "bidan", "admin")
    @blp.response(200, DeviceSchema)
    @blp.problem_response(404, "Not a phone of the staff you oversee")
    @blp.problem_response(409, "The phone has not synced since its login was first noted: reset its user's password")
    def post(self, client_id: str):
        """End the login a phone last synced with: a lost or stolen phone is answered 401 `device_signed_out`
        at its next request with signal, forgets that login and deletes its data (all of it stays while
        anything waits unsent there, sent once she logs in there again), while her other phones stay signed
        in (a password reset signs out every one). A midwife or admin, for
        the phones listed to her; a kader, her own phone only (403). Audited; signing out again changes
        nothing (answered as the first time). The record stays listed with ``signed_out_at`` until the
        phone syncs after a new login."""
        result = devices.sign_out(current_user, client_id, shell_version())
        db.session.commit()
        return result


UnsyncedStaffPage = page_schema(UnsyncedStaffSchema, "UnsyncedStaffPage")


@blp.route("/devices/never-synced")
class NeverSynced(MethodView):
    @roles_required("kader", "bidan", "dinkes", "admin")
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, UnsyncedStaffPage)
    def get(self, args):
        """The kader and midwives you oversee (as for the phones) whose accounts are on and who have not
        synced from any phone yet, by username: no phone of theirs is listed, so ask them to start the app."""
        return devices.never_synced(current_user, args["limit"], args["cursor"])
