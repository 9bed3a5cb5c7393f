// The sync loop (sync-notes §1.6): push, then pull until has_more is false; one per user (a Web
// Lock); retried with backoff, same mutation ids.
import { clientId, counts, getMeta, markBatch, oldestUnsentAt, outboxEntries, putMeta, registers, requeue, takeBatch } from './outbox.js';
import { applyPullPage, applyPushResults } from './incoming.js';
import { ACCOUNT_GONE } from './api.js';
import { texts } from './i18n.js';

const CLOCK_SLACK_MS = 10 * 60 * 1000;
const FAR_AHEAD_MS = 183 * 864e5;

/** Whether the phone's clock is wrong: over 10 min off the server's (`offsetMs`; null offline), or
 * before the last sync. Offline, one ahead at the last sync stays so; half a year past it is a wrong year. */
export function clockSuspect(offsetMs, lastSyncAt, now = Date.now(), lastSyncDeviceAt = null) {
  const behind = lastSyncAt ? now < Date.parse(lastSyncAt) - CLOCK_SLACK_MS : false;
  const farAhead = offsetMs == null && lastSyncAt && now - Date.parse(lastSyncAt) > FAR_AHEAD_MS;
  const deviceAt = lastSyncDeviceAt ? Date.parse(lastSyncDeviceAt) : NaN;
  const stillAhead = offsetMs == null && lastSyncAt && !Number.isNaN(deviceAt)
    && deviceAt - Date.parse(lastSyncAt) > CLOCK_SLACK_MS && now >= deviceAt - CLOCK_SLACK_MS;
  return Math.abs(offsetMs ?? 0) > CLOCK_SLACK_MS || behind || Boolean(stillAhead || farAhead);
}
/** Retried with backoff, same ids: no usable answer (no network, 408, a cut body, a portal; a pull's
 * JSON not a page), 5xx, 409 (its replay commits), 429. Other whole-request failures leave changes pending. */
export const RETRYABLE = new Set(['network', 'server', 'conflict', 'busy']);
/** Whole-push failures one mutation may always cause (a server bug): repeated, the batch is split
 * until it is found alone and set aside; the rest goes on. */
const SPLITS = new Set(['server', 'conflict']);
/** Runs a mutation fails alone before it shows stuck (retriable). */
export const STUCK_AFTER = 3;
const MAX_DELAY_MS = 5 * 60 * 1000;
const LOCK_RETRY_MS = 3000;
const BUSY = Symbol('another tab holds the sync lock');
/** Meta row of the search for a mutation the server fails on (the user's tabs share it): `accepted_run`
 * last run a push was taken, `streak` SPLITS failures in a row, `probe` a smaller batch (null: full),
 * `splitting` halving (else doubling back). */
const SEARCH = 'push_search';
const newSearch = () => ({ key: SEARCH, run: 0, accepted_run: -1, streak: 0, probe: null, splitting: false });

/** `api`: api.js. `afterPull`: more to fetch each sync (the schedule), its failure not the sync's. */
export function createSync({ db, api, canPush = true, batchSize = 100, pageSize = 500, onState = () => {},
  afterPull = async () => {},
  timers = { set: (fn, ms) => setTimeout(fn, ms), clear: (id) => clearTimeout(id) }, random = Math.random, lockName = null,
  now = () => Date.now() }) {
  const state = { phase: 'idle', pulled: 0, error: null, failures: 0, retry_at: null, last_sync_at: null,
    last_sync_device_at: null };
  let running = null;
  let timer = null;
  let ended = false; // stop(): nothing more runs or is reported
  let limit = batchSize; // halved on 413 until a sync completes
  // read at each run's start, stored at its end (a reload or another tab goes on)
  let search = newSearch();
  let aside = null;       // this run's mutation that failed alone: {entry, error}, left in flight

  let unregistered = new Set(); // children whose registration the server has not taken (refused or stuck)
  let held = new Set(); // records held back this run
  /** Held back: a record's changes after one set aside or held; the events of a child set aside or whose
   * registration needs the cadre. */
  const heldBack = (e) => {
    const hold = held.has(e.id) || (aside !== null && e.id === aside.entry.id) || (e.entity !== 'child'
      && (unregistered.has(e.data?.child_id) || (aside?.entry.entity === 'child' && e.data?.child_id === aside.entry.id)));
    if (hold) held.add(e.id);
    return hold;
  };

  const emit = async (patch = {}) => {
    Object.assign(state, patch);
    if (ended) return;
    // kept in the database: a reload knows it
    if (state.last_sync_at === null) {
      const last = await getMeta(db, 'last_sync');
      state.last_sync_at = last?.value ?? null;
      state.last_sync_device_at = last?.device_at ?? null;
    }
    // never synced: the home screen's warning counts from the oldest change saved instead
    const oldest = state.last_sync_at ? null : await oldestUnsentAt(db);
    const c = await counts(db);
    // never a whole sync, or a replacement (reset) under way
    const partial = !state.last_sync_at || !!(await getMeta(db, 'sync'))?.sweeping;
    if (!ended) onState({ ...state, ...c, oldest_unsent_at: oldest, partial }); // never over the next user's screen
  };

  /** The entries left unanswered and why (none: {}). */
  async function pushBatch(id, batch) {
    try {
      const reply = await api.push({ client_id: id, mutations: batch.map(({ mutation_id, entity, op, id: rid, base_version, data }) => ({
        mutation_id, entity, op, id: rid, base_version, data })) });
      const results = Array.isArray(reply?.results) ? reply.results : [];
      const answered = await applyPushResults(db, batch, results);
      // a registration refused: its events wait
      const refused = new Set(results.filter((r) => r?.status === 'rejected').map((r) => r.mutation_id));
      for (const e of batch) if (registers(e) && refused.has(e.mutation_id)) unregistered.add(e.id);
      const missing = batch.filter((e) => !answered.includes(e.mutation_id));
      return missing.length ? { missing, error: Object.assign(new Error('incomplete push answer'), { kind: 'server' }) } : {};
    } catch (error) {
      return { missing: batch, error };
    }
  }

  const alone = () => Object.assign(search, { probe: 1, splitting: false });
  /** Push the outbox in batches. Resolves to null, or to the server error that stopped it after a
   * mutation was set aside (the pull then tells whether the server works); rejects otherwise. */
  async function pushAll() {
    const id = await clientId(db);
    const queued = await outboxEntries(db);
    unregistered = new Set(queued.filter((e) => registers(e) && e.state === 'needs_attention').map((e) => e.id));
    held = new Set();
    if (queued.some((e) => e.state === 'pending' && e.strikes)) alone(); // one the server failed on goes first
    for (;;) {
      const batch = await takeBatch(db, Math.min(limit, search.probe ?? limit), heldBack);
      if (!batch.length) return null;
      const { missing, error } = await pushBatch(id, batch);
      if (!error) {
        search.accepted_run = search.run;
        search.streak = 0;
        const { probe } = search;
        if (!search.splitting && probe !== null) search.probe = probe * 2 >= limit ? null : probe * 2;
        await emit({ phase: 'pushing' });
        continue;
      }
      if (error.kind === 'too_large' && missing.length > 1) {
        await requeue(db, missing);
        limit = Math.max(1, Math.floor(missing.length / 2));
        continue;
      }
      if (error.kind === 'too_large') { // one change too large: it is refused, the rest goes on
        const [id, en] = texts('server_too_large');
        await markBatch(db, missing, { _schema: [error.message] }, { id: { _schema: [id] }, en: { _schema: [en] } });
        // refused so: its events wait
        for (const e of missing) if (registers(e)) unregistered.add(e.id);
        limit = batchSize;
        continue;
      }
      if (SPLITS.has(error.kind)) {
        search.streak += 1;
        if (missing.length === 1 && !aside) { // alone: set aside for this run, the rest goes on
          aside = { entry: missing[0], error };
          alone();
          continue;
        }
        // a batch failing once may be a passing failure; again, or while splitting: halve it
        if (missing.length > 1 && (search.streak > 1 || search.splitting)) {
          search.probe = Math.floor(missing.length / 2);
          search.splitting = true;
        }
      }
      await requeue(db, missing, error.message);
      if (aside && SPLITS.has(error.kind)) return error;
      throw error;
    }
  }

  /** After an answered pull: the one set aside takes a strike only if the server took a push since it
   * first failed alone (a server refusing all writes must not make changes stuck). */
  async function settleAside({ entry, error }) {
    const { n: before, since } = entry.strikes ?? { n: 0, since: search.run };
    const n = before + (search.accepted_run >= since ? 1 : 0);
    if (n < STUCK_AFTER) {
      await requeue(db, [entry], error.message, { strikes: { n, since } });
      return error;
    }
    await markBatch(db, [{ ...entry, stuck: true, strikes: null, last_error: error.message }], { _schema: [error.message] });
    return null;
  }

  async function pullAll() {
    let pulled = 0;
    // what it holds unsent, for the midwife (a parent's: none)
    const held = canPush ? await counts(db) : null;
    const device = held ? { client_id: await clientId(db), pending: held.waiting + held.attention + held.conflicts } : null;
    for (;;) {
      const sync = await getMeta(db, 'sync');
      const page = await api.pull(sync?.cursor ?? null, pageSize, device);
      if (!Array.isArray(page?.changes)) throw Object.assign(new Error('not a page'), { kind: 'network' });
      await applyPullPage(db, page);
      pulled += page.changes.length;
      await emit({ phase: 'pulling', pulled, has_more: page.has_more });
      if (!page.has_more) return;
    }
  }

  async function once() {
    await requeue(db); // entries left in flight by a closed tab or a crash go again, same ids
    await emit({ phase: 'pushing', error: null, pulled: 0 });
    aside = null;
    search = { ...newSearch(), ...(await getMeta(db, SEARCH)), key: SEARCH };
    search.run += 1;
    await putMeta(db, search);
    let stopped = null;
    try {
      if (canPush) stopped = await pushAll();
      await pullAll();
      await Promise.resolve().then(afterPull).catch(() => {}); // tried again on the next sync
      if (aside) {
        const found = aside;
        aside = null;
        stopped = (await settleAside(found)) ?? stopped;
      }
      if (!stopped) search = { ...newSearch(), run: search.run, accepted_run: search.accepted_run }; // all sent
    } finally {
      if (aside) await requeue(db, [aside.entry]); // a failed run: no strike (the server may be down)
      aside = null;
      await putMeta(db, search);
    }
    if (stopped) throw stopped;
  }

  const backoff = () => Math.min(MAX_DELAY_MS, 2000 * 2 ** (state.failures - 1)) * (0.5 + random() / 2);
  function schedule(delay) {
    if (timer) timers.clear(timer);
    if (ended) return;
    state.retry_at = now() + delay;
    timer = timers.set(() => { timer = null; sync(); }, delay);
  }

  /** BUSY: another tab holds the user's Web Lock (it syncs). */
  async function guarded() {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : null;
    if (!locks || !lockName) return once();
    return locks.request(lockName, { ifAvailable: true }, (lock) => (lock ? once() : BUSY));
  }

  let quietUntil = 0; // a 429's Retry-After: no request before then, whatever asks

  /** Run one sync now, or join the one under way. Never rejects: the outcome is in the state. After a
   * 429 nothing is sent until its Retry-After. */
  function sync() {
    if (ended) return Promise.resolve(false);
    if (running) return running;
    if (now() < quietUntil) {
      if (!timer) schedule(quietUntil - now()); // a timer a little early: set again for then
      return Promise.resolve(false);
    }
    running = (async () => {
      try {
        if (await guarded() === BUSY) {
          // another tab syncs: try again after it
          await emit({ phase: 'waiting', error: null });
          schedule(LOCK_RETRY_MS * (0.5 + random() / 2));
          return false;
        }
        limit = batchSize;
        // both clocks, for clockSuspect (offline too)
        const deviceNow = Date.now();
        const at = new Date(deviceNow + (api.clockOffsetMs ?? 0)).toISOString();
        const deviceAt = new Date(deviceNow).toISOString();
        await putMeta(db, { key: 'last_sync', value: at, device_at: deviceAt });
        await emit({ phase: 'done', error: null, failures: 0, retry_at: null, last_sync_at: at, last_sync_device_at: deviceAt });
        return true;
      } catch (error) {
        // no kind: the phone's own failure (IndexedDB, a bug); outbox kept
        const kind = error.kind ?? 'storage';
        const retry = RETRYABLE.has(kind);
        const failures = retry ? state.failures + 1 : state.failures;
        // not retried: the account gone (ACCOUNT_GONE), a temporary password (changes wait)
        const phase = kind === 'auth' ? 'login_required' : ACCOUNT_GONE.has(kind) ? 'account_gone'
          : kind === 'password_change' ? 'password_change' : 'error';
        await emit({ phase, error: kind, message: error.message, failures, retry_at: null });
        if (error.kind === 'busy' && error.retryAfterMs) quietUntil = now() + Math.min(MAX_DELAY_MS, error.retryAfterMs);
        if (retry) schedule(Math.min(MAX_DELAY_MS, Math.max(backoff(), error.retryAfterMs ?? 0)));
        return false;
      } finally {
        running = null;
      }
    })();
    return running;
  }

  /** End this engine (logout, another user): a run under way finishes unreported (its entries in
   * flight go again next run); later sync() a no-op. */
  function stop() {
    ended = true;
    if (timer) timers.clear(timer);
    timer = null;
  }

  /** A sync begun after the tap: one under way may have pulled before a change. */
  const syncNow = () => (running ? running.then(() => sync()) : sync());

  return { sync, syncNow, state, refresh: () => emit(), stop };
}
