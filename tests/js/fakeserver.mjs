// A small in-memory stand-in for /sync/push and /sync/pull with the contract's rules
// (idempotency ledger with replayed results, three-way field merge, change log with
// a cursor, reset) and fault injection, to test the PWA's sync client in node.

const clone = (v) => structuredClone(v);
const META = new Set(['id', 'version', 'child_id', 'deleted_at']);

export class NetworkError extends Error {
  constructor(message = 'Failed to fetch') { super(message); this.kind = 'network'; }
}

export function fakeServer() {
  const records = new Map(); // `${entity}:${id}` -> {record, version, history: [record v1, v2, ...]}
  const log = [];
  const ledger = new Map();
  const s = { records, log, ledger, faults: [], pushes: 0, pulls: 0, epoch: 1, seenBodies: [] };

  function write(entity, id, record, op = 'upsert') {
    const key = `${entity}:${id}`;
    const cur = records.get(key) ?? { history: [] };
    const version = cur.history.length + 1;
    const rec = { ...clone(record), id, version };
    records.set(key, { record: rec, version, history: [...cur.history, rec] });
    log.push({ seq: log.length + 1, entity, id, version, op, record: clone(rec) });
    return rec;
  }
  s.write = write;
  s.get = (entity, id) => records.get(`${entity}:${id}`)?.record;

  /** A rejection as push.py _result answers it: in the request's language (Indonesian here) and in every language. */
  const refused = (field, id, en) => ({ status: 'rejected', errors: { [field]: [id] },
    errors_in: { id: { [field]: [id] }, en: { [field]: [en] } } });

  function applyOne(m) {
    const cur = records.get(`${m.entity}:${m.id}`);
    // posyandu/validators.device_clock: a device's clock reading outside the years 2000 to 2099
    const year = m.data?.recorded_at ? new Date(m.data.recorded_at).getUTCFullYear() : null;
    if (year !== null && !(year >= 2000 && year < 2100)) {
      return refused('recorded_at', 'harus di antara tahun 2000 dan 2099: periksa jam perangkat',
        "must be in the years 2000 to 2099: check the device's clock");
    }
    if (m.op !== 'delete' && m.entity !== 'child' && !records.has(`child:${m.data.child_id}`)) {
      return refused('child_id', 'anak tidak ditemukan atau di luar wilayah Anda', 'child not found or outside your area');
    }
    if (m.op === 'delete') {
      if (!cur) return { status: 'rejected', errors: { id: ['not found'] } };
      if (m.base_version !== cur.version) return { status: 'conflict', record: cur.record, version: cur.version };
      const rec = write(m.entity, m.id, { ...cur.record, deleted_at: '2025-01-01T00:00:00Z' }, 'delete');
      return { status: 'applied', record: rec, version: rec.version };
    }
    if (!cur) {
      // an event for a duplicate merged away lands on the child that stands (push.py _create)
      const stands = m.entity === 'child' ? null : records.get(`child:${m.data.child_id}`).record.merged_into;
      const rec = write(m.entity, m.id, stands ? { ...m.data, child_id: stands } : m.data);
      return { status: 'applied', record: rec, version: rec.version };
    }
    // a duplicate merged away (a tombstone with merged_into): the edit lands on the record that
    // stands, three-way from the duplicate as the phone saw it, answered with the standing record
    // (posyandu/sync/push.py _upsert, registry.resolve_alias)
    const target = cur.record.merged_into ? records.get(`${m.entity}:${cur.record.merged_into}`) : cur;
    const base = cur.history[(m.base_version ?? 1) - 1];
    // a field the record lacks is null, as in the server's serialized records
    const same = (a, b) => (a ?? null) === (b ?? null);
    const changed = Object.keys(m.data).filter((k) => !META.has(k) && !same(m.data[k], base[k]));
    const clash = changed.filter((k) => !same(target.record[k], base[k]) && !same(target.record[k], m.data[k]));
    if (clash.length) {
      return { status: 'conflict', record: target.record, version: target.version,
        errors: Object.fromEntries(clash.map((k) => [k, ['changed on the server']])) };
    }
    if (!changed.length) return { status: 'applied', record: target.record, version: target.version };
    const rec = write(m.entity, target.record.id, { ...target.record, ...Object.fromEntries(changed.map((k) => [k, m.data[k]])) });
    return { status: 'applied', record: rec, version: rec.version };
  }

  s.push = async (body) => {
    s.pushes += 1;
    s.seenBodies.push(clone(body));
    const fault = s.faults.shift();
    if (fault === 'network') throw new NetworkError();
    if (fault === 'server') throw Object.assign(new Error('500'), { kind: 'server' });
    if (fault === 'auth') throw Object.assign(new Error('401'), { kind: 'auth' }); // login expired, refresh refused (api.js)
    const results = body.mutations.map((m) => {
      const prior = ledger.get(m.mutation_id);
      if (prior) return { ...prior, replayed: true };
      const result = { mutation_id: m.mutation_id, replayed: false, version: null, record: null, errors: null, ...applyOne(m) };
      ledger.set(m.mutation_id, clone(result));
      return result;
    });
    if (fault === 'drop') throw new NetworkError('response lost after commit');
    return clone({ results });
  };

  s.pull = async (cursor, limit) => {
    s.pulls += 1;
    const fault = s.faults.shift();
    if (fault === 'network') throw new NetworkError();
    let after = cursor ? JSON.parse(cursor).seq : 0;
    let reset = false;
    if (cursor && JSON.parse(cursor).epoch !== s.epoch) { after = 0; reset = true; }
    const rows = log.filter((r) => r.seq > after).slice(0, limit + 1);
    const hasMore = rows.length > limit;
    const page = rows.slice(0, limit);
    const upto = hasMore ? page[page.length - 1].seq : log.length;
    return clone({
      changes: page.map((r) => ({ entity: r.entity, id: r.id, version: r.version, op: r.op, record: r.record,
        reason: r.op === 'delete' ? 'deleted' : null })),
      cursor: JSON.stringify({ seq: upto, epoch: s.epoch }), has_more: hasMore, reset,
    });
  };
  return s;
}

/** The fake server, answering 500 to any push that carries a child named in `poison`. */
export function poisoned(server, poison) {
  const push = server.push;
  server.push = async (body) => {
    if (body.mutations.some((m) => poison.has(m.data?.name))) {
      server.pushes += 1;
      server.seenBodies.push(structuredClone(body));
      throw Object.assign(new Error('Kesalahan server'), { kind: 'server' });
    }
    return push(body);
  };
}

/** An API whose GETs answer `replies` in turn (an Error in the list is thrown): for the reference
 * data fetched on each sync (schedule.js, kbm.js). `calls` lists the paths asked. */
export function fakeApi(replies) {
  const calls = [];
  return {
    calls,
    get: async (path) => {
      calls.push(path);
      const next = replies.shift();
      if (next instanceof Error) throw next;
      return clone(next);
    },
  };
}
