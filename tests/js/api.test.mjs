// api.js: bearer token, one refresh on 401, errors sorted into kinds the sync loop retries or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError, allPages, client, createApi } from '../../static/pwa/js/api.js';

function fakeFetch(handlers) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, auth: init.headers.Authorization, version: init.headers['X-Client-Version'], lang: init.headers['Accept-Language'], device: init.headers['X-Client-Id'] });
    const h = handlers.shift();
    if (h instanceof Error) throw h;
    return new Response(h.body === undefined ? null : JSON.stringify(h.body), { status: h.status, headers: { Date: new Date(Date.now() + (h.skew ?? 0)).toUTCString() } });
  };
  return calls;
}

test('an expired access token is refreshed once and the call repeated', async () => {
  let tokens = { access_token: 'old', refresh_token: 'r' };
  const calls = fakeFetch([{ status: 401, body: {} }, { status: 200, body: { access_token: 'new' } }, { status: 200, body: { ok: 1 } },
    { status: 200, body: { ok: 2 } }]);
  const api = createApi({ tokens: () => tokens, saveTokens: async (t) => { tokens = t; }, lang: () => 'en' });
  assert.deepEqual(await api.get('/auth/me'), { ok: 1 });
  assert.deepEqual(calls.map((c) => [c.url, c.auth]), [['/api/v1/auth/me', 'Bearer old'], ['/api/v1/auth/refresh', 'Bearer r'], ['/api/v1/auth/me', 'Bearer new']]);
  assert.equal(tokens.access_token, 'new');
  assert.equal(calls[0].lang, 'en');
  // no version until the service worker says it (app.js): a first install's first sync was listed as an
  // old app ("pwa-1") on the midwife's HP kader until its next sync
  assert.equal(calls[0].version, undefined);
  client.version = 'pwa-0123abcd';
  await api.get('/auth/me');
  assert.equal(calls.at(-1).version, 'pwa-0123abcd');
  delete client.version;
});

test('every request names the phone (X-Client-Id, its sync id): the audit log keeps which device made each REST write', async () => {
  // a merge, a delete, a user's role, a parent unlinked: written through REST, not the push, they were
  // audited with no device, the push's writes with it
  const calls = fakeFetch([{ status: 401, body: {} }, { status: 200, body: { access_token: 'new' } }, { status: 204 }]);
  let tokens = { access_token: 'old', refresh_token: 'r' };
  const api = createApi({ tokens: () => tokens, saveTokens: async (t) => { tokens = t; }, device: async () => 'hp-1' });
  await api.post('/children/c/merge', { duplicate_id: 'd' });
  assert.deepEqual(calls.map((c) => [c.url, c.device]), [['/api/v1/children/c/merge', 'hp-1'], ['/api/v1/auth/refresh', 'hp-1'],
    ['/api/v1/children/c/merge', 'hp-1']]);
  const before = fakeFetch([{ status: 200, body: {} }]); // before login (no database yet): none
  await createApi().post('/auth/login', {});
  assert.equal(before[0].device, undefined);
});

test('a refused refresh is an auth error (log in again; the outbox is kept)', async () => {
  fakeFetch([{ status: 401, body: {} }, { status: 401, body: {} }]);
  const api = createApi({ tokens: () => ({ access_token: 'a', refresh_token: 'r' }) });
  await assert.rejects(api.push({ mutations: [] }), (e) => e.kind === 'auth' && e.status === 401);
});

test('network failures, 5xx, 413 and other 4xx get their own kinds', async () => {
  const api = createApi({ tokens: () => ({ access_token: 'a' }) });
  fakeFetch([new TypeError('Failed to fetch')]);
  await assert.rejects(api.pull(null, 500), (e) => e.kind === 'network');
  fakeFetch([{ status: 503, body: { title: 'down' } }]);
  await assert.rejects(api.pull('c', 500), (e) => e.kind === 'server' && e.message === 'down');
  fakeFetch([{ status: 413, body: {} }]);
  await assert.rejects(api.push({}), (e) => e.kind === 'too_large');
  fakeFetch([{ status: 422, body: { detail: 'bad', errors: { code: ['x'] } } }]);
  await assert.rejects(api.post('/auth/redeem', {}), (e) => e.kind === 'client' && e.body.errors.code[0] === 'x');
});

test('the server clock offset is measured from the Date header', async () => {
  fakeFetch([{ status: 200, body: {}, skew: 3600 * 1000 }]);
  const api = createApi();
  await api.get('/health');
  assert.ok(Math.abs(api.clockOffsetMs - 3600 * 1000) < 2000);
});

/** fetch answering the given Responses in turn. */
const answers = (...list) => { globalThis.fetch = async () => list.shift(); };
const json = (status, body, headers = {}) => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/problem+json', ...headers } });

test('what the proxy or the network says is no refusal: 408 and 511 are network, 409 conflict, 429 busy with its Retry-After', async () => {
  const api = createApi({ tokens: () => ({ access_token: 'a' }) });
  answers(new Response('<html>408 Request Time-out</html>', { status: 408, headers: { 'Content-Type': 'text/html' } }));
  await assert.rejects(api.push({}), (e) => e.kind === 'network' && e.status === 408);
  answers(new Response('<html>Login to the hotspot</html>', { status: 511 }));
  await assert.rejects(api.push({}), (e) => e.kind === 'network');
  answers(json(409, { title: 'Konflik' }));
  await assert.rejects(api.push({}), (e) => e.kind === 'conflict' && e.message === 'Konflik');
  answers(json(429, { title: 'rate_limited' }, { 'Retry-After': '30' }));
  await assert.rejects(api.push({}), (e) => e.kind === 'busy' && e.retryAfterMs === 30000);
  answers(json(503, { title: 'unavailable' }, { 'Retry-After': '5' }));
  await assert.rejects(api.push({}), (e) => e.kind === 'server' && e.retryAfterMs === 5000);
  answers(json(403, { title: 'Dilarang' }));
  await assert.rejects(api.push({}), (e) => e.kind === 'forbidden' && e.status === 403);
  // a temporary password an admin set: its own kind (the app asks for her own password), never retried
  answers(json(403, { type: 'https://posyandu.example/problems/password_change_required',
    title: 'Ganti kata sandi sementara Anda dulu' }));
  await assert.rejects(api.push({}), (e) => e.kind === 'password_change' && e.status === 403
    && e.message === 'Ganti kata sandi sementara Anda dulu');
  // the API answers every error with problem+json: a page that is not JSON came from something on the way
  answers(new Response('<html>Diblokir</html>', { status: 403, headers: { 'Content-Type': 'text/html' } }));
  await assert.rejects(api.push({}), (e) => e.kind === 'network' && e.status === 403);
});

test('an answer that cannot be read (cut off, or a captive portal page answered 200) is a network error', async () => {
  const api = createApi({ tokens: () => ({ access_token: 'a', refresh_token: 'r' }) });
  answers(new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('{"results": [')); c.error(new TypeError('terminated')); } }),
    { status: 200, headers: { 'Content-Type': 'application/json' } }));
  await assert.rejects(api.push({ mutations: [] }), (e) => e instanceof ApiError && e.kind === 'network' && e.status === 200);
  answers(new Response('<html>Kuota habis</html>', { status: 200, headers: { 'Content-Type': 'text/html' } }));
  await assert.rejects(api.pull(null, 500), (e) => e.kind === 'network');
  // the token refresh answered by the portal too
  answers(json(401, {}), new Response('<html>Kuota habis</html>', { status: 200 }));
  await assert.rejects(api.get('/auth/me'), (e) => e.kind === 'network');
});

test('a request whose answer never comes is given up after timeoutMs: a network error, which the sync retries', async () => {
  // as fetch does: the signal's abort rejects the call (a stalled 2G upload, a connection dead without a reset)
  globalThis.fetch = (url, init) => new Promise((resolve, reject) => {
    init.signal.addEventListener('abort', () => reject(init.signal.reason));
  });
  const api = createApi({ timeoutMs: 50 });
  const awake = setTimeout(() => {}, 5000); // node's AbortSignal.timeout does not keep the test alive by itself
  await assert.rejects(api.push({ client_id: 'c', mutations: [] }),
    (e) => e instanceof ApiError && e.kind === 'network' && e.message === 'no answer in 0.05 s');
  clearTimeout(awake);
});

test('a pull names this installation and what it still holds unsent, when told', async () => {
  const calls = fakeFetch([{ status: 200, body: { changes: [] } }, { status: 200, body: { changes: [] } }]);
  const api = createApi({ tokens: () => ({ access_token: 'a' }) });
  await api.pull('c/1+', 500, { client_id: 'b1c2', pending: 7 });
  await api.pull(null, 20);
  assert.deepEqual(calls.map((c) => c.url), ['/api/v1/sync/pull?limit=500&cursor=c%2F1%2B&client_id=b1c2&pending=7',
    '/api/v1/sync/pull?limit=20']);
});

test('a refresh the server could not answer (down, busy, a proxy page) is not a refused session: the sync retries it', async () => {
  const api = createApi({ tokens: () => ({ access_token: 'a', refresh_token: 'r' }) });
  answers(json(401, { title: 'token_expired' }), json(503, { title: 'unavailable' }, { 'Retry-After': '5' }));
  await assert.rejects(api.push({}), (e) => e.kind === 'server' && e.status === 503 && e.retryAfterMs === 5000);
  answers(json(401, { title: 'token_expired' }), json(429, { title: 'rate_limited' }));
  await assert.rejects(api.push({}), (e) => e.kind === 'busy');
  answers(json(401, { title: 'token_expired' }), new Response('<html>502 Bad Gateway</html>', { status: 502 }));
  await assert.rejects(api.push({}), (e) => e.kind === 'server');
  answers(json(401, { title: 'token_expired' }), new Response('<html>Login to the hotspot</html>', { status: 511 }));
  await assert.rejects(api.push({}), (e) => e.kind === 'network');
  // the refresh token itself refused: log in again
  answers(json(401, { title: 'token_expired' }), json(401, { title: 'token_revoked' }));
  await assert.rejects(api.push({}), (e) => e.kind === 'auth');
});

test("a wifi portal's 401 page (HTML, not the API's problem+json) is no refused session: log in is not asked, the sync retries", async () => {
  const api = createApi({ tokens: () => ({ access_token: 'a', refresh_token: 'r' }) });
  const portal = () => new Response('<html>Masuk ke hotspot</html>', { status: 401, headers: { 'Content-Type': 'text/html' } });
  answers(portal(), portal()); // the request and its refresh both caught by the portal
  await assert.rejects(api.push({}), (e) => e.kind === 'network' && e.status === 401);
  answers(json(401, { title: 'token_expired' }), portal()); // the token expired, its refresh caught
  await assert.rejects(api.push({}), (e) => e.kind === 'network' && e.status === 401);
});

test("a session's API closed (logout, another user) answers nothing more: an answer arriving after is discarded, a refresh not kept", async () => {
  // the answers arrive after close(): as a slow 2G link brings them, the fetch not aborted
  let release;
  const gate = new Promise((r) => { release = r; });
  globalThis.fetch = async (url, init) => {
    await gate;
    if (url.endsWith('/auth/refresh')) return json(200, { access_token: 'new' });
    return init.headers.Authorization === 'Bearer old' ? json(401, { title: 'token_expired' }) : json(200, { rows: ['of the first user'] });
  };
  const kept = [];
  const api = createApi({ tokens: () => ({ access_token: 'old', refresh_token: 'r' }), saveTokens: async (t) => { kept.push(t); } });
  const report = api.get('/reports/skdn?month=2025-05');
  const file = api.download('/reports/skdn?month=2025-05&format=csv');
  api.close();
  release();
  await assert.rejects(report, (e) => e instanceof ApiError && e.kind === 'ended');
  await assert.rejects(file, (e) => e instanceof ApiError && e.kind === 'ended');
  assert.deepEqual(kept, [], 'no token of the session gone is stored');
  await assert.rejects(api.get('/auth/me'), (e) => e.kind === 'ended', 'nor is anything sent');
});

test('closing the API aborts the requests on their way (the sync of the user gone ends, its lock freed)', async () => {
  globalThis.fetch = (url, init) => new Promise((resolve, reject) => {
    init.signal.addEventListener('abort', () => reject(init.signal.reason));
  });
  const api = createApi({ tokens: () => ({ access_token: 'a' }) });
  const push = api.push({ client_id: 'c', mutations: [] });
  api.close();
  await assert.rejects(push, (e) => e.kind === 'ended');
});

test('allPages reads a paginated list to its end, each page after the cursor of the one before', async () => {
  const asked = [];
  const pages = { '': { items: [1, 2], next_cursor: 'b/c+' }, 'b/c+': { items: [3], next_cursor: null } };
  const api = { get: async (path) => {
    asked.push(path);
    const cursor = new URL(path, 'http://x').searchParams.get('cursor') ?? '';
    return pages[cursor];
  } };
  assert.deepEqual(await allPages(api, '/children/1/parents'), [1, 2, 3]);
  assert.deepEqual(asked, ['/children/1/parents?limit=500', '/children/1/parents?limit=500&cursor=b%2Fc%2B']);
  asked.length = 0;
  assert.deepEqual(await allPages(api, '/regions?parent_code=35'), [1, 2, 3]);
  assert.equal(asked[0], '/regions?parent_code=35&limit=500');
});

test("a proxy's error page (no problem+json) is told in the user's language, its status kept", async () => {
  fakeFetch([{ status: 502 }, { status: 502 }, { status: 429 }, { status: 413 }]);
  const id = createApi({ tokens: () => ({ access_token: 'a' }) });
  await assert.rejects(id.get('/reports/skdn'), (e) => e.kind === 'server' && e.message === 'server sedang bermasalah (HTTP 502)');
  const en = createApi({ tokens: () => ({ access_token: 'a' }), lang: () => 'en' });
  await assert.rejects(en.get('/reports/skdn'), (e) => e.message === 'the server has a problem (HTTP 502)');
  await assert.rejects(en.get('/reports/skdn'), (e) => e.kind === 'busy' && e.message === 'the server is busy (HTTP 429)');
  // a proxy's own 413 page (its body size limit): still too_large, so the sync halves its batch
  await assert.rejects(id.post('/sync/push', {}), (e) => e.kind === 'too_large'
    && e.message === 'data yang dikirim terlalu besar untuk server (HTTP 413)');
});

test('a file is uploaded as multipart (the browser writes its type), with the token refreshed once on 401', async () => {
  let tokens = { access_token: 'old', refresh_token: 'r' };
  const seen = [];
  const answers = [{ status: 401, body: {} }, { status: 200, body: { access_token: 'new' } }, { status: 201, body: { rows: 2 } }];
  globalThis.fetch = async (url, init) => {
    seen.push({ url, type: init.headers['Content-Type'], auth: init.headers.Authorization, body: init.body });
    const a = answers.shift();
    return new Response(JSON.stringify(a.body), { status: a.status });
  };
  const api = createApi({ tokens: () => tokens, saveTokens: async (t) => { tokens = t; } });
  const file = new File(['posyandu;nama\n'], 'register.csv', { type: 'text/csv' });
  assert.deepEqual(await api.upload('/imports/visits?dry_run=true', file), { rows: 2 });
  const [first, , again] = seen;
  assert.equal(first.url, '/api/v1/imports/visits?dry_run=true');
  assert.equal(first.type, undefined, 'no JSON type: fetch sets multipart/form-data with its boundary');
  assert.ok(first.body instanceof FormData && first.body.get('file').name === 'register.csv');
  assert.deepEqual([again.auth, again.body.get('file').name], ['Bearer new', 'register.csv']);
});
