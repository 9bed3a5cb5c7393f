// access-log.js: a child's access history (GET /children/{id}/access-log, UU 27/2022 PDP) in plain
// Indonesian (and English): who read, what, when in the phone's local time.
process.env.TZ = 'Asia/Jakarta'; // WIB, UTC+7: before the first date is formatted
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describe, parentCode, regionLookups, regionText, whatText, whoRead } from '../../static/pwa/js/access-log.js';
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
  assert.equal(said(item('pull', '/sync/pull')), 'sinkron ke HP');
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

test('in English on request', () => {
  setLang('en');
  try {
    const shown = describe(area({ region_code: '35.25.01', reader: { name: 'Ratna', role: 'bidan' } }), names);
    assert.deepEqual(shown, { when: '3 Aug 2025, 08:05', who: 'Ratna (midwife)', what: 'downloaded the data of an area (sub-district Wringinanom)' });
    assert.equal(whatText(item('pull', '/sync/pull')), 'synced to a phone');
  } finally {
    setLang('id');
  }
});
