"""The phones that sync, as the server last saw them: when each last sent and fetched, and how many
changes it still held unsent. A phone that holds a posyandu day's weighings and has not synced for
weeks is where records get lost (a phone dropped, wiped or replaced); the midwife sees it in time
(``GET /api/v1/sync/devices``) and asks the kader to sync. No HTTP here."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from posyandu import access
from posyandu.auth.models import User
from posyandu.database import utcnow
from posyandu.extensions import db
from posyandu.pagination import cursor_instant, paginate
from posyandu.registry.models import Posyandu
from posyandu.sync.models import SyncClient

STAFF_DEVICES = ("kader", "bidan", "admin")   # roles whose phones send records (a parent's only reads)


def seen(user: User, client_id: str, client_version: str | None, *, pushed: bool = False,
         pulled_upto: int | None = None, pending: int | None = None) -> None:
    """Note that ``client_id`` (an installation of the app, now used by ``user``) pushed or pulled.
    ``pending``: the changes the phone said it still holds unsent, as it pulls (after its push)."""
    if user.role not in STAFF_DEVICES:
        return
    now = utcnow()
    values: dict[str, Any] = {"user_id": user.id, "last_seen_at": now}
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
    for key, value in values.items():
        setattr(row, key, value)


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


def devices_of(user: User) -> Select:
    """The phones of the staff whose work the caller oversees (``overseen_staff``). A phone its user has
    since replaced (another of hers first seen after this one's last sync) is left out once it held
    nothing unsent: a reinstalled app or a new phone does not leave the old one flagged for ever, while a
    phone and a tablet used side by side both stay."""
    newer = aliased(SyncClient)
    replaced = (select(newer.client_id).where(newer.user_id == SyncClient.user_id,
                                              newer.first_seen > SyncClient.last_seen_at).exists()
                & (func.coalesce(SyncClient.pending_changes, 0) == 0))
    return (select(SyncClient).join(User, User.id == SyncClient.user_id)
            .where(overseen_staff(user), ~replaced))


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
    return {"items": [_described(row, users[row.user_id], current_app_version) for row in found["items"]],
            "next_cursor": found["next_cursor"]}


def _described(row: SyncClient, owner: User, current: str | None) -> dict[str, Any]:
    return {"client_id": row.client_id, "user_id": owner.id, "user_name": owner.name, "username": owner.username,
            "role": owner.role, "user_active": owner.active, "posyandu_id": owner.posyandu_id,
            "app_version": row.app_version,
            "app_current": None if row.app_version is None or current is None else row.app_version == current,
            "first_seen": row.first_seen, "last_seen_at": row.last_seen_at, "last_push_at": row.last_push_at,
            "last_pull_at": row.last_pull_at, "pending_changes": row.pending_changes}

