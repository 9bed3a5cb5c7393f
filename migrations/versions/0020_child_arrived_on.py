"""child.arrived_on: the local day a child was moved to the posyandu she is at (null: registered there). The
server's reports count her, in a month before a move, where she was (``child_move``); a phone holds only its
posyandu's children and counted a child moved in today in every earlier month of its SKDN. It now leaves her out
of the months before she came (js/skdn.js).

Filled from ``child_move``: the latest move of each child to the posyandu she is at now, not counting one made
the day she left it (a move undone, or away and back the same day: she never was elsewhere at a month's end),
as ``registry.operations._arrived_on`` dates a move now.

Revision ID: 7a4d2c9e6b18
Revises: 2f6c8e1a9b35
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "7a4d2c9e6b18"
down_revision = "2f6c8e1a9b35"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("child", sa.Column("arrived_on", sa.Date(), nullable=True))
    child = sa.table("child", sa.column("id", sa.Uuid()), sa.column("posyandu_id", sa.Uuid()),
                     sa.column("arrived_on", sa.Date()))
    move = sa.table("child_move", sa.column("child_id", sa.Uuid()), sa.column("from_posyandu_id", sa.Uuid()),
                    sa.column("to_posyandu_id", sa.Uuid()), sa.column("moved_on", sa.Date()))
    left = move.alias("left_that_day")
    undone = sa.exists().where(left.c.child_id == child.c.id, left.c.from_posyandu_id == child.c.posyandu_id,
                               left.c.moved_on == move.c.moved_on).correlate_except(left)
    op.execute(child.update().values(arrived_on=sa.select(sa.func.max(move.c.moved_on)).where(
        move.c.child_id == child.c.id, move.c.to_posyandu_id == child.c.posyandu_id, ~undone).scalar_subquery()))


def downgrade() -> None:
    op.drop_column("child", "arrived_on")
