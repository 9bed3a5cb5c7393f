// Composition root: wires storage, API, sync and the screens; owns the header and routing.
import { openDb, userDbName, withDbLock } from './db.js';
import { createApi } from './api.js';
import { clockSuspect, createSync } from './sync.js';
import { getMeta, putMeta, records, recordView, rowsOfChild, saveChanges } from './outbox.js';
import { refreshUser, saveTokens } from './auth.js';
import { lang, setLang, t } from './i18n.js';
import { formValues, formsChanged, h, onlineModule, restoreForms, showSaveFailed, todayIso } from './ui.js';
import { isHealthWorker } from './checks.js';
import { loadTables } from './growth.js';
import { BUNDLED_URL, currentSchedule, refreshSchedule } from './schedule.js';
import { currentKbm, refreshKbm } from './kbm.js';
import { areaOf } from './due-list.js';
import { markStale } from './assess.js';
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
let syncTimer = null;

const ctx = {
  session: null, db: null, api: null, sync: null, syncState: {}, lastCounts: { waiting: 0, attention: 0, conflicts: 0 },
  day: { date: todayIso(), since: todayIso(), posyandu_id: null }, // since: the calendar day it was set on (turnDay)
  go: (hash) => { if (location.hash === hash) route(); else location.hash = hash; },
  announce: (text) => { live.textContent = ''; setTimeout(() => { live.textContent = text; }, 50); },
  online: () => navigator.onLine,
};

let tables = null;
let schedule = null;
let kbm = null;
/** The WHO tables (the service worker serves them offline); a failed load is tried again at the next screen. */
ctx.tables = () => (tables ??= loadTables('/data/who/').catch((error) => { tables = null; throw error; }));
/** The server's schedule kept in the user's database, else the bundled one (the service worker serves it offline). */
ctx.schedule = () => (schedule ??= currentSchedule(ctx.db, () => fetch(BUNDLED_URL).then((r) => r.json()))
  .catch((error) => { schedule = null; throw error; }));
/** The KBM table the server judges N/T with, kept in the user's database, else the built-in one. */
ctx.kbm = () => (kbm ??= currentKbm(ctx.db).catch((error) => { kbm = null; throw error; }));
/** On each sync of `session`: fetch the schedule and the KBM table in force into its own database,
 * and a kader's own record (her posyandu closed or changed: auth.refreshUser); a changed one is used
 * from the next render on (while that session is the one open). Each is tried on its own: one
 * failing does not keep the other. */
async function updateReferenceData(session, db, api) {
  const posyanduId = session.user.posyandu_id;
  const [changedSchedule, changedKbm] = await Promise.allSettled([refreshSchedule(db, api), refreshKbm(db, api),
    refreshUser(session, api)]);
  if (ctx.session !== session) return;
  if (changedSchedule.value) schedule = null;
  if (changedKbm.value) kbm = null;
  // moved to another posyandu since she logged in: her posyandu day is the new one's
  if (session.user.posyandu_id !== posyanduId) ctx.day.posyandu_id = session.user.posyandu_id ?? null;
}

/** Roles that send changes to the server; the others (parents, dinkes) only read. */
const WRITERS = new Set(['kader', 'bidan', 'admin']);
ctx.canWrite = () => WRITERS.has(ctx.role);

/** Save the changes one user action entered (records + outbox entries in one transaction: all
 * or none), then sync soon. Only a role that pushes saves: anyone else's change would wait in
 * the outbox forever (and block logging out). */
ctx.saveAll = async (changes) => {
  if (!ctx.canWrite()) throw new Error(t('read_only'));
  const failed = document.getElementById('save-failed');
  let out;
  try {
    // under the database's lock (shared): a logout in another tab counts this save before it deletes
    out = await withDbLock(userDbName(ctx.session.user.id), 'shared', () => saveChanges(ctx.db, changes));
  } catch (error) {
    // Nothing of it was stored (one transaction): said at once, and the form stays as filled in
    // (the caller stops here), so the cadre can save again.
    showSaveFailed(error);
    throw error;
  }
  failed.hidden = true;
  await ctx.sync.refresh();
  clearTimeout(syncTimer);
  syncTimer = setTimeout(() => ctx.sync.sync(), 2000);
  if ('serviceWorker' in navigator && 'SyncManager' in window) {
    navigator.serviceWorker.ready.then((reg) => reg.sync.register('outbox')).catch(() => {});
  }
  return out;
};
/** Save one change (a record with its outbox entry), as `saveAll`. */
ctx.save = (change) => ctx.saveAll([change]).then(([out]) => out);
/** Live measurements, those whose server results a change waiting to be sent may have outdated
 * marked (assess.markStale: a delete waiting counts, so deleted ones are read too). */
const measurements = async (db) => {
  const [children, all] = await Promise.all([ctx.children(), records(db, 'measurement', { deleted: true })]);
  return markStale(children, all).filter((m) => !m.deleted_at);
};
/** Live records of one entity, read again only after the user's database changed (every write
 * bumps its generation; another tab's writes count when this one is shown again): the home list
 * reads every weighing of the posyandu, and a cadre returns to it after each child. Frozen:
 * screens share them and must not change them. */
const readCache = new Map();
ctx.records = (entity) => {
  const generation = ctx.db.generation();
  const hit = readCache.get(entity);
  if (hit && hit.db === ctx.db && hit.generation === generation) return hit.rows;
  const read = entity === 'measurement' ? measurements(ctx.db) : records(ctx.db, entity);
  const rows = read.then((list) => Object.freeze(list.map(Object.freeze)));
  readCache.set(entity, { db: ctx.db, generation, rows });
  rows.catch(() => readCache.delete(entity));
  return rows;
};
document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') ctx.db?.touch(); });
ctx.children = () => ctx.records('child');
ctx.posyandus = () => ctx.records('posyandu');
/** A child with all its events (views of the local copy, deleted ones left out; measurements
 * whose server results a change waiting to be sent may have outdated marked, assess.markStale). */
ctx.bundle = async (childId) => {
  const rows = await rowsOfChild(ctx.db, childId);
  const own = await ctx.db.read(['records'], ({ records: r }) => r.get(['child', childId]));
  const child = own ? { ...recordView(own), _gone: own.gone ?? null } : null;
  const all = (entity) => rows.filter((r) => r.entity === entity).map(recordView);
  const live_ = (list) => list.filter((r) => r.id && !r.deleted_at);
  return { child, measurements: live_(child ? markStale([child], all('measurement')) : all('measurement')),
    immunisations: live_(all('immunisation')), supplements: live_(all('supplement')) };
};
/** The last report viewed, kept in the user's database for the offline reports screen: bound to
 * the session's own database, and kept only while that session is the one open (a report that
 * arrives after another user logged in is not saved into theirs). */
const lastReportOf = (session, db) => ({
  get: () => getMeta(db, 'last_report').then((row) => row?.value ?? null),
  put: async (value) => { if (ctx.session === session) await putMeta(db, { key: 'last_report', value }); },
});
/** A child's area for the schedule (JE): its own kabupaten as the server judges it (due-list.js areaOf). */
ctx.area = (child) => ctx.posyandus().then((ps) => areaOf(child, ps.find((p) => p.id === child?.posyandu_id)));

function chipText(s, c) {
  if (s.phase === 'pulling' && s.has_more) return t('pulling', { n: s.pulled });
  if (c.conflicts) return t('conflicts_n', { n: c.conflicts });
  if (c.attention) return t('need_attention', { n: c.attention });
  if (c.waiting) return `${navigator.onLine ? '' : `${t('offline')} · `}${t('waiting', { n: c.waiting })}`;
  if (s.phase === 'pushing' || s.phase === 'pulling') return t('syncing');
  if (!navigator.onLine) return t('offline');
  return failed(s) ? t('sync_failed') : t('synced');
}

/** She is answering a question ("Ya, buang data ini": ui.confirmed): a drawing of the screen after a
 * sync would take it from under her finger with its focus. */
const asking = () => Boolean(main.querySelector('.confirm .danger'));
/** Or typing: no drawing after a sync is begun then. */
const busy = () => ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement?.tagName) || asking();
/** While she types, a screen that lists records below its fields (the day's: screens/home.js) draws
 * those lists again from the records just pulled, leaving the fields and her focus alone. */
const redrawLists = () => main.firstChild?.redrawLists?.().catch((error) => console.error(error));

/** The screens a sync's end draws again: the day's, the sync screen, a child's. */
const redrawn = () => ['', '#/', '#/sync'].includes(location.hash) || /^#\/child\/[\w-]+$/.test(location.hash);

/** The posyandu day lasts until the calendar day turns (an app left open overnight). */
function turnDay() {
  const today = todayIso();
  if (ctx.day.since === today) return false;
  ctx.day.since = today;
  if (ctx.day.date === today) return false;
  ctx.day.date = today;
  return true;
}
/** The day turned: the screens that show it follow (the lists below her field if she types). */
function onNewDay() {
  if (!turnDay() || !ctx.session || !redrawn()) return;
  if (busy()) redrawLists(); else route({ refresh: true });
}

/** Away from the screen this long, the PIN is asked again (login.js lockOver). */
const LOCK_AFTER_MS = 10 * 60 * 1000;
let hiddenAt = null;
function lockIfAway() {
  const away = hiddenAt !== null && Date.now() - hiddenAt >= LOCK_AFTER_MS;
  hiddenAt = null;
  if (!away || !ctx.session || document.getElementById('lock')) return;
  const session = ctx.session;
  loginScreen.lockOver(session.user, { locked: () => {
    if (ctx.session !== session) return;
    endSession();
    ctx.db?.close();
    ctx.db = null;
    loginScreen.show(ctx, main, { force: true, notice: t('pin_locked') });
  } });
}

/** The last sync did not go through while the phone is online (the server in trouble, a captive
 * portal, the session to renew): nothing of others' changes came, so it is not "Tersinkron". */
const failed = (s) => s.phase === 'error' || s.phase === 'login_required' || s.phase === 'password_change';

function onSyncState(s) {
  if (s.phase === 'account_gone') { accountGone(s.error, s.message); return; }
  if (s.phase === 'password_change' && ctx.session && !mustChangePassword()) { // the server says so: her own first
    ctx.session.user = { ...ctx.session.user, must_change_password: true };
    route();
  }
  const before = ctx.syncState.phase;
  ctx.syncState = s;
  ctx.lastCounts = { waiting: s.waiting, attention: s.attention, conflicts: s.conflicts };
  let drawing;
  if (s.phase === 'done' && before !== 'done') {
    // not while she types or answers a question ("Ya, buang data ini": ui.confirmed), which a new
    // drawing would take from under her finger with its focus
    // a child's screen shows the records just pulled (not the access history: its pages stay read)
    if (!busy() && redrawn()) {
      drawing = route({ refresh: true });
    } else if (!asking()) {
      redrawLists();
    }
  }
  // "Tersinkron" once what came is shown (a first sync's list took seconds)
  const show = () => {
    chip.textContent = chipText(s, s);
    chip.className = `chip ${s.conflicts || s.attention ? 'chip-bad' : s.waiting ? 'chip-wait'
      : navigator.onLine && failed(s) ? 'chip-bad' : 'chip-ok'}`;
    chip.hidden = false;
    chip.dataset.phase = s.phase;
  };
  if (drawing) drawing.finally(() => ctx.syncState === s && show()); else show();
  document.getElementById('clock-banner').hidden = !clockSuspect(ctx.api?.clockOffsetMs, s.last_sync_at, Date.now(),
    s.last_sync_device_at);
}

/** dinkes keeps no records on the phone: the server answers its sync with 403 ("it exports"). */
const NO_SYNC = { sync: async () => true, syncNow: async () => true, refresh: async () => {}, stop: () => {}, state: {} };

/** End the session on screen (another user, or a login again): its sync engine and timers stop,
 * what it asked the server and is still on its way is discarded (api.close), a screen of it still
 * being drawn is not shown: nothing of the user gone lands on the next one's screen or storage. */
function endSession() {
  ctx.sync?.stop();
  ctx.api?.close();
  clearTimeout(syncTimer);
  rendering += 1;
  ctx.session = null;
  readCache.clear();
  ctx.reports = null; // the report pickers and the report shown belong to the user's scope
  ctx.invites = new Map(); // the invitation codes this user made, by child: shown again when the screen is redrawn
  ctx.syncState = {};
  ctx.lastCounts = { waiting: 0, attention: 0, conflicts: 0 };
  chip.hidden = true;
  document.getElementById('nav').hidden = true;
}

let opening = null;
async function startSession(session) {
  endSession();
  ctx.db?.close();
  ctx.db = null;
  opening = session;
  // no screen is drawn meanwhile (no session); logged out in another tab (the database deleted), this
  // one reloads to the login screen: nothing of the user stays shown or in memory for the next
  const db = await openDb(userDbName(session.user.id), undefined, { onDeleted: () => {
    if (ctx.session === session) location.reload();
  } });
  if (opening !== session) { db.close(); return; } // another login won meanwhile
  ctx.session = session;
  ctx.role = session.user.role;
  ctx.db = db;
  schedule = null; // each user keeps their own copies
  kbm = null;
  const api = createApi({ tokens: () => session.tokens, saveTokens: (tokens) => saveTokens(session, tokens), lang });
  ctx.api = api;
  ctx.lastReport = lastReportOf(session, db);
  const syncs = ctx.role !== 'dinkes';
  ctx.sync = syncs ? createSync({ db, api, canPush: ctx.role !== 'parent', onState: onSyncState,
    lockName: `sync-${session.user.id}`, afterPull: () => updateReferenceData(session, db, api) }) : NO_SYNC;
  chip.hidden = true; // shown by the first sync state
  document.getElementById('nav-sync').hidden = !syncs;
  ctx.day.posyandu_id = session.user.posyandu_id ?? null;
  document.getElementById('nav-reports').hidden = ctx.role === 'parent';
  document.getElementById('nav-duplicates').hidden = !duplicates.judges(ctx.role);
  document.body.dataset.role = ctx.role;
  document.getElementById('nav').hidden = mustChangePassword(); // shown again once she has set her own
  navigator.storage?.persist?.().then((granted) => { ctx.persisted = granted; }).catch(() => {});
  await ctx.sync.refresh();
  if (!location.hash || location.hash === '#/login') location.hash = '#/';
  route();
  if (!mustChangePassword()) ctx.sync.sync(); // else refused (403): sent once she has set her own
}
ctx.startSession = startSession;
/** The refresh token was refused: log in again with the password; the data and outbox stay. */
ctx.relogin = () => {
  endSession();
  loginScreen.show(ctx, main, { force: true, notice: t('sync_login') });
};

/** The server said this account is closed or switched off (sync phase 'account_gone'): the phone
 * forgets it and deletes its database unless something in it is unsent (syncScreen.forgetAccount),
 * and the login screen says so. Known only online: offline the PIN still opens it until then. */
let forgetting = null;
function accountGone(kind, message) {
  const session = ctx.session;
  if (!session || forgetting === session) return;
  forgetting = session;
  syncScreen.forgetAccount(ctx).catch(() => null).then((unsent) => {
    if (ctx.session !== session) return;
    endSession();
    ctx.db?.close();
    ctx.db = null;
    history.replaceState(null, '', location.pathname); // no child's id left in the address
    // the phone could not delete it (its storage failed): the server's words only, nothing claimed
    const notice = unsent === null ? message : syncScreen.accountGoneNotice(kind, unsent);
    loginScreen.show(ctx, main, { force: true, notice });
  });
}

// [pattern, screen, away, may]: a screen only for some roles, `may()` (by default the roles that
// push: a write screen saves changes), sends anyone else to `away(match)` (the child's own view, or home).
const toChild = (m) => `#/child/${m[1]}`;
const parentOnly = () => ctx.role === 'parent'; // the server answers staff 403
const judgesDuplicates = () => duplicates.judges(ctx.role); // bidan, admin: merge is theirs (the server answers a kader 403)
const isAdmin = () => ctx.role === 'admin'; // the server answers anyone else 403 on /users
/** The password is a temporary one an admin set: "Ganti kata sandi" is the only screen until she
 * sets her own (the server refuses everything else, 403 password_change_required). */
const mustChangePassword = () => Boolean(ctx.session?.user?.must_change_password);
const PASSWORD_HASH = '#/password';
/** A screen of the server's, "Pengguna" and "Tabel KBM" (admin), "Impor data" (bidan, admin): js/online/`name`.js,
 * fetched when opened, never in the offline shell (it needs the server anyway); offline, or the file
 * out of reach, its title and "Perlu internet", drawn again when the network comes back, and tried
 * again while it is shown on a phone that says it is online (the first request after the signal
 * returns may still fail, and nothing else would ask again): after 2 s, 4 s… up to a minute. */
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
    return h('section', {}, h('h2', {}, t(title)), h('p', { class: 'notice warn', role: 'alert', id: `${name}-offline` }, t('online_only')));
  };
}
const usersScreen = onlineScreen('users', 'users_nav');
const importScreen = onlineScreen('imports', 'import_nav');
const kbmScreen = onlineScreen('kbm-table', 'kbm_nav');
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
  [/^#\/duplicates$/, () => duplicates.render(ctx), () => '#/', judgesDuplicates],
  [/^#\/import$/, importScreen, () => '#/', () => isHealthWorker(ctx.role)], // the server answers others 403
  [/^#\/users(?:\/(new|[\w-]+))?$/, usersScreen, () => '#/', isAdmin],
  [/^#\/kbm$/, kbmScreen, () => '#/settings', isAdmin],
  [/^#\/reports$/, () => (ctx.role === 'parent' ? parent.home(ctx) : reports.render(ctx))],
  // dinkes keeps no children on the phone (the server does not sync with it): its home is the reports
  [/^.*$/, () => (ctx.role === 'parent' ? parent.home(ctx) : ctx.role === 'dinkes' ? reports.render(ctx) : home.render(ctx))],
];

let rendering = 0;
let shown = null; // the hash on screen: a new one starts at the top, a re-render (after a sync) stays put
let drawnForms = null; // what the screen's forms held when drawn (formValues): what she typed since is unsaved
let drawn = { first: null, ticket: 0 }; // what route last put on screen, and the drawing's ticket
let asked = 0; // the ticket of the last drawing she or the app asked for (not a sync's refresh)
async function route({ refresh = false } = {}) {
  if (!ctx.session) return;
  if (mustChangePassword() && location.hash !== PASSWORD_HASH) {
    history.replaceState(null, '', PASSWORD_HASH); // nothing else until she has set her own
  }
  document.getElementById('nav').hidden = mustChangePassword();
  const hash = location.hash || '#/';
  const [re, screen, away, may = ctx.canWrite] = ROUTES.find(([r]) => r.test(hash));
  if (away && !may()) {
    history.replaceState(null, '', away(hash.match(re))); // Back does not return to the refused screen
    return route();
  }
  turnDay(); // a screen opened the morning after shows today
  const ticket = ++rendering;
  if (!refresh) asked = ticket;
  try {
    const node = await screen(hash.match(re));
    if (ticket !== rendering) return; // a newer navigation won
    // a drawing after a sync is dropped if she opened a question or began to type while it was being
    // made (the sync's records are on the next one, or drawn below her field): it started before her
    // tap, it ends after it — on the screen route drew, and unless it took the place of a drawing asked for
    if (refresh && hash === shown && main.firstChild === drawn.first && asked <= drawn.ticket && busy()) {
      if (!asking()) redrawLists();
      return;
    }
    main.replaceChildren(node);
    drawn = { first: main.firstChild, ticket };
    drawnForms = formValues(main);
    const fresh = hash !== shown;
    if (fresh) {
      window.scrollTo(0, 0);
      document.getElementById('save-failed').hidden = true; // about the screen left
    }
    shown = hash;
    // a new screen, the link tapped gone with the old one: the focus goes to its heading, so a screen
    // reader says where she is and goes on from there (not from the page's top, or from nothing)
    const heading = main.querySelector('h2');
    if (heading && fresh && (document.activeElement === document.body || !document.activeElement?.isConnected)) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({ preventScroll: true });
    }
  } catch (error) {
    console.error(error);
    main.replaceChildren(h('p', { class: 'notice bad' }, String(error.message ?? error)));
  }
}
ctx.route = route;

function wireHeader() {
  // "Lewati ke isi" moves the focus past the header; followed as a link, its #main would be a route
  // (the home screen's, the catch-all) and take her away from the screen she is on
  document.querySelector('.skip').addEventListener('click', (e) => { e.preventDefault(); main.focus(); });
  const langBtn = document.getElementById('lang-btn');
  const paint = () => {
    langBtn.textContent = t('lang_code');
    langBtn.setAttribute('aria-label', `${t('lang_code')} (${t('lang_switch')})`);
    langBtn.lang = lang() === 'id' ? 'en' : 'id'; // it names the other language in its own words (WCAG 3.1.2)
    document.documentElement.lang = lang();
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
  };
  langBtn.addEventListener('click', async () => {
    setLang(lang() === 'id' ? 'en' : 'id');
    paint();
    if (!ctx.session) { loginScreen.show(ctx, main); return; }
    ctx.sync.refresh();
    // the screen is drawn again in the other language with what its forms held (a half-filled
    // registration, weighing or doses of the day), unless she has gone elsewhere meanwhile
    const [hash, typed] = [location.hash, formValues(main)];
    await route();
    if (location.hash === hash) restoreForms(main, typed);
  });
  chip.addEventListener('click', () => ctx.go('#/sync'));
  paint();
}

let updateAsked = false;
/** A new version waits until the user chooses to reload (never mid-form): with a form on screen
 * holding what she typed and has not saved, she is asked first, and may save it before. */
function watchUpdates(reg) {
  const banner = document.getElementById('update-banner');
  const take = () => {
    updateAsked = true;
    // taken in another tab already (no longer waiting: it controls this page too): load it here
    if (reg.waiting) reg.waiting.postMessage('skipWaiting');
    else location.reload();
  };
  const button = (text, onclick) => h('button', { class: 'btn', type: 'button', onclick }, text);
  const ask = () => banner.replaceChildren(t('update_unsaved'), ' ', button(t('reload_anyway'), take), ' ',
    button(t('cancel'), show));
  const show = () => banner.replaceChildren(t('update_ready'), ' ',
    button(t('reload'), () => (formsChanged(drawnForms, formValues(main)) ? ask() : take())));
  const offer = () => {
    if (!reg.waiting || !navigator.serviceWorker.controller) return;
    show();
    banner.hidden = false;
  };
  offer();
  reg.addEventListener('updatefound', () => reg.installing?.addEventListener('statechange', offer));
  // a phone keeps the app open for days (hash routes never load the page again): ask for a new
  // version when it comes back to the screen or online, at most once an hour
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
  window.addEventListener('hashchange', () => route());
  // a parent's child data (export, access history) needs the network: offered or not as it comes and goes
  const parentOnline = () => ctx.session && ctx.role === 'parent' && location.hash.startsWith('#/child/');
  // reports, the duplicates' merge, the users, import and KBM screens need the network: offered again, or said to wait, as it comes and goes
  window.addEventListener('online', () => {
    ctx.sync?.sync();
    if (ctx.session && ['#/reports', '#/duplicates'].includes(location.hash)) route();
    else if (ctx.session && main.querySelector('#users-offline, #imports-offline, #kbm-table-offline')) route(); // "Pengguna", "Impor data" or "Tabel KBM" said it needs the internet
    else if (parentOnline()) route();
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
    navigator.serviceWorker.addEventListener('message', (e) => { if (e.data?.sync) ctx.sync?.sync(); });
    navigator.serviceWorker.register('/sw.js').then(watchUpdates).catch(() => {});
    let reloading = false;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      if (updateAsked && !reloading) { reloading = true; location.reload(); }
    });
  }
}

wireHeader();
wireTriggers();
loginScreen.show(ctx, main);
