"""child_move: each move of a child to another posyandu, on the local day it was recorded. Her record and
events follow her to the new posyandu, so a month's report before the move read where she is now: a
posyandu's March changed when a child left in June. Reports count her, in a month before a move, at the
posyandu she left (``reports.cohort.placed_on``). Empty to begin with: moves made before the upgrade
are not known here (their children count where they are now, as before).

Revision ID: 9b3e51d0c7a2
Revises: 6daca862ff48
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "9b3e51d0c7a2"
down_revision = "6daca862ff48"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "child_move",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("child_id", sa.Uuid(), nullable=False),
        sa.Column("from_posyandu_id", sa.Uuid(), nullable=False),
        sa.Column("to_posyandu_id", sa.Uuid(), nullable=False),
        sa.Column("moved_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["child_id"], ["child.id"], name=op.f("fk_child_move_child_id_child")),
        sa.ForeignKeyConstraint(["from_posyandu_id"], ["posyandu.id"],
                                name=op.f("fk_child_move_from_posyandu_id_posyandu")),
        sa.ForeignKeyConstraint(["to_posyandu_id"], ["posyandu.id"],
                                name=op.f("fk_child_move_to_posyandu_id_posyandu")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_move")),
    )
    op.create_index(op.f("ix_child_move_child_id"), "child_move", ["child_id"], unique=False)
    op.create_index(op.f("ix_child_move_from_posyandu_id"), "child_move", ["from_posyandu_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_child_move_from_posyandu_id"), table_name="child_move")
    op.drop_index(op.f("ix_child_move_child_id"), table_name="child_move")
    op.drop_table("child_move")
