// An account gone (a parent closed it on another phone; an admin switched it off): the server answers
// every token of it 401 account_closed / account_inactive, not token_revoked. The phone must tell this
// from "log in again" (api.js), stop syncing (sync.js), and forget the account, deleting its database
// unless something in it is unsent (screens/sync.js forgetAccount; api-contract: "never delete local
// data that has unsent changes").
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memDb } from './memdb.mjs';
import { lockManager, withNavigator } from './locks.mjs';
import { installDom } from './fakedom.mjs';
import { counts, saveChange } from '../../static/pwa/js/outbox.js';
import { createApi } from '../../static/pwa/js/api.js';
import { createSync } from '../../static/pwa/js/sync.js';
import { accountGoneNotice, forgetAccount } from '../../static/pwa/js/screens/sync.js';

installDom();
const problem = (key) => new Response(JSON.stringify({ type: `https://posyandu.example/problems/${key}`, title: key, status: 401 }),
  { status: 401, headers: { 'Content-Type': 'application/problem+json' } });

/** fetch answering in turn, each call's path and bearer recorded. */
function answering(...list) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push([url.replace('/api/v1', '').split('?')[0], init.headers.Authorization]);
    return list.shift();
  };
  return calls;
}

test('an access token of a closed account is its own error: no refresh is tried, no "log in again"', async () => {
  const calls = answering(problem('account_closed'));
  const api = createApi({ tokens: () => ({ access_token: 'a', refresh_token: 'r' }) });
  await assert.rejects(api.get('/sync/pull'), (e) => e.kind === 'account_closed' && e.status === 401);
  assert.deepEqual(calls, [['/sync/pull', 'Bearer a']]);
});

test('an expired access token whose refresh says the account is switched off is that, not an expired session', async () => {
  const calls = answering(problem('token_expired'), problem('account_inactive'));
  const api = createApi({ tokens: () => ({ access_token: 'a', refresh_token: 'r' }) });
  await assert.rejects(api.get('/sync/pull'), (e) => e.kind === 'account_inactive');
  assert.deepEqual(calls, [['/sync/pull', 'Bearer a'], ['/auth/refresh', 'Bearer r']]);
  // a refresh token refused otherwise (a password changed elsewhere) still asks to log in again
  answering(problem('token_expired'), problem('token_revoked'));
  await assert.rejects(api.get('/sync/pull'), (e) => e.kind === 'auth');
});

test('the sync says the account is gone, keeps every change unsent and does not try again by itself', async () => {
  const db = memDb();
  await saveChange(db, { entity: 'child', id: crypto.randomUUID(),
    fields: { posyandu_id: crypto.randomUUID(), name: 'Ani', sex: 'F', birth_date: '2024-01-10', mother_name: 'Siti' } });
  answering(problem('token_expired'), problem('account_inactive'));
  const timers = { calls: [], set(fn, ms) { this.calls.push(ms); return 1; }, clear() {} };
  const states = [];
  const engine = createSync({ db, api: createApi({ tokens: () => ({ access_token: 'a', refresh_token: 'r' }) }), timers,
    onState: (s) => states.push({ ...s }) });
  assert.equal(await engine.sync(), false);
  assert.deepEqual([engine.state.phase, engine.state.error], ['account_gone', 'account_inactive']);
  assert.equal(states.at(-1).phase, 'account_gone');
  assert.deepEqual(timers.calls, [], 'not retried: the same answer would come');
  assert.deepEqual(await counts(db), { waiting: 1, attention: 0, conflicts: 0 });
});

// --- forgetting the account on the phone ------------------------------------------------------------
/** IndexedDB as far as forgetting uses it: deleteDatabase and the device database's remembered logins
 * (auth.js opens that one once: one fake for every test, its records emptied by each). */
const seen = { deleted: [], forgotten: [] };
function fakeIndexedDb() {
  seen.deleted.length = 0;
  seen.forgotten.length = 0;
  if (globalThis.indexedDB) return seen;
  const request = (result) => {
    const r = { result };
    queueMicrotask(() => r.onsuccess?.());
    return r;
  };
  const store = { get: () => request(undefined), getAll: () => request([]), put: () => request(undefined),
    delete: (key) => { seen.forgotten.push(key); return request(undefined); } };
  const connection = { objectStoreNames: { contains: () => true }, close() {},
    transaction() {
      const t = { objectStore: () => store, abort() {} };
      setTimeout(() => t.oncomplete?.(), 0);
      return t;
    } };
  globalThis.indexedDB = {
    open() {
      const r = { result: connection };
      setTimeout(() => r.onsuccess?.(), 0);
      return r;
    },
    deleteDatabase: (name) => { seen.deleted.push(name); return request(undefined); },
  };
  return seen;
}

function session(db, role) {
  const seen = { stopped: false, closed: false };
  const ctx = { role, session: { user: { id: 'u1', name: 'Ibu Siti', role }, tokens: { refresh_token: 'r' } },
    db: { ...db, close: () => { seen.closed = true; } }, sync: { stop: () => { seen.stopped = true; } } };
  return { ctx, seen };
}

test("a closed parent's phone deletes her children's data and forgets her login", async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const idb = fakeIndexedDb();
    const { ctx, seen } = session(memDb(), 'parent');
    assert.equal(await forgetAccount(ctx), 0);
    assert.deepEqual(idb.deleted, ['posyandu-u1']);
    assert.deepEqual(idb.forgotten, ['u1'], 'the PIN no longer opens it');
    assert.deepEqual([seen.stopped, seen.closed], [true, true]);
    assert.equal(accountGoneNotice('account_closed', 0), 'Akun ini sudah ditutup. Data anak di HP ini sudah dihapus.');
  });
});

test('a switched-off kader with records unsent keeps them on the phone and is told whom to ask', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const idb = fakeIndexedDb();
    const db = memDb();
    for (const name of ['Ani', 'Budi']) {
      await saveChange(db, { entity: 'child', id: crypto.randomUUID(),
        fields: { posyandu_id: crypto.randomUUID(), name, sex: 'F', birth_date: '2024-01-10', mother_name: 'Siti' } });
    }
    const { ctx, seen } = session(db, 'kader');
    assert.equal(await forgetAccount(ctx), 2);
    assert.deepEqual(idb.deleted, [], 'never deleted with changes unsent');
    assert.deepEqual(await counts(db), { waiting: 2, attention: 0, conflicts: 0 });
    assert.equal(seen.closed, false);
    assert.deepEqual(idb.forgotten, ['u1'], 'a password login, once the account is on again, opens the same database');
    const notice = accountGoneNotice('account_inactive', 2);
    assert.match(notice, /^Akun ini dinonaktifkan\. 2 data belum terkirim tetap disimpan di HP ini: minta admin/);
    assert.equal(accountGoneNotice('account_inactive', 0),
      'Akun ini dinonaktifkan. Data di HP ini sudah dihapus. Jika ini keliru, hubungi bidan atau admin.');
  });
});

test('a phone signed out by the midwife (lost, stolen) forgets that login as an account gone, saying so', async () => {
  // the server's 401 device_signed_out (POST /sync/devices/{id}/sign-out), from a request or the refresh
  const calls = answering(problem('token_expired'), problem('device_signed_out'));
  const api = createApi({ tokens: () => ({ access_token: 'a', refresh_token: 'r' }) });
  await assert.rejects(api.get('/sync/pull'), (e) => e.kind === 'device_signed_out' && e.status === 401);
  assert.deepEqual(calls, [['/sync/pull', 'Bearer a'], ['/auth/refresh', 'Bearer r']]);
  assert.equal(accountGoneNotice('device_signed_out', 0),
    'HP ini dikeluarkan dari akun oleh bidan atau admin. Data di HP ini sudah dihapus. Masuk lagi dengan kata sandi.');
  assert.match(accountGoneNotice('device_signed_out', 2),
    /^HP ini dikeluarkan dari akun oleh bidan atau admin\. 2 data belum terkirim tetap disimpan di HP ini: masuk lagi dengan kata sandi/);
});
