"""Reports routed to a read replica: a real PostgreSQL hot standby in streaming
replication beside the primary (docs/scaling.md). While the standby's replay is
paused, a child registered on the primary is missing from the reports (they read
the replica) but present on the primary; once replay resumes, the reports catch up."""
from __future__ import annotations

import time
from datetime import date

import psycopg
import pytest

from tests.support.migrations import dispose
from tests.support.pgserver import PostgresServer

MONTH = date.today().strftime("%Y-%m")


@pytest.fixture(scope="module")
def servers():
    primary = PostgresServer().start()
    standby = None
    try:
        primary_url = primary.create_database("posyandu")
        standby = primary.standby()
        yield primary_url, standby.url("posyandu")
    finally:
        if standby:
            standby.stop()
        primary.stop()


def _dsn(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _caught_up(primary_url: str, standby_url: str) -> None:
    with psycopg.connect(_dsn(primary_url), autocommit=True) as p:
        # the insert position: with synchronous_commit off (the test server) the write position may
        # still lie before the last commit's record
        target = p.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
    with psycopg.connect(_dsn(standby_url), autocommit=True) as s:
        for _ in range(200):
            if s.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]:
                return
            time.sleep(0.05)
    raise AssertionError("the standby did not catch up")


def _replay(standby_url: str, action: str) -> None:
    with psycopg.connect(_dsn(standby_url), autocommit=True) as s:
        s.execute(f"SELECT pg_wal_replay_{action}()")


def test_reports_read_the_replica_and_writes_the_primary(servers):
    from flask_migrate import upgrade

    from config import TestConfig
    from posyandu import create_app
    from posyandu.extensions import db
    from posyandu.registry.models import Posyandu
    from tests.conftest import _build_world

    primary_url, standby_url = servers
    cfg = type("Replica", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": primary_url,
                                          "REPORTS_DATABASE_URL": standby_url, "RATELIMIT_ENABLED": False})
    app = create_app(cfg)
    with app.app_context():
        upgrade()
    world = _build_world(app)
    client = app.test_client()

    def register(name: str) -> None:
        resp = client.post("/api/v1/children", headers=world.headers("kader1"), json={
            "posyandu_id": str(world.ids["p1"]), "name": name, "sex": "M", "birth_date": date.today().isoformat()})
        assert resp.status_code == 201, resp.get_json()   # writes go to the primary, even while the replica lags

    def registered() -> int:
        resp = client.get(f"/api/v1/reports/skdn?month={MONTH}&level=kabupaten", headers=world.headers("dinkes_gresik"))
        assert resp.status_code == 200
        return resp.get_json()["rows"][0]["S"]

    def registered_on_primary() -> int:
        from posyandu.reports.period import Month, Period
        from posyandu.reports.skdn import skdn_period

        with app.app_context():
            period = Period(Month.parse(MONTH, date.today()), Month.parse(MONTH, date.today()))
            return skdn_period(db.session, period, Posyandu.kabupaten_code == "35.25", "kabupaten")[0]["S"]

    try:
        _check_routing(primary_url, standby_url, register, registered, registered_on_primary)
    finally:
        dispose(app)
        app.extensions["posyandu_replica"].dispose()


def _check_routing(primary_url, standby_url, register, registered, registered_on_primary) -> None:
    register("Ayu Primer")
    _caught_up(primary_url, standby_url)
    before = registered()
    assert before == registered_on_primary() == 1

    _replay(standby_url, "pause")
    try:
        register("Bayu Replika")
        assert registered_on_primary() == before + 1
        assert registered() == before                      # the report still reads the paused replica
    finally:
        _replay(standby_url, "resume")
    _caught_up(primary_url, standby_url)
    assert registered() == before + 1
