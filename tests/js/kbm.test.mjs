// Which KBM table the app judges N/T with (kbm.js): the server's version in force, kept in the
// user's database and used offline, so that the N or T shown at the table is the server's; the
// built-in Buku KIA table only before the first successful fetch. Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { memDb } from './memdb.mjs';
import { fakeApi } from './fakeserver.mjs';
import { currentKbm, kbmInfo, kbmTable, refreshKbm } from '../../static/pwa/js/kbm.js';
import { assess } from '../../static/pwa/js/assess.js';
import { DEFAULT_KBM, loadTables } from '../../static/pwa/js/growth.js';
import { loadSchedule } from '../../static/pwa/js/due.js';
import { skdnOf } from '../../static/pwa/js/skdn.js';

const read = (path) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8'));
const tables = await loadTables('/data/who/', async (url) => ({ ok: true, json: async () => read(`static/pwa${url}`) }));
const schedule = loadSchedule(read('static/pwa/data/schedule-2024.json'));

const builtIn = { version: 0, grams_by_month: Object.fromEntries(Object.entries(DEFAULT_KBM).map(([m, g]) => [String(m), g])),
  source: 'Buku KIA / Standar Pemantauan Pertumbuhan Balita (bawaan)', created_at: null };
/** An admin's version: 700 g at 3 months, where printed sources disagree (domain.md), 800 g elsewhere. */
const lower3 = { version: 1, grams_by_month: { ...builtIn.grams_by_month, 3: 700 }, source: 'Juknis 2024', created_at: '2025-01-02T00:00:00Z' };

// A girl born 1 Jan 2025 gains 750 g from 5 March to 5 April (3 completed months on 5 April):
// under the built-in 800 g that is T, under the admin's 700 g it is N.
const child = { id: 'c', posyandu_id: 'p', sex: 'F', birth_date: '2025-01-01', has_kms: true };
const march = { id: 'm1', child_id: 'c', measured_on: '2025-03-05', weight_kg: 5.0, trend: 'B', posyandu_id: 'p' };
const april = { id: 'm2', child_id: 'c', measured_on: '2025-04-05', weight_kg: 5.75, _pending: true };
const trendUnder = (kbm) => assess({ child, m: april, history: [march, april], tables, kbm, schedule, on: '2025-04-05' }).kms;

test('before the first fetch the built-in table is used', async () => {
  const db = memDb();
  assert.deepEqual(await currentKbm(db), DEFAULT_KBM);
  assert.deepEqual(await kbmInfo(db), { origin: 'built_in' });
  await refreshKbm(db, fakeApi([lower3]));
  assert.deepEqual({ ...(await kbmInfo(db)), fetched_at: null }, { origin: 'server', version: 1, source: 'Juknis 2024', fetched_at: null });
});

test('a fetched table is kept and used offline; N/T at the table follows it', async () => {
  const db = memDb();
  const api = fakeApi([lower3, lower3]);
  assert.equal(await refreshKbm(db, api), true, 'changed: judged again');
  assert.deepEqual(api.calls, ['/growth/kbm']);
  const kbm = await currentKbm(db);
  assert.equal(kbm[3], 700);
  assert.equal(kbm[4], 600);
  assert.equal(await refreshKbm(db, api), false, 'the same table again: nothing to judge again');

  // the result screen after the weighing: N under the kept table, T under the built-in one
  assert.deepEqual([trendUnder(kbm).trend, trendUnder(kbm).gain_g, trendUnder(kbm).kbm_g], ['N', 750, 700]);
  assert.deepEqual([trendUnder(undefined).trend, trendUnder(undefined).kbm_g], ['T', 800]);
});

test('a failed fetch or a damaged answer keeps the last table', async () => {
  const db = memDb();
  await refreshKbm(db, fakeApi([lower3]));
  const network = Object.assign(new Error('offline'), { kind: 'network' });
  await assert.rejects(refreshKbm(db, fakeApi([network])));
  for (const damaged of [{}, { grams_by_month: {} }, { grams_by_month: { 0: 800 } }, { grams_by_month: { 3: -1 } },
    { grams_by_month: { 3: '700' } }, { grams_by_month: { 61: 200 } }, null]) {
    await assert.rejects(refreshKbm(db, fakeApi([damaged])), /not a KBM table/, JSON.stringify(damaged));
  }
  assert.equal((await currentKbm(db))[3], 700);
  assert.throws(() => kbmTable({ grams_by_month: { 1: 800, 3: 2001 } }), /not a KBM table/);
});

test("a table the server would refuse is refused here too: 0 g for a month, or no month 1 (KbmSchema, publish_kbm)", async () => {
  // 0 g made a weight that did not go up N at the table, where the server says T
  const db = memDb();
  await refreshKbm(db, fakeApi([lower3]));
  for (const refused of [{ ...lower3, grams_by_month: { ...lower3.grams_by_month, 3: 0 } },
    { ...lower3, grams_by_month: { ...lower3.grams_by_month, 1: 0 } }, { ...lower3, grams_by_month: { 2: 900, 3: 700 } }]) {
    assert.throws(() => kbmTable(refused), /not a KBM table/, JSON.stringify(refused.grams_by_month));
    await assert.rejects(refreshKbm(db, fakeApi([refused])), /not a KBM table/);
  }
  assert.equal((await currentKbm(db))[3], 700); // the last good table stays in use
  assert.equal(kbmTable({ grams_by_month: { 1: 1, 60: 2000 } })[60], 2000); // the server's bounds, both taken
});

test("the phone's SKDN judges a weighing not yet sent by the table in force", () => {
  const row = (kbm) => skdnOf({ children: [child], measurements: [march, april], posyanduId: 'p', month: '2025-04', tables, kbm });
  assert.deepEqual([row(undefined).N, row(undefined).T], [0, 1]);
  assert.deepEqual([row(kbmTable(lower3)).N, row(kbmTable(lower3)).T], [1, 0]);
});
