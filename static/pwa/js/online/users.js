// "Pengguna" (admin): the accounts of the district, searched and filtered, a new one made (a kader
// at her posyandu, a bidan at her puskesmas, a dinkes account for its region), one edited (name,
// role, area, phone), given a temporary password (not her own: changed in Settings), or switched
// off (a second tap) and on again.
// Online only: every step is the server's (/api/v1/users). Fetched by app.js when an admin opens
// it, never part of the offline shell (scripts/pwa_precache.py leaves js/online/ out); its words
// are here, not in the shell's dictionary. It uses only the shell's long-standing helpers.
import { allPages } from '../api.js';
import { t, textsOf } from '../i18n.js';
import { choice, confirmed, field, h, showErrors } from '../ui.js';
import { PAGE_SIZE, SCOPE_FIELD, STAFF_ROLES, areaText, listQuery, newUserBody, regionQuery, splitErrors, userChanges } from './user-form.js';

/** [Bahasa Indonesia, English] */
export const W = {
  title: ['Pengguna', 'Users'],
  search: ['Cari nama atau nama pengguna', 'Search a name or username'],
  role: ['Peran', 'Role'],
  all_roles: ['Semua peran', 'All roles'],
  posyandu: ['Posyandu', 'Posyandu'],
  puskesmas: ['Puskesmas', 'Puskesmas (health centre)'],
  all: ['Semua', 'All'],
  status: ['Status', 'Status'],
  active: ['Aktif', 'Active'],
  inactive: ['Nonaktif', 'Switched off'],
  find: ['Cari', 'Search'],
  add: ['Tambah pengguna', 'Add a user'],
  more: ['Muat lagi', 'Load more'],
  shown: ['{n} pengguna ditampilkan', '{n} {n:user|users} shown'],
  none: ['Tidak ada pengguna yang cocok.', 'No user matches.'],
  closed_tag: ['Posyandu ditutup', 'Posyandu closed'],
  name: ['Nama lengkap', 'Full name'],
  username: ['Nama pengguna', 'Username'],
  username_hint: ['3-80 huruf, angka, atau _ . - @, tanpa spasi; untuk masuk', '3-80 letters, digits or _ . - @, no spaces; to log in'],
  password: ['Kata sandi sementara', 'Temporary password'],
  password_hint: ['Minimal 8 karakter, tidak mudah ditebak (bukan nama pengguna atau nama aplikasi). Sampaikan langsung kepadanya: saat masuk, aplikasi memintanya menggantinya dengan kata sandi sendiri.',
    'At least 8 characters, not easy to guess (not the username or the app\'s name). Tell it to them in person: at their login, the app asks them to replace it with their own.'],
  region: ['Kode wilayah', 'Region code'],
  region_hint: ['Kode Kemendagri, mis. 35.25 untuk satu kabupaten', 'Kemendagri code, e.g. 35.25 for a district'],
  phone: ['Nomor HP', 'Phone number'],
  choose: ['— pilih —', '— choose —'],
  save_new: ['Simpan pengguna', 'Save user'],
  save_edit: ['Simpan perubahan', 'Save changes'],
  saved: ['Tersimpan.', 'Saved.'],
  created: ['Tersimpan: akun {name} dibuat.', 'Saved: account {name} created.'],
  unchanged: ['Tidak ada yang diubah.', 'Nothing changed.'],
  reset: ['Atur ulang kata sandi', 'Reset the password'],
  reset_field: ['Kata sandi sementara baru', 'New temporary password'],
  own_password: ['Kata sandi Anda sendiri diganti di Pengaturan (kata sandi sekarang diminta).',
    'Your own password is changed in Settings (it asks for the current one).'],
  reset_done: ['Kata sandi sementara disimpan. Sampaikan langsung kepadanya; setiap HP yang masuk dengan akun ini harus masuk lagi (datanya tetap tersimpan), lalu mengganti kata sandi ini dengan kata sandi sendiri.',
    'Temporary password saved. Tell it to them in person; every phone logged in with this account must log in again (its data is kept), then replace it with their own.'],
  temporary_tag: ['Sandi sementara', 'Temporary password'],
  temporary_notice: ['Pengguna ini belum mengganti kata sandi sementara: akunnya belum bisa dipakai sampai dia masuk dan memilih kata sandi sendiri.',
    'This user has not replaced the temporary password yet: the account cannot be used until they log in and choose their own.'],
  account: ['Akun', 'Account'],
  off: ['Nonaktifkan', 'Switch off'],
  off_yes: ['Ya, nonaktifkan akun ini', 'Yes, switch this account off'],
  off_help: ['Akun nonaktif tidak bisa masuk, dan HP-nya tidak bisa mengirim data yang masih tersimpan di sana sampai diaktifkan lagi.',
    'A switched-off account cannot log in, and its phones cannot send what they still hold until it is switched on again.'],
  on: ['Aktifkan lagi', 'Switch on again'],
  switched_off: ['Akun dinonaktifkan.', 'Account switched off.'],
  switched_on: ['Akun diaktifkan lagi.', 'Account switched on again.'],
  state: ['Status: {state}', 'Status: {state}'],
  closed_owner: ['Akun ditutup oleh pemiliknya', 'Account closed by its owner'],
  closed_owner_help: ['Orang tua ini menarik persetujuannya; akunnya tidak dapat diaktifkan lagi. Dia dapat mendaftar lagi dengan kode undangan baru.',
    'This parent withdrew her consent; the account cannot be switched on again. She can sign up again with a new invitation code.'],
  closed_notice: ['Posyandu kader ini sudah ditutup: dia tidak melihat anak dan tidak bisa mendaftarkan anak. Pindahkan ke posyandu yang buka, atau nonaktifkan.',
    "This cadre's posyandu is closed: she sees no child and can register none. Move her to an open posyandu, or switch her off."],
  back: ['Semua pengguna', 'All users'],
  gone: ['Pengguna ini tidak ditemukan.', 'This user was not found.'],
  failed: ['Gagal: {why}', 'Failed: {why}'],
};

/** A word of this screen, filled by the shell's t() (a text that is no key of its dictionary): the
 * same {placeholders} and English {n:one|many} counts. */
export const tx = textsOf(W);

/** Per session (its api): the list's search and filters (kept when she comes back from a user), the
 * area and region names, and a note to show once on the next drawing (a save done). */
const memory = new WeakMap();
const stateOf = (ctx) => {
  if (!memory.has(ctx.api)) memory.set(ctx.api, { filters: {}, areas: null, regions: new Map(), flash: null });
  return memory.get(ctx.api);
};

/** Open posyandu and every puskesmas, by id, with their names: read once a session, again once
 * forgotten (forgetAreas: one added, renamed or moved on the "Puskesmas & posyandu" screen). */
async function areas(ctx) {
  const state = stateOf(ctx);
  state.areas ??= Promise.all([allPages(ctx.api, '/posyandu'), allPages(ctx.api, '/puskesmas')])
    .then(async ([posyandu, puskesmas]) => {
      // a name another open posyandu of the kabupaten has ("Posyandu" before it and case aside) with its desa, as
      // the reports name it: two "Posyandu Mawar" in the kader form, no telling which one she was put at
      const same = (p) => `${p.kabupaten_code} ${p.name.toLowerCase().replace(/^posyandu /, '')}`;
      const count = new Map();
      for (const p of posyandu) count.set(same(p), (count.get(same(p)) ?? 0) + 1);
      const desa = await regionNames(ctx, posyandu.filter((p) => count.get(same(p)) > 1).map((p) => p.desa_code));
      return {
        posyandu: new Map(posyandu.map((p) => [p.id, count.get(same(p)) > 1 ? `${p.name} (${desa.get(p.desa_code) ?? p.desa_code})` : p.name])),
        puskesmas: new Map(puskesmas.map((p) => [p.id, p.name])),
      };
    })
    .catch((error) => { state.areas = null; throw error; });
  return state.areas;
}

export const forgetAreas = (ctx) => {
  const state = stateOf(ctx);
  state.areas = null;
  state.regions.clear();
};

/** The regions a /regions `query` gives, read once a session (again after forgetAreas or a failure:
 * none, then). Also the "Puskesmas & posyandu" screen's (online/areas.js). */
export function regionsAsked(ctx, query) {
  const { regions } = stateOf(ctx);
  if (!regions.has(query)) {
    regions.set(query, allPages(ctx.api, `/regions?${query}`).catch(() => { regions.delete(query); return []; }));
  }
  return regions.get(query);
}

/** The names of the regions of `codes` (a Map by code), each read with its siblings (regionQuery). */
export async function regionNames(ctx, codes) {
  const lists = await Promise.all([...new Set(codes.filter(Boolean).map(regionQuery))].map((q) => regionsAsked(ctx, q)));
  return new Map(lists.flat().map((r) => [r.code, r.name]));
}

const byName = (map) => [...map].sort((a, b) => a[1].localeCompare(b[1]));
const offline = () => h('p', { class: 'notice warn', role: 'alert', id: 'users-offline' }, t('online_only'));
/** An error the server gave no field for, in the user's words. */
const why = (error) => (error.kind === 'network' ? t('online_only') : tx('failed', { why: error.message }));

/** Send `work` from `form`; the server's field errors shown on their fields, anything else in `note`
 * (also the "Puskesmas & posyandu" screen's forms: online/areas.js). */
export async function submit(form, note, work) {
  const button = form.querySelector('button[type=submit]');
  note.className = ''; note.textContent = '';
  showErrors(form, {});
  button.disabled = true;
  try {
    return await work();
  } catch (error) {
    const names = [...form.elements].map((e) => e.name).filter(Boolean);
    const { onFields, elsewhere } = error.status === 422 ? splitErrors(error.body?.errors, names) : { onFields: {}, elsewhere: [] };
    showErrors(form, onFields);
    if (elsewhere.length || !Object.keys(onFields).length) {
      note.className = 'notice bad';
      note.textContent = elsewhere.length ? elsewhere.join(' ') : why(error);
    }
    return null;
  } finally {
    button.disabled = false;
  }
}

/** The role select and the area fields; only the area of the role chosen is shown. */
function roleAndArea(names, user = {}) {
  const roles = STAFF_ROLES.includes(user.role) || !user.role ? STAFF_ROLES : [...STAFF_ROLES, user.role];
  const role = choice({ label: tx('role'), name: 'role', value: user.role ?? 'kader', required: true,
    options: roles.map((r) => [r, t(`role_${r}`)]) });
  const posyandu = [...byName(names.posyandu)];
  if (user.posyandu_id && !names.posyandu.has(user.posyandu_id)) { // her posyandu closed: kept unless moved
    posyandu.unshift([user.posyandu_id, tx('closed_tag')]);
  }
  const scope = {
    posyandu_id: choice({ label: tx('posyandu'), name: 'posyandu_id', value: user.posyandu_id ?? '', required: true,
      options: [['', tx('choose')], ...posyandu] }),
    puskesmas_id: choice({ label: tx('puskesmas'), name: 'puskesmas_id', value: user.puskesmas_id ?? '', required: true,
      options: [['', tx('choose')], ...byName(names.puskesmas)] }),
    // the text keyboard: a decimal one typed in Indonesian may offer a comma and no dot (35.25)
    region_code: field({ label: tx('region'), name: 'region_code', value: user.region_code ?? '', hint: tx('region_hint'),
      required: true, autocomplete: 'off' }),
  };
  const select = role.querySelector('select');
  const show = () => {
    for (const [name, wrap] of Object.entries(scope)) wrap.hidden = SCOPE_FIELD[select.value] !== name;
  };
  select.addEventListener('change', show);
  show();
  return [role, ...Object.values(scope)];
}

export const values = (form) => Object.fromEntries([...form.elements].filter((e) => e.name).map((e) => [e.name, e.value]));

/** The list: search and filters, a page of users, more on "Muat lagi". */
async function list(ctx) {
  const state = stateOf(ctx);
  const names = await areas(ctx);
  const f = state.filters;
  const form = h('form', { class: 'card', id: 'users-search', role: 'search', novalidate: true },
    field({ label: tx('search'), name: 'q', type: 'search', value: f.q ?? '', autocomplete: 'off' }),
    choice({ label: tx('role'), name: 'role', value: f.role ?? '',
      options: [['', tx('all_roles')], ...['kader', 'bidan', 'dinkes', 'admin', 'parent'].map((r) => [r, t(`role_${r}`)])] }),
    choice({ label: tx('posyandu'), name: 'posyandu_id', value: f.posyandu_id ?? '', options: [['', tx('all')], ...byName(names.posyandu)] }),
    choice({ label: tx('puskesmas'), name: 'puskesmas_id', value: f.puskesmas_id ?? '', options: [['', tx('all')], ...byName(names.puskesmas)] }),
    choice({ label: tx('status'), name: 'active', value: f.active ?? '',
      options: [['', tx('all')], ['true', tx('active')], ['false', tx('inactive')]] }),
    h('button', { class: 'btn', type: 'submit' }, tx('find')));
  const items = h('ul', { class: 'list', id: 'users-list' });
  const summary = h('p', { class: 'muted', id: 'users-summary', role: 'status' });
  const more = h('button', { class: 'btn', type: 'button', id: 'users-more', hidden: true }, tx('more'));
  const note = h('p', { id: 'users-note' });
  let cursor = null;

  const row = (u, region) => h('li', {}, h('a', { class: 'row', href: `#/users/${u.id}` },
    h('span', { class: 'row-main' }, h('strong', {}, u.name),
      h('small', {}, [u.username, t(`role_${u.role}`), areaText(u, { ...names, region }, tx('closed_tag'))].filter(Boolean).join(' · '))),
    h('span', { class: 'row-tags' },
      u.active ? null : h('span', { class: 'tag bad' }, tx(u.account_closed ? 'closed_owner' : 'inactive')),
      u.posyandu_closed ? h('span', { class: 'tag bad' }, tx('closed_tag')) : null,
      u.must_change_password ? h('span', { class: 'tag' }, tx('temporary_tag')) : null)));
  const load = async (fresh) => {
    if (fresh) cursor = null;
    more.disabled = true;
    try {
      const page = await ctx.api.get(`/users${listQuery(state.filters, cursor, PAGE_SIZE)}`);
      const region = await regionNames(ctx, page.items.map((u) => u.role === 'dinkes' && u.region_code));
      if (fresh) items.replaceChildren();
      items.append(...page.items.map((u) => row(u, region)));
      if (!items.children.length) items.append(h('li', { class: 'muted' }, tx('none')));
      cursor = page.next_cursor;
      more.hidden = !cursor;
      note.className = ''; note.textContent = '';
      summary.textContent = items.querySelector('a') ? tx('shown', { n: items.querySelectorAll('a').length }) : '';
    } catch (error) {
      note.className = 'notice bad';
      note.textContent = why(error);
    } finally {
      more.disabled = false;
    }
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    state.filters = values(form);
    load(true);
  });
  more.addEventListener('click', () => load(false));
  await load(true);
  return h('section', { class: 'users' }, h('h2', {}, tx('title')),
    h('a', { class: 'btn primary', href: '#/users/new' }, tx('add')), form, note, summary, items, more);
}

/** A new account: a temporary password, its role and the area the role needs. */
async function create(ctx) {
  const names = await areas(ctx);
  const note = h('p', { id: 'user-new-note', role: 'status' });
  const form = h('form', { class: 'card', id: 'user-new', novalidate: true },
    field({ label: tx('name'), name: 'name', required: true, autocomplete: 'off' }),
    field({ label: tx('username'), name: 'username', required: true, hint: tx('username_hint'), autocomplete: 'off',
      autocapitalize: 'none', spellcheck: 'false' }),
    field({ label: tx('password'), name: 'password', required: true, hint: tx('password_hint'), autocomplete: 'new-password' }),
    roleAndArea(names),
    field({ label: tx('phone'), name: 'phone', type: 'tel', autocomplete: 'off' }),
    note,
    h('button', { class: 'btn primary', type: 'submit' }, tx('save_new')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const made = await submit(form, note, () => ctx.api.post('/users', newUserBody(values(form))));
    if (!made) return;
    stateOf(ctx).flash = { id: 'user-edit-note', text: tx('created', { name: made.name }) };
    ctx.go(`#/users/${made.id}`);
  });
  return h('section', { class: 'users' }, h('p', {}, h('a', { href: '#/users' }, `← ${tx('back')}`)),
    h('h2', {}, tx('add')), form);
}

/** One account: its details, a temporary password, switched off or on. */
async function edit(ctx, id) {
  const state = stateOf(ctx);
  let user;
  try {
    user = await ctx.api.get(`/users/${id}`);
  } catch (error) {
    if (error.status === 404 || error.status === 422) {
      return h('section', {}, h('h2', {}, tx('title')), h('p', { class: 'notice bad', role: 'alert' }, tx('gone')),
        h('a', { href: '#/users' }, `← ${tx('back')}`));
    }
    throw error;
  }
  const names = await areas(ctx);
  const flash = state.flash;
  state.flash = null;
  if (flash) ctx.announce(flash.text);
  const noteOf = (noteId) => h('p', { id: noteId, role: 'status', class: flash?.id === noteId ? 'notice ok' : null },
    flash?.id === noteId ? flash.text : '');
  /** Drawn again with the server's answer, the note said once. */
  const done = (noteId, text) => {
    state.flash = { id: noteId, text };
    ctx.route();
  };
  const patch = (body) => ctx.api.request('PATCH', `/users/${user.id}`, body);

  const editNote = noteOf('user-edit-note');
  const form = h('form', { class: 'card', id: 'user-edit', novalidate: true },
    field({ label: tx('name'), name: 'name', value: user.name, required: true, autocomplete: 'off' }),
    roleAndArea(names, user),
    field({ label: tx('phone'), name: 'phone', type: 'tel', value: user.phone ?? '', autocomplete: 'off' }),
    editNote,
    h('button', { class: 'btn primary', type: 'submit' }, tx('save_edit')));
  /** A saved note goes once the next change is asked ("Akun diaktifkan lagi." stayed above a refused save). */
  const settle = () => [editNote, passwordNote, stateNote].forEach((n) => {
    if (n.classList.contains('ok')) { n.className = ''; n.textContent = ''; }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    settle();
    const body = userChanges(user, values(form));
    if (!Object.keys(body).length) {
      editNote.className = 'notice info';
      editNote.textContent = tx('unchanged');
      return;
    }
    if (await submit(form, editNote, () => patch(body))) done('user-edit-note', tx('saved'));
  });

  const passwordNote = noteOf('user-password-note');
  const password = h('form', { class: 'card', id: 'user-password', novalidate: true }, h('h3', {}, tx('reset')),
    field({ label: tx('reset_field'), name: 'password', required: true, hint: tx('password_hint'), autocomplete: 'new-password' }),
    passwordNote,
    h('button', { class: 'btn', type: 'submit' }, tx('reset')));
  password.addEventListener('submit', async (e) => {
    e.preventDefault();
    settle();
    if (await submit(password, passwordNote, () => patch({ password: password.elements.password.value }))) {
      done('user-password-note', tx('reset_done'));
    }
  });

  const stateNote = noteOf('user-state-note');
  const turn = (active) => async () => {
    settle();
    stateNote.className = ''; stateNote.textContent = '';
    try {
      await patch({ active });
      done('user-state-note', tx(active ? 'switched_on' : 'switched_off'));
    } catch (error) {
      stateNote.className = 'notice bad';
      stateNote.textContent = Object.values(error.body?.errors ?? {}).flat().join(' ') || why(error);
    }
  };
  const account = h('div', { class: 'card', id: 'user-account' }, h('h3', {}, tx('account')),
    h('p', { id: 'user-state' }, tx('state', { state: tx(user.account_closed ? 'closed_owner' : user.active ? 'active' : 'inactive') })),
    user.account_closed ? h('p', { class: 'muted' }, tx('closed_owner_help')) // her withdrawal stands: the server refuses (409)
      : user.active ? [h('p', { class: 'muted' }, tx('off_help')), confirmed(tx('off'), tx('off_yes'), turn(false))]
        : h('button', { class: 'btn', type: 'button', onclick: turn(true) }, tx('on')),
    stateNote);

  return h('section', { class: 'users' }, h('p', {}, h('a', { href: '#/users' }, `← ${tx('back')}`)),
    h('h2', {}, user.name),
    h('p', { class: 'muted' }, `${user.username} · ${t(`role_${user.role}`)}`),
    user.posyandu_closed ? h('p', { class: 'notice bad', id: 'user-closed', role: 'status' }, tx('closed_notice')) : null,
    user.must_change_password ? h('p', { class: 'notice warn', id: 'user-temporary' }, tx('temporary_notice')) : null,
    form, // her own password: refused here by the server (it ended her session); Settings asks the current one
    user.id === ctx.session.user.id ? h('p', { class: 'card', id: 'user-own-password' }, h('a', { href: '#/settings' }, tx('own_password')))
      : password, account);
}

/** The screen for `which`: null the list, 'new' a new account, else a user's id. Offline (or the
 * server out of reach), it says it needs the internet. */
export async function render(ctx, which = null) {
  try {
    return await (which === null ? list(ctx) : which === 'new' ? create(ctx) : edit(ctx, which));
  } catch (error) {
    if (error.kind !== 'network') throw error;
    return h('section', { class: 'users' }, h('h2', {}, tx('title')), offline());
  }
}
