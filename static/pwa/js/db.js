// A small IndexedDB wrapper: transactions resolve on `complete`; an upgrade never drops a store.
// tests/js/memdb.mjs implements the same interface in memory.

export const SCHEMA = {
  version: 1,
  stores: {
    records: { keyPath: ['entity', 'id'], indexes: { entity: 'entity', child: 'child_id' } },
    outbox: { keyPath: 'mutation_id', indexes: { seq: 'created_seq' } },
    conflicts: { keyPath: 'mutation_id' },
    meta: { keyPath: 'key' },
  },
};

/** The device's own database: remembered logins (tokens encrypted by the PIN) and settings. */
export const DEVICE_SCHEMA = { version: 1, stores: { sessions: { keyPath: 'user_id' }, meta: { keyPath: 'key' } } };

const done = (request) => new Promise((resolve, reject) => {
  request.onsuccess = () => resolve(request.result);
  request.onerror = () => reject(request.error);
});

function upgrade(db, schema, tx) {
  for (const [name, spec] of Object.entries(schema.stores)) {
    const store = db.objectStoreNames.contains(name) ? tx.objectStore(name) : db.createObjectStore(name, { keyPath: spec.keyPath });
    for (const [index, path] of Object.entries(spec.indexes ?? {})) {
      if (!store.indexNames.contains(index)) store.createIndex(index, path);
    }
  }
}

/** `wrote`: [store, key] of each write (a clear's key null). */
function storeApi(store, wrote) {
  const source = (index) => (index ? store.index(index) : store);
  const key = [].concat(store.keyPath);
  const mark = (k, request) => wrote.push([store.name, k]) && done(request);
  return {
    get: (key) => done(store.get(key)),
    getAll: (index, query) => done(source(index).getAll(query)),
    count: (index, query) => done(source(index).count(query)),
    put: (value) => mark(key.map((k) => value[k]), store.put(value)),
    delete: (k) => mark(k, store.delete(k)),
    clear: () => mark(null, store.clear()),
  };
}

/** Open (create, upgrade) a database: {tx, read, close}. `onDeleted`: another tab or the browser
 * deleted it. `onChanged`: another tab wrote to it. Upgraded in another tab (a new app version), it
 * is reopened at that version (upgrades only add stores and indexes): saves and syncs go on. */
export function openDb(name, schema = SCHEMA, { onDeleted = null, onChanged = null } = {}) {
  let current = null; // null once another tab's upgrade closed it
  let reopening = null;
  const watch = (db) => {
    current = db;
    db.onclose = () => onDeleted?.(); // the browser deleted it (storage cleared or evicted)
    db.onversionchange = (event) => { // let another tab upgrade, or delete it
      db.close();
      if (event?.newVersion === null) onDeleted?.();
      else if (current === db) current = null;
    };
  };
  const reopen = () => (reopening ??= connect(name, schema, undefined, watch).finally(() => { reopening = null; }));
  // a later version's (its release rolled back): opened as it is
  return connect(name, schema, schema.version, watch).catch((e) => (e?.name === 'VersionError' ? reopen() : Promise.reject(e)))
    .then(() => wrap(() => current, reopen, name, onChanged));
}

/** The user's other tabs, told of a write: {post, close}, or null. A BroadcastChannel; without one
 * (older Android WebViews), a localStorage key's `storage` event (`me`: not the writer's own), removed
 * at once so nothing of the user stays. Never throws. */
function tabsOf(name, heard) {
  try {
    const channel = new BroadcastChannel(name);
    channel.onmessage = heard;
    return { post: () => channel.postMessage(0), close: () => channel.close() };
  } catch { /* the storage event */ }
  try {
    const [key, me] = [`changed:${name}`, `${Math.random()}`];
    const listen = (e) => { if (e.key === key && e.newValue && e.newValue !== me) heard(); };
    addEventListener('storage', listen);
    return { post: () => { localStorage.setItem(key, me); localStorage.removeItem(key); }, close: () => removeEventListener('storage', listen) };
  } catch {
    return null;
  }
}

function connect(name, schema, version, watch) {
  return new Promise((resolve, reject) => {
    const request = version === undefined ? indexedDB.open(name) : indexedDB.open(name, version);
    request.onupgradeneeded = () => upgrade(request.result, schema, request.transaction);
    request.onerror = () => reject(request.error);
    request.onsuccess = () => {
      watch(request.result);
      resolve(request.result);
    };
  });
}

function wrap(connection, reopen, name, onChanged) {
  let generation = 0; // bumped by every write that completes: what was read before may be stale
  const log = []; // [generation, its writes or null (unknown: another tab's)]
  const note = (w = null) => log.push([++generation, w]) > 32 && log.shift();
  let tabs = onChanged && tabsOf(name, () => { note(); onChanged(); });

  /** Run fn(stores) in one transaction. fn may await only this transaction's IndexedDB calls.
   * `durability: 'strict'`: complete once on disk (what a user entered); Chrome's default 'relaxed'
   * leaves it in OS buffers a dying battery can lose. */
  function tx(names, mode, fn, options = {}) {
    const db = connection();
    if (db) return run(db, names, mode, fn, options);
    // opened again after another tab's upgrade: what that version wrote meanwhile counts as a change
    return reopen().then((again) => { note(); return run(again, names, mode, fn, options); });
  }

  function run(db, names, mode, fn, { durability } = {}) {
    return new Promise((resolve, reject) => {
      const t = db.transaction(names, mode, durability ? { durability } : undefined);
      const wrote = [];
      const stores = Object.fromEntries(names.map((n) => [n, storeApi(t.objectStore(n), wrote)]));
      let result;
      t.oncomplete = () => {
        if (mode === 'readwrite') {
          note(wrote);
          try { tabs?.post(); } catch { /* storage full or blocked: they are not told */ }
        }
        resolve(result);
      };
      t.onabort = () => reject(t.error ?? new Error('transaction aborted'));
      Promise.resolve().then(() => fn(stores)).then((value) => { result = value; }, (error) => {
        try { t.abort(); } catch { /* already finished */ }
        reject(error);
      });
    });
  }
  // closed, a write still under way completes (IndexedDB lets it) but tells no one: a closed channel throws
  return { tx, read: (names, fn) => tx(names, 'readonly', fn), close: () => { tabs?.close(); tabs = null; connection()?.close(); },
    /** A number that changes with every write (another tab's too, told by `onChanged`'s tabsOf). */
    generation: () => generation,
    /** The keys of `store` written since generation `since`, or null: not known. */
    changes: (since, store, after = log.filter(([g]) => g > since)) => {
      const keys = after.flatMap(([, w]) => w ?? [[store, null]]).filter(([s]) => s === store).map(([, k]) => k);
      return since + after.length === generation && !keys.includes(null) ? keys : null;
    } };
}

export const userDbName = (userId) => `posyandu-${userId}`;

/** Run fn holding a database's Web Lock: a save shared, the logout that deletes it exclusive, so
 * the logout counts what every tab saved and none is deleted unsent. */
export function withDbLock(name, mode, fn) {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : null;
  return locks ? locks.request(`db:${name}`, { mode }, fn) : fn();
}

/** Delete a whole database (only ever called when its outbox is empty). */
export const deleteDb = (name) => done(indexedDB.deleteDatabase(name));
