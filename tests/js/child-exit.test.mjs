// A child who left the register (died, moved away: exit_date, exit_reason) on the phone: counted in the
// offline SKDN up to and including the month of her exit, never after, and on no due list or home list
// after it; the same children and numbers as tests/api/test_child_exit.py (the server's rule,
// posyandu/reports/cohort.py in_register_on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadTables } from '../../static/pwa/js/growth.js';
import { skdnOf } from '../../static/pwa/js/skdn.js';
import { loadSchedule } from '../../static/pwa/js/due.js';
import { dueList, exited, underFives } from '../../static/pwa/js/due-list.js';
import { forParent } from '../../static/pwa/js/i18n.js';
import { dueToday, nextDoses } from '../../static/pwa/js/assess.js';
import { exitText } from '../../static/pwa/js/screens/child.js';

const root = new URL('../../', import.meta.url);
const read = (path) => JSON.parse(readFileSync(fileURLToPath(new URL(path, root)), 'utf8'));
const tables = await loadTables('/data/who/', async (url) => ({ ok: true, json: async () => read(`static/pwa${url}`) }));
const schedule = loadSchedule(read('static/pwa/data/schedule-2024.json'));

const P = 'melati';
const kid = (id, sex, birth, extra = {}) => ({ id, name: `Anak ${id}`, posyandu_id: P, kabupaten_code: '35.25', sex,
  birth_date: birth, has_kms: true, ...extra });
const X = kid('X', 'F', '2024-08-15', { exit_date: '2025-08-20', exit_reason: 'died' });
const Y = kid('Y', 'M', '2024-08-15');
const Z = kid('Z', 'M', '2023-01-10', { exit_date: '2025-07-05', exit_reason: 'moved_away' });
let n = 0;
const weighing = (childId, on, kg) => ({ id: `m${n += 1}`, child_id: childId, posyandu_id: P, measured_on: on, weight_kg: kg,
  trend: 'N', bgm: false, two_t: false });
const measurements = [weighing('X', '2025-07-10', 8.0), weighing('X', '2025-08-10', 8.3), weighing('Y', '2025-07-10', 9.0),
  weighing('Y', '2025-08-10', 9.2), weighing('Y', '2025-09-10', 9.4), weighing('Z', '2025-06-10', 11.0)];
const doses = ['X', 'Y'].flatMap((c) => [{ id: `${c}1`, child_id: c, vaccine: 'HB0', dose: 1, given_on: '2024-08-15' },
  { id: `${c}2`, child_id: c, vaccine: 'BCG', dose: 1, given_on: '2024-09-15' }]);
const sd = (children, month) => {
  const r = skdnOf({ children, measurements, posyanduId: P, month, tables, kbm: null });
  return [r.S, r.D, r.D_S];
};

test('the offline SKDN counts her up to and including the month of her exit, as the server (by hand)', () => {
  // July: X Y Z (Z left Jul 5) S 3, D 2 → 66.7; August: X (died Aug 20) with her Aug 10 weighing, Y: 2, 2;
  // September: Y alone, 1, 1
  assert.deepEqual(['2025-07', '2025-08', '2025-09'].map((m) => sd([X, Y, Z], m)), [[3, 2, 66.7], [2, 2, 100], [1, 1, 100]]);
  // undone (both fields cleared): she counts in September again, S 2, D 1
  assert.deepEqual(sd([{ ...X, exit_date: null, exit_reason: null }, Y, Z], '2025-09'), [2, 1, 50]);
});

test('after her exit she is on no due list, and the day of it ends her lists', () => {
  const list = dueList(schedule, { children: [X, Y, Z], immunisations: doses, posyanduId: P, on: '2025-09-05' });
  assert.deepEqual(list.children.map((c) => c.child_id), ['Y']);
  assert.deepEqual(underFives([X, Y, Z], P, '2025-08-19').map((c) => c.id), ['X', 'Y']);
  assert.deepEqual([exited(X, '2025-08-19'), exited(X, '2025-08-20'), exited(Y, '2025-09-05')], [false, true, false]);
});

test('her exit is said plainly, in Bahasa Indonesia: to the kader with its reason, to a parent without', () => {
  assert.equal(exitText(X), 'keluar (meninggal 20 Agu 2025)');
  assert.equal(exitText(Z), 'keluar (pindah 5 Jul 2025)');
  forParent(true);
  try {
    assert.equal(exitText(X), 'Tidak lagi tercatat di posyandu sejak 20 Agu 2025');
    assert.equal(exitText(Z), exitText({ ...X, exit_date: Z.exit_date }));
  } finally {
    forParent(false);
  }
});

test('from her exit day nothing is due her: her card keeps what was given, a parent reads of no dose late', () => {
  const due = (c, on) => dueToday({ child: c, immunisations: doses.filter((d) => d.child_id === c.id), schedule, on });
  const [after, before, y] = [due(X, '2025-08-20'), due(X, '2025-08-19'), due(Y, '2025-09-01')];
  assert.deepEqual([after.doses, after.supplements, nextDoses(after.card)], [[], [], []]);
  assert.deepEqual(new Set(after.card.entries.map((e) => e.status)), new Set(['given', 'not_applicable']));
  assert.ok(nextDoses(before.card).some((e) => e.status === 'overdue') && y.doses.length > 0);
  // Y, born the same day with the same doses, shares X's card that day (worked out once per inputs):
  // X's exit leaves it as it was
  const twin = due(Y, '2025-08-20');
  assert.ok(twin.doses.length > 0 && nextDoses(twin.card).some((e) => e.status === 'overdue'));
  assert.equal(due(X, '2025-08-20').card.entries.some((e) => e.status === 'overdue'), false);
});
