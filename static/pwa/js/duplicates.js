// Children the server flagged as possibly registered twice (`possible_duplicate_of`: two phones,
// one newborn), paired from the local records for a bidan to merge or to keep apart.
// Pure: records in, pairs out.
import { instantKey } from './instant.js';

const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** A child that stands: not deleted, not merged into another. */
export const isLive = (c) => Boolean(c?.id) && !c.deleted_at && !c.merged_into;

const letters = (s) => s.toLowerCase().normalize('NFKD').replace(/[^a-z\d]/g, ''); // "Bayi 1", "Bayi 2": twins
/** A live child of `d`'s posyandu it may be (its NIK; or sex, name and a birth within 3 days; or her name and birth
 * date as the other sex, not "Bayi Ny. …": registry.sex_typed_wrong): asked before saving. */
export const sameChildHere = (children, d) => children.find((c) => isLive(c) && c.id !== d.id && c.posyandu_id === d.posyandu_id
  && ((d.nik && c.nik === d.nik) || (letters(c.name) === letters(d.name) && (c.sex === d.sex
    ? Math.abs(Date.parse(c.birth_date) - Date.parse(d.birth_date)) <= 3 * 864e5
    : c.birth_date === d.birth_date && !/^\s*b(ayi|y)\b/i.test(d.name)))));

/** Registered first: the server's creation instant (as an instant, not as text), then the id
 * (a child not yet sent has none: last). */
const created = (c) => (c.created_at ? instantKey(c.created_at) ?? c.created_at : '\uffff'); // however written
const earlier = (a, b) => byCodePoint(created(a), created(b)) || byCodePoint(a.id, b.id);

/** Each pair of live children where one is flagged `possible_duplicate_of` the other, once:
 * {first, second, flagged}. `first` is the one registered first (the one a flag points at; the
 * record kept by default), `flagged` the ids of the pair that carry a flag to the other (both
 * when each points at the other). A flag pointing at a child that is not live on the phone
 * (merged, deleted, or not in its area) is skipped: nothing to compare it with.
 * Sorted by the first child's name, then ids. */
export function duplicatePairs(children) {
  const live = new Map(children.filter(isLive).map((c) => [c.id, c]));
  const pairs = new Map();
  for (const child of live.values()) {
    const other = live.get(child.possible_duplicate_of);
    if (!other || other.id === child.id) continue;
    const key = [child.id, other.id].sort().join(' ');
    const pair = pairs.get(key);
    if (pair) {
      pair.flagged.push(child.id);
      continue;
    }
    const [first, second] = earlier(other, child) <= 0 ? [other, child] : [child, other];
    pairs.set(key, { first, second, flagged: [child.id] });
  }
  return [...pairs.values()].sort((a, b) => a.first.name.localeCompare(b.first.name)
    || byCodePoint(a.first.id, b.first.id) || byCodePoint(a.second.id, b.second.id));
}

/** The pairs a child is in, each as the other child of the pair. */
export const partnersOf = (pairs, childId) => pairs
  .filter((p) => p.first.id === childId || p.second.id === childId)
  .map((p) => (p.first.id === childId ? p.second : p.first));

export function countByChild(...lists) {
  const counts = new Map();
  for (const r of lists.flat()) counts.set(r.child_id, (counts.get(r.child_id) ?? 0) + 1);
  return counts;
}
