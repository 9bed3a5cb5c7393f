// HTTP to /api/v1: bearer token, one refresh on 401, problem+json errors sorted into kinds
// for the sync loop (sync.js RETRYABLE).
import { texts } from './i18n.js';

// X-Client-Version: pwa-<sw.js VERSION>, once the service worker said it (app.js); none before
export const client = {};

export class ApiError extends Error {
  constructor(kind, status, message, body = null, retryAfterMs = null) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.body = body;
    this.retryAfterMs = retryAfterMs; // Retry-After (429, 503), if given
  }
}

/** Error kinds: 401 auth (see ACCOUNT_GONE), 408 network (a proxy gave up on a slow upload), 409
 * conflict (its concurrent replay commits), 511 network (captive portal), 5xx server, 4xx client. */
const KINDS = { 401: 'auth', 403: 'forbidden', 408: 'network', 409: 'conflict', 413: 'too_large', 429: 'busy', 511: 'network' };
const kindOf = (status) => KINDS[status] ?? (status >= 500 ? 'server' : 'client');

/** A 401 saying the account is gone (closed by its parent, made inactive by an admin): never
 * refreshed; the phone forgets it (app.js accountGone). */
export const ACCOUNT_GONE = new Set(['account_closed', 'account_inactive', 'device_signed_out']); // this phone's login ended
const goneKey = (status, problem) => {
  const key = typeof problem?.type === 'string' ? problem.type.split('/').pop() : null;
  if (status === 403 && key === 'password_change_required') return 'password_change';
  return status === 401 && ACCOUNT_GONE.has(key) ? key : null;
};

/** Max time for a request: a 100-change push on slow 2G takes under a minute. */
export const TIMEOUT_MS = 120 * 1000;

/** A signal aborted after `ms` (AbortSignal.timeout, else a timer). */
function deadline(ms) {
  if (AbortSignal.timeout) return AbortSignal.timeout(ms);
  const stop = new AbortController();
  setTimeout(() => stop.abort(), ms);
  return stop.signal;
}

/** A signal aborted when either is (AbortSignal.any: Chrome 116+; older: the first only). */
const either = (a, b) => (AbortSignal.any ? AbortSignal.any([a, b]) : a);

/** Retry-After: seconds or an HTTP date. */
function retryAfter(resp) {
  const v = resp.headers.get('Retry-After');
  if (!v) return null;
  const ms = /^\d+$/.test(v.trim()) ? Number(v) * 1000 : Date.parse(v) - Date.now();
  return Number.isFinite(ms) ? Math.max(0, ms) : null;
}

/** A 2xx answer's JSON. Cut off or not JSON (a portal's page): network error, outcome unknown. */
async function jsonOf(resp) {
  try {
    return await resp.json();
  } catch (error) {
    throw new ApiError('network', resp.status, `unreadable answer (HTTP ${resp.status}): ${error.message || error}`);
  }
}

/** Words for an error page without problem+json (a proxy's 502/413, a limiter's 429), by kind. */
const PAGE_WORDS = { server: 'server_trouble', busy: 'server_busy', too_large: 'server_too_large' };

/** The ApiError of a non-ok answer. */
async function failure(resp, language = 'id') {
  const problem = await resp.json().catch(() => null);
  let kind = goneKey(resp.status, problem) ?? kindOf(resp.status);
  // the API's errors are problem+json: a non-JSON 4xx (a 401 too) came from a portal or proxy
  if (['auth', 'forbidden', 'client', 'conflict'].includes(kind)) kind = problem ? kind : 'network';
  const said = PAGE_WORDS[kind] ? `${texts(PAGE_WORDS[kind])[language === 'en' ? 1 : 0]} (HTTP ${resp.status})` : `HTTP ${resp.status}`;
  return new ApiError(kind, resp.status, problem?.detail || problem?.title || said, problem ?? {}, retryAfter(resp));
}

/** `keptTokens`: the tokens on the phone now (another tab may have refreshed them). `device`: sent
 * as X-Client-Id (the audit log's device). */
export function createApi({ base = '/api/v1', tokens = () => null, saveTokens = async () => {},
  keptTokens = async () => null, lang = () => 'id', timeoutMs = TIMEOUT_MS, device = async () => null } = {}) {
  let refreshing = null;
  const api = { clockOffsetMs: null }; // server clock minus phone's, once known
  // close(): in-flight requests abort, late answers discarded ('ended'): nothing kept of the user gone
  const ended = new AbortController();
  const gone = () => new ApiError('ended', 0, 'session ended');
  const alive = () => { if (ended.signal.aborted) throw gone(); };
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
    const headers = { Accept: accept, 'Accept-Language': lang() };
    if (client.version) headers['X-Client-Version'] = client.version;
    const form = body instanceof FormData; // the browser sets the multipart type
    if (body !== undefined && !form) headers['Content-Type'] = 'application/json';
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    const id = await device();
    if (id) headers['X-Client-Id'] = id;
    alive();
    let resp;
    // an unanswered request would hold the sync and its Web Lock forever
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

  /** Rotation: each refresh answers the next refresh token (the one sent is good until its successor
   * is used). One sent after its successor was used ends the login on every tab, so the one kept on
   * the phone (another tab may have refreshed it) is sent. */
  async function refresh() {
    if (!tokens()?.refresh_token) return false;
    refreshing ??= (async () => {
      const t = (await keptTokens().catch(() => null)) ?? tokens();
      alive();
      const resp = await send('POST', '/auth/refresh', undefined, t.refresh_token);
      if (resp.status === 401) { // expired/revoked: log in again, unless the account is gone (or a portal's page)
        const refused = await failure(resp, lang());
        if (ACCOUNT_GONE.has(refused.kind) || refused.kind === 'network') throw refused;
        return false;
      }
      if (!resp.ok) throw await failure(resp, lang()); // not a refusal: retried later
      const { access_token: access, refresh_token: next } = await jsonOf(resp);
      alive();
      await saveTokens({ ...t, access_token: access, refresh_token: next ?? t.refresh_token });
      return true;
    })().finally(() => { refreshing = null; });
    return refreshing;
  }

  async function ok(method, path, body, auth, accept) {
    let resp = await send(method, path, body, auth ? tokens()?.access_token : null, accept);
    const gone = resp.status === 401 && goneKey(401, await resp.clone().json().catch(() => null));
    if (resp.status === 401 && auth && !gone && await refresh()) resp = await send(method, path, body, tokens()?.access_token, accept);
    if (!resp.ok) throw await failure(resp, lang());
    return resp;
  }

  api.request = (method, path, body, { auth = true } = {}) => whileOpen((async () => {
    const resp = await ok(method, path, body, auth);
    return resp.status === 204 ? null : jsonOf(resp);
  })());
  api.download = (path) => whileOpen((async () => {
    const resp = await ok('GET', path, undefined, true, '*/*');
    const filename = /filename="([^"]+)"/.exec(resp.headers.get('Content-Disposition') ?? '')?.[1] ?? 'laporan';
    try {
      return { blob: await resp.blob(), filename };
    } catch (error) {
      throw new ApiError('network', resp.status, error.message || 'download cut off');
    }
  })());
  api.upload = (path, file) => {
    const form = new FormData();
    form.append('file', file);
    return api.request('POST', path, form);
  };
  api.get = (path) => api.request('GET', path);
  api.post = (path, body, opts) => api.request('POST', path, body ?? {}, opts);
  api.push = (body) => api.post('/sync/push', body);
  /** A page of changes; `device` tells the midwife when this phone last synced (GET /sync/devices). */
  api.pull = (cursor, limit, device = null) => api.get(`/sync/pull?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}${
    device ? `&client_id=${encodeURIComponent(device.client_id)}&pending=${device.pending}` : ''}`);
  api.login = (username, password) => api.post('/auth/login', { username, password }, { auth: false });
  return api;
}

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
