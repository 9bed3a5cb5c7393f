// The home list on opening (screens/home.js): a cold open of a 300-child posyandu built and laid out
// every row before the first showed. Now its first screenful is drawn at once and the rest just after,
// the summary counting all of them; Back to a place down the list draws all at once (the scroll lands).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const home = await import('../../static/pwa/js/screens/home.js');
const schedule = JSON.parse(readFileSync(new URL('../../static/pwa/data/schedule-2024.json', import.meta.url)));
// 45 children of 1 to 45 months (every one has doses due: none recorded)
const children = Array.from({ length: 45 }, (_, i) => ({ id: `c${i}`, name: `Anak ${String(i).padStart(2, '0')}`, sex: 'F',
  birth_date: `${2026 - Math.floor((i + 1) / 12)}-${String(12 - ((i + 1) % 12)).padStart(2, '0')}-01`, posyandu_id: 'p1' }));
const ctx = () => ({ role: 'kader', session: { user: { id: 'u1', role: 'kader' } }, day: { date: '2026-12-05', posyandu_id: 'p1' },
  children: async () => children, posyandus: async () => [{ id: 'p1', name: 'Posyandu Mawar' }], records: async () => [],
  tables: async () => null, kbm: async () => undefined, schedule: async () => schedule });
const tick = () => new Promise((resolve) => { setTimeout(resolve, 5); });

test('opened: the first screenful of rows at once, the rest just after; the summary counts every row from the start', async () => {
  const screen = await home.render(ctx());
  const rows = () => [...screen.querySelector('#children').querySelectorAll('li')];
  const summary = screen.querySelector('#due-summary').textContent;
  assert.equal(rows().length, 30);
  await tick();
  await tick();
  assert.equal(rows().length, 45);
  assert.equal(screen.querySelector('#due-summary').textContent, summary);
  assert.match(summary, /^45 anak/);
  const all = rows().map((li) => li.querySelector('strong').textContent);
  assert.deepEqual(all, [...all].sort());
  globalThis.history = { state: { y: 2400 } }; // Back to her place far down: every row there for the scroll
  try {
    const back = await home.render(ctx());
    assert.equal(back.querySelector('#children').querySelectorAll('li').length, 45);
    assert.equal(back.querySelector('#due-summary').textContent, summary);
  } finally {
    delete globalThis.history;
  }
});
