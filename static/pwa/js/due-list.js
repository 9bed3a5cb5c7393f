// The day's due list offline, as GET /posyandu/{id}/due-list (immunisation/cards.py due_list).
import { addMonths, completedMonths, dueOn, scheduleOn, supplementsDue } from './due.js';

export const UNDER_FIVE_MONTHS = 60;
const byCodePoint = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
/** Rows by child_id, in order. */
export const group = (rows) => rows.reduce((m, r) => (m.get(r.child_id)?.push(r) ?? m.set(r.child_id, [r]), m), new Map());

/** A child's area for the schedule (JE): her kabupaten; the posyandu's while unsent (the server sets it). */
export function areaOf(child, posyandu) {
  const own = child?.kabupaten_code ?? null;
  const local = posyandu?.kabupaten_code ?? null;
  const kabupaten = child?._pending ? local ?? own : own ?? local;
  return kabupaten ? { kabupaten } : null;
}

/** By name ignoring case, name, id, by code point (cards.py by_name). */
const byName = (a, b) => byCodePoint(a.name.toLowerCase(), b.name.toLowerCase()) || byCodePoint(a.name, b.name)
  || byCodePoint(a.id, b.id);

/** Left (died, moved away) by `on`: on no list (cards.py). */
export const exited = (c, on) => c.exit_date <= on;

/** The posyandu's children under five on `on`, in a due list's order (cards.py _children). */
export function underFives(children, posyanduId, on) {
  const oldest = addMonths(on, -UNDER_FIVE_MONTHS - 1);
  return children.filter((c) => c.posyandu_id === posyanduId && !c.deleted_at && !c.merged_into && !exited(c, on)
    && c.birth_date <= on && c.birth_date >= oldest && completedMonths(c.birth_date, on) < UNDER_FIVE_MONTHS)
    .sort(byName);
}

/** Children with a dose allowed on `on` or a capsule/deworming due, the doses, vials and supplements to bring. */
export function dueList(kept, { children, immunisations = [], supplements = [], posyanduId, on, area = () => null }) {
  const schedule = scheduleOn(kept, on);
  const kids = underFives(children, posyanduId, on);
  const [doses, given] = [group(immunisations), group(supplements)];
  const plan = dueOn(schedule, kids.map((c) => ({
    child_id: c.id, birth_date: c.birth_date, area: area(c),
    given: (doses.get(c.id) ?? []).map((d) => ({ id: d.id, vaccine: d.vaccine, dose: d.dose, given_on: d.given_on })),
  })), on);
  const byChild = new Map(plan.children.map((p) => [p.child_id, p.doses]));
  const rows = [];
  const supplementTotals = new Map();
  for (const c of kids) {
    const due = supplementsDue(schedule.supplements, c.birth_date,
      (given.get(c.id) ?? []).map((s) => ({ kind: s.kind, given_on: s.given_on })), on, area(c));
    for (const s of due) supplementTotals.set(s.kind, (supplementTotals.get(s.kind) ?? 0) + 1);
    if (byChild.has(c.id) || due.length) {
      rows.push({ child_id: c.id, name: c.name, sex: c.sex, birth_date: c.birth_date,
        age_months: completedMonths(c.birth_date, on), mother_name: c.mother_name ?? null,
        immunisations: byChild.get(c.id) ?? [], supplements: due });
    }
  }
  const vaccines = plan.totals.map((t) => {
    const v = schedule.vaccines.find((x) => x.code === t.vaccine);
    return { vaccine: t.vaccine, name: v?.name ?? t.vaccine, doses: t.doses, doses_per_vial: v?.doses_per_vial ?? null,
      vials: t.vials };
  });
  return { posyandu_id: posyanduId, date: on, schedule_version: schedule.version, children: rows, vaccines,
    supplements: [...supplementTotals].sort(([a], [b]) => byCodePoint(a, b)).map(([kind, count]) => ({ kind, count })) };
}

/** The children due per vaccine (schedule order) and per supplement kind, for the screen. */
export function byVaccine(list) {
  const out = new Map(list.vaccines.map((v) => [v.vaccine, []]));
  const kinds = new Map(list.supplements.map((s) => [s.kind, []]));
  for (const row of list.children) {
    for (const d of row.immunisations) out.get(d.vaccine)?.push({ child: row, dose: d });
    for (const s of row.supplements) kinds.get(s.kind)?.push({ child: row, supplement: s });
  }
  return { vaccines: out, supplements: kinds };
}
