// An in-memory double of static/pwa/js/db.js (same tx/read interface, same SCHEMA):
// values are cloned in and out like IndexedDB, and a transaction whose function throws
// leaves every store as it was (all-or-nothing, like an aborted IDB transaction).
import { SCHEMA } from '../../static/pwa/js/db.js';

const keyOf = (spec, value) => JSON.stringify(Array.isArray(spec.keyPath) ? spec.keyPath.map((k) => value[k]) : value[spec.keyPath]);
const compare = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

export function memDb(schema = SCHEMA) {
  let data = Object.fromEntries(Object.keys(schema.stores).map((n) => [n, new Map()]));
  let queue = Promise.resolve();

  function storeApi(name, maps) {
    const spec = schema.stores[name];
    const map = maps[name];
    const rows = (index, query) => {
      let out = [...map.values()];
      if (index) {
        const path = spec.indexes[index];
        out = out.filter((v) => v[path] !== undefined && v[path] !== null && (query === undefined || v[path] === query));
        out.sort((a, b) => compare(a[path], b[path]) || compare(keyOf(spec, a), keyOf(spec, b))); // then by key, as IndexedDB
      }
      return out.map((v) => structuredClone(v));
    };
    return {
      get: async (key) => structuredClone(map.get(JSON.stringify(key))),
      getAll: async (index, query) => rows(index, query),
      count: async (index, query) => rows(index, query).length,
      put: async (value) => { map.set(keyOf(spec, value), structuredClone(value)); },
      delete: async (key) => { map.delete(JSON.stringify(key)); },
      clear: async () => map.clear(),
    };
  }

  const log = []; // every transaction's stores, mode and options (durability), in order
  let generation = 0;

  function tx(names, mode, fn, options = {}) {
    log.push({ names, mode, durability: options.durability ?? null });
    // transactions run one after another, each on a copy that replaces the data on success
    const run = queue.then(async () => {
      const copy = { ...data };
      for (const n of names) copy[n] = new Map([...data[n]].map(([k, v]) => [k, structuredClone(v)]));
      const result = await fn(Object.fromEntries(names.map((n) => [n, storeApi(n, copy)])));
      if (mode === 'readwrite') { data = copy; generation += 1; }
      return result;
    });
    queue = run.catch(() => {});
    return run;
  }

  return { tx, read: (names, fn) => tx(names, 'readonly', fn), close() {}, dump: () => data, log,
    generation: () => generation, touch: () => { generation += 1; } };
}

/** `db` whose record writes fail while `full.on`: IndexedDB's QuotaExceededError (the browser's, not
 * ours), as a phone whose storage is full answers a pull's or a push answer's write. */
export function fillable(db) {
  const full = { on: false };
  const quota = () => new DOMException('The quota has been exceeded.', 'QuotaExceededError');
  const tx = (names, mode, fn, options) => db.tx(names, mode, (stores) => fn(full.on && stores.records
    ? { ...stores, records: { ...stores.records, put: async () => { throw quota(); } } } : stores), options);
  return { db: { ...db, tx, read: (names, fn) => tx(names, 'readonly', fn) }, full };
}
