"""GET /api/v1/sync/pull: scope, paging exactly once, tombstones, scope exits and resets (both databases)."""
from __future__ import annotations

from collections import Counter

import pytest

from tests.sync.helpers import child_data, measurement_data, mutation, new_id, pull_all, push


def _child_with_visit(client, world, by="kader1", posyandu="p1", **overrides):
    cid = new_id()
    results = push(client, world.headers(by), [mutation("child", cid, child_data(world.ids[posyandu], **overrides)),
                                               mutation("measurement", new_id(), measurement_data(cid))])
    assert [r["status"] for r in results] == ["applied", "applied"], results
    return cid


def _ids(changes, entity=None, op="upsert"):
    return {c["id"] for c in changes if c["op"] == op and (entity is None or c["entity"] == entity)}


def test_each_role_pulls_exactly_its_scope(world, client, link_parent):
    a = _child_with_visit(client, world, "kader1", "p1")
    b = _child_with_visit(client, world, "kader2", "p2")
    c = _child_with_visit(client, world, "kader3", "p3")
    link_parent(a)
    seen = {user: _ids(pull_all(client, world.headers(user))[0], "child")
            for user in ("kader1", "kader2", "kader3", "bidan_a", "bidan_b", "parent1", "admin")}
    assert seen == {"kader1": {a}, "kader2": {b}, "kader3": {c}, "bidan_a": {a, b}, "bidan_b": {c},
                    "parent1": {a}, "admin": {a, b, c}}
    parent_changes = pull_all(client, world.headers("parent1"))[0]
    assert {x["entity"] for x in parent_changes} == {"posyandu", "child", "measurement"}
    assert _ids(parent_changes, "posyandu") == {str(world.ids["p1"])}
    resp = client.get("/api/v1/sync/pull", headers=world.headers("dinkes_gresik"))
    assert resp.status_code == 403 and resp.content_type == "application/problem+json"
    assert client.get("/api/v1/sync/pull").status_code == 401


def test_pages_deliver_every_change_exactly_once(world, client):
    made = {_child_with_visit(client, world) for _ in range(12)}
    _child_with_visit(client, world, "kader2", "p2")  # out of scope, interleaved in seq order
    made |= {_child_with_visit(client, world) for _ in range(3)}
    changes, cursor, reset = pull_all(client, world.headers("kader1b"), limit=7)
    keys = Counter((c["entity"], c["id"], c["version"]) for c in changes)
    assert max(keys.values()) == 1 and reset is False
    assert _ids(changes, "child") == made and len(_ids(changes, "measurement")) == 15
    # nothing new: the same cursor comes back empty, and the cursor still advances past others' writes
    again, cursor2, _ = pull_all(client, world.headers("kader1b"), cursor)
    assert again == []
    _child_with_visit(client, world, "kader2", "p2")
    new = _child_with_visit(client, world)
    later, _, _ = pull_all(client, world.headers("kader1b"), cursor2)
    assert _ids(later, "child") == {new} and len(later) == 2


def test_measurements_arrive_with_server_growth_and_deletes_as_tombstones(world, client):
    cid = _child_with_visit(client, world)
    changes, cursor, _ = pull_all(client, world.headers("kader1b"))
    [m] = [c for c in changes if c["entity"] == "measurement"]
    assert set(m["record"]["zscores"]) == {"wfa", "lhfa", "wfl", "wfh", "bfa", "hcfa", "acfa"}
    assert m["record"]["status"]["bb_u"] == "normal" and m["reason"] is None
    resp = client.delete(f"/api/v1/measurements/{m['id']}", query_string={"reason": "salah anak"},
                         headers=world.headers("kader1"))
    assert resp.status_code == 204
    later, _, _ = pull_all(client, world.headers("kader1b"), cursor)
    assert [(c["entity"], c["op"], c["reason"], c["version"]) for c in later] == [("measurement", "delete", "deleted", 2)]
    assert cid == later[0]["record"]["child_id"]


@pytest.mark.parametrize("entity", ["measurement", "child"])
def test_a_record_deleted_and_restored_in_one_push_is_pulled_live(world, client, entity):
    """One change-log row per record per transaction: it once kept "delete" from the first
    mutation, so phones dropped a record that stands. Its op is the record's state at commit."""
    cid, mid = new_id(), new_id()
    data = measurement_data(cid)
    push(client, world.headers("kader1"), [mutation("child", cid, child_data(world.ids["p1"])),
                                           mutation("measurement", mid, data)])
    _, cursor, _ = pull_all(client, world.headers("kader1b"))
    record_id, restore = (mid, {k: v for k, v in data.items() if k != "child_id"}) if entity == "measurement" \
        else (cid, {"name": "Siti Aminah"})
    results = push(client, world.headers("kader1"), [mutation(entity, record_id, {}, op="delete", base_version=1),
                                                     mutation(entity, record_id, restore, base_version=2)])
    assert [(r["status"], r["record"]["deleted_at"]) for r in results] == [("applied", None)] * 2, results
    later, _, _ = pull_all(client, world.headers("kader1b"), cursor)
    assert [(c["op"], c["version"], c["reason"]) for c in later if c["id"] == record_id] == [("upsert", 2, None)]


def test_a_child_moving_away_leaves_the_old_posyandu_and_arrives_whole_at_the_new(world, client):
    cid = _child_with_visit(client, world, "kader1", "p1")
    _, old_cursor, _ = pull_all(client, world.headers("kader1"))
    _, new_cursor, _ = pull_all(client, world.headers("kader2"))
    _, bidan_cursor, _ = pull_all(client, world.headers("bidan_a"))
    resp = client.patch(f"/api/v1/children/{cid}", json={"posyandu_id": str(world.ids["p2"])},
                        headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    old, _, _ = pull_all(client, world.headers("kader1"), old_cursor)
    assert {(c["entity"], c["op"], c["reason"]) for c in old} == {("child", "delete", "out_of_scope"),
                                                                   ("measurement", "delete", "out_of_scope")}
    assert all(c["record"] is None for c in old)
    new, _, _ = pull_all(client, world.headers("kader2"), new_cursor)
    assert {(c["entity"], c["op"]) for c in new} == {("child", "upsert"), ("measurement", "upsert")}
    assert all(c["record"]["posyandu_id"] == str(world.ids["p2"]) for c in new)
    both, _, _ = pull_all(client, world.headers("bidan_a"), bidan_cursor)
    assert {c["op"] for c in both} == {"upsert"}
    # kader1 can no longer change the child (a weighing of hers from before the move is still
    # kept: tests/sync/test_push_after_move.py); kader2 can
    [r] = push(client, world.headers("kader1"), [mutation("child", cid, {"name": "Ganti"}, base_version=2)])
    assert r["status"] == "rejected"
    [r] = push(client, world.headers("kader2"), [mutation("measurement", new_id(), measurement_data(cid))])
    assert r["status"] == "applied"


def test_a_changed_scope_resets_the_cursor(world, client, link_parent):
    a = _child_with_visit(client, world, "kader1", "p1")
    b = _child_with_visit(client, world, "kader2", "p2")
    link_parent(a)
    _, cursor, _ = pull_all(client, world.headers("kader1"))
    admin = world.headers("admin")
    users = client.get("/api/v1/users", query_string={"limit": 100}, headers=admin).get_json()["items"]
    kader1 = next(u for u in users if u["username"] == "kader1")
    resp = client.patch(f"/api/v1/users/{kader1['id']}", json={"posyandu_id": str(world.ids["p2"])}, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    world._tokens.pop("kader1")  # the old token is no longer valid after a scope change
    changes, _, reset = pull_all(client, world.headers("kader1"), cursor)
    assert reset is True and _ids(changes, "child") == {b} and a not in _ids(changes)
    # a parent linked to a further child also starts again
    _, pcursor, _ = pull_all(client, world.headers("parent1"))
    code = client.post(f"/api/v1/children/{b}/invitations", headers=world.headers("kader2")).get_json()["code"]
    assert client.post("/api/v1/auth/redeem", json={"code": code}, headers=world.headers("parent1")).status_code == 200
    world._tokens.pop("parent1", None)
    changes, _, reset = pull_all(client, world.headers("parent1"), pcursor)
    assert reset is True and _ids(changes, "child") == {a, b}


def test_foreign_or_damaged_cursors_reset_and_bad_limits_are_422(world, client):
    _child_with_visit(client, world)
    _, cursor, _ = pull_all(client, world.headers("kader1"))
    # kader2's devices cannot reuse kader1's cursor (scope-bound), nor a tampered one (its signature's
    # last two hex digits changed: "00" unless they are "00" already, one cursor in 256)
    tampered = cursor[:-2] + ("11" if cursor.endswith("00") else "00")
    for headers, bad in ((world.headers("kader2"), cursor), (world.headers("kader1"), tampered),
                         (world.headers("kader1"), "garbage")):
        page = client.get("/api/v1/sync/pull", query_string={"cursor": bad}, headers=headers).get_json()
        assert page["reset"] is True
    for limit in (0, 1001, "x"):
        resp = client.get("/api/v1/sync/pull", query_string={"limit": limit}, headers=world.headers("kader1"))
        assert resp.status_code == 422 and "limit" in resp.get_json()["errors"]


@pytest.mark.parametrize("bad", ["x.\u00e9", "\u00e9.\u00e9", "eyJ2IjoxfQ.\u0101\u0101", "\u00e9"])
def test_a_cursor_with_characters_no_cursor_has_resets_like_any_damaged_one(world, client, bad):
    """A signature compared with a non-ASCII one once crashed the pull (500); like any cursor this
    server did not make, it starts the pull again from nothing."""
    _child_with_visit(client, world)
    resp = client.get("/api/v1/sync/pull", query_string={"cursor": bad}, headers=world.headers("kader1"))
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    page = resp.get_json()
    assert page["reset"] is True and {c["entity"] for c in page["changes"]} == {"posyandu", "child", "measurement"}


def _child_with_a_deleted_weighing(client, world, by, posyandu):
    """A child registered at ``posyandu`` whose weighing was deleted since: (child id, weighing id,
    the weighing's data, its tombstone's version)."""
    cid, mid = new_id(), new_id()
    data = measurement_data(cid)
    push(client, world.headers(by), [mutation("child", cid, child_data(world.ids[posyandu])),
                                     mutation("measurement", mid, data)])
    [gone] = push(client, world.headers(by), [mutation("measurement", mid, op="delete", base_version=1)])
    return cid, mid, data, gone["version"]


def _restore(client, world, by, mid, data, version):
    """A restore pushed from a device that saw the weighing's tombstone (its version)."""
    fields = {k: v for k, v in data.items() if k != "child_id"}
    [r] = push(client, world.headers(by), [mutation("measurement", mid, fields, base_version=version)],
               client_id=f"{by}-phone")
    return r


def test_a_weighing_restored_after_its_child_moved_comes_back_at_the_childs_new_posyandu(world, client):
    """Deleted while the child was at p1, restored (by a bidan whose phone saw the tombstone) after
    the child moved to p2: it comes back at p2, where kader2 reads and pulls it; kader1, who no
    longer holds the child, is told it is out of her scope, never given the record."""
    cid, mid, data, deleted = _child_with_a_deleted_weighing(client, world, "kader1", "p1")
    _, old_cursor, _ = pull_all(client, world.headers("kader1"))
    _, new_cursor, _ = pull_all(client, world.headers("kader2"))
    resp = client.patch(f"/api/v1/children/{cid}", json={"posyandu_id": str(world.ids["p2"])},
                        headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    # kader1 may no longer restore it; the bidan may
    assert _restore(client, world, "kader1", mid, data, deleted)["status"] == "rejected"
    back = _restore(client, world, "bidan_a", mid, data, deleted)
    assert back["status"] == "applied" and back["record"]["posyandu_id"] == str(world.ids["p2"]), back
    listed = client.get(f"/api/v1/children/{cid}/measurements", headers=world.headers("kader2")).get_json()
    assert mid in {m["id"] for m in listed["items"]}
    old, _, _ = pull_all(client, world.headers("kader1"), old_cursor)
    assert [(c["op"], c["reason"], c["record"]) for c in old if c["id"] == mid] == [("delete", "out_of_scope", None)]
    new, _, _ = pull_all(client, world.headers("kader2"), new_cursor)
    assert [(c["op"], c["record"]["posyandu_id"]) for c in new if c["id"] == mid] == [("upsert", str(world.ids["p2"]))]


def test_a_weighing_deleted_before_its_child_moved_away_goes_to_the_old_posyandu_without_its_values(world, client):
    """A tombstone stays at the posyandu it was deleted at. After the child moved to p2, a phone of
    p1 pulling from nothing (or from before the delete) got the deleted weighing's values, z-scores
    and child id all the same; it gets the out_of_scope delete instead, and p2's phones nothing."""
    cid, mid, _, _ = _child_with_a_deleted_weighing(client, world, "kader1", "p1")
    _, before, _ = pull_all(client, world.headers("kader1"))
    resp = client.patch(f"/api/v1/children/{cid}", json={"posyandu_id": str(world.ids["p2"])},
                        headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    # each of its versions (recorded, then deleted) is named only, on one page or over several
    for limit in (500, 1):
        fresh, _, _ = pull_all(client, world.headers("kader1b"), limit=limit)
        assert [(c["op"], c["reason"], c["record"]) for c in fresh if c["id"] == mid] == [
            ("delete", "out_of_scope", None)] * 2, limit
    assert {(c["op"], c["reason"]) for c in fresh if c["id"] == cid} == {("delete", "out_of_scope")}
    assert mid not in {c["id"] for c in pull_all(client, world.headers("kader2"))[0]}
    # the midwife of both posyandu still holds the child: the tombstone comes with its record
    bidan, _, _ = pull_all(client, world.headers("bidan_a"))
    assert [(c["op"], c["reason"], c["record"]["child_id"]) for c in bidan if c["id"] == mid] == [
        ("upsert", None, cid), ("delete", "deleted", cid)]
    # a phone that already had the tombstone gets only the move
    after, _, _ = pull_all(client, world.headers("kader1"), before)
    assert mid not in {c["id"] for c in after}


def test_a_weighing_restored_after_its_child_was_merged_comes_back_under_the_child_that_stands(world, client):
    """A duplicate registration at p2 had a weighing deleted; a bidan merges it into the child of
    p1, then restores the weighing: it lands under the child that stands, pulled by p1's phones;
    p2's kader, whose phone still names the merged-away child, cannot restore it into p1."""
    winner = _child_with_visit(client, world, "kader1", "p1")
    loser, mid, data, deleted = _child_with_a_deleted_weighing(client, world, "kader2", "p2")
    _, p1_cursor, _ = pull_all(client, world.headers("kader1b"))
    _, p2_cursor, _ = pull_all(client, world.headers("kader2"))
    resp = client.post(f"/api/v1/children/{winner}/merge", json={"duplicate_id": loser}, headers=world.headers("bidan_a"))
    assert resp.status_code == 200, resp.get_json()
    refused = _restore(client, world, "kader2", mid, data, deleted)
    assert refused["status"] == "rejected" and list(refused["errors"]) == ["child_id"], refused
    back = _restore(client, world, "bidan_a", mid, data, deleted)
    assert back["status"] == "applied" and back["record"]["child_id"] == winner, back
    assert back["record"]["possible_duplicate_of"] is not None   # the winner was weighed that day too
    p1, _, _ = pull_all(client, world.headers("kader1b"), p1_cursor)
    assert [(c["op"], c["record"]["child_id"]) for c in p1 if c["id"] == mid] == [("upsert", winner)]
    p2, _, _ = pull_all(client, world.headers("kader2"), p2_cursor)
    assert [(c["op"], c["reason"]) for c in p2 if c["id"] == mid] == [("delete", "out_of_scope")]


def _posyandu(client, world, name: str, desa: str = "35.25.01.2001", puskesmas: str = "pkm_a") -> str:
    resp = client.post("/api/v1/posyandu", headers=world.headers("admin"), json={
        "name": name, "desa_code": desa, "puskesmas_id": str(world.ids[puskesmas]), "meeting_day": 12})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def test_a_posyandu_opened_in_the_midwifes_puskesmas_needs_no_full_pull(world, client):
    """Her scope is her puskesmas: a posyandu opened there, and closed later, reaches her phones on
    their cursor. Every new posyandu reset all her devices' cursors (a full re-pull of the puskesmas)."""
    _child_with_visit(client, world, "kader1", "p1")
    _, cursor, _ = pull_all(client, world.headers("bidan_a"))
    new = _posyandu(client, world, "Anggrek")
    cid = new_id()
    [made] = push(client, world.headers("bidan_a"), [mutation("child", cid, child_data(new))])
    assert made["status"] == "applied", made
    changes, cursor, reset = pull_all(client, world.headers("bidan_a"), cursor)
    assert reset is False
    assert {(c["entity"], c["id"]) for c in changes} == {("posyandu", new), ("child", cid)}
    # the child moves away, the posyandu closes: both reach her phones, still without a reset
    moved = client.patch(f"/api/v1/children/{cid}", json={"posyandu_id": str(world.ids["p1"])},
                         headers=world.headers("bidan_a"))
    assert moved.status_code == 200, moved.get_json()
    closed = client.delete(f"/api/v1/posyandu/{new}", headers=world.headers("admin"))
    assert closed.status_code == 204, closed.get_json()
    changes, _, reset = pull_all(client, world.headers("bidan_a"), cursor)
    assert reset is False
    assert [(c["entity"], c["op"]) for c in changes if c["id"] == new] == [("posyandu", "delete")]
    assert [(c["op"], c["record"]["posyandu_id"]) for c in changes if c["id"] == cid] == [("upsert", str(world.ids["p1"]))]


def test_a_posyandu_moved_to_another_puskesmas_resets_both_midwives(world, client):
    """Its history is from before their cursors: the midwife it joins must get it, the one it leaves
    must drop it."""
    cid = _child_with_visit(client, world, "kader3", "p3")
    _, a_cursor, _ = pull_all(client, world.headers("bidan_a"))
    _, b_cursor, _ = pull_all(client, world.headers("bidan_b"))
    _, k_cursor, _ = pull_all(client, world.headers("kader3"))
    resp = client.patch(f"/api/v1/posyandu/{world.ids['p3']}", json={"puskesmas_id": str(world.ids["pkm_a"])},
                        headers=world.headers("admin"))
    assert resp.status_code == 200, resp.get_json()
    a, _, a_reset = pull_all(client, world.headers("bidan_a"), a_cursor)
    assert a_reset is True and cid in _ids(a, "child")
    b, _, b_reset = pull_all(client, world.headers("bidan_b"), b_cursor)
    assert b_reset is True and cid not in _ids(b, "child")
    _, _, k_reset = pull_all(client, world.headers("kader3"), k_cursor)
    assert k_reset is False      # her posyandu is the same


def _restore_backup_taken_at(app, seq):
    """The server's database as restored from a backup taken when the change log stood at ``seq``:
    what was logged after it is gone, and the counter is back there (the records themselves may stay:
    pulls read the log)."""
    from sqlalchemy import delete, update

    from posyandu.extensions import db
    from posyandu.sync.models import ChangeLog, SyncCounter, SyncMutation

    with app.app_context():
        db.session.execute(delete(ChangeLog).where(ChangeLog.seq > seq))
        db.session.execute(delete(SyncMutation))
        db.session.execute(update(SyncCounter).where(SyncCounter.id == 1).values(value=seq))
        db.session.commit()


def _counter(app):
    from posyandu.extensions import db
    from posyandu.sync.models import SyncCounter

    with app.app_context():
        return db.session.get(SyncCounter, 1).value


def test_a_phone_that_pulled_past_a_restored_backup_starts_again_and_misses_nothing(world, app, client):
    # CHT #8093: the server is restored from last night's backup. A phone had pulled what was logged
    # after it (now gone); by the time it pulls again other phones have written as many changes anew,
    # under the same seqs. Read from its old cursor it skipped those: another kader's weighings never
    # reached it. Its cursor no longer fits the log it was made on: it starts again (reset).
    before = _child_with_visit(client, world, "kader1")
    backup = _counter(app)
    lost = _child_with_visit(client, world, "kader1")
    _, cursor, _ = pull_all(client, world.headers("kader1"))
    _restore_backup_taken_at(app, backup)
    anew = [_child_with_visit(client, world, "kader1b") for _ in range(2)]
    assert _counter(app) == backup + 4  # the two lost seqs written again, and more
    changes, _, reset = pull_all(client, world.headers("kader1"), cursor)
    assert reset is True
    assert _ids(changes, "child") == {before, *anew} and lost not in _ids(changes)
    # a cursor made after the restore goes on as usual
    _, cursor, _ = pull_all(client, world.headers("kader1"))
    again = _child_with_visit(client, world, "kader1b")
    changes, _, reset = pull_all(client, world.headers("kader1"), cursor)
    assert reset is False and _ids(changes, "child") == {again}
