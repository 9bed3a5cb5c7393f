// Forms: a child's, a weighing's (its result at once), and what saving forms share.
import { formatDate, formatNumber, inLang, t, texts } from '../i18n.js';
import { checkbox, choice, confirmed, field, h, keepDraft, num, radios, showErrors, todayIso } from '../ui.js';
import { assess, kmsOf } from '../assess.js';
import { asStored, birthDateError, dateError, doseFormDay, isHealthWorker, lateAfterExit, nikDigits, nikError, oldestBirthDate, overFive, rangeError, recordDay, visibleText } from '../checks.js';
import { conflictList, outboxEntries, sendingOf, unsentWords } from '../outbox.js';
import { childGone, duePanel, exitText, statusPanel } from './child.js';
import { sameChildHere } from '../duplicates.js';

const PHONE = /^(\+62|62|0)8\d{7,12}$/; // as posyandu/validators.py: a mobile number
/** A name: the keyboard capitalises each word. */
const NAME = { autocomplete: 'off', autocapitalize: 'words', maxlength: 120 };

/** An optional number field in its limits; `options.places`: rounded as stored. */
export function range(errors, form, name, lo, hi, options = {}) {
  const v = num(form.elements[name].value);
  const error = rangeError(v, lo, hi, options);
  if (error) errors[name] = [error];
  return error || options.places === undefined ? v : asStored(v, options.places);
}

/** A weighing's numbers: the server's limits and stored decimals (growth/). */
export const VISIT_NUMBERS = {
  weight_kg: [0.5, 70, { grams: true, places: 2 }],
  length_height_cm: [38, 150, { places: 1 }],
  head_circumference_cm: [25, 60, { places: 1 }],
  muac_cm: [5, 30, { places: 1 }],
};

/** Measured lying on `day`: under 731 days (WHO). */
export const measuredLying = (birth, day) => (Date.parse(day) - Date.parse(birth)) / 86400000 < 731;

/** A record's date: required, not future, within `child`'s life in the register. */
export function dateCheck(errors, form, name, child) {
  const { value, validity } = form.elements[name];
  const error = dateError(value, { birthDate: child.birth_date, exitDate: child.exit_date, bad: validity.badInput });
  if (error) errors[name] = [error];
  return value;
}

const refusedOf = async (ctx, entity, id) => (await outboxEntries(ctx.db)).find((e) => e.entity === entity && e.id === id && e.state === 'needs_attention');

/** A refused record's messages on the form's fields. */
export async function showRefused(ctx, form, entity, id) {
  const refused = await refusedOf(ctx, entity, id);
  if (refused?.errors) setTimeout(() => { if (form.isConnected) showErrors(form, inLang(refused.errors_in, refused.errors)); });
}

/** One save per tap; saved, the form stays locked. */
export function onSave(form, submit) {
  let busy = false;
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    // the clock banner up: her dates checked first
    if (document.getElementById('clock-banner')?.hidden === false && !form.dataset.clockChecked) {
      form.dataset.clockChecked = 1;
      return showErrors(form, { clock: [t('clock_check')] });
    }
    busy = true;
    const buttons = [...form.querySelectorAll('button[type=submit]')];
    for (const b of buttons) b.disabled = true;
    form.setAttribute('aria-busy', 'true');
    let saved = false;
    try {
      saved = (await submit()) === true;
      if (saved) {
        document.querySelector('.leave')?.settle();
        keepDraft(null); // saved: never given back again (a tab killed before it hid once more)
      }
    } catch (error) {
      console.error(error); // said in #save-failed; the form stays filled in
    } finally {
      form.removeAttribute('aria-busy');
      if (!saved) {
        busy = false;
        for (const b of buttons) b.disabled = false;
      }
    }
  });
}

/** A form's record ids, one per `key`, made once. */
export function recordIds() {
  const ids = new Map();
  return (key) => {
    if (!ids.has(key)) ids.set(key, crypto.randomUUID());
    return ids.get(key);
  };
}

/** What a save not yet sent says (outbox.unsentWords). */
export const savedWords = (ctx, s = ctx.syncState) => t(unsentWords(ctx.online(), s.phase, s.error));
/** A deletion's words: a save's (deleted_* for saved_*). */
const deletedWords = (ctx) => t(unsentWords(ctx.online(), ctx.syncState.phase, ctx.syncState.error).replace('saved', 'deleted'));
const FATE = { sent: 'saved_sent', attention: 'saved_refused', conflict: 'saved_conflict' };

const numberText = (v) => (v === null || v === undefined ? '' : formatNumber(v));

/** A child's form; lengths as the server's ChildSchema. */
export async function childForm(ctx, childId) {
  const { child: existing, kept } = childId ? await ctx.bundle(childId) : {};
  if (childId && !existing) return childGone(kept);
  const c = existing ?? {};
  // a bidan's chosen: a child is also moved
  const ps = [...await ctx.posyandus()].sort((a, b) => a.name.localeCompare(b.name));
  const at = c.posyandu_id ?? ctx.day.posyandu_id ?? (ps.length === 1 ? ps[0].id : '');
  // said, not refused (the server takes up to 18 years: the WHO's 5-19 references)
  const over = h('p', { class: 'notice warn', id: 'over-five', role: 'status', hidden: true }, t('over_five'));
  const form = h('form', { class: 'card', novalidate: true, id: 'child-form' },
    h('h2', {}, existing ? t('edit_child') : t('register_child')),
    ps.length > 1 || !at ? choice({ label: t('posyandu'), name: 'posyandu_id', value: at, required: true,
      options: [['', '–'], ...ps.map((p) => [p.id, p.name])] }) : null,
    field({ label: t('name'), name: 'name', value: c.name, required: true, ...NAME }),
    radios('sex', t('sex'), [['F', t('female')], ['M', t('male')]], c.sex, true),
    field({ label: t('birth_date'), name: 'birth_date', type: 'date', value: c.birth_date, required: true, max: todayIso(), min: oldestBirthDate() }),
    over,
    field({ label: t('mother_name'), name: 'mother_name', value: c.mother_name, ...NAME }),
    field({ label: t('mother_nik'), name: 'mother_nik', value: c.mother_nik, inputmode: 'numeric', maxlength: 24 }),
    field({ label: t('father_name'), name: 'father_name', value: c.father_name, ...NAME }),
    field({ label: t('nik'), name: 'nik', value: c.nik, inputmode: 'numeric', maxlength: 24 }),
    field({ label: t('phone'), name: 'guardian_phone', type: 'tel', value: c.guardian_phone }),
    field({ label: t('address'), name: 'address', value: c.address, maxlength: 255 }),
    field({ label: t('birth_weight'), name: 'birth_weight_kg', inputmode: 'decimal', value: numberText(c.birth_weight_kg) }),
    field({ label: t('birth_length'), name: 'birth_length_cm', inputmode: 'decimal', value: numberText(c.birth_length_cm) }),
    h('div', { class: 'actions' }, h('button', { class: 'btn primary', type: 'submit' }, t('save')),
      h('a', { class: 'btn', href: existing ? `#/child/${childId}` : '#/' }, t('cancel'))));
  form.elements.birth_date.addEventListener('input', (e) => { over.hidden = !overFive(e.target.value); });
  const id = childId ?? crypto.randomUUID();
  let asked = null, moving = null;
  onSave(form, async () => {
    const el = form.elements;
    const errors = {};
    const name = visibleText(el.name.value);
    if (!name) errors.name = [t('required')];
    else if (!/\p{L}/u.test(name)) errors.name = [t('name_letter')]; // as the server: "3", "-" is no name
    const sex = form.querySelector('input[name=sex]:checked')?.value;
    if (!sex) errors.sex = [t('required')];
    const posyandu = el.posyandu_id?.value ?? at;
    if (!posyandu) errors.posyandu_id = [t('required')];
    const birth = el.birth_date.value;
    const birthError = birthDateError(birth, { bad: el.birth_date.validity.badInput });
    if (birthError) errors.birth_date = [birthError];
    else if (existing) { // not after a weighing or dose of hers (as the server)
      const { measurements: ms, immunisations: is, supplements: ss } = await ctx.bundle(childId);
      const first = [...ms.map((m) => m.measured_on), ...[...is, ...ss].map((r) => r.given_on)].sort()[0];
      if (first < birth) errors.birth_date = [t('born_after_events', { date: formatDate(first) })];
    }
    const [nik, motherNik] = [el.nik.value, el.mother_nik.value].map((v) => nikDigits(v.trim()));
    for (const [key, value] of [['nik', nik], ['mother_nik', motherNik]]) {
      const error = value && nikError(value);
      if (error) errors[key] = [error];
    }
    if (nik && nik === motherNik && !errors.nik) errors.nik = [t('nik_is_mothers')]; // as the server
    const phone = el.guardian_phone.value.replace(/[\s-]/g, '');
    if (phone && !PHONE.test(phone)) errors.guardian_phone = [t('phone_format')];
    const bw = range(errors, form, 'birth_weight_kg', 0.5, 6, { grams: true, places: 3 });
    const bl = range(errors, form, 'birth_length_cm', 30, 65, { places: 1 });
    const same = !existing && !Object.keys(errors).length && sameChildHere(await ctx.children(), { id, posyandu_id: posyandu, sex, name, birth_date: birth, nik });
    if (same && asked !== same.id) errors.same = [t('same_child', { name: same.name, date: formatDate(same.birth_date) })]; // a second Simpan saves
    asked = same?.id;
    // a child moved by a slip of the thumb left her kader's phone unsaid: asked first, as a possible duplicate
    if (existing && ![c.posyandu_id, moving].includes(posyandu) && !Object.keys(errors).length) errors.posyandu_id = [t('move_child', { p: ps.find((p) => p.id === posyandu).name })], moving = posyandu;
    if (!showErrors(form, errors)) return false;
    const text = visibleText;
    await ctx.save({ entity: 'child', id, fields: {
      posyandu_id: posyandu, ...(existing ? {} : { has_kms: true }),
      name, sex, birth_date: birth, mother_name: text(el.mother_name.value), father_name: text(el.father_name.value),
      nik: nik || null, mother_nik: motherNik || null, guardian_phone: phone || null, address: text(el.address.value), birth_weight_kg: bw,
      birth_length_cm: bl },
    drawn: existing });
    ctx.announce(savedWords(ctx), 1);
    ctx.go(`#/child/${id}`, true);
    return true;
  });
  if (existing) await showRefused(ctx, form, 'child', childId);
  return form;
}

/** A health worker's N/T with its reason (domain.md; no N on a loss); null if none to give. */
async function ntJudgement(ctx, child, existing, measurements) {
  if (!existing || existing.weight_kg == null || !isHealthWorker(ctx.role)) return null;
  const [tables, kbm] = await Promise.all([ctx.tables(), ctx.kbm()]);
  const kmsAs = (form) => kmsOf(child, { ...existing, ...form, _pending: true }, measurements, tables, kbm);
  const kms = kmsAs();
  const gained = (k) => !(k.gain_g <= 0); // flat or down is T (Buku KIA)
  const nt = (k) => ['N', 'T'].includes(k.trend_computed);
  if (!nt(kms) || (!gained(kms) && !existing.trend_override)) return null;
  const reason = field({ label: t('nt_reason'), name: 'trend_override_reason', value: existing.trend_override_reason ?? '', maxlength: 255 });
  const none = h('p', { class: 'notice info', hidden: true });
  const box = h('fieldset', { class: 'card', id: 'nt-judgement' }, h('legend', {}, t('nt_judgement')), none, reason);
  let offered = '';
  let choices = null;
  /** The choices as `k` judges it: no N without a gain; none (said why) without an N or T. */
  const offer = (k) => {
    const applies = nt(k);
    const key = `${k.trend_computed}${gained(k)}`;
    if (applies && key !== offered) {
      const was = choices ? choices.querySelector('input:checked')?.value ?? null : existing.trend_override ?? '';
      const options = [['', t('nt_as_computed', { trend: k.trend_computed })], ...(gained(k) ? [['N', t('nt_N')]] : []), ['T', t('nt_T')]];
      const fresh = radios('trend_override', t('trend'), options, options.some(([v]) => v === was) ? was : '');
      if (choices) choices.replaceWith(fresh); else none.before(fresh);
      [choices, offered] = [fresh, key];
    }
    choices.hidden = reason.hidden = !applies;
    none.hidden = applies;
    none.textContent = t('nt_none', { trend: k.trend_computed ?? '–' });
  };
  offer(kms);
  /** {trend_override, trend_override_reason}: a choice needs a reason; none if not offered. */
  const read = (form, errors) => {
    const choice = (!choices.hidden && choices.querySelector('input:checked')?.value) || null;
    const said = form.elements.trend_override_reason.value.trim() || null;
    if (choice && !said) errors.trend_override_reason = [t('required')];
    return { trend_override: choice, trend_override_reason: choice ? said : null };
  };
  /** The choices for the form's date and weight. */
  const follow = (form) => {
    const [on, kg] = [form.elements.measured_on.value, num(form.elements.weight_kg.value)];
    if (on) offer(kmsAs({ measured_on: on, weight_kg: kg > 0 ? kg : existing.weight_kg }));
  };
  return { box, read, follow };
}

/** Record or correct (`measurementId`) a weighing, its result at once. */
export async function visitForm(ctx, childId, measurementId = null) {
  const { child, kept, measurements } = await ctx.bundle(childId);
  if (!child) return childGone(kept);
  const existing = measurementId ? measurements.find((m) => m.id === measurementId) : null;
  if (measurementId && !existing) return h('p', { class: 'notice' }, t('record_gone'));
  const m = existing ?? {};
  const late = existing ? null : lateAfterExit(child, ctx.day.date);
  const day = existing?.measured_on ?? (late ? '' : recordDay(ctx.day.date));
  const young = measuredLying(child.birth_date, day || late);
  const output = h('div', { id: 'visit-result', 'aria-live': 'polite' });
  const sameDay = h('p', { class: 'notice info', id: 'same-day', hidden: true });
  const judgement = await ntJudgement(ctx, child, existing, measurements);
  const form = h('form', { class: 'card', novalidate: true, id: 'visit-form' },
    h('h2', {}, `${t(existing ? 'visit_edit' : 'visit')}: ${child.name}`),
    field({ label: t('measured_on'), name: 'measured_on', type: 'date', value: day, required: true, max: late ?? todayIso(), min: child.birth_date }),
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
    const twins = measurements.filter((x) => x.measured_on === on && x.id !== measurementId);
    sameDay.hidden = !twins.length; // a twin's form too says to delete the wrong one
    sameDay.replaceChildren(...(twins.length ? [t(existing ? 'weighed_twice' : 'weighed_that_day',
      { n: twins.length + 1, date: formatDate(on) }), ' ', h('a', { href: `#/visit/${childId}/${twins[0].id}` }, t('edit_that_one'))] : []));
  };
  form.elements.measured_on.addEventListener('change', pointOut);
  pointOut();
  // until she picks a position, it follows the date
  let positionPicked = Boolean(m.position);
  form.querySelectorAll('input[name=position]').forEach((r) => r.addEventListener('change', () => { positionPicked = true; }));
  form.elements.measured_on.addEventListener('change', () => {
    const on = form.elements.measured_on.value;
    if (positionPicked || !on) return;
    form.querySelector(`input[name=position][value=${measuredLying(child.birth_date, on) ? 'lying' : 'standing'}]`).checked = true;
  });
  // moved to another month her N/T is dropped (outbox.withoutMovedOverride)
  const inMonth = (on) => on.slice(0, 7) === existing.measured_on.slice(0, 7);
  form.addEventListener('change', () => judgement?.follow(form));
  if (judgement) form.elements.measured_on.addEventListener('change', (e) => {
    const pick = form.querySelector(`input[name=trend_override][value="${inMonth(e.target.value) ? existing.trend_override ?? '' : ''}"]`);
    if (pick) pick.checked = true; // her N gone: the choice left as it is
  });
  const id = measurementId ?? crypto.randomUUID();
  onSave(form, async () => {
    const el = form.elements;
    const errors = {};
    const on = dateCheck(errors, form, 'measured_on', child);
    const [weight, length, head, muac] = Object.entries(VISIT_NUMBERS).map(([name, limits]) => range(errors, form, name, ...limits));
    const judged = judgement?.read(form, errors) ?? {};
    const alert = form.querySelector('#visit-alert');
    alert.hidden = weight !== null || length !== null;
    alert.textContent = t('enter_something');
    if (!showErrors(form, errors) || !alert.hidden) return false;
    const fields = { child_id: childId, measured_on: on, weight_kg: weight, length_height_cm: length,
      position: length === null ? null : form.querySelector('input[name=position]:checked')?.value ?? null,
      head_circumference_cm: head, muac_cm: muac, oedema: el.oedema.checked,
      ...(existing ? {} : { recorded_at: new Date().toISOString() }), ...judged };
    // a move to another month drops the N/T; hers given again there follows it
    const again = judged.trend_override && judged.trend_override === existing.trend_override && !inMonth(on);
    const outs = await ctx.saveAll([{ entity: 'measurement', id, fields, drawn: existing },
      ...(again ? [{ entity: 'measurement', id, fields: judged }] : [])]);
    const { record } = outs.at(-1);
    const bundle = await ctx.bundle(childId);
    const [tables, kbm, schedule, area] = await Promise.all([ctx.tables(), ctx.kbm(), ctx.schedule(), ctx.area(child)]);
    const result = assess({ child, m: { ...m, ...record }, history: bundle.measurements, immunisations: bundle.immunisations,
      supplements: bundle.supplements, tables, kbm, schedule, area, on });
    form.hidden = true;
    history.replaceState({ to: `#/child/${childId}` }, ''); // Back: the child
    remove?.remove();
    const note = h('p', { class: 'muted', id: 'saved-note' });
    // at each sync state: what became of this save's changes
    const ids = outs.map((o) => o.entry?.mutation_id);
    let asked = 0;
    screen.onSync = async (s) => {
      const ask = ++asked;
      const [entries, open] = await Promise.all([outboxEntries(ctx.db), conflictList(ctx.db)]);
      const fate = FATE[sendingOf('measurement', id, ids, entries, open)];
      if (ask === asked) note.replaceChildren(fate ? t(fate) : savedWords(ctx, s),
        ...(fate && fate !== FATE.sent ? [' ', h('a', { href: '#/sync' }, t('sync_title'))] : []));
    };
    // the other language: drawn again here (the address is the child's)
    // the doses due on the day the dose form records (an earlier weighing corrected: that day's said nothing useful)
    const doseDay = on === doseFormDay(child, ctx.day.date);
    // a value to measure again: its correction is the next step, before the doses
    const fix = result.remeasure, btn = (first) => (first ? 'btn primary' : 'btn');
    screen.relang = () => {
      screen.onSync(ctx.syncState);
      const doses = doseDay && (result.due.doses.length || result.due.supplements.length)
        ? h('a', { class: btn(!fix), href: `#/doses/${childId}` }, t('record_doses')) : null;
      const edit = fix || (isHealthWorker(ctx.role) && ['N', 'T'].includes(result.kms?.trend_computed) && !(result.kms.gain_g <= 0))
        ? h('a', { class: btn(fix), href: `#/visit/${childId}/${id}` }, t(fix ? 'visit_edit' : 'nt_judge_link')) : null;
      output.replaceChildren(...[h('h2', { tabindex: '-1' }, `${t('result')}: ${child.name}`), // a null said "null"
        note, statusPanel(result), doseDay && duePanel(result.due, on),
        h('div', { class: 'actions' }, ...(fix ? [edit, doses] : [doses, edit]),
          h('a', { class: 'btn', href: `#/child/${childId}` }, child.name), h('a', { class: 'btn', href: '#/' }, t('home')))].filter(Boolean));
      output.querySelector('h2').focus();
    };
    screen.relang();
    return true;
  });
  const remove = existing ? deleteCard(ctx, 'measurement', existing.id, childId) : null;
  if (existing) await showRefused(ctx, form, 'measurement', measurementId);
  const screen = h('div', {}, form, remove, output);
  return screen;
}

const DELETE_REASONS = ['delete_mistake', 'delete_twice', 'delete_wrong_child'];

/** Delete a weighing or a dose, with the reason (audited). */
export function deleteCard(ctx, entity, id, childId) {
  const form = h('form', { class: 'card', novalidate: true, id: 'delete-form' }, h('h3', {}, t('delete_title')),
    radios('reason', t('delete_reason'), DELETE_REASONS.map((k) => [k, t(k)]), null, true),
    h('button', { class: 'btn danger', type: 'submit' }, t('delete')));
  onSave(form, async () => {
    const reason = form.querySelector('input[name=reason]:checked')?.value;
    if (!showErrors(form, reason ? {} : { reason: [t('required')] })) return false;
    await ctx.save({ entity, id, op: 'delete', reason: texts(reason)[0] }); // kept in Bahasa Indonesia, whoever reads it
    ctx.announce(deletedWords(ctx), 1);
    ctx.go(`#/child/${childId}`, true);
    return true;
  });
  return form;
}

/** Keluar (died, moved away) or undone. `last`: her latest record's day. */
export function exitCard(ctx, child, last) {
  const save = async (exit_date, exit_reason) => {
    await ctx.save({ entity: 'child', id: child.id, fields: { exit_date, exit_reason }, drawn: child });
    ctx.announce(savedWords(ctx), 1);
    ctx.go(`#/child/${child.id}`, true);
    return true;
  };
  const c = {};
  const ask = confirmed(t('exit_title'), null, () => save(c.exit_date, c.exit_reason));
  // new, or a refused one corrected (her values in it): its day as if she had not left
  const form = h('form', { novalidate: true },
    radios('exit_reason', t('exit_reason'), ['died', 'moved_away'].map((k) => [k, t(k)]), child.exit_reason, true),
    field({ label: t('exit_date'), name: 'exit_date', type: 'date', required: true, max: todayIso(), value: child.exit_date }), ask);
  onSave(form, async () => {
    c.exit_reason = form.querySelector('input:checked')?.value;
    const errors = c.exit_reason ? {} : { exit_reason: [t('required')] };
    c.exit_date = dateCheck(errors, form, 'exit_date', { ...child, exit_date: null });
    if (c.exit_date < last) errors.exit_date ??= [t('exit_before', { date: formatDate(last) })];
    if (showErrors(form, errors)) ask.ask(t('exit_sure', { name: child.name, what: exitText(c) }));
  });
  // a day or reason changed under the question: "Ya, … (pindah 1 Des)" saved the day it named, not the one shown
  form.addEventListener('input', () => ask.close());
  if (child.exit_date) {
    const box = h('div', { class: 'notice', id: 'exit' }, exitText(child), ' ', confirmed(t('exit_undo'), t('exit_undo_yes'), () => save(null, null)));
    // refused (a record of hers after that day came from another phone): its message, and the day to correct
    refusedOf(ctx, 'child', child.id).then((r) => r?.errors && box.append(h('small', { class: 'error' },
      Object.values(inLang(r.errors_in, r.errors)).flat().join(' ')), h('div', { id: 'exit-fix' }, form)));
    return box;
  }
  return h('details', { class: 'card', id: 'exit-form' }, h('summary', {}, t('exit_title')), form);
}
