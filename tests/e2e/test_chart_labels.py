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


# each chart's legend of hollow points beside the x axis' title, laid out by Chromium: both inside the
# 360-unit canvas, not over each other (getBBox), for kader and parent, in Indonesian and English
LEGENDS = """async () => {
  const { chartsPanel } = await import('/js/screens/child.js');
  const { loadTables } = await import('/js/growth.js');
  const { forParent, setLang } = await import('/js/i18n.js');
  const tables = await loadTables('/data/who/');
  const child = { id: 'c', name: 'Ayu Lestari', sex: 'F', birth_date: '2025-01-15' };
  const measurements = [{ id: 'm', measured_on: '2025-09-15', weight_kg: 7, length_height_cm: 68, oedema: true }];
  const out = [];
  for (const parent of [false, true]) {
    for (const lang of ['id', 'en']) {
      forParent(parent);
      setLang(lang);
      const panel = chartsPanel(child, measurements, tables, parent);
      document.body.append(panel);
      for (const svg of panel.querySelectorAll('svg')) {
        const note = svg.querySelector('.unjudged-note');
        if (!note) continue;
        const [a, b] = [note.getBBox(), [...svg.querySelectorAll('.axis')].at(-1).getBBox()];
        if (a.x < 0 || a.x + a.width > b.x || b.x + b.width > 360) {
          out.push(`${parent ? 'parent' : 'kader'} ${lang} ${svg.querySelector('title').textContent}: ${note.textContent}`);
        }
      }
      panel.remove();
    }
  }
  forParent(false);
  setLang('id');
  return out;
}"""


def test_the_hollow_points_legend_is_clear_of_the_axis_title_at_360_px(live_server, new_context):
    """A parent's legend ("○ tidak dinilai: kaki bengkak (edema), atau angka mungkin salah catat", 321 of the
    chart's 360 units) ran under the x axis' title, and a kader's in English touched "Length/height (cm)"."""
    page = new_context().new_page()
    page.goto(live_server.url + "/")
    page.locator("input[name=username]").wait_for()
    assert page.evaluate(LEGENDS) == []
