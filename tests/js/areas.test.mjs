// The admin's "Puskesmas & posyandu" screen (js/online/areas.js): what its forms send to
// /api/v1/puskesmas and /api/v1/posyandu, and the puskesmas with their posyandu (its words: users.test.mjs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changes, grouped, posyanduBody, puskesmasBody } from '../../static/pwa/js/online/area-form.js';

const PKM1 = '11111111-1111-4111-8111-111111111111';
const PKM2 = '22222222-2222-4222-8222-222222222222';

test('a new puskesmas or posyandu is sent trimmed, its optional fields empty as null, its day as a number', () => {
  assert.deepEqual(puskesmasBody({ name: ' Puskesmas Menganti ', code: ' ', kecamatan_code: ' 35.25.03 ' }),
    { name: 'Puskesmas Menganti', code: null, kecamatan_code: '35.25.03' });
  const values = { name: ' Posyandu Uji ', puskesmas_id: PKM1, desa_code: '35.25.01.2001', meeting_day: ' 18 ', address: '' };
  assert.deepEqual(posyanduBody(values), { name: 'Posyandu Uji', puskesmas_id: PKM1, desa_code: '35.25.01.2001',
    meeting_day: 18, address: null });
  // what is not a day is sent as typed, for the server to name on its field; nothing, as missing
  assert.equal(posyanduBody({ ...values, meeting_day: 'lima' }).meeting_day, 'lima');
  assert.equal(posyanduBody({ ...values, meeting_day: ' ' }).meeting_day, null);
  // no puskesmas chosen: missing, not an id the server cannot read ("Bukan UUID yang sah")
  assert.equal(posyanduBody({ ...values, puskesmas_id: '' }).puskesmas_id, null);
});

test('an edit sends only what changed', () => {
  const pos = { id: 'x', name: 'Posyandu Uji', puskesmas_id: PKM1, desa_code: '35.25.01.2001', meeting_day: 18, address: null,
    kabupaten_code: '35.25', version: 3 };
  const same = { name: 'Posyandu Uji ', puskesmas_id: PKM1, desa_code: '35.25.01.2001', meeting_day: '18', address: ' ' };
  assert.deepEqual(changes(pos, posyanduBody(same)), {});
  assert.deepEqual(changes(pos, posyanduBody({ ...same, name: 'Posyandu Baru', meeting_day: '7' })), { name: 'Posyandu Baru', meeting_day: 7 });
  assert.deepEqual(changes(pos, posyanduBody({ ...same, address: 'Jl. Mawar 1' })), { address: 'Jl. Mawar 1' });
  const pkm = { id: PKM1, name: 'Puskesmas A', code: 'P1', kecamatan_code: '35.25.01', kabupaten_code: '35.25' };
  assert.deepEqual(changes(pkm, puskesmasBody({ name: 'Puskesmas A', code: '', kecamatan_code: '35.25.01' })), { code: null });
});

test('every puskesmas by name with its posyandu by name, one with none kept', () => {
  const out = grouped([{ id: PKM2, name: 'Puskesmas Wringinanom' }, { id: PKM1, name: 'Puskesmas Driyorejo' }],
    [{ id: 'a', name: 'Mawar', puskesmas_id: PKM2 }, { id: 'b', name: 'Melati', puskesmas_id: PKM2 },
      { id: 'c', name: 'Anggrek', puskesmas_id: PKM2 }, { id: 'd', name: 'Elsewhere', puskesmas_id: 'unknown' }]);
  assert.deepEqual(out.map((p) => [p.name, p.posyandu.map((x) => x.name)]),
    [['Puskesmas Driyorejo', []], ['Puskesmas Wringinanom', ['Anggrek', 'Mawar', 'Melati']]]);
});
