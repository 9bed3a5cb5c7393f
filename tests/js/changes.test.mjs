// online/changes.js: a child's history of changes (GET /children/{id}/history) in Indonesian (and English):
// who did what to which record, each field written from what to what, the reason given.
process.env.TZ = 'Asia/Jakarta'; // WIB, UTC+7: before the first date is formatted
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { changeLines, reasonLine, valueText, whatText } from '../../static/pwa/js/online/changes.js';
import { setLang } from '../../static/pwa/js/i18n.js';

globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
globalThis.document ??= { documentElement: {} };

const MELATI = '0e7cf42b-62e3-4b22-973c-1b115acfa146';
const kader = { name: 'Siti Rahayu', role: 'kader' };
const item = (action, entity, changes = null, extra = {}) => ({ id: 9, at: '2025-08-03T01:05:00Z', action, entity,
  record_id: 'r1', changes, reason: null, user_id: 'u1', actor: kader, ...extra });

test('who did what to which record', () => {
  setLang('id');
  assert.equal(whatText(item('update', 'measurement')), 'Siti Rahayu (kader) mengubah penimbangan');
  assert.equal(whatText(item('delete', 'immunisation')), 'Siti Rahayu (kader) menghapus imunisasi');
  assert.equal(whatText(item('create', 'child')), 'Siti Rahayu (kader) mencatat data anak');
  assert.equal(whatText(item('merge', 'child', null, { actor: { name: 'Bidan Ani', role: 'bidan' } })),
    'Bidan Ani menggabungkan data ganda');                    // her name says her role already
  assert.equal(whatText(item('recompute', 'measurement', null, { actor: null, user_id: null })),
    'Sistem menghitung ulang status gizi');                    // a server command names no user
  setLang('en');
  assert.equal(whatText(item('update', 'measurement')), 'Siti Rahayu (cadre) changed a weighing');
  setLang('id');
});

test('each field a change wrote, from what to what, as the card writes it', () => {
  setLang('id');
  const posyandu = new Map([[MELATI, 'Melati']]);
  assert.deepEqual(changeLines(item('update', 'measurement', { weight_kg: [8, 8.4], measured_on: ['2025-08-01', '2025-08-02'] }), posyandu),
    ['berat (kg): 8 → 8,4', 'tanggal timbang: 1 Agu 2025 → 2 Agu 2025']);
  assert.deepEqual(changeLines(item('update', 'child', { posyandu_id: [MELATI, 'unknown-id'], guardian_phone: [null, '0812'] }), posyandu),
    ['Posyandu: Melati → unknown-id', 'nomor HP: – → 0812']);
  assert.deepEqual(changeLines(item('update', 'measurement', { oedema: [false, true], z_new_field: [1, 2] })),
    ['edema: tidak → ya']);                                     // a field without words is the server's working
  // a record created: its values in one line (as the audit keeps them, text); deleted: its reason says it
  assert.deepEqual(changeLines(item('create', 'measurement', { id: [null, 'm1'], measured_on: [null, '2025-08-01'],
    weight_kg: [null, '8.0'], oedema: [null, null] })), ['tanggal timbang 1 Agu 2025 · berat (kg) 8']);
  assert.deepEqual(changeLines(item('create', 'child', { id: [null, 'c1'] })), []);
  // its booleans kept as text as well: were "edema False", "punya KMS True"
  assert.deepEqual(changeLines(item('create', 'measurement', { oedema: [null, 'False'], weight_kg: [null, '8.0'] })),
    ['edema tidak · berat (kg) 8']);
  assert.deepEqual(changeLines(item('create', 'child', { has_kms: [null, 'True'], name: [null, 'False'] })),
    ['punya KMS ya · nama False']);
  assert.deepEqual(changeLines(item('delete', 'immunisation', {})), []);
  assert.deepEqual(changeLines(item('update', 'child', { exit_date: [null, '2025-08-20'], exit_reason: [null, 'died'] })),
    ['tanggal keluar: – → 20 Agu 2025', 'keluar: – → Meninggal']);
  assert.equal(valueText('x', ''), '–');
  assert.equal(valueText('weight_kg', '7.25'), '7,25');
  assert.equal(valueText('nik', '3525010101010001'), '3525010101010001');
});

test("the server's workings are left out, stored codes said in words, a merge's note of ids not shown", () => {
  setLang('id');
  // a weighing's status recomputed: z-scores, flags (an object: was "[object Object]"), the KBM's grams
  assert.deepEqual(changeLines(item('recompute', 'measurement', { age_days: [89, 90], z_wfa: [-1.65, -1.68],
    flags: [null, { z_wfa: false }], warnings: [null, []], kbm_g: [null, 800], trend: ['B', 'T'] }, { actor: null })),
  ['N/T: B → T']);
  assert.deepEqual(changeLines(item('merge', 'child', { merged_into: [null, 'c2'] })), []);
  assert.deepEqual(changeLines(item('create', 'measurement', { position: [null, 'lying'], weight_kg: [null, '4.7'] })),
    ['Berbaring (panjang) · berat (kg) 4,7']);
  setLang('en'); // it read 'measured lying or standing Standing (height)'
  assert.deepEqual(changeLines(item('create', 'measurement', { position: [null, 'standing'], weight_kg: [null, '14.2'] })),
    ['Standing (height) · weight (kg) 14.2']);
  setLang('id');
  assert.deepEqual(changeLines(item('update', 'child', { sex: ['F', 'M'] })), ['jenis kelamin: Perempuan → Laki-laki']);
  assert.deepEqual(changeLines(item('update', 'immunisation', { source: ['recall', 'record'] })),
    ['sumber catatan: Ingatan orang tua → Disalin dari Buku KIA / catatan lain']);
  assert.equal(reasonLine(item('merge', 'child', null, { reason: 'merged into c2' })), null);
  assert.equal(reasonLine(item('delete', 'measurement', null, { reason: 'Salah anak' })), 'Alasan: Salah anak');
  setLang('en');
  assert.deepEqual(changeLines(item('update', 'child', { sex: ['F', 'M'] })), ['Sex: Girl → Boy']);
  setLang('id');
});

test("the server's own entries are said in Indonesian, its English notes not shown as a reason", () => {
  setLang('id');
  // a dose corrected into the schedule: the bidan's acceptance taken off (was 'override_lifted imunisasi')
  assert.equal(whatText(item('override_lifted', 'immunisation')),
    'Siti Rahayu (kader) mengoreksi imunisasi sehingga sesuai jadwal: alasan di luar jadwal dihapus');
  // a dose a midwife recorded outside the schedule, with her reason (was 'Bidan Ani override imunisasi')
  const outside = item('override', 'immunisation', { violations: ['min_interval'], causes: ['too soon'] },
    { actor: { name: 'Bidan Ani', role: 'bidan' }, reason: 'Buku KIA hilang, tanggal dari ingatan ibu' });
  assert.equal(whatText(outside), 'Bidan Ani mencatat imunisasi di luar jadwal');
  assert.equal(reasonLine(outside), 'Alasan: Buku KIA hilang, tanggal dari ingatan ibu');
  const ruled = item('not_duplicate', 'child', { possible_duplicate_of: ['c2', null] }, { reason: 'Anak kembar' });
  assert.equal(whatText(ruled), 'Siti Rahayu (kader) menyatakan bukan data ganda'); // hers, not the server's re-judging
  assert.equal(reasonLine(ruled), 'Alasan: Anak kembar'); // with the reason she chose
  // a stored code in the card's words (was 'tempat elsewhere'), a posyandu by its name alone
  assert.deepEqual(changeLines(item('create', 'immunisation', { place: [null, 'elsewhere'], posyandu_id: [null, MELATI] }),
    new Map([[MELATI, 'Posyandu Melati']])), ['Tempat lain (rumah sakit, klinik, bidan praktik) · Posyandu Melati']);
  const moved = item('recorded_before_move', 'measurement', { posyandu_id: ['a', 'b'] },
    { reason: 'recorded at the posyandu the child has left since' });
  assert.equal(whatText(moved), 'Siti Rahayu (kader) mencatat penimbangan di posyandu yang sudah ditinggalkan anak');
  assert.equal(reasonLine(moved), null);
  // the same-day twin of a weighing deleted: its duplicate flag judged again (the server wrote it as the
  // delete's action and note): not 'menghapus penimbangan', 'Alasan: 5f… deleted'
  const twin = item('delete', 'measurement', { possible_duplicate_of: ['m1', null] }, { reason: 'm1 deleted' });
  assert.equal(whatText(twin), 'Siti Rahayu (kader) menilai ulang tanda data ganda penimbangan');
  assert.equal(reasonLine(twin), null);
  assert.equal(reasonLine(item('update', 'measurement', { possible_duplicate_of: [null, 'm2'] }, { reason: 'm2 changed' })), null);
  // a child's events brought back with her: the server's note
  assert.equal(reasonLine(item('restore', 'measurement', { deleted_at: ['x', null] }, { reason: 'child c1 restored' })), null);
  setLang('en');
  assert.equal(whatText(twin), 'Siti Rahayu (cadre) re-judged the duplicate flag of a weighing');
  setLang('id');
});

test("one operation's rows are one line, its records counted by kind; rows a reader can tell apart are not", async () => {
  const { grouped } = await import('../../static/pwa/js/online/changes.js');
  setLang('id');
  const posyandu = new Map([[MELATI, 'Melati']]);
  const bidan = { actor: { name: 'Bidan Ani', role: 'bidan' }, user_id: 'b1' };
  const move = { posyandu_id: [MELATI, 'c0ffee'] };
  const at = (s) => ({ at: `2025-08-03T01:05:${String(s).padStart(2, '0')}Z` });
  // a move (newest first): the child's own update, then a row for each of her weighings and doses
  const rows = [
    item('transfer', 'supplement', move, { ...bidan, ...at(9) }),
    item('transfer', 'immunisation', move, { ...bidan, ...at(9) }),
    item('transfer', 'measurement', move, { ...bidan, ...at(8) }),
    item('transfer', 'immunisation', move, { ...bidan, ...at(8) }),
    item('update', 'child', move, { ...bidan, ...at(8) }),
    item('create', 'measurement', { weight_kg: [null, '8.1'] }, at(1)), // their values differ: two lines
    item('create', 'measurement', { weight_kg: [null, '8.0'] }, at(0)),
  ];
  const lines = grouped(rows, posyandu);
  assert.deepEqual(lines.map(whatText), ['Bidan Ani memindahkan anak: 1 penimbangan, 2 imunisasi, 1 vitamin A/obat cacing',
    'Bidan Ani mengubah data anak', 'Siti Rahayu (kader) mencatat penimbangan', 'Siti Rahayu (kader) mencatat penimbangan']);
  assert.deepEqual(changeLines(lines[0], posyandu), ['Posyandu: Melati → c0ffee']);
  assert.deepEqual([lines[0].at, lines.map((l) => l.n)], ['2025-08-03T01:05:09Z', [4, 1, 1, 1]]);
  // deleted with the same reason at once: one line; with another reason, or a minute apart: their own
  const gone = (entity, reason, when) => item('delete', entity, {}, { reason, at: when });
  const deleted = grouped([gone('measurement', 'Salah anak', '2025-08-03T02:00:30Z'), gone('measurement', 'Salah anak', '2025-08-03T02:00:00Z'),
    gone('measurement', 'Salah anak', '2025-08-03T01:58:59Z'), gone('immunisation', 'Dobel', '2025-08-03T01:58:58Z')]);
  assert.deepEqual(deleted.map((l) => [whatText(l), reasonLine(l)]), [
    ['Siti Rahayu (kader) menghapus 2 penimbangan', 'Alasan: Salah anak'],
    ['Siti Rahayu (kader) menghapus penimbangan', 'Alasan: Salah anak'],
    ['Siti Rahayu (kader) menghapus imunisasi', 'Alasan: Dobel']]);
  setLang('en');
  assert.equal(whatText(lines[0]), 'Bidan Ani moved the child: 1 weighing, 2 immunisations, 1 vitamin A/deworming dose');
  assert.equal(whatText(deleted[0]), 'Siti Rahayu (cadre) deleted 2 weighings');
  setLang('id');
});

test('which weighing or dose: its day, a line of a few of them each day', async () => {
  const { grouped } = await import('../../static/pwa/js/online/changes.js');
  setLang('id');
  assert.equal(whatText(item('update', 'measurement', null, { record_day: '2025-08-01' })),
    'Siti Rahayu (kader) mengubah penimbangan (1 Agu 2025)');
  const system = { actor: null, user_id: null, changes: { trend: [null, 'T'] } };
  const recomputed = [item('recompute', 'measurement', null, { ...system, id: 3, record_day: '2025-09-05' }),
    item('recompute', 'measurement', null, { ...system, id: 2, record_day: '2025-08-05' })];
  const [line] = grouped(recomputed, new Map());
  assert.equal(whatText(line), 'Sistem menghitung ulang status gizi: 2 penimbangan (5 Agu 2025, 5 Sep 2025)');
  assert.equal(whatText(recomputed[0]), 'Sistem menghitung ulang status gizi (5 Sep 2025)');
  assert.equal(whatText(item('update', 'child')), 'Siti Rahayu (kader) mengubah data anak'); // the child's own: no day
});
