"""token_family: each login's chain of refresh tokens, for their rotation (``POST /auth/refresh``
answers a new refresh token; a superseded one presented again after its successor was used revokes
the chain, ``posyandu.auth.operations.refresh``). Empty to begin with: a refresh token issued before
(no "fam" claim) starts its chain at its first refresh, so no phone is logged out by the upgrade.

Revision ID: 3c7f9a2e5d14
Revises: e466de06fae1
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3c7f9a2e5d14"
down_revision = "e466de06fae1"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "token_family",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("head_jti", sa.String(length=64), nullable=False),
        sa.Column("previous_jti", sa.String(length=64), nullable=True),
        sa.Column("rotated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user.id"], name=op.f("fk_token_family_user_id_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_token_family")),
    )
    op.create_index(op.f("ix_token_family_expires_at"), "token_family", ["expires_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_token_family_expires_at"), table_name="token_family")
    op.drop_table("token_family")
