// Composition root: storage, API, sync, screens, header, routing.
import { openDb, userDbName, withDbLock } from './db.js';
import { client, createApi } from './api.js';
import { clockSuspect, createSync } from './sync.js';
import { clientId, getMeta, putMeta, records, recordView, rowsAfter, rowsOfChild, saveChanges } from './outbox.js';
import { keptTokens, refreshUser, saveTokens } from './auth.js';
import { forParent, lang, setLang, t } from './i18n.js';
import { formValues, formsChanged, h, keepDraft, onlineModule, onlineOnly, restoreForms, showSaveFailed, todayIso, typedSince } from './ui.js';
import { isHealthWorker } from './checks.js';
import { loadTables } from './growth.js';
import { BUNDLED_URL, currentSchedule, refreshSchedule } from './schedule.js';
import { currentKbm, refreshKbm } from './kbm.js';
import { areaOf } from './due-list.js';
import { markStale } from './assess.js';
import { keptFor } from './incoming.js';
import * as loginScreen from './screens/login.js';
import * as home from './screens/home.js';
import * as childScreen from './screens/child.js';
import * as forms from './screens/forms.js';
import * as doses from './screens/doses.js';
import * as syncScreen from './screens/sync.js';
import * as parent from './screens/parent.js';
import * as reports from './screens/reports.js';
import * as duplicates from './screens/duplicates.js';

const main = document.getElementById('main');
const chip = document.getElementById('sync-chip');
const live = document.getElementById('live');
const firstSync = document.getElementById('first-sync');
let syncTimer = null;
let recount = null;
let saved = null; // announce's `show`

const ctx = {
  session: null, db: null, api: null, sync: null, syncState: {}, lastCounts: { waiting: 0, attention: 0, conflicts: 0 },
  day: { date: todayIso(), since: todayIso(), posyandu_id: null }, // since: the day it was set (turnDay)
  // `back`: Back if she came from it
  go: (hash, back) => { drawnForms = null; if (location.hash === hash) route(); else if (back && hash === before) history.back(); else if (back) location.replace(hash); else location.hash = hash; },
  announce: (text, show) => { live.textContent = ''; saved = show ? text : null; setTimeout(() => { live.textContent = text; }, 50); },
  online: () => navigator.onLine,
};

let tables = null;
let schedule = null;
let kbm = null;
ctx.tables = () => (tables ??= loadTables('/data/who/').catch((error) => { tables = null; throw error; }));
ctx.schedule = () => (schedule ??= currentSchedule(ctx.db, () => fetch(BUNDLED_URL).then((r) => r.json()))
  .catch((error) => { schedule = null; throw error; }));
ctx.kbm = () => (kbm ??= currentKbm(ctx.db).catch((error) => { kbm = null; throw error; }));
/** After each pull. */
async function updateReferenceData(session, db, api) {
  const posyanduId = session.user.posyandu_id;
  const [changedSchedule, changedKbm] = await Promise.allSettled([refreshSchedule(db, api), refreshKbm(db, api),
    refreshUser(session, api)]);
  if (ctx.session !== session) return;
  if (changedSchedule.value) schedule = null;
  if (changedKbm.value) kbm = null;
  if (session.user.posyandu_id !== posyanduId) ctx.day.posyandu_id = session.user.posyandu_id ?? null;
}

const WRITERS = new Set(['kader', 'bidan', 'admin']);
ctx.canWrite = () => WRITERS.has(ctx.role);

/** One action's changes in one transaction, then a sync. */
ctx.saveAll = async (changes) => {
  if (!ctx.canWrite()) throw new Error(t('read_only'));
  const failed = document.getElementById('save-failed');
  let out;
  try {
    // shared: another tab's logout waits for it
    out = await withDbLock(userDbName(ctx.session.user.id), 'shared', () => saveChanges(ctx.db, changes));
  } catch (error) {
    // nothing stored: the form stays filled
    showSaveFailed(error);
    throw error;
  }
  failed.hidden = true;
  await ctx.sync.refresh();
  clearTimeout(syncTimer);
  syncTimer = setTimeout(() => ctx.sync.syncNow(), 2000); // after one under way
  if ('serviceWorker' in navigator && 'SyncManager' in window) {
    navigator.serviceWorker.ready.then((reg) => reg.sync.register('outbox')).catch(() => {});
  }
  return out;
};
ctx.save = (change) => ctx.saveAll([change]).then(([out]) => out);
/** Posyandu `of`'s children's rows, once per generation; null: all are hers. */
const rowsHere = (of, [db, generation] = [ctx.db, ctx.db.generation()], hit = readCache.get(of)) => (
  hit?.db === db && hit.generation === generation ? hit : readCache.set(of, { db, generation, rows: ctx.children().then((cs) => {
    const ids = cs.filter((c) => c.posyandu_id === of).map((c) => c.id);
    return ids.length < cs.length ? rowsOfChild(db, ...ids) : null;
  }) }).get(of)).rows;
const read = async (entity, of) => {
  const rows = of && await rowsHere(of);
  const list = await records(ctx.db, entity, { deleted: true, ...rows && { rows } });
  // a child gone (moved away, deleted) kept for her change unsent: in no list, due count or SKDN
  return (entity === 'measurement' ? markStale(await ctx.children(), list) : list).filter((m) => !m.deleted_at && !(entity === 'child' && m._gone));
};
/** `list` after record `keys` written (rowsAfter). */
async function patched(entity, list, keys, of) {
  const after = await rowsAfter(ctx.db, entity, list, keys);
  const fresh = entity === 'measurement' && after ? markStale(await ctx.children(), after.fresh) : after?.fresh;
  return after ? [...after.kept, ...fresh.filter((r) => r.id && !r.deleted_at && !(entity === 'child' && r._gone))].sort((a, b) => (a.id < b.id ? -1 : 1)) : read(entity, of);
}
/** Live records of an entity, updated on a new db generation. */
const readCache = new Map();
ctx.records = (entity, of = null) => {
  const [generation, at] = [ctx.db.generation(), `${entity} ${of}`];
  const hit = readCache.get(at);
  if (hit && hit.db === ctx.db && hit.generation === generation) return hit.rows;
  const keys = hit?.db === ctx.db && ctx.db.changes(hit.generation, 'records');
  const rows = keys?.length === 0 ? hit.rows : (keys ? hit.rows.then((list) => patched(entity, list, keys, of), () => read(entity, of))
    : read(entity, of)).then((list) => Object.freeze(list.map(Object.freeze)));
  readCache.set(at, { db: ctx.db, generation, rows });
  rows.catch(() => [at, of].map((k) => readCache.delete(k)));
  return rows;
};
ctx.children = () => ctx.records('child');
ctx.posyandus = () => ctx.records('posyandu');
ctx.bundle = async (childId) => {
  const rows = await rowsOfChild(ctx.db, childId);
  const own = await ctx.db.read(['records'], ({ records: r }) => r.get(['child', childId]));
  const child = own ? recordView(own) : null;
  const all = (entity) => rows.filter((r) => r.entity === entity).map(recordView);
  const live_ = (list) => list.filter((r) => r.id && !r.deleted_at);
  return { child, kept: child ? null : await keptFor(ctx.db, childId),
    measurements: live_(child ? markStale([child], all('measurement')) : all('measurement')),
    immunisations: live_(all('immunisation')), supplements: live_(all('supplement')) };
};
/** The last report viewed. */
const lastReportOf = (session, db) => ({
  get: () => getMeta(db, 'last_report').then((row) => row?.value ?? null),
  put: async (value) => { if (ctx.session === session) await putMeta(db, { key: 'last_report', value }); },
});
/** A child's area (JE). */
ctx.area = (child) => ctx.posyandus().then((ps) => areaOf(child, ps.find((p) => p.id === child?.posyandu_id)));

/** Words, or [words, label]. */
function chipText(s, c) {
  if (s.phase === 'pulling' && s.has_more) return t('pulling', { n: s.pulled });
  if (c.conflicts) return t('conflicts_n', { n: c.conflicts });
  if (c.attention) return t('need_attention', { n: c.attention });
  const n = { n: c.waiting };
  const why = (text) => (password(s) ? [text, `${text}: ${t('password_first')}`] : text);
  if (n.n && navigator.onLine && s.phase === 'login_required') return [t('chip_login'), `${t('unsent_n', n)}: ${t('chip_login')}`];
  if (n.n) return navigator.onLine ? why(t(failed(s) ? 'unsent_n' : 'chip_waiting', n))
    : [`${t('offline')} · ${n.n}`, `${t('offline')}; ${t('unsent_n', n)}`];
  if (s.phase === 'pushing' || s.phase === 'pulling') return t('syncing');
  if (!navigator.onLine) return t('offline');
  if (password(s)) return why(t('unsynced'));
  return failed(s) ? t(s.phase === 'login_required' ? 'chip_login' : 'sync_failed') : t(s.phase === 'done' ? 'synced' : 'syncing');
}

/** A question is open (ui.confirmed). */
const asking = () => Boolean(main.querySelector('.confirm .danger'));
const dirty = () => formsChanged(drawnForms, formValues(main));
/** No post-sync redraw then. */
const busy = () => ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement?.tagName) || asking() || dirty();
/** Only the lists under the fields (home.js). */
const redrawLists = () => main.firstChild?.redrawLists?.().catch((error) => console.error(error));

const redrawn = () => ['', '#/', '#/sync'].includes(location.hash) || /^#\/child\/[\w-]+$/.test(location.hash);

function turnDay() {
  const today = todayIso();
  if (ctx.day.since === today) return false;
  ctx.day.since = today;
  if (ctx.day.date === today) return false;
  ctx.day.date = today;
  return true;
}
function onNewDay() {
  if (!turnDay() || !ctx.session || !redrawn()) return;
  if (busy()) redrawLists(); else route({ refresh: true });
}

/** Away this long: the PIN again (login.js lockOver). */
const LOCK_AFTER_MS = 10 * 60 * 1000;
let hiddenAt = null;
function lockIfAway() {
  const away = hiddenAt !== null && Date.now() - hiddenAt >= LOCK_AFTER_MS;
  hiddenAt = null;
  if (!away || !ctx.session || document.getElementById('lock')) return;
  const session = ctx.session;
  loginScreen.lockOver(session.user, { locked: () => {
    if (ctx.session !== session) return;
    closeSession();
    loginScreen.show(ctx, main, { force: true, notice: () => t('pin_locked') });
  } });
}

const password = (s) => s.phase === 'password_change' || mustChangePassword();
const failed = (s) => s.phase === 'error' || s.phase === 'login_required' || password(s);

function onSyncState(s) {
  if (s.phase === 'account_gone') { accountGone(s.error, s.message); return; }
  // a parent's session refused: nothing of hers unsent, a child's data kept on no phone it refuses
  if (s.phase === 'login_required' && ctx.role === 'parent') { accountGone(s.error, null, 'parent_session_over'); return; }
  if (s.phase === 'password_change' && ctx.session && !mustChangePassword()) { // the server's word
    ctx.session.user = { ...ctx.session.user, must_change_password: true };
    route();
  }
  if (typeof s.waiting === 'number' && ctx.session) loginScreen.keepUnsent(ctx.session.user.id, s.waiting + s.attention + s.conflicts);
  const before = ctx.syncState.phase;
  ctx.syncState = s;
  ctx.lastCounts = { waiting: s.waiting, attention: s.attention, conflicts: s.conflicts };
  main.firstChild?.onSync?.(s);
  // the chip alone changed ("Perlu masuk lagi"): said once a session, a screen reader heard nothing of it
  if (s.phase === 'login_required' && ctx.session && !ctx.session.refusalSaid) {
    ctx.session.refusalSaid = true;
    ctx.announce(t('sync_login'));
  }
  let drawing;
  if (s.phase === 'done' && before !== 'done') {
    // not while busy(); a child's screen shows the records just pulled
    if (!busy() && redrawn()) {
      drawing = route({ refresh: true });
    } else if (!asking()) {
      redrawLists();
    }
  }
  // "Tersinkron" once what came is shown
  const show = () => {
    const [text, full] = [].concat(chipText(s, s));
    chip.textContent = text;
    if (full) chip.setAttribute('aria-label', full); else chip.removeAttribute('aria-label');
    chip.className = `chip ${s.conflicts || s.attention ? 'chip-bad' : s.waiting ? 'chip-wait'
      : navigator.onLine && failed(s) ? 'chip-bad' : 'chip-ok'}`;
    chip.hidden = false;
    chip.dataset.phase = s.phase;
  };
  if (drawing) drawing.finally(() => ctx.syncState === s && show()); else show();
  // what a due list or a search shows is part of it (a child registered or immunised again)
  firstSync.hidden = !s.partial || !ctx.session;
  firstSync.dataset.t = s.error === 'storage' ? 'first_sync_full' : 'first_sync';
  firstSync.textContent = t(firstSync.dataset.t);
  document.getElementById('clock-banner').hidden = !clockSuspect(ctx.api?.clockOffsetMs, s.last_sync_at, Date.now(),
    s.last_sync_device_at);
}

/** dinkes keeps no records (its sync: 403). */
const NO_SYNC = { sync: async () => true, syncNow: async () => true, refresh: async () => {}, stop: () => {}, state: {} };

// a form half typed when the tab hid (Android may kill it) or the login expired: back once she is in again
let draft = null;
try { draft = JSON.parse(sessionStorage.getItem('draft')); } catch { /* none */ }
// what she typed only: a field left shows the record anew
const typedNow = () => (ctx.session && dirty() ? { user: ctx.session.user.id, hash: location.hash, values: typedSince(drawnForms, formValues(main)) } : null);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState !== 'hidden' || !ctx.session) return;
  keepDraft(typedNow());
});

function endSession() {
  keepDraft(null);
  ctx.sync?.stop();
  ctx.api?.close();
  clearTimeout(syncTimer);
  rendering += 1;
  ctx.session = null;
  firstSync.hidden = true;
  readCache.clear();
  ctx.reports = null; // the user's scope
  ctx.invites = new Map(); // codes made, by child
  ctx.syncState = {};
  ctx.lastCounts = { waiting: 0, attention: 0, conflicts: 0 };
  chip.hidden = true;
  document.getElementById('nav').hidden = true;
}
function closeSession() {
  endSession();
  ctx.db?.close();
  ctx.db = null;
}

let opening = null;
async function startSession(session) {
  closeSession();
  opening = session;
  const db = await openDb(userDbName(session.user.id), undefined, { onDeleted: () => {
    if (ctx.session === session) location.reload();
  }, onChanged: () => {
    clearTimeout(recount);
    recount = setTimeout(() => ctx.session === session && ctx.sync.refresh(), 100);
  } });
  if (opening !== session) { db.close(); return; } // another login won meanwhile
  ctx.session = session;
  ctx.role = session.user.role;
  forParent(ctx.role === 'parent');
  paint(); // a parent's menu words
  ctx.db = db;
  schedule = null; // each user keeps their own copies
  kbm = null;
  let device;
  const api = createApi({ tokens: () => session.tokens, saveTokens: (tokens) => saveTokens(session, tokens),
    keptTokens: () => keptTokens(session), lang, device: () => (device ??= clientId(db).catch(() => null)) });
  ctx.api = api;
  ctx.lastReport = lastReportOf(session, db);
  const syncs = ctx.role !== 'dinkes';
  ctx.sync = syncs ? createSync({ db, api, canPush: ctx.role !== 'parent', onState: onSyncState,
    lockName: `sync-${session.user.id}`, afterPull: () => updateReferenceData(session, db, api) }) : NO_SYNC;
  chip.hidden = true; // shown by the first sync state
  document.getElementById('nav-sync').hidden = !syncs;
  ctx.day.posyandu_id = session.user.posyandu_id ?? null;
  document.getElementById('nav-reports').hidden = ctx.role === 'parent';
  document.getElementById('nav-home').hidden = ctx.role === 'dinkes'; // its home: the reports
  document.getElementById('nav-duplicates').hidden = !duplicates.judges(ctx.role);
  document.body.dataset.role = ctx.role;
  document.getElementById('nav').hidden = mustChangePassword(); // again once she set her own
  navigator.storage?.persist?.().then((granted) => { ctx.persisted = granted; }).catch(() => {});
  await ctx.sync.refresh();
  if (!location.hash || location.hash === '#/login') history.replaceState(null, '', '#/'); // no hashchange: drawn once
  route();
  if (!mustChangePassword()) ctx.sync.sync(); // else a 403: sent once she set her own
}
ctx.startSession = startSession;
/** Refresh token refused: data and outbox stay. */
ctx.relogin = () => {
  draft = typedNow() ?? draft;
  const username = ctx.session?.user.username;
  endSession();
  keepDraft(draft); // the tab killed on the login
  loginScreen.show(ctx, main, { force: true, notice: () => t('sync_login'), username });
};

/** Account closed (a parent's session refused: `said`, its words' key): forgotten unless something is unsent. */
let forgetting = null;
function accountGone(kind, message, said = null) {
  const session = ctx.session;
  if (!session || forgetting === session) return;
  forgetting = session;
  loginScreen.keepUnsent(session.user.id, 0); // said by the login's notice, not as lost
  syncScreen.forgetAccount(ctx).catch(() => null).then((unsent) => {
    if (ctx.session !== session) return;
    closeSession();
    history.replaceState(null, '', location.pathname); // no child's id left in the address
    const notice = () => (unsent === null ? message : said ? t(said) : syncScreen.accountGoneNotice(kind, unsent));
    loginScreen.show(ctx, main, { force: true, notice });
  });
}

// [pattern, screen, away, may]: if !may() (default: pushing roles), to away(match).
const toChild = (m) => `#/child/${m[1]}`;
const parentOnly = () => ctx.role === 'parent'; // staff: 403
const judgesDuplicates = () => duplicates.judges(ctx.role); // bidan, admin
const isAdmin = () => ctx.role === 'admin'; // others: 403
const mustChangePassword = () => Boolean(ctx.session?.user?.must_change_password);
const PASSWORD_HASH = '#/password';
/** An online-only screen (js/online/`name`.js). */
function onlineScreen(name, title) {
  const load = onlineModule(name);
  let tries = 0;
  let timer = null;
  const offline = () => main.querySelector(`#${name}-offline`);
  return async (m) => {
    const screen = ctx.online() ? await load() : null;
    clearTimeout(timer);
    if (screen) {
      tries = 0;
      return screen.render(ctx, m[1] ?? null);
    }
    if (ctx.online()) {
      tries += 1;
      timer = setTimeout(() => { if (offline() && ctx.online()) route(); }, Math.min(60000, 1000 * 2 ** tries));
    }
    return h('section', {}, h('h2', {}, t(title)), h('p', { class: 'notice warn', role: 'alert', id: `${name}-offline` }, onlineOnly()));
  };
}
const usersScreen = onlineScreen('users', 'users_nav');
const importScreen = onlineScreen('imports', 'import_nav');
const kbmScreen = onlineScreen('kbm-table', 'kbm_nav');
const areasScreen = onlineScreen('areas', 'areas_nav');
const duplicatesScreen = onlineScreen('duplicates', 'dup_title');
const deletedScreen = onlineScreen('deleted', 'deleted_nav');
const ROUTES = [
  [/^#\/child\/([\w-]+)$/, (m) => (ctx.role === 'parent' ? parent.child(ctx, m[1]) : childScreen.render(ctx, m[1]))],
  [/^#\/child\/([\w-]+)\/access$/, (m) => parent.accessLog(ctx, m[1]), toChild, parentOnly],
  [/^#\/register$/, () => forms.childForm(ctx, null), () => '#/'],
  [/^#\/edit\/([\w-]+)$/, (m) => forms.childForm(ctx, m[1]), toChild],
  [/^#\/visit\/([\w-]+)$/, (m) => forms.visitForm(ctx, m[1]), toChild],
  [/^#\/visit\/([\w-]+)\/([\w-]+)$/, (m) => forms.visitForm(ctx, m[1], m[2]), toChild],
  [/^#\/doses\/([\w-]+)$/, (m) => doses.dosesForm(ctx, m[1]), toChild],
  [/^#\/card\/([\w-]+)$/, (m) => doses.cardForm(ctx, m[1]), toChild],
  [/^#\/dose\/([\w-]+)\/(immunisation|supplement)\/([\w-]+)$/, (m) => doses.doseForm(ctx, m[1], m[2], m[3]), toChild],
  [/^#\/sync$/, () => (ctx.role === 'dinkes' ? reports.render(ctx) : syncScreen.render(ctx))],
  [/^#\/conflict\/([\w-]+)$/, (m) => syncScreen.conflict(ctx, m[1]), () => '#/sync'],
  [/^#\/settings$/, () => syncScreen.settings(ctx)],
  [/^#\/password$/, () => syncScreen.passwordScreen(ctx), () => '#/settings', mustChangePassword],
  [/^#\/duplicates$/, duplicatesScreen, () => '#/', judgesDuplicates],
  [/^#\/deleted$/, deletedScreen, () => '#/', judgesDuplicates], // others: 403
  [/^#\/import$/, importScreen, () => '#/', () => isHealthWorker(ctx.role)], // others: 403
  [/^#\/users(?:\/(new|[\w-]+))?$/, usersScreen, () => '#/', isAdmin],
  [/^#\/kbm$/, kbmScreen, () => '#/settings', isAdmin],
  [/^#\/areas(?:\/((?:puskesmas|posyandu)\/[\w-]+))?$/, areasScreen, () => '#/settings', isAdmin],
  [/^#\/reports$/, () => (ctx.role === 'parent' ? parent.home(ctx) : reports.render(ctx))],
  [/^.*$/, () => (ctx.role === 'parent' ? parent.home(ctx) : ctx.role === 'dinkes' ? reports.render(ctx) : home.render(ctx))],
];

function markMenu(hash) {
  const home = ctx.role === 'dinkes' ? '#/reports' : '#/';
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.getAttribute('href') === (hash === '' || hash === '#/' ? home : hash)) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

let rendering = 0;
let shown = null; // the hash on screen (a new one starts at the top)
let before = null; // and the one before it
let drawnForms = null; // forms' values when drawn: anything typed since is unsaved
let drawn = { first: null, ticket: 0 }; // last drawn node and its ticket
let asked = 0; // ticket of the last non-refresh drawing
let dropped = 0; // of the last post-sync drawing dropped
async function route({ refresh = false } = {}) {
  if (!ctx.session) return;
  if (mustChangePassword() && location.hash !== PASSWORD_HASH) {
    history.replaceState(null, '', PASSWORD_HASH); // nothing else till she set her own
  }
  document.getElementById('nav').hidden = mustChangePassword();
  if (history.state?.to) history.replaceState(null, '', history.state.to); // a saved form: not again
  const hash = location.hash || '#/';
  const [re, screen, away, may = ctx.canWrite] = ROUTES.find(([r]) => r.test(hash));
  if (away && !may()) {
    history.replaceState(null, '', away(hash.match(re))); // Back skips the refused screen
    return route();
  }
  turnDay(); // a screen opened the morning after shows today
  const ticket = ++rendering;
  if (!refresh) asked = ticket;
  // for a screen's own work (read before its first await): false once replaced or dropped
  ctx.live = () => ticket === drawn.ticket || (ticket === rendering && ticket !== dropped);
  try {
    const node = await screen(hash.match(re));
    if (ticket !== rendering) return; // a newer navigation won
    // a post-sync drawing dropped if she got busy
    if (refresh && hash === shown && main.firstChild === drawn.first && asked <= drawn.ticket && busy()) {
      dropped = ticket;
      if (!asking()) redrawLists();
      return;
    }
    const from = document.activeElement; // before it goes with the old screen
    const kept = refresh && hash === shown ? main.firstChild?.keep?.() : null; // its open panels (child.js)
    main.replaceChildren(node);
    if (kept) node.restore?.(kept).catch((error) => console.error(error));
    drawn = { first: main.firstChild, ticket };
    drawnForms = formValues(main);
    for (const id of ['report-form', 'users-search', 'import-form']) delete drawnForms[id]; // what to show or send: not asked
    const fresh = hash !== shown;
    if (fresh) {
      before = shown;
      window.scrollTo(0, history.state?.y ?? 0); // Back: her place (kept on scroll)
      document.getElementById('save-failed').hidden = true; // about the screen left
      if (saved) node.prepend(h('p', { class: 'notice info', id: 'saved-flash' }, saved));
    }
    if (draft?.hash === hash && draft.user === ctx.session.user.id && restoreForms(main, draft.values)) {
      node.prepend(h('p', { class: 'notice info', id: 'draft-back', role: 'status' }, t('draft_back')));
    }
    draft = null;
    saved = null;
    shown = hash;
    markMenu(hash);
    // focus lost, or on the menu/chip: to the heading
    const heading = main.querySelector('h2');
    const lost = document.activeElement === document.body || !document.activeElement?.isConnected;
    const menu = fresh && Boolean(from?.closest?.('#nav, .bar')); // a menu link, the sync chip
    if (heading && ((lost && (fresh || !refresh || !from?.isConnected)) || menu)) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  } catch (error) {
    console.error(error);
    if (ticket !== rendering) return;
    drawn = { ticket };
    main.replaceChildren(h('section', { id: 'screen-failed' }, h('p', { class: 'notice bad' }, t('screen_failed')),
      h('button', { class: 'btn primary', type: 'button', onclick: () => route() }, t('try_again')), ' ',
      h('a', { class: 'btn', href: '#/' }, t('home')), h('p', { class: 'muted' }, String(error.message ?? error))));
  }
}
ctx.route = route;

let typedIn = null; // the field she was in: focused again if she stays
const mayLeave = () => !dirty() || new Promise((resolve) => {
  main.querySelector('.leave')?.remove(); // Back again: asked again
  const q = t('unsaved_leave');
  const answer = (words, go) => h('button', { class: go ? 'btn danger' : 'btn', type: 'button', onclick: () => {
    box.remove(); if (go) { drawnForms = null; keepDraft(null); } else typedIn?.focus(); resolve(go); } }, t(words));
  const box = h('p', { class: 'notice warn confirm leave', role: 'alertdialog', 'aria-label': q }, q, ' ', answer('stay_here'), ' ', answer('leave', 1));
  box.settle = () => { box.remove(); resolve(false); }; // saved meanwhile
  main.append(box);
  box.firstElementChild.focus();
});

const langBtn = document.getElementById('lang-btn');
/** The page's own words (menu, header). */
function paint() {
  langBtn.textContent = t('lang_code');
  langBtn.setAttribute('aria-label', `${t('lang_code')} (${t('lang_switch')})`);
  langBtn.lang = lang() === 'id' ? 'en' : 'id'; // the other language, in its words (WCAG 3.1.2)
  document.documentElement.lang = lang();
  for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  const update = document.getElementById('update-banner');
  if (!update.hidden) update.redraw();
}

function wireHeader() {
  // focus only (#main would route home)
  document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
  /** In place (a reload would lock the app). */
  ctx.switchLang = async () => {
    setLang(lang() === 'id' ? 'en' : 'id');
    live.textContent = ''; // no words left in the other language
    paint();
    if (!ctx.session) return main.firstChild?.relang ? main.firstChild.relang() : loginScreen.show(ctx, main);
    ctx.sync.refresh();
    if (main.firstChild?.relang) return main.firstChild.relang();
    // what the forms held kept
    const [hash, typed] = [location.hash, formValues(main)];
    await route();
    if (location.hash === hash) restoreForms(main, typed);
  };
  langBtn.addEventListener('click', ctx.switchLang);
  // large text: a header over a fifth of the screen scrolls away
  const bar = document.querySelector('.bar');
  const fit = () => bar.classList.toggle('tall', bar.offsetHeight > innerHeight / 5);
  new ResizeObserver(fit).observe(bar);
  addEventListener('resize', fit);
  // the session refused on a form she is typing: straight to the login, the form given back after it
  chip.addEventListener('click', async () => (ctx.syncState.phase === 'login_required' && dirty() ? ctx.relogin()
    : (await mayLeave()) && ctx.go('#/sync')));
  paint();
}

let updateAsked = false;
function watchUpdates(reg) {
  const banner = document.getElementById('update-banner');
  const take = () => {
    updateAsked = true;
    // taken in another tab: reload
    if (reg.waiting) reg.waiting.postMessage('skipWaiting');
    else location.reload();
  };
  const button = (text, onclick) => h('button', { class: 'btn', type: 'button', onclick }, text);
  const show = banner.redraw = () => banner.replaceChildren(t(ctx.session ? 'update_pin' : 'update_ready'), ' ', // a reload locks
    button(t('reload'), async () => (await mayLeave()) && take()));
  const offer = () => {
    if (!reg.waiting || !navigator.serviceWorker.controller) return;
    show();
    banner.hidden = false;
  };
  offer();
  reg.addEventListener('updatefound', () => reg.installing?.addEventListener('statechange', offer));
  addEventListener('stale', () => reg.update().catch(() => {})); // ui.js onlineModule
  // hourly at most
  let asked = Date.now();
  const check = () => {
    if (!navigator.onLine || Date.now() - asked < 60 * 60 * 1000) return;
    asked = Date.now();
    reg.update().catch(() => {});
  };
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') check(); });
  window.addEventListener('online', check);
}

function wireTriggers() {
  window.addEventListener('hashchange', async () => {
    if (location.hash === shown || !dirty()) return route();
    history.pushState(null, '', shown);
    if (await mayLeave()) history.back(); // to where she went
  });
  document.addEventListener('click', async (e) => {
    const a = e.target.closest?.('a[href^="#"]');
    if (!a || e.defaultPrevented || a.hash === location.hash || !dirty()) return;
    e.preventDefault();
    if (await mayLeave()) location.hash = a.hash;
  });
  let still = 0;
  window.addEventListener('scroll', () => {
    const at = location.hash;
    clearTimeout(still);
    still = setTimeout(() => at === location.hash && history.replaceState({ ...history.state, y: scrollY }, ''), 200);
  }, { passive: true });
  window.addEventListener('beforeunload', (e) => dirty() && e.preventDefault());
  main.addEventListener('focusin', (e) => { if (e.target.form) typedIn = e.target; });
  const parentOnline = () => ctx.session && ctx.role === 'parent' && location.hash.startsWith('#/child/');
  window.addEventListener('online', () => {
    ctx.sync?.sync();
    if (parentOnline() || (ctx.session && (['#/reports', '#/duplicates'].includes(location.hash)
      || main.querySelector('#users-offline, #imports-offline, #kbm-table-offline, #areas-offline, #deleted-offline, #password-offline')))) route();
  });
  window.addEventListener('offline', () => {
    ctx.sync?.refresh();
    if (parentOnline() || (ctx.session && location.hash === '#/duplicates')) route();
  });
  setInterval(() => { if (document.visibilityState === 'visible') ctx.sync?.sync(); }, 5 * 60 * 1000);
  setInterval(onNewDay, 60 * 1000);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') { lockIfAway(); onNewDay(); } else hiddenAt = Date.now();
  });
  if ('serviceWorker' in navigator) {
    navigator.serviceWorker.addEventListener('message', ({ data }) => {
      if (data?.sync) ctx.sync?.sync();
      if (data?.version) client.version = `pwa-${data.version}`;
    });
    navigator.serviceWorker.register('/sw.js').then(watchUpdates).catch(() => {});
    navigator.serviceWorker.ready.then((r) => r.active.postMessage('version'));
    let reloading = false;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (updateAsked && !reloading) { reloading = true; location.reload(); }
    });
  }
}

wireHeader();
wireTriggers();
const notice = sessionStorage.getItem(syncScreen.LOGIN_NOTICE);
sessionStorage.removeItem(syncScreen.LOGIN_NOTICE);
loginScreen.show(ctx, main, { notice: notice && (() => t(notice)) });
