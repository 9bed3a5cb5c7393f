// The home list names a child whose latest measurement is implausible ("nilai tidak wajar: ukur ulang"):
// a weight mistyped (1,62 kg for 16,2) had no tag at all (its BB/U is not judged), so neither the kader
// nor the midwife looking over a posyandu's list could find the weighings to measure again.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const { homeTags } = await import('./home-list.mjs');
const { setLang, t } = await import('../../static/pwa/js/i18n.js');

const json = (p) => JSON.parse(readFileSync(new URL(`../../${p}`, import.meta.url)));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'].map((n) => [n, json(`static/pwa/data/who/${n}.json`)]));
const schedule = json('static/pwa/data/schedule-2024.json');

const ahmad = { id: 'c1', name: 'Ahmad Saputra', sex: 'M', birth_date: '2022-11-06', posyandu_id: 'p1' };
const weighing = (id, on, kg) => ({ id, child_id: 'c1', measured_on: on, weight_kg: kg, oedema: false, recorded_at: `${on}T02:00:00Z` });

/** The tags of Ahmad's row on a bidan's home list of 5 Dec 2026, with `measurements`. */
const tags = (measurements) => homeTags({ role: 'bidan', children: [ahmad], measurements, date: '2026-12-05', tables, schedule });

test('a child whose latest weighing is implausible is tagged to be measured again; a plausible one is not', async () => {
  setLang('id');
  const november = weighing('m1', '2026-11-08', 14.0);
  const mistyped = await tags([november, weighing('m2', '2026-12-05', 1.62)]);
  assert.ok(mistyped.some(([c, text]) => c === 'tag bad' && text === t('chart_flagged')), JSON.stringify(mistyped));
  const corrected = await tags([november, weighing('m2', '2026-12-05', 16.2)]);
  assert.ok(!corrected.some(([, text]) => text === t('chart_flagged')), JSON.stringify(corrected));
  assert.ok(corrected.some(([, text]) => text === 'normal'), JSON.stringify(corrected));
});

test('beside BB/U the list shows what is severe by BB/PB (not IMT/U), a height far too short, oedema and a LiLA under 11,5 cm', async () => {
  // the tag took the first red status in the record's order: IMT/U's "gizi buruk" for a child the
  // reports count as wasted (gizi kurang), "obesitas" by IMT/U where "sangat pendek" was hidden, and none at all for oedema or LiLA
  setLang('id');
  const child = (id, sex, birth) => ({ id, name: id, sex, birth_date: birth, posyandu_id: 'p1' });
  const m = (id, extra) => ({ id: `m-${id}`, child_id: id, measured_on: '2026-12-05', recorded_at: '2026-12-05T02:00:00Z', oedema: false, ...extra });
  const rows = async (c, extra) => (await homeTags({ role: 'kader', children: [c], measurements: [m(c.id, extra)], date: '2026-12-05', tables, schedule }))
    .filter(([cls]) => cls === 'tag bad').map(([, text]) => text);
  // 399 days, 8,0 kg, 80 cm: BB/PB z −2,71 (gizi kurang), IMT/U z −3,12 (gizi buruk by IMT/U)
  assert.deepEqual(await rows(child('kurus', 'F', '2025-11-01'), { weight_kg: 8.0, length_height_cm: 80, position: 'lying' }), []);
  // 1200 days, 15,29 kg, 85,7 cm standing: TB/U −3,26 sangat pendek, BB/TB +3,00 gizi lebih, IMT/U +3,58 obesitas
  assert.deepEqual(await rows(child('pendek', 'M', '2023-08-23'), { weight_kg: 15.29, length_height_cm: 85.7, position: 'standing' }), ['sangat pendek']);
  // oedema: no weight-based z-score, severely wasted all the same (domain.md)
  assert.deepEqual(await rows(child('edema', 'F', '2025-11-01'), { weight_kg: 8.5, length_height_cm: 75, position: 'lying', oedema: true }), ['gizi buruk']);
  // every index normal, LiLA 11,0 cm
  assert.deepEqual(await rows(child('lila', 'F', '2025-11-01'), { weight_kg: 8.5, length_height_cm: 75, position: 'lying', muac_cm: 11.0 }), ['gizi buruk']);
});
