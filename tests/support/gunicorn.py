"""A real gunicorn serving wsgi:app with gunicorn.conf.py on a free loopback port, for the
process-fault tests, the sync benchmark and the load test (one way to start it and wait)."""
from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import IO

from tests.support.pgserver import _free_port

ROOT = Path(__file__).resolve().parents[2]


def start_gunicorn(env: dict[str, str], output: IO, stderr: IO | int | None = subprocess.STDOUT,
                   stdout: IO | int | None = None) -> tuple[subprocess.Popen, int]:
    """Start gunicorn with ``env`` over the process environment; (process, port). Output goes to
    ``output`` (stdout and stderr together unless ``stdout``/``stderr`` say otherwise)."""
    port = _free_port()
    proc = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                            cwd=ROOT, env={**os.environ, **env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                            stdout=output if stdout is None else stdout, stderr=stderr if stderr is not None else output)
    return proc, port


def wait_healthy(port: int, proc: subprocess.Popen | None = None, timeout: float = 60) -> None:
    """Until GET /api/v1/health answers 200; fails early if gunicorn exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health", timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        time.sleep(0.2)
    raise RuntimeError("gunicorn did not become healthy")
