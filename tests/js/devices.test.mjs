// "HP kader": which phones the midwife is told to chase (online/devices.js, fetched when she asks from
// the panel screens/devices.js draws in the shell).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installDom } from './fakedom.mjs';
import { STALE_DAYS, devicesPanel } from '../../static/pwa/js/screens/devices.js';
import { W, allDevices, worry } from '../../static/pwa/js/online/devices.js';
import { setLang, textKeys } from '../../static/pwa/js/i18n.js';

test('a phone needs attention when unseen over a week, or holding changes unsent', () => {
  const now = Date.parse('2026-03-20T08:00:00Z');
  const at = (days) => new Date(now - days * 864e5).toISOString();
  assert.equal(STALE_DAYS, 7);
  const on = { off: false, stuck: false };
  assert.deepEqual(worry({ last_seen_at: at(1), pending_changes: 0 }, now), { stale: false, unsent: false, ...on });
  assert.deepEqual(worry({ last_seen_at: at(6.9), pending_changes: null }, now), { stale: false, unsent: false, ...on });
  assert.deepEqual(worry({ last_seen_at: at(7.1), pending_changes: null }, now), { stale: true, unsent: false, ...on });
  assert.deepEqual(worry({ last_seen_at: at(0), pending_changes: 12 }, now), { stale: false, unsent: true, ...on });
  assert.deepEqual(worry({ last_seen_at: at(30), pending_changes: 3, user_active: true }, now),
    { stale: true, unsent: true, ...on });
});

test("a switched-off kader's phone that holds records is stuck: it can send nothing until an admin switches her on", () => {
  const now = Date.parse('2026-03-20T08:00:00Z');
  const seen = new Date(now - 864e5).toISOString();
  assert.deepEqual(worry({ last_seen_at: seen, pending_changes: 3, user_active: false }, now),
    { stale: false, unsent: true, off: true, stuck: true });
  assert.deepEqual(worry({ last_seen_at: seen, pending_changes: 0, user_active: false }, now),
    { stale: false, unsent: false, off: true, stuck: false }, 'nothing held: only said to be off');
});

test("the midwife's list names a switched-off account and what to do about the records its phone holds", async () => {
  const dom = installDom();
  try {
    const now = new Date().toISOString();
    const items = [
      { client_id: 'off', user_name: 'Kader Lama', posyandu_id: 'p1', last_seen_at: now, pending_changes: 3, user_active: false },
      { client_id: 'on', user_name: 'Kader Baru', posyandu_id: 'p1', last_seen_at: now, pending_changes: 2, user_active: true },
    ];
    const said = [];
    const panel = devicesPanel({ role: 'bidan', api: { get: async () => ({ items, next_cursor: null }) },
      posyandus: async () => [{ id: 'p1', name: 'Posyandu Melati' }], announce: (text) => said.push(text) });
    const button = [...panel.all()].find((e) => e.attributes.id === 'show-devices');
    await Promise.all(button.listeners.click.map((fn) => fn()));
    // the button keeps the focus: the list that came below it is said through the live region
    assert.deepEqual(said, ['Daftar 2 HP']);
    const rows = [...panel.all()].filter((e) => e.localName === 'li');
    const text = Object.fromEntries(rows.map((r) => [r.attributes['data-client'], r.textContent]));
    assert.match(text.off, /akun nonaktif/);
    assert.match(text.off, /tidak dapat mengirim datanya.*admin mengaktifkan/);
    assert.doesNotMatch(text.on, /nonaktif/);
  } finally {
    dom.restore();
  }
});

test('the home screen warns of records only this phone holds after days without a sync', async () => {
  const { UNSENT_DAYS, unsentWarning } = await import('../../static/pwa/js/screens/home.js');
  const now = Date.parse('2026-03-20T08:00:00Z');
  const synced = (days) => ({ last_sync_at: new Date(now - days * 864e5).toISOString() });
  assert.equal(UNSENT_DAYS, 3);
  assert.equal(unsentWarning(synced(10), { waiting: 0, attention: 0 }, now), null, 'nothing held: nothing to lose');
  assert.equal(unsentWarning(synced(2.9), { waiting: 5, attention: 0 }, now), null, 'a sync two days ago');
  assert.deepEqual(unsentWarning(synced(3), { waiting: 5, attention: 0 }, now), { n: 5, days: 3 });
  assert.deepEqual(unsentWarning(synced(12.5), { waiting: 2, attention: 1 }, now), { n: 3, days: 12 });
  assert.equal(unsentWarning({ last_sync_at: null }, { waiting: 2 }, now), null);
  // a phone whose first sync never went through: counted from the oldest change it holds
  const saved = (days) => ({ last_sync_at: null, oldest_unsent_at: new Date(now - days * 864e5).toISOString() });
  assert.equal(unsentWarning(saved(1), { waiting: 4 }, now), null);
  assert.deepEqual(unsentWarning(saved(5), { waiting: 4 }, now), { n: 4, days: 5 });
  assert.deepEqual(unsentWarning(synced(4), { waiting: 0, attention: 0, conflicts: 1 }, now), { n: 1, days: 4 },
    'a change in a conflict she has not settled is only on this phone too');
});

test('a phone that synced while the pages were read is listed once, as last seen', async () => {
  const pages = [
    { items: [{ client_id: 'a', last_seen_at: '2026-03-01T00:00:00Z' }, { client_id: 'b', last_seen_at: '2026-03-02T00:00:00Z' }], next_cursor: 'x' },
    { items: [{ client_id: 'c', last_seen_at: '2026-03-03T00:00:00Z' }, { client_id: 'a', last_seen_at: '2026-03-04T00:00:00Z' }], next_cursor: null },
  ];
  const asked = [];
  const api = { get: async (path) => { asked.push(path); return pages.shift(); } };
  const listed = await allDevices(api);
  assert.deepEqual(listed.map((d) => [d.client_id, d.last_seen_at.slice(8, 10)]), [['b', '02'], ['c', '03'], ['a', '04']]);
  assert.deepEqual(asked, ['/sync/devices?limit=200', '/sync/devices?limit=200&cursor=x']);
});

const placeholders = (text) => [...new Set([...text.matchAll(/\{(\w+)(?::[^}]*)?\}/g)].map((m) => m[1]))].sort();

test("the list's words are in Bahasa Indonesia and English, with the same placeholders, and no shell keys", () => {
  const keys = new Set(textKeys());
  for (const [key, pair] of Object.entries(W)) {
    assert.equal(pair.length, 2, key);
    assert.ok(pair.every((s) => typeof s === 'string' && s.trim()), key);
    assert.deepEqual(placeholders(pair[1]), placeholders(pair[0]), key);
    assert.equal(pair.some((text) => keys.has(text)), false, key);
  }
});

test('the list is fetched when the midwife asks for it, never precached with the offline shell', () => {
  const sw = readFileSync(new URL('../../static/pwa/sw.js', import.meta.url), 'utf8');
  const precached = JSON.parse(sw.match(/^const PRECACHE = (.*);$/m)[1]);
  assert.ok(precached.includes('/js/screens/devices.js'));
  assert.equal(precached.includes('/js/online/devices.js'), false);
  const panel = readFileSync(new URL('../../static/pwa/js/screens/devices.js', import.meta.url), 'utf8');
  assert.match(panel, /onlineModule\('devices'\)/);
  assert.doesNotMatch(panel, /from '\.\.\/online\//, 'a static import would load it with the shell');
});

test('offline the panel says it needs the internet; its rows say their words in English too', async () => {
  const dom = installDom();
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  try {
    const offline = devicesPanel({ role: 'bidan', api: { get: async () => { throw Object.assign(new Error('x'), { kind: 'network' }); } },
      posyandus: async () => [] });
    const button = [...offline.all()].find((e) => e.attributes.id === 'show-devices');
    await Promise.all(button.listeners.click.map((fn) => fn()));
    assert.equal([...offline.all()].find((e) => e.attributes.id === 'devices').textContent, 'Perlu internet.');
    setLang('en');
    const seen = new Date(Date.now() - 10 * 864e5).toISOString();
    const answers = {
      '/sync/devices': [{ client_id: 'a', user_name: 'Sari', posyandu_id: 'p1', last_seen_at: seen, pending_changes: 1, user_active: false }],
      '/sync/devices/never-synced': [{ user_id: 'u2', user_name: 'Rina', username: 'rina', role: 'kader', posyandu_id: 'p1' },
        { user_id: 'u3', user_name: 'Bu Ratna', username: 'ratna', role: 'bidan', posyandu_id: null }],
    };
    const panel = devicesPanel({ role: 'admin', api: { get: async (path) => ({ items: answers[path.split('?')[0]], next_cursor: null }) },
      posyandus: async () => [{ id: 'p1', name: 'Melati' }], announce: () => {} });
    const show = [...panel.all()].find((e) => e.attributes.id === 'show-devices');
    await Promise.all(show.listeners.click.map((fn) => fn()));
    const rows = [...panel.all()].filter((e) => e.localName === 'li');
    const text = rows[0].textContent;
    for (const words of ['Melati · last synced', '1 record not sent', 'over 7 days', 'account switched off', 'cannot send its records']) {
      assert.ok(text.includes(words), `${words} in ${text}`);
    }
    // those with no phone to list: named, each with her posyandu (a midwife by her role)
    const never = [...panel.all()].find((e) => e.attributes.id === 'never-synced');
    assert.ok(never.textContent.startsWith('Never synced yet (ask them to open the app and log in):'), never.textContent);
    assert.deepEqual(rows.slice(1).map((r) => r.textContent), ['Rina · Melati', 'Bu Ratna · midwife']);
    assert.equal(devicesPanel({ role: 'kader' }), null);
  } finally {
    setLang('id');
    dom.restore();
  }
});

test('a lost phone is signed out from its row, asked twice; one signed out or replaced says so', async () => {
  const dom = installDom();
  try {
    setLang('id');
    const seen = new Date().toISOString();
    const items = [
      { client_id: 'hilang', user_name: 'Sari', posyandu_id: 'p1', last_seen_at: seen, pending_changes: 0, replaced: true, signed_out_at: null },
      { client_id: 'lama', user_name: 'Rina', posyandu_id: 'p1', last_seen_at: seen, pending_changes: 0, replaced: false,
        signed_out_at: '2026-03-01T02:00:00Z' },
    ];
    const posted = [];
    const said = [];
    const api = {
      get: async () => ({ items, next_cursor: null }),
      post: async (path, body) => {
        posted.push([path, body]);
        return { ...items[0], signed_out_at: '2026-03-20T03:00:00Z' };
      },
    };
    const panel = devicesPanel({ role: 'bidan', api, posyandus: async () => [{ id: 'p1', name: 'Melati' }],
      announce: (text) => said.push(text) });
    const show = [...panel.all()].find((e) => e.attributes.id === 'show-devices');
    await Promise.all(show.listeners.click.map((fn) => fn()));
    const rowOf = (id) => [...panel.all()].find((e) => e.localName === 'li' && e.attributes['data-client'] === id);
    assert.match(rowOf('hilang').textContent, /sudah ada HP lebih baru/);
    assert.match(rowOf('lama').textContent, /dikeluarkan .*kata sandi diminta lagi/);
    const buttonsOf = (id) => rowOf(id).find((e) => e.localName === 'button');
    assert.equal(buttonsOf('lama').length, 0, 'signed out already: nothing to tap');
    const [ask] = buttonsOf('hilang');
    assert.equal(ask.textContent, 'Keluarkan HP ini');
    await Promise.all(ask.listeners.click.map((fn) => fn()));
    assert.deepEqual(posted, [], 'asked first, nothing sent');
    const yes = buttonsOf('hilang').find((b) => b.textContent === 'Ya, keluarkan HP Sari ini');
    await Promise.all(yes.listeners.click.map((fn) => fn()));
    assert.deepEqual(posted, [['/sync/devices/hilang/sign-out', {}]]);
    assert.match(rowOf('hilang').textContent, /dikeluarkan/);
    assert.equal(dom.focused(), rowOf('hilang'), 'the focus on the row her button stood in, not the page');
    assert.doesNotMatch(rowOf('hilang').textContent, /lebih baru/);
    assert.equal(buttonsOf('hilang').length, 0);
    assert.equal(said.length, 2);
    assert.match(said[1], /^dikeluarkan/);
  } finally {
    dom.restore();
  }
});

test('the list she asked for is drawn again with the screen (a language switch, a sync), not emptied nor said again', async () => {
  const dom = installDom();
  try {
    setLang('id');
    const items = [{ client_id: 'a', user_name: 'Sari', posyandu_id: 'p1', last_seen_at: new Date().toISOString(), pending_changes: 0 }];
    const said = [];
    const ctx = { role: 'bidan', api: { get: async () => ({ items, next_cursor: null }) },
      posyandus: async () => [{ id: 'p1', name: 'Melati' }], announce: (text) => said.push(text) };
    const rows = (panel) => [...panel.all()].filter((e) => e.localName === 'li' && e.attributes['data-client']);
    const first = devicesPanel(ctx);
    assert.equal(rows(first).length, 0, 'fetched when she asks, not before');
    const show = [...first.all()].find((e) => e.attributes.id === 'show-devices');
    await Promise.all(show.listeners.click.map((fn) => fn()));
    assert.equal(rows(first).length, 1);
    const again = devicesPanel(ctx); // the screen drawn again
    for (let i = 0; i < 5; i += 1) await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(rows(again).length, 1);
    assert.deepEqual(said, ['Daftar 1 HP'], 'said once, when she asked');
  } finally {
    dom.restore();
  }
});
