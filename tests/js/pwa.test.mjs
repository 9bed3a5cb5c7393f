// The PWA's pure logic at the table (assess.js, chart.js) and the shell's consistency
// (service worker precache up to date, no inline code the CSP would block).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative, dirname, resolve } from 'node:path';
import { assess, dueToday, nextDoses, tone } from '../../static/pwa/js/assess.js';
import { chartData } from '../../static/pwa/js/chart.js';
import { loadSchedule } from '../../static/pwa/js/due.js';
import { formatKg, texts } from '../../static/pwa/js/i18n.js';
import * as checks from '../../static/pwa/js/checks.js';
import * as forms from '../../static/pwa/js/screens/forms.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const pwa = join(root, 'static/pwa');
const json = (p) => JSON.parse(readFileSync(join(root, p), 'utf8'));
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'].map((n) => [n, json(`static/pwa/data/who/${n}.json`)]));
const schedule = loadSchedule(json('static/pwa/data/schedule-2024.json'));
const girl = { id: 'c1', sex: 'F', birth_date: '2024-01-15' };
const visit = (id, on, kg, extra = {}) => ({ id, child_id: 'c1', measured_on: on, weight_kg: kg, oedema: false, ...extra });

test('N when the gain reaches the KBM for the age (7 months: 400 g)', () => {
  const r = assess({ child: girl, m: visit('m2', '2024-08-15', 7.5), history: [visit('m1', '2024-07-15', 7.0)], tables, schedule, on: '2024-08-15' });
  assert.equal(r.kms.trend, 'N');
  assert.equal(r.kms.gain_g, 500);
  assert.equal(r.kms.kbm_g, 400);
  assert.equal(r.referral, false);
});

test("a length alone: PB/U of its own, BB/U and N/T of the month's weighing before it, never BB/PB", () => {
  const length = visit('m3', '2024-08-15', null, { length_height_cm: 66, position: 'lying', recorded_at: '2024-08-15T03:00:00Z' });
  const july = visit('m1', '2024-07-15', 7.0);
  const weighed = visit('m2', '2024-08-15', 7.5, { recorded_at: '2024-08-15T02:00:00Z', _pending: true });
  const r = assess({ child: girl, m: length, history: [july, weighed, length], tables, schedule, on: '2024-08-15' });
  assert.equal(r.growth.status.tb_u, 'normal');
  assert.equal(r.growth.status.bb_tb, null);
  assert.equal(r.kms, null); // its own: no weight
  assert.deepEqual([r.weighed.on, r.weighed.bb_u, r.weighed.kms.trend, r.weighed.kms.gain_g], ['2024-08-15', 'normal', 'N', 500]);
  // only July's weighing before it: none that month, said as such
  assert.deepEqual(assess({ child: girl, m: length, history: [july, length], tables, schedule, on: '2024-08-15' }).weighed,
    { on: null, bb_u: null, kms: null });
  // a weighing, or oedema (severely wasted whatever the numbers): nothing taken from another entry
  assert.equal(assess({ child: girl, m: weighed, history: [july, weighed], tables, schedule, on: '2024-08-15' }).weighed, null);
  assert.equal(assess({ child: girl, m: { ...length, oedema: true }, history: [weighed], tables, schedule, on: '2024-08-15' }).weighed, null);
});

test('T twice in a row is 2T and means referral', () => {
  const history = [visit('m0', '2024-06-15', 7.0), visit('m1', '2024-07-15', 7.1)];
  const r = assess({ child: girl, m: visit('m2', '2024-08-15', 7.2), history, tables, schedule, on: '2024-08-15' });
  assert.equal(r.kms.trend, 'T');
  assert.equal(r.kms.two_t, true);
  assert.equal(r.referral, true);
});

test('a second weighing in the month of the first is still B (new), as the server says', () => {
  const first = visit('m1', '2024-08-05', 7.0);
  const again = assess({ child: girl, m: visit('m2', '2024-08-25', 7.1), history: [first], tables, schedule, on: '2024-08-25' });
  assert.equal(again.kms.trend, 'B');
  const later = assess({ child: girl, m: visit('m3', '2024-10-05', 7.4), history: [first], tables, schedule, on: '2024-10-05' });
  assert.equal(later.kms.trend, 'O');
});

test('the server trend of last month is used for 2T when it has one', () => {
  const history = [visit('m1', '2024-07-15', 7.0, { trend: 'N', zscores: {}, status: {} })];
  const r = assess({ child: girl, m: visit('m2', '2024-08-15', 7.1), history, tables, schedule, on: '2024-08-15' });
  assert.equal(r.kms.trend, 'T');
  assert.equal(r.kms.two_t, false);
});

test("a health worker's N/T stands over the computed one, as the server's effective_trend", () => {
  // June 7.0, July 7.1 (T), August 7.2 (T): 2T by the KBM; a bidan judged July N (the curve follows its line)
  const june = visit('m0', '2024-06-15', 7.0);
  const july = visit('m1', '2024-07-15', 7.1, { _pending: true, trend_override: 'N', trend_override_reason: 'kurva mengikuti garis' });
  const judged = assess({ child: girl, m: july, history: [june, july], tables, schedule, on: '2024-07-15' }).kms;
  assert.deepEqual([judged.trend, judged.trend_computed, judged.overridden, judged.override_reason],
    ['N', 'T', true, 'kurva mengikuti garis']);
  // next month's 2T reads the trend that counts for July (N): no 2T
  const august = assess({ child: girl, m: visit('m2', '2024-08-15', 7.2), history: [june, july], tables, schedule, on: '2024-08-15' }).kms;
  assert.deepEqual([august.trend, august.two_t], ['T', false]);
  // a month judged N is not the second T of a 2T either, and one judged T after a T month is 2T
  const julyT = visit('m1', '2024-07-15', 7.1);
  const augustN = assess({ child: girl, m: visit('m2', '2024-08-15', 7.2, { _pending: true, trend_override: 'N', trend_override_reason: 'x' }),
    history: [june, julyT], tables, schedule, on: '2024-08-15' }).kms;
  assert.deepEqual([augustN.trend, augustN.trend_computed, augustN.two_t, augustN.referral], ['N', 'T', false, false]);
  const augustT = assess({ child: girl, m: visit('m2', '2024-08-15', 7.8, { _pending: true, trend_override: 'T', trend_override_reason: 'x' }),
    history: [june, julyT], tables, schedule, on: '2024-08-15' }).kms;
  assert.deepEqual([augustT.trend, augustT.trend_computed, augustT.two_t, augustT.referral], ['T', 'N', true, true]);
  // an override over a computed O or B does not stand (its last month was deleted since): the computed one counts
  const alone = assess({ child: girl, m: visit('m3', '2024-10-15', 7.5, { trend_override: 'N', trend_override_reason: 'x' }),
    history: [june], tables, schedule, on: '2024-10-15' }).kms;
  assert.deepEqual([alone.trend, alone.overridden], ['O', false]);
});

test('a birth weight is kept and shown to the gram, as the server keeps it (registry/models.py: kg to 0,001)', () => {
  // 2,499 kg is under the 2,500 g line of low birth weight: kept to 0,01 it was 2,50, on the line
  const typed = (value) => ({ elements: { birth_weight_kg: { value } } });
  const kept = (value) => forms.range({}, typed(value), 'birth_weight_kg', 0.5, 6, { grams: true, places: 3 });
  assert.deepEqual(['2,499', '2,4994', '2,4995', '3,2'].map(kept), [2.499, 2.499, 2.5, 3.2]);
  assert.match(readFileSync(join(root, 'static/pwa/js/screens/forms.js'), 'utf8'), /'birth_weight_kg', 0\.5, 6, \{ grams: true, places: 3 \}/);
  assert.deepEqual([2.499, 3.2, 7.25].map(formatKg), ['2,499', '3,2', '7,25']); // Bahasa Indonesia, the default
});

test('a weighing is kept and judged with the decimals the server stores (kg 0,01, cm 0,1; half away from zero)', () => {
  // validators.as_stored: Decimal(repr(x)).quantize(..., ROUND_HALF_UP), as PostgreSQL's numeric
  for (const [value, places, stored] of [[7.255, 2, 7.26], [7.195, 2, 7.2], [1.005, 2, 1.01], [2.675, 2, 2.68],
    [74.25, 1, 74.3], [74.24, 1, 74.2], [0.995, 2, 1], [7.2, 2, 7.2], [null, 2, null]]) {
    assert.equal(checks.asStored?.(value, places), stored, `${value} to ${places} decimals`);
  }
  const typed = (values) => ({ elements: Object.fromEntries(Object.entries(values).map(([k, value]) => [k, { value }])) });
  const form = typed({ weight_kg: '7,195', length_height_cm: '74,25', head_circumference_cm: '45,05', muac_cm: '14,15' });
  const errors = {};
  const kept = Object.fromEntries(Object.entries(forms.VISIT_NUMBERS ?? {})
    .map(([name, [lo, hi, options]]) => [name, forms.range(errors, form, name, lo, hi, options)]));
  assert.deepEqual(kept, { weight_kg: 7.2, length_height_cm: 74.3, head_circumference_cm: 45.1, muac_cm: 14.2 });
  assert.deepEqual(errors, {});
  // 7,00 → "7,195" kg at 12 months: the server stores 7,20 (200 g = the KBM: N), not a T the phone showed
  const baby = { id: 'c2', sex: 'M', birth_date: '2023-08-01' };
  const r = assess({ child: baby, m: { ...visit('m2', '2024-09-10', kept.weight_kg), child_id: 'c2' },
    history: [{ ...visit('m1', '2024-08-10', 7.0), child_id: 'c2' }], tables, schedule, on: '2024-09-10' });
  assert.deepEqual([r.kms.trend, r.kms.gain_g, r.kms.kbm_g], ['N', 200, 200]);
});

test('the weighing form starts lying under 731 days, standing from 731, as the calculator assumes', () => {
  const lying = forms.measuredLying ?? (() => null);
  assert.equal(lying('2021-05-10', '2023-05-10'), true, 'second birthday, no 29 February between: day 730');
  assert.equal(lying('2021-05-10', '2023-05-11'), false, 'day 731');
  assert.equal(lying('2022-05-10', '2024-05-09'), true, 'day 730 the day before a second birthday across a leap day');
  assert.equal(lying('2022-05-10', '2024-05-10'), false, 'day 731');
  assert.equal(lying('2024-02-29', '2026-02-28'), true);
  assert.equal(lying('2024-02-29', '2026-03-01'), false);
});

test('O without last month, B at the first weighing', () => {
  const o = assess({ child: girl, m: visit('m2', '2024-08-15', 7.5), history: [visit('m1', '2024-05-15', 6.5)], tables, schedule, on: '2024-08-15' });
  assert.equal(o.kms.trend, 'O');
  const b = assess({ child: girl, m: visit('m2', '2024-08-15', 7.5), tables, schedule, on: '2024-08-15' });
  assert.equal(b.kms.trend, 'B');
});

test('a second weighing the same day is still B in the month of the first, as the server says', () => {
  // posyandu.growth.trend.series_trends: a same-day pair is ordered as recorded (the server answers
  // the later one with possible_duplicate_of); both are the child's first month: new, B, not O
  const first = visit('m1', '2024-08-15', 7.5, { created_at: '2024-08-15T02:00:00+00:00', trend: 'B', zscores: {}, status: {} });
  const again = visit('m2', '2024-08-15', 7.6, { recorded_at: '2024-08-15T03:00:00.000Z' });
  assert.equal(assess({ child: girl, m: again, history: [first, again], tables, schedule, on: '2024-08-15' }).kms.trend, 'B');
  const pendingFirst = { ...first, created_at: undefined, recorded_at: '2024-08-15T02:00:00.000Z', _pending: true };
  assert.equal(assess({ child: girl, m: again, history: [pendingFirst], tables, schedule, on: '2024-08-15' }).kms.trend, 'B',
    'both still on the phone');
  assert.equal(assess({ child: girl, m: first, history: [first, again], tables, schedule, on: '2024-08-15' }).kms.trend, 'B',
    'the first of the pair stays B');
});

test('a weighing not sent yet comes after the server\'s of its day, whatever the phone\'s clock said, as the server orders it', () => {
  // another phone's weighing of the same day reached the server (created 03:00) after this phone saved
  // its own (02:00) but before it was sent: the server creates this one after it (the month's latest)
  const theirs = visit('m1', '2024-08-15', 7.5, { created_at: '2024-08-15T03:00:00+00:00', trend: 'B', zscores: {}, status: {} });
  const mine = visit('m2', '2024-08-15', 7.6, { recorded_at: '2024-08-15T02:00:00.000Z', _pending: true });
  const next = assess({ child: girl, m: visit('m3', '2024-09-15', 8.1), history: [theirs, mine], tables, schedule, on: '2024-09-15' });
  assert.equal(next.kms.gain_g, 500, 'last month is the weighing the server holds as the later one');
});

test('last month is its latest weighing: of a same-day pair, the one recorded later', () => {
  const history = [visit('m0', '2024-07-15', 7.0, { created_at: '2024-07-15T02:00:00+00:00' }),
    visit('m1', '2024-07-15', 7.3, { created_at: '2024-07-15T03:00:00+00:00' })];
  const r = assess({ child: girl, m: visit('m2', '2024-08-15', 7.5), history: [...history].reverse(), tables, schedule, on: '2024-08-15' });
  assert.equal(r.kms.gain_g, 200);
});

test('BGM below −3 SD weight-for-age asks for referral; the category is colour-coded', () => {
  const r = assess({ child: girl, m: visit('m1', '2024-08-15', 5.0), tables, schedule, on: '2024-08-15' });
  assert.equal(r.growth.status.bb_u, 'sangat_kurang');
  assert.equal(r.kms.bgm, true);
  assert.equal(r.referral, true);
  assert.equal(tone(r.growth.status.bb_u), 'bad');
  assert.equal(tone('kurang'), 'warn');
  assert.equal(tone('gizi_baik'), 'ok');
});

test('an implausible value asks to re-measure and gets no category', () => {
  const r = assess({ child: girl, m: visit('m1', '2024-08-15', 25), tables, schedule, on: '2024-08-15' });
  assert.equal(r.remeasure, true);
  assert.equal(r.growth.flags.wfa, true);
  assert.equal(r.growth.status.bb_u, null);
});

test('a weight-for-age flagged implausible still marks BGM and referral, as the server does', () => {
  // posyandu.growth.trend.kms_status reads the stored wfa whatever its flag: the same child offline
  const boy = { id: 'c2', sex: 'M', birth_date: '2024-08-15' };
  const r = assess({ child: boy, m: { ...visit('m1', '2025-08-10', 3.0), child_id: 'c2' }, tables, schedule, on: '2025-08-10' });
  assert.equal(r.growth.flags.wfa, true);
  assert.ok(r.growth.zscores.wfa < -6);
  assert.equal(r.growth.status.bb_u, null);
  assert.equal(r.kms.bgm, true);
  assert.equal(r.kms.referral, true);
});

test('oedema is severe and referred at once', () => {
  const r = assess({ child: girl, m: visit('m1', '2024-08-15', 7.0, { oedema: true }), tables, schedule, on: '2024-08-15' });
  assert.equal(r.severe, true);
  assert.equal(r.referral, true);
  assert.equal(r.growth.zscores.wfa, null);
});

test('due today at 2 months includes the first pentavalent dose; the next dose for parents', () => {
  const due = dueToday({ child: girl, immunisations: [{ vaccine: 'HB0', dose: 1, given_on: '2024-01-15' }, { vaccine: 'BCG', dose: 1, given_on: '2024-02-15' }, { vaccine: 'OPV', dose: 1, given_on: '2024-02-15' }], schedule, on: '2024-03-15' });
  assert.ok(due.doses.some((d) => d.vaccine === 'DPT-HB-Hib' && d.dose === 1));
  assert.ok(!due.doses.some((d) => d.vaccine === 'BCG'));
  // every dose due that first date (DPT-HB-Hib 1, OPV 2, PCV 1, RV 1), not the first of them alone
  assert.deepEqual(nextDoses(due.card).map((e) => [e.label, e.status]).sort(),
    [['DPT-HB-Hib 1', 'due'], ['OPV 2', 'due'], ['PCV 1', 'due'], ['RV 1', 'due']]);
});

test('a dose allowed before its recommended age is due today as early, not later (as the due list says)', () => {
  // DPT-HB-Hib 1, OPV 2, PCV 1, RV 1: allowed from 42 days (2024-02-26), recommended at 2 months (2024-03-15)
  const due = dueToday({ child: girl, immunisations: [{ vaccine: 'HB0', dose: 1, given_on: '2024-01-15' }, { vaccine: 'BCG', dose: 1, given_on: '2024-01-20' }, { vaccine: 'OPV', dose: 1, given_on: '2024-01-20' }], schedule, on: '2024-02-28' });
  const dpt = due.doses.find((d) => d.vaccine === 'DPT-HB-Hib' && d.dose === 1);
  assert.equal(dpt.status, 'early');
  assert.equal(due.card.entries.find((e) => e.label === 'DPT-HB-Hib 1').status, 'upcoming'); // the card itself is unchanged
});

test('a doses form dated back does not offer a dose already recorded on a later day (the server refuses it twice)', () => {
  const immunisations = [{ vaccine: 'HB0', dose: 1, given_on: '2024-01-15' }, { vaccine: 'BCG', dose: 1, given_on: '2024-03-01' }];
  const back = dueToday({ child: girl, immunisations, schedule, on: '2024-02-20' });
  assert.equal(back.doses.some((d) => d.vaccine === 'BCG' && d.dose === 1), false);
  assert.equal(back.doses.some((d) => d.vaccine === 'OPV' && d.dose === 1), true);
  // nor a capsule of the round recorded later in it (February: the vitamin A month)
  const older = { ...girl, birth_date: '2023-01-15' };
  const capsules = [{ kind: 'vitamin_a_red', given_on: '2025-02-20' }];
  const feb = (on) => dueToday({ child: older, supplements: capsules, schedule, on }).supplements.map((s) => s.kind);
  assert.equal(feb('2025-02-10').includes('vitamin_a_red'), false);
  assert.equal(dueToday({ child: older, supplements: [], schedule, on: '2025-02-10' }).supplements.some((s) => s.kind === 'vitamin_a_red'), true);
});

test('chart data: WHO SD curves by age, weight-for-length under 2 years, weight-for-height after', () => {
  const d = chartData(girl, [{ age_days: 300, weight_kg: 8, length_height_cm: 70 }], tables);
  assert.deepEqual(Object.keys(d.curves), ['wfa', 'lhfa', 'wfl']);
  assert.equal(d.curves.wfa.x_values[0], 0);
  assert.ok(d.curves.wfa.x_values.length >= 13);
  assert.equal(d.curves.wfa.sd['0'][0], 3.23); // WHO girls' median birth weight
  const older = chartData(girl, [{ age_days: 800 }], tables);
  assert.ok(older.curves.wfh);
});

// --- the shell ---------------------------------------------------------------------------------
const files = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? files(join(dir, n)) : [join(dir, n)]));

test('sw.js precaches every shell file under a VERSION that is the hash of their content (scripts/pwa_precache.py)', () => {
  const paths = files(pwa).map((f) => `/${relative(pwa, f).split('\\').join('/')}`)
    .filter((p) => p !== '/sw.js' && !p.split('/').pop().startsWith('.') && !p.startsWith('/js/online/') && !/^\/icons\/.*\.png$/.test(p)).sort();
  const hash = createHash('sha256');
  for (const p of paths) hash.update(Buffer.concat([Buffer.from(`${p}\0`), readFileSync(join(pwa, p)), Buffer.from('\0')]));
  const sw = readFileSync(join(pwa, 'sw.js'), 'utf8');
  assert.equal(sw.match(/^const VERSION = '(\w+)';$/m)?.[1], hash.digest('hex').slice(0, 16), 'run scripts/pwa_precache.py');
  assert.deepEqual(JSON.parse(sw.match(/^const PRECACHE = (.*);$/m)[1]), paths);
  assert.deepEqual(readFileSync(join(pwa, 'data/schedule-2024.json')), readFileSync(join(root, 'posyandu/immunisation/data/schedule-2024.json')));
});

test('no inline script or style that the CSP (script-src/style-src self) would block', () => {
  const html = readFileSync(join(pwa, 'index.html'), 'utf8');
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/);
  assert.doesNotMatch(html, /<style|\sstyle=|\son\w+=/);
  for (const f of files(join(pwa, 'js'))) {
    const src = readFileSync(f, 'utf8');
    assert.doesNotMatch(src, /innerHTML|insertAdjacentHTML|setAttribute\('style'|eval\(/, f);
    for (const [, spec] of src.matchAll(/from '(\.[^']+)'/g)) assert.ok(existsSync(resolve(dirname(f), spec)), `${f} imports ${spec}`);
  }
});

test('the service worker answers shell files from its cache and never touches /api/ (schedule included)', () => {
  const listeners = {};
  const self = { addEventListener: (type, fn) => { listeners[type] = fn; }, location: { origin: 'https://p.example' } };
  new Function('self', 'caches', 'fetch', readFileSync(join(pwa, 'sw.js'), 'utf8'))(self,
    { match: async () => undefined }, async () => new Response('net'));
  const answered = (path, mode = 'no-cors') => {
    let responded = false;
    listeners.fetch({ request: { url: `https://p.example${path}`, method: 'GET', mode }, respondWith: () => { responded = true; } });
    return responded;
  };
  assert.equal(answered('/api/v1/immunisation/schedule'), false);
  assert.equal(answered('/api/v1/posyandu/x/due-list?date=2025-02-10'), false);
  assert.equal(answered('/api/v1/sync/pull?limit=500'), false);
  assert.equal(answered('/data/schedule-2024.json'), true);
  assert.equal(answered('/', 'navigate'), true);
});

test('every text a screen asks for by name has its [Indonesian, English] pair in i18n.js', () => {
  for (const f of files(join(pwa, 'js')).filter((p) => !p.endsWith('i18n.js'))) {
    for (const [, key] of readFileSync(f, 'utf8').matchAll(/\bt\('(\w+)'/g)) {
      const [id, en] = texts(key);
      assert.ok(id !== key || en !== key, `${relative(pwa, f)}: t('${key}') has no text`);
      assert.ok(id && en, `${key}: both languages`);
    }
  }
});
