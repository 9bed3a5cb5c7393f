"""Lighthouse (from npm) against the local server with Debian's Chromium, mobile
emulation; prints the scores and exits 1 below the issue's bar (accessibility and
best practices ≥ 95, performance ≥ 90).

    .venv/bin/python scripts/lighthouse.py [--keep report.json]

Needs node/npm (npx fetches lighthouse from the npm registry once) and /usr/bin/chromium.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LIGHTHOUSE = os.environ.get("LIGHTHOUSE_PACKAGE", "lighthouse@12.8.2")
BAR = {"performance": 90, "accessibility": 95, "best-practices": 95}


def run(url: str, out: Path) -> dict:
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    cmd = ["npx", "--yes", LIGHTHOUSE, url, "--quiet", "--output=json", f"--output-path={out}",
           "--only-categories=performance,accessibility,best-practices",
           "--chrome-flags=--headless=new --no-sandbox --disable-gpu"]
    subprocess.run(cmd, check=True, env=env, timeout=300)
    return json.loads(out.read_text())


def main() -> int:
    from tests.e2e.server import LiveServer

    server = LiveServer().start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            report = run(server.url + "/", Path(tmp) / "report.json")
            if "--keep" in sys.argv:
                Path(sys.argv[sys.argv.index("--keep") + 1]).write_text(json.dumps(report))
    finally:
        server.stop()
    ok = True
    print(f"Lighthouse {report['lighthouseVersion']} ({report['configSettings']['formFactor']}) on {report['finalDisplayedUrl']}")
    for key, bar in BAR.items():
        score = round(report["categories"][key]["score"] * 100)
        ok &= score >= bar
        print(f"  {report['categories'][key]['title']:<16} {score:3d}  (bar {bar})")
    failing = [a for a in report["audits"].values() if a.get("score") is not None and a["score"] < 0.9
               and a.get("scoreDisplayMode") in ("binary", "numeric")]
    for audit in failing[:10]:
        print(f"    - {audit['id']}: {audit['title']}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
