// The growth charts (chart.js) and the child screens that show them, drawn on a small DOM
// stand-in: every child's point inside the 360×270 canvas or said to be outside it.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { installDom } from './fakedom.mjs';

installDom();

const { breaks, chartData, drawChart } = await import('../../static/pwa/js/chart.js');
const { chartsPanel, render } = await import('../../static/pwa/js/screens/child.js');

const root = fileURLToPath(new URL('../../', import.meta.url));
const json = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'].map((n) => [n, json(`static/pwa/data/who/${n}.json`)]));
const girl = { id: 'c1', sex: 'F', birth_date: '2019-01-01' };
const labels = { title: 'T', x: 'x', y: 'y', outside: (n) => `outside: ${n}`, none: 'none', point: (p, x, y) => `${x}|${y}` };
const circles = (svg) => svg.find((e) => e.localName === 'circle').map((c) => [Number(c.attributes.cx), Number(c.attributes.cy)]);
const onCanvas = ([x, y]) => x >= 36 && x <= 352 && y >= 22 && y <= 236;
const draw = (points, ind) => drawChart(chartData(girl, points, tables), ind, labels);

test('a child older than 5 years: the weighings after the WHO tables are not drawn off the canvas, and said', () => {
  const points = [{ age_days: 1700, weight_kg: 17, length_height_cm: 105 }, { age_days: 2000, weight_kg: 19, length_height_cm: 112 }];
  // weight for height too: WHO's table is for children under 5 (judged to day 1856); the 5-year-old's
  // 112 cm was drawn on it as a filled point in the green band, never judged
  for (const ind of ['wfa', 'lhfa', 'wfh']) {
    const svg = draw(points, ind);
    assert.deepEqual(circles(svg).map(onCanvas), [true], ind);
    assert.ok(svg.find((e) => e.localName === 'text' && e.textContent === 'outside: 1').length, ind);
  }
});

test('a weighing in the last month of the WHO tables (60-61 months, day 1856) is drawn', () => {
  const svg = draw([{ age_days: 1850, weight_kg: 18, length_height_cm: 108 }], 'wfa');
  assert.deepEqual(circles(svg).map(onCanvas), [true]);
  assert.equal(svg.find((e) => e.attributes.class === 'outside').length, 0);
});

test('a length beyond the weight-for-length/height table is said, not drawn off the canvas, and breaks nothing', () => {
  const high = draw([{ age_days: 1700, weight_kg: 17, length_height_cm: 105 }, { age_days: 2000, weight_kg: 19, length_height_cm: 125 }], 'wfh');
  assert.deepEqual(circles(high).map(onCanvas), [true]);
  assert.ok(high.find((e) => e.textContent === 'outside: 1').length);
  const short = draw([{ age_days: 10, weight_kg: 2, length_height_cm: 42 }], 'wfl');
  assert.deepEqual(circles(short), []);
  assert.ok(short.find((e) => e.textContent === 'outside: 1').length);
  // only a length far below the table (a typing slip): the chart used to throw, and the screen with it
  const slip = draw([{ age_days: 10, weight_kg: 2, length_height_cm: 30 }], 'wfl');
  assert.deepEqual(circles(slip), []);
  assert.ok(slip.find((e) => e.textContent === 'outside: 1').length);
  const tall = draw([{ age_days: 2000, weight_kg: 19, length_height_cm: 135 }], 'wfh');
  assert.ok(tall.find((e) => e.textContent === 'outside: 1').length);
  assert.ok(tall.find((e) => e.localName === 'path').every((p) => !p.attributes.d.includes('NaN')));
});

test('the child screen says in Indonesian how many measurements lie outside a chart', () => {
  const measurements = [{ id: 'm1', measured_on: '2024-06-01', weight_kg: 21, length_height_cm: 114 }];
  const panel = chartsPanel(girl, measurements, tables); // 5 years 5 months
  const notes = panel.find((e) => e.attributes.class === 'outside').map((e) => e.textContent);
  assert.deepEqual(notes, Array(3).fill('Di luar rentang grafik: 1 pengukuran')); // wfa, lhfa, wfh
});

test('weighings under 2 years stay on weight-for-length; weight-for-height shows only those from 731 days', () => {
  // followed from birth, now 3: lengths measured lying at 1 and 12 months, a height at 3 years
  const points = [{ age_days: 30, weight_kg: 4.2, length_height_cm: 54 }, { age_days: 365, weight_kg: 9, length_height_cm: 74 },
    { age_days: 1100, weight_kg: 13.5, length_height_cm: 93 }];
  const d = chartData(girl, points, tables);
  assert.deepEqual(Object.keys(d.curves), ['wfa', 'lhfa', 'wfl', 'wfh']);
  const wfh = drawChart(d, 'wfh', labels);
  assert.deepEqual(circles(wfh).map(onCanvas), [true]); // the lengths lying of months 1 and 12 were read on the height curves
  assert.equal(wfh.find((e) => e.attributes.class === 'outside').length, 0);
  const wfl = drawChart(d, 'wfl', labels);
  assert.deepEqual(circles(wfl).map(onCanvas), [true, true]);
  const panel = chartsPanel(girl, points.map((p, i) => ({ id: `m${i}`, measured_on: ['2019-01-31', '2020-01-01', '2022-01-05'][i], ...p })), tables);
  assert.deepEqual(panel.find((e) => e.localName === 'h4').map((e) => e.textContent),
    ['Berat menurut umur (KMS)', 'Panjang/tinggi menurut umur', 'Berat menurut panjang badan', 'Berat menurut tinggi badan']);
  // a child weighed only from 2 years on has the weight-for-height chart alone, as before
  assert.deepEqual(Object.keys(chartData(girl, [points[2]], tables).curves), ['wfa', 'lhfa', 'wfh']);
  assert.deepEqual(Object.keys(chartData(girl, [points[1]], tables).curves), ['wfa', 'lhfa', 'wfl']);
});

test('a length/height is drawn where the z-scores read it: lying from 2 years −0.7 cm, standing before +0.7 cm (WHO)', () => {
  const three = { age_days: 1100, weight_kg: 12 };
  const one = { age_days: 365, weight_kg: 9 };
  for (const ind of ['lhfa', 'wfh']) {
    assert.deepEqual(circles(draw([{ ...three, length_height_cm: 90, position: 'lying' }], ind)),
      circles(draw([{ ...three, length_height_cm: 89.3, position: 'standing' }], ind)), ind);
  }
  for (const ind of ['lhfa', 'wfl']) {
    assert.deepEqual(circles(draw([{ ...one, length_height_cm: 74.3, position: 'standing' }], ind)),
      circles(draw([{ ...one, length_height_cm: 75, position: 'lying' }], ind)), ind);
  }
  // standing under 9 months is taken as unrecorded (the position was entered wrong), as the z-scores do
  assert.deepEqual(circles(draw([{ age_days: 200, weight_kg: 7, length_height_cm: 66, position: 'standing' }], 'wfl')),
    circles(draw([{ age_days: 200, weight_kg: 7, length_height_cm: 66 }], 'wfl')));
});

test('each chart has a text alternative for screen readers: its title and, as description, the points in Indonesian', () => {
  const boy = { id: 'c2', sex: 'M', birth_date: '2024-01-15' };
  const measurements = [
    { id: 'm2', measured_on: '2024-07-15', weight_kg: 7.9, length_height_cm: 67.5 },
    { id: 'm1', measured_on: '2024-03-15', weight_kg: 5.6, length_height_cm: 58 },
    { id: 'm3', measured_on: '2024-08-15', weight_kg: 8.2 }];
  const svgs = chartsPanel(boy, measurements, tables).find((e) => e.localName === 'svg');
  const said = Object.fromEntries(svgs.map((svg) => {
    const desc = svg.find((e) => e.localName === 'desc')[0];
    assert.equal(svg.attributes['aria-describedby'], desc?.attributes.id);
    const title = svg.find((e) => e.localName === 'title')[0];
    assert.equal(svg.attributes['aria-labelledby'], title.attributes.id);
    return [title.textContent, desc.textContent];
  }));
  assert.deepEqual(said, {
    'Berat menurut umur (KMS)': '15 Mar 2024: umur 2 bulan, 5,6 kg (normal). 15 Jul 2024: umur 6 bulan, 7,9 kg (normal). 15 Agu 2024: umur 7 bulan, 8,2 kg (normal)',
    'Panjang/tinggi menurut umur': '15 Mar 2024: umur 2 bulan, 58,0 cm (normal). 15 Jul 2024: umur 6 bulan, 67,5 cm (normal)',
    'Berat menurut panjang badan': '15 Mar 2024: 58,0 cm, 5,6 kg (gizi baik). 15 Jul 2024: 67,5 cm, 7,9 kg (gizi baik)',
  });
  const empty = chartsPanel(boy, [], tables).find((e) => e.localName === 'desc').map((e) => e.textContent);
  assert.deepEqual(empty, ['Belum ada pengukuran di grafik ini', 'Belum ada pengukuran di grafik ini', 'Belum ada pengukuran di grafik ini']);
});

test("a chart is named once, by its heading and its SVG's title; its caption adds the latest point, not the name again", () => {
  const boy = { id: 'c2', sex: 'M', birth_date: '2024-01-15' };
  const measurements = [{ id: 'm1', measured_on: '2024-03-15', weight_kg: 5.6, length_height_cm: 58 },
    { id: 'm3', measured_on: '2024-08-15', weight_kg: 8.2 }];
  const figures = chartsPanel(boy, measurements, tables).find((e) => e.localName === 'figure');
  const text = (figure, name) => figure.find((e) => e.localName === name).map((e) => e.textContent);
  assert.deepEqual(figures.map((f) => [text(f, 'h4'), text(f, 'title'), text(f, 'figcaption')]), [
    [['Berat menurut umur (KMS)'], ['Berat menurut umur (KMS)'], ['Terakhir 15 Agu 2024: umur 7 bulan, 8,2 kg (normal)']],
    [['Panjang/tinggi menurut umur'], ['Panjang/tinggi menurut umur'], ['Terakhir 15 Mar 2024: umur 2 bulan, 58,0 cm (normal)']],
    [['Berat menurut panjang badan'], ['Berat menurut panjang badan'], ['Terakhir 15 Mar 2024: 58,0 cm, 5,6 kg (gizi baik)']]]);
  // no point yet: no caption (the description says so)
  assert.deepEqual(chartsPanel(boy, [], tables).find((e) => e.localName === 'figcaption'), []);
});

test('the KMS line joins weighings of consecutive calendar months only; the other charts points up to 7 months apart', () => {
  const on = (...days) => days.map((measured_on) => ({ measured_on }));
  // two in one month joined; 31 Jan to 1 Feb joined (the month before, as N/T counts it); March missed: broken
  assert.deepEqual(breaks('wfa', on('2024-01-05', '2024-01-28', '2024-02-01', '2024-04-30', '2024-05-01')),
    [true, false, false, true, false]);
  assert.deepEqual(breaks('wfa', on('2023-12-20', '2024-01-02', '2024-03-01')), [true, false, true]); // across the year
  // February to August joined; birth to 26 months not: that chord would cross the curves below -2 SD
  for (const ind of ['lhfa', 'wfl', 'wfh']) {
    assert.deepEqual(breaks(ind, on('2024-01-05', '2024-06-05', '2024-11-30', '2025-01-05')), [true, false, false, false]);
    assert.deepEqual(breaks(ind, on('2024-02-01', '2024-08-31', '2024-09-01', '2026-11-01')), [true, false, false, true]);
  }
  assert.deepEqual(breaks('wfa', [{ age_days: 10 }, { age_days: 200 }]), [true, false]); // no date: joined, as before

  // drawn: weighed January, February, then May: two pieces of line on the KMS, one on length for age
  const boy = { id: 'c2', sex: 'M', birth_date: '2024-01-01' };
  const measurements = [['2024-01-15', 4.2, 53], ['2024-02-15', 5.1, 57], ['2024-05-15', 7.0, 64]]
    .map(([measured_on, weight_kg, length_height_cm], i) => ({ id: `m${i}`, measured_on, weight_kg, length_height_cm }));
  const svgs = chartsPanel(boy, measurements, tables).find((e) => e.localName === 'svg');
  const lines = svgs.map((svg) => svg.find((e) => e.attributes.class === 'child-line').map((l) => l.attributes.points.split(' ').length));
  assert.deepEqual(lines, [[2], [3], [3]]); // wfa: Jan–Feb joined, May alone (no piece of one point); lhfa, wfl: all
  const both = chartsPanel(boy, [...measurements, { id: 'm3', measured_on: '2024-06-10', weight_kg: 7.3 }], tables)
    .find((e) => e.localName === 'svg')[0].find((e) => e.attributes.class === 'child-line');
  assert.deepEqual(both.map((l) => l.attributes.points.split(' ').length), [2, 2]);
  // each piece is the points of its dots, in order
  const dots = circles(svgs[0]).map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`);
  assert.deepEqual(svgs[0].find((e) => e.attributes.class === 'child-line')[0].attributes.points, dots.slice(0, 2).join(' '));
});

/** The labels at a chart's right edge (SD lines' or bands' words). */
const edgeLabels = (svg) => svg.find((e) => e.attributes.class === 'sdlabel').map((e) => e.textContent);

test("a parent's chart names its bands in plain words, not z-scores (−3 … +3); a kader's keeps the SD labels", async () => {
  const { forParent, setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const boy = { id: 'c2', sex: 'M', birth_date: '2024-01-15', name: 'Bima Putra' };
  const measurements = [{ id: 'm1', measured_on: '2024-03-15', weight_kg: 5.6, length_height_cm: 58 }];
  const labelled = (parent) => chartsPanel(boy, measurements, tables, parent).find((e) => e.localName === 'svg').map(edgeLabels);
  assert.deepEqual(labelled(false), [['0', '+1', '+2', '+3', '-3', '-2'], ['0', '+2', '+3', '-3', '-2'], ['0', '+1', '+2', '+3', '-3', '-2']]);
  forParent(true);
  try {
    // weight for length above +2 is 'gemuk' (gizi lebih), as her status line says: the band from +1 to +3
    // was named 'cenderung gemuk' whole, its word on the +2 line
    assert.deepEqual(labelled(true), [['kurang', 'normal', 'cenderung berlebih'], ['pendek (stunting)', 'normal'],
      ['kurus', 'normal', 'cenderung gemuk', 'gemuk']]);
    setLang('en');
    assert.deepEqual(labelled(true), [['too low', 'normal', 'on the high side'], ['short (stunting)', 'normal'],
      ['too thin', 'normal', 'on the heavy side', 'too heavy']]);
    // each word between its lines where it is written: 'gemuk' above the +2 line, 'cenderung gemuk' below it
    const wfl = chartsPanel(boy, measurements, tables, true).find((e) => e.localName === 'svg')[2];
    const word = (w) => wfl.find((e) => e.attributes.class === 'sdlabel' && e.textContent === w)[0].attributes;
    const line = (z, X) => { // the SD line's y at X, between its path's points
      const p = wfl.find((e) => e.attributes.class?.startsWith(`sd sd${z}`))[0].attributes.d.slice(1).split('L')
        .map((xy) => xy.split(',').map(Number));
      const k = Math.max(1, p.findIndex(([x]) => x >= X));
      const [[xa, ya], [xb, yb]] = [p[k - 1], p[k]];
      return ya + ((X - xa) / (xb - xa || 1)) * (yb - ya);
    };
    const between = (w, hi, lo) => { // the word's middle (its end less half of 5 units a letter, 3 above its baseline)
      const { x, y } = word(w);
      const X = +x - 2.5 * w.length;
      return line(hi, X) < +y - 3 && +y - 3 < line(lo, X);
    };
    assert.ok(between('too heavy', 3, 2) && between('on the heavy side', 2, 1), [word('too heavy'), word('on the heavy side')]);
  } finally {
    forParent(false);
    setLang('id');
  }
});

test("a parent's chart says her child's age in completed months, as the KMS counts it; a kader's keeps the plotted age", async () => {
  const { forParent } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const boy = { id: 'c3', sex: 'M', birth_date: '2024-01-15', name: 'Bima Putra' };
  const measurements = [{ id: 'm1', measured_on: '2024-05-12', weight_kg: 6.4, length_height_cm: 61 }]; // 3 months 27 days
  const desc = (parent) => chartsPanel(boy, measurements, tables, parent).find((e) => e.localName === 'svg')[0]
    .find((e) => e.localName === 'desc')[0].textContent;
  assert.match(desc(false), /^12 Mei 2024: umur 3,9 bulan, 6,4 kg/);
  forParent(true);
  try {
    assert.match(desc(true), /^12 Mei 2024: umur 3 bulan, 6,4 kg\. /);
  } finally {
    forParent(false);
  }
});

test("a parent's charts say each point as her status lines do, never a kader's category; a kader's stay as they were", async () => {
  const { forParent, setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const boy = { id: 'c2', sex: 'M', birth_date: '2024-01-15', name: 'Bima Putra' };
  const measurements = [
    { id: 'm1', measured_on: '2024-03-15', weight_kg: 5.6, length_height_cm: 58 },
    { id: 'm2', measured_on: '2024-07-15', weight_kg: 5.5, length_height_cm: 63.5 }, // very underweight, wasted
    { id: 'm3', measured_on: '2024-08-15', weight_kg: 6.0, length_height_cm: 66, oedema: true }];
  const said = (parent) => chartsPanel(boy, measurements, tables, parent).find((e) => e.localName === 'svg')
    .map((svg) => [svg.find((e) => e.localName === 'desc')[0].textContent, svg.find((e) => e.attributes.class === 'unjudged-note')[0]?.textContent]);
  const kader = said(false);
  assert.deepEqual(kader[2], ['15 Mar 2024: 58,0 cm, 5,6 kg (gizi baik). 15 Jul 2024: 63,5 cm, 5,5 kg (gizi kurang). 15 Agu 2024: 66,0 cm, 6,0 kg (edema: berat tidak dinilai)',
    '○ tidak dinilai: edema atau nilai tidak wajar']);
  forParent(true);
  try {
    assert.deepEqual(said(true), [
      ['15 Mar 2024: umur 2 bulan, 5,6 kg. Berat badan Bima normal untuk umurnya. 15 Jul 2024: umur 6 bulan, 5,5 kg. Berat badan Bima sangat kurang untuk umurnya. 15 Agu 2024: umur 7 bulan, 6,0 kg. Kaki bengkak (edema): berat tidak dinilai',
        '○ tidak dinilai: kaki bengkak atau salah catat'],
      ['15 Mar 2024: umur 2 bulan, 58,0 cm. Panjang badan Bima normal untuk umurnya. 15 Jul 2024: umur 6 bulan, 63,5 cm. Panjang badan Bima normal untuk umurnya. 15 Agu 2024: umur 7 bulan, 66,0 cm. Panjang badan Bima normal untuk umurnya',
        undefined],
      // her latest status says what to do ("konsultasikan ke bidan"); a point of the past only what it was
      ['15 Mar 2024: 58,0 cm, 5,6 kg. Berat dibanding panjang badan: normal. 15 Jul 2024: 63,5 cm, 5,5 kg. Berat dibanding panjang badan: kurus. 15 Agu 2024: 66,0 cm, 6,0 kg. Kaki bengkak (edema): berat tidak dinilai',
        '○ tidak dinilai: kaki bengkak atau salah catat']]);
    setLang('en');
    assert.equal(said(true)[2][0], "15 Mar 2024: 58.0 cm, 5.6 kg. Weight for length: normal. 15 Jul 2024: 63.5 cm, 5.5 kg. Weight for length: too thin. 15 Aug 2024: 66.0 cm, 6.0 kg. Swollen feet (oedema): weight not judged");
  } finally {
    forParent(false);
    setLang('id');
  }
  assert.deepEqual(said(false), kader); // her words end with her session
});

test("the child's weighing history writes kg and cm with a decimal comma in Indonesian", async () => {
  const child = { id: 'c3', sex: 'F', birth_date: '2024-01-15', posyandu_id: 'p1' };
  const measurements = [{ id: 'm1', child_id: 'c3', measured_on: '2024-07-15', weight_kg: 7.25, length_height_cm: 65.5 },
    { id: 'm2', child_id: 'c3', measured_on: '2024-08-15', weight_kg: 7.6 }];
  const ctx = { bundle: async () => ({ child, measurements, immunisations: [], supplements: [] }), tables: async () => tables,
    kbm: async () => undefined, schedule: async () => null, children: async () => [child], role: 'kader', area: async () => null, posyandus: async () => [],
    day: { date: '2024-08-15' }, canWrite: () => false };
  const screen = await render(ctx, 'c3');
  const history = screen.find((e) => e.attributes.id === 'history')[0];
  const rows = history.find((e) => e.localName === 'tr' && e.attributes['data-id'])
    .map((tr) => tr.kids.slice(1, 3).map((td) => td.textContent));
  assert.deepEqual(rows, [['7,6', '–'], ['7,25', '65,5']]);
});

test("the child's weighing history writes a whole weight and length with one decimal, as the KMS ('8,0', '65,0')", async () => {
  const child = { id: 'c3', sex: 'F', birth_date: '2024-01-15', posyandu_id: 'p1' };
  const measurements = [{ id: 'm1', child_id: 'c3', measured_on: '2024-07-15', weight_kg: 7.25, length_height_cm: 65 },
    { id: 'm2', child_id: 'c3', measured_on: '2024-08-15', weight_kg: 8, length_height_cm: 66.5 }];
  const ctx = { bundle: async () => ({ child, measurements, immunisations: [], supplements: [] }), tables: async () => tables,
    kbm: async () => undefined, schedule: async () => null, children: async () => [child], role: 'kader', area: async () => null, posyandus: async () => [],
    day: { date: '2024-08-15' }, canWrite: () => false };
  const rows = async () => (await render(ctx, 'c3')).find((e) => e.attributes.id === 'history')[0]
    .find((e) => e.localName === 'tr' && e.attributes['data-id']).map((tr) => tr.kids.slice(1, 3).map((td) => td.textContent));
  assert.deepEqual(await rows(), [['8,0', '66,5'], ['7,25', '65,0']]);
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  setLang('en');
  try {
    assert.deepEqual(await rows(), [['8.0', '66.5'], ['7.25', '65.0']]);
  } finally {
    setLang('id');
  }
});

test("the weighing history's weight-for-age column is named as the result screen names it in English", async () => {
  // Before, its header was 'BB/U' in English too, where the result screen says 'Weight-for-age'.
  const child = { id: 'c6', sex: 'F', birth_date: '2024-01-15', posyandu_id: 'p1' };
  const measurements = [{ id: 'm1', child_id: 'c6', measured_on: '2024-07-15', weight_kg: 7.25, length_height_cm: 65 }];
  const ctx = { bundle: async () => ({ child, measurements, immunisations: [], supplements: [] }), tables: async () => tables,
    kbm: async () => undefined, schedule: async () => null, children: async () => [child], role: 'kader', area: async () => null, posyandus: async () => [],
    day: { date: '2024-08-15' }, canWrite: () => false };
  const headers = async () => (await render(ctx, 'c6')).find((e) => e.attributes.id === 'history')[0]
    .find((e) => e.localName === 'th').map((th) => th.textContent);
  const { setLang, t } = await import('../../static/pwa/js/i18n.js');
  assert.deepEqual(await headers(), ['Tanggal', 'kg', 'cm', 'BB/U', 'N/T']);
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  setLang('en');
  try {
    assert.deepEqual(await headers(), ['Date', 'kg', 'cm', 'Weight-for-age', 'N/T']);
    assert.equal(t('bb_u'), 'Weight-for-age'); // the result screen's name (statusPanel)
  } finally {
    setLang('id');
  }
});

test('a weight with oedema or a value flagged implausible is shown hollow, not judged, and said so', () => {
  const boy = { id: 'c4', sex: 'M', birth_date: '2024-01-15' };
  const measurements = [
    { id: 'm1', measured_on: '2024-06-15', weight_kg: 6.5, length_height_cm: 64, oedema: true },
    { id: 'm2', measured_on: '2024-07-15', weight_kg: 25, length_height_cm: 66 }]; // 25 kg at 6 months: wfa z > 5
  const svgs = chartsPanel(boy, measurements, tables).find((e) => e.localName === 'svg');
  const byTitle = Object.fromEntries(svgs.map((svg) => [svg.find((e) => e.localName === 'title')[0].textContent, svg]));
  const kinds = (svg) => svg.find((e) => e.localName === 'circle').map((c) => c.attributes.class);
  assert.deepEqual(kinds(byTitle['Berat menurut umur (KMS)']), ['child-point unjudged', 'child-point unjudged']);
  assert.deepEqual(kinds(byTitle['Panjang/tinggi menurut umur']), ['child-point', 'child-point']); // lengths are judged
  const wfa = byTitle['Berat menurut umur (KMS)'];
  assert.equal(wfa.find((e) => e.localName === 'desc')[0].textContent,
    '15 Jun 2024: umur 5 bulan, 6,5 kg (edema: berat tidak dinilai). 15 Jul 2024: umur 6 bulan, 25,0 kg (nilai tidak wajar: ukur ulang)');
  assert.ok(wfa.find((e) => e.textContent === '○ tidak dinilai: edema atau nilai tidak wajar').length);
  const lhfa = byTitle['Panjang/tinggi menurut umur'];
  assert.equal(lhfa.find((e) => e.attributes.class === 'unjudged-note').length, 0);
});

test("a parent is told plainly when the last weighing found oedema (no weight status is computed then)", async () => {
  const { child: parentChild } = await import('../../static/pwa/js/screens/parent.js');
  const kid = { id: 'c5', sex: 'F', birth_date: '2024-01-15', name: 'Ayu Lestari', posyandu_id: 'p1' };
  const measurements = [{ id: 'm1', child_id: 'c5', measured_on: '2024-07-15', weight_kg: 6.8, length_height_cm: 64, oedema: true }];
  const ctx = { bundle: async () => ({ child: kid, measurements, immunisations: [], supplements: [] }), tables: async () => tables,
    schedule: async () => null, area: async () => null, posyandus: async () => [], online: () => false };
  const screen = await parentChild(ctx, 'c5');
  const plain = screen.find((e) => e.attributes.id === 'plain')[0].find((e) => e.localName === 'p').map((p) => p.textContent);
  assert.ok(plain.includes('Kaki Ayu bengkak (edema): tanda gizi buruk — segera bawa ke puskesmas.'), plain.join(' | '));
});

test('a parent sees the vitamin A and deworming given, and the capsule due in a vitamin A month', async () => {
  const { child: parentChild } = await import('../../static/pwa/js/screens/parent.js');
  const { loadSchedule } = await import('../../static/pwa/js/due.js');
  const schedule = loadSchedule(json('static/pwa/data/schedule-2024.json'));
  const RealDate = globalThis.Date;
  globalThis.Date = class extends RealDate { // the phone's today: 10 August 2025 (a vitamin A month)
    constructor(...args) { super(...(args.length ? args : [2025, 7, 10, 9, 0])); }
    static now() { return new RealDate(2025, 7, 10, 9, 0).getTime(); }
  };
  try {
    // born 2023-05-01: 2 years 3 months on 10 August 2025, a red capsule and deworming due this round
    const kid = { id: 'c6', sex: 'M', birth_date: '2023-05-01', name: 'Raka Pratama', posyandu_id: 'p1' };
    const supplements = [{ id: 's1', child_id: 'c6', kind: 'vitamin_a_blue', given_on: '2024-02-12' },
      { id: 's2', child_id: 'c6', kind: 'vitamin_a_red', given_on: '2025-02-10' }];
    const ctx = { bundle: async () => ({ child: kid, measurements: [], immunisations: [], supplements }), tables: async () => tables,
      schedule: async () => schedule, area: async () => null, posyandus: async () => [], online: () => false };
    const screen = await parentChild(ctx, 'c6');
    const [panel] = screen.find((e) => e.attributes.id === 'supplements');
    assert.ok(panel, 'the parent screen has a vitamin A panel');
    const text = panel.textContent;
    assert.match(text, /Bulan ini Raka perlu kapsul vitamin A merah\. Datang ke posyandu\./);
    assert.match(text, /Bulan ini Raka perlu obat cacing\. Datang ke posyandu\./);
    const given = panel.find((e) => e.localName === 'li').map((li) => li.textContent);
    assert.equal(given.length, 2);
    assert.match(given[0], /^Vitamin A merah · 10 Feb 2025$/); // newest first
    assert.match(given[1], /^Vitamin A biru · 12 Feb 2024$/);
  } finally {
    globalThis.Date = RealDate;
  }
});

test('the KMS ends at 60 months: a weighing at 61 months shows no N/T, 2T or referral, as the server (trend.kms_trend)', async () => {
  const { assess } = await import('../../static/pwa/js/assess.js');
  const { statusPanel } = await import('../../static/pwa/js/screens/child.js');
  const boy = { id: 'c9', sex: 'M', birth_date: '2020-01-01' };
  const dec = { id: 'a', child_id: 'c9', measured_on: '2024-12-02', weight_kg: 18.0 };   // 1797 days, 59 months
  const jan = { id: 'b', child_id: 'c9', measured_on: '2025-01-30', weight_kg: 18.1 };   // day 1856: 60 months, +100 g < 200 g
  const feb = { id: 'c', child_id: 'c9', measured_on: '2025-02-03', weight_kg: 18.15 };  // 1860 days: 61.1 months
  const before = assess({ child: boy, m: jan, history: [dec, jan], tables, on: jan.measured_on });
  assert.deepEqual([before.kms.trend, before.kms.kbm_g], ['T', 200]);
  const after = assess({ child: boy, m: feb, history: [dec, jan, feb], tables, on: feb.measured_on });
  assert.deepEqual([after.kms.trend, after.kms.gain_g, after.kms.kbm_g, after.kms.two_t, after.referral], [null, null, null, false, false]);
  const panel = statusPanel(after);
  assert.equal(panel.find((e) => e.attributes['data-key'] === 'trend').length, 0);
  assert.ok(!panel.textContent.includes('undefined') && !panel.textContent.includes('trend_'));
});

test('a weight to measure again (its BB/U flagged) shows its N/T neither green nor yellow, beside "ukur ulang"', async () => {
  // 29 kg typed for 9,2 at 14 months: "N — naik 19.800 g" in green read as good news next to the warning
  const { assess } = await import('../../static/pwa/js/assess.js');
  const { statusPanel } = await import('../../static/pwa/js/screens/child.js');
  const boy = { id: 'c8', sex: 'M', birth_date: '2024-01-10' };
  const dec = { id: 'a', child_id: 'c8', measured_on: '2025-02-10', weight_kg: 9.0 };
  const tone = (m) => {
    const r = assess({ child: boy, m, history: [dec, m], tables, on: m.measured_on });
    return [r.kms.trend, r.remeasure, statusPanel(r).find((e) => e.attributes['data-key'] === 'trend')[0].attributes.class];
  };
  assert.deepEqual(tone({ id: 'b', child_id: 'c8', measured_on: '2025-03-10', weight_kg: 29 }), ['N', true, 'status none']);
  assert.deepEqual(tone({ id: 'b', child_id: 'c8', measured_on: '2025-03-10', weight_kg: 9.4 }), ['N', false, 'status ok']);
  assert.deepEqual(tone({ id: 'b', child_id: 'c8', measured_on: '2025-03-10', weight_kg: 9.0 }), ['T', false, 'status warn']);
});

test('the result names length for a baby (PB/U, BB/PB) and height from 2 years (TB/U, BB/TB), as Permenkes 2/2020', async () => {
  const { assess } = await import('../../static/pwa/js/assess.js');
  const { statusPanel } = await import('../../static/pwa/js/screens/child.js');
  const names = (panel) => Object.fromEntries(['tb_u', 'bb_tb'].map((k) => [k,
    panel.find((e) => e.attributes['data-key'] === k)[0].find((e) => e.attributes.class === 'status-name')[0].textContent]));
  const baby = { id: 'b1', sex: 'M', birth_date: '2026-11-29' }; // 2 days old, measured lying
  const newborn = { id: 'n', child_id: 'b1', measured_on: '2026-12-01', weight_kg: 3.3, length_height_cm: 50.1 };
  assert.deepEqual(names(statusPanel(assess({ child: baby, m: newborn, history: [newborn], tables, on: newborn.measured_on }))),
    { tb_u: 'PB/U (panjang menurut umur)', bb_tb: 'BB/PB (berat menurut panjang)' });
  const girl3 = { id: 'g3', sex: 'F', birth_date: '2023-06-01' }; // 3 years, standing
  const standing = { id: 's', child_id: 'g3', measured_on: '2026-06-02', weight_kg: 14, length_height_cm: 95 };
  assert.deepEqual(names(statusPanel(assess({ child: girl3, m: standing, history: [standing], tables, on: standing.measured_on }))),
    { tb_u: 'TB/U (tinggi menurut umur)', bb_tb: 'BB/TB (berat menurut tinggi)' });
});

test("a parent reads her baby's length as 'panjang badan', not height", async () => {
  const { child: parentChild } = await import('../../static/pwa/js/screens/parent.js');
  const kid = { id: 'c7', sex: 'F', birth_date: '2026-06-01', name: 'Ayu Lestari', posyandu_id: 'p1' };
  const measurements = [{ id: 'm7', child_id: 'c7', measured_on: '2026-12-01', weight_kg: 7.2, length_height_cm: 65 }];
  const ctx = { bundle: async () => ({ child: kid, measurements, immunisations: [], supplements: [] }), tables: async () => tables,
    schedule: async () => null, area: async () => null, posyandus: async () => [], online: () => false };
  const screen = await parentChild(ctx, 'c7');
  const plain = screen.find((e) => e.attributes.id === 'plain')[0].find((e) => e.localName === 'p').map((p) => p.textContent);
  assert.ok(plain.includes('Panjang badan Ayu normal untuk umurnya.'), plain.join(' | '));
  assert.ok(plain.some((p) => p.startsWith('Berat dibanding panjang badan: ')), plain.join(' | '));
});

test("the child's weighing history lists every weighing, each with its correction: none past the 24th is cut off", async () => {
  // A child weighed every month from birth has up to 60 weighings; the history showed the newest 24
  // only, without a word, and an older weighing entered wrong could not be opened to correct or delete it.
  const child = { id: 'c9', sex: 'M', birth_date: '2021-01-10', posyandu_id: 'p1' };
  const measurements = Array.from({ length: 30 }, (_, i) => ({ id: `m${i}`, child_id: 'c9',
    measured_on: `${2021 + Math.floor((i + 1) / 12)}-${String(((i + 1) % 12) + 1).padStart(2, '0')}-10`, weight_kg: 4 + i * 0.3 }));
  const ctx = { bundle: async () => ({ child, measurements, immunisations: [], supplements: [] }), tables: async () => tables,
    kbm: async () => undefined, schedule: async () => null, children: async () => [child], role: 'kader', area: async () => null, posyandus: async () => [],
    day: { date: '2023-08-10' }, canWrite: () => true };
  const history = (await render(ctx, 'c9')).find((e) => e.attributes.id === 'history')[0];
  const rows = history.find((e) => e.localName === 'tr' && e.attributes['data-id']);
  assert.equal(rows.length, 30);
  assert.equal(rows[29].attributes['data-id'], 'm0'); // the first weighing, oldest last
  assert.equal(rows[29].find((e) => e.localName === 'a')[0].attributes.href, '#/visit/c9/m0');
});

// A label's box as Chromium draws it in DejaVu Sans at 9 px (its advance widths and its ascent 0.928 em,
// descent 0.236 em), anchored at its end as the chart writes it.
const EM = { '+': 0.838, '-': 0.361, ' ': 0.318, '(': 0.39, ')': 0.39 };
const labelBox = (e) => {
  const w = [...e.textContent].reduce((s, c) => s + 9 * (EM[c] ?? (/\d/.test(c) ? 0.636 : 0.61)), 0);
  const [x, y] = [Number(e.attributes.x), Number(e.attributes.y)];
  return [x - w, y - 8.35, x, y + 2.12];
};
const overlap = (a, b) => a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];

test('the labels at the right edge never overlap each other nor the child\'s points, for kader and parent, on every chart', async () => {
  // Before, the weight-for-length chart wrote "-2" over "-3" (and "+2" touched "+3" on length-for-age) at
  // 360 px, and a parent's band word ("pendek (stunting)", "kurang") was drawn under her child's points.
  const { forParent, setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const bad = [];
  for (const sex of ['M', 'F']) {
    const child = { id: 'c', sex, birth_date: '2020-01-01', name: 'Bima Putra' };
    const who = chartData(child, [{ age_days: 1850, weight_kg: 18 }], tables).curves; // to 61 months
    for (const months of [6, 15, 30, 59]) {
      for (const z of [-2.5, -2, -1, 0, 1.5]) {
        // a child who followed one z-score from birth, weighed and measured every month (between the SD lines)
        const at = (ind, m) => {
          const zs = Object.keys(who[ind].sd).map(Number).sort((a, b) => a - b);
          const hi = zs.find((v) => v >= z); const lo = zs.filter((v) => v <= z).pop();
          const [a, b] = [who[ind].sd[String(lo)][m], who[ind].sd[String(hi)][m]];
          return hi === lo ? a : a + ((z - lo) / (hi - lo)) * (b - a);
        };
        const points = Array.from({ length: months + 1 }, (_, m) => ({ age_days: Math.round(m * 30.4375), weight_kg: at('wfa', m),
          length_height_cm: at('lhfa', m), position: m < 24 ? 'lying' : 'standing' }));
        const data = chartData(child, points, tables);
        for (const parent of [false, true]) {
          for (const lang of ['id', 'en']) {
            forParent(parent);
            setLang(lang);
            const wfl = [['kurus', -3, -2], ['normal', -2, 1], ['cenderung gemuk', 1, 2], ['gemuk', 2, 3]];
            const bands = parent ? { wfa: [['kurang', -3, -2], ['normal', -2, 1], ['cenderung berlebih', 1, 3]],
              lhfa: [['pendek (stunting)', -3, -2], ['normal', -2, 3]], wfl, wfh: wfl } : {};
            for (const ind of Object.keys(data.curves)) {
              const svg = drawChart(data, ind, { ...labels, y: 'Berat (kg)', bands: bands[ind] });
              const boxes = svg.find((e) => e.attributes.class === 'sdlabel').map((e) => [e.textContent, labelBox(e)]);
              const dots = circles(svg).map(([x, y]) => [x - 3.5, y - 3.5, x + 3.5, y + 3.5]);
              const where = `${sex} ${months} months z ${z} ${ind}${parent ? ' parent' : ''}`;
              boxes.forEach(([t, a], i) => {
                for (const [u, b] of boxes.slice(i + 1)) if (overlap(a, b)) bad.push(`${where}: ${t} on ${u}`);
                if (dots.some((d) => overlap(a, d))) bad.push(`${where}: ${t} on a point`);
                if (a[0] < 36 || a[2] > 352 || a[1] < 0 || a[3] > 236) bad.push(`${where}: ${t} off the plot`);
              });
              if (!parent) assert.ok(boxes.length >= 4, `${where}: ${boxes.map(([t]) => t)}`);
            }
          }
        }
      }
    }
  }
  forParent(false);
  setLang('id');
  assert.deepEqual(bad, []);
});

test("a trend's first value is written clear of the axis' tick labels ('18,9%' was over '20%')", async () => {
  const { drawTrend } = await import('../../static/pwa/js/chart.js');
  const { formatNumber } = await import('../../static/pwa/js/i18n.js');
  const months = ['Jun', 'Jul', 'Agu', 'Sep', 'Okt', 'Nov'];
  for (const values of [[18.9, 21.1, 19.8, 17.8, 18.3, 15.7], [77.4, 85.8, 81.8, 84.1, 81.9, 83.4], [100, 100, 99.5, 100, 100, 100]]) {
    const svg = drawTrend(values.map((value, i) => ({ label: months[i], value })), { id: 'tr', title: 'T', desc: 'D', target: 80,
      format: (v) => `${formatNumber(v, 1)}%` });
    // DejaVu Sans Bold at 11 px (advance widths in em), centred on its x
    const EMB = { ',': 0.38, '.': 0.38, '%': 1.002 };
    for (const e of svg.find((x) => x.attributes.class === 'value')) {
      const w = [...e.textContent].reduce((s, c) => s + 11 * (EMB[c] ?? 0.696), 0);
      const left = Number(e.attributes.x) - w / 2;
      assert.ok(left >= 38, `${e.textContent} starts at ${left.toFixed(1)}, over the ticks (they end at 34)`);
      assert.ok(left + w <= 360, `${e.textContent} ends off the chart`);
    }
  }
});

test("a trend's labels of 7 to 14 months never overlap, and its last month is always named ('Okt 2Nov 26')", async () => {
  const { drawTrend } = await import('../../static/pwa/js/chart.js');
  const { formatNumber } = await import('../../static/pwa/js/i18n.js');
  // DejaVu Sans (Bold for the values) at 11 px: advance widths in em, each label centred on its x
  const width = (text, bold) => [...text].reduce((s, c) => s + 11 * ({ ',': 0.38, '%': 1.002, ' ': 0.348 }[c]
    ?? (/[0-9]/.test(c) ? (bold ? 0.696 : 0.636) : 0.65)), 0);
  const spans = (svg, cls, bold) => svg.find((x) => x.attributes.class === cls)
    .map((e) => [Number(e.attributes.x) - width(e.textContent, bold) / 2, Number(e.attributes.x) + width(e.textContent, bold) / 2, e.textContent]);
  const names = ['Des 25', 'Jan 26', 'Feb 26', 'Mar 26', 'Apr 26', 'Mei 26', 'Jun 26', 'Jul 26', 'Agu 26', 'Sep 26', 'Okt 26', 'Nov 26', 'Des 26', 'Jan 27'];
  for (let n = 7; n <= 14; n += 1) {
    const series = names.slice(0, n).map((label, i) => ({ label, value: [84, 82.5, 86.7, 86.8, 100, 79.1][i % 6] }));
    const svg = drawTrend(series, { id: 'tr', title: 'T', desc: 'D', format: (v) => `${formatNumber(v, 1)}%` });
    const months = spans(svg, 'tick', false).filter(([, , t]) => !t.endsWith('%'));
    assert.equal(months.at(-1)[2], names[n - 1], `${n} months: the last one named`);
    const values = spans(svg, 'value', true).sort((a, b) => a[0] - b[0]);
    assert.ok(values.length >= 1 && values.at(-1)[2] === `${formatNumber(series.at(-1).value, 1)}%`, `${n} months: the last value`);
    for (const labels of [months, values]) {
      for (let i = 1; i < labels.length; i += 1) {
        assert.ok(labels[i][0] >= labels[i - 1][1], `${n} months: '${labels[i - 1][2]}' and '${labels[i][2]}' overlap`);
      }
    }
  }
});

test("a birth point is said as birth, its weight for length given no band: a 4-year-old weighed since without a length was captioned 'gizi buruk' from her birth", async () => {
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  setLang('id');
  const girl = { id: 'c9', name: 'Rina Saputra', sex: 'F', birth_date: '2022-10-24', birth_weight_kg: 2.496, birth_length_cm: 50.7 };
  const weighed = [{ id: 'w1', measured_on: '2024-12-24', weight_kg: 11.0 }, { id: 'w2', measured_on: '2026-10-24', weight_kg: 15.2 }];
  for (const parent of [false, true]) {
    const figures = chartsPanel(girl, weighed, tables, parent).find((e) => e.localName === 'figure');
    const captions = figures.map((f) => f.find((e) => e.localName === 'figcaption').map((e) => e.textContent)[0]);
    assert.equal(captions[2], 'Terakhir 24 Okt 2022 (lahir): 50,7 cm, 2,496 kg', parent);
    assert.match(captions[1], /^Terakhir 24 Okt 2022 \(lahir\): umur 0 bulan, 50,7 cm[.( ]/, parent); // for age: judged
    assert.ok(!captions[0].includes('lahir'), captions[0]); // her latest weighing, judged
  }
});

test('length/height for age steps down 0.7 cm at 24 months (lying to day 730, standing from 731), as WHO draws it', () => {
  // Before, the curves ran straight from month 23 (lying) to month 24 (day 731, standing): up to 0.65 cm
  // low in the month before, a child stunted at 23.8 months drawn on the -2 SD line.
  const rows = readFileSync('/work/shared/data/who-growth-standards-2006/lenanthro.txt', 'utf8').trim().split('\n').slice(1);
  const who = new Map(rows.map((r) => r.split('\t')).map(([s, d, l, m, sd]) => [`${s}|${d}`, [+l, +m, +sd]]));
  const at = (sex, day, z) => { const [l, m, s] = who.get(`${sex}|${day}`); return m * (1 + l * s * z) ** (1 / l); };
  for (const [sex, s] of [['M', 1], ['F', 2]]) {
    const data = chartData({ id: 'c', sex, birth_date: '2020-01-01' }, [{ age_days: 900, length_height_cm: 88 }], tables);
    const svg = drawChart(data, 'lhfa', labels);
    // the axes' scales, read back from their first and last tick labels (a y tick is written 3 below its line)
    const ticks = svg.find((e) => e.attributes.class === 'tick')
      .map((e) => [e.attributes['text-anchor'], Number(e.textContent), +e.attributes.x, +e.attributes.y - 3]);
    const scale = (anchor, k) => {
      const t = ticks.filter(([a]) => a === anchor);
      const [[, v0, ...p0], [, v1, ...p1]] = [t[0], t.at(-1)];
      return (px) => v0 + ((px - p0[k]) * (v1 - v0)) / (p1[k] - p0[k]);
    };
    const [X, Y] = [scale('middle', 0), scale('end', 1)];
    for (const z of [-3, -2, 0, 2, 3]) {
      const d = svg.find((e) => e.attributes.class?.startsWith(`sd sd${String(z).replace('-', 'm')}`))[0].attributes.d;
      const line = d.slice(1).split('L').map((xy) => xy.split(',').map(Number)).map(([x, y]) => [X(x), Y(y)]);
      const yAt = (month) => {
        const k = line.findIndex(([x]) => x >= month);
        const [[xa, ya], [xb, yb]] = [line[k - 1], line[k]];
        return ya + ((month - xa) / (xb - xa)) * (yb - ya);
      };
      for (const day of [700, 715, 724, 730, 731]) {
        const [drawn, want] = [yAt(day / 30.4375), at(s, day, z)];
        assert.ok(Math.abs(drawn - want) < 0.15, `${sex} ${z} SD day ${day}: ${drawn} for ${want}`);
      }
    }
  }
});

test("a newborn's weighing history says she has none yet, in the language read, not a table of headers alone", async () => {
  const child = { id: 'c10', sex: 'F', birth_date: '2024-08-15', posyandu_id: 'p1' };
  const ctx = { bundle: async () => ({ child, measurements: [], immunisations: [], supplements: [] }), tables: async () => tables,
    kbm: async () => undefined, schedule: async () => null, children: async () => [child], role: 'kader', area: async () => null, posyandus: async () => [],
    day: { date: '2024-08-15' }, canWrite: () => true, db: null };
  const history = async () => (await render(ctx, 'c10')).find((e) => e.attributes.id === 'history')[0];
  const shown = await history();
  assert.equal(shown.find((e) => e.localName === 'table').length, 0);
  assert.equal(shown.find((e) => e.localName === 'p')[0].textContent, 'Belum ada penimbangan.');
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  setLang('en');
  try {
    assert.equal((await history()).find((e) => e.localName === 'p')[0].textContent, 'No weighings yet.');
  } finally {
    setLang('id');
  }
});

test("a small newborn's birth point is not hollow on weight for length (no sign at birth), as the server draws it", () => {
  const boy = { id: 'c5', sex: 'M', birth_date: '2024-01-15', birth_weight_kg: 1.96, birth_length_cm: 49.6 };
  const svgs = chartsPanel(boy, [{ id: 'm1', measured_on: '2024-02-15', weight_kg: 2.9, length_height_cm: 52 }], tables)
    .find((e) => e.localName === 'svg');
  const byTitle = Object.fromEntries(svgs.map((svg) => [svg.find((e) => e.localName === 'title')[0].textContent, svg]));
  const wfl = Object.entries(byTitle).find(([title]) => /panjang badan$/i.test(title) || /menurut panjang/i.test(title))[1];
  assert.deepEqual(wfl.find((e) => e.localName === 'circle').map((c) => c.attributes.class), ['child-point', 'child-point']);
  assert.equal(wfl.find((e) => e.attributes.class === 'unjudged-note').length, 0);
});
