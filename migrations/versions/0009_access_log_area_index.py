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
    create_index_online("ix_access_log_area", "access_log", ["id"], where=sa.text("child_id IS NULL"))


def downgrade() -> None:
    drop_index_online("ix_access_log_area", "access_log")


def create_index_online(name: str, table: str, columns: list[str], where: sa.TextClause) -> None:
    """Built while the old release keeps serving (docs/deploy.md): on PostgreSQL ``CONCURRENTLY``,
    which does not block the table's writes while it reads it, outside a transaction (alembic's
    autocommit block); an invalid index a failed concurrent build left behind is dropped first.
    Migrations stay self-contained, so 0008 and 0009 each carry this."""
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(name, table, columns, sqlite_where=where)
        return
    with op.get_context().autocommit_block():
        op.execute(f'DROP INDEX CONCURRENTLY IF EXISTS "{name}"')
        op.create_index(name, table, columns, postgresql_where=where, postgresql_concurrently=True)


def drop_index_online(name: str, table: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.drop_index(name, table_name=table)
        return
    with op.get_context().autocommit_block():
        op.drop_index(name, table_name=table, postgresql_concurrently=True, if_exists=True)
