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
import { memDb } from './memdb.mjs';

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
  children: async () => [child], records: async () => measurements, db: memDb() });
const lines = async (measurements) => (await parentChild(ctxOf(measurements), 'c1')).find((e) => e.attributes.id === 'plain')[0]
  .find((e) => e.localName === 'p').map((p) => [p.attributes.class, p.textContent]);
const homeTag = async (measurements) => (await home(ctxOf(measurements))).find((e) => (e.attributes.class ?? '').startsWith('tag'))
  .map((e) => e.textContent)[0];

test("a weighing that did not go up enough (T) is said to her parent first, and on her home list", async () => {
  setLang('id');
  const said = await lines(weighings('T'));
  assert.deepEqual(said[0], ['plain warn', 'Berat badan Hadi tidak cukup naik di penimbangan Maret 2025 (T) — tanyakan ke kader atau bidan.']);
  assert.ok(said.some(([, text]) => text === 'Berat badan Hadi normal untuk umurnya.'), said); // still said, after
  // weighed before last month: with its day
  assert.equal(await homeTag(weighings('T')), 'Berat badan Hadi tidak cukup naik di penimbangan Maret 2025 (T) — tanyakan ke kader atau bidan. Terakhir diukur 1 Mar 2025.');
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
  assert.equal(await homeTag(thin), 'Berat dibanding tinggi: kurus — konsultasikan ke bidan. Terakhir diukur 1 Mar 2025.');
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

test('a weight the KMS refers (BGM, above +1 SD, 2T) tells her parent to take the child to the midwife', async () => {
  // the server's referral (domain.md: BGM, 2T and weight-for-age above +1 SD mean referral) said nothing
  // of what to do: "Berat badan Dani sangat kurang untuk umurnya." and no step, where a single T says "tanyakan"
  setLang('id');
  const dani = { ...hadi, id: 'c1', name: 'Dani Pratama', birth_date: '2024-01-10' };
  // 5.6 kg at 177 days: WHO boys' weight-for-age −3 SD at 6 months is 5.7 kg (wfa −3.02, below the red line)
  const low = [{ id: 'm0', child_id: 'c1', measured_on: '2024-07-05', weight_kg: 5.6, trend: 'B', bgm: true, referral: true }];
  const ctx = (measurements, child = dani) => ctxOf(measurements, { child });
  const linesOf = async (measurements, child) => (await parentChild(ctx(measurements, child), 'c1'))
    .find((e) => e.attributes.id === 'plain')[0].find((e) => e.localName === 'p').map((p) => p.textContent);
  assert.equal((await linesOf(low))[0], 'Berat badan Dani sangat kurang untuk umurnya — bawa ke bidan atau puskesmas.');
  // her home list says it, with the day of a weighing older than last month (not today's status)
  const tag = (await home(ctx(low))).find((e) => (e.attributes.class ?? '').startsWith('tag')).map((e) => e.textContent)[0];
  assert.equal(tag, 'Berat badan Dani sangat kurang untuk umurnya — bawa ke bidan atau puskesmas. Terakhir diukur 5 Jul 2024.');
  // 8.7 kg at 187 days, a girl: WHO girls' +1 SD at 6 months is 8.2 kg (wfa +1.37, above the orange line)
  const eka = { ...hadi, name: 'Eka Lestari', sex: 'F', birth_date: '2026-06-01' };
  const heavy = [{ id: 'm0', child_id: 'c1', measured_on: '2026-12-05', weight_kg: 8.7, trend: 'B', referral: true }];
  assert.equal((await linesOf(heavy, eka))[0], 'Berat badan Eka cenderung berlebih untuk umurnya — bawa ke bidan atau puskesmas.');
  // a normal weight is told no such step; nor is one flagged as a likely mistake (weigh again first)
  assert.ok(!(await lines(weighings('N'))).some(([, text]) => /bawa ke bidan/.test(text)));
  const typo = [weighings('N')[0], { ...weighings('N')[1], weight_kg: 45 }];
  assert.ok(!(await lines(typo)).some(([, text]) => /bawa ke bidan/.test(text)));
  // 2T: not up enough twice in a row, said as such with the step; a single T keeps "tanyakan"
  const twice = [weighings('T')[0], { ...weighings('T')[1], two_t: true }];
  assert.deepEqual((await lines(twice))[0], ['plain warn',
    'Berat badan Hadi 2 kali berturut-turut tidak cukup naik, terakhir di penimbangan Maret 2025 (2T) — bawa ke bidan atau puskesmas.']);
  setLang('en');
  const { plain } = await import('../../static/pwa/js/i18n.js');
  assert.equal((await linesOf(low))[0], `Dani's weight is ${plain('sangat_kurang')} for the age — take the child to the midwife or health centre.`);
  setLang('id');
});

test("her data not updated today is said with its day, on her home and her child's screen", async () => {
  // offline for weeks, the screens gave the alarms and late doses of then as today's, "Tanpa sinyal" the only sign
  setLang('id');
  const { formatDateTime } = await import('../../static/pwa/js/i18n.js');
  const withSync = (at) => ({ ...ctxOf(weighings('N')), syncState: { last_sync_at: at } });
  const before = new Date(Date.now() - 3 * 864e5).toISOString();
  const asOf = (screen) => screen.find((e) => e.attributes.id === 'as-of').map((e) => e.textContent);
  assert.deepEqual(asOf(await home(withSync(before))), [`Data terakhir diperbarui dari server: ${formatDateTime(before)}.`]);
  assert.deepEqual(asOf(await parentChild(withSync(before), 'c1')), [`Data terakhir diperbarui dari server: ${formatDateTime(before)}.`]);
  // updated today (or never: the first sync's own words): nothing more said
  assert.deepEqual(asOf(await home(withSync(new Date().toISOString()))), []);
  assert.deepEqual(asOf(await parentChild(withSync(null), 'c1')), []);
  // a weighing of this month on her home list: no day added
  const now = [{ ...weighings('N')[1], measured_on: todayIso() }];
  assert.match(await homeTag(now), /^Berat badan Hadi \S+ untuk umurnya\.$/);
});

test('doses due now are named beside the late ones, not left for the card below', async () => {
  // four months and ten days old, her doses of one and two months given, none of three months: OPV 3,
  // DPT-HB-Hib 2, PCV 2 and RV 2 are late (a month past three months); IPV 1 (four months, no dose
  // before it) is due now. The line named the late ones alone
  setLang('id');
  const schedule = loadSchedule(json('static/pwa/data/schedule-2024.json'));
  const { formatDate } = await import('../../static/pwa/js/i18n.js');
  const back = (days) => new Date(Date.parse(todayIso()) - days * 864e5).toISOString().slice(0, 10);
  const month = (iso, n) => { // n calendar months after iso (the day kept, or the month's last)
    const [y, m, d] = iso.split('-').map(Number);
    return new Date(Date.UTC(y, m - 1 + n, Math.min(d, new Date(Date.UTC(y, m + n, 0)).getUTCDate()))).toISOString().slice(0, 10);
  };
  const born = month(back(10), -4);
  const sari = { ...hadi, id: 'c4', name: 'Sari Dewi', sex: 'F', birth_date: born };
  const given = [['HB0', 1, 0], ['BCG', 1, 1], ['OPV', 1, 1], ['DPT-HB-Hib', 1, 2], ['OPV', 2, 2], ['PCV', 1, 2], ['RV', 1, 2]];
  const immunisations = given.map(([vaccine, dose, at], i) => ({ id: `i${i}`, child_id: 'c4', vaccine, dose, given_on: month(born, at) }));
  const line = (await parentChild(ctxOf([], { child: sari, immunisations, schedule }), 'c4'))
    .find((e) => e.attributes.id === 'next-dose')[0].textContent;
  assert.match(line, /^Imunisasi yang terlambat: /);
  for (const late of ['OPV 3', 'DPT-HB-Hib 2', 'PCV 2', 'RV 2']) assert.ok(line.includes(`${late} (seharusnya`), line);
  assert.ok(line.endsWith(` Juga sudah waktunya: IPV 1 (mulai ${formatDate(month(born, 4))}). Datang ke posyandu atau puskesmas.`), line);
});

test('her child\'s weighings are listed, each with the N or T the server judged in her words; none for swollen feet', async () => {
  setLang('id');
  const swollen = { id: 'm2', child_id: 'c1', measured_on: '2025-04-01', weight_kg: 12.4, oedema: true, trend: 'N' };
  const screen = await parentChild(ctxOf([...weighings('T'), swollen]), 'c1');
  const history = screen.querySelector('#history');
  assert.equal(history.localName, 'details', 'folded under her charts until she opens it');
  assert.deepEqual(history.querySelectorAll('th').map((c) => c.textContent), ['Tanggal', 'kg', 'cm', 'Berat untuk umur', 'N/T']);
  const rows = history.querySelector('tbody').querySelectorAll('tr').map((r) => r.querySelectorAll('td').map((c) => c.textContent));
  assert.deepEqual(rows.map((r) => [r[0], r[1], r[4]]), [
    ['1\u00a0Apr 2025', '12,4', '–'], ['1\u00a0Mar 2025', '11,5', 'T (tidak naik)'], ['1\u00a0Feb 2025', '11,4', 'N (naik)']]);
  // her words for the weight, not the kader's category ("Berat badan normal")
  assert.equal(rows[1][3], 'normal');
});

test('a child weighed past 60 months is told as past the KMS, not left with a blank status', async () => {
  // born 1 May 2021, weighed 5 December 2026 (67 months): no WHO under-five status, no N/T; the parent's
  // "Status terakhir" said only its date
  setLang('id');
  const older = { ...hadi, birth_date: '2021-05-01' };
  const measurements = [{ id: 'm0', child_id: 'c1', measured_on: '2026-12-05', weight_kg: 17.5, length_height_cm: 110, position: 'standing' }];
  const said = (await parentChild(ctxOf(measurements, { child: older }), 'c1')).find((e) => e.attributes.id === 'plain')[0]
    .find((e) => e.localName === 'p').map((p) => p.textContent);
  assert.deepEqual(said, ['Umur lebih dari 60 bulan: status gizi dan N/T balita (standar WHO, KMS) tidak dinilai lagi.',
    'Terakhir diukur 5 Des 2026.']);
});

test("a child moved away still has her late doses told to her parent (to get them where she lives now); one who died not", async () => {
  // she left the posyandu's register (moved away: exit_date): nothing due her there, and her parent's screen
  // said nothing of the OPV, MR and the rest she never had
  setLang('id');
  const schedule = loadSchedule(json('static/pwa/data/schedule-2024.json'));
  const back = (days) => new Date(Date.parse(todayIso()) - days * 864e5).toISOString().slice(0, 10);
  const left = { ...hadi, birth_date: back(400), exit_date: back(30) };
  const line = async (child) => (await parentChild(ctxOf([], { child, schedule }), 'c1')).find((e) => e.attributes.id === 'next-dose')[0];
  const moved = await line({ ...left, exit_reason: 'moved_away' });
  assert.match(moved?.textContent ?? '', /^Imunisasi yang terlambat: OPV 1 .*MR 1 .*Datang ke posyandu atau puskesmas\.$/);
  assert.equal(await line({ ...left, exit_reason: 'died' }), undefined);
  // her vitamin A alike: the round due now, or the next one, told
  const rounds = async (child) => (await parentChild(ctxOf([], { child, schedule }), 'c1')).find((e) => e.attributes.id === 'supplements')[0]
    .find((e) => e.localName === 'p').map((p) => p.textContent).join(' ');
  assert.match(await rounds({ ...left, exit_reason: 'moved_away' }), /kapsul vitamin A (merah|biru)/);
  assert.doesNotMatch(await rounds({ ...left, exit_reason: 'died' }), /kapsul vitamin A/);
});

test('a child who died is given no advice: no "bawa ke puskesmas" on her screen nor on the home list', async () => {
  // her last weighing 2T with a low LiLA: "segera bawa ke puskesmas" was said to her mother after her death
  setLang('id');
  const gone = { ...hadi, exit_date: '2025-06-02', exit_reason: 'died' };
  const last = [weighings('T')[0], { ...weighings('T')[1], muac_cm: 11 }];
  const screen = await parentChild(ctxOf(last, { child: gone }), 'c1');
  assert.deepEqual(screen.find((e) => e.attributes.id === 'plain'), []);
  assert.doesNotMatch(screen.textContent, /bawa|puskesmas/i);
  assert.equal((await home(ctxOf(last, { child: gone }))).find((e) => (e.attributes.class ?? '').startsWith('tag')).length, 0);
  // moved away, she is still told (her growth is still hers to watch where she lives now)
  const moved = { ...gone, exit_reason: 'moved_away' };
  assert.match((await parentChild(ctxOf(last, { child: moved }), 'c1')).find((e) => e.attributes.id === 'plain')[0].textContent,
    /puskesmas/);
});
