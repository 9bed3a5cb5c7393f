// A save at the table reads what it needs, not the whole outbox (outbox.js writeChange): a cadre
// offline through a posyandu day queues a hundred weighings, and each new one read them all again.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memDb } from './memdb.mjs';
import { markBatch, outboxEntries, saveChange, saveChanges, takeBatch } from '../../static/pwa/js/outbox.js';

/** `db` counting the rows each store's getAll hands back, in `seen`. */
const counted = (db, seen) => ({ ...db, tx: (names, mode, fn, options) => db.tx(names, mode, (stores) => fn(Object.fromEntries(
  Object.entries(stores).map(([n, s]) => [n, { ...s, getAll: async (...a) => {
    const rows = await s.getAll(...a);
    seen[n] = (seen[n] ?? 0) + rows.length;
    return rows;
  } }]))), options) });
const weighing = (id, childId, kg) => ({ entity: 'measurement', id, fields: { child_id: childId, measured_on: '2026-03-05', weight_kg: kg } });

test('a new weighing saved beside 50 queued reads no outbox entry; a correction still replaces its refused entry', async () => {
  const db = memDb();
  await saveChanges(db, Array.from({ length: 50 }, (_, i) => weighing(`m${i}`, `c${i}`, 9 + i / 10)));
  await markBatch(db, await takeBatch(db, 1), { weight_kg: ['Terlalu berat.'] }); // m0 refused
  const seen = {};
  const { entry } = await saveChange(counted(db, seen), weighing('new', 'c99', 10.5));
  assert.deepEqual(seen, {}, 'nothing read back: no record, nothing queued for it');
  assert.equal(entry.base_version, null);
  assert.equal((await outboxEntries(db)).length, 51);
  // m0 has a row: its queued entries are looked for (the refused one replaced by the correction)
  await saveChange(counted(db, seen), { entity: 'measurement', id: 'm0', fields: { weight_kg: 9.1 } });
  assert.ok(seen.outbox >= 51);
  const m0 = (await outboxEntries(db)).filter((e) => e.id === 'm0');
  assert.deepEqual(m0.map((e) => [e.state, e.data.weight_kg]), [['pending', 9.1]]);
});
