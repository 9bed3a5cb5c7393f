// The posyandu day's due list (due-list.js): the shape of GET /posyandu/{id}/due-list
// (posyandu/immunisation/cards.py due_list), hand-worked children and vial counts.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { addAge, loadSchedule } from '../../static/pwa/js/due.js';
import { areaOf, byVaccine, dueList, underFives } from '../../static/pwa/js/due-list.js';
import { dueToday } from '../../static/pwa/js/assess.js';

const read = (p) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../${p}`, import.meta.url)), 'utf8'));
const bundled = read('static/pwa/data/schedule-2024.json');
// The bundled file is the server's 2024.2 (migrations/versions/0002_default_schedule.py): vial sizes, JE by area (Bali).
const server = loadSchedule(bundled);
const P = 'pos-melati';
const Q = 'pos-cempaka';
const ON = '2025-02-10'; // February: a vitamin A and deworming round

/** Every routine dose at its recommended age, before `months` (JE left out), minus `except`. */
function course(birth, months, except = []) {
  return server.entries.filter((e) => e.vaccine !== 'JE' && (e.recommended_age.months ?? 0) < months
    && !except.includes(`${e.vaccine} ${e.dose}`))
    .map((e) => ({ id: `${birth}-${e.vaccine}-${e.dose}`, vaccine: e.vaccine, dose: e.dose, given_on: addAge(birth, e.recommended_age) }));
}
const kid = (id, name, birth, extra = {}) => ({ id, name, sex: 'F', birth_date: birth, posyandu_id: P, kabupaten_code: '35.25',
  mother_name: `Ibu ${name}`, ...extra });
const withChild = (id, doses) => doses.map((d) => ({ ...d, child_id: id, id: `${id}-${d.id}` }));

const children = [
  kid('a', 'Ani', '2024-05-10'), // 9 months: MR 1 and IPV 2 due, the blue capsule
  kid('b', 'Budi', '2023-02-10', { sex: 'M' }), // 24 months: MR 2 overdue, red capsule, deworming
  kid('c', 'Citra', '2024-11-10'), // 3 months, nothing given
  kid('d', 'Dewi', '2020-02-01'), // 60 months on the day: not an under-five any more
  kid('e', 'Eko', '2025-03-01'), // born after the day
  kid('f', 'Fajar', '2024-11-10', { posyandu_id: Q }), // another posyandu
  kid('g', 'Gita', '2022-02-10'), // 36 months, everything given, this round's capsule and deworming too
];
const immunisations = [
  ...withChild('a', course('2024-05-10', 9)),
  ...withChild('b', course('2023-02-10', 24, ['MR 2'])),
  ...withChild('g', course('2022-02-10', 24)),
];
const supplements = [{ child_id: 'g', kind: 'vitamin_a_red', given_on: '2025-02-05' },
  { child_id: 'g', kind: 'deworming', given_on: '2025-02-05' }];

test('the due list by hand: who, which doses, which capsules, and the vials to bring', () => {
  const list = dueList(server, { children, immunisations, supplements, posyanduId: P, on: ON, area: (c) => areaOf(c, null) });
  assert.equal(list.schedule_version, '2024.2');
  assert.deepEqual(list.children.map((r) => [r.name, r.age_months, r.immunisations.map((d) => `${d.label}:${d.status}`),
    r.supplements.map((s) => s.kind)]), [
    // MR 1 from 9 months (2025-02-10); IPV 2 at 9 months and 4 months after IPV 1 (2024-09-10 → 2025-01-10)
    ['Ani', 9, ['MR 1:due', 'IPV 2:due'], ['vitamin_a_blue']],
    // MR 2 due at 18 months (2024-08-10), overdue after one more month
    ['Budi', 24, ['MR 2:overdue'], ['vitamin_a_red', 'deworming']],
    // BCG and OPV 1 due at 1 month (2024-12-10), overdue after 2025-01-10; the 2-month doses due 2025-01-10,
    // not overdue until after 2025-02-10; IPV 1 not before 98 days (2025-02-16); HB0 missed after 7 days
    ['Citra', 3, ['BCG:overdue', 'OPV 1:overdue', 'DPT-HB-Hib 1:due', 'PCV 1:due', 'RV 1:due'], []],
  ]);
  assert.deepEqual(list.children[0].supplements, [{ kind: 'vitamin_a_blue', round: '2025-02' }]);
  assert.deepEqual(Object.keys(list.children[0]), ['child_id', 'name', 'sex', 'birth_date', 'age_months', 'mother_name',
    'immunisations', 'supplements']);
  // the doses per vial of 2024.2: BCG 20, OPV 20, DPT-HB-Hib 5, MR 10; PCV, RV, IPV unknown (null)
  assert.deepEqual(list.vaccines.map((v) => [v.vaccine, v.doses, v.doses_per_vial, v.vials]), [
    ['BCG', 1, 20, 1], ['OPV', 1, 20, 1], ['DPT-HB-Hib', 1, 5, 1], ['PCV', 1, null, null], ['RV', 1, null, null],
    ['IPV', 1, null, null], ['MR', 2, 10, 1]]);
  assert.equal(list.vaccines.find((v) => v.vaccine === 'PCV').name, 'Pneumokokus konjugasi (PCV)');
  assert.deepEqual(list.supplements, [{ kind: 'deworming', count: 1 }, { kind: 'vitamin_a_blue', count: 1 },
    { kind: 'vitamin_a_red', count: 1 }]);
});

test('vials round up per vaccine: 23 MR doses are 3 vials of 10, 11 pentavalent doses 3 vials of 5', () => {
  const many = [
    ...Array.from({ length: 23 }, (_, n) => kid(`m${n}`, `Anak M${String(n).padStart(2, '0')}`, '2024-05-10')),
    ...Array.from({ length: 11 }, (_, n) => kid(`p${n}`, `Anak P${String(n).padStart(2, '0')}`, '2024-11-10')),
  ];
  const given = many.filter((c) => c.id.startsWith('m')).flatMap((c) => withChild(c.id, course(c.birth_date, 9)));
  const list = dueList(server, { children: many, immunisations: given, posyanduId: P, on: ON });
  const totals = Object.fromEntries(list.vaccines.map((v) => [v.vaccine, [v.doses, v.vials]]));
  assert.deepEqual(totals, { BCG: [11, 1], OPV: [11, 1], 'DPT-HB-Hib': [11, 3], PCV: [11, null], RV: [11, null],
    IPV: [23, null], MR: [23, 3] });
  assert.equal(list.children.length, 34);
  // a version without vial sizes: the counts stay, vials are unknown
  const plain = dueList(loadSchedule({ ...bundled, vaccines: bundled.vaccines.map((v) => ({ ...v, doses_per_vial: null })) }),
    { children: many, immunisations: given, posyanduId: P, on: ON });
  assert.deepEqual(plain.vaccines.map((v) => v.vials), [null, null, null, null, null, null, null]);
});

test('JE follows the schedule areas with the child\'s own kabupaten, as the server judges it', () => {
  const birth = '2024-04-10'; // 10 months on the day: JE recommended, from 9 months
  const je = (child) => dueList(server, { children: [child], immunisations: withChild(child.id, course(birth, 9)),
    posyanduId: P, on: ON, area: (c) => areaOf(c, { kabupaten_code: '35.25' }) })
    .children[0]?.immunisations.some((d) => d.vaccine === 'JE');
  assert.equal(je(kid('h', 'Hadi', birth, { kabupaten_code: '51.71' })), true);
  assert.equal(je(kid('h', 'Hadi', birth, { kabupaten_code: '35.25' })), false);
  assert.equal(je(kid('h', 'Hadi', birth, { kabupaten_code: undefined })), false); // no own code yet: the posyandu's
  // unsent changes (registered or moved here): the posyandu's kabupaten, which the server will set
  assert.deepEqual(areaOf({ kabupaten_code: '51.71', _pending: true }, { kabupaten_code: '35.25' }), { kabupaten: '35.25' });
  assert.deepEqual(areaOf({ kabupaten_code: '51.71' }, { kabupaten_code: '35.25' }), { kabupaten: '51.71' });
  assert.equal(areaOf({}, null), null);
});

test('a kabupaten with rounds of its own: its children are due in the moved month, not in February', () => {
  // as a published version writes it (kabupaten by its 4 digits): Gresik (35.25) vitamin A in March and
  // September, deworming in March; everywhere else the national February and August
  const moved = loadSchedule({ ...bundled, supplements: {
    vitamin_a: { ...bundled.supplements.vitamin_a, round_months_by_area: { 3525: [3, 9] } },
    deworming: { ...bundled.supplements.deworming, round_months_by_area: { 3525: [3] } } } });
  const born = '2023-01-15'; // 25 completed months on 2025-02-10, 26 on 2025-03-10, 32 on 2025-09-10
  const gresik = kid('m', 'Mira', born);
  const bali = kid('n', 'Nyoman', born, { kabupaten_code: '51.71' });
  const due = (child, on) => dueList(moved, { children: [child], immunisations: withChild(child.id, course(born, 25)),
    posyanduId: P, on, area: (c) => areaOf(c, null) }).children[0]?.supplements.map((s) => `${s.kind} ${s.round}`) ?? [];
  assert.deepEqual(due(gresik, '2025-02-10'), []);
  assert.deepEqual(due(gresik, '2025-03-10'), ['vitamin_a_red 2025-03', 'deworming 2025-03']);
  assert.deepEqual(due(gresik, '2025-09-10'), ['vitamin_a_red 2025-09']);
  assert.deepEqual(due(bali, '2025-02-10'), ['vitamin_a_red 2025-02', 'deworming 2025-02']);
  assert.deepEqual(due(bali, '2025-03-10'), []);
  // the child's screen (assess.js dueToday) reads the same rounds for her area
  const today = (child, on) => dueToday({ child, schedule: moved, area: areaOf(child, null), on }).supplements.map((s) => s.kind);
  assert.deepEqual([today(gresik, '2025-02-10'), today(gresik, '2025-03-10'), today(bali, '2025-02-10')],
    [[], ['vitamin_a_red', 'deworming'], ['vitamin_a_red', 'deworming']]);
});

test('under-fives of the posyandu, by name ignoring case, then name, then id (as cards.py by_name)', () => {
  const same = [kid('z2', 'Budi', '2024-01-01'), kid('z1', 'Budi', '2024-01-01'), kid('y', 'adi', '2024-01-01'),
    kid('v', 'budi', '2024-01-01'), kid('u', 'Cici', '2024-01-01'),
    kid('x', 'Zaki', '2024-01-01', { merged_into: 'z1' }), kid('w', 'Wulan', '2024-01-01', { deleted_at: '2025-01-01T00:00:00Z' })];
  // a name typed in small letters is among the others, not after every capital (code point: "Budi", "Cici", "adi")
  assert.deepEqual(underFives(same, P, ON).map((c) => c.id), ['y', 'z1', 'z2', 'v', 'u']);
  assert.deepEqual(underFives(children, P, ON).map((c) => c.name), ['Ani', 'Budi', 'Citra', 'Gita']);
});

test('grouped for the screen: children per vaccine in schedule order, and per supplement kind', () => {
  const list = dueList(server, { children, immunisations, supplements, posyanduId: P, on: ON });
  const groups = byVaccine(list);
  assert.deepEqual([...groups.vaccines].map(([code, items]) => [code, items.map((i) => `${i.child.name} ${i.dose.label}`)]), [
    ['BCG', ['Citra BCG']], ['OPV', ['Citra OPV 1']], ['DPT-HB-Hib', ['Citra DPT-HB-Hib 1']], ['PCV', ['Citra PCV 1']],
    ['RV', ['Citra RV 1']], ['IPV', ['Ani IPV 2']], ['MR', ['Ani MR 1', 'Budi MR 2']]]);
  assert.deepEqual([...groups.supplements].map(([kind, items]) => [kind, items.map((i) => i.child.name)]),
    [['deworming', ['Budi']], ['vitamin_a_blue', ['Ani']], ['vitamin_a_red', ['Budi']]]);
});

test('no child due: an empty list with no totals', () => {
  const list = dueList(server, { children: [children[6]], immunisations, supplements, posyanduId: P, on: ON });
  assert.deepEqual([list.children, list.vaccines, list.supplements], [[], [], []]);
});

test("group: each child's rows in their order, shared by the home screen (a push each, not a copy per row)", async () => {
  const { group } = await import('../../static/pwa/js/due-list.js');
  const rows = [{ child_id: 'a', n: 1 }, { child_id: 'b', n: 2 }, { child_id: 'a', n: 3 }, { child_id: 'a', n: 4 }];
  const byChild = group(rows);
  assert.deepEqual([...byChild.keys()], ['a', 'b']);
  assert.deepEqual(byChild.get('a').map((r) => r.n), [1, 3, 4]);
  assert.equal(byChild.get('b')[0], rows[1], 'the rows themselves');
  assert.equal(group([]).size, 0);
});
