"""``make load``: a bounded load test of gunicorn + PostgreSQL on loopback.

1. Starts a throwaway PostgreSQL 15 (tests/support/pgserver.py), migrates it and loads
   the demo kabupaten (6 posyandu, 300 children, two years of visits; ``seed-demo`` with
   ``POSYANDU_ENV=development``, as production refuses it).
2. Starts gunicorn with the production settings (``POSYANDU_ENV=production``, fresh
   random secrets, gunicorn.conf.py: workers from the CPU count), JSON logs to a file.
3. Runs locust headless twice against it for a fixed time, with the same number of
   concurrent users: the realistic mix of benchmarks/load/locustfile.py (cadres
   pushing visits and pulling, parents reading charts, the dinkes reading reports and
   exporting CSV), then the ceiling (``GET /api/v1/health`` only).
4. Prints requests/s, p50/p95/p99 latency and the error count of each, the mix per
   request type, the ratio mix/ceiling, and the number of 5xx the server logged.
   Exits non-zero when any request failed.

Each demo account logs in once before the run (a phone stays logged in for weeks, and
Argon2 logins are deliberately slow and rate-limited); the virtual users share those
tokens, each cadre's phone with its own client id.

    .venv/bin/python benchmarks/load/run.py [--users 40] [--seconds 60] [--ceiling-seconds 20]
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.gunicorn import start_gunicorn, wait_healthy  # noqa: E402
from tests.support.pgserver import PostgresServer  # noqa: E402

DEMO_PASSWORD = "posyandu123"
VENV_BIN = Path(sys.executable).parent
LOCUSTFILE = Path(__file__).with_name("locustfile.py")


def server_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url, "POSYANDU_ENV": "production",
            "SECRET_KEY": secrets.token_urlsafe(48), "JWT_SECRET_KEY": secrets.token_urlsafe(48),
            "ACCESS_TOKEN_MINUTES": "60", "PYTHONUNBUFFERED": "1"}


def prepare(env: dict[str, str]) -> None:
    flask = [str(VENV_BIN / "flask"), "--app", "wsgi"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    # seed-demo refuses a production server (its accounts have a published password): loaded as on a laptop
    out = subprocess.run([*flask, "seed-demo"], cwd=ROOT, env={**env, "POSYANDU_ENV": "development"}, check=True,
                         capture_output=True, text=True)
    print(f"demo data: {out.stdout.strip().splitlines()[-1] if out.stdout.strip() else 'loaded'}")


def log_in(url: str, env: dict[str, str]) -> None:
    """One access token per demo account, handed to locust in LOAD_TOKENS."""
    tokens = {}
    for username in ("kader1", "kader1b", "kader2", "kader3", "kader4", "kader5", "kader6", "orangtua", "dinkes"):
        body = json.dumps({"username": username, "password": DEMO_PASSWORD}).encode()
        req = urllib.request.Request(f"{url}/api/v1/auth/login", data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as resp:
            tokens[username] = json.load(resp)["access_token"]
    env["LOAD_TOKENS"] = json.dumps(tokens)


def run_locust(url: str, classes: list[str], users: int, seconds: int, out: Path,
               env: dict[str, str]) -> dict[str, dict[str, str]]:
    prefix = out / "_".join(c.lower() for c in classes)
    cmd = [str(VENV_BIN / "locust"), "-f", str(LOCUSTFILE), "--headless", "--host", url, "-u", str(users),
           "-r", str(max(users // 2, 1)), "-t", f"{seconds}s", "--csv", str(prefix), "--only-summary",
           "--loglevel", "WARNING", "--exit-code-on-error", "0", *classes]
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    with open(f"{prefix}_stats.csv", newline="") as fh:
        return {row["Name"]: row for row in csv.DictReader(fh)}


def summary(row: dict[str, str]) -> str:
    return (f"{float(row['Requests/s']):8.1f} req/s  p50 {row['50%']:>5} ms  p95 {row['95%']:>5} ms  "
            f"p99 {row['99%']:>5} ms  errors {row['Failure Count']}")


def server_errors(log: Path) -> int:
    count = 0
    for line in log.read_text(errors="replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and int(entry.get("status") or 0) >= 500:
            count += 1
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=40, help="concurrent virtual users")
    parser.add_argument("--seconds", type=int, default=60, help="duration of the mix")
    parser.add_argument("--ceiling-seconds", type=int, default=20, help="duration of the ceiling run")
    args = parser.parse_args()

    pg = PostgresServer().start()
    env = server_env(pg.create_database("posyandu_load"))
    with tempfile.TemporaryDirectory(prefix="posyandu-load-") as tmp:
        out, log = Path(tmp), Path(tmp) / "gunicorn.log"
        gunicorn = None
        try:
            prepare(env)
            with open(log, "w") as fh:
                gunicorn, port = start_gunicorn(env, fh)
            url = f"http://127.0.0.1:{port}"
            wait_healthy(port, gunicorn)
            log_in(url, env)
            workers = env.get("GUNICORN_WORKERS") or f"{os.cpu_count() * 2 + 1} (2 × {os.cpu_count()} cores + 1)"
            print(f"gunicorn on {url}, workers: {workers}; {args.users} concurrent users, closed loop")
            mix = run_locust(url, ["CadreUser", "ParentUser", "DinkesUser"], args.users, args.seconds, out, env)
            ceiling = run_locust(url, ["HealthUser"], args.users, args.ceiling_seconds, out, env)
        finally:
            if gunicorn:
                gunicorn.terminate()
                gunicorn.wait(30)
            pg.stop()
        print(f"\nmix, {args.seconds} s:")
        for name, row in sorted(mix.items()):
            if name != "Aggregated":
                print(f"  {name:38} {int(row['Request Count']):7d} requests  p50 {row['50%']:>5} ms  "
                      f"p95 {row['95%']:>5} ms  errors {row['Failure Count']}")
        total, top = mix["Aggregated"], ceiling["Aggregated"]
        print(f"\nmix      {summary(total)}")
        print(f"ceiling  {summary(top)}   (GET /api/v1/health, {args.ceiling_seconds} s)")
        ratio = float(total["Requests/s"]) / max(float(top["Requests/s"]), 1e-9)
        fivexx = server_errors(log)
        print(f"ratio mix/ceiling: {ratio:.2f}   5xx logged by the server: {fivexx}")
        errors = int(total["Failure Count"]) + int(top["Failure Count"]) + fivexx
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
