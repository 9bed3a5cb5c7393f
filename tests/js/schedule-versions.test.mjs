// Which schedule version judges a dose on the phone: the one in force on the day it was given, chosen
// among every version the server sends (GET /immunisation/schedule `versions`) as the server chooses
// (operations.version_in_force). The cases of tests/data/schedule_versions_cases.json run here and on the
// server (tests/api/test_schedule_versions_api.py). Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { memDb } from './memdb.mjs';
import { fakeApi } from './fakeserver.mjs';
import { currentSchedule, refreshSchedule, versionInForce } from '../../static/pwa/js/schedule.js';
import { checkCopied, immunisationCard, validateDose } from '../../static/pwa/js/due.js';
import { dueToday } from '../../static/pwa/js/assess.js';
import { dueList } from '../../static/pwa/js/due-list.js';

const read = (path) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../${path}`, import.meta.url)), 'utf8'));
const fixture = read('tests/data/schedule_versions_cases.json');
const base = read(fixture.base);

/** The fixture's version: the base document with its version, valid_from and entry fields replaced. */
function documentOf(v) {
  const doc = { ...structuredClone(base), version: v.version, valid_from: v.valid_from };
  for (const { vaccine, dose, ...fields } of v.set ?? []) {
    Object.assign(doc.entries.find((e) => e.vaccine === vaccine && e.dose === dose), fields);
  }
  return doc;
}
// as the server answers: ids in publishing order, the withdrawn one not sent
const published = fixture.versions.map((v, i) => ({ id: i + 1, version: v.version, name: base.name, valid_from: v.valid_from,
  active: v.active, document: documentOf(v) }));
const sent = published.filter((v) => v.active);
const answer = (today) => ({ ...versionInForce(sent, today), versions: sent });

async function phone(today = '2025-09-01') {
  const db = memDb();
  await refreshSchedule(db, fakeApi([answer(today)]));
  return currentSchedule(db, async () => structuredClone(base));
}

const codes = (found) => found.map((v) => v.code);

for (const c of fixture.cases) {
  test(`${c.kind}: ${c.id}`, async () => {
    const schedule = await phone();
    const i = c.input;
    if (c.kind === 'validate_dose') {
      assert.equal(schedule.on(i.new.given_on).version, c.expected.version);
      assert.deepEqual(codes(validateDose(schedule, i.birth_date, i.given, i.new, { today: i.today })), c.expected.codes, c.explain);
    } else if (c.kind === 'copied') {
      const { problems } = checkCopied(schedule, i.birth_date, i.given, i.copied, { today: i.today });
      assert.deepEqual(Object.fromEntries(Object.entries(problems).map(([k, v]) => [k, codes(v)])), c.expected.problems, c.explain);
    } else {
      assert.equal(schedule.on(i.as_of).version, c.expected.schedule_version);
      const card = immunisationCard(schedule, i.birth_date, i.given, i.as_of);
      for (const [label, want] of Object.entries(c.expected.entries)) {
        const got = card.entries.find((e) => e.label === label);
        assert.deepEqual(Object.fromEntries(Object.keys(want).map((k) => [k, got[k]])), want, c.explain);
      }
    }
  });
}

test('the version in force is chosen as the server chooses it, withdrawn versions aside', () => {
  const on = (date) => versionInForce(published, date)?.version;
  assert.deepEqual(['2023-06-01', '2024-01-01', '2025-06-30', '2025-07-01', '2025-08-20', '2030-01-01'].map(on),
    ['2024.2', '2024.2', '2024.2', '2025.1', '2025.1', '2025.1']);
  // two versions valid from the same day: the later published (higher id) wins
  const twin = { ...published[1], id: 7, version: '2025.1b' };
  assert.equal(versionInForce([...published, twin], '2025-07-01').version, '2025.1b');
  assert.equal(versionInForce([], '2025-07-01'), null);
});

test('the phone keeps every version, so a version valid from a later day applies from that day offline', async () => {
  const schedule = await phone('2025-06-20'); // fetched before 2025.1 came in force
  assert.equal(schedule.version, '2025.1'); // the version in force on the phone's today (after 2025-07-01)
  assert.deepEqual([schedule.on('2025-06-30').version, schedule.on('2025-07-01').version], ['2024.2', '2025.1']);
  // the posyandu day's list and a child's doses of a day follow the version of that day
  const child = { id: 'c', name: 'Citra', sex: 'F', birth_date: '2024-10-30', posyandu_id: 'p' };
  const mr = (on) => dueToday({ child, schedule, on }).doses.some((d) => d.vaccine === 'MR');
  assert.deepEqual([mr('2025-06-30'), mr('2025-07-01')], [false, true]);
  const list = (on) => dueList(schedule, { children: [child], posyanduId: 'p', on });
  assert.deepEqual([list('2025-06-30').schedule_version, list('2025-07-01').schedule_version], ['2024.2', '2025.1']);
});

test('a copy kept before the phone held versions, and the bundled file, still judge every date', async () => {
  const db = memDb();
  await db.tx(['meta'], 'readwrite', ({ meta }) => meta.put({ key: 'schedule', id: 2, version: '2025.1', valid_from: '2025-07-01',
    document: published[1].document, fetched_at: '2025-07-02T00:00:00Z' }));
  const old = await currentSchedule(db, async () => base);
  assert.deepEqual([old.origin, old.on('2024-03-01').version, old.on('2026-01-01').version], ['server', '2025.1', '2025.1']);
  const bundled = await currentSchedule(memDb(), async () => base);
  assert.deepEqual([bundled.origin, bundled.version, bundled.on('2025-07-01').version], ['bundled', '2024.2', '2024.2']);
});

test('a spread copy of the schedule is a plain schedule (an edited copy is not undone by the versions)', async () => {
  const schedule = await phone();
  const copy = { ...schedule, vaccines: [] };
  assert.equal(copy.on, undefined);
  assert.equal(copy.versions, undefined);
});

test('a dose a later version added is due from the day it came in, on the card and the day\'s list', async () => {
  // 2025.3 adds TCV 1 at 9 months (from 6, up to 24) from 2025-03-01, as tests/api/test_schedule_versions_api.py
  const tcv = { ...structuredClone(base), version: '2025.3', valid_from: '2025-03-01' };
  tcv.vaccines.push({ code: 'TCV', name: 'Tifoid konjugat', doses_per_vial: 5 });
  tcv.entries.push({ vaccine: 'TCV', dose: 1, recommended_age: { months: 9 }, min_age: { months: 6 }, max_age: { months: 24 } });
  const versions = [{ id: 1, version: '2024.2', valid_from: '2024-01-01', active: true, document: base },
    { id: 2, version: '2025.3', valid_from: '2025-03-01', active: true, document: tcv }];
  const db = memDb();
  await refreshSchedule(db, fakeApi([{ ...versions[1], versions }]));
  const schedule = await currentSchedule(db, async () => structuredClone(base));
  const entry = (born, on) => immunisationCard(schedule, born, [], on).entries.find((e) => e.label === 'TCV');
  const { status, recommended_date: rec, due_date: due, can_give: give } = entry('2024-01-10', '2025-03-20');
  assert.deepEqual([status, rec, due, give], ['due', '2024-10-10', '2025-03-01', true]); // was overdue since 2024-11-10
  assert.equal(entry('2024-01-10', '2025-04-02').status, 'overdue');
  assert.equal(entry('2022-12-01', '2025-03-20').status, 'not_applicable'); // past 24 months before it came in
  assert.equal(entry('2024-10-20', '2025-03-20').due_date, '2025-07-20');
  const child = { id: 'a', name: 'Ani', sex: 'F', birth_date: '2024-01-10', posyandu_id: 'p' };
  assert.equal(dueToday({ child, schedule, on: '2025-03-20' }).doses.find((d) => d.vaccine === 'TCV').status, 'due');
  const list = dueList(schedule, { children: [child], posyanduId: 'p', on: '2025-03-20' });
  assert.equal(list.children[0].immunisations.find((d) => d.vaccine === 'TCV').status, 'due');
  // a dose of the oldest version is always there: PCV 1 of a child born long before stays overdue from its own date
  assert.equal(immunisationCard(schedule, '2024-01-10', [], '2025-03-20').entries.find((e) => e.label === 'PCV 1').due_date, '2024-03-10');
});
