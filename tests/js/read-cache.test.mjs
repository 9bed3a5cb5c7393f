// The home screen's cached reads brought up to date after a write (app.js ctx.records): db.js names
// the record keys each write touched (changes), and outbox.rowsAfter reads again only the rows of
// the children they touch, not the whole store (28,800 weighings of a midwife's 1,200 children
// took 2 s to read on a cheap phone after every save). Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb, SCHEMA } from '../../static/pwa/js/db.js';
import { memDb } from './memdb.mjs';
import { applyPullPage } from '../../static/pwa/js/incoming.js';
import { records, rowsAfter, rowsOfChild, saveChange, saveChanges } from '../../static/pwa/js/outbox.js';

test('a write names the record keys it touched; a meta-only one none; another tab\'s or a clear: unknown', async () => {
  const { fakeIndexedDb } = await import('./fakeidb.mjs');
  globalThis.indexedDB = fakeIndexedDb();
  const here = await openDb('posyandu-rc1', SCHEMA, { onChanged: () => {} });
  const there = await openDb('posyandu-rc1', SCHEMA, { onChanged: () => {} });
  try {
    const g0 = here.generation();
    assert.deepEqual(here.changes(g0, 'records'), []);
    await saveChange(here, { entity: 'measurement', id: 'm1', fields: { child_id: 'c1', measured_on: '2024-05-05', weight_kg: 9 } });
    await here.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'x', value: 1 }));
    assert.deepEqual(here.changes(g0, 'records'), [['measurement', 'm1']]);
    assert.deepEqual(here.changes(g0 + 1, 'records'), [], 'the meta write touched no record');
    const g2 = here.generation();
    await here.tx(['records'], 'readwrite', ({ records: r }) => r.delete(['measurement', 'm1']));
    assert.deepEqual(here.changes(g2, 'records'), [['measurement', 'm1']]);
    await here.tx(['records'], 'readwrite', ({ records: r }) => r.clear());
    assert.equal(here.changes(g2, 'records'), null, 'cleared: every row may have changed');
    const g3 = there.generation();
    await here.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'x', value: 2 }));
    await new Promise((resolve) => { setTimeout(resolve, 20); });
    assert.ok(there.generation() > g3);
    assert.equal(there.changes(g3, 'records'), null, 'another tab wrote: not known what');
    for (let i = 0; i < 40; i += 1) await here.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'x', value: i }));
    assert.equal(here.changes(g0, 'records'), null, 'older than the writes remembered');
  } finally {
    here.close();
    there.close();
  }
});

const child = (id, name) => ({ entity: 'child', id, op: 'upsert', version: 1,
  record: { id, name, sex: 'F', birth_date: '2023-01-10', posyandu_id: 'p1' } });
const weighing = (id, childId, day, kg) => ({ entity: 'measurement', id, op: 'upsert', version: 1,
  record: { id, child_id: childId, measured_on: day, weight_kg: kg } });
const byId = (a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
/** The list patched by rowsAfter, as app.js does, against a full read. */
async function patched(db, entity, list, keys) {
  const after = await rowsAfter(db, entity, list, keys);
  return after && [...after.kept, ...after.fresh.filter((r) => r.id && !r.deleted_at)].sort(byId);
}

test('rowsAfter: a save, a correction, a delete and a child edit re-read only that child, as a full read', async () => {
  const db = memDb();
  await applyPullPage(db, { changes: [child('a', 'Ani'), child('b', 'Budi'), weighing('m1', 'a', '2024-04-05', 9),
    weighing('m2', 'a', '2024-05-05', 9.3), weighing('m3', 'b', '2024-05-05', 11)], cursor: '1', has_more: false });
  const list = await records(db, 'measurement');
  const keysOf = (changes) => changes.map((c) => [c.entity, c.id]);
  const saves = [{ entity: 'measurement', id: 'm0', fields: { child_id: 'a', measured_on: '2024-06-05', weight_kg: 9.6 } },
    { entity: 'measurement', id: 'm2', fields: { weight_kg: 9.4 } },
    { entity: 'measurement', id: 'm1', op: 'delete', reason: 'salah' }];
  await saveChanges(db, saves);
  const now = await records(db, 'measurement');
  const after = await rowsAfter(db, 'measurement', list, keysOf(saves));
  assert.deepEqual(after.kept.map((r) => r.id), ['m3'], "Budi's weighing kept as read");
  assert.deepEqual(await patched(db, 'measurement', list, keysOf(saves)), now);
  assert.deepEqual(now.map((r) => [r.id, r.weight_kg, r._pending]), [['m0', 9.6, true], ['m2', 9.4, true], ['m3', 11, false]]);
  // the child edited: her weighings read again (their staleness follows hers), the other child's kept
  const children = await records(db, 'child');
  await saveChange(db, { entity: 'child', id: 'b', fields: { birth_date: '2023-02-10' } });
  assert.deepEqual(await patched(db, 'child', children, [['child', 'b']]), await records(db, 'child'));
  assert.deepEqual((await rowsAfter(db, 'measurement', now, [['child', 'b']])).fresh.map((r) => r.id), ['m3']);
});

test('rowsAfter: a row gone whose child is unknown, or many children touched (a pulled page): read all', async () => {
  const db = memDb();
  const many = Array.from({ length: 60 }, (_, i) => child(`c${i}`, `Anak ${i}`));
  await applyPullPage(db, { changes: [...many, weighing('m1', 'c1', '2024-05-05', 9)], cursor: '1', has_more: false });
  const list = await records(db, 'measurement');
  assert.equal(await rowsAfter(db, 'measurement', list, [['measurement', 'gone']]), null);
  assert.equal(await rowsAfter(db, 'child', await records(db, 'child'), many.map((c) => ['child', c.id])), null);
  assert.equal(await rowsAfter(db, 'posyandu', [], [['posyandu', 'p1']]), null, 'not a child\'s record: read all');
  const weighings = Array.from({ length: 101 }, (_, i) => weighing(`w${i}`, 'c1', '2024-05-05', 9));
  await applyPullPage(db, { changes: weighings, cursor: '2', has_more: false });
  assert.equal(await rowsAfter(db, 'measurement', list, weighings.map((w) => [w.entity, w.id])), null,
    'over 100 records written, one child\'s: each would be read one by one');
  assert.ok(await rowsAfter(db, 'measurement', list, weighings.slice(1).map((w) => [w.entity, w.id])));
});

test("records of some children (a posyandu's, read by the child index) are the full read's of those children", async () => {
  const db = memDb();
  const dose = (id, childId) => ({ entity: 'immunisation', id, op: 'upsert', version: 1,
    record: { id, child_id: childId, vaccine: 'BCG', dose: 1, given_on: '2023-02-01' } });
  await applyPullPage(db, { changes: [child('a', 'Ani'), child('b', 'Budi'), child('c', 'Citra'), weighing('m1', 'a', '2024-04-05', 9),
    weighing('m2', 'b', '2024-05-05', 11), weighing('m3', 'c', '2024-05-05', 10), dose('i1', 'a'), dose('i2', 'c')],
  cursor: '1', has_more: false });
  await saveChanges(db, [{ entity: 'measurement', id: 'm4', fields: { child_id: 'a', measured_on: '2024-06-05', weight_kg: 9.6 } },
    { entity: 'measurement', id: 'm1', op: 'delete', reason: 'salah' }, { entity: 'measurement', id: 'm3', fields: { weight_kg: 10.2 } }]);
  const rows = rowsOfChild(db, 'a', 'c');
  for (const entity of ['measurement', 'immunisation']) {
    for (const deleted of [false, true]) {
      // child by child, each one's by id (the child index's order; a full read's: by id)
      assert.deepEqual([...await records(db, entity, { deleted, rows })].sort(byId),
        (await records(db, entity, { deleted })).filter((r) => ['a', 'c'].includes(r.child_id)), `${entity}, deleted ${deleted}`);
    }
  }
  assert.deepEqual((await records(db, 'measurement', { rows })).map((r) => r.id), ['m4', 'm3']);
});
