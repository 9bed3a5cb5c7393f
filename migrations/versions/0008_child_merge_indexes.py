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
        create_index_online(f"ix_child_{column}", "child", [column], where=sa.text(f"{column} IS NOT NULL"))


def downgrade() -> None:
    for column in ("possible_duplicate_of", "merged_into"):
        drop_index_online(f"ix_child_{column}", "child")


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
