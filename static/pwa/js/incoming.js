// The local copy taking the server's side (sync-notes §1.6): a push's answers and pulled pages
// applied to the record rows of outbox.js ({server, server_version, local, pending, gen}). The
// server's copy of a record moves; what the cadre has not sent yet (the `local` overlay) is
// never written over.
import { ALL, newRow, pick, view } from './outbox.js';

/** Keep the server's copy of a record in its row if it is not older than the one kept. */
function takeServer(row, record, version) {
  if (!record || version < (row.server_version ?? 0)) return;
  row.server = record;
  row.server_version = version;
  // an event's child is the server's say (the events of a merged duplicate are the standing child's)
  if (row.entity !== 'child' && record.child_id) row.child_id = record.child_id;
}

/** An entry answered: the server's copy taken, the overlay dropped once nothing more is unsent. */
function settle(row, record, version) {
  takeServer(row, record, version);
  row.pending = Math.max(0, row.pending - 1);
  if (row.pending === 0) row.local = null;
}

/** The row of the record an answer carries, its server copy taken if newer (only the server side:
 * unsent changes of the cadre stay over it, as a pull does). */
async function rebase(records, entity, record, version, gen) {
  const row = (await records.get([entity, record.id])) ?? newRow(entity, record.id, record.child_id);
  takeServer(row, record, version);
  row.gen = gen;
  return row;
}

/** Apply the server's answer to a pushed batch, in one transaction. An answer may carry another
 * record than the one addressed: a change to a duplicate child a bidan has merged away is applied
 * by the server to the child that stands, and answered with that child's record
 * (posyandu/sync/push.py _upsert, registry.resolve_alias). That record goes to its own row, never
 * over the duplicate's (the child would be listed twice, and the duplicate's tombstone then
 * ignored as older than the other child's version): the duplicate is done with once nothing
 * more of it is unsent, as its tombstone would do. */
export function applyPushResults(db, batch, results) {
  return db.tx(ALL, 'readwrite', async ({ records, outbox, conflicts, meta }) => {
    const gen = ((await meta.get('sync')) ?? { gen: 0 }).gen;
    const byId = new Map(results.map((r) => [r.mutation_id, r]));
    const answered = [];
    for (const entry of batch) {
      const result = byId.get(entry.mutation_id);
      if (!result) continue;
      answered.push(entry.mutation_id);
      // answered already (a second engine sent it too, where the browser has no Web Locks): taken once
      if (!(await outbox.get(entry.mutation_id))) continue;
      const row = (await records.get([entry.entity, entry.id])) ?? newRow(entry.entity, entry.id, entry.data.child_id);
      const stands = result.record?.id && result.record.id !== entry.id ? result.record : null;
      if (result.status === 'applied') {
        await outbox.delete(entry.mutation_id);
        if (stands) await records.put(await rebase(records, entry.entity, stands, result.version, gen));
        settle(row, stands ? null : result.record, result.version);
        row.gen = gen;
        if (row.pending === 0 && (stands || view(row)?.deleted_at)) await records.delete([row.entity, row.id]);
        else await records.put(row);
      } else if (result.status === 'conflict') {
        await outbox.delete(entry.mutation_id);
        let conflict = { mutation_id: entry.mutation_id, entity: entry.entity, id: stands?.id ?? entry.id, op: entry.op,
          mine: entry.data, changed: entry.changed ?? null, base_version: entry.base_version, server_record: result.record,
          server_version: result.version, fields: Object.keys(result.errors ?? {}) };
        const earlier = stands || entry.op !== 'upsert' ? null : (await conflicts.getAll()).find((c) => c.entity === entry.entity
          && c.id === entry.id && c.op === 'upsert');
        if (earlier) { // one question per record (joinConflicts), the pending count of one
          conflict = joinConflicts(earlier, conflict);
          row.pending = Math.max(0, row.pending - 1);
        }
        await conflicts.put(conflict);
        if (stands) {
          await conflictOnStanding(records, conflict, gen);
          settle(row, null, null);
          if (row.pending === 0) await records.delete([row.entity, row.id]);
          else await records.put(row);
        } else {
          takeServer(row, result.record, result.version);
          await records.put(row);
        }
      } else {
        await outbox.put({ ...entry, state: 'needs_attention', errors: result.errors ?? {} });
      }
    }
    return answered;
  });
}

/** A second conflict on a record whose first is open, joined to it: one question (docs/sync.md). */
function joinConflicts(first, later) {
  const union = (a, b) => (a && b ? [...new Set([...a, ...b])] : null);
  return { ...later, mutation_id: first.mutation_id, mine: { ...first.mine, ...later.mine },
    changed: union(first.changed, later.changed), fields: union(first.fields, later.fields) ?? later.fields,
    base_version: first.base_version };
}

/** A change to a merged-away duplicate in conflict with the child that stands: the conflict is
 * about that child (the server's record and version are its own), so it is filed, shown and
 * resolved there: the resolution is a change of that child on its version. Its row shows the
 * cadre's side until she chooses, as for any conflict. */
async function conflictOnStanding(records, c, gen) {
  const row = await rebase(records, c.entity, c.server_record, c.server_version, gen);
  const own = pick(c.mine, c.changed ?? c.fields);
  row.local = { ...(row.local ?? row.server), ...own };
  row.pending += 1;
  await records.put(row);
}

/** Apply one pulled page and its cursor in one transaction (a crash replays at most this page). */
export function applyPullPage(db, page) {
  return db.tx(['records', 'meta'], 'readwrite', async ({ records, meta }) => {
    const sync = (await meta.get('sync')) ?? { key: 'sync', cursor: null, gen: 0, sweeping: false };
    if (page.reset || !sync.cursor) {
      sync.gen += 1; // a replacement sync: what is not re-delivered goes, unless it has unsent changes
      sync.sweeping = true;
    }
    // in a replacement the first copy pulled of a record is taken whatever its version: a server
    // restored from a backup numbers versions again from the backup's (docs/sync.md)
    const replacing = sync.sweeping;
    // The page's changes of each record, in order. Every row the page touches is read at once and
    // written at once: one request after the other waits for the browser's storage process each
    // time, which was most of a phone's first sync (benchmarks/phone.py).
    const byRecord = new Map();
    for (const change of page.changes) {
      const id = JSON.stringify([change.entity, change.id]);
      if (!byRecord.has(id)) byRecord.set(id, { key: [change.entity, change.id], changes: [] });
      byRecord.get(id).changes.push(change);
    }
    const touched = [...byRecord.values()];
    const rows = await Promise.all(touched.map(({ key }) => records.get(key)));
    // a child who leaves the phone (moved away, deleted) while a weighing or dose of hers still waits
    // to be sent stays, marked gone, so that the cadre sees whose change it is and why it cannot go
    const waiting = new Set(await Promise.all(touched.filter(({ key, changes }) => key[0] === 'child'
      && changes.some((c) => c.op === 'delete')).map(async ({ key }) => (await eventsWaiting(records, key[1]) ? key[1] : null))));
    await Promise.all(touched.map(({ key, changes }, i) => {
      let row = rows[i];
      let written = false;
      for (const change of changes) {
        const [next, writes] = applyChange(row, change, sync.gen, waiting.has(change.id), replacing);
        row = next;
        written ||= writes;
      }
      if (!written) return null;
      return row === undefined ? records.delete(key) : records.put(row);
    }));
    sync.kept = [...new Set([...(sync.kept ?? []), ...[...waiting].filter(Boolean)])];
    if (!page.has_more && sync.sweeping) {
      for (const row of await records.getAll()) {
        if (row.gen === sync.gen || row.pending > 0) continue;
        if (row.entity === 'child' && await eventsWaiting(records, row.id)) { // not re-delivered: out of scope
          await records.put({ ...row, gone: row.gone ?? 'out_of_scope', server: { ...row.server, deleted_at: row.server?.deleted_at ?? 'gone' } });
          sync.kept.push(row.id);
        } else {
          await records.delete([row.entity, row.id]);
        }
      }
      sync.sweeping = false;
    }
    // a child kept gone for her events' sake goes once none of them waits any more
    if (!page.has_more && sync.kept.length) {
      const still = [];
      for (const id of new Set(sync.kept)) {
        const row = await records.get(['child', id]);
        if (row?.gone && row.pending === 0 && !(await eventsWaiting(records, id))) await records.delete(['child', id]);
        else if (row?.gone) still.push(id);
      }
      sync.kept = still;
    }
    sync.cursor = page.cursor;
    sync.last_pull_at = new Date().toISOString();
    await meta.put(sync);
    return sync;
  });
}

/** Whether a record of this child's (a weighing, a dose…) has changes waiting to be sent. */
async function eventsWaiting(records, childId) {
  return (await records.getAll('child', childId)).some((r) => r.entity !== 'child' && r.pending > 0);
}

/** One pulled change applied to a record's stored row (undefined: none): [the row after it
 * (undefined: none), whether it is written]. `keep`: a delete leaves the row, marked gone (a child
 * whose events still wait to be sent). `replacing`: a replacement sync, where a row not yet pulled
 * in it (its `gen` older) takes the server's copy whatever the versions. */
function applyChange(row, change, gen, keep = false, replacing = false) {
  const newer = !row || (replacing && row.gen !== gen) || change.version >= (row.server_version ?? 0);
  if (row && (row.pending > 0 || (keep && change.op === 'delete'))) {
    // Never apply pulled data over unsent changes: only the server side moves (a rebase).
    const next = { ...row, gen };
    if (newer) {
      next.server = change.op === 'delete' ? { ...(change.record ?? row.server), deleted_at: change.record?.deleted_at ?? 'gone' } : change.record;
      next.server_version = change.version;
      next.gone = change.op === 'delete' ? change.reason : null;
    }
    return [next, true];
  }
  if (change.op === 'delete') return row && newer ? [undefined, true] : [row, false];
  if (newer) {
    return [{ ...newRow(change.entity, change.id, change.record?.child_id), server: change.record,
      server_version: change.version, gen }, true];
  }
  return [{ ...row, gen }, true];
}
