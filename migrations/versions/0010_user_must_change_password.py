"""user.must_change_password: a password an admin set (a new account, a reset) is temporary.

Its user logs in, but the API answers her 403 ``password_change_required`` (except the password
change itself, /auth/me, logout and refresh) until she sets her own. Accounts existing before this
column chose their passwords as before: false.

Revision ID: 7d2e5b8c4a16
Revises: 5a8c1e4f7b90
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7d2e5b8c4a16"
down_revision = "5a8c1e4f7b90"
branch_labels = None
depends_on = None


# A plain ALTER TABLE on both databases, as 0004: recreating "user" (alembic's batch mode on
# SQLite) would drop a table that every other table refers to.

def upgrade() -> None:
    with op.batch_alter_table("user", recreate="never") as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("user", recreate="never") as batch_op:  # SQLite 3.35+ drops columns
        batch_op.drop_column("must_change_password")
