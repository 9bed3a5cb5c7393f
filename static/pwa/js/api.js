// HTTP to /api/v1: bearer token, one refresh on 401, problem+json errors sorted into
// kinds the sync loop understands (network and server errors are retried).
export const CLIENT_VERSION = 'pwa-1';

export class ApiError extends Error {
  constructor(kind, status, message, body = null) {
    super(message);
    this.kind = kind;
    this.status = status;
    this.body = body;
  }
}

const kindOf = (status) => (status === 401 ? 'auth' : status === 413 ? 'too_large' : status >= 500 ? 'server' : 'client');

/**
 * @param {object} o
 * @param {() => object|null} o.tokens   {access_token, refresh_token} of the session, or null
 * @param {(t: object) => Promise<void>} o.saveTokens  keeps a refreshed access token
 * @param {() => string} o.lang          'id' or 'en' (Accept-Language)
 */
export function createApi({ base = '/api/v1', tokens = () => null, saveTokens = async () => {}, lang = () => 'id' } = {}) {
  let refreshing = null;
  const api = { clockOffsetMs: 0 };

  async function send(method, path, body, bearer, accept = 'application/json') {
    const headers = { Accept: accept, 'Accept-Language': lang(), 'X-Client-Version': CLIENT_VERSION };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (bearer) headers.Authorization = `Bearer ${bearer}`;
    let resp;
    try {
      resp = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      throw new ApiError('network', 0, error.message || 'network error');
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
      if (!resp.ok) return false;
      const { access_token: access } = await resp.json();
      await saveTokens({ ...t, access_token: access });
      return true;
    })().finally(() => { refreshing = null; });
    return refreshing;
  }

  /** A successful response (the token refreshed once on 401), or an ApiError. */
  async function ok(method, path, body, auth, accept) {
    let resp = await send(method, path, body, auth ? tokens()?.access_token : null, accept);
    if (resp.status === 401 && auth && await refresh()) resp = await send(method, path, body, tokens()?.access_token, accept);
    if (!resp.ok) {
      const problem = await resp.json().catch(() => ({}));
      throw new ApiError(kindOf(resp.status), resp.status, problem.detail || problem.title || `HTTP ${resp.status}`, problem);
    }
    return resp;
  }

  /** One API call; resolves to the JSON body (null for 204), rejects with an ApiError. */
  api.request = async (method, path, body, { auth = true } = {}) => {
    const resp = await ok(method, path, body, auth);
    return resp.status === 204 ? null : resp.json();
  };
  /** A file download (CSV/XLSX) with the bearer token: {blob, filename} (the server's Content-Disposition name). */
  api.download = async (path) => {
    const resp = await ok('GET', path, undefined, true, '*/*');
    const filename = /filename="([^"]+)"/.exec(resp.headers.get('Content-Disposition') ?? '')?.[1] ?? 'laporan';
    return { blob: await resp.blob(), filename };
  };
  api.get = (path) => api.request('GET', path);
  api.post = (path, body, opts) => api.request('POST', path, body ?? {}, opts);
  api.push = (body) => api.post('/sync/push', body);
  api.pull = (cursor, limit) => api.get(`/sync/pull?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
  api.login = (username, password) => api.post('/auth/login', { username, password }, { auth: false });
  return api;
}
