// Login (online, once), PIN set-up and PIN re-entry (works offline).
import { createApi } from '../api.js';
import { remember, rememberedUsers, unlock } from '../auth.js';
import { lang, t } from '../i18n.js';
import { confirmed, field, h, onlineModule, onlineOnly, showErrors } from '../ui.js';
import { openDb, userDbName } from '../db.js';
import { counts } from '../outbox.js';

// a new PIN has 6 digits, as Indonesian wallets' and banks' do (4 to 6 before: one set then still opens)
const PIN = /^\d{6}$/;
/** A PIN tried first: one digit six times, or a run up or down (123456, 987654). */
const guessable = (pin) => [0, 1, -1].some((step) => [...pin].every((d, i) => !i || d - pin[i - 1] === step));
const pinInput = (name, label) => field({ label, name, type: 'password', inputmode: 'numeric', autocomplete: 'off',
  pattern: '[0-9]{4,6}', maxlength: 6, required: true });

/** The login; a `notice` (closed, locked, expired; text or a function of the language) is said once above it,
 * never above another user's PIN (a shared phone). */
export async function show(ctx, main, { force = false, notice = null, username = '' } = {}) {
  const { users, last } = await rememberedUsers();
  const lost = lostRecords(users);
  const said = () => [notice?.call ? notice() : notice, lost && t('storage_lost', { n: lost })].filter(Boolean).join(' ');
  const usable = users.filter((u) => !u.locked);
  const chosen = usable.find((u) => u.id === last) ?? usable[0];
  if (chosen && !force && !said()) put(main, () => pinScreen(ctx, main, chosen, usable));
  else put(main, () => loginScreen(ctx, main, users), said() ? said : null, 0, username);
}

/** A screen before the session, its first field focused; relang (app.js switchLang) keeps what she typed,
 * was told and focused, its `notice` (a function) in the new words. */
function put(main, screen, notice, stay, username) {
  const el = h('div', {}, notice && h('p', { class: 'notice warn', role: 'alert' }, notice()), screen());
  const named = el.querySelector('input[name=username]');
  if (username && named) named.value = username; // her session ended: her name typed, the password asked
  el.relang = () => {
    const [fields, said] = [() => [...main.querySelectorAll('input')], () => [...main.querySelectorAll('.error, .notice.bad')]];
    const [typed, at, told] = [fields().map((e) => [e.value, e.getAttribute('aria-invalid')]), fields().indexOf(document.activeElement),
      said().map((e) => [e.textContent, e.hidden])];
    put(main, screen, notice, 1);
    fields().forEach((e, i) => { [e.value] = typed[i] ?? ['']; if (typed[i]?.[1]) e.setAttribute('aria-invalid', 'true'); });
    said().forEach((e, i) => { if (told[i]) [e.textContent, e.hidden] = told[i]; });
    fields()[at]?.focus();
  };
  main.replaceChildren(el);
  if (!stay) main.querySelector(username ? 'input[type=password]' : 'input')?.focus();
}

const registerModule = onlineModule('register');

/** `userId`'s unsent count, kept outside IndexedDB (lostRecords). */
export function keepUnsent(userId, n) {
  try {
    if (n) localStorage.setItem(`unsent:${userId}`, n); else localStorage.removeItem(`unsent:${userId}`);
  } catch { /* storage refused */ }
}

/** Unsent records of users no longer remembered: deleted by the browser (a logout waits for them); said once. */
function lostRecords(users) {
  let n = 0;
  try {
    for (const key of Object.keys(localStorage)) {
      if (!key.startsWith('unsent:') || users.some((u) => key === `unsent:${u.id}`)) continue;
      n += Number(localStorage.getItem(key)) || 0;
      localStorage.removeItem(key);
    }
  } catch { /* storage refused */ }
  return n;
}

function loginScreen(ctx, main, users) {
  const form = h('form', { class: 'card', id: 'login', novalidate: true },
    h('h2', {}, t('login')),
    field({ label: t('username'), name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' }),
    field({ label: t('password'), name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('p', { class: 'notice bad', role: 'alert', hidden: true }),
    h('button', { class: 'btn primary', type: 'submit' }, t('login')));
  const alert = form.querySelector('[role=alert]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const username = form.elements.username.value.trim();
    const password = form.elements.password.value;
    if (!showErrors(form, { ...(username ? {} : { username: [t('required')] }), ...(password ? {} : { password: [t('required')] }) })) return;
    alert.hidden = true;
    try {
      const tokens = await createApi({ lang }).login(username, password);
      put(main, () => pinSetup(ctx, tokens));
    } catch (error) {
      // on the form shown: the language switched meanwhile (put's relang) drew it again
      const said = main.querySelector('#login')?.querySelector('[role=alert]') ?? alert;
      said.textContent = error.kind === 'network' ? t('login_offline') : error.kind === 'auth' ? t('login_failed') : error.message;
      said.hidden = false;
    }
  });
  const known = users.filter((u) => !u.locked);
  return h('div', {}, form,
    h('button', { class: 'btn link', type: 'button', id: 'register-open', onclick: async () => {
      const m = await registerModule(); // online only: js/online/register.js
      if (!m) {
        alert.textContent = onlineOnly('register_offline');
        alert.hidden = false;
        return;
      }
      put(main, () => m.registerScreen({ pinSetup: (tokens) => put(main, () => pinSetup(ctx, tokens)),
        back: () => put(main, () => loginScreen(ctx, main, users)) }));
    } }, t('register_with_code')),
    known.length ? h('button', { class: 'btn link', type: 'button', onclick: () => show(ctx, main) }, t('remembered')) : null);
}

function pinSetup(ctx, tokens) {
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', {}, t('pin_setup_title')), h('p', {}, t('pin_setup_help')),
    pinInput('pin', t('pin')), pinInput('pin2', t('pin_again')),
    h('p', { class: 'notice bad', role: 'alert', hidden: true }),
    h('button', { class: 'btn primary', type: 'submit' }, t('save')));
  const alert = form.querySelector('[role=alert]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { pin, pin2 } = form.elements;
    if (!PIN.test(pin.value) || guessable(pin.value)) return showErrors(form, { pin: [t(PIN.test(pin.value) ? 'pin_weak' : 'pin_format')] });
    if (pin.value !== pin2.value) return showErrors(form, { pin2: [t('pin_mismatch')] });
    alert.hidden = true;
    const { user, ...rest } = tokens;
    try {
      const session = await remember(user, { access_token: rest.access_token, refresh_token: rest.refresh_token }, pin.value);
      return await ctx.startSession(session);
    } catch (error) {
      // could not store the login (a full disk): said, the form stays
      alert.textContent = t('open_failed', { reason: error?.name || error?.message || String(error) });
      alert.hidden = false;
      return null;
    }
  });
  return form;
}

/** "Masukkan PIN" for `user`: `opened(session)`, or `locked()` after too many wrong; `titleId`: its heading's id. */
function pinForm(user, { opened, locked, titleId = null }) {
  const form = h('form', { class: 'card', novalidate: true },
    h('h2', { id: titleId }, t('pin_enter_title')), h('p', {}, t('pin_for', { name: user.name })),
    pinInput('pin', t('pin')),
    h('p', { class: 'notice bad', role: 'alert', hidden: true }),
    h('button', { class: 'btn primary', type: 'submit' }, t('open')));
  const alert = form.querySelector('[role=alert]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await opened(await unlock(user.id, form.elements.pin.value));
    } catch (error) {
      if (error.message === 'locked') return locked();
      alert.hidden = false;
      // the right PIN, the data not opened (a full disk)
      if (error.message !== 'wrong_pin') {
        alert.textContent = t('open_failed', { reason: error?.name || error?.message || String(error) });
        return null;
      }
      // the tries left, words that change each time: a screen reader reads the alert again
      alert.textContent = `${t('pin_wrong')} ${t('pin_tries_left', { n: error.left })}`;
      form.elements.pin.setAttribute('aria-invalid', 'true');
      form.elements.pin.value = '';
      form.elements.pin.focus();
    }
    return null;
  });
  return form;
}

/** The PIN asked over the page (app.js LOCK_AFTER_MS), the rest inert; too many wrong PINs: `locked()`. */
export function lockOver(user, { locked }) {
  const away = [...document.body.children].filter((el) => el.tagName !== 'SCRIPT');
  const before = document.activeElement;
  const open = () => {
    lock.remove();
    for (const el of away) el.inert = false;
    (before?.isConnected ? before : document.getElementById('main')).focus({ preventScroll: true });
  };
  const form = pinForm(user, { opened: open, locked: () => { open(); locked(); }, titleId: 'lock-title' });
  const lock = h('div', { id: 'lock', class: 'lock', role: 'dialog', 'aria-modal': 'true', 'aria-labelledby': 'lock-title' }, form);
  for (const el of away) el.inert = true;
  document.body.append(lock);
  form.elements.pin.focus();
  return lock;
}

function pinScreen(ctx, main, user, users) {
  const form = pinForm(user, { opened: (session) => ctx.startSession(session),
    locked: () => show(ctx, main, { force: true, notice: () => t('pin_locked') }) });
  // another account: not at this one's address
  const to = (screen) => () => { history.replaceState(null, '', location.pathname); put(main, screen); };
  const choices = [...users.filter((u) => u.id !== user.id).map((u) => [u.name, to(() => pinScreen(ctx, main, u, users)), 'btn']),
    [t('other_account'), to(() => loginScreen(ctx, main, users)), 'btn link']];
  const slots = choices.map(([label, go, cls]) => h('span', {}, h('button', { class: cls, type: 'button', onclick: go }, label)));
  const said = h('p', { class: 'notice warn', id: 'pin-unsent', hidden: true });
  // her unsent records wait for her PIN
  unsentOf(user).then((n) => {
    if (!n) return;
    said.textContent = t('pin_unsent', { n, name: user.name });
    said.hidden = false;
    choices.forEach(([label, go], i) => slots[i].replaceChildren(confirmed(label, t('other_anyway', { name: user.name }), go)));
  });
  return h('div', {}, form, said, slots);
}

/** How many records of `user` wait on this phone (0 when unreadable). */
const unsentOf = (user) => openDb(userDbName(user.id)).then(async (db) => {
  try {
    const c = await counts(db);
    return c.waiting + c.attention + c.conflicts;
  } finally { db.close(); }
}).catch(() => 0);
