// The reports screen (screens/reports.js) on a small DOM stand-in: a report that arrives after the
// user on the phone changed (logout, another login) is neither shown nor saved for the offline view
// into the next user's database.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './fakedom.mjs';

installDom();

const reports = await import('../../static/pwa/js/screens/reports.js');
const { t } = await import('../../static/pwa/js/i18n.js');
const tick = () => new Promise((r) => setTimeout(r, 5));

test('a report answered after another user logged in is neither shown nor kept for the offline view', async () => {
  const answers = [];
  const saved = [];
  const first = { user: { id: 'bidan1', role: 'bidan' } };
  const ctx = { role: 'bidan', session: first, online: () => true,
    api: { get: (path) => new Promise((resolve) => answers.push(() => resolve({ rows: [], path }))) },
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
  assert.equal(results.textContent, t('report_loading'), 'not drawn');
});

test('a report answered while the same user is on the phone is shown and kept for the offline view', async () => {
  const saved = [];
  const ctx = { role: 'bidan', session: { user: { id: 'bidan1', role: 'bidan' } }, online: () => true,
    api: { get: async () => ({ rows: [] }) },
    lastReport: { get: async () => null, put: async (value) => { saved.push(value); } },
    reports: { form: { from: '2025-05', to: '2025-05', area: '', level: 'posyandu' }, data: null,
      areas: { groups: [], posyandus: [{ name: 'Posyandu Melati' }] } } };
  const screen = await reports.render(ctx);
  await tick();
  assert.equal(saved.length, 1);
  assert.ok(screen.querySelector('#report-heading'));
});
