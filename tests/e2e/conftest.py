"""Browser fixtures: Debian's Chromium (never a downloaded browser) driven by
Playwright, against a real server started here (tests/e2e/server.py)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

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


@pytest.fixture
def new_context(browser):
    """Open phone-sized browser contexts (each one a separate device with its own IndexedDB)."""
    made = []

    def make(**kwargs):
        ctx = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="allow",
                                  locale="id-ID", **kwargs)
        ctx.set_default_timeout(20000)
        made.append(ctx)
        return ctx

    yield make
    for ctx in made:
        ctx.close()


@pytest.fixture(scope="session")
def shot():
    SHOTS.mkdir(exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> None:
        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=full_page)

    return take
