// "Puskesmas & posyandu" (admin): every puskesmas of the district with its posyandu; a new puskesmas
// or posyandu, one renamed or corrected (its code, kecamatan or desa, meeting day, address), a
// posyandu moved to another puskesmas after a second tap that says what follows (its kader and
// children go with it, the old puskesmas's bidan lose it), its children moved to another posyandu, or
// it closed once empty; and a kecamatan or desa added to the regions its forms offer.
// Online only: every step is the server's (/api/v1/puskesmas, /api/v1/posyandu). Fetched by app.js
// when an admin opens it from Settings, never part of the offline shell; its words are here. Its
// forms are sent, and the server's refusals put on their fields, as the "Pengguna" screen's.
import { allPages } from '../api.js';
import { t, textsOf } from '../i18n.js';
import { choice, field, h } from '../ui.js';
import { changes, grouped, posyanduBody, puskesmasBody } from './area-form.js';
import { regionText } from './user-form.js';
import { forgetAreas, regionNames, regionsAsked, submit, values } from './users.js';

/** [Bahasa Indonesia, English] */
export const W = {
  title: ['Puskesmas & posyandu', 'Health centres & posyandu'],
  add_puskesmas: ['Tambah puskesmas', 'Add a puskesmas'],
  add_posyandu: ['Tambah posyandu', 'Add a posyandu'],
  name: ['Nama', 'Name'],
  code: ['Kode puskesmas', 'Puskesmas code'],
  code_hint: ['Kode Kemenkes; boleh dikosongkan', 'Its Ministry of Health code; may be left empty'],
  kecamatan: ['Kode kecamatan', 'Kecamatan (sub-district) code'],
  kecamatan_hint: ['Kode Kemendagri, mis. 35.25.01', 'Kemendagri code, e.g. 35.25.01'],
  desa: ['Kode desa/kelurahan', 'Desa (village) code'],
  desa_hint: ['Kode Kemendagri, mis. 35.25.01.2001', 'Kemendagri code, e.g. 35.25.01.2001'],
  puskesmas: ['Puskesmas', 'Puskesmas (health centre)'],
  meeting_day: ['Tanggal buka setiap bulan', 'Day of the month it meets'],
  meeting_hint: ['1-31', '1-31'],
  address: ['Alamat', 'Address'],
  choose: ['— pilih —', '— choose —'],
  save_puskesmas: ['Simpan puskesmas', 'Save the puskesmas'],
  save_posyandu: ['Simpan posyandu', 'Save the posyandu'],
  save_edit: ['Simpan perubahan', 'Save changes'],
  saved: ['Tersimpan.', 'Saved.'],
  created: ['Tersimpan: {name} dibuat.', 'Saved: {name} created.'],
  unchanged: ['Tidak ada yang diubah.', 'Nothing changed.'],
  meets: ['Buka setiap tanggal {day}', 'Meets on day {day}'],
  count: ['{n} posyandu', '{n} posyandu'],
  none: ['Belum ada puskesmas.', 'No puskesmas yet.'],
  no_posyandu: ['Belum ada posyandu.', 'No posyandu yet.'],
  edit_puskesmas: ['Ubah {name}', 'Edit {name}'],
  move: ['Pindahkan ke puskesmas lain', 'Move to another puskesmas'],
  move_to: ['Puskesmas tujuan', 'Puskesmas to move it to'],
  move_button: ['Pindahkan', 'Move'],
  move_same: ['Pilih puskesmas lain dulu.', 'Choose another puskesmas first.'],
  move_confirm: ['Pindahkan {posyandu} dari {from} ke {to}? Kader dan anak-anak posyandu ini ikut pindah. Bidan {from} tidak lagi melihat posyandu ini dan anak-anaknya; bidan {to} melihatnya. HP bidan kedua puskesmas mengunduh ulang datanya, dan kode undangan orang tua yang dibuat bidan {from} dan belum dipakai dibatalkan.',
    'Move {posyandu} from {from} to {to}? Its cadres and children move with it. The midwives of {from} no longer see this posyandu and its children; those of {to} do. The phones of both puskesmas\'s midwives download their data again, and parents\' invitation codes made by the midwives of {from} and not yet used are cancelled.'],
  move_yes: ['Ya, pindahkan ke {to}', 'Yes, move it to {to}'],
  moved: ['Dipindahkan ke {to}.', 'Moved to {to}.'],
  children: ['Pindahkan semua anak ke posyandu lain', 'Move every child to another posyandu'],
  children_help: ['Sebelum posyandu ini ditutup, atau bila digabung dengan posyandu lain. Bulan-bulan sebelumnya tetap dihitung di posyandu ini.',
    'Before this posyandu closes, or when it merges with another. The months before stay counted at this posyandu.'],
  children_to: ['Posyandu tujuan', 'Posyandu to move them to'],
  children_button: ['Pindahkan anak-anak', 'Move the children'],
  children_confirm: ['Pindahkan semua anak {from} ke {to}? HP kader {from} tidak lagi menyimpan data anak-anak ini; HP kader {to} mengunduhnya. Kadernya tidak ikut pindah: ubah di Pengguna.',
    "Move every child of {from} to {to}? The phones of {from}'s cadres no longer keep these children's records; those of {to}'s cadres download them. Its cadres do not move: change them in Users."],
  children_yes: ['Ya, pindahkan ke {to}', 'Yes, move them to {to}'],
  children_moved: ['{n} anak dipindahkan ke {to}.', '{n} {n:child|children} moved to {to}.'],
  children_none: ['Tidak ada anak terdaftar di posyandu ini; tidak ada yang dipindahkan.', 'No child is registered at this posyandu; nothing moved.'],
  children_twice: ['{n} di antaranya mungkin sudah terdaftar di {to}: periksa di Kemungkinan anak ganda.',
    '{n} of them may be registered at {to} already: check them under Possible duplicate children.'],
  close: ['Tutup posyandu', 'Close the posyandu'],
  close_rule: ['Hanya posyandu tanpa anak terdaftar dan tanpa kader aktif yang dapat ditutup: pindahkan dulu anak-anak dan kadernya.',
    'Only a posyandu with no children registered and no active cadres can be closed: move its children and cadres first.'],
  reason: ['Alasan', 'Reason'],
  reason_hint: ['Disimpan di catatan audit; boleh dikosongkan', 'Kept in the audit log; may be left empty'],
  close_confirm: ['Tutup {name}? Posyandu ini tidak lagi muncul di daftar dan tidak dapat dipilih untuk anak atau kader.',
    'Close {name}? It will no longer be listed, nor offered for children or cadres.'],
  close_yes: ['Ya, tutup {name}', 'Yes, close {name}'],
  closed: ['Ditutup: {name}.', 'Closed: {name}.'],
  add_region: ['Tambah wilayah (kecamatan atau desa)', 'Add a region (kecamatan or desa)'],
  region_code: ['Kode wilayah', 'Region code'],
  region_hint: ['Kode Kemendagri; wilayah induknya harus sudah ada, mis. 35.25.03 atau 35.25.03.2001',
    'Kemendagri code; its parent region must exist, e.g. 35.25.03 or 35.25.03.2001'],
  region_name: ['Nama wilayah', 'Region name'],
  save_region: ['Simpan wilayah', 'Save the region'],
  region_saved: ['Tersimpan: wilayah {code} {name}.', 'Saved: region {code} {name}.'],
  region_same: ['Wilayah {code} {name} sudah ada; tidak ada yang diubah.', 'Region {code} {name} exists already; nothing changed.'],
  rename_confirm: ['Kode {code} sudah dipakai wilayah {old}. Ganti namanya menjadi {name}? Semua posyandu dan laporan wilayah ini memakai nama baru.',
    'Code {code} is already region {old}. Rename it to {name}? Every posyandu and report of this region takes the new name.'],
  rename_yes: ['Ya, ganti nama menjadi {name}', 'Yes, rename it to {name}'],
  back: ['Semua puskesmas & posyandu', 'All health centres & posyandu'],
  gone: ['Tidak ditemukan.', 'Not found.'],
};

/** A word of this screen, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

/** Per session (its api): a note to show once on the next drawing (a save done). */
const memory = new WeakMap();
const stateOf = (ctx) => {
  if (!memory.has(ctx.api)) memory.set(ctx.api, { flash: null });
  return memory.get(ctx.api);
};

/** The areas changed: the screens that keep them for the session (the users' and the reports'
 * pickers, the region names and suggestions: users.js) read them again when next shown. */
function areasChanged(ctx) {
  forgetAreas(ctx);
  if (ctx.reports) ctx.reports.areas = null;
}

/** `list`, a datalist, offered the regions under `parent` (a kabupaten's kecamatan, a kecamatan's
 * desa), their code typed and their name shown: a code can still be typed that is not among them. */
function suggest(ctx, list, parent) {
  if (!parent) return list.replaceChildren();
  return regionsAsked(ctx, `parent_code=${encodeURIComponent(parent)}`).then((items) => {
    if (list.dataset.parent === parent) list.replaceChildren(...items.map((r) => h('option', { value: r.code, label: r.name })));
  });
}
/** A region code's field, offered the regions of `parent()` (asked again on `retarget`). */
function regionField(ctx, { name, label, hint, value = '', parent }) {
  const list = h('datalist', { id: `${name}-options` });
  // the text keyboard: a decimal one typed in Indonesian may offer a comma and no dot
  const wrap = field({ label: tx(label), name, value, required: true, hint: tx(hint), list: list.id, autocomplete: 'off' });
  wrap.retarget = () => { list.dataset.parent = parent() ?? ''; suggest(ctx, list, parent()); };
  wrap.append(list);
  wrap.retarget();
  return wrap;
}

const offline = () => h('section', {}, h('h2', {}, tx('title')),
  h('p', { class: 'notice warn', role: 'alert', id: 'areas-offline' }, t('online_only')));
const backLink = () => h('p', {}, h('a', { href: '#/areas' }, `← ${tx('back')}`));
/** Each posyandu, its desa named by `regions` (region names by code: users.regionNames). */
const posyanduRow = (p, regions) => h('li', {}, h('a', { class: 'row', href: `#/areas/posyandu/${p.id}`, 'data-posyandu': p.id },
  h('span', { class: 'row-main' }, h('strong', {}, p.name),
    h('small', {}, [regionText(p.desa_code, regions), tx('meets', { day: p.meeting_day })].join(' · ')))));
const posyanduList = (items, regions) => (items.length ? h('ul', { class: 'list' }, items.map((p) => posyanduRow(p, regions)))
  : h('p', { class: 'muted' }, tx('no_posyandu')));
const puskesmasOptions = (puskesmas) => [...puskesmas].sort((a, b) => a.name.localeCompare(b.name)).map((p) => [p.id, p.name]);

/** A note said once (ctx.announce) when drawn after a save, else empty for the next. */
function noteOf(ctx, noteId) {
  const state = stateOf(ctx);
  const flash = state.flash?.id === noteId ? state.flash : null;
  if (flash) { state.flash = null; ctx.announce(flash.text); }
  return h('p', { id: noteId, role: 'status', class: flash ? 'notice ok' : null }, flash?.text ?? '');
}
/** Go to `hash` (or draw this screen again) with `text` said in the note `noteId`. */
function done(ctx, noteId, text, hash = null) {
  stateOf(ctx).flash = { id: noteId, text };
  areasChanged(ctx);
  if (hash) ctx.go(hash); else ctx.route();
}
function unchanged(note) {
  note.className = 'notice info';
  note.textContent = tx('unchanged');
}

/** The list: every puskesmas with its posyandu. */
async function list(ctx) {
  const [puskesmas, posyandu] = await Promise.all([allPages(ctx.api, '/puskesmas'), allPages(ctx.api, '/posyandu')]);
  const groups = grouped(puskesmas, posyandu);
  const regions = await regionNames(ctx, [...puskesmas.map((p) => p.kecamatan_code), ...posyandu.map((p) => p.desa_code)]);
  const note = noteOf(ctx, 'areas-note');
  return h('section', { class: 'areas' }, h('h2', {}, tx('title')), note,
    h('p', { class: 'actions' }, h('a', { class: 'btn primary', href: '#/areas/puskesmas/new' }, tx('add_puskesmas')), ' ',
      h('a', { class: 'btn', href: '#/areas/posyandu/new' }, tx('add_posyandu'))),
    groups.length ? groups.map((p) => h('section', { class: 'card', 'data-puskesmas': p.id, 'aria-labelledby': `pkm-${p.id}` },
      h('h3', { id: `pkm-${p.id}` }, p.name),
      h('p', { class: 'muted' }, [p.code, regionText(p.kecamatan_code, regions), tx('count', { n: p.posyandu.length })].filter(Boolean).join(' · ')),
      h('p', {}, h('a', { href: `#/areas/puskesmas/${p.id}` }, tx('edit_puskesmas', { name: p.name }))),
      posyanduList(p.posyandu, regions))) : h('p', { class: 'muted' }, tx('none')), regionForm(ctx));
}

/** A kecamatan or desa missing from the regions offered, added. A code already taken renames its
 * region (the server's rule): asked first, naming the old name, so a mistyped code renames nothing. */
function regionForm(ctx) {
  // one just saved: said here, the form left open for the next (a new kecamatan's desa)
  const note = noteOf(ctx, 'region-new-note');
  const button = h('button', { class: 'btn primary', type: 'submit' }, tx('save_region'));
  const step = confirmStep(button, 'region-rename');
  const form = h('form', { id: 'region-new', novalidate: true },
    field({ label: tx('region_code'), name: 'code', required: true, hint: tx('region_hint'), autocomplete: 'off' }),
    field({ label: tx('region_name'), name: 'name', required: true, autocomplete: 'off' }), note, step.ask, button);
  form.addEventListener('input', step.close);
  const save = async (code, name) => {
    const made = await submit(form, note, () => ctx.api.post('/regions', { code, name }));
    if (made) done(ctx, 'region-new-note', tx('region_saved', made)); // the names and suggestions read again (areasChanged)
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    note.className = ''; note.textContent = '';
    const code = values(form).code?.trim() ?? '';
    const name = values(form).name?.trim() ?? '';
    // the region of this code, if any (read fresh: another admin may have added it); unreadable: the server judges
    const known = code && name ? (await allPages(ctx.api, `/regions?code=${encodeURIComponent(code)}`).catch(() => []))
      .find((r) => r.code === code) : null;
    if (!known) return save(code, name);
    if (known.name === name) {
      note.className = 'notice info';
      note.textContent = tx('region_same', known);
      return null;
    }
    return step.open(tx('rename_confirm', { code, old: known.name, name }), tx('rename_yes', { name }), () => save(code, name));
  });
  return h('details', { class: 'card', id: 'region-add', open: Boolean(note.textContent) }, h('summary', {}, tx('add_region')), form);
}

/** The fields of a puskesmas (its name, code and kecamatan, offered those of the known kabupaten). */
function puskesmasFields(ctx, puskesmas, pkm = {}) {
  const kabupaten = [...new Set(puskesmas.map((p) => p.kabupaten_code))];
  return [field({ label: tx('name'), name: 'name', value: pkm.name ?? '', required: true, autocomplete: 'off' }),
    field({ label: tx('code'), name: 'code', value: pkm.code ?? '', hint: tx('code_hint'), autocomplete: 'off' }),
    regionField(ctx, { name: 'kecamatan_code', label: 'kecamatan', hint: 'kecamatan_hint', value: pkm.kecamatan_code,
      parent: () => pkm.kabupaten_code ?? (kabupaten.length === 1 ? kabupaten[0] : null) })];
}

/** The fields of a posyandu but its puskesmas; its desa offered among those of `kecamatan()`. */
function posyanduFields(ctx, kecamatan, pos = {}) {
  const desa = regionField(ctx, { name: 'desa_code', label: 'desa', hint: 'desa_hint', value: pos.desa_code, parent: kecamatan });
  return [field({ label: tx('name'), name: 'name', value: pos.name ?? '', required: true, autocomplete: 'off' }), desa,
    field({ label: tx('meeting_day'), name: 'meeting_day', value: pos.meeting_day ?? '', required: true, hint: tx('meeting_hint'),
      inputmode: 'numeric', autocomplete: 'off' }),
    field({ label: tx('address'), name: 'address', value: pos.address ?? '', autocomplete: 'off' })];
}

/** A new puskesmas; made, back to the list. */
async function newPuskesmas(ctx) {
  const puskesmas = await allPages(ctx.api, '/puskesmas');
  const note = h('p', { id: 'puskesmas-new-note', role: 'status' });
  const form = h('form', { class: 'card', id: 'puskesmas-new', novalidate: true }, puskesmasFields(ctx, puskesmas), note,
    h('button', { class: 'btn primary', type: 'submit' }, tx('save_puskesmas')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const made = await submit(form, note, () => ctx.api.post('/puskesmas', puskesmasBody(values(form))));
    if (made) done(ctx, 'areas-note', tx('created', { name: made.name }), '#/areas');
  });
  return h('section', { class: 'areas' }, backLink(), h('h2', {}, tx('add_puskesmas')), form);
}

/** A new posyandu at the puskesmas chosen; made, to its own page. */
async function newPosyandu(ctx) {
  const puskesmas = await allPages(ctx.api, '/puskesmas');
  const note = h('p', { id: 'posyandu-new-note', role: 'status' });
  const pkm = choice({ label: tx('puskesmas'), name: 'puskesmas_id', required: true, options: [['', tx('choose')], ...puskesmasOptions(puskesmas)] });
  const select = pkm.querySelector('select');
  const fields = posyanduFields(ctx, () => puskesmas.find((p) => p.id === select.value)?.kecamatan_code);
  select.addEventListener('change', () => fields[1].retarget());
  const form = h('form', { class: 'card', id: 'posyandu-new', novalidate: true }, fields[0], pkm, fields.slice(1), note,
    h('button', { class: 'btn primary', type: 'submit' }, tx('save_posyandu')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const made = await submit(form, note, () => ctx.api.post('/posyandu', posyanduBody(values(form))));
    if (made) done(ctx, 'posyandu-edit-note', tx('created', { name: made.name }), `#/areas/posyandu/${made.id}`);
  });
  return h('section', { class: 'areas' }, backLink(), h('h2', {}, tx('add_posyandu')), form);
}

const notFound = () => h('section', { class: 'areas' }, h('h2', {}, tx('title')),
  h('p', { class: 'notice bad', role: 'alert' }, tx('gone')), backLink());

/** One puskesmas: its name, code and kecamatan corrected; its posyandu. */
async function editPuskesmas(ctx, id) {
  const [puskesmas, posyandu] = await Promise.all([allPages(ctx.api, '/puskesmas'),
    allPages(ctx.api, `/posyandu?puskesmas_id=${encodeURIComponent(id)}`).catch((error) => { // one not hers: 404
      if (error.status === 404 || error.status === 422) return null;
      throw error;
    })]);
  const pkm = posyandu && puskesmas.find((p) => p.id === id);
  if (!pkm) return notFound();
  const note = noteOf(ctx, 'puskesmas-edit-note');
  const form = h('form', { class: 'card', id: 'puskesmas-edit', novalidate: true }, puskesmasFields(ctx, puskesmas, pkm), note,
    h('button', { class: 'btn primary', type: 'submit' }, tx('save_edit')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = changes(pkm, puskesmasBody(values(form)));
    if (!Object.keys(body).length) return unchanged(note);
    if (await submit(form, note, () => ctx.api.request('PATCH', `/puskesmas/${pkm.id}`, body))) done(ctx, note.id, tx('saved'));
    return null;
  });
  const regions = await regionNames(ctx, posyandu.map((p) => p.desa_code));
  return h('section', { class: 'areas' }, backLink(), h('h2', {}, pkm.name), form,
    h('h3', {}, tx('count', { n: posyandu.length })), posyanduList(grouped([pkm], posyandu)[0].posyandu, regions));
}

/** A form's second tap: its submit button hidden under `words` and a danger button doing `work`
 * (once, however often tapped), or a cancel that gives the button back. */
function confirmStep(button, name) {
  const ask = h('div', { class: 'notice warn', id: `${name}-confirm`, hidden: true });
  const close = () => { ask.hidden = true; ask.replaceChildren(); button.hidden = false; };
  const open = (words, yesWords, work) => {
    const text = h('p', { id: `${name}-words` }, words);
    const yes = h('button', { class: 'btn danger', type: 'button', 'aria-describedby': text.id, onclick: async () => {
      yes.disabled = true;
      await work();
      yes.disabled = false;
    } }, yesWords);
    ask.replaceChildren(text, yes, ' ', h('button', { class: 'btn', type: 'button', onclick: () => { close(); button.focus(); } }, t('cancel')));
    ask.hidden = false;
    button.hidden = true;
    yes.focus();
  };
  return { ask, open, close };
}

/** A second tap refused: the question closed, and the focus, on its "Ya" button gone with it, back on the
 * form's button (unless the refusal took it to a field). */
function refused(step, form, button) {
  step.close();
  if (!form.contains(document.activeElement)) button.focus();
}

/** The move form: the puskesmas to go to, then a second tap under the words of what follows. */
function moveForm(ctx, pos, puskesmas) {
  const nameOf = (id) => puskesmas.find((p) => p.id === id)?.name ?? id;
  const note = noteOf(ctx, 'posyandu-move-note');
  const pick = choice({ label: tx('move_to'), name: 'puskesmas_id', value: pos.puskesmas_id, required: true, options: puskesmasOptions(puskesmas) });
  const button = h('button', { class: 'btn', type: 'submit' }, tx('move_button'));
  const step = confirmStep(button, 'posyandu-move');
  const form = h('form', { class: 'card', id: 'posyandu-move', novalidate: true }, h('h3', {}, tx('move')), pick, note, step.ask, button);
  pick.querySelector('select').addEventListener('change', step.close);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    note.className = ''; note.textContent = '';
    const to = form.elements.puskesmas_id.value;
    if (to === pos.puskesmas_id) {
      note.className = 'notice info';
      note.textContent = tx('move_same');
      return;
    }
    const words = { posyandu: pos.name, from: nameOf(pos.puskesmas_id), to: nameOf(to) };
    step.open(tx('move_confirm', words), tx('move_yes', words), async () => {
      const moved = await submit(form, note, () => ctx.api.request('PATCH', `/posyandu/${pos.id}`, { puskesmas_id: to }));
      if (moved) done(ctx, note.id, tx('moved', { to: words.to }));
    });
  });
  return form;
}

/** The form moving every child of `pos` to another posyandu (`posyandu`: every open one, each named
 * with its puskesmas), then a second tap under the words of what follows; the answer says how many
 * moved, and how many may be registered twice there. */
function childrenForm(ctx, pos, puskesmas, posyandu) {
  const others = grouped(puskesmas, posyandu.filter((p) => p.id !== pos.id))
    .flatMap((pkm) => pkm.posyandu.map((p) => [p.id, `${p.name} (${pkm.name})`]));
  const note = noteOf(ctx, 'posyandu-children-note');
  const button = h('button', { class: 'btn', type: 'submit' }, tx('children_button'));
  const step = confirmStep(button, 'posyandu-children');
  const form = h('form', { class: 'card', id: 'posyandu-children', novalidate: true }, h('h3', {}, tx('children')),
    h('p', { class: 'muted' }, tx('children_help')),
    choice({ label: tx('children_to'), name: 'to_posyandu_id', required: true, options: [['', tx('choose')], ...others] }),
    field({ label: tx('reason'), name: 'reason', hint: tx('reason_hint'), autocomplete: 'off' }), note, step.ask, button);
  form.addEventListener('input', step.close);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const { to_posyandu_id: to, reason } = values(form);
    const words = { from: pos.name, to: posyandu.find((p) => p.id === to)?.name };
    if (!to) {  // the server's "wajib diisi", on the field
      submit(form, note, () => ctx.api.post(`/posyandu/${pos.id}/move-children`, {}));
      return;
    }
    step.open(tx('children_confirm', words), tx('children_yes', words), async () => {
      const moved = await submit(form, note, () => ctx.api.post(`/posyandu/${pos.id}/move-children`,
        { to_posyandu_id: to, reason: reason?.trim() || null }));
      if (!moved) return refused(step, form, button);
      const said = moved.moved ? tx('children_moved', { n: moved.moved, to: words.to }) : tx('children_none');
      return done(ctx, note.id, moved.possible_duplicates ? `${said} ${tx('children_twice', { n: moved.possible_duplicates, to: words.to })}` : said);
    });
  });
  return form;
}

/** The close form: a reason for the audit log, then a second tap. The server refuses (409, said in
 * the note) while children or active kader are still there, naming the kader. */
function closeForm(ctx, pos) {
  const note = h('p', { id: 'posyandu-close-note', role: 'status' });
  const button = h('button', { class: 'btn', type: 'submit' }, tx('close'));
  const step = confirmStep(button, 'posyandu-close');
  const form = h('form', { class: 'card', id: 'posyandu-close', novalidate: true }, h('h3', {}, tx('close')),
    h('p', { class: 'muted' }, tx('close_rule')),
    field({ label: tx('reason'), name: 'reason', hint: tx('reason_hint'), autocomplete: 'off' }), note, step.ask, button);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    note.className = ''; note.textContent = '';
    step.open(tx('close_confirm', pos), tx('close_yes', pos), async () => {
      const reason = values(form).reason?.trim();
      const path = `/posyandu/${pos.id}${reason ? `?reason=${encodeURIComponent(reason)}` : ''}`;
      if (await submit(form, note, () => ctx.api.request('DELETE', path).then(() => true))) {
        done(ctx, 'areas-note', tx('closed', pos), '#/areas');
      } else refused(step, form, button);
    });
  });
  return form;
}

/** One posyandu: its name, desa, meeting day and address corrected; moved to another puskesmas; its children
 * moved to another posyandu; closed. */
async function editPosyandu(ctx, id) {
  let pos;
  try {
    pos = await ctx.api.get(`/posyandu/${id}`);
  } catch (error) {
    if (error.status === 404 || error.status === 422) return notFound();
    throw error;
  }
  const [puskesmas, posyandu] = await Promise.all([allPages(ctx.api, '/puskesmas'), allPages(ctx.api, '/posyandu')]);
  const note = noteOf(ctx, 'posyandu-edit-note');
  const form = h('form', { class: 'card', id: 'posyandu-edit', novalidate: true },
    posyanduFields(ctx, () => puskesmas.find((p) => p.id === pos.puskesmas_id)?.kecamatan_code, pos), note,
    h('button', { class: 'btn primary', type: 'submit' }, tx('save_edit')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = changes(pos, posyanduBody({ ...values(form), puskesmas_id: pos.puskesmas_id }));
    if (!Object.keys(body).length) return unchanged(note);
    if (await submit(form, note, () => ctx.api.request('PATCH', `/posyandu/${pos.id}`, body))) done(ctx, note.id, tx('saved'));
    return null;
  });
  const at = puskesmas.find((p) => p.id === pos.puskesmas_id);
  return h('section', { class: 'areas' }, backLink(), h('h2', {}, pos.name),
    h('p', { class: 'muted', id: 'posyandu-at' }, at ? h('a', { href: `#/areas/puskesmas/${at.id}` }, at.name) : null),
    form, moveForm(ctx, pos, puskesmas), childrenForm(ctx, pos, puskesmas, posyandu), closeForm(ctx, pos));
}

/** The screen for `which`: null the list; 'puskesmas/new', 'posyandu/new' a new one; 'puskesmas/<id>',
 * 'posyandu/<id>' one. Offline (or the server out of reach), it says it needs the internet. */
export async function render(ctx, which = null) {
  const [kind, id] = which?.split('/') ?? [];
  try {
    if (!kind) return await list(ctx);
    if (id === 'new') return await (kind === 'puskesmas' ? newPuskesmas(ctx) : newPosyandu(ctx));
    return await (kind === 'puskesmas' ? editPuskesmas(ctx, id) : editPosyandu(ctx, id));
  } catch (error) {
    if (error.kind !== 'network') throw error;
    return offline();
  }
}
