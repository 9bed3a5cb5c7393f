// Report data for the reports screen (pure: no DOM, no storage). Rows are the JSON rows of /api/v1/reports/*.
export const SKDN_COUNTS = ['S', 'K', 'D', 'N', 'T', 'O', 'B', 'BGM', '2T'];
export const SKDN_RATIOS = [['K_S', 'K', 'S'], ['D_S', 'D', 'S'], ['D_K', 'D', 'K'], ['N_D', 'N', 'D'],
  ['N_D_prime', 'N', 'D_prime'], ['N_S', 'N', 'S']];
export const NUTRITION = [ // [key, count, denominator, percentage, flagged count]
  ['stunting', 'stunted', 'tb_u_n', 'stunting_pct', 'flagged_tb_u'],
  ['wasting', 'wasted', 'bb_tb_n', 'wasting_pct', 'flagged_bb_tb'],
  ['underweight', 'underweight', 'bb_u_n', 'underweight_pct', 'flagged_bb_u'],
  ['overweight', 'overweight', 'bb_tb_n', 'overweight_pct', 'flagged_bb_tb'],
];
const PREVALENCE_COUNTS = ['measured', 'flagged', ...new Set(NUTRITION.flatMap(([, n, d, , f]) => [n, d, f]))];
export const D_S_TARGET = 80; // SPM: participation (D/S) of 80% and above

/** `part` as a % of `whole`, one decimal (null when `whole` is 0), half up from the exact ratio as the
 * server's `pct` (1/16 → 6.3; 3/2000 → 0.2, toFixed 0.1). */
export function pct(part, whole) {
  if (!whole) return null;
  return Math.floor((2000 * part + whole) / (2 * whole)) / 10;
}

const ym = (text) => { const [y, m] = text.split('-').map(Number); return y * 12 + m - 1; };
const text = (n) => `${String(Math.floor(n / 12)).padStart(4, '0')}-${String((n % 12) + 1).padStart(2, '0')}`;

export const addMonths = (month, n) => text(ym(month) + n);

/** Months `from`..`to` inclusive, oldest first (empty when `to` is before `from`). */
export function monthRange(from, to) {
  const out = [];
  for (let n = ym(from); n <= ym(to); n += 1) out.push(text(n));
  return out;
}

/** The month before the one `isoDate` falls in: the last complete report month. */
export const lastFullMonth = (isoDate) => addMonths(isoDate.slice(0, 7), -1);

const sums = (rows, keys) => Object.fromEntries(keys.map((k) => [k, rows.reduce((s, r) => s + (r[k] ?? 0), 0)]));

/** SKDN over several areas: counts added, ratios computed again from the sums. */
export function skdnTotal(rows) {
  const total = sums(rows, [...SKDN_COUNTS, 'D_prime', 'D_no_kms']);
  for (const [key, part, whole] of SKDN_RATIOS) total[key] = pct(total[part], total[whole]);
  return total;
}

/** Prevalence rows of the whole area and all ages (sex 'all', age group '0-59'). */
export const prevalenceOverall = (rows) => rows.filter((r) => r.sex === 'all' && r.age_group === '0-59');

/** Prevalence over several areas (overall rows): counts added, percentages from the sums. */
export function prevalenceTotal(rows) {
  const total = sums(rows, PREVALENCE_COUNTS);
  for (const [, n, d, key] of NUTRITION) total[key] = pct(total[n], total[d]);
  return total;
}

export const ofMonth = (rows, month) => rows.filter((r) => r.month === month);

/** The trend charts' series: for each month of the period the area's total S, D, D/S and
 * stunting (stunted of those with a TB/U status). Months without rows have null values. */
export function trend(skdnRows, prevalenceRows, months) {
  const overall = prevalenceOverall(prevalenceRows);
  return months.map((month) => {
    const s = ofMonth(skdnRows, month);
    const p = ofMonth(overall, month);
    const k = skdnTotal(s);
    const n = prevalenceTotal(p);
    return { month, S: k.S, D: k.D, D_S: s.length ? k.D_S : null,
      tb_u_n: n.tb_u_n, stunted: n.stunted, stunting_pct: p.length ? n.stunting_pct : null };
  });
}

/** Coverage over several areas, one row per indicator in the server's order. */
export function coverageTotal(rows) {
  const by = new Map();
  for (const r of rows) {
    const t = by.get(r.indicator) ?? { indicator: r.indicator, kind: r.kind, target: 0, covered: 0, given_in_period: null };
    t.target += r.target;
    t.covered += r.covered;
    if (r.given_in_period !== null && r.given_in_period !== undefined) t.given_in_period = (t.given_in_period ?? 0) + r.given_in_period;
    by.set(r.indicator, t);
  }
  return [...by.values()].map((t) => ({ ...t, coverage_pct: pct(t.covered, t.target) }));
}

export function reasonCounts(rows) {
  const out = {};
  for (const r of rows) for (const reason of r.reasons) out[reason] = (out[reason] ?? 0) + 1;
  return out;
}

/** A parent's mobile number grouped to read aloud (0812-3456-7890, +62 812-3456-7890: "62…" is +62; after
 * 8xx groups of 3–4, the longer first; else as stored), and its tel: link. None: ['', '']. */
export function phoneText(raw) {
  if (!raw) return ['', ''];
  const [, cc, op, rest] = /^(\+?62|0)(8\d\d)(\d{5,10})$/.exec(raw) ?? [];
  const parts = [];
  for (let at = 0, n = Math.ceil(rest?.length / 4); n; n -= 1) parts.push(rest.slice(at, at += Math.ceil((rest.length - at) / n)));
  const text = op ? `${cc === '0' ? '0' : '+62 '}${op}-${parts.join('-')}` : raw;
  return [text, `tel:${text.replace(/[ -]/g, '')}`];
}

/** The list's counts {children, reasons}: the server's, or the rows' when all are read; else null. */
export const actionCounts = ({ actions, next, counts }) => counts
  ?? (next ? null : { children: actions.length, reasons: reasonCounts(actions) });
