"""A 360 px phone in real Chromium, both languages: the header's sync chip stays one line while a
first sync downloads ("Mengunduh… 5000 data" wrapped onto two) or while changes wait offline or the sync fails, a child's weighing dates keep their day and month
on one line, the year at most on a second (English wrapped "12 Nov 2026" onto three), a due child's dose and its status ("OPV 2 · terlambat") are never
split across lines, and every dose given has its "Ubah" in the same place, below its name and date
(a vitamin A capsule's, with no batch line, stood beside its name)."""
from __future__ import annotations

import re

import pytest

from playwright.sync_api import expect

from tests.e2e.pages import login, offline_phone, register_child, wait_synced

pytestmark = pytest.mark.e2e

# the lines a text node is laid out on (its boxes' distinct tops)
LINES = """(node) => { const r = document.createRange(); r.selectNodeContents(node);
  return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }"""


def both_languages(page):
    yield "id"
    page.locator("#lang-btn").click()
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    yield "en"


def test_a_childs_weighing_dates_keep_their_day_and_month_together(live_server, new_context):
    """At most two lines, the day and its month on the first (the row is as tall for its 44 px "Ubah"),
    and the table within its panel, its "Ubah" links in view."""
    page = new_context().new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    page.locator("#children a").first.click()
    for lang in both_languages(page):
        page.locator("#history tbody tr").first.wait_for()
        dates = page.locator("#history tbody td:first-child")
        assert dates.count() > 5
        lines = [d.evaluate(f"(td) => ({LINES})(td.firstChild)") for d in dates.all()]
        assert max(lines) <= 2, (lang, dates.first.inner_text(), lines)
        first_lines = dates.first.evaluate("""(td) => { const r = document.createRange();
          r.setStart(td.firstChild, 0); r.setEnd(td.firstChild, td.firstChild.data.lastIndexOf(' '));
          return new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size; }""")
        assert first_lines == 1, (lang, dates.first.inner_text())
        assert page.locator("#history").evaluate("""(panel) => panel.querySelector('table').getBoundingClientRect().right
          <= panel.getBoundingClientRect().right - parseFloat(getComputedStyle(panel).paddingRight) + 0.5"""), lang


def test_an_underweight_child_over_a_metre_tall_keeps_her_history_table_in_its_panel(live_server, new_context):
    """English's one long word "underweight" beside a length of 100 cm or more pushed the table 3 px out
    of its panel at 360 px (Indonesian's "berat badan kurang" wraps): the "Edit" links half under the panel's edge."""
    from datetime import date, timedelta

    posyandu_id = live_server.api("GET", "/posyandu", "kader1").get_json()["items"][0]["id"]
    today = date.today()
    made = live_server.api("POST", "/children", "kader1", json={
        "posyandu_id": posyandu_id, "name": "Raka Kurus Tinggi", "sex": "M",
        "birth_date": (today - timedelta(days=4 * 365)).isoformat()})
    assert made.status_code == 201, made.get_json()
    child_id = made.get_json()["id"]
    for months_ago in range(6):  # 28 Nov, 28 Oct, …: the widest day and month; BB/U below -2 SD at 48 months
        day = today - timedelta(days=30 * months_ago + 7)
        weighed = live_server.api("POST", f"/children/{child_id}/measurements", "kader1", json={
            "measured_on": day.isoformat(), "weight_kg": 12.3 - months_ago / 10,
            "length_height_cm": 101.7 - months_ago / 2, "position": "standing"})
        assert weighed.status_code == 201, weighed.get_json()

    page = new_context().new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    page.get_by_label("Cari nama anak").fill("Raka Kurus Tinggi")
    page.locator("#children a", has_text="Raka Kurus Tinggi").click()
    for lang in both_languages(page):
        expect(page.locator("#history tbody tr")).to_have_count(6)
        expect(page.locator("#history tbody td.warn").first).to_have_text("berat badan kurang" if lang == "id" else "underweight")
        assert page.locator("#history").evaluate("""(panel) => panel.querySelector('table').getBoundingClientRect().right
          <= panel.getBoundingClientRect().right - parseFloat(getComputedStyle(panel).paddingRight) + 0.5"""), lang


def test_a_due_childs_dose_and_its_status_stay_together(live_server, new_context):
    page = new_context().new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    for lang in both_languages(page):
        page.locator("#due-list .due-names li").first.wait_for(state="attached")
        page.evaluate("() => document.querySelectorAll('#due-list, #due-list details').forEach((d) => { d.open = true; })")
        statuses = page.locator("#due-list .due-names small")
        assert statuses.count() > 5
        split = [s.inner_text() for s in statuses.all() if s.evaluate(f"(s) => ({LINES})(s.firstChild)") > 1]
        assert split == [], lang


def test_every_dose_given_has_its_edit_button_below_its_name(live_server, new_context):
    page = new_context().new_page()
    login(page, live_server.url, "kader1")
    wait_synced(page)
    page.locator("#children a").first.click()
    rows = page.locator("#doses-given li.row")
    rows.first.wait_for()
    for lang in both_languages(page):
        rows.first.wait_for()
        names = [r.locator("strong").inner_text() for r in rows.all()]
        assert any("Vitamin A" in n for n in names), names
        beside = [n for r, n in zip(rows.all(), names) if r.evaluate(
            "(li) => li.querySelector('.btn').getBoundingClientRect().top < li.querySelector('.row-main').getBoundingClientRect().bottom")]
        assert beside == [], lang


def test_a_midwifes_five_menu_entries_are_set_apart(live_server, new_context):
    """Her five entries fit one row at 360 px with 2 px between them, so "Duplicates Settings" read
    as one phrase in English: each entry after the first is ruled off from the one before."""
    page = new_context().new_page()
    login(page, live_server.url, "bidan1")
    wait_synced(page)
    for lang in both_languages(page):
        entries = page.locator(".nav a:visible")
        assert entries.count() == 5, lang
        tops = {round(e.bounding_box()["y"]) for e in entries.all()}
        assert len(tops) == 1, (lang, tops)  # one row
        rules = [e.evaluate("(a) => getComputedStyle(a).borderLeftWidth") for e in entries.all()]
        assert rules[0] == "0px" and all(r == "1px" for r in rules[1:]), (lang, rules)


# the chip's text laid out: its lines (distinct tops), its height against the line height; and the header's rows
CHIP = """(said) => { const c = document.getElementById('sync-chip');
  const measure = () => { const r = document.createRange(); r.selectNodeContents(c);
    return { text: c.textContent, lines: new Set([...r.getClientRects()].map((b) => Math.round(b.top))).size,
      height: r.getBoundingClientRect().height, line: parseFloat(getComputedStyle(c).lineHeight),
      bar: [...document.querySelectorAll('.bar > *')].filter((e) => e.offsetParent)
        .map((e) => Math.round(e.getBoundingClientRect().top + e.getBoundingClientRect().height / 2)) }; };
  if (said === null) return measure();
  return import('/js/i18n.js').then(({ t }) => { // the app's own words ([key, n]), drawn in the same turn as measured
    const was = c.textContent; c.textContent = t(said[0], { n: said[1] }); const m = measure(); c.textContent = was; return m; }); }"""


def test_the_sync_chip_stays_one_line_while_a_first_sync_downloads(live_server, new_context):
    """A first sync held after its first page (the pull's pages made small, the next one kept waiting):
    the chip says how many came on one line, and the header is one row (the language button beside it),
    in both languages, also for the counts of a large posyandu or a midwife's area."""
    held = []

    def pull(route):
        if held or "cursor=" in route.request.url:
            held.append(route)  # answered when the test ends (the context closes)
            return
        route.continue_(url=re.sub(r"limit=\d+", "limit=100", route.request.url))

    page = new_context().new_page()
    page.route("**/api/v1/sync/pull*", pull)
    login(page, live_server.url, "kader1")
    for lang, words in zip(both_languages(page), ("Mengunduh… 100", "Downloading… 100")):
        page.wait_for_function(f"() => document.getElementById('sync-chip').textContent === '{words}'")
        for _ in range(200):  # its next page asked (and held): the chip stays as it is
            if held:
                break
            page.wait_for_timeout(50)
        assert held, lang
        for said in (None, ["pulling", 5000], ["pulling", 88888]):
            m = page.evaluate(CHIP, said)
            assert re.search(r"\d+", m["text"]), m
            assert m["lines"] == 1 and m["height"] < 1.5 * m["line"], (lang, m)
            assert max(m["bar"]) - min(m["bar"]) < 2, (lang, m)  # brand, chip and language button on one row


def one_line(page, lang: str, key: str) -> None:
    """The chip as drawn, and its words for the counts of a posyandu long offline, on one line, the header one row."""
    for said in (None, [key, 88], [key, 8888]):
        m = page.evaluate(CHIP, said)
        assert re.search(r"\d+", m["text"]), m
        assert m["lines"] == 1 and m["height"] < 1.5 * m["line"], (lang, m)
        assert max(m["bar"]) - min(m["bar"]) < 2, (lang, m)


def test_the_sync_chip_stays_one_line_offline_or_failing_with_changes_waiting(live_server, new_context):
    """Offline with changes waiting ("Tanpa sinyal · 88 menunggu sinkron" took two lines at 360 px), then
    online with the server failing (503): the chip says how many are not sent yet, on one line, in both languages."""
    ctx, page = offline_phone(new_context, live_server.url, "kader1")
    register_child(page, "Sari Satu Baris", days_old=100)
    for lang, words in zip(both_languages(page), ("Tanpa sinyal · 1", "Offline · 1")):
        expect(page.locator("#sync-chip")).to_have_text(words)
        expect(page.locator("#sync-chip")).to_have_accessible_name(re.compile("1 (belum terkirim|not sent yet)$"))
        one_line(page, lang, "unsent_n")
    page.route("**/api/v1/sync/push", lambda route: route.fulfill(status=503, body="down"))
    ctx.set_offline(False)
    expect(page.locator("#sync-chip")).to_have_attribute("data-phase", "error")
    for lang, words in (("en", "1 not sent yet"), ("id", "1 belum terkirim")):
        if lang == "id":
            page.locator("#lang-btn").click()
        expect(page.locator("#sync-chip")).to_have_text(words)
        one_line(page, lang, "unsent_n")


# the app's own save of `n` registrations into the outbox of the user's database (what n saves leave)
FILL = """async (n) => {
  const { openDb } = await import('/js/db.js');
  const { saveChanges } = await import('/js/outbox.js');
  const name = (await indexedDB.databases()).map((d) => d.name).find((x) => /^posyandu-(?!device)/.test(x));
  const db = await openDb(name);
  await saveChanges(db, Array.from({ length: n }, (_, i) => ({ entity: 'child', id: crypto.randomUUID(),
    fields: { name: `Anak Antre ${i}`, sex: 'F', birth_date: '2025-01-01' } })));
  db.close();
}"""


def chip_on_one_line(page, lang: str) -> dict:
    m = page.evaluate(CHIP, None)
    assert m["lines"] == 1 and m["height"] < 1.5 * m["line"], (lang, m)
    assert max(m["bar"]) - min(m["bar"]) < 2, (lang, m)
    return m


def test_the_chip_says_offline_and_how_many_wait_on_one_line_with_888_waiting(live_server, new_context):
    """888 changes waiting: offline the chip said "888 belum terkirim" (not that she is offline: "Tanpa
    sinyal" with the count did not fit); it says both, its label the whole sentence. Online,
    "888 menunggu sinkron" took two lines at 360 px. One line each, in both languages."""
    ctx, page = offline_phone(new_context, live_server.url, "kader2")
    page.evaluate(FILL, 888)
    page.evaluate("() => window.dispatchEvent(new Event('offline'))")  # the chip counts again
    chip = page.locator("#sync-chip")
    said = {"id": ("Tanpa sinyal · 888", "Tanpa sinyal; 888 belum terkirim"),
            "en": ("Offline · 888", "Offline; 888 not sent yet")}
    for lang in both_languages(page):
        expect(chip).to_have_text(said[lang][0])
        expect(chip).to_have_accessible_name(said[lang][1])
        chip_on_one_line(page, lang)

    held = []
    page.route("**/api/v1/sync/push", lambda route: held.append(route))  # answered when the context closes
    ctx.set_offline(False)
    page.evaluate("() => window.dispatchEvent(new Event('online'))")
    for lang, words in (("en", "888 waiting to sync"), ("id", "888 akan dikirim")):
        if lang == "id":
            page.locator("#lang-btn").click()
        expect(chip).to_have_text(words)
        assert chip.get_attribute("aria-label") is None, lang  # its words are its name
        chip_on_one_line(page, lang)
    assert held
