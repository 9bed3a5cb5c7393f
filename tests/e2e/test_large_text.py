"""An older kader's phone with its text set large, in real Chromium: the app's text follows the
size she chose in the browser (1.4.4), and what she taps in the header is a finger's size (2.5.8)."""
from __future__ import annotations

import pytest

from playwright.sync_api import expect

from tests.e2e.pages import login, wait_synced

pytestmark = pytest.mark.e2e


def test_the_text_follows_the_font_size_chosen_in_the_browser(live_server, new_context):
    """1.4.4: the stylesheet pinned the page's root at 16 px, so the browser's own font size
    (Chrome's "Font size", Firefox's and Samsung Internet's text size: a default of 26 px here) changed
    nothing: every rem stayed 16 px. The root now takes the size the browser gives."""
    page = new_context().new_page()
    cdp = page.context.new_cdp_session(page)
    cdp.send("Page.enable")
    cdp.send("Page.setFontSizes", {"fontSizes": {"standard": 26}})
    page.goto(live_server.url + "/")
    page.get_by_label("Nama pengguna").wait_for()
    sizes = page.evaluate("() => ['html', 'main h2', 'label', 'main button'].map("
                          "(s) => parseFloat(getComputedStyle(document.querySelector(s)).fontSize))")
    assert sizes[0] == 26, sizes
    assert sizes[1] > 26 and sizes[2] == 26 and sizes[3] == 26, sizes
    assert page.evaluate("() => document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("text", ["100%", "160%"])
def test_the_headers_home_link_is_a_finger_sized_target(live_server, new_context, text):
    """2.5.8 and the app's own 48 px: on a phone (up to 420 px) the header's "Posyandu" link is its
    icon alone (the word is for screen readers), 32 px wide beside the sync chip: a tap meant for it
    took the chip or nothing. It is now 48 px wide, at normal and at large text, and takes no room from
    the chip (its words on one line: test_narrow_screen)."""
    page = new_context(device_scale_factor=2, has_touch=True, is_mobile=True).new_page()
    page.add_init_script(f"document.addEventListener('DOMContentLoaded', () => {{"
                         f" document.documentElement.style.fontSize = '{text}'; }})")
    login(page, live_server.url, "kader1")
    wait_synced(page)
    brand, chip = (page.locator(s).bounding_box() for s in (".brand", "#sync-chip"))
    assert round(brand["width"]) >= 48 and round(brand["height"]) >= 48, brand
    assert chip["x"] >= brand["x"] + brand["width"] - 0.5, (brand, chip)  # beside it, not over it


def _split_in(page, selector: str) -> list[str]:
    """The words of SPLIT_WORDS (laid out across two lines) found in the elements `selector` names."""
    from tests.e2e.test_accessibility import SPLIT_WORDS

    return page.evaluate(f"(s) => ({SPLIT_WORDS})().filter((w) => [...document.querySelectorAll(s)]"
                         ".some((e) => e.textContent.includes(w)))", selector)


def test_the_immunisation_cards_words_stay_whole_at_160_percent(live_server, new_context):
    """1.4.4 at the text size an older kader sets (160 %, 360 px): the card's every cell could break
    anywhere once the panel was under 12 em, so a dose's state read "terle|wat", "jatuh temp|o", "sudah"
    in pieces, though the table fits with its words whole. They now break only where it would not fit
    (200 % stays within the page: test_accessibility)."""
    page = new_context(device_scale_factor=2, has_touch=True, is_mobile=True).new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    page.locator("#children a", has_text="imunisasi").first.click()  # a child with doses due: "jatuh tempo"
    cells = page.locator("#card td")
    expect(cells.first).to_be_visible()
    page.evaluate("() => { document.documentElement.style.fontSize = '160%'; }")
    page.wait_for_timeout(100)
    assert _split_in(page, "#card td, #card th") == []
    assert page.locator("#card").evaluate("(p) => p.querySelector('table').getBoundingClientRect().right"
                                          " <= p.getBoundingClientRect().right")


def test_what_to_bring_and_the_doses_heading_keep_their_words_whole(live_server, new_context):
    """1.4.4: at 130 % text (Android's "large") the day's "Yang perlu dibawa" read "Dos|is" ("Do|ses"):
    its number columns were capped at 72 px whatever the text size; and at 160 % "Vaksin/obat" and the
    doses form's heading "Catat imunisasi/vitamin diberikan" broke inside "obat" and "vitamin" (no
    line break was allowed at the slash). The columns now grow with the text (up to 30 % of the
    table), and the slash is a place to wrap."""
    page = new_context(device_scale_factor=2, has_touch=True, is_mobile=True).new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    child = page.locator("#children a", has_text="imunisasi").first.get_attribute("href")
    found = {}
    for lang in ("id", "en"):
        if lang == "en":
            page.locator("#lang-btn").click()
            page.wait_for_function("() => document.documentElement.lang === 'en'")
        page.goto(live_server.url + "/#/")
        page.locator("#bring td").first.wait_for(state="attached")
        page.evaluate("() => { document.getElementById('due-list').open = true; }")
        for text in ("130%", "160%"):
            page.evaluate("(s) => { document.documentElement.style.fontSize = s; }", text)
            page.wait_for_timeout(100)
            found[lang, text] = _split_in(page, "#bring th" if text == "130%" else "#bring thead th:first-child")
        page.goto(live_server.url + "/" + child.replace("#/child/", "#/doses/"))
        page.locator("#doses-form h2").wait_for()
        page.wait_for_timeout(100)
        found[lang, "doses"] = _split_in(page, "#doses-form h2")
        page.evaluate("() => { document.documentElement.style.fontSize = ''; }")
    assert found == {(lang, k): [] for lang in ("id", "en") for k in ("130%", "160%", "doses")}


# Each number of the children's ages ("4 th 1 bln", "10 bln", "12 hari") laid out on another line than its unit.
AGE_SPLIT = """() => [...document.querySelectorAll('#children small')].flatMap((small) => {
  const node = small.firstChild;
  return [...node.data.matchAll(/(\\d+)\\s(th|bln|hari|y|m|days?)\\b/g)].filter((m) => {
    const r = document.createRange();
    r.setStart(node, m.index);
    r.setEnd(node, m.index + m[0].length);
    return new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top))).size > 1;
  }).map((m) => small.textContent);
})"""


def test_a_childs_age_keeps_each_number_with_its_unit(live_server, new_context):
    """At large text a child's age wrapped between a number and its unit: "Laki-laki · 18 Okt 2022 · 4" on
    one line, "th 1 bln" on the next, read as a child of 4 (and "1" left from "bln"). Each number now
    stays with its unit, on the home list (as on the child's and the parent's screens), in both languages."""
    page = new_context(device_scale_factor=2, has_touch=True, is_mobile=True).new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    found = []
    for lang in ("id", "en"):
        if lang == "en":
            page.locator("#lang-btn").click()
            page.wait_for_function("() => document.documentElement.lang === 'en'")
        page.locator("#children small").first.wait_for()
        for text in ("130%", "145%", "160%", "180%", "200%"):
            page.evaluate("(s) => { document.documentElement.style.fontSize = s; }", text)
            page.wait_for_timeout(100)
            found += [(lang, text, age) for age in page.evaluate(AGE_SPLIT)]
    assert found == []


def test_the_immunisation_cards_columns_are_named_for_a_screen_reader_and_take_no_room(live_server, new_context):
    """1.3.1: each row of the card is a vaccine (its row header), its state and a date; without column
    headers TalkBack read "BCG, sudah, 12 Jan 2025" with nothing saying what the date was. The header
    row is for screen readers only: a visible one widened the card past the screen at 160 % text."""
    page = new_context(device_scale_factor=2, has_touch=True, is_mobile=True).new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    page.locator("#children a", has_text="imunisasi").first.click()
    card = page.locator("#card table")
    expect(card.locator("td").first).to_be_visible()
    expect(card.get_by_role("columnheader")).to_have_text(["Vaksin", "Status", "Tanggal"])
    assert card.locator("thead tr").evaluate("(r) => r.getBoundingClientRect().height") <= 2
    first_row = card.locator("tbody tr").first
    assert first_row.get_by_role("cell").count() == 2 and first_row.get_by_role("rowheader").count() == 1


@pytest.mark.parametrize("text, sticky", [("100%", True), ("200%", False)])
def test_a_header_taller_than_a_fifth_of_the_screen_scrolls_away(live_server, new_context, text, sticky):
    """1.4.10 at 200 % text on a 360 × 640 phone: the header (icon, chip and language on two rows) was
    195 px, fixed over every screen, a third of it lost, more with the keyboard open. Taller than a
    fifth of the screen it now scrolls with the page; at normal text it stays on top."""
    page = new_context(has_touch=True, is_mobile=True).new_page()
    page.set_viewport_size({"width": 360, "height": 640})
    page.add_init_script(f"document.addEventListener('DOMContentLoaded', () => {{"
                         f" document.documentElement.style.fontSize = '{text}'; }})")
    login(page, live_server.url, "kader1")
    wait_synced(page)
    bar = page.locator(".bar")
    assert (bar.bounding_box()["height"] > 128) is not sticky
    page.evaluate("() => window.scrollTo(0, 600)")
    page.wait_for_timeout(100)
    top = page.evaluate("() => document.querySelector('.bar').getBoundingClientRect().bottom")
    assert (top > 0) is sticky, top
