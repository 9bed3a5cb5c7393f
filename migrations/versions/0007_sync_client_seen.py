"""sync_client.last_seen_at and pending_changes: when each phone last pushed or pulled, and how many
changes it said it still held unsent, so a midwife sees a phone that has not synced in time
(``GET /api/v1/sync/devices``). Existing rows are seen at their last push, else when first seen.

Revision ID: 8d2a6f0c3e51
Revises: 2b8f5c1e7d34
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "8d2a6f0c3e51"
down_revision = "2b8f5c1e7d34"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("sync_client") as batch_op:
        batch_op.add_column(sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("pending_changes", sa.Integer(), nullable=True))
    op.execute("UPDATE sync_client SET last_seen_at = COALESCE(last_push_at, first_seen)")
    with op.batch_alter_table("sync_client") as batch_op:
        batch_op.alter_column("last_seen_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_index("ix_sync_client_user_seen", ["user_id", "last_seen_at"])


def downgrade() -> None:
    with op.batch_alter_table("sync_client") as batch_op:
        batch_op.drop_index("ix_sync_client_user_seen")
        batch_op.drop_column("pending_changes")
        batch_op.drop_column("last_seen_at")
