// A phone updated after months on an old app version: what every past outbox.js (each revision in
// git) saved and left unsent, in its own record and entry shapes, is kept, readable and sent exactly
// once by today's sync. The IndexedDB schema (db.js SCHEMA) has been version 1 with the same stores
// and indexes since the first release, so only the rows' shapes differ (no `changed` before
// cb3fe61, no errors_in, strikes or _judged_in before later ones). That the server still applies the
// first app's mutations: tests/ops/test_migration_every_revision.py.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { memDb } from './memdb.mjs';
import { fakeServer } from './fakeserver.mjs';
import { conflictList, counts, outboxEntries, records, saveChange } from '../../static/pwa/js/outbox.js';
import { resolveConflict } from '../../static/pwa/js/conflicts.js';
import { createSync } from '../../static/pwa/js/sync.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const git = (...args) => execFileSync('git', ['-C', ROOT, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
const P = '11111111-1111-4111-8111-111111111111';

/** Every revision of outbox.js, oldest first (none in a copy without history). */
function revisions() {
  try {
    return git('log', '--reverse', '--format=%h', '--', 'static/pwa/js/outbox.js').split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

/** The PWA's js/ folder as it was at `rev`, imported from a folder of its own: its outbox.js, with
 * applyPushResults (in incoming.js from aa429d9 on). */
async function oldOutbox(rev, into) {
  const dir = join(into, rev);
  execFileSync('sh', ['-c', `git -C '${ROOT}' archive ${rev} static/pwa/js | tar -x -C '${into}' && mv '${into}/static' '${dir}'`]);
  const outbox = await import(pathToFileURL(join(dir, 'pwa/js/outbox.js')).href);
  return { ...outbox, applyPushResults: outbox.applyPushResults
    ?? (await import(pathToFileURL(join(dir, 'pwa/js/incoming.js')).href)).applyPushResults };
}

const sync = (db, server) => createSync({ db, api: server, timers: { set: () => 0, clear() {} }, random: () => 0.5 }).sync();

const found = revisions();

/** A test of fn(rev, old outbox, its empty database) run for every past revision (skipped without history). */
const everyPastVersion = (name, fn) => test(name, { skip: !found.length && 'no git history' }, async () => {
  const into = mkdtempSync(join(tmpdir(), 'outbox-'));
  try {
    for (const rev of found) await fn(rev, await oldOutbox(rev, into), memDb());
  } finally {
    rmSync(into, { recursive: true, force: true });
  }
});

everyPastVersion('what every past app version left unsent is kept, readable and sent exactly once by today\'s sync', async (rev, old, db) => {
  const child = crypto.randomUUID();
  const ids = { child, measurement: crypto.randomUUID(), immunisation: crypto.randomUUID(), supplement: crypto.randomUUID() };
  await old.saveChange(db, { entity: 'child', id: child, fields: { posyandu_id: P, name: 'Ani Lama', sex: 'F',
    birth_date: '2025-01-10', birth_weight_kg: 3.1, has_kms: true } });
  await old.saveChange(db, { entity: 'measurement', id: ids.measurement, fields: { child_id: child,
    measured_on: '2025-11-03', weight_kg: 8.2, length_height_cm: 71.5, position: 'lying', oedema: false,
    recorded_at: '2025-11-03T02:00:00.000Z' } });
  await old.saveChange(db, { entity: 'immunisation', id: ids.immunisation, fields: { child_id: child, vaccine: 'MR',
    dose: 1, given_on: '2025-11-03', place: 'posyandu', recorded_at: '2025-11-03T02:00:00.000Z' } });
  await old.saveChange(db, { entity: 'supplement', id: ids.supplement, fields: { child_id: child,
    kind: 'vitamin_a_blue', given_on: '2025-08-05', place: 'posyandu', recorded_at: '2025-08-05T02:00:00.000Z' } });
  // the old app's sync had taken the first two when the phone died (in flight, no answer)
  await old.takeBatch(db, 2);

  const server = fakeServer();
  const sent = [];
  const api = { ...server, push: (body) => { sent.push(...body.mutations); return server.push(body); } };
  assert.equal(await sync(db, api), true, `${rev}: synced`);

  assert.deepEqual(sent.map((m) => m.entity), ['child', 'measurement', 'immunisation', 'supplement'], rev);
  for (const m of sent) {
    assert.deepEqual(Object.keys(m).sort(), ['base_version', 'data', 'entity', 'id', 'mutation_id', 'op'], rev);
    assert.equal(m.id, ids[m.entity], rev);
    assert.equal(server.get(m.entity, m.id).version, 1, `${rev}: ${m.entity} applied once`);
  }
  assert.equal(new Set(sent.map((m) => m.mutation_id)).size, 4, `${rev}: each sent once`);
  assert.deepEqual(await outboxEntries(db), [], rev);
  assert.deepEqual(await counts(db), { waiting: 0, attention: 0, conflicts: 0 }, rev);
  const [kept] = await records(db, 'child');
  assert.equal(kept.name, 'Ani Lama', rev);
  assert.equal((await records(db, 'measurement'))[0].weight_kg, 8.2, rev);
  assert.equal((await records(db, 'immunisation'))[0].vaccine, 'MR', rev);
  assert.equal((await records(db, 'supplement'))[0].kind, 'vitamin_a_blue', rev);
});

everyPastVersion('a conflict and a refused weighing that a past app version kept are shown, resolved and corrected by today\'s app, and sent', async (rev, old, db) => {
  const server = fakeServer();
  const id = crypto.randomUUID();
  const registered = { posyandu_id: P, name: 'Cici', sex: 'F', birth_date: '2025-01-10', mother_name: 'Sri' };
  const answer = async (status, extra) => {
    const batch = await old.takeBatch(db, 10);
    await old.applyPushResults(db, batch, batch.map((e) => ({ mutation_id: e.mutation_id, status, ...extra })));
  };
  // registered and sent by the old app; a bidan renamed her on the server since (version 2)
  await old.saveChange(db, { entity: 'child', id, fields: registered });
  await answer('applied', { version: 1, record: server.write('child', id, registered) });
  const renamed = server.write('child', id, { ...registered, name: 'Cici Bidan' });
  // the kader's rename answered as a conflict; a weighing refused on its field
  await old.saveChange(db, { entity: 'child', id, fields: { ...registered, name: 'Cici Kader' } });
  await answer('conflict', { version: 2, record: renamed, errors: { name: ['changed on the server'] } });
  const mid = crypto.randomUUID();
  await old.saveChange(db, { entity: 'measurement', id: mid, fields: { child_id: id, measured_on: '2025-11-03',
    weight_kg: 80, oedema: false } });
  await answer('rejected', { errors: { weight_kg: ['must be between 0.5 and 70'] } });

  assert.deepEqual(await counts(db), { waiting: 0, attention: 1, conflicts: 1 }, rev);
  const [c] = await conflictList(db);
  assert.equal(c.server_record.name, 'Cici Bidan', rev);
  assert.equal(c.mine.name, 'Cici Kader', rev);
  await resolveConflict(db, c.mutation_id, { name: 'Cici Kader' });
  await saveChange(db, { entity: 'measurement', id: mid, fields: { child_id: id, measured_on: '2025-11-03',
    weight_kg: 8.0, oedema: false } });
  assert.equal(await sync(db, server), true, `${rev}: synced`);
  assert.equal(server.get('child', id).name, 'Cici Kader', rev);
  assert.equal(server.get('measurement', mid).weight_kg, 8.0, rev);
  assert.equal(server.get('measurement', mid).version, 1, `${rev}: the weighing sent once`);
  assert.deepEqual(await counts(db), { waiting: 0, attention: 0, conflicts: 0 }, rev);
  assert.equal((await records(db, 'child'))[0].name, 'Cici Kader', rev);
});
