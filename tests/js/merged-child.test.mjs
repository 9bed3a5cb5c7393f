// A newborn registered on two cadres' phones, merged by the bidan: the phone of the cadre whose record
// was merged away drops it at its next sync. She may be on its screen then (the post-sync redraw), or
// open it again from her browser history: the screen says it was merged and leads to the child kept,
// where her weighings and changes now are. Before, it said only 'Anak ini tidak ada di HP ini:
// dipindah, digabung atau dihapus?', as for a child she never had.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './fakedom.mjs';
import { memDb } from './memdb.mjs';
import { fakeServer } from './fakeserver.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const { createSync } = await import('../../static/pwa/js/sync.js');
const { keptFor } = await import('../../static/pwa/js/incoming.js');
const { saveChange } = await import('../../static/pwa/js/outbox.js');
const { render } = await import('../../static/pwa/js/screens/child.js');
const { setLang } = await import('../../static/pwa/js/i18n.js');

const P = '11111111-1111-4111-8111-111111111111';
const baby = (name) => ({ posyandu_id: P, name, sex: 'M', birth_date: '2024-01-10', mother_name: 'Lestari' });

function phone() {
  const db = memDb();
  const server = fakeServer();
  const timers = { set: () => 0, clear() {} };
  return { db, server, engine: createSync({ db, api: server, canPush: true, timers, random: () => 0.5, onState: () => {} }) };
}

/** The bidan merges `from` into `into` (registry.merge_children): a tombstone naming the child kept. */
const merge = (server, from, into) => server.write('child', from,
  { ...server.get('child', from), deleted_at: '2024-01-20T00:00:00Z', merged_into: into }, 'delete');

test('after a merge is pulled, the phone knows which child it holds a merged-away duplicate became', async () => {
  const { db, server, engine } = phone();
  const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
  server.write('child', a, baby('Bayi Ny. Lestari'));
  server.write('child', b, baby('Bayi Ny. Lestari'));
  server.write('child', c, baby('Bayi Lestari'));
  await engine.sync();
  assert.equal(await keptFor(db, b), null, 'not merged: nothing');
  await saveChange(db, { entity: 'child', id: b, fields: { address: 'Dusun Krajan' } }); // hers, unsent
  merge(server, b, a);
  assert.equal(await engine.sync(), true);
  const kept = await keptFor(db, b);
  assert.deepEqual([kept.id, kept.name, kept.address], [a, 'Bayi Ny. Lestari', 'Dusun Krajan']);
  // merged again later (the kept one into a third): followed to the child that stands
  merge(server, a, c);
  assert.equal(await engine.sync(), true);
  assert.equal((await keptFor(db, b)).id, c);
  assert.equal((await keptFor(db, a)).id, c);
});

test("a merged-away child's screen says it was merged and links to the child kept", async () => {
  setLang('id');
  const kept = { id: 'k1', name: 'Bayi Ny. Lestari' };
  const ctx = { bundle: async () => ({ child: null, kept, measurements: [], immunisations: [], supplements: [] }),
    tables: async () => ({}), kbm: async () => undefined, schedule: async () => null, children: async () => [],
    role: 'kader', day: { date: '2024-01-20' } };
  const screen = await render(ctx, 'gone');
  assert.equal(screen.textContent,
    'Anak ini terdaftar dua kali; datanya (juga perubahan Anda) sudah digabung ke Bayi Ny. Lestari.');
  assert.equal(screen.find((e) => e.localName === 'a')[0].attributes.href, '#/child/k1');
  // a child not merged: as before
  const gone = await render({ ...ctx, bundle: async () => ({ child: null, kept: null, measurements: [] }) }, 'gone');
  assert.match(gone.textContent, /^Anak ini tidak ada di HP ini/);
});

test("a merged-away child's forms (weighing, doses, Buku KIA, a dose, the child's data) say it was merged and link to the child kept", async () => {
  // the cadre on the weighing form of the duplicate when the bidan merged it read only 'Anak ini tidak
  // ada di HP ini: dipindah, digabung atau dihapus?', with no way to the child her weighing went to
  setLang('id');
  const forms = await import('../../static/pwa/js/screens/forms.js');
  const doses = await import('../../static/pwa/js/screens/doses.js');
  const kept = { id: 'k1', name: 'Bayi Ny. Lestari' };
  const ctx = { bundle: async () => ({ child: null, kept, measurements: [], immunisations: [], supplements: [] }),
    schedule: async () => null, db: memDb(), role: 'kader', day: { date: '2024-01-20' } };
  const screens = [await forms.visitForm(ctx, 'gone'), await forms.visitForm(ctx, 'gone', 'm1'), await forms.childForm(ctx, 'gone'),
    await doses.dosesForm(ctx, 'gone'), await doses.cardForm(ctx, 'gone'), await doses.doseForm(ctx, 'gone', 'immunisation', 'i1')];
  for (const screen of screens) {
    assert.equal(screen.textContent, 'Anak ini terdaftar dua kali; datanya (juga perubahan Anda) sudah digabung ke Bayi Ny. Lestari.');
    assert.equal(screen.find((e) => e.localName === 'a')[0].attributes.href, '#/child/k1');
  }
});

test('a conflict filed on the child kept is based on her version shown: a save beside it is not asked about what she saw', async () => {
  const { db, server, engine } = phone();
  const [kept, dup] = [crypto.randomUUID(), crypto.randomUUID()];
  server.write('child', kept, { ...baby('Raka'), address: 'Jl. Lama' });
  server.write('child', dup, { ...baby('Raka'), address: 'Jl. Lama' });
  await engine.sync();
  server.write('child', kept, { ...server.get('child', kept), address: 'Jl. Baru' });
  server.write('child', kept, { ...server.get('child', kept), name: 'Raka Pratama' });
  merge(server, dup, kept);
  await saveChange(db, { entity: 'child', id: dup, fields: { name: 'Raka Saputra' } }); // offline, on the duplicate
  await engine.sync();
  const { conflictList } = await import('../../static/pwa/js/outbox.js');
  const [asked] = await conflictList(db);
  assert.deepEqual([asked.id, asked.fields], [kept, ['name']]);
  // her screen of the child kept shows its address of now: she corrects it beside the open question
  await saveChange(db, { entity: 'child', id: kept, fields: { address: 'Jl. Baru No. 5' } });
  await engine.sync();
  assert.equal(server.get('child', kept).address, 'Jl. Baru No. 5');
  assert.deepEqual((await conflictList(db)).map((c) => [c.id, c.fields]), [[kept, ['name']]]);
});
