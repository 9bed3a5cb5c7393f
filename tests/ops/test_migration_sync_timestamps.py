"""Migration 0014 on a database holding change-log snapshots and ledger answers written before
timestamps were answered in UTC with Z (api-contract: "timestamps ISO 8601 UTC with Z"): created_at,
updated_at and deleted_at with "+00:00" (microseconds left out when zero), an event's recorded_at in
the offset its phone sent ("+07:00"). Each test makes its records at head, goes back to 0013, writes
them there as the release before wrote them, and upgrades: the pull, a lost push's replay and the
three-way merge answer them as the record's own route does, and the rows themselves are rewritten
(none is converted on the way out any more). On SQLite and PostgreSQL."""
from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from tests.sync.helpers import child_data, measurement_data, mutation, new_id, pull_all, push
from tests.support.migrations import dispose, upgraded_app

BEFORE = "3c7f9a2e5d14"  # 0013
CANONICAL = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")  # validators.utc_timestamp's


@pytest.fixture
def migrated(database_url):
    """(app, world, client) on a database of its own at head; ``migrated.at_0013(write)`` goes back
    to 0013, calls ``write()`` there, and upgrades to head again."""
    from flask_migrate import downgrade, upgrade

    from posyandu.extensions import db

    app, world = upgraded_app(database_url)

    def at_0013(write):
        with app.app_context():
            downgrade(revision=BEFORE)
            write()
            db.session.remove()
            upgrade()

    try:
        yield type("Migrated", (), {"app": app, "world": world, "client": app.test_client(), "at_0013": at_0013})
    finally:
        dispose(app)


def _old(value, hours=0):
    """An instant as the release before logged it: Python's isoformat in UTC ("+00:00", no
    ".000000" when whole), or in the phone's offset (``hours``)."""
    if not isinstance(value, str) or not CANONICAL.fullmatch(value):
        return value
    return datetime.fromisoformat(value).astimezone(timezone(timedelta(hours=hours))).isoformat()


def _as_logged_before_z(record_ids):
    """Rewrite the change-log snapshots of ``record_ids`` as logged before: recorded_at in "+07:00"."""
    from posyandu.extensions import db
    from posyandu.sync.models import ChangeLog

    for row in db.session.scalars(select(ChangeLog).where(ChangeLog.record_id.in_([uuid.UUID(r) for r in record_ids]))):
        row.record = {k: _old(v, 7 if k == "recorded_at" else 0) for k, v in row.record.items()}
    db.session.commit()


def _instants(record):
    return {k: v for k, v in record.items() if k.endswith("_at") and v is not None}


def _stored_records(record_ids):
    from posyandu.extensions import db
    from posyandu.sync.models import ChangeLog

    return db.session.scalars(select(ChangeLog.record).where(
        ChangeLog.record_id.in_([uuid.UUID(r) for r in record_ids]))).all()


def _new_child(client, world, by="kader1"):
    cid = new_id()
    [res] = push(client, world.headers(by), [mutation("child", cid, child_data(world.ids["p1"]))])
    assert res["status"] == "applied", res
    return cid


def test_records_logged_before_timestamps_were_written_with_z_are_pulled_and_replayed_in_utc_with_z(migrated):
    """Pulled, and a lost push's replay (answered from the change log), they came back as logged, so
    a phone got the same instant written two ways from a pull and from the record's own route."""
    client, world = migrated.client, migrated.world
    headers = world.headers("kader1")
    cid, weighing = new_id(), new_id()
    sent = [mutation("child", cid, child_data(world.ids["p1"])),
            mutation("measurement", weighing, measurement_data(cid, recorded_at="2026-11-05T09:30:00.123+07:00"))]
    assert [r["status"] for r in push(client, headers, sent)] == ["applied", "applied"]
    migrated.at_0013(lambda: _as_logged_before_z([cid, weighing]))
    as_served = {"child": client.get(f"/api/v1/children/{cid}", headers=headers).get_json(),
                 "measurement": client.get(f"/api/v1/measurements/{weighing}", headers=headers).get_json()}
    assert as_served["measurement"]["recorded_at"] == "2026-11-05T02:30:00.123000Z"
    with migrated.app.app_context():
        stored = _stored_records([cid, weighing])
    assert len(stored) == 2 and all(CANONICAL.fullmatch(v) for r in stored for v in _instants(r).values())

    changes, _, _ = pull_all(client, headers)
    pulled = {c["entity"]: c["record"] for c in changes if c["entity"] in as_served}
    replayed = push(client, headers, sent)
    assert all(r["replayed"] for r in replayed)
    for entity, record in [*pulled.items(), *zip(["child", "measurement"], (r["record"] for r in replayed))]:
        assert _instants(record) == _instants(as_served[entity]) != {}, entity


@pytest.mark.parametrize("entity", ["measurement", "child"])
def test_an_edit_based_on_a_snapshot_written_before_timestamps_ended_in_z_merges(migrated, entity):
    """Compared as text with the record as it serialises now, every timestamp of such a snapshot
    looked changed on the server: an edit of a device-written timestamp (a weighing's recorded_at) or
    a restore of an old tombstone (deleted_at) was answered "conflict" for a change no one made."""
    client, world = migrated.client, migrated.world
    cid = rid = _new_child(client, world)
    if entity == "measurement":
        rid = new_id()
        [made] = push(client, world.headers("kader1"), [
            mutation("measurement", rid, measurement_data(cid, recorded_at="2025-11-01T10:00:00+07:00"))])
        assert made["status"] == "applied" and made["record"]["recorded_at"] == "2025-11-01T03:00:00.000000Z"
    else:
        [gone] = push(client, world.headers("kader1"), [mutation("child", cid, op="delete", base_version=1)])
        assert gone["status"] == "applied" and gone["record"]["deleted_at"]
    migrated.at_0013(lambda: _as_logged_before_z([rid]))
    if entity == "measurement":
        edit = {"weight_kg": 8.4, "recorded_at": "2025-11-02T09:00:00.123Z"}
        [res] = push(client, world.headers("kader1b"), [mutation("measurement", rid, edit, base_version=1)])
        assert res["status"] == "applied", res
        assert res["record"]["weight_kg"] == 8.4 and res["record"]["recorded_at"] == "2025-11-02T09:00:00.123000Z"
    else:  # another phone, which saw the tombstone, restores the child
        [res] = push(client, world.headers("kader1b"), [mutation("child", cid, {"deleted_at": None}, base_version=2)])
        assert res["status"] == "applied", res
        assert res["record"]["deleted_at"] is None


def test_a_record_logged_before_timestamps_were_written_with_z_deletes_and_restores_without_conflict(migrated):
    """Nobody changed it since; another cadre's delete, or restore, of the version she saw applies,
    not answered "conflict" over the same instants written anew; an edit of what she saw merges."""
    client, world = migrated.client, migrated.world
    cid = _new_child(client, world)
    live, dead = new_id(), new_id()
    at = "2026-11-05T09:30:00.123+07:00"
    made = push(client, world.headers("kader1b"), [
        mutation("measurement", live, measurement_data(cid, recorded_at=at)),
        mutation("measurement", dead, measurement_data(cid, recorded_at=at, weight_kg=8.4))], client_id="phone-b")
    [gone] = push(client, world.headers("kader1b"), [mutation("measurement", dead, op="delete", base_version=1)],
                  client_id="phone-b")
    assert [r["status"] for r in [*made, gone]] == ["applied"] * 3
    migrated.at_0013(lambda: _as_logged_before_z([live, dead]))
    [deleted] = push(client, world.headers("kader1"), [mutation("measurement", live, op="delete", base_version=1)],
                     client_id="phone-a")
    assert deleted["status"] == "applied" and deleted["record"]["deleted_at"] is not None, deleted
    [restored] = push(client, world.headers("kader1"), [mutation("measurement", dead, {"weight_kg": 8.4},
                                                                 base_version=gone["version"])], client_id="phone-a")
    assert restored["status"] == "applied" and restored["record"]["deleted_at"] is None, restored
    [edited] = push(client, world.headers("kader1"), [mutation("measurement", dead, {"muac_cm": 14.2},
                                                               base_version=restored["version"])], client_id="phone-a")
    assert edited["status"] == "applied", edited


def test_an_answer_kept_whole_before_timestamps_ended_in_z_is_replayed_in_utc_with_z(migrated):
    """The ledger kept answers with their record until it kept them by reference to the change log:
    such an answer, replayed to a push retried after the upgrade (the ledger keeps answers 30 days),
    came back with "+00:00" and its phone's "+07:00"."""
    from posyandu.extensions import db
    from posyandu.sync.models import SyncMutation

    client, world = migrated.client, migrated.world
    cid = _new_child(client, world)
    weighing = mutation("measurement", new_id(), measurement_data(cid, recorded_at="2026-11-05T09:30:00.123+07:00"))
    [first] = push(client, world.headers("kader1"), [weighing])
    assert first["status"] == "applied"
    record = first["record"]

    def kept_whole():
        kept = db.session.get(SyncMutation, uuid.UUID(weighing["mutation_id"]))
        kept.result = {**first, "record": {k: _old(v, 7 if k == "recorded_at" else 0) for k, v in record.items()}}
        db.session.commit()
        assert kept.result["record"]["recorded_at"] == "2026-11-05T09:30:00.123000+07:00"

    migrated.at_0013(kept_whole)
    [replay] = push(client, world.headers("kader1"), [weighing])
    assert replay["replayed"] is True and replay["record"]["recorded_at"] == "2026-11-05T02:30:00.123000Z"
    assert _instants(replay["record"]) == _instants(record) != {}


def test_every_row_of_a_change_log_and_ledger_longer_than_a_batch_is_rewritten(migrated):
    """The migration reads and writes in batches (``BATCH`` rows, each batch committed): every row
    past the first batch is rewritten too; a naive instant is read as UTC; what is not an instant,
    the keys that are no timestamp, and a posyandu's snapshot (no timestamps) are left as they are."""
    from posyandu.extensions import db

    n = 2 * 1000 + 7
    ids = [uuid.uuid4() for _ in range(n)]

    def old_rows():
        log = [{"seq": 100 + i, "entity": "measurement", "record_id": ids[i], "version": 1, "op": "upsert",
                "record": {"id": str(ids[i]), "created_at": "2025-01-02T03:04:05+00:00", "deleted_at": None,
                           "recorded_at": "2025-01-02T10:04:05.5+07:00", "note": "2025-01-02T03:04:05+00:00"}}
               for i in range(n)]
        log += [{"seq": 99, "entity": "child", "record_id": uuid.uuid4(), "version": 1, "op": "upsert",
                 "record": {"created_at": "2025-01-02T03:04:05", "updated_at": "kemarin", "deleted_at": None}},
                {"seq": 98, "entity": "posyandu", "record_id": uuid.uuid4(), "version": 1, "op": "upsert",
                 "record": {"created_at": "2025-01-02T03:04:05+00:00"}}]
        ledger = [{"mutation_id": uuid.uuid4(), "client_id": "phone", "user_id": uuid.uuid4(), "entity": "child",
                   "request_hash": "0" * 64, "status": "applied",
                   "result": {"status": "applied", "record": {"updated_at": f"2025-01-02T03:04:{i % 60:02d}+00:00"}}}
                  for i in range(1000 + 3)]
        for table, rows in (("change_log", log), ("sync_mutation", ledger)):
            db.session.execute(db.metadata.tables[table].insert(), rows)
        db.session.commit()

    migrated.at_0013(old_rows)
    with migrated.app.app_context():
        records = dict(db.session.execute(text("SELECT seq, record FROM change_log WHERE seq >= 98")).all())
        results = db.session.execute(text("SELECT result FROM sync_mutation WHERE client_id = 'phone'")).scalars().all()
    records = {seq: _json(r) for seq, r in records.items()}
    assert len(records) == n + 2
    assert all(records[100 + i] == {"id": str(ids[i]), "created_at": "2025-01-02T03:04:05.000000Z", "deleted_at": None,
                                    "recorded_at": "2025-01-02T03:04:05.500000Z",
                                    "note": "2025-01-02T03:04:05+00:00"} for i in range(n))
    assert records[99] == {"created_at": "2025-01-02T03:04:05.000000Z", "updated_at": "kemarin", "deleted_at": None}
    assert records[98] == {"created_at": "2025-01-02T03:04:05+00:00"}
    assert sorted(_json(r)["record"]["updated_at"] for r in results) == sorted(
        f"2025-01-02T03:04:{i % 60:02d}.000000Z" for i in range(1000 + 3))


def _json(value):
    import json

    return json.loads(value) if isinstance(value, str) else value


def _once_before(statement_start, act):
    """A listener on the app's engine calling ``act()`` once, just before the migration sends a
    statement beginning ``statement_start`` (as the release still serving writes meanwhile)."""
    done = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        if not done and statement.lstrip().startswith(statement_start):
            done.append(True)
            act()

    return listener, done


def test_a_change_logged_in_the_old_form_while_the_ledger_is_rewritten_is_rewritten_too(migrated):
    """A release before timestamps ended in Z (at migration 0007) goes on logging "+00:00" while
    ``db upgrade`` runs (docs/deploy.md, §9): the change log was rewritten first, then the ledger (as
    large, a row per pushed mutation): what it logged while the ledger was read was never rewritten,
    pulled with "+00:00" and, compared as text, a later delete of it was a false conflict. The change
    log is now rewritten last."""
    from sqlalchemy import event

    from posyandu.extensions import db

    def log_old_form():
        with db.engine.connect() as other:
            seq = other.execute(text("SELECT max(seq) FROM change_log")).scalar_one() + 1
            other.execute(db.metadata.tables["change_log"].insert(), [{
                "seq": seq, "entity": "measurement", "record_id": uuid.uuid4(), "version": 1, "op": "upsert",
                "record": {"created_at": "2026-12-03T10:00:00+00:00", "recorded_at": "2026-12-03T17:00:00+07:00"}}])
            other.execute(text("UPDATE sync_counter SET value = :seq"), {"seq": seq})
            other.commit()

    def upgrade_while_logging():
        db.session.execute(db.metadata.tables["sync_mutation"].insert(), [{
            "mutation_id": uuid.uuid4(), "client_id": "phone", "user_id": uuid.uuid4(), "entity": "child",
            "request_hash": "0" * 64, "status": "applied", "result": {"status": "applied", "record": None}}])
        db.session.commit()
        listener, done = _once_before("SELECT sync_mutation.mutation_id", log_old_form)
        event.listen(db.engine, "before_cursor_execute", listener)
        migrated.listening = (listener, done)

    migrated.at_0013(upgrade_while_logging)
    with migrated.app.app_context():
        event.remove(db.engine, "before_cursor_execute", migrated.listening[0])
        assert migrated.listening[1] == [True]
        logged = _json(db.session.execute(text("SELECT record FROM change_log ORDER BY seq DESC LIMIT 1")).scalar_one())
    assert logged == {"created_at": "2026-12-03T10:00:00.000000Z", "recorded_at": "2026-12-03T10:00:00.000000Z"}


def test_a_snapshot_erased_by_the_retention_while_it_is_rewritten_stays_erased(migrated):
    """``purge-deleted-children`` of the release still serving erases a deleted child's personal
    data from her change-log snapshots: one erased between the migration's read of its batch and its
    write was written back as read, her name and NIK in the log again (UU 27/2022 PDP). A row is now
    written only if it still holds what was read; else its batch is read again."""
    from sqlalchemy import event

    from posyandu.extensions import db
    from posyandu.retention import ERASED, erased_record
    from posyandu.sync.models import ChangeLog

    client, world = migrated.client, migrated.world
    cid = _new_child(client, world)

    def erase():
        with db.engine.connect() as other:
            record = _json(other.execute(select(ChangeLog.record).where(ChangeLog.record_id == uuid.UUID(cid)))
                           .scalar_one())
            other.execute(ChangeLog.__table__.update().where(ChangeLog.record_id == uuid.UUID(cid))
                          .values(record=erased_record(record)))
            other.commit()

    def old_form_then_listen():
        _as_logged_before_z([cid])
        listener, done = _once_before("UPDATE change_log", erase)
        event.listen(db.engine, "before_cursor_execute", listener)
        migrated.listening = (listener, done)

    migrated.at_0013(old_form_then_listen)
    with migrated.app.app_context():
        event.remove(db.engine, "before_cursor_execute", migrated.listening[0])
        assert migrated.listening[1] == [True]
        [stored] = _stored_records([cid])
    assert stored["name"] == ERASED and stored["nik"] is None and stored["mother_name"] is None
    assert all(CANONICAL.fullmatch(v) for v in _instants(stored).values())
