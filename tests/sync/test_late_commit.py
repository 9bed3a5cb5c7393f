"""A transaction that commits late is still pulled (PostgreSQL, two real
concurrent transactions with a pull between their commits; sync-notes §1.4)."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import select

from tests.support.statements import before_each_statement
from tests.sync.helpers import pull_all


@pytest.fixture
def pg_app(app):
    from posyandu.extensions import db

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("commit order only differs from start order with concurrent writers (PostgreSQL)")
    return app


def _add_child(app, world, name, posyandu="p1"):
    """In the calling thread's own app context and session: register a child, flushed, not committed.
    Two registrations at one posyandu go one after the other (``access.lock_registrations``): the
    concurrent writers here register theirs at two posyandu, both seen by the bidan who pulls."""
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.registry.operations import create_child

    bidan = db.session.scalar(select(User).where(User.username == "bidan_a"))
    child = create_child(bidan, {"id": uuid.uuid4(), "posyandu_id": world.ids[posyandu], "name": name, "sex": "M",
                                 "birth_date": date(2025, 1, 1)})
    db.session.flush()
    return child.id


def _in_thread(app, body):
    errors: list[BaseException] = []

    def run():
        try:
            with app.app_context():
                body()
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, errors


def _child_names(changes):
    return [c["record"]["name"] for c in changes if c["entity"] == "child"]


def test_a_transaction_that_wrote_first_and_commits_last_is_still_pulled(pg_app, world, client):
    from posyandu.extensions import db

    written, go = threading.Event(), threading.Event()

    def early_writer():
        _add_child(pg_app, world, "Early writer", "p2")
        written.set()
        assert go.wait(20)
        db.session.commit()

    t1, errors = _in_thread(pg_app, early_writer)
    assert written.wait(20)
    with pg_app.app_context():  # T2 starts after T1 wrote, commits before it
        _add_child(pg_app, world, "Late writer")
        db.session.commit()
    first, cursor, _ = pull_all(client, world.headers("bidan_a"))
    assert _child_names(first) == ["Late writer"]
    go.set()
    t1.join(20)
    assert not errors and not t1.is_alive()
    second, _, _ = pull_all(client, world.headers("bidan_a"), cursor)
    assert _child_names(second) == ["Early writer"]


def test_a_pull_while_a_commit_holds_the_counter_sees_neither_then_both_in_order(pg_app, world, client):
    from posyandu.audit import _stamp_change_log
    from posyandu.extensions import db

    stamped, go = threading.Event(), threading.Event()

    def first_writer():
        _add_child(pg_app, world, "First", "p2")
        _stamp_change_log(db.session())   # seq taken, counter row locked until COMMIT
        stamped.set()
        assert go.wait(20)
        db.session.commit()

    def second_writer():
        _add_child(pg_app, world, "Second")
        db.session.commit()               # waits for the counter row

    _, cursor, _ = pull_all(client, world.headers("bidan_a"))
    t1, errors1 = _in_thread(pg_app, first_writer)
    assert stamped.wait(20)
    t2, errors2 = _in_thread(pg_app, second_writer)
    time.sleep(0.5)
    assert t2.is_alive(), "the second commit must wait for the first one's counter lock"
    during, cursor_during, _ = pull_all(client, world.headers("bidan_a"), cursor)
    assert during == []
    go.set()
    t1.join(20)
    t2.join(20)
    assert not errors1 and not errors2
    after, _, _ = pull_all(client, world.headers("bidan_a"), cursor_during)
    assert _child_names(after) == ["First", "Second"]


def test_a_posyandu_opened_while_a_midwife_pulls_reaches_her_phones(app, world, client):
    """A bidan's scope is her puskesmas: a posyandu opened there reaches her phones on their cursor
    (docs/sync.md). The pull read her puskesmas's posyandu, then the high-water mark: a posyandu
    whose opening committed in between had its seq under the mark, but was not among the posyandu
    read, so the page ended past it without it, and no later pull went back for it (her phones
    never held the posyandu its children are registered at). The opening is committed here just as
    the pull reads the mark, by another connection, as a concurrent request would."""
    from posyandu.auth.models import User
    from posyandu.extensions import db
    from posyandu.registry.operations import create_posyandu

    _, cursor, _ = pull_all(client, world.headers("bidan_a"))
    opened: list[str] = []

    def open_posyandu():
        admin = db.session.scalar(select(User).where(User.username == "admin"))
        pos = create_posyandu(admin, {"name": "Anggrek", "desa_code": "35.25.01.2001",
                                      "puskesmas_id": world.ids["pkm_a"], "meeting_day": 12})
        db.session.commit()
        opened.append(str(pos.id))

    def at_the_mark(conn, cursor_, statement, parameters, context, executemany):
        if not opened and statement.lstrip().upper().startswith("SELECT") and "sync_counter" in statement:
            thread, errors = _in_thread(app, open_posyandu)
            thread.join(20)
            assert not errors and opened, errors

    with app.app_context():
        engine = db.engine
    with before_each_statement(engine, at_the_mark):
        during, cursor, _ = pull_all(client, world.headers("bidan_a"), cursor)
    after, _, _ = pull_all(client, world.headers("bidan_a"), cursor)
    assert opened
    assert [c["id"] for c in during + after if c["entity"] == "posyandu"] == opened
