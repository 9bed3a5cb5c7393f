"""No schema change: every child queued for her growth results to be recomputed (``growth_recompute``,
worked off by ``flask recompute-growth --queued``, the timer of docs/deploy.md). The KMS's N/T now reads
the KBM at the child's age in calendar months, as the Buku KIA counts it (``posyandu.ages``), not in
WHO's 30.4375-day months: a weighing near a monthly birthday was judged by the month before's KBM (born
1 January, weighed 1 May: 800 g instead of 600 g). Until a child's turn, her weighings keep the N/T
judged before; each one the recompute changes goes to the phones by their next pull.

Revision ID: 54453fb78b47
Revises: 7a4d2c9e6b18
"""
from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from alembic import op

revision = "54453fb78b47"
down_revision = "7a4d2c9e6b18"
branch_labels = None
depends_on = None

REASON = "kbm age in calendar months"


def upgrade() -> None:
    child = sa.table("child", sa.column("id", sa.Uuid()), sa.column("deleted_at", sa.DateTime(timezone=True)))
    queue = sa.table("growth_recompute", sa.column("child_id", sa.Uuid()),
                     sa.column("requested_at", sa.DateTime(timezone=True)), sa.column("reason", sa.String(64)))
    queued = sa.select(queue.c.child_id).where(queue.c.child_id == child.c.id).exists()
    now = sa.literal(datetime.now(timezone.utc), sa.DateTime(timezone=True))
    op.execute(queue.insert().from_select(
        ["child_id", "requested_at", "reason"],
        sa.select(child.c.id, now, sa.literal(REASON, sa.String(64))).where(child.c.deleted_at.is_(None), ~queued)))


def downgrade() -> None:
    """Nothing to undo: the results recomputed stand until the older code recomputes them again."""
