"""A midwife's phone through a posyandu day: the home list after each weighing saved, and an hour of
children opened one after another, in real Chromium (Debian's /usr/bin/chromium, Playwright) with
its CPU slowed 6× (a low-end Android phone), against gunicorn on PostgreSQL. benchmarks/phone.py
times a kader's screens once each; this one the bidan's six-posyandu load and what repeats.

Run: ``.venv/bin/python benchmarks/phone_session.py [--children 1200] [--opens 50]``.

1. The data (``benchmarks/sync.py``'s): a puskesmas of 1,200 children (posyandu of 300) with 24
   monthly visits each (28,800 weighings), pushed by its bidan; her phone's first sync (not timed).
2. Offline, 6×, timed in the page and counted (the records IndexedDB hands back, by wrapping its
   getAll and get): between two children, back to the home list,
   a) baseline, same run: nothing written since the list was last drawn (the median of 3);
   b) after a weighing saved on the child's screen (the median of 3 children): printed as a ratio
      to a) and with the records read. Every record read again (before: all 28,800 weighings,
      2 s of IndexedDB alone at 6×) makes b) several times a); the target is b) within 1.5× a),
      reading only the saved child's records.
3. Memory over a session: ``--opens`` children opened in turn from the home list (search, open
   with its charts, back), the JS heap after a forced garbage collection, DOM nodes and event
   listeners after the 10th and the last: the heap's growth per child opened should be near
   zero (nothing kept per child: listeners, charts' SVG, cached reads).
Absolute seconds are noisy on a shared machine; the ratio and the counts are what to compare.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from sync import PASSWORD, pushed  # noqa: E402

from tests.e2e.conftest import CHROMIUM  # noqa: E402
from tests.e2e.pages import start_login, wait_synced  # noqa: E402

SLOWDOWN = 6
# The records IndexedDB hands the page (getAll's rows, get's one), counted in window.__rows.
COUNT_READS = """(() => { window.__rows = 0;
  for (const P of [IDBObjectStore.prototype, IDBIndex.prototype]) for (const k of ['get', 'getAll']) {
    const f = P[k];
    P[k] = function (...a) { const r = f.apply(this, a);
      r.addEventListener('success', () => { window.__rows += Array.isArray(r.result) ? r.result.length : r.result ? 1 : 0; });
      return r; };
  } })()"""
HOME = """async () => {
  const [rows, start] = [window.__rows, performance.now()];
  location.hash = '#/';
  while (!document.querySelector('#due-list') || !document.querySelector('#children li')) await new Promise(requestAnimationFrame);
  return [(performance.now() - start) / 1000, window.__rows - rows];
}"""


def session(browser, url: str, children: list[dict], opens: int) -> dict:
    from playwright.sync_api import expect

    expect.set_options(timeout=600_000)
    ctx = browser.new_context(viewport={"width": 360, "height": 740}, service_workers="allow", locale="id-ID")
    ctx.set_default_timeout(600_000)
    ctx.add_init_script(COUNT_READS)
    out: dict = {}
    try:
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        cdp.send("Performance.enable")
        start_login(page, url, "bidan", PASSWORD)
        page.get_by_role("button", name="Simpan").click()
        wait_synced(page, timeout=1_200_000)
        page.wait_for_timeout(3000)  # the redraw after the sync
        ctx.set_offline(True)
        cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOWDOWN})

        def child_screen(child: dict) -> None:
            page.goto(f"{url}/#/child/{child['id']}")
            page.get_by_role("heading", name=child["name"], exact=True).wait_for()
            page.locator(".charts svg").nth(2).wait_for()

        def heap() -> tuple[float, int, int]:
            cdp.send("HeapProfiler.collectGarbage")
            m = {x["name"]: x["value"] for x in cdp.send("Performance.getMetrics")["metrics"]}
            return m["JSHeapUsedSize"] / 1e6, int(m["Nodes"]), int(m["JSEventListeners"])

        here = [c for c in children if c["posyandu_id"] == children[0]["posyandu_id"]]
        unchanged = []
        for child in here[:4]:
            child_screen(child)
            unchanged.append(page.evaluate(HOME))
        unchanged = unchanged[1:]  # the first after the sync and the throttling: warming up
        saved = []
        for k, child in enumerate(here[4:7]):
            child_screen(child)
            page.get_by_role("link", name="Catat penimbangan").click()
            page.get_by_label("Berat badan (kg)").fill(f"{12 + k / 10:.1f}".replace(".", ","))
            page.get_by_role("button", name="Simpan").click()
            expect(page.locator("#visit-result [data-key=bb_u]")).to_be_visible()
            page.wait_for_timeout(2500)  # the sync it starts (offline: it only requeues)
            saved.append(page.evaluate(HOME))
        out["a"] = statistics.median(t for t, _ in unchanged), statistics.median(n for _, n in unchanged)
        out["b"] = statistics.median(t for t, _ in saved), statistics.median(n for _, n in saved)

        heaps = []
        for i, child in enumerate(here[7:7 + opens]):
            page.locator("#search").fill(child["name"])
            page.locator(f"#children a[href='#/child/{child['id']}']").click()
            page.get_by_role("heading", name=child["name"], exact=True).wait_for()
            page.locator(".charts svg").nth(2).wait_for()
            page.locator("#nav a[href='#/']").click()
            page.locator("#due-list").wait_for()
            if i + 1 in (10, opens):
                heaps.append((i + 1, *heap()))
        out["heap"] = heaps
        return out
    finally:
        ctx.close()


def in_chromium(fn):
    """``fn(browser)`` in Debian's headless Chromium, closed after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            return fn(browser)
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=1200)
    parser.add_argument("--opens", type=int, default=50)
    args = parser.parse_args()
    with pushed("posyandu_session", args.children, seed=11) as (server, children, visits, seconds):
        print(f"a puskesmas: {len(children)} children in posyandu of 300, {len(visits):,} weighings (pushed in "
              f"{seconds:.0f} s); the bidan's phone, offline, CPU {SLOWDOWN}× slower")
        r = in_chromium(lambda browser: session(browser, f"http://127.0.0.1:{server.port}", children, max(10, args.opens)))
    (ta, na), (tb, nb) = r["a"], r["b"]
    print(f"back to the home list, nothing written (baseline): {ta:.2f} s, {na:,.0f} records read")
    print(f"back to the home list after a weighing saved:     {tb:.2f} s, {nb:,.0f} records read "
          f"({tb / ta:.2f}× the baseline; target within 1.5×; "
          f"{nb / (len(children) + len(visits)):.1%} of the {len(children) + len(visits):,} records)")
    (n0, h0, d0, l0), (n1, h1, d1, l1) = r["heap"]
    print(f"children opened in turn: JS heap {h0:.1f} MB after {n0}, {h1:.1f} MB after {n1} "
          f"({(h1 - h0) * 1000 / (n1 - n0):+.0f} KB per child); DOM nodes {d0:,} → {d1:,}; listeners {l0} → {l1}")


if __name__ == "__main__":
    main()
