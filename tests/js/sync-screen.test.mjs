// The sync screen (screens/sync.js) drawn in node: how a refused entry and a conflict's values are
// written, and what "Kirim lagi" and "Buang" say when the phone cannot store them. Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fillable, memDb } from './memdb.mjs';
import { installDom } from './fakedom.mjs';
import { fakeServer } from './fakeserver.mjs';
import { conflictList, outboxEntries, saveChange } from '../../static/pwa/js/outbox.js';
import { createSync } from '../../static/pwa/js/sync.js';

globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
const dom = installDom();
const { h } = await import('../../static/pwa/js/ui.js');
const { forParent, setLang } = await import('../../static/pwa/js/i18n.js');
const { conflict, render } = await import('../../static/pwa/js/screens/sync.js');

const P = '11111111-1111-4111-8111-111111111111';
const timers = { set: () => 0, clear() {} };

/** The screen's context on `db`; `went` and `routed` record where a tap led. */
function context(db) {
  const went = [];
  let routed = 0;
  const ctx = { db, role: 'kader', syncState: {}, schedule: async () => null, go: (hash) => went.push(hash),
    route: () => { routed += 1; }, sync: { refresh: async () => {}, sync: async () => true } };
  return { ctx, went, routed: () => routed };
}

/** A weighing of `fields` for a child the server does not know: refused (child_id), so it needs attention. */
async function refusedWeighing(fields) {
  const db = memDb();
  const engine = createSync({ db, api: fakeServer(), timers, random: () => 0.5 });
  await saveChange(db, { entity: 'measurement', id: crypto.randomUUID(),
    fields: { child_id: crypto.randomUUID(), measured_on: '2025-03-05', position: 'recumbent', oedema: false, ...fields } });
  await engine.sync();
  const [entry] = await outboxEntries(db);
  assert.equal(entry.state, 'needs_attention');
  return { db, entry };
}

const byId = (root, id) => [...root.all()].find((e) => e.attributes.id === id);
const buttons = (root, text) => [...root.all()].filter((e) => e.localName === 'button' && e.textContent === text);

test("a refused weighing of a whole number of kg is named with its decimal ('8,0 kg'), as the rest of the app writes it", async () => {
  setLang('id');
  const whole = await refusedWeighing({ weight_kg: 8, length_height_cm: 70 });
  const screen = await render(context(whole.db).ctx);
  assert.match(byId(screen, 'attention').textContent, /Penimbangan 5 Mar 2025, 8,0 kg /);
  const fine = await refusedWeighing({ weight_kg: 7.25 });
  assert.match(byId(await render(context(fine.db).ctx), 'attention').textContent, /, 7,25 kg /, 'the second decimal kept');
  setLang('en');
  assert.match(byId(await render(context(whole.db).ctx), 'attention').textContent, /Weighing of 5 Mar 2025, 8\.0 kg /);
  setLang('id');
});

test("a refused entry says the server's reason without the field's code name (child_id, recorded_at)", async () => {
  setLang('id');
  const gone = await refusedWeighing({ weight_kg: 8 }); // its child unknown to the server
  const text = byId(await render(context(gone.db).ctx), 'attention').textContent;
  assert.match(text, /anak tidak ditemukan/);
  assert.doesNotMatch(text, /child_id/);
  const clock = await refusedWeighing({ weight_kg: 8, recorded_at: '1980-01-06T08:00:00Z' }); // a phone's clock far off
  const said = byId(await render(context(clock.db).ctx), 'attention').textContent;
  assert.match(said, /periksa jam perangkat/);
  assert.doesNotMatch(said, /recorded_at/);
});

test("a refused entry's reason follows the language she switches to after it came; one kept before in its own words", async () => {
  setLang('id'); // the push asked in Indonesian
  const { db, entry } = await refusedWeighing({ weight_kg: 8 });
  const said = async () => byId(await render(context(db).ctx), 'attention').textContent;
  assert.match(await said(), /anak tidak ditemukan atau di luar wilayah Anda/);
  setLang('en');
  assert.match(await said(), /child not found or outside your area/);
  assert.doesNotMatch(await said(), /anak tidak ditemukan/);
  // refused by an older server (its words in one language only): shown as they came
  await db.tx(['outbox'], 'readwrite', ({ outbox }) => outbox.put({ ...entry, errors_in: undefined }));
  assert.match(await said(), /anak tidak ditemukan atau di luar wilayah Anda/);
  setLang('id');
});

/** Ani's weighing (`fields`; null: Ani herself) synced, then changed on the server (`theirs`) and on the
 * phone (`mine`): the conflict that follows, and a function drawing its screen again. */
async function measurementConflict(fields, theirs, mine, birthDate = '2024-01-10') {
  const db = memDb();
  const server = fakeServer();
  const engine = createSync({ db, api: server, timers, random: () => 0.5 });
  const child = crypto.randomUUID();
  const [entity, id] = fields ? ['measurement', crypto.randomUUID()] : ['child', child];
  await saveChange(db, { entity: 'child', id: child, fields: { posyandu_id: P, name: 'Ani', sex: 'F', birth_date: birthDate } });
  if (fields) await saveChange(db, { entity, id, fields: { child_id: child, measured_on: '2025-03-05', oedema: false, ...fields } });
  await engine.sync();
  server.write(entity, id, { ...server.get(entity, id), ...theirs });
  await saveChange(db, { entity, id, fields: mine });
  await engine.sync();
  const [c] = await conflictList(db);
  return async () => (await conflict(context(db).ctx, c.mutation_id)).textContent;
}

test("the conflict screen writes a whole weight and length with their decimal ('8,0', '65,0')", async () => {
  setLang('id');
  const text = await (await measurementConflict({ weight_kg: 7.5, length_height_cm: 64.5, position: 'recumbent' },
    { weight_kg: 8.5, length_height_cm: 66 }, { weight_kg: 8, length_height_cm: 65 }))();
  assert.match(text, /Nilai saya: 8,0(?!\d)/);
  assert.match(text, /Nilai di server: 8,5(?!\d)/);
  assert.match(text, /Nilai saya: 65,0(?!\d)/);
  assert.match(text, /Nilai di server: 66,0(?!\d)/);
  assert.match(text, /Penimbangan 5 Mar 2025, 8,0 kg: Ani/, 'the weighing named as on the sync screen');
});

test("a conflict about a bidan's N/T judgement names the judgement and its values in the user's words", async () => {
  setLang('id');
  const text = await (await measurementConflict({ weight_kg: 7.5, position: 'recumbent' },
    { trend_override: 'N', trend_override_reason: 'ikut garis' },
    { trend_override: 'T', trend_override_reason: 'kurva mendatar' }))();
  assert.ok(!text.includes('trend_override'), text);
  assert.match(text, /Naik\/Tidak naik.*Nilai saya: T — tidak naik.*Nilai di server: N — naik/);
  assert.match(text, /Alasan penilaian.*Nilai saya: kurva mendatar.*Nilai di server: ikut garis/);
});

test("a conflict about how a child was measured says lying or standing in the user's words, not the stored value", async () => {
  setLang('id');
  // weighed only, then measured on two phones, one lying, the other standing
  const drawn = await measurementConflict({ weight_kg: 10.5 }, { position: 'lying', length_height_cm: 80.2 },
    { position: 'standing', length_height_cm: 79.8 }, '2023-01-10');
  const text = await drawn();
  assert.match(text, /Cara ukur.*Nilai saya: Berdiri \(tinggi\).*Nilai di server: Berbaring \(panjang\)/);
  assert.doesNotMatch(text, /\b(lying|standing)\b/);
  setLang('en');
  try {
    assert.match(await drawn(), /My value: Standing \(height\).*Server value: Lying \(length\)/);
  } finally { setLang('id'); }
});

test("a conflict about a child's exit (two phones told of it) names its fields and reason in the user's words", async () => {
  setLang('id');
  const text = await (await measurementConflict(null, { exit_date: '2025-08-20', exit_reason: 'died' },
    { exit_date: '2025-08-19', exit_reason: 'moved_away' }))();
  assert.doesNotMatch(text, /exit_|moved_away|died/, text);
  assert.match(text, /Nilai saya: 19 Agu 2025.*Nilai di server: 20 Agu 2025/);
  assert.match(text, /Nilai saya: Pindah keluar wilayah.*Nilai di server: Meninggal/);
});

/** `db` whose writes to the outbox fail as on a full disk (the reads go on). */
const fullDisk = (db) => ({ ...db, tx: (names, mode, fn, options) => (mode === 'readwrite'
  ? Promise.reject(new DOMException('The quota has been exceeded.', 'QuotaExceededError')) : db.tx(names, mode, fn, options)) });

/** Tap `text` on the attention list drawn on a full disk (then `yes`, its confirmation, when it asks
 * one): what the cadre is told, and what was left. */
async function tapOnFullDisk(db, text, yes = null) {
  const failed = h('p', { id: 'save-failed', hidden: true });
  dom.page.replaceChildren(failed);
  const { ctx, routed } = context(fullDisk(db));
  const screen = await render(ctx);
  const [button] = buttons(screen, text);
  assert.ok(button, `"${text}" is offered`);
  const unhandled = [];
  const onUnhandled = (error) => unhandled.push(error);
  process.on('unhandledRejection', onUnhandled);
  try {
    await Promise.all(button.listeners.click.map((fn) => fn({ preventDefault() {} })));
    if (yes) await Promise.all(buttons(screen, yes)[0].listeners.click.map((fn) => fn({ preventDefault() {} })));
    await new Promise((resolve) => { setTimeout(resolve, 20); });
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
  assert.deepEqual(unhandled, [], 'the failure is handled, not thrown away');
  return { failed, routed: routed() };
}

test('"Buang" the phone cannot store (storage full) is said, and the entry stays', async () => {
  setLang('id');
  const { db, entry } = await refusedWeighing({ weight_kg: 8 });
  const { failed, routed } = await tapOnFullDisk(db, 'Buang', 'Ya, buang data ini');
  assert.equal(failed.hidden, false, 'the cadre is told');
  assert.equal(routed, 0, 'the screen stays as it is');
  assert.match(failed.textContent, /^Belum tersimpan: HP ini tidak dapat menyimpan data \(QuotaExceededError\)/);
  assert.deepEqual((await outboxEntries(db)).map((e) => e.mutation_id), [entry.mutation_id], 'nothing lost');
  // tapped again once the phone has room: it goes, and the notice with it
  const room = context(db);
  const drawn = await render(room.ctx);
  const [again] = buttons(drawn, 'Buang');
  await Promise.all(again.listeners.click.map((fn) => fn({ preventDefault() {} })));
  await Promise.all(buttons(drawn, 'Ya, buang data ini')[0].listeners.click.map((fn) => fn({ preventDefault() {} })));
  assert.deepEqual(await outboxEntries(db), []);
  assert.equal(failed.hidden, true);
  assert.equal(room.routed(), 1, 'the screen drawn again without it');
});

test('"Buang" asks a second tap before it throws away what never reached the server; "Batal" takes it back', async () => {
  setLang('id');
  const { db, entry } = await refusedWeighing({ weight_kg: 8 });
  const { ctx, routed } = context(db);
  const screen = await render(ctx);
  const tap = (text) => Promise.all(buttons(screen, text)[0].listeners.click.map((fn) => fn({ preventDefault() {} })));
  await tap('Buang');
  assert.deepEqual((await outboxEntries(db)).map((e) => e.mutation_id), [entry.mutation_id], 'one tap throws nothing away');
  assert.equal(dom.focused()?.textContent, 'Ya, buang data ini', 'the question has the focus');
  await tap('Batal');
  assert.equal(buttons(screen, 'Ya, buang data ini').length, 0);
  await tap('Buang');
  await tap('Ya, buang data ini');
  assert.deepEqual(await outboxEntries(db), []);
  assert.equal(routed(), 1);
});

test('"Kirim lagi" the phone cannot store (storage full) is said, and the entry stays as it was', async () => {
  setLang('id');
  const { db, entry } = await refusedWeighing({ weight_kg: 8 });
  // the server failed on it (not a field of it): offered to send again as it is
  await db.tx(['outbox'], 'readwrite', async ({ outbox }) => outbox.put({ ...entry, errors: { _schema: ['Kesalahan server'] } }));
  const { failed, routed } = await tapOnFullDisk(db, 'Kirim lagi');
  assert.equal(failed.hidden, false, 'the cadre is told');
  assert.equal(routed, 0, 'the screen stays as it is');
  assert.match(failed.textContent, /^Belum tersimpan: HP ini tidak dapat menyimpan data \(QuotaExceededError\)/);
  assert.deepEqual((await outboxEntries(db)).map((e) => e.state), ['needs_attention']);
});

/** A child Ani whose address the server and the phone both changed: one conflict open. */
async function childInConflict() {
  const db = memDb();
  const server = fakeServer();
  const engine = createSync({ db, api: server, timers, random: () => 0.5 });
  const child = crypto.randomUUID();
  await saveChange(db, { entity: 'child', id: child, fields: { posyandu_id: P, name: 'Ani', sex: 'F', birth_date: '2024-01-10' } });
  await engine.sync();
  server.write('child', child, { ...server.get('child', child), address: 'Jl. Server' });
  await saveChange(db, { entity: 'child', id: child, fields: { address: 'Jl. HP' } });
  await engine.sync();
  assert.equal((await conflictList(db)).length, 1);
  return { db, child };
}

test('the summary does not say everything was sent while a refused entry or an open conflict is still on the phone', async () => {
  setLang('id');
  const refused = await refusedWeighing({ weight_kg: 8 });
  assert.equal(byId(await render(context(refused.db).ctx), 'sync-summary').textContent, '1 perlu perhatian');

  const { db, child } = await childInConflict();
  assert.equal(byId(await render(context(db).ctx), 'sync-summary').textContent, '1 perlu diselesaikan');
  await saveChange(db, { entity: 'child', id: child, fields: { name: 'Ani Lestari' } });
  assert.equal(byId(await render(context(db).ctx), 'sync-summary').textContent, '1 menunggu sinkron · 1 perlu diselesaikan');
  setLang('en');
  assert.equal(byId(await render(context(db).ctx), 'sync-summary').textContent, '1 waiting to sync · 1 to resolve');
  setLang('id');
});

test('the conflicts to resolve say why they wait and what to do: her changes are not sent until she chooses', async () => {
  // before, a card with the child's name and the field alone: a cadre who did not tap it left her
  // change on the phone for good, the chip saying '1 perlu diselesaikan'
  setLang('id');
  const { db } = await childInConflict();
  const panel = byId(await render(context(db).ctx), 'conflicts');
  assert.equal(panel.find((e) => e.localName === 'p')[0].textContent,
    'Data ini juga diubah orang lain. Perubahan Anda belum terkirim: ketuk untuk memilih nilai yang benar.');
  assert.match(panel.textContent, /Data anak: Ani/);
});

test("a parent's sync screen says when her data was last updated from the server, not that everything was sent", async () => {
  // a parent sends nothing (the sync only pulls her children's records): "Semua data sudah terkirim"
  // and "Sinkron sekarang" told her of a sending that never happens
  const { ctx } = context(memDb());
  ctx.role = 'parent';
  forParent(true); // as app.js does when her session opens
  ctx.syncState = { phase: 'done', last_sync_at: '2026-01-05T03:04:00Z' };
  for (const [lang, said, action] of [['id', /^Data terakhir diperbarui dari server: 5 Jan 2026/, 'Perbarui data'],
    ['en', /^Data last updated from the server: 5 Jan 2026/, 'Update data']]) {
    setLang(lang);
    const screen = await render(ctx);
    assert.match(byId(screen, 'sync-summary').textContent, said);
    assert.doesNotMatch(screen.textContent, /terkirim|been sent|Sinkron sekarang|Sync now/);
    assert.equal(screen.querySelector('h2').textContent, action); // not "Sinkron data"
    assert.equal(byId(screen, 'sync-now').textContent, action);
  }
  ctx.syncState = { phase: 'idle', last_sync_at: null };
  setLang('id');
  assert.equal(byId(await render(ctx), 'sync-summary').textContent, 'Data terakhir diperbarui dari server: belum pernah.');
  forParent(false);
});

test("a parent's failed or expired update is said as an update, never as a kader's sync", async () => {
  // "Sinkron gagal", "Masuk lagi … untuk menyinkronkan data": a kader's words for her sending
  const { ctx } = context(memDb());
  ctx.role = 'parent';
  forParent(true);
  for (const lang of ['id', 'en']) {
    setLang(lang);
    for (const syncState of [{ phase: 'error', error: 'network' }, { phase: 'error', error: 'forbidden' },
      { phase: 'login_required' }, { phase: 'waiting' }]) {
      ctx.syncState = { last_sync_at: null, ...syncState };
      const said = (await render(ctx)).textContent;
      assert.doesNotMatch(said, /sinkron|sync|kirim|mengirim|send/i, `${lang} ${syncState.phase}: ${said}`);
      assert.match(said, /perbarui|update/i);
    }
  }
  setLang('id');
  forParent(false);
  ctx.role = 'kader';
  ctx.syncState = { phase: 'login_required', last_sync_at: null };
  assert.match((await render(ctx)).textContent, /kata sandi diganti admin.*untuk menyinkronkan;/); // hers only
});

test('a refused entry whose child is not on this phone is named by what it is, not by a fragment of its id', async () => {
  const { db, entry } = await refusedWeighing({ weight_kg: 8 }); // its child on neither the phone nor the server
  setLang('id');
  const said = byId(await render(context(db).ctx), 'attention').querySelector('strong').textContent;
  assert.equal(said, 'Penimbangan 5 Mar 2025, 8,0 kg (anak tidak ada di HP ini)');
  assert.ok(!said.includes(entry.id.slice(0, 8)));
  setLang('en');
  assert.equal(byId(await render(context(db).ctx), 'attention').querySelector('strong').textContent,
    'Weighing of 5 Mar 2025, 8.0 kg (child not on this phone)');
  setLang('id');
});

test("a conflict on a weighing of a duplicate merged since is named by the child kept, not as a child not here", async () => {
  setLang('id');
  const db = memDb();
  const server = fakeServer();
  const engine = createSync({ db, api: server, timers, random: () => 0.5 });
  const [kept, dup, id] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  const born = { posyandu_id: P, sex: 'F', birth_date: '2024-01-10' };
  server.write('child', kept, { ...born, name: 'Ani' });
  server.write('child', dup, { ...born, name: 'Ani (dobel)' });
  server.write('measurement', id, { child_id: dup, measured_on: '2025-03-05', weight_kg: 8, oedema: false });
  await engine.sync();
  await saveChange(db, { entity: 'measurement', id, fields: { weight_kg: 8.4 } }); // offline
  // another's correction, then the bidan merges the duplicate: its weighing moves to the child kept
  server.write('measurement', id, { ...server.get('measurement', id), weight_kg: 8.2 });
  server.write('child', dup, { ...server.get('child', dup), deleted_at: '2025-03-06T00:00:00Z', merged_into: kept }, 'delete');
  server.write('measurement', id, { ...server.get('measurement', id), child_id: kept });
  await engine.sync();
  assert.equal((await conflictList(db)).length, 1);
  const text = byId(await render(context(db).ctx), 'conflicts').textContent;
  assert.match(text, /Penimbangan 5 Mar 2025, 8,4 kg: Ani/);
  assert.doesNotMatch(text, /tidak ada di HP ini/);
});

test("a sync the phone could not store says so on the sync screen, not that the server refused", async () => {
  const { db, full } = fillable(memDb());
  const engine = createSync({ db, api: fakeServer(), timers, random: () => 0.5 });
  await saveChange(db, { entity: 'child', id: crypto.randomUUID(), fields: { posyandu_id: P, name: 'Ani', sex: 'F', birth_date: '2024-01-10' } });
  full.on = true; // IndexedDB: QuotaExceededError on the push answer's write
  await engine.sync();
  const { ctx } = context(db);
  ctx.syncState = engine.state;
  for (const [lang, said] of [['id', 'Sinkron gagal (penyimpanan HP penuh atau gagal menyimpan di HP). Data tetap tersimpan di HP ini.'],
    ['en', "Sync failed (the phone's storage is full or could not store the data). The data stays on this phone."]]) {
    setLang(lang);
    const screen = await render(ctx);
    assert.equal(byId(screen, 'sync-error').textContent, said);
    assert.doesNotMatch(screen.textContent, /menolak|refused|quota/i);
    assert.match(byId(screen, 'sync-summary').textContent, /^(1 menunggu|1 waiting)/);
  }
  setLang('id');
});

test('a delete waiting to be sent is named as a record deleted, not as a button ("Hapus Penimbangan …")', async () => {
  const db = memDb();
  const cid = crypto.randomUUID();
  await saveChange(db, { entity: 'child', id: cid, fields: { name: 'Ani', sex: 'F', birth_date: '2024-01-01', posyandu_id: P } });
  const mid = crypto.randomUUID();
  await saveChange(db, { entity: 'measurement', id: mid, fields: { child_id: cid, measured_on: '2025-03-05', weight_kg: 8, oedema: false } });
  await saveChange(db, { entity: 'measurement', id: mid, op: 'delete', reason: 'salah anak' });
  setLang('id');
  const queue = () => render(context(db).ctx).then((s) => [...byId(s, 'queue').all()].filter((e) => e.localName === 'li').map((e) => e.textContent));
  assert.ok((await queue()).some((line) => line.startsWith('Penimbangan 5 Mar 2025, 8,0 kg (dihapus): Ani')), (await queue()).join(' | '));
  setLang('en');
  assert.ok((await queue()).some((line) => line.startsWith('Weighing of 5 Mar 2025, 8.0 kg (deleted): Ani')), (await queue()).join(' | '));
  setLang('id');
});
