// A length measured apart from the weighing (no weight, the same day or later that month): every place
// that shows a child's latest weight status shows the month's weighing before it (assess.weightStatus),
// as the kader's result and her child screen do; before, the parent's child screen, her home list and
// the kader's home list showed the newest entry alone, and the weight status was gone.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { installDom } from './fakedom.mjs';
import { memDb } from './memdb.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const { assess, latest, weightStatus } = await import('../../static/pwa/js/assess.js');
const { homeTags } = await import('./home-list.mjs');
const parent = await import('../../static/pwa/js/screens/parent.js');
const { setLang } = await import('../../static/pwa/js/i18n.js');

const json = (p) => JSON.parse(readFileSync(new URL(`../../${p}`, import.meta.url)));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'].map((n) => [n, json(`static/pwa/data/who/${n}.json`)]));
const schedule = json('static/pwa/data/schedule-2024.json');

const lina = { id: 'c1', name: 'Lina Panjang', sex: 'F', birth_date: '2024-01-15', posyandu_id: 'p1' };
const entry = (id, on, fields, at) => ({ id, child_id: 'c1', measured_on: on, oedema: false, recorded_at: at, ...fields });
// 7 months: 6.0 kg is below −2 SD (berat badan kurang); 66 cm normal
const weighing = entry('m1', '2024-08-15', { weight_kg: 6.0 }, '2024-08-15T02:00:00Z');
const length = (on) => entry('m2', on, { length_height_cm: 66, position: 'lying' }, `${on}T03:00:00Z`);

/** The tags of Lina's row on the kader's home list of 29 Aug 2024, with ``measurements``. */
const tagsOn = async (measurements) => (await homeTags({ children: [lina], measurements, date: '2024-08-29', tables, schedule }))
  .map(([, text]) => text);

test('latest() of a length alone carries the weight status of its month\'s weighing, as assess() does', () => {
  for (const on of ['2024-08-15', '2024-08-29']) {
    const last = latest(lina, [length(on), weighing], tables);
    assert.equal(last.m.id, 'm2');
    assert.equal(last.growth.status.bb_u, null); // its own: no weight
    assert.equal(weightStatus(last), 'kurang');
    assert.equal(last.weighed.on, '2024-08-15');
    const r = assess({ child: lina, m: length(on), history: [weighing, length(on)], tables, on });
    assert.equal(weightStatus(r), weightStatus(last));
  }
  // none that month: no weight status, not July's
  const july = { ...weighing, measured_on: '2024-07-15' };
  assert.equal(weightStatus(latest(lina, [length('2024-08-15'), july], tables)), null);
  // a weighing: its own
  assert.equal(weightStatus(latest(lina, [weighing], tables)), 'kurang');
});

test("the kader's home list tags a child measured for length alone with the weight status of the month's weighing", async () => {
  setLang('id');
  assert.ok((await tagsOn([weighing])).includes('berat badan kurang'));
  assert.ok((await tagsOn([weighing, length('2024-08-29')])).includes('berat badan kurang'));
  assert.ok(!(await tagsOn([{ ...weighing, measured_on: '2024-07-15' }, length('2024-08-29')])).includes('berat badan kurang'));
});

test("the kader's home list tags a severe status besides the weight's: a child very short for her age is not just 'berat badan kurang'", async () => {
  // the list showed the weight for age alone: yellow "berat badan kurang" for a child her screen calls "sangat pendek" in red
  setLang('id');
  const short = entry('m2', '2024-08-29', { length_height_cm: 60, position: 'lying' }, '2024-08-29T03:00:00Z');
  assert.deepEqual((await tagsOn([weighing, short])).slice(0, 2), ['berat badan kurang', 'sangat pendek']);
  assert.deepEqual((await tagsOn([weighing, length('2024-08-29')])).slice(0, 2), ['berat badan kurang', '5 imunisasi']); // normal length
});

test("a child measured for length alone today is not tagged 'sudah ditimbang' on the kader's list", async () => {
  // the list tells the cadre at the scale who is still to weigh: a length taken first at the board
  // tagged the child weighed, and she could be sent home unweighed
  setLang('id');
  assert.ok(!(await tagsOn([weighing, length('2024-08-29')])).includes('sudah ditimbang'));
  assert.ok((await tagsOn([{ ...weighing, measured_on: '2024-08-29' }, length('2024-08-29')])).includes('sudah ditimbang'));
});

test("a parent reads her child's weight status after a length alone, on her home list and the child's screen", async () => {
  setLang('id');
  const plainOf = async (measurements) => {
    const ctx = { bundle: async () => ({ child: lina, measurements, immunisations: [], supplements: [] }),
      children: async () => [lina], records: async () => measurements, tables: async () => tables,
      schedule: async () => null, area: async () => null, posyandus: async () => [], online: () => false, db: memDb() };
    const screen = await parent.child(ctx, lina.id);
    const lines = screen.querySelector('#plain').querySelectorAll('p').map((p) => p.textContent);
    const tag = (await parent.home(ctx)).querySelector('#children').querySelector('.tag')?.textContent;
    return { lines, tag };
  };
  const sameDay = await plainOf([weighing, length('2024-08-15')]);
  assert.equal(sameDay.tag, 'Berat badan Lina kurang untuk umurnya. Terakhir diukur 15 Agu 2024.'); // long ago: with its day
  assert.ok(sameDay.lines.includes('Berat badan Lina kurang untuk umurnya.'), sameDay.lines.join(' | '));
  assert.ok(sameDay.lines.some((l) => l.startsWith('Panjang badan Lina')), sameDay.lines.join(' | '));
  // later that month: the weighing named by its date
  const later = await plainOf([weighing, length('2024-08-29')]);
  assert.ok(later.lines.includes('Berat badan Lina kurang untuk umurnya (penimbangan 15 Agu 2024).'), later.lines.join(' | '));
  // no weighing that month: nothing said of the weight
  const none = await plainOf([{ ...weighing, measured_on: '2024-07-15' }, length('2024-08-29')]);
  assert.ok(!none.lines.some((l) => l.startsWith('Berat badan')), none.lines.join(' | '));
});

test("a child found very thin and measured again for length alone is still very thin, to her parent and on the kader's list", async () => {
  // weighed 15 August: 5.2 kg at 66 cm is below -3 SD weight for length (WHO girls 66.0 cm: -3 SD 5.6 kg), LiLA 11.0 cm
  // under 11.5; a bidan measures her length again on the 29th: the parent's "sangat kurus — segera bawa ke
  // puskesmas" and her LiLA line went, and the kader's list lost its red "gizi buruk", for the newest entry had no weight
  setLang('id');
  const thin = entry('m1', '2024-08-15', { weight_kg: 5.2, length_height_cm: 66, position: 'lying', muac_cm: 11.0 }, '2024-08-15T02:00:00Z');
  const ctx = (measurements) => ({ bundle: async () => ({ child: lina, measurements, immunisations: [], supplements: [] }),
    children: async () => [lina], records: async () => measurements, tables: async () => tables,
    schedule: async () => null, area: async () => null, posyandus: async () => [], online: () => false, db: memDb() });
  const linesOf = async (measurements) => (await parent.child(ctx(measurements), lina.id)).querySelector('#plain')
    .querySelectorAll('p').map((p) => p.textContent);
  const weighed = await linesOf([thin]);
  const wasting = weighed.find((l) => l.startsWith('Berat dibanding panjang badan: sangat kurus'));
  const muac = weighed.find((l) => l.startsWith('Lingkar lengan atas (LiLA) Lina 11,0 cm: tanda gizi buruk'));
  assert.ok(wasting && muac, weighed.join(' | '));
  const again = await linesOf([thin, length('2024-08-29')]);
  const day = ' (penimbangan 15 Agu 2024).';
  assert.ok(again.includes(wasting.replace(/\.$/, day)), again.join(' | '));
  assert.ok(again.includes(muac.replace(/\.$/, day)), again.join(' | '));
  assert.ok(again.some((l) => l.startsWith('Panjang badan Lina')), again.join(' | ')); // the length's own
  assert.ok((await tagsOn([thin, length('2024-08-29')])).includes('gizi buruk'));
  // a weighing of another month is not hers now: nothing said of her thinness then
  const july = { ...thin, measured_on: '2024-07-15' };
  assert.ok(!(await linesOf([july, length('2024-08-29')])).some((l) => /sangat kurus|LiLA/.test(l)));
  assert.ok(!(await tagsOn([july, length('2024-08-29')])).includes('gizi buruk'));
});
