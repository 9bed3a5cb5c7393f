// Checks of what a cadre enters, made as the server makes them (posyandu/validators.py,
// events.check_date), with messages that say what is wrong. Pure: values in, messages out.
import { formatNumber, t } from './i18n.js';
import { todayIso } from './ui.js';

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

/** What is wrong with an optional number (null: nothing), its limits written the user's way ("0,5"). */
export function rangeError(value, lo, hi) {
  if (value === null || (!Number.isNaN(value) && value >= lo && value <= hi)) return null;
  return t('between', { lo: formatNumber(lo), hi: formatNumber(hi) });
}
