// The posyandu's SKDN counted on the phone (js/skdn.js), against a month worked out by hand from
// domain.md's definitions (S, K, D, N, T, O, B, BGM, 2T); tests/e2e/test_skdn_offline.py checks
// it against the server's /reports/skdn on the demo data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTables } from '../../static/pwa/js/growth.js';
import { monthEnd, skdnOf } from '../../static/pwa/js/skdn.js';
import { growthOf, markStale } from '../../static/pwa/js/assess.js';
import { recordView } from '../../static/pwa/js/outbox.js';

const root = new URL('../../', import.meta.url);
const read = (path) => JSON.parse(readFileSync(fileURLToPath(new URL(path, root)), 'utf8'));
const tables = await loadTables('/data/who/', async (url) => ({ ok: true, json: async () => read(`static/pwa${url}`) }));

const P = 'posyandu-p';
const child = (id, birth, extra = {}) => ({ id, posyandu_id: P, sex: 'F', birth_date: birth, has_kms: false, ...extra });
let n = 0;
/** A weighing the server has judged (its stored trend), or, with `pending`, one saved offline and not yet sent. */
const weighing = (childId, on, kg, server = null, extra = {}) => ({ id: `m${n += 1}`, child_id: childId, measured_on: on,
  weight_kg: kg, ...(server ? { posyandu_id: P, bgm: false, two_t: false, ...server } : { _pending: true, recorded_at: `${on}T09:00:00Z` }),
  ...extra });

test('monthEnd', () => {
  assert.equal(monthEnd('2025-08'), '2025-08-31');
  assert.equal(monthEnd('2024-02'), '2024-02-29');
  assert.equal(monthEnd('2025-12'), '2025-12-31');
});

test('a month of one posyandu, counted as the server counts it', () => {
  const children = [
    child('a', '2024-01-15', { has_kms: true }),       // N: the server's judgement
    child('b', '2024-03-01'),                          // T, and T last month too: 2T (judged here, not sent yet)
    child('c1', '2020-08-31', { has_kms: true }),      // 60 completed months on 31 Aug: not under five, not in S
    child('c2', '2020-09-01', { has_kms: true }),      // 59 months: in S and K, not weighed in August
    child('d', '2025-09-01'),                          // born after the month: not in S
    child('e', '2024-01-01', { posyandu_id: 'posyandu-q', has_kms: true }), // another posyandu
    child('f', '2024-01-01', { deleted_at: '2025-08-02T00:00:00Z', has_kms: true }),
    child('g', '2025-05-20', { has_kms: true }),       // first weighing ever, not sent yet: B
    child('h', '2024-06-01'),                          // weighed in June, not July: O
    child('i', '2024-02-10', { has_kms: true }),       // weighed twice in August: the later counts (a health worker's N)
    child('j', '2024-04-04'),                          // weighed in August at the posyandu she came from: not in D here
    child('k', '2023-05-05', { has_kms: true }),       // BGM (the server's), O
    child('l', '2024-07-07'),                          // only measured (no weight) in August: not in D
  ];
  const measurements = [
    weighing('a', '2025-07-10', 8.0, { trend: 'N' }), weighing('a', '2025-08-10', 8.5, { trend: 'N' }),
    weighing('b', '2025-07-10', 9.0, { trend: 'T' }), weighing('b', '2025-08-10', 9.1),  // +100 g < KBM 200 g at 17 months
    weighing('e', '2025-08-10', 9.0, { trend: 'N', posyandu_id: 'posyandu-q' }),
    weighing('f', '2025-08-01', 9.0, { trend: 'B' }),
    weighing('g', '2025-08-10', 5.9),
    weighing('h', '2025-06-10', 8.0, { trend: 'N' }), weighing('h', '2025-08-12', 8.4),
    weighing('i', '2025-08-05', 9.5, { trend: 'T', created_at: '2025-08-05T03:00:00Z' }),
    weighing('i', '2025-08-20', 9.6, { trend: 'N', trend_computed: 'T', created_at: '2025-08-20T03:00:00Z' }),
    weighing('i', '2025-08-25', 9.9, { trend: 'N', deleted_at: '2025-08-26T00:00:00Z' }), // deleted: not the latest
    weighing('j', '2025-08-03', 9.0, { trend: 'N', posyandu_id: 'posyandu-q' }),
    weighing('k', '2025-08-10', 7.0, { trend: 'O', bgm: true }),
    { id: 'l1', child_id: 'l', measured_on: '2025-08-10', weight_kg: null, length_height_cm: 80, posyandu_id: P },
  ];
  const row = skdnOf({ children, measurements, posyanduId: P, month: '2025-08', tables });
  assert.deepEqual(Object.fromEntries(['S', 'K', 'D', 'N', 'T', 'O', 'B', 'BGM', '2T', 'D_prime'].map((k) => [k, row[k]])),
    { S: 9, K: 5, D: 6, N: 2, T: 1, O: 2, B: 1, BGM: 1, '2T': 1, D_prime: 3 });
  // the ratios as the server rounds them: one decimal
  assert.deepEqual([row.K_S, row.D_S, row.D_K, row.N_D, row.N_D_prime, row.N_S], [55.6, 66.7, 120, 33.3, 66.7, 22.2]);
  // always D = N + T + O + B
  assert.equal(row.D, row.N + row.T + row.O + row.B);
  // the server's D_no_kms (reports/skdn.py: weighed, not has_kms): b and h; j was weighed at another
  // posyandu, l not weighed, c2 in K not weighed
  assert.equal(row.D_no_kms, 2);
  assert.equal(row.D - row.D_no_kms, row.K - 1, 'the weighed in K: all of K but c2');
});

test('an empty posyandu: zero counts, no ratios', () => {
  const row = skdnOf({ children: [], measurements: [], posyanduId: P, month: '2025-08', tables });
  assert.equal(row.S, 0);
  assert.equal(row.D_S, null);
});

test('changes waiting to be sent: the server N/T they outdate is judged again on the phone', () => {
  const children = [
    child('x', '2024-02-10'), // June weighed and judged; August judged O (no July weighing) ...
    child('y', '2024-02-10'), // June, July (N) and August (T) judged; July is then deleted on the phone
  ];
  const july = weighing('y', '2025-07-10', 8.0, { trend: 'N', created_at: '2025-07-10T03:00:00Z' });
  const measurements = [
    weighing('x', '2025-06-10', 8.0, { trend: 'N', created_at: '2025-06-10T03:00:00Z' }),
    weighing('x', '2025-08-10', 8.3, { trend: 'O', created_at: '2025-08-10T03:00:00Z' }),
    weighing('x', '2025-07-10', 8.2), // ... until July's, entered late and not sent yet: +100 g in August < KBM 200 g: T
    weighing('y', '2025-06-10', 7.9, { trend: 'N', created_at: '2025-06-10T03:00:00Z' }),
    { ...july, deleted_at: '2025-08-11T00:00:00Z', _pending: true }, // the delete waits to be sent
    weighing('y', '2025-08-10', 8.1, { trend: 'T', created_at: '2025-08-10T03:00:00Z' }), // no July weighing left: O
  ];
  const row = skdnOf({ children, measurements, posyanduId: P, month: '2025-08', tables });
  assert.deepEqual([row.D, row.N, row.T, row.O, row.B, row['2T']], [2, 0, 1, 1, 0, 0]);
  // July's own judgement (+200 g from June at 16 months, KBM 200 g): N
  assert.deepEqual([skdnOf({ children, measurements, posyanduId: P, month: '2025-07', tables })].map((r) => [r.D, r.N]), [[1, 1]]);

  // only the weighings from the earliest day waiting on are judged again: June keeps the server's
  const marked = markStale(children, measurements);
  assert.deepEqual(marked.filter((m) => m._stale).map((m) => [m.child_id, m.measured_on]),
    [['x', '2025-08-10'], ['y', '2025-08-10']]);
  // nothing waiting: the server's judgements, as they are
  const synced = measurements.filter((m) => !m._pending);
  assert.equal(markStale(children, synced), synced);
  assert.equal(skdnOf({ children, measurements: synced, posyanduId: P, month: '2025-08', tables }).O, 1);
});

test("a corrected birth date waiting to be sent: every weighing's growth is computed on the phone", () => {
  // the server computed 8.0 kg at 500 days; the birth date is corrected to 100 days before it
  const server = weighing('z', '2025-08-10', 8.0, { trend: 'B', age_days: 500, zscores: { wfa: -0.5 }, status: { bb_u: 'normal' },
    flags: {}, warnings: [] });
  const corrected = child('z', '2025-05-02', { _pending: true });
  const [m] = markStale([corrected], [server]);
  assert.equal(m._stale, true);
  const growth = growthOf(corrected, m, tables);
  assert.equal(growth.age_days, 100); // 2025-05-02 → 2025-08-10
  assert.ok(growth.zscores.wfa > 2, growth.zscores.wfa); // 8 kg at 3 months is heavy (girls' median 6.4 kg at 100 days)
  assert.equal(growthOf(corrected, server, tables).age_days, 500); // unmarked: the server's
});

test('a weighing moved to another day, waiting to be sent: judged again from the earlier of its two days', () => {
  const server = { id: 'w', child_id: 'x', measured_on: '2025-07-10', weight_kg: 8.2, trend: 'N', posyandu_id: P };
  // the cadre corrects July's date to September: August has no July weighing before it any more
  const moved = recordView({ entity: 'measurement', id: 'w', server, local: { ...server, measured_on: '2025-09-10' }, pending: 1 });
  assert.equal(moved._was_on, '2025-07-10');
  assert.equal(recordView({ entity: 'measurement', id: 'w', server, local: { ...server, weight_kg: 8.3 }, pending: 1 })._was_on, undefined);
  const august = weighing('x', '2025-08-10', 8.3, { trend: 'N', created_at: '2025-08-10T03:00:00Z' });
  const june = weighing('x', '2025-06-10', 8.0, { trend: 'N', created_at: '2025-06-10T03:00:00Z' });
  const marked = markStale([child('x', '2024-02-10')], [june, august, moved]);
  assert.deepEqual(marked.filter((m) => m._stale).map((m) => m.measured_on), ['2025-08-10']);
  const row = skdnOf({ children: [child('x', '2024-02-10')], measurements: [june, august, moved], posyanduId: P, month: '2025-08', tables });
  assert.deepEqual([row.D, row.N, row.O], [1, 0, 1]); // June's was two months before: O
});

test("the home screen's SKDN says why D/K may pass 100 %, in the reports screen's words, only when one is weighed without a KMS", async () => {
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const { installDom } = await import('./fakedom.mjs');
  installDom();
  const { skdnPanel } = await import('../../static/pwa/js/screens/home.js');
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  const children = [child('a', '2024-01-15', { has_kms: true }), child('b', '2024-03-01'), child('c', '2024-03-01')];
  const measurements = [weighing('a', '2025-08-10', 8.5, { trend: 'B' }), weighing('b', '2025-08-10', 9.1, { trend: 'B' }),
    weighing('c', '2025-08-11', 9.0, { trend: 'B' })];
  const row = skdnOf({ children, measurements, posyanduId: P, month: '2025-08', tables });
  assert.deepEqual([row.K, row.D, row.D_no_kms, row.D_K], [1, 3, 2, 300]);
  const line = () => skdnPanel(row, '2025-08').querySelector('#skdn-no-kms')?.textContent;
  assert.equal(line(), '2 anak ditimbang tanpa KMS tercatat: dihitung dalam D, tidak dalam K, jadi D/K bisa lebih dari 100%.');
  setLang('en');
  try {
    assert.equal(line(), '2 children weighed without a recorded KMS: counted in D, not in K, so D/K can be above 100%.');
  } finally {
    setLang('id');
  }
  const all = skdnOf({ children: children.map((c) => ({ ...c, has_kms: true })), measurements, posyanduId: P, month: '2025-08', tables });
  assert.equal(all.D_no_kms, 0);
  assert.equal(skdnPanel(all, '2025-08').querySelector('#skdn-no-kms'), null);
});

test('a child moved to this posyandu counts from the month she came, as the server counts her', () => {
  // moved here on 3 September (arrived_on): August's SKDN on the phone counted her and her August weighing
  // (taken at the posyandu she came from, which her records followed), one more than the server's report,
  // which counts her where she was then; September's counts her
  const children = [child('a', '2024-01-15', { has_kms: true }),
    child('m', '2024-02-02', { has_kms: true, arrived_on: '2025-09-03' }), child('n', '2024-03-03', { arrived_on: '2025-08-31' })];
  const measurements = [weighing('a', '2025-08-10', 8.5, { trend: 'B' }),
    weighing('m', '2025-08-12', 9.0, { trend: 'B' }), weighing('m', '2025-09-10', 9.3, { trend: 'N' })];
  const counts = (month) => {
    const row = skdnOf({ children, measurements, posyanduId: P, month, tables });
    return [row.S, row.K, row.D];
  };
  assert.deepEqual(counts('2025-08'), [2, 1, 1]); // a and n (came on the month's last day); m not yet
  assert.deepEqual(counts('2025-09'), [3, 2, 1]); // m weighed in September
});
