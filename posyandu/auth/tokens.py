"""flask-jwt-extended wiring: identity, user lookup, revocation, error shapes."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timezone
from typing import TYPE_CHECKING

from flask import request
from flask_jwt_extended import JWTManager, decode_token
from jwt import InvalidTokenError
from sqlalchemy import delete, exists, select

from posyandu.audit import act_as, log_action
from posyandu.auth.models import RevokedToken, TokenFamily, User
from posyandu.auth.operations import account_closed
from posyandu.database import insert_or_skip
from posyandu.errors import Forbidden, problem
from posyandu.extensions import db

if TYPE_CHECKING:
    from flask import Flask

BEARER_ANY_CASE = re.compile(r"\s*bearer(?=\s)", re.IGNORECASE)
# What an account whose password is temporary (``User.must_change_password``) may call: setting her
# own, reading who she is (the app learns of the mark), logging out, refreshing the token.
OPEN_TO_TEMPORARY_PASSWORD = frozenset({"auth.ChangePassword", "auth.Me", "auth.Logout", "auth.Refresh"})


def init_jwt(jwt: JWTManager, app: "Flask") -> None:
    @app.before_request
    def _bearer_any_case() -> None:
        """RFC 9110 11.1: the scheme is case-insensitive; flask-jwt-extended reads "Bearer" only,
        and a client sending "bearer <token>" was refused 401 with a valid token."""
        value = request.environ.get("HTTP_AUTHORIZATION", "")
        if BEARER_ANY_CASE.match(value) and not value.lstrip().startswith("Bearer"):
            request.environ["HTTP_AUTHORIZATION"] = BEARER_ANY_CASE.sub("Bearer", value, count=1)

    @jwt.user_identity_loader
    def _identity(user: User) -> str:
        return str(user.id)

    @jwt.user_lookup_loader
    def _lookup(_header: dict, payload: dict) -> User | None:
        try:
            user_id = uuid.UUID(str(payload["sub"]))
        except ValueError:  # signed by us yet not one of our subjects: refuse, do not crash
            return None
        user = db.session.get(User, user_id)
        if user is None or not user.active or payload.get("cv", 1) != user.credentials_version:
            return None  # gone, switched off, or a token from before a password change
        if user.must_change_password and request.endpoint not in OPEN_TO_TEMPORARY_PASSWORD:
            # a password someone else set (an admin, who knows it): nothing else until she sets her own.
            # A phone's pushes too: its unsent records stay in its outbox, sent once she has (docs/sync.md)
            raise Forbidden(key="password_change_required")
        act_as(user_id=user.id)
        return user

    @jwt.token_in_blocklist_loader
    def _revoked(_header: dict, payload: dict) -> bool:
        if not well_formed(payload):  # checked here: this runs before any other check of ours
            raise InvalidTokenError("a claim every token of ours carries is missing or malformed")
        return revoked(payload)

    jwt.expired_token_loader(lambda h, p: problem(401, refusal(p, ended(p, "token_expired"))))
    jwt.revoked_token_loader(lambda h, p: problem(401, refusal(p, ended(p, "token_revoked"))))
    jwt.invalid_token_loader(lambda reason: problem(401, "token_invalid"))
    jwt.unauthorized_loader(lambda reason: problem(401, "unauthorized"))
    jwt.needs_fresh_token_loader(lambda h, p: problem(401, "unauthorized"))
    jwt.user_lookup_error_loader(lambda h, p: problem(401, refusal(p, "token_revoked")))
    jwt.token_verification_failed_loader(lambda h, p: problem(401, "token_invalid"))


def refusal(payload: dict, otherwise: str) -> str:
    """Why a token signed by us is refused, as the problem key: ``account_closed`` (its parent closed
    the account) or ``account_inactive`` (an admin switched it off) whatever the token, so that a
    phone forgets the account instead of asking to log in again (``docs/privacy.md``); else
    ``otherwise`` (expired: refresh; revoked by a password change: log in again)."""
    try:
        user = db.session.get(User, uuid.UUID(str(payload.get("sub"))))
    except ValueError:
        return otherwise
    if user is None or user.active:
        return otherwise
    return "account_closed" if account_closed(user) else "account_inactive"


def ended(payload: dict, otherwise: str) -> str:
    """Why a refused token's login ended, as the problem key: ``device_signed_out`` when its phone was signed
    out (``sync.devices.sign_out``: lost or stolen), so that the phone forgets the login, and its data unless
    something is unsent, as for an account switched off, expired since or not (a login signed out days before
    its 30 days ran out answered ``token_expired`` after them, and the phone kept everything); else
    ``otherwise`` (revoked: a logout, a password changed, log in again; expired: refresh)."""
    from posyandu.sync.models import SyncClient

    family = TokenFamily.id_of(payload)
    signed_out = family is not None and db.session.scalar(select(exists().where(
        SyncClient.token_family_id == family, SyncClient.signed_out_at.is_not(None))))
    return "device_signed_out" if signed_out else otherwise


def well_formed(payload: dict) -> bool:
    """Does the token carry what every token this server issues does (``create_access_token``)?
    Signed with our key yet without them (a key leaked, a token made by hand), it is refused
    (401), never looked up with a missing id (500), never taken as one that does not expire."""
    jti, exp, fam = payload.get("jti"), payload.get("exp"), payload.get("fam")
    return (isinstance(jti, str) and 0 < len(jti) <= 64 and payload.get("type") in ("access", "refresh")
            and isinstance(exp, (int, float)) and not isinstance(exp, bool)
            and (fam is None or isinstance(fam, str) and 0 < len(fam) <= 64))


def revoked(payload: dict) -> bool:
    """Is this token refused: revoked itself (a logout of a token from before rotation), or its
    login's chain revoked (a logout, a superseded refresh token presented again)? One query."""
    refused = exists().where(RevokedToken.jti == payload["jti"])
    family_id = TokenFamily.id_of(payload)
    if family_id is not None:
        refused = refused | exists().where(TokenFamily.id == family_id, TokenFamily.revoked_at.is_not(None))
    return bool(db.session.scalar(select(refused)))


def revoke(encoded_or_payload: str | dict, user_id: uuid.UUID) -> bool:
    """Refuse this token from now until it expires, and every token of its login's chain
    (``TokenFamily``): the refresh token a logout did not send, the access tokens refreshed from it.
    False when the token was refused already. Stored with ``ON CONFLICT DO NOTHING``: two logouts of
    one token at once (a double tap) each found it not yet revoked, and the second's revocation was
    refused by the table's key (409)."""
    payload = decode_token(encoded_or_payload, allow_expired=True) if isinstance(encoded_or_payload, str) \
        else encoded_or_payload
    end_login(TokenFamily.id_of(payload), user_id)
    if db.session.get(RevokedToken, payload["jti"]) is not None:
        return False
    return insert_or_skip(db.session, RevokedToken(jti=payload["jti"], token_type=payload["type"], user_id=user_id,
                                                   expires_at=datetime.fromtimestamp(payload["exp"], timezone.utc)))


def end_login(family_id: str | None, user_id: uuid.UUID) -> bool:
    """Revoke the login ``family_id`` (its chain of refresh tokens, and every access token naming it) when it is
    ``user_id``'s and still open: a logout, a phone signed out (``sync.devices.sign_out``). Whether it ended now."""
    family = db.session.get(TokenFamily, family_id) if family_id else None
    if family is None or family.user_id != user_id or family.revoked_at is not None:
        return False
    family.revoked_at = datetime.now(timezone.utc)
    return True


def purge_expired() -> int:
    """Revocations past their token's expiry, and chains whose refresh tokens have all expired, can
    go (run from cron/CLI)."""
    now = datetime.now(timezone.utc)
    res = db.session.execute(delete(RevokedToken).where(RevokedToken.expires_at < now))
    chains = db.session.execute(delete(TokenFamily).where(TokenFamily.expires_at < now))
    n = (res.rowcount or 0) + (chains.rowcount or 0)
    if n:
        log_action("purge", "token", None, reason=f"{n} expired revocations and logins")
    return n


def revoked_jtis() -> list[str]:
    return list(db.session.scalars(select(RevokedToken.jti)))
