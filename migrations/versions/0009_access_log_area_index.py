"""access_log: a partial index of the bulk downloads of an area (child_id NULL) by id, for a child's
access history, read by id newest first (posyandu.privacy.child_access_log_parts; docs/scaling.md).

Revision ID: 5a8c1e4f7b90
Revises: 3f6b9d2e8a47
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5a8c1e4f7b90"
down_revision = "3f6b9d2e8a47"
branch_labels = None
depends_on = None


def upgrade() -> None:
    where = sa.text("child_id IS NULL")
    op.create_index("ix_access_log_area", "access_log", ["id"], postgresql_where=where, sqlite_where=where)


def downgrade() -> None:
    op.drop_index("ix_access_log_area", table_name="access_log")
