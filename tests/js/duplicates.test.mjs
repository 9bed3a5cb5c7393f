// Children possibly registered twice (duplicates.js): the pairs a bidan is shown, from the
// local records as pulled (the server sets possible_duplicate_of on the later registration).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countByChild, duplicatePairs, isLive, partnersOf } from '../../static/pwa/js/duplicates.js';
import { W, render, whyFailed } from '../../static/pwa/js/online/duplicates.js';
import { textsOf } from '../../static/pwa/js/i18n.js';
import { ApiError } from '../../static/pwa/js/api.js';
import { installDom } from './fakedom.mjs';
import { t } from '../../static/pwa/js/i18n.js';

installDom();

const kid = (id, name, created, extra = {}) => ({ id, name, sex: 'F', birth_date: '2025-01-10', posyandu_id: 'p1',
  created_at: `2025-01-${created}T02:00:00+00:00`, possible_duplicate_of: null, merged_into: null, deleted_at: null, ...extra });
const ids = (pairs) => pairs.map((p) => [p.first.id, p.second.id, [...p.flagged].sort()]);

test('a flagged child is paired with the child its flag points at, that one first (kept by default)', () => {
  const a = kid('a', 'Aisyah Putri', '11');
  const b = kid('b', 'Aisyah Putri', '12', { possible_duplicate_of: 'a' });
  assert.deepEqual(ids(duplicatePairs([b, a, kid('c', 'Budi', '13')])), [['a', 'b', ['b']]]);
  const [pair] = duplicatePairs([a, b]);
  assert.equal(pair.first, a);
  assert.equal(pair.second, b);
});

test('no flags, no pairs', () => {
  assert.deepEqual(duplicatePairs([kid('a', 'Aisyah', '11'), kid('b', 'Aisyah', '12')]), []);
  assert.deepEqual(duplicatePairs([]), []);
});

test('two children flagged at each other make one pair, both flags named', () => {
  const a = kid('a', 'Nur', '11', { possible_duplicate_of: 'b' });
  const b = kid('b', 'Nur', '12', { possible_duplicate_of: 'a' });
  assert.deepEqual(ids(duplicatePairs([a, b])), [['a', 'b', ['a', 'b']]]);
  assert.deepEqual(ids(duplicatePairs([b, a])), [['a', 'b', ['a', 'b']]], 'whatever the order read');
});

test('the earlier registration comes first even when the flag points at the later one', () => {
  const a = kid('a', 'Nur', '11', { possible_duplicate_of: 'b' });
  const b = kid('b', 'Nur', '12');
  assert.deepEqual(ids(duplicatePairs([a, b])), [['a', 'b', ['a']]]);
});

test('deleted and merged children are left out, on either side of a flag', () => {
  const a = kid('a', 'Rina', '11');
  const merged = kid('b', 'Rina', '12', { possible_duplicate_of: 'a', merged_into: 'a', deleted_at: '2025-02-01T00:00:00Z' });
  const deleted = kid('c', 'Rina', '13', { possible_duplicate_of: 'a', deleted_at: '2025-02-01T00:00:00Z' });
  const pointsAtMerged = kid('d', 'Rina', '14', { possible_duplicate_of: 'b' });
  assert.deepEqual(duplicatePairs([a, merged, deleted, pointsAtMerged]), []);
  assert.equal(isLive(a), true);
  assert.equal(isLive(merged), false);
  assert.equal(isLive(deleted), false);
  assert.equal(isLive(null), false);
});

test('a flag pointing at a child the phone does not have is skipped', () => {
  assert.deepEqual(duplicatePairs([kid('b', 'Rina', '12', { possible_duplicate_of: 'elsewhere' })]), []);
  assert.deepEqual(duplicatePairs([kid('b', 'Rina', '12', { possible_duplicate_of: 'b' })]), [], 'nor one at itself');
});

test('two later registrations of one child make two pairs with it; pairs sorted by name', () => {
  const a = kid('a', 'Sari', '11');
  const b = kid('b', 'Sari', '12', { possible_duplicate_of: 'a' });
  const c = kid('c', 'Sari', '13', { possible_duplicate_of: 'a' });
  const x = kid('x', 'Dewi', '11');
  const y = kid('y', 'Dewi', '12', { possible_duplicate_of: 'x' });
  assert.deepEqual(ids(duplicatePairs([c, b, a, y, x])), [['x', 'y', ['y']], ['a', 'b', ['b']], ['a', 'c', ['c']]]);
});

test('a child not yet sent (no creation instant) counts as registered last', () => {
  const a = kid('a', 'Intan', '11', { created_at: undefined, possible_duplicate_of: 'b' });
  const b = kid('b', 'Intan', '12');
  assert.deepEqual(ids(duplicatePairs([a, b])), [['b', 'a', ['a']]]);
});

test('the partners of a child, from either side of its pairs', () => {
  const a = kid('a', 'Sari', '11');
  const b = kid('b', 'Sari', '12', { possible_duplicate_of: 'a' });
  const c = kid('c', 'Sari', '13', { possible_duplicate_of: 'a' });
  const pairs = duplicatePairs([a, b, c]);
  assert.deepEqual(partnersOf(pairs, 'a').map((p) => p.id), ['b', 'c']);
  assert.deepEqual(partnersOf(pairs, 'c').map((p) => p.id), ['a']);
  assert.deepEqual(partnersOf(pairs, 'z'), []);
});

test('records counted per child over several lists', () => {
  const counts = countByChild([{ child_id: 'a' }, { child_id: 'b' }, { child_id: 'a' }], [{ child_id: 'a' }]);
  assert.equal(counts.get('a'), 3);
  assert.equal(counts.get('b'), 1);
  assert.equal(counts.get('c'), undefined);
});

test('a refused merge is said in plain Indonesian: the server\'s field messages, no connection, not allowed, gone', () => {
  const refused = new ApiError('client', 422, 'Unprocessable Entity', { errors: { duplicate_id: [
    'anak ini punya penimbangan atau imunisasi pada 2 Jan 2025, sebelum tanggal lahir ini: perbaiki catatan itu dulu'] } });
  assert.equal(whyFailed(refused),
    'Gagal: anak ini punya penimbangan atau imunisasi pada 2 Jan 2025, sebelum tanggal lahir ini: perbaiki catatan itu dulu');
  assert.equal(whyFailed(new ApiError('client', 409, 'data sudah versi 3, bukan 2', { detail: 'data sudah versi 3, bukan 2' })),
    'Gagal: data sudah versi 3, bukan 2');
  assert.equal(whyFailed(new ApiError('network', 0, 'Failed to fetch')),
    'Perlu koneksi internet untuk menggabungkan atau memisahkan data anak.');
  assert.equal(whyFailed(new ApiError('client', 403, 'Forbidden')), 'Hanya bidan atau admin yang dapat menggabungkan data anak.');
  assert.match(whyFailed(new ApiError('client', 404, 'Not Found')), /sudah berubah di server/);
});

test('the compared details that differ say so in words, not by bold type alone (what a screen reader reads, 1.3.1)', async () => {
  const first = kid('a', 'Dewi Santoso', '05', { mother_name: 'Umi Santoso' });
  const second = kid('b', 'Dewi', '06', { mother_name: 'Umi Santoso', birth_date: '2025-01-11', possible_duplicate_of: 'a' });
  const ctx = { children: async () => [first, second], posyandus: async () => [{ id: 'p1', name: 'Posyandu Mawar' }],
    records: async () => [], online: () => true, announce: () => {} };
  const screen = await render(ctx);
  const header = (key) => screen.find((e) => e.attributes?.['data-key'] === key)[0].kids[0].textContent;
  const tx = textsOf(W);
  assert.equal(header('name'), `${t('name')} ${tx('dup_differs')}`);
  assert.equal(header('birth_date'), `${t('birth_date')} ${tx('dup_differs')}`);
  assert.equal(header('mother_name'), t('mother_name'), 'the same: nothing added');
  assert.equal(header('sex'), t('sex'));
  assert.equal(tx('dup_differs'), '(berbeda)');
});

test('a registration is asked about a child on the phone of her NIK, or of her sex, name and a birth within 3 days, in her posyandu', async () => {
  const { sameChildHere } = await import('../../static/pwa/js/duplicates.js');
  const siti = { id: 'a', posyandu_id: 'p1', name: 'Siti Aminah', sex: 'F', birth_date: '2026-11-20', nik: null };
  const draft = (over) => ({ id: 'new', posyandu_id: 'p1', name: 'siti  aminah', sex: 'F', birth_date: '2026-11-22', nik: null, ...over });
  assert.equal(sameChildHere([siti], draft({})), siti, 'spelled with other spaces and case, born 2 days apart');
  assert.equal(sameChildHere([siti], draft({ birth_date: '2026-11-24' })), undefined, '4 days apart');
  assert.equal(sameChildHere([siti], draft({ posyandu_id: 'p2' })), undefined, 'another posyandu');
  assert.equal(sameChildHere([siti], draft({ sex: 'M' })), undefined, 'the other sex, born 2 days apart');
  // her sex typed wrong: the very name and birth date of the other sex (registry.sex_typed_wrong); newborn twins not
  assert.equal(sameChildHere([siti], draft({ sex: 'M', birth_date: '2026-11-20' })), siti, 'the other sex, that very day');
  const boy = { ...siti, name: 'Bayi Ny. Wulan', sex: 'M' };
  assert.equal(sameChildHere([boy], draft({ name: 'Bayi Ny. Wulan', birth_date: '2026-11-20' })), undefined, 'twins');
  assert.equal(sameChildHere([{ ...boy, name: 'By. Ny. Wulan' }], draft({ name: 'By. Ny. Wulan', birth_date: '2026-11-20' })), undefined);
  assert.equal(sameChildHere([{ ...siti, deleted_at: '2026-11-30T00:00:00Z' }], draft({})), undefined, 'deleted');
  assert.equal(sameChildHere([{ ...siti, merged_into: 'b' }], draft({})), undefined, 'merged away');
  assert.equal(sameChildHere([{ ...siti, nik: '3525015003260002' }], draft({ name: 'Zahra', nik: '3525015003260002' })).id, 'a', 'her NIK');
  // newborn twins named by number: not one child (the digits dropped, "Bayi 2" was taken for "Bayi 1")
  const one = { ...siti, name: 'Bayi 1 Ny. Wulan' };
  assert.equal(sameChildHere([one], draft({ name: 'Bayi 2 Ny. Wulan' })), undefined);
  assert.equal(sameChildHere([one], draft({ name: 'bayi 1 ny wulan' })), one);
});

test('children of one NIK at two posyandu are paired for the midwife, once, unless a flag pairs them', async () => {
  const { sameNikPairs } = await import('../../static/pwa/js/online/duplicates.js');
  const at = (id, posyandu, created, more = {}) => ({ id, name: id, sex: 'F', birth_date: '2025-01-10', nik: '3525015001250001',
    posyandu_id: posyandu, created_at: created, ...more });
  const melati = at('m', 'p1', '2025-02-01T00:00:00.000000Z');
  const mawar = at('w', 'p2', '2026-03-01T00:00:00.000000Z');
  const pairs = sameNikPairs([mawar, melati, at('x', 'p2', null, { nik: '3525015001250002' })], []);
  assert.deepEqual(pairs.map((p) => [p.first.id, p.second.id, p.flagged]), [['m', 'w', []]]); // registered first, first
  // one posyandu's two (the server flags those), a flagged pair, a merged or deleted child: none
  assert.deepEqual(sameNikPairs([melati, at('m2', 'p1', '2025-03-01T00:00:00.000000Z')], []), []);
  assert.deepEqual(sameNikPairs([melati, mawar], [{ first: melati, second: mawar, flagged: ['w'] }]), []);
  assert.deepEqual(sameNikPairs([melati, { ...mawar, merged_into: 'm' }], []), []);
  assert.deepEqual(sameNikPairs([melati, { ...mawar, deleted_at: '2026-03-02T00:00:00Z' }], []), []);
  // not yet sent (no creation instant): registered last
  assert.deepEqual(sameNikPairs([at('new', 'p3', null), melati], []).map((p) => [p.first.id, p.second.id]), [['m', 'new']]);
});
