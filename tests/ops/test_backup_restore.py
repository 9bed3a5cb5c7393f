"""The backup and restore of docs/deploy.md, run for real: deploy/backup.sh dumps a live
PostgreSQL database, deploy/restore.sh loads the dump into an empty one and runs the
migrations; every table comes back row for row, and the app serves the restored data
(logins, a child's record, the sync history a phone pulls)."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.support.pgserver import BIN_DIRS, PostgresServer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def server():
    pg = PostgresServer().start()
    yield pg
    pg.stop()


def _env(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, "PATH": os.pathsep.join([*BIN_DIRS, os.environ["PATH"]]),
            "FLASK": str(Path(sys.executable).with_name("flask")), **extra}


def _tables(url: str) -> dict[str, list[tuple]]:
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        names = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1")]
        return {n: sorted(conn.execute(f'SELECT t::text FROM "{n}" t').fetchall()) for n in names}


def _app(url: str):
    from config import TestConfig
    from posyandu import create_app

    return create_app(type("Ops", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False}))


def _dispose(app) -> None:
    from posyandu.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _seed(app) -> str:
    from flask_migrate import upgrade

    from tests.conftest import _build_world

    with app.app_context():
        upgrade()
    world = _build_world(app)
    client, h = app.test_client(), world.headers("kader1")
    child = client.post("/api/v1/children", headers=h, json={
        "posyandu_id": str(world.ids["p1"]), "name": "Muh. Ma'ruf Ṣāliḥ", "sex": "M",
        "birth_date": (date.today() - timedelta(days=400)).isoformat()}).get_json()
    for days, kg in ((40, 9.1), (10, 9.4)):
        resp = client.post(f"/api/v1/children/{child['id']}/measurements", headers=h, json={
            "measured_on": (date.today() - timedelta(days=days)).isoformat(), "weight_kg": kg,
            "length_height_cm": 74.5, "position": "lying"})
        assert resp.status_code == 201, resp.get_json()
    return child["id"]


def _view(app, child_id: str) -> tuple[dict, list]:
    from tests.conftest import World

    client, h = app.test_client(), World(app).headers("kader1")
    child = client.get(f"/api/v1/children/{child_id}", headers=h)
    pull = client.get("/api/v1/sync/pull?limit=500", headers=h)
    assert child.status_code == 200 and pull.status_code == 200
    return child.get_json(), [(c["entity"], c["id"], c["version"], c["record"]) for c in pull.get_json()["changes"]]


def test_a_dump_restores_into_an_empty_database_row_for_row(server, tmp_path):
    source_url, restored_url = server.create_database("posyandu"), server.create_database("posyandu_restored")
    source = _app(source_url)
    child_id = _seed(source)
    before = _view(source, child_id)
    _dispose(source)

    out = subprocess.run([str(ROOT / "deploy" / "backup.sh")], env=_env(source_url, BACKUP_DIR=str(tmp_path)),
                         check=True, capture_output=True, text=True)
    dump = Path(out.stdout.strip())
    assert dump.parent == tmp_path and dump.stat().st_size > 0 and not list(tmp_path.glob("*.partial"))
    subprocess.run([str(ROOT / "deploy" / "restore.sh"), str(dump)], env=_env(restored_url), cwd=ROOT,
                   check=True, capture_output=True, text=True)

    original, copy = _tables(source_url), _tables(restored_url)
    assert set(copy) == set(original) and {"child", "measurement", "change_log", "alembic_version"} <= set(copy)
    for table in original:
        assert copy[table] == original[table], table
    restored = _app(restored_url)
    try:
        assert _view(restored, child_id) == before
        assert before[0]["name"] == "Muh. Ma'ruf Ṣāliḥ"
    finally:
        _dispose(restored)


def test_restore_refuses_a_database_that_is_not_empty(server, tmp_path):
    url = server.create_database("posyandu_busy")
    app = _app(url)
    _seed(app)
    _dispose(app)
    dump = subprocess.run([str(ROOT / "deploy" / "backup.sh")], env=_env(url, BACKUP_DIR=str(tmp_path)),
                          check=True, capture_output=True, text=True).stdout.strip()
    before = _tables(url)
    again = subprocess.run([str(ROOT / "deploy" / "restore.sh"), dump], env=_env(url), cwd=ROOT,
                           capture_output=True, text=True)
    assert again.returncode != 0      # --single-transaction: nothing half-restored over live data
    assert _tables(url) == before and len(before["child"]) == 1
