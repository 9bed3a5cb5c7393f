"""sync_client.token_family_id and signed_out_at: the login each phone last synced with, so that a midwife or
admin can end that login alone (``POST /sync/devices/{client_id}/sign-out``: a lost or stolen phone), and when
she did. Phones seen before this release name no login until their next push or pull.

Revision ID: 9c1e5a7d3f20
Revises: 54453fb78b47
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9c1e5a7d3f20"
down_revision = "54453fb78b47"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sync_client", sa.Column("token_family_id", sa.String(64), nullable=True))
    op.add_column("sync_client", sa.Column("signed_out_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("sync_client", "signed_out_at")
    op.drop_column("sync_client", "token_family_id")
