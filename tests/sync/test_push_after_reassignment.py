"""A weighing or a dose a cadre recorded offline at her posyandu, pushed after an admin moved her to
another posyandu: kept, at the child's posyandu, not refused. She no longer sees the child, so she
could not enter it again, and her old posyandu would never have learnt of it (the case of a child
moved away instead: test_push_after_move.py). Likewise a midwife's, at a posyandu moved out of her
puskesmas while she stayed; and a child's exit (died, moved away) recorded there before she left."""
from __future__ import annotations

import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from posyandu.validators import local_today
from tests.sync.helpers import child_data, measurement_data, mutation, new_id, pull_all
from tests.sync.helpers import old_phone_push as push
from tests.sync.test_push_after_move import before_kept_after_refused


def _user_id(username: str) -> uuid.UUID:
    from posyandu.auth.models import User
    from posyandu.extensions import db

    return db.session.scalar(select(User.id).where(User.username == username))


def _reassigned(client, world, to: str = "p2", days_ago: int = 0, who: str = "kader1") -> str:
    """A child of p1 registered by kader1 (born long enough ago for the dates below); then ``who``
    moved by the admin to posyandu ``to`` (a bidan: to puskesmas ``to``), the move's audit row dated
    ``days_ago`` days ago, the child's registration a month before it."""
    from posyandu.audit import AuditLog
    from posyandu.extensions import db
    from posyandu.registry.models import Child

    cid = new_id()
    born = (date.today() - timedelta(days=400)).isoformat()
    [made] = push(client, world.headers("kader1"), [mutation("child", cid, child_data(world.ids["p1"], birth_date=born))])
    assert made["status"] == "applied", made
    user, field = _user_id(who), "puskesmas_id" if who.startswith("bidan") else "posyandu_id"
    moved = client.patch(f"/api/v1/users/{user}", json={field: str(world.ids[to])}, headers=world.headers("admin"))
    assert moved.status_code == 200, moved.get_json()
    if days_ago:
        at = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=days_ago)
        for row in db.session.scalars(select(AuditLog).where(AuditLog.entity == "user", AuditLog.record_id == str(user))):
            if (row.changes or {}).get(field):
                row.at = at
        db.session.execute(update(Child).where(Child.id == uuid.UUID(cid)).values(created_at=at - timedelta(days=30)))
        db.session.commit()
    return cid


def test_her_weighing_and_dose_of_the_day_are_kept_at_the_child_s_posyandu(world, client, db):
    from posyandu.audit import AuditLog

    cid = _reassigned(client, world)
    weighing, dose = new_id(), new_id()
    today = date.today().isoformat()
    results = push(client, world.headers("kader1"), [
        mutation("measurement", weighing, measurement_data(cid, measured_on=today)),
        mutation("immunisation", dose, {"child_id": cid, "vaccine": "MR", "dose": 1, "given_on": today}),
    ])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    assert [r["record"] for r in results] == [None, None]   # what the child's record is now is not hers to see
    # at p1, pulled by its other cadre; her new posyandu's phones are sent none of it
    p1 = {c["id"]: c for c in pull_all(client, world.headers("kader1b"))[0]}
    assert p1[weighing]["op"] == "upsert" and p1[weighing]["record"]["weight_kg"] == 8.1
    assert p1[weighing]["record"]["zscores"]["wfa"] is not None
    assert p1[dose]["op"] == "upsert" and p1[dose]["record"]["vaccine"] == "MR"
    assert not {weighing, dose, cid} & {c["id"] for c in pull_all(client, world.headers("kader2"))[0]}
    why = db.session.scalars(select(AuditLog.action).where(AuditLog.record_id.in_([weighing, dose]))).all()
    assert sorted(why) == ["create", "create", "recorded_before_reassignment", "recorded_before_reassignment"]


def test_only_what_is_dated_before_she_left_and_only_her_own_old_posyandu_s_children(world, client, db):
    cid = _reassigned(client, world, days_ago=10)
    before = before_kept_after_refused(client, world, cid)
    # a child of p3, where she never was: refused, whatever the day
    other = new_id()
    [made] = push(client, world.headers("kader3"), [mutation("child", other, child_data(world.ids["p3"]))])
    assert made["status"] == "applied", made
    [stranger] = push(client, world.headers("kader1"), [
        mutation("measurement", new_id(), measurement_data(other, measured_on=before.isoformat()))])
    assert stranger["status"] == "rejected" and list(stranger["errors"]) == ["child_id"], stranger


def test_her_own_kept_weighing_corrected_or_deleted_as_on_the_phone(world, client, db):
    from posyandu.growth.models import Measurement

    cid = _reassigned(client, world, days_ago=10)
    before, after = (date.today() - timedelta(days=d) for d in (12, 5))
    corrected, deleted = new_id(), new_id()
    results = push(client, world.headers("kader1"), [
        mutation("measurement", corrected, measurement_data(cid, measured_on=before.isoformat(), weight_kg=9.1)),
        mutation("measurement", corrected, {"weight_kg": 8.1}, base_version=1),
        mutation("measurement", deleted, measurement_data(cid, measured_on=before.isoformat())),
        mutation("measurement", deleted, op="delete"),
    ])
    assert [r["status"] for r in results] == ["applied"] * 4, results
    assert db.session.get(Measurement, uuid.UUID(corrected)).weight_kg == 8.1
    assert db.session.get(Measurement, uuid.UUID(deleted)).deleted_at is not None
    # not moved to a day after she left; nor a weighing someone else recorded of the child
    [r] = push(client, world.headers("kader1"), [mutation("measurement", corrected, {"measured_on": after.isoformat()},
                                                          base_version=results[1]["version"])])
    assert r["status"] == "rejected", r
    theirs = new_id()
    [r] = push(client, world.headers("kader1b"), [mutation("measurement", theirs, measurement_data(cid, measured_on=before.isoformat()))])
    assert r["status"] == "applied", r
    [r] = push(client, world.headers("kader1"), [mutation("measurement", theirs, op="delete", base_version=1)])
    assert r["status"] == "rejected", r
    assert db.session.get(Measurement, uuid.UUID(theirs)).deleted_at is None


def test_a_child_moved_away_after_she_left_keeps_the_dose_located_where_it_was_given(world, client, db):
    """Moved off p1 herself, and the child then moved from p1 to p3: her dose of the day she left
    is the child's, at p3, given at p1."""
    import json

    cid = _reassigned(client, world)
    moved = client.patch(f"/api/v1/children/{cid}", json={"posyandu_id": str(world.ids["p3"])},
                         headers=world.headers("admin"))
    assert moved.status_code == 200, moved.get_json()
    dose, today = new_id(), local_today("35.25").isoformat()  # Gresik's day (UTC's is a day behind after 17:00)
    [r] = push(client, world.headers("kader1"), [
        mutation("immunisation", dose, {"child_id": cid, "vaccine": "MR", "dose": 1, "given_on": today})])
    assert r["status"] == "applied", r
    bundle = client.get("/api/v1/exports/fhir", query_string={"month": today[:7]}, headers=world.headers("kader3"))
    assert bundle.status_code == 200, bundle.get_data(as_text=True)[:500]
    found = {e["resource"]["id"]: e["resource"] for e in json.loads(bundle.get_data())["entry"]}
    assert found[dose]["location"] == {"reference": f"urn:uuid:{world.ids['p1']}"}


def test_a_midwife_moved_to_another_puskesmas_keeps_what_she_recorded_before(world, client, db):
    """A bidan records at her posyandu sessions too: moved from PKM Wringinanom (p1, p2) to PKM Kamal,
    her weighing of a p1 child dated before she left is kept; one dated after is refused."""
    from posyandu.audit import AuditLog

    cid = _reassigned(client, world, to="pkm_b", days_ago=10, who="bidan_a")
    before, after = (date.today() - timedelta(days=d) for d in (12, 5))
    kept = new_id()
    results = push(client, world.headers("bidan_a"), [
        mutation("measurement", kept, measurement_data(cid, measured_on=before.isoformat())),
        mutation("immunisation", new_id(), {"child_id": cid, "vaccine": "MR", "dose": 1, "given_on": after.isoformat()}),
    ])
    assert [r["status"] for r in results] == ["applied", "rejected"], results
    assert list(results[1]["errors"]) == ["child_id"], results[1]
    assert kept in {c["id"] for c in pull_all(client, world.headers("kader1b"))[0]}
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.record_id == kept,
                                                           AuditLog.action == "recorded_before_reassignment"))


def _child_of(client, world, posyandu_id, created_days_ago: int) -> str:
    """A child registered (by the admin) at ``posyandu_id``, ``created_days_ago`` days ago."""
    from posyandu.extensions import db
    from posyandu.registry.models import Child

    cid = new_id()
    body = {**child_data(posyandu_id, birth_date=(date.today() - timedelta(days=400)).isoformat()), "id": cid}
    made = client.post("/api/v1/children", json=body, headers=world.headers("admin"))
    assert made.status_code == 201, made.get_json()
    at = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=created_days_ago)
    db.session.execute(update(Child).where(Child.id == uuid.UUID(cid)).values(created_at=at))
    db.session.commit()
    return cid


def test_a_midwife_keeps_the_posyandu_her_puskesmas_ran_when_she_left_not_those_it_runs_now(world, client, db):
    """bidan_a left PKM Wringinanom (p1, p2) 10 days ago. Since, p2 moved to another puskesmas and
    Dahlia, a posyandu she never ran, moved into Wringinanom: her weighing of a p2 child dated before
    she left is hers to keep; one of a Dahlia child, dated as early, is refused (she never saw it)."""
    pkm = client.post("/api/v1/puskesmas", json={"name": "PKM Driyorejo", "kecamatan_code": "35.25.01"},
                      headers=world.headers("admin"))
    assert pkm.status_code == 201, pkm.get_json()
    dahlia = client.post("/api/v1/posyandu", json={"name": "Dahlia", "desa_code": "35.25.01.2001", "meeting_day": 3,
                                                    "puskesmas_id": pkm.get_json()["id"]}, headers=world.headers("admin"))
    assert dahlia.status_code == 201, dahlia.get_json()
    of_p2, of_dahlia = _child_of(client, world, world.ids["p2"], 40), _child_of(client, world, dahlia.get_json()["id"], 40)
    _reassigned(client, world, to="pkm_b", days_ago=10, who="bidan_a")
    for posyandu_id, puskesmas_id in ((world.ids["p2"], pkm.get_json()["id"]),
                                      (dahlia.get_json()["id"], world.ids["pkm_a"])):
        moved = client.patch(f"/api/v1/posyandu/{posyandu_id}", json={"puskesmas_id": str(puskesmas_id)},
                             headers=world.headers("admin"))
        assert moved.status_code == 200, moved.get_json()
    before = (date.today() - timedelta(days=12)).isoformat()
    results = push(client, world.headers("bidan_a"), [
        mutation("measurement", new_id(), measurement_data(of_p2, measured_on=before)),
        mutation("measurement", new_id(), measurement_data(of_dahlia, measured_on=before)),
    ])
    assert [r["status"] for r in results] == ["applied", "rejected"], results
    assert list(results[1]["errors"]) == ["child_id"], results[1]


def test_a_child_she_registered_before_she_left_is_kept_with_the_visit_it_came_with(world, client, db):
    """A newborn registered and weighed on the kader's phone, sent after the admin moved her: the
    registration was refused, and with it every visit of the child, lost to both posyandu. Kept now
    when the push carries a visit of the child dated on or before the day she left; a registration
    sent alone, or with a visit of after, is refused as before."""
    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child

    _reassigned(client, world, days_ago=10)
    before, after = (date.today() - timedelta(days=d) for d in (12, 5))
    born = (date.today() - timedelta(days=60)).isoformat()
    kept, alone, late = new_id(), new_id(), new_id()
    weighing = new_id()
    results = push(client, world.headers("kader1"), [
        mutation("child", kept, child_data(world.ids["p1"], birth_date=born, name="Bayi Ny. Sari")),
        mutation("measurement", weighing, measurement_data(kept, measured_on=before.isoformat(), weight_kg=4.2)),
        mutation("child", alone, child_data(world.ids["p1"], birth_date=born, name="Bayi Ny. Ani")),
        mutation("child", late, child_data(world.ids["p1"], birth_date=born, name="Bayi Ny. Tuti")),
        mutation("measurement", new_id(), measurement_data(late, measured_on=after.isoformat(), weight_kg=4.5)),
    ])
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "rejected", "rejected"], results
    assert list(results[2]["errors"]) == ["posyandu_id"] and list(results[4]["errors"]) == ["child_id"], results
    assert db.session.get(Child, uuid.UUID(kept)).posyandu_id == world.ids["p1"]
    # p1's other cadre pulls the child and her weighing; kader1's new posyandu none of it
    p1 = {c["id"] for c in pull_all(client, world.headers("kader1b"))[0]}
    assert {kept, weighing} <= p1 and not {alone, late} & p1
    assert not {kept, weighing} & {c["id"] for c in pull_all(client, world.headers("kader2"))[0]}
    assert db.session.scalar(select(AuditLog.action).where(AuditLog.record_id == kept,
                                                           AuditLog.action == "recorded_before_reassignment"))
    # a kader never at p1 cannot register there this way, whatever she sends with it
    [r, _] = push(client, world.headers("kader3"), [
        mutation("child", (stranger := new_id()), child_data(world.ids["p1"], birth_date=born)),
        mutation("measurement", new_id(), measurement_data(stranger, measured_on=before.isoformat()))])
    assert r["status"] == "rejected", r


def _weighing(cid: str, days_ago: int) -> dict:
    """A new weighing of ``cid`` dated ``days_ago`` days ago."""
    day = (date.today() - timedelta(days=days_ago)).isoformat()
    return mutation("measurement", new_id(), measurement_data(cid, measured_on=day))


def _posyandu_moved(client, world, posyandu: str, to: str, days_ago: int) -> None:
    """The admin moves ``posyandu`` to puskesmas ``to``, the move's audit row dated ``days_ago`` days
    ago; bidan_a's account is older than that (she was at PKM Wringinanom all along)."""
    from posyandu.audit import AuditLog
    from posyandu.auth.models import User
    from posyandu.extensions import db

    moved = client.patch(f"/api/v1/posyandu/{world.ids[posyandu]}", json={"puskesmas_id": str(world.ids[to])},
                         headers=world.headers("admin"))
    assert moved.status_code == 200, moved.get_json()
    at = datetime.now(timezone.utc) - timedelta(days=days_ago)
    rows = db.session.scalars(select(AuditLog).where(AuditLog.entity == "posyandu",
                                                     AuditLog.record_id == str(world.ids[posyandu])))
    [row] = [row for row in rows if (row.changes or {}).get("puskesmas_id", [None])[0] is not None and row.at > at]
    row.at = at
    db.session.execute(update(User).where(User.username == "bidan_a").values(created_at=at - timedelta(days=365)))
    db.session.commit()


def test_a_midwife_keeps_what_she_recorded_at_a_posyandu_moved_out_of_her_puskesmas(world, client, db):
    """bidan_a stays at PKM Wringinanom; Mawar (p2), one of its posyandu, is moved to PKM Kamal before
    her phone syncs. Her weighing of a Mawar child dated before it moved was refused (out of her
    area), lost to everyone: kept now at Mawar, as if she had been moved away from it herself. One
    dated after, or a midwife who came to Wringinanom after Mawar left, refused as before; her
    phone's next pull starts again without Mawar."""
    from posyandu.audit import AuditLog
    from posyandu.auth.operations import create_user
    from tests.conftest import PASSWORD

    cid = _child_of(client, world, world.ids["p2"], 40)
    _, cursor, _ = pull_all(client, world.headers("bidan_a"))
    _posyandu_moved(client, world, "p2", to="pkm_b", days_ago=10)
    before, after = (date.today() - timedelta(days=d) for d in (12, 5))
    kept = new_id()
    results = push(client, world.headers("bidan_a"), [
        mutation("measurement", kept, measurement_data(cid, measured_on=before.isoformat())),
        mutation("immunisation", new_id(), {"child_id": cid, "vaccine": "MR", "dose": 1,
                                            "given_on": after.isoformat()}),
    ])
    assert [r["status"] for r in results] == ["applied", "rejected"], results
    assert list(results[1]["errors"]) == ["child_id"], results[1]
    # the audit says whose leaving kept it: a midwife's as much as a cadre's
    assert db.session.scalar(select(AuditLog.reason).where(
        AuditLog.record_id == kept, AuditLog.action == "recorded_before_reassignment")) \
        == "recorded at the posyandu its kader or bidan has left since"
    # Mawar's cadre and its new midwife pull it; bidan_a's phone starts again, Mawar no longer on it
    for who in ("kader2", "bidan_b"):
        assert kept in {c["id"] for c in pull_all(client, world.headers(who))[0]}, who
    changes, _, reset = pull_all(client, world.headers("bidan_a"), cursor)
    assert reset is True and not {cid, kept} & {c["id"] for c in changes}
    # a midwife of Wringinanom since after Mawar left never saw the child there
    create_user({"username": "bidan_a2", "password": PASSWORD, "name": "Bidan A2", "role": "bidan",
                 "puskesmas_id": world.ids["pkm_a"]})
    db.session.commit()
    [r] = push(client, world.headers("bidan_a2"), [
        mutation("measurement", new_id(), measurement_data(cid, measured_on=before.isoformat()))])
    assert r["status"] == "rejected" and list(r["errors"]) == ["child_id"], r


def test_her_corrections_deletes_and_registrations_at_the_posyandu_moved_away_apply(world, client, db):
    """As for a midwife moved away herself: her own weighing at Mawar, corrected and deleted on the
    phone, is corrected and deleted; a newborn she registered there with a weighing of before Mawar
    moved is kept; a correction moving a weighing past the day Mawar moved is refused."""
    from posyandu.growth.models import Measurement
    from posyandu.registry.models import Child

    cid = _child_of(client, world, world.ids["p2"], 40)
    _posyandu_moved(client, world, "p2", to="pkm_b", days_ago=10)
    before, after = (date.today() - timedelta(days=d) for d in (12, 5))
    corrected, deleted, newborn = new_id(), new_id(), new_id()
    born = (date.today() - timedelta(days=60)).isoformat()
    results = push(client, world.headers("bidan_a"), [
        mutation("measurement", corrected, measurement_data(cid, measured_on=before.isoformat(), weight_kg=9.1)),
        mutation("measurement", corrected, {"weight_kg": 8.1}, base_version=1),
        mutation("measurement", deleted, measurement_data(cid, measured_on=before.isoformat())),
        mutation("measurement", deleted, op="delete"),
        mutation("child", newborn, child_data(world.ids["p2"], birth_date=born, name="Bayi Ny. Sari")),
        mutation("measurement", new_id(), measurement_data(newborn, measured_on=before.isoformat(), weight_kg=4.2)),
    ])
    assert [r["status"] for r in results] == ["applied"] * 6, results
    assert db.session.get(Measurement, uuid.UUID(corrected)).weight_kg == 8.1
    assert db.session.get(Measurement, uuid.UUID(deleted)).deleted_at is not None
    assert db.session.get(Child, uuid.UUID(newborn)).posyandu_id == world.ids["p2"]
    [r] = push(client, world.headers("bidan_a"), [mutation("measurement", corrected, {"measured_on": after.isoformat()},
                                                           base_version=results[1]["version"])])
    assert r["status"] == "rejected", r


def test_the_day_a_posyandu_left_her_puskesmas_is_the_posyandu_s_day(world, client, db):
    """Mawar moved at 06:00 WIB (23:00 UTC the day before): her weighing of that morning is kept, one
    of the next day is not."""
    from posyandu.audit import AuditLog

    cid = _child_of(client, world, world.ids["p2"], 40)
    _posyandu_moved(client, world, "p2", to="pkm_b", days_ago=10)
    left = date.today() - timedelta(days=3)
    at = datetime.combine(left - timedelta(days=1), datetime.min.time()) + timedelta(hours=23)
    for row in db.session.scalars(select(AuditLog).where(AuditLog.entity == "posyandu",
                                                         AuditLog.record_id == str(world.ids["p2"]))):
        if (row.changes or {}).get("puskesmas_id", [None])[0] is not None:
            row.at = at
    db.session.commit()
    results = push(client, world.headers("bidan_a"), [
        mutation("measurement", new_id(), measurement_data(cid, measured_on=left.isoformat())),
        mutation("measurement", new_id(), measurement_data(cid, measured_on=(left + timedelta(days=1)).isoformat())),
    ])
    assert [r["status"] for r in results] == ["applied", "rejected"], results


def test_a_posyandu_moved_into_her_puskesmas_is_hers_whatever_the_record_s_day(world, client, db):
    """Kenanga (p3) moved into PKM Wringinanom 20 days ago: bidan_a's weighing of a Kenanga child dated
    before it came is taken (she sees the child: a card's earlier weighings are entered so), as a
    kader's is at a posyandu she was moved to. Kenanga moved back out 10 days ago: a weighing of hers
    dated before it left is still kept, even one dated before it came; one dated after it left is not."""
    cid = _child_of(client, world, world.ids["p3"], 60)
    _posyandu_moved(client, world, "p3", to="pkm_a", days_ago=20)
    [r] = push(client, world.headers("bidan_a"), [_weighing(cid, 25)])
    assert r["status"] == "applied", r
    _posyandu_moved(client, world, "p3", to="pkm_b", days_ago=10)
    results = push(client, world.headers("bidan_a"), [_weighing(cid, 26), _weighing(cid, 15), _weighing(cid, 7)])
    assert [r["status"] for r in results] == ["applied", "applied", "rejected"], results


def test_a_kader_s_record_dated_before_she_came_to_the_posyandu_is_kept_too(world, client, db):
    """The rule the midwife's follows: kader3, moved to Melati (p1) 20 days ago and back to Kenanga 10
    days ago, keeps her weighing of a Melati child dated before she came there, not one of after she left."""
    from posyandu.audit import AuditLog

    cid = _child_of(client, world, world.ids["p1"], 60)
    kader3 = _user_id("kader3")
    for to, days_ago in (("p1", 20), ("p3", 10)):
        moved = client.patch(f"/api/v1/users/{kader3}", json={"posyandu_id": str(world.ids[to])},
                             headers=world.headers("admin"))
        assert moved.status_code == 200, moved.get_json()
        [row] = db.session.scalars(select(AuditLog).where(AuditLog.entity == "user", AuditLog.record_id == str(kader3))
                                   .order_by(AuditLog.id.desc()).limit(1))
        row.at = datetime.now(timezone.utc) - timedelta(days=days_ago)
        db.session.commit()
    results = push(client, world.headers("kader3"), [_weighing(cid, 25), _weighing(cid, 7)])
    assert [r["status"] for r in results] == ["applied", "rejected"], results


def _exit(cid: str, posyandu_id, days_ago: int, base_version: int = 1, **edits) -> dict:
    """The phone's exit form's upsert (``exitCard``, ``outbox.payload``): the child as the phone holds
    her (as ``_reassigned`` registered her), ``exit_date`` ``days_ago`` days ago and ``exit_reason``
    changed, plus ``edits``."""
    born = (date.today() - timedelta(days=400)).isoformat()
    day = (date.today() - timedelta(days=days_ago)).isoformat()
    return mutation("child", cid, {**child_data(posyandu_id, birth_date=born), "exit_date": day,
                                   "exit_reason": "died", **edits}, base_version=base_version)


def _s_and_due(client, world) -> tuple[int, set[str]]:
    """Melati's (p1) S this month (SKDN, read by its midwife), and the children on its due list today."""
    month = local_today("35.25").isoformat()[:7]
    skdn = client.get(f"/api/v1/reports/skdn?month={month}&posyandu_id={world.ids['p1']}", headers=world.headers("bidan_a"))
    assert skdn.status_code == 200, skdn.get_json()
    due = client.get(f"/api/v1/posyandu/{world.ids['p1']}/due-list?date={local_today('35.25').isoformat()}",
                     headers=world.headers("kader1b"))
    assert due.status_code == 200, due.get_json()
    return skdn.get_json()["rows"][0]["S"], {c["child_id"] for c in due.get_json()["children"]}


def test_her_exit_of_a_child_recorded_before_she_left_is_kept(world, client, db):
    """kader1 recorded on her phone that a Melati child died, then the admin moved her to Mawar before
    the phone synced: the exit was refused, so Melati's other cadre never learnt of it (the child
    still in S, on the due list, her family called). Kept now, as her weighings of then are, with the
    same audit row."""
    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child

    cid = _reassigned(client, world, days_ago=70)
    s, due = _s_and_due(client, world)
    assert cid in due
    [r] = push(client, world.headers("kader1"), [_exit(cid, world.ids["p1"], days_ago=75)])
    assert r["status"] == "applied", r
    child = db.session.get(Child, uuid.UUID(cid))
    assert (child.exit_date, child.exit_reason, child.posyandu_id) == \
        (date.today() - timedelta(days=75), "died", world.ids["p1"])
    assert _s_and_due(client, world) == (s - 1, due - {cid})
    p1 = {c["id"]: c for c in pull_all(client, world.headers("kader1b"))[0]}
    assert p1[cid]["record"]["exit_reason"] == "died"
    assert db.session.scalar(select(AuditLog.reason).where(
        AuditLog.record_id == cid, AuditLog.action == "recorded_before_reassignment")) \
        == "exit recorded at the posyandu its kader or bidan has left since"


def test_her_exit_dated_after_she_left_another_edit_or_a_child_moved_since_is_refused(world, client, db):
    """Only the exit, only dated on or before the day she left, only of a child still at the posyandu
    she left: anything else of a child she no longer sees is refused as before."""
    from posyandu.registry.models import Child

    cid = _reassigned(client, world, days_ago=10)
    results = push(client, world.headers("kader1"), [
        _exit(cid, world.ids["p1"], days_ago=5),                             # after she left
        _exit(cid, world.ids["p1"], days_ago=12, name="Siti Aminah Putri"),  # with another change
        mutation("child", cid, {"exit_date": None, "exit_reason": None}, base_version=1),  # no exit
    ])
    assert [(r["status"], list(r["errors"])) for r in results] == [("rejected", ["id"])] * 3, results
    child = db.session.get(Child, uuid.UUID(cid))
    assert (child.exit_date, child.name) == (None, "Siti Aminah")
    # moved by its midwife to Kenanga since: gone from the posyandu she left
    moved = client.patch(f"/api/v1/children/{cid}", json={"posyandu_id": str(world.ids["p3"])},
                         headers=world.headers("admin"))
    assert moved.status_code == 200, moved.get_json()
    [r] = push(client, world.headers("kader1"), [_exit(cid, world.ids["p1"], days_ago=12)])
    assert r["status"] == "rejected" and list(r["errors"]) == ["id"], r
    assert db.session.get(Child, uuid.UUID(cid)).exit_date is None


def test_her_exit_merges_as_anyone_s_edit_of_the_child(world, client, db):
    """As the push merges an edit from a cadre who sees the child: a name corrected meanwhile stays,
    her exit is added; an exit recorded meanwhile by Melati's other cadre on another day is refused as
    changed there since she left (not a conflict with the server's record: the child is no longer hers to
    see, nor to resolve), on the same day and reason nothing to write."""
    from posyandu.audit import AuditLog
    from posyandu.registry.models import Child

    other, same = (_child_of(client, world, world.ids["p1"], 40) for _ in range(2))
    cid = _reassigned(client, world, days_ago=10)
    results = push(client, world.headers("kader1b"), [
        mutation("child", cid, {"name": "Siti Aminah Putri"}, base_version=1),
        _exit(other, world.ids["p1"], days_ago=11), _exit(same, world.ids["p1"], days_ago=11)])
    assert [r["status"] for r in results] == ["applied"] * 3, results
    named, conflict, same_exit = push(client, world.headers("kader1"), [
        _exit(cid, world.ids["p1"], days_ago=12), _exit(other, world.ids["p1"], days_ago=12),
        _exit(same, world.ids["p1"], days_ago=11)])
    assert named["status"] == "applied", named
    child = db.session.get(Child, uuid.UUID(cid))
    assert (child.name, child.exit_date) == ("Siti Aminah Putri", date.today() - timedelta(days=12))
    assert conflict["status"] == "rejected" and conflict["record"] is None, conflict
    assert conflict["errors"] == {"id": ["cannot be kept at the posyandu you left (changed there since, or not "
                                         "valid there): tell its cadre or midwife what you recorded"]}
    assert db.session.get(Child, uuid.UUID(other)).exit_date == date.today() - timedelta(days=11)
    assert same_exit["status"] == "applied", same_exit
    assert db.session.scalars(select(AuditLog.record_id).where(
        AuditLog.record_id.in_([cid, other, same]), AuditLog.action == "recorded_before_reassignment")).all() == [cid]


def test_a_midwife_s_exit_at_a_posyandu_moved_out_of_her_puskesmas_is_kept(world, client, db):
    """The same rule as her weighings (``departures``): Mawar moved out of bidan_a's puskesmas 10 days
    ago; her exit of a Mawar child dated before it moved is kept, one dated after is not."""
    from posyandu.registry.models import Child

    kept, late = _child_of(client, world, world.ids["p2"], 40), _child_of(client, world, world.ids["p2"], 40)
    _posyandu_moved(client, world, "p2", to="pkm_b", days_ago=10)
    results = push(client, world.headers("bidan_a"), [_exit(record, world.ids["p2"], days_ago, exit_reason="moved_away")
                                                      for record, days_ago in ((kept, 12), (late, 5))])
    assert [r["status"] for r in results] == ["applied", "rejected"], results
    assert db.session.get(Child, uuid.UUID(kept)).exit_reason == "moved_away"
    assert db.session.get(Child, uuid.UUID(late)).exit_date is None


@pytest.mark.parametrize("pushes", ["one push", "two pushes"])
def test_her_exit_taken_back_on_her_phone_before_she_left_is_taken_back(world, client, db, pushes):
    """kader1 recorded a Melati child's death on her phone, then tapped "Batalkan keluar" (a mistake): two
    upserts waiting, both on the version she saw, the second with no exit. Moved to Mawar before the phone
    synced, the exit was kept and its undo refused ("tidak ditemukan"), and a living child stood recorded as
    dead, out of S and the due list. Her undo of her own exit is kept too; someone else's exit she cannot undo."""
    from posyandu.registry.models import Child

    cid = _reassigned(client, world, days_ago=70)
    s, due = _s_and_due(client, world)
    exit_, back = _exit(cid, world.ids["p1"], days_ago=75), _exit(cid, world.ids["p1"], days_ago=75)
    back["data"].update(exit_date=None, exit_reason=None)
    batches = [[exit_, back]] if pushes == "one push" else [[exit_], [back]]
    results = [r for batch in batches for r in push(client, world.headers("kader1"), batch)]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    db.session.expire_all()
    assert db.session.get(Child, uuid.UUID(cid)).exit_date is None
    assert _s_and_due(client, world) == (s, due)
    # the midwife records the exit; kader1's phone (which saw it) cannot take hers back
    assert client.patch(f"/api/v1/children/{cid}", headers=world.headers("bidan_a"), json={
        "exit_date": (date.today() - timedelta(days=74)).isoformat(), "exit_reason": "moved_away"}).status_code == 200
    [r] = push(client, world.headers("kader1"), [mutation("child", cid, {"exit_date": None, "exit_reason": None},
                                                          base_version=4)])
    assert (r["status"], list(r["errors"])) == ("rejected", ["id"]), r


def test_only_a_phone_she_had_before_she_left_may_send_what_she_recorded_there(world, client, db):
    """A record made on her phone before she left can only be on a phone the server knew as hers by then:
    one first seen after (a new installation, a new client id) sending "old" weighings, exits or children
    of the posyandu she left is refused, as every other write there is; her phone of then is kept."""
    from posyandu.registry.models import Child
    from tests.sync.helpers import push as push_from

    cid = _reassigned(client, world, days_ago=10)
    child_id = new_id()
    made_up = [
        mutation("measurement", new_id(), measurement_data(cid, measured_on=(date.today() - timedelta(days=12)).isoformat())),
        _exit(cid, world.ids["p1"], days_ago=12),
        mutation("child", child_id, child_data(world.ids["p1"], name="Anak Palsu")),
        mutation("measurement", new_id(), measurement_data(child_id, measured_on=(date.today() - timedelta(days=12)).isoformat())),
    ]
    results = push_from(client, world.headers("kader1"), made_up, client_id="hp-baru-kader1")
    assert [r["status"] for r in results] == ["rejected"] * 4, results
    assert db.session.get(Child, uuid.UUID(cid)).exit_date is None and db.session.get(Child, uuid.UUID(child_id)) is None
    # her phone of before the move: the same records are kept
    kept = push(client, world.headers("kader1"), [dict(m, mutation_id=new_id()) for m in made_up])
    assert [r["status"] for r in kept] == ["applied"] * 4, kept


def test_within_the_grace_what_the_phone_holds_of_the_posyandu_she_left_is_kept(world, client, db):
    """Kept within LEFT_GRACE (90 days) of her leaving; after, what the phone still holds of the posyandu she
    left is refused: her weighing is not written into a posyandu's records months later, unbounded."""
    from posyandu.sync.push import LEFT_GRACE

    assert LEFT_GRACE == timedelta(days=90)
    within = _reassigned(client, world, days_ago=85)
    [kept] = push(client, world.headers("kader1"), [
        mutation("measurement", new_id(), measurement_data(within, measured_on=(date.today() - timedelta(days=86)).isoformat()))])
    assert kept["status"] == "applied", kept


def test_past_the_grace_what_the_phone_holds_of_the_posyandu_she_left_is_refused(world, client, db):
    past = _reassigned(client, world, days_ago=95)
    [late] = push(client, world.headers("kader1"), [
        mutation("measurement", new_id(), measurement_data(past, measured_on=(date.today() - timedelta(days=96)).isoformat()))])
    assert late["status"] == "rejected" and list(late["errors"]) == ["child_id"], late


def test_what_she_sends_after_leaving_tells_nothing_of_the_child_as_she_stands_now(world, client, db):
    """Her exit of a child of the posyandu she left is kept, and answered with no record: the server's child
    carries what was changed there since (a new telephone, an address), which she may no longer read (404
    anywhere else), in a first answer or a replay alike; nor is a conflict with a change made there since
    answered with it."""
    cid = _reassigned(client, world, days_ago=10)
    changed = client.patch(f"/api/v1/children/{cid}", json={"guardian_phone": "089999999999", "address": "Jalan Rahasia 7"},
                           headers=world.headers("bidan_a"))
    assert changed.status_code == 200, changed.get_json()
    assert client.get(f"/api/v1/children/{cid}", headers=world.headers("kader1")).status_code == 404
    exit_ = _exit(cid, world.ids["p1"], days_ago=12, base_version=2)
    [first] = push(client, world.headers("kader1"), [exit_])
    [again] = push(client, world.headers("kader1"), [exit_])
    for answer in (first, again):
        assert answer["status"] == "applied" and answer["record"] is None, answer
        assert "089999999999" not in json.dumps(answer) and "Rahasia" not in json.dumps(answer)
    assert again["replayed"] is True
    # taken back on her phone (its base the version she was answered): kept, answered alike
    [undone] = push(client, world.headers("kader1"), [
        mutation("child", cid, {"exit_date": None, "exit_reason": None}, base_version=first["version"])])
    assert undone["status"] == "applied" and undone["record"] is None, undone


def test_a_refusal_of_what_she_sends_after_leaving_tells_nothing_recorded_there_since(world, client, db):
    """Refused, her exit or weighing of a child of the posyandu she left said why in the words of the rule:
    "the child has a weighing or dose on 4 Dec 2026", "the child left the register on 23 Nov 2026": what was
    recorded there after she left, by whom she may no longer read. Now only that it cannot be kept there."""
    other = _child_of(client, world, world.ids["p1"], 40)
    cid = _reassigned(client, world, days_ago=10)
    day = lambda n: (date.today() - timedelta(days=n)).isoformat()  # noqa: E731
    recorded = push(client, world.headers("kader1b"), [
        mutation("measurement", new_id(), measurement_data(cid, measured_on=day(3))),
        _exit(other, world.ids["p1"], days_ago=14)])
    assert [r["status"] for r in recorded] == ["applied", "applied"], recorded
    refused = push(client, world.headers("kader1"), [
        _exit(cid, world.ids["p1"], days_ago=12),
        mutation("measurement", new_id(), measurement_data(other, measured_on=day(12)))])
    said = "cannot be kept at the posyandu you left (changed there since, or not valid there): tell its cadre or " \
           "midwife what you recorded"
    for answer in refused:
        assert answer["status"] == "rejected" and answer["record"] is None, answer
        assert answer["errors"] == {"id": [said]}, answer   # on the record, as one outside her area
        text = json.dumps(answer)
        assert not any(when in text for when in (day(3), day(14), "Des", "Dec", "Nov", "Okt", "Oct")), text
