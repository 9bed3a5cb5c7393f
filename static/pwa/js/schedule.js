// The immunisation schedule the app computes with: every active version the server serves
// (GET /api/v1/immunisation/schedule `versions`, which an admin can change), kept in the user's
// database so due doses follow them offline; the bundled 2024 file only until the first successful fetch.
import { loadSchedule, todayIso } from './due.js';
import { getMeta, putMeta } from './outbox.js';

export const BUNDLED_URL = '/data/schedule-2024.json';
const KEY = 'schedule';

/** The version in force on `on` among `versions` ({id, valid_from, active, document}): the newest
 * active one whose valid_from is on or before `on` (the later id on a tie), else, before every one,
 * the oldest active one (operations.version_in_force). null when none is active. */
export function versionInForce(versions, on) {
  const id = (v) => v.id ?? -1;
  const active = versions.filter((v) => v.active !== false);
  const started = active.filter((v) => v.valid_from <= on)
    .reduce((a, v) => (!a || v.valid_from > a.valid_from || (v.valid_from === a.valid_from && id(v) > id(a)) ? v : a), null);
  return started ?? active.reduce((a, v) => (!a || v.valid_from < a.valid_from
    || (v.valid_from === a.valid_from && id(v) < id(a)) ? v : a), null);
}

/** The versions of a server answer, each checked (a broken one throws: never keep it). */
function versionsOf(answer) {
  const versions = Array.isArray(answer?.versions) && answer.versions.length ? answer.versions
    : [{ id: answer?.id ?? null, valid_from: answer?.valid_from ?? answer?.document?.valid_from, active: true, document: answer?.document }];
  for (const v of versions) loadSchedule(v?.document);
  return versions.map((v) => ({ id: v.id ?? null, version: v.version ?? v.document.version, valid_from: v.valid_from ?? v.document.valid_from,
    active: v.active !== false, document: v.document }));
}

/** Fetch the schedule and its versions and keep them. Resolves true when they differ from the kept copy
 * (the screens must recompute); rejects (keeping the old copy) on a network error or when the answer
 * (or any version in it) is not a schedule document. */
export async function refreshSchedule(db, api) {
  const answer = await api.get('/immunisation/schedule');
  loadSchedule(answer?.document); // throws on anything that is not a schedule: never keep it
  const versions = versionsOf(answer);
  const kept = await getMeta(db, KEY);
  const changed = JSON.stringify([kept?.document ?? null, kept?.versions ?? null]) !== JSON.stringify([answer.document, versions]);
  await putMeta(db, { key: KEY, id: answer.id ?? null, version: answer.version ?? answer.document.version,
    valid_from: answer.valid_from ?? null, document: answer.document, versions, fetched_at: new Date().toISOString() });
  return changed;
}

/** The schedule in force on `today` with every version kept: `.on(date)` gives the version in force on
 * that date (for a dose, its date given). Not enumerable, so a spread copy is a plain schedule. */
function withVersions(versions, today, extra) {
  const loaded = versions.map((v) => ({ ...v, schedule: loadSchedule(v.document) }));
  // the day each dose a later version added came in (operations.py SchedulesInForce.introduced)
  const since = {};
  loaded.filter((v) => v.active).sort((a, b) => (a.valid_from > b.valid_from) - (a.valid_from < b.valid_from) || (a.id ?? -1) - (b.id ?? -1))
    .forEach((v, i) => v.schedule.entries.forEach((e) => { since[`${e.vaccine}|${e.dose}`] ??= i ? v.valid_from : ''; }));
  for (const v of loaded) v.schedule.since = since;
  const pick = (on) => (versionInForce(loaded, on) ?? loaded[0]).schedule;
  const set = { ...pick(today), ...extra };
  Object.defineProperty(set, 'on', { value: pick });
  Object.defineProperty(set, 'versions', { value: loaded.map(({ schedule, ...v }) => v) });
  return set;
}

/** The schedule to use: the kept server copy, else the bundled one (`bundled()` resolves to its
 * document). The result carries `origin` ('server' | 'bundled') and `fetched_at` for the screens,
 * and `on(date)` (see withVersions). */
export async function currentSchedule(db, bundled, today = todayIso()) {
  const kept = await getMeta(db, KEY);
  if (kept?.document) {
    try {
      // a copy kept before the phone held versions: its one document judges every date, as before
      return withVersions(versionsOf(kept), today, { origin: 'server', fetched_at: kept.fetched_at ?? null });
    } catch { /* a damaged copy: the bundled file still works */ }
  }
  const doc = await bundled();
  return withVersions(versionsOf({ document: doc }), today, { origin: 'bundled', fetched_at: null });
}
