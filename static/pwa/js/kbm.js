// The KBM table (the least monthly gain that is N) N/T is judged with offline: the server's in force
// (GET /api/v1/growth/kbm, an admin's), kept in the user's database; Buku KIA's until the first fetch.
import { DEFAULT_KBM } from './growth.js';
import { getMeta, putMeta } from './outbox.js';

const KEY = 'kbm';

/** The table of an answer of /growth/kbm ({month: grams}, months 1-60, month 1 among them, grams
 * 1-2000: the server's rule, KbmSchema and publish_kbm; 0 g would make a weight that did not go up
 * N, not T); throws on anything else, so that a damaged answer is never kept. */
export function kbmTable(answer) {
  const entries = Object.entries(answer?.grams_by_month ?? {});
  if (!answer?.grams_by_month?.[1]) throw new Error('not a KBM table: no month 1');
  const table = {};
  for (const [month, grams] of entries) {
    if (!/^([1-9]|[1-5]\d|60)$/.test(month) || !Number.isInteger(grams) || grams < 1 || grams > 2000) {
      throw new Error(`not a KBM table: ${month}: ${grams}`);
    }
    table[Number(month)] = grams;
  }
  return table;
}

/** Fetch the table in force and keep it. Resolves true when it differs from the kept one (N/T
 * must be judged again); rejects, keeping the old copy, on a network error or a damaged answer. */
export async function refreshKbm(db, api) {
  const answer = await api.get('/growth/kbm');
  const table = kbmTable(answer);
  const kept = await getMeta(db, KEY);
  const changed = JSON.stringify(kept?.table ?? null) !== JSON.stringify(table);
  await putMeta(db, { key: KEY, version: answer.version ?? null, source: answer.source ?? null, table,
    fetched_at: new Date().toISOString() });
  return changed;
}

export async function currentKbm(db) {
  const kept = await getMeta(db, KEY);
  try {
    return kept?.table ? kbmTable({ grams_by_month: kept.table }) : DEFAULT_KBM;
  } catch {
    return DEFAULT_KBM; // a damaged copy: the built-in table still works
  }
}

/** Which table is in use, for Settings: the server's (its version, source, when fetched) or the built-in one. */
export async function kbmInfo(db) {
  const kept = await getMeta(db, KEY);
  return kept?.table ? { origin: 'server', version: kept.version, source: kept.source, fetched_at: kept.fetched_at }
    : { origin: 'built_in' };
}
