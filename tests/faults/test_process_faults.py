"""Process faults with a real PostgreSQL and a real gunicorn (#8).

A dedicated PostgreSQL 15 (synchronous commits, so an acknowledged commit
survives a crash) and ``gunicorn -c gunicorn.conf.py wsgi:app`` on a free
loopback port. A cadre's phone pushes a big batch and, mid-push:

* the database restarts (``pg_ctl restart -m immediate``): the answer is a 503
  problem+json with Retry-After, never a 500, and nothing of the batch is visible;
* every gunicorn worker is killed with SIGKILL: the connection drops, and
  nothing of the batch is visible.

The phone then retries the same body until it gets a 200: every mutation is
applied exactly once (one row per record, version 1, one ledger row each), and a
further retry answers every mutation ``replayed``. And a 50 MB body is answered
413 from its Content-Length while the client is still sending it.
"""
from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import PASSWORD, _build_world
from tests.support.gunicorn import start_gunicorn, wait_healthy
from tests.support.pgserver import PostgresServer, _bin

CHILDREN, VISITS = 100, 4  # 500 mutations: the most one push may carry


class Server:
    """gunicorn serving wsgi:app against ``database_url``; stderr kept in a log file."""

    def __init__(self, database_url: str, log: Path) -> None:
        self.log = log
        # secrets of its own: gunicorn.conf.py refuses to serve with the development one
        env = {"DATABASE_URL": database_url.replace("+psycopg", ""), "LOG_FORMAT": "text",
               "SECRET_KEY": secrets.token_urlsafe(48), "JWT_SECRET_KEY": secrets.token_urlsafe(48),
               "GUNICORN_WORKERS": "2", "GUNICORN_TIMEOUT": "60"}
        self._stderr = log.open("wb")
        self.proc, self.port = start_gunicorn(env, self._stderr, stdout=subprocess.DEVNULL, stderr=self._stderr)
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        self.wait_healthy()

    def wait_healthy(self, timeout: float = 60) -> None:
        try:
            wait_healthy(self.port, self.proc, timeout)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}:\n" + self.log.read_text()[-3000:]) from None

    def call(self, method: str, path: str, body: dict | None = None, token: str | None = None,
             timeout: float = 120) -> tuple[int, dict, dict]:
        """(status, headers, JSON body); raises OSError when the connection drops."""
        req = urllib.request.Request(self.url + path, method=method,
                                     data=json.dumps(body).encode() if body is not None else None)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return resp.status, dict(resp.headers), json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), json.loads(err.read() or b"null")

    def workers(self) -> list[int]:
        return [int(p) for p in Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()]

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._stderr.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from flask_migrate import upgrade

    from config import TestConfig
    from posyandu import create_app
    from posyandu.extensions import db

    pg = PostgresServer({"synchronous_commit": "on"}).start()
    url = pg.create_database("posyandu_faults")
    app = create_app(type("Cfg", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        upgrade()
    world = _build_world(app)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    server = Server(url, tmp_path_factory.mktemp("gunicorn") / "stderr.log")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    yield pg, server, world, engine
    engine.dispose()
    server.stop()
    pg.stop()


def batch(posyandu_id) -> dict:
    mutations = []
    for i in range(CHILDREN):
        child_id, born = str(uuid.uuid4()), date.today() - timedelta(days=300 + i)
        mutations.append({"mutation_id": str(uuid.uuid4()), "entity": "child", "op": "upsert", "id": child_id,
                          "base_version": None, "data": {"posyandu_id": str(posyandu_id), "name": f"Anak Ke-{i}",
                                                         "sex": "MF"[i % 2], "birth_date": born.isoformat()}})
        for v in range(VISITS):
            mutations.append({"mutation_id": str(uuid.uuid4()), "entity": "measurement", "op": "upsert",
                              "id": str(uuid.uuid4()), "base_version": None,
                              "data": {"child_id": child_id, "weight_kg": 7.5 + v * 0.2, "length_height_cm": 68 + v,
                                       "measured_on": (date.today() - timedelta(days=30 * v)).isoformat()}})
    return {"client_id": f"phone-{uuid.uuid4()}", "mutations": mutations}


def rows_of(engine, body: dict) -> dict[str, list]:
    ids = {e: [m["id"] for m in body["mutations"] if m["entity"] == e] for e in ("child", "measurement")}
    mids = [m["mutation_id"] for m in body["mutations"]]
    with engine.connect() as conn:
        return {
            "child": conn.execute(sa.text("SELECT version FROM child WHERE id = ANY(:ids)"),
                                  {"ids": ids["child"]}).scalars().all(),
            "measurement": conn.execute(sa.text("SELECT version FROM measurement WHERE id = ANY(:ids)"),
                                        {"ids": ids["measurement"]}).scalars().all(),
            "ledger": conn.execute(sa.text("SELECT status FROM sync_mutation WHERE mutation_id = ANY(:ids)"),
                                   {"ids": mids}).scalars().all()}


def push_during(server, token, body, fault, delay: float) -> tuple:
    """Push ``body`` and run ``fault`` ``delay`` seconds after it was sent: (outcome, status, headers, body)."""
    out: dict = {}

    def send() -> None:
        try:
            out["answer"] = server.call("POST", "/sync/push", body, token)
        except OSError as exc:  # connection reset / closed without an answer
            out["error"] = exc

    sender = threading.Thread(target=send)
    sender.start()
    time.sleep(delay)
    fault()
    sender.join(180)
    return ("dropped", None, None, None) if "error" in out else ("answered", *out["answer"])


def retry_until_applied(server, token, body) -> list[dict]:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            status, _, answer = server.call("POST", "/sync/push", body, token)
        except OSError:
            status = None
        if status == 200:
            return answer["results"]
        assert status in (None, 503), (status, answer)  # only "not yet": never a 500
        time.sleep(1)
    raise AssertionError("the retry never succeeded")


def assert_exactly_once(server, token, engine, body, results) -> None:
    assert [r["status"] for r in results] == ["applied"] * len(body["mutations"]), results[:3]
    rows = rows_of(engine, body)
    assert rows["child"] == [1] * CHILDREN and rows["measurement"] == [1] * (CHILDREN * VISITS)
    assert sorted(rows["ledger"]) == ["applied"] * len(body["mutations"])
    _, _, again = server.call("POST", "/sync/push", body, token)
    assert all(r["replayed"] and r["status"] == "applied" for r in again["results"])
    assert rows_of(engine, body) == rows


def login(server) -> str:
    status, _, answer = server.call("POST", "/auth/login", {"username": "kader1", "password": PASSWORD})
    assert status == 200, answer
    return answer["access_token"]


def test_a_database_restart_mid_push_is_a_503_and_the_retry_applies_each_mutation_once(stack):
    pg, server, world, engine = stack
    token = login(server)

    def restart() -> None:
        pg._run(_bin("pg_ctl"), "-D", str(pg.data), "-m", "immediate", "-w", "restart")

    for delay in (0.8, 0.4, 0.15):  # until the restart lands inside the push
        body = batch(world.ids["p1"])
        outcome, status, headers, answer = push_during(server, token, body, restart, delay)
        if status != 200:
            break
        assert_exactly_once(server, token, engine, body, answer["results"])  # finished first: still once
    assert outcome == "answered" and status == 503, (outcome, status, answer)
    assert headers["Content-Type"] == "application/problem+json" and headers["Retry-After"] == "5"
    assert answer["type"].endswith("/unavailable")
    server.wait_healthy()
    assert rows_of(engine, body) == {"child": [], "measurement": [], "ledger": []}  # no partial batch
    assert_exactly_once(server, token, engine, body, retry_until_applied(server, token, body))
    assert "unhandled error" not in server.log.read_text()  # the app logged no 500


def test_a_worker_killed_mid_push_leaves_no_partial_batch_and_the_retry_applies_it_once(stack):
    pg, server, world, engine = stack
    server.wait_healthy()
    token = login(server)

    def kill_workers() -> None:
        for pid in server.workers():
            os.kill(pid, signal.SIGKILL)

    for delay in (0.8, 0.4, 0.15):
        body = batch(world.ids["p1"])
        outcome, status, _, answer = push_during(server, token, body, kill_workers, delay)
        if outcome == "dropped":
            break
        assert status == 200, (status, answer)
        assert_exactly_once(server, token, engine, body, answer["results"])
    assert outcome == "dropped"
    server.wait_healthy()  # the master has started new workers
    for _ in range(10):  # the killed worker's transaction is rolled back, never half-visible
        assert rows_of(engine, body) == {"child": [], "measurement": [], "ledger": []}
        time.sleep(0.1)
    assert_exactly_once(server, token, engine, body, retry_until_applied(server, token, body))
    assert "unhandled error" not in server.log.read_text()


def test_a_50_mb_body_gets_413_from_gunicorn_before_it_is_sent(stack):
    import socket

    _, server, _, _ = stack
    server.wait_healthy()
    token = login(server)
    head = (f"POST /api/v1/sync/push HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {50 * 1024 * 1024}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head.encode() + b"{" + b" " * 65536)  # the rest of the 50 MB never follows
        chunks = []
        try:
            while chunk := sock.recv(65536):   # the answer may come in several packets; gunicorn then closes
                chunks.append(chunk)
        except ConnectionResetError:           # closed with our unread body still queued: a reset after the answer
            pass
        reply = b"".join(chunks).decode("latin-1")
    assert reply.startswith("HTTP/1.1 413"), reply[:200]
    head_part, _, body_part = reply.partition("\r\n\r\n")
    assert "application/problem+json" in head_part and json.loads(body_part)["status"] == 413
