// A parent's child screen (screens/parent.js): with nothing due today, the vitamin A and deworming panel
// names the next round her child will be due something in (February or August, Permenkes 21/2015 and
// 15/2017: blue capsule once at 6-11 months, red and deworming at 12-59), on her posyandu's day, this
// month's too while it is still to come; none for a child five by then. Each expected month is worked out
// by hand from the rules, on a fixed day (the phone's clock set).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const { child: parentChild } = await import('../../static/pwa/js/screens/parent.js');
const { setLang } = await import('../../static/pwa/js/i18n.js');
const { loadSchedule } = await import('../../static/pwa/js/due.js');

const root = fileURLToPath(new URL('../../', import.meta.url));
const read = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
const schedule = loadSchedule(read('static/pwa/data/schedule-2024.json'));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'].map((n) => [n, read(`static/pwa/data/who/${n}.json`)]));
const RealDate = Date;

/** The panel's words on `day` (10:00 in Jakarta): [its next-round line, its due-now notices]. */
async function panel(day, child, { supplements = [], meetingDay = 10 } = {}) {
  const fixed = RealDate.parse(`${day}T03:00:00Z`);
  globalThis.Date = class extends RealDate { constructor(...a) { super(...(a.length ? a : [fixed])); } static now() { return fixed; } };
  try {
    const screen = await parentChild({ bundle: async () => ({ child, measurements: [], immunisations: [], supplements }),
      tables: async () => tables, schedule: async () => schedule, area: async () => null,
      posyandus: async () => [{ id: 'p1', name: 'Posyandu Melati', meeting_day: meetingDay }], online: () => false }, child.id);
    const box = screen.querySelector('#supplements');
    return [box.querySelector('#supplement-next')?.textContent ?? null, box.querySelectorAll('.notice').map((p) => p.textContent)];
  } finally {
    globalThis.Date = RealDate;
  }
}
const kid = (id, born) => ({ id, name: 'Sari Dewi', sex: 'F', birth_date: born, posyandu_id: 'p1' });

test('the next round her child will be due in is named, with what she will be given', async () => {
  setLang('id');
  // 7 December 2026. Two years old: red capsule and deworming in February
  assert.deepEqual(await panel('2026-12-07', kid('c1', '2024-12-01')),
    ['Berikutnya: kapsul vitamin A merah dan obat cacing di posyandu pada Februari 2027.', []]);
  // two months old: 4 months in February, 10 in August: the blue capsule in August
  assert.deepEqual((await panel('2026-12-07', kid('c2', '2026-10-01')))[0], 'Berikutnya: kapsul vitamin A biru di posyandu pada Agustus 2027.');
  // seven months old, her blue capsule given: 9 months in February (no red before 12), 15 in August
  assert.deepEqual((await panel('2026-12-07', kid('c3', '2026-05-01'), { supplements: [{ kind: 'vitamin_a_blue', given_on: '2026-11-05' }] }))[0],
    'Berikutnya: kapsul vitamin A merah dan obat cacing di posyandu pada Agustus 2027.');
  // 59 months now, 61 by February: nothing to come
  assert.deepEqual(await panel('2026-12-07', kid('c4', '2022-01-01')), [null, []]);
  // moved away: still hers, where she lives now; died: nothing
  assert.deepEqual((await panel('2026-12-07', { ...kid('c5', '2024-12-01'), exit_date: '2026-11-01', exit_reason: 'moved_away' }))[0],
    'Berikutnya: kapsul vitamin A merah dan obat cacing di posyandu pada Februari 2027.');
  assert.deepEqual((await panel('2026-12-07', { ...kid('c5', '2024-12-01'), exit_date: '2026-11-01', exit_reason: 'died' }))[0], null);
  setLang('en');
  assert.equal((await panel('2026-12-07', kid('c1', '2024-12-01')))[0],
    'Next: a red vitamin A capsule and deworming medicine at the posyandu in February 2027.');
  setLang('id');
});

test("in a round month: what is due today is said, not the next round; six months by this month's posyandu day, this month", async () => {
  setLang('id');
  // 5 February 2027, a round month: the toddler is due today (said as such), nothing "next"
  const [next, due] = await panel('2027-02-05', kid('c1', '2024-12-01'));
  assert.equal(next, null);
  assert.deepEqual(due, ['Bulan ini Sari perlu kapsul vitamin A merah. Datang ke posyandu.', 'Bulan ini Sari perlu obat cacing. Datang ke posyandu.']);
  // given this round already: the next is August
  assert.equal((await panel('2027-02-05', kid('c1', '2024-12-01'), { supplements: [
    { kind: 'vitamin_a_red', given_on: '2027-02-03' }, { kind: 'deworming', given_on: '2027-02-03' }] }))[0],
  'Berikutnya: kapsul vitamin A merah dan obat cacing di posyandu pada Agustus 2027.');
  // 3 February: born 20 August, five months today, six on the posyandu's day (the 25th): blue, this month
  // (on 25 August she is twelve, past the blue capsule's ages: it was lost for good)
  assert.deepEqual(await panel('2027-02-03', kid('c6', '2026-08-20'), { meetingDay: 25 }),
    [null, ['Bulan ini Sari perlu kapsul vitamin A biru. Datang ke posyandu.']]);
  // the posyandu met on the 2nd, gone by: August's, on the 2nd of August she is eleven months: still blue
  assert.equal((await panel('2027-02-03', kid('c6', '2026-08-20'), { meetingDay: 2 }))[0],
    'Berikutnya: kapsul vitamin A biru di posyandu pada Agustus 2027.');
});

test("this month's capsule is the one her posyandu gives on its day: turning 5 or 12 months before it changes it", async () => {
  setLang('id');
  // 1 August 2026, the posyandu meets on the 8th. Born 5 August 2021: five on the 5th, past every capsule and
  // deworming by the 8th (the server refuses a red capsule at 60 months): sent for nothing, nothing to come
  assert.deepEqual(await panel('2026-08-01', kid('c7', '2021-08-05'), { meetingDay: 8 }), [null, []]);
  // born 5 August 2025: eleven months today, twelve by the 8th: the red capsule and deworming, not the blue one
  assert.deepEqual((await panel('2026-08-01', kid('c8', '2025-08-05'), { meetingDay: 8 }))[1],
    ['Bulan ini Sari perlu kapsul vitamin A merah. Datang ke posyandu.', 'Bulan ini Sari perlu obat cacing. Datang ke posyandu.']);
  // its day gone by (met on the 1st, today the 3rd): as she is today, eleven months: blue
  assert.deepEqual((await panel('2026-08-03', kid('c8', '2025-08-05'), { meetingDay: 1 }))[1],
    ['Bulan ini Sari perlu kapsul vitamin A biru. Datang ke posyandu.']);
});

test("the next round is judged on her posyandu's own day, the month's last when shorter, not the 28th", async () => {
  setLang('id');
  // 15 July 2026, the posyandu meets on the 30th. Born 30 August 2025: twelve months on 30 August: red and deworming
  assert.equal((await panel('2026-07-15', kid('c9', '2025-08-30'), { meetingDay: 30 }))[0],
    'Berikutnya: kapsul vitamin A merah dan obat cacing di posyandu pada Agustus 2026.');
  // born 29 August 2021: five on the 29th, before the 30th: nothing to come
  assert.deepEqual(await panel('2026-07-15', kid('c10', '2021-08-29'), { meetingDay: 30 }), [null, []]);
  // 10 February 2028 (a leap year), the posyandu meets on the 30th: its February day is the 29th. Born 29 August
  // 2027: six months on 29 February: blue this month (she was told nothing of February before)
  assert.deepEqual(await panel('2028-02-10', kid('c11', '2027-08-29'), { meetingDay: 30 }),
    [null, ['Bulan ini Sari perlu kapsul vitamin A biru. Datang ke posyandu.']]);
});
