"""child.merged_into and child.possible_duplicate_of: partial indexes of the few registrations merged away
or flagged, looked up from the other child (a child's download and access history, a visits import, a
delete or merge), which read the whole child table each time (docs/scaling.md).

Revision ID: 3f6b9d2e8a47
Revises: 8d2a6f0c3e51
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "3f6b9d2e8a47"
down_revision = "8d2a6f0c3e51"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for column in ("merged_into", "possible_duplicate_of"):
        where = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_child_{column}", "child", [column], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    for column in ("possible_duplicate_of", "merged_into"):
        op.drop_index(f"ix_child_{column}", table_name="child")
