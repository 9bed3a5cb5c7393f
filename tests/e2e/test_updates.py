"""A new version of the app while it is open, in real Chromium: the service worker's update offered
on every tab of the app, and taken from any of them; a tab still running the old version when the
new one upgrades the user's database goes on saving into it."""
from __future__ import annotations

import re
from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import enter_pin, login, register_child, sw_controls, wait_synced, waiting

pytestmark = pytest.mark.e2e


NEW = b"\n// a new release\n"


def _release_version(changed: tuple[str, ...]) -> str:
    """The VERSION scripts/pwa_precache.py writes for the shell with the ``changed`` files a comment longer."""
    import importlib.util
    import shutil
    import tempfile
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("pwa_precache", Path(__file__).parents[2] / "scripts" / "pwa_precache.py")
    precache = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(precache)
    with tempfile.TemporaryDirectory() as tmp:
        release = Path(tmp) / "pwa"
        shutil.copytree(precache.PWA, release)
        for path in changed:
            with open(release / path.lstrip("/"), "ab") as f:
                f.write(NEW)
        precache.PWA = release
        return precache.version(precache.shell_files())


@contextmanager
def answering(live_server, paths, answer):
    """While it lasts the server answers a request of one of ``paths`` with ``answer(environ,
    start_response, inner)`` (``inner``: the app as it was), any other as before."""
    app = live_server.app
    inner = app.wsgi_app

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") not in paths:
            return inner(environ, start_response)
        return answer(environ, start_response, inner)
    app.wsgi_app = wsgi
    try:
        yield
    finally:
        app.wsgi_app = inner


@contextmanager
def new_version_of_the_shell(live_server, changed: tuple[str, ...] = ()):
    """While it lasts the server answers /sw.js with another version (a new release deployed). With
    ``changed`` (shell paths such as "/js/ui.js"), those files a comment longer too, and sw.js under
    their VERSION (a release that changed them); else sw.js only a comment longer, VERSION kept."""
    version = _release_version(changed) if changed else None

    def release(environ, start_response, inner):
        path = environ.get("PATH_INFO")
        seen = {}
        environ = {k: v for k, v in environ.items() if k not in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")}

        def keep(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return lambda data: None
        answer = inner(environ, keep)
        try:
            body = b"".join(answer)
        finally:
            getattr(answer, "close", lambda: None)()
        if path == "/sw.js" and version:
            body = re.sub(rb"^const VERSION = '\w+';$", f"const VERSION = '{version}';".encode(), body, count=1, flags=re.M)
        else:
            body += NEW
        headers = [(k, v) for k, v in seen["headers"] if k.lower() not in ("content-length", "etag", "last-modified")]
        start_response(seen["status"], headers + [("Content-Length", str(len(body)))])
        return [body]

    with answering(live_server, ("/sw.js", *changed), release):
        yield


def test_reload_offered_in_a_second_tab_loads_the_new_version_after_the_first_took_it(live_server, new_context):
    """The app open in two tabs (a browser tab and the installed app) when a new version comes:
    both offer "Muat ulang". The cadre takes it in one; the other tab's button did nothing at all
    (the version it offered was no longer waiting), and that tab ran the old app for as long as it
    stayed open. It reloads into the new version."""
    ctx = new_context()
    first = ctx.new_page()
    login(first, live_server.url, "kader1")
    wait_synced(first)
    sw_controls(first)
    second = ctx.new_page()
    second.goto(live_server.url)
    enter_pin(second)
    sw_controls(second)
    with new_version_of_the_shell(live_server):
        first.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
        for page in (first, second):
            expect(page.locator("#update-banner")).to_be_visible()
    first.locator("#update-banner").get_by_role("button", name="Muat ulang").click()
    # reloaded: the new worker activated, then the page loaded again, two tabs on a loaded machine (a
    # CI run took more than the default 20 s once, with other tests running beside it)
    first.get_by_role("heading", name="Masukkan PIN").wait_for(timeout=60_000)
    second.evaluate("() => { window.__old = true; }")
    second.locator("#update-banner").get_by_role("button", name="Muat ulang").click()
    second.get_by_role("heading", name="Masukkan PIN").wait_for(timeout=60_000)
    assert second.evaluate("() => window.__old === undefined"), "the second tab loaded again"



def test_reload_asks_first_when_the_screen_holds_a_half_filled_form(live_server, new_context):
    """A new version comes while the cadre is registering a child: "Muat ulang" reloaded at once
    and what she had typed was gone. It now asks first, as leaving the form does (in Bahasa
    Indonesia); "Tetap di sini" leaves the form as she filled it in, to save it; "Tinggalkan"
    reloads now and loses it."""
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    sw_controls(page)
    page.goto(page.url.split("#")[0] + "#/register")
    page.get_by_role("heading", name="Daftarkan anak baru").wait_for()
    page.get_by_label("Nama anak").fill("Dewi Setengah Isi")
    with new_version_of_the_shell(live_server):
        page.evaluate("() => navigator.serviceWorker.getRegistration().then((r) => r.update())")
        expect(page.locator("#update-banner")).to_be_visible()
    banner = page.locator("#update-banner")
    expect(banner).to_contain_text("sesudah dimuat ulang, masukkan PIN lagi")  # it asked for the PIN unsaid
    page.click("#lang-btn")  # its words follow the language
    expect(banner).to_contain_text("after the reload, enter your PIN again")
    page.click("#lang-btn")
    expect(page.get_by_label("Nama anak")).to_have_value("Dewi Setengah Isi")
    page.evaluate("() => { window.__same = true; }")
    banner.get_by_role("button", name="Muat ulang").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Isian belum disimpan")
    page.get_by_role("button", name="Tetap di sini").click()
    assert page.evaluate("() => window.__same === true"), "not reloaded"
    expect(page.get_by_label("Nama anak")).to_have_value("Dewi Setengah Isi")
    banner.get_by_role("button", name="Muat ulang").click()
    page.get_by_role("button", name="Tinggalkan").click()
    page.get_by_role("heading", name="Masukkan PIN").wait_for()  # reloaded into the new version
    assert page.evaluate("() => window.__same === undefined")

# What a new app version opening the user's database does: a higher version, its upgrade adding a
# store (db.js only ever adds stores and indexes; none is dropped).
UPGRADE_TO_V2 = """async () => {
  const name = (await indexedDB.databases()).map((d) => d.name).find((n) => /^posyandu-(?!device)/.test(n));
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open(name, 2);
    r.onupgradeneeded = () => r.result.createObjectStore('added_in_v2', { keyPath: 'key' });
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
    r.onblocked = () => reject(new Error('blocked by the old tab'));
  });
  const stores = [...db.objectStoreNames];
  db.close();
  return stores;
}"""


def test_a_tab_of_the_old_version_saves_after_a_new_version_upgraded_the_database(live_server, new_context):
    """A new app version opened in another tab upgrades the user's database: the old tab lets it
    (it closes its connection), but then every save the cadre made in it failed ('HP ini tidak dapat
    menyimpan data (InvalidStateError) ... kosongkan sebagian memori HP'), again and again, and so
    did its sync, until she reloaded and lost the form. The old tab opens the database again at
    its new version and saves there; the change is sent."""
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader3")
    wait_synced(page)
    other = ctx.new_page()
    other.goto(live_server.url + "/manifest.webmanifest")
    ctx.set_offline(True)
    assert "added_in_v2" in other.evaluate(UPGRADE_TO_V2)
    child_id = register_child(page, "Rara Dua Tab", days_old=60)
    expect(page.locator("#save-failed")).to_be_hidden()
    page.goto(page.url.split("#")[0] + "#/")
    expect(page.locator("#sync-chip")).to_have_text(waiting(1))
    ctx.set_offline(False)
    wait_synced(page)
    assert live_server.api("GET", f"/children/{child_id}", "kader3").get_json()["name"] == "Rara Dua Tab"


# The new service worker installing after reg.update(): the state it ends in, 'installed' (waiting to
# be taken) or 'redundant' (its install failed).
INSTALLED_OR_NOT = """() => navigator.serviceWorker.getRegistration().then((reg) => new Promise((resolve) => {
  reg.addEventListener('updatefound', () => {
    const w = reg.installing;
    w.addEventListener('statechange', () => { if (['installed', 'redundant'].includes(w.state)) resolve(w.state); });
  }, { once: true });
  reg.update();
}))"""


def test_a_new_version_whose_file_came_back_as_a_wifi_login_page_is_not_taken(live_server, new_context):
    """A new release is found while the wifi shows its login page for a file the new version caches
    (an answer 200 text/html, as a captive portal gives, or a file of the release before, deployed
    meanwhile): that page was cached as the app's code, the version offered, and once taken with
    "Muat ulang" the app stayed on "Memuat…", online and offline, until the next release. The
    version is not installed while its files are not its own; found again later, it is, and runs."""
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    sw_controls(page)
    portal = []

    def wifi_login_page(environ, start_response, inner):
        """A wifi's login page (200 text/html), as a portal between the phone and the server answers:
        on the way, whoever asks (the new service worker's install)."""
        portal.append(environ["PATH_INFO"])
        body = b"<html><body><form>Masuk WiFi gratis</form></body></html>"
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", str(len(body)))])
        return [body]

    with new_version_of_the_shell(live_server, changed=("/js/ui.js",)):
        with answering(live_server, ("/js/ui.js",), wifi_login_page):
            assert page.evaluate(INSTALLED_OR_NOT) == "redundant", portal
        assert portal, "the new version asked for the file"
        expect(page.locator("#update-banner")).to_be_hidden()
        assert page.evaluate(INSTALLED_OR_NOT) == "installed"  # the wifi logged in: found again, taken
        expect(page.locator("#update-banner")).to_be_visible()
        page.locator("#update-banner").get_by_role("button", name="Muat ulang").click()
        enter_pin(page)
    assert page.evaluate("() => fetch('/js/ui.js').then((r) => r.text())").endswith(NEW.decode()), "the new version runs"
    ctx.set_offline(True)
    page.reload()
    enter_pin(page)
    expect(page.locator("#sync-chip")).to_have_text("Tanpa sinyal")


def test_a_screen_of_a_newer_release_than_the_phones_app_says_to_reload_not_that_there_is_no_signal(
        live_server, new_context):
    """A release changed a shell module (js/ui.js) and an online-only screen that uses what it added
    (js/online/password.js): a phone that had not taken the new version yet fetched the new screen,
    which could not link against its old ui.js. Settings said "Ganti kata sandi: Perlu internet." on a
    phone with signal, and she went looking for one. It now says the page needs the new version, and
    the update is sought and offered ("Muat ulang")."""
    ctx = new_context()
    page = ctx.new_page()
    login(page, live_server.url, "kader4")
    wait_synced(page)
    sw_controls(page)
    newer = b"import { hintText } from '../ui.js';\nexport const form = () => hintText;\n"

    def newer_screen(environ, start_response, inner):
        start_response("200 OK", [("Content-Type", "text/javascript; charset=utf-8"), ("Cache-Control", "no-cache"),
                                  ("Content-Length", str(len(newer)))])
        return [newer]

    with new_version_of_the_shell(live_server, ("/js/ui.js",)), \
            answering(live_server, ("/js/online/password.js",), newer_screen):
        page.goto(live_server.url + "/#/settings")
        expect(page.locator("#password-offline")).to_have_text(
            'Ganti kata sandi: Halaman ini perlu versi baru aplikasi: ketuk "Muat ulang".')
        expect(page.locator("#update-banner")).to_be_visible()
        expect(page.locator("#update-banner").get_by_role("button", name="Muat ulang")).to_be_visible()
