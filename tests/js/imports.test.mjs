// The "Impor data" screen (js/online/imports.js): its words in both languages, and the refused rows read
// from both answers the server gives (a check's list, a refused import's 422).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './fakedom.mjs';

test('every word of the import screen is in Bahasa Indonesia and English', async () => {
  installDom();
  const { W } = await import('../../static/pwa/js/online/imports.js');
  for (const [key, pair] of Object.entries(W)) {
    assert.equal(pair.length, 2, key);
    assert.ok(pair.every((s) => typeof s === 'string' && s.trim()), key);
  }
});

test('refused rows come from a check (a list) and from a refused import (rows by number), in row order', async () => {
  installDom();
  const { refusedRows } = await import('../../static/pwa/js/online/imports.js');
  const check = { errors: [{ row: 4, errors: { 'BB (kg)': ['terlalu besar'] } }] };
  assert.deepEqual(refusedRows(check), check.errors);
  const refused = { detail: '2 dari 5 baris ditolak', errors: { rows: { 12: { nama: ['x'] }, 3: { nik: ['y'] } } } };
  assert.deepEqual(refusedRows(refused), [{ row: 3, errors: { nik: ['y'] } }, { row: 12, errors: { nama: ['x'] } }]);
  assert.deepEqual(refusedRows({ errors: { file: ['tidak terbaca'] } }), []);
  assert.deepEqual(refusedRows(null), []);
});
