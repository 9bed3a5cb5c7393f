"""New measurements applied together give exactly what one-at-a-time gives (both databases).

``posyandu.sync.push`` applies a run of new measurements in one go (one lookup, one calculator
run, one KMS trend pass per child, bulk INSERTs) and sends everything else down the
one-at-a-time path. The same scenario is pushed with the bulk path on and off
(``SYNC_BULK``) on fresh data, and the answers, the stored measurements, the
change log and the audit trail must be the same: the one-at-a-time path is the reference.
"""
from __future__ import annotations

import random
import uuid
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import _build_world, _empty_all_tables
from tests.sync.helpers import child_data, measurement_data, mutation, push

TIMESTAMPS = {"created_at", "updated_at", "at", "committed_at", "recorded_at"}


def _month(months_ago: int, day: int = 1) -> str:
    today = date.today()
    index = today.year * 12 + today.month - 1 - months_ago
    return date(index // 12, index % 12 + 1, day).isoformat()


def _scenario(world, client) -> list[list[dict[str, Any]]]:
    """Push a day's work on top of a history, with every kind of mutation mixed in; the answers."""
    rng = random.Random(7)
    ids = iter(str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(10_000))
    kader, answers = world.headers("kader1"), []
    born = (date.today() - timedelta(days=700)).isoformat()
    a, b, c, d, f, e = (next(ids) for _ in range(6))
    answers.append(push(client, kader, [mutation("child", x, child_data(world.ids["p1"], birth_date=born,
                                                                         name=f"Anak {i}", sex="MFMM"[i]),  # c and d: one child (a merge)
                                                 mutation_id=next(ids))
                                        for i, x in enumerate((a, b, c, d))]))
    answers.append(push(client, world.headers("kader3"), [
        mutation("child", e, child_data(world.ids["p3"], birth_date=born), mutation_id=next(ids))]))
    history = {x: [] for x in (a, b, c)}
    first_push = []
    for months_ago in (6, 5, 3, 2):  # no visit four months ago: B's will be back-dated into that gap
        for x, grams in ((a, 9000), (b, 8500), (c, 8000)):
            mid, weight = next(ids), (grams + 250 * (6 - months_ago)) / 1000
            history[x].append(mid)
            first_push.append(mutation("measurement", mid, measurement_data(
                x, measured_on=_month(months_ago), weight_kg=weight, length_height_cm=72 + 6 - months_ago),
                mutation_id=next(ids)))
    answers.append(push(client, kader, first_push))
    resp = client.post(f"/api/v1/children/{c}/merge", json={"duplicate_id": d}, headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    twice, same_record = next(ids), next(ids)
    day = measurement_data(a, measured_on=_month(0), weight_kg=10.4, length_height_cm=79)
    batch = [
        mutation("measurement", next(ids), day, mutation_id=next(ids)),
        # back-dated into B's empty month: the month after it changes trend (a recompute)
        mutation("measurement", next(ids), measurement_data(b, measured_on=_month(4), weight_kg=8.9,
                                                            length_height_cm=73), mutation_id=next(ids)),
        # two weighings of C on one day in one batch, and one of A on a day already stored
        mutation("measurement", next(ids), measurement_data(c, measured_on=_month(0), weight_kg=9.1),
                 mutation_id=next(ids)),
        mutation("measurement", next(ids), measurement_data(c, measured_on=_month(0), weight_kg=9.2),
                 mutation_id=next(ids)),
        mutation("measurement", next(ids), measurement_data(a, measured_on=_month(2), weight_kg=10.0),
                 mutation_id=next(ids)),
        # addressed to the merged duplicate: lands on C
        mutation("measurement", next(ids), measurement_data(d, measured_on=_month(1), weight_kg=8.9),
                 mutation_id=next(ids)),
        # refused: another posyandu's child, an impossible weight, before birth, N/T override by a kader
        mutation("measurement", next(ids), measurement_data(e), mutation_id=next(ids)),
        mutation("measurement", next(ids), measurement_data(a, weight_kg=500), mutation_id=next(ids)),
        mutation("measurement", next(ids), measurement_data(a, measured_on="2020-01-01"), mutation_id=next(ids)),
        mutation("measurement", next(ids), measurement_data(b, measured_on=_month(1), trend_override="N",
                                                            trend_override_reason="timbangan rusak"),
                 mutation_id=next(ids)),
        # an edit of a stored weighing in the middle of the run
        mutation("measurement", history[b][-1], {"weight_kg": 9.3}, base_version=1, mutation_id=next(ids)),
        # a child registered and weighed in the same batch
        mutation("child", f, child_data(world.ids["p1"], birth_date=born, name="Anak Baru"), mutation_id=next(ids)),
        mutation("measurement", next(ids), measurement_data(f, measured_on=_month(0), weight_kg=9.9),
                 mutation_id=next(ids)),
        # one record created twice (the second is an edit of the first), one mutation sent twice
        mutation("measurement", same_record, measurement_data(b, measured_on=_month(1), weight_kg=9.0),
                 mutation_id=next(ids)),
        mutation("measurement", same_record, measurement_data(b, measured_on=_month(1), weight_kg=9.05),
                 mutation_id=next(ids)),
        mutation("measurement", next(ids), measurement_data(b, measured_on=_month(0), weight_kg=9.4),
                 mutation_id=twice),
        mutation("measurement", next(ids), measurement_data(c, measured_on=_month(1), weight_kg=8.7),
                 mutation_id=next(ids)),
        # a replay of the history push, and a reuse of one of its ids for something else
        first_push[0],
        {**first_push[1], "data": {**first_push[1]["data"], "weight_kg": 7.0}},
        # a delete, then a new weighing of the same child
        mutation("measurement", history[a][0], {"reason": "salah anak"}, op="delete", base_version=1,
                 mutation_id=next(ids)),
        mutation("measurement", next(ids), measurement_data(a, measured_on=_month(1), weight_kg=10.2),
                 mutation_id=next(ids)),
    ]
    batch.insert(16, {**batch[15]})  # the same mutation twice in one batch
    answers.append(push(client, kader, batch))
    return answers


def _state(app, world) -> dict[str, Any]:
    """Answers aside: every stored measurement, change-log row and audit row, with the world's
    ids (they differ between runs) named and timestamps left out."""
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.growth.models import Measurement
    from posyandu.sync.models import ChangeLog

    with app.app_context():
        names = {str(v): k for k, v in world.ids.items()}
        names.update({str(u.id): u.username for u in db.session.scalars(select(User))})
        columns = [c.key for c in Measurement.__table__.columns if c.key not in TIMESTAMPS]  # deleted_at: a bool
        measurements = sorted((_named({k: getattr(m, k) for k in columns}, names)
                               for m in db.session.scalars(select(Measurement))), key=lambda m: m["id"])
        log = sorted((_named({"entity": r.entity, "record_id": r.record_id, "version": r.version, "op": r.op,
                              "record": r.record, "changed_fields": r.changed_fields, "user_id": r.user_id,
                              "posyandu_id": r.posyandu_id, "prev_posyandu_id": r.prev_posyandu_id,
                              "mutation_id": r.mutation_id}, names)
                      for r in db.session.scalars(select(ChangeLog))),
                     key=lambda r: (r["entity"], r["record_id"], r["version"]))
        audit = Counter(repr(_named({"action": r.action, "entity": r.entity, "record_id": r.record_id,
                                     "changes": r.changes, "user_id": r.user_id, "client_id": r.client_id,
                                     "reason": r.reason, "kabupaten_code": r.kabupaten_code}, names))
                        for r in db.session.scalars(select(AuditLog)))
        return {"measurements": measurements, "change_log": log, "audit": audit}


def _named(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: (v is not None) if k == "deleted_at" else _named(v, names)
                for k, v in value.items() if k not in TIMESTAMPS}
    if isinstance(value, list):
        return [_named(v, names) for v in value]
    if isinstance(value, uuid.UUID):
        value = str(value)
    if isinstance(value, str):
        return names.get(value, value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _both_ways(app, world, client, scenario, state=_state):
    """The scenario pushed with the bulk path on, then, on fresh data, off: for each, the
    answers (the world's ids named) and ``state``'s view of the database."""
    runs = []
    for bulk in (True, False):
        app.config["SYNC_BULK"] = bulk
        try:
            answers = scenario(world, client)
            runs.append((_named(answers, {str(v): k for k, v in world.ids.items()}), state(app, world)))
        finally:
            app.config["SYNC_BULK"] = True
        _empty_all_tables(app)
        world = _build_world(app)
    return runs


def _sizes_of_calls(app, monkeypatch, module, name) -> dict[bool, list[int]]:
    """How many records each call of ``module.name`` created, with the bulk path on and off."""
    real, sizes = getattr(module, name), {True: [], False: []}

    def counting(user, *args, **kwargs):
        sizes[app.config["SYNC_BULK"]].append(len(args[-1]))
        return real(user, *args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return sizes


def test_bulk_and_one_at_a_time_give_the_same_answers_records_and_logs(world, app, client, monkeypatch):
    from posyandu import events

    sizes = _sizes_of_calls(app, monkeypatch, events, "create_events")
    (bulk_answers, bulk_state), (one_answers, one_state) = _both_ways(app, world, client, _scenario)
    # the scenario does what it says: runs applied together (or not), every kind of answer
    assert max(sizes[True]) == 12 and set(sizes[False]) == {1}
    last = bulk_answers[-1]
    assert Counter(r["status"] for r in last) == Counter({"applied": 17, "rejected": 5})
    assert sum(r["replayed"] for r in last) == 2
    assert sum(1 for m in bulk_state["measurements"] if m["possible_duplicate_of"]) == 3
    assert any(r["changed_fields"] and "trend" in r["changed_fields"] and r["op"] == "upsert"
               and r["version"] == 2 for r in bulk_state["change_log"] if r["entity"] == "measurement")
    assert bulk_answers == one_answers
    assert bulk_state["measurements"] == one_state["measurements"]
    assert bulk_state["change_log"] == one_state["change_log"]
    assert bulk_state["audit"] == one_state["audit"]


def _out_of_order_scenario(world, client) -> list[list[dict[str, Any]]]:
    """Weighings of a child pushed out of date order in one run, beside another child's: today's,
    then last month's copied from the book (it changes the trend of today's, recorded just
    before it in the push); then two more of last month, each changing today's stored trend, the
    second back to what it was. The answers."""
    rng = random.Random(13)
    ids = iter(str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(1000))
    kader, answers = world.headers("kader1"), []
    born = (date.today() - timedelta(days=700)).isoformat()
    a, b = next(ids), next(ids)
    answers.append(push(client, kader, [mutation("child", x, child_data(world.ids["p1"], birth_date=born, name=n),
                                                 mutation_id=next(ids)) for x, n in ((a, "Ani"), (b, "Budi"))]))
    weighing = lambda x, months_ago, day, kg: mutation(  # noqa: E731
        "measurement", next(ids), measurement_data(x, measured_on=_month(months_ago, day), weight_kg=kg),
        mutation_id=next(ids))
    answers.append(push(client, kader, [weighing(a, 0, 1, 9.5), weighing(b, 0, 1, 9.0), weighing(a, 1, 10, 9.0),
                                        weighing(b, 1, 10, 8.9)]))
    answers.append(push(client, kader, [weighing(a, 1, 20, 9.6), weighing(b, 1, 20, 8.5), weighing(a, 1, 25, 9.0)]))
    return answers


def test_weighings_out_of_date_order_in_bulk_and_one_at_a_time_give_the_same(world, app, client, monkeypatch):
    from posyandu import events

    sizes = _sizes_of_calls(app, monkeypatch, events, "create_events")
    (bulk_answers, bulk_state), (one_answers, one_state) = _both_ways(app, world, client, _out_of_order_scenario)
    assert all(r["status"] == "applied" for answers in bulk_answers for r in answers)
    assert bulk_answers == one_answers
    assert bulk_state["measurements"] == one_state["measurements"]
    assert bulk_state["change_log"] == one_state["change_log"]
    assert bulk_state["audit"] == one_state["audit"]
    assert max(sizes[True]) == 2 and set(sizes[False]) == {1}  # two children's weighings still go together


def test_a_failure_inside_the_bulk_run_falls_back_to_one_at_a_time(world, app, client, monkeypatch):
    """Whatever goes wrong while a run is applied together (here the calculator refusing a
    value the schema let through), nothing of it stays and each mutation gets its own answer."""
    from posyandu.growth import zscores
    from posyandu.growth.models import Measurement

    cid = str(uuid.uuid4())
    push(client, world.headers("kader1"), [mutation("child", cid, child_data(world.ids["p1"]))])
    real = zscores.measurement_columns

    def refuse_many(rows, raise_errors=False):
        if len(rows) > 1:
            raise zscores.GrowthInputError("weight_kg", "refused in bulk")
        return real(rows, raise_errors)

    monkeypatch.setattr(zscores, "measurement_columns", refuse_many)
    ids = [str(uuid.uuid4()) for _ in range(3)]
    results = push(client, world.headers("kader1"), [
        mutation("measurement", mid, measurement_data(cid, measured_on=_month(k), weight_kg=8 + k / 10))
        for k, mid in enumerate(ids)])
    assert [r["status"] for r in results] == ["applied"] * 3
    assert [r["record"]["id"] for r in results] == ids
    from posyandu.extensions import db

    with app.app_context():
        assert sorted(str(i) for i in db.session.scalars(select(Measurement.id))) == sorted(ids)


def _children_scenario(world, client) -> list[list[dict[str, Any]]]:
    """A posyandu's first sync on top of a few stored children, with every kind of child mutation
    mixed in: similar children in the run and among the stored ones, the same NIK twice, names
    the database compares (case, non-ASCII), refusals, an edit, a replay. The answers."""
    rng = random.Random(11)
    ids = iter(str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(1000))
    kader, answers = world.headers("kader1"), []
    p1, born = world.ids["p1"], date.today() - timedelta(days=500)
    day = lambda shift: (born + timedelta(days=shift)).isoformat()  # noqa: E731
    nik_a, nik_b = "3201014504230001", "3201010503240002"
    budi, siti = next(ids), next(ids)
    stored = [mutation("child", budi, child_data(p1, name="Budi Santoso", sex="M", birth_date=day(0)),
                       mutation_id=next(ids)),
              mutation("child", siti, child_data(p1, name="Siti Rahma", birth_date=day(40), nik=nik_a),
                       mutation_id=next(ids))]
    answers.append(push(client, kader, stored))
    anik, weighed = next(ids), next(ids)
    batch = [
        mutation("child", anik, child_data(p1, name="Anik Wulan", birth_date=day(100)), mutation_id=next(ids)),
        # like Anik, earlier in this run: flagged as her likely duplicate
        mutation("child", next(ids), child_data(p1, name="ANIKA Putri", birth_date=day(102)), mutation_id=next(ids)),
        # like Budi, stored: flagged
        mutation("child", next(ids), child_data(p1, name="budiman", sex="M", birth_date=day(1)), mutation_id=next(ids)),
        # Siti's NIK: flagged; then two new children with one NIK between them
        mutation("child", next(ids), child_data(p1, name="Rina", birth_date=day(200), nik=nik_a), mutation_id=next(ids)),
        mutation("child", next(ids), child_data(p1, name="Dewi", birth_date=day(300), nik=nik_b), mutation_id=next(ids)),
        mutation("child", next(ids), child_data(p1, name="Wati", birth_date=day(320), nik=nik_b), mutation_id=next(ids)),
        # the same name but for case and accents, where only the database's comparison decides
        mutation("child", next(ids), child_data(p1, name="Ṣaleh Umar", sex="M", birth_date=day(250)),
                 mutation_id=next(ids)),
        mutation("child", next(ids), child_data(p1, name="ṣaleh Ali", sex="M", birth_date=day(251)),
                 mutation_id=next(ids)),
        # similar but not alike: another sex, four days apart, another posyandu's neighbour
        mutation("child", next(ids), child_data(p1, name="Anik Dua", sex="M", birth_date=day(100)),
                 mutation_id=next(ids)),
        mutation("child", next(ids), child_data(p1, name="Anik Tiga", birth_date=day(106)), mutation_id=next(ids)),
        # refused: an invalid sex, a posyandu outside the kader's area, a bad NIK
        mutation("child", next(ids), child_data(p1, sex="X"), mutation_id=next(ids)),
        mutation("child", next(ids), child_data(world.ids["p3"], name="Jauh"), mutation_id=next(ids)),
        mutation("child", next(ids), child_data(p1, name="Nik Salah", nik="123"), mutation_id=next(ids)),
        # an edit of a stored child, a replay, the same new child twice (the second an edit)
        mutation("child", budi, {"name": "Budi S."}, base_version=1, mutation_id=next(ids)),
        stored[1],
        mutation("child", anik, {"name": "Anik W."}, base_version=1, mutation_id=next(ids)),
        # a child registered and weighed at once, then more children
        mutation("child", weighed, child_data(p1, name="Yanto", sex="M", birth_date=day(150)), mutation_id=next(ids)),
        mutation("measurement", next(ids), measurement_data(weighed, measured_on=date.today().isoformat()),
                 mutation_id=next(ids)),
        *[mutation("child", next(ids), child_data(p1, name=f"Anak {k}", sex="MF"[k % 2], birth_date=day(10 * k)),
                   mutation_id=next(ids)) for k in range(5)],
    ]
    answers.append(push(client, kader, batch))
    return answers


def _children(app, world) -> list[dict[str, Any]]:
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.registry.models import Child

    with app.app_context():
        names = {str(v): k for k, v in world.ids.items()}
        names.update({str(u.id): u.username for u in db.session.scalars(select(User))})
        columns = [c.key for c in Child.__table__.columns if c.key not in TIMESTAMPS]
        return sorted((_named({k: getattr(c, k) for k in columns}, names) for c in db.session.scalars(select(Child))),
                      key=lambda c: c["id"])


def test_children_in_bulk_and_one_at_a_time_give_the_same_answers_records_and_logs(world, app, client,
                                                                                   monkeypatch):
    from posyandu.registry import operations as registry

    sizes = _sizes_of_calls(app, monkeypatch, registry, "create_children")
    (bulk_answers, (bulk_state, bulk_children)), (one_answers, (one_state, one_children)) = _both_ways(
        app, world, client, _children_scenario, lambda app, world: (_state(app, world), _children(app, world)))
    assert max(sizes[True]) >= 5 and set(sizes[False]) == {1}  # runs registered together, or not
    last = bulk_answers[-1]
    assert Counter(r["status"] for r in last) == Counter({"applied": 20, "rejected": 3})
    assert sum(r["replayed"] for r in last) == 1
    flagged = {c["name"]: c["possible_duplicate_of"] is not None for c in bulk_children}
    assert flagged["ANIKA Putri"] and flagged["budiman"] and flagged["Rina"] and flagged["Wati"]
    assert not (flagged["Anik Dua"] or flagged["Anik Tiga"] or flagged["Dewi"] or flagged["Yanto"])
    assert bulk_answers == one_answers
    assert bulk_children == one_children
    assert bulk_state == one_state


def _waiting_on_a_lock(app) -> bool:
    from sqlalchemy import text

    from posyandu.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        return bool(conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")))


@pytest.mark.parametrize("first_commits", [True, False], ids=["first-commits", "first-rolls-back"])
@pytest.mark.parametrize("retry_from", ["device-1", "device-2"])
@pytest.mark.parametrize("kind", ["measurement", "child"])
def test_the_same_batch_pushed_twice_at_once_is_applied_once(world, app, client, first_commits, retry_from, kind):
    """A batch is pushed again while its first push is still being applied (PostgreSQL, two real
    transactions): by the same phone (the retry waits on the phone's row), or by another one
    holding the same outbox (it waits on the first push's new records, and its bulk run falls
    back to one at a time).
    Then it replays the first push's answers; if the first push fails instead, the retry
    applies the batch itself. Never twice, never lost."""
    import threading
    import time

    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child
    from posyandu.sync import push as pushing
    from posyandu.sync.models import SyncMutation

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("two writers blocking on each other's rows need PostgreSQL")
    cid = str(uuid.uuid4())
    push(client, world.headers("kader1"), [mutation("child", cid, child_data(world.ids["p1"]))])
    if kind == "measurement":
        batch = [mutation("measurement", str(uuid.uuid4()), measurement_data(cid, measured_on=_month(k),
                                                                            weight_kg=8 + k)) for k in range(3)]
    else:
        batch = [mutation("child", str(uuid.uuid4()), child_data(world.ids["p1"], name=f"Anak {k}"))
                 for k in range(3)]
    applied, finish, errors, first = threading.Event(), threading.Event(), [], []

    def first_push():
        try:
            with app.app_context():
                kader = db.session.scalar(select(User).where(User.username == "kader1"))
                first.extend(pushing.push(kader, "device-1", batch, 500)["results"])
                db.session.flush()
                applied.set()
                assert finish.wait(20)
                (db.session.commit if first_commits else db.session.rollback)()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)
            applied.set()

    one = threading.Thread(target=first_push, daemon=True)
    one.start()
    assert applied.wait(20) and not errors
    retry: list = []
    two = threading.Thread(target=lambda: retry.extend(push(client, world.headers("kader1"), batch, retry_from)),
                           daemon=True)
    two.start()
    deadline = time.monotonic() + 20
    while not _waiting_on_a_lock(app):  # the retry blocks on the first push's uncommitted rows
        assert time.monotonic() < deadline and two.is_alive(), "the retry should wait for the first push"
        time.sleep(0.05)
    finish.set()
    one.join(20)
    two.join(20)
    assert not errors and not one.is_alive() and not two.is_alive()
    assert [r["status"] for r in retry] == ["applied"] * 3
    assert [r["replayed"] for r in retry] == [first_commits] * 3
    if first_commits:
        assert [r["record"] for r in retry] == [r["record"] for r in first]
    with app.app_context():
        model = Measurement if kind == "measurement" else Child
        stored = db.session.scalars(select(model.id).where(model.id != uuid.UUID(cid))).all()
        assert sorted(map(str, stored)) == sorted(m["id"] for m in batch)
        ledger = db.session.scalars(select(SyncMutation.mutation_id).where(
            SyncMutation.entity == kind, SyncMutation.record_id != uuid.UUID(cid))).all()
        assert sorted(map(str, ledger)) == sorted(m["mutation_id"] for m in batch)


def test_records_inserted_together_leave_the_session_when_their_transaction_rolls_back(world, app):
    """``database.insert_records`` attaches new records as stored; a rolled-back savepoint or
    transaction must not leave them behind as if they existed (a retry would edit a ghost)."""
    from datetime import date as day

    from posyandu import events
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.growth.models import Measurement
    from posyandu.registry.operations import create_child

    with app.app_context():
        kader = db.session.scalar(select(User).where(User.username == "kader1"))
        child = create_child(kader, {"id": uuid.uuid4(), "posyandu_id": world.ids["p1"], "name": "Rina",
                                     "sex": "F", "birth_date": day(2025, 1, 1)})
        db.session.commit()
        new = [(child, {"measured_on": day.today(), "weight_kg": 8.0 + k}, None) for k in range(2)]
        with pytest.raises(RuntimeError), db.session.begin_nested():
            ghosts = events.create_events(kader, Measurement, new)
            ids = [m.id for m in ghosts]
            assert all(m in db.session for m in ghosts)
            raise RuntimeError("the rest of the savepoint failed")
        assert not any(m in db.session for m in ghosts)
        assert all(db.session.get(Measurement, i) is None for i in ids)
        ids = [m.id for m in events.create_events(kader, Measurement, new)]
        db.session.rollback()
        assert all(db.session.get(Measurement, i) is None for i in ids)
        kept = events.create_events(kader, Measurement, new)
        db.session.commit()
        assert [db.session.get(Measurement, m.id) for m in kept] == kept


def test_stored_records_are_serialised_as_their_schemas_dump_them(world, app, client, make_child):
    """The synced records' serialisers (``serializing.dumper``) against marshmallow itself, on
    records as each database gives them back (numeric columns as Decimal on PostgreSQL)."""
    from posyandu.audit import ENTITIES
    from posyandu.entities import (ChildSchema, ImmunisationSchema, MeasurementSchema, PosyanduSchema,
                                   SupplementSchema)
    from posyandu.extensions import db
    from tests.api.test_events import body_for, recent

    _scenario(world, client)
    child = make_child(birth_date=(date.today() - timedelta(days=600)).isoformat())
    for kind in ("immunisations", "supplements"):
        resp = client.post(f"/api/v1/children/{child['id']}/{kind}", json=body_for(kind, recent(kind, 0)),
                           headers=world.headers("kader1"))
        assert resp.status_code == 201, resp.get_json()
    schemas = {"posyandu": PosyanduSchema(), "child": ChildSchema(), "measurement": MeasurementSchema(),
               "immunisation": ImmunisationSchema(), "supplement": SupplementSchema()}
    with app.app_context():
        for name, schema in schemas.items():
            records = list(db.session.scalars(select(ENTITIES[name].model)))
            assert records, name
            for record in records:
                assert ENTITIES[name].serialize(record) == schema.dump(record)
