"""growth_recompute: the children whose growth results wait to be recomputed (a KBM table an admin
published, new WHO tables), worked off in batches (posyandu.growth.recompute) instead of all of a
district's children inside the admin's request, which a district's 100,000 children took past
gunicorn's timeout. Empty to begin with.

Revision ID: 6e4a2c9d1b58
Revises: 7d2e5b8c4a16
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "6e4a2c9d1b58"
down_revision = "7d2e5b8c4a16"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "growth_recompute",
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("child_id", name=op.f("pk_growth_recompute")),
    )


def downgrade() -> None:
    op.drop_table("growth_recompute")
