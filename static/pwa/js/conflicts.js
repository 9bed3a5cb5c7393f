// A conflict (the server's answer to an edit that met another's change, incoming.js) shown to the
// cadre and resolved with her choice, on the record rows and the outbox of outbox.js.
import { ALL, FIELDS, USER_ACTION, conflictFields, entryFor, newRow, nextSeq, payload, pick } from './outbox.js';

const same = (a, b) => (a ?? null) === (b ?? null);

/**
 * The conflict `c` as the cadre is to see it now. Its stored copy of the server's record is the one
 * the push was answered with; when a later pull brought a newer version of the record (`row`, the
 * read cache: someone changed it again, or deleted it), that version is shown instead, and the
 * fields asked about are those still in conflict with it: the ones asked before that it does not
 * hold her value for, and the ones she changed that it changed again (sending hers on that version
 * would overwrite a change she never saw). Else `c` itself. `gone`: why a pulled delete removed it
 * ('deleted', or 'out_of_scope': it left her area, a child moved to another posyandu, and there is
 * nothing here she could restore).
 */
export function conflictNow(c, row) {
  if (!row?.server || (row.server_version ?? 0) <= (c.server_version ?? 0)) return c;
  const before = c.server_record ?? {};
  const now = row.server;
  const own = (c.changed ?? Object.keys(c.mine)).filter((f) => f in c.mine && FIELDS[c.entity].includes(f));
  const again = own.filter((f) => !same(now[f], before[f]));
  const fields = [...new Set([...conflictFields(c), ...again])].filter((f) => !same(now[f], c.mine[f]));
  return { ...c, server_record: now, server_version: row.server_version, fields, gone: row.gone ?? null };
}

/** Resolve a conflict with the values the cadre chose: a NEW mutation. `chosen` is {field: value}
 * for the conflict's fields (conflictFields), null to drop the local change, or 'delete' to repeat
 * a delete against the server's version. The mutation carries only the cadre's own changes (the
 * chosen values and the fields the cadre changed that were not in conflict): every other field
 * keeps the server's value. A record deleted on the server is restored with the cadre's whole copy.
 *
 * `seen` is what the screen showed her (conflictNow): the server's version and the fields she was
 * asked about; without it, the conflict as stored. The mutation is based on that version: the
 * server merges it three-way from the record as she saw it when she chose, so a value someone
 * changed again since (a pull while she chose) is asked about anew (a new conflict), never
 * overwritten unseen; and what she has seen is not asked again. What needs sending is judged
 * against the server's copy the phone holds NOW (row.server): a save of hers applied since
 * (saveBesideConflicts) or a pull may have moved it, and a choice equal to an older copy but not to
 * the server's present value must still be sent. */
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
      await outbox.put(entryFor(c.entity, 'delete', c.id, base, {}, await nextSeq(meta)));
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
