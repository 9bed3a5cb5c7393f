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
