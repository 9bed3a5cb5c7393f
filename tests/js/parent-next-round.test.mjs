// A parent's child screen (screens/parent.js): with nothing due this month, the vitamin A and deworming
// panel names the next round her child will be due something in (February or August, Permenkes
// 21/2015 and 15/2017: blue capsule once at 6-11 months, red and deworming at 12-59), on her posyandu's
// day; none for a child five by then. The expected month is worked out here by the calendar alone.
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
const { setLang, formatMonth } = await import('../../static/pwa/js/i18n.js');
const { loadSchedule } = await import('../../static/pwa/js/due.js');
const { todayIso } = await import('../../static/pwa/js/ui.js');

const root = fileURLToPath(new URL('../../', import.meta.url));
const schedule = loadSchedule(JSON.parse(readFileSync(join(root, 'static/pwa/data/schedule-2024.json'), 'utf8')));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa']
  .map((n) => [n, JSON.parse(readFileSync(join(root, `static/pwa/data/who/${n}.json`), 'utf8'))]));
const pos = { id: 'p1', name: 'Posyandu Melati', meeting_day: 10 };

/** The month `n` months from `ym` ("YYYY-MM"). */
const plus = (ym, n) => {
  const total = +ym.slice(0, 4) * 12 + +ym.slice(5, 7) - 1 + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
};
const next = async (child, supplements = []) => {
  const screen = await parentChild({ bundle: async () => ({ child, measurements: [], immunisations: [], supplements }),
    tables: async () => tables, schedule: async () => schedule, area: async () => null, posyandus: async () => [pos],
    online: () => false }, child.id);
  return screen.querySelector('#supplement-next')?.textContent ?? null;
};

test('the next round her child is due in is named, with what she will be given', async () => {
  setLang('id');
  const now = todayIso().slice(0, 7);
  const firstRound = (from) => { for (let m = plus(now, 1); ; m = plus(m, 1)) if (['02', '08'].includes(m.slice(5)) && m >= from) return m; };
  // two years old (born on the 1st): red capsule and deworming at the first February or August after this month
  const toddler = { id: 'c1', name: 'Sari Dewi', sex: 'F', birth_date: `${plus(now, -24)}-01`, posyandu_id: 'p1' };
  assert.equal(await next(toddler), `Berikutnya: kapsul vitamin A merah dan obat cacing di posyandu pada ${formatMonth(firstRound(now))}.`);
  // two months old: the blue capsule, at the first round month she is six months old in
  const baby = { ...toddler, id: 'c2', birth_date: `${plus(now, -2)}-01` };
  assert.equal(await next(baby), `Berikutnya: kapsul vitamin A biru di posyandu pada ${formatMonth(firstRound(plus(now, 4)))}.`);
  // her infant dose given already: the red one, from twelve months
  const given = [{ kind: 'vitamin_a_blue', given_on: `${plus(now, -1)}-05` }];
  assert.equal(await next({ ...toddler, id: 'c3', birth_date: `${plus(now, -7)}-01` }, given),
    `Berikutnya: kapsul vitamin A merah dan obat cacing di posyandu pada ${formatMonth(firstRound(plus(now, 5)))}.`);
  // five by any round to come, or left the register: nothing named
  assert.equal(await next({ ...toddler, id: 'c4', birth_date: `${plus(now, -60)}-01` }), null);
  assert.equal(await next({ ...toddler, id: 'c5', exit_date: `${now}-01`, exit_reason: 'moved_away' }), null);
  setLang('en');
  assert.equal(await next(toddler), `Next: a red vitamin A capsule and deworming medicine at the posyandu in ${formatMonth(firstRound(now))}.`);
  setLang('id');
});
