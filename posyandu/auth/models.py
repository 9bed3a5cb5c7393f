"""Users, their roles and scopes, revoked tokens and each login's chain of refresh tokens."""
from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, exists, false
from sqlalchemy.orm import Mapped, column_property, mapped_column

from posyandu.database import TimestampMixin
from posyandu.extensions import db
from posyandu.registry.models import Posyandu

ROLES = ("kader", "bidan", "parent", "dinkes", "admin")


class User(TimestampMixin, db.Model):
    """A person who logs in. Scope by role: kader → posyandu, bidan → puskesmas,
    dinkes → region (a Kemendagri code prefix), parent → linked children, admin → all."""

    __tablename__ = "user"
    __table_args__ = (CheckConstraint("role IN ('kader','bidan','parent','dinkes','admin')", name="role"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str | None] = mapped_column(String(20))
    posyandu_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("posyandu.id"), index=True)
    puskesmas_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("puskesmas.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped whenever what this user may see changes (new posyandu, new child
    # link, access removed): sync cursors made under an older value reset.
    scope_version: Mapped[int] = mapped_column(default=1)
    # Bumped when the password changes or the account is switched off or on: every token
    # issued before (on a lost phone, say) is refused from then on (tokens carry it as "cv").
    credentials_version: Mapped[int] = mapped_column(default=1, server_default="1")
    # The password was set by someone else (an admin creating the account or resetting it): she logs
    # in, but the API answers her 403 ``password_change_required`` until she sets her own
    # (``posyandu.auth.tokens``); her own change clears it and never sets it.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=false())
    # A kader left at a closed posyandu (closed before closing asked that its kader be moved first,
    # or restored data) sees no child and may register none: the admin and she herself are told.
    # Read with the user (one indexed EXISTS), so a page of users costs no query more.
    posyandu_closed: Mapped[bool] = column_property(exists().where(
        Posyandu.id == posyandu_id, Posyandu.deleted_at.is_not(None)))


class RevokedToken(db.Model):
    """A JWT refused until it would have expired anyway (logout). A password change refuses all
    of a user's earlier tokens at once instead (``User.credentials_version``)."""

    __tablename__ = "revoked_token"

    jti: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_type: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class TokenFamily(db.Model):
    """One login's chain of refresh tokens: each refresh answers a new refresh token (rotation) and
    only the newest three of the chain are kept, as that is all the rules need
    (``posyandu.auth.operations.refresh``). The newest (``head_jti``) is not used yet; the one it
    replaced (``previous_jti``) stays usable while it is not (a phone whose refresh answer was lost
    asks again with it and is given the head again); the one before (``earlier_jti``) only for a
    minute after it was replaced (``previous_rotated_at``: a request of one tab still on its way while
    another refreshed twice); any other one presented is a copy in someone
    else's hands: the whole chain is revoked (``revoked_at``), its access tokens too (they carry the
    family's id as "fam"). Its id is the jti of the login's first refresh token, so that a refresh
    token issued before rotation existed (no "fam" claim) is its own chain's start."""

    __tablename__ = "token_family"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user.id"))
    head_jti: Mapped[str] = mapped_column(String(64))
    previous_jti: Mapped[str | None] = mapped_column(String(64))
    earlier_jti: Mapped[str | None] = mapped_column(String(64))  # the one previous_jti replaced
    rotated_at: Mapped[datetime | None]  # when the head was issued by a refresh
    previous_rotated_at: Mapped[datetime | None]  # when previous_jti was (earlier_jti replaced)
    # every refresh token of the chain expires then: rotation does not lengthen a login
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime | None]  # logged out, or a superseded token presented again

    @staticmethod
    def id_of(payload: dict) -> str | None:
        """The id of the chain a token belongs to: its "fam" claim; a refresh token issued before
        rotation (none) starts its own; an access token issued before has none."""
        return payload.get("fam") or (payload["jti"] if payload.get("type") == "refresh" else None)
