// "Tabel KBM" (admin): the KBM table (kenaikan berat badan minimal, the least monthly gain that is N)
// the server and every phone judge N/T by. Printed sources disagree (domain.md), so an admin publishes
// the district's: each month's grams, where it comes from, then a second tap; the server judges every
// child's N/T again by it, in batches, and this screen follows how many still wait. Online only
// (GET/POST /api/v1/growth/kbm, GET /growth/recompute). Fetched by app.js when an admin opens it,
// never part of the offline shell; its words are here.
import { t, textsOf } from '../i18n.js';
import { confirmed, field, h, showErrors } from '../ui.js';

/** [Bahasa Indonesia, English] */
export const W = {
  title: ['Tabel KBM', 'KBM table'],
  intro: ['Kenaikan berat badan minimal (gram) menurut umur dalam bulan penuh: kenaikan sebesar ini atau lebih dinilai N (naik), kurang dari ini T. Semua HP dan laporan memakai tabel yang berlaku. Menerbitkan tabel baru menilai ulang N/T semua anak.',
    'Minimum weight gain (grams) by age in completed months: a gain this large or more is N (gained), less is T. Every phone and report uses the table in force. Publishing a new table judges every child\'s N/T again.'],
  in_force: ['Berlaku: versi {version}, {source}', 'In force: version {version}, {source}'],
  built_in: ['Berlaku: tabel bawaan (Buku KIA)', 'In force: the built-in table (Buku KIA)'],
  month: ['{m} bulan', '{m} {m:month|months}'],
  grams: ['gram', 'grams'],
  source: ['Sumber tabel', 'Source of the table'],
  source_hint: ['Mis. nomor surat atau buku pedoman yang dipakai (3-255 karakter)', 'E.g. the letter or guideline it comes from (3-255 characters)'],
  publish: ['Terbitkan tabel', 'Publish the table'],
  publish_yes: ['Ya, terbitkan dan nilai ulang N/T semua anak', 'Yes, publish and judge every child\'s N/T again'],
  publishing: ['Menerbitkan…', 'Publishing…'],
  published: ['Tabel versi {version} terbit.', 'Table version {version} published.'],
  pending: ['N/T {n} anak masih dinilai ulang oleh server.', 'The server is still judging the N/T of {n} {n:child|children} again.'],
  all_done: ['N/T semua anak sudah dinilai dengan tabel ini.', 'Every child\'s N/T is judged by this table.'],
  bad_grams: ['1-2000 gram, bilangan bulat', '1-2000 grams, a whole number'],
  month_one: ['Bulan 1 wajib diisi', 'Month 1 is required'],
  failed: ['Gagal: {why}', 'Failed: {why}'],
};

/** A word of this screen, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

const MONTHS = 60;
const POLL_MS = 10000; // how often the screen asks how many children still wait

/** The table to publish from the form's values ({`m1`…`m60`: text}): `{grams_by_month}` with each
 * month given (a month left empty takes the previous month's value, as the server does), or
 * `{errors}` by field name. Month 1 is required; grams are whole numbers from 1 to 2000. */
export function tableFrom(values) {
  const grams = {};
  const errors = {};
  for (let m = 1; m <= MONTHS; m += 1) {
    const text = String(values[`m${m}`] ?? '').trim();
    if (text === '') {
      if (m === 1) errors.m1 = [tx('month_one')];
      continue;
    }
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1 || n > 2000) errors[`m${m}`] = [tx('bad_grams')];
    else grams[String(m)] = n;
  }
  return Object.keys(errors).length ? { errors } : { grams_by_month: grams };
}

/** The server's field errors ({grams_by_month: {month: …}, source: […]}) by the form's field names. */
export function formErrors(body) {
  const errors = body?.errors ?? {};
  const out = {};
  const byMonth = errors.grams_by_month;
  if (Array.isArray(byMonth)) out.m1 = byMonth; // about the table as a whole (month 1 missing)
  else if (byMonth && typeof byMonth === 'object') {
    for (const [month, problem] of Object.entries(byMonth)) {
      out[`m${month}`] = Object.values(problem ?? {}).flat().filter((v) => typeof v === 'string');
    }
  }
  if (errors.source) out.source = errors.source;
  return out;
}

/** `note` says how many children's N/T the server still judges again (`show(n)`, or `ask()` it the
 * server), asked again every POLL_MS while some wait and the screen is still hers. */
function waitingNote(ctx, note) {
  let timer = null;
  const ask = async () => {
    try {
      show((await ctx.api.get('/growth/recompute')).pending);
    } catch {
      note.textContent = '';
    }
  };
  const show = (pending) => {
    clearTimeout(timer);
    note.textContent = pending ? tx('pending', { n: pending }) : tx('all_done');
    if (pending) timer = setTimeout(() => { if (note.isConnected) ask(); }, POLL_MS);
  };
  return { ask, show };
}

export async function render(ctx) {
  let table;
  try {
    table = await ctx.api.get('/growth/kbm');
  } catch (error) {
    if (error.kind !== 'network') throw error;
    return h('section', { class: 'kbm' }, h('h2', {}, tx('title')),
      h('p', { class: 'notice warn', role: 'alert', id: 'kbm-table-offline' }, t('online_only')));
  }
  const grams = table.grams_by_month ?? {};
  const note = h('p', { id: 'kbm-note', role: 'status', 'aria-live': 'polite' });
  const waiting = h('p', { id: 'kbm-pending', role: 'status', 'aria-live': 'polite' });
  const follow = waitingNote(ctx, waiting);
  const inForce = h('p', { id: 'kbm-in-force' },
    table.version ? tx('in_force', { version: table.version, source: table.source }) : tx('built_in'));
  const months = h('div', { class: 'kbm-months' }, ...Array.from({ length: MONTHS }, (_, i) =>
    field({ label: `${tx('month', { m: i + 1 })} (${tx('grams')})`, name: `m${i + 1}`, type: 'number', inputmode: 'numeric',
      min: 1, max: 2000, step: 1, value: grams[String(i + 1)] ?? '', required: i === 0 })));
  const form = h('form', { class: 'card', novalidate: true, id: 'kbm-form' },
    months,
    field({ label: tx('source'), name: 'source', required: true, hint: tx('source_hint'), maxlength: 255 }),
    note);
  let busy = false;
  const publish = async () => {
    if (busy) return;
    const values = Object.fromEntries(new FormData(form));
    const made = tableFrom(values);
    const source = String(values.source ?? '').trim();
    const errors = { ...made.errors, ...(source.length < 3 ? { source: [tx('source_hint')] } : {}) };
    if (!showErrors(form, errors)) return;
    busy = true;
    note.textContent = tx('publishing');
    try {
      const answer = await ctx.api.post('/growth/kbm', { grams_by_month: made.grams_by_month, source });
      note.textContent = tx('published', { version: answer.version });
      inForce.textContent = tx('in_force', { version: answer.version, source: answer.source });
      follow.show(answer.recompute_pending);
      // done: the question closes (a tap more published the same table again) and the next asks its own source
      form.elements.source.value = '';
      confirm.querySelector('button:not(.danger)')?.click();
      ctx.sync?.sync(); // her own phone judges N/T by the new table from its next fetch
    } catch (error) {
      const fields = formErrors(error.body);
      if (!Object.keys(fields).length || showErrors(form, fields)) {
        note.textContent = error.kind === 'network' ? t('online_only') : tx('failed', { why: error.message });
      } else note.textContent = '';
    } finally {
      busy = false;
    }
  };
  const confirm = confirmed(tx('publish'), tx('publish_yes'), publish);
  // Enter in a field asks the question, as the first tap does: publishing takes the second
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (!confirm.querySelector('.danger')) confirm.querySelector('button').click();
  });
  form.append(h('p', {}, confirm));
  follow.ask();
  return h('section', { class: 'kbm' }, h('h2', {}, tx('title')), h('p', { class: 'muted' }, tx('intro')), inForce, waiting, form);
}
