// "Impor data" (bidan, admin): a puskesmas register (CSV or XLSX) loaded into the app. The file is
// checked first (a dry run: every row the server would refuse, and why, nothing saved); then imported,
// all of it, or only its valid rows when she chooses so. Imported twice, nothing is doubled (the
// server's import is idempotent). Online only: every step is the server's (POST /imports/visits).
// Fetched by app.js when she opens it, never part of the offline shell; its words are here.
import { t, textsOf } from '../i18n.js';
import { choice, field, h, saveBlob, saveDownload } from '../ui.js';

/** [Bahasa Indonesia, English] */
export const W = {
  title: ['Impor data dari lembar kerja', 'Import from a spreadsheet'],
  intro: ['Berkas CSV atau Excel (XLSX) dari register puskesmas, satu baris per kunjungan (atau per anak tanpa kunjungan). Kolom wajib: posyandu (atau pilih posyandunya di bawah untuk register satu posyandu), nama, jenis kelamin (L/P), tanggal lahir. Kunjungan: tanggal timbang, BB, TB/PB, LiLA, lingkar kepala. Berkas yang sama boleh diimpor lagi: yang sudah ada tidak digandakan.',
    "A CSV or Excel (XLSX) file of the puskesmas register, one row per visit (or per child without a visit). Required columns: posyandu (or choose it below for one posyandu's register), name, sex (L/P), birth date. Visits: weighing date, weight, length/height, MUAC, head circumference. The same file may be imported again: nothing already there is doubled."],
  posyandu: ['Posyandu', 'Posyandu'],
  posyandu_file: ['Sesuai kolom Posyandu di berkas', "As the file's Posyandu column says"],
  posyandu_help: ['Register satu posyandu tanpa kolom Posyandu: pilih posyandunya. Baris yang menyebut posyandu lain tetap ke posyandu itu.',
    "One posyandu's register without a Posyandu column: choose it. A row naming another posyandu keeps it."],
  template: ['Unduh contoh berkas (XLSX)', 'Download a template (XLSX)'],
  template_help: ['Kolom yang dibaca, dengan petunjuk isinya.', 'The columns read, with what each takes.'],
  downloaded: ['{name} terunduh.', '{name} downloaded.'],
  file: ['Berkas (CSV atau XLSX)', 'File (CSV or XLSX)'],
  check: ['Periksa berkas', 'Check the file'],
  checking: ['Memeriksa…', 'Checking…'],
  importing: ['Mengimpor…', 'Importing…'],
  choose_file: ['Pilih berkasnya dulu.', 'Choose the file first.'],
  import_all: ['Impor sekarang', 'Import now'],
  import_valid: ['Impor {n} baris yang benar saja', 'Import only the {n} valid {n:row|rows}'],
  valid_help: ['Baris yang ditolak tidak disimpan: perbaiki di berkas lalu impor lagi berkas itu (baris yang sudah masuk tidak digandakan).',
    'The refused rows are not saved: correct them in the file and import it again (rows already in are not doubled).'],
  checked: ['Hasil pemeriksaan (belum ada yang disimpan)', 'Check result (nothing saved yet)'],
  saved_title: ['Hasil impor', 'Import result'],
  done: ['Tersimpan. HP kader menerima datanya pada sinkron berikutnya.', "Saved. The cadres' phones get the records at their next sync."],
  refused_all: ['Tidak ada yang diimpor.', 'Nothing was imported.'],
  no_rows: ['Berkas ini tidak berisi data: isi satu baris per anak atau kunjungan di bawah judul kolom, lalu periksa lagi.',
    'This file holds no data: fill in one row per child or visit under the column headings, then check it again.'],
  recheck: ['Perbaiki baris yang ditolak di berkas, atau periksa berkas lagi untuk mengimpor baris yang benar saja.',
    'Correct the refused rows in the file, or check the file again to import only the valid rows.'],
  summary: ['{rows} baris: {valid} benar, {invalid} ditolak.', '{rows} {rows:row|rows}: {valid} valid, {invalid} refused.'],
  children: ['Anak baru {created}; sudah terdaftar {matched} (datanya dilengkapi {updated}).',
    'New children {created}; registered already {matched} (details filled in {updated}).'],
  visits: ['Kunjungan baru {created}; sudah ada {unchanged}.', 'New visits {created}; already there {unchanged}.'],
  repeated: ['Baris {row} sama dengan baris {repeats}: tidak dicatat dua kali.', 'Row {row} repeats row {repeats}: not recorded twice.'],
  combined: ['Baris {row} digabung dengan baris {combined_with}: satu kunjungan di hari yang sama.', 'Row {row} combined with row {combined_with}: one visit on the same day.'],
  ignored: ['Kolom tidak dibaca, isinya tidak diimpor: {columns}.', 'Columns not read, nothing in them imported: {columns}.'],
  refused: ['Baris yang ditolak', 'Refused rows'],
  row: ['Baris {n}', 'Row {n}'],
  row_named: ['Baris {n} ({name})', 'Row {n} ({name})'],
  more_rows: ['… dan {n} baris lagi', '… and {n} more {n:row|rows}'],
  refused_csv: ['Unduh daftar baris ditolak (CSV)', 'Download the refused rows (CSV)'],
  csv_head: ['Baris;Nama;Kolom;Alasan', 'Row;Name;Column;Reason'],
  failed: ['Gagal: {why}', 'Failed: {why}'],
};

/** A word of this screen, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

const SHOWN = 200; // refused rows listed on the screen (a whole file's can be thousands)

/** The refused rows as the answer gives them: a check's `errors` ([{row, name, errors}]), or a refused
 * import's 422 (`errors.rows`: {row: {column: [messages]}}, `row_names`: {row: name}). */
export function refusedRows(answer) {
  if (Array.isArray(answer?.errors)) return answer.errors;
  const rows = answer?.errors?.rows ?? {};
  const names = answer?.row_names ?? {};
  return Object.entries(rows).map(([row, errors]) => ({ row: Number(row), name: names[row] ?? null, errors }))
    .sort((a, b) => a.row - b.row);
}

/** "Baris 5 (Siti Aminah)": a refused row by its number and the child it names, to find it in the register. */
const rowOf = (r) => (r.name ? tx('row_named', { n: r.row, name: r.name }) : tx('row', { n: r.row }));

/** Text a spreadsheet would run as a formula (a child named `=HYPERLINK(…)`, a column headed `@…`),
 * at its start or after a separator or line break, given a single quote first: shown as text, as the
 * server's CSV downloads write it (reports/exports/csv.py `neutralised`). */
const neutralised = (v) => (typeof v !== 'string' ? v
  : `${/^[=+\-@\t\r]/.test(v) ? "'" : ''}${v}`.replace(/([,;\r\n])(?=[ \t"]*[=+\-@])/g, "$1'"));

/** The refused rows as a CSV a spreadsheet set to Indonesian opens (`;`, UTF-8 with its mark): one
 * line per row and column, to correct the file beside it, every row (the screen lists SHOWN). */
export function refusedCsv(rows) {
  const quote = (v) => (/[;"\n\r]/.test(String(v)) ? `"${String(v).replaceAll('"', '""')}"` : String(v));
  const lines = rows.flatMap((r) => Object.entries(r.errors).map(([column, messages]) =>
    [r.row, r.name ?? '', column, [].concat(messages).join('; ')].map(neutralised).map(quote).join(';')));
  return `\ufeff${[tx('csv_head'), ...lines].join('\r\n')}\r\n`;
}

// none refused: nothing (replaceChildren writes a null as the text "null")
function refusedList(rows) {
  if (!rows.length) return [];
  return [h('section', { id: 'import-refused' }, h('h3', {}, tx('refused')),
    h('p', {}, h('button', { class: 'btn', type: 'button', id: 'import-refused-csv',
      onclick: () => saveBlob(new Blob([refusedCsv(rows)], { type: 'text/csv;charset=utf-8' }), 'baris-ditolak.csv') },
    tx('refused_csv'))),
    h('ul', {}, ...rows.slice(0, SHOWN).map((r) => h('li', {}, h('strong', {}, rowOf(r)), ': ',
      Object.entries(r.errors).map(([column, messages]) => `${column}: ${[].concat(messages).join('; ')}`).join(' · ')))),
    rows.length > SHOWN ? h('p', { class: 'muted' }, tx('more_rows', { n: rows.length - SHOWN })) : null)];
}

// a register's totals line ("Jumlah"): no child, skipped, the server says why (a check's answer, or a refused import's 422)
export const skippedList = (rows) => (rows?.length ? [h('ul', { id: 'import-skipped' },
  ...rows.slice(0, SHOWN).map((x) => h('li', {}, `${tx('row', { n: x.row })}: ${x.reason}`)))] : []);

function summary(r) {
  return [h('p', {}, tx('summary', { rows: r.rows, valid: r.valid_rows, invalid: r.invalid_rows })),
    h('p', {}, tx('children', { created: r.children_created, matched: r.children_matched, updated: r.children_updated ?? 0 })),
    h('p', {}, tx('visits', { created: r.visits_created, unchanged: r.visits_unchanged })),
    // a row given twice: named with the row it repeats, not counted as a visit there already
    ...(r.repeated_rows?.length ? [h('ul', { id: 'import-repeated' },
      ...r.repeated_rows.slice(0, SHOWN).map((x) => h('li', {}, tx('repeated', x))))] : []),
    // rows of one child's day that agree (weight in one, length in another): one visit, named with its first row
    ...(r.combined_rows?.length ? [h('ul', { id: 'import-combined' },
      ...r.combined_rows.slice(0, SHOWN).map((x) => h('li', {}, tx('combined', x))))] : []),
    ...skippedList(r.skipped_rows),
    // a register's columns not read (doses, vitamin A…): said, so no one believes them imported
    ...(r.ignored_columns?.length
      ? [h('p', { class: 'notice', id: 'import-ignored' }, tx('ignored', { columns: r.ignored_columns.join(', ') }))] : [])];
}

/** What the screen shows ([drawer's name, its answer, the file, the query that answered, the posyandu chosen]), drawn again
 * in the other language: app.js switchLang routes anew, this screen still in place (formValues keeps
 * no file); a check is asked again, for the server's row messages in that language too. */
let shown = null;

export async function render(ctx) {
  const again = document.getElementById('import-result') ? shown : null;
  shown = null;
  const ps = [...await ctx.posyandus()].filter((p) => !p.deleted_at).sort((a, b) => a.name.localeCompare(b.name));
  const posField = choice({ label: tx('posyandu'), name: 'posyandu_id', value: again?.[4] ?? '', hint: tx('posyandu_help'),
    options: [['', tx('posyandu_file')], ...ps.map((p) => [p.id, p.name])] });
  const pos = posField.querySelector('select');
  const note = h('p', { id: 'import-note', role: 'status', 'aria-live': 'polite' });
  const result = h('div', { id: 'import-result' });
  const fileField = field({ label: tx('file'), name: 'file', type: 'file', accept: '.csv,.tsv,.txt,.xlsx,.xlsm', required: true });
  const input = fileField.querySelector('input');
  const checkBtn = h('button', { class: 'btn primary', type: 'submit' }, tx('check'));
  let busy = false;
  const waiting = (on) => { // the buttons wait while the server reads the file
    for (const b of document.querySelectorAll('#import-form button, #import-result button')) b.disabled = on;
  };

  const file = () => input.files?.[0] ?? again?.[2] ?? null;
  let asked = null;
  /** One call to the server with the chosen file. */
  async function send(query, working) {
    if (busy) return null;
    if (!file()) { note.textContent = tx('choose_file'); input.focus(); return null; }
    busy = true;
    asked = query;
    note.textContent = tx(working);
    waiting(true);
    // the posyandu chosen for the rows naming none, with the query
    const sent = pos.value ? `${query || '?'}${query ? '&' : ''}posyandu_id=${encodeURIComponent(pos.value)}` : query;
    try {
      return await ctx.api.upload(`/imports/visits${sent}`, file());
    } catch (error) {
      if (error.kind === 'network') { // the signal gone: the result and its button stay, to press again
        note.textContent = t('online_only');
        window.addEventListener('online', () => { if (note.textContent === t('online_only')) note.textContent = ''; }, { once: true });
        return null;
      }
      show('refused', { kind: error.kind, body: error.body, message: error.message });
      return null;
    } finally {
      busy = false;
      waiting(false);
    }
  }

  const drawers = {
    refused(error) {
      const rows = refusedRows(error.body);
      const fileProblem = error.body?.errors?.file;
      // a file refused for its rows (422): said in the screen's words (the server's names accept_valid)
      note.textContent = rows.length ? tx('refused_all')
        : fileProblem ? tx('failed', { why: [].concat(fileProblem).join(' ') }) : tx('failed', { why: error.message });
      result.replaceChildren(...(rows.length ? [h('p', { class: 'notice bad' }, tx('recheck')),
        ...skippedList(error.body?.skipped_rows), ...refusedList(rows)] : []));
    },
    saved(answer) {
      note.textContent = tx('done');
      result.replaceChildren(h('h3', { tabindex: -1 }, tx('saved_title')),
        ...summary(answer), ...refusedList(refusedRows(answer)));
    },
    checked(answer) {
      note.textContent = '';
      const refused = refusedRows(answer);
      // a file of headings only (the template as downloaded): nothing to import, not "Impor sekarang" then "Tersimpan"
      const actions = !answer.rows && !refused.length ? [h('p', { class: 'notice warn', id: 'import-empty' }, tx('no_rows'))]
        : refused.length === 0
        ? [h('button', { class: 'btn primary', type: 'button', id: 'import-all', onclick: () => save('') }, tx('import_all'))]
        : answer.valid_rows > 0
          ? [h('p', { class: 'muted' }, tx('valid_help')),
            h('button', { class: 'btn', type: 'button', id: 'import-valid', onclick: () => save('?accept_valid=true') },
              tx('import_valid', { n: answer.valid_rows }))]
          : [];
      result.replaceChildren(h('h3', {}, tx('checked')), ...summary(answer), ...refusedList(refused), ...actions);
    },
  };
  const show = (name, answer) => { shown = [name, answer, file(), asked, pos.value]; drawers[name](answer); };

  async function save(query) {
    const answer = await send(query, 'importing');
    if (answer) {
      ctx.sync?.sync(); // her own phone pulls what she imported now, not at its next sync
      show('saved', answer);
    }
    // the button she pressed is gone with the result it was in: focus on what came instead
    if (!result.contains(document.activeElement)) {
      const to = answer ? result.querySelector('h3') : note; // refused: why
      to.tabIndex = -1;
      to.focus();
    }
  }

  async function check() {
    const answer = await send('?dry_run=true', 'checking');
    if (!answer) { // refused (a file it cannot read, too long): why, in sight (at 360 px below the fold)
      if (shown?.[0] === 'refused') { note.tabIndex = -1; note.focus(); }
      return;
    }
    show('checked', answer);
    (result.querySelector('#import-all, #import-valid') ?? result.querySelector('button'))?.focus(); // what she does next
  }

  const template = h('p', {}, h('button', { class: 'btn', type: 'button', id: 'import-template', onclick: async () => {
    try {
      note.textContent = tx('downloaded', { name: await saveDownload(ctx.api, '/imports/visits/template') });
    } catch (error) {
      note.textContent = error.kind === 'network' ? t('online_only') : tx('failed', { why: error.message });
    }
  } }, tx('template')), ' ', h('small', { class: 'muted' }, tx('template_help')));
  // another file or posyandu: the check said was of the one before
  const changed = () => { result.replaceChildren(); note.textContent = ''; shown = null; };
  input.addEventListener('change', changed);
  pos.addEventListener('change', changed);
  const form = h('form', { id: 'import-form', onsubmit: (e) => { e.preventDefault(); check(); } }, fileField, posField, checkBtn);
  if (again) {
    [, , , asked] = again;
    show(...again);
    if (asked === '?dry_run=true') send(asked, 'checking').then((answer) => answer && show('checked', answer)); // focus stays
  }
  return h('section', {}, h('h2', {}, tx('title')), h('p', { class: 'muted' }, tx('intro')), template, form, note, result);
}
