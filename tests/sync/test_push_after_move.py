"""A weighing or a dose recorded offline at the child's old posyandu, pushed after a midwife moved
the child away: kept, at the child's new posyandu, not refused. The old posyandu's cadre no longer
sees the child, so she could not enter it again, and the new posyandu would never have learnt of it."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select, update

from posyandu.validators import local_today
from tests.sync.helpers import child_data, measurement_data, mutation, new_id, pull_all
from tests.sync.helpers import old_phone_push as push


def _registered_then_moved(client, world, moved_days_ago: int = 0) -> tuple[str, str]:
    """A child of p1 (with a birth date long enough ago for the dates below), moved to p2 by the
    midwife ``moved_days_ago`` days ago (the move's audit row dated then); and the cursor of a
    phone of p1 that pulled her before the move."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db
    from posyandu.registry.models import Child

    cid = new_id()
    born = (date.today() - timedelta(days=400)).isoformat()
    [made] = push(client, world.headers("kader1"), [mutation("child", cid, child_data(world.ids["p1"], birth_date=born))])
    assert made["status"] == "applied", made
    _, cursor, _ = pull_all(client, world.headers("kader1b"))
    moved = client.patch(f"/api/v1/children/{cid}", json={"posyandu_id": str(world.ids["p2"])},
                         headers=world.headers("bidan_a"))
    assert moved.status_code == 200, moved.get_json()
    if moved_days_ago:
        at = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=moved_days_ago)
        # the registration and the move, each dated as if done that many days ago
        for row in db.session.scalars(select(AuditLog).where(AuditLog.entity == "child", AuditLog.record_id == cid)):
            moves = (row.changes or {}).get("posyandu_id")
            row.at = at if moves and moves[0] is not None else at - timedelta(days=30)
        db.session.execute(update(Child).where(Child.id == uuid.UUID(cid)).values(created_at=at - timedelta(days=30)))
        db.session.commit()
    return cid, cursor


def test_a_weighing_and_a_dose_of_the_day_are_kept_at_the_new_posyandu(world, client, db):
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User

    cid, p1_cursor = _registered_then_moved(client, world)
    other = new_id()  # a child still in p1, weighed in the same push: the bulk path goes on for it
    weighing, dose = new_id(), new_id()
    today = local_today("35.25").isoformat()  # Gresik's day, the move's day (UTC's is a day behind after 17:00)
    results = push(client, world.headers("kader1"), [
        mutation("child", other, child_data(world.ids["p1"])),
        mutation("measurement", weighing, measurement_data(cid, measured_on=today)),
        mutation("measurement", new_id(), measurement_data(other)),
        mutation("immunisation", dose, {"child_id": cid, "vaccine": "MR", "dose": 1, "given_on": today}),
    ])
    assert [r["status"] for r in results] == ["applied"] * 4, results
    # a child she no longer sees: nothing of her as she stands now in the answer (her posyandu of now)
    assert [r["record"] is None for r in results] == [False, True, False, True], results
    assert results[1]["version"] == 1
    # pulled by the new posyandu's phones, with the cadre who recorded it in the audit log
    p2 = {c["id"]: c for c in pull_all(client, world.headers("kader2"))[0]}
    assert p2[weighing]["op"] == "upsert" and p2[weighing]["record"]["weight_kg"] == 8.1
    assert p2[weighing]["record"]["child_id"] == cid and p2[weighing]["record"]["zscores"]["wfa"] is not None
    assert p2[dose]["op"] == "upsert" and p2[dose]["record"]["vaccine"] == "MR"
    by = db.session.scalar(select(User.username).join(AuditLog, AuditLog.user_id == User.id).where(
        AuditLog.entity == "measurement", AuditLog.record_id == weighing, AuditLog.action == "create"))
    assert by == "kader1"
    # the dose was given at the posyandu she left: so says the FHIR export of her new posyandu's month
    bundle = client.get("/api/v1/exports/fhir", query_string={"month": today[:7]}, headers=world.headers("kader2"))
    assert bundle.status_code == 200, bundle.get_data(as_text=True)[:500]
    found = {e["resource"]["id"]: e["resource"] for e in json.loads(bundle.get_data())["entry"]}
    assert found[dose]["location"] == {"reference": f"urn:uuid:{world.ids['p1']}"}
    # the old posyandu's phones are told the child left, and are never sent what was kept for her
    # after (the phone drops its own copy with the child: tests/js/sync.test.mjs)
    p1 = [c for c in pull_all(client, world.headers("kader1b"), p1_cursor)[0] if c["id"] in (cid, weighing, dose)]
    assert [(c["id"], c["op"], c["reason"]) for c in p1] == [(cid, "delete", "out_of_scope")]


def before_kept_after_refused(client, world, cid: str) -> date:
    """kader1, who lost sight of child ``cid`` 10 days ago, pushes a weighing of 12 days ago (kept),
    one of 5 days ago and a change to the child herself (both refused). Returns the first day."""
    before, after = (date.today() - timedelta(days=d) for d in (12, 5))
    results = push(client, world.headers("kader1"), [
        mutation("measurement", new_id(), measurement_data(cid, measured_on=before.isoformat())),
        mutation("measurement", new_id(), measurement_data(cid, measured_on=after.isoformat())),
        mutation("child", cid, {"name": "Ganti Nama"}, base_version=1),
    ])
    assert [r["status"] for r in results] == ["applied", "rejected", "rejected"], results
    assert list(results[1]["errors"]) == ["child_id"]
    return before


def test_only_what_was_recorded_before_the_move_and_only_by_the_old_posyandu(world, client, db):
    cid, _ = _registered_then_moved(client, world, moved_days_ago=10)
    before = before_kept_after_refused(client, world, cid)
    # a cadre of a posyandu the child never belonged to: refused, whatever the day
    [stranger] = push(client, world.headers("kader3"), [
        mutation("measurement", new_id(), measurement_data(cid, measured_on=before.isoformat()))])
    assert stranger["status"] == "rejected" and list(stranger["errors"]) == ["child_id"], stranger


def test_the_day_she_left_is_the_posyandu_s_day_not_utc_s(world, client, db):
    """Moved at 06:00 WIB (23:00 UTC the day before): a weighing of that morning, dated that day,
    was recorded on the day she left, and is kept; one of the next day is not. The move's date
    read in UTC was the day before, and the morning's weighing was refused."""
    from posyandu.audit import AuditLog

    cid, _ = _registered_then_moved(client, world, moved_days_ago=10)
    left = date.today() - timedelta(days=3)                       # the day she left, in Java (WIB)
    at = datetime.combine(left - timedelta(days=1), datetime.min.time()) + timedelta(hours=23)  # 06:00 WIB
    for row in db.session.scalars(select(AuditLog).where(AuditLog.entity == "child", AuditLog.record_id == cid)):
        moves = (row.changes or {}).get("posyandu_id")
        if moves and moves[0] is not None:
            row.at = at
    db.session.commit()
    results = push(client, world.headers("kader1"), [
        mutation("measurement", new_id(), measurement_data(cid, measured_on=left.isoformat())),
        mutation("immunisation", new_id(), {"child_id": cid, "vaccine": "MR", "dose": 1, "given_on": left.isoformat()}),
        mutation("measurement", new_id(), measurement_data(cid, measured_on=(left + timedelta(days=1)).isoformat())),
    ])
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"], results


def test_her_own_weighing_kept_after_the_move_is_corrected_or_deleted_as_it_was_on_the_phone(world, client, db):
    """The phone sends a weighing recorded offline and then corrected (or deleted) there as two
    entries: the weighing was kept at the child's new posyandu, its correction or delete refused
    ("record not found"), so the server kept the weight the cadre corrected, or the weighing she
    deleted, while her phone showed otherwise."""
    from posyandu.growth.models import Measurement

    cid, _ = _registered_then_moved(client, world, moved_days_ago=10)
    before, after = (date.today() - timedelta(days=d) for d in (12, 5))
    corrected, deleted = new_id(), new_id()
    results = push(client, world.headers("kader1"), [
        mutation("measurement", corrected, measurement_data(cid, measured_on=before.isoformat(), weight_kg=9.1)),
        mutation("measurement", corrected, {"id": corrected, **measurement_data(cid, measured_on=before.isoformat(),
                                                                                 weight_kg=8.1)}),
        mutation("measurement", deleted, measurement_data(cid, measured_on=before.isoformat())),
        mutation("measurement", deleted, op="delete"),
    ])
    assert [r["status"] for r in results] == ["applied"] * 4, results
    assert db.session.get(Measurement, uuid.UUID(corrected)).weight_kg == 8.1
    assert db.session.get(Measurement, uuid.UUID(deleted)).deleted_at is not None
    # answered, then corrected on the phone in a later push (base_version 1)
    version = results[1]["version"]
    [r] = push(client, world.headers("kader1"), [mutation("measurement", corrected, {"weight_kg": 8.2},
                                                          base_version=version)])
    assert r["status"] == "applied", r
    version = r["version"]
    # not moved to a day after she left; nor anyone else's weighing of her, nor by a stranger
    [r] = push(client, world.headers("kader1"), [mutation("measurement", corrected, {"measured_on": after.isoformat()},
                                                          base_version=version)])
    assert r["status"] == "rejected", r
    [r] = push(client, world.headers("kader1b"), [mutation("measurement", corrected, {"weight_kg": 8.3}, base_version=version)])
    assert r["status"] == "rejected", r
    [r] = push(client, world.headers("kader3"), [mutation("measurement", corrected, op="delete", base_version=version)])
    assert r["status"] == "rejected", r
    assert db.session.get(Measurement, uuid.UUID(corrected)).weight_kg == 8.2
