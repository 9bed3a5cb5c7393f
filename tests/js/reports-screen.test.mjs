// The reports screen (screens/reports.js) on a small DOM stand-in: a report that arrives after the
// user on the phone changed (logout, another login) is neither shown nor saved for the offline view
// into the next user's database.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './fakedom.mjs';

installDom();

const reports = await import('../../static/pwa/js/screens/reports.js');
const { t, textsOf } = await import('../../static/pwa/js/i18n.js');
const tx = textsOf((await import('../../static/pwa/js/online/report-form.js')).W);
const tick = () => new Promise((r) => setTimeout(r, 5));

test('a report answered after another user logged in is neither shown nor kept for the offline view', async () => {
  const answers = [];
  const saved = [];
  const first = { user: { id: 'bidan1', role: 'bidan' } };
  const ctx = { role: 'bidan', session: first, online: () => true,
    api: { get: (path) => new Promise((resolve) => answers.push(() => resolve({ rows: [], items: [], path }))) },
    lastReport: { get: async () => null, put: async (value) => { saved.push(value); } },
    reports: { form: { from: '2025-05', to: '2025-05', area: '', level: 'posyandu' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const screen = await reports.render(ctx);
  const results = screen.querySelector('#report-results');
  assert.equal(answers.length, 4, 'SKDN, prevalence, coverage, actions asked');
  // the phone changes hands: bidan1 logs out, kader2 logs in (app.js startSession)
  ctx.session = { user: { id: 'kader2', role: 'kader' } };
  ctx.role = 'kader';
  answers.forEach((answer) => answer()); // bidan1's answers arrive late (a slow connection)
  await tick();
  assert.deepEqual(saved, [], 'not saved into the next user\'s database');
  assert.equal(ctx.reports.data, null, 'not kept in memory for the next user');
  assert.equal(results.textContent, tx('report_loading'), 'not drawn');
});

test('a report answered while the same user is on the phone is shown and kept for the offline view', async () => {
  const saved = [];
  const ctx = { role: 'bidan', session: { user: { id: 'bidan1', role: 'bidan' } }, online: () => true,
    api: { get: async () => ({ rows: [], items: [] }) },
    lastReport: { get: async () => null, put: async (value) => { saved.push(value); } },
    reports: { form: { from: '2025-05', to: '2025-05', area: '', level: 'posyandu' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const screen = await reports.render(ctx);
  await tick();
  assert.equal(saved.length, 1);
  assert.ok(screen.querySelector('#report-heading'));
});

/** Wait for `done()` (a module fetched by import() takes more than a tick), at most a second. */
const until = async (done) => { for (let i = 0; i < 200 && !done(); i += 1) await tick(); };
const child = (n) => ({ child_id: `c${n}`, name: `Anak ${n}`, posyandu_name: 'Posyandu Melati', age_months: 12,
  mother_name: null, guardian_phone: null, overdue_immunisations: [], reasons: n % 2 ? ['T'] : ['stunting'] });

test('a district\'s follow-up list: its first page, the counts of the whole list from the server, "Muat lagi" for the next', async () => {
  const asked = [];
  const saved = [];
  const pages = { '': { items: Array.from({ length: 50 }, (_, i) => child(i)), next_cursor: 'p2' },
    p2: { items: [child(50), child(51)], next_cursor: null } };
  const ctx = { role: 'dinkes', session: { user: { id: 'dinkes1', role: 'dinkes' } }, online: () => true,
    api: { get: async (path) => {
      asked.push(path);
      if (path.startsWith('/reports/actions/counts')) return { from: '2025-05', to: '2025-05', children: 31234, reasons: { T: 20001, stunting: 11233, BGM: 0 }, not_listed: 2 };
      if (path.startsWith('/reports/actions')) return pages[new URLSearchParams(path.split('?')[1]).get('cursor') ?? ''];
      return { rows: [] };
    } },
    lastReport: { get: async () => null, put: async (value) => { saved.push(structuredClone(value)); } },
    reports: { form: { from: '2025-05', to: '2025-05', area: '', level: 'puskesmas' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const screen = await reports.render(ctx);
  await until(() => saved.at(-1)?.counts);
  assert.ok(asked.includes('/reports/actions?month=2025-05&limit=50'), asked.join(' '));
  assert.ok(asked.includes('/reports/actions/counts?month=2025-05'), 'the whole list is counted by the server');
  assert.ok(!asked.some((p) => p.startsWith('/reports/actions?') && !p.includes('limit=')), 'never the whole list');
  const count = screen.querySelector('#actions-count').textContent;
  assert.equal(count, t('actions_note', { month: 'Mei 2025', n: '31.234' }));
  const reasons = screen.querySelector('#actions-counts').textContent;
  assert.ok(reasons.includes(`${t('reason_T')}: 20.001`) && reasons.includes(`${t('reason_stunting')}: 11.233`), reasons);
  assert.ok(!reasons.includes(t('reason_BGM')), 'a reason no child has is not listed');
  // two counted whom the list does not name (moved since out of her area): said, not left to puzzle her
  assert.equal(screen.querySelector('#actions-not-listed').textContent,
    '2 anak di antaranya sudah pindah ke posyandu di luar wilayah Anda: dihitung di bulan ini, tidak ditampilkan di daftar.');
  assert.equal(screen.querySelector('#actions').childElementCount, 50);
  // a list read in part says so where no "Muat lagi" does: on paper, and offline
  assert.equal(screen.querySelector('#actions-shown').textContent, t('actions_shown', { n: '50' }));
  assert.equal(t('actions_shown', { n: '50' }), 'Ditampilkan 50 anak pertama; daftar lengkap di unduhan.');
  assert.equal(saved.at(-1).counts.children, 31234, 'the counts are kept for the offline view');
  const part = await reports.render({ ...ctx, online: () => false, lastReport: { get: async () => saved.at(-1) }, reports: undefined });
  assert.equal(part.querySelector('#actions-shown').textContent, t('actions_shown', { n: '50' }));

  const more = screen.querySelector('#actions-more');
  assert.equal(more.textContent, t('load_more'));
  more.listeners.click[0]();
  await until(() => saved.at(-1).actions.length > 50);
  assert.ok(asked.includes('/reports/actions?month=2025-05&limit=50&cursor=p2'), asked.join(' '));
  assert.equal(screen.querySelector('#actions').childElementCount, 52);
  assert.equal(screen.querySelector('#actions-more'), null, 'the last page read: no button');
  assert.equal(screen.querySelector('#actions-shown'), null, 'nor a note: the list is whole');
  // the button went (disabled while it read, then the last page): she reads on at the first child it brought
  const first = screen.querySelector('#actions').kids[50];
  assert.equal(document.activeElement, first, `the focus: ${document.activeElement?.localName}`);
  assert.equal(first.getAttribute('tabindex'), '-1');
  assert.equal(saved.at(-1).actions.length, 52);
  assert.equal(saved.at(-1).next, null);

  // offline later: the saved report shows the pages read and the counts, with no button
  const offline = { ...ctx, online: () => false, lastReport: { get: async () => saved.at(-1) }, reports: undefined };
  const view = await reports.render(offline);
  assert.equal(view.querySelector('#actions-count').textContent, count);
  assert.ok(view.querySelector('#actions-not-listed').textContent.startsWith('2 anak di antaranya sudah pindah'), 'said offline too');
  assert.equal(view.querySelector('#actions').childElementCount, 52);
  assert.equal(view.querySelector('#actions-more'), null);
});

test('a list of one page is counted from its rows: no request for counts', async () => {
  const asked = [];
  const ctx = { role: 'bidan', session: { user: { id: 'bidan1', role: 'bidan' } }, online: () => true,
    api: { get: async (path) => {
      asked.push(path);
      const newer = { ...child(3), reasons: ['T', 'anaemia'] }; // a reason a newer server adds
      return path.startsWith('/reports/actions') ? { items: [child(1), child(2), newer], next_cursor: null } : { rows: [] };
    } },
    lastReport: { get: async () => null, put: async () => {} },
    reports: { form: { from: '2025-05', to: '2025-05', area: '', level: 'posyandu' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const screen = await reports.render(ctx);
  await tick();
  assert.equal(asked.filter((p) => p.startsWith('/reports/actions')).length, 1, asked.join(' '));
  assert.equal(screen.querySelector('#actions-count').textContent, t('actions_note', { month: 'Mei 2025', n: '3' }));
  assert.ok(screen.querySelector('#actions-counts').textContent.endsWith(`${t('reason_T')}: 2 · stunting: 1 · anaemia: 1`));
  const tags = screen.querySelector('#actions').kids[2].querySelectorAll('.tag');
  assert.deepEqual(tags.map((x) => [x.className, x.textContent]), [['tag warn', t('reason_T')], ['tag none', 'anaemia']]);
  assert.equal(screen.querySelector('#actions-more'), null);
});

test('counts or a next page answered after the phone changed hands are neither shown nor saved', async () => {
  const saved = [];
  const late = [];
  const ctx = { role: 'dinkes', session: { user: { id: 'dinkes1', role: 'dinkes' } }, online: () => true,
    api: { get: async (path) => {
      if (path.startsWith('/reports/actions/counts') || path.includes('cursor=')) {
        return new Promise((resolve) => late.push(() => resolve(path.includes('cursor=')
          ? { items: [child(50)], next_cursor: null } : { children: 9999, reasons: { T: 9999 } })));
      }
      if (path.startsWith('/reports/actions')) return { items: Array.from({ length: 50 }, (_, i) => child(i)), next_cursor: 'p2' };
      return { rows: [] };
    } },
    lastReport: { get: async () => null, put: async (value) => { saved.push(structuredClone(value)); } },
    reports: { form: { from: '2025-05', to: '2025-05', area: '', level: 'puskesmas' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const screen = await reports.render(ctx);
  await until(() => late.length === 1);
  screen.querySelector('#actions-more').listeners.click[0]();
  await until(() => late.length === 2);
  assert.equal(saved.length, 1, 'the first page, saved for dinkes1');
  ctx.session = { user: { id: 'kader2', role: 'kader' } }; // dinkes1 logs out, kader2 logs in
  late.forEach((answer) => answer());
  await until(() => false);
  assert.equal(saved.length, 1, 'nothing saved into the next user\'s database');
  assert.ok(!screen.querySelector('#actions-counts').textContent.includes('9.999'));
  assert.equal(screen.querySelector('#actions').childElementCount, 50);
});

test('a report asked for with "Tampilkan laporan" is said through the live region once drawn (its heading)', async () => {
  const said = [];
  const ctx = { role: 'bidan', session: { user: { id: 'bidan1', role: 'bidan' } }, online: () => true,
    api: { get: async () => ({ rows: [], items: [] }) }, announce: (text) => said.push(text),
    lastReport: { get: async () => null, put: async () => {} },
    reports: { form: { from: '2025-05', to: '2025-05', area: '', level: 'posyandu' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const screen = await reports.render(ctx);
  await tick();
  assert.deepEqual(said, [], 'the report drawn with the screen: its heading takes the focus (app.js), nothing said');
  const form = screen.querySelector('#report-form');
  form.elements.from.value = '2025-04';
  form.elements.to.value = '2025-05';
  form.listeners.submit[0]({ preventDefault() {} });
  await tick();
  const heading = screen.querySelector('#report-heading').textContent;
  assert.match(heading, /April 2025 – Mei 2025 · Posyandu Melati/);
  assert.deepEqual(said, [heading], 'the pressed button keeps the focus: the new report is said, not silent');
});

test('a vitamin A round, IDL and Baduta in the coverage table are named in the language shown, whatever the language the server answered in', async () => {
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} }; // setLang keeps her choice there
  // the server names it in the language asked for (posyandu/reports/coverage.py): Indonesian here
  const rows = [{ area: 'a', indicator: 'BCG', kind: 'dose', round: null, target: 10, covered: 9, given_in_period: 1 },
    { area: 'a', indicator: 'Vitamin A biru Agustus 2025', kind: 'vitamin_a_blue', round: '2025-08', target: 4, covered: 3, given_in_period: null },
    { area: 'a', indicator: 'Vitamin A merah Agustus 2025', kind: 'vitamin_a_red', round: '2025-08', target: 30, covered: 24, given_in_period: null },
    { area: 'a', indicator: 'Imunisasi Dasar Lengkap (IDL)', kind: 'idl', round: null, target: 5, covered: 4, given_in_period: null },
    { area: 'a', indicator: 'Imunisasi Baduta Lengkap', kind: 'baduta', round: null, target: 6, covered: 5, given_in_period: null }];
  const ctx = { role: 'bidan', session: { user: { id: 'bidan1', role: 'bidan' } }, online: () => true,
    api: { get: async (path) => (path.startsWith('/reports/coverage') ? { rows } : { rows: [], items: [] }) },
    lastReport: { get: async () => null, put: async () => {} },
    reports: { form: { from: '2025-08', to: '2025-08', area: '', level: 'posyandu' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const names = (screen) => screen.querySelector('#coverage').querySelectorAll('[data-indicator]')
    .map((tr) => tr.querySelector('th').textContent);
  const screen = await reports.render(ctx);
  await tick();
  assert.deepEqual(names(screen), ['BCG', 'Vitamin A biru Agustus 2025', 'Vitamin A merah Agustus 2025',
    'Imunisasi Dasar Lengkap (IDL)', 'Imunisasi Baduta Lengkap']);
  setLang('en'); // she switches to English: app.js draws the screen again from the report kept in memory
  try {
    // IDL and Baduta too (they stayed in Indonesian, found by review), named as the server names them
    assert.deepEqual(names(await reports.render(ctx)), ['BCG', 'Vitamin A (blue) August 2025', 'Vitamin A (red) August 2025',
      'Complete basic immunisation (IDL)', 'Complete under-two immunisation (Baduta)']);
  } finally {
    setLang('id');
  }
});

test('the SKDN says how many were weighed without a recorded KMS (why D/K passes 100 %), only when some were; the follow-up list says whose weighing its T is', async () => {
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
  const row = (area, name, K, D, noKms) => ({ month: '2026-08', area, area_name: name, S: 50, K, D, N: 0, T: D, O: 0, B: 0,
    BGM: 0, '2T': 0, D_prime: D, D_no_kms: noKms, K_S: null, D_S: null, D_K: null, N_D: null, N_D_prime: null, N_S: null });
  const draw = async (skdn) => {
    const ctx = { role: 'bidan', session: { user: { id: 'bidan1', role: 'bidan' } }, online: () => true,
      api: { get: async (path) => (path.startsWith('/reports/skdn') ? { rows: skdn }
        : path.startsWith('/reports/actions') ? { items: [child(1)], next_cursor: null } : { rows: [] }) },
      lastReport: { get: async () => null, put: async () => {} },
      reports: { form: { from: '2026-08', to: '2026-08', area: '', level: 'posyandu' }, data: null,
        areas: { groups: [], posyandus: [{ name: 'Posyandu Dahlia' }] } } };
    const screen = await reports.render(ctx);
    await tick();
    return { screen, ctx };
  };
  const one = (await draw([row('d', 'Posyandu Dahlia', 46, 47, 3)])).screen;
  assert.equal(one.querySelector('#skdn-no-kms').textContent,
    '3 anak ditimbang tanpa KMS tercatat: dihitung dalam D, tidak dalam K, jadi D/K bisa lebih dari 100%.');
  assert.equal(one.querySelector('#actions-rule').textContent, 'T, 2T, BGM: penimbangan terakhir Juli 2026 atau Agustus 2026. '
    + 'Anak yang tidak ditimbang Agustus 2026 tetap tercantum, jadi T di sini bisa lebih dari T di SKDN.');
  const { screen: several, ctx } = await draw([row('d', 'Posyandu Dahlia', 46, 47, 3), row('m', 'Posyandu Mawar', 44, 35, 0),
    row('k', 'Posyandu Kenanga', 48, 41, 1)]);
  assert.equal(several.querySelector('#skdn-no-kms').textContent, '4 anak ditimbang tanpa KMS tercatat '
    + '(Posyandu Dahlia: 3; Posyandu Kenanga: 1): dihitung dalam D, tidak dalam K, jadi D/K bisa lebih dari 100%.');
  setLang('en');
  try {
    const en = await reports.render(ctx);
    assert.equal(en.querySelector('#skdn-no-kms').textContent, '4 children weighed without a recorded KMS '
      + '(Posyandu Dahlia: 3; Posyandu Kenanga: 1): counted in D, not in K, so D/K can be above 100%.');
    assert.equal(en.querySelector('#actions-rule').textContent, 'T, 2T, BGM: the latest weighing in July 2026 or August 2026. '
      + 'A child not weighed in August 2026 stays listed, so T here can exceed the SKDN’s T.');
  } finally {
    setLang('id');
  }
  // none weighed without a KMS, or a report saved before the server counted them: no line
  assert.equal((await draw([row('m', 'Posyandu Mawar', 44, 35, 0)])).screen.querySelector('#skdn-no-kms'), null);
  const { D_no_kms: _, ...old } = row('m', 'Posyandu Mawar', 44, 35, 0);
  assert.equal((await draw([old])).screen.querySelector('#skdn-no-kms'), null);
});

test('the follow-up list counts its reasons in the order a child\'s reasons are tagged, not the answer\'s', () => {
  // the server's JSON sorts its keys ("2T", "BGM", "T", "muac_severe"…); one page counted on the phone
  // comes in the order the children came: either way the line read "2T: 1 · BGM: 1 · T (tidak naik): 2"
  // a reason a newer server sends (anaemia) is counted after the known ones, by its code
  const reasons = { '2T': 1, BGM: 1, T: 2, anaemia: 2, muac_severe: 0, overdue_immunisation: 3, stunting: 1 };
  const [, line] = reports.countNodes({ children: 4, reasons }, { to: '2025-05' });
  assert.equal(line.textContent, 'T (tidak naik): 2 · 2T: 1 · BGM: 1 · stunting: 1 · imunisasi terlambat: 3 · anaemia: 2');
});

test('the screen asks for prevalence\'s rows of all sexes and ages alone, the only ones it shows', async () => {
  const asked = [];
  const ctx = { role: 'dinkes', session: { user: { id: 'dinkes1', role: 'dinkes' } }, online: () => true,
    api: { get: async (path) => { asked.push(path); return { rows: [], items: [] }; } },
    lastReport: { get: async () => null, put: async () => {} },
    reports: { form: { from: '2025-03', to: '2025-05', area: '', level: 'posyandu' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  await reports.render(ctx);
  await tick();
  assert.deepEqual(asked.filter((p) => p.startsWith('/reports/prevalence')),
    ['/reports/prevalence?from=2025-03&to=2025-05&level=posyandu&overall=true']);
});

test('the downloads name the report they hold, the one shown, not a choice in the form not yet shown', async () => {
  const ctx = { role: 'dinkes', session: { user: { id: 'dinkes1', role: 'dinkes' } }, online: () => true,
    api: { get: async () => ({ rows: [], items: [], next_cursor: null }) },
    lastReport: { get: async () => null, put: async () => {} },
    reports: { form: { from: '2025-03', to: '2025-05', area: '', level: 'puskesmas' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const screen = await reports.render(ctx);
  await until(() => screen.querySelector('#downloads-help'));
  // she picks May alone and scrolls down to the files without "Tampilkan laporan": they are March to May's
  screen.querySelector('#rep-from').value = '2025-05';
  assert.equal(screen.querySelector('#downloads-help').textContent, 'Berkas laporan yang ditampilkan (Maret 2025 – Mei 2025 · '
    + 'Posyandu Melati; rincian per puskesmas), dengan judul kolom bahasa Indonesia.');
});

test("the follow-up list's names open each child's screen, for the staff whose phone keeps the children", async () => {
  // a bidan read "Rina: gizi kurang/buruk, LiLA < 11,5 cm" and could not tap through to weigh or refer her
  const ctxOf = (role) => ({ role, session: { user: { id: role, role } }, online: () => true,
    api: { get: async (path) => (path.startsWith('/reports/actions') ? { items: [child(1), child(2)], next_cursor: null } : { rows: [] }) },
    lastReport: { get: async () => null, put: async () => {} },
    reports: { form: { from: '2025-05', to: '2025-05', area: '', level: 'posyandu' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } });
  const links = async (role) => {
    const screen = await reports.render(ctxOf(role));
    await tick();
    assert.equal(screen.querySelector('#actions').childElementCount, 2);
    return screen.querySelector('#actions').querySelectorAll('a').map((a) => [a.getAttribute('href'), a.textContent]);
  };
  for (const role of ['bidan', 'kader', 'admin']) {
    assert.deepEqual(await links(role), [['#/child/c1', 'Anak 1'], ['#/child/c2', 'Anak 2']], role);
  }
  assert.deepEqual(await links('dinkes'), [], 'dinkes keeps no children on the phone: names alone');
});

test("a child who left in the list's month says so on her row (died, moved away), the others nothing", async () => {
  const died = { ...child(1), exit_date: '2025-05-20', exit_reason: 'died', guardian_phone: '081234567890' };
  const moved = { ...child(3), exit_date: '2025-05-02', exit_reason: 'moved_away' };
  const ctx = { role: 'bidan', session: { user: { id: 'bidan1', role: 'bidan' } }, online: () => true,
    api: { get: async (path) => (path.startsWith('/reports/actions') ? { items: [died, child(2), moved], next_cursor: null } : { rows: [] }) },
    lastReport: { get: async () => null, put: async () => {} },
    reports: { form: { from: '2025-05', to: '2025-05', area: '', level: 'posyandu' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const screen = await reports.render(ctx);
  await until(() => screen.querySelector('#actions'));
  const exits = screen.querySelector('#actions').kids.map((li) => li.querySelector('.exit')?.textContent ?? null);
  assert.deepEqual(exits, [t('exit_died', { date: '20 Mei 2025' }), null, t('exit_moved_away', { date: '2 Mei 2025' })]);
  assert.equal(exits[0], 'keluar (meninggal 20 Mei 2025)');
});

test("IDL's and Baduta's names are the server's own (posyandu/reports/coverage.py INDICATOR_NAMES), in both languages", async () => {
  const { readFileSync } = await import('node:fs');
  const { texts } = await import('../../static/pwa/js/i18n.js');
  const source = readFileSync(new URL('../../posyandu/reports/coverage.py', import.meta.url), 'utf8');
  for (const kind of ['idl', 'baduta']) {
    const [, en, id] = source.match(new RegExp(`"${kind}": Msg\\("([^"]+)", "([^"]+)"\\)`));
    assert.deepEqual(texts(`cov_${kind}`), [id, en], kind);
  }
});
