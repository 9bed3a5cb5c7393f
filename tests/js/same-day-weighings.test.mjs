// Two cadres of one posyandu weigh the same child on the same day, each offline on her own phone:
// after both sync, each phone holds both weighings (the server keeps both and flags the later
// `possible_duplicate_of` the first). The child's history says so, and how to delete the wrong one;
// before, the two rows of the day stood there unexplained, both counted, and no one resolved them.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const { render } = await import('../../static/pwa/js/screens/child.js');
const { setLang } = await import('../../static/pwa/js/i18n.js');

const json = (p) => JSON.parse(readFileSync(new URL(`../../${p}`, import.meta.url)));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'].map((n) => [n, json(`static/pwa/data/who/${n}.json`)]));
const child = { id: 'c1', name: 'Ahmad', sex: 'M', birth_date: '2024-01-15', posyandu_id: 'p1' };
const entry = (id, on, fields, at) => ({ id, child_id: 'c1', measured_on: on, oedema: false, recorded_at: at, ...fields });
const july = entry('m0', '2024-07-15', { weight_kg: 7.9 }, '2024-07-15T02:00:00Z');
const mine = entry('m1', '2024-08-15', { weight_kg: 8.1 }, '2024-08-15T02:00:00Z');
const hers = entry('m2', '2024-08-15', { weight_kg: 8.4 }, '2024-08-15T02:05:00Z');

/** The notices of the child's history, drawn for a cadre (`write`) or a reader. */
async function notices(measurements, write = true) {
  const ctx = { bundle: async () => ({ child, measurements, immunisations: [], supplements: [] }), tables: async () => tables,
    kbm: async () => undefined, schedule: async () => null, children: async () => [child], role: 'kader', area: async () => null,
    posyandus: async () => [], day: { date: '2024-08-15' }, canWrite: () => write };
  const history = (await render(ctx, 'c1')).find((e) => e.attributes.id === 'history')[0];
  return history.find((e) => e.localName === 'p' && e.attributes.class === 'notice').map((p) => [p.attributes['data-day'], p.textContent]);
}

test("two weighings of one day are named on the child's history, with how to delete the wrong one", async () => {
  setLang('id');
  assert.deepEqual(await notices([july, mine, hers]), [['2024-08-15',
    'Ada 2 penimbangan tanggal 15 Agu 2024 (mungkin dari dua HP). Bila anak hanya ditimbang sekali, hapus yang salah: "Ubah", lalu "Hapus".']]);
  setLang('en');
  try {
    assert.match((await notices([july, mine, hers]))[0][1], /^2 weighings of 15 Aug 2024 \(two phones\?\)/);
  } finally {
    setLang('id');
  }
});

test('one weighing a day, or a length measured apart the same day, is not named; nor to whom cannot delete', async () => {
  setLang('id');
  assert.deepEqual(await notices([july, mine]), []);
  const length = entry('m3', '2024-08-15', { length_height_cm: 70, position: 'lying' }, '2024-08-15T01:00:00Z');
  assert.deepEqual(await notices([july, mine, length]), []);
  assert.deepEqual(await notices([july, mine, hers], false), []);
});

test('the correction form of one of the two says the same: delete the wrong one, not "weighed again, correct that one"', async () => {
  // the midwife opened the wrong one to delete it, as the history said, and read on its form 'Sudah ada
  // penimbangan tanggal 15 Agu 2024. Bila anak ditimbang ulang, ubah yang itu.': correct the other instead
  setLang('id');
  const { memDb } = await import('./memdb.mjs');
  const forms = await import('../../static/pwa/js/screens/forms.js');
  const ctx = { bundle: async () => ({ child, measurements: [july, mine, hers], immunisations: [], supplements: [] }),
    role: 'kader', db: memDb(), day: { date: '2024-08-15' } };
  const sameDay = async (id) => (await forms.visitForm(ctx, 'c1', id)).find((e) => e.attributes.id === 'same-day')[0];
  const note = await sameDay('m2');
  assert.equal(note.attributes.hidden, undefined);
  assert.equal(note.textContent, 'Ada 2 penimbangan tanggal 15 Agu 2024 (mungkin dari dua HP). Bila anak hanya ditimbang sekali, '
    + 'hapus yang salah: "Ubah", lalu "Hapus". Ubah penimbangan itu');
  assert.equal(note.find((e) => e.localName === 'a')[0].attributes.href, '#/visit/c1/m1');
  // a new weighing of a day already weighed: correct that one, as before
  assert.match((await sameDay(null)).textContent, /^Sudah ada penimbangan tanggal 15 Agu 2024\. Bila anak ditimbang ulang, ubah yang itu\./);
});
