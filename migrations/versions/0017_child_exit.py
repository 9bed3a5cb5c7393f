"""child.exit_date, child.exit_reason: a child who died ("died") or whose family moved out of the area
("moved_away") leaves the register on that day instead of being deleted, so the months before (and of)
her exit keep counting her (``reports.cohort.in_register_on``). Both empty, or both set.

Nullable columns: no row is rewritten; SQLite's check constraints come with a rebuild of the table
(alembic's batch mode, foreign keys off meanwhile as in 0015).

Revision ID: 5c1e7a9d2f40
Revises: 9b3e51d0c7a2
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "5c1e7a9d2f40"
down_revision = "9b3e51d0c7a2"
branch_labels = None
depends_on = None


def _batch(change) -> None:  # type: ignore[no-untyped-def]
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=OFF")
    with op.batch_alter_table("child") as batch_op:
        change(batch_op)
    if sqlite:
        with op.get_context().autocommit_block():
            op.execute("PRAGMA foreign_keys=ON")


def upgrade() -> None:
    def change(b) -> None:  # type: ignore[no-untyped-def]
        b.add_column(sa.Column("exit_date", sa.Date(), nullable=True))
        b.add_column(sa.Column("exit_reason", sa.String(length=10), nullable=True))
        b.create_check_constraint("exit_reason", "exit_reason IN ('died','moved_away')")
        b.create_check_constraint("exit_both", "(exit_date IS NULL) = (exit_reason IS NULL)")
    _batch(change)


def downgrade() -> None:
    def change(b) -> None:  # type: ignore[no-untyped-def]
        b.drop_constraint(op.f("ck_child_exit_both"), type_="check")
        b.drop_constraint(op.f("ck_child_exit_reason"), type_="check")
        b.drop_column("exit_reason")
        b.drop_column("exit_date")
    _batch(change)
