"""Login, logout, users and parent invitations (no HTTP here)."""
from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from datetime import datetime, timedelta, timezone
from collections.abc import Iterable
from typing import Any

from flask import current_app
from flask_jwt_extended import create_access_token, create_refresh_token
from sqlalchemy import Select, func, select, update

from posyandu.audit import act_as, apply_changes, created_fields, log_action
from posyandu.auth.models import TokenFamily, User
from posyandu.auth.passwords import Verified, hash_password, needs_rehash, normalised, verify_password, weak_password
from posyandu.auth.schemas import CODE_LENGTH
from posyandu.database import aware, insert_or_skip, name_contains, utcnow
from posyandu.errors import Conflict, NotFound, Unauthorized, ValidationFailed, refuse_fields
from posyandu.extensions import db
from posyandu.i18n import Msg
from posyandu.messages import REQUIRED, TAKEN
from posyandu.pagination import cursor_instant, paginate
from posyandu.registry.models import Child, Invitation, ParentLink, Posyandu, Puskesmas, Region

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud at the table
CODE_CHARS = 8  # an invitation code's letters and digits (shown ABCD-EFGH)


def login(username: str, password: str) -> dict[str, Any] | str:
    """Tokens for the user, else why not (audited), a problem key: ``bad_credentials``, or
    ``account_inactive`` for the right password of an account an admin switched off (said as the
    wrong password, its kader tried it again and again, then forgot it, rather than ask the admin)."""
    user = db.session.scalar(select(User).where(User.username == username.strip().lower()))
    verified = verify_password(user.password_hash if user else None, password)
    if not verified or not user.active:
        # a name no account has is not kept: it is often the password typed in the wrong field (the
        # rate limiter's log keys leave it out for that reason too)
        log_action("login_failed", "user", user.id if user else None, {"username": [None, user.username]} if user else None)
        return "account_inactive" if verified else "bad_credentials"
    if needs_rehash(user.password_hash) or verified is Verified.RIGHT_AS_TYPED:
        # older argon2 settings, or a hash of the password as typed before passwords were normalised
        # (NFKC): hashed again, so her other keyboards' spellings of it work from now on.
        # Only over the hash just verified: a password change (hers, an admin's) committed since this
        # login read the row stays; the ORM's update by id alone wrote the old password back over it
        db.session.execute(update(User).where(User.id == user.id, User.password_hash == user.password_hash)
                           .values(password_hash=hash_password(password)).execution_options(synchronize_session=False))
    act_as(user_id=user.id)  # she is who acts from here: her login's row names her
    log_action("login", "user", user.id)
    return issue_tokens(user)


def issue_tokens(user: User) -> dict[str, Any]:
    """Tokens of a new login (a password, a registration): a new chain of refresh
    tokens (``TokenFamily``), expiring ``JWT_REFRESH_TOKEN_EXPIRES`` from now."""
    jti = str(uuid.uuid4())
    family = TokenFamily(id=jti, user_id=user.id, head_jti=jti,
                         expires_at=utcnow() + current_app.config["JWT_REFRESH_TOKEN_EXPIRES"])
    db.session.add(family)
    return {**_signed(user, family), "user": user}


def tokens_of_login(user: User, payload: dict[str, Any]) -> dict[str, Any]:
    """Tokens of the login ``payload`` (an access token) belongs to, for an answer that carries tokens
    without starting a login (a redeemed code): a new access token and the chain's newest refresh
    token, the chain unchanged. A new login each time was a 30-day refresh token the app never kept,
    nor revoked at logout. A token from before rotation (no chain): a new login, as before."""
    family = db.session.get(TokenFamily, TokenFamily.id_of(payload)) if TokenFamily.id_of(payload) else None
    if family is None or family.user_id != user.id or family.revoked_at is not None:
        return issue_tokens(user)
    return {**_signed(user, family), "user": user}


def _signed(user: User, family: TokenFamily) -> dict[str, str]:
    """A new access token and the chain's newest refresh token (its head), both naming the chain. The
    access token expires with its login at the latest: the login's revocation lives on the chain's row,
    which ``purge-tokens`` drops once the login has expired, and an access token refreshed shortly
    before ran ``ACCESS_TOKEN_MINUTES`` past it, refused no more once purged (a logged-out login's,
    a stolen copy's)."""
    claims = {"role": user.role, "sv": user.scope_version, "cv": user.credentials_version, "fam": family.id}
    ends = int(aware(family.expires_at).timestamp())
    access_ends = int((utcnow() + current_app.config["JWT_ACCESS_TOKEN_EXPIRES"]).timestamp())
    return {"access_token": create_access_token(user, additional_claims=claims | {"exp": min(access_ends, ends)}),
            "refresh_token": create_refresh_token(user, additional_claims=claims | {
                "jti": family.head_jti, "exp": ends})}


REFRESH_CROSSING = timedelta(seconds=60)
"""How long after it was replaced the token before the previous one is still answered with the
newest, not taken for a stolen copy: a request of one tab still on its way while another tab's
refreshes rotated the chain twice. Any older token, or that one later, revokes the chain: a copy
kept from long ago (a phone's backup) must not be let in by being presented within a minute of one
of the phone's own refreshes."""


def refresh(user: User, payload: dict[str, Any]) -> dict[str, str] | None:
    """``POST /auth/refresh``: a new access token and the chain's next refresh token (rotation), or
    None when the presented one was superseded and its successor already used.

    - the chain's newest (its head): a new head is made, and the presented one becomes its
      ``previous_jti``;
    - that previous one (the head not used yet: the answer was lost on a flaky network, the phone
      asks again): the head is answered again (same jti), so the phone is not logged out;
    - the one before that, within ``REFRESH_CROSSING`` of its being replaced (a tab's request
      still on its way while another tab refreshed twice): the head too;
    - else someone else holds a copy of this chain (a stolen token, or the phone's own copy stolen
      and used first): the chain is revoked, its access tokens too, audited; None (401).

    A refresh token issued before rotation existed starts its chain here. The head moves with one
    conditional UPDATE, so two refreshes with the same token at once make one head, not two."""
    family_id, jti = TokenFamily.id_of(payload), payload["jti"]
    family = db.session.get(TokenFamily, family_id)
    if family is None:  # its chain starts here; started by a refresh crossing this one: that one's
        insert_or_skip(db.session, TokenFamily(id=family_id, user_id=user.id, head_jti=jti,
                                               expires_at=datetime.fromtimestamp(payload["exp"], timezone.utc)))
        family = db.session.get(TokenFamily, family_id, populate_existing=True)
    if jti == family.head_jti:
        new, now = str(uuid.uuid4()), utcnow()
        db.session.execute(
            update(TokenFamily).where(TokenFamily.id == family.id, TokenFamily.head_jti == jti,
                                      TokenFamily.revoked_at.is_(None))
            .values(head_jti=new, previous_jti=jti, rotated_at=now, earlier_jti=TokenFamily.previous_jti,
                    previous_rotated_at=TokenFamily.rotated_at)  # the row's values before this UPDATE
            .execution_options(synchronize_session=False))
        db.session.refresh(family)  # as it stands now: moved by us, or by a refresh that crossed this one
    if family.revoked_at is not None:
        return None
    crossed = (jti == family.earlier_jti and family.previous_rotated_at is not None
               and utcnow() - aware(family.previous_rotated_at) <= REFRESH_CROSSING)
    if jti in (family.head_jti, family.previous_jti) or crossed:
        return _signed(user, family)
    family.revoked_at = utcnow()
    log_action("refresh_token_reused", "user", user.id, reason="a superseded refresh token was presented again: "
               "every token of that login is revoked")
    return None


SCOPE_OF_ROLE = {"kader": ("posyandu_id", Posyandu), "bidan": ("puskesmas_id", Puskesmas),
                 "dinkes": ("region_code", Region)}
SCOPE_FIELDS = ("posyandu_id", "puskesmas_id", "region_code")
# said as an area's region is (registry.operations), not "role dinkes needs one that exists"
SCOPE_NOT_FOUND = {
    "posyandu_id": Msg("must be an existing posyandu", "harus posyandu yang terdaftar"),
    "puskesmas_id": Msg("must be an existing puskesmas", "harus puskesmas yang terdaftar"),
    "region_code": Msg("must be an existing region: add it first, or check the code",
                       "harus wilayah yang terdaftar: tambahkan wilayahnya dulu, atau periksa kodenya"),
}


def _scope_problems(data: dict[str, Any], *, assigned: bool = True) -> dict[str, list[Msg]]:
    """What is wrong with a user's scope for her role, or {}: kader → posyandu, bidan → puskesmas,
    dinkes → region, each required (``REQUIRED`` when missing, as any field left blank) and existing.
    ``assigned``: the scope is being given (a new user, a new role or posyandu, an account switched on
    again): a kader is not put at a closed posyandu (she could register no child there, and would
    count among its kader); one whose posyandu closed since may still be edited (switched off,
    renamed). A posyandu given is locked as a registration there locks it (FOR SHARE, until the transaction
    ends): an admin closing it meanwhile either counts this kader among its active ones (409), or is
    waited for, and the posyandu read closed."""
    from posyandu.access import EVENTS, locked

    needs = SCOPE_OF_ROLE.get(data["role"])
    if not needs:
        return {}
    if assigned and needs[1] is Posyandu and data.get(needs[0]) is not None:
        locked(select(Posyandu).where(Posyandu.id == data[needs[0]]), EVENTS)
    if data.get(needs[0]) is None:  # left out, null, or a region code left blank: "wajib diisi"
        return {needs[0]: [REQUIRED]}
    found = db.session.get(needs[1], data[needs[0]])
    if found is None:
        return {needs[0]: [SCOPE_NOT_FOUND[needs[0]]]}
    if assigned and isinstance(found, Posyandu) and found.deleted_at is not None:
        from posyandu.registry.operations import CLOSED
        return {"posyandu_id": [CLOSED]}
    return {}


def _only_own_scope(role: str) -> dict[str, None]:
    """The scope fields another role uses, emptied: a kader made a bidan keeps no posyandu (she would
    still count among its kader, e.g. on its phones list)."""
    own = SCOPE_OF_ROLE.get(role, (None,))[0]
    return {f: None for f in SCOPE_FIELDS if f != own}


def _username_taken(username: str, user_id: uuid.UUID | None = None) -> bool:
    taken = select(User.id).where(User.username == username)
    return db.session.scalar(taken if user_id is None else taken.where(User.id != user_id)) is not None


def _strong(password: str, username: str, field: str = "password") -> None:
    problem = weak_password(password, username)
    if problem is not None:
        raise ValidationFailed(errors={field: [problem]})


def account_problems(data: dict[str, Any], user: User | None = None, by: User | None = None) -> dict[str, list[Msg]]:
    """Every rule the fields ``data`` of a new account (or of a change of ``user``, made by ``by``) break
    beyond their format, all at once: a username taken, a password too easy to guess (or the admin's
    own, ``OWN_PASSWORD_HERE``), the area its role needs missing, unknown or closed. A field not in
    ``data`` (left out, or refused for its format: ``Blueprint.arguments(field_checks=…)``) is not
    judged. Raised one after another, the admin's form was told them in rounds: the posyandu
    missing, and only at the next try the username taken. Writes nothing."""
    problems: dict[str, list[Msg]] = {}
    username = data["username"].lower() if "username" in data else user.username if user else ""
    if "username" in data and _username_taken(username, user.id if user else None):
        problems["username"] = [TAKEN]
    if data.get("password"):
        own = user is not None and by is not None and by.id == user.id
        weak = OWN_PASSWORD_HERE if own else weak_password(data["password"], username)
        if weak is not None:
            problems["password"] = [weak]
    if user is None:
        if "role" in data:
            problems |= _scope_problems(data)
        return problems
    # switched on again, a kader is put back at her posyandu: not at one closed meanwhile
    merged = {k: getattr(user, k) for k in ("role", *SCOPE_FIELDS)} | data
    assigned = any(k in data and data[k] != getattr(user, k) for k in ("role", "posyandu_id")) or \
        (data.get("active") is True and not user.active)
    return problems | _scope_problems(merged, assigned=assigned)


def users_matching(args: dict[str, Any]) -> Select:
    """The users the admin's list asks for: ``q`` in the name or username (any case, a ``%`` or ``_``
    typed is that character), a ``role``, the kader of a ``posyandu_id``, the bidan of a
    ``puskesmas_id`` with the kader of its posyandu, switched on or off (``active``). A posyandu or
    puskesmas that does not exist is 404, as a list of its children or a report of it is (one
    closed still names its former kader)."""
    for model, key in ((Posyandu, "posyandu_id"), (Puskesmas, "puskesmas_id")):
        if args.get(key) and db.session.get(model, args[key]) is None:
            raise NotFound()
    stmt = select(User)
    if args.get("q"):
        stmt = stmt.where(name_contains(User.name, args["q"]) | User.username.contains(args["q"].lower(), autoescape=True))
    if args.get("role"):
        stmt = stmt.where(User.role == args["role"])
    if args.get("posyandu_id"):
        stmt = stmt.where(User.posyandu_id == args["posyandu_id"])
    if args.get("puskesmas_id"):
        its_posyandu = select(Posyandu.id).where(Posyandu.puskesmas_id == args["puskesmas_id"])
        stmt = stmt.where((User.puskesmas_id == args["puskesmas_id"]) | User.posyandu_id.in_(its_posyandu))
    if args.get("active") is not None:
        stmt = stmt.where(User.active.is_(args["active"]))
    return stmt


def create_user(data: dict[str, Any], *, temporary: bool = False, own: bool = False) -> User:
    """A new account. ``temporary``: its password was chosen by someone else (an admin): its user
    must set her own before anything else (``must_change_password``). ``own``: made by its user (a
    parent with a code): its audit row names her, not no one."""
    data = dict(data)
    refuse_fields(account_problems(data))
    data["username"] = data["username"].lower()
    data |= _only_own_scope(data["role"])
    user = User(id=uuid.uuid4(), password_hash=hash_password(data.pop("password")), must_change_password=temporary,
                **data)
    db.session.add(user)
    db.session.flush()
    if own:
        act_as(user_id=user.id)
    log_action("create", "user", user.id, created_fields(data | ({"must_change_password": True} if temporary else {})))
    return user


def lock_user(user: User, *, share: bool = False) -> User:
    """``user``'s row locked until the transaction ends, and read as it stands once locked (call it
    before changing the user in this session). A change of the account (a password, switching it
    off, a move) locks it to write (FOR NO KEY UPDATE): two at once are judged one after the other,
    neither writing over the other's credentials version with the one it read before. ``share``
    (FOR SHARE): what a request does depends on the account as it stands (the codes a kader makes,
    revoked when she is switched off or moved): a change of it waits, or is seen."""
    from posyandu.access import CHILD, EVENTS, locked

    stmt = select(User).where(User.id == user.id)
    if user.role == "admin" and not share:  # as ``_keep_an_admin`` locks them: every admin, in id order
        stmt = select(User).where((User.id == user.id) | (User.role == "admin")).order_by(User.id)
    locked(stmt, EVENTS if share else CHILD)
    return user


OWN_PASSWORD_HERE = Msg("your own password is changed under Settings, \"Change password\" (POST /auth/password): it "
                        "asks for the current one and keeps you logged in on this phone",
                        "kata sandi Anda sendiri diganti di Pengaturan, \"Ganti kata sandi\" (POST /auth/password): "
                        "kata sandi sekarang diminta dan Anda tetap masuk di HP ini")


def update_user(user: User, data: dict[str, Any], by: User | None = None, *, temporary: bool = True) -> User:
    """An admin's change of an account. A new password set for another user is temporary
    (``must_change_password``): its user sets her own before anything else (``temporary=False``: the
    server's operator setting an admin's own, ``flask reset-password``). Her own password is
    refused here (422 on ``password``, nothing changed): set without the current one, a borrowed
    phone's token took the account, and her own sessions ended with no new tokens; she changes it
    with ``change_password``. A parent's account given another role is unlinked from her children."""
    data = dict(data)
    lock_user(user)
    refuse_change_of_closed(user, data)
    refuse_fields(account_problems(data, user, by))
    password = data.pop("password", None)
    if "username" in data:
        data["username"] = data["username"].lower()
    merged = {k: getattr(user, k) for k in ("role", *SCOPE_FIELDS)} | data
    if user.role == "admin" and user.active and (merged["role"] != "admin" or data.get("active", True) is False):
        _keep_an_admin(user)
    if user.role == "parent" and merged["role"] != "parent":
        _unlink_all(user)
    changes = apply_changes(user, data | _only_own_scope(merged["role"]))
    if password:
        user.password_hash = hash_password(password)
        changes["password"] = ["***", "***"]
        if user.must_change_password != temporary:
            changes["must_change_password"] = [user.must_change_password, temporary]
            user.must_change_password = temporary
    if "active" in changes and not user.active:
        revoke_invitations_by(user)
    elif changes.keys() & {"role", *SCOPE_FIELDS}:
        revoke_invitations_by(user, unseen_only=True)
    if changes.keys() & {"password", "active"}:
        user.credentials_version += 1  # the user's sessions end (a lost phone's too)
    if changes.keys() & {"role", "posyandu_id", "puskesmas_id", "region_code", "active"}:
        user.scope_version += 1  # this user's sync cursors reset (a full re-pull)
    if changes:  # saved unchanged: no row claiming a change
        log_action("update", "user", user.id, changes)
    return user


def refuse_change_of_closed(user: User, fields: Iterable[str] | None) -> None:
    """409 for a change of an account its owner closed (switched on, renamed over "[dihapus]", given a
    password: none of it), naming each of ``fields`` (the change's); ``None``: a change whose fields
    could not be read (a body not a JSON object), refused as well. No fields: nothing to change."""
    named = None if fields is None else list(fields)
    if named == []:
        return
    if account_closed(user):
        raise Conflict(CLOSED_BY_OWNER, errors={field: [CLOSED_BY_OWNER] for field in named} if named else None)


CLOSED_BY_OWNER = Msg("this account was closed by its owner (the parent withdrew her consent) and cannot be switched "
                      "on again or changed; she may sign up again with a new invitation code",
                      "akun ini ditutup oleh pemiliknya (orang tua menarik persetujuannya) dan tidak dapat diaktifkan "
                      "lagi atau diubah; ia dapat mendaftar lagi dengan kode undangan baru")
LAST_ADMIN = Msg("the last active admin cannot be switched off or given another role: make another admin first",
                 "admin aktif terakhir tidak dapat dinonaktifkan atau diberi peran lain: buat admin lain dulu")


def _keep_an_admin(user: User) -> None:
    """Another active admin stands when ``user`` stops being one: else no one could manage users,
    areas or the schedule (only a shell on the server could make an admin again). The admins'
    rows are locked, in id order, so two admins switching each other off at once are judged one
    after the other (the second sees the first's change)."""
    from posyandu.access import CHILD, locked

    admins = locked(select(User).where(User.role == "admin").order_by(User.id), CHILD)
    if not any(other.active and other.role == "admin" for other in admins if other.id != user.id):
        raise Conflict(LAST_ADMIN)


WRONG_PASSWORD = Msg("wrong password", "kata sandi salah")


class WrongPassword(ValidationFailed):
    """422 on ``field``: the password given to confirm a change of one's own account is not hers.
    Counted as a failed login of the account (the routes' ``PASSWORD_GUESSES``)."""

    def __init__(self, field: str) -> None:
        super().__init__(errors={field: [WRONG_PASSWORD]})


def change_password(user: User, current: str, new: str) -> dict[str, Any] | None:
    """The user's own password change: new tokens for this device, every earlier token of the
    user refused from now on (their other phones log in again; their data stays there). None
    (audited) when ``current`` is wrong: judged on the password as it stands once the user's row is
    locked (an admin's reset committed meanwhile makes ``current`` wrong). A user switched off
    meanwhile is refused (401), as her next request would be.

    ``new`` is judged first, on what was sent alone, ``current`` unverified: a refusal of ``new``
    told only once ``current`` was right confirmed a guess of it (a borrowed phone's token), the
    account's password unchanged and no session ended."""
    if normalised(new) == normalised(current):
        raise ValidationFailed(errors={"new_password": [Msg("must differ from the current password",
                                                            "harus berbeda dari kata sandi sekarang")]})
    _strong(new, user.username, "new_password")
    if not lock_user(user).active:
        raise Unauthorized(key="token_revoked")
    if not verify_password(user.password_hash, current):
        log_action("password_change_failed", "user", user.id)
        return None
    user.password_hash = hash_password(new)
    user.credentials_version += 1
    changes: dict[str, list[Any]] = {"password": ["***", "***"]}
    if user.must_change_password:  # her own now: the temporary one an admin set is gone
        changes["must_change_password"] = [True, False]
        user.must_change_password = False
    log_action("password_change", "user", user.id, changes)
    return issue_tokens(user)


USER_PERSONAL_FIELDS = ("name", "username", "phone")


def close_own_account(user: User, password: str) -> bool:
    """A parent withdraws her consent (UU 27/2022 PDP): her account is switched off for good, its
    links to her children removed (``unlink_parent``: her phones drop them), every token refused,
    and her name, username (freed) and phone erased from the account and its audit rows, which stay
    as proof of what she did. False (audited, nothing changed) when ``password`` is wrong. Judged on the
    account and its links as they stand once its row is locked (``lock_user``): a code her other phone
    redeems meanwhile is linked first and unlinked here, or waits and is refused; closed meanwhile (a
    double tap), the account is refused (401), as her next request would be."""
    from posyandu.audit import AuditLog
    from posyandu.auth.schemas import CLOSED_ACCOUNT_PREFIX
    from posyandu.retention import ERASED, erased_changes

    if not lock_user(user).active:
        raise Unauthorized(key="token_revoked")
    if not verify_password(user.password_hash, password):
        log_action("close_account_failed", "user", user.id)
        return False
    _unlink_all(user)
    user.name, user.phone, user.username = ERASED, None, f"{CLOSED_ACCOUNT_PREFIX}{user.id.hex}"
    user.password_hash = hash_password(secrets.token_urlsafe(32))
    user.active = False
    user.credentials_version += 1
    user.scope_version += 1
    for row in db.session.scalars(select(AuditLog).where(AuditLog.entity == "user",
                                                         AuditLog.record_id == str(user.id))):
        row.changes = erased_changes(row.changes, USER_PERSONAL_FIELDS)
    log_action("close_account", "user", user.id, reason="consent withdrawn by the parent")
    return True


def _unlink_all(parent: User) -> None:
    """The parent no longer sees any of her children (``unlink_parent``, audited each): she closed her
    account, or an admin gave it another role. A link left behind was a way back into the child's
    record (switched back to parent, she saw it again) and listed her among the child's parents."""
    for child in db.session.scalars(select(Child).join(ParentLink, ParentLink.child_id == Child.id)
                                    .where(ParentLink.user_id == parent.id).order_by(Child.id)):
        unlink_parent(child, parent.id)


def account_closed(user: User) -> bool:
    """Whether the account was closed by its owner (``close_own_account``, audited), not only switched
    off by an admin: its phones forget it rather than wait for it to be switched on again. A query
    only for an account switched off, and none for one of a page read by ``note_accounts_closed``."""
    from posyandu.audit import AuditLog

    if user.active:
        return False
    known = user.__dict__.get("_account_closed")
    if known is not None:
        return known
    return bool(db.session.scalar(select(AuditLog.id).where(
        AuditLog.entity == "user", AuditLog.record_id == str(user.id), AuditLog.action == "close_account").limit(1)))


def note_accounts_closed(users: list[User]) -> list[User]:
    """Work out ``account_closed`` for a page of users at once: one query for all its switched-off
    accounts rather than one each (the admin's list, up to 500 a page)."""
    from posyandu.audit import AuditLog

    off = {str(user.id): user for user in users if not user.active}
    closed = set(db.session.scalars(select(AuditLog.record_id).distinct().where(
        AuditLog.entity == "user", AuditLog.record_id.in_(off), AuditLog.action == "close_account"))) if off else set()
    for record_id, user in off.items():
        user.__dict__["_account_closed"] = record_id in closed
    return users


def _code_hash(code: str) -> str:
    """The stored hash of an invitation code, as typed: any case, with whatever separates its halves
    (the hyphen it is shown with, a space, a dash a phone's keyboard put instead) or none. Keyed with
    the server's ``SECRET_KEY``: a code has 40 bits, so from a plain hash in a leaked backup every
    open code would be found in minutes, and with it a parent's lasting access to the child."""
    key = b"posyandu invitation code\0" + current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, _code_text(code), hashlib.sha256).hexdigest()


def _code_text(code: str) -> bytes:
    return re.sub(r"[^0-9A-Z]", "", code.upper()).encode()


def _code_hashes(code: str) -> list[str]:
    """The hashes a code typed may be stored under: keyed (``_code_hash``), or plain SHA-256 for a code
    made before codes were keyed (open for ``INVITATION_DAYS`` after the upgrade at most)."""
    return [_code_hash(code), hashlib.sha256(_code_text(code)).hexdigest()]


def create_invitation(child: Child, by: User, days: int) -> tuple[str, Invitation]:
    """A one-time code (8 characters, shown once) for a parent to register. ``by``'s account is
    locked (``lock_user``, share) and judged as it stands: switched off meanwhile (401), or moved
    where she no longer sees the child (404), she makes no code; switched off or moved after, the
    change waits for this code and revokes it (``revoke_invitations_by``)."""
    from posyandu.access import child_clause

    if not lock_user(by, share=True).active:
        raise Unauthorized(key="token_revoked")
    if db.session.scalar(select(Child.id).where(Child.id == child.id, child_clause(by))) is None:
        raise NotFound()
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_CHARS))
    inv = Invitation(code_hash=_code_hash(code), child_id=child.id, created_by=by.id,
                     expires_at=utcnow() + timedelta(days=days))
    db.session.add(inv)
    db.session.flush()
    log_action("create", "invitation", inv.id, {"child_id": [None, str(child.id)]},
               kabupaten_code=child.kabupaten_code)
    return code[:4] + "-" + code[4:], inv


def open_invitations(child: Child, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of the child's codes that could still be used (not used, not expired, not revoked),
    newest first, each with who made it (never the code: it is shown once, when made)."""
    page = paginate(select(Invitation).where(Invitation.child_id == child.id, Invitation.used_at.is_(None),
                                             Invitation.expires_at > utcnow()),
                    (Invitation.created_at, Invitation.id), limit, cursor,
                    (cursor_instant, uuid.UUID), descending=True)
    names = dict(db.session.execute(select(User.id, User.name).where(
        User.id.in_({inv.created_by for inv in page["items"]}))).all()) if page["items"] else {}
    page["items"] = [{"id": inv.id, "child_id": inv.child_id, "created_at": inv.created_at,
                      "expires_at": inv.expires_at, "created_by": inv.created_by,
                      "created_by_name": names.get(inv.created_by)} for inv in page["items"]]
    return page


def revoke_invitation(child: Child, invitation_id: uuid.UUID) -> None:
    """A code given by mistake, or lost, stops working now (its expiry is brought forward, audited).
    A code already used, expired or of another child is not found (404)."""
    inv = db.session.scalar(select(Invitation).where(Invitation.id == invitation_id, Invitation.child_id == child.id)
                            .with_for_update())
    if inv is None or inv.used_at is not None or aware(inv.expires_at) <= utcnow():
        raise NotFound()
    _revoke(inv, child.kabupaten_code)


def _revoke(inv: Invitation, kabupaten_code: str | None) -> None:
    now = utcnow()
    log_action("revoke", "invitation", inv.id, {"expires_at": [aware(inv.expires_at).isoformat(), now.isoformat()]},
               kabupaten_code=kabupaten_code)
    inv.expires_at = now


def revoke_invitations_by(user: User, *, unseen_only: bool = False) -> int:
    """Every open code a user made, when the account is switched off: a kader who left (or whose
    phone was lost) can no longer have handed out a working way into a child's record. A parent
    who was given one asks the posyandu for a new code. ``unseen_only``: after a change of role or
    area, only the codes for children the user no longer sees (a kader moved to another posyandu)."""
    from posyandu.access import child_clause

    stmt = (select(Invitation, Child.kabupaten_code).join(Child, Child.id == Invitation.child_id)
            .where(Invitation.created_by == user.id, Invitation.used_at.is_(None), Invitation.expires_at > utcnow()))
    if unseen_only:
        stmt = stmt.where(~child_clause(user))
    rows = db.session.execute(stmt.order_by(Invitation.id).with_for_update(of=Invitation)).all()
    for inv, kabupaten_code in rows:
        _revoke(inv, kabupaten_code)
    return len(rows)


def revoke_unseen_invitations(children: Any) -> int:
    """The open codes for ``children`` (a condition on ``Child``) made by someone who no longer sees
    them: the child moved to another posyandu, or her posyandu to another puskesmas or kabupaten. As
    when the maker moves (``revoke_invitations_by(unseen_only=True)``), a code never stays a way back
    into a record its maker has lost; the family asks the new posyandu for a new code."""
    from posyandu.access import child_clause

    rows = db.session.execute(
        select(Invitation, Child.kabupaten_code, User).join(Child, Child.id == Invitation.child_id)
        .join(User, User.id == Invitation.created_by)
        .where(children, Invitation.used_at.is_(None), Invitation.expires_at > utcnow())
        .order_by(Invitation.id).with_for_update(of=Invitation)).all()
    revoked = 0
    for inv, kabupaten_code, maker in rows:
        if db.session.scalar(select(Child.id).where(Child.id == inv.child_id, child_clause(maker))) is None:
            _revoke(inv, kabupaten_code)
            revoked += 1
    return revoked


def linked_parents(child: Child, limit: int, cursor: str | None) -> dict[str, Any]:
    """One page of the parent accounts that see the child, the earliest linked first."""
    page = paginate(select(ParentLink).where(ParentLink.child_id == child.id),
                    (ParentLink.created_at, ParentLink.user_id), limit, cursor, (cursor_instant, uuid.UUID))
    users = {u.id: u for u in db.session.scalars(select(User).where(
        User.id.in_({link.user_id for link in page["items"]})))} if page["items"] else {}
    page["items"] = [{"user_id": link.user_id, "name": users[link.user_id].name,
                      "username": users[link.user_id].username, "phone": users[link.user_id].phone,
                      "active": users[link.user_id].active, "linked_at": link.created_at}
                     for link in page["items"]]
    return page


def unlink_parent(child: Child, parent_id: uuid.UUID) -> None:
    """The parent no longer sees the child (linked by mistake, custody changed, or the parent asks).
    Their devices' sync cursors reset, so the pulled copy of the child is dropped; 404 when the
    account is not linked to the child. The account is locked before the link, as a parent closing her
    account (``close_own_account``) and a redeem lock it before touching her links, and read as it
    stands (its ``scope_version`` another unlink may have just raised)."""
    parent = db.session.scalar(select(User).where(User.id == parent_id).with_for_update()
                               .execution_options(populate_existing=True))
    link = db.session.scalar(select(ParentLink).where(ParentLink.user_id == parent_id, ParentLink.child_id == child.id)
                             .with_for_update())
    if link is None or parent is None:
        raise NotFound()
    db.session.delete(link)
    parent.scope_version += 1
    log_action("unlink", "parent_link", child.id, {"parent_id": [str(parent_id), None]},
               kabupaten_code=child.kabupaten_code)


CODE_NOT_WORKING = Msg("invalid, expired or already used: check the code, or ask the cadre or midwife for a new one", "tidak sah, kedaluwarsa, atau sudah dipakai: periksa kodenya, atau minta kode baru ke kader atau bidan")
CODE_TOO_SHORT = Msg("too short: an invitation code has 8 letters and digits, e.g. ABCD-EFGH",
                     "terlalu pendek: kode undangan berisi 8 huruf dan angka, misalnya ABCD-EFGH")
CODE_TOO_LONG = Msg("too long: an invitation code has 8 letters and digits, e.g. ABCD-EFGH",
                    "terlalu panjang: kode undangan berisi 8 huruf dan angka, misalnya ABCD-EFGH")


class CodeRefused(ValidationFailed):
    """A code that does not work (422 ``invitation_invalid``), its message on ``code``. Audited and
    counted among the refused codes (``auth.routes``) however it is answered: with the form's other
    errors, as their validation problem (``extensions.with_field_checks``)."""

    key = "invitation_invalid"


def invitation_invalid(why: Msg = CODE_NOT_WORKING) -> CodeRefused:
    """The refusal of a code that does not work (422 ``invitation_invalid``), ``why`` on ``code``: one of
    the wrong length says so; any other says the same whether it never existed, expired or was used."""
    return CodeRefused(errors={"code": [why]})


def _open_invitation(code: str) -> tuple[Invitation, Child]:
    """The unused, unexpired invitation with this code (locked until the transaction ends) and the
    child it now stands for, else 422 ``invitation_invalid``. A child merged away since the code was given stands for
    the child it was merged into (a merge moves the parents' links there too); a child deleted
    since has no one to link to: the code no longer works. A code of the wrong length (``CODE_LENGTH``)
    is refused so too, saying what is wrong with it, before anything is looked up: the parent's trouble
    is the same (the code does not work), not a form to check."""
    from posyandu import access
    from posyandu.registry.operations import resolve_alias

    # its letters and digits counted, as it is read (hyphen, spaces, case aside): one left out or one
    # too many of a code typed from a slip of paper was "invalid, expired or used", sending her back for a new one
    typed = len(_code_text(code)) if len(code) <= CODE_LENGTH[1] else len(code)
    if typed != CODE_CHARS:
        raise invitation_invalid(CODE_TOO_SHORT if typed < CODE_CHARS else CODE_TOO_LONG)

    # The child (and the one it was merged into) is locked first, as a merge locks it before it moves
    # the duplicate's parents and codes: a merge committing meanwhile is waited for and followed,
    # never left to copy the links it read before this one was made.
    found = db.session.scalar(select(Invitation.child_id).where(Invitation.code_hash.in_(_code_hashes(code))))
    if found is not None:
        access.child_for_events(found)
    inv = db.session.scalar(select(Invitation).where(Invitation.code_hash.in_(_code_hashes(code)))
                            .with_for_update().execution_options(populate_existing=True))
    child = resolve_alias(db.session.get(Child, inv.child_id)) if inv is not None else None
    if inv is None or inv.used_at is not None or aware(inv.expires_at) < utcnow() or child.deleted_at is not None:
        raise invitation_invalid()
    return inv, child


def registration_problems(data: dict[str, Any]) -> dict[str, list[Msg]]:
    """What a parent's registration's fields break beyond their format (``account_problems``), judged
    only with a code that works: a code that does not (of the wrong length too) is refused (``CodeRefused``,
    answered with the format errors of the other fields as their validation problem, its message on
    ``code``), and nothing is said of the username or password."""
    if "code" not in data:
        return {}
    _open_invitation(data["code"])
    return account_problems({k: data[k] for k in ("username", "password") if k in data})


def register_parent(data: dict[str, Any]) -> User:
    """A parent's own account, made with an invitation code. The code is checked first: with a
    bad code the answer is only about the code, and tells nothing of whether the username exists."""
    data = dict(data)
    inv, child = _open_invitation(data.pop("code"))
    user = create_user({**data, "role": "parent"}, own=True)  # her rows name her, as a signed-in parent's do
    _link(inv, child, user)
    return user


ALREADY_LINKED = Msg("this child is already on your list; the code is not used and still works for the child's other parent",
                     "anak ini sudah ada di daftar Anda; kode ini tidak terpakai dan masih bisa dipakai orang tua anak yang lain")


def redeem(code: str, parent: User) -> Child:
    """A registered parent's code: judged on her account as it stands once locked (``lock_user``), after
    the code and its child: one she closed meanwhile is refused (401), never linked to the child. A code
    for a child she sees already (two codes for one child, or one for a child merged into hers) is
    refused (409 on ``code``) and left unused, for the child's other parent: it was used up linking
    nothing, the app saying nothing. Not a code guessed: not counted among the refused codes. (A parent
    signing up with a code is a new account: she sees no child yet.)"""
    inv, child = _open_invitation(code)
    if not lock_user(parent).active:
        raise Unauthorized(key="token_revoked")
    # the child is locked (``_open_invitation``): her other code redeemed at once is committed, and seen here
    if db.session.scalar(select(ParentLink.child_id).where(ParentLink.user_id == parent.id,
                                                           ParentLink.child_id == child.id)) is not None:
        raise Conflict(ALREADY_LINKED, errors={"code": [ALREADY_LINKED]})
    return _link(inv, child, parent)


def _link(inv: Invitation, child: Child, parent: User) -> Child:
    """Use the invitation: its child (the one that stands, ``_open_invitation``) joins the parent's children
    (one she does not see yet: ``redeem``, or a new account)."""
    inv.used_at, inv.used_by = utcnow(), parent.id
    db.session.add(ParentLink(user_id=parent.id, child_id=child.id))
    parent.scope_version += 1
    # in the child's trail, as an unlink and a merge's links are
    log_action("link", "parent_link", child.id, {"parent_id": [None, str(parent.id)]},
               kabupaten_code=child.kabupaten_code)
    log_action("redeem", "invitation", inv.id, {"child_id": [None, str(child.id)]},
               kabupaten_code=child.kabupaten_code)
    return child
