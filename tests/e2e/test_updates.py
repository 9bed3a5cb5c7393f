"""A new version of the app while it is open, in real Chromium: the service worker's update offered
on every tab of the app, and taken from any of them; a tab still running the old version when the
new one upgrades the user's database goes on saving into it."""
from __future__ import annotations

from contextlib import contextmanager

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import enter_pin, login, register_child, sw_controls, wait_synced, waiting

pytestmark = pytest.mark.e2e


@contextmanager
def new_version_of_the_shell(live_server):
    """While it lasts the server answers /sw.js with another version (a new release deployed)."""
    app = live_server.app
    inner = app.wsgi_app

    def wsgi(environ, start_response):
        if environ.get("PATH_INFO") != "/sw.js":
            return inner(environ, start_response)
        seen = {}
        environ = {k: v for k, v in environ.items() if k not in ("HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE")}

        def keep(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, headers
            return lambda data: None
        answer = inner(environ, keep)
        try:
            body = b"".join(answer) + b"\n// a new release\n"
        finally:
            getattr(answer, "close", lambda: None)()
        headers = [(k, v) for k, v in seen["headers"] if k.lower() not in ("content-length", "etag", "last-modified")]
        start_response(seen["status"], headers + [("Content-Length", str(len(body)))])
        return [body]

    app.wsgi_app = wsgi
    try:
        yield
    finally:
        app.wsgi_app = inner


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
