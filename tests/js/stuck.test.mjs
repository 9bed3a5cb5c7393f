// A change the server fails on every time (sync.js: found alone, set aside, shown stuck after
// STUCK_AFTER tries alone) across page reloads and tabs: what the search and the count know is
// kept in the user's database, not in the page. Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memDb } from './memdb.mjs';
import { fakeServer, poisoned } from './fakeserver.mjs';
import { counts, outboxEntries, retryEntry, saveChange } from '../../static/pwa/js/outbox.js';
import { createSync, STUCK_AFTER } from '../../static/pwa/js/sync.js';

const P = '11111111-1111-4111-8111-111111111111';
const child = (name) => ({ posyandu_id: P, name, sex: 'F', birth_date: '2024-01-10', mother_name: 'Siti' });
const timers = { set: () => 0, clear() {} }; // no retry by itself: each test says when a sync runs

/** One user's database and the server; `page()` is the app opened anew on that database (a reload,
 * Android having killed the page, or another tab): a new sync engine knowing nothing in memory. */
function phone() {
  const db = memDb();
  const server = fakeServer();
  const poison = new Set(['Poison']);
  poisoned(server, poison);
  const page = () => createSync({ db, api: server, timers, random: () => 0.5 });
  const save = async (name) => {
    const id = crypto.randomUUID();
    return { id, ...(await saveChange(db, { entity: 'child', id, fields: child(name) })) };
  };
  const alone = (mutationId) => server.seenBodies.filter((b) => b.mutations.length === 1
    && b.mutations[0].mutation_id === mutationId).length;
  return { db, server, poison, page, save, alone };
}

test('a page reloaded before every sync still sets the failing change aside and shows it stuck', async () => {
  const { db, server, page, save, alone } = phone();
  const { entry } = await save('Poison');
  const budi = await save('Budi');
  let syncs = 0;
  while ((await counts(db)).attention === 0 && syncs < 12) {
    await page().sync(); // a new page each time: nothing of the last one's memory
    syncs += 1;
  }
  assert.ok(server.get('child', budi.id), 'the change behind it went');
  const [left] = await outboxEntries(db);
  assert.deepEqual([left.mutation_id, left.state, left.stuck], [entry.mutation_id, 'needs_attention', true],
    `shown stuck after ${syncs} syncs by ${syncs} pages`);
  assert.equal(alone(entry.mutation_id), STUCK_AFTER, 'tried alone that many times in all, not per page');
  assert.ok(syncs <= STUCK_AFTER + 2, `${syncs} syncs: the halving went on where the last page left it`);
});

test('two tabs taking turns count the same tries: the change is stuck as soon as with one tab', async () => {
  const { db, page, save, alone } = phone();
  const [a, b] = [page(), page()];
  const { entry } = await save('Poison');
  await save('Budi');
  for (let i = 0; i < STUCK_AFTER + 2; i += 1) await (i % 2 ? b : a).sync();
  assert.deepEqual((await outboxEntries(db)).map((e) => [e.mutation_id, e.state, e.stuck]),
    [[entry.mutation_id, 'needs_attention', true]]);
  assert.equal(alone(entry.mutation_id), STUCK_AFTER);
});

test('"Kirim lagi" starts the count again: still failing, it is shown stuck again only after as many tries', async () => {
  const { db, page, save, alone } = phone();
  const { entry } = await save('Poison');
  await save('Budi');
  for (let i = 0; i < STUCK_AFTER + 2; i += 1) await page().sync();
  assert.equal((await counts(db)).attention, 1);
  await retryEntry(db, entry.mutation_id); // the server is not fixed yet
  const before = alone(entry.mutation_id);
  let syncs = 0;
  while ((await counts(db)).attention === 0 && syncs < 12) {
    await save(`Anak ${syncs}`); // the server takes others meanwhile: it is this change's trouble
    await page().sync();
    syncs += 1;
  }
  assert.deepEqual((await outboxEntries(db)).map((e) => [e.mutation_id, e.state, e.stuck]),
    [[entry.mutation_id, 'needs_attention', true]], 'the others sent, it is shown again');
  assert.equal(alone(entry.mutation_id) - before, STUCK_AFTER, 'as many tries alone as the first time');
});

test('once the failing change is sent, a later page sends the queue in full batches again', async () => {
  const { db, server, poison, page, save } = phone();
  await save('Poison');
  await save('Budi');
  await page().sync();
  await page().sync();
  await page().sync(); // set aside once: the next page starts with it alone
  assert.equal((await outboxEntries(db)).length, 1);
  poison.clear(); // the server fixed
  assert.equal(await page().sync(), true);
  assert.deepEqual(await outboxEntries(db), []);
  for (let i = 0; i < 10; i += 1) await save(`Anak ${i}`);
  const pushes = server.pushes;
  assert.equal(await page().sync(), true);
  assert.equal(server.pushes - pushes, 1, 'one push for the ten: no search left over in the database');
});
