// What the cadre needs at the table right after a weighing (domain.md): the Permenkes
// status, N/T against last month with the KBM, BGM/2T and referral, the LiLA and head
// circumference signs (growth.js muacSign, headSign), re-measure warnings, and what is due today. Pure: records and tables in, plain values out.
import { calculate, effectiveTrend, headSign, kmsStatus, muacSign, trend } from './growth.js';
import { immunisationCard, scheduleOn, supplementsDue } from './due.js';
import { instantKey } from './instant.js';

const monthIndex = (iso) => Number(iso.slice(0, 4)) * 12 + Number(iso.slice(5, 7)) - 1;
/** A child's measurements in the server's order (posyandu.growth.operations: by date, then as
 * recorded): of two the same day, the one recorded later comes after. A server record is
 * ordered by its creation; a new one (not yet sent) after every server record of its day, as the
 * server will create it when it arrives (after what it holds, whatever the phone's clock said when
 * it was saved: another phone's weighing may have reached it meanwhile), and new ones among
 * themselves by the phone's clock when each was saved. */
const stamp = (m) => (m.created_at ? `0${instantKey(m.created_at) ?? m.created_at}`
  : `1${instantKey(m.recorded_at) ?? m.recorded_at ?? ''}`); // instants, however written (instant.js)
export const byDate = (a, b) => (a.measured_on < b.measured_on ? -1 : a.measured_on > b.measured_on ? 1
  : stamp(a) < stamp(b) ? -1 : stamp(a) > stamp(b) ? 1 : 0);

/** Whether a result's length indices are by length (PB, the child measured lying) rather than
 * height (TB): under 731 days, the split of the z-scores (wfl before wfh, domain.md). Permenkes
 * 2/2020 names them PB/U and BB/PB then, TB/U and BB/TB from 2 years. */
export const byLength = (growth) => (growth?.age_days != null ? growth.age_days < 731 : growth?.zscores?.wfl != null);

/** Colour class of a status category, or of a LiLA or head sign (muac_sign, head_sign): ok (green),
 * warn (amber), bad (red). */
export function tone(category) {
  if (!category) return 'none';
  if (['sangat_kurang', 'sangat_pendek', 'gizi_buruk', 'obesitas', 'mikrosefali', 'makrosefali'].includes(category)) return 'bad';
  if (['normal', 'gizi_baik', 'tinggi'].includes(category)) return 'ok';
  return 'warn';
}

/** Whether the phone must judge `m` itself rather than show the server's results: it waits to
 * be sent, or they may be out of date (`markStale`). */
const judgedHere = (m) => m._pending || m._stale;

/**
 * The measurements (deleted ones included: a delete waiting to be sent changes the next
 * month's N/T) with `_stale` on those whose server results may be out of date on this phone
 * until the next sync, so that they are judged here as the server will judge them then: every
 * measurement of a child whose own record waits to be sent (a corrected birth date or sex
 * changes every z-score and the KBM's age), and, of a child with a weighing, a correction or a
 * delete waiting, those from the earliest such day on (a weighing entered late for last month
 * changes this month's N/T and 2T; one moved to another day counts from the earlier of the two,
 * `_was_on` being the day the server has, outbox.recordView). `children`: the children
 * concerned (others are ignored).
 */
export function markStale(children, measurements) {
  const from = new Map(children.filter((c) => c._pending).map((c) => [c.id, '']));
  for (const m of measurements) {
    const day = m._was_on < m.measured_on ? m._was_on : m.measured_on; // moved: from the earlier of its two days
    if (m._pending && !(from.get(m.child_id) <= day)) from.set(m.child_id, day);
  }
  if (!from.size) return measurements;
  return measurements.map((m) => (!m._pending && from.get(m.child_id) <= m.measured_on ? { ...m, _stale: true } : m));
}

/** The growth result of a measurement: the server's when it has one, else computed here. */
export function growthOf(child, m, tables) {
  if (m.zscores && m.status && !judgedHere(m)) {
    return { zscores: m.zscores, flags: m.flags ?? {}, warnings: m.warnings ?? [], status: m.status, age_days: m.age_days };
  }
  try {
    return calculate({ sex: child.sex, birth_date: child.birth_date, measured_on: m.measured_on, weight_kg: m.weight_kg ?? null,
      length_height_cm: m.length_height_cm ?? null, position: m.position ?? null, head_circumference_cm: m.head_circumference_cm ?? null,
      muac_cm: m.muac_cm ?? null, oedema: m.oedema === true }, tables);
  } catch {
    return null;
  }
}

/** The weighings before `m` in the series, a same-day one recorded earlier included (trend.series_trends). */
const weighings = (history, m) => history.filter((h) => h.weight_kg != null && byDate(h, m) < 0).sort(byDate);

/** Whether the child was weighed in a calendar month before `m`'s (else `m` is B, new: a second
 * weighing in the month of the first is still new, trend.series_trends). */
const weighedBefore = (history, m) => weighings(history, m).some((h) => monthIndex(h.measured_on) < monthIndex(m.measured_on));

/** The latest weighing of the calendar month before `m`'s. */
function lastMonthOf(history, m) {
  const prev = weighings(history, m).filter((h) => monthIndex(h.measured_on) === monthIndex(m.measured_on) - 1);
  return prev.length ? prev[prev.length - 1] : null;
}

/** N/T/O/B that counts of an earlier weighing: the server's, else computed from its own previous
 * month (a health worker's override included). */
function trendOf(child, m, history, kbm) {
  if (m.trend && !judgedHere(m)) return m.trend;
  const last = lastMonthOf(history, m);
  const computed = trend(child.birth_date, m, last, weighedBefore(history, m), kbm);
  return effectiveTrend(computed.trend, m.trend_override, computed.gain_g);
}

/** N/T/O/B (a health worker's override of N/T included, the computed one beside it), BGM, 2T and
 * referral of weighing `m`, computed here from the child's `others` measurements under the KBM
 * table `kbm` (js/kbm.js; undefined: the built-in one). BGM and the
 * +1 SD sign read weight-for-age flagged implausible too, as the server does
 * (posyandu.growth.trend): a flag keeps a value out of prevalence, not off the KMS. */
function kmsComputed(child, m, others, wfa, kbm) {
  const last = lastMonthOf(others, m);
  const lastTrend = last ? trendOf(child, last, others, kbm) : null;
  const kms = kmsStatus(child.birth_date, { ...m, wfa }, last, weighedBefore(others, m), lastTrend, kbm);
  // a health worker's N/T stands over the computed one, and 2T reads it (trend.kms_status)
  const counted = effectiveTrend(kms.trend, m.trend_override, kms.gain_g);
  return { ...kms, trend: counted, trend_computed: kms.trend, overridden: counted !== kms.trend,
    override_reason: counted !== kms.trend ? m.trend_override_reason ?? null : null };
}

/** The KMS result of a recorded weighing (`history`: the child's measurements): the server's once
 * synced (a health worker's N/T override included), else (waiting to be sent, or `_stale`)
 * computed here as after saving it. */
export function kmsOf(child, m, history, tables, kbm) {
  if (!judgedHere(m) && m.trend) return { trend: m.trend, bgm: m.bgm === true, two_t: m.two_t === true };
  const growth = growthOf(child, { ...m, _pending: true }, tables);
  return kmsComputed(child, m, history.filter((h) => h.id !== m.id), growth?.zscores?.wfa ?? null, kbm);
}

/** The LiLA and head circumference signs of measurement `m` judged as `growth` (growthOf): growth.muacSign,
 * headSign, as the server's muac_sign, head_sign; null where there is none. */
export function signsOf(m, growth) {
  return { muac_cm: m.muac_cm ?? null, muac_sign: growth ? muacSign(growth.age_days, m.muac_cm ?? null) : null,
    head_sign: growth ? headSign(growth.zscores?.hcfa) : null };
}

/**
 * Everything shown after saving measurement `m` of `child`, given the child's other
 * measurements (`history`), immunisations and supplements, on the posyandu day `on`; N/T under
 * the KBM table `kbm` (js/kbm.js; undefined: the built-in one).
 */
export function assess({ child, m, history = [], immunisations = [], supplements = [], tables, kbm, schedule, area = null, on }) {
  const others = history.filter((h) => h.id !== m.id);
  const growth = growthOf(child, { ...m, _pending: true }, tables);
  const kms = m.weight_kg != null && growth ? kmsComputed(child, m, others, growth.zscores.wfa, kbm) : null;
  const remeasure = !!growth && (growth.warnings.includes('remeasure') || growth.warnings.includes('standing_under_9_months'));
  const severe = growth?.status?.bb_tb === 'gizi_buruk' || m.oedema === true;
  const signs = signsOf(m, growth);
  const referredBySign = signs.muac_sign === 'gizi_buruk' || ['mikrosefali', 'makrosefali'].includes(signs.head_sign);
  return { growth, kms, remeasure, referral: !!kms?.referral || severe || referredBySign, severe, ...signs,
    due: dueToday({ child, immunisations, supplements, schedule, area, on }) };
}

/** Doses that may be given today (immunisation card) and vitamin A / deworming of this round. A dose
 * allowed before its recommended age is 'early' (the card's 'upcoming'), as in the due list (dueOn). */
export function dueToday({ child, immunisations = [], supplements = [], schedule: kept, area = null, on }) {
  if (!kept || on < child.birth_date) return { doses: [], supplements: [], card: null };
  const schedule = scheduleOn(kept, on); // the version in force that day, as the server judges a dose of it
  const given = immunisations.map((i) => ({ id: i.id, vaccine: i.vaccine, dose: i.dose, given_on: i.given_on }));
  const card = immunisationCard(schedule, child.birth_date, given, on, { area });
  // a dose recorded on a later day is not offered for an earlier one (a doses form dated back): the
  // server refuses a second record of it (duplicate_dose); the record to correct is the later one
  const recorded = new Set(given.map((g) => `${g.vaccine}|${g.dose}`));
  return {
    card,
    doses: card.entries.filter((e) => e.can_give && !recorded.has(`${e.vaccine}|${e.dose}`))
      .map((e) => (e.status === 'upcoming' ? { ...e, status: 'early' } : e)),
    // likewise a capsule of a round (its month) recorded on a later day of it (given_twice_in_round)
    supplements: supplementsDue(schedule.supplements, child.birth_date, supplements.map((s) => ({ kind: s.kind, given_on: s.given_on })), on)
      .filter((s) => !supplements.some((g) => g.given_on > on && g.given_on.slice(0, 7) === on.slice(0, 7)
        && (g.kind === 'deworming') === (s.kind === 'deworming'))),
  };
}

/** The next dose still to come on the card (for parents): the first due, overdue or upcoming entry. */
export function nextDose(card) {
  if (!card) return null;
  const open = card.entries.filter((e) => ['due', 'overdue', 'upcoming'].includes(e.status))
    .sort((a, b) => (a.due_date < b.due_date ? -1 : a.due_date > b.due_date ? 1 : 0));
  return open[0] ?? null;
}

/** Latest measurement first-class summary for lists: the newest record and its growth. */
export function latest(child, measurements, tables) {
  const sorted = [...measurements].sort(byDate);
  const m = sorted[sorted.length - 1];
  return m ? { m, growth: growthOf(child, m, tables) } : null;
}
