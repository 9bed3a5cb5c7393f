// A record with unsent changes whose server copy moved on meanwhile (a pull, or the answer to an
// earlier change of it): a later save is based on the version her changes descend from, so a
// value someone else changed since is neither sent back stale nor overwritten unseen.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memDb } from './memdb.mjs';
import { fakeServer } from './fakeserver.mjs';
import { conflictList, getMeta, saveChange } from '../../static/pwa/js/outbox.js';
import { applyPullPage } from '../../static/pwa/js/incoming.js';
import { createSync } from '../../static/pwa/js/sync.js';

const P = '11111111-1111-4111-8111-111111111111';

async function setup() {
  const db = memDb();
  const server = fakeServer();
  const timers = { set: () => 0, clear() {} };
  const engine = createSync({ db, api: server, timers, random: () => 0.5 });
  const id = crypto.randomUUID();
  server.write('child', id, { posyandu_id: P, name: 'Ani', sex: 'F', birth_date: '2024-01-10', mother_name: 'Siti',
    address: 'Jl. Mawar 1' });
  await engine.sync();
  return { db, server, engine, id };
}

/** The midwife changes the child on the server; the phone pulls it while the cadre's edit still waits
 * (saved after the sync's push, before its pull). */
async function changedElsewhere({ db, server, id }, fields) {
  server.write('child', id, { ...server.get('child', id), ...fields });
  await applyPullPage(db, await server.pull((await getMeta(db, 'sync')).cursor, 500));
}

test('a save after a pull brought another\'s change does not send back the value her overlay still held', async () => {
  const s = await setup();
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { name: 'Ana' } });
  await changedElsewhere(s, { address: 'Jl. Melati 2' });
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { guardian_phone: '0812' } });
  await s.engine.sync();
  const rec = s.server.get('child', s.id);
  assert.equal(rec.address, 'Jl. Melati 2', "the midwife's address is not overwritten with the old one");
  assert.equal(rec.name, 'Ana');
  assert.equal(rec.guardian_phone, '0812');
  assert.deepEqual(await conflictList(s.db), []);
});

test('a save after a pull brought a change of a field her unsent edit changed too is a conflict, not an overwrite', async () => {
  const s = await setup();
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { name: 'Ana' } });
  await changedElsewhere(s, { name: 'Anisa' });
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { guardian_phone: '0812' } });
  await s.engine.sync();
  assert.equal(s.server.get('child', s.id).name, 'Anisa', 'her name never replaces the midwife\'s unasked');
  const open = await conflictList(s.db);
  assert.ok(open.length >= 1 && open.every((c) => c.fields.includes('name')));
});

test('a save after an earlier change of the record was answered (merged with another\'s) sends no stale value', async () => {
  const s = await setup();
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { name: 'Ana' } });
  // the midwife's address reaches the server first; the cadre's name is merged over it (v3)
  s.server.write('child', s.id, { ...s.server.get('child', s.id), address: 'Jl. Melati 2' });
  // a second edit saved while the first one is on its way (same base as the first: nothing learnt yet)
  const push = s.server.push;
  s.server.push = async (body) => {
    s.server.push = push;
    await saveChange(s.db, { entity: 'child', id: s.id, fields: { rt: '03' } });
    return push(body);
  };
  s.server.faults.push(null, 'network'); // the push answered; the pull fails: the second edit waits
  await s.engine.sync();
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { guardian_phone: '0812' } });
  await s.engine.sync();
  const rec = s.server.get('child', s.id);
  assert.deepEqual([rec.name, rec.address, rec.rt, rec.guardian_phone], ['Ana', 'Jl. Melati 2', '03', '0812']);
});

test('a form drawn before a pull sends only what she changed in it, not the values it was drawn with', async () => {
  const s = await setup();
  const drawn = { ...s.server.get('child', s.id) };   // the edit form opens
  await changedElsewhere(s, { address: 'Jl. Melati 2' }); // a pull brings the midwife's new address meanwhile
  const { version, ...asShown } = drawn;
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { ...asShown, guardian_phone: '0812' }, drawn });
  await s.engine.sync();
  const rec = s.server.get('child', s.id);
  assert.deepEqual([rec.address, rec.guardian_phone], ['Jl. Melati 2', '0812']);
  assert.deepEqual(await conflictList(s.db), []);
});

test('a field she changed in a form drawn before a pull brought another\'s change of it is a conflict, not an overwrite', async () => {
  const s = await setup();
  const drawn = { ...s.server.get('child', s.id) };   // the edit form opens at the version the phone holds
  await changedElsewhere(s, { mother_name: 'Siti Aminah' }); // the midwife's correction is pulled meanwhile
  const { version, ...asShown } = drawn;
  // she typed in "Nama ibu" (the form kept her field, not redrawn): based on the version she saw
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { ...asShown, mother_name: 'Sitti' }, drawn });
  await s.engine.sync();
  assert.equal(s.server.get('child', s.id).mother_name, 'Siti Aminah', 'the midwife\'s correction is not overwritten unasked');
  const open = await conflictList(s.db);
  assert.equal(open.length, 1);
  assert.deepEqual(open[0].fields, ['mother_name']);
});

/** Her correction of the record refused by the server (waiting for "Perbaiki"): its overlay stays shown. */
async function refusedCorrection(s, fields) {
  const push = s.server.push;
  s.server.push = async (body) => {
    s.server.push = push;
    return { results: body.mutations.map((m) => ({ mutation_id: m.mutation_id, status: 'rejected',
      errors: Object.fromEntries(Object.keys(fields).map((f) => [f, ['di luar batas']])) })) };
  };
  await saveChange(s.db, { entity: 'child', id: s.id, fields });
  await s.engine.sync();
}

test('a delete beside her refused correction is based on the version she was shown: another\'s change since is a conflict, not deleted unseen', async () => {
  const s = await setup();
  await refusedCorrection(s, { rt: '999' });
  await changedElsewhere(s, { address: 'Jl. Melati 2' }); // the midwife's correction: pulled, not shown under her overlay
  const { entry } = await saveChange(s.db, { entity: 'child', id: s.id, op: 'delete', reason: 'salah input' });
  assert.equal(entry.base_version, 1, 'the version her overlay shows, not the one pulled since');
  await s.engine.sync();
  assert.equal(s.server.get('child', s.id).deleted_at ?? null, null, 'the midwife\'s corrected record is not deleted unasked');
  assert.deepEqual((await conflictList(s.db)).map((c) => c.op), ['delete']);
});

test('an edit saved beside an open conflict is based on the version she was shown: another\'s change of the field she edits is a conflict', async () => {
  const s = await setup();
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { mother_name: 'Siti A' } });
  s.server.write('child', s.id, { ...s.server.get('child', s.id), mother_name: 'Siti B', address: 'Jl. Melati 2' });
  await s.engine.sync(); // her name: a conflict; the other's address pulled, her overlay still shows the old one
  assert.deepEqual((await conflictList(s.db)).map((c) => c.fields), [['mother_name']]);
  await saveChange(s.db, { entity: 'child', id: s.id, fields: { address: 'Jl. Mawar 1 RT 3' } });
  await s.engine.sync();
  assert.equal(s.server.get('child', s.id).address, 'Jl. Melati 2', 'the other\'s address is not overwritten unseen');
  assert.ok((await conflictList(s.db)).some((c) => c.fields.includes('address')));
});
