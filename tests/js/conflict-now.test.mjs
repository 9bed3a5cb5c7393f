// A conflict shown and resolved on the server's version the phone holds now: a pull after the
// conflict may have brought a newer one (the record changed again on the server), which the
// conflict's stored copy does not know. Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memDb } from './memdb.mjs';
import { installDom } from './fakedom.mjs';
import { fakeServer } from './fakeserver.mjs';
import { conflictFields, conflictList, counts, getRow, outboxEntries, saveChange, view } from '../../static/pwa/js/outbox.js';
import { conflictNow, resolveConflict } from '../../static/pwa/js/conflicts.js';
import { createSync } from '../../static/pwa/js/sync.js';
import { applyPullPage } from '../../static/pwa/js/incoming.js';

const P = '11111111-1111-4111-8111-111111111111';
const timers = { set: () => 0, clear() {} };

/** A child synced; kader B renames her 'Ani Server' while this phone renames her 'Ani Kader' (and
 * `alsoMine`): a conflict about the name, at version 2. */
async function nameConflict(alsoMine = {}) {
  const db = memDb();
  const server = fakeServer();
  const engine = createSync({ db, api: server, timers, random: () => 0.5 });
  const id = crypto.randomUUID();
  await saveChange(db, { entity: 'child', id, fields: { posyandu_id: P, name: 'Ani', sex: 'F', birth_date: '2024-01-10' } });
  await engine.sync();
  server.write('child', id, { ...server.get('child', id), name: 'Ani Server' });
  await saveChange(db, { entity: 'child', id, fields: { name: 'Ani Kader', ...alsoMine } });
  await engine.sync();
  const [c] = await conflictList(db);
  assert.deepEqual([c.fields, c.server_version], [['name'], 2]);
  /** The conflict as the screen shows it now (screens/sync.js conflict). */
  const shown = async () => conflictNow((await conflictList(db))[0], await getRow(db, 'child', id));
  /** The server changes the record again (kader B, the bidan), and the phone pulls it. */
  const changedAgain = async (fields) => {
    server.write('child', id, { ...server.get('child', id), ...fields });
    await engine.sync();
  };
  return { db, server, engine, id, c, shown, changedAgain };
}

test('the conflict shows the server\'s version a later pull brought, not the copy it was answered with', async () => {
  const { c, shown, changedAgain } = await nameConflict();
  assert.equal((await shown()).server_record.name, 'Ani Server', 'nothing newer: the conflict\'s own copy');
  await changedAgain({ name: 'Ani Puskesmas' });
  const now = await shown();
  assert.deepEqual([now.server_record.name, now.server_version, conflictFields(now)], ['Ani Puskesmas', 3, ['name']]);
  assert.equal(c.server_record.name, 'Ani Server', 'the stored conflict itself is unchanged');
});

test('resolved on the version shown: her side applies, no new conflict about what she has seen', async () => {
  const { db, server, engine, id, shown, changedAgain } = await nameConflict();
  await changedAgain({ name: 'Ani Puskesmas', address: 'RT 7' });
  const now = await shown();
  await resolveConflict(db, now.mutation_id, { name: 'Ani Kader' }, { version: now.server_version, fields: conflictFields(now) });
  const [entry] = await outboxEntries(db);
  assert.deepEqual([entry.base_version, entry.data], [3, { name: 'Ani Kader' }]);
  assert.equal(await engine.sync(), true);
  assert.deepEqual([server.get('child', id).name, server.get('child', id).address], ['Ani Kader', 'RT 7']);
  assert.deepEqual(await counts(db), { waiting: 0, attention: 0, conflicts: 0 });
});

test('choosing the other side as shown takes the newest value, and sends nothing', async () => {
  const { db, id, shown, changedAgain } = await nameConflict();
  await changedAgain({ name: 'Ani Puskesmas' });
  const now = await shown();
  await resolveConflict(db, now.mutation_id, { name: now.server_record.name }, { version: now.server_version, fields: conflictFields(now) });
  assert.deepEqual(await outboxEntries(db), []);
  assert.equal(view(await getRow(db, 'child', id)).name, 'Ani Puskesmas');
});

test('a field of hers changed again on the server since the conflict is asked about too', async () => {
  // her father's name went through (no one else had changed it); the bidan changes it afterwards:
  // sending hers again on the newer version would overwrite the bidan's unseen
  const { shown, changedAgain } = await nameConflict({ father_name: 'Budi' });
  assert.deepEqual(conflictFields(await shown()), ['name']);
  await changedAgain({ father_name: 'Bambang' });
  assert.deepEqual(conflictFields(await shown()).sort(), ['father_name', 'name']);
});

test('a version newer than the one shown (pulled while she chose) is not overwritten: asked about anew', async () => {
  const { db, server, engine, id, shown, changedAgain } = await nameConflict();
  await changedAgain({ name: 'Ani Puskesmas' });
  const now = await shown(); // on the screen: version 3
  await changedAgain({ name: 'Ani Dinkes' }); // version 4 pulled before she taps
  await resolveConflict(db, now.mutation_id, { name: 'Ani Kader' }, { version: now.server_version, fields: conflictFields(now) });
  assert.equal((await outboxEntries(db))[0].base_version, 3, 'based on what she saw');
  await engine.sync();
  assert.equal(server.get('child', id).name, 'Ani Dinkes');
  const [again] = await conflictList(db);
  assert.deepEqual([again.fields, again.server_record.name, again.mine.name], [['name'], 'Ani Dinkes', 'Ani Kader']);
});

test('deleted on the server after the conflict: shown as deleted, and "restore" is based on the tombstone', async () => {
  const { db, server, engine, id, shown } = await nameConflict();
  server.write('child', id, { ...server.get('child', id), deleted_at: '2025-02-01T00:00:00Z' }, 'delete');
  await engine.sync();
  const now = await shown();
  assert.ok(now.server_record.deleted_at);
  await resolveConflict(db, now.mutation_id, now.mine, { version: now.server_version, fields: conflictFields(now) });
  const [entry] = await outboxEntries(db);
  assert.equal(entry.base_version, server.get('child', id).version, 'the version she saw deleted');
});

test('moved out of her area after the conflict (the child went to another posyandu): said so, nothing to restore', async () => {
  const { db, id, c } = await nameConflict();
  assert.equal(conflictNow(c, await getRow(db, 'child', id)).gone ?? null, null);
  await applyPullPage(db, { cursor: 'moved', has_more: false, reset: false,
    changes: [{ entity: 'child', op: 'delete', id, version: 3, record: null, reason: 'out_of_scope' }] });
  const now = conflictNow((await conflictList(db))[0], await getRow(db, 'child', id));
  assert.equal(now.gone, 'out_of_scope');
  assert.equal(now.server_version, 3);
  // dropping her change sends nothing and leaves nothing behind
  await resolveConflict(db, c.mutation_id, null, { version: now.server_version, fields: now.fields });
  assert.deepEqual(await outboxEntries(db), []);
  assert.deepEqual(await counts(db), { waiting: 0, attention: 0, conflicts: 0 });
});

test('the conflict screen writes the two values of a number the Indonesian way (2,75 and 3,25, not 2.75 and 3.25)', async () => {
  installDom();
  const { conflict } = await import('../../static/pwa/js/screens/sync.js');
  const db = memDb();
  const server = fakeServer();
  const engine = createSync({ db, api: server, timers, random: () => 0.5 });
  const id = crypto.randomUUID();
  await saveChange(db, { entity: 'child', id, fields: { posyandu_id: P, name: 'Ani', sex: 'F', birth_date: '2024-01-10', birth_weight_kg: 3 } });
  await engine.sync();
  server.write('child', id, { ...server.get('child', id), birth_weight_kg: 3.25 });
  await saveChange(db, { entity: 'child', id, fields: { birth_weight_kg: 2.75 } });
  await engine.sync();
  const [c] = await conflictList(db);
  const screen = await conflict({ db, schedule: async () => null }, c.mutation_id);
  assert.match(screen.textContent, /Nilai saya: 2,75/);
  assert.match(screen.textContent, /Nilai di server: 3,25/);
});

test('a conflict\'s choice the phone cannot store (storage full) is said, and the screen stays with her choice', async () => {
  const dom = installDom();
  const { conflict } = await import('../../static/pwa/js/screens/sync.js');
  const { h } = await import('../../static/pwa/js/ui.js');
  const { db, c } = await nameConflict();
  const failed = h('p', { id: 'save-failed', hidden: true });
  dom.page.append(failed);
  // what the user decides is written strict (USER_ACTION): on a full disk that transaction aborts
  const full = { ...db, tx: (names, mode, fn, options) => (options?.durability === 'strict'
    ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) : db.tx(names, mode, fn, options)) };
  const went = [];
  const ctx = { db: full, schedule: async () => null, go: (hash) => went.push(hash),
    sync: { refresh: async () => {}, sync: () => {} } };
  const form = await conflict(ctx, c.mutation_id);
  dom.page.append(form);
  const unhandled = [];
  const onUnhandled = (error) => unhandled.push(error);
  process.on('unhandledRejection', onUnhandled);
  try {
    form.listeners.submit[0]({ preventDefault() {} });
    await new Promise((resolve) => { setTimeout(resolve, 20); });
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, [], 'the failure is handled, not thrown away');
  assert.equal(failed.hidden, false, 'the cadre is told');
  assert.match(failed.textContent, /^Belum tersimpan: HP ini tidak dapat menyimpan data \(QuotaExceededError\)/);
  assert.deepEqual(went, [], 'still on the conflict, her choice on screen');
  assert.equal((await conflictList(db)).length, 1, 'the conflict is kept');
});
