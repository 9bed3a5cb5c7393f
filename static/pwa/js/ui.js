// DOM helpers: elements from data, user text always as text (never as HTML).
import { lang, t } from './i18n.js';
import { completedMonths } from './due.js';

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

/** Say a save failed (nothing stored: full disk, storage revoked) on the current screen, which
 * stays filled in for a retry. */
export function showSaveFailed(error) {
  const failed = document.getElementById('save-failed');
  if (!failed) return;
  failed.textContent = t('save_failed', { reason: error?.name || error?.message || String(error) });
  failed.hidden = false;
  failed.scrollIntoView?.({ block: 'center' });
}

/** Download with the user's token (a plain link carries none), saved under the server's name. */
export async function saveDownload(api, path) {
  const { blob, filename } = await api.download(path);
  return saveBlob(blob, filename);
}

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
const describedBy = (id, hint) => (hint ? `${id}-h ${id}-e` : `${id}-e`);
const star = (required) => (required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null);

/** A labelled input, hint and error under it, tied for screen readers. */
export function field({ label, name, type = 'text', value = '', required = false, hint = null, ...attrs }) {
  uid += 1;
  const id = `f-${name}-${uid}`;
  const input = h('input', { id, name, type, value: value ?? '', required, 'aria-describedby': describedBy(id, hint), ...attrs });
  return h('div', { class: 'field' },
    h('label', { for: id }, label, star(required)),
    input, hint ? h('small', { class: 'hint', id: `${id}-h` }, hint) : null, h('small', { class: 'error', id: `${id}-e` }));
}

/** A labelled select of [value, text] options, as field(). */
export function choice({ label, name, options, value = '', required = false, hint = null, ...attrs }) {
  uid += 1;
  const id = `f-${name}-${uid}`;
  return h('div', { class: 'field' }, h('label', { for: id }, label, star(required)),
    h('select', { id, name, required, 'aria-describedby': describedBy(id, hint), ...attrs },
      options.map(([v, text]) => h('option', { value: v, selected: v === (value ?? '') }, text))),
    hint ? h('small', { class: 'hint', id: `${id}-h` }, hint) : null, h('small', { class: 'error', id: `${id}-e` }));
}

export function radios(name, legend, options, checked, required = false) {
  uid += 1;
  const errorId = `f-${name}-${uid}-e`;
  return h('fieldset', { class: 'radios', 'aria-describedby': errorId }, h('legend', {}, legend, star(required)),
    options.map(([value, label]) => h('label', { class: 'radio' },
      h('input', { type: 'radio', name, value, checked: value === checked, required }), h('span', {}, label))),
    h('small', { class: 'error', id: errorId }));
}

/** Two taps for the irreversible (WCAG 3.3.4): "Ya, …" and "Batal" replace the button; focus follows.
 * No `question`: a form's submit, asked by slot.ask(q) once valid. */
export function confirmed(label, question, act) {
  const slot = h('span', { class: 'confirm' });
  const show = (...buttons) => { slot.replaceChildren(...buttons); buttons[0].focus(); };
  // a slow phone's double tap acts once (not two unlinks, publishes, saves): "Ya" waits for the first
  let busy = false;
  const once = async (e) => {
    if (busy) return;
    busy = true;
    try { await act(e); } finally { busy = false; }
  };
  slot.ask = (q = question) => show(
    h('button', { class: 'btn danger', type: 'button', onclick: once }, q),
    h('button', { class: 'btn', type: 'button', onclick: () => show(first()) }, t('cancel')));
  const first = () => h('button', { class: 'btn', type: question ? 'button' : 'submit', onclick: question && (() => slot.ask()) }, label);
  slot.close = () => { if (!busy) slot.replaceChildren(first()); }; // what it asked changed: asked again
  slot.replaceChildren(first());
  return slot;
}

export function checkbox(name, label, checked = false, value = 'on') {
  return h('label', { class: 'check' }, h('input', { type: 'checkbox', name, value, checked }), h('span', {}, label));
}

/** Show field errors ({name: [messages]}) and focus the first invalid field in document order
 * (not the first named: the server's keys come sorted). A message of no field of the form (the
 * server's on `dose`, `child_id`…) is said at its top: "Perbaiki" opened a form saying nothing. */
export function showErrors(form, errors) {
  form.querySelectorAll('.error').forEach((e) => { e.textContent = ''; });
  form.querySelectorAll('[aria-invalid]').forEach((e) => e.removeAttribute('aria-invalid'));
  const loose = [];
  for (const [name, messages] of Object.entries(errors ?? {})) {
    const named = form.elements[name];
    const input = named instanceof RadioNodeList ? named[0] : named; // radios()
    const el = input?.id ? document.getElementById(`${input.id}-e`)
      : input?.type === 'radio' ? input.closest('fieldset')?.querySelector(':scope > .error') : null;
    if (!el) { loose.push(...[].concat(messages)); continue; }
    el.textContent = [].concat(messages).join(' ');
    input.setAttribute('aria-invalid', 'true');
    // gone once she answers it
    (input.type === 'radio' ? el.parentNode : input).addEventListener('input', () => {
      el.textContent = '';
      input.removeAttribute('aria-invalid');
    }, { once: true });
  }
  let top = form.querySelector(':scope > .form-error');
  if (loose.length) {
    top ??= h('p', { class: 'notice bad form-error', role: 'alert', tabindex: -1 });
    top.textContent = loose.join(' ');
    const head = form.querySelector(':scope > h2, :scope > h3');
    if (head) head.after(top); else form.prepend(top);
  } else top?.remove();
  const first = form.querySelector('[aria-invalid]') ?? (loose.length ? top : null);
  first?.focus();
  return !first;
}

/** The forms' values under `root` ({form id: [[name, value, checked]]}), for restoreForms after a
 * redraw (another language); no passwords. */
export function formValues(root) {
  const fields = (form) => [...form.elements].filter((e) => e.name && !['submit', 'button', 'password', 'file'].includes(e.type));
  // being saved (onSave) or saved (hidden): done, redrawn empty
  return Object.fromEntries([...root.querySelectorAll('form[id]:not([aria-busy])')].filter((form) => !form.hidden).map((form) => [form.id,
    fields(form).map((e) => [e.name, e.value, ['checkbox', 'radio'].includes(e.type) ? e.checked : null])]));
}

/** The forms changed since drawn (formValues); ones drawn since are not judged. */
export function formsChanged(drawn, now) {
  return Object.entries(now).some(([id, entries]) => drawn && id in drawn && JSON.stringify(entries) !== JSON.stringify(drawn[id]));
}

/** What was typed in the forms since drawn (formValues); a field left: [name, null]. */
export const typedSince = (drawn, now) => Object.fromEntries(Object.entries(now).filter(([id]) => drawn?.[id])
  .map(([id, entries]) => [id, entries.map((e, i) => (JSON.stringify(e) === JSON.stringify(drawn[id][i]) ? [e[0], null, null] : e))]));

/** Put `values` (formValues) back, with 'input' and 'change' events for what depends on a field;
 * a decimal the language's way ('8,1'). How many it changed. */
export function restoreForms(root, values) {
  let n = 0;
  for (const [id, entries] of Object.entries(values)) {
    const form = root.querySelector(`form[id="${id}"]`);
    if (!form) continue;
    const seen = new Map(); // a name shared by several text fields: the nth
    for (const [name, typed, checked] of entries) {
      const named = [...form.elements].filter((e) => e.name === name);
      const toggle = checked !== null;
      const nth = seen.get(name) ?? 0;
      if (!toggle) seen.set(name, nth + 1);
      if (typed === null) continue;
      const el = toggle ? named.find((e) => e.value === typed) : named[nth];
      const value = el?.inputMode === 'decimal' && /^\s*\d+[.,]\d+\s*$/.test(typed) ? typed.replace(/[.,]/, lang() === 'id' ? ',' : '.') : typed;
      if (!el || (toggle ? el.checked === checked || (el.type === 'radio' && !checked) : el.value === value)) continue;
      if (toggle) el.checked = checked;
      else el.value = value;
      for (const type of ['input', 'change']) el.dispatchEvent(new Event(type, { bubbles: true }));
      n += 1;
    }
  }
  return n;
}

/** Loader of an online-only screen (js/online/): the module, or null. The browser remembers a
 * failed import until reload, so retries use another address. */
export function onlineModule(name) {
  let failed = 0;
  return () => import(failed ? `./online/${name}.js?try=${failed}` : `./online/${name}.js`)
    .then((m) => { stale = false; return m; }, (error) => {
      failed += 1;
      // not linked (SyntaxError): a newer screen than the app
      if (!(error instanceof TypeError)) {
        stale = true;
        globalThis.dispatchEvent?.(new Event('stale')); // app.js seeks the update
      }
      return null;
    });
}
let stale = false;

/** A form half typed (app.js), kept in the tab's sessionStorage; none: dropped. */
export const keepDraft = (value) => {
  try { if (value) sessionStorage.setItem('draft', JSON.stringify(value)); else sessionStorage.removeItem('draft'); } catch { /* refused */ }
};
/** Why an online-only screen cannot open: no signal (`key`'s words), or (a newer screen) the app's version. */
export const onlineOnly = (key = 'online_only') => t(stale ? 'update_needed' : key);

/** A typed number ('7,5'): NaN unless digits ('1e1', '0x10'), null if blank (Number(' ') is 0). */
export const num = (v) => { const s = String(v ?? '').trim(); return s ? (/^(\d+[.,]?\d*|[.,]\d+)$/.test(s) ? +s.replace(',', '.') : NaN) : null; };
export { todayIso } from './due.js';

/** Age as the card says: completed months as the server's (31 Jan to 28 Feb: '1 bln'; '1 th 2 bln'), under one in days ('2 hari'). */
export function ageText(t, birth, on) {
  const m = Math.max(0, completedMonths(birth, on));
  if (m === 0) {
    const days = Math.max(0, Math.round((Date.parse(on.slice(0, 10)) - Date.parse(birth.slice(0, 10))) / 86400000));
    return t('age_d', { d: days });
  }
  return m >= 12 ? t('age_ym', { y: Math.floor(m / 12), m: m % 12 }) : t('age_m', { m });
}
