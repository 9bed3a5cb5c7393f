"""Keeping the idempotency ledger (``sync_mutation``) in bounds.

The ledger answers a retried push with the first attempt's result, so it is needed
only while a phone may still retry a push whose answer it lost: days, at most weeks
offline. It is about a sixth of the disk a measurement takes (docs/scaling.md), so
rows older than a retention period can go. A retry older than that is no longer
answered from the ledger; it still cannot duplicate anything: records keep their
client-made ids, so a create lands on the record it made, as an edit.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete

from posyandu.audit import log_action
from posyandu.database import utcnow
from posyandu.extensions import db
from posyandu.sync.models import SyncMutation

MIN_DAYS = 30  # longer than any phone stays offline with unsent pushes in practice


def prune_ledger(days: int, now: datetime | None = None) -> int:
    """Delete ledger rows older than ``days`` (at least ``MIN_DAYS``); the number deleted."""
    if days < MIN_DAYS:
        raise ValueError(f"keep at least {MIN_DAYS} days")
    cutoff = (now or utcnow()) - timedelta(days=days)
    n = db.session.execute(delete(SyncMutation).where(SyncMutation.created_at < cutoff)).rowcount or 0
    if n:  # a retention purge: who ran it, when (the rows held copies of the records pushed)
        log_action("purge", "sync_mutation", None, reason=f"{n} rows older than {days} days")
    return n
