"""WCAG 2.2 AA checks of the PWA in real Chromium, written by hand (no axe, no CDN): what a cadre
with weaker eyes (large text), on a small phone, with a keyboard or TalkBack, meets at the table."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.e2e.pages import login, wait_synced, weigh_first_child_refused

pytestmark = pytest.mark.e2e

# Where the page runs past the screen's right edge, and whether the header's sync chip holds its
# text and keeps clear of the language button (an elderly cadre's 200 % text: Android's font size).
OVERFLOW = """() => {
  const W = document.documentElement.clientWidth;
  const chip = document.getElementById('sync-chip'), lang = document.getElementById('lang-btn');
  const a = chip.getBoundingClientRect(), b = lang.getBoundingClientRect();
  return {
    page: document.documentElement.scrollWidth - W,
    chipText: chip.hidden ? 0 : chip.scrollWidth - chip.clientWidth,
    overlap: !chip.hidden && a.right > b.left && b.right > a.left && a.bottom > b.top && b.bottom > a.top,
    words: [...document.querySelectorAll('main h2, main .btn, main .status > *, main label')]
      .filter((e) => e.offsetWidth && e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent.trim()),
  };
}"""


def _first_child(page, base: str) -> str:
    page.goto(base + "/#/")
    return page.locator("#children a").first.get_attribute("href").split("/")[-1]


def _kader1_with_a_child(live_server, new_context) -> tuple:
    """kader1's phone, synced, and the id of the first child on her home list: (page, base, child id)."""
    base = live_server.url
    page = new_context().new_page()
    login(page, base, "kader1")
    wait_synced(page)
    return page, base, _first_child(page, base)


def test_the_screens_reflow_at_320_px_and_at_200_percent_text(live_server, new_context):
    """1.4.10 (320 CSS px, no scrolling sideways) and 1.4.4 (text at 200 %, nothing cut off or
    overlapping): the child's screen, its forms, the day, sync and settings, as a kader sees them."""
    page, base, child = _kader1_with_a_child(live_server, new_context)
    screens = ["", f"child/{child}", f"visit/{child}", f"doses/{child}", f"card/{child}", "register", "sync",
               "settings"]
    found = []
    for screen in screens:
        page.goto(f"{base}/#/{screen}")
        page.locator("main h2").first.wait_for()
        page.wait_for_timeout(300)
        for width, text in ((320, "100%"), (360, "200%"), (320, "200%")):
            page.set_viewport_size({"width": width, "height": 740})
            page.evaluate("(s) => document.documentElement.style.setProperty('font-size', s === '100%' ? '' : '32px')", text)
            page.wait_for_timeout(100)
            got = page.evaluate(OVERFLOW)
            if got["page"] > 0 or got["chipText"] > 0 or got["overlap"] or got["words"]:
                found.append((screen.split("/")[0] or "home", width, text, got))
        page.evaluate("() => document.documentElement.style.removeProperty('font-size')")
        page.set_viewport_size({"width": 360, "height": 740})
    assert found == []


# The focused element's top and bottom (its 3 px ring at 2 px included) and the sticky header's bottom.
FOCUSED = """() => {
  const e = document.activeElement, r = e.getBoundingClientRect();
  return {inMain: !!e.closest('main'), text: (e.textContent || e.name || '').trim().slice(0, 40),
          top: r.top - 5, bottom: r.bottom, header: document.querySelector('.bar').getBoundingClientRect().bottom,
          height: innerHeight};
}"""


@pytest.mark.parametrize("text", ["100%", "200%"])
def test_a_focused_link_or_button_is_never_hidden_under_the_sticky_header(live_server, new_context, text):
    """2.4.11: going back up the child's screen with Shift+Tab (a keyboard, a switch), each link
    and button scrolls into view below the header; it scrolled to the very top, under it."""
    page, base, child = _kader1_with_a_child(live_server, new_context)
    page.goto(f"{base}/#/child/{child}")
    page.locator("#history").wait_for()
    if text == "200%":
        page.evaluate("() => document.documentElement.style.setProperty('font-size', '32px')")
    page.evaluate("() => { const all = main.querySelectorAll('a[href], button, input, select, summary');"
                  " all[all.length - 1].focus(); }")
    hidden = []
    for _ in range(400):  # the child's every weighing has its "Ubah": the demo's history grows by the month
        page.keyboard.press("Shift+Tab")
        got = page.evaluate(FOCUSED)
        if not got["inMain"]:
            break
        if got["top"] < got["header"] - 0.5 or got["bottom"] > got["height"]:
            hidden.append(got)
    assert got["inMain"] is False  # went all the way up to the header
    assert hidden == []


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG 2.2 relative luminance of an sRGB colour (0-255 channels)."""
    def lin(c: float) -> float:
        c /= 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple, b: tuple) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_is_computed_as_wcag_says():
    assert round(contrast((255, 255, 255), (0, 0, 0)), 2) == 21.0
    assert round(contrast((255, 255, 255), (0x76, 0x76, 0x76)), 2) == 4.54  # the well-known AA grey


# The focus ring of the focused element: outline colour and width, a box-shadow ring's colour and
# spread, and the colour behind the element (its first opaque ancestor background).
RING = """() => {
  const e = document.activeElement, s = getComputedStyle(e);
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).slice(0, 4).map(Number);
  let behind = null;
  for (let p = e.parentElement; p && !behind; p = p.parentElement) {
    const c = rgb(getComputedStyle(p).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] === 1)) behind = c.slice(0, 3);
  }
  const shadow = s.boxShadow.match(/rgba?\\([^)]*\\)\\s+0px\\s+0px\\s+0px\\s+([\\d.]+)px/);
  return {text: e.textContent.trim().slice(0, 30), outline: rgb(s.outlineColor).slice(0, 3),
          outlineWidth: parseFloat(s.outlineWidth), outlineStyle: s.outlineStyle, behind: behind || [255, 255, 255],
          shadow: shadow ? rgb(shadow[0]).slice(0, 3) : null, shadowSpread: shadow ? Number(shadow[1]) : 0};
}"""


def test_the_keyboard_focus_ring_stands_out_on_white_and_on_the_green_header(live_server, new_context):
    """2.4.7 and 1.4.11: the pale yellow ring alone (#f2c14e) is 1.7:1 on the white cards, hardly seen
    in daylight. Either the ring itself is 3:1 against what is behind the element, or it is two
    colours of 9:1 between them, each at least 2 px (WCAG technique C40), so it shows on any
    background: the white cards and the green header alike."""
    page, base, child = _kader1_with_a_child(live_server, new_context)
    page.goto(f"{base}/#/child/{child}")
    page.locator("#history").wait_for()
    rings = []
    page.locator("main a.btn").first.focus()  # focus() from script: no ring; the keyboard's Tab draws it
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    rings.append(page.evaluate(RING))
    page.locator("#history a").first.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    rings.append(page.evaluate(RING))
    page.locator("#lang-btn").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    rings.append(page.evaluate(RING))
    assert [r["text"] for r in rings] == ["Catat penimbangan", "Ubah", "EN"]
    for ring in rings:
        assert ring["outlineStyle"] != "none" and ring["outlineWidth"] >= 2, ring
        alone = contrast(ring["outline"], ring["behind"]) >= 3
        two_tone = (ring["shadow"] is not None and ring["shadowSpread"] >= 2
                    and contrast(ring["outline"], ring["shadow"]) >= 9)
        assert alone or two_tone, ring


def _focused(page) -> str:
    return page.evaluate("() => { const e = document.activeElement; return e.id === 'parents-status' ? '#parents-status'"
                         " : e === document.body ? 'body' : e.textContent.trim(); }")


def test_a_two_tap_confirmation_keeps_the_focus_with_its_buttons(live_server, new_context):
    """2.4.3 and 4.1.2, keyboard and TalkBack: "Batalkan kode" is replaced by "Ya, batalkan kode ini"
    and "Batal"; the focus was left on nothing (the page's top, TalkBack silent). It now moves to
    "Ya, …", back to "Batalkan kode" on "Batal", and to the sentence saying what was done."""
    page, base, child = _kader1_with_a_child(live_server, new_context)
    page.goto(f"{base}/#/child/{child}")
    page.get_by_role("button", name="Undang orang tua").click()
    page.locator("#invite").get_by_text("Kode untuk orang tua").wait_for()
    panel = page.locator("#parents-panel")
    panel.get_by_role("button", name="Lihat orang tua & kode undangan").click()
    revoke = panel.locator("ul.codes li").first.get_by_role("button", name="Batalkan kode")
    revoke.focus()
    page.keyboard.press("Enter")
    assert _focused(page) == "Ya, batalkan kode ini"
    page.keyboard.press("Tab")
    assert _focused(page) == "Batal"
    page.keyboard.press("Enter")
    assert _focused(page) == "Batalkan kode"
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    panel.locator("#parents-status").get_by_text("Kode dibatalkan").wait_for()
    page.wait_for_function("() => document.activeElement.id === 'parents-status'")


def test_the_page_and_the_language_button_say_their_language(live_server, new_context):
    """3.1.1 and 3.1.2: the page's lang follows the ID/EN switch, and the button, which names the
    other language in its own words ('English' on the Indonesian page, 'Bahasa Indonesia' on the
    English one), says so: TalkBack read 'English' with Indonesian pronunciation and back."""
    base = live_server.url
    page = new_context().new_page()
    page.goto(base + "/")
    page.get_by_label("Nama pengguna").wait_for()
    langs = "() => [document.documentElement.lang, document.getElementById('lang-btn').lang]"
    assert page.evaluate(langs) == ["id", "en"]
    page.get_by_role("button", name="EN (English)").click()
    page.get_by_label("Username").wait_for()
    assert page.evaluate(langs) == ["en", "id"]
    page.get_by_role("button", name="ID (Bahasa Indonesia)").click()
    page.get_by_label("Nama pengguna").wait_for()
    assert page.evaluate(langs) == ["id", "en"]


def test_the_link_a_notice_leads_on_with_is_a_finger_sized_target(live_server, new_context):
    """2.5.8 and the 44 px the app gives what a user taps to act: the link that is a notice's action
    ('1 kemungkinan anak ganda perlu diperiksa' on a bidan's home, 'Periksa kemungkinan anak ganda'
    on the child's screen) was a line of text, 23 to 42 px tall, in a box of its own."""
    base = live_server.url
    page = new_context().new_page()
    login(page, base, "bidan1")
    wait_synced(page)
    page.goto(base + "/#/")
    home = page.locator("#dup-notice a")
    home.wait_for()
    sizes = {"home": home.bounding_box()}
    home.click()
    page.locator("main table a").first.click()  # the first child of the pair, on its own screen
    child = page.locator("#dup-child a")
    child.wait_for()
    sizes["child"] = child.bounding_box()
    assert {k: (round(b["width"]) >= 44 and round(b["height"]) >= 44) for k, b in sizes.items()} == {
        "home": True, "child": True}, sizes


def test_sync_now_says_how_it_went_and_keeps_the_focus(live_server, new_context):
    """4.1.3 and 2.4.3: 'Sinkron sekarang' drew the sync screen again; its outcome ('Sinkron gagal
    (tidak ada koneksi internet)…') came in new paragraphs that no screen reader reads out, and the
    button pressed was replaced, so the focus fell to the page: TalkBack said nothing at all."""
    from tests.e2e.pages import offline_with_new_child

    ctx, page, _ = offline_with_new_child(new_context, live_server.url, "kader2", "Tika Aksesibel", days_old=60)
    page.goto(f"{live_server.url}/#/sync")
    button = page.get_by_role("button", name="Sinkron sekarang")
    button.focus()
    page.keyboard.press("Enter")
    page.locator("#sync-error").wait_for()
    page.wait_for_function("() => /Sinkron gagal \\(tidak ada koneksi internet\\)/.test(document.getElementById('live').textContent)")
    assert "1 menunggu sinkron" in page.locator("#live").inner_text()
    assert page.evaluate("() => document.activeElement.id") == "sync-now"
    # the language switched: what the live region said is not left there in the other language
    page.click("#lang-btn")
    page.get_by_role("button", name="Sync now").wait_for()
    assert "Sinkron" not in page.locator("#live").inner_text()


def test_a_new_screen_takes_the_focus_to_its_heading(live_server, new_context):
    """2.4.3 and 4.1.3, TalkBack: a child tapped in the list opened her screen, but the link tapped
    was gone with the list and the focus was left on nothing: TalkBack did not say which screen
    came, and its next swipe started from the page's top. The heading of a new screen now takes it."""
    base = live_server.url
    page = new_context().new_page()
    login(page, base, "kader1")
    wait_synced(page)
    page.goto(base + "/#/")
    link = page.locator("#children a").first
    name = link.locator("strong").inner_text()
    link.click()
    page.get_by_role("heading", name=name, exact=True).wait_for()
    page.wait_for_function("(name) => document.activeElement.tagName === 'H2'"
                           " && document.activeElement.textContent === name", arg=name)
    page.get_by_role("link", name="Catat penimbangan").click()
    page.wait_for_function("() => document.activeElement.tagName === 'H2'"
                           " && document.activeElement.textContent.startsWith('Catat penimbangan')")


def test_the_installed_app_turns_with_the_phone(live_server):
    """1.3.4 Orientation: the manifest locked the installed app in portrait ('orientation':
    'portrait'), so a cadre with a phone on a stand, or one who turns it sideways for bigger text,
    wider report tables and growth charts, could not. Nothing in the app needs one orientation."""
    with live_server.app.test_client().get("/manifest.webmanifest") as served:
        manifest = served.get_json(force=True)
    assert manifest.get("orientation", "any") in ("any", "natural")


def test_the_skip_link_goes_to_the_screens_content_not_to_the_home_screen(live_server, new_context):
    """2.4.1: 'Lewati ke isi' (href='#main') changed the hash the app routes by: on a child's screen
    it opened the home screen ('#main' fell to the home route) instead of moving past the header."""
    page, base, child = _kader1_with_a_child(live_server, new_context)
    page.goto(f"{base}/#/child/{child}")
    page.locator("#history").wait_for()
    name = page.locator("main h2").first.inner_text()
    page.locator(".skip").focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement.id === 'main'")
    page.keyboard.press("Tab")  # on to the screen's first link
    assert page.evaluate("() => document.activeElement.closest('main') !== null")
    assert page.url == f"{base}/#/child/{child}"
    assert page.locator("main h2").first.inner_text() == name


def test_buang_asks_a_second_tap_before_a_record_is_thrown_away(live_server, new_context):
    """3.3.4 (deleting the user's data: confirmed): 'Buang' under 'Perlu perhatian' threw away at
    one tap a weighing that never reached the server, beside 'Perbaiki'. It now asks 'Ya, buang data
    ini' (with the focus), and 'Batal' takes it back."""
    base = live_server.url
    page = new_context().new_page()
    login(page, base, "kader4")
    wait_synced(page)

    weigh_first_child_refused(page)
    page.goto(base + "/#/sync")
    row = page.locator("#attention li")
    row.get_by_role("button", name="Buang").click()
    confirm = row.get_by_role("button", name="Ya, buang data ini")
    expect(confirm).to_be_focused()
    # a sync finishing meanwhile (the connection back, the five-minute round) draws the screen again
    # only once she has answered: it took the question and its focus away under her finger
    page.evaluate("""() => new Promise((resolve) => {
      const chip = document.getElementById('sync-chip');
      const seen = new MutationObserver((records) => {
        if (chip.dataset.phase === 'done' && records.some((r) => r.oldValue !== 'done')) { seen.disconnect(); resolve(); }
      });
      seen.observe(chip, { attributes: true, attributeFilter: ['data-phase'], attributeOldValue: true });
      window.dispatchEvent(new Event('online'));
    })""")
    expect(confirm).to_be_focused()
    assert row.count() == 1
    row.get_by_role("button", name="Batal").click()
    row.get_by_role("button", name="Buang").click()
    row.get_by_role("button", name="Ya, buang data ini").click()
    page.locator("#attention").wait_for(state="detached")


# The words of the screen's text split across two lines (a break inside a word, as "norm|al"): each
# word of each text node is a Range whose boxes are on more than one line.
SPLIT_WORDS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.offsetWidth) continue;
    for (const m of node.textContent.matchAll(/[^\\s\\/\\-–—·(),:]+/g)) {
      const r = document.createRange();
      r.setStart(node, m.index);
      r.setEnd(node, m.index + m[0].length);
      const tops = new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top)));
      if (tops.size > 1) out.push(m[0]);
    }
  }
  return out;
}"""


@pytest.mark.parametrize("width", [320, 360])
def test_no_word_is_cut_in_two_at_normal_text(live_server, new_context, width):
    """A status ("normal"), a dose's state ("terlambat"), a tag or a button's word is never broken
    inside the word on a small phone at normal text ("norm" on one line, "al" on the next reads as
    nothing); only a word wider than the whole line may be."""
    page, base, child = _kader1_with_a_child(live_server, new_context)
    page.set_viewport_size({"width": width, "height": 740})
    found = {}
    for screen in ["", f"child/{child}", f"visit/{child}", f"doses/{child}", f"card/{child}", "register", "sync",
                   "settings", "reports"]:
        page.goto(f"{base}/#/{screen}")
        page.locator("main h2").first.wait_for()
        page.wait_for_timeout(300)
        split = page.evaluate(SPLIT_WORDS)
        if split:
            found[screen.split("/")[0] or "home"] = split
    assert found == {}, found


def test_a_screen_opened_from_the_menu_takes_the_focus_and_the_menu_says_which_it_is(live_server, new_context):
    """2.4.3 and 4.1.2, TalkBack: a midwife tapping 'Laporan' in the menu heard nothing of the screen
    that came (the focus stayed on the menu link, which no screen marked as the one shown), and her
    next swipe went on through the menu. The new screen's heading now takes the focus, and the
    menu's link of the screen shown says so (aria-current)."""
    base = live_server.url
    page = new_context().new_page()
    login(page, base, "bidan1")
    wait_synced(page)
    current = "() => [...document.querySelectorAll('#nav [aria-current=page]')].map((a) => a.textContent)"
    assert page.evaluate(current) == ["Beranda"]
    page.locator("#nav").get_by_role("link", name="Laporan").click()
    page.wait_for_function("() => document.activeElement.tagName === 'H2'"
                           " && document.activeElement.textContent === 'Laporan bulanan'")
    assert page.evaluate(current) == ["Laporan"]
    page.locator("#nav").get_by_role("link", name="Anak ganda").click()
    page.wait_for_function("() => document.activeElement.textContent === 'Kemungkinan anak ganda'")
    assert page.evaluate(current) == ["Anak ganda"]
    # its mark takes nothing from the keyboard's focus ring (2.4.7, as every other link's)
    page.locator("#nav a[aria-current]").focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate(RING)
    assert ring["text"] == "Anak ganda"
    assert ring["shadow"] is not None and ring["shadowSpread"] >= 2 and contrast(ring["outline"], ring["shadow"]) >= 9, ring
    page.locator("#nav").get_by_role("link", name="Beranda").click()
    page.locator("#children a").first.click()  # a screen of none of the menu's links
    page.wait_for_function("() => location.hash.startsWith('#/child/') && document.activeElement.tagName === 'H2'")
    assert page.evaluate(current) == []


def test_the_focus_stays_on_the_screen_after_a_pair_of_children_is_judged(live_server, new_context):
    """2.4.3: 'Ya, anak yang berbeda' (and 'Ya, gabungkan') draws the duplicates screen again once the
    server has answered; the button tapped went with the old drawing and the focus fell to the page
    itself, so TalkBack's next swipe started again at the header. The screen's heading takes it."""
    from datetime import date, timedelta

    base = live_server.url
    born = (date.today() - timedelta(days=15)).isoformat()
    posyandu_id = live_server.api("GET", "/posyandu", "kader2").get_json()["items"][0]["id"]
    ids = []
    for name in ("Larasati Ayuningtyas", "Larasita Ayuningtyas"):
        made = live_server.api("POST", "/children", "kader2", json={"posyandu_id": posyandu_id, "name": name, "sex": "F",
                                                                   "birth_date": born, "mother_name": "Wening Ayu"})
        assert made.status_code == 201, made.get_json()
        ids.append(made.get_json()["id"])
    assert live_server.api("GET", f"/children/{ids[1]}", "bidan1").get_json()["possible_duplicate_of"] == ids[0]
    page = new_context().new_page()
    login(page, base, "bidan1")
    wait_synced(page)
    page.goto(base + "/#/duplicates")
    pair = page.locator(f".dup-pair[data-first='{ids[0]}'][data-second='{ids[1]}']")
    pair.get_by_role("button", name="Bukan anak yang sama").click()
    pair.get_by_role("button", name="Ya, anak yang berbeda").click()
    expect(page.locator("#dup-done")).to_be_visible()
    expect(pair).to_have_count(0)
    page.wait_for_function("() => document.activeElement.tagName === 'H2'"
                           " && document.activeElement.textContent === 'Kemungkinan anak ganda'")


def test_the_language_button_in_settings_switches_in_place_and_says_its_language(live_server, new_context):
    """Settings' 'English' reloaded the page to switch: the app came back locked, asking the PIN
    again (and offline a midwife who had forgotten it could not get back in without a signal); and
    TalkBack read 'English' with Indonesian pronunciation (3.1.2). It now switches in place, as the
    header's button does, and says which language it names."""
    base = live_server.url
    page = new_context().new_page()
    login(page, base, "bidan1")
    wait_synced(page)
    page.goto(base + "/#/settings")
    button = page.get_by_role("button", name="English", exact=True)
    assert button.get_attribute("lang") == "en"
    button.click()
    page.get_by_role("heading", name="Settings").wait_for()
    assert page.locator("input[name=pin]").count() == 0
    assert page.evaluate("() => [document.documentElement.lang, location.hash, document.getElementById('nav').hidden]") \
        == ["en", "#/settings", False]
    expect(page.locator("#nav")).to_contain_text("Reports")
    back = page.get_by_role("button", name="Bahasa Indonesia", exact=True)
    assert back.get_attribute("lang") == "id"
    back.click()
    page.get_by_role("heading", name="Pengaturan").wait_for()
    assert page.evaluate("() => document.documentElement.lang") == "id"
