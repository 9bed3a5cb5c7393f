// SKDN of one posyandu for one month on the phone (domain.md, "Monthly report: SKDN"), counted as
// the server does (posyandu/reports/skdn.py, cohort.py). Pure.
//
// S: the posyandu's children, not deleted or merged away, born by the month's end and under 60
// completed months then; K: with a KMS/Buku KIA; D: weighed in the month (its latest weighing, in
// the server's order, at this posyandu), D_no_kms of them not in K; N, T, O, B: its KMS trend; BGM,
// 2T. The server's judgement (an N/T override too) stands unless a change waiting may alter it
// (assess.markStale); one not sent is judged as the visit screen did.
import { completedMonths } from './due.js';
import { byDate, kmsOf, markStale } from './assess.js';
import { SKDN_COUNTS, skdnTotal } from './report-shape.js';

export const monthEnd = (month) => new Date(Date.UTC(+month.slice(0, 4), +month.slice(5, 7), 0)).toISOString().slice(0, 10);

/** The SKDN row ({S, K, D, N, T, O, B, BGM, 2T, D_prime, D_no_kms}, ratios K_S … N_S rounded as the
 * server's) of `posyanduId` in `month` from the phone's records (`kbm`: js/kbm.js). */
export function skdnOf({ children, measurements, posyanduId, month, tables, kbm }) {
  const last = monthEnd(month);
  const byChild = new Map();
  for (const m of markStale(children, measurements)) {
    if (!m.deleted_at) (byChild.get(m.child_id) ?? byChild.set(m.child_id, []).get(m.child_id)).push(m);
  }
  const row = Object.fromEntries([...SKDN_COUNTS, 'D_no_kms'].map((k) => [k, 0]));
  for (const child of children) {
    if (child.posyandu_id !== posyanduId || child.deleted_at || child.merged_into) continue;
    if (child.birth_date > last || completedMonths(child.birth_date, last) >= 60) continue;
    row.S += 1;
    if (child.has_kms === true) row.K += 1;
    const history = byChild.get(child.id) ?? [];
    const weighed = history.filter((m) => m.weight_kg != null && m.measured_on.slice(0, 7) === month
      && (m.posyandu_id ?? child.posyandu_id) === posyanduId).sort(byDate);
    const m = weighed[weighed.length - 1];
    if (!m) continue;
    const kms = kmsOf(child, m, history, tables, kbm);
    row.D += 1;
    if (child.has_kms !== true) row.D_no_kms += 1;
    if (kms.trend in row) row[kms.trend] += 1;
    if (kms.bgm) row.BGM += 1;
    if (kms.two_t) row['2T'] += 1;
  }
  row.D_prime = row.N + row.T;
  return skdnTotal([row]);
}
