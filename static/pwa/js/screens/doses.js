// Dose forms: correct one dose, record the day's doses, copy a Buku KIA (shared parts: forms.js).
import { formatDate, inLang, t } from '../i18n.js';
import { checkbox, choice, field, h, radios, showErrors, todayIso } from '../ui.js';
import { dueToday } from '../assess.js';
import { checkCopied, copyableDoses, scheduleOn, validateDose, validateSupplement } from '../due.js';
import { BATCH_MAX, DOSE_SOURCES, EXPIRY_RANGE, dateError, doseFormDay, isHealthWorker, lateAfterExit, lotErrors } from '../checks.js';
import { keptLots, lotsOn, productsOf, rememberLots } from '../lots.js';
import { childGone, doseLabel, dueTitle } from './child.js';
import { dateCheck, deleteCard, onSave, recordIds, savedWords, showRefused } from './forms.js';

/** A dose record's source: given here, copied from a record, or recalled (no default). */
const sourceRadios = (checked, sources = DOSE_SOURCES) => radios('source', t('dose_source'), sources.map((s) => [s, t(`source_${s}`)]), checked, true);
const sourceOf = (form) => form.querySelector('input[name=source]:checked')?.value ?? null;

/** Where a copied or recalled dose was given (one given now: here). */
const PLACES = ['posyandu', 'puskesmas', 'elsewhere'];
const placeRadios = (checked) => radios('place', t('dose_place'), PLACES.map((p) => [p, t(`place_${p}`)]), checked);
const placeOf = (form, from) => (from === 'given' ? 'posyandu' : form.querySelector('input[name=place]:checked')?.value ?? 'posyandu');

/** A given dose's vial: batch, expiry, KFA product (if listed). `suffix`: per vaccine; `lot`
 * prefills (`remembered`: the day's previous child's). */
function lotFields({ legend, suffix = '', lot = {}, products, givenOn, remembered = false, ...attrs }) {
  const known = !lot.kfa_code || products.some((p) => p.kfa_code === lot.kfa_code);
  const listed = known ? products : [...products, { kfa_code: lot.kfa_code, name: lot.kfa_code }];
  return h('fieldset', { class: 'lot', ...attrs }, h('legend', {}, legend),
    remembered ? h('p', { class: 'hint' }, t('lot_remembered')) : null,
    field({ label: t('batch_number'), name: `batch_number${suffix}`, value: lot.batch_number, required: true,
      maxlength: BATCH_MAX, autocomplete: 'off' }),
    field({ label: t('expiry_date'), name: `expiry_date${suffix}`, type: 'date', value: lot.expiry_date, required: true, min: givenOn,
      max: EXPIRY_RANGE[1] }),
    listed.length ? choice({ label: t('kfa_product'), name: `kfa_code${suffix}`, value: lot.kfa_code ?? '',
      options: [['', t('kfa_none')], ...listed.map((p) => [p.kfa_code, p.name])] }) : null);
}

/** lotFields' values, empty ones null; no kfa_code without a product field (a kept code stays). */
function lotValues(form, suffix = '') {
  const value = (name) => form.elements[`${name}${suffix}`]?.value.trim() || null;
  const kfa = form.elements[`kfa_code${suffix}`] ? { kfa_code: value('kfa_code') } : {};
  return { batch_number: value('batch_number'), expiry_date: value('expiry_date'), ...kfa };
}

const lotErrorsOf = (form, lot, on, suffix = '') => Object.fromEntries(Object.entries(lotErrors(lot, on,
  form.elements[`expiry_date${suffix}`]?.validity.badInput)).map(([k, m]) => [`${k}${suffix}`, m]));

/** A bidan's or admin's reason for a dose outside the rules (operations.enforce): its field, and `judge`. */
function ruleExceptions(ctx) {
  const box = field({ label: t('override_reason'), name: 'override_reason', hint: t('override_hint'), maxlength: 255 });
  box.hidden = true;
  /** `problems` into `errors` as the server: an overridable rule passes with her reason (returned). */
  const judge = (form, errors, problems) => {
    const mayExcuse = isHealthWorker(ctx.role);
    const because = form.elements.override_reason.value.trim();
    let excusable = 0;
    for (const [name, broken] of Object.entries(problems)) {
      if (!broken.length) continue;
      const soft = broken.every((v) => v.overridable);
      excusable += soft ? 1 : 0;
      if (soft && mayExcuse && because) continue;
      errors[name] = [...(errors[name] ?? []), ...broken.map((v) => inLang(v.message, v.message.id)),
        ...(soft && !mayExcuse ? [t('ask_bidan')] : [])];
    }
    box.hidden = !(mayExcuse && excusable);
    if (mayExcuse && excusable && !because) errors.override_reason = [t('give_reason')];
    return mayExcuse && excusable && because ? because : null;
  };
  return { box, judge };
}

/** Correct or delete a dose, checked as the server; no longer "given": no vial. */
export async function doseForm(ctx, childId, entity, id) {
  const [{ child, kept, immunisations, supplements }, schedule] = await Promise.all([ctx.bundle(childId), ctx.schedule()]);
  if (!child) return childGone(kept);
  const rec = (entity === 'immunisation' ? immunisations : supplements).find((r) => r.id === id);
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
      products: productsOf(scheduleOn(schedule, rec.given_on), rec.vaccine), givenOn: rec.given_on, id: 'dose-lot',
      hidden: rec.source !== 'given' });
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
    const on = dateCheck(errors, form, 'given_on', child);
    let because = null;
    // judged by the new date's version, as the server: only a new record or a changed date (a dose
    // a bidan excused keeps her judgement while its place is corrected)
    if (!errors.given_on && (rec.version == null || on !== rec.given_on)) {
      const changed = { ...rec, given_on: on };
      const found = entity === 'immunisation'
        ? validateDose(schedule, child.birth_date, immunisations, changed, { area })
        : validateSupplement(scheduleOn(schedule, on).supplements, child.birth_date, supplements, changed, { area });
      because = exceptions.judge(form, errors, { given_on: found });
    }
    let dose = {};
    if (isDose) {
      const source = sourceOf(form); // an old record may have none until chosen
      const lot = source === 'given' ? lotValues(form)
        : rec.source === 'given' ? { batch_number: null, expiry_date: null, kfa_code: null } : {};
      Object.assign(errors, lotErrorsOf(form, { source, ...lot }, on));
      dose = { source, ...lot, ...(copied(source) ? { place: placeOf(form, source) } : {}) };
    }
    if (!showErrors(form, errors)) return false;
    await ctx.save({ entity, id, fields: { child_id: childId, given_on: on, ...dose, ...(because ? { override_reason: because } : {}) },
      drawn: rec.version == null ? null : rec });
    if (dose.source === 'given') await rememberLots(ctx.db, on, { [rec.vaccine]: dose });
    ctx.announce(savedWords(ctx), 1);
    ctx.go(`#/child/${childId}`, true);
    return true;
  });
  await showRefused(ctx, form, entity, id);
  return h('div', {}, form, deleteCard(ctx, entity, id, childId));
}

/** Record the day's doses due, their source and, given here, the vial (the previous child's). */
export async function dosesForm(ctx, childId) {
  const [{ child, kept, immunisations, supplements }, schedule, vials] = await Promise.all([ctx.bundle(childId), ctx.schedule(),
    keptLots(ctx.db)]);
  if (!child) return childGone(kept);
  const area = await ctx.area(child);
  const form = h('form', { class: 'card', novalidate: true, id: 'doses-form' }, h('h2', {}, `${t('record_doses')}: ${child.name}`));
  const late = lateAfterExit(child, ctx.day.date); // her exit day's doses drawn until a day is picked
  const day = doseFormDay(child, ctx.day.date);
  const dateField = field({ label: t('given_on'), name: 'given_on', type: 'date', value: late ? '' : day, required: true,
    max: late ?? todayIso(), min: child.birth_date });
  const options = h('fieldset', { class: 'checks' }, h('legend', {}, dueTitle(day)));
  const source = sourceRadios(null);
  const place = placeRadios('posyandu');
  const lotsBox = h('div', { id: 'dose-lots' });
  const checkedDoses = () => [...form.querySelectorAll('input[name=dose]:checked')].map((i) => i.value);
  /** Ask the source once a dose is ticked; its vial once "given". */
  const showAsked = () => {
    const checked = checkedDoses();
    source.hidden = !checked.length;
    place.hidden = !checked.length || !['record', 'recall'].includes(sourceOf(form));
    const given = sourceOf(form) === 'given';
    for (const box of lotsBox.children) box.hidden = !given || !checked.includes(box.dataset.dose);
  };
  const dropped = h('div', { class: 'notice info', id: 'doses-dropped', role: 'status', hidden: true });
  // a vial she typed (not prefilled) survives a redraw of the options
  lotsBox.addEventListener('input', (e) => { const box = e.target.closest('fieldset.lot'); if (box) box.dataset.typed = 'true'; });
  lotsBox.addEventListener('change', (e) => { const box = e.target.closest('fieldset.lot'); if (box) box.dataset.typed = 'true'; });
  /** The options for the date: ticks and typed vials still offered stay; others are unticked and
   * said, with why. */
  let drawnOn = null;
  let noneOffered = false;
  // nothing to tick: no Simpan, unless the date is wrong (to say so)
  const hideSave = () => { save.hidden = noneOffered && !dateError(form.elements.given_on?.value ?? day, { birthDate: child.birth_date }); };
  const drawOptions = () => {
    const on = form.elements.given_on?.value || day;
    if (on === drawnOn) return hideSave(); // same date (a second change event): the notice stays
    drawnOn = on;
    const ticked = new Set([...options.querySelectorAll('input[type=checkbox]:checked')].map((i) => `${i.name}:${i.value}`));
    const typed = new Map([...lotsBox.children].filter((box) => box.dataset.typed)
      .map((box) => [box.dataset.dose, [...box.querySelectorAll('input, select')].map((i) => [i.name, i.value])]));
    // her exit day takes doses (check_date), none due
    const due = dueToday({ child: on === child.exit_date ? { ...child, exit_date: null } : child, immunisations, supplements, schedule, area, on });
    const kept = (name, value) => ticked.has(`${name}:${value}`);
    options.replaceChildren(h('legend', {}, dueTitle(on)),
      ...due.doses.map((d) => checkbox('dose', `${d.label} (${t(`st_${d.status}`)})`, kept('dose', `${d.vaccine}|${d.dose}`), `${d.vaccine}|${d.dose}`)),
      ...due.supplements.map((s) => checkbox('supplement', t(s.kind), kept('supplement', s.kind), s.kind)),
      ...(due.doses.length + due.supplements.length ? [] : [h('p', { class: 'muted' }, t('nothing_due'))]));
    const lots = lotsOn(vials, on);
    lotsBox.replaceChildren(...due.doses.map((d) => {
      const key = `${d.vaccine}|${d.dose}`;
      const box = lotFields({ legend: t('vial_of', { name: d.label }), suffix: `|${key}`, lot: lots[d.vaccine],
        remembered: !typed.has(key) && !!lots[d.vaccine], products: productsOf(scheduleOn(schedule, on), d.vaccine), givenOn: on, 'data-dose': key });
      for (const [name, value] of typed.get(key) ?? []) {
        const input = box.querySelector(`[name="${name}"]`);
        if (input) input.value = value;
      }
      if (typed.has(key)) box.dataset.typed = 'true';
      return box;
    }));
    const offered = new Set([...due.doses.map((d) => `dose:${d.vaccine}|${d.dose}`), ...due.supplements.map((x) => `supplement:${x.kind}`)]);
    sayDropped(on, [...ticked].filter((k) => !offered.has(k)));
    noneOffered = !offered.size;
    hideSave();
    showAsked();
  };
  /** Say which ticked doses `on` cannot have, with the server's reasons. */
  const sayDropped = (on, gone) => {
    const why = gone.map((k) => {
      const [name, value] = k.split(':');
      const [vaccine, dose] = value.split('|');
      const found = name === 'dose'
        ? validateDose(schedule, child.birth_date, immunisations, { vaccine, dose: Number(dose), given_on: on }, { area })
        : validateSupplement(scheduleOn(schedule, on).supplements, child.birth_date, supplements, { kind: value, given_on: on }, { area });
      const title = name === 'dose' ? doseLabel(schedule, 'immunisation', { vaccine, dose: Number(dose) }) : t(value);
      const reasons = found.map((v) => inLang(v.message, v.message.id)); // each names the dose
      return h('li', {}, reasons.length ? reasons.join(' ') : `${title}: ${t('not_offered_then')}`);
    });
    dropped.hidden = !gone.length;
    dropped.replaceChildren(...(gone.length ? [h('p', {}, t('doses_unticked', { date: formatDate(on) })), h('ul', {}, why)] : []));
  };
  const alert = h('p', { class: 'notice bad', role: 'alert', hidden: true });
  const save = h('button', { class: 'btn primary', type: 'submit' }, t('save'));
  form.append(dateField, options, dropped, source, place, lotsBox, alert, h('div', { class: 'actions' }, save,
    h('a', { class: 'btn', href: `#/child/${childId}` }, t('cancel'))));
  form.elements.given_on.addEventListener('change', drawOptions);
  form.addEventListener('change', ({ target: { name } }) => {
    if (name === 'dose' || name === 'supplement') alert.hidden = true; // "Pilih minimal satu" answered
    if (name === 'dose' || name === 'source') showAsked();
  });
  drawOptions();
  const ids = recordIds();
  onSave(form, async () => {
    const errors = {};
    const on = dateCheck(errors, form, 'given_on', child);
    const doses = checkedDoses().map((v) => v.split('|'));
    const sups = [...form.querySelectorAll('input[name=supplement]:checked')].map((i) => i.value);
    const from = doses.length ? sourceOf(form) : null;
    if (doses.length && !from) errors.source = [t('choose_source')];
    const lots = {};
    for (const [vaccine, dose] of from === 'given' ? doses : []) {
      const suffix = `|${vaccine}|${dose}`;
      lots[`${vaccine}|${dose}`] = lotValues(form, suffix);
      Object.assign(errors, lotErrorsOf(form, { source: from, ...lots[`${vaccine}|${dose}`] }, on, suffix));
    }
    alert.hidden = doses.length + sups.length > 0;
    alert.textContent = t('choose_dose');
    if (!showErrors(form, errors) || !alert.hidden) return false;
    const recorded = new Date().toISOString();
    await ctx.saveAll([ // all or none
      ...doses.map(([vaccine, dose]) => ({ entity: 'immunisation', id: ids(`${vaccine}|${dose}`), fields: { child_id: childId, vaccine,
        dose: Number(dose), given_on: on, place: placeOf(form, from), source: from, ...(lots[`${vaccine}|${dose}`] ?? {}), recorded_at: recorded } })),
      ...sups.map((kind) => ({ entity: 'supplement', id: ids(kind), fields: { child_id: childId, kind, given_on: on, place: 'posyandu',
        recorded_at: recorded } }))]);
    if (from === 'given') {
      await rememberLots(ctx.db, on, Object.fromEntries(doses.map(([vaccine, dose]) => [vaccine, lots[`${vaccine}|${dose}`]])));
    }
    ctx.announce(t('doses_saved', { n: doses.length + sups.length }), 1);
    ctx.go(`#/child/${childId}`, true);
    return true;
  });
  return form;
}

/** Copy a Buku KIA's doses, checked as the server, saved all or none in date order. */
export async function cardForm(ctx, childId) {
  const [{ child, kept, immunisations }, schedule] = await Promise.all([ctx.bundle(childId), ctx.schedule()]);
  if (!child) return childGone(kept);
  const area = await ctx.area(child);
  const today = todayIso();
  const rows = copyableDoses(scheduleOn(schedule, today), child.birth_date, immunisations, today, { area });
  const key = (d) => `${d.vaccine}|${d.dose}`;
  const form = h('form', { class: 'card', novalidate: true, id: 'card-form' }, h('h2', {}, `${t('card_copy')}: ${child.name}`));
  if (!rows.length) {
    form.append(h('p', { class: 'muted' }, t('card_copy_none')),
      h('div', { class: 'actions' }, h('a', { class: 'btn', href: `#/child/${childId}` }, t('back'))));
    return form;
  }
  const from = sourceRadios('record', ['record', 'recall']); // never given here
  const place = placeRadios('posyandu');
  /** A dose's date and, once set, its place if not the others' (a birth dose at the hospital). */
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
  // a card's dose outside the rules: excusable, see ruleExceptions
  const exceptions = ruleExceptions(ctx);
  form.append(h('p', { class: 'muted' }, t('card_copy_hint')), from, place,
    h('fieldset', { class: 'card-doses' }, h('legend', {}, t('card_copy_doses')), ...rows.map(doseRow)),
    exceptions.box, alert, h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
      h('a', { class: 'btn', href: `#/child/${childId}` }, t('cancel'))));
  form.addEventListener('input', (e) => { if (e.target.name?.startsWith('on|')) alert.hidden = true; }); // a date given
  const ids = recordIds();
  onSave(form, async () => {
    const errors = {};
    const copied = [];
    for (const d of rows.filter((r) => form.elements[`on|${key(r)}`].value || form.elements[`on|${key(r)}`].validity.badInput)) {
      const value = dateCheck(errors, form, `on|${key(d)}`, child);
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
    ctx.announce(t('card_copied', { n: ordered.length }), 1);
    ctx.go(`#/child/${childId}`, true);
    return true;
  });
  return form;
}
