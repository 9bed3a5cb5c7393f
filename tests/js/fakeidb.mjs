// An in-memory stand-in for the part of IndexedDB that static/pwa/js/db.js uses (open with an
// upgrade, transactions of object stores, get/getAll/put/delete/count/clear), so auth.js and the
// login screen run in node. `failWrites = name` makes every put fail as a full disk does
// (QuotaExceededError, the transaction aborted). Values are cloned in and out like IndexedDB;
// the transactions of a database run one after another (IndexedDB orders overlapping readwrite ones).

export function fakeIndexedDb() {
  const dbs = new Map(); // name -> Map(store -> {keyPath, rows: Map})
  const later = (fn) => setTimeout(fn, 0);
  const idb = { failWrites: null, dbs };

  const tails = new Map(); // database -> the promise of its last transaction's end
  function connection(name) {
    const stores = dbs.get(name);
    const storeOf = (t, n) => {
      const s = stores.get(n);
      const keyOf = (v) => JSON.stringify(Array.isArray(s.keyPath) ? s.keyPath.map((k) => v[k]) : v[s.keyPath]);
      const request = (fn) => {
        const r = {};
        t.pending += 1;
        t.ready.then(() => later(() => {
          t.pending -= 1;
          try {
            r.result = fn();
            r.onsuccess?.();
          } catch (error) {
            r.error = error;
            r.onerror?.();
            t.fail(error);
          }
          t.settle();
        }));
        return r;
      };
      return {
        keyPath: s.keyPath,
        name: n,
        indexNames: { contains: () => true },
        createIndex() {},
        get: (key) => request(() => structuredClone(s.rows.get(JSON.stringify(key)))),
        getAll: () => request(() => [...s.rows.values()].map((v) => structuredClone(v))),
        count: () => request(() => s.rows.size),
        put: (value) => request(() => {
          if (idb.failWrites === name) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          if (keyOf(value) === undefined || (!Array.isArray(s.keyPath) && value[s.keyPath] === undefined)) {
            throw new DOMException('No key', 'DataError');
          }
          t.writes.set(`${n}\0${keyOf(value)}`, () => s.rows.set(keyOf(value), structuredClone(value)));
        }),
        delete: (key) => request(() => { t.writes.set(`${n}\0${JSON.stringify(key)}`, () => s.rows.delete(JSON.stringify(key))); }),
        clear: () => request(() => { t.writes.set(`${n}\0*`, () => s.rows.clear()); }),
      };
    };
    return {
      objectStoreNames: { contains: (n) => stores.has(n) },
      createObjectStore(n, { keyPath }) {
        stores.set(n, { keyPath, rows: new Map() });
        return storeOf({ pending: 0, settle() {}, fail() {}, writes: new Map(), ready: Promise.resolve() }, n);
      },
      close() {},
      transaction(names) {
        let end;
        const ready = tails.get(name) ?? Promise.resolve();
        tails.set(name, new Promise((resolve) => { end = resolve; }));
        const t = { pending: 0, writes: new Map(), done: false, ready,
          objectStore: (n) => storeOf(t, n),
          fail(error) { if (!t.done) { t.done = true; t.error = error; end(); t.onabort?.(); } },
          abort() { t.fail(new DOMException('aborted', 'AbortError')); },
          settle() {
            ready.then(() => later(() => {
              if (t.done || t.pending) return;
              t.done = true;
              for (const write of t.writes.values()) write();
              end();
              t.oncomplete?.();
            }));
          } };
        [].concat(names).forEach((n) => { if (!stores.has(n)) throw new DOMException(n, 'NotFoundError'); });
        t.settle();
        return t;
      },
    };
  }

  idb.open = (name) => {
    const r = {};
    later(() => {
      const fresh = !dbs.has(name);
      if (fresh) dbs.set(name, new Map());
      r.result = connection(name);
      if (fresh) {
        r.transaction = { objectStore: (n) => r.result.createObjectStore(n, dbs.get(name).get(n)) };
        r.onupgradeneeded?.();
      }
      r.onsuccess?.();
    });
    return r;
  };
  idb.deleteDatabase = (name) => {
    const r = {};
    later(() => { dbs.delete(name); r.onsuccess?.(); });
    return r;
  };
  return idb;
}
