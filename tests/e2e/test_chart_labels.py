"""The growth charts' labels in real Chromium at 360 px: the SD labels of a kader's charts and the band
words of a parent's never overlap each other nor the child's points (their boxes as Chromium lays them out)."""
from __future__ import annotations

import pytest

from tests.e2e.pages import login, wait_synced

pytestmark = pytest.mark.e2e

# every overlap on a chart: two labels, or a label and a child's point (getBBox, the SVG's own units)
OVERLAPS = """(svg) => {
  const box = (e) => { const b = e.getBBox(); return [b.x, b.y, b.x + b.width, b.y + b.height]; };
  const hit = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
  const labels = [...svg.querySelectorAll('.sdlabel')].map((e) => [e.textContent, box(e)]);
  const points = [...svg.querySelectorAll('circle')].map(box);
  const out = [];
  labels.forEach(([t, a], i) => {
    for (const [u, b] of labels.slice(i + 1)) if (hit(a, b)) out.push(`${t} on ${u}`);
    if (points.some((p) => hit(a, p))) out.push(`${t} on a point`);
  });
  return out;
}"""


def overlaps(page, children: int) -> list[str]:
    found = []
    for i in range(children):
        page.goto(page.url.split("#")[0] + "#/")
        page.locator("#children a").nth(i).click()
        page.locator("svg.chart").first.wait_for()
        for svg in page.locator("svg.chart").all():
            name = svg.locator("title").text_content()
            found += [f"child {i} {name}: {o}" for o in svg.evaluate(OVERLAPS)]
    return found


@pytest.mark.parametrize("username, children", [("kader1", 4), ("orangtua", 2)])
def test_chart_labels_overlap_nothing_at_360_px(live_server, new_context, username, children):
    """Before, a kader's weight-for-length chart wrote "-2" over "-3", and a parent's "pendek (stunting)"
    or "kurang" lay under her child's points."""
    page = new_context().new_page()
    login(page, live_server.url, username)
    wait_synced(page)
    assert overlaps(page, children) == []
    page.locator("#lang-btn").click()  # the English words are longer
    page.wait_for_function("() => document.documentElement.lang === 'en'")
    assert overlaps(page, children) == []
