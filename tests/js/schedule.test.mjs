// Which schedule the app computes with (schedule.js): the server's version in force, kept in the
// user's database and used offline; the bundled file only before the first successful fetch.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { memDb } from './memdb.mjs';
import { fakeApi } from './fakeserver.mjs';
import { currentSchedule, refreshSchedule } from '../../static/pwa/js/schedule.js';
import { dueToday } from '../../static/pwa/js/assess.js';
import { getMeta } from '../../static/pwa/js/outbox.js';

const bundled = JSON.parse(readFileSync(fileURLToPath(new URL('../../static/pwa/data/schedule-2024.json', import.meta.url)), 'utf8'));
const bundledFile = async () => structuredClone(bundled);
/** An admin's new version: MR 1 recommended (and allowed) from 8 months instead of 9. */
const earlierMr = {
  ...bundled, version: '2025.1', valid_from: '2025-01-01',
  entries: bundled.entries.map((e) => (e.vaccine === 'MR' && e.dose === 1
    ? { ...e, recommended_age: { months: 8 }, min_age: { months: 8 } } : e)),
};
const answer = (doc, id = 2) => ({ id, version: doc.version, name: doc.name, valid_from: doc.valid_from, active: true, document: doc });

const mrDue = (schedule) => dueToday({ child: { id: 'c', birth_date: '2024-06-10' }, schedule, on: '2025-02-10' })
  .doses.some((d) => d.vaccine === 'MR');

test('before the first fetch the bundled schedule is used', async () => {
  const db = memDb();
  const s = await currentSchedule(db, bundledFile);
  assert.deepEqual([s.version, s.origin, s.fetched_at], ['2024.2', 'bundled', null]);
  assert.equal(mrDue(s), false); // 8 months old: MR 1 only from 9 months in 2024.2
});

test('a fetched schedule is kept in the user database and used from then on, offline too', async () => {
  const db = memDb();
  const api = fakeApi([answer(earlierMr)]);
  assert.equal(await refreshSchedule(db, api), true);
  assert.deepEqual(api.calls, ['/immunisation/schedule']);
  const kept = await getMeta(db, 'schedule');
  assert.deepEqual([kept.id, kept.version, kept.valid_from, kept.document.version], [2, '2025.1', '2025-01-01', '2025.1']);
  let asked = false;
  const s = await currentSchedule(db, async () => { asked = true; return bundled; });
  assert.deepEqual([s.version, s.origin, asked], ['2025.1', 'server', false]); // no network needed
  assert.ok(s.fetched_at);
  assert.equal(mrDue(s), true); // the admin's change reaches the due doses
});

test('the same schedule again is no change; a new version is', async () => {
  const db = memDb();
  const api = fakeApi([answer(bundled, 1), answer(bundled, 1), answer(earlierMr)]);
  assert.equal(await refreshSchedule(db, api), true); // first copy: differs from nothing
  assert.equal(await refreshSchedule(db, api), false);
  assert.equal(await refreshSchedule(db, api), true);
  assert.equal((await currentSchedule(db, bundledFile)).version, '2025.1');
});

test('a failed fetch or an answer that is not a schedule keeps the last copy', async () => {
  const db = memDb();
  const network = Object.assign(new Error('offline'), { kind: 'network' });
  const api = fakeApi([answer(earlierMr), network, { id: 3, document: { version: 'broken' } }, null]);
  await refreshSchedule(db, api);
  await assert.rejects(refreshSchedule(db, api), /offline/);
  await assert.rejects(refreshSchedule(db, api), /not a schedule/);
  await assert.rejects(refreshSchedule(db, api), /not a schedule/);
  assert.equal((await currentSchedule(db, bundledFile)).version, '2025.1');
});

test('a damaged kept copy falls back to the bundled file', async () => {
  const db = memDb();
  await db.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'schedule', document: { entries: 'x' } }));
  assert.equal((await currentSchedule(db, bundledFile)).origin, 'bundled');
});
