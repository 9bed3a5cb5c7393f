"""Screens in real Chromium against the real server: a parent cannot reach the screens that
save changes (they would wait unsent forever); the sync screen speaks Bahasa Indonesia and
remembers the last sync across a reload; on a small phone the menu stays off the login screen
and a child opened from far down the list is shown from its top; a midwife's child screen names
the child's posyandu."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import enter_pin, login, register_child, sw_controls, wait_synced

pytestmark = pytest.mark.e2e


def test_a_parent_cannot_reach_the_write_screens(live_server, new_context):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    login(page, base, "orangtua")
    wait_synced(page)
    link = page.locator("#children a").first
    name = link.locator("strong").inner_text()
    child_id = link.get_attribute("href").split("/")[-1]
    for screen in ("edit", "visit", "doses"):
        page.goto(f"{base}/#/{screen}/{child_id}")
        expect(page).to_have_url(f"{base}/#/child/{child_id}")
        expect(page.get_by_role("heading", name=name)).to_be_visible()
        expect(page.locator("main form")).to_have_count(0)
    page.goto(f"{base}/#/register")
    expect(page).to_have_url(f"{base}/#/")
    expect(page.get_by_role("heading", name="Anak saya")).to_be_visible()
    expect(page.locator("#sync-chip")).to_have_text("Data terbaru")  # she does not sync: her data is up to date

    page.goto(f"{base}/#/settings")
    expect(page.locator("#who")).to_have_text("Ibu Siti (orang tua)")  # the role said once
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()  # nothing was left unsent


def test_an_address_naming_no_child_on_the_phone_says_so_on_every_screen(live_server, new_context):
    """A bookmark or a shared link to a child moved away, merged, deleted or of another family said
    "Belum ada anak. Sinkron dulu atau daftarkan anak baru."; the edit form offered a registration
    under the missing child's id, and the doses and card screens threw."""
    import uuid

    base, gone = live_server.url, uuid.uuid4()
    other = live_server.api("GET", "/children?limit=1", "kader3").get_json()["items"][0]["id"]  # not hers
    for user, screens in (("kader1", ("child", "edit", "visit", "doses", "card")), ("orangtua", ("child",))):
        ctx = new_context()
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        login(page, base, user)
        wait_synced(page)
        for screen in screens:
            for child_id in (gone, other):
                page.goto(f"{base}/#/{screen}/{child_id}")
                # a parent's child not on her phone is one no longer linked to her (or deleted): said so
                expect(page.locator("#child-gone")).to_contain_text(
                    "Anak ini tidak ada di HP ini" if user != "orangtua" else "Anak ini tidak lagi terhubung dengan akun Anda")
                expect(page.locator("main form")).to_have_count(0)
        page.locator("#child-gone a").click()
        expect(page).to_have_url(f"{base}/#/")
        assert errors == [], errors
        ctx.close()


def test_the_sync_screen_speaks_indonesian_and_remembers_the_last_sync(live_server, new_context):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    login(page, base, "kader6")
    wait_synced(page)
    sw_controls(page)
    ctx.set_offline(True)
    page.reload()
    enter_pin(page)
    register_child(page, "Wulan Antre", days_old=90)

    page.goto(f"{base}/#/sync")
    expect(page.locator("#queue .tag")).to_have_text("menunggu")
    page.get_by_role("button", name="Sinkron sekarang").click()
    expect(page.locator("#sync-error")).to_have_text(
        "Sinkron gagal (tidak ada koneksi internet). Dicoba lagi otomatis.")
    expect(page.get_by_text(re.compile("^Sinkron terakhir: "))).not_to_contain_text("belum pernah")
    page.goto(f"{base}/#/settings")
    expect(page.locator("#who")).to_have_text("Kader Posyandu Dahlia")
    ctx.set_offline(False)
    wait_synced(page)


def test_a_small_phone_shows_no_menu_at_login_and_a_child_from_its_top(live_server, new_context):
    base = live_server.url
    ctx = new_context()
    page = ctx.new_page()
    page.goto(base + "/")
    expect(page.get_by_role("heading", name="Masuk")).to_be_visible()
    expect(page.locator("#nav")).to_be_hidden()
    login(page, base, "kader6")
    wait_synced(page)
    expect(page.locator("#nav")).to_be_visible()
    last = page.locator("#children a").last
    last.scroll_into_view_if_needed()
    assert page.evaluate("() => window.scrollY") > 1000
    name = last.locator("strong").inner_text()
    last.click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    assert page.evaluate("() => window.scrollY") == 0


def test_the_page_says_it_is_loading_in_the_users_language_before_the_app_runs(live_server, new_context):
    """index.html said "Memuat…" to an English user until app.js ran (a moment, longer on a slow
    phone); js/lang.js, a classic script (no inline one: the CSP), sets the page's language first."""
    base = live_server.url
    for lang, said, hidden in (("en", "Loading…", "Memuat…"), ("id", "Memuat…", "Loading…"), (None, "Memuat…", "Loading…")):
        ctx = new_context()
        if lang:
            ctx.add_init_script(f"localStorage.setItem('lang', '{lang}')")
        page = ctx.new_page()
        page.route("**/js/app.js", lambda route: route.abort())  # the app never runs: its first sight stays
        page.goto(base + "/")
        expect(page.locator("main .loading")).to_have_text(said, use_inner_text=True)
        expect(page.locator("main .loading").get_by_text(hidden)).to_be_hidden()
        ctx.close()


def test_a_midwifes_child_screen_names_the_childs_posyandu_in_both_languages(live_server, new_context):
    """A bidan sees the children of several posyandu: each child's screen says which is hers."""
    base = live_server.url
    page = new_context().new_page()
    login(page, base, "bidan1")
    wait_synced(page)
    posyandus = live_server.api("GET", "/posyandu", "bidan1").get_json()["items"]
    assert len(posyandus) > 1
    for pos in posyandus[:2]:
        child = live_server.api("GET", f"/children?posyandu_id={pos['id']}", "bidan1").get_json()["items"][0]
        page.goto(f"{base}/#/child/{child['id']}")
        expect(page.get_by_role("heading", name=child["name"], exact=True)).to_be_visible()
        expect(page.locator("#child-posyandu")).to_have_text(pos["name"])
        expect(page.locator("#child-posyandu")).to_be_in_viewport()
    page.locator("#lang-btn").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    expect(page.locator("#child-posyandu")).to_have_text(posyandus[1]["name"])
