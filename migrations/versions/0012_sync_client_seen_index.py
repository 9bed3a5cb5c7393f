"""sync_client: the index on user and last seen (ix_sync_client_user_seen, GET /api/v1/sync/devices),
for a database migrated before 0007 was changed to create it. 0007 was amended after it had been
released: a database already past it never ran the amended version, and has no index. Created only
where it is missing (IF NOT EXISTS, on SQLite and PostgreSQL alike). sync_client holds a row per
phone, so it is built in a moment, not CONCURRENTLY as 0008 and 0009 build theirs.

The downgrade leaves the index: the schema before this migration (0007 as it now stands) has it;
0007's downgrade drops it.

Revision ID: e466de06fae1
Revises: 6e4a2c9d1b58
"""
from __future__ import annotations

from alembic import op

revision = "e466de06fae1"
down_revision = "6e4a2c9d1b58"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sync_client_user_seen", "sync_client", ["user_id", "last_seen_at"], if_not_exists=True)


def downgrade() -> None:
    pass
