"""The production gunicorn settings (gunicorn.conf.py) as gunicorn reads them."""
from __future__ import annotations

import gc
import os
import runpy
import types
from pathlib import Path

import pytest

from posyandu import heartbeat

CONF = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"


@pytest.fixture(autouse=True)
def _environment_kept():
    """gunicorn.conf.py sets ``DB_STATEMENT_TIMEOUT`` for the workers it forks; reading it here
    must not leave it set for the tests after."""
    saved = dict(os.environ)
    yield
    os.environ.clear()
    os.environ.update(saved)


@pytest.mark.parametrize("gunicorn_timeout, setting, expected", [
    (None, None, "110"), ("60", None, "50"), ("5", None, "1"), ("0", None, None), ("60", "300", "300"), (None, "0", "0")])
def test_workers_cancel_a_statement_just_before_gunicorn_would_kill_them(monkeypatch, gunicorn_timeout, setting,
                                                                           expected):
    """Unless set, a worker's statements may run 10 s less than its request (none when gunicorn
    has no timeout); a value set, 0 (no limit) included, is kept."""
    for name, value in (("GUNICORN_TIMEOUT", gunicorn_timeout), ("DB_STATEMENT_TIMEOUT", setting)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    runpy.run_path(str(CONF))
    assert os.environ.get("DB_STATEMENT_TIMEOUT") == expected


@pytest.mark.parametrize("setting, frozen", [(None, True), ("0", False)])
def test_each_worker_freezes_what_it_loaded_at_start(monkeypatch, setting, frozen):
    """…and collects its young objects less often (the older generations' thresholds kept)."""
    if setting is None:
        monkeypatch.delenv("GUNICORN_GC_FREEZE", raising=False)
    else:
        monkeypatch.setenv("GUNICORN_GC_FREEZE", setting)
    conf = runpy.run_path(str(CONF))
    gc.unfreeze()
    before = gc.get_threshold()
    try:
        conf["post_worker_init"](types.SimpleNamespace(notify=lambda: None))
        assert (gc.get_freeze_count() > 0) is frozen
        assert gc.get_threshold() == ((10_000, *before[1:]) if frozen else before)
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        heartbeat.serve(None)


def test_each_worker_hands_its_heartbeat_to_the_app():
    """A download still streaming at gunicorn's timeout tells the arbiter its worker is at work
    (posyandu.heartbeat; through a real gunicorn: tests/faults/test_long_exports.py)."""
    beats, before = [], gc.get_threshold()
    try:
        runpy.run_path(str(CONF))["post_worker_init"](types.SimpleNamespace(notify=lambda: beats.append(1)))
        assert list(heartbeat.beating([b"a", b"b"])) == [b"a", b"b"]
        assert beats
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
        heartbeat.serve(None)


def test_a_setting_that_is_not_a_number_names_its_variable_and_value(monkeypatch):
    monkeypatch.setenv("GUNICORN_TIMEOUT", "2m")
    with pytest.raises(RuntimeError, match="^GUNICORN_TIMEOUT must be a whole number, not '2m'$"):
        runpy.run_path(str(CONF))
    monkeypatch.setenv("GUNICORN_TIMEOUT", " 90 ")
    monkeypatch.setenv("GUNICORN_WORKERS", "")
    conf = runpy.run_path(str(CONF))
    assert conf["timeout"] == 90 and conf["workers"] >= 3


SECRETS = {"SECRET_KEY": "s" * 48, "JWT_SECRET_KEY": "j" * 48}


@pytest.fixture
def environment(monkeypatch):
    """A laptop's environment: no POSYANDU_ENV, no secrets, no permission for the development one."""
    for name in ("POSYANDU_ENV", "SECRET_KEY", "JWT_SECRET_KEY", "POSYANDU_ALLOW_DEV_SECRET", "FLASK_DEBUG",
                 "CORS_ORIGINS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("env, refused", [
    ({}, "SECRET_KEY and JWT_SECRET_KEY would be the development secret"),
    ({"SECRET_KEY": "s" * 48}, "^JWT_SECRET_KEY would be the development secret"),
    ({**SECRETS, "JWT_SECRET_KEY": ""}, "^JWT_SECRET_KEY would be the development secret"),
    ({"POSYANDU_ALLOW_DEV_SECRET": "yes please"}, "POSYANDU_ALLOW_DEV_SECRET must be one of"),
    ({**SECRETS, "POSYANDU_ENV": "prod"}, "POSYANDU_ENV must be unset or one of development, production"),
    ({"POSYANDU_ENV": "production", "DATABASE_URL": "postgresql://posyandu@/posyandu"}, "SECRET_KEY must be set"),
    ({"POSYANDU_ALLOW_DEV_SECRET": "1"}, None),
    ({**SECRETS}, None),
    ({**SECRETS, "POSYANDU_ENV": "production", "DATABASE_URL": "postgresql://posyandu@/posyandu"}, None),
])
def test_gunicorn_refuses_to_serve_with_the_development_secret(environment, env, refused):
    """Started without POSYANDU_ENV=production (or with it mistyped), gunicorn served the app on the
    development secret, which is in the source: anyone could sign an admin's token. The master now
    stops before it binds, unless POSYANDU_ALLOW_DEV_SECRET=1 says it is meant (tests, benchmarks)."""
    for name, value in env.items():
        environment.setenv(name, value)
    starting = runpy.run_path(str(CONF))["on_starting"]
    if refused is None:
        starting(None)
    else:
        with pytest.raises(RuntimeError, match=refused):
            starting(None)


def test_gunicorn_itself_exits_before_serving_with_the_development_secret(environment, tmp_path):
    """As gunicorn runs it: the master says why and exits non-zero; allowed, it serves."""
    import urllib.request

    from tests.support.gunicorn import start_gunicorn, wait_healthy

    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "GUNICORN_WORKERS": "1"}
    with (tmp_path / "refused.log").open("w+") as log:
        proc, _ = start_gunicorn(env, log)
        assert proc.wait(60) != 0
        log.seek(0)
        assert "would be the development secret" in log.read()
    with (tmp_path / "allowed.log").open("w") as log:
        proc, port = start_gunicorn({**env, "POSYANDU_ALLOW_DEV_SECRET": "1"}, log)
        try:
            wait_healthy(port, proc)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=5) as resp:
                assert resp.status == 200
        finally:
            proc.terminate()
            proc.wait(30)


def test_gunicorn_waits_for_a_request_as_long_as_nginx_and_the_app_expect(monkeypatch):
    """nginx waits 120 s for an answer (a district's export streams for a while) but gunicorn killed
    the worker at 60 s: the export ended in a 502. The requests config.py bounds "within gunicorn's
    timeout" (a KBM table's recompute in the admin's request, the largest spreadsheet upload at the
    9 ms a row docs/scaling.md measured at most) fit in it with room to spare."""
    import re

    import config

    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    timeout = runpy.run_path(str(CONF))["timeout"]
    site = (CONF.parent / "deploy" / "nginx" / "posyandu.conf").read_text(encoding="utf-8")
    nginx = [int(s) for s in re.findall(r"^\s*proxy_read_timeout (\d+)s;", site, flags=re.M)]
    assert nginx and timeout >= max(nginx)
    assert config.Config.GROWTH_RECOMPUTE_REQUEST_SECONDS <= timeout / 2
    assert config.Config.IMPORT_MAX_ROWS * 0.009 <= timeout / 2


def test_gunicorn_opens_no_control_socket(environment, tmp_path):
    """gunicorn 25+ opens a control socket for `gunicornc` in $HOME/.gunicorn unless told not to.
    The service's home (/opt/posyandu) is read-only under ProtectSystem=strict: the master logged
    "[ERROR] Control server error" at every start, and where it could write, it left a socket that
    can resize or stop the server, which nothing here uses."""
    from tests.support.gunicorn import start_gunicorn, wait_healthy

    home = tmp_path / "home"
    home.mkdir()
    environment.delenv("XDG_RUNTIME_DIR", raising=False)
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'dev.sqlite3'}", "GUNICORN_WORKERS": "1",
           "POSYANDU_ALLOW_DEV_SECRET": "1", "HOME": str(home)}
    with (tmp_path / "gunicorn.log").open("w+") as log:
        proc, port = start_gunicorn(env, log)
        try:
            wait_healthy(port, proc)
        finally:
            proc.terminate()
            proc.wait(30)
        log.seek(0)
        output = log.read()
    assert "Control" not in output and list(home.iterdir()) == []
