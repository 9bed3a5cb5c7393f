// HTTP to /api/v1: bearer token, one refresh on 401, problem+json errors sorted into
// kinds the sync loop understands (sync.js RETRYABLE: which are tried again by themselves).
import { texts } from './i18n.js';

export const CLIENT_VERSION = 'pwa-1';

export class ApiError extends Error {
  constructor(kind, status, message, body = null, retryAfterMs = null) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.body = body;
    this.retryAfterMs = retryAfterMs; // the server's Retry-After (429, 503), when it gave one
  }
}

/** An error status's kind: 401 auth (refresh, else log in again; account_closed, account_inactive:
 * the account is gone, ACCOUNT_GONE), 403 forbidden (the role may
 * not), 408 network (the proxy gave up on a slow upload: nginx client_body_timeout), 409 conflict
 * (with the server's current state; a whole push is refused so only while a concurrent replay of
 * it commits), 413 too_large, 429 busy, 511 network (a captive portal), 5xx server, other 4xx
 * client (the request itself is wrong). A request of a session closed meanwhile: ended. */
const KINDS = { 401: 'auth', 403: 'forbidden', 408: 'network', 409: 'conflict', 413: 'too_large', 429: 'busy', 511: 'network' };
const kindOf = (status) => KINDS[status] ?? (status >= 500 ? 'server' : 'client');

/** A 401 whose problem says the account itself is gone, whatever the token (the server's
 * `account_closed`: its parent closed it; `account_inactive`: an admin switched it off): its own
 * kind, never refreshed nor "log in again": the phone forgets the account (app.js accountGone).
 * A 403 `password_change_required` (an admin set her password): kind 'password_change', the app
 * asks for her own (app.js), her unsent changes wait. */
export const ACCOUNT_GONE = new Set(['account_closed', 'account_inactive']);
const goneKey = (status, problem) => {
  const key = typeof problem?.type === 'string' ? problem.type.split('/').pop() : null;
  if (status === 403 && key === 'password_change_required') return 'password_change';
  return status === 401 && ACCOUNT_GONE.has(key) ? key : null;
};

/** How long a request may take, its answer's body included: a push of a batch (100 changes, some
 * 50 kB) over a slow 2G link takes well under a minute; beyond two, the connection is dead. */
export const TIMEOUT_MS = 120 * 1000;

/** A signal aborted after `ms` (AbortSignal.timeout: Chrome 103+; older WebViews: a timer). */
function deadline(ms) {
  if (AbortSignal.timeout) return AbortSignal.timeout(ms);
  const stop = new AbortController();
  setTimeout(() => stop.abort(), ms);
  return stop.signal;
}

/** A signal aborted when either is (AbortSignal.any: Chrome 116+; older WebViews: the first only,
 * the answer then discarded when it comes). */
const either = (a, b) => (AbortSignal.any ? AbortSignal.any([a, b]) : a);

/** Retry-After in ms (seconds or an HTTP date), or null. */
function retryAfter(resp) {
  const v = resp.headers.get('Retry-After');
  if (!v) return null;
  const ms = /^\d+$/.test(v.trim()) ? Number(v) * 1000 : Date.parse(v) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

/** A successful answer's JSON body. A body cut off (the connection died while it was read, maybe
 * after the server committed) or not JSON (a captive portal's "kuota habis" page answered 200) is
 * a network error: what the server did is unknown, and the sync sends the same mutation ids again
 * (the server's ledger answers a replay with the stored result). */
async function jsonOf(resp) {
  try {
    return await resp.json();
  } catch (error) {
    throw new ApiError('network', resp.status, `unreadable answer (HTTP ${resp.status}): ${error.message || error}`);
  }
}

/** What an error page with no problem+json (a proxy's 502 or 413, a limiter's 429) says, by kind (i18n keys). */
const PAGE_WORDS = { server: 'server_trouble', busy: 'server_busy', too_large: 'server_too_large' };

/** The ApiError of an answer that is not ok; its message in the user's language (`language`: 'id'
 * or 'en'): the server's problem detail (Accept-Language), else what kind of failure it was. */
async function failure(resp, language = 'id') {
  const problem = await resp.json().catch(() => null);
  let kind = goneKey(resp.status, problem) ?? kindOf(resp.status);
  // The API answers every error with problem+json: a 4xx page that is not JSON came from
  // something on the way (a captive portal, an operator's proxy), not from the server.
  if (kind === 'forbidden' || kind === 'client' || kind === 'conflict') kind = problem ? kind : 'network';
  const said = PAGE_WORDS[kind] ? `${texts(PAGE_WORDS[kind])[language === 'en' ? 1 : 0]} (HTTP ${resp.status})` : `HTTP ${resp.status}`;
  return new ApiError(kind, resp.status, problem?.detail || problem?.title || said, problem ?? {}, retryAfter(resp));
}

/**
 * @param {object} o
 * @param {() => object|null} o.tokens   {access_token, refresh_token} of the session, or null
 * @param {(t: object) => Promise<void>} o.saveTokens  keeps a refreshed access token
 * @param {() => string} o.lang          'id' or 'en' (Accept-Language)
 */
export function createApi({ base = '/api/v1', tokens = () => null, saveTokens = async () => {}, lang = () => 'id',
  timeoutMs = TIMEOUT_MS } = {}) {
  let refreshing = null;
  const api = { clockOffsetMs: null }; // the server's clock minus the phone's: null until its first answer
  // close(): the session is over (logout, another user on the phone). What it asked and is still on
  // its way is aborted, and an answer arriving anyway is discarded (kind 'ended'): nothing of the
  // user gone is shown or stored over the next one's, no token of theirs kept.
  const ended = new AbortController();
  const gone = () => new ApiError('ended', 0, 'session ended');
  const alive = () => { if (ended.signal.aborted) throw gone(); };
  /** work's value while the session lasts; an ApiError 'ended' once it is over, whatever came. */
  async function whileOpen(work) {
    try {
      const value = await work;
      alive();
      return value;
    } catch (error) {
      alive();
      throw error;
    }
  }
  api.close = () => ended.abort();

  async function send(method, path, body, bearer, accept = 'application/json') {
    const headers = { Accept: accept, 'Accept-Language': lang(), 'X-Client-Version': CLIENT_VERSION };
    const form = body instanceof FormData; // a file upload: the browser writes its multipart type
    if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    alive();
    let resp;
    // given up on (the body's reading too) after timeoutMs: a request whose answer never comes would
    // hold the sync, and its Web Lock every tab waits for, for ever
    const signal = deadline(timeoutMs);
    try {
      resp = await fetch(base + path, { method, headers, body: body === undefined || form ? body : JSON.stringify(body),
        signal: either(signal, ended.signal) });
    } catch (error) {
      alive();
      throw new ApiError('network', 0, signal.aborted ? `no answer in ${timeoutMs / 1000} s` : error.message || 'network error');
    }
    const date = Date.parse(resp.headers.get('Date') ?? '');
    if (!Number.isNaN(date)) api.clockOffsetMs = date - Date.now();
    return resp;
  }

  async function refresh() {
    const t = tokens();
    if (!t?.refresh_token) return false;
    refreshing ??= (async () => {
      const resp = await send('POST', '/auth/refresh', undefined, t.refresh_token);
      if (resp.status === 401) { // refused (expired, revoked): log in again; the account gone: said so
        const refused = await failure(resp, lang());
        if (ACCOUNT_GONE.has(refused.kind)) throw refused;
        return false;
      }
      if (!resp.ok) throw await failure(resp, lang()); // the server down or busy, a proxy's page: tried again later
      const { access_token: access } = await jsonOf(resp);
      alive(); // a token of a session over is not kept
      await saveTokens({ ...t, access_token: access });
      return true;
    })().finally(() => { refreshing = null; });
    return refreshing;
  }

  /** A successful response (the token refreshed once on 401), or an ApiError. */
  async function ok(method, path, body, auth, accept) {
    let resp = await send(method, path, body, auth ? tokens()?.access_token : null, accept);
    // the account gone is gone for the refresh token too: not asked
    const gone = resp.status === 401 && goneKey(401, await resp.clone().json().catch(() => null));
    if (resp.status === 401 && auth && !gone && await refresh()) resp = await send(method, path, body, tokens()?.access_token, accept);
    if (!resp.ok) throw await failure(resp, lang());
    return resp;
  }

  /** One API call; resolves to the JSON body (null for 204), rejects with an ApiError. */
  api.request = (method, path, body, { auth = true } = {}) => whileOpen((async () => {
    const resp = await ok(method, path, body, auth);
    return resp.status === 204 ? null : jsonOf(resp);
  })());
  /** A file download (CSV/XLSX) with the bearer token: {blob, filename} (the server's Content-Disposition name). */
  api.download = (path) => whileOpen((async () => {
    const resp = await ok('GET', path, undefined, true, '*/*');
    const filename = /filename="([^"]+)"/.exec(resp.headers.get('Content-Disposition') ?? '')?.[1] ?? 'laporan';
    try {
      return { blob: await resp.blob(), filename };
    } catch (error) {
      throw new ApiError('network', resp.status, error.message || 'download cut off');
    }
  })());
  /** A file sent as multipart `file` (a spreadsheet import): the JSON answer, as request's. */
  api.upload = (path, file) => {
    const form = new FormData();
    form.append('file', file);
    return api.request('POST', path, form);
  };
  api.get = (path) => api.request('GET', path);
  api.post = (path, body, opts) => api.request('POST', path, body ?? {}, opts);
  api.push = (body) => api.post('/sync/push', body);
  /** A page of changes; `device` ({client_id, pending}: this installation and the changes it still holds
   * unsent) lets the server tell the midwife when this phone last synced (GET /sync/devices). */
  api.pull = (cursor, limit, device = null) => api.get(`/sync/pull?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}${
    device ? `&client_id=${encodeURIComponent(device.client_id)}&pending=${device.pending}` : ''}`);
  api.login = (username, password) => api.post('/auth/login', { username, password }, { auth: false });
  return api;
}

/** Every item of a paginated list (`{items, next_cursor}`), read in pages of 500. */
export async function allPages(api, path) {
  const out = [];
  let cursor = null;
  do {
    const page = await api.get(`${path}${path.includes('?') ? '&' : '?'}limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor);
  return out;
}
