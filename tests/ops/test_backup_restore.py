"""The backup and restore of docs/deploy.md, run for real: deploy/backup.sh dumps a live
PostgreSQL database, deploy/restore.sh loads the dump into an empty one and runs the
migrations; every table comes back row for row, and the app serves the restored data
(logins, a child's record, the sync history a phone pulls)."""
from __future__ import annotations

import os
import signal
import stat
import subprocess
import time
import sys
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest

from tests.support.migrations import dispose
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
    dispose(source)

    backups = tmp_path / "backups"   # created by the script, under the umask most shells have
    out = subprocess.run([str(ROOT / "deploy" / "backup.sh")], env=_env(source_url, BACKUP_DIR=str(backups)),
                         check=True, capture_output=True, text=True, umask=0o022)
    dump = Path(out.stdout.strip())
    assert dump.parent == backups and dump.stat().st_size > 0 and not list(backups.glob("*.partial"))
    # every child's personal data: the backup user's alone, whatever umask it was started with
    assert (stat.S_IMODE(dump.stat().st_mode), stat.S_IMODE(backups.stat().st_mode)) == (0o600, 0o700)
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
        dispose(restored)


def test_restore_refuses_a_database_that_is_not_empty(server, tmp_path):
    url = server.create_database("posyandu_busy")
    app = _app(url)
    _seed(app)
    dispose(app)
    dump = subprocess.run([str(ROOT / "deploy" / "backup.sh")], env=_env(url, BACKUP_DIR=str(tmp_path)),
                          check=True, capture_output=True, text=True).stdout.strip()
    before = _tables(url)
    again = subprocess.run([str(ROOT / "deploy" / "restore.sh"), dump], env=_env(url), cwd=ROOT,
                           capture_output=True, text=True)
    assert again.returncode != 0      # nothing restored over live data
    assert _tables(url) == before and len(before["child"]) == 1
    # the cause said, not pg_restore's first clash ("relation access_log already exists")
    assert "the database is not empty" in again.stderr and "already exists" not in again.stderr, again.stderr


def test_a_dump_that_fails_leaves_no_partial_file(server, tmp_path):
    """pg_dump creates its output file before it connects: a database it cannot read left an empty
    posyandu-….dump.partial behind, one more each night, never pruned (only *.dump are)."""
    failed = subprocess.run([str(ROOT / "deploy" / "backup.sh")], capture_output=True, text=True,
                            env=_env(server.url("no_such_database"), BACKUP_DIR=str(tmp_path)))
    assert failed.returncode != 0 and "no_such_database" in failed.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_partial_file_left_by_a_killed_run_is_pruned_the_next_night(server, tmp_path):
    """A run killed outright (SIGKILL, a power cut) cannot remove its .partial; the next run removes
    one over a day old, and leaves a younger one (a run still going) and the dumps alone."""
    url = server.create_database("posyandu_partials")
    old, young = tmp_path / "posyandu-20260101T010000Z.dump.partial", tmp_path / "posyandu-20260102T010000Z.dump.partial"
    for path in (old, young):
        path.write_text("half")
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    dump = Path(subprocess.run([str(ROOT / "deploy" / "backup.sh")], env=_env(url, BACKUP_DIR=str(tmp_path)),
                               check=True, capture_output=True, text=True).stdout.strip())
    assert sorted(tmp_path.iterdir()) == sorted([young, dump])


@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_dump_interrupted_leaves_no_partial_file(tmp_path, sig, status):
    """systemctl stop (SIGTERM to the service's processes) or Ctrl-C in the middle of a dump: the
    half-written file is removed. pg_dump here is a stand-in that writes its file and waits."""
    bin_dir, backups = tmp_path / "bin", tmp_path / "backups"
    bin_dir.mkdir()
    fake = bin_dir / "pg_dump"
    fake.write_text('#!/bin/sh\nfor a; do case $a in --file=*) echo half > "${a#--file=}";; esac; done\nexec sleep 60\n')
    fake.chmod(0o755)
    proc = subprocess.Popen([str(ROOT / "deploy" / "backup.sh")], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "DATABASE_URL": "postgresql://posyandu@/posyandu",
                                 "BACKUP_DIR": str(backups), "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    deadline = time.monotonic() + 20
    while not list(backups.glob("*.partial")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list(backups.glob("*.partial")), proc.communicate(timeout=5)
    os.killpg(proc.pid, sig)   # the whole process group, as systemd and a terminal send it
    proc.communicate(timeout=20)
    assert proc.returncode == status and list(backups.iterdir()) == []
