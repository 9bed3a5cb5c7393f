// A dose's source and vial on the phone: what an immunisation upsert sends (outbox.payload), and
// the vials remembered for the day (lots.js) that fill in the next child's form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memDb } from './memdb.mjs';
import { fakeServer } from './fakeserver.mjs';
import { getMeta, outboxEntries, payload, saveChange } from '../../static/pwa/js/outbox.js';
import { createSync } from '../../static/pwa/js/sync.js';
import { keptLots, lotsOn, productsOf, rememberLots } from '../../static/pwa/js/lots.js';

const C = '22222222-2222-4222-8222-222222222222';
const dose = { child_id: C, vaccine: 'BCG', dose: 1, given_on: '2025-08-05', place: 'posyandu', recorded_at: '2025-08-05T02:00:00Z' };

test('an immunisation upsert carries its source, batch, expiry and KFA product', () => {
  const given = { ...dose, source: 'given', batch_number: 'BCG-117', expiry_date: '2026-01-31', kfa_code: '93001234', _pending: true };
  assert.deepEqual(payload('immunisation', given), { child_id: C, vaccine: 'BCG', dose: 1, given_on: '2025-08-05',
    source: 'given', batch_number: 'BCG-117', expiry_date: '2026-01-31', kfa_code: '93001234', place: 'posyandu',
    recorded_at: '2025-08-05T02:00:00Z' });
});

test('fields not entered are left out; cleared optional ones are sent as null, like the other optional fields', () => {
  const copied = payload('immunisation', { ...dose, source: 'record' });
  assert.equal(copied.source, 'record');
  assert.ok(!('batch_number' in copied) && !('expiry_date' in copied) && !('kfa_code' in copied));
  const cleared = payload('immunisation', { ...dose, source: null, batch_number: null, expiry_date: null, kfa_code: null, given_by: null });
  assert.deepEqual([cleared.source, cleared.batch_number, cleared.expiry_date, cleared.kfa_code, cleared.given_by], [null, null, null, null, null]);
});

test('a dose restated from given to copied sends the source and the cleared vial as its changes', async () => {
  const db = memDb();
  const server = fakeServer();
  const engine = createSync({ db, api: server, timers: { set: () => 0, clear() {} }, random: () => 0.5 });
  await saveChange(db, { entity: 'child', id: C, fields: { posyandu_id: 'p', name: 'Ani', sex: 'F', birth_date: '2024-01-10' } });
  const id = crypto.randomUUID();
  await saveChange(db, { entity: 'immunisation', id, fields: { ...dose, source: 'given', batch_number: 'BCG-117', expiry_date: '2026-01-31' } });
  await engine.sync();
  assert.deepEqual(['source', 'batch_number', 'expiry_date'].map((f) => server.get('immunisation', id)[f]), ['given', 'BCG-117', '2026-01-31']);
  await saveChange(db, { entity: 'immunisation', id, fields: { source: 'record', batch_number: null, expiry_date: null, kfa_code: null } });
  const [entry] = await outboxEntries(db);
  assert.deepEqual(entry.changed.sort(), ['batch_number', 'expiry_date', 'source']);
  await engine.sync();
  assert.deepEqual(['source', 'batch_number', 'expiry_date'].map((f) => server.get('immunisation', id)[f]), ['record', null, null]);
});

test('the vials entered for a day fill in that day\'s next child, per vaccine; another day starts empty', async () => {
  const db = memDb();
  assert.equal(await keptLots(db), null);
  assert.deepEqual(lotsOn(await keptLots(db), '2025-08-05'), {});
  await rememberLots(db, '2025-08-05', { BCG: { batch_number: 'BCG-117', expiry_date: '2026-01-31' } });
  await rememberLots(db, '2025-08-05', { OPV: { batch_number: 'OPV-9', expiry_date: '2025-12-31', kfa_code: '93005678', source: 'given' } });
  const kept = await keptLots(db);
  assert.deepEqual(lotsOn(kept, '2025-08-05'), {
    BCG: { batch_number: 'BCG-117', expiry_date: '2026-01-31', kfa_code: null },
    OPV: { batch_number: 'OPV-9', expiry_date: '2025-12-31', kfa_code: '93005678' },
  }, 'only the vial\'s fields, both vaccines');
  assert.deepEqual(lotsOn(kept, '2025-08-06'), {});
  await rememberLots(db, '2025-08-05', { BCG: { batch_number: 'BCG-118', expiry_date: '2026-02-28' } });
  assert.equal(lotsOn(await keptLots(db), '2025-08-05').BCG.batch_number, 'BCG-118', 'a new vial replaces the last');
  await rememberLots(db, '2025-09-02', { MR: { batch_number: 'MR-1', expiry_date: '2026-03-31' } });
  assert.deepEqual(Object.keys(lotsOn(await keptLots(db), '2025-09-02')), ['MR'], 'the last posyandu day\'s vials are dropped');
  assert.equal((await getMeta(db, 'dose_lots')).day, '2025-09-02', 'kept in the user\'s database with the other meta rows');
});

test('the products offered for a vaccine are those the schedule lists for it, none by default', () => {
  const schedule = { vaccines: [{ code: 'BCG', name: 'BCG' }, { code: 'MR', name: 'MR', products: [{ kfa_code: '93001234', name: 'Vaksin MR (Bio Farma)' }] }] };
  assert.deepEqual(productsOf(schedule, 'BCG'), []);
  assert.deepEqual(productsOf(schedule, 'MR'), [{ kfa_code: '93001234', name: 'Vaksin MR (Bio Farma)' }]);
  assert.deepEqual(productsOf(schedule, 'JE'), []);
  assert.deepEqual(productsOf(null, 'MR'), []);
});
