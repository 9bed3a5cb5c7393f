// A kader left at a closed posyandu (closed before closing asked that its kader be moved first, or
// restored data): her home list is empty and every registration refused. Her home screen says why
// (the server's user record, `posyandu_closed`, from the login or /auth/me after each sync).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fakeIndexedDb } from './fakeidb.mjs';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.indexedDB = fakeIndexedDb();

const home = await import('../../static/pwa/js/screens/home.js');
const { refreshUser, remember, rememberedUsers } = await import('../../static/pwa/js/auth.js');
const { t } = await import('../../static/pwa/js/i18n.js');
const schedule = JSON.parse(readFileSync(new URL('../../static/pwa/data/schedule-2024.json', import.meta.url)));

const homeOf = (user) => home.render({
  role: user.role, session: { user }, day: { date: '2026-03-02', posyandu_id: user.posyandu_id ?? null },
  children: async () => [], posyandus: async () => [], records: async () => [],
  tables: async () => null, kbm: async () => null, schedule: async () => schedule,
});

test("a kader whose posyandu is closed is told so on her home screen, not left with an empty list", async () => {
  const screen = await homeOf({ id: 'k2', role: 'kader', posyandu_id: 'p2', posyandu_closed: true });
  const notice = screen.querySelector('#posyandu-closed');
  assert.ok(notice, 'the notice is shown');
  assert.equal(notice.textContent, 'Posyandu Anda sudah ditutup. Hubungi bidan atau admin.');
  assert.equal(t('posyandu_closed'), notice.textContent);
  assert.ok(!screen.textContent.includes(t('no_children')), 'not "sync first or register a new child"');
  assert.ok(!screen.textContent.includes(t('register_child')), 'no registration she would have refused');

  const open = await homeOf({ id: 'k1', role: 'kader', posyandu_id: 'p1', posyandu_closed: false });
  assert.equal(open.querySelector('#posyandu-closed'), null);
  assert.ok(open.textContent.includes(t('no_children')) && open.textContent.includes(t('register_child')));
});

test("after a sync the kader's own record is read again (/auth/me): a posyandu closed since her login is known, offline too", async () => {
  const user = { id: 'k3', name: 'Bu Sri', role: 'kader', posyandu_id: 'p2', posyandu_closed: false };
  const session = await remember(user, { access_token: 'a', refresh_token: 'r' }, '1234');
  const asked = [];
  const api = { get: async (path) => { asked.push(path); return { ...user, posyandu_closed: true }; } };
  assert.equal(await refreshUser(session, api), true, 'changed');
  assert.deepEqual(asked, ['/auth/me']);
  assert.equal(session.user.posyandu_closed, true);
  const kept = (await rememberedUsers()).users.find((u) => u.id === 'k3');
  assert.equal(kept.posyandu_closed, true, 'kept with her login: the PIN re-entry offline still knows');
  assert.equal(await refreshUser(session, api), false, 'nothing new');

  const bidan = { user: { id: 'b1', role: 'bidan', puskesmas_id: 'q1' } };
  assert.equal(await refreshUser(bidan, { get: async () => { throw new Error('not asked'); } }), false);
});
