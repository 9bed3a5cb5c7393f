// A newborn's first visit: a baby under a month old is aged in days.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const { setLang, t } = await import('../../static/pwa/js/i18n.js');
const { ageText } = await import('../../static/pwa/js/ui.js');

/** Run `fn` with the app in English, then back in Bahasa Indonesia. */
function inEnglish(fn) {
  setLang('en');
  try { return fn(); } finally { setLang('id'); }
}

test('a baby under one month is aged in days ("2 hari", "2 days"), from one month in months', () => {
  assert.equal(ageText(t, '2026-11-29', '2026-12-01'), '2 hari');
  assert.equal(ageText(t, '2026-12-01', '2026-12-01'), '0 hari'); // born today
  assert.equal(ageText(t, '2026-11-02', '2026-12-01'), '29 hari');
  assert.equal(ageText(t, '2026-11-01', '2026-12-01'), '1 bln'); // a calendar month: months from here
  assert.equal(ageText(t, '2025-10-01', '2026-12-01'), '1 th 2 bln');
  inEnglish(() => {
    assert.equal(ageText(t, '2026-11-29', '2026-12-01'), '2 days');
    assert.equal(ageText(t, '2026-11-30', '2026-12-01'), '1 day');
  });
});
