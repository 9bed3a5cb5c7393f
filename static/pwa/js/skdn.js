// A posyandu's SKDN of a month on the phone, as the server's (reports/skdn.py, cohort.py). Pure.
// S: live children under five at the month's end, not exited before it; K: with a KMS; D: weighed
// (latest weighing, here), D_no_kms not in K; N T O B: KMS trend. The server's N/T stands unless a
// waiting change may alter it (assess.markStale).
import { completedMonths } from './due.js';
import { byDate, kmsOf, markStale } from './assess.js';
import { SKDN_COUNTS, skdnTotal } from './report-shape.js';

export const monthEnd = (month) => new Date(Date.UTC(+month.slice(0, 4), +month.slice(5, 7), 0)).toISOString().slice(0, 10);

/** The SKDN row (counts, ratios as the server's) of `posyanduId` in `month`. */
export function skdnOf({ children, measurements, posyanduId, month, tables, kbm }) {
  const last = monthEnd(month);
  const byChild = new Map();
  for (const m of markStale(children, measurements)) {
    if (!m.deleted_at) (byChild.get(m.child_id) ?? byChild.set(m.child_id, []).get(m.child_id)).push(m);
  }
  const row = Object.fromEntries([...SKDN_COUNTS, 'D_no_kms'].map((k) => [k, 0]));
  for (const child of children) {
    if (child.posyandu_id !== posyanduId || child.deleted_at || child.merged_into) continue;
    if (child.birth_date > last || completedMonths(child.birth_date, last) >= 60 || child.exit_date < month) continue;
    if (child.arrived_on > last) continue; // moved here since: that month, the server counts her where she was
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
