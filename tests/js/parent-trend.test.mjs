// A parent's screens (screens/parent.js): whether her child's weight went up (N) or not (T) at the
// month's weighing (named by its month), as the server judged it (the KMS's question at every weighing), in plain words; the most
// urgent line first, and the home list shows that one.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const { child: parentChild, home } = await import('../../static/pwa/js/screens/parent.js');
const { setLang } = await import('../../static/pwa/js/i18n.js');
const { loadSchedule } = await import('../../static/pwa/js/due.js');
const { todayIso } = await import('../../static/pwa/js/ui.js');

const root = fileURLToPath(new URL('../../', import.meta.url));
const json = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'].map((n) => [n, json(`static/pwa/data/who/${n}.json`)]));

const hadi = { id: 'c1', sex: 'M', birth_date: '2023-03-01', name: 'Hadi Saputra', posyandu_id: 'p1' };
/** Hadi weighed in February and in March (the server's N/T on March's weighing: `trend`). */
const weighings = (trend) => [
  { id: 'm0', child_id: 'c1', measured_on: '2025-02-01', weight_kg: 11.4, trend: 'N' },
  { id: 'm1', child_id: 'c1', measured_on: '2025-03-01', weight_kg: 11.5, trend }];
const ctxOf = (measurements, { child = hadi, immunisations = [], schedule = null, posyandus = [] } = {}) => ({
  bundle: async () => ({ child, measurements, immunisations, supplements: [] }), tables: async () => tables,
  schedule: async () => schedule, area: async () => null, posyandus: async () => posyandus, online: () => false,
  children: async () => [child], records: async () => measurements });
const lines = async (measurements) => (await parentChild(ctxOf(measurements), 'c1')).find((e) => e.attributes.id === 'plain')[0]
  .find((e) => e.localName === 'p').map((p) => [p.attributes.class, p.textContent]);
const homeTag = async (measurements) => (await home(ctxOf(measurements))).find((e) => (e.attributes.class ?? '').startsWith('tag'))
  .map((e) => e.textContent)[0];

test("a weighing that did not go up enough (T) is said to her parent first, and on her home list", async () => {
  setLang('id');
  const said = await lines(weighings('T'));
  assert.deepEqual(said[0], ['plain warn', 'Berat badan Hadi tidak cukup naik di penimbangan Maret 2025 (T) — tanyakan ke kader atau bidan.']);
  assert.ok(said.some(([, text]) => text === 'Berat badan Hadi normal untuk umurnya.'), said); // still said, after
  assert.equal(await homeTag(weighings('T')), 'Berat badan Hadi tidak cukup naik di penimbangan Maret 2025 (T) — tanyakan ke kader atau bidan.');
  setLang('en');
  assert.equal((await lines(weighings('T')))[0][1], "Hadi's weight did not go up enough at the March 2025 weighing (T) — ask the cadre or midwife.");
  setLang('id');
});

test('N is said as gone up; O and B (no weighing last month, a first one) say nothing of a rise', async () => {
  setLang('id');
  assert.ok((await lines(weighings('N'))).some(([shade, text]) => shade === 'plain ok'
    && text === 'Berat badan Hadi naik di penimbangan Maret 2025 (N).'));
  for (const trend of ['O', 'B', null]) {
    assert.ok(!(await lines(weighings(trend))).some(([, text]) => /di penimbangan/.test(text)), trend);
  }
  // a length measured alone after the weighing: the month's weighing's N/T is still said
  const lengthAlone = [...weighings('T'), { id: 'm2', child_id: 'c1', measured_on: '2025-03-02', length_height_cm: 88 }];
  assert.match((await lines(lengthAlone))[0][1], /^Berat badan Hadi tidak cukup naik di penimbangan Maret 2025 \(T\)/);
});

test('of lines of one tone, thinness (kurus: acute, a referral) comes before low weight for age, also on her home list', async () => {
  // a weight low for his age and thin for his height: the home list said "kurang untuk umurnya" and
  // left "kurus — konsultasikan ke bidan" for the child's screen
  setLang('id');
  const thin = [{ id: 'm0', child_id: 'c1', measured_on: '2025-02-01', weight_kg: 9.2, trend: 'N' },
    { id: 'm1', child_id: 'c1', measured_on: '2025-03-01', weight_kg: 9.4, length_height_cm: 83, position: 'standing', trend: 'N' }];
  const said = await lines(thin);
  assert.deepEqual(said.slice(0, 2), [['plain warn', 'Berat dibanding tinggi: kurus — konsultasikan ke bidan.'],
    ['plain warn', 'Berat badan Hadi kurang untuk umurnya.']]);
  assert.equal(await homeTag(thin), 'Berat dibanding tinggi: kurus — konsultasikan ke bidan.');
  // all normal: the weight for age first, as ever (the KMS's line), the weight for height after
  const fine = [thin[0], { ...thin[1], weight_kg: 12.2, length_height_cm: 87 }];
  assert.deepEqual((await lines(fine)).map(([, text]) => text).slice(0, 4), ['Berat badan Hadi normal untuk umurnya.',
    'Berat badan Hadi naik di penimbangan Maret 2025 (N).', 'Tinggi badan Hadi normal untuk umurnya.', 'Berat dibanding tinggi: normal.']);
});

test('doses whose day has come (not yet late) are said as due now, never as "berikutnya" on a day gone by', async () => {
  // Rani, 9 months and 10 days old, every dose of her first four months given: MR 1 and IPV 2 became
  // due 10 days ago. The line said "Imunisasi berikutnya, <10 days ago>: MR 1, IPV 2", a day she had missed
  setLang('id');
  const back = (days) => new Date(Date.parse(todayIso()) - days * 864e5).toISOString().slice(0, 10);
  const schedule = loadSchedule(json('static/pwa/data/schedule-2024.json'));
  const born = new Date(Date.parse(back(10)));
  born.setUTCMonth(born.getUTCMonth() - 9);
  const rani = { ...hadi, id: 'c2', name: 'Rani Putri', sex: 'F', birth_date: born.toISOString().slice(0, 10) };
  const immunisations = schedule.entries.filter((e) => e.recommended_age.months <= 4 && !e.recommended_age.days)
    .map((e, i) => ({ id: `i${i}`, child_id: 'c2', vaccine: e.vaccine, dose: e.dose, given_on: back(200) }));
  const screen = await parentChild(ctxOf([], { child: rani, immunisations, schedule }), 'c2');
  const line = screen.find((e) => e.attributes.id === 'next-dose')[0];
  const due = (await import('../../static/pwa/js/i18n.js')).formatDate(back(10));
  assert.equal(line.textContent, `Sudah waktunya imunisasi MR 1, IPV 2 (mulai ${due}). Datang ke posyandu atau puskesmas.`);
});

test('every dose due now is named, each date once after its doses, not only those of the first date', async () => {
  // a boy two months old today, his HB0 given: BCG and OPV 1 due since his first month, DPT-HB-Hib 1,
  // PCV 1 and RV 1 from today, none late yet. The line named BCG and OPV 1 alone; the card below, all five
  const schedule = loadSchedule(json('static/pwa/data/schedule-2024.json'));
  // n calendar months from a date, the day kept or the month's last (31 Dec - 2 months: 31 Oct; 30 Apr: 28 Feb)
  const plusMonths = (iso, n) => {
    const [y, m, d] = iso.split('-').map(Number);
    const last = new Date(Date.UTC(y, m - 1 + n + 1, 0)).getUTCDate();
    return new Date(Date.UTC(y, m - 1 + n, Math.min(d, last))).toISOString().slice(0, 10);
  };
  const boy = { ...hadi, id: 'c3', name: 'Bayu Pratama', birth_date: plusMonths(todayIso(), -2) };
  const [bcg, dpt] = [plusMonths(boy.birth_date, 1), plusMonths(boy.birth_date, 2)]; // today, or a day or two before
  const immunisations = [{ id: 'i0', child_id: 'c3', vaccine: 'HB0', dose: 1, given_on: boy.birth_date }];
  const { formatDate } = await import('../../static/pwa/js/i18n.js');
  const said = async () => (await parentChild(ctxOf([], { child: boy, immunisations, schedule }), 'c3'))
    .find((e) => e.attributes.id === 'next-dose')[0].textContent;
  setLang('id');
  assert.equal(await said(), `Sudah waktunya imunisasi BCG, OPV 1 (mulai ${formatDate(bcg)}), DPT-HB-Hib 1, PCV 1, `
    + `RV 1 (mulai ${formatDate(dpt)}). Datang ke posyandu atau puskesmas.`);
  setLang('en');
  assert.equal(await said(), `Due now: BCG, OPV 1 (from ${formatDate(bcg)}), DPT-HB-Hib 1, PCV 1, `
    + `RV 1 (from ${formatDate(dpt)}). Come to the posyandu or health centre.`);
  setLang('id');
});

test("her child's screen says which day of the month its posyandu meets", async () => {
  // a date for a dose ("Imunisasi berikutnya, 2 Jan 2027") and no word of when the posyandu opens
  const melati = { id: 'p1', name: 'Posyandu Melati', meeting_day: 5 };
  const said = async () => (await parentChild(ctxOf([], { posyandus: [{ id: 'p2', name: 'Posyandu Mawar', meeting_day: 12 }, melati] }), 'c1'))
    .find((e) => e.attributes.id === 'posyandu-day').map((e) => e.textContent);
  setLang('id');
  assert.deepEqual(await said(), ['Posyandu Melati biasanya buka tanggal 5 setiap bulan.']);
  setLang('en');
  assert.deepEqual(await said(), ['Posyandu Melati usually meets on day 5 of each month.']);
  setLang('id');
  // a child who died (or moved away): her parent is not told when the posyandu meets, only that she left
  const gone = await parentChild(ctxOf([], { child: { ...hadi, exit_date: '2025-06-02', exit_reason: 'died' }, posyandus: [melati] }), 'c1');
  assert.deepEqual(gone.find((e) => e.attributes.id === 'posyandu-day'), []);
  assert.equal(gone.find((e) => e.attributes.id === 'exit').length, 1);
});

test('a weight swollen feet add to, or one likely mistyped, is told as no rise: the app says it is not judged', async () => {
  setLang('id');
  // oedema: the weight gained is water; the red line first, no green "naik"
  const swollen = [weighings('N')[0], { ...weighings('N')[1], oedema: true }];
  const said = await lines(swollen);
  assert.equal(said[0][0], 'plain bad');
  assert.ok(!said.some(([, text]) => /naik/.test(text)), said);
  // 45 kg at two: far past WHO's +5 SD, flagged; the server judged it N against February's
  const typo = [weighings('N')[0], { ...weighings('N')[1], weight_kg: 45 }];
  const flagged = await lines(typo);
  assert.ok(!flagged.some(([, text]) => /naik di penimbangan/.test(text)), flagged);
  assert.ok(flagged.some(([shade, text]) => shade === 'plain warn'
    && text === 'Berat badan Hadi yang tercatat tampaknya salah catat: minta kader menimbang ulang.'), flagged);
});
