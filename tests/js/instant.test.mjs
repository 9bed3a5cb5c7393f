// Timestamps compared as the instants they are (instant.js), whatever their writing: the server's
// "Z" to the microsecond, change-log snapshots stored before that with "+00:00" (a recorded_at in
// the phone's offset), the phone's own toISOString() to the millisecond.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { instantKey } from '../../static/pwa/js/instant.js';
import { byDate } from '../../static/pwa/js/assess.js';
import { duplicatePairs } from '../../static/pwa/js/duplicates.js';

/** Two instants' order (-1, 0, 1) as their keys sort them: what the app's comparisons of keys see. */
const compareInstants = (a, b) => { const [x, y] = [instantKey(a), instantKey(b)]; return x < y ? -1 : x > y ? 1 : 0; };

test('one instant written four ways has one key; microseconds are kept', () => {
  const key = '2026-12-01T15:45:28.953826000Z';
  for (const text of ['2026-12-01T15:45:28.953826Z', '2026-12-01T15:45:28.953826+00:00',
    '2026-12-01T22:45:28.953826+07:00', '2026-12-01T15:45:28.953826']) assert.equal(instantKey(text), key, text);
  assert.equal(instantKey('2026-12-01T15:45:28+00:00'), '2026-12-01T15:45:28.000000000Z');
  assert.equal(instantKey('2026-12-31T20:00:00-05:00'), '2027-01-01T01:00:00.000000000Z');
  assert.equal(instantKey('kemarin'), null);
  assert.equal(instantKey(null), null);
  // a microsecond apart (records made together, database.creation_instants): not equal
  assert.equal(compareInstants('2026-12-01T15:45:28.953826Z', '2026-12-01T15:45:28.953827+00:00'), -1);
});

test("the phone's millisecond clock orders against the server's microseconds as in time", () => {
  assert.equal(compareInstants('2026-12-01T15:45:28.953Z', '2026-12-01T15:45:28.953826Z'), -1);
  assert.equal(compareInstants('2026-12-01T15:45:28.954Z', '2026-12-01T15:45:28.953826Z'), 1);
  assert.equal(compareInstants('2026-12-01T15:45:28.953Z', '2026-12-01T15:45:28.953000Z'), 0);
});

const weighing = (id, extra) => ({ id, child_id: 'c1', measured_on: '2026-11-05', weight_kg: 9, ...extra });

test('two weighings of a day order by when the server created them, in any writing', () => {
  // pulled before and after timestamps were answered with Z: the +07:00 one was created first (03:00Z)
  const early = weighing('m1', { created_at: '2026-11-05T10:00:00.000000+07:00' });
  const late = weighing('m2', { created_at: '2026-11-05T04:00:00.000000Z' });
  assert.deepEqual([late, early].sort(byDate).map((m) => m.id), ['m1', 'm2']);
  // the same instant as an old snapshot and as a new answer is one instant, not two
  assert.equal(byDate(weighing('m3', { created_at: '2026-11-05T03:00:00.000001+00:00' }),
    weighing('m4', { created_at: '2026-11-05T03:00:00.000001Z' })), 0);
  // not yet sent: after the server's, among themselves by the phone's clock, whatever its writing
  const a = weighing('n1', { recorded_at: '2026-11-05T09:30:00.000+07:00' });
  const b = weighing('n2', { recorded_at: '2026-11-05T02:45:00.500Z' });
  assert.deepEqual([b, a, late].sort(byDate).map((m) => m.id), ['m2', 'n1', 'n2']); // n1 at 02:30Z
});

test('of two children registered at one instant (written two ways), the id decides which came first', () => {
  const kid = (id, created_at, dup = null) => ({ id, name: 'Nur', sex: 'F', birth_date: '2025-01-10', posyandu_id: 'p1',
    created_at, possible_duplicate_of: dup, merged_into: null, deleted_at: null });
  const a = kid('a', '2025-01-11T02:00:00.000001Z', 'b');
  const b = kid('b', '2025-01-11T02:00:00.000001+00:00');
  assert.deepEqual(duplicatePairs([a, b]).map((p) => [p.first.id, p.second.id]), [['a', 'b']]);
  // and a registration in another offset orders by its instant
  const c = kid('c', '2025-01-11T08:00:00.000000+07:00', 'd'); // 01:00Z
  const d = kid('d', '2025-01-11T02:00:00.000000Z');
  assert.deepEqual(duplicatePairs([c, d]).map((p) => [p.first.id, p.second.id]), [['c', 'd']]);
});
