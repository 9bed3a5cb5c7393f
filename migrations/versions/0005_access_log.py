"""access_log: who read which child's personal data (UU 27/2022 PDP; posyandu.privacy).

Revision ID: 7e1d4b6a9c25
Revises: 4c7e2a9b1f03
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7e1d4b6a9c25"
down_revision = "4c7e2a9b1f03"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=True),
        sa.Column("ip", sa.String(length=45), nullable=True),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("resource", sa.String(length=120), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=True),
        sa.Column("posyandu_id", sa.Uuid(), nullable=True),
        sa.Column("region_code", sa.String(length=13), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    with op.batch_alter_table("access_log") as batch_op:
        batch_op.create_index(batch_op.f("ix_access_log_at"), ["at"], unique=False)
        batch_op.create_index("ix_access_log_child_at", ["child_id", "at"], unique=False)
        batch_op.create_index("ix_access_log_user_at", ["user_id", "at"], unique=False)
        batch_op.create_index("ix_access_log_posyandu_at", ["posyandu_id", "at"], unique=False)


def downgrade() -> None:
    op.drop_table("access_log")
