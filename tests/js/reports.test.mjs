// The reports screen's pure shaping (report-shape.js) with hand-worked numbers, and the
// authenticated download (api.download) that the CSV/XLSX buttons use.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as R from '../../static/pwa/js/report-shape.js';
import * as Q from '../../static/pwa/js/online/report-query.js';
import { createApi } from '../../static/pwa/js/api.js';

test('percentages: one decimal, rounded like the server (half up from the exact ratio, as Excel and the paper forms)', () => {
  assert.equal(R.pct(1, 3), 33.3);
  assert.equal(R.pct(2, 3), 66.7);
  assert.equal(R.pct(7, 8), 87.5);
  assert.equal(R.pct(1, 16), 6.3); // 6.25 exactly: half up
  assert.equal(R.pct(3, 16), 18.8); // 18.75
  assert.equal(R.pct(39, 48), 81.3); // 81.25
  assert.equal(R.pct(1, 400), 0.3); // 0.25
  assert.equal(R.pct(3, 2000), 0.2); // 0.15: (100 * 3) / 2000 is 0.1499… as a float, toFixed gave 0.1
  assert.equal(R.pct(1, 1600), 0.1); // 0.0625
  assert.equal(R.pct(8, 8), 100);
  assert.equal(R.pct(0, 5), 0);
  assert.equal(R.pct(5, 0), null);
});

test('months: a range across the new year, the last full month, the picker list newest first', () => {
  assert.deepEqual(R.monthRange('2024-11', '2025-02'), ['2024-11', '2024-12', '2025-01', '2025-02']);
  assert.deepEqual(R.monthRange('2025-08', '2025-08'), ['2025-08']);
  assert.deepEqual(R.monthRange('2025-08', '2025-07'), []);
  assert.equal(R.lastFullMonth('2025-01-15'), '2024-12');
  assert.equal(R.addMonths('2025-08', -5), '2025-03');
  assert.equal(R.addMonths('2025-12', 1), '2026-01');
  assert.deepEqual(Q.monthsUpTo('2025-02', 3), ['2025-02', '2025-01', '2024-12']);
  assert.equal(Q.monthsUpTo('2025-08', 36).length, 36);
});

test('the query: month= for one month, from=&to= for a range, the area as region_code or posyandu_id', () => {
  assert.equal(Q.reportQuery({ from: '2025-08', to: '2025-08', level: 'posyandu', area: 'region:35.25.01' }),
    '?month=2025-08&level=posyandu&region_code=35.25.01');
  assert.equal(Q.reportQuery({ from: '2025-03', to: '2025-08', level: 'desa', area: 'posyandu:abc', format: 'csv' }),
    '?from=2025-03&to=2025-08&level=desa&posyandu_id=abc&format=csv');
  assert.equal(Q.reportQuery({ from: '2025-08', to: '2025-08', level: null, area: '' }), '?month=2025-08');
  assert.equal(Q.reportQuery({ from: '2025-08', to: '2025-08', format: 'csv', sep: 'semicolon' }), '?month=2025-08&format=csv&sep=semicolon');
});

const skdnA = { month: '2025-08', area: 'a', S: 40, K: 38, D: 30, N: 20, T: 5, O: 3, B: 2, BGM: 1, '2T': 1, D_prime: 25 };
const skdnB = { month: '2025-08', area: 'b', S: 10, K: 10, D: 9, N: 6, T: 2, O: 1, B: 0, BGM: 0, '2T': 0, D_prime: 8 };

test('SKDN total over areas: counts added, ratios from the sums (not averaged)', () => {
  const t = R.skdnTotal([skdnA, skdnB]);
  assert.deepEqual([t.S, t.K, t.D, t.N, t.T, t.O, t.B, t.BGM, t['2T'], t.D_prime], [50, 48, 39, 26, 7, 4, 2, 1, 1, 33]);
  assert.equal(t.D, t.N + t.T + t.O + t.B);
  assert.equal(t.K_S, 96); // 48/50
  assert.equal(t.D_S, 78); // 39/50 (area a alone is 75.0, b 90.0: the mean 82.5 would be wrong)
  assert.equal(t.D_K, 81.3); // 39/48 = 81.25, half up
  assert.equal(t.N_D, 66.7); // 26/39
  assert.equal(t.N_D_prime, 78.8); // 26/33 = 78.79
  assert.equal(t.N_S, 52); // 26/50
  assert.equal(R.skdnTotal([]).D_S, null);
});

const prev = (month, area, extra) => ({ month, area, sex: 'all', age_group: '0-59', measured: 0, flagged: 0, tb_u_n: 0, stunted: 0,
  severely_stunted: 0, flagged_tb_u: 0, bb_tb_n: 0, wasted: 0, severely_wasted: 0, overweight: 0, flagged_bb_tb: 0, bb_u_n: 0,
  underweight: 0, severely_underweight: 0, flagged_bb_u: 0, ...extra });

test('prevalence total: only the overall rows (all sexes, 0-59), percentages from the summed counts', () => {
  const rows = [
    prev('2025-08', 'a', { measured: 31, flagged: 1, tb_u_n: 30, stunted: 6, bb_tb_n: 29, wasted: 3, overweight: 1, bb_u_n: 31, underweight: 4, flagged_bb_tb: 1 }),
    prev('2025-08', 'b', { measured: 20, tb_u_n: 20, stunted: 5, bb_tb_n: 20, wasted: 1, overweight: 0, bb_u_n: 20, underweight: 2 }),
    { ...prev('2025-08', 'a', { tb_u_n: 14, stunted: 4 }), sex: 'F' }, // a breakdown row: must not count twice
    { ...prev('2025-08', 'a', { tb_u_n: 5, stunted: 1 }), age_group: '0-5' },
  ];
  const overall = R.prevalenceOverall(rows);
  assert.equal(overall.length, 2);
  const t = R.prevalenceTotal(overall);
  assert.deepEqual([t.measured, t.flagged, t.tb_u_n, t.stunted, t.flagged_bb_tb], [51, 1, 50, 11, 1]);
  assert.equal(t.stunting_pct, 22); // 11/50
  assert.equal(t.wasting_pct, 8.2); // 4/49 = 8.16
  assert.equal(t.underweight_pct, 11.8); // 6/51 = 11.76
  assert.equal(t.overweight_pct, 2); // 1/49 = 2.04
});

test('trend series: per month the area total of D/S and stunting; a month without rows is a gap (null)', () => {
  const skdn = [skdnA, skdnB, { ...skdnA, month: '2025-07', D: 20, S: 40 }];
  const prevalence = [prev('2025-08', 'a', { tb_u_n: 30, stunted: 6 }), prev('2025-08', 'b', { tb_u_n: 20, stunted: 5 }),
    prev('2025-07', 'a', { tb_u_n: 16, stunted: 4 })];
  const s = R.trend(skdn, prevalence, ['2025-06', '2025-07', '2025-08']);
  assert.deepEqual(s.map((p) => p.month), ['2025-06', '2025-07', '2025-08']);
  assert.deepEqual(s.map((p) => p.D_S), [null, 50, 78]);
  assert.deepEqual(s.map((p) => p.stunting_pct), [null, 25, 22]);
  assert.deepEqual([s[2].S, s[2].D, s[2].stunted, s[2].tb_u_n], [50, 39, 11, 50]);
});

test('coverage total per indicator over areas, in the order the server gives', () => {
  const rows = [
    { area: 'a', indicator: 'HB0', kind: 'dose', target: 12, covered: 12, given_in_period: 1 },
    { area: 'a', indicator: 'BCG', kind: 'dose', target: 12, covered: 10, given_in_period: 3 },
    { area: 'b', indicator: 'HB0', kind: 'dose', target: 8, covered: 7, given_in_period: 0 },
    { area: 'b', indicator: 'BCG', kind: 'dose', target: 8, covered: 5, given_in_period: 2 },
    { area: 'a', indicator: 'IDL', kind: 'idl', target: 3, covered: 2, given_in_period: null },
    { area: 'b', indicator: 'IDL', kind: 'idl', target: 0, covered: 0, given_in_period: null },
  ];
  assert.deepEqual(R.coverageTotal(rows), [
    { indicator: 'HB0', kind: 'dose', target: 20, covered: 19, given_in_period: 1, coverage_pct: 95 },
    { indicator: 'BCG', kind: 'dose', target: 20, covered: 15, given_in_period: 5, coverage_pct: 75 },
    { indicator: 'IDL', kind: 'idl', target: 3, covered: 2, given_in_period: null, coverage_pct: 66.7 },
  ]);
});

test('reasons on the action list are counted per child', () => {
  assert.deepEqual(R.reasonCounts([{ reasons: ['T', '2T'] }, { reasons: ['T', 'stunting'] }, { reasons: ['overdue_immunisation'] }]),
    { T: 2, '2T': 1, stunting: 1, overdue_immunisation: 1 });
});

test('the reports screen reads the follow-up list a page of 50 at a time, by the cursor of the page before', () => {
  const form = { from: '2025-07', to: '2025-08', area: 'region:35.25', level: 'kecamatan' };
  assert.equal(Q.actionsQuery(form), '?from=2025-07&to=2025-08&region_code=35.25&limit=50');
  assert.equal(Q.actionsQuery({ ...form, from: '2025-08' }, 'WyJhIiwgMV0='),
    '?month=2025-08&region_code=35.25&limit=50&cursor=WyJhIiwgMV0%3D');
});

test('the list\'s counts: the server\'s; counted from the rows only when every row is read', () => {
  const actions = [{ reasons: ['T', '2T'] }, { reasons: ['stunting'] }];
  const counts = { children: 1234, reasons: { T: 700, '2T': 80, stunting: 600 } };
  assert.deepEqual(R.actionCounts({ actions, next: null }), { children: 2, reasons: { T: 1, '2T': 1, stunting: 1 } });
  assert.deepEqual(R.actionCounts({ actions }), { children: 2, reasons: { T: 1, '2T': 1, stunting: 1 } }, 'saved whole');
  assert.equal(R.actionCounts({ actions, next: 'c1' }), null, 'a page of a longer list counts nothing by itself');
  assert.equal(R.actionCounts({ actions, next: 'c1', counts }), counts);
  assert.equal(R.actionCounts({ actions, next: null, counts }), counts);
});

const P = (id, name, desa) => ({ id, name, desa_code: desa });

test('area picker of a bidan: her desa and posyandu; her whole kecamatan and kabupaten are just "all"', () => {
  const { groups } = Q.areaOptions([P('p1', 'Posyandu Melati', '35.25.01.2001'), P('p2', 'Posyandu Mawar', '35.25.01.2002')],
    { '35.25.01.2001': 'Sumbergede', '35.25.01.2002': 'Sooko' });
  assert.deepEqual(groups.map((g) => g.kind), ['desa', 'posyandu']);
  assert.deepEqual(groups[0].options.map((o) => [o.value, o.name]), [['region:35.25.01.2002', 'Sooko'], ['region:35.25.01.2001', 'Sumbergede']]);
  assert.deepEqual(groups[1].options.map((o) => o.value), ['posyandu:p2', 'posyandu:p1']); // by name: Mawar, Melati
});

test('"all" of the area picker is named by the scope\'s one puskesmas or region, for the report\'s heading', () => {
  // the heading said "Seluruh wilayah saya" (my whole area), on paper too (the picker is not printed)
  const names = { '35.25': 'Kabupaten Gresik', '35.25.01': 'Wringinanom', '35.25.02': 'Driyorejo' };
  const pkm = [{ name: 'Puskesmas Wringinanom', kecamatan_code: '35.25.01' }, { name: 'Puskesmas Driyorejo', kecamatan_code: '35.25.02' }];
  const bidan = [P('p1', 'Posyandu Melati', '35.25.01.2001'), P('p2', 'Posyandu Mawar', '35.25.01.2002')];
  // a bidan's puskesmas, a posyandu of it in another kecamatan too (not the kabupaten: it is not all hers)
  const cangkir = P('p3', 'Posyandu Cempaka', '35.25.02.2002');
  assert.equal(Q.areaOptions([...bidan, cangkir], names, pkm.slice(0, 1)).whole, 'Puskesmas Wringinanom');
  assert.equal(Q.areaOptions(bidan, names, pkm).whole, 'Wringinanom · Puskesmas Wringinanom');
  assert.equal(Q.areaOptions([...bidan, cangkir], names, pkm).whole, 'Kabupaten Gresik');
  assert.equal(Q.areaOptions([...bidan, P('p9', 'Posyandu Bali', '51.71.01.1001')], names, pkm).whole, undefined);
});

test('area picker of dinkes: kecamatan with their puskesmas; a kader with one posyandu gets no picker', () => {
  const ps = [P('p1', 'Posyandu Melati', '35.25.01.2001'), P('p4', 'Posyandu Anggrek', '35.25.02.2001'), P('p5', 'Posyandu Flamboyan', '35.25.02.2002')];
  const { groups } = Q.areaOptions(ps, { '35.25.01': 'Wringinanom', '35.25.02': 'Driyorejo' },
    [{ name: 'Puskesmas Driyorejo', kecamatan_code: '35.25.02' }]);
  assert.deepEqual(groups.map((g) => g.kind), ['kecamatan', 'desa', 'posyandu']);
  assert.deepEqual(groups[0].options.map((o) => o.name), ['Driyorejo · Puskesmas Driyorejo', 'Wringinanom']);
  assert.equal(groups[1].options.length, 3);
  assert.equal(Q.areaOptions([ps[0]]).groups.length, 0);
});

test('area picker of a district: two posyandu of one name get their desa, two desa of one name their kecamatan', () => {
  // a district names its posyandu after flowers, and many desa alike: two options "Posyandu Mawar", two "Sooko",
  // nothing telling one from the other (the reports' rows name them the same way)
  const ps = [P('p1', 'Posyandu Mawar', '35.25.01.2002'), P('p2', 'Posyandu Mawar', '35.25.02.2002'),
    P('p3', 'Posyandu Melati', '35.25.02.2001')];
  const { groups } = Q.areaOptions(ps, { '35.25.01': 'Wringinanom', '35.25.02': 'Driyorejo', '35.25.01.2002': 'Sooko',
    '35.25.02.2001': 'Sooko', '35.25.02.2002': 'Cangkir' });
  const by = Object.fromEntries(groups.map((g) => [g.kind, g.options.map((o) => [o.value, o.name])]));
  assert.deepEqual(by.desa, [['region:35.25.02.2002', 'Cangkir'], ['region:35.25.02.2001', 'Sooko (Driyorejo)'],
    ['region:35.25.01.2002', 'Sooko (Wringinanom)']]);
  assert.deepEqual(by.posyandu, [['posyandu:p2', 'Posyandu Mawar (Cangkir)'], ['posyandu:p1', 'Posyandu Mawar (Sooko)'],
    ['posyandu:p3', 'Posyandu Melati']]);
});

test('area picker: "Posyandu" before a name and its case aside, two posyandu are namesakes, as the registry judges them', () => {
  const ps = [P('p1', 'Anggrek', '35.25.02.2001'), P('p2', 'Posyandu anggrek', '35.25.02.2002'), P('p3', 'Posyandu Melati', '35.25.02.2001')];
  const { groups } = Q.areaOptions(ps, { '35.25.02.2001': 'Sooko', '35.25.02.2002': 'Cangkir' });
  assert.deepEqual(groups.find((g) => g.kind === 'posyandu').options.map((o) => o.name),
    ['Anggrek (Sooko)', 'Posyandu anggrek (Cangkir)', 'Posyandu Melati']);
});

test('a download sends the token, accepts any type, refreshes once on 401 and keeps the server\'s file name', async () => {
  let tokens = { access_token: 'old', refresh_token: 'r' };
  const calls = [];
  const answers = [
    new Response('{}', { status: 401 }),
    new Response(JSON.stringify({ access_token: 'new' }), { status: 200 }),
    new Response('Bulan,S\r\n2025-08,40\r\n', { status: 200, headers: { 'Content-Type': 'text/csv', 'Content-Disposition': 'attachment; filename="skdn-35.25-kabupaten-gresik-2025-08.csv"' } }),
  ];
  globalThis.fetch = async (url, init) => { calls.push([url, init.headers.Authorization, init.headers.Accept]); return answers.shift(); };
  const api = createApi({ tokens: () => tokens, saveTokens: async (t) => { tokens = t; } });
  const { blob, filename } = await api.download('/reports/skdn?month=2025-08&format=csv');
  assert.equal(filename, 'skdn-35.25-kabupaten-gresik-2025-08.csv');
  assert.equal(await blob.text(), 'Bulan,S\r\n2025-08,40\r\n');
  assert.deepEqual(calls.map((c) => c[1]), ['Bearer old', 'Bearer r', 'Bearer new']);
  assert.equal(calls[2][2], '*/*');
  globalThis.fetch = async () => new Response(JSON.stringify({ title: 'Not Found' }), { status: 404 });
  await assert.rejects(api.download('/reports/skdn?month=2025-08&posyandu_id=x'), (e) => e.kind === 'client' && e.status === 404);
});

test('a parent\'s phone number grouped to read aloud or dial, and its tel: address (10 to 13 digits, +62)', () => {
  const cases = [
    ['0812345678', '0812-345-678', 'tel:0812345678'], // 10 digits
    ['08123456789', '0812-3456-789', 'tel:08123456789'], // 11
    ['081234567890', '0812-3456-7890', 'tel:081234567890'], // 12
    ['0812345678901', '0812-345-678-901', 'tel:0812345678901'], // 13
    ['+6281234567890', '+62 812-3456-7890', 'tel:+6281234567890'],
    ['6281234567890', '+62 812-3456-7890', 'tel:+6281234567890'], // without its "+": dialled as +62
    ['+628123456789', '+62 812-3456-789', 'tel:+628123456789'],
    ['+62812345678901', '+62 812-345-678-901', 'tel:+62812345678901'],
    ['08571234567', '0857-1234-567', 'tel:08571234567'],
  ];
  for (const [raw, text, href] of cases) assert.deepEqual(R.phoneText(raw), [text, href], raw);
  // the digits are all kept, in order
  for (const [raw, text] of cases) assert.equal(text.replace(/\D/g, '').replace(/^62/, '0'), raw.replace(/^\+?62/, '0'));
  // not a mobile number as the server takes them (an older record, a landline): shown as stored
  assert.deepEqual(R.phoneText('0215551234'), ['0215551234', 'tel:0215551234']);
});
