// A newborn's first visit: a baby under a month old is aged in days, and its birth weight and
// length are the first points of its charts (month 0), drawn on a small DOM stand-in.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const { setLang, t } = await import('../../static/pwa/js/i18n.js');
const { ageText } = await import('../../static/pwa/js/ui.js');
const { chartsPanel } = await import('../../static/pwa/js/screens/child.js');

const root = fileURLToPath(new URL('../../', import.meta.url));
const json = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'].map((n) => [n, json(`static/pwa/data/who/${n}.json`)]));

/** Run `fn` with the app in English, then back in Bahasa Indonesia. */
function inEnglish(fn) {
  setLang('en');
  try { return fn(); } finally { setLang('id'); }
}

test('a baby under one month is aged in days ("2 hari", "2 days"), from one month in months', () => {
  // a number and its unit kept on one line (no-break space): large text wrapped "4 | th 1 bln"
  const aged = (birth) => ageText(t, birth, '2026-12-01').replaceAll('\u00a0', '_');
  assert.equal(aged('2026-11-29'), '2_hari');
  assert.equal(aged('2026-12-01'), '0_hari'); // born today
  assert.equal(aged('2026-11-02'), '29_hari');
  assert.equal(aged('2026-11-01'), '1_bln'); // a calendar month: months from here
  assert.equal(aged('2025-10-01'), '1_th 2_bln');
  inEnglish(() => {
    assert.equal(aged('2026-11-29'), '2_days');
    assert.equal(aged('2026-11-30'), '1_day');
    assert.equal(aged('2025-10-01'), '1_y 2_m');
  });
});

test("a newborn's birth weight and length are plotted at month 0 (weight and length for age, weight for length)", () => {
  const baby = { id: 'nb', sex: 'F', birth_date: '2026-11-29', birth_weight_kg: 3.1, birth_length_cm: 49.5 };
  const said = (measurements, child = baby) => Object.fromEntries(chartsPanel(child, measurements, tables).find((e) => e.localName === 'svg')
    .map((svg) => [svg.find((e) => e.localName === 'title')[0].textContent, svg.find((e) => e.localName === 'desc')[0].textContent]));
  // no weighing yet: the birth is the first point of every chart
  assert.deepEqual(said([]), {
    'Berat menurut umur (KMS)': '29 Nov 2026 (lahir): umur 0 bulan, 3,1 kg (normal)',
    'Panjang/tinggi menurut umur': '29 Nov 2026 (lahir): umur 0 bulan, 49,5 cm (normal)',
    'Berat menurut panjang badan': '29 Nov 2026 (lahir): 49,5 cm, 3,1 kg', // no band at birth (chart.test.mjs)
  });
  // with a weighing: the birth point first, the weighing after it
  const weighed = [{ id: 'm1', child_id: 'nb', measured_on: '2026-12-29', weight_kg: 4.2, length_height_cm: 53.5 }];
  assert.equal(said(weighed)['Berat menurut umur (KMS)'],
    '29 Nov 2026 (lahir): umur 0 bulan, 3,1 kg (normal). 29 Des 2026: umur 1 bulan, 4,2 kg (normal)');
  // a birth weight without a length: on weight for age only
  const noLength = said([], { ...baby, birth_length_cm: null });
  assert.equal(noLength['Berat menurut umur (KMS)'], '29 Nov 2026 (lahir): umur 0 bulan, 3,1 kg (normal)');
  assert.equal(noLength['Panjang/tinggi menurut umur'], 'Belum ada pengukuran di grafik ini');
  // weighed on the day of birth: that weighing is the point at month 0, not the birth record twice
  const sameDay = [{ id: 'm0', child_id: 'nb', measured_on: '2026-11-29', weight_kg: 3.0, length_height_cm: 49 }];
  assert.equal(said(sameDay)['Berat menurut umur (KMS)'], '29 Nov 2026: umur 0 bulan, 3,0 kg (normal)');
});
