"""token_family.earlier_jti, previous_rotated_at: the token before the previous one, and when it was
replaced. A superseded refresh token presented after its successor was used was answered the newest
whenever it came within a minute of the chain's last rotation, however old it was: a copy kept from
long ago got in by landing in that minute. Now only the token before the previous one is, and only
within a minute of its being replaced (``posyandu.auth.operations.refresh``).

Nullable columns, empty for the chains that exist: their next rotation fills them (until then a
token older than the previous one revokes its chain, as any would after that minute).

Revision ID: 8d2f6b3a1c57
Revises: 5c1e7a9d2f40
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "8d2f6b3a1c57"
down_revision = "5c1e7a9d2f40"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("token_family", sa.Column("earlier_jti", sa.String(length=64), nullable=True))
    op.add_column("token_family", sa.Column("previous_rotated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("token_family") as batch_op:
        batch_op.drop_column("previous_rotated_at")
        batch_op.drop_column("earlier_jti")
