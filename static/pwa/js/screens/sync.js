// The sync queue, refused entries, conflicts (the cadre picks the values), and settings.
import { category, formatBytes, formatCm, formatDate, formatDateTime, formatKg, formatNumber, inLang, lang, t, whoText } from '../i18n.js';
import { confirmed, h, keepDraft, onlineModule, onlineOnly, radios, showSaveFailed } from '../ui.js';
import {
  conflictFields, conflictList, counts, discardEntry, getRow, outboxEntries, records, resendable, retryEntry, view,
} from '../outbox.js';
import { conflictNow, resolveConflict } from '../conflicts.js';
import { doseLabel } from './child.js';
import { devicesPanel } from './devices.js';
import { deleteDb, userDbName, withDbLock } from '../db.js';
import { RETRYABLE } from '../sync.js';
import { kbmInfo } from '../kbm.js';
import { forget, keptTokens } from '../auth.js';

const LABELS = { name: 'name', sex: 'sex', birth_date: 'birth_date', mother_name: 'mother_name', father_name: 'father_name',
  nik: 'nik', guardian_phone: 'phone', address: 'address', birth_weight_kg: 'birth_weight', birth_length_cm: 'birth_length', measured_on: 'measured_on',
  weight_kg: 'weight', length_height_cm: 'length_height', position: 'position', head_circumference_cm: 'head', muac_cm: 'muac',
  oedema: 'oedema', given_on: 'given_on', mother_nik: 'mother_nik', source: 'dose_source', place: 'dose_place', batch_number: 'batch_number', expiry_date: 'expiry_date',
  kfa_code: 'kfa_product', trend_override: 'trend', trend_override_reason: 'nt_reason', posyandu_id: 'posyandu',
  exit_date: 'exit_date', exit_reason: 'exit_reason', deleted_at: 'was_deleted' };
const label = (f) => (LABELS[f] ? t(LABELS[f]) : f);
const shown = (f, v) => {
  if (v === null || v === undefined || v === '') return '–';
  if (f === 'sex') return v === 'M' ? t('male') : t('female');
  if (f === 'source') return t(`source_${v}`);
  if (f === 'place') return t(`place_${v}`);
  if (f === 'trend_override') return t(`nt_${v}`);
  if (f === 'position' || f === 'exit_reason') return t(v); // 'lying', 'died': as the forms say them
  if (f.endsWith('_date') || f.endsWith('_on')) return formatDate(v);
  if (typeof v === 'boolean') return v ? '✓' : '✗';
  if (typeof v === 'number' && f.endsWith('_kg')) return formatKg(v); // '8,0', as elsewhere
  if (typeof v === 'number' && f.endsWith('_cm')) return formatCm(v);
  if (typeof v === 'number') return formatNumber(v);
  return category(v) !== '–' && typeof v === 'string' && v.includes('_') ? category(v) : String(v);
};

async function names(ctx) {
  const children = await records(ctx.db, 'child');
  return Object.assign(new Map(children.map((c) => [c.id, c.name])), { gone: new Set(children.filter((c) => c._gone).map((c) => c.id)) });
}

/** An entry named: "Penimbangan 5 Agu 2025, 8,0 kg: Ani", "BCG, 5 Agu 2025: Ani", "Data anak: Ani"
 * ("… (anak tidak ada di HP ini)"). `r`: its record (what it sends, over the phone's copy). */
function describe(e, r, byId, schedule, changed = false) {
  const what = e.entity === 'child' ? t('child_form')
    : e.entity === 'measurement' ? `${t('entry_weighing', { date: formatDate(r.measured_on) })}${
      r.weight_kg == null ? '' : `, ${formatKg(r.weight_kg)} kg`}`
      : t('entry_dose', { name: doseLabel(schedule, e.entity, r), date: formatDate(r.given_on) });
  const who = byId.get(e.entity === 'child' ? e.id : r.child_id) ?? (e.entity === 'child' ? r.name : null);
  return `${e.op === 'delete' ? t('entry_delete', { what }) : changed ? t('entry_change', { what }) : what}${who ? `: ${who}` : ` (${t('child_not_here')})`}`;
}

/** A conflict's record named: her values over the server's (a deletion has none: "Penimbangan –" named
 * no weighing), under the server's child (merged: the kept one). */
const conflicted = (c) => ({ ...c.server_record, ...c.mine, child_id: c.server_record?.child_id ?? c.mine?.child_id });

/** The form that corrects a refused entry's record, when it can be opened (its child is here). */
function fixLink(e, r, byId) {
  const child = e.entity === 'child' ? e.id : r.child_id;
  if (e.op === 'delete' || !byId.has(child) || byId.gone.has(child)) return null; // gone from her area: nothing to fix here
  // a refused exit: her screen's exit card
  return e.entity === 'child' ? `#/${e.errors?.exit_date ? 'child' : 'edit'}/${e.id}` : e.entity === 'measurement' ? `#/visit/${r.child_id}/${e.id}`
    : `#/dose/${r.child_id}/${e.entity}/${e.id}`;
}

/** Each entry's record: what it sends over the phone's copy; its child the copy's (a merge's). */
const recordsOf = (ctx, entries) => Promise.all(entries.map(async (e) => {
  const copy = view(await getRow(ctx.db, e.entity, e.id)) ?? {};
  return { ...copy, ...e.data, ...(copy.child_id ? { child_id: copy.child_id } : {}) };
}));

/** Store her choice (a full disk said: ui.showSaveFailed); whether it was stored. */
async function kept(write) {
  try {
    await write();
  } catch (error) {
    showSaveFailed(error);
    return false;
  }
  const failed = document.getElementById('save-failed'); // an earlier try's
  if (failed) failed.hidden = true;
  return true;
}

/** Why a sync failed, in the user's words (the browser's "Failed to fetch" is English). */
const WHY = { network: 'no_connection', server: 'server_trouble', busy: 'server_busy', conflict: 'server_busy',
  forbidden: 'push_forbidden', storage: 'storage_failed' };
const whyFailed = (s) => (WHY[s.error] ? t(WHY[s.error]) : s.message ?? s.error);

/** What is still on the phone, as the chip counts it ("all sent": none waits, refused or in conflict). */
const summary = (c) => [c.waiting ? t('waiting', { n: c.waiting }) : null, c.conflicts ? t('conflicts_n', { n: c.conflicts }) : null,
  c.attention ? t('need_attention', { n: c.attention }) : null].filter(Boolean).join(' · ') || t('queue_empty');

export async function render(ctx) {
  const [entries, stored, c, byId, schedule] = await Promise.all([outboxEntries(ctx.db), conflictList(ctx.db), counts(ctx.db),
    names(ctx), ctx.schedule().catch(() => null)]);
  const open = await Promise.all(stored.map(async (x) => conflictNow(x, await getRow(ctx.db, x.entity, x.id))));
  const recs = new Map((await recordsOf(ctx, entries)).map((r, i) => [entries[i].mutation_id, r]));
  // a record's change after its first entry (a correction of a weighing not yet sent) is no second record
  const first = new Map([...entries].reverse().map((e) => [`${e.entity}/${e.id}`, e]));
  const named = (e) => describe(e, recs.get(e.mutation_id), byId, schedule,
    e.base_version != null || first.get(`${e.entity}/${e.id}`) !== e);
  const s = ctx.syncState;
  const parent = ctx.role === 'parent'; // sends nothing: her sync only updates her children's data
  const when = s.last_sync_at ? formatDateTime(s.last_sync_at) : t('never');
  const button = h('button', { class: 'btn primary', type: 'button', id: 'sync-now', onclick: async () => {
    button.disabled = true;
    await ctx.sync.syncNow();
    await ctx.route();
    // redrawn: focus to the new button; the outcome said by the live region
    document.getElementById('sync-now')?.focus();
    ctx.announce([...document.querySelectorAll('#sync-summary, #sync-error')].map((e) => e.textContent).join(' '));
  } }, t('sync_now'));
  const waiting = entries.filter((e) => e.state !== 'needs_attention');
  const attention = entries.filter((e) => e.state === 'needs_attention');
  return h('section', {}, h('h2', {}, t('sync_title')),
    h('p', { id: 'sync-summary', role: 'status' }, parent ? t('parent_updated', { when }) : summary(c)),
    parent ? null : h('p', { class: 'muted' }, t('last_sync', { when })),
    s.phase === 'login_required' ? h('p', { class: 'notice bad' }, t('sync_login'),
      h('button', { class: 'btn', type: 'button', onclick: () => ctx.relogin?.() }, t('login'))) : null,
    s.phase === 'error' ? h('p', { class: 'notice warn', id: 'sync-error' },
      t(RETRYABLE.has(s.error) ? 'sync_error' : 'sync_stopped', { why: whyFailed(s) })) : null,
    s.phase === 'waiting' ? h('p', { class: 'muted', id: 'sync-waiting' }, t('sync_other_tab')) : null,
    button,
    waiting.length ? h('ul', { class: 'list', id: 'queue' }, waiting.map((e) => h('li', { class: 'row' }, named(e),
      h('span', { class: 'tag wait' }, t(`state_${e.state}`))))) : null,
    open.length ? h('section', { class: 'panel', id: 'conflicts' }, h('h3', {}, t('conflicts_title')),
      h('p', { class: 'muted' }, t('conflicts_help')),
      h('ul', { class: 'list' }, open.map((x) => h('li', {}, h('a', { class: 'row', href: `#/conflict/${x.mutation_id}` },
        describe(x, conflicted(x), byId, schedule), h('span', { class: 'tag bad' }, conflictFields(x).map(label).join(', '))))))) : null,
    attention.length ? h('section', { class: 'panel', id: 'attention' }, h('h3', {}, t('attention_title')),
      attention.some((e) => !e.stuck) ? h('p', { class: 'muted' }, t('attention_help')) : null,
      h('ul', { class: 'list' }, attention.map((e) => {
        const fix = fixLink(e, recs.get(e.mutation_id), byId);
        // the server failed on it, or refused no field of it: sent again (retryEntry)
        const again = resendable(e) ? h('button', { class: 'btn primary', type: 'button', onclick: async () => {
          if (!await kept(() => retryEntry(ctx.db, e.mutation_id))) return;
          await ctx.sync.refresh(); ctx.route(); ctx.sync.sync(); } }, t('send_again')) : null;
        return h('li', { class: 'row action' },
          h('span', { class: 'row-main' }, h('strong', {}, named(e)),
            h('small', {}, e.stuck ? t('entry_stuck')
              // a field she knows named ('Berat badan (kg): …'); else the server's words alone
              : Object.entries(inLang(e.errors_in, e.errors) ?? {}).map(([f, m]) => `${LABELS[f] ? `${label(f)}: ` : ''}${[].concat(m).join(' ')}`)
                .join('; '))),
          h('span', { class: 'actions' }, again, fix ? h('a', { class: again ? 'btn' : 'btn primary', href: fix }, t('fix')) : null,
            // gone for good: a second tap (a thumb beside 'Perbaiki')
            confirmed(t('discard'), t('discard_confirm'), async () => {
              if (!await kept(() => discardEntry(ctx.db, e.mutation_id))) return;
              await ctx.sync.refresh(); ctx.route(); })));
      }))) : null,
    devicesPanel(ctx));
}

export async function conflict(ctx, mutationId) {
  const stored = (await conflictList(ctx.db)).find((x) => x.mutation_id === mutationId);
  if (!stored) return h('p', {}, t('queue_empty'));
  // the server's version held now (maybe a later pull's): shown, her choice sent on it
  const c = conflictNow(stored, await getRow(ctx.db, stored.entity, stored.id));
  const server = c.server_record ?? {};
  const fields = conflictFields(c);
  const done = async (chosen) => {
    if (!await kept(() => resolveConflict(ctx.db, mutationId, chosen, { version: c.server_version, fields }))) return;
    await ctx.sync.refresh();
    ctx.sync.sync();
    ctx.go('#/sync');
  };
  const head = [h('h2', {}, t('conflict_title')),
    h('p', { class: 'muted' }, describe(c, conflicted(c), await names(ctx), await ctx.schedule().catch(() => null)))];
  /** A card of one notice and its buttons ([key, choice]), the first the primary one. */
  const ask = (id, notice, ...buttons) => h('section', { class: 'card', id }, head, h('p', { class: 'notice warn' }, t(notice)),
    h('div', { class: 'actions' }, buttons.map(([key, chosen], i) =>
      h('button', { class: i ? 'btn' : 'btn primary', type: 'button', onclick: () => done(chosen) }, t(key)))));
  if (c.op === 'delete' && !server.deleted_at) { // the cadre deleted what someone else changed meanwhile
    return ask('conflict-delete', 'changed_since_delete', ['delete_anyway', 'delete'], ['keep_server', null]);
  }
  if (c.gone === 'out_of_scope') { // it left her area (moved to another posyandu): not hers to restore or change
    return ask('conflict-moved', 'moved_out_of_area', ['discard', null]);
  }
  if (c.op === 'delete') return ask(null, 'deleted_on_server', ['discard', 'delete'], ['theirs', null]);
  if (server.deleted_at && c.refusal) { // deleted by one she may not overrule (a midwife): her change only dropped
    const card = ask('conflict-deleted', '', ['keep_deleted', null]);
    card.querySelector('.notice').textContent = t('deleted_not_restorable', { why: [].concat(inLang(...c.refusal)?.deleted_at ?? []).join(' ') });
    return card;
  }
  if (server.deleted_at) { // she changed what someone else deleted: restored with her change, or her change dropped
    const card = ask('conflict-deleted', 'deleted_while_changed', ['restore', c.mine]);
    card.lastChild.append(confirmed(t('keep_deleted'), t('keep_deleted_sure'), () => done(null)));
    return card;
  }
  // only what both changed is a choice; the rest stays as on the server, plus the cadre's own changes
  const form = h('form', { class: 'card', id: 'conflict-form' }, head, h('p', {}, t('conflict_help')),
    fields.map((f) => radios(`pick-${f}`, label(f), [['mine', `${t('mine')}: ${shown(f, c.mine[f])}`],
      ['theirs', `${t('theirs')}: ${shown(f, server[f])}`]], null, 1)),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('resolve')),
      h('a', { class: 'btn', href: '#/sync' }, t('back'))));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = Object.fromEntries(fields.map((f) => [f,
      form.querySelector(`input[name="pick-${f}"]:checked`)?.value === 'theirs' ? server[f] ?? null : c.mine[f]]));
    done(chosen);
  });
  return form;
}

/** N/T's KBM table: an admin's (version, source), the server's built-in (0), or the app's before a sync. */
function kbmText(kbm) {
  if (kbm.origin !== 'server') return t('kbm_built_in');
  const when = formatDateTime(kbm.fetched_at);
  return kbm.version ? t('kbm_server', { version: kbm.version, source: kbm.source, when }) : t('kbm_server_default', { when });
}

/** sessionStorage's key of what the login screen says after a logout's reload (app.js). */
export const LOGIN_NOTICE = 'login_notice';

export const REVOKE_WAIT_MS = 15 * 1000;

/** Ask the server to revoke the tokens, waiting at most `ms` (offline, the refresh token runs out). */
async function revoke(api, tokens, ms) {
  let timer;
  const waited = new Promise((resolve) => { timer = setTimeout(resolve, ms); });
  await Promise.race([api.post('/auth/logout', { refresh_token: tokens.refresh_token }).catch(() => {}), waited]);
  clearTimeout(timer);
}

/** Log out, the database deleted unless something is unsent (deleteUnlessUnsent); the tokens revoked
 * before the reload (which would cancel the request). Resolves to the unsent count (0: reloading). */
export async function logOut(ctx, { revokeWaitMs = REVOKE_WAIT_MS, notice = null } = {}) {
  const { user } = ctx.session;
  const unsent = await deleteUnlessUnsent(ctx);
  if (unsent) return unsent;
  // the tokens as stored: another tab may have refreshed them (this tab's copy would read as stolen)
  const kept = await keptTokens(ctx.session).catch(() => null);
  if (kept) ctx.session.tokens = kept;
  const { tokens } = ctx.session;
  await forget(user.id);
  keepDraft(null); // a form half typed (a NIK) is not left in the tab for whoever uses the phone next
  await revoke(ctx.api, tokens, revokeWaitMs);
  if (notice) sessionStorage.setItem(LOGIN_NOTICE, notice); // said by the login screen after the reload
  location.hash = '';
  location.reload();
  return 0;
}

/** Delete the database unless something is unsent (counted under withDbLock): that count. */
async function deleteUnlessUnsent(ctx) {
  const name = userDbName(ctx.session.user.id);
  return withDbLock(name, 'exclusive', async () => {
    const c = await counts(ctx.db);
    const n = c.waiting + c.attention + c.conflicts;
    if (n) return n;
    ctx.sync.stop();
    ctx.db.close();
    await deleteDb(name).catch(() => {});
    return 0;
  });
}

/** The account is gone (api.js ACCOUNT_GONE): login forgotten, database deleted unless unsent: that count. */
export async function forgetAccount(ctx) {
  const unsent = await deleteUnlessUnsent(ctx);
  await forget(ctx.session.user.id);
  keepDraft(null);
  return unsent;
}

/** The login screen's words after forgetAccount (`kind`: account_closed, account_inactive). */
export const accountGoneNotice = (kind, unsent) => (kind === 'device_signed_out' ? t(unsent ? 'signed_out_unsent' : 'signed_out_forgotten', { n: unsent })
  : unsent ? t('account_gone_unsent', { n: unsent })
    : t(kind === 'account_closed' ? 'account_closed_forgotten' : 'account_inactive_forgotten'));

export async function settings(ctx) {
  const est = await navigator.storage?.estimate?.().catch(() => null);
  const persisted = await navigator.storage?.persisted?.().catch(() => false);
  const note = h('p', { role: 'status', id: 'logout-note' });
  const plan = ctx.role === 'dinkes' ? null : await ctx.schedule().catch(() => null);
  const kbm = ctx.canWrite() ? await kbmInfo(ctx.db).catch(() => null) : null; // N/T is judged by who weighs
  return h('section', {}, h('h2', {}, t('settings')),
    h('p', { id: 'who' }, whoText(ctx.session.user)),
    plan ? h('p', { class: 'muted', id: 'schedule-info' }, plan.origin === 'server'
      ? t('schedule_server', { version: plan.version, when: formatDateTime(plan.fetched_at) })
      : t('schedule_bundled', { version: plan.version })) : null,
    kbm ? h('p', { class: 'muted', id: 'kbm-info' }, kbmText(kbm)) : null,
    ctx.role === 'admin' ? h('p', {}, h('a', { class: 'btn', href: '#/kbm', id: 'kbm-link' }, t('kbm_nav')), ' ',
      h('a', { class: 'btn', href: '#/areas', id: 'areas-link' }, t('areas_nav'))) : null,
    // the other language named in its own words, said so (WCAG 3.1.2); switched in place as the header's button
    h('button', { class: 'btn', type: 'button', id: 'settings-lang', lang: lang() === 'id' ? 'en' : 'id',
      onclick: () => ctx.switchLang() }, t('lang_switch')),
    h('h3', {}, t('install_storage')),
    h('p', { class: persisted ? 'notice ok' : 'notice warn', id: 'storage' }, t(persisted ? 'storage_ok' : ctx.role === 'dinkes' ? 'storage_refetch' : 'storage_no')), // dinkes cannot sync
    est ? h('p', { class: 'muted' }, t('storage_used', { used: formatBytes(est.usage ?? 0), quota: formatBytes(est.quota ?? 0) })) : null,
    passwordForm(ctx),
    ctx.role === 'parent' ? closeAccountSlot(ctx) : null,
    logoutButton(ctx, note), note);
}

/** A parent's "Tutup akun saya" (online only: js/online/close-account.js, fetched when Settings opens). */
const closeModule = onlineModule('close-account');
function closeAccountSlot(ctx) {
  const slot = h('div', { id: 'close-account-slot' });
  slot.ready = closeModule().then((m) => slot.replaceChildren(m ? m.form(ctx, logOut) : h('p', { class: 'notice' }, onlineOnly())));
  return slot;
}

/** One logout at a time (it waits for the server to revoke the tokens). */
function logoutButton(ctx, note) {
  const button = h('button', { class: 'btn', type: 'button', id: 'logout', onclick: async () => {
    if (button.disabled) return;
    button.disabled = true;
    try {
      const unsent = await logOut(ctx);
      if (unsent) note.textContent = t('logout_blocked', { n: unsent });
    } finally {
      button.disabled = false;
    }
  } }, t('logout'));
  return button;
}

/** "Ganti kata sandi" first (`#/password`): a temporary password (the server refuses all else till she
 * sets her own). Settings' form, with why, and a logout. */
export function passwordScreen(ctx) {
  const note = h('p', { role: 'status', id: 'logout-note' });
  return h('section', { id: 'temporary-password' }, h('h2', {}, t('password_change')),
    h('p', { class: 'notice warn', id: 'temporary-password-note' }, t('password_temporary')),
    passwordForm(ctx), logoutButton(ctx, note), note);
}

/** Change one's own password: online only (js/online/password.js), fetched when shown. */
const passwordModule = onlineModule('password');
function passwordForm(ctx) {
  const slot = h('div', { id: 'password-slot' });
  slot.ready = passwordModule().then((m) => slot.replaceChildren(m ? m.passwordForm(ctx)
    : h('p', { class: 'notice', id: 'password-offline' }, t('password_change'), ': ', onlineOnly())));
  return slot;
}
