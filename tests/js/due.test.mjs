// due.js against the same hand-worked cases as posyandu/immunisation (tests/data/immunisation_cases.json).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  addAge, addMonths, checkCopied, completedMonths, copyableDoses, dateText, dueOn, immunisationCard, loadSchedule, monthText,
  supplementsDue, validateDose, validateSupplement,
} from '../../static/pwa/js/due.js';

const root = new URL('../../', import.meta.url);
const read = (path) => JSON.parse(readFileSync(fileURLToPath(new URL(path, root)), 'utf8'));
const fixture = read('tests/data/immunisation_cases.json');
const schedule = loadSchedule(read(fixture.schedule));
// supplement cases: the same schedule with the fixture's kabupaten having rounds of their own
const moved = Object.fromEntries(Object.entries(schedule.supplements).map(([kind, cfg]) => [kind,
  { ...cfg, ...(fixture.round_months_by_area[kind] && { round_months_by_area: fixture.round_months_by_area[kind] }) }]));

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
    // a later version's doses and the day each came in, as schedule.js attaches them
    const card = immunisationCard(i.introduced ? { ...schedule, since: i.introduced } : schedule, i.birth_date, i.given, i.as_of, { area: i.area });
    return { ...card, entries: Object.fromEntries(card.entries.map((e) => [e.label, e])) };
  },
  due_on: (i) => dueOn(schedule, i.children, i.session_date, { area: i.area }),
  supplements_due: (i) => ({ due: supplementsDue(moved, i.birth_date, i.given, i.on, i.area) }),
  validate_supplement: (i) => ({ violations: validateSupplement(moved, i.birth_date, i.given, i.new, { area: i.area, today: i.today }) }),
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

test('rule messages write dates as the app shows them, not as ISO dates', () => {
  const months = { id: 'Jan Feb Mar Apr Mei Jun Jul Agu Sep Okt Nov Des'.split(' '), en: 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ') };
  for (const [lang, names] of Object.entries(months)) {
    assert.deepEqual(names.map((_, m) => dateText(`2025-${String(m + 1).padStart(2, '0')}-05`, lang)), names.map((n) => `5 ${n} 2025`));
  }
  // the same words as i18n.js formatDate shows in Bahasa Indonesia (Intl 'id-ID', short month)
  for (let m = 1; m <= 12; m += 1) {
    const iso = `2024-${String(m).padStart(2, '0')}-15`;
    assert.equal(dateText(iso, 'id'), new Date(`${iso}T00:00:00`).toLocaleDateString('id-ID', { day: 'numeric', month: 'short', year: 'numeric' }));
  }
  assert.deepEqual([monthText('2024-08', 'id'), monthText('2024-08', 'en')], ['Agustus 2024', 'August 2024']);
  const [rv] = validateDose(schedule, '2024-01-15', [], { vaccine: 'RV', dose: 1, given_on: '2024-08-20' }, { today: '2024-09-01' });
  assert.deepEqual(rv.message, { id: 'RV 1 diberikan melewati umur maksimal (paling lambat 13 Agu 2024).',
    en: 'RV 1 given past the maximum age (last allowed date 13 Aug 2024).' });
  assert.equal(rv.params.latest, '2024-08-13', 'the machine-readable field keeps its ISO date');
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
  assert.deepEqual([totals.MR.doses, totals.MR.vials, totals.PCV.vials], [12, 2, null]); // PCV's vial size is left null
});

test('a document that is not a schedule is refused', () => {
  assert.throws(() => loadSchedule({ version: 'x' }), /not a schedule/);
});

// Copying a Buku KIA: hand-worked from the 2024 schedule's minimum ages and intervals (Permenkes 12/2017).
const bundled = loadSchedule(read('static/pwa/data/schedule-2024.json'));

test('a card copy offers the doses the child could have had by today and the phone has no record of, in the card order', () => {
  // born 10 Jan 2025, 130 days old on 20 May 2025: every dose with a minimum age up to 98 days (IPV 1, 14 weeks);
  // not MR 1 (9 months), not JE (endemic areas only); BCG is recorded already
  const rows = copyableDoses(bundled, '2025-01-10', [{ vaccine: 'BCG', dose: 1, given_on: '2025-01-20' }], '2025-05-20');
  assert.deepEqual(rows.map((r) => r.label), ['HB0', 'OPV 1', 'OPV 2', 'DPT-HB-Hib 1', 'PCV 1', 'RV 1', 'OPV 3',
    'DPT-HB-Hib 2', 'PCV 2', 'RV 2', 'OPV 4', 'DPT-HB-Hib 3', 'RV 3', 'IPV 1']);
  assert.deepEqual(rows[1], { vaccine: 'OPV', dose: 1, label: 'OPV 1', recommended_date: '2025-02-10' });
  // a day before IPV 1's minimum age (98 days = 18 April) it is not offered yet
  assert.ok(!copyableDoses(bundled, '2025-01-10', [], '2025-04-17').some((r) => r.vaccine === 'IPV'));
  assert.ok(copyableDoses(bundled, '2025-01-10', [], '2025-04-18').some((r) => r.vaccine === 'IPV'));
  // in a kabupaten JE's entry lists (Bali) it is offered once the child is 9 months old; not in Gresik
  assert.ok(copyableDoses(bundled, '2024-01-10', [], '2024-10-10', { area: { kabupaten: '51.04' } }).some((r) => r.vaccine === 'JE'));
  assert.ok(!copyableDoses(bundled, '2024-01-10', [], '2024-10-10', { area: { kabupaten: '35.25' } }).some((r) => r.vaccine === 'JE'));
  assert.ok(!copyableDoses(bundled, '2024-01-10', [], '2024-10-10').some((r) => r.vaccine === 'JE'));
});

test('doses copied together are checked against each other and saved in date order', () => {
  const birth = '2025-01-10';
  const copied = [
    { vaccine: 'DPT-HB-Hib', dose: 1, given_on: '2025-03-10' }, // 59 days: past its 42-day minimum
    { vaccine: 'OPV', dose: 2, given_on: '2025-03-10' },        // 28 days after OPV 1: exactly the minimum interval
    { vaccine: 'OPV', dose: 1, given_on: '2025-02-10' },
  ];
  const fine = checkCopied(bundled, birth, [], copied, { today: '2025-05-20' });
  assert.deepEqual(fine.problems, {});
  // by date; on one day, by dose number (a vaccine's dose 1 before any dose 2)
  assert.deepEqual(fine.ordered.map((d) => `${d.vaccine} ${d.dose}`), ['OPV 1', 'DPT-HB-Hib 1', 'OPV 2']);

  // OPV 2 only 14 days after OPV 1 (minimum 28): refused, as the server would, with the earliest date allowed
  const early = checkCopied(bundled, birth, [], [copied[2], { vaccine: 'OPV', dose: 2, given_on: '2025-02-24' }],
    { today: '2025-05-20' });
  assert.deepEqual(Object.keys(early.problems), ['OPV|2']);
  assert.deepEqual(early.problems['OPV|2'].map((v) => [v.code, v.params.earliest]), [['interval_too_short', '2025-03-10']]);

  // OPV 2 with no OPV 1 recorded or copied: out of order; with OPV 1 on the phone already: fine
  assert.deepEqual(checkCopied(bundled, birth, [], [copied[1]], { today: '2025-05-20' }).problems['OPV|2'].map((v) => v.code),
    ['dose_out_of_order']);
  assert.deepEqual(checkCopied(bundled, birth, [{ id: 'r1', vaccine: 'OPV', dose: 1, given_on: '2025-02-10' }], [copied[1]],
    { today: '2025-05-20' }).problems, {});

  // a date after today is named (the form checks dates first; the rules say it too)
  assert.deepEqual(checkCopied(bundled, birth, [], [{ vaccine: 'OPV', dose: 1, given_on: '2025-06-01' }],
    { today: '2025-05-20' }).problems['OPV|1'].map((v) => v.code), ['in_future']);
});

// domain.md: JE in endemic areas only, the schedule versioned data an admin changes. A version listing
// JE's kabupaten while keeping endemic_only true (as the bundled file has it) means "endemic there".
test('JE marked endemic_only is offered in the kabupaten the schedule lists, and only there', () => {
  const listed = loadSchedule({ ...read(fixture.schedule),
    entries: read(fixture.schedule).entries.map((e) => (e.vaccine === 'JE' ? { ...e, areas: ['51.71'], endemic_only: true } : e)) });
  const je = (area) => immunisationCard(listed, '2025-01-10', [], '2025-11-10', { area }).entries.find((e) => e.vaccine === 'JE');
  assert.deepEqual([je({ kabupaten: '51.71.01.1001' }).status, je({ kabupaten: '51.71' }).due_date, je({ kabupaten: '51.71' }).can_give],
    ['due', '2025-11-10', true]);
  assert.equal(je({ kabupaten: '35.25' }).status, 'not_applicable');
  assert.deepEqual(validateDose(listed, '2025-01-10', [], { vaccine: 'JE', dose: 1, given_on: '2025-11-10' },
    { area: { kabupaten: '51.71' }, today: '2025-12-01' }), []);
  assert.ok(copyableDoses(listed, '2025-01-10', [], '2025-11-10', { area: { kabupaten: '51.71' } }).some((d) => d.vaccine === 'JE'));
});

test('a card is worked out once per inputs: the due list and the home row share it; new inputs, a new one', () => {
  const given = [{ vaccine: 'HB0', dose: 1, given_on: '2024-01-15' }, { vaccine: 'BCG', dose: 1, given_on: '2024-02-01' }];
  const card = immunisationCard(schedule, '2024-01-15', given, '2024-03-20');
  assert.equal(immunisationCard(schedule, '2024-01-15', [...given].reverse(), '2024-03-20'), card, 'the same doses in another order');
  const plan = dueOn(schedule, [{ child_id: 'a', birth_date: '2024-01-15', given }], '2024-03-20');
  assert.deepEqual(plan.children[0].doses.map((d) => d.vaccine), card.entries.filter((e) => e.can_give).map((e) => e.vaccine));
  // a dose more, another day, another area: worked out again, as a first time would
  const fresh = (...args) => JSON.parse(JSON.stringify(immunisationCard(loadSchedule(read(fixture.schedule)), ...args)));
  for (const args of [['2024-01-15', [...given, { vaccine: 'OPV', dose: 1, given_on: '2024-03-01' }], '2024-03-20'],
    ['2024-01-15', given, '2024-03-21'], ['2024-01-15', given, '2024-03-20', { area: { kabupaten: '51.71', endemic: ['JE'] } }]]) {
    const again = immunisationCard(schedule, ...args);
    assert.notEqual(again, card);
    assert.deepEqual(again, fresh(...args));
  }
});
