// The admin's "Pengguna" screen (js/online/): what its forms send to /api/v1/users, and that it
// stays out of the offline shell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installDom } from './fakedom.mjs';
import { areaText, listQuery, newUserBody, regionQuery, splitErrors, userChanges } from '../../static/pwa/js/online/user-form.js';

const P1 = '11111111-1111-4111-8111-111111111111';
const P2 = '22222222-2222-4222-8222-222222222222';
const PKM = '33333333-3333-4333-8333-333333333333';

test('a new user is sent with the area of its role only, empty fields as missing', () => {
  const values = { username: ' kader9 ', name: '  Sri  ', password: 'sementara-1', role: 'kader', phone: '',
    posyandu_id: P1, puskesmas_id: PKM, region_code: '35.25' };
  assert.deepEqual(newUserBody(values), { username: 'kader9', name: 'Sri', password: 'sementara-1', role: 'kader',
    phone: null, posyandu_id: P1 });
  assert.deepEqual(newUserBody({ ...values, role: 'bidan' }).puskesmas_id, PKM);
  assert.equal('posyandu_id' in newUserBody({ ...values, role: 'bidan' }), false);
  assert.equal(newUserBody({ ...values, role: 'dinkes', region_code: ' ' }).region_code, null, 'the server names it');
  const admin = newUserBody({ ...values, role: 'admin' });
  assert.equal(['posyandu_id', 'puskesmas_id', 'region_code'].some((k) => k in admin), false);
});

test('an edit sends only what changed; a kader at a closed posyandu keeps it when only renamed', () => {
  const user = { name: 'Kader Satu', phone: null, role: 'kader', posyandu_id: P1, puskesmas_id: null, region_code: null,
    posyandu_closed: true };
  const same = { name: 'Kader Satu', phone: '', role: 'kader', posyandu_id: P1, puskesmas_id: '', region_code: '' };
  assert.deepEqual(userChanges(user, same), {});
  assert.deepEqual(userChanges(user, { ...same, name: ' Kader Dua ' }), { name: 'Kader Dua' });
  assert.deepEqual(userChanges(user, { ...same, posyandu_id: P2 }), { posyandu_id: P2 });
  assert.deepEqual(userChanges(user, { ...same, phone: '0812' }), { phone: '0812' });
  // a new role is sent with its own area (empty: the server asks for it on its field)
  assert.deepEqual(userChanges(user, { ...same, role: 'bidan', puskesmas_id: PKM }), { role: 'bidan', puskesmas_id: PKM });
  assert.deepEqual(userChanges(user, { ...same, role: 'bidan' }), { role: 'bidan', puskesmas_id: null });
  assert.deepEqual(userChanges(user, { ...same, role: 'admin' }), { role: 'admin' });
});

test("the list's query carries the search and the filters set, and the page's cursor", () => {
  assert.equal(listQuery({}), '?limit=50');
  assert.equal(listQuery({ q: ' siti & co ', role: 'kader', posyandu_id: '', active: 'false' }, 'abc/=', 20),
    '?limit=20&q=siti+%26+co&role=kader&active=false&cursor=abc%2F%3D');
  assert.equal(listQuery({ puskesmas_id: PKM }), `?limit=50&puskesmas_id=${PKM}`);
});

test("a user's area is named by role; a closed posyandu is said", () => {
  const names = { posyandu: new Map([[P1, 'Melati']]), puskesmas: new Map([[PKM, 'Puskesmas Wringinanom']]) };
  assert.equal(areaText({ role: 'kader', posyandu_id: P1 }, names), 'Melati');
  assert.equal(areaText({ role: 'kader', posyandu_id: P2, posyandu_closed: true }, names, 'Posyandu ditutup'), 'Posyandu ditutup');
  assert.equal(areaText({ role: 'bidan', puskesmas_id: PKM }, names), 'Puskesmas Wringinanom');
  assert.equal(areaText({ role: 'admin' }, names), '');
});

test("a dinkes account's region is named, its code after the name ('Kabupaten Gresik (35.25)', not '35.25')", () => {
  const names = { posyandu: new Map(), puskesmas: new Map(), region: new Map([['35.25', 'Kabupaten Gresik'], ['35', 'Jawa Timur']]) };
  assert.equal(areaText({ role: 'dinkes', region_code: '35.25' }, names), 'Kabupaten Gresik (35.25)');
  assert.equal(areaText({ role: 'dinkes', region_code: '35' }, names), 'Jawa Timur (35)');
  // a region the server did not name (or not reached): its code, as before; none: a dash
  assert.equal(areaText({ role: 'dinkes', region_code: '36.01' }, names), '36.01');
  assert.equal(areaText({ role: 'dinkes', region_code: null }, names), '–');
  // each read with its siblings: one request names every kecamatan of a kabupaten
  assert.deepEqual(['35', '35.25', '35.25.01', '35.25.01.2001'].map(regionQuery),
    ['code=35', 'parent_code=35', 'parent_code=35.25', 'parent_code=35.25.01']);
});

test("the server's errors go to the form's fields; others to its note", () => {
  const { onFields, elsewhere } = splitErrors({ username: ['sudah dipakai'], posyandu_id: ['wajib diisi'],
    _schema: ['ditolak'], id: { 0: ['x'] } }, ['username', 'posyandu_id', 'name']);
  assert.deepEqual(onFields, { username: ['sudah dipakai'], posyandu_id: ['wajib diisi'] });
  assert.deepEqual(elsewhere, ['ditolak']);
  assert.deepEqual(splitErrors(undefined, ['name']), { onFields: {}, elsewhere: [] });
});

test('every word of the users and the areas screens is in Bahasa Indonesia and English', async () => {
  installDom();
  for (const screen of ['users', 'areas']) {
    const { W } = await import(`../../static/pwa/js/online/${screen}.js`);
    for (const [key, pair] of Object.entries(W)) {
      assert.equal(pair.length, 2, `${screen}: ${key}`);
      assert.ok(pair.every((s) => typeof s === 'string' && s.trim()), `${screen}: ${key}`);
    }
  }
});

test('the users and import screens are fetched when opened, never precached with the offline shell', () => {
  const sw = readFileSync(new URL('../../static/pwa/sw.js', import.meta.url), 'utf8');
  const precached = JSON.parse(sw.match(/^const PRECACHE = (.*);$/m)[1]);
  assert.equal(precached.some((p) => p.startsWith('/js/online/')), false);
  const app = readFileSync(new URL('../../static/pwa/js/app.js', import.meta.url), 'utf8');
  assert.match(app, /onlineScreen\('users', /);
  assert.match(app, /onlineScreen\('imports', /);
  assert.doesNotMatch(app, /from '\.\/online\//, 'a static import would load it with the shell');
});

test('an account its owner closed is shown as such, with no button to switch it on again', async () => {
  // Before, a parent's closed account ("[dihapus]") showed "Nonaktif" and "Aktifkan lagi", which
  // brought back an account she had withdrawn; the server now refuses that (409) and says why.
  installDom();
  const { render } = await import('../../static/pwa/js/online/users.js');
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const base = { id: 'u1', username: 'dihapus-1', role: 'parent', active: false, posyandu_id: null };
  const screen = (user) => render({
    api: { get: async (path) => (path.startsWith('/users/') ? user : { items: [], next_cursor: null }) },
    announce: () => {}, go: () => {}, route: () => {}, session: { user: { id: 'admin-1' } },
  }, 'u1');
  const account = async (user) => (await screen(user)).find((e) => e.attributes.id === 'user-account')[0];
  const buttons = (el) => el.find((e) => e.localName === 'button').map((b) => b.textContent);
  const closed = await account({ ...base, name: '[dihapus]', account_closed: true });
  assert.match(closed.textContent, /Akun ditutup oleh pemiliknya/);
  assert.deepEqual(buttons(closed), []);
  setLang('en');
  try {
    assert.match((await account({ ...base, name: '[dihapus]', account_closed: true })).textContent, /Account closed by its owner/);
  } finally {
    setLang('id');
  }
  // one an admin switched off is switched on again as before
  const off = await account({ ...base, name: 'Ibu Sari', account_closed: false });
  assert.deepEqual(buttons(off), ['Aktifkan lagi']);
  assert.doesNotMatch(off.textContent, /pemiliknya/);
});

test("the screen's counts follow the shell's English plural rule ('1 user shown'); its texts are no shell keys", async () => {
  installDom();
  const { W, tx } = await import('../../static/pwa/js/online/users.js');
  const { setLang, textKeys } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  assert.equal(tx('shown', { n: 1 }), '1 pengguna ditampilkan');
  setLang('en');
  try {
    assert.equal(tx('shown', { n: 1 }), '1 user shown');
    assert.equal(tx('shown', { n: 50 }), '50 users shown');
  } finally {
    setLang('id');
  }
  const keys = new Set(textKeys()); // tx() hands its text to t(), which would look a key up instead
  assert.deepEqual(Object.values(W).flat().filter((text) => keys.has(text)), []);
});

test("an admin's own account offers no password reset but the way to Settings (the server refuses it there)", async () => {
  installDom();
  const { render } = await import('../../static/pwa/js/online/users.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const admin = { id: 'a1', username: 'admin', name: 'Admin', role: 'admin', active: true };
  const screen = (me) => render({
    api: { get: async (path) => (path.startsWith('/users/') ? admin : { items: [], next_cursor: null }) },
    announce: () => {}, go: () => {}, route: () => {}, session: { user: { id: me } },
  }, 'a1');
  const ids = (el) => el.find((e) => e.attributes.id).map((e) => e.attributes.id);
  const own = await screen('a1');
  assert.equal(ids(own).includes('user-password'), false);
  assert.equal(ids(own).includes('user-edit'), true); // her other details she edits here
  const [link] = own.find((e) => e.attributes.id === 'user-own-password')[0].find((e) => e.localName === 'a');
  assert.equal(link.attributes.href, '#/settings');
  assert.match(link.textContent, /Pengaturan/);
  // another admin's account: reset as before
  const other = await screen('a2');
  assert.equal(ids(other).includes('user-password'), true);
  assert.equal(ids(other).includes('user-own-password'), false);
});
