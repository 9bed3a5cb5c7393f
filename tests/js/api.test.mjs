// api.js: bearer token, one refresh on 401, errors sorted into kinds the sync loop retries or not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createApi } from '../../static/pwa/js/api.js';

function fakeFetch(handlers) {
  const calls = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, auth: init.headers.Authorization, version: init.headers['X-Client-Version'], lang: init.headers['Accept-Language'] });
    const h = handlers.shift();
    if (h instanceof Error) throw h;
    return new Response(h.body === undefined ? null : JSON.stringify(h.body), { status: h.status, headers: { Date: new Date(Date.now() + (h.skew ?? 0)).toUTCString() } });
  };
  return calls;
}

test('an expired access token is refreshed once and the call repeated', async () => {
  let tokens = { access_token: 'old', refresh_token: 'r' };
  const calls = fakeFetch([{ status: 401, body: {} }, { status: 200, body: { access_token: 'new' } }, { status: 200, body: { ok: 1 } }]);
  const api = createApi({ tokens: () => tokens, saveTokens: async (t) => { tokens = t; }, lang: () => 'en' });
  assert.deepEqual(await api.get('/auth/me'), { ok: 1 });
  assert.deepEqual(calls.map((c) => [c.url, c.auth]), [['/api/v1/auth/me', 'Bearer old'], ['/api/v1/auth/refresh', 'Bearer r'], ['/api/v1/auth/me', 'Bearer new']]);
  assert.equal(tokens.access_token, 'new');
  assert.equal(calls[0].lang, 'en');
  assert.equal(calls[0].version, 'pwa-1');
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
