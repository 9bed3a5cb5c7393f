// Forms: register/edit a child, record a weighing (with the result at once), record doses, copy a
// child's Buku KIA.
import { formatDate, formatNumber, lang, t } from '../i18n.js';
import { checkbox, choice, field, h, num, radios, showErrors, todayIso } from '../ui.js';
import { assess, dueToday, kmsOf } from '../assess.js';
import { checkCopied, copyableDoses, validateDose, validateSupplement } from '../due.js';
import {
  BATCH_MAX, DOSE_SOURCES, EXPIRY_RANGE, birthDateError, dateError, isHealthWorker, lotErrors, nikError, oldestBirthDate,
  rangeError, recordDay,
} from '../checks.js';
import { keptLots, lotsOn, productsOf, rememberLots } from '../lots.js';
import { outboxEntries } from '../outbox.js';
import { doseLabel, duePanel, statusPanel } from './child.js';

const PHONE = /^(\+62|62|0)8\d{7,12}$/; // as posyandu/validators.py: a mobile number

function range(errors, form, name, lo, hi, options = {}) {
  const v = num(form.elements[name].value);
  const error = rangeError(v, lo, hi, options);
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

/** A record the server refused (needs_attention) opened to be fixed ("Perbaiki"): the server's
 * messages are shown on the form's fields once it is on screen (names as the server's fields). */
async function showRefused(ctx, form, entity, id) {
  const refused = (await outboxEntries(ctx.db)).find((e) => e.entity === entity && e.id === id && e.state === 'needs_attention');
  if (refused?.errors) setTimeout(() => { if (form.isConnected) showErrors(form, refused.errors); });
}

/** One save per intent: `submit` handles the form's submit, never twice at once. Its Save button
 * is disabled, and a tap or Enter meanwhile ignored, while it runs: saving is a strict-durability
 * IndexedDB write (slow on a cheap phone), and a second tap used to save a second child or
 * weighing. `submit` resolves true once it has saved: the form stays locked, its intent done (the
 * screen moves on or shows the result). Otherwise (a field to correct, or a save the phone could
 * not store: ctx.saveAll has shown #save-failed and throws) it can be saved again. A form's record
 * ids are fixed when it is drawn (recordIds), so a save tried again writes the same records. */
function onSave(form, submit) {
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    busy = true;
    const buttons = [...form.querySelectorAll('button[type=submit]')];
    for (const b of buttons) b.disabled = true;
    form.setAttribute('aria-busy', 'true');
    let saved = false;
    try {
      saved = (await submit()) === true;
    } catch (error) {
      console.error(error); // a failed save is said on the form (#save-failed), which stays as filled in
    } finally {
      form.removeAttribute('aria-busy');
      if (!saved) {
        busy = false;
        for (const b of buttons) b.disabled = false;
      }
    }
  });
}

/** The ids of the records a form creates, one per `key` (a vaccine's dose, a supplement), made
 * once per form: saving the form again writes the same records, never new ones. */
function recordIds() {
  const ids = new Map();
  return (key) => {
    if (!ids.has(key)) ids.set(key, crypto.randomUUID());
    return ids.get(key);
  };
}

export async function childForm(ctx, childId) {
  const existing = childId ? (await ctx.bundle(childId)).child : null;
  const c = existing ?? {};
  const form = h('form', { class: 'card', novalidate: true, id: 'child-form' },
    h('h2', {}, existing ? t('edit_child') : t('register_child')),
    field({ label: t('name'), name: 'name', value: c.name, required: true, autocomplete: 'off' }),
    radios('sex', t('sex'), [['F', t('female')], ['M', t('male')]], c.sex),
    field({ label: t('birth_date'), name: 'birth_date', type: 'date', value: c.birth_date, required: true, max: todayIso(), min: oldestBirthDate() }),
    field({ label: t('mother_name'), name: 'mother_name', value: c.mother_name, autocomplete: 'off' }),
    field({ label: t('mother_nik'), name: 'mother_nik', value: c.mother_nik, inputmode: 'numeric', maxlength: 16 }),
    field({ label: t('father_name'), name: 'father_name', value: c.father_name, autocomplete: 'off' }),
    field({ label: t('nik'), name: 'nik', value: c.nik, inputmode: 'numeric', maxlength: 16 }),
    field({ label: t('phone'), name: 'guardian_phone', type: 'tel', value: c.guardian_phone }),
    field({ label: t('address'), name: 'address', value: c.address }),
    field({ label: t('birth_weight'), name: 'birth_weight_kg', inputmode: 'decimal', value: c.birth_weight_kg }),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
      h('a', { class: 'btn', href: existing ? `#/child/${childId}` : '#/' }, t('cancel'))));
  const id = childId ?? crypto.randomUUID();
  onSave(form, async () => {
    const el = form.elements;
    const errors = {};
    const name = el.name.value.trim();
    if (!name) errors.name = [t('required')];
    const sex = form.querySelector('input[name=sex]:checked')?.value;
    if (!sex) errors.sex = [t('required')];
    const birth = el.birth_date.value;
    const birthError = birthDateError(birth);
    if (birthError) errors.birth_date = [birthError];
    const [nik, motherNik] = [el.nik.value.trim(), el.mother_nik.value.trim()];
    for (const [key, value] of [['nik', nik], ['mother_nik', motherNik]]) {
      const error = value && nikError(value);
      if (error) errors[key] = [error];
    }
    const phone = el.guardian_phone.value.replace(/[\s-]/g, '');
    if (phone && !PHONE.test(phone)) errors.guardian_phone = [t('phone_format')];
    const bw = range(errors, form, 'birth_weight_kg', 0.5, 6, { grams: true });
    if (!showErrors(form, errors)) return false;
    const text = (v) => v.trim() || null;
    await ctx.save({ entity: 'child', id, fields: {
      ...(existing ? {} : { posyandu_id: ctx.day.posyandu_id, has_kms: true }),
      name, sex, birth_date: birth, mother_name: text(el.mother_name.value), father_name: text(el.father_name.value),
      nik: nik || null, mother_nik: motherNik || null, guardian_phone: phone || null, address: text(el.address.value), birth_weight_kg: bw } });
    ctx.announce(t('saved_offline'));
    ctx.go(`#/child/${id}`);
    return true;
  });
  if (existing) await showRefused(ctx, form, 'child', childId);
  return form;
}

/** A number as the user writes it ("7,25" in Bahasa Indonesia), empty for none. */
const numberText = (v) => (v === null || v === undefined ? '' : formatNumber(v));

/** A health worker's N/T over the computed one, for a weighing whose weight gain gives N or T
 * (domain.md: Buku KIA calls a child N whose curve follows its growth line even below the KBM):
 * the choice and its reason (required, audited by the server). Null for anyone else, a new
 * weighing (judged once saved) or a weighing the KBM cannot judge (O, B). */
async function ntJudgement(ctx, child, existing, measurements) {
  if (!existing || existing.weight_kg == null || !isHealthWorker(ctx.role)) return null;
  const [tables, kbm] = await Promise.all([ctx.tables(), ctx.kbm()]);
  const computed = kmsOf(child, { ...existing, _pending: true }, measurements, tables, kbm).trend_computed;
  if (!['N', 'T'].includes(computed)) return null;
  const box = h('fieldset', { class: 'card', id: 'nt-judgement' }, h('legend', {}, t('nt_judgement')),
    radios('trend_override', t('trend'), [['', t('nt_as_computed', { trend: computed })], ['N', t('nt_N')], ['T', t('nt_T')]],
      existing.trend_override ?? ''),
    field({ label: t('nt_reason'), name: 'trend_override_reason', value: existing.trend_override_reason ?? '', maxlength: 255 }));
  /** The fields to save ({trend_override, trend_override_reason}); a choice without a reason is an error. */
  const read = (form, errors) => {
    const choice = form.querySelector('input[name=trend_override]:checked')?.value || null;
    const reason = form.elements.trend_override_reason.value.trim() || null;
    if (choice && !reason) errors.trend_override_reason = [t('required')];
    return { trend_override: choice, trend_override_reason: choice ? reason : null };
  };
  return { box, read };
}

/** Record a weighing, or correct one (`measurementId`): the result is shown at once. A
 * weighing already recorded that day is pointed out (correct it rather than weigh twice); a
 * health worker may judge a weighing's N/T over the computed one (`ntJudgement`). */
export async function visitForm(ctx, childId, measurementId = null) {
  const { child, measurements } = await ctx.bundle(childId);
  if (!child) return h('p', {}, t('no_children'));
  const existing = measurementId ? measurements.find((m) => m.id === measurementId) : null;
  if (measurementId && !existing) return h('p', { class: 'notice' }, t('record_gone'));
  const m = existing ?? {};
  const day = existing?.measured_on ?? recordDay(ctx.day.date);
  const young = day < `${+child.birth_date.slice(0, 4) + 2}${child.birth_date.slice(4)}`;
  const output = h('div', { id: 'visit-result', 'aria-live': 'polite' });
  const sameDay = h('p', { class: 'notice info', id: 'same-day', hidden: true });
  const judgement = await ntJudgement(ctx, child, existing, measurements);
  const form = h('form', { class: 'card', novalidate: true, id: 'visit-form' },
    h('h2', {}, `${t(existing ? 'visit_edit' : 'visit')}: ${child.name}`),
    field({ label: t('measured_on'), name: 'measured_on', type: 'date', value: day, required: true, max: todayIso(), min: child.birth_date }),
    sameDay,
    field({ label: t('weight'), name: 'weight_kg', inputmode: 'decimal', autocomplete: 'off', value: numberText(m.weight_kg) }),
    field({ label: t('length_height'), name: 'length_height_cm', inputmode: 'decimal', autocomplete: 'off', value: numberText(m.length_height_cm) }),
    radios('position', t('position'), [['lying', t('lying')], ['standing', t('standing')]], m.position ?? (young ? 'lying' : 'standing')),
    field({ label: t('head'), name: 'head_circumference_cm', inputmode: 'decimal', autocomplete: 'off', value: numberText(m.head_circumference_cm) }),
    field({ label: t('muac'), name: 'muac_cm', inputmode: 'decimal', autocomplete: 'off', value: numberText(m.muac_cm) }),
    checkbox('oedema', t('oedema'), m.oedema === true),
    judgement?.box,
    h('p', { class: 'notice bad', role: 'alert', hidden: true, id: 'visit-alert' }),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
      h('a', { class: 'btn', href: `#/child/${childId}` }, t('cancel'))));
  const pointOut = () => {
    const on = form.elements.measured_on.value;
    const twin = measurements.find((x) => x.measured_on === on && x.id !== measurementId);
    sameDay.hidden = !twin;
    sameDay.replaceChildren(...(twin ? [t('weighed_that_day', { date: formatDate(on) }), ' ',
      h('a', { href: `#/visit/${childId}/${twin.id}` }, t('edit_that_one'))] : []));
  };
  form.elements.measured_on.addEventListener('change', pointOut);
  pointOut();
  const id = measurementId ?? crypto.randomUUID();
  onSave(form, async () => {
    const el = form.elements;
    const errors = {};
    const on = dateCheck(errors, form, 'measured_on', child.birth_date);
    const weight = range(errors, form, 'weight_kg', 0.5, 70, { grams: true });
    const length = range(errors, form, 'length_height_cm', 38, 150);
    const head = range(errors, form, 'head_circumference_cm', 25, 60);
    const muac = range(errors, form, 'muac_cm', 5, 30);
    const judged = judgement?.read(form, errors) ?? {};
    const alert = form.querySelector('#visit-alert');
    alert.hidden = weight !== null || length !== null;
    alert.textContent = t('enter_something');
    if (!showErrors(form, errors) || !alert.hidden) return false;
    const fields = { child_id: childId, measured_on: on, weight_kg: weight, length_height_cm: length,
      position: length === null ? null : form.querySelector('input[name=position]:checked')?.value ?? null,
      head_circumference_cm: head, muac_cm: muac, oedema: el.oedema.checked,
      ...(existing ? {} : { recorded_at: new Date().toISOString() }), ...judged }; // a correction keeps when it was recorded
    await ctx.save({ entity: 'measurement', id, fields });
    const bundle = await ctx.bundle(childId);
    const [tables, kbm, schedule, area] = await Promise.all([ctx.tables(), ctx.kbm(), ctx.schedule(), ctx.area(child)]);
    const result = assess({ child, m: { ...m, ...fields, id }, history: bundle.measurements, immunisations: bundle.immunisations,
      supplements: bundle.supplements, tables, kbm, schedule, area, on });
    form.hidden = true;
    remove?.remove();
    output.replaceChildren(h('h2', { tabindex: '-1' }, `${t('result')}: ${child.name}`),
      h('p', { class: 'muted' }, t('saved_offline')), statusPanel(result), duePanel(result.due),
      h('div', { class: 'actions' }, result.due.doses.length || result.due.supplements.length
        ? h('a', { class: 'btn primary', href: `#/doses/${childId}` }, t('record_doses')) : null,
      isHealthWorker(ctx.role) && ['N', 'T'].includes(result.kms?.trend_computed)
        ? h('a', { class: 'btn', href: `#/visit/${childId}/${id}` }, t('nt_judge_link')) : null,
      h('a', { class: 'btn', href: `#/child/${childId}` }, child.name), h('a', { class: 'btn', href: '#/' }, t('home'))));
    output.querySelector('h2').focus();
    return true;
  });
  const remove = existing ? deleteCard(ctx, 'measurement', existing.id, childId) : null;
  if (existing) await showRefused(ctx, form, 'measurement', measurementId);
  return h('div', {}, form, remove, output);
}

const DELETE_REASONS = ['delete_mistake', 'delete_twice', 'delete_wrong_child'];

/** Delete a weighing or a dose entered by mistake, with the reason (kept by the server's audit). */
function deleteCard(ctx, entity, id, childId) {
  const form = h('form', { class: 'card', novalidate: true, id: 'delete-form' }, h('h3', {}, t('delete_title')),
    radios('reason', t('delete_reason'), DELETE_REASONS.map((k) => [k, t(k)]), null),
    h('button', { class: 'btn danger', type: 'submit' }, t('delete')));
  onSave(form, async () => {
    const reason = form.querySelector('input[name=reason]:checked')?.value;
    if (!showErrors(form, reason ? {} : { reason: [t('required')] })) return false;
    await ctx.save({ entity, id, op: 'delete', reason: t(reason) });
    ctx.announce(t('deleted'));
    ctx.go(`#/child/${childId}`);
    return true;
  });
  return form;
}

/** Where a dose's record comes from: given at this visit by a health worker, copied from the
 * Buku KIA or another record, or the parent's recollection (none chosen by default). */
const sourceRadios = (checked, sources = DOSE_SOURCES) => radios('source', t('dose_source'), sources.map((s) => [s, t(`source_${s}`)]), checked);
const sourceOf = (form) => form.querySelector('input[name=source]:checked')?.value ?? null;

/** Where a dose copied from a record or recalled was given (a dose given at this visit: here). */
const PLACES = ['posyandu', 'puskesmas', 'elsewhere'];
const placeRadios = (checked) => radios('place', t('dose_place'), PLACES.map((p) => [p, t(`place_${p}`)]), checked);
const placeOf = (form, from) => (from === 'given' ? 'posyandu' : form.querySelector('input[name=place]:checked')?.value ?? 'posyandu');

/** The vial of a dose given by a health worker: its batch (lot) number and expiry date and, when
 * the schedule lists products for the vaccine, its KFA product. `suffix` tells apart the fields of
 * several vaccines in one form; `lot` fills them in (`remembered`: from the day's previous child). */
function lotFields({ legend, suffix = '', lot = {}, products, givenOn, remembered = false, ...attrs }) {
  const known = !lot.kfa_code || products.some((p) => p.kfa_code === lot.kfa_code);
  const listed = known ? products : [...products, { kfa_code: lot.kfa_code, name: lot.kfa_code }]; // never dropped unseen
  return h('fieldset', { class: 'lot', ...attrs }, h('legend', {}, legend),
    remembered ? h('p', { class: 'hint' }, t('lot_remembered')) : null,
    field({ label: t('batch_number'), name: `batch_number${suffix}`, value: lot.batch_number, required: true,
      maxlength: BATCH_MAX, autocomplete: 'off' }),
    field({ label: t('expiry_date'), name: `expiry_date${suffix}`, type: 'date', value: lot.expiry_date, required: true, min: givenOn,
      max: EXPIRY_RANGE[1] }),
    listed.length ? choice({ label: t('kfa_product'), name: `kfa_code${suffix}`, value: lot.kfa_code ?? '',
      options: [['', t('kfa_none')], ...listed.map((p) => [p.kfa_code, p.name])] }) : null);
}

/** What lotFields hold: {batch_number, expiry_date, kfa_code}, empty ones null; kfa_code left
 * out when there is no product field (the schedule lists none: a code kept stays as it is). */
function lotValues(form, suffix = '') {
  const value = (name) => form.elements[`${name}${suffix}`]?.value.trim() || null;
  const kfa = form.elements[`kfa_code${suffix}`] ? { kfa_code: value('kfa_code') } : {};
  return { batch_number: value('batch_number'), expiry_date: value('expiry_date'), ...kfa };
}

/** lotErrors under the names of the fields with `suffix`. */
const lotErrorsOf = (lot, on, suffix = '') => Object.fromEntries(Object.entries(lotErrors(lot, on)).map(([k, m]) => [`${k}${suffix}`, m]));

/** A health worker's reason to record a dose outside the schedule's rules (the server's
 * immunisation.operations.enforce: an overridable rule gives way to a bidan or admin who states
 * it, audited with her name): its field, hidden until a rule needs it, and `judge`. */
function ruleExceptions(ctx) {
  const box = field({ label: t('override_reason'), name: 'override_reason', hint: t('override_hint'), maxlength: 255 });
  box.hidden = true;
  /** Report `problems` ({field name: violations}) in `errors` as the server judges them: a rule no
   * one may override stays an error; an overridable one is accepted once a health worker gives her
   * reason (returned, to send with the records it excuses), asked of her until she does, and sends
   * a kader to the bidan. */
  const judge = (form, errors, problems) => {
    const mayExcuse = isHealthWorker(ctx.role);
    const because = form.elements.override_reason.value.trim();
    let excusable = 0;
    for (const [name, broken] of Object.entries(problems)) {
      if (!broken.length) continue;
      const soft = broken.every((v) => v.overridable);
      excusable += soft ? 1 : 0;
      if (soft && mayExcuse && because) continue; // accepted as written, with her reason
      errors[name] = [...(errors[name] ?? []), ...broken.map((v) => v.message[lang()] ?? v.message.id),
        ...(soft && !mayExcuse ? [t('ask_bidan')] : [])];
    }
    box.hidden = !(mayExcuse && excusable);
    if (mayExcuse && excusable && !because) errors.override_reason = [t('give_reason')];
    return mayExcuse && excusable && because ? because : null;
  };
  return { box, judge };
}

/** Correct a dose already recorded (an immunisation, vitamin A or deworming): its date, and an
 * immunisation's source and vial, or delete it. The date is checked by the schedule's rules as
 * the server checks it, the vial as record_problems. A dose restated from "given" to copied or
 * recalled loses the vial fields (they described the vial used at that visit). */
export async function doseForm(ctx, childId, entity, id) {
  const [{ child, immunisations, supplements }, schedule] = await Promise.all([ctx.bundle(childId), ctx.schedule()]);
  const list = entity === 'immunisation' ? immunisations : supplements;
  const rec = child ? list.find((r) => r.id === id) : null;
  if (!rec) return h('p', { class: 'notice' }, t('record_gone'));
  const area = await ctx.area(child);
  const name = doseLabel(schedule, entity, rec);
  const isDose = entity === 'immunisation';
  let lotBox = null;
  const copied = (source) => source === 'record' || source === 'recall';
  const place = isDose ? placeRadios(rec.place ?? 'posyandu') : null;
  if (place) place.hidden = !copied(rec.source);
  if (isDose) {
    const stated = rec.batch_number || rec.expiry_date || rec.kfa_code;
    const remembered = stated ? null : lotsOn(await keptLots(ctx.db), rec.given_on)[rec.vaccine];
    lotBox = lotFields({ legend: t('vial_of', { name }), lot: stated ? rec : remembered ?? {}, remembered: !!remembered,
      products: productsOf(schedule, rec.vaccine), givenOn: rec.given_on, id: 'dose-lot', hidden: rec.source !== 'given' });
  }
  const exceptions = ruleExceptions(ctx);
  const form = h('form', { class: 'card', novalidate: true, id: 'dose-form' }, h('h2', {}, `${t('dose_edit', { name })}: ${child.name}`),
    field({ label: t('given_on'), name: 'given_on', type: 'date', value: rec.given_on, required: true, max: todayIso(), min: child.birth_date }),
    isDose ? sourceRadios(rec.source ?? null) : null, place, lotBox, exceptions.box,
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
      h('a', { class: 'btn', href: `#/child/${childId}` }, t('cancel'))));
  form.addEventListener('change', (e) => {
    if (!lotBox) return;
    if (e.target.name === 'source') {
      lotBox.hidden = sourceOf(form) !== 'given';
      place.hidden = !copied(sourceOf(form));
    }
    if (e.target.name === 'given_on') form.elements.expiry_date.min = e.target.value;
  });
  onSave(form, async () => {
    const errors = {};
    const on = dateCheck(errors, form, 'given_on', child.birth_date);
    let because = null;
    // the schedule's rules judge the date as the server does: a new record, or a date changed (a
    // dose a bidan accepted outside the rules keeps her judgement while its place is corrected)
    if (!errors.given_on && (rec.version == null || on !== rec.given_on)) {
      const changed = { ...rec, given_on: on };
      const found = entity === 'immunisation'
        ? validateDose(schedule, child.birth_date, immunisations, changed, { area })
        : validateSupplement(schedule.supplements, child.birth_date, supplements, changed);
      because = exceptions.judge(form, errors, { given_on: found });
    }
    let dose = {};
    if (isDose) {
      const source = sourceOf(form); // an old record may state none: it stays so until one is chosen
      const lot = source === 'given' ? lotValues(form)
        : rec.source === 'given' ? { batch_number: null, expiry_date: null, kfa_code: null } : {};
      Object.assign(errors, lotErrorsOf({ source, ...lot }, on));
      dose = { source, ...lot, ...(copied(source) ? { place: placeOf(form, source) } : {}) };
    }
    if (!showErrors(form, errors)) return false;
    await ctx.save({ entity, id, fields: { child_id: childId, given_on: on, ...dose, ...(because ? { override_reason: because } : {}) } });
    if (dose.source === 'given') await rememberLots(ctx.db, on, { [rec.vaccine]: dose });
    ctx.announce(t('saved_offline'));
    ctx.go(`#/child/${childId}`);
    return true;
  });
  await showRefused(ctx, form, entity, id);
  return h('div', {}, form, deleteCard(ctx, entity, id, childId));
}

/** Record the doses given today: the vaccines, vitamin A and deworming due. A vaccine dose says
 * where its record comes from; one given by a health worker says its vial (batch, expiry, KFA
 * product), filled in from the day's previous child for the same vaccine. */
export async function dosesForm(ctx, childId) {
  const [{ child, immunisations, supplements }, schedule, kept] = await Promise.all([ctx.bundle(childId), ctx.schedule(),
    keptLots(ctx.db)]);
  const area = await ctx.area(child);
  const form = h('form', { class: 'card', novalidate: true, id: 'doses-form' }, h('h2', {}, `${t('record_doses')}: ${child.name}`));
  const day = recordDay(ctx.day.date);
  const dateField = field({ label: t('given_on'), name: 'given_on', type: 'date', value: day, required: true, max: todayIso(), min: child.birth_date });
  const options = h('fieldset', { class: 'checks' }, h('legend', {}, t('due_today')));
  const source = sourceRadios(null);
  const place = placeRadios('posyandu');
  const lotsBox = h('div', { id: 'dose-lots' });
  const checkedDoses = () => [...form.querySelectorAll('input[name=dose]:checked')].map((i) => i.value);
  /** The source is asked once a vaccine dose is checked; the vials of those checked, once it is "given". */
  const showAsked = () => {
    const checked = checkedDoses();
    source.hidden = !checked.length;
    place.hidden = !checked.length || !['record', 'recall'].includes(sourceOf(form));
    const given = sourceOf(form) === 'given';
    for (const box of lotsBox.children) box.hidden = !given || !checked.includes(box.dataset.dose);
  };
  const drawOptions = () => {
    const on = form.elements.given_on?.value || day;
    const due = dueToday({ child, immunisations, supplements, schedule, area, on });
    options.replaceChildren(h('legend', {}, t('due_today')),
      ...due.doses.map((d) => checkbox('dose', `${d.label} (${t(`st_${d.status}`)})`, false, `${d.vaccine}|${d.dose}`)),
      ...due.supplements.map((s) => checkbox('supplement', t(s.kind), false, s.kind)),
      ...(due.doses.length + due.supplements.length ? [] : [h('p', { class: 'muted' }, t('nothing_due'))]));
    const lots = lotsOn(kept, on);
    lotsBox.replaceChildren(...due.doses.map((d) => lotFields({ legend: t('vial_of', { name: d.label }), suffix: `|${d.vaccine}|${d.dose}`,
      lot: lots[d.vaccine], remembered: !!lots[d.vaccine], products: productsOf(schedule, d.vaccine), givenOn: on,
      'data-dose': `${d.vaccine}|${d.dose}` })));
    showAsked();
  };
  const alert = h('p', { class: 'notice bad', role: 'alert', hidden: true });
  form.append(dateField, options, source, place, lotsBox, alert, h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
    h('a', { class: 'btn', href: `#/child/${childId}` }, t('cancel'))));
  form.elements.given_on.addEventListener('change', drawOptions);
  form.addEventListener('change', (e) => { if (e.target.name === 'dose' || e.target.name === 'source') showAsked(); });
  drawOptions();
  const ids = recordIds();
  onSave(form, async () => {
    const errors = {};
    const on = dateCheck(errors, form, 'given_on', child.birth_date);
    const doses = checkedDoses().map((v) => v.split('|'));
    const sups = [...form.querySelectorAll('input[name=supplement]:checked')].map((i) => i.value);
    const from = doses.length ? sourceOf(form) : null;
    if (doses.length && !from) errors.source = [t('choose_source')];
    const lots = {};
    for (const [vaccine, dose] of from === 'given' ? doses : []) {
      const suffix = `|${vaccine}|${dose}`;
      lots[`${vaccine}|${dose}`] = lotValues(form, suffix);
      Object.assign(errors, lotErrorsOf({ source: from, ...lots[`${vaccine}|${dose}`] }, on, suffix));
    }
    alert.hidden = doses.length + sups.length > 0;
    alert.textContent = t('choose_dose');
    if (!showErrors(form, errors) || !alert.hidden) return false;
    const recorded = new Date().toISOString();
    await ctx.saveAll([ // the day's doses saved together: all of them or, should the phone fail, none
      ...doses.map(([vaccine, dose]) => ({ entity: 'immunisation', id: ids(`${vaccine}|${dose}`), fields: { child_id: childId, vaccine,
        dose: Number(dose), given_on: on, place: placeOf(form, from), source: from, ...(lots[`${vaccine}|${dose}`] ?? {}), recorded_at: recorded } })),
      ...sups.map((kind) => ({ entity: 'supplement', id: ids(kind), fields: { child_id: childId, kind, given_on: on, place: 'posyandu',
        recorded_at: recorded } }))]);
    if (from === 'given') {
      await rememberLots(ctx.db, on, Object.fromEntries(doses.map(([vaccine, dose]) => [vaccine, lots[`${vaccine}|${dose}`]])));
    }
    ctx.announce(t('doses_saved', { n: doses.length + sups.length }));
    ctx.go(`#/child/${childId}`);
    return true;
  });
  return form;
}

/** Copy the doses written in a child's Buku KIA (a child new to the app, or to the posyandu): each
 * dose the schedule could have given by now and the phone has no record of, with its own date
 * (left empty: not on the card). Checked by the schedule's rules as the server checks them, and
 * saved together (all or none), in date order, so the server meets dose 1 before dose 2. */
export async function cardForm(ctx, childId) {
  const [{ child, immunisations }, schedule] = await Promise.all([ctx.bundle(childId), ctx.schedule()]);
  const area = await ctx.area(child);
  const today = todayIso();
  const rows = copyableDoses(schedule, child.birth_date, immunisations, today, { area });
  const key = (d) => `${d.vaccine}|${d.dose}`;
  const form = h('form', { class: 'card', novalidate: true, id: 'card-form' }, h('h2', {}, `${t('card_copy')}: ${child.name}`));
  if (!rows.length) {
    form.append(h('p', { class: 'muted' }, t('card_copy_none')),
      h('div', { class: 'actions' }, h('a', { class: 'btn', href: `#/child/${childId}` }, t('back'))));
    return form;
  }
  const from = sourceRadios('record', ['record', 'recall']); // a card is copied, or recalled: never given here
  const place = placeRadios('posyandu');
  /** A dose's date and, once it has one, where it was given if not where the others were (a
   * birth dose at the hospital, the rest at the posyandu). */
  const doseRow = (d) => {
    const where = choice({ label: t('card_copy_place', { name: d.label }), name: `place|${key(d)}`,
      options: [['', t('card_copy_place_same')], ...PLACES.map((p) => [p, t(`place_${p}`)])] });
    where.hidden = true;
    const on = field({ label: d.label, name: `on|${key(d)}`, type: 'date', min: child.birth_date, max: today,
      hint: t('card_copy_recommended', { date: formatDate(d.recommended_date) }), 'data-dose': key(d),
      oninput: (e) => { where.hidden = !e.target.value; } });
    return h('div', { class: 'card-dose' }, on, where);
  };
  const alert = h('p', { class: 'notice bad', role: 'alert', hidden: true });
  // a dose the card dates outside the schedule's ages or intervals (a private clinic's early dose):
  // a health worker may record it as written, with her reason (audited); a kader is told to ask her
  const exceptions = ruleExceptions(ctx);
  form.append(h('p', { class: 'muted' }, t('card_copy_hint')), from, place,
    h('fieldset', { class: 'card-doses' }, h('legend', {}, t('card_copy_doses')), ...rows.map(doseRow)),
    exceptions.box, alert, h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
      h('a', { class: 'btn', href: `#/child/${childId}` }, t('cancel'))));
  const ids = recordIds();
  onSave(form, async () => {
    const errors = {};
    const copied = [];
    for (const d of rows.filter((r) => form.elements[`on|${key(r)}`].value)) { // an empty date: not on the card
      const value = dateCheck(errors, form, `on|${key(d)}`, child.birth_date);
      if (!errors[`on|${key(d)}`]) copied.push({ vaccine: d.vaccine, dose: d.dose, given_on: value });
    }
    const { problems, ordered } = checkCopied(schedule, child.birth_date, immunisations, copied, { area, today });
    const because = exceptions.judge(form, errors, Object.fromEntries(Object.entries(problems).map(([k, v]) => [`on|${k}`, v])));
    alert.textContent = t('card_copy_empty');
    alert.hidden = copied.length > 0 || Object.keys(errors).length > 0;
    if (!showErrors(form, errors) || !alert.hidden) return false;
    const source = sourceOf(form) ?? 'record';
    const recorded = new Date().toISOString();
    await ctx.saveAll(ordered.map((d) => ({ entity: 'immunisation', id: ids(key(d)), fields: {
      child_id: childId, vaccine: d.vaccine, dose: d.dose, given_on: d.given_on, source,
      place: form.elements[`place|${key(d)}`].value || placeOf(form, source),
      recorded_at: recorded, ...(because && problems[key(d)] ? { override_reason: because } : {}) } })));
    ctx.announce(t('card_copied', { n: ordered.length }));
    ctx.go(`#/child/${childId}`);
    return true;
  });
  return form;
}
