"""user.credentials_version: a password change ends the user's other sessions.

Tokens carry the value they were issued under ("cv"); a password change, or switching the
account off or on, bumps it and every earlier token (a lost phone's, say) is refused. Tokens
issued before this column existed carry no "cv" and count as version 1.

Revision ID: 4c7e2a9b1f03
Revises: 9b3f6a1d2c10
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "4c7e2a9b1f03"
down_revision = "9b3f6a1d2c10"
branch_labels = None
depends_on = None


# A plain ALTER TABLE on both databases: recreating "user" (alembic's batch mode on SQLite)
# would drop a table that every other table refers to.

def upgrade() -> None:
    with op.batch_alter_table("user", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("credentials_version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("user", recreate="never") as batch_op:  # SQLite 3.35+ drops columns
        batch_op.drop_column("credentials_version")
