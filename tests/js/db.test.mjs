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

test('a database a later app version upgraded opens in this one (its release rolled back): her unsent changes are there', async () => {
  const { fakeIndexedDb } = await import('./fakeidb.mjs');
  const idb = fakeIndexedDb();
  globalThis.indexedDB = idb;
  const before = await openDb('posyandu-u7', SCHEMA);
  await before.tx(['outbox'], 'readwrite', ({ outbox }) => outbox.put({ mutation_id: 'm1', created_seq: 1, state: 'pending' }));
  before.close();
  // a later version opened it at SCHEMA.version + 1 (adding stores only, as db.js's upgrades do); the
  // server went back to this release (docs/deploy.md §9) and the phone with it: IndexedDB refuses an
  // open at a lower version (VersionError), and nothing of hers could be read or sent
  const open = idb.open;
  idb.open = (name, version) => {
    if (version === undefined || version > SCHEMA.version) return open(name);
    const r = {};
    setTimeout(() => { r.error = new DOMException('lower than the existing version', 'VersionError'); r.onerror?.(); }, 0);
    return r;
  };
  const db = await openDb('posyandu-u7', SCHEMA);
  assert.deepEqual((await db.read(['outbox'], ({ outbox }) => outbox.getAll())).map((e) => e.mutation_id), ['m1']);
  await db.tx(['outbox'], 'readwrite', ({ outbox }) => outbox.put({ mutation_id: 'm2', created_seq: 2, state: 'pending' }));
  db.close();
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

/** Run fn in a browser without BroadcastChannel (older Android WebViews), `tabs`: this page's window
 * events and localStorage (the `storage` event of a key another tab set), or none. */
async function withoutBroadcastChannel(tabs, fn, refused = false) {
  const saved = { BroadcastChannel: globalThis.BroadcastChannel, localStorage: globalThis.localStorage,
    addEventListener: globalThis.addEventListener, removeEventListener: globalThis.removeEventListener };
  delete globalThis.BroadcastChannel;
  // one that is there but refuses (a sandboxed page's SecurityError)
  if (refused) globalThis.BroadcastChannel = class { constructor() { throw new DOMException('refused', 'SecurityError'); } };
  if (tabs) {
    const page = new EventTarget();
    const items = new Map();
    globalThis.addEventListener = page.addEventListener.bind(page);
    globalThis.removeEventListener = page.removeEventListener.bind(page);
    // the browser fires the storage event in the other tabs; here every tab of the test shares this page
    const put = (k, v) => {
      const old = items.get(k) ?? null;
      if (v === null) items.delete(k); else items.set(k, v);
      if (old !== v) page.dispatchEvent(Object.assign(new Event('storage'), { key: k, oldValue: old, newValue: v }));
    };
    globalThis.localStorage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => put(k, String(v)),
      removeItem: (k) => put(k, null), get length() { return items.size; } };
  }
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete globalThis[k]; else globalThis[k] = v;
    }
  }
}

for (const refused of [false, true]) test(`without BroadcastChannel${refused ? ' (there, but refusing)' : ''} a write still tells the user's other tabs, by the storage event of a localStorage key`, async () => {
  const { fakeIndexedDb } = await import('./fakeidb.mjs');
  globalThis.indexedDB = fakeIndexedDb();
  await withoutBroadcastChannel(true, async () => {
    const told = [];
    const here = await openDb('posyandu-u5', SCHEMA, { onChanged: () => told.push('here') });
    const there = await openDb('posyandu-u5', SCHEMA, { onChanged: () => told.push('there') });
    const other = await openDb('posyandu-u6', SCHEMA, { onChanged: () => told.push('another user') });
    const before = there.generation();
    await here.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'seq', value: 1 }));
    await here.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'seq', value: 2 }));
    assert.deepEqual(told, ['there', 'there'], 'each write, to the other tab of this user only (its key\'s removal is none)');
    assert.equal(localStorage.length, 0, 'no changed:posyandu-<user id> key is left behind');
    assert.ok(there.generation() > before, 'its cached reads are read again');
    there.close();
    await here.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'seq', value: 3 }));
    assert.deepEqual(told, ['there', 'there'], 'a closed tab hears no more');
    here.close();
    other.close();
  }, refused);
});

test('without BroadcastChannel nor localStorage (blocked), a database opens and saves: nothing throws, no tab is told', async () => {
  const { fakeIndexedDb } = await import('./fakeidb.mjs');
  globalThis.indexedDB = fakeIndexedDb();
  await withoutBroadcastChannel(false, async () => {
    const told = [];
    const here = await openDb('posyandu-u7', SCHEMA, { onChanged: () => told.push('here') });
    const there = await openDb('posyandu-u7', SCHEMA, { onChanged: () => told.push('there') });
    await here.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'seq', value: 1 }));
    assert.equal((await there.read(['meta'], ({ meta }) => meta.get('seq')))?.value, 1);
    assert.deepEqual(told, []);
    here.close();
    there.close();
  });
});
