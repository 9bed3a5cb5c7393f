"""The phones that sync, as the server last saw them: when each last sent and fetched, and how many
changes it still held unsent. A phone that holds a posyandu day's weighings and has not synced for
weeks is where records get lost (a phone dropped, wiped or replaced); the midwife sees it in time
(``GET /api/v1/sync/devices``) and asks the kader to sync. No HTTP here."""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from posyandu import access
from posyandu.audit import log_action
from posyandu.auth.models import TokenFamily, User
from posyandu.auth.tokens import end_login
from posyandu.database import utcnow
from posyandu.errors import Conflict, Forbidden, NotFound
from posyandu.extensions import db
from posyandu.messages import Msg
from posyandu.pagination import cursor_instant, paginate
from posyandu.registry.models import Posyandu
from posyandu.sync.models import SyncClient

STAFF_DEVICES = ("kader", "bidan", "admin")   # roles whose phones send records (a parent's only reads)
SIGN_OUT_OTHERS = ("bidan", "admin")   # who may end the login of a phone not her own (a kader: her own only)
LOGIN_UNKNOWN = Msg("this phone has not synced since the server began noting its login, so it cannot be signed out "
                    "alone: reset its user's password to end every login of hers",
                    "HP ini belum sinkron sejak server mencatat sesi masuknya, jadi tidak dapat dikeluarkan sendiri: "
                    "atur ulang kata sandi penggunanya untuk mengakhiri semua sesinya")


def seen(user: User, client_id: str, client_version: str | None, *, pushed: bool = False,
         pulled_upto: int | None = None, pending: int | None = None, login: str | None = None) -> None:
    """Note that ``client_id`` (an installation of the app, now used by ``user``) pushed or pulled.
    ``pending``: the changes the phone said it still holds unsent, as it pulls (after its push).
    ``login``: the login (``TokenFamily`` id) its token belongs to, which ``sign_out`` ends; a new one
    (she logged in again) is no longer signed out."""
    if user.role not in STAFF_DEVICES:
        return
    now = utcnow()
    values: dict[str, Any] = {"user_id": user.id, "last_seen_at": now}
    if login:
        values["token_family_id"] = login
    version = re.sub(r"[^\x20-\x7e]", "", client_version or "")[:40] or None
    if version:
        values["app_version"] = version
    if pushed:
        values["last_push_at"] = now
    if pulled_upto is not None:
        values["last_pull_at"], values["last_pull_seq"] = now, pulled_upto
    if pending is not None:
        values["pending_changes"] = pending
    row = db.session.get(SyncClient, client_id)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(SyncClient(client_id=client_id, first_seen=now, **values))
            return
        except IntegrityError:   # the same phone's other request registered it meanwhile
            row = db.session.get(SyncClient, client_id)
    if row.user_id != user.id:
        # the PWA keeps one installation id per user: another user naming this one is not that phone
        # (a colleague could otherwise make a phone holding records look synced and empty)
        return
    if login and login != row.token_family_id:
        values["signed_out_at"] = None
    for key, value in values.items():
        setattr(row, key, value)


def first_seen(user: User, client_id: str) -> datetime | None:
    """When the server first saw ``client_id`` as ``user``'s phone; None: never, or another user's."""
    row = db.session.get(SyncClient, client_id)
    return row.first_seen if row is not None and row.user_id == user.id else None


def overseen_staff(user: User) -> Any:
    """A clause on ``User``: the staff whose phones ``user`` oversees. A kader herself and her posyandu's
    other kader; a bidan the kader of her puskesmas's posyandu (a closed one's too: their phones may still
    hold its records) and its midwives; dinkes its region's kader and midwives; admin all. Never a parent."""
    staff = User.role.in_(STAFF_DEVICES)
    if user.role == "admin":
        return staff
    if user.role == "kader":
        return staff & or_(User.id == user.id, User.posyandu_id == user.posyandu_id)
    posyandu = select(Posyandu.id).where(access.posyandu_clause(user))   # closed ones included
    puskesmas = select(Posyandu.puskesmas_id).where(Posyandu.id.in_(posyandu))
    return staff & or_(User.id == user.id, User.posyandu_id.in_(posyandu),
                       (User.role == "bidan") & User.puskesmas_id.in_(puskesmas))


def _replaced() -> Any:
    """A clause on ``SyncClient``: its user has a phone first seen after this one's last sync."""
    newer = aliased(SyncClient)
    return select(newer.client_id).where(newer.user_id == SyncClient.user_id,
                                         newer.first_seen > SyncClient.last_seen_at).exists()


def _login_open() -> Any:
    """A clause on ``SyncClient``: the login it last synced with can still be used (neither ended nor
    expired). A password change ends it too, which this does not see. A phone not seen since logins were
    noted (none named): open while a login made before its last sync could be (a login expires
    ``JWT_REFRESH_TOKEN_EXPIRES`` after it was made, refreshes or not)."""
    open_family = select(TokenFamily.id).where(TokenFamily.id == SyncClient.token_family_id,
                                               TokenFamily.revoked_at.is_(None), TokenFamily.expires_at > utcnow()).exists()
    unknown = SyncClient.token_family_id.is_(None) & (
        SyncClient.last_seen_at > utcnow() - current_app.config["JWT_REFRESH_TOKEN_EXPIRES"])
    return open_family | unknown


def devices_of(user: User) -> Select:
    """The phones of the staff whose work the caller oversees (``overseen_staff``). A phone its user has
    since replaced (another of hers first seen after this one's last sync) is left out once it holds
    nothing unsent and its login has ended: a reinstalled app or a new phone does not leave the old one
    flagged for ever, while a phone and a tablet used side by side both stay, and so does a lost phone
    whose login still works until someone signs it out (``sign_out``) or the login expires."""
    gone = (_replaced() & (func.coalesce(SyncClient.pending_changes, 0) == 0)
            & (SyncClient.signed_out_at.is_not(None) | ~_login_open()))
    return (select(SyncClient).join(User, User.id == SyncClient.user_id)
            .where(overseen_staff(user), ~gone))


def sign_out(user: User, client_id: str, current_app_version: str | None = None) -> dict[str, Any]:
    """End the login a phone last synced with (``POST /sync/devices/{client_id}/sign-out``): a phone lost
    or stolen is answered 401 ``device_signed_out`` at its next request with signal (``auth.tokens.ended``)
    and forgets that login and its data, all of it kept while anything waits unsent there; her other phones
    stay signed in (a password reset ended them all). A midwife or admin, for a phone of the staff she oversees; a kader, her own phone
    only (403); a phone she does not oversee is 404. Audited; a second sign-out changes nothing."""
    row = db.session.scalar(select(SyncClient).join(User, User.id == SyncClient.user_id)
                            .where(SyncClient.client_id == client_id, overseen_staff(user)))
    if row is None:
        raise NotFound()
    if row.user_id != user.id and user.role not in SIGN_OUT_OTHERS:
        raise Forbidden()
    owner = db.session.get(User, row.user_id)
    if row.signed_out_at is None:
        if row.token_family_id is None:
            raise Conflict(LOGIN_UNKNOWN)
        now = utcnow()
        # its access tokens are refused from now (``auth.tokens.revoked``); one ended already (logged out,
        # expired) is marked all the same: the phone is told so at its next request (``auth.tokens.ended``)
        end_login(row.token_family_id, row.user_id)
        row.signed_out_at = now
        log_action("device_signed_out", "user", owner.id, {"signed_out_at": [None, now.isoformat()]},
                   reason=f"the login of phone {client_id} ended (a lost phone)")
    return _described(row, owner, current_app_version, _replaced_of([row.client_id]))


def never_synced(user: User, limit: int, cursor: str | None) -> dict[str, Any]:
    """A page of the kader and midwives ``user`` oversees whose accounts are on and who have not synced
    from any phone yet, by username: the phones list names only phones that synced, so a kader who never
    started the app was nowhere on it for her midwife to chase."""
    synced = select(SyncClient.user_id).where(SyncClient.user_id == User.id).exists()
    stmt = select(User).where(overseen_staff(user), User.role.in_(("kader", "bidan")), User.active.is_(True),
                              ~synced, User.id != user.id)
    found = paginate(stmt, [User.username], limit, cursor)
    return {"items": [{"user_id": u.id, "user_name": u.name, "username": u.username, "role": u.role,
                       "posyandu_id": u.posyandu_id} for u in found["items"]],
            "next_cursor": found["next_cursor"]}


def page(user: User, limit: int, cursor: str | None, current_app_version: str | None = None) -> dict[str, Any]:
    """A page of ``devices_of(user)``, the longest unseen first, each phone with its user and whether
    its app is ``current_app_version`` (the one served now)."""
    found = paginate(devices_of(user), (SyncClient.last_seen_at, SyncClient.client_id), limit, cursor,
                     [cursor_instant, None])
    ids = {row.user_id for row in found["items"]}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(ids)))} if ids else {}
    replaced = _replaced_of([row.client_id for row in found["items"]])
    return {"items": [_described(row, users[row.user_id], current_app_version, replaced) for row in found["items"]],
            "next_cursor": found["next_cursor"]}


def _replaced_of(client_ids: list[str]) -> set[str]:
    """Those of ``client_ids`` whose user has a phone first seen after their last sync."""
    if not client_ids:
        return set()
    return set(db.session.scalars(select(SyncClient.client_id).where(SyncClient.client_id.in_(client_ids), _replaced())))


def _described(row: SyncClient, owner: User, current: str | None, replaced: set[str]) -> dict[str, Any]:
    return {"client_id": row.client_id, "user_id": owner.id, "user_name": owner.name, "username": owner.username,
            "role": owner.role, "user_active": owner.active, "posyandu_id": owner.posyandu_id,
            "app_version": row.app_version,
            "app_current": None if row.app_version is None or current is None else row.app_version == current,
            "first_seen": row.first_seen, "last_seen_at": row.last_seen_at, "last_push_at": row.last_push_at,
            "last_pull_at": row.last_pull_at, "pending_changes": row.pending_changes,
            "signed_out_at": row.signed_out_at, "replaced": row.client_id in replaced}

