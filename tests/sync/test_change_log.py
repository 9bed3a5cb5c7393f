"""The change log is written in commit order, once per record version, and
savepoints that roll back leave nothing in it (both databases)."""
from __future__ import annotations

import uuid
from datetime import date

import pytest
from sqlalchemy import select

from tests.sync.helpers import pull_all


def _child(world, db, name="Rina"):
    from posyandu.auth.models import User
    from posyandu.registry.operations import create_child

    kader = db.session.scalar(select(User).where(User.username == "kader1"))
    return create_child(kader, {"id": uuid.uuid4(), "posyandu_id": world.ids["p1"], "name": name, "sex": "F",
                                "birth_date": date(2025, 3, 1)})


def test_a_rolled_back_savepoint_leaves_no_change_log_row(world, db):
    from posyandu.sync.models import ChangeLog

    kept = _child(world, db, "Kept")
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            _child(world, db, "Gone")
            raise RuntimeError("fails after the change was recorded")
    with db.session.begin_nested():
        also = _child(world, db, "Also kept")
    db.session.commit()
    rows = db.session.scalars(select(ChangeLog).where(ChangeLog.entity == "child").order_by(ChangeLog.seq)).all()
    assert [r.record["name"] for r in rows] == ["Kept", "Also kept"]
    assert [r.record_id for r in rows] == [kept.id, also.id]
    assert rows[1].seq == rows[0].seq + 1


def test_versions_are_contiguous_and_end_at_the_record_version(world, client, db, make_child):
    from posyandu.registry.models import Child
    from posyandu.sync.models import ChangeLog

    child = make_child()
    for name in ("A", "B", "C"):
        current = client.get(f"/api/v1/children/{child['id']}", headers=world.headers("kader1")).get_json()
        resp = client.patch(f"/api/v1/children/{child['id']}", json={"name": name, "base_version": current["version"]},
                            headers=world.headers("kader1"))
        assert resp.status_code == 200
    versions = db.session.scalars(select(ChangeLog.version).where(ChangeLog.record_id == uuid.UUID(child["id"]))
                                  .order_by(ChangeLog.seq)).all()
    assert versions == [1, 2, 3, 4] == list(range(1, db.session.get(Child, uuid.UUID(child["id"])).version + 1))
    changes, _, _ = pull_all(client, world.headers("kader1b"))
    assert [c["record"]["name"] for c in changes if c["entity"] == "child"] == ["Budi Santoso", "A", "B", "C"]


def test_a_rolled_back_savepoint_leaves_a_record_change_queued_before_it_as_it_was(world, db):
    """A push applies each mutation in a savepoint, and one record changed twice in a transaction
    has one queued change-log row. A later mutation that fails (rolled back) must not leave its
    fields, its delete or its move in the row of the earlier one that stands."""
    from posyandu.audit import record_change
    from posyandu.registry.models import Child
    from posyandu.sync.models import ChangeLog

    child = _child(world, db)
    db.session.commit()
    child.name = "Rina Sari"
    record_change(child, "update", {"name": ["Rina", "Rina Sari"]})
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            child.address = "Jl. Melati 2"
            record_change(child, "update", {"address": [None, "Jl. Melati 2"]},
                          prev_posyandu_id=world.ids["p2"])
            record_change(child, "delete")
            raise RuntimeError("the mutation fails after its change was recorded")
    db.session.commit()
    row = db.session.scalars(select(ChangeLog).where(ChangeLog.record_id == child.id)
                             .order_by(ChangeLog.seq.desc()).limit(1)).one()
    stored = db.session.get(Child, child.id)
    assert (stored.name, stored.address, stored.deleted_at, stored.version) == ("Rina Sari", None, None, 2)
    assert (row.version, row.op, row.changed_fields, row.prev_posyandu_id) == (2, "upsert", ["name"], None)
    assert row.record["name"] == "Rina Sari" and row.record["address"] is None
