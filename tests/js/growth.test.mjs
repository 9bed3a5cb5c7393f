// growth.js against the same WHO fixtures as the Python engine (tests/data/README.md).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  calculate, category, GrowthInputError, kmsStatus, loadTables, roundZ, trend,
} from '../../static/pwa/js/growth.js';
import { assess } from '../../static/pwa/js/assess.js';

const root = new URL('../../', import.meta.url);
const read = (path) => JSON.parse(readFileSync(fileURLToPath(new URL(path, root)), 'utf8'));
const fakeFetch = async (url) => ({ ok: true, json: async () => read(`static/pwa${url}`) });
const tables = await loadTables('/data/who/', fakeFetch);
const rows = read('tests/data/growth_fixtures.json').rows;
const NOT_INPUT = new Set(['id', 'expected', 'source', 'tolerance']);

function mismatches(row, result) {
  const { expected } = row;
  const tolerance = row.tolerance ?? 0.01;
  const problems = [];
  for (const [key, want] of Object.entries(expected.zscores ?? {})) {
    const got = result.zscores[key];
    if ((want === null) !== (got === null) || (want !== null && Math.abs(want - got) > tolerance + 1e-9)) {
      problems.push(['zscores', key, want, got]);
    }
  }
  for (const section of ['flags', 'status']) {
    for (const [key, want] of Object.entries(expected[section] ?? {})) {
      if (result[section][key] !== want) problems.push([section, key, want, result[section][key]]);
    }
  }
  for (const key of ['warnings', 'age_days', 'age_months']) {
    if (key in expected && JSON.stringify(result[key]) !== JSON.stringify(expected[key])) {
      problems.push([key, expected[key], result[key]]);
    }
  }
  const missing = (expected.warnings_include ?? []).filter((w) => !result.warnings.includes(w));
  if (missing.length) problems.push(['warnings_include', missing]);
  return problems;
}

test(`all ${rows.length} WHO fixture rows match`, () => {
  const failures = [];
  for (const row of rows) {
    const input = Object.fromEntries(Object.entries(row).filter(([k]) => !NOT_INPUT.has(k)));
    const problems = mismatches(row, calculate(input, tables));
    if (problems.length) failures.push({ id: row.id, problems, source: row.source });
  }
  assert.deepEqual(failures, []);
});

test('impossible input raises GrowthInputError naming the field', () => {
  assert.throws(() => calculate({ sex: 'X', age_days: 3 }, tables), (e) => e instanceof GrowthInputError && e.field === 'sex');
  assert.throws(() => calculate({ sex: 'F', birth_date: '2024-02-01', measured_on: '2024-01-31' }, tables),
    (e) => e.field === 'measured_on');
  assert.throws(() => calculate({ sex: 'F', age_days: 3, weight_kg: -1 }, tables), (e) => e.field === 'weight_kg');
  assert.throws(() => calculate({ sex: 'Q', age_days: 1 }, tables), (e) => e.field === 'sex' && e.detail === 'must be "M" or "F"');
});

test('rounding: nearest of the exact value, ties away from zero', () => {
  assert.equal(roundZ(1.005), 1);
  assert.equal(roundZ(0.125), 0.13);
  assert.equal(roundZ(-0.125), -0.13);
  assert.ok(Object.is(roundZ(-0.004), 0));
});

test('Permenkes categories at the cut-offs', () => {
  assert.equal(category('bb_u', -3), 'kurang');
  assert.equal(category('bb_u', 1), 'normal');
  assert.equal(category('tb_u', 3.01), 'tinggi');
  assert.equal(category('bb_tb', 2), 'berisiko_gizi_lebih');
  assert.equal(category('imt_u', null), null);
});

test('KMS trend: N at exactly KBM, T below, O and B, 2T and referral', () => {
  const born = '2024-01-10';
  const last = { measured_on: '2024-03-05', weight_kg: 5.0 };
  assert.equal(trend(born, { measured_on: '2024-04-05', weight_kg: 5.9 }, last, true).trend, 'N');
  assert.equal(trend(born, { measured_on: '2024-04-05', weight_kg: 5.899 }, last, true).trend, 'T');
  assert.equal(trend(born, { measured_on: '2024-05-01', weight_kg: 6 }, null, true).trend, 'O');
  assert.equal(trend(born, { measured_on: '2024-05-01', weight_kg: 6 }, null, false).trend, 'B');
  const status = kmsStatus(born, { measured_on: '2024-09-01', weight_kg: 6.0, wfa: -3.2 },
    { measured_on: '2024-08-01', weight_kg: 6.1 }, true, 'T');
  assert.deepEqual([status.trend, status.bgm, status.two_t, status.referral], ['T', true, true, true]);
});

// tests/data/kms_trend_cases.json (tests/data/kms_make_cases.py): the N/T/O/B, gain, KBM, BGM, 2T and
// KMS referral the phone shows at the table (assess.js, every weighing judged here) for each weighing
// of a series, as tests/unit/test_trend.py checks the server's.
const kmsCases = read('tests/data/kms_trend_cases.json').cases;
test(`all ${kmsCases.length} shared KMS trend cases match`, () => {
  const failures = [];
  for (const c of kmsCases) {
    const child = { id: c.id, sex: c.sex, birth_date: c.birth_date };
    const history = c.weighings.map((w, i) => ({ ...w, id: `m${i}`, child_id: c.id, _pending: true,
      recorded_at: `2020-01-01T00:00:${String(i).padStart(2, '0')}Z` })); // same-day pairs: as recorded
    c.weighings.forEach((w, i) => {
      const kms = assess({ child, m: history[i], history, tables, on: w.measured_on }).kms;
      const got = { trend: kms.trend, trend_computed: kms.trend_computed, gain_g: kms.gain_g, kbm_g: kms.kbm_g,
        bgm: kms.bgm, two_t: kms.two_t, referral: kms.referral };
      const want = c.expected[i];
      const diff = Object.keys(want).filter((k) => got[k] !== want[k]);
      if (diff.length) failures.push({ id: c.id, weighing: i, diff: diff.map((k) => [k, want[k], got[k]]) });
    });
  }
  assert.deepEqual(failures, []);
});

// tests/data/lila_head_cases.json (tests/data/lila_head_make_cases.py): the LiLA sign (6-59 months:
// < 11.5 cm gizi buruk, 11.5 to < 12.5 gizi kurang; Kemenkes 2019 / WHO 2013) and head circumference
// beyond +-2 SD the phone shows after a measurement (assess.js), as tests/unit/test_signs.py checks the server's.
const signCases = read('tests/data/lila_head_cases.json').cases;
test(`all ${signCases.length} shared LiLA and head-circumference cases match`, () => {
  const failures = [];
  for (const c of signCases) {
    const child = { id: c.id, sex: c.sex, birth_date: c.birth_date };
    const m = { id: 'm', child_id: c.id, measured_on: c.measured_on, muac_cm: c.muac_cm,
      head_circumference_cm: c.head_circumference_cm, _pending: true };
    const r = assess({ child, m, history: [m], tables, on: c.measured_on });
    const got = { hcfa: r.growth.zscores.hcfa, muac_sign: r.muac_sign, head_sign: r.head_sign, refer: r.referral };
    const diff = Object.keys(c.expected).filter((k) => got[k] !== c.expected[k]);
    if (diff.length) failures.push({ id: c.id, diff: diff.map((k) => [k, c.expected[k], got[k]]) });
  }
  assert.deepEqual(failures, []);
});

test('a z-score that overflows (1e308 kg) is null with remeasure, as on the server', () => {
  const result = calculate({ sex: 'M', age_days: 100, weight_kg: 1e308, length_height_cm: 60 }, tables);
  assert.equal(result.zscores.bfa, null); // BMI is infinite
  assert.equal(result.flags.bfa, null);
  assert.deepEqual([result.flags.wfa, result.flags.wfl], [true, true]); // huge but finite: flagged
  assert.deepEqual(result.warnings, ['remeasure']); // 60 cm is in the table's range
});

test('a lying length the 0.7 cm conversion takes to nothing gives no length z-score, and re-measure, as on the server', () => {
  for (const cm of [0.5, 0.7]) {
    const result = calculate({ sex: 'M', age_days: 800, weight_kg: 10, length_height_cm: cm, position: 'lying' }, tables);
    assert.deepEqual(['lhfa', 'bfa', 'wfl', 'wfh'].map((k) => result.zscores[k]), [null, null, null, null], String(cm));
    assert.notEqual(result.zscores.wfa, null);
    assert.deepEqual(result.warnings, ['remeasure']);
  }
});
