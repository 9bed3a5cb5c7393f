"""A child's weighings written while the child itself moves, is merged away or is deleted.

Two real requests at once: one is held at a point of its transaction (just after it read the
child, or just before it commits), the other is started and given a second to finish or to wait,
then the first goes on (``_race``). The outcome must be that of the two one after the other: a weighing
follows its child to the new posyandu or onto the child that stands, and is deleted with its
child (or refused once the child is gone). On PostgreSQL these are two concurrent transactions;
on SQLite the same interleavings, which its one write lock must serialise as well.
"""
from __future__ import annotations

import logging
import threading
import uuid
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, Callable

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from tests.sync.helpers import child_data, measurement_data, mutation, new_id, pull_all, push

WAIT = 20          # seconds a held request waits to be let go, and a test waits for a request
LOCK_TIMEOUT = 15  # PostgreSQL: a lock wait longer than this fails the request instead of hanging the test


@contextmanager
def _held(where: str, monkeypatch):
    """Requests run in the thread named "first" stop once at ``where`` until ``go`` is set:
    "read", just after an event writer read the child (``events.check_date``, before anything of
    the event is written); "child", just after a route's first ``access.get_child`` that locks the
    child (``for_update``/``for_events``; the look-up of ``access.seen_first`` before it locks nothing); "commit",
    just before the transaction commits, everything flushed but the change log. Requests of both
    threads get a lock timeout on PostgreSQL."""
    from posyandu import access, events

    reached, go = threading.Event(), threading.Event()

    def hold() -> None:
        if threading.current_thread().name == "first" and not reached.is_set():
            reached.set()
            if not go.wait(WAIT):
                raise RuntimeError("the held request was never let go")

    def at_commit(session: Session) -> None:
        if not session.in_nested_transaction() and threading.current_thread().name == "first":
            session.flush()
            hold()

    def lock_timeout(session: Session, transaction: Any, connection: Any) -> None:
        if connection.dialect.name == "postgresql" and threading.current_thread().name in ("first", "second"):
            connection.exec_driver_sql(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}s'")

    if where == "read":
        check_date = events.check_date

        def read_then_hold(*args: Any) -> None:
            hold()
            check_date(*args)
        monkeypatch.setattr(events, "check_date", read_then_hold)
    elif where == "child":
        get_child = access.get_child

        def get_then_hold(*args: Any, **kwargs: Any) -> Any:
            child = get_child(*args, **kwargs)
            if kwargs.get("for_update") or kwargs.get("for_events"):
                hold()
            return child
        monkeypatch.setattr(access, "get_child", get_then_hold)
    else:
        event.listen(Session, "before_commit", at_commit, insert=True)  # before the change log is stamped
    event.listen(Session, "after_begin", lock_timeout)
    try:
        yield reached, go
    finally:
        event.remove(Session, "after_begin", lock_timeout)
        if where == "commit":
            event.remove(Session, "before_commit", at_commit)


def _race(app, monkeypatch, first: Callable[[Any], Any], second: Callable[[Any], Any], *,
          where: str = "commit") -> tuple[Any, Any, bool]:
    """``first(client)`` runs until held at ``where``; then ``second(client)`` runs, given a second
    to finish; then ``first`` goes on. Returns both answers and whether ``second`` had to wait."""
    answers: dict[str, Any] = {}

    def run(name: str, body: Callable[[Any], Any]) -> threading.Thread:
        def target() -> None:
            try:
                answers[name] = body(app.test_client())
            except BaseException as exc:  # noqa: BLE001 - reported below
                answers[name] = exc
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        return thread

    with _held(where, monkeypatch) as (reached, go):
        t1 = run("first", first)
        assert reached.wait(WAIT) or not t1.is_alive(), "the first request never reached the point to hold"
        assert "first" not in answers, f"the first request ended before it was held: {answers['first']}"
        t2 = run("second", second)
        t2.join(1.0)
        waited = t2.is_alive()
        go.set()
        t1.join(WAIT)
        t2.join(WAIT)
    assert not t1.is_alive() and not t2.is_alive(), "a request hangs (a deadlock?)"
    for name in ("first", "second"):
        assert not isinstance(answers[name], BaseException), (name, answers[name])
    return answers["first"], answers["second"], waited


def _latest(changes: list[dict[str, Any]], record_id: str) -> dict[str, Any] | None:
    mine = [c for c in changes if c["id"] == record_id]
    return mine[-1] if mine else None


def _child(client, world, by="kader1", posyandu="p1", **overrides) -> str:
    cid = new_id()
    [r] = push(client, world.headers(by), [mutation("child", cid, child_data(world.ids[posyandu], **overrides))])
    assert r["status"] == "applied", r
    return cid


def _weigh(world, by: str, cid: str, mid: str, **overrides) -> Callable[[Any], Any]:
    """A weighing recorded through the REST API, as a request for ``_race``."""
    body = {k: v for k, v in measurement_data(cid, **overrides).items() if k != "child_id"}
    headers = world.headers(by)
    return lambda c: c.post(f"/api/v1/children/{cid}/measurements", json={**body, "id": mid}, headers=headers)


def _push(world, by: str, mutations: list[dict[str, Any]], client_id: str) -> Callable[[Any], Any]:
    headers = world.headers(by)
    return lambda c: c.post("/api/v1/sync/push", json={"client_id": client_id, "mutations": mutations},
                            headers=headers)


def _move(world, cid: str, to: str, by: str = "bidan_a", how: str = "rest") -> Callable[[Any], Any]:
    headers, body = world.headers(by), {"posyandu_id": str(world.ids[to])}
    if how == "push":  # from the bidan's phone, which saw the child's first version
        return _push(world, by, [mutation("child", cid, body, base_version=1)], f"{by}-phone")
    return lambda c: c.patch(f"/api/v1/children/{cid}", json=body, headers=headers)


def _merge(world, winner: str, loser: str, by: str = "bidan_a") -> Callable[[Any], Any]:
    headers = world.headers(by)
    return lambda c: c.post(f"/api/v1/children/{winner}/merge", json={"duplicate_id": loser}, headers=headers)


def _delete(world, cid: str, by: str = "kader1", how: str = "rest") -> Callable[[Any], Any]:
    headers = world.headers(by)
    if how == "push":
        return _push(world, by, [mutation("child", cid, op="delete", base_version=1)], f"{by}-phone")
    return lambda c: c.delete(f"/api/v1/children/{cid}", headers=headers)


def _ok(answer: Any, status: int) -> bool:
    """A REST answer with ``status``, or a push whose mutations all applied."""
    if answer.request.path.endswith("/sync/push"):
        return answer.status_code == 200 and {r["status"] for r in answer.get_json()["results"]} == {"applied"}
    return answer.status_code == status


def _stored(app, model_name: str, record_id: str) -> Any:
    """The record as committed, read in a fresh session."""
    from posyandu.extensions import db
    from posyandu.growth.models import Measurement
    from posyandu.immunisation.models import Immunisation
    from posyandu.registry.models import Child

    with app.app_context():
        model = {"measurement": Measurement, "child": Child, "immunisation": Immunisation}[model_name]
        obj = db.session.get(model, uuid.UUID(record_id))
        db.session.expunge_all()
        return obj


# --- a move ------------------------------------------------------------------------------------

@pytest.mark.parametrize("where,how", [("read", "rest"), ("commit", "rest"), ("commit", "push")])
def test_a_weighing_recorded_while_the_child_moves_follows_the_child(app, world, client, monkeypatch, where, how):
    """The reviewer's case: kader1 records a weighing; before it commits, a bidan moves the child
    to p2 (by the API, or from her phone). kader2 (the child's posyandu now) must pull the
    weighing; kader1's devices get it taken out of their scope."""
    cid = _child(client, world)
    _, c1, _ = pull_all(client, world.headers("kader1b"))
    _, c2, _ = pull_all(client, world.headers("kader2"))
    mid = new_id()
    weighed, moved, _ = _race(app, monkeypatch, _weigh(world, "kader1", cid, mid), _move(world, cid, "p2", how=how),
                              where=where)
    assert weighed.status_code == 201 and _ok(moved, 200), (weighed.get_json(), moved.get_json())
    assert str(_stored(app, "measurement", mid).posyandu_id) == str(world.ids["p2"])
    new, _, _ = pull_all(client, world.headers("kader2"), c2)
    assert (_latest(new, mid) or {}).get("op") == "upsert", "the new posyandu never pulls this weighing"
    old, _, _ = pull_all(client, world.headers("kader1b"), c1)
    assert (_latest(old, mid) or {}).get("op") in (None, "delete"), "the old posyandu keeps the weighing"


@pytest.mark.parametrize("by,status", [("bidan_a", 201), ("kader1", 404)])
def test_a_weighing_recorded_while_the_move_commits_is_judged_after_it(app, world, client, monkeypatch, by, status):
    """The move is held just before it commits; a weighing is recorded meanwhile. It is the
    weighing of a child in p2: a bidan's lands in p2, kader1 (p1) no longer sees the child."""
    cid = _child(client, world)
    _, c2, _ = pull_all(client, world.headers("kader2"))
    mid = new_id()
    moved, weighed, _ = _race(app, monkeypatch, _move(world, cid, "p2"), _weigh(world, by, cid, mid))
    assert moved.status_code == 200, moved.get_json()
    assert weighed.status_code == status, weighed.get_json()
    if status == 201:
        assert str(_stored(app, "measurement", mid).posyandu_id) == str(world.ids["p2"])
        new, _, _ = pull_all(client, world.headers("kader2"), c2)
        assert (_latest(new, mid) or {}).get("op") == "upsert"
    else:
        assert _stored(app, "measurement", mid) is None


# --- a merge -----------------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["read", "commit"])
def test_a_weighing_of_the_duplicate_recorded_while_it_is_merged_lands_on_the_child_that_stands(
        app, world, client, monkeypatch, where):
    """kader2's phone pushes a weighing of a child registered twice; before it commits, a bidan
    merges that registration into the one at p1. The weighing must end on the child that stands
    (and reach p1's devices), not stay on the merged-away id."""
    winner = _child(client, world, "kader1", "p1")
    loser = _child(client, world, "kader2", "p2")
    _, c1, _ = pull_all(client, world.headers("kader1b"))
    mid = new_id()
    pushed, merged, _ = _race(app, monkeypatch,
                              _push(world, "kader2", [mutation("measurement", mid, measurement_data(loser))], "k2-phone"),
                              _merge(world, winner, loser), where=where)
    assert pushed.status_code == 200 and merged.status_code == 200, (pushed.get_json(), merged.get_json())
    assert pushed.get_json()["results"][0]["status"] == "applied", pushed.get_json()
    stored = _stored(app, "measurement", mid)
    assert (str(stored.child_id), str(stored.posyandu_id)) == (winner, str(world.ids["p1"])), \
        f"the weighing stayed on {stored.child_id} (winner {winner}, loser {loser})"
    new, _, _ = pull_all(client, world.headers("kader1b"), c1)
    got = _latest(new, mid)
    assert got and got["op"] == "upsert" and got["record"]["child_id"] == winner


def test_a_weighing_pushed_for_the_duplicate_while_the_merge_commits_lands_on_the_child_that_stands(
        app, world, client, monkeypatch):
    winner = _child(client, world, "kader1", "p1")
    loser = _child(client, world, "kader1", "p1", name="Siti Aminah Putri")
    mid = new_id()
    merged, pushed, _ = _race(app, monkeypatch, _merge(world, winner, loser),
                              _push(world, "kader1", [mutation("measurement", mid, measurement_data(loser))], "k1-phone"))
    assert merged.status_code == 200 and pushed.status_code == 200, (merged.get_json(), pushed.get_json())
    assert pushed.get_json()["results"][0]["status"] == "applied", pushed.get_json()
    assert str(_stored(app, "measurement", mid).child_id) == winner


def test_a_parent_unlinked_from_the_duplicate_while_it_is_merged_is_unlinked_or_told_it_is_gone(
        app, world, client, monkeypatch, link_parent):
    """The merge copies the duplicate's parents onto the child that stands. An unlink of the
    duplicate's parent committing in between answered 204 while the merge then linked the parent
    to the child that stands: "unlinked", yet the parent saw the child. Now the unlink waits for
    the merge and finds the duplicate gone (404): the kader knows to unlink at the child that stands."""
    winner = _child(client, world, "kader1", "p1")
    loser = _child(client, world, "kader1", "p1", name="Siti Aminah Putri")
    link_parent(loser)
    parent = client.get("/api/v1/children/" + loser + "/parents", headers=world.headers("kader1")).get_json()["items"][0]
    headers = world.headers("kader1")
    merged, unlinked, _ = _race(app, monkeypatch, _merge(world, winner, loser),
                                lambda c: c.delete(f"/api/v1/children/{loser}/parents/{parent['user_id']}",
                                                   headers=headers))
    assert merged.status_code == 200, merged.get_json()
    sees = client.get(f"/api/v1/children/{winner}", headers=world.headers("parent1")).status_code
    assert (unlinked.status_code, sees) in ((404, 200), (204, 404)), (unlinked.status_code, sees)


@pytest.mark.parametrize("first", ["merge", "redeem"])
def test_a_code_for_the_duplicate_redeemed_while_it_is_merged_links_the_child_that_stands(
        app, world, client, monkeypatch, first):
    """A parent redeems a code given for a duplicate while a bidan merges it away. The redeem locked
    the code, not the child: the merge, having read the duplicate's parents before the link was
    committed, left the parent linked to the merged-away tombstone only (PostgreSQL)."""
    winner = _child(client, world, "kader1", "p1")
    loser = _child(client, world, "kader1", "p1", name="Siti Aminah Putri")
    code = client.post(f"/api/v1/children/{loser}/invitations", headers=world.headers("kader1")).get_json()["code"]
    parent = world.headers("parent1")
    redeem = lambda c: c.post("/api/v1/auth/redeem", json={"code": code}, headers=parent)  # noqa: E731
    pair = (_merge(world, winner, loser), redeem) if first == "merge" else (redeem, _merge(world, winner, loser))
    one, two, _ = _race(app, monkeypatch, *pair)
    merged, redeemed = (one, two) if first == "merge" else (two, one)
    assert merged.status_code == 200 and redeemed.status_code == 200, (merged.get_json(), redeemed.get_json())
    assert client.get(f"/api/v1/children/{winner}", headers=parent).status_code == 200
    assert [c["id"] for c in client.get("/api/v1/children", headers=parent).get_json()["items"]] == [winner]


@pytest.mark.parametrize("where", ["child", "commit"])
def test_two_merges_of_one_pair_in_opposite_directions_keep_one_child(app, world, client, monkeypatch, where):
    """Two bidans merge the same pair, each into the other. The first is held once it has read
    its child that stands (had it locked only that one, the second would lock the other and both
    would wait on each other), or before it commits. The first merge stands; the second finds
    its child merged away (409, naming the child that stands)."""
    a = _child(client, world, "kader1", "p1")
    b = _child(client, world, "kader1", "p1", name="Siti Aminah Putri")
    first, second, _ = _race(app, monkeypatch, _merge(world, a, b), _merge(world, b, a), where=where)
    assert first.status_code == 200, first.get_json()
    assert (second.status_code, second.get_json()["merged_into"]) == (409, a), second.get_json()
    kept, gone = _stored(app, "child", a), _stored(app, "child", b)
    assert (kept.deleted_at, kept.merged_into) == (None, None) and str(gone.merged_into) == a


# --- a delete ----------------------------------------------------------------------------------

@pytest.mark.parametrize("where,how", [("read", "rest"), ("commit", "rest"), ("commit", "push")])
def test_a_weighing_recorded_while_the_child_is_deleted_is_deleted_with_it(app, world, client, monkeypatch, where,
                                                                           how):
    cid = _child(client, world)
    _, c1, _ = pull_all(client, world.headers("kader1b"))
    mid = new_id()
    weighed, deleted, _ = _race(app, monkeypatch, _weigh(world, "kader1", cid, mid),
                                _delete(world, cid, by="kader1b", how=how), where=where)
    assert weighed.status_code == 201 and _ok(deleted, 204), (weighed.get_json(), deleted.get_json())
    assert _stored(app, "measurement", mid).deleted_at is not None, "a live weighing under a deleted child"
    changes, _, _ = pull_all(client, world.headers("kader1b"), c1)
    assert (_latest(changes, mid) or {}).get("op") in (None, "delete")


def test_a_weighing_recorded_while_the_delete_commits_is_refused(app, world, client, monkeypatch):
    cid = _child(client, world)
    mid = new_id()
    deleted, weighed, _ = _race(app, monkeypatch, _delete(world, cid), _weigh(world, "kader1", cid, mid))
    assert deleted.status_code == 204, deleted.get_json()
    assert weighed.status_code == 404, weighed.get_json()
    assert _stored(app, "measurement", mid) is None


# --- a posyandu day pushed at once (the bulk path) ---------------------------------------------

def _posyandu_day(client, world, n: int = 12) -> tuple[list[str], list[dict[str, Any]]]:
    children = [_child(client, world, name=f"Anak {k:02d}", birth_date=f"2025-0{1 + k % 9}-1{k % 10}")
                for k in range(n)]
    weighings = [mutation("measurement", new_id(), measurement_data(cid, weight_kg=7 + k / 10))
                 for k, cid in enumerate(children)]
    return children, weighings


def _child_of(app, mid: str) -> tuple[str, str]:
    stored = _stored(app, "measurement", mid)
    return str(stored.child_id), str(stored.posyandu_id)


@pytest.mark.parametrize("where", ["read", "commit"])
def test_a_posyandu_day_pushed_while_children_move_and_merge(app, world, client, monkeypatch, where):
    """kader1's phone pushes a posyandu day (a run of new weighings, applied together); before it
    commits, a bidan moves one of the children to p2 and merges another into a third."""
    children, weighings = _posyandu_day(client, world)
    moving, loser, winner = children[3], children[7], children[1]
    p1, p2 = str(world.ids["p1"]), str(world.ids["p2"])

    move, merge = _move(world, moving, "p2"), _merge(world, winner, loser)

    def bidan(c):
        return move(c), merge(c)

    pushed, (moved, merged), _ = _race(app, monkeypatch, _push(world, "kader1", weighings, "k1-phone"), bidan,
                                       where=where)
    assert pushed.status_code == 200, pushed.get_json()
    assert {r["status"] for r in pushed.get_json()["results"]} == {"applied"}, pushed.get_json()
    assert moved.status_code == 200 and merged.status_code == 200, (moved.get_json(), merged.get_json())
    expected = {cid: (cid, p1) for cid in children}
    expected.update({moving: (moving, p2), loser: (winner, p1)})
    got = {cid: _child_of(app, m["id"]) for cid, m in zip(children, weighings)}
    assert got == expected


def test_a_posyandu_day_pushed_while_a_move_and_a_merge_commit(app, world, client, monkeypatch):
    """The other order: the bidan's move and merge are held before they commit while a bidan's
    phone pushes the day; its weighings are those of the children as they are after them."""
    children, weighings = _posyandu_day(client, world)
    moving, loser, winner = children[3], children[7], children[1]
    p1, p2 = str(world.ids["p1"]), str(world.ids["p2"])
    moved, pushed, _ = _race(app, monkeypatch, _move(world, moving, "p2"), _push(world, "bidan_a", weighings, "b-phone"))
    assert moved.status_code == 200 and pushed.status_code == 200, (moved.get_json(), pushed.get_json())
    again = [mutation("measurement", new_id(), measurement_data(cid, weight_kg=8.8)) for cid in children]
    merged, pushed_again, _ = _race(app, monkeypatch, _merge(world, winner, loser),
                                    _push(world, "bidan_a", again, "b-phone"))
    assert merged.status_code == 200 and pushed_again.status_code == 200, (merged.get_json(), pushed_again.get_json())
    for answer in (pushed, pushed_again):
        assert {r["status"] for r in answer.get_json()["results"]} == {"applied"}, answer.get_json()
    assert _child_of(app, weighings[3]["id"]) == (moving, p2)
    assert _child_of(app, again[3]["id"]) == (moving, p2)
    assert _child_of(app, again[7]["id"]) == (winner, p1)


def test_phones_weighing_their_own_children_of_one_posyandu_day_do_not_wait_for_each_other(
        app, world, client, monkeypatch):
    """Writers of a child's events share the child's lock (PostgreSQL): two phones pushing their
    halves of one posyandu day, and a weighing by hand of another child, go on together (SQLite has
    one writer at a time). New events of one child wait for each other (``access.lock_new_events``:
    the later is judged a likely duplicate of the earlier)."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time")
    children, day = _posyandu_day(client, world, 7)
    weighings = day[:3]
    other = [mutation("measurement", new_id(), measurement_data(cid, weight_kg=9.1)) for cid in reversed(children[3:6])]
    mid = new_id()

    push_too, weigh = _push(world, "kader1b", other, "k1b-phone"), _weigh(world, "bidan_a", children[6], mid)

    def second(c):
        return push_too(c), weigh(c)

    pushed, (pushed_too, weighed), waited = _race(app, monkeypatch, _push(world, "kader1", weighings, "k1-phone"),
                                                  second)
    assert not waited, "a writer of other children's weighings waited for the first push"
    assert pushed.status_code == 200 and pushed_too.status_code == 200 and weighed.status_code == 201
    assert {r["status"] for a in (pushed, pushed_too) for r in a.get_json()["results"]} == {"applied"}


# --- a push locks every child it touches before it applies anything ----------------------------

def _version(client, world, cid: str, by: str = "kader1") -> int:
    resp = client.get(f"/api/v1/children/{cid}", headers=world.headers(by))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["version"]


def _pushes_of_two_phones(client, world, case: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """Two phones' batches, each a change of a child's events then an edit of a child (their own
    field each, so both merge): what each needs FOR SHARE comes first, what it changes after.
    Also the child (or children) whose edits must both stand."""
    phone = {"address": "Jl. Melati 1"}, {"guardian_phone": "081234567890"}
    if case == "crossed":  # phone A weighs a, edits b; phone B weighs b, edits a
        a, b = _child(client, world), _child(client, world, name="Dewi Lestari")
        first = [mutation("measurement", new_id(), measurement_data(a)),
                 mutation("child", b, phone[0], base_version=1)]
        second = [mutation("measurement", new_id(), measurement_data(b)),
                  mutation("child", a, phone[1], base_version=1)]
        return first, second, [a, b]
    cid = _child(client, world)
    if case == "merged":  # both weigh a duplicate merged into cid (a weighing lands on cid) and edit cid
        loser = _child(client, world, name="Siti Aminah Putri")
        assert _merge(world, cid, loser)(client).status_code == 200
        weighed = [loser, loser]
    else:
        weighed = [cid, cid]
    version = _version(client, world, cid)
    if case == "restored":  # both bring back a weighing of cid they saw deleted, then edit cid
        olds = [mutation("measurement", new_id(), measurement_data(cid, measured_on=(
            date.today() - timedelta(days=30 + 30 * k)).isoformat())) for k in range(2)]
        assert {r["status"] for r in push(client, world.headers("kader1"), olds, "k1-phone")} == {"applied"}
        gone = push(client, world.headers("kader1"), [mutation("measurement", m["id"], op="delete", base_version=1)
                                                     for m in olds], "k1-phone")
        assert {r["status"] for r in gone} == {"applied"}, gone
        firsts = [mutation("measurement", m["id"], m["data"], base_version=2) for m in olds]
    else:
        firsts = [mutation("measurement", new_id(), measurement_data(w, weight_kg=8.3 + k / 10))
                  for k, w in enumerate(weighed)]
    return ([firsts[0], mutation("child", cid, phone[0], base_version=version)],
            [firsts[1], mutation("child", cid, phone[1], base_version=version)], [cid])


@pytest.mark.parametrize("case", ["same child", "crossed", "merged", "restored"])
def test_two_phones_writing_events_and_editing_the_same_children_do_not_deadlock(app, world, client, monkeypatch,
                                                                                 case, caplog):
    """Two cadres' phones push at once, each a weighing (a new one, one of a duplicate merged into
    the child, one brought back) then an edit of a child. Taken mutation by mutation, each push would
    hold its child FOR SHARE and wait to upgrade it to change it, or lock two children in opposite
    orders: PostgreSQL aborts one (503) and the phone has to send it again. Each push locks every
    child it touches first, in one order and in the mode it needs: the second waits, then applies."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: two pushes never hold row locks together")
    # alembic's env.py (fileConfig) disabled the loggers that existed when the tests' schema was built
    monkeypatch.setattr(logging.getLogger("posyandu.errors"), "disabled", False)
    caplog.set_level(logging.WARNING, logger="posyandu.errors")
    first, second, edited = _pushes_of_two_phones(client, world, case)
    a, b, waited = _race(app, monkeypatch, _push(world, "kader1", first, "k1-phone"),
                         _push(world, "kader1b", second, "k1b-phone"), where="read")
    # a 503's cause (deadlock, lock timeout…: its SQLSTATE and statement) is in the server's log
    busy = [r.getMessage() for r in caplog.records if r.name == "posyandu.errors"]
    assert a.status_code == 200 and b.status_code == 200, (a.status_code, b.status_code, busy, a.get_json(),
                                                            b.get_json())
    assert [r["status"] for r in a.get_json()["results"] + b.get_json()["results"]] == ["applied"] * 4, \
        (a.get_json(), b.get_json())
    assert waited, "the second push did not wait for the first: they change the same child"
    fields = {k: v for cid in edited for k, v in vars(_stored(app, "child", cid)).items()
              if k in ("address", "guardian_phone") and v is not None}
    assert fields == {"address": "Jl. Melati 1", "guardian_phone": "081234567890"}
    for m in (first[0], second[0]):
        stored = _stored(app, "measurement", m["id"])
        expected = edited[0] if case == "merged" else m["data"]["child_id"]  # the child that stands
        assert (stored.deleted_at, str(stored.child_id)) == (None, expected)


# --- a posyandu whose desa moves to another kabupaten ------------------------------------------

NEW_DESA, NEW_KABUPATEN = "35.26.01.2001", "35.26"  # Gili Anyar, Bangkalan (p2 is in Gresik, 35.25)


def _redesa(world, posyandu: str = "p2") -> Callable[[Any], Any]:
    headers = world.headers("admin")
    return lambda c: c.patch(f"/api/v1/posyandu/{world.ids[posyandu]}", json={"desa_code": NEW_DESA},
                             headers=headers)


def _register(world, cid: str, how: str, by: str = "kader2", posyandu: str = "p2") -> Callable[[Any], Any]:
    body = {"id": cid, **child_data(world.ids[posyandu], name="Rina Wati")}
    if how == "push":
        return _push(world, by, [mutation("child", cid, body)], f"{by}-phone")
    headers = world.headers(by)
    return lambda c: c.post("/api/v1/children", json=body, headers=headers)


@pytest.mark.parametrize("first", ["copier", "admin"])
@pytest.mark.parametrize("how", ["rest", "push"])
@pytest.mark.parametrize("what", ["register", "move"])
def test_a_child_registered_or_moved_while_its_posyandu_changes_kabupaten_takes_the_new_one(
        app, world, client, monkeypatch, first, how, what):
    """A child (and its events) copies its posyandu's kabupaten when registered there or moved
    there. An admin corrects p2's desa to one of another kabupaten meanwhile, either request held
    just before it commits: the child and its weighings must end in the new kabupaten."""
    weighing = None
    if what == "register":
        cid = new_id()
        copy = _register(world, cid, how)
    else:
        cid = _child(client, world)
        weighing = new_id()
        assert push(client, world.headers("kader1"), [mutation("measurement", weighing, measurement_data(cid))],
                    "k1-phone")[0]["status"] == "applied"
        copy = _move(world, cid, "p2", how=how)
    change = _redesa(world)
    if first == "copier":
        copied, changed, waited = _race(app, monkeypatch, copy, change)
    else:
        changed, copied, waited = _race(app, monkeypatch, change, copy)
    assert changed.status_code == 200, changed.get_json()
    assert _ok(copied, 201 if what == "register" else 200), copied.get_json()
    assert changed.get_json()["kabupaten_code"] == NEW_KABUPATEN
    assert _stored(app, "child", cid).kabupaten_code == NEW_KABUPATEN, "the child kept its posyandu's old kabupaten"
    if weighing:
        assert _stored(app, "measurement", weighing).kabupaten_code == NEW_KABUPATEN
    assert waited, "the second request did not wait for the first: it read the posyandu as it was"


@pytest.mark.parametrize("first", ["copier", "admin"])
def test_a_child_registered_while_its_posyandu_is_closed(app, world, client, monkeypatch, first):
    """An admin closes p2 (it has no children; its kader switched off) while its midwife registers a
    child there: either the registration comes first and the posyandu cannot close (409), or it comes
    after and is refused; never a live child at a closed posyandu."""
    cid = new_id()
    headers = world.headers("admin")
    users = client.get("/api/v1/users?limit=100", headers=headers).get_json()["items"]
    kader2 = next(u["id"] for u in users if u["username"] == "kader2")
    assert client.patch(f"/api/v1/users/{kader2}", json={"active": False}, headers=headers).status_code == 200

    def close(c):
        return c.delete(f"/api/v1/posyandu/{world.ids['p2']}", headers=headers)

    if first == "copier":
        registered, closed, _ = _race(app, monkeypatch, _register(world, cid, "rest", by="bidan_a"), close)
        assert (registered.status_code, closed.status_code) == (201, 409), (registered.data, closed.data)
    else:
        closed, registered, _ = _race(app, monkeypatch, close, _register(world, cid, "rest", by="bidan_a"))
        assert (closed.status_code, registered.status_code) == (204, 422), (closed.data, registered.data)
        assert _stored(app, "child", cid) is None


@pytest.mark.parametrize("first", ["registration", "move"])
@pytest.mark.parametrize("how", ["rest", "push"])
def test_a_child_registered_while_every_child_of_her_posyandu_moves_is_moved_or_stays_whole(
        app, world, client, monkeypatch, first, how):
    """The admin moves every child of p2 to p1 (``POST /posyandu/{id}/move-children``) while kader2
    registers one there (REST or her phone), either held just before it commits: the registration first,
    she moves with the others; the move first, she is registered at p2 after it. The move's count says
    which; no child is left at p2 that the move said it moved, and none is lost."""
    old = _child(client, world, by="kader2", posyandu="p2", name="Sari Dewi")
    cid = new_id()
    headers = world.headers("admin")

    def move_all(c):
        return c.post(f"/api/v1/posyandu/{world.ids['p2']}/move-children", json={"to_posyandu_id": str(world.ids["p1"])},
                      headers=headers)

    if first == "registration":
        registered, moved, _ = _race(app, monkeypatch, _register(world, cid, how), move_all)
        at, count = "p1", 2
    else:
        moved, registered, _ = _race(app, monkeypatch, move_all, _register(world, cid, how))
        at, count = "p2", 1
    assert _ok(registered, 201) and moved.status_code == 200, (registered.get_json(), moved.get_json())
    assert moved.get_json()["moved"] == count
    assert str(_stored(app, "child", cid).posyandu_id) == str(world.ids[at])
    assert str(_stored(app, "child", old).posyandu_id) == str(world.ids["p1"])


@pytest.mark.parametrize("what", ["moved", "deleted"])
def test_a_child_moved_away_or_deleted_while_every_child_of_her_posyandu_moves_stays_where_she_went(
        app, world, client, monkeypatch, what):
    """The admin moves Sari from p2 to p3 (another puskesmas), or bidan_a deletes her, held just before it
    commits, while bidan_a moves every child of p2 to p1: the bulk move, which read her at p2 before waiting
    for her, must leave her at p3 (PostgreSQL moved her to p1: into the midwife's puskesmas, undoing the
    admin's move) or a tombstone at p2, and not count her."""
    sari = _child(client, world, by="kader2", posyandu="p2", name="Sari Dewi")
    other = _child(client, world, by="kader2", posyandu="p2", name="Bagus Prakoso")
    first = _move(world, sari, "p3", by="admin") if what == "moved" else _delete(world, sari, by="bidan_a")
    bidan = world.headers("bidan_a")

    def move_all(c):
        return c.post(f"/api/v1/posyandu/{world.ids['p2']}/move-children", json={"to_posyandu_id": str(world.ids["p1"])},
                      headers=bidan)

    done, moved, _ = _race(app, monkeypatch, first, move_all)
    assert done.status_code in (200, 204) and moved.status_code == 200, (done.data, moved.get_json())
    assert moved.get_json()["moved"] == 1
    stored = _stored(app, "child", sari)
    assert str(stored.posyandu_id) == str(world.ids["p3" if what == "moved" else "p2"])
    assert (stored.deleted_at is not None) == (what == "deleted")
    assert str(_stored(app, "child", other).posyandu_id) == str(world.ids["p1"])


# --- a weighing corrected or deleted by the REST API while its child moves ----------------------

def _correct(world, mid: str, how: str, by: str = "bidan_a") -> Callable[[Any], Any]:
    """A REST correction (a new weight) or delete of weighing ``mid``, as a request for ``_race``."""
    headers = world.headers(by)
    if how == "delete":
        return lambda c: c.delete(f"/api/v1/measurements/{mid}", headers=headers)
    return lambda c: c.patch(f"/api/v1/measurements/{mid}", json={"weight_kg": 9.4}, headers=headers)


@pytest.mark.parametrize("first", ["correction", "move"])
@pytest.mark.parametrize("how", ["patch", "delete"])
def test_a_weighing_corrected_by_rest_while_its_child_moves_reaches_the_new_posyandu(
        app, world, client, monkeypatch, first, how):
    """A bidan corrects (or deletes) a weighing through the REST API while another moves its child
    to p2, either request held just before it commits. Both stand, one after the other: the
    weighing is at p2 with the correction, p2's phones pull that version, and p1's phones get it
    taken out of their scope, not the corrected weighing of a child that is no longer theirs."""
    cid = _child(client, world)
    mid = new_id()
    assert push(client, world.headers("kader1"), [mutation("measurement", mid, measurement_data(cid))],
                "k1-phone")[0]["status"] == "applied"
    _, c1, _ = pull_all(client, world.headers("kader1b"))
    _, c2, _ = pull_all(client, world.headers("kader2"))
    correct, move = _correct(world, mid, how), _move(world, cid, "p2", by="bidan_a")
    if first == "correction":
        corrected, moved, waited = _race(app, monkeypatch, correct, move)
    else:
        moved, corrected, waited = _race(app, monkeypatch, move, correct)
    assert corrected.status_code == (204 if how == "delete" else 200), corrected.get_json()
    assert moved.status_code == 200, moved.get_json()
    stored = _stored(app, "measurement", mid)
    new, _, _ = pull_all(client, world.headers("kader2"), c2)
    old, _, _ = pull_all(client, world.headers("kader1b"), c1)
    assert [c["record"] for c in old if c["id"] == mid and c["op"] == "upsert"] == [], \
        "p1's phones were sent the weighing of a child that moved away"
    if how == "delete" and first == "correction":
        # deleted at p1, then the child moved: a tombstone stays where it was deleted (events.restore_event),
        # and goes to p1's phones, now that the child has left, without its values (pull._children_gone)
        assert stored.deleted_at is not None and str(stored.posyandu_id) == str(world.ids["p1"])
        assert [(c["reason"], c["record"]) for c in old if c["id"] == mid] == [("out_of_scope", None)]
        assert (_latest(new, mid) or {}).get("op") in (None, "delete")
    else:
        assert str(stored.posyandu_id) == str(world.ids["p2"])
        assert (stored.deleted_at is not None) if how == "delete" else float(stored.weight_kg) == 9.4
        got = _latest(new, mid)
        assert got is not None and got["version"] == stored.version, \
            f"p2's phones never pull the weighing's last version {stored.version}: {got}"
        if how == "delete":
            assert got["op"] == "delete" and got["reason"] == "deleted"
        else:
            assert got["op"] == "upsert" and float(got["record"]["weight_kg"]) == 9.4
        assert (_latest(old, mid) or {}).get("op") == "delete"
    assert waited, "the second request did not wait for the first: they write the same weighing"


def _duplicate_with_a_weighing(client, world) -> tuple[str, str, str]:
    """A child, a duplicate of her registered later, and a weighing of the duplicate: (the child,
    the duplicate, the weighing)."""
    winner = _child(client, world)
    loser = _child(client, world, name="Siti Aminah Putri")
    mid = new_id()
    assert push(client, world.headers("kader1"), [mutation("measurement", mid, measurement_data(loser))],
                "k1-phone")[0]["status"] == "applied"
    return winner, loser, mid


@pytest.mark.parametrize("first", ["correction", "merge"])
def test_a_weighing_corrected_by_rest_while_its_child_is_merged_keeps_both(app, world, client, monkeypatch, first):
    """A weighing of a duplicate is corrected through the REST API while a bidan merges the duplicate
    into the child that stands: the weighing ends on that child with the correction, in one
    version p1's phones pull (not two changes of one version, one of them refused)."""
    winner, loser, mid = _duplicate_with_a_weighing(client, world)
    _, c1, _ = pull_all(client, world.headers("kader1b"))
    correct, merge = _correct(world, mid, "patch", by="kader1"), _merge(world, winner, loser)
    if first == "correction":
        corrected, merged, waited = _race(app, monkeypatch, correct, merge)
    else:
        merged, corrected, waited = _race(app, monkeypatch, merge, correct)
    assert (corrected.status_code, merged.status_code) == (200, 200), (corrected.get_json(), merged.get_json())
    stored = _stored(app, "measurement", mid)
    assert (str(stored.child_id), float(stored.weight_kg)) == (winner, 9.4)
    got = _latest(pull_all(client, world.headers("kader1b"), c1)[0], mid)
    assert got["version"] == stored.version and got["record"]["child_id"] == winner
    assert float(got["record"]["weight_kg"]) == 9.4
    assert waited


def test_a_pushed_correction_of_a_weighing_merged_to_another_child_while_the_push_looked_ahead_locks_that_child(
        app, world, client, monkeypatch):
    """A push corrects a weighing of a duplicate. Between the push's look-ahead query (which finds the
    weighing's child as it then was) and its locks, a bidan merges the duplicate away: the weighing
    now belongs to the child that stands, which the look-ahead never locked. The correction must
    still hold that child for writing its events (as REST's does), so that a move of it committed
    meanwhile is either waited for or waits: the weighing ends at p2 with the correction, in a
    version p2's phones pull."""
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite runs one writer at a time: no merge commits inside a push")
    import threading as _threading

    from posyandu import access

    winner, loser, mid = _duplicate_with_a_weighing(client, world)
    _, c2, _ = pull_all(client, world.headers("kader2"))
    merge = _merge(world, winner, loser)
    lock_children, merged = access.lock_children, {}

    def merge_first(*args: Any, **kwargs: Any) -> Any:
        if _threading.current_thread().name == "first" and not merged:
            runner = _threading.Thread(target=lambda: merged.setdefault("answer", merge(app.test_client())))
            runner.start()
            runner.join(WAIT)
            assert merged.get("answer") is not None and merged["answer"].status_code == 200
        return lock_children(*args, **kwargs)
    monkeypatch.setattr(access, "lock_children", merge_first)
    correction = _push(world, "bidan_a", [mutation("measurement", mid, {"weight_kg": 9.4}, base_version=1)], "b-phone")
    pushed, moved, _ = _race(app, monkeypatch, correction, _move(world, winner, "p2"))
    assert merged["answer"].status_code == 200
    assert _ok(pushed, 200) and moved.status_code == 200, (pushed.get_json(), moved.get_json())
    stored = _stored(app, "measurement", mid)
    assert (str(stored.child_id), str(stored.posyandu_id), float(stored.weight_kg)) == \
        (winner, str(world.ids["p2"]), 9.4)
    got = _latest(pull_all(client, world.headers("kader2"), c2)[0], mid)
    assert got and got["version"] == stored.version and float(got["record"]["weight_kg"]) == 9.4


# --- one weighing written by two at once -------------------------------------------------------

@pytest.mark.parametrize("second_is", ["correction", "push", "delete"])
def test_one_weighing_corrected_by_two_at_once_keeps_both_changes_in_two_versions(
        app, world, client, monkeypatch, second_is):
    """A bidan corrects a weighing's weight (REST) while a kader corrects its length (REST, or from her
    phone) or deletes it. Writers of a child's events hold the child together (FOR SHARE), and neither
    locked the weighing: each read version 1 and wrote version 2, and the second was refused at commit
    by the change log's key, a bare 409 (PostgreSQL), for a push its whole batch. Now the second waits
    for the first and writes version 3 over it, and p1's phones pull both versions."""
    from posyandu.extensions import db
    from posyandu.sync.models import ChangeLog

    cid = _child(client, world)
    mid = new_id()
    assert push(client, world.headers("kader1"), [mutation("measurement", mid, measurement_data(cid))],
                "k1-phone")[0]["status"] == "applied"
    _, c1, _ = pull_all(client, world.headers("kader1b"))
    kader = world.headers("kader1")
    if second_is == "push":
        second = _push(world, "kader1", [mutation("measurement", mid, {"length_height_cm": 71.5}, base_version=1)],
                       "k1-phone")
    elif second_is == "delete":
        second = _correct(world, mid, "delete", by="kader1")
    else:
        def second(c):
            return c.patch(f"/api/v1/measurements/{mid}", json={"length_height_cm": 71.5}, headers=kader)
    corrected, other, waited = _race(app, monkeypatch, _correct(world, mid, "patch"), second)
    assert corrected.status_code == 200, corrected.get_json()
    assert _ok(other, 204 if second_is == "delete" else 200), other.data
    stored = _stored(app, "measurement", mid)
    assert (stored.version, float(stored.weight_kg)) == (3, 9.4)
    assert (stored.deleted_at is not None) if second_is == "delete" else float(stored.length_height_cm) == 71.5
    with app.app_context():
        versions = db.session.scalars(db.select(ChangeLog.version).where(ChangeLog.record_id == uuid.UUID(mid))
                                      .order_by(ChangeLog.seq)).all()
    assert versions == [1, 2, 3], versions
    got = _latest(pull_all(client, world.headers("kader1b"), c1)[0], mid)
    assert got is not None and got["version"] == 3, got
    assert waited, "the second writer did not wait for the first: they write the same weighing"


@pytest.mark.parametrize("first", ["correction", "delete"])
def test_a_weighing_corrected_while_its_same_day_twin_is_deleted_keeps_the_correction_and_loses_its_flag(
        app, world, client, monkeypatch, first):
    """One day's weighing entered on two phones: the later one is flagged against the first. A bidan
    deletes the first while a kader corrects the later one: the delete clears the later one's flag, a new
    version of it, read before the correction committed: the second of the two was refused at commit by
    the change log's key (a bare 409, PostgreSQL). Both now stand: the later weighing corrected, unflagged."""
    cid = _child(client, world)
    twins = [new_id(), new_id()]
    for mid, kg in zip(twins, (8.1, 8.2)):
        [r] = push(client, world.headers("kader1"), [mutation("measurement", mid, measurement_data(cid, weight_kg=kg))],
                   "k1-phone")
        assert r["status"] == "applied", r
    assert str(_stored(app, "measurement", twins[1]).possible_duplicate_of) == twins[0]
    delete, correct = _correct(world, twins[0], "delete"), _correct(world, twins[1], "patch", by="kader1")
    if first == "correction":
        corrected, deleted, _ = _race(app, monkeypatch, correct, delete)
    else:
        deleted, corrected, _ = _race(app, monkeypatch, delete, correct)
    assert (corrected.status_code, deleted.status_code) == (200, 204), (corrected.data, deleted.data)
    later = _stored(app, "measurement", twins[1])
    assert (float(later.weight_kg), later.possible_duplicate_of, later.version) == (9.4, None, 3)


@pytest.mark.parametrize("change", ["delete", "merge"])
def test_a_child_edited_while_the_child_she_is_flagged_against_goes_keeps_the_edit_and_is_judged_again(
        app, world, client, monkeypatch, change):
    """A child registered twice is flagged against the first registration; a third registration of her
    too. A kader corrects the flagged one's address while a bidan deletes the first registration (or
    merges it with the third): the delete judges the flagged child again, a new version of her, read
    before the correction committed, and the second to commit was refused by the change log's key (a
    bare 409, PostgreSQL). Both now stand, one after the other."""
    first = _child(client, world)
    flagged = _child(client, world)
    assert str(_stored(app, "child", flagged).possible_duplicate_of) == first
    headers = world.headers("kader1")

    def correct(c):
        return c.patch(f"/api/v1/children/{flagged}", json={"address": "Jl. Melati 1"}, headers=headers)

    if change == "merge":
        third = _child(client, world)
        gone = _merge(world, third, first)
    else:
        gone = _delete(world, first, by="bidan_a")
    corrected, changed, waited = _race(app, monkeypatch, correct, gone)
    assert corrected.status_code == 200, corrected.data
    assert changed.status_code == (200 if change == "merge" else 204), changed.data
    stored = _stored(app, "child", flagged)
    assert (stored.address, stored.version) == ("Jl. Melati 1", 3), (stored.address, stored.version)
    assert str(stored.possible_duplicate_of) != first
    assert waited


@pytest.mark.parametrize("second_is", ["push", "rest"])
def test_one_days_weighing_of_a_child_sent_from_two_phones_at_once_is_flagged_as_a_likely_duplicate(
        app, world, client, monkeypatch, second_is):
    """Two kader weigh the same child at one posyandu day and their phones push at once (or one records
    it by hand): each looked for an earlier weighing of the child that day before the other committed,
    neither was flagged, and the bidan never saw the pair to resolve. The later one is now flagged."""
    cid = _child(client, world)
    first, second = new_id(), new_id()
    pushed = _push(world, "kader1", [mutation("measurement", first, measurement_data(cid))], "k1-phone")
    if second_is == "push":
        other = _push(world, "kader1b", [mutation("measurement", second, measurement_data(cid, weight_kg=8.2))],
                      "k1b-phone")
    else:
        other = _weigh(world, "kader1b", cid, second, weight_kg=8.2)
    one, two, waited = _race(app, monkeypatch, pushed, other)
    assert _ok(one, 200) and _ok(two, 201), (one.data, two.data)
    flags = [_stored(app, "measurement", mid).possible_duplicate_of for mid in (first, second)]
    assert flags == [None, uuid.UUID(first)], flags


def test_one_dose_sent_from_two_phones_at_once_on_two_days_is_recorded_once(app, world, client, monkeypatch):
    """Two kader record a baby's DPT-HB-Hib 1, copied from her Buku KIA on two days, and their phones
    push at once: each judged the dose against the baby's doses before the other committed, and both
    were stored, the same dose twice (refused one after the other: "already recorded")."""
    born = date.today() - timedelta(days=200)
    cid = _child(client, world, birth_date=born.isoformat())
    dose = {"child_id": cid, "vaccine": "DPT-HB-Hib", "dose": 1, "source": "record"}
    doses = [new_id(), new_id()]
    phones = [_push(world, by, [mutation("immunisation", did, {**dose, "given_on": (born + timedelta(days=d)).isoformat()})],
                    f"{by}-phone") for by, did, d in (("kader1", doses[0], 60), ("kader1b", doses[1], 70))]
    one, two, _ = _race(app, monkeypatch, *phones)
    assert _ok(one, 200), one.data
    [second] = two.get_json()["results"]
    assert second["status"] == "rejected" and list(second["errors"]) == ["dose"], second
    assert _stored(app, "immunisation", doses[1]) is None


@pytest.mark.parametrize("first", ["merge", "close"])
def test_a_duplicate_merged_while_its_parent_closes_her_account_leaves_her_no_link(
        app, world, client, monkeypatch, link_parent, first):
    """A parent closes her account while a bidan merges the child she is linked to into the child that
    stands. The merge moved the links it read before the closing committed, linking the closed account
    to the child that stands; or the closing, coming to unlink the link the merge had moved, answered
    404. Now the merge reads the duplicate's parents as they stand once locked, and the closing the
    account's links: she is linked to neither child, and the closing succeeds."""
    from tests.conftest import PASSWORD

    winner = _child(client, world)
    loser = _child(client, world, name="Siti Aminah Putri")
    link_parent(loser)
    parent = world.headers("parent1")

    def close(c):
        return c.post("/api/v1/auth/close-account", json={"password": PASSWORD}, headers=parent)

    merge = _merge(world, winner, loser)
    if first == "merge":
        merged, closed, _ = _race(app, monkeypatch, merge, close)
    else:
        closed, merged, _ = _race(app, monkeypatch, close, merge)
    assert (merged.status_code, closed.status_code) == (200, 204), (merged.data, closed.data)
    from posyandu.extensions import db
    from posyandu.registry.models import ParentLink

    with app.app_context():
        links = db.session.scalars(db.select(ParentLink.child_id)).all()
    assert links == [], links


@pytest.mark.parametrize("first_is", ["new", "correction"])
def test_a_weighing_corrected_onto_the_day_another_phone_weighs_the_child_is_flagged(
        app, world, client, monkeypatch, first_is):
    """A bidan corrects the date of a child's weighing (typed a day wrong) to the posyandu day a kader's
    phone pushes a weighing of the same child for, at once: the correction judged the day's weighings
    before the new one committed, the new one looked for the child's weighing that day before the
    correction committed, and neither was flagged: the bidan never saw the pair. New events of a child
    are judged one transaction at a time (``access.lock_new_events``); a correction moving an event onto
    a day (or restoring one) is judged with them."""
    cid = _child(client, world)
    today = date.today()
    earlier, new = new_id(), new_id()
    [r] = push(client, world.headers("kader1"), [mutation("measurement", earlier, measurement_data(
        cid, measured_on=(today - timedelta(days=1)).isoformat()))])
    assert r["status"] == "applied", r
    headers = world.headers("bidan_a")

    def correct(c):
        return c.patch(f"/api/v1/measurements/{earlier}", json={"measured_on": today.isoformat()}, headers=headers)

    pushed = _push(world, "kader1b", [mutation("measurement", new, measurement_data(cid, weight_kg=8.2))], "k1b-phone")
    first, second = (pushed, correct) if first_is == "new" else (correct, pushed)
    one, two, _ = _race(app, monkeypatch, first, second)
    assert _ok(one, 200) and _ok(two, 200), (one.data, two.data)
    flags = [_stored(app, "measurement", mid).possible_duplicate_of for mid in (earlier, new)]
    assert flags == [None, uuid.UUID(earlier)], flags
