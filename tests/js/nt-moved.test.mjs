// A bidan's N/T (trend_override) on a weighing a kader then moves, offline, to another month: the
// server drops it when the edit arrives (posyandu/growth/operations.py _override_of_another_month:
// the month of the stored date against the new one, both plain dates), so the phone shows the N/T it
// computes from then on (result, child, home, SKDN), and its later entries send the N/T dropped, as
// the server then holds it (sent as it stood before, the server read it as the kader's change: 403).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { memDb } from './memdb.mjs';
import { fakeServer } from './fakeserver.mjs';
import { markBatch, outboxEntries, records, recordView, saveChange, saveChanges } from '../../static/pwa/js/outbox.js';
import { createSync } from '../../static/pwa/js/sync.js';
import { loadTables } from '../../static/pwa/js/growth.js';
import { kmsOf, markStale } from '../../static/pwa/js/assess.js';
import { skdnOf } from '../../static/pwa/js/skdn.js';

const root = new URL('../../', import.meta.url);
const read = (path) => JSON.parse(readFileSync(fileURLToPath(new URL(path, root)), 'utf8'));
const tables = await loadTables('/data/who/', async (url) => ({ ok: true, json: async () => read(`static/pwa${url}`) }));

const P = '11111111-1111-4111-8111-111111111111';
const CHILD = { posyandu_id: P, name: 'Ani', sex: 'F', birth_date: '2024-02-10', has_kms: true };

/** Ani weighed 8.0 kg on 10 June, 8.1 on 3 July and 8.15 on 25 July (+150 g over June at 17 months,
 * KBM 200 g: T), which a bidan judged N; the kader's phone has pulled it all. */
async function setup() {
  const db = memDb();
  const server = fakeServer();
  const engine = createSync({ db, api: server, timers: { set: () => 0, clear() {} }, random: () => 0.5 });
  const child = crypto.randomUUID();
  const ids = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  server.write('child', child, CHILD);
  const weighing = { child_id: child, posyandu_id: P, bgm: false, two_t: false, trend_override: null, trend_override_reason: null };
  server.write('measurement', ids[0], { ...weighing, measured_on: '2025-06-10', weight_kg: 8.0, trend: 'B', trend_computed: 'B' });
  server.write('measurement', ids[1], { ...weighing, measured_on: '2025-07-03', weight_kg: 8.1, trend: 'T', trend_computed: 'T' });
  server.write('measurement', ids[2], { ...weighing, measured_on: '2025-07-25', weight_kg: 8.15, trend: 'N', trend_computed: 'T',
    trend_override: 'N', trend_override_reason: 'kurva mengikuti garis' });
  await engine.sync();
  assert.equal((await outboxEntries(db)).length, 0);
  return { db, child, judged: ids[2] };
}

/** What the phone's screens read: the live weighings as ctx.records gives them, and the judged one's N/T. */
async function shown(db, id) {
  const kids = (await records(db, 'child')).map((c) => ({ ...c, id: c.id }));
  const all = markStale(kids, await records(db, 'measurement'));
  const m = all.find((x) => x.id === id);
  return { m, all, kids, kms: kmsOf(kids[0], m, all, tables) };
}

test('moved to another month, the bidan\'s N gives way to the N/T the server will compute, and stays dropped', async () => {
  const { db, judged } = await setup();
  assert.equal((await shown(db, judged)).kms.trend, 'N', 'her N stands where she gave it');

  // the kader corrects the date into August: +50 g over July's latest (3 July), KBM 200 g: T
  await saveChange(db, { entity: 'measurement', id: judged, fields: { measured_on: '2025-08-02' } });
  let { m, all, kids, kms } = await shown(db, judged);
  assert.deepEqual([m.trend_override, m.trend_override_reason], [null, null]);
  assert.deepEqual([kms.trend, kms.overridden], ['T', false]);
  const august = skdnOf({ children: kids, measurements: all, posyanduId: P, month: '2025-08', tables });
  assert.deepEqual([august.D, august.N, august.T], [1, 0, 1]);
  // the entry sends her N as it stood: no change of the kader's, which the server refuses (it drops it)
  let [entry] = await outboxEntries(db);
  assert.deepEqual([entry.data.measured_on, entry.data.trend_override, entry.data.trend_override_reason],
    ['2025-08-02', 'N', 'kurva mengikuti garis']);
  assert.ok(!entry.changed.includes('trend_override'));

  // a second correction before the first is answered: sent with the N dropped, as the server has it then
  await saveChange(db, { entity: 'measurement', id: judged, fields: { weight_kg: 8.2 } });
  const second = (await outboxEntries(db))[1];
  assert.deepEqual([second.data.trend_override, second.data.trend_override_reason], [null, null]);
  assert.ok(!second.changed.includes('trend_override'));
  // and back into July: still dropped (the server dropped it at the first move)
  await saveChange(db, { entity: 'measurement', id: judged, fields: { measured_on: '2025-07-28' } });
  ({ m, kms } = await shown(db, judged));
  assert.deepEqual([m.trend_override, kms.trend], [null, 'N']); // +200 g over June: the computed N
  entry = (await outboxEntries(db))[2];
  assert.equal(entry.data.trend_override, null);
});

test('a date moved within the month keeps the N; so does a new judgement given with the move', async () => {
  let { db, judged } = await setup();
  await saveChange(db, { entity: 'measurement', id: judged, fields: { measured_on: '2025-07-31' } });
  let { m, kms } = await shown(db, judged);
  assert.deepEqual([m.trend_override, kms.trend, kms.overridden], ['N', 'N', true]);

  ({ db, judged } = await setup());
  // a bidan moving it judges it anew there: hers is sent, and stands
  await saveChange(db, { entity: 'measurement', id: judged,
    fields: { measured_on: '2025-08-02', trend_override: 'T', trend_override_reason: 'ditimbang ulang' } });
  ({ m } = await shown(db, judged));
  assert.deepEqual([m.trend_override, m.trend_override_reason], ['T', 'ditimbang ulang']);
});

test('a bidan moving it gives her N again there (the form\'s second change): it is sent as a change after the move, and shown kept', async () => {
  const { db, judged } = await setup();
  const drawn = (await records(db, 'measurement')).find((m) => m.id === judged);
  const her = { trend_override: 'N', trend_override_reason: 'kurva mengikuti garis' };
  await saveChanges(db, [{ entity: 'measurement', id: judged, fields: { ...drawn, measured_on: '2025-08-02', ...her }, drawn },
    { entity: 'measurement', id: judged, fields: her }]);
  const [move, again] = await outboxEntries(db);
  assert.ok(!move.changed.includes('trend_override')); // the server drops it at the move...
  assert.deepEqual([again.data.measured_on, again.data.trend_override, again.data.trend_override_reason],
    ['2025-08-02', 'N', 'kurva mengikuti garis']);
  assert.ok(again.changed.includes('trend_override')); // ...and takes hers given after it
  let { m, kms } = await shown(db, judged);
  assert.deepEqual([m.trend_override, kms.trend, kms.overridden], ['N', 'N', true]);
  await saveChange(db, { entity: 'measurement', id: judged, fields: { measured_on: '2025-08-20' } }); // within August: kept
  assert.equal((await shown(db, judged)).m.trend_override, 'N');
  await saveChange(db, { entity: 'measurement', id: judged, fields: { measured_on: '2025-09-02' } }); // moved on: dropped
  ({ m } = await shown(db, judged));
  assert.equal(m.trend_override, null);
  assert.equal((await outboxEntries(db))[3].data.trend_override, 'N'); // sent as it stood: the server drops it at this move
});

test('a move the server refused, corrected, sends the N as the server still has it', async () => {
  const { db, judged } = await setup();
  await saveChange(db, { entity: 'measurement', id: judged, fields: { measured_on: '2025-08-02' } });
  const [refused] = await outboxEntries(db);
  await markBatch(db, [refused], { weight_kg: ['periksa lagi'] });
  await saveChange(db, { entity: 'measurement', id: judged, fields: { measured_on: '2025-08-02', weight_kg: 8.2 } });
  const [entry] = await outboxEntries(db);
  assert.notEqual(entry.mutation_id, refused.mutation_id);
  assert.deepEqual([entry.data.trend_override, entry.data.trend_override_reason], ['N', 'kurva mengikuti garis']);
  const { m, kms } = await shown(db, judged);
  assert.deepEqual([m.trend_override, kms.trend], [null, 'T']);
});

test('an overlay that moved the weighing with the N/T as it stood, however made, is read with it dropped', () => {
  const server = { id: 'w', child_id: 'x', measured_on: '2025-07-25', weight_kg: 8.15, trend: 'N', trend_computed: 'T',
    trend_override: 'N', trend_override_reason: 'kurva mengikuti garis' };
  const row = (local) => ({ entity: 'measurement', id: 'w', server, local: { ...server, ...local }, pending: 1 });
  // an older app's overlay, or one a conflict's choice wrote (conflicts.js): her N kept beside the new date
  const moved = recordView(row({ measured_on: '2025-08-02' }));
  assert.deepEqual([moved.trend_override, moved.trend_override_reason, moved._was_on], [null, null, '2025-07-25']);
  assert.equal(recordView(row({ measured_on: '2025-07-30' })).trend_override, 'N'); // within the month
  assert.equal(recordView(row({ measured_on: '2025-08-02', trend_override: 'T' })).trend_override, 'T'); // judged anew
  assert.equal(recordView({ ...row({}), local: null, pending: 0 }).trend_override, 'N');
});
