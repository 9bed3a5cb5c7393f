// The form helpers (ui.js) on a small DOM stand-in: errors shown on their fields, tied to them for
// screen readers, and the focus on the first field in error on the screen.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './fakedom.mjs';

const { page, focused } = installDom();

const { field, h, showErrors } = await import('../../static/pwa/js/ui.js');

/** The child form's fields in their order on screen (screens/forms.js childForm). */
function childForm() {
  const form = h('form', {}, ...['name', 'birth_date', 'mother_nik', 'nik', 'guardian_phone', 'birth_weight_kg']
    .map((name) => field({ label: name, name })));
  page.kids = [form];
  return form;
}

test('an error is shown under its field and tied to it (aria-describedby, aria-invalid)', () => {
  const form = childForm();
  assert.equal(showErrors(form, { nik: ['harus tepat 16 angka'] }), false);
  const nik = form.elements.nik;
  const said = document.getElementById(nik.getAttribute('aria-describedby'));
  assert.equal(said.textContent, 'harus tepat 16 angka');
  assert.equal(nik.getAttribute('aria-invalid'), 'true');
  assert.equal(focused(), nik);
});

test('the focus goes to the first field in error on the screen, whatever the order the errors came in', () => {
  const form = childForm();
  // a refused child opened with "Perbaiki": the server's errors come with their keys sorted
  showErrors(form, { guardian_phone: ['nomor HP tidak sah'], nik: ['NIK tidak sah'] });
  assert.equal(focused(), form.elements.nik);
  // the form's own checks look at the child's NIK before the mother's, which is above it
  showErrors(form, { nik: ['harus tepat 16 angka'], mother_nik: ['harus tepat 16 angka'] });
  assert.equal(focused(), form.elements.mother_nik);
  assert.equal(form.elements.guardian_phone.getAttribute('aria-invalid'), null); // the earlier errors cleared
});

test("a field's hint is read with it too (aria-describedby names the hint and the error)", () => {
  const box = field({ label: 'Kata sandi', name: 'password', type: 'password', hint: 'Paling sedikit 8 karakter.' });
  page.kids = [box];
  const input = box.querySelector('input');
  const described = input.getAttribute('aria-describedby').split(' ').map((id) => document.getElementById(id));
  assert.deepEqual(described.map((e) => e?.className), ['hint', 'error']);
  assert.equal(described[0].textContent, 'Paling sedikit 8 karakter.');
  const plain = field({ label: 'Nama', name: 'name' }).querySelector('input');
  assert.equal(plain.getAttribute('aria-describedby').split(' ').length, 1, 'no hint: the error alone');
});

test('a form holds unsaved changes when what it holds differs from what it held when drawn (formsChanged)', async () => {
  const { formsChanged } = await import('../../static/pwa/js/ui.js');
  // formValues of a weighing form as drawn (today's date, lying), and after the cadre typed a weight
  const drawn = { 'visit-form': [['measured_on', '2025-03-05', null], ['weight_kg', '', null], ['position', 'lying', true]] };
  const typed = { 'visit-form': [['measured_on', '2025-03-05', null], ['weight_kg', '8,2', null], ['position', 'lying', true]] };
  assert.equal(formsChanged(drawn, typed), true);
  assert.equal(formsChanged(drawn, structuredClone(drawn)), false, 'as drawn: nothing to lose');
  const standing = structuredClone(drawn);
  standing['visit-form'][2][2] = false;
  assert.equal(formsChanged(drawn, standing), true, 'a radio changed counts');
  assert.equal(formsChanged(drawn, {}), false, 'saved and hidden (formValues leaves it out), or gone: done');
  assert.equal(formsChanged({}, typed), false, 'a form drawn outside the screen shown (the login screen) is not judged');
  assert.equal(formsChanged(null, typed), false);
});

test('a screen fetched when opened (js/online/) loads as a module, or null when its file cannot be fetched', async () => {
  const { onlineModule } = await import('../../static/pwa/js/ui.js');
  const users = await onlineModule('users')();
  assert.equal(typeof users.render, 'function');
  const missing = onlineModule('no-such-screen');
  assert.equal(await missing(), null);
  assert.equal(await missing(), null, 'asked again (under another address), still null, never a rejection');
});

test('a number field holding only a space is empty, not 0 (a stray space used to give "harus antara 0,5 dan 70")', async () => {
  const { num } = await import('../../static/pwa/js/ui.js');
  assert.equal(num(' '), null);
  assert.equal(num('  \t'), null);
  assert.equal(num(''), null);
  assert.equal(num('7,5'), 7.5);
  assert.equal(num(' 8,1 '), 8.1);
  assert.ok(Number.isNaN(num('8,1 kg')));
  for (const typed of ['1e1', '0x10', '1_0', 'Infinity', '9,5,1', '-9']) assert.ok(Number.isNaN(num(typed)), typed); // Number() reads the first four
  assert.deepEqual(['9.5', '9,50', '9,', ',5', '12'].map(num), [9.5, 9.5, 9, 0.5, 12]);
});

test("the child form's names and address hold no more than the server keeps (names 120 characters, address 255)", async () => {
  // a longer one was saved on the phone, then refused at the next sync with the child's weighings held back
  const { childForm } = await import('../../static/pwa/js/screens/forms.js');
  const form = await childForm({ day: { posyandu_id: 'p1', date: '2026-03-02' }, posyandus: async () => [{ id: 'p1', name: 'Melati' }] }, null);
  const limit = (name) => form.find((e) => e.localName === 'input' && e.attributes.name === name)[0].attributes.maxlength;
  assert.deepEqual(['name', 'mother_name', 'father_name', 'address', 'nik', 'mother_nik'].map(limit),
    ['120', '120', '120', '255', '24', '24']); // a NIK: 16 digits, typed in groups as on the KTP (nikDigits)
});

test('a confirmation answered twice in a row (a slow phone\'s double tap) acts once, and again once the first is done', async () => {
  const { confirmed } = await import('../../static/pwa/js/ui.js');
  let acts = 0;
  let finish;
  const slot = confirmed('Buang', 'Ya, buang data ini', () => { acts += 1; return new Promise((r) => { finish = r; }); });
  const tap = (button) => button.listeners.click[0]({ currentTarget: button });
  tap(slot.kids[0]); // "Buang": the question
  const yes = slot.kids[0];
  assert.equal(yes.textContent, 'Ya, buang data ini');
  const first = tap(yes);
  tap(yes);
  assert.equal(acts, 1);
  finish();
  await first;
  tap(yes);
  assert.equal(acts, 2);
});
