// WHO z-scores, Permenkes 2/2020 categories and KMS trend offline; same shapes as
// posyandu/growth/zscores.py, both tested on tests/data/growth_fixtures.json (WHO igrowup method).
import { completedMonths } from './due.js';

export const INDICATORS = ['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa'];
export const WARNINGS = ['standing_under_9_months', 'age_over_60_months', 'oedema',
  'length_height_out_of_range', 'remeasure'];
const FLAG_LIMITS = { wfa: [-6, 5], lhfa: [-6, 6], wfl: [-5, 5], wfh: [-5, 5], bfa: [-5, 5], hcfa: [-5, 5], acfa: [-5, 5] };
const RESTRICTED = new Set(['wfa', 'wfl', 'wfh', 'bfa', 'acfa']);
const MAX_AGE_DAYS = 1856;
const DAYS_PER_MONTH = 30.4375;
const TENTH = 1e-6; // tolerance in tenths of a cm, as in zscores.py

const WASTING = ['gizi_buruk', 'gizi_kurang', 'gizi_baik', 'berisiko_gizi_lebih', 'gizi_lebih', 'obesitas'];
export const STATUS_CATEGORIES = {
  bb_u: ['sangat_kurang', 'kurang', 'normal', 'risiko_lebih'],
  tb_u: ['sangat_pendek', 'pendek', 'normal', 'tinggi'],
  bb_tb: WASTING,
  imt_u: WASTING,
};
// [value, inclusive]: at/above an inclusive cut-off, or above an exclusive one: next category
const CUT_OFFS = {
  bb_u: [[-3, true], [-2, true], [1, false]],
  tb_u: [[-3, true], [-2, true], [3, false]],
  bb_tb: [[-3, true], [-2, true], [1, false], [2, false], [3, false]],
  imt_u: [[-3, true], [-2, true], [1, false], [2, false], [3, false]],
};

export class GrowthInputError extends Error {
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.field = field;
    this.detail = message;
  }
}

export async function loadTables(baseUrl = '/data/who/', fetchFn = globalThis.fetch) {
  const pairs = await Promise.all(INDICATORS.map(async (name) => {
    const response = await fetchFn(`${baseUrl}${name}.json`);
    if (!response.ok) throw new Error(`cannot load WHO table ${name}: ${response.status}`);
    return [name, await response.json()];
  }));
  return Object.fromEntries(pairs);
}

/** Round to 2 decimals, ties away from zero (= zscores.round_zscore). */
export function roundZ(z) {
  return Number(z.toFixed(2)) + 0;
}

/** Permenkes 2/2020 category of one z-score for status key (bb_u, tb_u, bb_tb, imt_u). */
export function category(key, z) {
  if (z === null || z === undefined || Number.isNaN(z)) return null;
  let code = 0;
  for (const [value, inclusive] of CUT_OFFS[key]) code += (inclusive ? z >= value : z > value) ? 1 : 0;
  return STATUS_CATEGORIES[key][code];
}

function row(table, sex, index) {
  const i = index - table.first;
  if (i < 0 || index > table.last || !Number.isInteger(i)) return null;
  const l = table.l[sex - 1][i];
  return l === null ? null : [l, table.m[sex - 1][i], table.s[sex - 1][i]];
}

function lmsZ(y, [l, m, s]) {
  return l === 0 ? Math.log(y / m) / s : ((y / m) ** l - 1) / (s * l);
}

function sdLine([l, m, s], sd) {
  return l === 0 ? m * Math.exp(s * sd) : m * (1 + l * s * sd) ** (1 / l);
}

function restrictedZ(y, lms) {
  const z = lmsZ(y, lms);
  if (Math.abs(z) <= 3) return z;
  const sign = z > 0 ? 1 : -1;
  const sd3 = sdLine(lms, 3 * sign);
  return 3 * sign + (y - sd3) / Math.abs(sd3 - sdLine(lms, 2 * sign));
}

function byLength(table, sex, cm) {
  const tenths = cm * 10;
  const low = Math.floor(tenths + TENTH);
  let step = tenths - low;
  if (step < TENTH) step = 0;
  if (low < table.first || low > table.last || (low === table.last && step > 0)) return null;
  const lower = row(table, sex, low);
  if (step === 0) return lower;
  const upper = row(table, sex, low + 1);
  return lower.map((v, j) => v + step * (upper[j] - v));
}

/** Max days between two dates (years 1–9999): a larger age is invalid (as zscores.py). */
const MAX_INPUT_AGE_DAYS = 3652058;

function ageDays(m) {
  if (m.age_days !== undefined && m.age_days !== null) {
    if (!Number.isInteger(m.age_days) || m.age_days < 0 || m.age_days > MAX_INPUT_AGE_DAYS) {
      throw new GrowthInputError('age_days', `must be a whole number of days, 0 to ${MAX_INPUT_AGE_DAYS}`);
    }
    return m.age_days;
  }
  if (m.birth_date == null || m.measured_on == null) {
    throw new GrowthInputError('age_days', 'give age_days, or birth_date and measured_on');
  }
  const days = (dayNumber(m.measured_on, 'measured_on') - dayNumber(m.birth_date, 'birth_date'));
  if (days < 0) throw new GrowthInputError('measured_on', 'is before birth_date');
  return days;
}

const isoText = (value) => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value));

function dayNumber(value, field) {
  const text = isoText(value);
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  // setUTCFullYear: Date.UTC reads years 0-99 as 1900-1999. Years 1-9999, as zscores.py
  const day = new Date(0);
  if (match) day.setUTCFullYear(+match[1], +match[2] - 1, +match[3]);
  if (!match || +match[1] < 1 || day.getUTCFullYear() !== +match[1] || day.getUTCDate() !== +match[3]) {
    throw new GrowthInputError(field, 'must be an ISO date (YYYY-MM-DD)');
  }
  return Math.round(day.getTime() / 86400000);
}

function measurement(m, field) {
  const value = m[field];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new GrowthInputError(field, 'must be a positive number');
  }
  return value;
}

function parse(m) {
  if (!['M', 'F', 'm', 'f'].includes(m.sex)) throw new GrowthInputError('sex', 'must be "M" or "F"');
  if (![undefined, null, 'lying', 'standing'].includes(m.position)) {
    throw new GrowthInputError('position', 'must be "lying" or "standing"');
  }
  if (![undefined, null, true, false].includes(m.oedema)) throw new GrowthInputError('oedema', 'must be true or false');
  return {
    sex: m.sex.toUpperCase() === 'M' ? 1 : 2, day: ageDays(m), weight: measurement(m, 'weight_kg'),
    length: measurement(m, 'length_height_cm'), head: measurement(m, 'head_circumference_cm'),
    muac: measurement(m, 'muac_cm'), position: m.position ?? null, oedema: m.oedema === true,
  };
}

/** Length/height as judged (WHO 0.7 cm conversion); standing under 9 months counts as unrecorded. */
export function adjustedLength(day, cm, position) {
  if (cm === null || cm === undefined) return null;
  const pos = position === 'standing' && day < 274 ? null : position;
  if (day < 731 && pos === 'standing') return cm + 0.7;
  if (day >= 731 && pos === 'lying') return cm - 0.7;
  return cm;
}

/** adjustedLength, with the position kept and whether it was implausible. */
function adjust(p) {
  const implausible = p.position === 'standing' && p.day < 274;
  const position = implausible ? null : p.position;
  return { length: adjustedLength(p.day, p.length, p.position), position, implausible };
}

function zscoresFor(p, tables) {
  const adjusted = adjust(p);
  // a length given that the 0.7 cm conversion takes to nothing: none, re-measure (as zscores.py)
  const lost = p.length > 0 && adjusted.length <= 0;
  const { implausible } = adjusted;
  const length = lost ? null : adjusted.length;
  const z = Object.fromEntries(INDICATORS.map((k) => [k, null]));
  const ageOk = p.day <= MAX_AGE_DAYS;
  const weightOk = p.weight !== null && !p.oedema;
  const bmi = p.weight !== null && length !== null ? p.weight / (length / 100) ** 2 : null;
  const measures = { wfa: weightOk ? p.weight : null, lhfa: length, bfa: weightOk ? bmi : null, hcfa: p.head, acfa: p.muac };
  for (const [name, y] of Object.entries(measures)) {
    const lms = ageOk && y !== null ? row(tables[name], p.sex, p.day) : null;
    if (lms) z[name] = RESTRICTED.has(name) ? restrictedZ(y, lms) : lmsZ(y, lms);
  }
  let outOfRange = false;
  if (weightOk && length !== null && ageOk) {
    const name = p.day < 731 ? 'wfl' : 'wfh';
    const lms = byLength(tables[name], p.sex, length);
    if (lms) z[name] = restrictedZ(p.weight, lms); else outOfRange = true;
  }
  return { z, implausible, outOfRange, lost };
}

/** Z-scores, flags, warnings and status for one measurement (api-contract.md shape). */
export function calculate(m, tables) {
  const p = parse(m);
  const { z, implausible, outOfRange, lost } = zscoresFor(p, tables);
  const zscores = {};
  const flags = {};
  let overflowed = false; // absurd input (1e308 kg): no z-score, re-measure (as zscores.py)
  for (const k of INDICATORS) {
    const rounded = z[k] === null || Number.isNaN(z[k]) ? null : roundZ(z[k]);
    overflowed ||= rounded === Infinity || rounded === -Infinity;
    zscores[k] = Number.isFinite(rounded) ? rounded : null;
    flags[k] = zscores[k] === null ? null : zscores[k] < FLAG_LIMITS[k][0] || zscores[k] > FLAG_LIMITS[k][1];
  }
  const on = { standing_under_9_months: implausible, age_over_60_months: p.day > MAX_AGE_DAYS, oedema: p.oedema,
    length_height_out_of_range: outOfRange, remeasure: overflowed || lost || Object.values(flags).some((f) => f === true) };
  const plain = (k) => (flags[k] ? null : zscores[k]);
  const wasting = zscores.wfl !== null ? 'wfl' : 'wfh';
  return {
    age_days: p.day,
    age_months: roundZ(p.day / DAYS_PER_MONTH),
    zscores,
    flags,
    warnings: WARNINGS.filter((w) => on[w]),
    status: { bb_u: category('bb_u', plain('wfa')), tb_u: category('tb_u', plain('lhfa')),
      bb_tb: category('bb_tb', plain(wasting)), imt_u: category('imt_u', plain('bfa')) },
  };
}

// ---- LiLA and head circumference (growth/signs.py; tests/data/lila_head_cases.json)
// LiLA: Kemenkes Pedoman Gizi Buruk (2019) after WHO (2013). Head circumference (WHO): beyond ±2 SD, refer.

/** LiLA sign at 6-59 completed months (days 183–1826), else null (signs.muac_sign). */
export function muacSign(ageDays, muacCm) {
  if (muacCm === null || muacCm === undefined || ageDays === null || ageDays === undefined) return null;
  const months = Math.floor(ageDays / DAYS_PER_MONTH);
  if (months < 6 || months > 59) return null;
  return muacCm < 11.5 ? 'gizi_buruk' : muacCm < 12.5 ? 'gizi_kurang' : 'normal';
}

/** Head sign of the rounded hcfa z-score (-2.00 is normal; signs.head_sign). */
export function headSign(hcfa) {
  if (hcfa === null || hcfa === undefined) return null;
  return hcfa < -2 ? 'mikrosefali' : hcfa > 2 ? 'makrosefali' : 'normal';
}

// ---- KMS trend (Buku KIA; posyandu/growth/trend.py)
export const DEFAULT_KBM = { 1: 800, 2: 900, 3: 800, 4: 600, 5: 500, 6: 400, 7: 400, 8: 300, 9: 300, 10: 300, 11: 200 };
for (let month = 12; month <= 60; month += 1) DEFAULT_KBM[month] = 200;
export const KMS_LAST_MONTH = 60;

export function kbmForAge(ageMonths, kbm = DEFAULT_KBM) {
  const months = Object.keys(kbm).map(Number).sort((a, b) => a - b);
  const listed = months.filter((m) => m <= ageMonths);
  return kbm[listed.length ? listed[listed.length - 1] : months[0]];
}

/** A date's calendar month, numbered (the one before: one less). */
export const monthIndex = (iso) => Number(String(iso).slice(0, 4)) * 12 + Number(String(iso).slice(5, 7)) - 1;
const grams = (kg) => Math.floor(kg * 1000 + 0.5);

/** N, T, O or B; null past the KMS. As trend.kms_trend. */
export function trend(birthDate, current, lastMonth, weighedBefore, kbm = DEFAULT_KBM) {
  // a date that is none refused as the calculator refuses it, before its calendar months are counted
  const days = dayNumber(current.measured_on, 'measured_on') - dayNumber(birthDate, 'birth_date');
  // the KBM's age: completed calendar months, as the Buku KIA counts them (due.js; posyandu/ages.py)
  const age = completedMonths(isoText(birthDate), isoText(current.measured_on));
  if (age > KMS_LAST_MONTH || days > MAX_AGE_DAYS) {
    return { trend: null, gain_g: null, kbm_g: null }; // past the KMS, or WHO's last day (trend.KMS_LAST_DAY)
  }
  if (!lastMonth) return { trend: weighedBefore ? 'O' : 'B', gain_g: null, kbm_g: null };
  if (monthIndex(lastMonth.measured_on) !== monthIndex(current.measured_on) - 1) {
    throw new Error('lastMonth must be a weighing of the previous calendar month');
  }
  const needed = kbmForAge(age, kbm);
  const gain = grams(current.weight_kg) - grams(lastMonth.weight_kg);
  return { trend: gain >= needed ? 'N' : 'T', gain_g: gain, kbm_g: needed };
}

/** The trend that counts (trend.effective_trend): an N/T override replaces a computed N or T (N
 * only with gain > 0); a computed O, B or none stands. */
export const effectiveTrend = (computed, override, gain = null) =>
  (['N', 'T'].includes(override) && ['N', 'T'].includes(computed) && !(override === 'N' && gain !== null && gain <= 0)
    ? override : computed);

/** Trend (computed) plus BGM, 2T, referral (BGM, 2T or wfa > +1). 2T reads the counted trend of
 * both months, as trend.kms_status. */
export function kmsStatus(birthDate, current, lastMonth, weighedBefore, lastMonthTrend = null, kbm = DEFAULT_KBM) {
  const result = trend(birthDate, current, lastMonth, weighedBefore, kbm);
  const wfa = current.wfa ?? null;
  const bgm = wfa !== null && wfa < -3;
  const twoT = effectiveTrend(result.trend, current.trend_override ?? null, result.gain_g) === 'T' && lastMonthTrend === 'T';
  const abovePlusOne = wfa !== null && wfa > 1;
  return { ...result, bgm, two_t: twoT, above_plus_one: abovePlusOne, referral: bgm || twoT || abovePlusOne };
}
