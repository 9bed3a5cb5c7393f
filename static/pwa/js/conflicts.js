// A conflict (the server's answer to an edit that met another's change, incoming.js) shown to the
// cadre and resolved with her choice, on the record rows and the outbox of outbox.js.
import { ALL, FIELDS, USER_ACTION, conflictFields, entryFor, newRow, nextSeq, payload, pick } from './outbox.js';

const same = (a, b) => (a ?? null) === (b ?? null);

/** The conflict `c` as the cadre is to see it now: when a pull brought a newer version of the record
 * than the push's answer (`row`: changed again, or deleted), that version, asking about the fields
 * still in conflict with it: those asked before that it does not hold her value for, and those she
 * changed that it changed again (hers sent on it would overwrite a change she never saw). Else `c`.
 * `gone`: why a pulled delete removed it ('deleted'; 'out_of_scope': it left her area, nothing to
 * restore). */
export function conflictNow(c, row) {
  if (!row?.server || (row.server_version ?? 0) <= (c.server_version ?? 0)) return c;
  const before = c.server_record ?? {};
  const now = row.server;
  const own = (c.changed ?? Object.keys(c.mine)).filter((f) => f in c.mine && FIELDS[c.entity].includes(f));
  const again = own.filter((f) => !same(now[f], before[f]));
  const fields = [...new Set([...conflictFields(c), ...again])].filter((f) => !same(now[f], c.mine[f]));
  return { ...c, server_record: now, server_version: row.server_version, fields, gone: row.gone ?? null };
}

/** Resolve a conflict with the cadre's choice: a NEW mutation. `chosen`: {field: value}, null to drop
 * her change, or 'delete' to repeat a delete. It carries her own changes only; the rest keeps the
 * server's; a record deleted there is restored with her whole copy. `seen`: what the screen showed her
 * (conflictNow), its base: a value changed again since is asked anew. Judged against row.server NOW. */
export function resolveConflict(db, mutationId, chosen, seen = null) {
  return db.tx(ALL, 'readwrite', async ({ records, outbox, conflicts, meta }) => {
    const c = await conflicts.get(mutationId);
    if (!c) return null;
    await conflicts.delete(mutationId);
    const row = (await records.get([c.entity, c.id])) ?? newRow(c.entity, c.id, c.mine.child_id);
    const server = row.server ?? c.server_record ?? {};
    const asked = seen?.fields ?? conflictFields(c);
    const base = seen?.version ?? c.server_version;
    let send = null;
    if (chosen !== null && chosen !== 'delete') {
      // a conflict stored before entries kept their changed fields: only the conflict's own
      const own = (c.changed ?? asked).filter((f) => f in c.mine && !asked.includes(f));
      const wanted = { ...pick(c.mine, own), ...chosen };
      send = server.deleted_at ? { ...c.mine, ...chosen }
        : Object.fromEntries(Object.entries(wanted).filter(([k, v]) => !same(v, server[k])));
    }
    if (chosen === null || (send && !Object.keys(send).length)) {
      row.pending = Math.max(0, row.pending - 1);
      // the other side's values are shown at once; any other unsent change of hers stays over them
      row.local = row.pending === 0 ? null : { ...(row.local ?? server), ...pick(server, asked) };
    } else if (chosen === 'delete') {
      await outbox.put(entryFor(c.entity, 'delete', c.id, base, pick(c.mine, ['reason']), await nextSeq(meta)));
    } else {
      const data = payload(c.entity, { child_id: server.child_id ?? c.mine.child_id, ...send });
      await outbox.put(entryFor(c.entity, 'upsert', c.id, base, data, await nextSeq(meta), Object.keys(send)));
      // shown at once: over the server's copy, or over her overlay while more of hers is unsent
      row.local = { ...(row.pending > 1 ? { ...row.local, ...chosen } : server), ...send, id: c.id, deleted_at: null };
    }
    if (chosen !== 'delete') await answerQueued(outbox, c, chosen ?? pick(server, asked));
    if (row.pending === 0 && row.server?.deleted_at) await records.delete([c.entity, c.id]);
    else await records.put(row);
    return row;
  }, USER_ACTION);
}

/** Her answer written into her never-sent changes of the record that carry those fields (docs/sync.md). */
async function answerQueued(outbox, c, values) {
  for (const e of await outbox.getAll()) {
    if (e.entity !== c.entity || e.id !== c.id || e.op !== 'upsert' || e.state !== 'pending' || e.attempts > 0) continue;
    const carried = Object.keys(values).filter((f) => f in e.data && !same(e.data[f], values[f]));
    if (carried.length) await outbox.put({ ...e, data: { ...e.data, ...pick(values, carried) } });
  }
}
