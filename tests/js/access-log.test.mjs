// online/access-log.js: a child's access history (GET /children/{id}/access-log, UU 27/2022 PDP) in plain
// Indonesian (and English): who read, what, when in the phone's local time.
process.env.TZ = 'Asia/Jakarta'; // WIB, UTC+7: before the first date is formatted
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, parentCode, regionLookups, regionText, whatText, whoRead } from '../../static/pwa/js/online/access-log.js';
import { setLang, whoText } from '../../static/pwa/js/i18n.js';

globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
globalThis.document ??= { documentElement: {} };

const CHILD = '504c2d68-7915-4550-afa8-0d6676027c9a';
const PKM = '0e7cf42b-62e3-4b22-973c-1b115acfa146';
const ME = 'u-parent';
const kader = { name: 'Kader Posyandu Melati', role: 'kader' };
const item = (action, resource, extra = {}) => ({ at: '2025-08-03T01:05:00+00:00', action, resource: `GET /api/v1${resource}`,
  child_id: CHILD, posyandu_id: null, region_code: null, user_id: 'u-kader', reader: kader, ...extra });
const area = (extra, resource = '/reports/prevalence') => item('export', resource, { child_id: null, ...extra });
const names = { me: ME, posyandu: new Map([[PKM, 'Posyandu Melati']]), regions: new Map([['35.25.01', 'Wringinanom'], ['35.25', 'Kabupaten Gresik']]) };

test('what was read, by the route the server logged, in plain Indonesian', () => {
  const said = (i) => whatText(i, names);
  assert.equal(said(item('view', '/children/<uuid:child_id>')), 'melihat data anak');
  assert.equal(said(item('view', '/children/<uuid:child_id>/measurements')), 'melihat data penimbangan');
  assert.equal(said(item('view', '/measurements/<uuid:event_id>')), 'melihat data penimbangan');
  assert.equal(said(item('view', '/children/<uuid:child_id>/immunisations')), 'melihat catatan imunisasi');
  assert.equal(said(item('view', '/children/<uuid:child_id>/immunisation-card')), 'melihat kartu imunisasi');
  assert.equal(said(item('view', '/supplements/<uuid:event_id>')), 'melihat catatan vitamin A dan obat cacing');
  assert.equal(said(item('view', '/children/<uuid:child_id>/growth-chart')), 'melihat grafik pertumbuhan');
  assert.equal(said(item('list', '/children')), 'melihat daftar anak');
  assert.equal(said(item('list', '/reports/actions')), 'melihat daftar tindak lanjut');
  assert.equal(said(item('list', '/posyandu/<uuid:posyandu_id>/due-list')), 'melihat daftar sasaran imunisasi');
  assert.equal(said(item('pull', '/sync/pull')), 'menyalin data anak ke HP');
  assert.equal(said(item('export', '/children/<uuid:child_id>/export')), 'mengunduh data anak');
  assert.equal(said({ ...item('export', ''), resource: 'cli' }), 'mengunduh data anak', 'a server command: by its action');
  assert.equal(said(item('view', '/something/new')), 'melihat data anak', 'an endpoint added later: by its action');
});

test("an area's download names the posyandu or the region, else every area", () => {
  assert.equal(whatText(area({ posyandu_id: PKM }), names), 'mengunduh data wilayah (Posyandu Melati)');
  assert.equal(whatText(area({ posyandu_id: 'other' }), names), 'mengunduh data wilayah (Posyandu)');
  assert.equal(whatText(area({ region_code: '35.25.01' }), names), 'mengunduh data wilayah (kecamatan Wringinanom)');
  assert.equal(whatText(area({ region_code: '35.25' }), names), 'mengunduh data wilayah (Kabupaten Gresik)', 'the name says its level');
  assert.equal(whatText(area({ region_code: '35.25.01.2001' }), names), 'mengunduh data wilayah (desa/kelurahan 35.25.01.2001)', 'no name: the code');
  assert.equal(whatText(area({}), names), 'mengunduh data semua wilayah');
});

test("an area's download names what was downloaded: the FHIR data, the follow-up list, the workbook", () => {
  assert.equal(whatText(area({ region_code: '35' }, '/exports/fhir'), {}), 'mengunduh data FHIR untuk SATUSEHAT (provinsi 35)');
  assert.equal(whatText(area({ region_code: '35.25.01' }, '/reports/actions'), names), 'mengunduh daftar tindak lanjut (kecamatan Wringinanom)');
  assert.equal(whatText(area({ posyandu_id: PKM }, '/reports/workbook'), names), 'mengunduh buku kerja laporan (Posyandu Melati)');
  assert.equal(whatText(area({}, '/reports/workbook'), names), 'mengunduh buku kerja laporan (semua wilayah)');
  setLang('en');
  try {
    assert.equal(whatText(area({ posyandu_id: PKM }, '/exports/fhir'), names), 'downloaded the FHIR data for SATUSEHAT (Posyandu Melati)');
  } finally {
    setLang('id');
  }
});

test('the regions to name: the parent of each region downloaded, once; none for a province or a child', () => {
  assert.equal(parentCode('35.25.01.2001'), '35.25.01');
  assert.equal(parentCode('35'), null);
  assert.deepEqual(regionLookups([area({ region_code: '35.25.01' }), area({ region_code: '35.25.02' }), area({ region_code: '35.25' }),
    area({ region_code: '35' }), area({ posyandu_id: PKM }), item('view', '/children/<uuid:child_id>', { region_code: '35.25' })]), ['35.25', '35']);
  assert.equal(regionText('35.25.01', 'Wringinanom'), 'kecamatan Wringinanom');
});

test('who: the name and the role in Indonesian, said once; the parent themself is "Anda"', () => {
  assert.equal(whoRead(item('view', '/children'), ME), 'Kader Posyandu Melati');
  assert.equal(whoRead(item('view', '/children', { reader: { name: 'Ratna', role: 'bidan' } }), ME), 'Ratna (bidan)');
  assert.equal(whoRead(item('view', '/children', { reader: { name: 'Dinkes Gresik', role: 'dinkes' } }), ME), 'Dinkes Gresik (Dinas Kesehatan)');
  assert.equal(whoRead(item('view', '/children', { reader: { name: 'Budi', role: 'admin' } }), ME), 'Budi (admin)');
  assert.equal(whoRead(item('view', '/children', { reader: { name: 'Siti', role: 'parent' } }), ME), 'Siti (orang tua)');
  assert.equal(whoRead(item('pull', '/sync/pull', { user_id: ME, reader: { name: 'Ibu Siti (orang tua)', role: 'parent' } }), ME), 'Anda');
  assert.equal(whoRead(item('view', '/children', { user_id: null, reader: null }), ME), 'Pengguna tidak dikenal');
  assert.equal(whoText({ name: 'Ibu Siti (orang tua)', role: 'parent' }), 'Ibu Siti (orang tua)');
});

test('when: the instant in the phone\'s local time, Indonesian date and time', () => {
  const shown = describe(item('view', '/children/<uuid:child_id>'), names);
  assert.deepEqual(shown, { when: '3 Agu 2025, 08.05', who: 'Kader Posyandu Melati', what: 'melihat data anak' });
});

test("a reader's like reads of one day are one line, counted, from the first one's time to the last's", async () => {
  const { sameReads } = await import('../../static/pwa/js/online/access-log.js');
  const at = (iso) => ({ at: iso });
  const reads = [
    item('pull', '/sync/pull', at('2025-08-03T09:30:00Z')), // 16.30 WIB
    item('pull', '/sync/pull', at('2025-08-03T01:05:00Z')),
    item('pull', '/sync/pull', at('2025-08-02T23:50:00Z')), // 06.50 WIB, the same day in Jakarta
    item('view', '/children/<uuid:child_id>', at('2025-08-02T23:40:00Z')), // another read: its own line
    item('pull', '/sync/pull', at('2025-08-02T23:30:00Z')),
    item('pull', '/sync/pull', at('2025-08-02T16:00:00Z')), // 23.00 WIB on the 2nd: another day
    item('pull', '/sync/pull', { ...at('2025-08-02T15:59:00Z'), user_id: 'u-bidan', reader: { name: 'Bidan Ani', role: 'bidan' } }),
  ];
  const lines = sameReads(reads, names);
  assert.deepEqual(lines.map((l) => describe(l, names)), [
    { when: '3 Agu 2025, 06.50–16.30', who: 'Kader Posyandu Melati', what: 'menyalin data anak ke HP (3 kali)' },
    { when: '3 Agu 2025, 06.40', who: 'Kader Posyandu Melati', what: 'melihat data anak' },
    { when: '3 Agu 2025, 06.30', who: 'Kader Posyandu Melati', what: 'menyalin data anak ke HP' },
    { when: '2 Agu 2025, 23.00', who: 'Kader Posyandu Melati', what: 'menyalin data anak ke HP' },
    { when: '2 Agu 2025, 22.59', who: 'Bidan Ani', what: 'menyalin data anak ke HP' }]);
  // two in the same minute: that minute once
  const twice = sameReads([reads[1], { ...reads[1], at: '2025-08-03T01:05:30Z' }], names);
  assert.deepEqual(describe(twice[0], names), { when: '3 Agu 2025, 08.05', who: 'Kader Posyandu Melati', what: 'menyalin data anak ke HP (2 kali)' });
  setLang('en');
  try {
    assert.deepEqual(describe(lines[0], names).what, "copied the child's data to a phone (3 times)");
    assert.deepEqual(describe(lines[0], names).when, '3 Aug 2025, 06:50–16:30');
  } finally {
    setLang('id');
  }
});

test('in English on request', () => {
  setLang('en');
  try {
    const shown = describe(area({ region_code: '35.25.01', reader: { name: 'Ratna', role: 'bidan' } }), names);
    assert.deepEqual(shown, { when: '3 Aug 2025, 08:05', who: 'Ratna (midwife)', what: 'downloaded the data of an area (sub-district Wringinanom)' });
    assert.equal(whatText(item('pull', '/sync/pull')), "copied the child's data to a phone");
  } finally {
    setLang('id');
  }
});

const placeholdersOf = (text) => [...new Set([...text.matchAll(/\{(\w+)(?::[^}]*)?\}/g)].map((m) => m[1]))].sort();

test("the history's words are in Bahasa Indonesia and English, with the same placeholders, and no shell keys", async () => {
  const { W } = await import('../../static/pwa/js/online/access-log.js');
  const { textKeys } = await import('../../static/pwa/js/i18n.js');
  const keys = new Set(textKeys());
  for (const [key, pair] of Object.entries(W)) {
    assert.equal(pair.length, 2, key);
    assert.ok(pair.every((s) => typeof s === 'string' && s.trim()), key);
    assert.deepEqual(placeholdersOf(pair[1]), placeholdersOf(pair[0]), key);
    assert.equal(pair.some((text) => keys.has(text)), false, key);
    assert.equal(keys.has(key), false, `${key}: said once, here`);
  }
});

test('the history is fetched when a parent opens it, never precached with the offline shell', async () => {
  const { readFileSync } = await import('node:fs');
  const sw = readFileSync(new URL('../../static/pwa/sw.js', import.meta.url), 'utf8');
  const precached = JSON.parse(sw.match(/^const PRECACHE = (.*);$/m)[1]);
  assert.equal(precached.some((p) => p.includes('access-log')), false);
  const parent = readFileSync(new URL('../../static/pwa/js/screens/parent.js', import.meta.url), 'utf8');
  assert.match(parent, /onlineModule\('access-log'\)/);
  assert.doesNotMatch(parent, /from '\.\.\/online\//, 'a static import would load it with the shell');
});

test('the history screen: offline it says it needs the internet; online a page, "Muat lagi" focusing the next', async () => {
  const { installDom } = await import('./fakedom.mjs');
  const dom = installDom();
  try {
    const { accessLog } = await import('../../static/pwa/js/screens/parent.js');
    const kid = { id: CHILD, name: 'Ayu Lestari' };
    const pulled = (minute) => item('pull', '/sync/pull', { user_id: ME, at: `2025-08-03T01:0${minute}:00Z` });
    const viewed = (minute) => item('view', '/children/<uuid:child_id>', { at: `2025-08-03T01:0${minute}:00Z` });
    // her own phone's syncs, three a morning, across two pages: one line, held back until the second is read
    const pages = [{ items: [viewed(9), pulled(8), viewed(7), pulled(6), pulled(5)], next_cursor: 'n1' },
      { items: [pulled(4), viewed(3)], next_cursor: 'n2' },
      { items: [pulled(2), pulled(1)], next_cursor: null }];
    const asked = [];
    const ctx = (online) => ({ bundle: async () => ({ child: kid }), online: () => online, session: { user: { id: ME } },
      posyandus: async () => [], api: { get: async (path) => { asked.push(path); return pages.shift(); } } });
    const offline = await accessLog(ctx(false), CHILD);
    const byId = (el, id) => el.find((e) => e.attributes.id === id)[0];
    assert.equal(byId(offline, 'access-offline').textContent, 'Perlu koneksi internet untuk mengunduh data anak dan melihat siapa yang membukanya.');
    assert.equal(byId(offline, 'access-log'), undefined);
    assert.equal(offline.find((e) => e.localName === 'h2')[0].textContent, 'Siapa yang melihat data anak ini');
    assert.deepEqual(asked, []);

    const screen = await accessLog(ctx(true), CHILD);
    const rows = () => byId(screen, 'access-log').find((e) => e.localName === 'li');
    const said = () => rows().map((r) => r.textContent);
    assert.deepEqual(said(), ['Kader Posyandu Melatimelihat data anak3 Agu 2025, 08.09', 'Andamenyalin data anak ke HP3 Agu 2025, 08.08',
      'Kader Posyandu Melatimelihat data anak3 Agu 2025, 08.07']); // the syncs of 08.04-08.06 held back
    assert.match(screen.textContent, /Setiap kali data anak dibuka/);
    const more = byId(screen, 'access-more');
    assert.equal(more.hidden, false);
    await Promise.all(more.listeners.click.map((fn) => fn()));
    assert.deepEqual(said().slice(3), ['Andamenyalin data anak ke HP (3 kali)3 Agu 2025, 08.04–08.06',
      'Kader Posyandu Melatimelihat data anak3 Agu 2025, 08.03', 'Andamenyalin data anak ke HP (2 kali)3 Agu 2025, 08.01–08.02']);
    assert.equal(dom.focused(), rows()[3], 'she goes on reading at the first new line');
    assert.equal(more.hidden, true);
    assert.deepEqual(asked, [`/children/${CHILD}/access-log?limit=20`, `/children/${CHILD}/access-log?limit=20&cursor=n1`,
      `/children/${CHILD}/access-log?limit=20&cursor=n2`]);
  } finally {
    dom.restore();
  }
});
