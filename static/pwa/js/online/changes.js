// "Riwayat perubahan" on a child's screen (staff): who changed the child's data, what from and to what,
// when and why, from GET /api/v1/children/{id}/history (posyandu/history.py: the audit log's rows of her
// record, weighings and doses, deleted ones too). A midwife reads it to learn who changed a weighing.
// Online only: fetched when she taps "Lihat riwayat perubahan" (screens/child.js draws the panel),
// never part of the offline shell; its words are here, not in the shell's dictionary.
import { formatDate, formatDateTime, formatNumber, refusal, t, textsOf, whoText } from '../i18n.js';
import { h } from '../ui.js';
import { pagedList, runs } from './pages.js';

/** [Bahasa Indonesia, English] */
export const W = {
  none: ['Belum ada perubahan tercatat.', 'No change recorded yet.'],
  error: ['Riwayat gagal dimuat: {why}', 'The history could not be loaded: {why}'],
  system: ['Sistem', 'System'],
  listed: ['{n} perubahan', '{n} {n:change|changes}'],
  reason: ['Alasan: {text}', 'Reason: {text}'],
  yes: ['ya', 'yes'],
  no: ['tidak', 'no'],
  // what was done (the audit row's action), to what (its entity)
  create: ['mencatat', 'recorded'],
  demo: ['mencatat (data contoh)', 'recorded (demo data)'],
  update: ['mengubah', 'changed'],
  delete: ['menghapus', 'deleted'],
  restore: ['mengembalikan', 'restored'],
  merge: ['menggabungkan data ganda', 'merged a duplicate registration'],
  transfer: ['memindahkan anak', 'moved the child'],
  recompute: ['menghitung ulang status gizi', 'recomputed the nutritional status'],
  not_duplicate: ['menyatakan bukan data ganda', 'ruled not a duplicate'],
  // the server's own entries, beside a person's change ({what}: the record), their notes in English not shown
  flagged: ['menilai ulang tanda data ganda {what}', 're-judged the duplicate flag of {what}'],
  override_lifted: ['mengoreksi {what} sehingga sesuai jadwal: alasan di luar jadwal dihapus',
    'corrected {what} into the schedule: its out-of-schedule reason removed'],
  override: ['mencatat {what} di luar jadwal', 'recorded {what} outside the schedule'],
  recorded_before_move: ['mencatat {what} di posyandu yang sudah ditinggalkan anak', 'recorded {what} at the posyandu the child has left'],
  recorded_before_reassignment: ['mencatat {what} di posyandu yang sudah ditinggalkan pencatatnya',
    'recorded {what} at a posyandu its recorder has left'],
  needs_review: ['mencatat {what} untuk anak yang sudah dihapus: perlu diperiksa', 'recorded {what} for a deleted child: to be reviewed'],
  child: ['data anak', "the child's record"],
  // one operation's rows said once (a move's weighings and doses, the demo's records): `grouped`
  n_child: ['{n} data anak', "{n} child {n:record|records}"],
  n_measurement: ['{n} penimbangan', '{n} {n:weighing|weighings}'],
  n_immunisation: ['{n} imunisasi', '{n} {n:immunisation|immunisations}'],
  n_supplement: ['{n} vitamin A/obat cacing', '{n} vitamin A/deworming {n:dose|doses}'],
  measurement: ['penimbangan', 'a weighing'],
  immunisation: ['imunisasi', 'an immunisation'],
  supplement: ['vitamin A/obat cacing', 'vitamin A/deworming'],
  // the fields a kader or midwife changes by hand, and N/T; others (z-scores, flags, a merge's ids) are
  // the server's workings, left out: a midwife read "z_bfa", "flags: [object Object]"
  f_name: ['nama', 'name'],
  f_sex: ['jenis kelamin', 'sex'],
  f_birth_date: ['tanggal lahir', 'birth date'],
  f_birth_weight_kg: ['berat lahir (kg)', 'birth weight (kg)'],
  f_birth_length_cm: ['panjang lahir (cm)', 'birth length (cm)'],
  f_nik: ['NIK anak', "child's NIK"],
  f_mother_nik: ['NIK ibu', "mother's NIK"],
  f_mother_name: ['nama ibu', "mother's name"],
  f_father_name: ['nama ayah', "father's name"],
  f_guardian_phone: ['nomor HP', 'phone number'],
  f_address: ['alamat', 'address'],
  f_rt: ['RT', 'RT'],
  f_rw: ['RW', 'RW'],
  f_has_kms: ['punya KMS', 'has a KMS'],
  f_exit_date: ['tanggal keluar', 'date left'],
  f_exit_reason: ['keluar', 'left'],
  f_posyandu_id: ['Posyandu', 'Posyandu'],
  f_measured_on: ['tanggal timbang', 'date weighed'],
  f_weight_kg: ['berat (kg)', 'weight (kg)'],
  f_length_height_cm: ['panjang/tinggi (cm)', 'length/height (cm)'],
  f_position: ['posisi ukur', 'measured lying or standing'],
  f_muac_cm: ['LiLA (cm)', 'MUAC (cm)'],
  f_head_circumference_cm: ['lingkar kepala (cm)', 'head circumference (cm)'],
  f_oedema: ['edema', 'oedema'],
  f_given_on: ['tanggal diberikan', 'date given'],
  f_vaccine: ['vaksin', 'vaccine'],
  f_dose: ['dosis', 'dose'],
  f_batch_number: ['nomor batch', 'batch number'],
  f_expiry_date: ['kedaluwarsa', 'expiry date'],
  f_place: ['tempat', 'place'],
  f_kind: ['jenis', 'kind'],
  f_source: ['sumber catatan', 'source of the record'],
  f_kfa_code: ['produk KFA', 'KFA product'],
  f_override_reason: ['alasan di luar jadwal', 'reason outside the schedule'],
  f_trend: ['N/T', 'N/T'],
  f_trend_override: ['penilaian N/T bidan', "the midwife's N/T"],
  f_trend_override_reason: ['alasan penilaian', 'reason for the judgement'],
};
// stored codes said in the shell's words
const CODES = { sex: { F: 'female', M: 'male' }, position: { lying: 'lying', standing: 'standing' },
  source: { given: 'source_given', record: 'source_record', recall: 'source_recall' },
  exit_reason: { died: 'died', moved_away: 'moved_away' },
  place: { posyandu: 'place_posyandu', puskesmas: 'place_puskesmas', elsewhere: 'place_elsewhere' } };

/** A word of this screen, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

const PAGE = 20;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A stored value as read: a date as the card writes it, a decimal with a comma, a posyandu by name. */
export function valueText(field, value, posyandu = new Map()) {
  if (value === null || value === undefined || value === '') return '–';
  // booleans: a created record's were kept as text ('False') till December 2026 (audit.created_fields)
  if (typeof value === 'boolean' || (['oedema', 'has_kms'].includes(field) && ['True', 'False'].includes(value))) {
    return tx(value === true || value === 'True' ? 'yes' : 'no');
  }
  if (field === 'posyandu_id') return posyandu.get(value) ?? String(value);
  if (CODES[field]?.[value]) return tx(CODES[field][value]);
  // a created record's values were kept as text ('8.0') till then; a NIK's digits stay as typed
  if (typeof value === 'number' || /^-?\d+\.\d+$/.test(value)) return formatNumber(+value);
  if (DAY.test(value)) return formatDate(value);
  return String(value);
}

/** "berat (kg): 8 → 8,4" for each field with words a change wrote; a record created: one line of
 * its values ("tanggal timbang 1 Agu 2025 · berat (kg) 8"); deleted: none. */
export function changeLines(item, posyandu) {
  if (item.action === 'delete' || !item.changes) return [];
  const worded = Object.entries(item.changes).filter(([field]) => W[`f_${field}`]);
  if (['create', 'demo'].includes(item.action)) {
    const said = worded.filter(([, [, v]]) => v !== null)
      // a posyandu, a place, a position by its name alone (label and value said 'Posyandu Posyandu Melati', 'tempat Tempat
      // lain', 'measured lying or standing Standing (height)')
      .map(([field, [, v]]) => `${['posyandu_id', 'place', 'position'].includes(field) ? '' : `${tx(`f_${field}`)} `}${valueText(field, v, posyandu)}`);
    return said.length ? [said.join(' · ')] : [];
  }
  return worded.map(([field, [before, after]]) =>
    `${tx(`f_${field}`)}: ${valueText(field, before, posyandu)} → ${valueText(field, after, posyandu)}`);
}

/** A record's duplicate flag judged again by the server (its neighbour edited, deleted, restored), written
 * with that change's action and a note of its id ("m1 deleted"): no change of its own. A midwife's ruling that
 * two are different children changes the flag alone too, and is hers (said as such, with her reason). */
const flagOnly = (item) => item.action !== 'not_duplicate' && Object.keys(item.changes ?? {}).join() === 'possible_duplicate_of';

/** "18 penimbangan, 16 imunisasi": a line's records counted by kind. */
const countsText = (counts) => Object.keys(counts).sort((a, b) => kindRank(a) - kindRank(b))
  .map((entity) => (W[`n_${entity}`] ? tx(`n_${entity}`, { n: counts[entity] }) : `${counts[entity]} ${entity}`)).join(', ');
const kindRank = (entity) => (['child', 'measurement', 'immunisation', 'supplement'].indexOf(entity) + 5) % 5;

/** "Kader1 (kader) mengubah penimbangan": who did what to which record (a line of `grouped`: to how many). */
export function whatText(item) {
  const who = item.actor?.name ? whoText(item.actor) : tx('system');
  const action = flagOnly(item) ? 'flagged' : item.action;
  // which weighings or doses, by their days (a few: a move's twenty are counted only)
  const days = [...new Set((item.items ?? [item]).map((i) => i.record_day).filter(Boolean))].sort();
  const when = days.length && days.length <= 5 ? ` (${days.map(formatDate).join(', ')})` : '';
  const many = item.n > 1 ? countsText(item.counts) + when : null;
  const what = many ?? `${W[item.entity] ? tx(item.entity) : item.entity}${when}`;
  if (W[action]?.[0].includes('{what}')) return `${who} ${tx(action, { what })}`;
  const did = W[action] ? tx(action) : action;
  if (!['merge', 'transfer', 'recompute', 'not_duplicate'].includes(action)) return `${who} ${did} ${what}`;
  return `${who} ${did}${many ? `: ${many}` : when}`;
}

/** "Alasan: …" as a person gave it (a deletion's, a dose's outside the rules, an N/T's); none for the
 * server's notes, in English and of ids ("merged into …", "child … restored"): its words say it already. */
export function reasonLine(item) {
  return item.reason && ['create', 'demo', 'update', 'delete', 'override', 'not_duplicate'].includes(item.action) && !flagOnly(item)
    ? tx('reason', { text: item.reason }) : null;
}

/** `items` (newest first) with the rows a reader could not tell apart said once (`runs`): the same person,
 * action, changes and reason, each within a minute of the one before (one operation: a move wrote a row for
 * each of the child's weighings and doses, the demo data one per record; a midwife read twenty lines of
 * "memindahkan anak" and no other), counted by kind. */
export const grouped = (items, posyandu) => runs(items, {
  keyOf: (item) => JSON.stringify([item.user_id, flagOnly(item) ? 'flagged' : item.action, changeLines(item, posyandu), reasonLine(item)]),
  together: (before, item) => Date.parse(before.at) - Date.parse(item.at) < 60000,
  kindOf: (item) => item.entity,
});

function row(item, posyandu) {
  return h('li', { class: 'row' }, h('span', { class: 'row-main' },
    h('strong', {}, whatText(item)),
    ...changeLines(item, posyandu).map((line) => h('span', {}, line)),
    reasonLine(item) ? h('span', {}, reasonLine(item)) : null,
    h('small', {}, h('time', { datetime: item.at }, formatDateTime(item.at)))));
}

/** The first page into `box` (its "Memuat…" already shown), "Muat lagi" for the next. */
export async function show(ctx, child, box, said) {
  let posyandu = new Map();
  const { list, more, load } = pagedList({
    fetch: async (cursor) => {
      const [page, places] = await Promise.all([
        ctx.api.get(`/children/${child.id}/history?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
        cursor ? null : ctx.posyandus()]);
      if (places) posyandu = new Map(places.map((p) => [p.id, p.name]));
      return page;
    },
    lines: (items) => grouped(items, posyandu),
    rowOf: (line) => row(line, posyandu),
    done: (n, first) => {
      if (first) box.replaceChildren(n ? list : h('p', { class: 'muted' }, tx('none')), more);
      ctx.announce(n ? tx('listed', { n }) : tx('none'));
    },
    failed: (error, first) => {
      said.textContent = error.kind === 'network' ? t('online_only') : refusal(error, tx('error', { why: error.message }));
      if (first) box.replaceChildren();
    },
  });
  said.textContent = '';
  await load();
}
