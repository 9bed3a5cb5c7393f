// Immunisation, vitamin A and deworming rules offline: same rules and shapes as
// posyandu/immunisation/{schedule,due,supplements}.py, both tested on tests/data/immunisation_cases.json.
// Sources: domain.md, Permenkes 12/2017, 21/2015. Ages: calendar months (day clamped) then days.
import { fill } from './i18n.js';

const DAY = 86400000;
const toDay = (iso) => Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY;
const fromDay = (n) => new Date(n * DAY).toISOString().slice(0, 10);
const maxIso = (a, b) => (a > b ? a : b);
const pad = (n, w = 2) => String(n).padStart(w, '0');
const monthKey = (iso) => iso.slice(0, 7);

const MONTH_NAMES = {
  id: ['Januari', 'Februari', 'Maret', 'April', 'Mei', 'Juni', 'Juli', 'Agustus', 'September', 'Oktober', 'November', 'Desember'],
  en: ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'],
};
/** '15 Agu 2024', as i18n.js formatDate. */
export const dateText = (iso, lang) => `${+iso.slice(8, 10)} ${MONTH_NAMES[lang][+iso.slice(5, 7) - 1].slice(0, 3)} ${+iso.slice(0, 4)}`;
/** '2024-08' → 'Agustus 2024', as i18n.js formatMonth. */
export const monthText = (ym, lang) => `${MONTH_NAMES[lang][+ym.slice(5, 7) - 1]} ${+ym.slice(0, 4)}`;

export function addMonths(iso, months) {
  const total = +iso.slice(0, 4) * 12 + (+iso.slice(5, 7) - 1) + months;
  const year = Math.floor(total / 12);
  const month = total - year * 12; // 0-based
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return `${pad(year, 4)}-${pad(month + 1)}-${pad(Math.min(+iso.slice(8, 10), last))}`;
}

export const addDays = (iso, days) => fromDay(toDay(iso) + days);
export const addAge = (iso, age) => addDays(addMonths(iso, age.months ?? 0), age.days ?? 0);

export function completedMonths(birth, on) {
  const months = (+on.slice(0, 4) - +birth.slice(0, 4)) * 12 + (+on.slice(5, 7) - +birth.slice(5, 7));
  return addMonths(birth, months) > on ? months - 1 : months;
}

export const kabupatenOf = (code) => {
  const digits = String(code ?? '').replace(/\D/g, '');
  return digits.length >= 4 ? digits.slice(0, 4) : null;
};

/** Normalise a schedule document (already validated by the server's schedule_from_dict). */
export function loadSchedule(doc) {
  if (!doc || !Array.isArray(doc.entries) || !doc.supplements) throw new Error('not a schedule document');
  const entries = doc.entries.map((e) => ({
    max_age: null, min_interval: null, counts_toward: null, areas: null, endemic_only: false, ...e,
    areas: e.areas ? e.areas.map(kabupatenOf) : null,
  }));
  return { ...doc, overdue_after: doc.overdue_after ?? { months: 1 }, entries };
}

/** The version in force on `on` (schedule.js `on(date)`); a plain document is its own. */
export const scheduleOn = (s, on) => (typeof s?.on === 'function' ? s.on(on) : s);

const cards = new WeakMap();
const entryOf = (s, vaccine, dose) => s.entries.find((e) => e.vaccine === vaccine && e.dose === dose) ?? null;
const dosesOf = (s, vaccine) => s.entries.filter((e) => e.vaccine === vaccine).sort((a, b) => a.dose - b.dose);
export const label = (s, vaccine, dose) => (dosesOf(s, vaccine).length === 1 ? vaccine : `${vaccine} ${dose}`);

/** Offered where the child lives (due.py applies): in its kabupaten listed, if any, else everywhere;
 * an endemic_only one (JE) only where her area names it. */
export function applies(entry, area) {
  const kabupaten = area ? kabupatenOf(area.kabupaten) : null;
  if (entry.areas !== null) return entry.areas.includes(kabupaten);
  return !entry.endemic_only || (!!area && (area.endemic ?? []).includes(entry.vaccine));
}

/** The phone's calendar day ('2026-12-03'), in its own time zone. */
export const todayIso = () => {
  const d = new Date();
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

// --- violations
const DOSE_OVERRIDABLE = new Set(['before_min_age', 'interval_too_short', 'after_max_age', 'dose_out_of_order',
  'not_in_area', 'not_in_schedule']);
const DOSE_MESSAGES = {
  given_before_birth: ['Tanggal pemberian {given_on} sebelum tanggal lahir {birth_date}.',
    'Date given {given_on} is before the birth date {birth_date}.'],
  in_future: ['Tanggal pemberian {given_on} belum terjadi (hari ini {today}).',
    'Date given {given_on} is in the future (today is {today}).'],
  not_in_schedule: ['{vaccine} dosis {dose} tidak ada dalam jadwal {version}.',
    '{vaccine} dose {dose} is not in schedule {version}.'],
  not_in_area: ['{label} bukan program imunisasi di wilayah anak ini.',
    "{label} is not part of the programme in this child's area."],
  duplicate_dose: ['{label} sudah tercatat diberikan pada {previous_date}.', '{label} was already recorded on {previous_date}.'],
  dose_out_of_order: ['Urutan dosis salah: {later} diberikan sebelum {earlier}.',
    'Doses out of order: {later} given before {earlier}.'],
  before_min_age: ['{label} diberikan sebelum umur minimal; paling cepat {earliest}.',
    '{label} given before the minimum age; earliest allowed date is {earliest}.'],
  interval_too_short: ['{label} diberikan {days} hari setelah {previous} ({previous_date}); paling cepat {earliest}.',
    '{label} given {days} {days:day|days} after {previous} ({previous_date}); earliest allowed date is {earliest}.'],
  after_max_age: ['{label} diberikan melewati umur maksimal (paling lambat {latest}).',
    '{label} given past the maximum age (last allowed date {latest}).'],
};

// date params: ISO in `params`, spelled out in the message (make_violation)
const DATE_PARAMS = new Set(['given_on', 'birth_date', 'today', 'previous_date', 'earliest', 'latest']);
const spelled = (params, lang) => Object.fromEntries(Object.entries(params).map(([k, v]) => [k, DATE_PARAMS.has(k) ? dateText(v, lang) : v]));

function makeViolation(code, messages, overridable, params, labels = {}) {
  const [id, en] = messages[code];
  return {
    code, overridable: overridable.has(code),
    message: { id: fill(id, { ...spelled(params, 'id'), ...labels.id }), en: fill(en, { ...spelled(params, 'en'), ...labels.en }) },
    params,
  };
}
const violation = (code, params) => makeViolation(code, DOSE_MESSAGES, DOSE_OVERRIDABLE, params);

function dateChecks(givenOn, birthDate, today) {
  const out = givenOn < birthDate ? [violation('given_before_birth', { given_on: givenOn, birth_date: birthDate })] : [];
  return givenOn > today ? [...out, violation('in_future', { given_on: givenOn, today })] : out;
}

/** Every rule the new dose breaks, in stable order, by the version in force on its date. */
export function validateDose(schedule, birthDate, given, dose, { area = null, today = todayIso() } = {}) {
  const s = scheduleOn(schedule, dose.given_on);
  const found = dateChecks(dose.given_on, birthDate, today);
  const entry = entryOf(s, dose.vaccine, dose.dose);
  if (!entry) found.push(violation('not_in_schedule', { vaccine: dose.vaccine, dose: dose.dose, version: s.version }));
  if (dose.given_on < birthDate) return found;
  const lbl = label(s, dose.vaccine, dose.dose);
  const same = given.filter((g) => g.vaccine === dose.vaccine && (dose.id == null || g.id !== dose.id));
  if (entry && !applies(entry, area)) found.push(violation('not_in_area', { label: lbl }));
  const twins = same.filter((g) => g.dose === dose.dose).map((g) => g.given_on).sort();
  if (twins.length) found.push(violation('duplicate_dose', { label: lbl, previous_date: twins[0] }));
  return entry ? [...found, ...orderAndTiming(s, entry, birthDate, same, dose, lbl)] : found;
}

function orderAndTiming(s, entry, birth, same, dose, lbl) {
  const found = [];
  const before = same.filter((g) => g.dose < dose.dose && g.given_on <= dose.given_on);
  const later = same.filter((g) => g.dose > dose.dose && g.given_on < dose.given_on).sort((a, b) => a.dose - b.dose);
  if (dose.dose > 1 && !before.some((g) => g.dose === dose.dose - 1)) {
    found.push(violation('dose_out_of_order', { later: lbl, earlier: label(s, dose.vaccine, dose.dose - 1) }));
  } else if (later.length) {
    found.push(violation('dose_out_of_order', { later: label(s, dose.vaccine, later[0].dose), earlier: lbl }));
  }
  const earliest = addAge(birth, entry.min_age);
  if (dose.given_on < earliest) found.push(violation('before_min_age', { label: lbl, earliest }));
  const prev = before.reduce((a, g) => (!a || g.given_on > a.given_on || (g.given_on === a.given_on && g.dose > a.dose) ? g : a), null);
  const need = prev && entry.min_interval ? addAge(prev.given_on, entry.min_interval) : null;
  if (need && dose.given_on < need) {
    found.push(violation('interval_too_short', {
      label: lbl, days: toDay(dose.given_on) - toDay(prev.given_on), previous: label(s, dose.vaccine, prev.dose),
      previous_date: prev.given_on, earliest: need,
    }));
  }
  const latest = entry.max_age ? addAge(birth, entry.max_age) : null;
  if (latest && dose.given_on > latest) found.push(violation('after_max_age', { label: lbl, latest }));
  return [...found, ...intervalToNext(s, same, dose)];
}

/** The interval to the next recorded dose: a dose 1 recorded after dose 2, or moved closer, breaks it. */
function intervalToNext(s, same, dose) {
  const byDateDose = (a, b) => (a.given_on < b.given_on ? -1 : a.given_on > b.given_on ? 1 : a.dose - b.dose);
  const next = same.filter((g) => g.dose > dose.dose && g.given_on >= dose.given_on).sort(byDateDose)[0];
  const entry = next ? entryOf(s, dose.vaccine, next.dose) : null;
  if (!entry?.min_interval) return [];
  const prev = [dose, ...same].filter((g) => g.dose < next.dose && g.given_on <= next.given_on)
    .reduce((a, g) => (!a || byDateDose(g, a) > 0 ? g : a), null);
  const need = addAge(dose.given_on, entry.min_interval);
  if (prev !== dose || next.given_on >= need) return [];
  return [violation('interval_too_short', {
    label: label(s, dose.vaccine, next.dose), days: toDay(next.given_on) - toDay(dose.given_on),
    previous: label(s, dose.vaccine, dose.dose), previous_date: dose.given_on, earliest: need,
  })];
}

// --- copying a Buku KIA
/** Doses the Buku KIA may hold unrecorded: applicable, minimum age reached by `today`; card order. */
export function copyableDoses(s, birthDate, given, today, { area = null } = {}) {
  const recorded = new Set(given.map((g) => `${g.vaccine}|${g.dose}`));
  return s.entries
    .map((entry, i) => ({ entry, i, recommended: addAge(birthDate, entry.recommended_age) }))
    .filter(({ entry }) => applies(entry, area) && !recorded.has(`${entry.vaccine}|${entry.dose}`)
      && addAge(birthDate, entry.min_age) <= today)
    .sort((a, b) => (a.recommended < b.recommended ? -1 : a.recommended > b.recommended ? 1 : a.i - b.i))
    .map(({ entry, recommended }) => ({ vaccine: entry.vaccine, dose: entry.dose, label: label(s, entry.vaccine, entry.dose),
      recommended_date: recommended }));
}

/** Doses copied from a card, checked as the server will, in date order: each against those recorded
 * and copied before it, by its date's version: {problems by `vaccine|dose`, ordered}. */
export function checkCopied(s, birthDate, given, copied, { area = null, today = todayIso() } = {}) {
  const ordered = [...copied].sort((a, b) => (a.given_on < b.given_on ? -1 : a.given_on > b.given_on ? 1 : a.dose - b.dose));
  const problems = {};
  ordered.forEach((d, i) => {
    // the server then has the recorded ones and earlier copies only
    const sent = [...given, ...ordered.slice(0, i).map((c, j) => ({ ...c, id: `copied-${j}` }))];
    const found = validateDose(s, birthDate, sent, { ...d, id: `copied-${i}` }, { area, today });
    if (found.length) problems[`${d.vaccine}|${d.dose}`] = found;
  });
  return { problems, ordered };
}

// --- the card
/** Each entry's status on asOf (later records ignored), with IDL and Baduta Lengkap, by the version
 * in force on asOf: what remains is given from that day (cards.py child_card). */
export function immunisationCard(schedule, birthDate, given, asOf, { area = null } = {}) {
  if (asOf < birthDate) throw new RangeError('as_of is before the birth date');
  const s = scheduleOn(schedule, asOf);
  const kept = cards.get(s) ?? cards.set(s, new Map()).get(s); // one per inputs, shared: never changed
  const key = JSON.stringify([birthDate, asOf, area, given.map((g) => `${g.vaccine}|${g.dose}|${g.given_on}`).sort()]);
  if (kept.has(key)) return kept.get(key);
  if (kept.size > 5000) kept.clear();
  const first = new Map();
  [...given].filter((g) => g.given_on >= birthDate && g.given_on <= asOf)
    .sort((a, b) => (a.given_on < b.given_on ? -1 : a.given_on > b.given_on ? 1 : 0))
    .forEach((g) => { if (!first.has(`${g.vaccine}|${g.dose}`)) first.set(`${g.vaccine}|${g.dose}`, g.given_on); });
  const built = new Map();
  for (const vaccine of new Set(s.entries.map((e) => e.vaccine))) {
    let anchor = null; // the previous dose's date, real or projected (catch-up)
    for (const entry of dosesOf(s, vaccine)) {
      const item = cardEntry(s, entry, birthDate, first, anchor, asOf, area);
      anchor = item.given_on ?? maxIso(item.earliest_date, asOf);
      built.set(`${vaccine}|${entry.dose}`, item);
    }
  }
  const entries = s.entries.map((e) => built.get(`${e.vaccine}|${e.dose}`));
  return kept.set(key, {
    as_of: asOf, entries,
    idl: indicator(entries, 'idl', addMonths(birthDate, 12), asOf),
    baduta: indicator(entries, 'baduta', addMonths(birthDate, 24), asOf),
  }).get(key);
}

/** Card rows of the doses given outside `s` (a private clinic's TCV): due.py outside_schedule. */
export function outsideSchedule(s, birthDate, given, asOf) {
  const out = new Map();
  for (const g of [...given].sort((a, b) => (a.given_on < b.given_on ? -1 : a.given_on > b.given_on ? 1 : 0))) {
    if (g.given_on >= birthDate && g.given_on <= asOf && !entryOf(s, g.vaccine, g.dose) && !out.has(`${g.vaccine}|${g.dose}`)) {
      out.set(`${g.vaccine}|${g.dose}`, { vaccine: g.vaccine, dose: g.dose, label: label(s, g.vaccine, g.dose), status: 'given', given_on: g.given_on, in_schedule: false });
    }
  }
  return [...out.values()];
}

function cardEntry(s, entry, birth, first, anchor, asOf, area) {
  let earliest = addAge(birth, entry.min_age);
  if (anchor && entry.min_interval) earliest = maxIso(earliest, addAge(anchor, entry.min_interval));
  const recommended = addAge(birth, entry.recommended_age);
  const k = `${entry.vaccine}|${entry.dose}`;
  const since = s.since?.[k] ?? ''; // a later version's dose: not due before it came in (due.py)
  const due = maxIso(maxIso(recommended, earliest), since);
  const latest = entry.max_age ? addAge(birth, entry.max_age) : null;
  const givenOn = first.get(k) ?? null;
  const waiting = entry.dose > 1 && !first.has(`${entry.vaccine}|${entry.dose - 1}`) ? entry.dose - 1 : null;
  let status;
  if (givenOn) status = 'given'; // counts wherever she lives now (JE given before leaving Bali)
  else if (!applies(entry, area) || (latest && latest < since)) status = 'not_applicable';
  else if (latest && (asOf > latest || earliest > latest)) status = 'missed';
  else if (waiting || asOf < due) status = 'upcoming';
  else status = asOf > addAge(due, s.overdue_after) ? 'overdue' : 'due';
  // a later dose given before asOf: this one now would be out of order
  const passed = [...first].some(([key, on]) => key.startsWith(`${entry.vaccine}|`) && +key.split('|')[1] > entry.dose && on < asOf);
  const canGive = !passed && (status === 'due' || status === 'overdue' || (status === 'upcoming' && !waiting && earliest <= asOf));
  return {
    vaccine: entry.vaccine, dose: entry.dose, label: label(s, entry.vaccine, entry.dose), status, given_on: givenOn,
    recommended_date: recommended, earliest_date: earliest, due_date: due, latest_date: latest,
    can_give: canGive, waiting_for: waiting, counts_toward: entry.counts_toward,
  };
}

function indicator(entries, kind, deadline, asOf) {
  const counted = entries.filter((e) => e.counts_toward === kind && e.status !== 'not_applicable');
  const ref = (e) => ({ vaccine: e.vaccine, dose: e.dose });
  const missing = counted.filter((e) => e.given_on === null).map(ref);
  const late = counted.filter((e) => e.given_on && e.given_on >= deadline).map(ref);
  let status;
  if (!missing.length && !late.length) status = 'complete';
  else if (asOf < deadline) status = 'in_progress';
  else status = missing.length ? 'incomplete' : 'completed_late';
  return { status, deadline, missing, late };
}

/** A posyandu day: doses allowed per child, and doses (vials) per vaccine. */
export function dueOn(schedule, children, sessionDate, { area = null } = {}) {
  const s = scheduleOn(schedule, sessionDate);
  const plans = [];
  for (const child of children) {
    if (child.birth_date > sessionDate) continue;
    const card = immunisationCard(s, child.birth_date, child.given ?? [], sessionDate, { area: child.area ?? area });
    const doses = card.entries.filter((e) => e.can_give).map((e) => ({
      vaccine: e.vaccine, dose: e.dose, label: e.label, status: e.status === 'upcoming' ? 'early' : e.status,
      due_date: e.due_date, latest_date: e.latest_date,
    }));
    if (doses.length) plans.push({ child_id: child.child_id, doses });
  }
  const totals = s.vaccines.map((v) => {
    const n = plans.reduce((sum, p) => sum + p.doses.filter((d) => d.vaccine === v.code).length, 0);
    return { vaccine: v.code, doses: n, vials: v.doses_per_vial ? Math.ceil(n / v.doses_per_vial) : null };
  }).filter((t) => t.doses);
  return { session_date: sessionDate, children: plans, totals };
}

// --- vitamin A and deworming (Permenkes 21/2015, 15/2017; supplements.py)
const VITAMIN_A = ['vitamin_a_blue', 'vitamin_a_red'];
export const SUPPLEMENT_KINDS = [...VITAMIN_A, 'deworming'];
const SUP_OVERRIDABLE = new Set(['too_young', 'too_old', 'wrong_capsule_for_age', 'not_round_month', 'blue_already_given',
  'infant_dose_given', 'given_twice_in_round']);
const KIND_LABELS = {
  id: { vitamin_a_blue: 'kapsul vitamin A biru', vitamin_a_red: 'kapsul vitamin A merah', vitamin_a: 'vitamin A', deworming: 'obat cacing' },
  en: { vitamin_a_blue: 'blue vitamin A capsule', vitamin_a_red: 'red vitamin A capsule', vitamin_a: 'vitamin A', deworming: 'deworming' },
};
const SUP_MESSAGES = {
  unknown_kind: ['Jenis suplemen {kind} tidak dikenal.', 'Unknown supplement kind {kind}.'],
  too_young: ['Anak berumur {age_months} bulan, terlalu muda untuk {kind_label} (minimal {min_months} bulan).',
    'The child is {age_months} {age_months:month|months} old, too young for {kind_label} (minimum {min_months} months).'],
  too_old: ['Anak berumur {age_months} bulan, melewati batas umur {kind_label} ({max_months} bulan).',
    'The child is {age_months} months old, past the age limit for {kind_label} ({max_months} months).'],
  wrong_capsule_for_age: ['Umur {age_months} bulan seharusnya mendapat {expected_label}, bukan {kind_label}.',
    'At {age_months} months the child should get the {expected_label}, not the {kind_label}.'],
  not_round_month: ['{given_on} bukan bulan pemberian ({months_label}).', '{given_on} is outside the round months ({months_label}).'],
  given_twice_in_round: ['Putaran {round_label}: {kind_label} sudah diberikan pada {previous_date}.',
    'Round {round_label}: {kind_label} was already given on {previous_date}.'],
  blue_already_given: ['Kapsul biru hanya sekali; sudah diberikan pada {previous_date}.',
    'The blue capsule is given once; it was given on {previous_date}.'],
  infant_dose_given: ['Kapsul biru hanya sekali; dosis bayi sudah diberikan dengan kapsul merah pada {previous_date}.',
    "The blue capsule is given once; the infant's dose was given as a red capsule on {previous_date}."],
};
const inBand = (band, months) => band.min_months <= months && months <= band.max_months;
// the child's kabupaten's own round months (round_months_by_area), else the national ones
const roundMonths = (cfg, kind, area) => {
  const c = kind === 'deworming' ? cfg.deworming : cfg.vitamin_a;
  const kab = kabupatenOf(area?.kabupaten);
  return Object.entries(c.round_months_by_area ?? {}).find(([k]) => kabupatenOf(k) === kab)?.[1] ?? c.round_months;
};
const supViolation = (code, params, labels) => makeViolation(code, SUP_MESSAGES, SUP_OVERRIDABLE, params, labels);
const kindLabels = (kinds) => Object.fromEntries(Object.entries(KIND_LABELS).map(([lang, words]) => [
  lang, Object.fromEntries(Object.entries(kinds).map(([name, kind]) => [`${name}_label`, words[kind]]))]));

/** `on`'s round ("YYYY-MM") for this kind where the child lives, else null. */
export const roundOf = (cfg, kind, on, area) => (roundMonths(cfg, kind, area).includes(+on.slice(5, 7)) ? monthKey(on) : null);

// the infant's one dose: blue, or red given at blue's ages (supplements.py infant_dose)
const infantDose = (cfg, birthDate, g) => g.kind === 'vitamin_a_blue'
  || (g.kind === 'vitamin_a_red' && inBand(cfg.vitamin_a.blue, completedMonths(birthDate, g.given_on)));

/** Due on `on`: the age band's capsule and deworming, once per round of her `area`. */
export function supplementsDue(cfg, birthDate, given, on, area = null) {
  if (on < birthDate) return [];
  const age = completedMonths(birthDate, on);
  const past = given.filter((g) => g.given_on <= on);
  const thisRound = new Set(past.filter((g) => monthKey(g.given_on) === monthKey(on)).map((g) => g.kind));
  const out = [];
  const vitRound = roundOf(cfg, 'vitamin_a_red', on, area);
  if (vitRound && !VITAMIN_A.some((k) => thisRound.has(k))) {
    if (inBand(cfg.vitamin_a.blue, age) && !past.some((g) => infantDose(cfg, birthDate, g))) {
      out.push({ kind: 'vitamin_a_blue', round: vitRound });
    } else if (inBand(cfg.vitamin_a.red, age)) out.push({ kind: 'vitamin_a_red', round: vitRound });
  }
  const wormRound = roundOf(cfg, 'deworming', on, area);
  if (wormRound && inBand(cfg.deworming, age) && !thisRound.has('deworming')) out.push({ kind: 'deworming', round: wormRound });
  return out;
}

export function validateSupplement(cfg, birthDate, given, rec, { area = null, today = todayIso() } = {}) {
  const found = dateChecks(rec.given_on, birthDate, today);
  if (!SUPPLEMENT_KINDS.includes(rec.kind)) return [...found, supViolation('unknown_kind', { kind: rec.kind })];
  if (rec.given_on < birthDate) return found;
  const group = VITAMIN_A.includes(rec.kind) ? VITAMIN_A : [rec.kind];
  const others = given.filter((g) => group.includes(g.kind) && (rec.id == null || g.id !== rec.id));
  return [...found, ...supplementAgeChecks(cfg, birthDate, rec), ...roundChecks(cfg, birthDate, others, rec, area)];
}

function supplementAgeChecks(cfg, birth, rec) {
  const age = completedMonths(birth, rec.given_on);
  const worm = rec.kind === 'deworming';
  const low = worm ? cfg.deworming : cfg.vitamin_a.blue;
  const high = worm ? cfg.deworming : cfg.vitamin_a.red;
  const labels = kindLabels({ kind: rec.kind });
  if (age < low.min_months) { // name the kind's own minimum (red: 12 months, not blue's 6)
    const own = rec.kind === 'vitamin_a_red' ? cfg.vitamin_a.red : low;
    return [supViolation('too_young', { kind: rec.kind, age_months: age, min_months: own.min_months }, labels)];
  }
  if (age > high.max_months) return [supViolation('too_old', { kind: rec.kind, age_months: age, max_months: high.max_months }, labels)];
  const blue = inBand(cfg.vitamin_a.blue, age);
  const expected = blue ? 'vitamin_a_blue' : 'vitamin_a_red';
  if (!worm && rec.kind !== expected && (blue || inBand(cfg.vitamin_a.red, age))) {
    return [supViolation('wrong_capsule_for_age', { kind: rec.kind, expected, age_months: age },
      kindLabels({ kind: rec.kind, expected }))];
  }
  return [];
}

function roundChecks(cfg, birth, others, rec, area) {
  const found = [];
  const key = monthKey(rec.given_on);
  const months = roundMonths(cfg, rec.kind, area);
  if (roundOf(cfg, rec.kind, rec.given_on, area) === null) {
    const labels = Object.fromEntries(Object.entries(MONTH_NAMES).map(([lang, names]) => [
      lang, { months_label: [...months].sort((a, b) => a - b).map((m) => names[m - 1]).join(', ') }]));
    found.push(supViolation('not_round_month', { given_on: rec.given_on, months: [...months].sort((a, b) => a - b) }, labels));
  }
  const twins = others.filter((g) => monthKey(g.given_on) === key).map((g) => g.given_on).sort();
  if (twins.length) {
    const group = rec.kind === 'deworming' ? 'deworming' : 'vitamin_a';
    const labels = kindLabels({ kind: group });
    for (const lang of Object.keys(labels)) labels[lang].round_label = monthText(key, lang);
    found.push(supViolation('given_twice_in_round', { kind: group, round: key, previous_date: twins[0] }, labels));
  }
  if (rec.kind !== 'vitamin_a_blue') return found;
  // the infant's dose in another round: a blue capsule, else a red one at 6-11 months
  const doses = others.filter((g) => monthKey(g.given_on) !== key && infantDose(cfg, birth, g))
    .sort((a, b) => a.given_on.localeCompare(b.given_on));
  const blue = doses.find((g) => g.kind === 'vitamin_a_blue');
  if (blue) found.push(supViolation('blue_already_given', { previous_date: blue.given_on }));
  else if (doses.length) found.push(supViolation('infant_dose_given', { previous_date: doses[0].given_on }));
  return found;
}
