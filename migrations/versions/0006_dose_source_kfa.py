"""immunisation.source and immunisation.kfa_code: where a dose's record comes from (given here by a
health worker, copied from a written record, the parent's recollection) and the vaccine product's
KFA code (SATUSEHAT). Existing doses keep both empty: "not stated".

Revision ID: 2b8f5c1e7d34
Revises: 7e1d4b6a9c25
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "2b8f5c1e7d34"
down_revision = "7e1d4b6a9c25"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("immunisation") as batch_op:
        batch_op.add_column(sa.Column("source", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("kfa_code", sa.String(length=8), nullable=True))
        batch_op.create_check_constraint(op.f("ck_immunisation_source"), "source IN ('given','record','recall')")


def downgrade() -> None:
    with op.batch_alter_table("immunisation") as batch_op:
        batch_op.drop_constraint(op.f("ck_immunisation_source"), type_="check")
        batch_op.drop_column("kfa_code")
        batch_op.drop_column("source")
