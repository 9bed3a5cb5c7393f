"""Write the service worker's precache list and cache VERSION (a hash of the files),
and copy the immunisation schedule into the PWA. Run after changing static/pwa/:

    .venv/bin/python scripts/pwa_precache.py          # rewrite static/pwa/sw.js
    .venv/bin/python scripts/pwa_precache.py --check  # exit 1 if sw.js is stale

tests/js/shell.test.mjs computes the same hash, so a stale sw.js fails the tests.
"""
from __future__ import annotations

import hashlib
import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PWA = ROOT / "static" / "pwa"
SCHEDULE = ROOT / "posyandu" / "immunisation" / "data" / "schedule-2024.json"
SKIP = {"sw.js"}
# Screens that need the server anyway (the admin's "Pengguna"): fetched when opened, never
# precached, and not counted in the shell's size budget (benchmarks/pwa_size.py).
ONLINE_ONLY = "js/online/"
# The home-screen icons (PNG, named by the manifest): the browser fetches the one it needs when it installs
# the app, and the app never shows them (its header and tab show icons/icon.svg): never precached, and
# not counted in the shell's size budget. Precached, a phone downloaded all three at every update.
INSTALL_ONLY = re.compile(r"icons/.*\.png")


def offline(rel: str) -> bool:
    """Whether the file at ``rel`` (a path under static/pwa/) is one the app needs offline."""
    return not rel.startswith(ONLINE_ONLY) and not INSTALL_ONLY.fullmatch(rel)


def shell_files() -> list[str]:
    """Every file the app needs offline (not the online-only screens, nor the install icons), as URL paths, sorted."""
    return sorted("/" + p.relative_to(PWA).as_posix() for p in PWA.rglob("*")
                  if p.is_file() and p.name not in SKIP and not p.name.startswith(".")
                  and offline(p.relative_to(PWA).as_posix()))


def version(paths: list[str]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.encode() + b"\0" + (PWA / path.lstrip("/")).read_bytes() + b"\0")
    return h.hexdigest()[:16]


def render(source: str, paths: list[str]) -> str:
    source = re.sub(r"^const VERSION = .*;$", f"const VERSION = '{version(paths)}';", source, count=1, flags=re.M)
    return re.sub(r"^const PRECACHE = .*;$", "const PRECACHE = " + json.dumps(paths) + ";", source, count=1, flags=re.M)


def main() -> int:
    check = "--check" in sys.argv
    target = PWA / "data" / SCHEDULE.name
    if target.read_bytes() != SCHEDULE.read_bytes():
        if check:
            print("static/pwa/data/schedule-2024.json differs from the server's schedule")
            return 1
        shutil.copyfile(SCHEDULE, target)
    sw = PWA / "sw.js"
    paths = shell_files()
    new = render(sw.read_text(), paths)
    if check:
        ok = new == sw.read_text()
        print("sw.js is up to date" if ok else "sw.js is stale: run scripts/pwa_precache.py")
        return 0 if ok else 1
    sw.write_text(new)
    print(f"sw.js: {len(paths)} files, VERSION {version(paths)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
