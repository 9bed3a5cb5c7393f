// The local copy and the outbox (sync-notes §1.6); with incoming.js, conflicts.js and db.js the only
// IndexedDB users. A record row: {entity, id, child_id, server (its last copy), server_version,
// local (unsent changes over it), pending (its outbox entries and open conflicts), gen}.

const NOT_NULL = new Set(['name', 'sex', 'birth_date', 'posyandu_id', 'has_kms', 'oedema', 'place', 'measured_on',
  'vaccine', 'dose', 'given_on', 'kind', 'child_id']);
/** Fields a client sends per entity (REST shapes, no server-computed ones). */
export const FIELDS = {
  child: ['posyandu_id', 'name', 'sex', 'birth_date', 'birth_weight_kg', 'birth_length_cm', 'nik', 'mother_nik',
    'mother_name', 'father_name', 'guardian_phone', 'address', 'rt', 'rw', 'has_kms', 'exit_date', 'exit_reason'],
  measurement: ['child_id', 'measured_on', 'weight_kg', 'length_height_cm', 'position', 'head_circumference_cm',
    'muac_cm', 'oedema', 'recorded_at', 'trend_override', 'trend_override_reason'],
  immunisation: ['child_id', 'vaccine', 'dose', 'given_on', 'source', 'batch_number', 'expiry_date', 'kfa_code', 'given_by',
    'place', 'recorded_at'],
  supplement: ['child_id', 'kind', 'given_on', 'given_by', 'place', 'recorded_at'],
};
export const ALL = ['records', 'outbox', 'conflicts', 'meta'];
/** What she entered exists nowhere else: complete once on disk. */
export const USER_ACTION = { durability: 'strict' };

export const view = (row) => (row ? row.local ?? row.server : null);
/** A child's registration (never on the server). */
export const registers = (e) => e.entity === 'child' && e.op === 'upsert' && e.base_version === null;
export const newRow = (entity, id, childId) => ({ entity, id, child_id: childId ?? null, server: null, server_version: null,
  local: null, pending: 0, gen: 0 });

/** An upsert's body: the entity's fields, nulls the server refuses left out. */
export function payload(entity, record) {
  const out = {};
  for (const f of FIELDS[entity]) {
    const v = record[f];
    if (v === undefined || (v === null && NOT_NULL.has(f))) continue;
    out[f] = v;
  }
  return out;
}

export async function nextSeq(meta) {
  const row = (await meta.get('seq')) ?? { key: 'seq', value: 0 };
  row.value += 1;
  await meta.put(row);
  return row.value;
}

/** The upsert's fields differing from its server copy (new: all), kept unsent with the entry: a
 * conflict's answer sends back only these. */
export function changedFields(entity, data, server) {
  if (!server) return Object.keys(data);
  const base = payload(entity, server);
  return Object.keys(data).filter((k) => (data[k] ?? null) !== (base[k] ?? null));
}

const changedOf = (e) => e.changed ?? Object.keys(e.data);

export function entryFor(entity, op, id, baseVersion, data, seq, changed = null) {
  return { mutation_id: crypto.randomUUID(), created_seq: seq, entity, op, id, base_version: baseVersion ?? null,
    data, changed, state: 'pending', attempts: 0, errors: null, last_error: null, created_at: new Date().toISOString() };
}

export const saveChange = (db, change) => saveChanges(db, [change]).then(([out]) => out);

/** One action's records and entries (a child's doses of a day) in ONE transaction. */
export function saveChanges(db, changes) {
  return db.tx(['records', 'outbox', 'conflicts', 'meta'], 'readwrite', async (stores) => {
    const out = [];
    for (const change of changes) out.push(await writeChange(stores, change));
    return out;
  }, USER_ACTION);
}

/** One change: it replaces the record's refused entries (it carries it corrected); a delete of a
 * record the server never had only drops it. Open conflict: saveBesideConflicts. */
async function writeChange({ records, outbox, conflicts, meta }, { entity, id, op = 'upsert', fields: all = {}, reason = null,
  drawn = null }) {
  // `drawn`: as the form showed it; a field left so keeps a pull's value
  const fields = drawn ? Object.fromEntries(Object.entries(all).filter(([k, v]) => (v ?? null) !== (drawn[k] ?? null))) : all;
  const had = await records.get([entity, id]);
  const row = had ?? newRow(entity, id, all.child_id);
  const queued = had ? (await outbox.getAll()).filter((e) => e.entity === entity && e.id === id) : [];
  const refused = queued.filter((e) => e.state === 'needs_attention');
  for (const e of refused) {
    await outbox.delete(e.mutation_id);
    row.pending = Math.max(0, row.pending - 1);
  }
  const open = !had ? [] : (await conflicts.getAll()).filter((c) => c.entity === entity && c.id === id);
  if (open.length && op !== 'delete') return saveBesideConflicts({ records, outbox, conflicts, meta }, row, { open, refused, queued }, fields);
  // as the server has it when this entry arrives (withoutMovedOverride); all refused: its copy, its
  // N/T too unless she changed it
  const alone = refused.length && row.server && !queued.some((e) => e.state !== 'needs_attention');
  const mine = new Set([...refused.flatMap(changedOf), ...Object.keys(fields)]);
  const found = alone ? row.server : view(row) ?? {};
  const current = { ...(view(row) ?? {}), ...(alone ? pick(row.server, OVERRIDE.filter((f) => !mine.has(f))) : {}), ...fields, id };
  // an N/T this save gives (kept, moved or not): judged in the month it stands in
  if (fields.trend_override && fields.trend_override !== found.trend_override) current._judged_in = month(current.measured_on);
  if (op === 'delete' && !row.server && row.pending === 0) {
    await records.delete([entity, id]);
    return { record: null, entry: null };
  }
  const data = op === 'delete' ? (reason ? { reason } : {}) : payload(entity, current);
  // recorded_at (first save's clock) not sent with an edit: an old one sent (device_clock) refuses it
  if (row.server && data.recorded_at === row.server.recorded_at) delete data.recorded_at;
  // a health worker's reason for a dose off the schedule: this save's only
  if (op !== 'delete' && fields.override_reason) data.override_reason = fields.override_reason;
  // Based on her first unsent change's (or `drawn`'s) version, not the one held now: the server sees
  // only her changes, not overwriting another's since. A delete too (shownBase).
  const earlier = queued.filter((e) => e.op === 'upsert');
  const base = !row.server ? row.server_version : op === 'delete' ? shownBase(row, [...earlier, ...open])
    : Math.min(row.server_version, drawn?.version ?? Infinity, ...earlier.map((e) => e.base_version ?? 1));
  const before = view(row) ?? {};
  const changed = op === 'delete' ? null : !earlier.length ? changedFields(entity, data, row.server)
    : [...new Set([...earlier.flatMap(changedOf),
      ...Object.keys(data).filter((f) => (data[f] ?? null) !== (before[f] ?? null))])].filter((f) => f in data);
  const seq = await queuePlace(meta, refused, queued);
  const entry = entryFor(entity, op, id, base, data, seq, changed);
  row.local = op === 'delete' ? { ...current, deleted_at: entry.created_at } : withoutMovedOverride(found, current);
  row.pending += 1;
  await outbox.put(entry);
  await records.put(row);
  return { record: row.local, entry };
}

/** A correction's queue place: its refused entries' earliest (a registration before its weighing);
 * the end if none, or a later save is queued. */
async function queuePlace(meta, refused, queued) {
  if (!refused.length) return nextSeq(meta);
  const earliest = Math.min(...refused.map((e) => e.created_seq));
  const later = queued.some((e) => e.state !== 'needs_attention' && e.created_seq > earliest);
  return later ? nextSeq(meta) : earliest;
}

const OVERRIDE = ['trend_override', 'trend_override_reason'];
const month = (day) => String(day).slice(0, 7);
/** `current` as the server leaves it after an entry finding it `held`: a weighing moved to another
 * month with its N/T override unchanged loses it (growth.operations), shown and sent so; not one
 * given again there (`_judged_in`). */
export function withoutMovedOverride(held, current) {
  const moved = held?.trend_override != null && current.trend_override === held.trend_override
    && month(current.measured_on) !== month(held.measured_on) && current._judged_in !== month(current.measured_on);
  return moved ? { ...current, trend_override: null, trend_override_reason: null } : current;
}

export const pick = (record, keys) => Object.fromEntries(keys.filter((k) => k in record).map((k) => [k, record[k]]));
/** About a deletion (either side's): an edit cannot merge with it. */
const aboutDeletion = (c) => c.op === 'delete' || Boolean(c.server_record?.deleted_at);

/** Her overlay's version (its entries' and conflicts' earliest base). */
const shownBase = (row, unsent) => Math.min(row.server_version, ...unsent.map((e) => e.base_version ?? 1));

/** Save beside an open conflict: only what THIS save changed (or a replaced refused entry carried)
 * is sent, never a field in question (her value goes to `mine`), on the version she was shown. */
async function saveBesideConflicts({ records, outbox, conflicts, meta }, row, { open, refused, queued }, fields) {
  const { entity, id } = row;
  const before = view(row) ?? {};
  const current = { ...before, ...fields, id };
  const edited = FIELDS[entity].filter((f) => f in fields && (fields[f] ?? null) !== (before[f] ?? null));
  const carried = refused.flatMap(changedOf).filter((f) => FIELDS[entity].includes(f));
  const held = new Set(open.flatMap((c) => (aboutDeletion(c) ? FIELDS[entity] : conflictFields(c))));
  const changes = [...new Set([...edited, ...carried])];
  for (const c of open) {
    if (c.op !== 'delete') await conflicts.put({ ...c, mine: { ...c.mine, ...pick(current, changes) } });
  }
  const send = changes.filter((f) => !held.has(f));
  row.local = send.includes('measured_on') ? withoutMovedOverride(before, current) : current;
  let entry = null;
  if (send.length) {
    const data = payload(entity, { child_id: current.child_id, ...pick(current, send) });
    if (fields.override_reason) data.override_reason = fields.override_reason;
    const seq = await queuePlace(meta, refused, queued);
    const base = shownBase(row, [...open, ...queued.filter((e) => e.op === 'upsert')]);
    entry = entryFor(entity, 'upsert', id, base, data, seq, send.filter((f) => f in data));
    row.pending += 1;
    await outbox.put(entry);
  }
  await records.put(row);
  return { record: row.local, entry };
}

/** Up to `limit` pending entries in order (not `held`), now in flight. */
export function takeBatch(db, limit, held = () => false) {
  return db.tx(['outbox'], 'readwrite', async ({ outbox }) => {
    const batch = (await outbox.getAll('seq')).filter((e) => e.state === 'pending' && !held(e)).slice(0, limit);
    for (const e of batch) {
      e.state = 'inflight';
      e.attempts += 1;
      await outbox.put(e);
    }
    return batch;
  });
}

/** Entries back to pending (an error, a crash). */
export function requeue(db, entries = null, error = null, patch = {}) {
  return db.tx(['outbox'], 'readwrite', async ({ outbox }) => {
    for (const { mutation_id: id } of entries ?? await outbox.getAll()) {
      const e = await outbox.get(id);
      if (!e || e.state !== 'inflight') continue;
      e.state = 'pending';
      if (error) e.last_error = error;
      await outbox.put({ ...e, ...patch });
    }
  });
}

/** A batch needs attention; `errorsIn`: {id, en}. */
export function markBatch(db, batch, errors, errorsIn = null) {
  return db.tx(['outbox'], 'readwrite', async ({ outbox }) => {
    for (const e of batch) await outbox.put({ ...e, state: 'needs_attention', errors, errors_in: errorsIn });
  });
}

/** Sent again ("Kirim lagi", retryEntry): stuck (sync.js), or no field to correct. */
export const resendable = (e) => e?.state === 'needs_attention'
  && (e.stuck || Object.keys(e.errors ?? {}).every((k) => k === '_schema'));

/** Stuck: its id (maybe applied); else a new one (a refusal is replayed; a device's own change never conflicts). */
export function retryEntry(db, mutationId) {
  return db.tx(['outbox'], 'readwrite', async ({ outbox }) => {
    const e = await outbox.get(mutationId);
    if (!resendable(e)) return;
    const again = { ...e, state: 'pending', stuck: false, strikes: null, errors: null, errors_in: null };
    if (!e.stuck) {
      await outbox.delete(mutationId);
      again.mutation_id = crypto.randomUUID();
    }
    await outbox.put(again);
  });
}

/** The fields a conflict asks about: the server's answer, else hers that differ from the server's. */
export function conflictFields(c) {
  if (c.fields?.length) return c.fields;
  const server = c.server_record ?? {};
  return (c.changed ?? []).filter((f) => f in c.mine && (c.mine[f] ?? null) !== (server[f] ?? null));
}

export function discardEntry(db, mutationId) {
  return db.tx(['records', 'outbox'], 'readwrite', async ({ records, outbox }) => {
    const e = await outbox.get(mutationId);
    if (!e) return;
    await outbox.delete(mutationId);
    const row = await records.get([e.entity, e.id]);
    if (!row) return;
    row.pending = Math.max(0, row.pending - 1);
    if (row.pending > 0) await records.put(row);
    else if (!row.server) await records.delete([e.entity, e.id]);
    else await records.put({ ...row, local: null });
  }, USER_ACTION);
}

export const getRow = (db, entity, id) => db.read(['records'], ({ records }) => records.get([entity, id]));
export const rowsOfChild = (db, ...ids) => db.read(['records'], ({ records }) => Promise.all(ids.map((id) => records.getAll('child', id))))
  .then((rows) => rows.flat());
export const outboxEntries = (db) => db.read(['outbox'], ({ outbox }) => outbox.getAll('seq'));
export const conflictList = (db) => db.read(['conflicts'], ({ conflicts }) => conflicts.getAll());
export const getMeta = (db, key) => db.read(['meta'], ({ meta }) => meta.get(key));
export const putMeta = (db, value) => db.tx(['meta'], 'readwrite', ({ meta }) => meta.put(value));

/** A row as screens read it: `_pending` while changes wait, `_was_on` the server's day of a
 * measurement a change moved (assess.markStale), an N/T the move drops dropped. */
export function recordView(row) {
  const out = { ...(row.local ? withoutMovedOverride(row.server, row.local) : row.server), _pending: row.pending > 0,
    ...(row.gone && { _gone: row.gone }) }; // left her area or deleted, kept for a change unsent
  const was = row.local && row.server?.measured_on;
  if (was && was !== row.local.measured_on) out._was_on = was;
  return out;
}

export async function records(db, entity, { deleted = false, rows = db.read(['records'], ({ records: r }) => r.getAll('entity', entity)) } = {}) {
  return (await rows).filter((r) => r.entity === entity).map(recordView).filter((r) => r.id && (deleted || !r.deleted_at));
}

/** `list` after record `keys` (db.changes) were written: {kept, fresh}; null: read all. */
export async function rowsAfter(db, entity, list, keys) {
  const ids = new Set();
  if (keys.length > 100) return null;
  for (const [e, id] of keys) {
    if (e === 'child') ids.add(id);
    if (e !== entity || e === 'child') continue;
    const was = list.find((r) => r.id === id)?.child_id;
    const now = (await getRow(db, e, id))?.child_id ?? was;
    if (!now) return null; // a child unknown
    ids.add(now).add(was ?? now);
  }
  const of = entity === 'child' ? 'id' : 'child_id';
  const rows = ids.size > 50 ? null : await Promise.all([...ids].map((id) => (of === 'id' ? getRow(db, 'child', id).then((r) => [r])
    : rowsOfChild(db, id))));
  return rows && { kept: list.filter((r) => !ids.has(r[of])), fresh: rows.flat().filter((r) => r?.entity === entity && ids.has(r[of])).map(recordView) };
}

export const oldestUnsentAt = async (db) => (await outboxEntries(db)).reduce(
  (oldest, e) => (e.created_at && (!oldest || e.created_at < oldest) ? e.created_at : oldest), null);

/** A save's fate (entries `ids`): 'conflict', 'attention' (refused, stuck, behind its child's
 * refused registration), 'waiting', else 'sent'. */
export function sendingOf(entity, id, ids, entries, open) {
  if (open.some((c) => ids.includes(c.mutation_id) || (c.entity === entity && c.id === id))) return 'conflict';
  const refused = (e) => e.state === 'needs_attention';
  const mine = entries.filter((e) => ids.includes(e.mutation_id));
  return mine.some((e) => refused(e) || entries.some((r) => refused(r) && registers(r) && r.id === e.data?.child_id))
    ? 'attention' : mine.length ? 'waiting' : 'sent';
}

/** An unsent save's words (i18n key) by the sync's state. */
export const unsentWords = (online, phase, error) => (!online ? 'saved_offline' : phase === 'error'
  ? (error === 'forbidden' || error === 'client' ? 'saved_stopped' : error === 'storage' ? 'saved_storage' : 'saved_later')
  : { login_required: 'saved_login', password_change: 'saved_password' }[phase] ?? 'saved_sending');

export async function counts(db) {
  const [entries, open] = await Promise.all([outboxEntries(db), conflictList(db)]);
  const attention = entries.filter((e) => e.state === 'needs_attention').length;
  return { waiting: entries.length - attention, attention, conflicts: open.length };
}

/** This installation's id for the server's ledger. */
export async function clientId(db) {
  return db.tx(['meta'], 'readwrite', async ({ meta }) => {
    const row = await meta.get('client_id');
    if (row) return row.value;
    const value = crypto.randomUUID();
    await meta.put({ key: 'client_id', value });
    return value;
  });
}
