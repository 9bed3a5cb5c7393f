// due.js against the same hand-worked cases as posyandu/immunisation (tests/data/immunisation_cases.json).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  addAge, addMonths, completedMonths, dueOn, immunisationCard, loadSchedule, supplementsDue, validateDose,
  validateSupplement,
} from '../../static/pwa/js/due.js';

const root = new URL('../../', import.meta.url);
const read = (path) => JSON.parse(readFileSync(fileURLToPath(new URL(path, root)), 'utf8'));
const fixture = read('tests/data/immunisation_cases.json');
const schedule = loadSchedule(read(fixture.schedule));

function mismatches(expected, actual, path = '$') {
  const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObj(expected) && isObj(actual)) {
    return Object.entries(expected).flatMap(([k, v]) => mismatches(v, k in actual ? actual[k] : '<missing>', `${path}.${k}`));
  }
  if (Array.isArray(expected) && Array.isArray(actual) && expected.length === actual.length) {
    return expected.flatMap((e, i) => mismatches(e, actual[i], `${path}[${i}]`));
  }
  return JSON.stringify(expected) === JSON.stringify(actual) ? [] : [`${path}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`];
}

const RUN = {
  validate_dose: (i) => ({ violations: validateDose(schedule, i.birth_date, i.given, i.new, { area: i.area, today: i.today }) }),
  card: (i) => {
    const card = immunisationCard(schedule, i.birth_date, i.given, i.as_of, { area: i.area });
    return { ...card, entries: Object.fromEntries(card.entries.map((e) => [e.label, e])) };
  },
  due_on: (i) => dueOn(schedule, i.children, i.session_date, { area: i.area }),
  supplements_due: (i) => ({ due: supplementsDue(schedule.supplements, i.birth_date, i.given, i.on) }),
  validate_supplement: (i) => ({ violations: validateSupplement(schedule.supplements, i.birth_date, i.given, i.new, { today: i.today }) }),
};

for (const c of fixture.cases) {
  test(`${c.kind}: ${c.id}`, () => {
    assert.deepEqual(mismatches(c.expected, RUN[c.kind](c.input)), [], c.explain);
  });
}

test('output shapes are the ones the Python rules return', () => {
  const { shapes } = fixture;
  const keys = (o) => Object.keys(o);
  const card = immunisationCard(schedule, '2024-01-15', [], '2024-03-20');
  const plan = dueOn(schedule, [{ child_id: 'a', birth_date: '2024-01-15', given: [] }], '2024-03-20');
  const found = validateDose(schedule, '2024-01-15', [], { vaccine: 'MR', dose: 1, given_on: '2024-03-20' }, { today: '2024-04-01' });
  const due = supplementsDue(schedule.supplements, '2022-01-01', [], '2024-02-01');
  const sup = validateSupplement(schedule.supplements, '2022-01-01', [], { kind: 'zinc', given_on: '2024-02-01' }, { today: '2024-03-01' });
  assert.deepEqual(
    [keys(card), keys(card.entries[0]), keys(card.idl), keys(plan), keys(plan.children[0]), keys(plan.children[0].doses[0]),
      keys(plan.totals[0]), keys(found[0]), keys(due[0]), keys(sup[0])],
    [shapes.card, shapes.card_entry, shapes.indicator, shapes.session_plan, shapes.child_due, shapes.due_dose,
      shapes.vaccine_count, shapes.violation, shapes.supplement_due, shapes.violation]);
});

test('the fixture has cases of every kind', () => {
  assert.deepEqual([...new Set(fixture.cases.map((c) => c.kind))].sort(),
    ['card', 'due_on', 'supplements_due', 'validate_dose', 'validate_supplement']);
});

test('calendar months clamp to the month end, then days are added', () => {
  assert.equal(addMonths('2024-01-31', 1), '2024-02-29');
  assert.equal(addMonths('2023-01-31', 1), '2023-02-28');
  assert.equal(addMonths('2024-02-29', 12), '2025-02-28');
  assert.equal(addMonths('2023-12-31', 2), '2024-02-29');
  assert.equal(addAge('2024-01-31', { months: 6, days: 29 }), '2024-08-29');
  assert.equal(addAge('2024-01-15', { months: 12, days: -1 }), '2025-01-14');
  assert.equal(completedMonths('2024-01-31', '2024-02-28'), 0);
  assert.equal(completedMonths('2024-01-31', '2024-02-29'), 1);
});

test('a card before birth is refused and every entry is listed in schedule order', () => {
  assert.throws(() => immunisationCard(schedule, '2024-01-15', [], '2024-01-14'), RangeError);
  const card = immunisationCard(schedule, '2024-01-15', [], '2024-01-15');
  assert.deepEqual(card.entries.map((e) => `${e.vaccine} ${e.dose}`), schedule.entries.map((e) => `${e.vaccine} ${e.dose}`));
});

test('vials are counted only where doses_per_vial is configured', () => {
  const withVials = { ...schedule, vaccines: schedule.vaccines.map((v) => (v.code === 'MR' ? { ...v, doses_per_vial: 10 } : v)) };
  const children = Array.from({ length: 12 }, (_, n) => ({ child_id: String(n), birth_date: '2023-01-01', given: [] }));
  const totals = Object.fromEntries(dueOn(withVials, children, '2024-04-01').totals.map((t) => [t.vaccine, t]));
  assert.deepEqual([totals.MR.doses, totals.MR.vials, totals.OPV.vials], [12, 2, null]);
});

test('a document that is not a schedule is refused', () => {
  assert.throws(() => loadSchedule({ version: 'x' }), /not a schedule/);
});
