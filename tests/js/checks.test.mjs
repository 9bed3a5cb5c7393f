// What the forms check before saving (checks.js): the dates a record may have and the
// messages that name what is wrong, in Bahasa Indonesia.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { birthDateError, dateError, lotErrors, nikDigits, nikError, oldestBirthDate, overFive, rangeError, recordDay, visibleText } from '../../static/pwa/js/checks.js';

const today = '2025-08-10';

test('a new record starts on the posyandu day, unless that day is planned ahead: then today', () => {
  assert.equal(recordDay('2025-08-05', today), '2025-08-05');
  assert.equal(recordDay(today, today), today);
  assert.equal(recordDay('2025-08-20', today), today, 'a day chosen to plan "Sasaran" never dates a weighing');
  assert.equal(recordDay(null, today), today);
});

test('a record date is required, not after the phone\'s today, not before birth, each said plainly', () => {
  const birthDate = '2024-01-15';
  assert.equal(dateError('', { birthDate, today }), 'wajib diisi');
  assert.equal(dateError('2025-08-11', { birthDate, today }), 'tidak boleh setelah hari ini');
  assert.equal(dateError('2024-01-14', { birthDate, today }), 'tidak boleh sebelum tanggal lahir');
  assert.equal(dateError(today, { birthDate, today }), null);
  assert.equal(dateError(birthDate, { birthDate, today }), null);
  assert.equal(dateError('2025-08-09', { today }), null, 'a birth date has no lower limit here');
});

test('a weighing or dose dated after the child left the register is refused on the phone, as the server refuses it', () => {
  // events.check_date: a child who died or moved away on 2025-08-05 has no record after that day
  const [birthDate, exitDate] = ['2024-01-15', '2025-08-05'];
  assert.equal(dateError('2025-08-06', { birthDate, exitDate, today }), 'anak ini sudah keluar pada 5 Agu 2025');
  assert.equal(dateError(exitDate, { birthDate, exitDate, today }), null, 'her exit day itself is taken');
  assert.equal(dateError('2025-08-06', { birthDate, exitDate: null, today }), null, 'an exit undone: any day');
});

test('a date typed that is no date (31-02, half typed: the field\'s value is empty) is said so, not "wajib diisi"', () => {
  const said = 'tanggal tidak ada atau belum lengkap: periksa lagi';
  assert.equal(dateError('', { birthDate: '2024-01-15', today, bad: true }), said);
  assert.equal(birthDateError('', { today, bad: true }), said);
  assert.equal(dateError('', { today, bad: false }), 'wajib diisi');
});

test('a birth date is at most 18 years ago, as the server refuses older ones (posyandu.validators.birth_date)', () => {
  assert.equal(oldestBirthDate(today), '2007-08-10');
  assert.equal(oldestBirthDate('2028-02-29'), '2010-02-28', 'a leap day eighteen years back is the 28th');
  assert.equal(birthDateError('2007-08-10', { today }), null);
  assert.equal(birthDateError('2007-08-09', { today }), 'tidak boleh lebih dari 18 tahun yang lalu');
  assert.equal(birthDateError('0001-01-01', { today }), 'tidak boleh lebih dari 18 tahun yang lalu');
  assert.equal(birthDateError('2025-08-11', { today }), 'tidak boleh setelah hari ini');
  assert.equal(birthDateError('', { today }), 'wajib diisi');
});

test('a child 5 years old or more is pointed out on registration (under-fives; the year typed wrong?), not refused', () => {
  assert.equal(overFive('2020-08-11', today), false, 'a day short of five');
  assert.equal(overFive('2020-08-10', today), true, 'five today');
  assert.equal(overFive('2015-11-01', today), true);
  assert.equal(overFive('2025-08-10', today), false);
  assert.equal(overFive('', today), false, 'nothing typed yet');
  assert.equal(overFive('2023-02-28', '2028-02-29'), true, 'a leap day five years back is the 28th');
  assert.equal(birthDateError('2015-11-01', { today }), null, 'still taken');
});

test('a number out of range names its limits with Indonesian decimal commas', () => {
  assert.equal(rangeError(null, 0.5, 70), null, 'optional');
  assert.equal(rangeError(7.25, 0.5, 70), null);
  assert.equal(rangeError(0.5, 0.5, 70), null);
  assert.equal(rangeError(100, 0.5, 70), 'harus angka antara 0,5 dan 70');
  assert.equal(rangeError(Number.NaN, 0.5, 6), 'harus angka antara 0,5 dan 6');
  // a weight written in grams, as the server's validators.between(grams_hint=True) says
  assert.equal(rangeError(3200, 0.5, 6, { grams: true }), 'harus antara 0,5 dan 6 kg; 3200 tampaknya dalam gram (maksudnya 3,2 kg?)');
  assert.equal(rangeError(8150, 0.5, 70, { grams: true }), 'harus antara 0,5 dan 70 kg; 8150 tampaknya dalam gram (maksudnya 8,15 kg?)');
  assert.equal(rangeError(100, 0.5, 70, { grams: true }), 'harus angka antara 0,5 dan 70', '100 is no weight in grams');
  assert.equal(rangeError(90000, 0.5, 70, { grams: true }), 'harus angka antara 0,5 dan 70', '90 kg is out of range anyway');
  assert.equal(rangeError(3200, 0.5, 6), 'harus angka antara 0,5 dan 6', 'not a weight: no hint');
});

test('a NIK is checked as the server checks it: 16 digits, a region, a birth date (a girl: day + 40)', () => {
  assert.equal(nikError('3525015008250001'), null, 'a girl born on the 10th (50 - 40)');
  assert.equal(nikError('3525011008250001'), null, 'a boy born on the 10th');
  assert.equal(nikError('3525017108250001'), null, 'a girl born on the 31st');
  assert.equal(nikError('352501100825001'), 'harus 16 angka; angka 0 di depan mungkin terhapus', 'a lost leading zero');
  assert.equal(nikError('35250110082500012'), 'harus tepat 16 angka');
  assert.equal(nikError('3525 0110 0825 0001'), 'harus tepat 16 angka');
  assert.equal(nikError('3525013208250001'), 'NIK tidak sah (kode wilayah atau tanggal lahir)', 'day 32');
  assert.equal(nikError('3525014008250001'), 'NIK tidak sah (kode wilayah atau tanggal lahir)', 'day 40 is no day');
  assert.equal(nikError('3525017208250001'), 'NIK tidak sah (kode wilayah atau tanggal lahir)', 'a girl on the 32nd');
  assert.equal(nikError('3525011013250001'), 'NIK tidak sah (kode wilayah atau tanggal lahir)', 'month 13');
  assert.equal(nikError('3525010000250001'), 'NIK tidak sah (kode wilayah atau tanggal lahir)', 'day 0');
  assert.equal(nikError('0025011008250001'), 'NIK tidak sah (kode wilayah atau tanggal lahir)', 'no province 00');
});

test('a NIK typed in groups, as the KTP prints it, is its 16 digits; anything else stays as typed', () => {
  for (const typed of ['3525 0110 0825 0001', '3525.0110.0825.0001', '3525-0110-0825-0001', '352501 100825 0001']) {
    assert.equal(nikDigits(typed), '3525011008250001', typed);
  }
  assert.equal(nikDigits('3525 0110 0825 001'), '3525 0110 0825 001', 'fifteen digits: judged as typed');
  assert.equal(nikError(nikDigits('3525 0110 0825 001')), 'harus tepat 16 angka');
  assert.equal(nikDigits('3525/0110/0825/0001'), '3525/0110/0825/0001', 'a slash, as the server refuses it');
});

test('a dose given by a health worker names its vial: batch and expiry required, the vial not expired that day', () => {
  const givenOn = '2025-08-05';
  const given = { source: 'given', batch_number: 'BCG-2025-117', expiry_date: '2026-01-31' };
  assert.deepEqual(lotErrors(given, givenOn), {});
  assert.deepEqual(lotErrors({ ...given, expiry_date: givenOn }, givenOn), {}, 'a vial expiring that day may still be used');
  assert.deepEqual(lotErrors({ source: 'given' }, givenOn), { batch_number: ['wajib diisi'], expiry_date: ['wajib diisi'] });
  assert.deepEqual(lotErrors({ ...given, expiry_date: null }, givenOn, true), { expiry_date: ['tanggal tidak ada atau belum lengkap: periksa lagi'] },
    'an expiry typed as 31-02 (badInput: no value) is said so, not "wajib diisi"');
  assert.deepEqual(lotErrors({ ...given, batch_number: '   ' }, givenOn), { batch_number: ['wajib diisi'] }, 'spaces are no batch');
  assert.deepEqual(lotErrors({ ...given, expiry_date: '2025-08-04' }, givenOn),
    { expiry_date: ['vial sudah kedaluwarsa pada tanggal diberikan'] });
  assert.deepEqual(lotErrors({ ...given, batch_number: 'x'.repeat(41) }, givenOn), { batch_number: ['paling banyak 40 karakter'] });
  assert.deepEqual(lotErrors({ ...given, batch_number: 'x'.repeat(40) }, givenOn), {});
  assert.deepEqual(lotErrors({ ...given, expiry_date: '0202-01-01' }, givenOn), { expiry_date: ['harus antara tahun 2000 dan 2099'] },
    'a typed year is named as such, as the server refuses it (schemas.EXPIRY_RANGE)');
  assert.deepEqual(lotErrors({ ...given, expiry_date: '20260-01-31' }, givenOn), { expiry_date: ['harus antara tahun 2000 dan 2099'] });
  assert.deepEqual(lotErrors({ ...given, expiry_date: '2099-12-31' }, givenOn), {});
});

test('a dose copied from the Buku KIA, recalled or of unstated source needs no vial; a KFA code is 93 and 6 digits', () => {
  for (const source of ['record', 'recall', null, undefined]) {
    assert.deepEqual(lotErrors({ source }, '2025-08-05'), {}, String(source));
    assert.deepEqual(lotErrors({ source, expiry_date: '2020-01-01' }, '2025-08-05'), {}, 'an old vial is not checked');
  }
  const given = { source: 'given', batch_number: 'A1', expiry_date: '2026-01-31' };
  assert.deepEqual(lotErrors({ ...given, kfa_code: '93001234' }, '2025-08-05'), {});
  assert.deepEqual(lotErrors({ ...given, kfa_code: null }, '2025-08-05'), {}, 'the product is optional');
  for (const bad of ['9300123', '930012345', '92001234', '93OO1234']) {
    assert.deepEqual(lotErrors({ ...given, kfa_code: bad }, '2025-08-05'), { kfa_code: ['kode KFA harus 93 diikuti 6 angka'] }, bad);
  }
  assert.deepEqual(lotErrors({ source: 'record', kfa_code: '123' }, '2025-08-05'), { kfa_code: ['kode KFA harus 93 diikuti 6 angka'] });
});

test('a text that shows nothing (spaces, zero-width joiners, a BOM) is no text, as the server reads it', () => {
  assert.equal(visibleText('  Siti Aminah '), 'Siti Aminah');
  assert.equal(visibleText('\u200d'.repeat(120)), null);
  assert.equal(visibleText('\u200b \ufeff'), null);
  assert.equal(visibleText(''), null);
  assert.equal(visibleText('Sa\u200dri'), 'Sa\u200dri'); // inside a name it stays (scripts that join letters)
});
