"""Fixtures: the app on SQLite and on a real PostgreSQL server, users of every
role with their scopes, and factories. Every API test runs on both databases.

The schema is built once per database by ``alembic upgrade head`` (which tests
the migrations); after each test every table is emptied, so tests commit for
real, exactly as the app does in production.
"""
from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import socket
import tempfile
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable

import pytest
from flask_migrate import upgrade
from hypothesis import settings
from sqlalchemy import text

from config import TestConfig
from tests.support.pgserver import PostgresServer

# No time limit on a generated example: speed is measured in benchmarks/, never asserted in a test, and
# hypothesis' default 200 ms deadline failed a validator's property test on a loaded machine.
settings.register_profile("posyandu", deadline=None)
settings.load_profile("posyandu")

BACKENDS = [b for b in os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",") if b]
PASSWORD = "rahasia-123"


def pytest_addoption(parser):
    parser.addoption("--clock", metavar="INSTANT", help="run with the clock moved to INSTANT (an ISO instant with "
                     "its offset, or month-end-wit, month-end, year-end, february-end): tests/support/clock.py")


def pytest_configure(config):
    spec = config.getoption("--clock")
    if spec:
        import time_machine

        from tests.support.clock import instant

        try:
            moved = instant(spec, date.today())
        except ValueError as e:
            raise pytest.UsageError(str(e)) from None
        travel = time_machine.travel(moved, tick=True)
        travel.start()
        config.add_cleanup(travel.stop)
        print(f"clock moved to {moved.isoformat()}")


@pytest.fixture(scope="session")
def pg_server():
    if os.environ.get("TEST_PG_URL"):
        yield None
        return
    server = PostgresServer().start()
    yield server
    server.stop()


def _make_app(url: str):
    from posyandu import create_app

    cfg = type("Cfg", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})
    app = create_app(cfg)
    app.test_client_class = _buffered_client_class()
    with app.app_context():
        upgrade()
    return app


@pytest.fixture(scope="session")
def apps(request):
    """One app per backend for the whole session, created on first use."""
    made: dict[str, Any] = {}

    def get(backend: str):
        if backend not in made:
            if backend == "sqlite":
                url = f"sqlite:///{Path(tempfile.mkdtemp(prefix='posyandu-sqlite-')) / 'test.sqlite3'}"
            else:
                url = os.environ.get("TEST_PG_URL") or request.getfixturevalue("pg_server").create_database("posyandu_test")
            made[backend] = _make_app(url)
        return made[backend]

    yield get
    from posyandu.extensions import db

    for made_app in made.values():
        with made_app.app_context():
            db.session.remove()
            db.engine.dispose()


@functools.cache
def _default_schedule_migration() -> Any:
    """migrations/versions/0002_default_schedule.py: a fresh database holds its 2024 schedule row."""
    path = Path(__file__).resolve().parent.parent / "migrations" / "versions" / "0002_default_schedule.py"
    spec = importlib.util.spec_from_file_location("migration_0002_default_schedule", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _empty_all_tables(app) -> None:
    from posyandu.extensions import db, limiter

    with app.app_context():
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for t in tables:
                    conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("INSERT INTO sync_counter (id, value) VALUES (1, 0)"))
            _default_schedule_migration().insert_default(conn)
        limiter.reset()
        db.session.remove()


@pytest.fixture(params=BACKENDS)
def app(request, apps):
    from posyandu.extensions import limiter

    app = apps(request.param)
    # Flask-Limiter keeps one on/off switch per process, set by the last app made: the
    # fuzzer's app (rate limits off) must not switch them off for the tests after it.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    yield app
    _empty_all_tables(app)


@pytest.fixture
def client(app):
    return app.test_client()


UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"  # a real Redis URI nothing listens at: refused at once


@contextlib.contextmanager
def _client_with_limits_store(app, uri: str):
    """A client of an app on ``app``'s database whose rate limits' store (``RATELIMIT_STORAGE_URI``)
    is ``uri``. Flask-Limiter has one ``Limiter``, bound to the store of the app initialised last:
    it is bound back to ``app``'s (memory) after, and told the store is alive again (it has no
    public way to: it checks again only after 1, 2, 4… s)."""
    from posyandu import create_app
    from posyandu.extensions import db, limiter

    other = create_app(type("OtherStore", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                                                          "RATELIMIT_STORAGE_URI": uri}))
    other.test_client_class = _buffered_client_class()
    limiter.enabled = True
    try:
        yield other.test_client()
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()
        limiter.init_app(app)
        limiter._storage_dead = False


@pytest.fixture
def limits_store_down(app):
    """A client whose rate limits' store is a Redis that refuses connections, as when it is restarted."""
    with _client_with_limits_store(app, UNREACHABLE_REDIS) as client:
        yield client


@pytest.fixture
def limits_store_silent(app):
    """A client whose rate limits' store is a Redis that takes connections and never answers (hung,
    or its network gone): a socket listening on a loopback port that nobody reads."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)   # the kernel completes the connections; nothing is ever read or written
    try:
        with _client_with_limits_store(app, f"redis://127.0.0.1:{silent.getsockname()[1]}/0") as client:
            yield client
    finally:
        silent.close()


def _buffered_client_class():
    """Flask's test client, reading every answer to its end and closing it at once (``buffered``):
    a streamed download (CSV, XLSX, FHIR) a test did not read was otherwise closed by the garbage
    collector during a later test, its app context torn down outside any ("working outside of
    application context"), and the failure moved with the order the tests ran in."""
    from flask.testing import FlaskClient

    class BufferedClient(FlaskClient):
        def open(self, *args: Any, buffered: bool = True, **kwargs: Any):
            return super().open(*args, buffered=buffered, **kwargs)

    return BufferedClient


@pytest.fixture
def db(app):
    from posyandu.extensions import db

    with app.app_context():
        yield db
        db.session.remove()


class World:
    """Two kabupaten, puskesmas and posyandu, and a user of every role in each scope."""

    def __init__(self, app) -> None:
        self.app = app
        self.users: dict[str, Any] = {}
        self.ids: dict[str, uuid.UUID] = {}
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            resp = self.app.test_client().post("/api/v1/auth/login",
                                               json={"username": username, "password": PASSWORD})
            assert resp.status_code == 200, resp.get_json()
            self._tokens[username] = resp.get_json()["access_token"]
        return self._tokens[username]

    def headers(self, username: str, lang: str = "en") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}", "Accept-Language": lang}


def _build_world(app) -> World:
    from posyandu.auth.operations import create_user
    from posyandu.extensions import db
    from posyandu.registry.operations import create_posyandu, create_puskesmas, upsert_region

    w = World(app)
    with app.app_context():
        for code, name in [("35", "Jawa Timur"), ("35.25", "Gresik"), ("35.25.01", "Wringinanom"),
                           ("35.25.01.2001", "Sumbergede"), ("35.25.01.2002", "Sooko"), ("35.26", "Bangkalan"),
                           ("35.26.01", "Kamal"), ("35.26.01.2001", "Gili Anyar")]:
            upsert_region(code, name)
        admin = create_user({"username": "admin", "password": PASSWORD, "name": "Admin", "role": "admin"})
        pkm_a = create_puskesmas({"name": "PKM Wringinanom", "kecamatan_code": "35.25.01", "code": "PA"})
        pkm_b = create_puskesmas({"name": "PKM Kamal", "kecamatan_code": "35.26.01", "code": "PB"})
        p1 = create_posyandu(admin, {"name": "Melati", "desa_code": "35.25.01.2001", "puskesmas_id": pkm_a.id, "meeting_day": 5})
        p2 = create_posyandu(admin, {"name": "Mawar", "desa_code": "35.25.01.2002", "puskesmas_id": pkm_a.id, "meeting_day": 8})
        p3 = create_posyandu(admin, {"name": "Kenanga", "desa_code": "35.26.01.2001", "puskesmas_id": pkm_b.id, "meeting_day": 9})
        w.ids.update(pkm_a=pkm_a.id, pkm_b=pkm_b.id, p1=p1.id, p2=p2.id, p3=p3.id)
        specs = {"kader1": {"role": "kader", "posyandu_id": p1.id}, "kader1b": {"role": "kader", "posyandu_id": p1.id},
                 "kader2": {"role": "kader", "posyandu_id": p2.id}, "kader3": {"role": "kader", "posyandu_id": p3.id},
                 "bidan_a": {"role": "bidan", "puskesmas_id": pkm_a.id}, "bidan_b": {"role": "bidan", "puskesmas_id": pkm_b.id},
                 "dinkes_gresik": {"role": "dinkes", "region_code": "35.25"},
                 "dinkes_bangkalan": {"role": "dinkes", "region_code": "35.26"}, "parent1": {"role": "parent"}}
        for name, spec in specs.items():
            create_user({"username": name, "password": PASSWORD, "name": name.title(), **spec})
        db.session.commit()
    return w


@pytest.fixture
def world(app) -> World:
    return _build_world(app)


@pytest.fixture
def make_child(world, client) -> Callable[..., dict]:
    """Register a child through the API as ``by`` (default kader1 in posyandu p1)."""
    def make(by: str = "kader1", posyandu: str = "p1", **overrides: Any) -> dict:
        body = {"id": str(uuid.uuid4()), "posyandu_id": str(world.ids[posyandu]), "name": "Budi Santoso",
                "sex": "M", "birth_date": (date.today() - timedelta(days=400)).isoformat(), **overrides}
        resp = client.post("/api/v1/children", json=body, headers=world.headers(by))
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()
    return make


@pytest.fixture
def link_parent(world, client):
    """Link parent1 to a child through a real invitation code."""
    def link(child_id: str, username: str = "parent1") -> None:
        code = client.post(f"/api/v1/children/{child_id}/invitations", headers=world.headers("kader1"))
        assert code.status_code == 201, code.get_json()
        resp = client.post("/api/v1/auth/redeem", json={"code": code.get_json()["code"]}, headers=world.headers(username))
        assert resp.status_code == 200, resp.get_json()
    return link
