"""Browser fixtures: Debian's Chromium (never a downloaded browser) driven by
Playwright, against a real server started here (tests/e2e/server.py)."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

# A passing expect() returns at once; one that waits (a screen drawn after IndexedDB reads and a sync)
# gets as long as a locator's wait (20 s below) on a loaded CI machine, not Playwright's 5 s.
expect.set_options(timeout=20_000)

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parent / "screenshots"


@pytest.fixture(scope="session")
def live_server():
    from tests.e2e.server import LiveServer

    server = LiveServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright():
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (make test installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright):
    browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
    yield browser
    browser.close()


FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.failed:
        item.stash[FAILED] = True
    return report


@pytest.fixture
def new_context(browser, request):
    """Open phone-sized browser contexts (each one a separate device with its own IndexedDB). When the
    test fails, each open page is kept as screenshots/failed-<test>-<n>.png and its address and the
    browser's errors are printed (a failure seen once in a loaded CI run is then read, not guessed)."""
    made, errors = [], []
    moved = request.config.getoption("--clock")

    def make(**kwargs):
        ctx = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="allow",
                                  locale="id-ID", **kwargs)
        ctx.set_default_timeout(20000)
        if moved:  # the browser's clock where the server's (in this process) is: tests/support/clock.py
            ctx.clock.set_system_time(datetime.now(timezone.utc))
        ctx.on("console", lambda m: errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None)
        ctx.on("weberror", lambda e: errors.append(f"uncaught: {e.error}"))
        made.append(ctx)
        return ctx

    yield make
    if request.node.stash.get(FAILED, False):
        SHOTS.mkdir(exist_ok=True)
        pages = [page for ctx in made for page in ctx.pages]
        for n, page in enumerate(pages):
            try:
                page.screenshot(path=str(SHOTS / f"failed-{request.node.name}-{n}.png"), full_page=True)
                print(f"page {n}: {page.url}")
            except Exception as e:  # a page gone with its browser: its address is still worth printing
                print(f"page {n}: {page.url} (no screenshot: {e})")
        print("\n".join(errors) or "no browser errors")
    for ctx in made:
        ctx.close()


@pytest.fixture(scope="session")
def shot():
    SHOTS.mkdir(exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)

    return take
