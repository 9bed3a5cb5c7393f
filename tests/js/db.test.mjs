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
