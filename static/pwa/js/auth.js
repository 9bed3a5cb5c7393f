// Remembered logins on this device. The tokens are kept encrypted (AES-GCM) under a key
// derived from the cadre's PIN (PBKDF2), so the app can be re-entered offline with the
// PIN and a lost phone does not hand out a working session. Data stays in the user's own
// database (posyandu-<user id>); forgetting a login never touches it.
import { DEVICE_SCHEMA, openDb } from './db.js';

const ITERATIONS = 150000;
export const MAX_PIN_FAILURES = 5;
let device = null;
const dev = async () => { device ??= await openDb('posyandu-device', DEVICE_SCHEMA, { onDeleted: () => location.reload() }); return device; };
const text = new TextEncoder();

async function pinKey(pin, salt) {
  const base = await crypto.subtle.importKey('raw', text.encode(pin), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', salt, iterations: ITERATIONS, hash: 'SHA-256' }, base,
    { name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
}

async function seal(key, value) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, text.encode(JSON.stringify(value)));
  return { iv, data };
}

const unseal = async (key, box) => JSON.parse(new TextDecoder().decode(
  await crypto.subtle.decrypt({ name: 'AES-GCM', iv: box.iv }, key, box.data)));

const put = async (row) => (await dev()).tx(['sessions', 'meta'], 'readwrite', async ({ sessions, meta }) => {
  await sessions.put(row);
  await meta.put({ key: 'last_user', value: row.user_id });
});

/** After an online login: remember the user with a PIN; returns the open session. */
export async function remember(user, tokens, pin) {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const key = await pinKey(pin, salt);
  await put({ user_id: user.id, user, salt, box: await seal(key, tokens), failures: 0 });
  return { user, tokens, key, salt };
}

/** Re-enter with the PIN (works offline). Throws 'wrong_pin' (its `left`: the tries before 'locked') or 'locked'. */
export async function unlock(userId, pin) {
  const row = await (await dev()).read(['sessions'], ({ sessions }) => sessions.get(userId));
  if (!row?.box) throw new Error('locked');
  const key = await pinKey(pin, row.salt);
  try {
    const tokens = await unseal(key, row.box);
    if (row.failures) await put({ ...row, failures: 0 });
    return { user: row.user, tokens, key, salt: row.salt };
  } catch {
    // too many wrong PINs: drop the tokens (a password login is needed); the data stays. Counted
    // on the row as it is now, in one transaction: attempts checked at the same time (a second
    // tap, another tab) each count.
    const failures = await (await dev()).tx(['sessions'], 'readwrite', async ({ sessions }) => {
      const now = await sessions.get(userId);
      if (!now) return MAX_PIN_FAILURES;
      const n = (now.failures ?? 0) + 1;
      await sessions.put({ ...now, failures: n, box: n >= MAX_PIN_FAILURES ? null : now.box });
      return n;
    });
    throw Object.assign(new Error(failures >= MAX_PIN_FAILURES ? 'locked' : 'wrong_pin'), { left: MAX_PIN_FAILURES - failures });
  }
}

const sameSalt = (a, b) => a?.length === b?.length && a.every((x, i) => x === b[i]);

/** Keep a refreshed token (sealed with the session's key) for the open session, and on the phone only
 * while its login is kept there: one wrong PINs locked or logged out in another tab stays so, and a
 * newer login (another tab: a new salt and key) is not overwritten with tokens its PIN cannot open
 * (a wrong PIN counted). The row is read and written in one transaction. */
export async function saveTokens(session, tokens) {
  session.tokens = tokens;
  const box = await seal(session.key, tokens);
  await (await dev()).tx(['sessions'], 'readwrite', async ({ sessions }) => {
    const row = await sessions.get(session.user.id);
    if (row?.box && sameSalt(row.salt, session.salt)) await sessions.put({ ...row, user: session.user, box });
  });
}

/** The open session's tokens as kept on the phone now, or null (none, or sealed under another PIN: a
 * new login). Another tab of the login may have refreshed them since (the refresh token before stops
 * working once its successor is used). Unsealed with the session's key (from the PIN at unlock, in
 * memory only): no PIN asked, as a refresh happens only in an open session. */
export async function keptTokens(session) {
  const row = await (await dev()).read(['sessions'], ({ sessions }) => sessions.get(session.user.id));
  if (!row?.box) return null;
  try {
    return await unseal(session.key, row.box);
  } catch {
    return null;
  }
}

/** A kader's own record as the server has it now (GET /auth/me, after each sync): her posyandu
 * closed since she logged in (`posyandu_closed`: the home screen says so) or another one given her.
 * Kept with her login (as the tokens are) so the PIN re-entry offline knows it too. Whether it changed. */
export async function refreshUser(session, api) {
  if (session.user.role !== 'kader') return false;
  const me = await api.get('/auth/me');
  const was = session.user;
  if (me.posyandu_closed === was.posyandu_closed && me.posyandu_id === was.posyandu_id) return false;
  session.user = { ...was, ...me };
  await (await dev()).tx(['sessions'], 'readwrite', async ({ sessions }) => {
    const row = await sessions.get(was.id);
    if (row) await sessions.put({ ...row, user: session.user });
  });
  return true;
}

export async function rememberedUsers() {
  const db = await dev();
  const [rows, last] = await Promise.all([db.read(['sessions'], ({ sessions }) => sessions.getAll()),
    db.read(['meta'], ({ meta }) => meta.get('last_user'))]);
  return { users: rows.map((r) => ({ ...r.user, locked: !r.box })), last: last?.value ?? null };
}

export const forget = async (userId) => (await dev()).tx(['sessions'], 'readwrite', ({ sessions }) => sessions.delete(userId));
