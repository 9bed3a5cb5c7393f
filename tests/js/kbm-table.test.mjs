// The admin's "Tabel KBM" screen (js/online/kbm-table.js): its words in both languages, the table it
// publishes read from the form as the server reads one, and the server's refusals put on its fields.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './fakedom.mjs';

test('every word of the KBM screen is in Bahasa Indonesia and English', async () => {
  installDom();
  const { W } = await import('../../static/pwa/js/online/kbm-table.js');
  for (const [key, pair] of Object.entries(W)) {
    assert.equal(pair.length, 2, key);
    assert.ok(pair.every((s) => typeof s === 'string' && s.trim()), key);
  }
});

test("the KBM screen names KBM and N in English as the rest of the app does ('minimum weight gain', 'N gained')", async () => {
  installDom();
  const { W } = await import('../../static/pwa/js/online/kbm-table.js');
  const { texts } = await import('../../static/pwa/js/i18n.js');
  assert.match(texts('kbm_server')[1], /minimum weight gain/);
  assert.match(W.intro[1], /^Minimum weight gain \(grams\).* is N \(gained\), less is T\./);
});

test('the table is each month given, empty months left to the previous one; month 1 and whole grams 1-2000 required', async () => {
  installDom();
  const { tableFrom } = await import('../../static/pwa/js/online/kbm-table.js');
  assert.deepEqual(tableFrom({ m1: '800', m2: ' 900 ', m3: '', m12: '200', m60: '' }),
    { grams_by_month: { 1: 800, 2: 900, 12: 200 } });
  const { errors } = tableFrom({ m1: '', m5: '0', m6: '450.5', m7: '2001', m8: 'dua', m9: '2000' });
  assert.deepEqual(Object.keys(errors).sort(), ['m1', 'm5', 'm6', 'm7', 'm8']);
  assert.ok(errors.m1[0].includes('1'));
});

test("the server's refusals go to the month they are about, or to month 1 for the table as a whole", async () => {
  installDom();
  const { formErrors } = await import('../../static/pwa/js/online/kbm-table.js');
  assert.deepEqual(formErrors({ errors: { grams_by_month: { 7: { value: ['harus antara 1 dan 2000'] } }, source: ['Terlalu pendek.'] } }),
    { m7: ['harus antara 1 dan 2000'], source: ['Terlalu pendek.'] });
  assert.deepEqual(formErrors({ errors: { grams_by_month: ['bulan 1 wajib diisi'] } }), { m1: ['bulan 1 wajib diisi'] });
  assert.deepEqual(formErrors({ detail: 'x' }), {});
  assert.deepEqual(formErrors(null), {});
});
