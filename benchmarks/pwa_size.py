"""The PWA shell's size as a phone downloads it: every file under static/pwa/ except the
WHO tables, the online-only screens (js/online/: fetched when opened, never precached) and the
install icons (icons/*.png: the browser fetches the one it needs when it installs the app),
gzip-compressed one by one (level 9, what a server or proxy sends).
Budget (issue #6): under 150 KB compressed. Exits 1 over budget.

    .venv/bin/python benchmarks/pwa_size.py
"""
from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

PWA = Path(__file__).resolve().parent.parent / "static" / "pwa"
BUDGET = 150 * 1024
ONLINE_ONLY = "js/online/"  # as scripts/pwa_precache.py
INSTALL_ONLY = re.compile(r"icons/.*\.png")  # as scripts/pwa_precache.py: fetched by the browser when it installs the app


def sizes() -> list[tuple[str, int, int]]:
    rows = []
    for path in sorted(p for p in PWA.rglob("*") if p.is_file()):
        rel = path.relative_to(PWA).as_posix()
        raw = path.read_bytes()
        rows.append((rel, len(raw), len(gzip.compress(raw, 9, mtime=0))))
    return rows


def shell_rows(rows: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """The rows of the files counted in the budget: those the service worker precaches, but the WHO tables."""
    return [r for r in rows if not r[0].startswith(("data/who/", ONLINE_ONLY)) and not INSTALL_ONLY.fullmatch(r[0])]


def main() -> int:
    rows = sizes()
    shell = shell_rows(rows)
    who = [r for r in rows if r[0].startswith("data/who/")]
    online = [r for r in rows if r[0].startswith(ONLINE_ONLY)]
    icons = [r for r in rows if INSTALL_ONLY.fullmatch(r[0])]
    for rel, raw, gz in shell:
        print(f"  {rel:<32} {raw / 1024:7.1f} KB raw {gz / 1024:7.1f} KB gzip")
    total = sum(r[2] for r in shell)
    print(f"PWA shell: {len(shell)} files, {sum(r[1] for r in shell) / 1024:.1f} KB raw, "
          f"{total / 1024:.1f} KB gzip (budget {BUDGET // 1024} KB)")
    print(f"WHO tables (not counted): {sum(r[1] for r in who) / 1024:.1f} KB raw, "
          f"{sum(r[2] for r in who) / 1024:.1f} KB gzip")
    print(f"Online-only screens (not counted, fetched when opened): {len(online)} files, "
          f"{sum(r[2] for r in online) / 1024:.1f} KB gzip")
    print(f"Install icons (not counted, the one it needs fetched by the browser when it installs the app): "
          f"{len(icons)} files, {sum(r[2] for r in icons) / 1024:.1f} KB gzip")
    return 0 if total <= BUDGET else 1


if __name__ == "__main__":
    sys.exit(main())
