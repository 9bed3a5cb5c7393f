// Input checks as the server makes them (validators.py, events.check_date). Pure.
import { formatDate, formatNumber, t } from './i18n.js';
import { todayIso } from './ui.js';

/** Text as the server keeps it (validators.Trimmed): trimmed, or null if nothing visible
 * (spaces, zero-width characters). */
export const visibleText = (value) => (/^[\s\p{Cf}]*$/u.test(value ?? '') ? null : value.trim());

/** A new record's date: the chosen posyandu day, unless in the future ("Sasaran"): then today. */
export const recordDay = (day, today = todayIso()) => (day && day <= today ? day : today);

/** Her exit day when `day` is past it (events.check_date takes her records up to it): a record made
 * before it and entered late, its day picked by the kader, none after; else null. */
export const lateAfterExit = (child, day) => (child.exit_date < recordDay(day) ? child.exit_date : null);

/** The day the dose form opens on for `child`: her exit day when `day` is past it, else `day` (recordDay). */
export const doseFormDay = (child, day) => lateAfterExit(child, day) ?? recordDay(day);

/** A record date's error, or null: required (`bad`: badInput, 31-02), not future, not before birth. */
export function dateError(value, { birthDate = null, exitDate = null, today = todayIso(), bad } = {}) {
  if (!value) return t(bad ? 'no_such_date' : 'required');
  if (value > today) return t('not_future');
  if (birthDate && value < birthDate) return t('before_birth');
  if (exitDate && value > exitDate) return t('after_exit', { date: formatDate(exitDate) });
  return null;
}

/** 18 years before `today` (29 Feb: the 28th), as validators.birth_date. */
export function oldestBirthDate(today = todayIso(), years = 18) {
  const [y, m, d] = today.split('-');
  return `${String(+y - years).padStart(4, '0')}-${m}-${m === '02' && d === '29' ? '28' : d}`;
}

/** A birth date of a child 5 years old or more on `today`: past the posyandu's under-fives (a year typed wrong?). */
export const overFive = (birth, today = todayIso()) => Boolean(birth) && birth <= oldestBirthDate(today, 5);

/** A birth date's error: as dateError, and not over 18 years ago (a typo the server refuses). */
export function birthDateError(value, { today = todayIso(), bad } = {}) {
  const error = dateError(value, { today, bad });
  if (error) return error;
  return value < oldestBirthDate(today) ? t('too_old') : null;
}

/** A NIK in groups (KTP: spaces, dots, dashes) as its 16 digits (validators.nik_digits), else as written. */
export function nikDigits(value) {
  const digits = value.replace(/[\s.-]+/g, '');
  return /^\d{16}$/.test(digits) ? digits : value;
}

/** A NIK's error, as validators.nik: 16 digits (fewer: a lost leading zero?), a region, a birth
 * date in digits 7-12 (girls: day + 40). */
export function nikError(value) {
  if (!/^\d{16}$/.test(value)) return t(/^\d{1,15}$/.test(value) ? 'nik_short' : 'nik_format');
  let day = Number(value.slice(6, 8));
  if (day > 40) day -= 40;
  const month = Number(value.slice(8, 10));
  return day >= 1 && day <= 31 && month >= 1 && month <= 12 && !value.startsWith('00') ? null : t('nik_invalid');
}

/** `value` rounded as the server stores it (validators.as_stored: decimal, half away from zero,
 * as PostgreSQL numeric), so phone and server judge the same ("7,255" kg is 7,26). */
export function asStored(value, places) {
  if (value === null || !Number.isFinite(value)) return value;
  const [whole, fraction = ''] = String(Math.abs(value)).split('.');
  if (fraction.length <= places || /e/i.test(whole)) return value;
  const digits = BigInt(whole + fraction.slice(0, places)) + (fraction[places] >= '5' ? 1n : 0n);
  return (Math.sign(value) * Number(digits)) / 10 ** places; // the double nearest the decimal
}

/** An optional number's range error, limits localised ("0,5"). `grams`: a kg weight maybe typed
 * in grams (3200): said so, as validators.between. */
export function rangeError(value, lo, hi, { grams = false } = {}) {
  if (value === null || (!Number.isNaN(value) && value >= lo && value <= hi)) return null;
  const limits = { lo: formatNumber(lo), hi: formatNumber(hi) };
  if (grams && value > 100 && value / 1000 >= lo && value / 1000 <= hi) {
    return t('between_grams', { ...limits, value: String(value), kg: formatNumber(value / 1000) });
  }
  return t('between', limits);
}

/** Roles that may excuse a rule with a reason (access.py HEALTH_WORKERS): off-schedule doses, merges. */
const HEALTH_WORKERS = new Set(['bidan', 'admin']);
export const isHealthWorker = (role) => HEALTH_WORKERS.has(role);

export const DOSE_SOURCES = ['given', 'record', 'recall'];
const KFA = /^93\d{6}$/;
export const BATCH_MAX = 40;
/** Plausible vial expiry dates, as schemas.EXPIRY_RANGE. */
export const EXPIRY_RANGE = ['2000-01-01', '2099-12-31'];

/** A vial's errors per field, as operations.record_problems (copied, recalled: no vial); `bad` as dateError's. */
export function lotErrors({ source, batch_number: batch, expiry_date: expiry, kfa_code: kfa }, givenOn, bad) {
  const errors = {};
  const text = (batch ?? '').trim();
  if (text.length > BATCH_MAX) errors.batch_number = [t('max_chars', { n: BATCH_MAX })];
  if (kfa && !KFA.test(kfa)) errors.kfa_code = [t('kfa_format')];
  const plausible = (d) => /^\d{4}-\d\d-\d\d$/.test(d) && d >= EXPIRY_RANGE[0] && d <= EXPIRY_RANGE[1]; // '20260-…' too
  if (expiry && !plausible(expiry)) errors.expiry_date = [t('expiry_years')];
  if (source !== 'given') return errors;
  if (!text) errors.batch_number = [t('required')];
  if (!expiry) errors.expiry_date = [t(bad ? 'no_such_date' : 'required')];
  else if (!errors.expiry_date && givenOn && expiry < givenOn) errors.expiry_date = [t('expired_on_given')];
  return errors;
}
