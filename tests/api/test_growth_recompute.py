"""A KBM table published for a district: every child's N/T judged again by it, a batch of children at
a time, each committed (posyandu.growth.recompute), in the admin's request for as long as it may
take and then by `flask recompute-growth --queued` (its timer). Inside the request alone, a district's
100,000 children (about 12 ms each) took half an hour: gunicorn ended the request at 60 s and
everything, the table included, was undone."""
from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, text

from tests.sync.helpers import pull_all

STRICTER = {"grams_by_month": {"1": 800, "5": 500, "6": 500, "7": 500}, "source": "uji: KBM lebih ketat"}


def weighed_n(client, world, make_child, by: str = "kader1", posyandu: str = "p1") -> dict:
    """A boy of about 6½ months weighed last month and this month, 450 g up: N under the Buku KIA
    table (400 g at 6 months), T under STRICTER (500 g). This month's weighing."""
    this_month = date.today().replace(day=1)
    child = make_child(by=by, posyandu=posyandu, sex="M", birth_date=(this_month - timedelta(days=200)).isoformat())
    url = f"/api/v1/children/{child['id']}/measurements"
    client.post(url, json={"measured_on": (this_month - timedelta(days=1)).replace(day=1).isoformat(), "weight_kg": 7.0},
                headers=world.headers(by))
    m = client.post(url, json={"measured_on": this_month.isoformat(), "weight_kg": 7.45}, headers=world.headers(by)).get_json()
    assert m["trend"] == "N" and m["kbm_g"] == 400, m
    return m


def measurement(client, world, m: dict, by: str = "kader1") -> dict:
    return client.get(f"/api/v1/measurements/{m['id']}", headers=world.headers(by)).get_json()


def test_a_table_published_past_the_requests_time_is_finished_by_the_queued_recompute(app, client, world, make_child,
                                                                                     monkeypatch):
    from posyandu.audit import AuditLog
    from posyandu.extensions import db

    a = weighed_n(client, world, make_child)
    b = weighed_n(client, world, make_child, by="kader3", posyandu="p3")
    gone = make_child(name="Salah Daftar")
    assert client.delete(f"/api/v1/children/{gone['id']}", query_string={"reason": "salah daftar"},
                         headers=world.headers("kader1")).status_code == 204
    _, cursor, _ = pull_all(client, world.headers("kader1"))
    monkeypatch.setitem(app.config, "GROWTH_RECOMPUTE_REQUEST_SECONDS", 0)

    resp = client.post("/api/v1/growth/kbm", json=STRICTER, headers=world.headers("admin"))
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["recompute_pending"] == 2  # the deleted child is not queued
    assert client.get("/api/v1/growth/kbm", headers=world.headers("kader1")).get_json()["version"] == 1
    # until her turn, a child's N/T stand as the table before judged them
    assert measurement(client, world, a)["trend"] == "N"
    waiting = client.get("/api/v1/growth/recompute", headers=world.headers("admin"))
    assert waiting.status_code == 200 and waiting.get_json()["pending"] == 2 and waiting.get_json()["requested_at"]
    for who in ("kader1", "bidan_a", "dinkes_gresik", "parent1"):
        assert client.get("/api/v1/growth/recompute", headers=world.headers(who)).status_code == 403, who

    result = app.test_cli_runner().invoke(args=["recompute-growth", "--queued"])
    assert result.exit_code == 0, result.output
    assert "2 children recomputed" in result.output
    for m, by in ((a, "kader1"), (b, "kader3")):
        again = measurement(client, world, m, by)
        assert (again["trend"], again["kbm_g"], again["version"]) == ("T", 500, m["version"] + 1), again
    assert client.get("/api/v1/growth/recompute", headers=world.headers("admin")).get_json() == \
        {"pending": 0, "requested_at": None}
    # a new version that phones pull, audited as a recompute with what moved, from what to what, and why
    # (an N turned T was audited as {"trend": [None, None]}: not to be traced)
    changes, _, _ = pull_all(client, world.headers("kader1"), cursor)
    assert [(c["record"]["id"], c["record"]["trend"]) for c in changes if c["entity"] == "measurement"] == [(a["id"], "T")]
    with app.app_context():
        [(audited, reason)] = db.session.execute(select(AuditLog.changes, AuditLog.reason).where(
            AuditLog.record_id == a["id"], AuditLog.action == "recompute")).all()
        assert audited["trend"] == ["N", "T"] and audited["kbm_g"][1] == 500 and reason == "kbm 1", (audited, reason)
    # the timer's next run finds nothing to do
    again = app.test_cli_runner().invoke(args=["recompute-growth", "--queued"])
    assert again.exit_code == 0 and again.output == ""


def test_batches_take_each_child_once_and_the_table_in_force_when_they_run(app, client, world, make_child, monkeypatch):
    from posyandu.extensions import db
    from posyandu.growth.recompute import pending, recompute_batch

    weighings = [weighed_n(client, world, make_child) for _ in range(5)]
    monkeypatch.setitem(app.config, "GROWTH_RECOMPUTE_REQUEST_SECONDS", 0)
    assert client.post("/api/v1/growth/kbm", json=STRICTER, headers=world.headers("admin")).get_json()["recompute_pending"] == 5
    with app.app_context():
        assert [recompute_batch(2), pending()] == [2, 3]
        assert [recompute_batch(2), pending()] == [2, 1]
        db.session.remove()
    judged = [measurement(client, world, m)["trend"] for m in weighings]
    assert sorted(judged) == ["N", "T", "T", "T", "T"]
    # the Buku KIA table published back: a later batch judges by the table in force when it runs
    back = {"grams_by_month": {"1": 800, "2": 900, "3": 800, "4": 600, "5": 500, "6": 400, "7": 400, "8": 300,
                               "11": 200}, "source": "uji: kembali ke Buku KIA"}
    assert client.post("/api/v1/growth/kbm", json=back, headers=world.headers("admin")).get_json()["recompute_pending"] == 5
    with app.app_context():
        assert [recompute_batch(10), recompute_batch(10), pending()] == [5, 0, 0]
    assert [measurement(client, world, m)["trend"] for m in weighings] == ["N"] * 5
    # every child, whatever is queued (after a WHO table change): the command without --queued
    result = app.test_cli_runner().invoke(args=["recompute-growth"])
    assert result.exit_code == 0 and "5 children recomputed" in result.output, result.output


def test_in_the_request_a_small_installation_is_recomputed_at_once(client, world, make_child):
    m = weighed_n(client, world, make_child)
    resp = client.post("/api/v1/growth/kbm", json=STRICTER, headers=world.headers("admin")).get_json()
    assert resp["recompute_pending"] == 0 and resp["version"] == 1 and resp["grams_by_month"]["6"] == 500
    assert measurement(client, world, m)["trend"] == "T"


def _postgresql(app) -> None:
    from posyandu.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("row locks: PostgreSQL")


def test_drainers_at_once_take_different_children(app, client, world, make_child, monkeypatch):
    """A batch skips the children another drainer holds (the timer's run and an admin's request)."""
    from posyandu.extensions import db
    from posyandu.growth.recompute import pending, recompute_batch

    _postgresql(app)
    weighings = [weighed_n(client, world, make_child) for _ in range(3)]
    monkeypatch.setitem(app.config, "GROWTH_RECOMPUTE_REQUEST_SECONDS", 0)
    client.post("/api/v1/growth/kbm", json=STRICTER, headers=world.headers("admin"))
    with app.app_context():
        other = db.engine.connect()
        try:
            held = other.execute(text("SELECT child_id FROM growth_recompute ORDER BY child_id LIMIT 1 FOR UPDATE")).scalar_one()
            assert recompute_batch(10) == 2  # not waiting for the one held
            assert recompute_batch(10) == 0 and pending() == 1
            db.session.remove()
        finally:
            other.rollback()
            other.close()
        assert recompute_batch(10) == 1 and pending() == 0
    held_child = {m["child_id"]: m for m in weighings}
    assert {measurement(client, world, m)["trend"] for m in held_child.values()} == {"T"}
    assert str(held) in held_child


def test_a_table_published_while_a_batch_holds_children_queues_them_again_once_it_commits(app, client, world,
                                                                                          make_child, monkeypatch):
    """The batch read the table before this one: deleting its queue rows after this one queued them
    would leave those children judged by the older table for good."""
    _postgresql(app)
    from posyandu.extensions import db

    weighed_n(client, world, make_child)
    weighed_n(client, world, make_child)
    monkeypatch.setitem(app.config, "GROWTH_RECOMPUTE_REQUEST_SECONDS", 0)
    client.post("/api/v1/growth/kbm", json=STRICTER, headers=world.headers("admin"))
    answers: list = []
    with app.app_context():
        batch = db.engine.connect()  # a batch that took both children and is recomputing them
        try:
            assert len(batch.execute(text("SELECT child_id FROM growth_recompute FOR UPDATE SKIP LOCKED")).all()) == 2
            publish = threading.Thread(target=lambda: answers.append(client.post(
                "/api/v1/growth/kbm", json={"grams_by_month": {**STRICTER["grams_by_month"], "6": 550},  # another table
                                            "source": "uji: terbit lagi"}, headers=world.headers("admin"))))
            publish.start()
            time.sleep(1.0)
            assert publish.is_alive() and not answers  # waits for the batch's rows
            batch.execute(text("DELETE FROM growth_recompute"))  # the batch ends: its children off the queue
            batch.commit()
            publish.join(30)
        finally:
            batch.rollback()
            batch.close()
    assert answers and answers[0].status_code == 201, answers
    assert answers[0].get_json()["recompute_pending"] == 2
    assert client.get("/api/v1/growth/recompute", headers=world.headers("admin")).get_json()["pending"] == 2


def test_a_child_the_calculator_refuses_is_taken_off_the_queue_and_the_others_are_recomputed(app, client, world,
                                                                                            make_child, monkeypatch):
    """A record changed by hand (a birth date after her weighings) fails her batch at every run: the
    batch is done one child at a time, she is logged and taken off the queue, the others are judged."""
    from posyandu.extensions import db
    from posyandu.growth.recompute import pending, recompute_batch

    weighings = [weighed_n(client, world, make_child) for _ in range(3)]
    broken = weighings[1]["child_id"]
    with app.app_context():
        db.session.execute(text("UPDATE child SET birth_date = :d WHERE id = :i"),
                           {"d": date.today() + timedelta(days=1), "i": broken if db.engine.dialect.name == "postgresql"
                            else broken.replace("-", "")})
        db.session.commit()
    monkeypatch.setitem(app.config, "GROWTH_RECOMPUTE_REQUEST_SECONDS", 0)
    assert client.post("/api/v1/growth/kbm", json=STRICTER, headers=world.headers("admin")).get_json()["recompute_pending"] == 3
    with app.app_context():
        assert [recompute_batch(10), pending()] == [3, 0]
    assert [measurement(client, world, m)["trend"] for m in weighings] == ["T", "N", "T"]
    # and in the admin's request: published, the others judged, nothing left to fail again
    monkeypatch.setitem(app.config, "GROWTH_RECOMPUTE_REQUEST_SECONDS", 20)
    back = client.post("/api/v1/growth/kbm", json={**STRICTER, "grams_by_month": {"1": 800, "6": 400}, "source": "uji: lagi"},
                       headers=world.headers("admin"))
    assert back.status_code == 201 and back.get_json()["recompute_pending"] == 0
    assert [measurement(client, world, m)["trend"] for m in weighings] == ["N", "N", "N"]
