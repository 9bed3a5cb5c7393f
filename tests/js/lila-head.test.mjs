// The result screen after a measurement: the LiLA sign (6-59 months; Kemenkes 2019 / WHO 2013) and a
// head circumference beyond +-2 SD (WHO), in Bahasa Indonesia and in English, offline (assess.js).
// The rules' boundaries: tests/data/lila_head_cases.json (growth.test.mjs and tests/unit/test_signs.py).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} }; // setLang keeps the choice

const { assess } = await import('../../static/pwa/js/assess.js');
const { statusPanel } = await import('../../static/pwa/js/screens/child.js');
const { setLang } = await import('../../static/pwa/js/i18n.js');

const root = fileURLToPath(new URL('../../', import.meta.url));
const json = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'].map((n) => [n, json(`static/pwa/data/who/${n}.json`)]));

const boy = { id: 'c1', sex: 'M', birth_date: '2023-03-01' };
const result = (fields, child = boy) => {
  const m = { id: 'm1', child_id: child.id, measured_on: '2025-03-01', _pending: true, ...fields }; // day 731 for boy
  return assess({ child, m, history: [m], tables, on: m.measured_on });
};
const item = (panel, key) => panel.find((e) => e.attributes['data-key'] === key)[0];
const warnings = (panel) => panel.find((e) => e.attributes.id === 'warnings')[0]?.textContent ?? '';

test("a 2-year-old's LiLA of 11.0 cm shows gizi buruk and 'Rujuk ke puskesmas', in red", () => {
  setLang('id');
  const r = result({ weight_kg: 11.5, length_height_cm: 86, muac_cm: 11.0 });
  assert.equal(r.muac_sign, 'gizi_buruk');
  assert.equal(r.referral, true);
  const panel = statusPanel(r);
  const lila = item(panel, 'muac');
  assert.match(lila.attributes.class, /\bbad\b/);
  assert.match(lila.textContent, /LiLA/);
  assert.match(lila.textContent, /gizi buruk/);
  assert.match(warnings(panel), /LiLA .*11,5 cm.*Rujuk ke puskesmas/);
  setLang('en');
  assert.match(warnings(statusPanel(r)), /MUAC .*11\.5 cm.*[Rr]efer to the health centre/);
  setLang('id');
});

test('LiLA 11.5 is gizi kurang (amber, no referral) and 12.5 is normal', () => {
  setLang('id');
  const kurang = result({ muac_cm: 11.5 });
  assert.equal(kurang.muac_sign, 'gizi_kurang');
  assert.equal(kurang.referral, false);
  const panel = statusPanel(kurang);
  assert.match(item(panel, 'muac').attributes.class, /\bwarn\b/);
  assert.match(warnings(panel), /gizi kurang/);
  assert.doesNotMatch(warnings(panel), /Rujuk/);
  const normal = statusPanel(result({ muac_cm: 12.5 }));
  assert.match(item(normal, 'muac').attributes.class, /\bok\b/);
  assert.equal(warnings(normal), '');
});

test('under 6 months LiLA is not judged: no LiLA line, no warning', () => {
  const baby = { id: 'c2', sex: 'F', birth_date: '2024-09-01' }; // 2025-03-01: 181 days
  const r = result({ muac_cm: 10.0 }, baby);
  assert.equal(r.muac_sign, null);
  assert.equal(item(statusPanel(r), 'muac'), undefined);
});

test("a head circumference below -2 SD says 'Rujuk ke bidan/puskesmas'; within +-2 SD nothing", () => {
  setLang('id');
  const small = result({ head_circumference_cm: 42.0 }); // day 731: WHO M 48.2536, S 0.02821 → −4.59
  assert.equal(small.head_sign, 'mikrosefali');
  const panel = statusPanel(small);
  assert.match(item(panel, 'head').attributes.class, /\bbad\b/);
  assert.match(warnings(panel), /[Ll]ingkar kepala .*−2 SD.*Rujuk ke bidan\/puskesmas/);
  setLang('en');
  assert.match(warnings(statusPanel(small)), /[Hh]ead circumference .*−2 SD.*[Rr]efer/);
  setLang('id');
  const large = result({ head_circumference_cm: 53.0 }); // (53.0 / 48.2536 − 1) / 0.02821 = +3.49
  assert.equal(large.head_sign, 'makrosefali');
  assert.match(warnings(statusPanel(large)), /\+2 SD.*Rujuk ke bidan\/puskesmas/);
  const fine = result({ head_circumference_cm: 48.3 });
  assert.equal(fine.head_sign, 'normal');
  assert.equal(warnings(statusPanel(fine)), '');
});

// The parent's screen (screens/parent.js): the same signs of her child's latest measurement, in plain words.
const { child: parentChild } = await import('../../static/pwa/js/screens/parent.js');
/** The plain lines a parent reads for `fields` measured on day 731 of a boy named Budi, and what the kader sees of it. */
async function parentReads(fields, child = boy) {
  const kid = { ...child, name: 'Budi Santoso', posyandu_id: 'p1' };
  const m = { id: 'm1', child_id: kid.id, measured_on: '2025-03-01', ...fields };
  const ctx = { bundle: async () => ({ child: kid, measurements: [m], immunisations: [], supplements: [] }), tables: async () => tables,
    schedule: async () => null, area: async () => null, posyandus: async () => [], online: () => false };
  const plainPanel = (await parentChild(ctx, kid.id)).find((e) => e.attributes.id === 'plain')[0];
  const lines = plainPanel.find((e) => e.localName === 'p');
  const kader = statusPanel(assess({ child: kid, m, history: [m], tables, on: m.measured_on }));
  return { lines, text: lines.map((p) => p.textContent), kader };
}
const toneOf = (el) => ['bad', 'warn', 'ok'].find((c) => el.attributes.class.split(' ').includes(c));

test('a parent reads the LiLA and head signs of her child in plain words, red as the kader sees them', async () => {
  setLang('id');
  const { lines, text, kader } = await parentReads({ weight_kg: 11.5, length_height_cm: 86, muac_cm: 11.0, head_circumference_cm: 42.0 });
  const lila = lines.find((p) => p.textContent.startsWith('Lingkar lengan atas (LiLA)'));
  assert.ok(lila, text.join(' | '));
  assert.equal(lila.textContent, 'Lingkar lengan atas (LiLA) Budi 11,0 cm: tanda gizi buruk — segera bawa ke puskesmas.');
  const head = lines.find((p) => p.textContent.startsWith('Lingkar kepala'));
  assert.ok(head, text.join(' | '));
  assert.match(head.textContent, /^Lingkar kepala Budi lebih kecil dari normal untuk umurnya — bawa ke bidan atau puskesmas/);
  assert.equal(toneOf(lila), toneOf(item(kader, 'muac')));
  assert.equal(toneOf(head), toneOf(item(kader, 'head')));
  assert.equal(toneOf(lila), 'bad');
  setLang('en');
  const en = (await parentReads({ weight_kg: 11.5, length_height_cm: 86, muac_cm: 11.0, head_circumference_cm: 53.0 })).text;
  assert.ok(en.includes("Budi's mid-upper arm circumference (MUAC) is 11.0 cm: a sign of severe malnutrition — go to the health centre now."), en.join(' | '));
  assert.ok(en.some((p) => /^Budi's head is larger than normal for the age — take .* midwife or the health centre/.test(p)), en.join(' | '));
  setLang('id');
});

test('a LiLA of 12.0 cm is gizi kurang (amber) and a head within ±2 SD normal (green) for the parent too', async () => {
  setLang('id');
  const { lines, kader } = await parentReads({ weight_kg: 11.5, muac_cm: 12.0, head_circumference_cm: 48.3 });
  const lila = lines.find((p) => p.textContent.startsWith('Lingkar lengan atas (LiLA)'));
  assert.equal(lila.textContent, 'Lingkar lengan atas (LiLA) Budi 12,0 cm: tanda gizi kurang — konsultasikan ke bidan.');
  const head = lines.find((p) => p.textContent.startsWith('Lingkar kepala'));
  assert.equal(head.textContent, 'Lingkar kepala Budi normal untuk umurnya.');
  assert.deepEqual([toneOf(lila), toneOf(head)], ['warn', 'ok']);
  assert.deepEqual([toneOf(lila), toneOf(head)], [toneOf(item(kader, 'muac')), toneOf(item(kader, 'head'))]);
});

test('a parent is not told of a LiLA under 6 months (not judged), nor of one not measured', async () => {
  setLang('id');
  const baby = { id: 'c2', sex: 'F', birth_date: '2024-09-01' }; // 2025-03-01: 181 days
  const young = await parentReads({ weight_kg: 7.0, muac_cm: 10.0 }, baby);
  assert.ok(!young.text.some((p) => p.includes('LiLA')), young.text.join(' | '));
  const none = await parentReads({ weight_kg: 11.5 });
  assert.ok(!none.text.some((p) => p.includes('LiLA') || p.includes('Lingkar kepala')), none.text.join(' | '));
});

test('a child weighed past 60 months is told why nothing is judged, not shown an empty result', () => {
  // day 1886: past the WHO tables (day 1856) and the KMS; the result panel had no line at all
  const panel = statusPanel(result({ weight_kg: 17 }, { id: 'c2', sex: 'F', birth_date: '2020-01-01' }));
  assert.equal(panel.find((e) => e.localName === 'li').length, 0);
  assert.match(panel.find((e) => e.attributes.id === 'over-kms')[0]?.textContent ?? '', /lebih dari 60 bulan/);
  // a child under five has no such line
  assert.equal(statusPanel(result({ weight_kg: 12 })).find((e) => e.attributes.id === 'over-kms').length, 0);
});

test("the N/T line writes a gain of a kilo or more the Indonesian way ('1.200 g'), as every other number", () => {
  const baby = { id: 'c3', sex: 'M', birth_date: '2025-01-01' };
  const jan = { id: 'm0', child_id: 'c3', measured_on: '2025-01-20', weight_kg: 3.9 };
  const feb = { id: 'm1', child_id: 'c3', measured_on: '2025-02-20', weight_kg: 5.1, _pending: true };
  const panel = statusPanel(assess({ child: baby, m: feb, history: [jan, feb], tables, on: feb.measured_on }));
  assert.equal(item(panel, 'trend').find((e) => e.localName === 'strong')[0].textContent, 'N — naik 1.200 g (KBM 800 g)');
});

test("the due list is headed 'Jadwal hari ini' for today, and by its date for a back-dated visit", async () => {
  setLang('id');
  const { duePanel } = await import('../../static/pwa/js/screens/child.js');
  const { todayIso } = await import('../../static/pwa/js/ui.js');
  const due = { doses: [], supplements: [] };
  const heading = (panel) => panel.find((e) => e.tagName?.toLowerCase() === 'h3')[0].textContent;
  assert.equal(heading(duePanel(due)), 'Jadwal hari ini');
  assert.equal(heading(duePanel(due, todayIso())), 'Jadwal hari ini');
  const past = heading(duePanel(due, '2025-03-01'));
  assert.match(past, /^Jadwal .*2025/);
  assert.doesNotMatch(past, /hari ini/);
});

test('an infant entered as standing with an implausible weight is told both: measure lying, and re-measure the value', () => {
  // 2 months old (60 days), 50 kg typed (WHO wfa far above +5 SD: flagged) and the length marked standing
  // (under 9 months: WHO anthro's c9mo_flag). Only 'measure lying down' was shown; the implausible weight
  // went without its 'measure again' warning.
  setLang('en');
  const baby = { id: 'c3', sex: 'M', birth_date: '2025-01-01' }; // 2025-03-02: day 60
  const r = result({ measured_on: '2025-03-02', weight_kg: 50, length_height_cm: 58, position: 'standing' }, baby);
  assert.deepEqual(r.growth.warnings, ['standing_under_9_months', 'remeasure']);
  assert.equal(r.growth.flags.wfa, true);
  const said = warnings(statusPanel(r));
  assert.match(said, /cannot stand: measure lying down/);
  assert.match(said, /Implausible value: measure again/);
  const lyingOnly = statusPanel(result({ measured_on: '2025-03-02', weight_kg: 5.5, length_height_cm: 58, position: 'standing' }, baby));
  assert.match(warnings(lyingOnly), /cannot stand/); // a plausible weight: the position alone
  assert.doesNotMatch(warnings(lyingOnly), /Implausible/);
  setLang('id');
});

test('a length past the WHO weight-for-length table says BB/PB is not judged, instead of leaving the line out', () => {
  setLang('id');
  const note = (panel) => panel.find((e) => e.attributes.id === 'lh-out-of-range')[0]?.textContent ?? '';
  const baby = { id: 'c2', sex: 'F', birth_date: '2025-01-01' };
  const short = result({ weight_kg: 1.9, length_height_cm: 44.0, position: 'lying' }, baby); // under 45 cm
  assert.ok(short.growth.warnings.includes('length_height_out_of_range'));
  assert.equal(item(statusPanel(short), 'bb_tb'), undefined, 'not judged');
  assert.match(note(statusPanel(short)), /di luar tabel WHO.*tidak dinilai/);
  setLang('en');
  assert.match(note(statusPanel(short)), /outside the WHO tables.*not judged/);
  setLang('id');
  assert.equal(note(statusPanel(result({ weight_kg: 11.5, length_height_cm: 86 }))), '', 'within the table: nothing said');
});
