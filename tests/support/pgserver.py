"""A throwaway PostgreSQL 15 server for the test run: initdb into a temp dir,
start it on a free loopback port, stop and delete it at the end.

PostgreSQL refuses to run as root, so as root the server runs as the
``postgres`` system user (created by Debian's package).
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

BIN_DIRS = ["/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin"]


def _bin(name: str) -> str:
    for d in BIN_DIRS:
        if Path(d, name).exists():
            return str(Path(d, name))
    found = shutil.which(name)
    if not found:
        raise RuntimeError(f"{name} not found: install PostgreSQL 15 (make deps does)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, settings: dict[str, str] | None = None) -> None:
        self.settings = settings or {}   # extra postgresql.conf settings (-c name=value)
        self.dir = Path(tempfile.mkdtemp(prefix="posyandu-pg-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> "PostgresServer":
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "posyandu", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "-N")
        return self._launch()

    def standby(self) -> "PostgresServer":
        """A hot standby of this server in streaming replication (needs ``wal_level=replica``)."""
        replica = PostgresServer(self.settings)
        if replica.as_root:
            shutil.chown(replica.dir, "postgres", "postgres")
        replica._run(_bin("pg_basebackup"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "posyandu",
                     "-D", str(replica.data), "-R", "-X", "stream", "-c", "fast")
        return replica._launch()

    def _launch(self) -> "PostgresServer":
        extra = "".join(f" -c {k}={v}" for k, v in self.settings.items())
        opts = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100" + extra)
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w", "start")
        for _ in range(50):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.1)
        return self

    def create_database(self, name: str) -> str:
        self._run(_bin("createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "posyandu", name)
        return self.url(name)

    def url(self, name: str) -> str:
        return f"postgresql+psycopg://posyandu@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
