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
import { counts, outboxEntries, records } from '../../static/pwa/js/outbox.js';
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

/** The PWA's js/ folder as it was at `rev`, imported from a folder of its own. */
async function oldOutbox(rev, into) {
  const dir = join(into, rev);
  execFileSync('sh', ['-c', `git -C '${ROOT}' archive ${rev} static/pwa/js | tar -x -C '${into}' && mv '${into}/static' '${dir}'`]);
  return import(pathToFileURL(join(dir, 'pwa/js/outbox.js')).href);
}

const found = revisions();

test('what every past app version left unsent is kept, readable and sent exactly once by today\'s sync', { skip: !found.length && 'no git history' }, async () => {
  const into = mkdtempSync(join(tmpdir(), 'outbox-'));
  try {
    for (const rev of found) {
      const old = await oldOutbox(rev, into);
      const db = memDb();
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
      const engine = createSync({ db, api, timers: { set: () => 0, clear() {} }, random: () => 0.5 });
      assert.equal(await engine.sync(), true, `${rev}: synced`);

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
    }
  } finally {
    rmSync(into, { recursive: true, force: true });
  }
});
