// The immunisation schedule the app computes with: the server's version in force
// (GET /api/v1/immunisation/schedule, which an admin can change), kept in the user's database
// so due doses follow it offline; the bundled 2024 file only until the first successful fetch.
import { loadSchedule } from './due.js';
import { getMeta, putMeta } from './outbox.js';

export const BUNDLED_URL = '/data/schedule-2024.json';
const KEY = 'schedule';

/**
 * Fetch the schedule in force and keep it. Resolves true when it differs from the kept copy
 * (the screens must recompute); rejects (keeping the old copy) on a network error or when the
 * answer is not a schedule document.
 */
export async function refreshSchedule(db, api) {
  const answer = await api.get('/immunisation/schedule');
  loadSchedule(answer?.document); // throws on anything that is not a schedule: never keep it
  const kept = await getMeta(db, KEY);
  const changed = JSON.stringify(kept?.document ?? null) !== JSON.stringify(answer.document);
  await putMeta(db, { key: KEY, id: answer.id ?? null, version: answer.version ?? answer.document.version,
    valid_from: answer.valid_from ?? null, document: answer.document, fetched_at: new Date().toISOString() });
  return changed;
}

/**
 * The schedule to use: the kept server copy, else the bundled one (`bundled()` resolves to its
 * document). The result carries `origin` ('server' | 'bundled') and `fetched_at` for the screens.
 */
export async function currentSchedule(db, bundled) {
  const kept = await getMeta(db, KEY);
  if (kept?.document) {
    try {
      return { ...loadSchedule(kept.document), origin: 'server', fetched_at: kept.fetched_at ?? null };
    } catch { /* a damaged copy: the bundled file still works */ }
  }
  return { ...loadSchedule(await bundled()), origin: 'bundled', fetched_at: null };
}
