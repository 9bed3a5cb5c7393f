// The form helpers (ui.js) on a small DOM stand-in: errors shown on their fields, tied to them for
// screen readers, and the focus on the first field in error on the screen.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';

let focused = null;
class Node {}
class Element extends Node {
  constructor(tag) {
    super();
    Object.assign(this, { tagName: tag.toUpperCase(), kids: [], attributes: {}, listeners: {}, text: '', value: '' });
  }
  setAttribute(k, v) { this.attributes[k] = String(v); }
  getAttribute(k) { return this.attributes[k] ?? null; }
  removeAttribute(k) { delete this.attributes[k]; }
  get id() { return this.attributes.id; }
  get type() { return this.attributes.type; }
  get className() { return this.attributes.class ?? ''; }
  set className(v) { this.attributes.class = v; }
  addEventListener(type, fn) { (this.listeners[type] ??= []).push(fn); }
  append(...nodes) { this.kids.push(...nodes); }
  focus() { focused = this; }
  get textContent() { return this.text + this.kids.map((c) => (typeof c === 'string' ? c : c.textContent)).join(''); }
  set textContent(v) { this.text = v; this.kids = []; }
  *all() { yield this; for (const c of this.kids) if (typeof c !== 'string') yield* c.all(); }
  matches(sel) {
    if (sel.startsWith('.')) return this.className.split(' ').includes(sel.slice(1));
    const attr = /^\[([\w-]+)(?:="?([^"\]]*)"?)?\]$/.exec(sel);
    if (attr) return attr[1] in this.attributes && (attr[2] === undefined || this.attributes[attr[1]] === attr[2]);
    return this.tagName === sel.toUpperCase();
  }
  querySelector(sel) { return [...this.all()].find((e) => e.matches(sel)) ?? null; }
  querySelectorAll(sel) { return [...this.all()].filter((e) => e.matches(sel)); }
  get elements() { return Object.fromEntries([...this.all()].filter((e) => e.attributes.name).map((e) => [e.attributes.name, e])); }
}
globalThis.Node = Node;
globalThis.RadioNodeList = class {};
const page = new Element('main');
globalThis.document = { createElement: (tag) => new Element(tag), getElementById: (id) => page.querySelector(`[id=${id}]`),
  documentElement: {} };

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
  assert.equal(focused, nik);
});

test('the focus goes to the first field in error on the screen, whatever the order the errors came in', () => {
  const form = childForm();
  // a refused child opened with "Perbaiki": the server's errors come with their keys sorted
  showErrors(form, { guardian_phone: ['nomor HP tidak sah'], nik: ['NIK tidak sah'] });
  assert.equal(focused, form.elements.nik);
  // the form's own checks look at the child's NIK before the mother's, which is above it
  showErrors(form, { nik: ['harus tepat 16 angka'], mother_nik: ['harus tepat 16 angka'] });
  assert.equal(focused, form.elements.mother_nik);
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
