// Checks of what a cadre enters, made as the server makes them (posyandu/validators.py,
// events.check_date), with messages that say what is wrong. Pure: values in, messages out.
import { formatNumber, t } from './i18n.js';
import { todayIso } from './ui.js';

/** A text as the server keeps it (validators.Trimmed): trimmed, or null when it shows nothing
 * (spaces, or only invisible format characters such as zero-width joiners). */
export const visibleText = (value) => (/^[\s\p{Cf}]*$/u.test(value ?? '') ? null : value.trim());

/** The date a new weighing or dose starts with: the posyandu day chosen on the home screen,
 * unless that is a day still to come (planned ahead for "Sasaran"): then the phone's today. */
export const recordDay = (day, today = todayIso()) => (day && day <= today ? day : today);

/** What is wrong with a record's date (null: nothing): required, not after the phone's today
 * (never a planned posyandu day), not before the child's birth. */
export function dateError(value, { birthDate = null, today = todayIso() } = {}) {
  if (!value) return t('required');
  if (value > today) return t('not_future');
  if (birthDate && value < birthDate) return t('before_birth');
  return null;
}

/** The oldest birth date a child may have: 18 years before `today` (29 February: the 28th), as
 * the server's validators.birth_date. */
export function oldestBirthDate(today = todayIso()) {
  const [y, m, d] = today.split('-');
  return `${String(+y - 18).padStart(4, '0')}-${m}-${m === '02' && d === '29' ? '28' : d}`;
}

/** What is wrong with a child's birth date (null: nothing): as any date, and not more than 18
 * years ago (a posyandu records children; an older date is a typing error the server refuses). */
export function birthDateError(value, today = todayIso()) {
  const error = dateError(value, { today });
  if (error) return error;
  return value < oldestBirthDate(today) ? t('too_old') : null;
}

/** What is wrong with a NIK (null: nothing), as the server's validators.nik: 16 digits (fewer
 * digits: a leading zero may have been lost), a region, and a birth date in digits 7-12 (day + 40
 * for a girl). */
export function nikError(value) {
  if (!/^\d{16}$/.test(value)) return t(/^\d{1,15}$/.test(value) ? 'nik_short' : 'nik_format');
  let day = Number(value.slice(6, 8));
  if (day > 40) day -= 40;
  const month = Number(value.slice(8, 10));
  return day >= 1 && day <= 31 && month >= 1 && month <= 12 && !value.startsWith('00') ? null : t('nik_invalid');
}

/** `value` rounded to `places` decimals as the server stores it (validators.as_stored: the number
 * as written, half away from zero, as PostgreSQL's numeric rounds to its column's scale), so that
 * what the phone judges and keeps is what the server judges and keeps ("7,255" kg is 7,26). */
export function asStored(value, places) {
  if (value === null || !Number.isFinite(value)) return value;
  const [whole, fraction = ''] = String(Math.abs(value)).split('.');
  if (fraction.length <= places || /e/i.test(whole)) return value;
  const digits = BigInt(whole + fraction.slice(0, places)) + (fraction[places] >= '5' ? 1n : 0n);
  return (Math.sign(value) * Number(digits)) / 10 ** places; // exact: the double nearest the decimal
}

/** What is wrong with an optional number (null: nothing), its limits written the user's way ("0,5").
 * `grams`: a weight in kg, which a cadre may have written in grams (3200 for 3,2 kg): said so, as
 * the server's validators.between says it. */
export function rangeError(value, lo, hi, { grams = false } = {}) {
  if (value === null || (!Number.isNaN(value) && value >= lo && value <= hi)) return null;
  const limits = { lo: formatNumber(lo), hi: formatNumber(hi) };
  if (grams && value > 100 && value / 1000 >= lo && value / 1000 <= hi) {
    return t('between_grams', { ...limits, value: String(value), kg: formatNumber(value / 1000) });
  }
  return t('between', limits);
}

/** Roles that may accept an exception to a rule, with a reason (posyandu/access.py HEALTH_WORKERS):
 * a dose outside the schedule's ages and intervals, a merge of duplicates. */
const HEALTH_WORKERS = new Set(['bidan', 'admin']);
export const isHealthWorker = (role) => HEALTH_WORKERS.has(role);

export const DOSE_SOURCES = ['given', 'record', 'recall'];
const KFA = /^93\d{6}$/;
export const BATCH_MAX = 40;
/** The expiry dates a vial may plausibly have, as the server's schemas.EXPIRY_RANGE. */
export const EXPIRY_RANGE = ['2000-01-01', '2099-12-31'];

/** What is wrong with a dose's vial, per field (empty: nothing), as the server's
 * immunisation.operations.record_problems: a dose given by a health worker (`source` 'given')
 * has the vial's batch (lot) number and expiry date, the vial not expired on `givenOn`. Any dose:
 * an expiry date is a plausible one (a typo such as 0202-01-01 is named), a KFA product code is
 * 93 and 6 digits. A dose copied or recalled needs no vial. */
export function lotErrors({ source, batch_number: batch, expiry_date: expiry, kfa_code: kfa }, givenOn) {
  const errors = {};
  const text = (batch ?? '').trim();
  if (text.length > BATCH_MAX) errors.batch_number = [t('max_chars', { n: BATCH_MAX })];
  if (kfa && !KFA.test(kfa)) errors.kfa_code = [t('kfa_format')];
  const plausible = (d) => /^\d{4}-\d\d-\d\d$/.test(d) && d >= EXPIRY_RANGE[0] && d <= EXPIRY_RANGE[1]; // '20260-…' too
  if (expiry && !plausible(expiry)) errors.expiry_date = [t('expiry_years')];
  if (source !== 'given') return errors;
  if (!text) errors.batch_number = [t('required')];
  if (!expiry) errors.expiry_date = [t('required')];
  else if (!errors.expiry_date && givenOn && expiry < givenOn) errors.expiry_date = [t('expired_on_given')];
  return errors;
}
