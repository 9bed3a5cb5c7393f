// What the cadre needs right after a weighing (domain.md): Permenkes status, N/T (KBM), BGM/2T,
// referral, LiLA/head signs, re-measure warnings, what is due today. Pure: records in, values out.
import { calculate, effectiveTrend, headSign, kmsStatus, monthIndex, muacSign, trend } from './growth.js';
import { immunisationCard, outsideSchedule, scheduleOn, supplementsDue } from './due.js';
import { instantKey } from './instant.js';

/** The server's order (growth.operations): by date, then by creation; unsent ones last in
 * their day (created on arrival), by save time. */
const stamp = (m) => (m.created_at ? `0${instantKey(m.created_at) ?? m.created_at}`
  : `1${instantKey(m.recorded_at) ?? m.recorded_at ?? ''}`); // instants, however written (instant.js)
export const byDate = (a, b) => (a.measured_on < b.measured_on ? -1 : a.measured_on > b.measured_on ? 1
  : stamp(a) < stamp(b) ? -1 : stamp(a) > stamp(b) ? 1 : 0);

/** PB (lying) rather than TB: under 731 days, as the z-scores split (Permenkes 2/2020). */
export const byLength = (growth) => (growth?.age_days != null ? growth.age_days < 731 : growth?.zscores?.wfl != null);

export function tone(category) {
  if (!category) return 'none';
  if (['sangat_kurang', 'sangat_pendek', 'gizi_buruk', 'obesitas', 'mikrosefali', 'makrosefali'].includes(category)) return 'bad';
  if (['normal', 'gizi_baik', 'tinggi'].includes(category)) return 'ok';
  return 'warn';
}

/** Judge `m` here, not by the server's results: unsent, or they may be stale (`markStale`). */
const judgedHere = (m) => m._pending || m._stale;

/** `measurements` with `_stale` on those an unsent change may outdate: all if the child's record is
 * unsent, else from the earliest day of an unsent weighing, edit or delete. */
export function markStale(children, measurements) {
  const from = new Map(children.filter((c) => c._pending).map((c) => [c.id, '']));
  for (const m of measurements) {
    const day = m._was_on < m.measured_on ? m._was_on : m.measured_on;
    if (m._pending && !(from.get(m.child_id) <= day)) from.set(m.child_id, day);
  }
  if (!from.size) return measurements;
  return measurements.map((m) => (!m._pending && from.get(m.child_id) <= m.measured_on ? { ...m, _stale: true } : m));
}

/** A measurement's growth result: the server's if valid, else computed here. */
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

/** Weighings before `m`, same-day earlier ones included (trend.series_trends). */
const weighings = (history, m) => history.filter((h) => h.weight_kg != null && byDate(h, m) < 0).sort(byDate);

/** Weighed in a month before `m`'s (else `m` is B, even as the month's second weighing). */
const weighedBefore = (history, m) => weighings(history, m).some((h) => monthIndex(h.measured_on) < monthIndex(m.measured_on));

function lastMonthOf(history, m) {
  const prev = weighings(history, m).filter((h) => monthIndex(h.measured_on) === monthIndex(m.measured_on) - 1);
  return prev.length ? prev[prev.length - 1] : null;
}

/** The counted N/T/O/B of an earlier weighing: the server's, else computed (override included). */
function trendOf(child, m, history, kbm) {
  if (m.trend && !judgedHere(m)) return m.trend;
  const last = lastMonthOf(history, m);
  const computed = trend(child.birth_date, m, last, weighedBefore(history, m), kbm);
  return effectiveTrend(computed.trend, m.trend_override, computed.gain_g);
}

/** N/T/O/B, BGM, 2T, referral of `m` from `others` under `kbm` (js/kbm.js). BGM and +1 SD read a
 * flagged wfa too, as the server (growth.trend): a flag keeps a value out of prevalence, not off the KMS. */
function kmsComputed(child, m, others, wfa, kbm) {
  const last = lastMonthOf(others, m);
  const lastTrend = last ? trendOf(child, last, others, kbm) : null;
  const kms = kmsStatus(child.birth_date, { ...m, wfa }, last, weighedBefore(others, m), lastTrend, kbm);
  // the override stands, and 2T reads it (trend.kms_status)
  const counted = effectiveTrend(kms.trend, m.trend_override, kms.gain_g);
  return { ...kms, trend: counted, trend_computed: kms.trend, overridden: counted !== kms.trend,
    override_reason: counted !== kms.trend ? m.trend_override_reason ?? null : null };
}

/** KMS result of a recorded weighing: the server's once synced, else computed as after saving. */
export function kmsOf(child, m, history, tables, kbm) {
  if (!judgedHere(m) && m.trend) return { trend: m.trend, bgm: m.bgm === true, two_t: m.two_t === true };
  const growth = growthOf(child, { ...m, _pending: true }, tables);
  return kmsComputed(child, m, history.filter((h) => h.id !== m.id), growth?.zscores?.wfa ?? null, kbm);
}

/** LiLA and head signs of `m` under `growth` (growthOf), as the server's muac_sign, head_sign. */
export function signsOf(m, growth) {
  return { muac_cm: m.muac_cm ?? null, muac_sign: growth ? muacSign(growth.age_days, m.muac_cm ?? null) : null,
    head_sign: growth ? headSign(growth.zscores?.hcfa) : null };
}

/** A length alone: the month's last weighing before it (the server's reports take its BB/U and N/T),
 * never a BB/TB from two entries: {on, bb_u, w, growth} (`growth`: the weighing's own). */
function monthsWeighing(child, m, others, tables) {
  if (m.weight_kg != null || m.oedema === true) return null;
  const w = weighings(others, m).filter((h) => monthIndex(h.measured_on) === monthIndex(m.measured_on)).pop() ?? null;
  const growth = w && growthOf(child, w, tables);
  return { on: w?.measured_on ?? null, bb_u: growth?.status?.bb_u ?? null, w, growth };
}

/** The BB/U shown for `r` (assess or latest): a length alone's is its month's weighing's. */
export const weightStatus = (r) => (r?.weighed ? r.weighed.bb_u : r?.growth?.status?.bb_u ?? null);

/** The signs of acute malnutrition `r` (latest) shows: its BB/TB, oedema and LiLA, or, a length alone (a
 * bidan measuring again the length of a child found very thin), its month's weighing's own, as the
 * reports' wasting takes the month's: her "sangat kurus" is not gone for a length measured since.
 * {bb_tb, lying, oedema, on, muac_cm, muac_sign, muac_on} (`on`, `muac_on`: the weighing's day, when its). */
export function acuteOf(r) {
  const [w, wg] = [r?.weighed?.w, r?.weighed?.growth];
  const muac = r?.m.muac_cm == null && w?.muac_cm != null ? { m: w, g: wg, on: w.measured_on } : { m: r?.m, g: r?.growth, on: null };
  const acute = { muac_cm: muac.m?.muac_cm ?? null, muac_sign: muac.m ? signsOf(muac.m, muac.g).muac_sign : null, muac_on: muac.on };
  return w ? { bb_tb: wg?.status?.bb_tb ?? null, lying: byLength(wg), oedema: w.oedema === true, on: w.measured_on, ...acute }
    : { bb_tb: r?.growth?.status?.bb_tb ?? null, lying: byLength(r?.growth), oedema: r?.m.oedema === true, on: null, ...acute };
}

/** Everything shown after saving measurement `m` on posyandu day `on`. */
export function assess({ child, m, history = [], immunisations = [], supplements = [], tables, kbm, schedule, area = null, on }) {
  const others = history.filter((h) => h.id !== m.id);
  const growth = growthOf(child, { ...m, _pending: true }, tables);
  const kms = m.weight_kg != null && growth ? kmsComputed(child, m, others, growth.zscores.wfa, kbm) : null;
  const remeasure = !!growth && (growth.warnings.includes('remeasure') || growth.warnings.includes('standing_under_9_months'));
  const severe = growth?.status?.bb_tb === 'gizi_buruk' || m.oedema === true;
  const signs = signsOf(m, growth);
  const referredBySign = signs.muac_sign === 'gizi_buruk' || ['mikrosefali', 'makrosefali'].includes(signs.head_sign);
  const weighed = monthsWeighing(child, m, others, tables);
  return { growth, kms, remeasure, referral: !!kms?.referral || severe || referredBySign, severe, ...signs,
    weighed: weighed && { on: weighed.on, bb_u: weighed.bb_u, kms: weighed.w && kmsOf(child, { ...weighed.w, _pending: true }, others, tables, kbm) },
    due: dueToday({ child, immunisations, supplements, schedule, area, on }) };
}

/** Doses givable today and this round's vitamin A / deworming. A dose allowed before its
 * recommended age is 'early' (card's 'upcoming'), as in dueOn. */
export function dueToday({ child, immunisations = [], supplements = [], schedule: kept, area = null, on }) {
  if (!kept || on < child.birth_date) return { doses: [], supplements: [], card: null };
  const schedule = scheduleOn(kept, on); // version in force that day, as the server judges
  const given = immunisations.map((i) => ({ id: i.id, vaccine: i.vaccine, dose: i.dose, given_on: i.given_on }));
  let card = immunisationCard(schedule, child.birth_date, given, on, { area });
  const other = outsideSchedule(schedule, child.birth_date, given, on);
  if (other.length) card = { ...card, entries: [...card.entries, ...other] };
  if (child.exit_date <= on) { // left: nothing due her (cards.py); a copy: the card is shared (immunisationCard)
    return { card: { ...card, entries: card.entries.map((e) => (e.given_on ? e : { ...e, status: 'not_applicable', can_give: false })) },
      doses: [], supplements: [] };
  }
  // a dose recorded on a later day is not offered on a back-dated form (duplicate_dose)
  const recorded = new Set(given.map((g) => `${g.vaccine}|${g.dose}`));
  return {
    card,
    doses: card.entries.filter((e) => e.can_give && !recorded.has(`${e.vaccine}|${e.dose}`))
      .map((e) => (e.status === 'upcoming' ? { ...e, status: 'early' } : e)),
    // likewise a round's capsule recorded later that month (given_twice_in_round)
    supplements: supplementsDue(schedule.supplements, child.birth_date, supplements.map((s) => ({ kind: s.kind, given_on: s.given_on })), on, area)
      .filter((s) => !supplements.some((g) => g.given_on > on && g.given_on.slice(0, 7) === on.slice(0, 7)
        && (g.kind === 'deworming') === (s.kind === 'deworming'))),
  };
}

/** A parent's next doses, by date: all those overdue, else all due now, else those of the first date. */
export function nextDoses(card) {
  const open = (card?.entries ?? []).filter((e) => ['due', 'overdue', 'upcoming'].includes(e.status))
    .sort((a, b) => (a.due_date < b.due_date ? -1 : a.due_date > b.due_date ? 1 : 0));
  const of = (status) => open.filter((e) => e.status === status);
  return [of('overdue'), of('due')].find((l) => l.length) ?? open.filter((e) => e.due_date === open[0].due_date);
}

/** The newest measurement, its growth and, a length alone, its month's weighing (weightStatus). */
export function latest(child, measurements, tables) {
  const sorted = [...measurements].sort(byDate);
  const m = sorted.pop();
  return m ? { m, growth: growthOf(child, m, tables), weighed: monthsWeighing(child, m, sorted, tables) } : null;
}
