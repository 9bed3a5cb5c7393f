// Refresh-token rotation in the PWA (api.js refresh, auth.js saveTokens/keptTokens) against a small
// server that rotates as the real one does (posyandu.auth.operations.refresh): each refresh answers
// the login's next refresh token; the one sent stays good until that one is used; one sent after
// that revokes the login. The new refresh token is kept sealed under the PIN, as the first one was,
// and a second tab of the same login refreshes with the token kept on the phone, not its stale copy.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeIndexedDb } from './fakeidb.mjs';

globalThis.indexedDB = fakeIndexedDb();
const { remember, unlock, saveTokens, keptTokens } = await import('../../static/pwa/js/auth.js');
const { createApi } = await import('../../static/pwa/js/api.js');

/** A server with one login's chain: the access tokens it accepts, its head and previous refresh tokens. */
function rotatingServer() {
  const s = { n: 0, head: 'r0', previous: null, revoked: false, access: new Set(['a0']), refreshes: [], lose: 0 };
  const json = (status, body) => new Response(JSON.stringify(body), { status,
    headers: { 'Content-Type': status < 400 ? 'application/json' : 'application/problem+json' } });
  const refused = (key) => json(401, { type: `https://posyandu.example/problems/${key}`, title: key });
  globalThis.fetch = async (url, init) => {
    const bearer = init.headers.Authorization?.slice('Bearer '.length);
    if (url.endsWith('/auth/refresh')) {
      s.refreshes.push(bearer);
      if (s.revoked) return refused('token_revoked');
      if (bearer === s.head) { s.previous = s.head; s.n += 1; s.head = `r${s.n}`; } else if (bearer !== s.previous) {
        s.revoked = true; // a superseded token whose successor was used: the login is revoked
        return refused('token_revoked');
      }
      const access = `a${s.n}.${s.refreshes.length}`;
      s.access.add(access);
      if (s.lose > 0) { s.lose -= 1; throw new TypeError('Failed to fetch'); } // the answer lost on the way
      return json(200, { access_token: access, refresh_token: s.head });
    }
    if (s.revoked || !s.access.has(bearer)) return refused(s.revoked ? 'token_revoked' : 'token_expired');
    return json(200, { ok: true });
  };
  return s;
}

/** A tab: the login opened with the PIN, and its API, wired as app.js wires them. */
async function tab(userId, pin = '1234') {
  const session = await unlock(userId, pin);
  const api = createApi({ tokens: () => session.tokens, saveTokens: (t) => saveTokens(session, t),
    keptTokens: () => keptTokens(session) });
  return { session, api };
}

test('a refresh keeps the new refresh token, sealed under the PIN as the first one was', async () => {
  const server = rotatingServer();
  await remember({ id: 'k1', name: 'Bu Ani', role: 'kader' }, { access_token: 'a0', refresh_token: 'r0' }, '1234');
  const { session, api } = await tab('k1');
  server.access.delete('a0'); // the access token expired mid-session
  assert.deepEqual(await api.get('/children'), { ok: true });
  assert.equal(session.tokens.refresh_token, 'r1');
  const stored = indexedDB.dbs.get('posyandu-device').get('sessions').rows;
  assert.ok(!JSON.stringify([...stored.values()]).includes('r1'), 'not stored in the clear');
  assert.equal((await unlock('k1', '1234')).tokens.refresh_token, 'r1', 'the PIN opens the new one');
  // the next expiry is refreshed with the new token: the old one would have revoked the login
  server.access.clear();
  assert.deepEqual(await api.get('/children'), { ok: true });
  assert.deepEqual(server.refreshes, ['r0', 'r1']);
  assert.equal(server.revoked, false);
});

test('a refresh whose answer was lost is asked again with the same token, and the session goes on', async () => {
  const server = rotatingServer();
  await remember({ id: 'k2', name: 'Bu Sri', role: 'kader' }, { access_token: 'a0', refresh_token: 'r0' }, '1234');
  const { session, api } = await tab('k2');
  server.access.delete('a0');
  server.lose = 1;
  await assert.rejects(api.get('/children'), (e) => e.kind === 'network'); // sync retries later
  assert.equal(session.tokens.refresh_token, 'r0');
  assert.deepEqual(await api.get('/children'), { ok: true });
  assert.deepEqual(server.refreshes, ['r0', 'r0']);
  assert.equal(session.tokens.refresh_token, 'r1');
  assert.equal(server.revoked, false);
});

/** The second of two tabs of one login, both opened with r0, once the first has refreshed twice,
 * r0 → r1 → r2: r1 used, so r0, still the second's, now marks a stolen copy. */
async function idleTabOfALoginRefreshedTwice(server, user) {
  await remember(user, { access_token: 'a0', refresh_token: 'r0' }, '1234');
  const busy = await tab(user.id);
  const idle = await tab(user.id);
  for (let i = 0; i < 2; i += 1) {
    server.access.clear(); // its access token expired: it refreshes
    await busy.api.get('/children');
  }
  return idle;
}

test('a second tab of the same login refreshes with the token another tab kept, not its stale copy', async () => {
  const server = rotatingServer();
  const second = await idleTabOfALoginRefreshedTwice(server, { id: 'k3', name: 'Bu Tuti', role: 'kader' });
  assert.equal(second.session.tokens.refresh_token, 'r0');
  assert.deepEqual(await second.api.get('/children'), { ok: true });
  assert.deepEqual(server.refreshes, ['r0', 'r1', 'r2']);
  assert.equal(server.revoked, false);
  assert.equal(second.session.tokens.refresh_token, 'r3');
});

test('kept tokens are those of this login only: after a new login with another PIN, the tab keeps its own', async () => {
  await remember({ id: 'k4', name: 'Bu Wati', role: 'kader' }, { access_token: 'a0', refresh_token: 'r0' }, '1234');
  const { session } = await tab('k4');
  await remember({ id: 'k4', name: 'Bu Wati', role: 'kader' }, { access_token: 'b0', refresh_token: 's0' }, '9876');
  assert.equal(await keptTokens(session), null);
});

test('a logout from a tab idle while another refreshed twice revokes with the kept token, not taken for a theft', async () => {
  const { memDb } = await import('./memdb.mjs');
  const { lockManager, withNavigator } = await import('./locks.mjs');
  const { logOut } = await import('../../static/pwa/js/screens/sync.js');
  const server = rotatingServer();
  const posts = [];
  const serve = globalThis.fetch;
  globalThis.fetch = async (url, init) => {
    if (url.endsWith('/auth/logout')) posts.push(JSON.parse(init.body));
    return serve(url, init);
  };
  globalThis.location = { hash: '#/settings', reload() {} };
  globalThis.sessionStorage = { setItem() {}, getItem: () => null, removeItem() {} };
  const idle = await idleTabOfALoginRefreshedTwice(server, { id: 'k5', name: 'Bu Yani', role: 'kader' });
  server.access.clear(); // the idle tab's access token expired long ago
  const ctx = { session: idle.session, api: idle.api, db: { ...memDb(), close() {} }, sync: { stop() {} } };
  await withNavigator({ locks: lockManager() }, async () => assert.equal(await logOut(ctx, { revokeWaitMs: 1000 }), 0));
  assert.equal(server.revoked, false, 'the logout sent its tab\'s stale r0: the login revoked as stolen (audited so)');
  assert.deepEqual(server.refreshes, ['r0', 'r1', 'r2']);
  assert.deepEqual(posts, [{ refresh_token: 'r2' }, { refresh_token: 'r2' }]); // refused (expired), then sent refreshed
});

test('a tab opened before a new login never keeps its tokens over the new login\'s: the PIN still opens them', async () => {
  // A new login (another tab, the same PIN) sealed its tokens under a new salt, so a new key; a tab
  // opened before it, refreshing after, must not write tokens sealed under its old key: the next PIN
  // re-entry would fail and count as a wrong PIN (5 of them drop the login).
  await remember({ id: 'k6', name: 'Bu Rina', role: 'kader' }, { access_token: 'a0', refresh_token: 'r0' }, '1234');
  const old = await tab('k6');
  await remember({ id: 'k6', name: 'Bu Rina', role: 'kader' }, { access_token: 'b0', refresh_token: 's0' }, '1234');
  await saveTokens(old.session, { access_token: 'a1', refresh_token: 'r1' }); // the old tab's own refresh
  assert.equal(old.session.tokens.refresh_token, 'r1', 'the old tab goes on with its own tokens in memory');
  const opened = await unlock('k6', '1234');
  assert.equal(opened.tokens.refresh_token, 's0', 'the new login\'s tokens kept');
  const { users } = await (await import('../../static/pwa/js/auth.js')).rememberedUsers();
  assert.equal(users.find((u) => u.id === 'k6').locked, false);
});
