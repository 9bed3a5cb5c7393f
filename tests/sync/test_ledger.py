"""Pruning the idempotency ledger (flask prune-sync-ledger): old answers go, recent ones are
still replayed, and a retry older than the retention still never makes a second record."""
from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.sync.helpers import child_data, measurement_data, mutation, new_id, push


def test_old_answers_are_pruned_recent_ones_replayed_and_nothing_is_doubled(app, client, world, db):
    from posyandu.database import utcnow
    from posyandu.growth.models import Measurement
    from posyandu.sync.models import SyncMutation

    h = world.headers("kader1")
    cid = new_id()
    old = [mutation("child", cid, child_data(world.ids["p1"])), mutation("measurement", new_id(), measurement_data(cid))]
    recent = [mutation("measurement", new_id(), measurement_data(cid, weight_kg=8.4))]
    push(client, h, old)
    push(client, h, recent)
    db.session.execute(update(SyncMutation).where(SyncMutation.mutation_id.in_([uuid.UUID(m["mutation_id"]) for m in old]))
                       .values(created_at=utcnow() - timedelta(days=100)))
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["prune-sync-ledger", "--days", "90"])
    assert result.exit_code == 0 and "2 ledger rows" in result.output, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(SyncMutation)) == 1

    [again] = push(client, h, recent)
    assert again["replayed"] is True and again["status"] == "applied"
    late = push(client, h, old)            # answered afresh: the same records, not new ones
    assert [r["replayed"] for r in late] == [False, False]
    assert [r["record"]["id"] for r in late] == [m["id"] for m in old]
    assert db.session.scalar(select(func.count()).select_from(Measurement)) == 2


def test_the_retention_cannot_be_shorter_than_thirty_days(app):
    from posyandu.sync.ledger import prune_ledger

    assert app.test_cli_runner().invoke(args=["prune-sync-ledger", "--days", "7"]).exit_code != 0
    with app.app_context(), pytest.raises(ValueError):
        prune_ledger(7)
