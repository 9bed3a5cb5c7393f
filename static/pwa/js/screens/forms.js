// Forms: register/edit a child, record a weighing (with the result at once), record doses.
import { t } from '../i18n.js';
import { checkbox, field, h, num, radios, showErrors, todayIso } from '../ui.js';
import { assess, dueToday } from '../assess.js';
import { dateError, rangeError, recordDay } from '../checks.js';
import { duePanel, statusPanel } from './child.js';

const NIK = /^\d{16}$/;
const PHONE = /^(\+62|62|0)8\d{7,12}$/; // as posyandu/validators.py: a mobile number

function range(errors, form, name, lo, hi) {
  const v = num(form.elements[name].value);
  const error = rangeError(v, lo, hi);
  if (error) errors[name] = [error];
  return v;
}

/** A record's date field: required, at most the phone's today (never a posyandu day planned ahead). */
function dateCheck(errors, form, name, birthDate = null) {
  const value = form.elements[name].value;
  const error = dateError(value, { birthDate });
  if (error) errors[name] = [error];
  return value;
}

export async function childForm(ctx, childId) {
  const existing = childId ? (await ctx.bundle(childId)).child : null;
  const c = existing ?? {};
  const form = h('form', { class: 'card', novalidate: true, id: 'child-form' },
    h('h2', {}, existing ? t('edit_child') : t('register_child')),
    field({ label: t('name'), name: 'name', value: c.name, required: true, autocomplete: 'off' }),
    radios('sex', t('sex'), [['F', t('female')], ['M', t('male')]], c.sex),
    field({ label: t('birth_date'), name: 'birth_date', type: 'date', value: c.birth_date, required: true, max: todayIso() }),
    field({ label: t('mother_name'), name: 'mother_name', value: c.mother_name, autocomplete: 'off' }),
    field({ label: t('father_name'), name: 'father_name', value: c.father_name, autocomplete: 'off' }),
    field({ label: t('nik'), name: 'nik', value: c.nik, inputmode: 'numeric', maxlength: 16 }),
    field({ label: t('phone'), name: 'guardian_phone', type: 'tel', value: c.guardian_phone }),
    field({ label: t('address'), name: 'address', value: c.address }),
    field({ label: t('birth_weight'), name: 'birth_weight_kg', inputmode: 'decimal', value: c.birth_weight_kg }),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
      h('a', { class: 'btn', href: existing ? `#/child/${childId}` : '#/' }, t('cancel'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const el = form.elements;
    const errors = {};
    const name = el.name.value.trim();
    if (!name) errors.name = [t('required')];
    const sex = form.querySelector('input[name=sex]:checked')?.value;
    if (!sex) errors.sex = [t('required')];
    const birth = dateCheck(errors, form, 'birth_date');
    const nik = el.nik.value.trim();
    if (nik && !NIK.test(nik)) errors.nik = [t('nik_format')];
    const phone = el.guardian_phone.value.replace(/[\s-]/g, '');
    if (phone && !PHONE.test(phone)) errors.guardian_phone = [t('phone_format')];
    const bw = range(errors, form, 'birth_weight_kg', 0.5, 6);
    if (!showErrors(form, errors)) return;
    const id = childId ?? crypto.randomUUID();
    const text = (v) => v.trim() || null;
    await ctx.save({ entity: 'child', id, fields: {
      ...(existing ? {} : { posyandu_id: ctx.day.posyandu_id, has_kms: true }),
      name, sex, birth_date: birth, mother_name: text(el.mother_name.value), father_name: text(el.father_name.value),
      nik: nik || null, guardian_phone: phone || null, address: text(el.address.value), birth_weight_kg: bw } });
    ctx.announce(t('saved_offline'));
    ctx.go(`#/child/${id}`);
  });
  return form;
}

export async function visitForm(ctx, childId) {
  const { child } = await ctx.bundle(childId);
  if (!child) return h('p', {}, t('no_children'));
  const day = recordDay(ctx.day.date);
  const young = day < `${+child.birth_date.slice(0, 4) + 2}${child.birth_date.slice(4)}`;
  const output = h('div', { id: 'visit-result', 'aria-live': 'polite' });
  const form = h('form', { class: 'card', novalidate: true, id: 'visit-form' },
    h('h2', {}, `${t('visit')}: ${child.name}`),
    field({ label: t('measured_on'), name: 'measured_on', type: 'date', value: day, required: true, max: todayIso(), min: child.birth_date }),
    field({ label: t('weight'), name: 'weight_kg', inputmode: 'decimal', autocomplete: 'off' }),
    field({ label: t('length_height'), name: 'length_height_cm', inputmode: 'decimal', autocomplete: 'off' }),
    radios('position', t('position'), [['lying', t('lying')], ['standing', t('standing')]], young ? 'lying' : 'standing'),
    field({ label: t('head'), name: 'head_circumference_cm', inputmode: 'decimal', autocomplete: 'off' }),
    field({ label: t('muac'), name: 'muac_cm', inputmode: 'decimal', autocomplete: 'off' }),
    checkbox('oedema', t('oedema')),
    h('p', { class: 'notice bad', role: 'alert', hidden: true, id: 'visit-alert' }),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
      h('a', { class: 'btn', href: `#/child/${childId}` }, t('cancel'))));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const el = form.elements;
    const errors = {};
    const on = dateCheck(errors, form, 'measured_on', child.birth_date);
    const weight = range(errors, form, 'weight_kg', 0.5, 70);
    const length = range(errors, form, 'length_height_cm', 38, 150);
    const head = range(errors, form, 'head_circumference_cm', 25, 60);
    const muac = range(errors, form, 'muac_cm', 5, 30);
    const alert = form.querySelector('#visit-alert');
    alert.hidden = weight !== null || length !== null;
    alert.textContent = t('enter_something');
    if (!showErrors(form, errors) || !alert.hidden) return;
    const id = crypto.randomUUID();
    const fields = { child_id: childId, measured_on: on, weight_kg: weight, length_height_cm: length,
      position: length === null ? null : form.querySelector('input[name=position]:checked')?.value ?? null,
      head_circumference_cm: head, muac_cm: muac, oedema: el.oedema.checked, recorded_at: new Date().toISOString() };
    await ctx.save({ entity: 'measurement', id, fields });
    const bundle = await ctx.bundle(childId);
    const [tables, schedule, area] = await Promise.all([ctx.tables(), ctx.schedule(), ctx.area(child)]);
    const result = assess({ child, m: { ...fields, id }, history: bundle.measurements, immunisations: bundle.immunisations,
      supplements: bundle.supplements, tables, schedule, area, on });
    form.hidden = true;
    output.replaceChildren(h('h2', { tabindex: '-1' }, `${t('result')}: ${child.name}`),
      h('p', { class: 'muted' }, t('saved_offline')), statusPanel(result), duePanel(result.due),
      h('div', { class: 'actions' }, result.due.doses.length || result.due.supplements.length
        ? h('a', { class: 'btn primary', href: `#/doses/${childId}` }, t('record_doses')) : null,
      h('a', { class: 'btn', href: `#/child/${childId}` }, child.name), h('a', { class: 'btn', href: '#/' }, t('home'))));
    output.querySelector('h2').focus();
  });
  return h('div', {}, form, output);
}

export async function dosesForm(ctx, childId) {
  const [{ child, immunisations, supplements }, schedule] = await Promise.all([ctx.bundle(childId), ctx.schedule()]);
  const area = await ctx.area(child);
  const form = h('form', { class: 'card', novalidate: true, id: 'doses-form' }, h('h2', {}, `${t('record_doses')}: ${child.name}`));
  const day = recordDay(ctx.day.date);
  const dateField = field({ label: t('given_on'), name: 'given_on', type: 'date', value: day, required: true, max: todayIso(), min: child.birth_date });
  const options = h('fieldset', { class: 'checks' }, h('legend', {}, t('due_today')));
  const drawOptions = () => {
    const on = form.elements.given_on?.value || day;
    const due = dueToday({ child, immunisations, supplements, schedule, area, on });
    options.replaceChildren(h('legend', {}, t('due_today')),
      ...due.doses.map((d) => checkbox('dose', `${d.label} (${t(`st_${d.status}`)})`, false, `${d.vaccine}|${d.dose}`)),
      ...due.supplements.map((s) => checkbox('supplement', t(s.kind), false, s.kind)),
      ...(due.doses.length + due.supplements.length ? [] : [h('p', { class: 'muted' }, t('nothing_due'))]));
  };
  const alert = h('p', { class: 'notice bad', role: 'alert', hidden: true });
  form.append(dateField, options, alert, h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
    h('a', { class: 'btn', href: `#/child/${childId}` }, t('cancel'))));
  form.elements.given_on.addEventListener('change', drawOptions);
  drawOptions();
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const errors = {};
    const on = dateCheck(errors, form, 'given_on', child.birth_date);
    const doses = [...form.querySelectorAll('input[name=dose]:checked')].map((i) => i.value.split('|'));
    const sups = [...form.querySelectorAll('input[name=supplement]:checked')].map((i) => i.value);
    alert.hidden = doses.length + sups.length > 0;
    alert.textContent = t('choose_dose');
    if (!showErrors(form, errors) || !alert.hidden) return;
    const recorded = new Date().toISOString();
    for (const [vaccine, dose] of doses) {
      await ctx.save({ entity: 'immunisation', id: crypto.randomUUID(), fields: { child_id: childId, vaccine, dose: Number(dose), given_on: on, place: 'posyandu', recorded_at: recorded } });
    }
    for (const kind of sups) {
      await ctx.save({ entity: 'supplement', id: crypto.randomUUID(), fields: { child_id: childId, kind, given_on: on, place: 'posyandu', recorded_at: recorded } });
    }
    ctx.announce(t('doses_saved', { n: doses.length + sups.length }));
    ctx.go(`#/child/${childId}`);
  });
  return form;
}
