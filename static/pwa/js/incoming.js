// Push answers and pulled pages applied to outbox.js rows ({server, server_version, local,
// pending, gen}; sync-notes §1.6): only the server copy moves, the unsent `local` overlay never.
import { ALL, newRow, pick, registers, view } from './outbox.js';

/** Sent anew under a new id (the server replays a refusal kept for its id). */
async function again(outbox, e) {
  await outbox.delete(e.mutation_id);
  await outbox.put({ ...e, mutation_id: crypto.randomUUID(), state: 'pending', attempts: 0 });
}

/** Take the server's copy unless older than the one kept. */
function takeServer(row, record, version) {
  if (!record || version < (row.server_version ?? 0)) return;
  row.server = record;
  row.server_version = version;
  follow(row, record.child_id);
}

/** The server decides an event's child (a merged duplicate's events go to the standing child): the row
 * and its unsent overlay go with it. */
function follow(row, childId) {
  if (row.entity === 'child' || !childId || row.child_id === childId) return;
  if (row.local) row.local = { ...row.local, child_id: childId };
  row.child_id = childId;
}

/** An entry answered: take the server copy, drop the overlay once nothing is unsent. */
function settle(row, record, version) {
  takeServer(row, record, version);
  row.pending = Math.max(0, row.pending - 1);
  if (row.pending === 0) row.local = null;
}

/** The row of an answer's record, server copy taken if newer. */
async function rebase(records, entity, record, version, gen) {
  const row = (await records.get([entity, record.id])) ?? newRow(entity, record.id, record.child_id);
  takeServer(row, record, version);
  row.gen = gen;
  return row;
}

/** Apply a push's answers in one transaction. A merged-away duplicate's change is answered with the
 * standing child (push.py _upsert): that record goes to its own row, never over the duplicate's. */
export function applyPushResults(db, batch, results) {
  return db.tx(ALL, 'readwrite', async ({ records, outbox, conflicts, meta }) => {
    const gen = ((await meta.get('sync')) ?? { gen: 0 }).gen;
    const byId = new Map(results.map((r) => [r.mutation_id, r]));
    const answered = [];
    const unregistered = new Set(); // children whose registration this push refused
    const registered = new Set();
    for (const entry of batch) {
      const result = byId.get(entry.mutation_id);
      if (!result) continue;
      answered.push(entry.mutation_id);
      // already answered (a second engine, no Web Locks): take it once
      if (!(await outbox.get(entry.mutation_id))) continue;
      const row = (await records.get([entry.entity, entry.id])) ?? newRow(entry.entity, entry.id, entry.data.child_id);
      const stands = result.record?.id && result.record.id !== entry.id ? result.record : null;
      if (result.status === 'applied') {
        await outbox.delete(entry.mutation_id);
        if (registers(entry)) registered.add(entry.id);
        if (stands) await records.put(await rebase(records, entry.entity, stands, result.version, gen));
        // no record: kept where she no longer sees it (push.py _apply): a child keeps what this entry sent till
        // a pull drops her; an event goes (never pulled again: under a duplicate merged elsewhere it stayed)
        const beyond = !stands && !result.record;
        settle(row, stands ? null : result.record ?? (beyond && row.entity === 'child'
          ? { ...(row.server ?? {}), ...entry.data, id: entry.id } : null), result.version);
        row.gen = gen;
        // under a child this phone does not hold (merged elsewhere): never pulled again, it would stay orphaned
        const away = row.entity !== 'child' && (beyond || (row.child_id !== entry.data.child_id && !(await records.get(['child', row.child_id]))));
        if (row.pending === 0 && (stands || away || view(row)?.deleted_at)) await records.delete([row.entity, row.id]);
        else await records.put(row);
      } else if (result.status === 'conflict') {
        await outbox.delete(entry.mutation_id);
        let conflict = { mutation_id: entry.mutation_id, entity: entry.entity, id: stands?.id ?? entry.id, op: entry.op,
          mine: entry.data, changed: entry.changed ?? null, base_version: stands ? result.version : entry.base_version, server_record: result.record,
          server_version: result.version, fields: Object.keys(result.errors ?? {}),
          refusal: result.restorable === false ? [result.errors_in, result.errors] : null }; // not hers to restore: why
        const earlier = stands || entry.op !== 'upsert' ? null : (await conflicts.getAll()).find((c) => c.entity === entry.entity
          && c.id === entry.id && c.op === 'upsert');
        if (earlier) { // one question per record (joinConflicts), pending counted once
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
      } else if (entry.entity !== 'child' && unregistered.has(entry.data?.child_id)
        && Object.keys(result.errors ?? {}).join() === 'child_id') {
        await again(outbox, entry); // refused as its child's registration was: sent once she corrects it
      } else {
        if (registers(entry)) unregistered.add(entry.id);
        await outbox.put({ ...entry, state: 'needs_attention', errors: result.errors ?? {}, errors_in: result.errors_in });
      }
    }
    // her child registered at last: events refused for want of her go again (an older version's too)
    for (const e of registered.size ? await outbox.getAll() : []) {
      if (e.state === 'needs_attention' && registered.has(e.data?.child_id) && Object.keys(e.errors ?? {}).join() === 'child_id') await again(outbox, e);
    }
    return answered;
  });
}

/** Join a second conflict to the record's open one: one question (docs/sync.md). */
function joinConflicts(first, later) {
  const union = (a, b) => (a && b ? [...new Set([...a, ...b])] : null);
  return { ...later, mutation_id: first.mutation_id, mine: { ...first.mine, ...later.mine },
    changed: union(first.changed, later.changed), fields: union(first.fields, later.fields) ?? later.fields,
    base_version: first.base_version };
}

/** A merged-away duplicate's change conflicting with the standing child: filed and resolved on
 * that child; its row shows the cadre's side until she chooses. */
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
      sync.gen += 1; // replacement sync: what is not re-delivered goes, unless unsent
      sync.sweeping = true;
    }
    // in a replacement the first copy pulled wins whatever its version: a server restored from
    // backup numbers versions from the backup's (docs/sync.md)
    const replacing = sync.sweeping;
    // rows read and written all at once (benchmarks/phone.py)
    const byRecord = new Map();
    for (const change of page.changes) {
      const id = JSON.stringify([change.entity, change.id]);
      if (!byRecord.has(id)) byRecord.set(id, { key: [change.entity, change.id], changes: [] });
      byRecord.get(id).changes.push(change);
    }
    const touched = [...byRecord.values()];
    const rows = await Promise.all(touched.map(({ key }) => records.get(key)));
    const merges = await mergedHere(records, touched);
    // a child leaving (moved, deleted) with unsent events stays, marked gone, so the cadre sees why
    // they cannot go; a duplicate merged into a child here: they go to her
    const waiting = new Set(await Promise.all(touched.filter(({ key, changes }) => key[0] === 'child' && !merges.has(key[1])
      && changes.some((c) => c.op === 'delete')).map(async ({ key }) => (await eventsWaiting(records, key[1]) ? key[1] : null))));
    const left = [];
    await Promise.all(touched.map(({ key, changes }, i) => {
      let row = rows[i];
      let written = false;
      for (const change of changes) {
        const [next, writes] = applyChange(row, change, sync.gen, waiting.has(change.id), replacing);
        row = next;
        written ||= writes;
      }
      if (!written) return null;
      if (row === undefined && key[0] === 'child' && changes.at(-1).reason === 'out_of_scope') left.push(key[1]);
      return row === undefined ? records.delete(key) : records.put(row);
    }));
    for (const id of left) await dropSettledEvents(records, id);
    for (const [from, to] of merges) await repoint(records, from, to);
    if (merges.size) sync.merged = { ...sync.merged, ...Object.fromEntries(merges) }; // keptFor
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
    // such a child goes once none of her events waits
    if (!page.has_more && sync.kept.length) {
      const still = [];
      for (const id of new Set(sync.kept)) {
        const row = await records.get(['child', id]);
        if (row?.gone && row.pending === 0 && !(await eventsWaiting(records, id))) {
          await records.delete(['child', id]);
          if (row.gone === 'out_of_scope') await dropSettledEvents(records, id);
        }
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

/** A child who left this phone's area takes her settled events (the server names only hers then). */
async function dropSettledEvents(records, childId) {
  const settled = (await records.getAll('child', childId)).filter((r) => r.entity !== 'child' && !(r.pending > 0));
  await Promise.all(settled.map((r) => records.delete([r.entity, r.id])));
}

/** The child the phone holds that a duplicate merged away (`id`, gone from it) became, or null. */
export const keptFor = (db, id) => db.read(['records', 'meta'], async ({ records, meta }) => {
  const merged = (await meta.get('sync'))?.merged ?? {};
  for (let into = merged[id], hops = 0; into && hops < 9; into = merged[into], hops++) {
    const row = await records.get(['child', into]);
    if (row) return view(row);
  }
  return null;
});

/** The duplicates this page merges away into a child the phone holds: merged id → standing id. */
async function mergedHere(records, touched) {
  const merges = new Map();
  for (const { key, changes } of touched) {
    const into = key[0] === 'child' && changes.at(-1).op === 'delete' ? changes.at(-1).record?.merged_into : null;
    if (!into) continue;
    const standing = touched.find((t) => t.key[0] === 'child' && t.key[1] === into)?.changes.at(-1);
    const stands = standing ? standing.record : view(await records.get(['child', into]));
    if (stands && !stands.deleted_at && (standing?.op ?? 'upsert') === 'upsert') merges.set(key[1], into);
  }
  return merges;
}

/** What the phone holds of a duplicate merged away is the standing child's (registry.merge_children). */
async function repoint(records, from, to) {
  const rows = (await records.getAll('child', from)).filter((r) => r.entity !== 'child');
  await Promise.all(rows.map((row) => {
    follow(row, to);
    if (row.server) row.server = { ...row.server, child_id: to };
    return records.put(row);
  }));
}

async function eventsWaiting(records, childId) {
  return (await records.getAll('child', childId)).some((r) => r.entity !== 'child' && r.pending > 0);
}

/** One pulled change on a row: [row after, written?]. `keep`: a delete leaves the row marked gone.
 * `replacing`: a row not yet pulled in this replacement takes the server copy whatever the versions. */
function applyChange(row, change, gen, keep = false, replacing = false) {
  const newer = !row || (replacing && row.gen !== gen) || change.version >= (row.server_version ?? 0);
  if (row && (row.pending > 0 || (keep && change.op === 'delete'))) {
    // never over unsent changes: only the server side moves
    const next = { ...row, gen };
    if (newer) {
      next.server = change.op === 'delete' ? { ...(change.record ?? row.server), deleted_at: change.record?.deleted_at ?? 'gone' } : change.record;
      next.server_version = change.version;
      next.gone = change.op === 'delete' ? change.reason : null;
      if (change.op === 'upsert') follow(next, change.record?.child_id);
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
