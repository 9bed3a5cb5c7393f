// What the note under a saved weighing says follows that save's own outbox entries (outbox.js
// sendingOf), not the whole outbox: an older change the server refused, or one still unsent, does
// not keep a save the server took at "sedang dikirim". Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memDb } from './memdb.mjs';
import { fakeServer } from './fakeserver.mjs';
import { conflictList, counts, outboxEntries, saveChange, saveChanges, sendingOf, unsentWords } from '../../static/pwa/js/outbox.js';
import { createSync } from '../../static/pwa/js/sync.js';
import { texts } from '../../static/pwa/js/i18n.js';

const P = '11111111-1111-4111-8111-111111111111';
const timers = { set: () => 0, clear() {} };
const BAD_CLOCK = '1990-01-01T00:00:00Z'; // the server refuses it (validators.device_clock)

async function phone() {
  const db = memDb();
  const server = fakeServer();
  const engine = createSync({ db, api: server, timers, random: () => 0.5 });
  const childId = crypto.randomUUID();
  await saveChange(db, { entity: 'child', id: childId, fields: { posyandu_id: P, name: 'Ani', sex: 'F', birth_date: '2024-01-10' } });
  await engine.sync();
  /** Weigh `child`: [the weighing's id, its entries' mutation ids]. */
  const weigh = async (fields = {}, child = childId) => {
    const id = crypto.randomUUID();
    const outs = await saveChanges(db, [{ entity: 'measurement', id, fields: { child_id: child, measured_on: '2025-01-10',
      weight_kg: 8.1, recorded_at: new Date().toISOString(), ...fields } }]);
    return [id, outs.map((o) => o.entry?.mutation_id)];
  };
  const fate = async ([id, ids]) => sendingOf('measurement', id, ids, await outboxEntries(db), await conflictList(db));
  return { db, server, engine, childId, weigh, fate };
}

test('a save the server took reads as sent though an older change still needs attention', async () => {
  const { db, engine, weigh, fate } = await phone();
  const old = await weigh({ recorded_at: BAD_CLOCK });
  await engine.sync();
  assert.equal(await fate(old), 'attention');
  const mine = await weigh({ weight_kg: 8.4 });
  assert.equal(await fate(mine), 'waiting');
  await engine.sync();
  assert.equal((await counts(db)).attention, 1); // the whole outbox is not empty…
  assert.equal(await fate(mine), 'sent'); // …yet this save was taken
});

test('a save still unsent after a failed sync is waiting, and sent once the sync works again', async () => {
  const { server, engine, weigh, fate } = await phone();
  const mine = await weigh();
  server.faults.push('network');
  assert.equal(await engine.sync(), false);
  assert.equal(engine.state.phase, 'error');
  assert.equal(await fate(mine), 'waiting');
  await engine.sync();
  assert.equal(await fate(mine), 'sent');
});

test('a save unsent after the login expired says it goes once she logs in again, not "being sent"', async () => {
  const { server, engine, weigh, fate } = await phone();
  const mine = await weigh();
  assert.equal(unsentWords(true, engine.state.phase), 'saved_sending');
  server.faults.push('auth'); // 401, the refresh refused: the app asks for the password
  assert.equal(await engine.sync(), false);
  assert.equal(engine.state.phase, 'login_required');
  assert.equal(await fate(mine), 'waiting');
  assert.equal(unsentWords(true, engine.state.phase), 'saved_login');
  assert.equal(unsentWords(false, engine.state.phase), 'saved_offline');
  server.faults.push('server');
  await engine.sync();
  assert.equal(unsentWords(true, engine.state.phase), 'saved_later');
  await engine.sync();
  assert.equal(await fate(mine), 'sent');
});

test('a weighing held back behind its child\'s refused registration needs attention', async () => {
  const { db, engine, weigh, fate } = await phone();
  const child = crypto.randomUUID();
  await saveChange(db, { entity: 'child', id: child, fields: { posyandu_id: P, name: 'Budi', sex: 'M', birth_date: '2024-02-01' } });
  const entries = await outboxEntries(db);
  // the fake server refuses a child whose recorded_at is out of range: set it on the entry's body
  await db.tx(['outbox'], 'readwrite', async ({ outbox }) => {
    const e = entries.find((x) => x.id === child);
    await outbox.put({ ...e, data: { ...e.data, recorded_at: BAD_CLOCK } });
  });
  await engine.sync(); // the registration refused: her weighing saved after it waits for it (sync.js heldBack)
  const mine = await weigh({}, child);
  await engine.sync();
  assert.equal((await outboxEntries(db)).find((e) => e.mutation_id === mine[1][0]).state, 'pending');
  assert.equal(await fate(mine), 'attention');
});

test('a save that conflicts on the server reads as a conflict', async () => {
  const { db, server, engine, weigh, fate } = await phone();
  const [id] = await weigh();
  await engine.sync();
  server.write('measurement', id, { ...server.get('measurement', id), weight_kg: 9.9 }); // another phone's correction
  const outs = await saveChanges(db, [{ entity: 'measurement', id, fields: { weight_kg: 8.6 } }]);
  const mine = [id, outs.map((o) => o.entry?.mutation_id)];
  await engine.sync();
  assert.equal((await conflictList(db)).length, 1);
  assert.equal(await fate(mine), 'conflict');
});

test('sendingOf alone: entries and conflicts of other records do not count', () => {
  const e = (mutation_id, id, state, data = {}) => ({ mutation_id, id, entity: 'measurement', state, base_version: null, data });
  const others = [e('m1', 'x', 'needs_attention'), e('m2', 'y', 'pending')];
  const open = [{ mutation_id: 'm9', entity: 'measurement', id: 'z' }];
  assert.equal(sendingOf('measurement', 'a', ['m3'], others, open), 'sent');
  assert.equal(sendingOf('measurement', 'a', ['m3'], [...others, e('m3', 'a', 'inflight')], open), 'waiting');
  assert.equal(sendingOf('measurement', 'a', ['m3'], [...others, e('m3', 'a', 'needs_attention')], open), 'attention');
  assert.equal(sendingOf('measurement', 'z', ['m3'], others, open), 'conflict'); // the record's open question
  // a conflict filed on the child a merged-away duplicate's change landed on: found by its mutation id
  assert.equal(sendingOf('measurement', 'a', ['m9'], others, open), 'conflict');
  assert.equal(sendingOf('measurement', 'a', [undefined], others, open), 'sent'); // nothing queued (a delete never sent)
});

test('every sync state has a save\'s words and a deletion\'s, in both languages', () => {
  const states = [[false, 'done'], [true, 'done'], [true, 'pushing'], [true, 'error', 'network'], [true, 'error', 'server'],
    [true, 'error', 'forbidden'], [true, 'error', 'client'], [true, 'login_required', 'auth'], [true, 'password_change', 'password_change']];
  const said = states.map(([online, phase, error]) => unsentWords(online, phase, error));
  assert.deepEqual(said, ['saved_offline', 'saved_sending', 'saved_sending', 'saved_later', 'saved_later', 'saved_stopped',
    'saved_stopped', 'saved_login', 'saved_password']);
  for (const key of said) {
    for (const k of [key, key.replace('saved', 'deleted')]) {
      const [id, en] = texts(k);
      assert.ok(id !== k && en !== k && id !== en, k);
    }
  }
  // refused whole: she is told to open the sync screen or ask, not to wait for a connection she has
  assert.match(texts('saved_stopped')[0], /menolak.*Sinkron data.*bidan atau admin/);
  assert.match(texts('deleted_password')[0], /^Data dihapus di HP; .*mengganti kata sandi/);
});
