// DOM helpers: elements from data, user text always as text (never as HTML).
import { t } from './i18n.js';

export function h(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked') node[k] = v;
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c !== null && c !== undefined && c !== false) node.append(c instanceof Node ? c : String(c));
  }
  return node;
}

/** Say that what the user saved or decided was not stored (nothing of it: one transaction; a full
 * disk, storage the browser took away): at once, on the screen she is on, which stays as she filled
 * it in so she can try again. */
export function showSaveFailed(error) {
  const failed = document.getElementById('save-failed');
  if (!failed) return;
  failed.textContent = t('save_failed', { reason: error?.name || error?.message || String(error) });
  failed.hidden = false;
  failed.scrollIntoView?.({ block: 'center' });
}

/** Download a file with the user's token (api.download: a plain link would carry none) and save it
 * under the server's file name; resolves to that name, rejects with the ApiError. */
export async function saveDownload(api, path) {
  const { blob, filename } = await api.download(path);
  return saveBlob(blob, filename);
}

/** Hand `blob` to the browser as a download named `filename`. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
  return filename;
}

let uid = 0;
/** The ids a field's description is read from: its hint (when it has one), then its error. */
const describedBy = (id, hint) => (hint ? `${id}-h ${id}-e` : `${id}-e`);

/** A labelled input; its hint and `error` are shown under it and tied to it for screen readers. */
export function field({ label, name, type = 'text', value = '', required = false, hint = null, ...attrs }) {
  uid += 1;
  const id = `f-${name}-${uid}`;
  const input = h('input', { id, name, type, value: value ?? '', required, 'aria-describedby': describedBy(id, hint), ...attrs });
  return h('div', { class: 'field' },
    h('label', { for: id }, label, required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    input, hint ? h('small', { class: 'hint', id: `${id}-h` }, hint) : null, h('small', { class: 'error', id: `${id}-e` }));
}

/** A labelled select of [value, text] options, its error shown under it as field()'s. */
export function choice({ label, name, options, value = '', hint = null, ...attrs }) {
  uid += 1;
  const id = `f-${name}-${uid}`;
  return h('div', { class: 'field' }, h('label', { for: id }, label),
    h('select', { id, name, 'aria-describedby': describedBy(id, hint), ...attrs },
      options.map(([v, text]) => h('option', { value: v, selected: v === (value ?? '') }, text))),
    hint ? h('small', { class: 'hint', id: `${id}-h` }, hint) : null, h('small', { class: 'error', id: `${id}-e` }));
}

/** A group of radio buttons as a fieldset with a legend; its error is shown in the fieldset. */
export function radios(name, legend, options, checked) {
  uid += 1;
  const errorId = `f-${name}-${uid}-e`;
  return h('fieldset', { class: 'radios', 'aria-describedby': errorId }, h('legend', {}, legend),
    options.map(([value, label]) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name, value, checked: value === checked }), h('span', {}, label))),
    h('small', { class: 'error', id: errorId }));
}

/** Two taps for what cannot be undone (WCAG 3.3.4): the first shows "Ya, …" and "Batal" in the
 * button's place. The focus goes with them (to "Ya, …", back to the first button on "Batal"): the
 * button pressed is gone, and a keyboard or TalkBack user would be left at the top of the page. */
export function confirmed(label, question, act) {
  const slot = h('span', { class: 'confirm' });
  const show = (...buttons) => { slot.replaceChildren(...buttons); buttons[0].focus(); };
  const ask = () => show(
    h('button', { class: 'btn danger', type: 'button', onclick: act }, question),
    h('button', { class: 'btn', type: 'button', onclick: () => show(first()) }, t('cancel')));
  const first = () => h('button', { class: 'btn', type: 'button', onclick: ask }, label);
  slot.replaceChildren(first());
  return slot;
}

export function checkbox(name, label, checked = false, value = 'on') {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value, checked }), h('span', {}, label));
}

/** Show field errors ({name: [messages]}) next to the inputs of a form, and move the focus to the
 * first field in error on the screen (not the first named: the server's errors come with their
 * keys sorted, a form's checks in the order it makes them). */
export function showErrors(form, errors) {
  form.querySelectorAll('.error').forEach((e) => { e.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  for (const [name, messages] of Object.entries(errors ?? {})) {
    const named = form.elements[name];
    const input = named instanceof RadioNodeList ? named[0] : named; // a group of radios (radios())
    const el = input?.id ? document.getElementById(`${input.id}-e`)
      : input?.type === 'radio' ? input.closest('fieldset')?.querySelector(':scope > .error') : null;
    if (!el) continue;
    el.textContent = [].concat(messages).join(' ');
    input.setAttribute('aria-invalid', 'true');
  }
  const first = form.querySelector('[aria-invalid]'); // document order (those of earlier errors were cleared above)
  first?.focus();
  return !first;
}

/** What is entered in the forms under `root` ({form id: [[name, value, checked]]}, in the order
 * of their fields), to put back by restoreForms into the same forms drawn again (another language);
 * passwords are left out. */
export function formValues(root) {
  const fields = (form) => [...form.elements].filter((e) => e.name && !['submit', 'button', 'password', 'file'].includes(e.type));
  // a form hidden once saved (a weighing's result shown) is done: drawn again, it starts empty
  return Object.fromEntries([...root.querySelectorAll('form[id]')].filter((form) => !form.hidden).map((form) => [form.id,
    fields(form).map((e) => [e.name, e.value, ['checkbox', 'radio'].includes(e.type) ? e.checked : null])]));
}

/** Whether the forms hold what they did not when drawn: `now` and `drawn` are formValues of the
 * screen now and as it was drawn. A form no longer shown (hidden once saved, or gone) is done, and
 * one drawn since by other means (the login screens) is not judged. */
export function formsChanged(drawn, now) {
  return Object.entries(now).some(([id, entries]) => drawn && id in drawn && JSON.stringify(entries) !== JSON.stringify(drawn[id]));
}

/** Put back `values` (formValues) into the forms of the same ids under `root`, field by field in
 * order, each change announced as the user's own ('input' and 'change'), so that what a form
 * shows from a field (a doses form's options for its date, the vial of a dose ticked) follows. */
export function restoreForms(root, values) {
  for (const [id, entries] of Object.entries(values)) {
    const form = root.querySelector(`form[id="${id}"]`);
    if (!form) continue;
    const seen = new Map(); // a name given to several text fields: the nth of them
    for (const [name, value, checked] of entries) {
      const named = [...form.elements].filter((e) => e.name === name);
      const toggle = checked !== null;
      const nth = seen.get(name) ?? 0;
      if (!toggle) seen.set(name, nth + 1);
      const el = toggle ? named.find((e) => e.value === value) : named[nth];
      if (!el || (toggle ? el.checked === checked || (el.type === 'radio' && !checked) : el.value === value)) continue;
      if (toggle) el.checked = checked;
      else el.value = value;
      for (const type of ['input', 'change']) el.dispatchEvent(new Event(type, { bubbles: true }));
    }
  }
}

/** The loader of a screen fetched when first opened (js/online/, outside the offline shell): the
 * module, or null when it cannot be fetched. A failed fetch is remembered by the browser until the
 * page reloads, so the next try after one asks for the file under another address. */
export function onlineModule(name) {
  let failed = 0;
  return () => import(failed ? `./online/${name}.js?try=${failed}` : `./online/${name}.js`)
    .catch(() => { failed += 1; return null; });
}

export const num = (v) => (v === '' || v === null || v === undefined ? null : Number(String(v).replace(',', '.')));
export const todayIso = () => {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
};

/** A child's age on `on` as the card says it: completed calendar months ('5 bln', '1 th 2 bln'),
 * and a baby under one month in days ('2 hari'), not '0 bln'. */
export function ageText(t, birth, on) {
  const months = (+on.slice(0, 4) - +birth.slice(0, 4)) * 12 + (+on.slice(5, 7) - +birth.slice(5, 7)) - (+on.slice(8, 10) < +birth.slice(8, 10) ? 1 : 0);
  const m = Math.max(0, months);
  if (m === 0) {
    const days = Math.max(0, Math.round((Date.parse(on.slice(0, 10)) - Date.parse(birth.slice(0, 10))) / 86400000));
    return t('age_d', { d: days });
  }
  return m >= 12 ? t('age_ym', { y: Math.floor(m / 12), m: m % 12 }) : t('age_m', { m });
}
