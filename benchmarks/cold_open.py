"""Opening the app offline on a cheap phone (Android killed it in the background: a cadre at the
table reopens it many times a day), in real Chromium (Debian's /usr/bin/chromium, Playwright),
360 × 740, CPU slowed 6×, against gunicorn on PostgreSQL.

Run: ``.venv/bin/python benchmarks/cold_open.py [--children 1200] [--repeat 3]``.

1. The data (``benchmarks/sync.py``'s): a puskesmas of 1,200 children (posyandu of 300) with 24
   monthly visits each, pushed by its bidan; two phones' first sync (not timed): the kader's
   (her posyandu: 300 children) and the bidan's (all 1,200).
2. Offline, 6×, for each phone, the median of ``--repeat``, timed in the page and counted (the
   records IndexedDB hands back, by wrapping its getAll and get; the home rows drawn):
   a) baselines, same run: every record of the phone's database read once in the page (one getAll
      of the records store, nothing done with them: what the app's code does not change), and back
      to the home list from a child, nothing written (the app open, its reads cached);
   b) cold open: the page reloaded (served by the service worker), its PIN typed, from "Buka" to
      the home list's first rows and the search usable (``first``), and to its panels (due list,
      SKDN) drawn too (``all``); printed as ratios to a)'s read of every record;
   c) a weighing saved offline, with the saves before it still queued: from "Simpan" to its result.
The bidan's cold open against the kader's says how it grows with the children held (1,200 vs 300).
Absolute seconds are noisy on a shared machine; the ratios and the counts are what to compare.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from phone_session import COUNT_READS, HOME, SLOWDOWN, in_chromium  # noqa: E402
from sync import PASSWORD, pushed  # noqa: E402

from tests.e2e.pages import PIN, start_login, sw_ready, wait_synced  # noqa: E402

# Every record of the user's database read once (a raw getAll): [seconds, records].
READ_ALL = """async () => {
  const name = (await indexedDB.databases()).map((d) => d.name).find((n) => n.startsWith('posyandu-') && n !== 'posyandu-device');
  const start = performance.now();
  const db = await new Promise((ok, no) => { const r = indexedDB.open(name); r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  const rows = await new Promise((ok) => { const r = db.transaction('records').objectStore('records').getAll(); r.onsuccess = () => ok(r.result); });
  db.close();
  return [(performance.now() - start) / 1000, rows.length];
}"""
# From "Buka" (the PIN typed): [seconds to the first rows, records read then, seconds to the panels
# too, records read by then, rows drawn].
OPEN = """async (pin) => {
  const form = document.querySelector('input[name=pin]').form;
  form.elements.pin.value = pin;
  const [rows, start] = [window.__rows, performance.now()];
  form.querySelector('button[type=submit], button:not([type])').click();
  const frame = () => new Promise(requestAnimationFrame);
  while (!document.querySelector('#children li a, #children li.muted') || !document.getElementById('search')) await frame();
  const first = [(performance.now() - start) / 1000, window.__rows - rows];
  while (!document.querySelector('#due-list') || !document.querySelector('#skdn-here')) await frame();
  await new Promise((r) => setTimeout(r)); await frame();
  return [...first, (performance.now() - start) / 1000, window.__rows - rows, document.querySelectorAll('#children li').length];
}"""


def phone(browser, url: str, user: str, children: list[dict], repeat: int) -> dict:
    from playwright.sync_api import expect

    expect.set_options(timeout=600_000)
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="allow", locale="id-ID")
    ctx.set_default_timeout(600_000)
    ctx.add_init_script(COUNT_READS)
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        start_login(page, url, user, PASSWORD)
        page.get_by_role("button", name="Simpan").click()
        wait_synced(page, timeout=1_200_000)
        sw_ready(page)
        page.wait_for_timeout(3000)  # the redraw after the sync
        ctx.set_offline(True)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN})
        here = [c for c in children if c["posyandu_id"] == children[0]["posyandu_id"]]

        def child_screen(child: dict) -> None:
            page.goto(f"{url}/#/child/{child['id']}")
            page.get_by_role("heading", name=child["name"], exact=True).wait_for()

        raw = [page.evaluate(READ_ALL) for _ in range(repeat + 1)]
        warm = []
        for child in here[:repeat + 1]:
            child_screen(child)
            warm.append(page.evaluate(HOME))
        cold = []
        for _ in range(repeat + 1):
            page.goto(f"{url}/#/")
            page.reload()
            page.get_by_role("heading", name="Masukkan PIN").wait_for()
            cold.append(page.evaluate(OPEN, PIN))
        saves = []
        for k, child in enumerate(here[repeat + 1:2 * repeat + 2]):
            page.goto(f"{url}/#/visit/{child['id']}")
            page.get_by_label("Berat badan (kg)").fill(f"{12 + k / 10:.1f}".replace(".", ","))
            rows = page.evaluate("() => window.__rows")
            start = page.evaluate("() => performance.now()")
            page.get_by_role("button", name="Simpan").click()
            expect(page.locator("#visit-result [data-key=bb_u]")).to_be_visible()
            saves.append(((page.evaluate("() => performance.now()") - start) / 1000,
                          page.evaluate("() => window.__rows") - rows))
        med = lambda xs, i: statistics.median(x[i] for x in xs)  # noqa: E731
        raw, warm, cold = raw[1:], warm[1:], cold[1:]  # the first: warming up
        return {"raw": (med(raw, 0), med(raw, 1)), "warm": (med(warm, 0), med(warm, 1)), "cold": tuple(med(cold, i) for i in range(5)),
                "save": (med(saves[1:], 0), med(saves[1:], 1))}
    finally:
        ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=1200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with pushed("posyandu_cold", args.children, seed=13) as (server, children, visits, _):
        print(f"a puskesmas: {len(children)} children in posyandu of 300, {len(visits):,} weighings; "
              f"offline, CPU {SLOWDOWN}× slower, the median of {args.repeat}")
        out = in_chromium(lambda browser: {user: phone(browser, f"http://127.0.0.1:{server.port}", user, children, args.repeat)
                                           for user in ("kader", "bidan")})
    for user, held in (("kader", min(300, len(children))), ("bidan", len(children))):
        r = out[user]
        (tr, nr), (tw, nw), (t1, n1, t2, n2, li), (ts, ns) = r["raw"], r["warm"], r["cold"], r["save"]
        print(f"{user} ({held:,} children): every record read once (baseline) {tr:.2f} s, {nr:,.0f} records; "
              f"back to the home list {tw:.2f} s ({tw / tr:.2f}×), {nw:,.0f} records read")
        print(f"  cold open, PIN to first rows: {t1:.2f} s ({t1 / tr:.2f}× the baseline), {n1:,.0f} records read, "
              f"{li:,.0f} rows drawn; to the panels too: {t2:.2f} s ({t2 / tr:.2f}×), {n2:,.0f} records read")
        print(f"  a weighing saved offline: {ts:.2f} s ({ts / tr:.2f}×), {ns:,.0f} records read")
    k, b = out["kader"]["cold"], out["bidan"]["cold"]
    print(f"cold open, 1,200 children against 300: first rows {b[0] / k[0]:.2f}×, panels {b[2] / k[2]:.2f}×")


if __name__ == "__main__":
    main()
