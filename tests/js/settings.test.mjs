// The settings screen's logout (screens/sync.js): it deletes the user's database, so it must never
// run over a change not yet sent, whichever tab saved it (api-contract, Sync: "never delete local
// data that has unsent changes"). The screen is drawn on a small DOM stand-in; IndexedDB's
// deleteDatabase and the device database (remembered logins) are doubles that record what happens.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memDb } from './memdb.mjs';
import { lockManager, withNavigator } from './locks.mjs';
import { installDom } from './fakedom.mjs';
import { saveChange } from '../../static/pwa/js/outbox.js';
import { userDbName, withDbLock } from '../../static/pwa/js/db.js';
import { passwordScreen, settings } from '../../static/pwa/js/screens/sync.js';
import { createApi } from '../../static/pwa/js/api.js';

const dom = installDom();
const click = (el) => Promise.all((el.listeners.click ?? []).map((fn) => fn({ preventDefault() {} })));

// --- IndexedDB as far as logging out uses it: deleteDatabase, and the device database ----------
function fakeIndexedDb() {
  const deleted = [];
  const request = (result) => {
    const r = { result };
    queueMicrotask(() => r.onsuccess?.());
    return r;
  };
  const store = { get: () => request(undefined), getAll: () => request([]), put: () => request(undefined),
    delete: () => request(undefined) };
  const connection = { objectStoreNames: { contains: () => true }, close() {},
    transaction() {
      const t = { objectStore: () => store, abort() {} };
      setTimeout(() => t.oncomplete?.(), 0);
      return t;
    } };
  return {
    deleted,
    open() {
      const r = { result: connection };
      setTimeout(() => r.onsuccess?.(), 0);
      return r;
    },
    deleteDatabase: (name) => { deleted.push(name); return request(undefined); },
  };
}

const P = '11111111-1111-4111-8111-111111111111';
const child = { posyandu_id: P, name: 'Ani', sex: 'F', birth_date: '2024-01-10', mother_name: 'Siti' };

/** One tab of user u1 on its settings screen, over `db` (shared by the user's tabs). */
async function settingsTab(db, overrides = {}) {
  const seen = { posts: [], stopped: false, closed: false, reloaded: false };
  globalThis.indexedDB = fakeIndexedDb();
  globalThis.location = { hash: '#/settings', reload: () => { seen.reloaded = true; } };
  const kept = new Map(); // what the login screen is to say after the reload (app.js)
  globalThis.sessionStorage = { setItem: (k, v) => kept.set(k, String(v)), getItem: (k) => kept.get(k) ?? null,
    removeItem: (k) => kept.delete(k) };
  const ctx = { role: 'kader', session: { user: { id: 'u1', name: 'Kader Dahlia', role: 'kader' }, tokens: { refresh_token: 'r' } },
    db: { ...db, close: () => { seen.closed = true; } }, schedule: async () => null, canWrite: () => false,
    api: { post: async (path) => { seen.posts.push(path); return null; } }, sync: { stop: () => { seen.stopped = true; } }, ...overrides };
  const screen = await settings(ctx);
  return { ctx, screen, seen, logout: () => click(screen.querySelector('#logout')), note: () => screen.querySelector('#logout-note').textContent };
}

test('a change saved in another tab after the settings screen was drawn is counted at the logout: nothing is deleted', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const db = memDb();
    const tabA = await settingsTab(db); // drawn with nothing unsent
    await saveChange(db, { entity: 'child', id: crypto.randomUUID(), fields: child }); // tab B, meanwhile
    await tabA.logout();
    assert.deepEqual(indexedDB.deleted, [], 'the database with the unsent change is not deleted');
    assert.equal(tabA.note(), 'Ada 1 data belum terkirim. Sinkron dulu sebelum keluar.');
    assert.deepEqual([tabA.seen.closed, tabA.seen.reloaded, tabA.seen.posts], [false, false, []], 'still logged in');
  });
});

test('a save under way in another tab when logout is clicked is waited for, then counted', async () => {
  const locks = lockManager();
  await withNavigator({ locks }, async () => {
    const db = memDb();
    const tabA = await settingsTab(db);
    let finish;
    const saving = withDbLock(userDbName('u1'), 'shared', async () => { // tab B's save (app.js saveAll)
      await new Promise((r) => { finish = r; });
      return saveChange(db, { entity: 'child', id: crypto.randomUUID(), fields: child });
    });
    const clicked = tabA.logout();
    await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(indexedDB.deleted, [], 'the logout waits for the save');
    finish();
    await Promise.all([saving, clicked]);
    assert.deepEqual(indexedDB.deleted, []);
    assert.equal(tabA.note(), 'Ada 1 data belum terkirim. Sinkron dulu sebelum keluar.');
  });
});

test('with nothing unsent the logout stops the sync, deletes the user\'s database, forgets the login and reloads', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const tabA = await settingsTab(memDb());
    await tabA.logout();
    assert.deepEqual(indexedDB.deleted, ['posyandu-u1']);
    assert.deepEqual([tabA.seen.stopped, tabA.seen.closed, tabA.seen.reloaded, tabA.seen.posts],
      [true, true, true, ['/auth/logout']]);
    assert.equal(location.hash, '');
  });
});

test('the logout waits for the server to revoke the tokens before the page reloads (an expired access token is refreshed first)', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const tabA = await settingsTab(memDb());
    const session = { user: tabA.ctx.session.user, tokens: { access_token: 'expired', refresh_token: 'r' } };
    tabA.ctx.session = session;
    const calls = [];
    const savedFetch = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      calls.push([url, init.headers.Authorization, tabA.seen.reloaded]);
      await new Promise((r) => setTimeout(r, 5)); // a slow connection
      if (init.headers.Authorization === 'Bearer expired') return new Response('{}', { status: 401 });
      if (url.endsWith('/auth/refresh')) return new Response(JSON.stringify({ access_token: 'fresh' }), { status: 200 });
      return new Response(null, { status: 204 });
    };
    try {
      tabA.ctx.api = createApi({ tokens: () => session.tokens, saveTokens: async (t) => { session.tokens = t; } });
      await tabA.logout();
    } finally {
      globalThis.fetch = savedFetch;
    }
    assert.deepEqual(calls, [['/api/v1/auth/logout', 'Bearer expired', false], ['/api/v1/auth/refresh', 'Bearer r', false],
      ['/api/v1/auth/logout', 'Bearer fresh', false]], 'every request made, and answered, before the reload');
    assert.equal(tabA.seen.reloaded, true);
  });
});

test('a logout leaves no half-typed form (a NIK) in the tab for whoever uses the phone next', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const tabA = await settingsTab(memDb());
    tabA.ctx.api.post = async () => ({});
    sessionStorage.setItem('draft', JSON.stringify({ user: 'k1', hash: '#/register', values: [['mother_nik', '3525010101900001']] }));
    const { logOut } = await import('../../static/pwa/js/screens/sync.js');
    assert.equal(await logOut(tabA.ctx, { revokeWaitMs: 20 }), 0);
    assert.equal(sessionStorage.getItem('draft'), null);
  });
});

test('offline, or with a server that does not answer, the logout still ends after a short wait', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const tabA = await settingsTab(memDb());
    tabA.ctx.api.post = () => new Promise(() => {}); // never answered
    const { logOut } = await import('../../static/pwa/js/screens/sync.js');
    assert.equal(await logOut(tabA.ctx, { revokeWaitMs: 20 }), 0);
    assert.equal(tabA.seen.reloaded, true);
    tabA.ctx.api.post = async () => { throw Object.assign(new Error('Failed to fetch'), { kind: 'network' }); };
    tabA.seen.reloaded = false;
    assert.equal(await logOut(tabA.ctx), 0);
    assert.equal(tabA.seen.reloaded, true);
  });
});

test('the settings screen says when the schedule was checked and the storage used the Indonesian way', async () => {
  const storage = { estimate: async () => ({ usage: 12.34 * 1048576, quota: 1536 * 1048576 }), persisted: async () => true };
  await withNavigator({ locks: lockManager(), storage }, async () => {
    const { screen } = await settingsTab(memDb(), { schedule: async () => ({ origin: 'server', version: '2024', fetched_at: '2025-11-30T12:00:00Z' }) });
    const text = screen.textContent;
    const checked = screen.querySelector('#schedule-info').textContent;
    // '30 Nov 2025, 19.00' (the phone's time), not '30/11/2025, 19.00.00' nor, in English, '11/30/2025, 7:00:00 PM'
    assert.match(checked, /\(diperiksa 30 Nov 2025, \d\d\.\d\d\)/, checked);
    assert.match(text, /Terpakai 12,3 MB dari 1,5 GB/, 'a decimal comma; from 1 GB on, GB (not 1.536,0 MB)');
  });
});

// --- A parent closes her account (UU 27/2022 PDP: withdrawing consent) ---------------------------
const submitForm = (form) => Promise.all((form.listeners.submit ?? []).map((fn) => fn({ preventDefault() {} })));
/** The form is fetched when Settings opens (js/online/close-account.js): the screen once it is in. */
const closeFormIn = async (screen) => {
  await screen.querySelector('#close-account-slot')?.ready;
  return screen.querySelector('#close-account');
};

test('only a parent is offered to close her own account', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const kader = await settingsTab(memDb());
    assert.equal(await closeFormIn(kader.screen), null);
    const parent = await settingsTab(memDb(), { role: 'parent' });
    assert.ok(await closeFormIn(parent.screen));
  });
});

test('a parent closes her account with her password and a second tap; the phone then forgets it', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const sent = [];
    const tab = await settingsTab(memDb(), { role: 'parent',
      api: { post: async (path, body) => { sent.push([path, body]); return null; } } });
    const form = await closeFormIn(tab.screen);
    form.elements.password.value = 'rahasia-ibu-1';
    await submitForm(form);
    assert.deepEqual(sent, [], 'the first tap only asks');
    assert.match(form.querySelector('#close-account-note').textContent, /sekali lagi/);
    await submitForm(form);
    assert.deepEqual(sent, [['/auth/close-account', { password: 'rahasia-ibu-1' }], ['/auth/logout', { refresh_token: 'r' }]]);
    assert.deepEqual(indexedDB.deleted, ['posyandu-u1']);
    assert.equal(tab.seen.reloaded, true);
    // the login screen after the reload says it is done (app.js reads it once)
    assert.equal(sessionStorage.getItem('login_notice'), 'account_closed_forgotten');
  });
});

test('a wrong password is shown on its field and nothing is forgotten', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const tab = await settingsTab(memDb(), { role: 'parent', api: { post: async () => {
      throw Object.assign(new Error('422'), { status: 422, body: { errors: { password: ['kata sandi salah'] } } });
    } } });
    dom.page.replaceChildren(tab.screen); // the field's error is found in the page, as in the app
    const form = await closeFormIn(tab.screen);
    form.elements.password.value = 'salah';
    await submitForm(form);
    await submitForm(form);
    assert.equal(form.elements.password.attributes['aria-invalid'], 'true');
    assert.ok(form.textContent.includes('kata sandi salah'));
    assert.deepEqual([indexedDB.deleted, tab.seen.reloaded], [[], false]);
  });
});

// --- a temporary password (an admin set it): "Ganti kata sandi" before anything else -------------

/** A marked or unmarked kader's session with the server's answer to her password change recorded. */
function passwordCtx(mustChange) {
  globalThis.indexedDB = fakeIndexedDb();
  const seen = { posts: [], went: [], synced: 0, announced: [] };
  const ctx = { role: 'kader', session: { user: { id: 'u1', name: 'Kader Baru', role: 'kader', must_change_password: mustChange },
    tokens: { access_token: 'a1', refresh_token: 'r1' }, key: null },
  db: memDb(), schedule: async () => null, canWrite: () => true,
  api: { post: async (path, body) => { seen.posts.push([path, body]);
    return { access_token: 'a2', refresh_token: 'r2', user: { id: 'u1', name: 'Kader Baru', role: 'kader', must_change_password: false } }; } },
  sync: { sync: () => { seen.synced += 1; }, stop() {} }, go: (hash) => seen.went.push(hash),
  announce: (text) => seen.announced.push(text) };
  return { ctx, seen };
}

test("a parent's temporary password says nothing of data sent afterwards: she sends none", async () => {
  const { forParent } = await import('../../static/pwa/js/i18n.js');
  const { ctx } = passwordCtx(true);
  const note = () => passwordScreen(ctx).querySelector('#temporary-password-note').textContent;
  assert.match(note(), /terkirim sesudahnya/); // a kader's unsent records go once she has set her own
  Object.assign(ctx, { role: 'parent', canWrite: () => false });
  forParent(true);
  try {
    assert.match(note(), /^Ganti kata sandi sementara Anda dulu/);
    assert.doesNotMatch(note(), /kirim|sinkron/);
  } finally {
    forParent(false);
  }
});

/** The screen once its password form (online: js/online/password.js) is in its place. */
const ready = async (screen) => {
  await screen.querySelector('#password-slot')?.ready;
  return screen;
};

const fill = (form, current, next) => {
  form.elements.current_password.value = current;
  form.elements.new_password.value = next;
  form.elements.new_password2.value = next;
};

test('a temporary password: the screen says why, holds the Settings form itself, and her change clears the mark, goes home and syncs', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const { ctx, seen } = passwordCtx(true);
    ctx.session.key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const screen = await ready(passwordScreen(ctx));
    dom.page.replaceChildren(screen);
    assert.match(screen.querySelector('#temporary-password-note').textContent, /sementara/);
    assert.ok(screen.querySelector('#logout'), 'she may log out instead (her data stays, as any logout)');
    const form = screen.querySelector('#password-form');
    assert.ok(form, 'the same form as on Settings');
    assert.deepEqual((await ready(await settings(passwordCtx(false).ctx))).querySelectorAll('#password-form').length, 1, 'one form, not two');
    fill(form, 'sementara-123', 'pilihan-sendiri-9');
    await submitForm(form);
    assert.deepEqual(seen.posts, [['/auth/password', { current_password: 'sementara-123', new_password: 'pilihan-sendiri-9' }]]);
    assert.equal(ctx.session.user.must_change_password, false);
    assert.equal(ctx.session.tokens.access_token, 'a2', 'the new tokens kept for this phone');
    assert.deepEqual([seen.went, seen.synced], [['#/'], 1], 'home, and the changes waiting are sent now');
  });
});

test('on Settings, her own change of a password she chose stays on the screen and says it is changed', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const { ctx, seen } = passwordCtx(false);
    ctx.session.key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const screen = await ready(await settings(ctx));
    dom.page.replaceChildren(screen);
    const form = screen.querySelector('#password-form');
    fill(form, 'pilihan-lama-1', 'pilihan-baru-2');
    await submitForm(form);
    assert.deepEqual([seen.went, seen.synced], [[], 0]);
    assert.match(form.querySelector('#password-note').textContent, /sudah diganti/);
  });
});

test('a new password is counted in characters as the server counts them (NFKC), not in UTF-16 units', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const { ctx, seen } = passwordCtx(false);
    const screen = await ready(await settings(ctx));
    dom.page.replaceChildren(screen);
    const form = screen.querySelector('#password-form');
    // seven characters typed with combining accents (twelve units) or as emoji: refused on the phone,
    // as the server refuses them, not sent to come back as the server's 422
    for (const short of ['e\u0301e\u0301e\u0301e\u0301sip', '\u{1F600}\u{1F600}\u{1F600}\u{1F600}abc']) {
      fill(form, 'pilihan-lama-1', short);
      await submitForm(form);
      assert.equal(form.elements.new_password.getAttribute('aria-invalid'), 'true', short);
    }
    assert.deepEqual(seen.posts, []);
  });
});

test('a wrong current password leaves the mark, and the field says so', async () => {
  await withNavigator({ locks: lockManager() }, async () => {
    const { ctx, seen } = passwordCtx(true);
    ctx.api.post = async () => { throw Object.assign(new Error('422'), { status: 422, body: { errors: { current_password: ['kata sandi salah'] } } }); };
    const screen = await ready(passwordScreen(ctx));
    dom.page.replaceChildren(screen);
    const form = screen.querySelector('#password-form');
    fill(form, 'salah-sekali', 'pilihan-sendiri-9');
    await submitForm(form);
    assert.ok(form.textContent.includes('kata sandi salah'));
    assert.deepEqual([ctx.session.user.must_change_password, seen.went, seen.synced], [true, [], 0]);
  });
});

test('a temporary password whose session the server no longer takes offers the login again, the data kept', async () => {
  // She logged in with the temporary password, then the admin reset it again (or her refresh token ran
  // out while she was away): the change is refused 401 even after a refresh. "Ganti kata sandi" is
  // the only screen she may see, and it only said the server's words: no way back to the login, her
  // unsent records locked in the phone (the logout is refused over them).
  await withNavigator({ locks: lockManager() }, async () => {
    const { ctx, seen } = passwordCtx(true);
    let relogins = 0;
    ctx.relogin = () => { relogins += 1; };
    ctx.api.post = async () => { throw Object.assign(new Error('Token dicabut'), { status: 401, kind: 'auth' }); };
    const screen = await ready(passwordScreen(ctx));
    dom.page.replaceChildren(screen);
    const form = screen.querySelector('#password-form');
    fill(form, 'sementara-123', 'pilihan-sendiri-9');
    await submitForm(form);
    const note = form.querySelector('#password-note');
    assert.match(note.textContent, /Masuk lagi/);
    const login = note.querySelector('button');
    assert.ok(login, 'a button to log in again');
    await click(login);
    assert.equal(relogins, 1);
    assert.deepEqual([ctx.session.user.must_change_password, seen.went, seen.synced], [true, [], 0]);
  });
});

test('in English the storage is said the English way, in GB from 1 GB on (10.0 GB, not 10,241.3 MB)', async () => {
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const MB = 1048576;
  const storage = { persisted: async () => true, estimate: async () => ({ usage: 5.5 * MB, quota: 10241.3 * MB }) };
  await withNavigator({ locks: lockManager(), storage }, async () => {
    setLang('en');
    try {
      assert.match((await settingsTab(memDb())).screen.textContent, /5\.5 MB used of 10\.0 GB/);
      storage.estimate = async () => ({ usage: 1023.97 * MB, quota: 2 ** 40 });
      assert.match((await settingsTab(memDb())).screen.textContent, /1\.0 GB used of 1,024\.0 GB/, 'never 1,024.0 MB');
    } finally {
      setLang('id');
    }
  });
});
