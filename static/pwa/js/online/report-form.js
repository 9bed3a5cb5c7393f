// The reports screen's form (screens/reports.js): the caller's areas, a period and level, and the
// reports it asks the server for. Online only: fetched when the screen opens with a signal; offline
// the screen shows the last report viewed, saved on the phone (ctx.lastReport).
import { formatMonth, t, textsOf } from '../i18n.js';
import { h, todayIso } from '../ui.js';
import { allPages } from '../api.js';
import * as Q from './report-query.js';
import { show, showOffline } from '../screens/reports.js';

const PICKER_MONTHS = 36;

/** [Bahasa Indonesia, English]: the form's words, here as it is fetched online only. */
export const W = {
  period_from: ['Dari bulan', 'From month'],
  period_to: ['Sampai bulan', 'To month'],
  grp_kecamatan: ['Kecamatan (puskesmas)', 'Sub-district (health centre)'],
  show_report: ['Tampilkan laporan', 'Show report'],
  report_loading: ['Memuat laporan…', 'Loading the report…'],
  report_period_bad: ['Bulan akhir tidak boleh sebelum bulan awal.', 'The last month must not be before the first.'],
  report_error: ['Laporan gagal dimuat: {why}', 'The report could not be loaded: {why}'],
};
const tx = textsOf(W);

/** The caller's posyandu, puskesmas and region names. */
async function loadAreas(api) {
  const [posyandus, puskesmas] = await Promise.all([allPages(api, '/posyandu'), allPages(api, '/puskesmas')]);
  const parents = new Set(posyandus.flatMap((p) => [1, 2, 3].map((n) => p.desa_code.split('.').slice(0, n).join('.'))));
  const lists = await Promise.all([...parents].map((code) => allPages(api, `/regions?parent_code=${encodeURIComponent(code)}`)));
  const names = Object.fromEntries(lists.flat().map((r) => [r.code, r.name]));
  return { posyandus, ...Q.areaOptions(posyandus, names, puskesmas) };
}

/** `asked`: by "Tampilkan laporan", whose button keeps the focus: the report is said once drawn. `live`:
 * whether the drawing of the screen that asks is (or is about to be) shown (app.js route): a drawing
 * replaced or dropped asks nothing, and its answers are dropped, so the drawing shown keeps its own. */
async function load(ctx, state, results, form, areaName, { asked = false, live = () => true } = {}) {
  if (!live()) return;
  const ticket = (state.ticket ?? 0) + 1;
  state.ticket = ticket;
  // a newer request won, another user logged in, or the screen was left: dropped
  const { session } = ctx;
  const stale = () => ticket !== state.ticket || ctx.session !== session || !live();
  results.replaceChildren(h('p', { class: 'muted', role: 'status' }, tx('report_loading')));
  results.setAttribute('aria-busy', 'true');
  try {
    const q = Q.reportQuery(form);
    const [skdn, prevalence, coverage, actions] = await Promise.all([`skdn${q}`, `prevalence${q}&overall=true`, `coverage${q}`,
      `actions${Q.actionsQuery(form)}`].map((n) => ctx.api.get(`/reports/${n}`)));
    if (stale()) return;
    const data = state.data = { form, areaName, skdn: skdn.rows, prevalence: prevalence.rows, coverage: coverage.rows,
      actions: actions.items, next: actions.next_cursor, at: new Date().toISOString(), today: todayIso() };
    state.month = form.to;
    ctx.lastReport.put(data).catch(() => {}); // offline view; a full disk must not break it
    show(ctx, state, results, data);
    if (asked) ctx.announce(results.querySelector('#report-heading').textContent);
    if (data.next) import('./report-actions.js').then((m) => m.count(ctx, data, results, stale)).catch(() => {}); // a district: the server counts
  } catch (error) {
    if (stale()) return;
    if (error.kind === 'network') await showOffline(ctx, state, results);
    else results.replaceChildren(h('p', { class: 'notice bad', role: 'alert' }, tx('report_error', { why: error.message })));
  } finally {
    results.removeAttribute('aria-busy');
  }
}

const whole = (a) => (a.groups.length ? a.whole : a.posyandus[0]?.name) ?? '';

function select(id, name, label, options, attrs = {}) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), h('select', { id, name, ...attrs }, options));
}

function reportForm(ctx, state, results) {
  const { form, areas } = state;
  const months = Q.monthsUpTo(todayIso().slice(0, 7), PICKER_MONTHS); // this month's too, said not over (show)
  const monthOptions = (value) => months.map((m) => h('option', { value: m, selected: m === value }, formatMonth(m)));
  const areaSelect = areas.groups.length ? select('rep-area', 'area', t('area'), [h('option', { value: '' }, t('area_all')),
    areas.groups.map((g) => h('optgroup', { label: g.kind === 'kecamatan' ? tx('grp_kecamatan') : Q.tx(`lvl_${g.kind}`) },
      g.options.map((o) => h('option', { value: o.value, selected: o.value === form.area }, o.name))))])
    : h('p', { class: 'muted' }, areas.posyandus[0]?.name ?? '');
  const levelSelect = ctx.role === 'kader' ? null : select('rep-level', 'level', Q.tx('level'),
    Q.LEVELS.map((l) => h('option', { value: l, selected: l === form.level }, Q.tx(`lvl_${l}`))));
  const error = h('p', { class: 'error', role: 'alert', id: 'rep-error' });
  const node = h('form', { class: 'card report-form', id: 'report-form', novalidate: true },
    h('div', { class: 'day' }, select('rep-from', 'from', tx('period_from'), monthOptions(form.from)),
      select('rep-to', 'to', tx('period_to'), monthOptions(form.to))),
    h('div', { class: 'day' }, areaSelect, levelSelect), error,
    h('button', { class: 'btn primary', type: 'submit' }, tx('show_report')));
  node.addEventListener('submit', (e) => {
    e.preventDefault();
    const el = node.elements;
    const next = { from: el.from.value, to: el.to.value, area: el.area?.value ?? '', level: el.level?.value ?? 'posyandu' };
    error.textContent = next.from > next.to ? tx('report_period_bad') : '';
    if (error.textContent) return el.to.focus();
    state.form = next;
    const areaName = el.area?.selectedIndex > 0 ? el.area.selectedOptions[0].textContent : whole(areas);
    return load(ctx, state, results, next, areaName, { asked: true });
  });
  return node;
}

/** Into `section`: the form and the report asked (the last, else the default, while `live`: load); the
 * section, or an error to show instead; null offline (the screen shows the report saved). */
export async function draw(ctx, state, section, results, live) {
  try {
    state.areas ??= await loadAreas(ctx.api);
  } catch (error) {
    if (error.kind !== 'network') return h('p', { class: 'notice bad', role: 'alert' }, tx('report_error', { why: error.message }));
    return null;
  }
  section.append(reportForm(ctx, state, results), results);
  if (state.data) show(ctx, state, results, state.data);
  else load(ctx, state, results, state.form, whole(state.areas), { live });
  return section;
}
