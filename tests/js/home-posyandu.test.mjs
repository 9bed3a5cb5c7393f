// A midwife's posyandu day (screens/home.js): her puskesmas's posyandus offered by name, and the day
// starting at the first of them, whatever order the phone's database holds them in (by id).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installDom } from './fakedom.mjs';

installDom();
const stored = new Map(); // the phone's localStorage
globalThis.localStorage = { getItem: (k) => stored.get(k) ?? null, setItem: (k, v) => stored.set(k, String(v)) };

const home = await import('../../static/pwa/js/screens/home.js');
const schedule = JSON.parse(readFileSync(new URL('../../static/pwa/data/schedule-2024.json', import.meta.url)));

// as IndexedDB returns them: by id, which says nothing of the name
const POSYANDUS = [
  { id: '1f0c', name: 'Posyandu Melati' }, { id: '7ecd', name: 'Posyandu Kenanga' }, { id: 'a3b2', name: 'Posyandu Mawar' },
  { id: 'c901', name: 'Posyandu Anggrek 2' }, { id: 'e4d7', name: 'Posyandu anggrek 1' },
];

test("a midwife's posyandus are offered by name, and the day starts at the first of them", async () => {
  const ctx = { role: 'bidan', session: { user: { id: 'b1', role: 'bidan' } },
    day: { date: '2026-03-02', posyandu_id: null },
    children: async () => [], posyandus: async () => Object.freeze(POSYANDUS.map(Object.freeze)), records: async () => [],
    tables: async () => null, kbm: async () => null, schedule: async () => schedule };
  const screen = await home.render(ctx);
  const optionsOf = (drawn) => [...drawn.querySelector('#day-posyandu').querySelectorAll('option')];
  const chosen = (drawn) => optionsOf(drawn).find((o) => o.getAttribute('selected') !== null)?.value;
  const options = optionsOf(screen);
  assert.deepEqual(options.map((o) => o.textContent),
    ['Posyandu anggrek 1', 'Posyandu Anggrek 2', 'Posyandu Kenanga', 'Posyandu Mawar', 'Posyandu Melati']);
  assert.equal(ctx.day.posyandu_id, 'e4d7');
  assert.equal(chosen(screen), 'e4d7');

  ctx.day.posyandu_id = 'a3b2'; // the one she chose stays chosen
  const again = await home.render(ctx);
  assert.equal(chosen(again), 'a3b2');

  // the app reopened (Android closed it): the day starts at the posyandu she last chose, if still hers
  stored.set('day-posyandu-b1', '7ecd');
  ctx.day.posyandu_id = null;
  assert.equal(chosen(await home.render(ctx)), '7ecd');
  stored.set('day-posyandu-b1', 'gone');
  ctx.day.posyandu_id = null;
  assert.equal(chosen(await home.render(ctx)), 'e4d7');
  stored.clear();
  // storage refused (a browser's private mode, a full disk): the home is drawn, at her first posyandu
  const kept = globalThis.localStorage;
  globalThis.localStorage = { getItem: () => { throw new Error('SecurityError'); }, setItem: () => { throw new Error('full'); } };
  ctx.day.posyandu_id = null;
  try {
    assert.equal(chosen(await home.render(ctx)), 'e4d7');
  } finally {
    globalThis.localStorage = kept;
  }
});

test("a midwife's home reads the records of the day's posyandu's children only (not her six posyandus')", async () => {
  const asked = [];
  const ctx = { role: 'bidan', session: { user: { id: 'b1', role: 'bidan' } }, day: { date: '2026-03-02', posyandu_id: null },
    children: async () => [], posyandus: async () => POSYANDUS, records: async (entity, of) => asked.push([entity, of]) && [],
    tables: async () => null, kbm: async () => null, schedule: async () => schedule };
  await home.render(ctx);
  assert.deepEqual(asked, [['measurement', 'e4d7'], ['immunisation', 'e4d7'], ['supplement', 'e4d7']], 'the first by name');
  ctx.day.posyandu_id = 'a3b2';
  asked.length = 0;
  await (await home.render(ctx)).redrawLists();
  assert.deepEqual(asked.map(([, of]) => of), Array(6).fill('a3b2'));
});

test("a name is searched case aside and with its apostrophe curly or straight, as the server's search", () => {
  // a phone's keyboard writes "Nur’aini", a spreadsheet imported "Nur'aini": "nur'aini" found only one of them
  assert.equal(home.plain('Siti Nur’aini'), home.plain("SITI NUR'AINI"));
  assert.ok(home.plain('Mu‘adz').includes("mu'adz"));
  assert.notEqual(home.plain('Nuraini'), home.plain("Nur'aini")); // the apostrophe is kept, only its form aside
});
