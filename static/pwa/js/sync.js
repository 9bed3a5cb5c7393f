// The sync loop (sync-notes §1.6): push the outbox, then pull until has_more is false.
// Single-flight per tab (and per user across tabs with a Web Lock), exponential backoff
// with jitter on network/server errors, the same mutation ids on every retry.
import {
  applyPullPage, applyPushResults, clientId, counts, getMeta, markBatch, putMeta, requeue, takeBatch,
} from './outbox.js';

export const RETRYABLE = new Set(['network', 'server']);
const MAX_DELAY_MS = 5 * 60 * 1000;

/**
 * @param {object} o
 * @param {object} o.db         the user's database (db.js or a memory double)
 * @param {object} o.api        {push(body), pull(cursor, limit)}; errors carry .kind (network|server|auth|too_large|client)
 * @param {boolean} [o.canPush] false for parents (they only read)
 * @param {() => Promise<void>} [o.afterPull] more to fetch on each sync (the schedule); its failure
 *   does not fail the sync (records are what must not wait)
 */
export function createSync({ db, api, canPush = true, batchSize = 100, pageSize = 500, onState = () => {},
  afterPull = async () => {},
  timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (id) => clearTimeout(id) }, random = Math.random, lockName = null }) {
  const state = { phase: 'idle', pulled: 0, error: null, failures: 0, retry_at: null, last_sync_at: null };
  let running = null;
  let timer = null;
  let limit = batchSize;

  const emit = async (patch = {}) => {
    Object.assign(state, patch);
    // the last complete sync is kept in the user's database: a reload still knows it
    state.last_sync_at ??= (await getMeta(db, 'last_sync'))?.value ?? null;
    onState({ ...state, ...(await counts(db)) });
  };

  async function pushAll() {
    const id = await clientId(db);
    for (;;) {
      const batch = await takeBatch(db, limit);
      if (!batch.length) return;
      let reply;
      try {
        reply = await api.push({ client_id: id, mutations: batch.map(({ mutation_id, entity, op, id: rid, base_version, data }) => ({
          mutation_id, entity, op, id: rid, base_version, data })) });
      } catch (error) {
        if (error.kind === 'too_large' && limit > 1) {
          await requeue(db, batch);
          limit = Math.max(1, Math.floor(limit / 2));
          continue;
        }
        if (RETRYABLE.has(error.kind) || error.kind === 'auth') await requeue(db, batch, error.message);
        else await markBatch(db, batch, { _schema: [error.message] });
        throw error;
      }
      const answered = await applyPushResults(db, batch, reply.results ?? []);
      if (answered.length < batch.length) {
        await requeue(db, batch.filter((e) => !answered.includes(e.mutation_id)));
        throw Object.assign(new Error('incomplete push answer'), { kind: 'server' });
      }
      await emit({ phase: 'pushing' });
    }
  }

  async function pullAll() {
    let pulled = 0;
    for (;;) {
      const sync = await getMeta(db, 'sync');
      const page = await api.pull(sync?.cursor ?? null, pageSize);
      await applyPullPage(db, page);
      pulled += page.changes.length;
      await emit({ phase: 'pulling', pulled, has_more: page.has_more });
      if (!page.has_more) return;
    }
  }

  async function once() {
    await requeue(db); // entries left in flight by a closed tab or a crash go again, same ids
    await emit({ phase: 'pushing', error: null, pulled: 0 });
    if (canPush) await pushAll();
    await pullAll();
    await Promise.resolve().then(afterPull).catch(() => {}); // tried again on the next sync
  }

  function schedule() {
    if (timer) timers.clear(timer);
    const delay = Math.min(MAX_DELAY_MS, 2000 * 2 ** (state.failures - 1)) * (0.5 + random() / 2);
    state.retry_at = Date.now() + delay;
    timer = timers.set(() => { timer = null; sync(); }, delay);
  }

  async function guarded() {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : null;
    if (!locks || !lockName) return once();
    return locks.request(lockName, { ifAvailable: true }, (lock) => (lock ? once() : null));
  }

  /** Run one sync now, or join the one in progress. Never rejects: the outcome is in the state. */
  function sync() {
    if (running) return running;
    running = (async () => {
      try {
        await guarded();
        limit = batchSize;
        const at = new Date().toISOString();
        await putMeta(db, { key: 'last_sync', value: at });
        await emit({ phase: 'done', error: null, failures: 0, retry_at: null, last_sync_at: at });
        return true;
      } catch (error) {
        const failures = RETRYABLE.has(error.kind) ? state.failures + 1 : state.failures;
        await emit({ phase: error.kind === 'auth' ? 'login_required' : 'error', error: error.kind ?? 'client',
          message: error.message, failures });
        if (RETRYABLE.has(error.kind)) schedule();
        return false;
      } finally {
        running = null;
      }
    })();
    return running;
  }

  return { sync, state, refresh: () => emit(), stop: () => timer && timers.clear(timer) };
}
