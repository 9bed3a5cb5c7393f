// A dose the schedule has no entry for (TCV given at a private clinic, or of a version since withdrawn),
// recorded by a bidan with her reason: on the phone's card (a parent's too) it is a row of its own, given,
// after the schedule's, as on the server's card (cards.py child_card, tests/api/test_immunisation_schedule_api.py);
// a bidan may correct it with her reason, a kader is told to ask her.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
const { loadSchedule, validateDose } = await import('../../static/pwa/js/due.js');
const { dueToday, nextDoses } = await import('../../static/pwa/js/assess.js');
const { cardPanel } = await import('../../static/pwa/js/screens/child.js');

const root = new URL('../../', import.meta.url);
const schedule = loadSchedule(JSON.parse(readFileSync(fileURLToPath(new URL('static/pwa/data/schedule-2024.json', root)), 'utf8')));
const child = { id: 'c1', birth_date: '2024-06-01' };
const doses = [
  { id: 'a', vaccine: 'HB0', dose: 1, given_on: '2024-06-01' },
  { id: 'v', vaccine: 'VAR', dose: 1, given_on: '2025-06-10' },
  { id: 't', vaccine: 'TCV', dose: 1, given_on: '2025-06-05' },
  { id: 't2', vaccine: 'TCV', dose: 1, given_on: '2025-06-05' }, // entered on two phones: one row
];

test('a dose outside the schedule is on the card, given, after the schedule\'s entries', () => {
  const { card } = dueToday({ child, immunisations: doses, schedule, on: '2025-07-01' });
  const n = schedule.entries.length;
  assert.equal(card.entries.length, n + 2);
  assert.deepEqual(card.entries.slice(n), [
    { vaccine: 'TCV', dose: 1, label: 'TCV 1', status: 'given', given_on: '2025-06-05', in_schedule: false },
    { vaccine: 'VAR', dose: 1, label: 'VAR 1', status: 'given', given_on: '2025-06-10', in_schedule: false }]);
  assert.ok(!nextDoses(card).some((e) => e.vaccine === 'TCV'));
  const rows = cardPanel(card).find((e) => e.localName === 'th' && e.attributes?.scope === 'row').map((th) => th.textContent);
  assert.deepEqual(rows.slice(-2), ['TCV 1', 'VAR 1']);
  // not given yet on the card's day: no row; the shared card of the schedule's entries is left as it was
  const before = dueToday({ child, immunisations: doses, schedule, on: '2025-06-04' }).card;
  assert.equal(before.entries.length, n);
  assert.equal(dueToday({ child, immunisations: doses.slice(0, 1), schedule, on: '2025-07-01' }).card.entries.length, n);
});

test('a dose outside the schedule gives way to a bidan\'s reason, as the server', () => {
  const found = validateDose(schedule, child.birth_date, doses.filter((d) => d.id !== 't'),
    { id: 't', vaccine: 'TCV', dose: 1, given_on: '2025-06-04' }, { today: '2025-07-01' });
  assert.deepEqual(found.map((v) => [v.code, v.overridable]), [['not_in_schedule', true], ['duplicate_dose', false]]);
  const moved = validateDose(schedule, child.birth_date, doses.filter((d) => !d.id.startsWith('t')),
    { id: 't', vaccine: 'TCV', dose: 1, given_on: '2025-06-04' }, { today: '2025-07-01' });
  assert.deepEqual(moved.map((v) => [v.code, v.overridable]), [['not_in_schedule', true]]);
});
