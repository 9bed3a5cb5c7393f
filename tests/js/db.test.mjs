// db.js against a minimal IndexedDB double: what an open database does when another tab deletes it.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openDb, SCHEMA } from '../../static/pwa/js/db.js';

function oneConnection() {
  const connection = { closed: false, close() { this.closed = true; }, objectStoreNames: { contains: () => true } };
  globalThis.indexedDB = { open() {
    const r = { result: connection };
    setTimeout(() => r.onsuccess(), 0);
    return r;
  } };
  return connection;
}

test("a user's database deleted by another tab's logout tells this tab (which then shows nothing more of it)", async () => {
  const connection = oneConnection();
  const gone = [];
  await openDb('posyandu-u1', SCHEMA, { onDeleted: () => gone.push('u1') });
  connection.onversionchange({ oldVersion: 1, newVersion: null }); // indexedDB.deleteDatabase elsewhere
  assert.equal(connection.closed, true, 'closed, so the delete goes on');
  assert.deepEqual(gone, ['u1']);
});

test('an upgrade in another tab (a new app version) only closes the connection', async () => {
  const connection = oneConnection();
  const gone = [];
  await openDb('posyandu-u1', SCHEMA, { onDeleted: () => gone.push('u1') });
  connection.onversionchange({ oldVersion: 1, newVersion: 2 });
  assert.equal(connection.closed, true);
  assert.deepEqual(gone, []);
});

test("a write in one tab tells the user's other tabs (their pending count follows at once), and what they read is stale", async () => {
  const { fakeIndexedDb } = await import('./fakeidb.mjs');
  globalThis.indexedDB = fakeIndexedDb();
  const told = [];
  let wake = () => {};
  const tell = (tab) => () => { told.push(tab); wake(); };
  const here = await openDb('posyandu-u2', SCHEMA, { onChanged: tell('here') });
  const there = await openDb('posyandu-u2', SCHEMA, { onChanged: tell('there') });
  const other = await openDb('posyandu-u3', SCHEMA, { onChanged: () => told.push('another user') });
  try {
    const before = there.generation();
    const arrived = new Promise((resolve) => { wake = resolve; });
    await here.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'seq', value: 1 }));
    await arrived;
    assert.deepEqual(told, ['there'], 'the other tab of this user only, not the tab that wrote');
    assert.ok(there.generation() > before, 'its cached reads are read again');
    await here.read(['meta'], ({ meta }) => meta.get('seq'));
    await new Promise((resolve) => { setTimeout(resolve, 20); });
    assert.deepEqual(told, ['there'], 'a read tells no one');
  } finally {
    for (const db of [here, there, other]) db.close();
  }
});

test('a write still under way when the tab closes its database (PIN lock, another login) completes: its closed channel threw, and the sync writing it waited forever, holding the sync lock', async () => {
  const { fakeIndexedDb } = await import('./fakeidb.mjs');
  globalThis.indexedDB = fakeIndexedDb();
  const told = [];
  const here = await openDb('posyandu-u4', SCHEMA, { onChanged: () => told.push('here') });
  const there = await openDb('posyandu-u4', SCHEMA, { onChanged: () => told.push('there') });
  try {
    const writing = here.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'seq', value: 2 }));
    here.close(); // a transaction begun before close() still commits (IndexedDB)
    const outcome = await Promise.race([writing.then(() => 'completed', (e) => `failed: ${e}`),
      new Promise((resolve) => { setTimeout(() => resolve('still waiting'), 200); })]);
    assert.equal(outcome, 'completed');
    assert.equal((await there.read(['meta'], ({ meta }) => meta.get('seq')))?.value, 2);
  } finally {
    there.close();
  }
});
