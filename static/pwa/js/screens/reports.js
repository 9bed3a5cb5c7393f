// Laporan (README): online; offline the last one viewed (ctx.lastReport).
import { formatDate, formatDateTime, formatMonth, formatNumber, formatPct, t } from '../i18n.js';
import { h, onlineModule, onlineOnly, todayIso } from '../ui.js';
import { drawTrend } from '../chart.js';
import * as R from '../report-shape.js';
import { exitText } from './child.js';

const periodText = ({ from, to }) => (from === to ? formatMonth(from) : `${formatMonth(from)} – ${formatMonth(to)}`);
export const heading = (data) => `${periodText(data.form)} · ${data.areaName || t('area_all')}`;
const cell = (tag, text, attrs = {}) => h(tag, attrs, text);

/** A table scrolling sideways on a phone, named by its caption (for screen readers alone when `quiet`; else
 * by a heading above the scrolling box, as a caption inside it was cut off at the box's edge). */
function table(id, caption, head, rows, foot = null, quiet = true) {
  const wrap = h('div', { class: 'table-wrap', role: 'region', tabindex: '0', 'aria-labelledby': `${id}-cap` },
    h('table', { class: 'table report', id, 'aria-labelledby': quiet ? null : `${id}-cap` },
      quiet ? h('caption', { id: `${id}-cap`, class: 'sr-only' }, caption) : null,
      h('thead', {}, h('tr', {}, head.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rows), foot ? h('tfoot', {}, foot) : null));
  return quiet ? wrap : [h('h4', { id: `${id}-cap` }, caption), wrap];
}

const SKDN_HEAD = [...R.SKDN_COUNTS, 'D′', 'K/S', 'D/S', 'D/K', 'N/D', 'N/D′', 'N/S'];
function skdnRow(r, name, attrs = {}) {
  return h('tr', attrs, h('th', { scope: 'row' }, name),
    [...R.SKDN_COUNTS, 'D_prime'].map((k) => cell('td', formatNumber(r[k]), { 'data-key': k })),
    R.SKDN_RATIOS.map(([k]) => cell('td', formatPct(r[k]), { 'data-key': k,
      class: k === 'D_S' && r[k] !== null && r[k] < R.D_S_TARGET ? 'below' : null })));
}

/** Why D/K may pass 100 %: children weighed with no KMS recorded (D_no_kms), by area when several. */
export function noKms(rows) {
  const some = rows.filter((r) => r.D_no_kms);
  const where = rows.length > 1 ? ` (${some.map((r) => `${r.area_name ?? r.area}: ${formatNumber(r.D_no_kms)}`).join('; ')})` : '';
  return some.length ? h('p', { class: 'small', id: 'skdn-no-kms' },
    t('skdn_no_kms', { n: formatNumber(some.reduce((n, r) => n + r.D_no_kms, 0)), where })) : null;
}

function skdnPanel(rows, month) {
  const body = rows.map((r) => skdnRow(r, r.area_name ?? r.area, { 'data-area': r.area }));
  const foot = rows.length > 1 ? skdnRow(R.skdnTotal(rows), t('total'), { 'data-area': 'total' }) : null;
  return h('section', { class: 'panel' }, h('h3', {}, `SKDN · ${formatMonth(month)}`),
    rows.length ? table('skdn', `SKDN · ${formatMonth(month)}`, [t('area'), ...SKDN_HEAD], body, foot) : h('p', {}, t('no_data')),
    noKms(rows), h('p', { class: 'muted small' }, t('skdn_legend')));
}

function nutritionPanel(rows, month) {
  const overall = R.prevalenceOverall(rows);
  const total = R.prevalenceTotal(overall);
  const body = R.NUTRITION.map(([key, n, d, p, f]) => h('tr', { 'data-key': key }, h('th', { scope: 'row' }, t(`nut_${key}`)),
    cell('td', formatNumber(total[n])), cell('td', formatNumber(total[d])), cell('td', formatPct(total[p]), { class: 'num-pct' }),
    cell('td', formatNumber(total[f]))));
  const byArea = overall.length > 1 ? table('nutrition-areas', `${t('nut_by_area')} · ${formatMonth(month)}`,
    [t('area'), ...R.NUTRITION.map(([key]) => t(`nut_${key}`))],
    overall.map((r) => h('tr', { 'data-area': r.area }, h('th', { scope: 'row' }, r.area_name ?? r.area),
      R.NUTRITION.map(([key, , , p]) => cell('td', formatPct(r[p]), { 'data-key': key })))), null, false) : null;
  return h('section', { class: 'panel' }, h('h3', {}, `${t('nutrition_title')} · ${formatMonth(month)}`),
    table('nutrition', `${t('nutrition_title')} · ${formatMonth(month)}`,
      [t('col_indicator'), t('col_cases'), t('col_of'), '%', t('col_flagged')], body),
    h('p', { class: 'muted small' }, t('nut_measured', { n: formatNumber(total.measured), f: formatNumber(total.flagged) })), byArea);
}

// a vitamin A round, IDL and Baduta named in the language shown, not the server's (switched since, or saved)
const roundName = (rows) => { const of = Object.fromEntries(rows.map((r) => [r.indicator, r.round]));
  return (r) => (of[r.indicator] ? `${t(r.kind)} ${formatMonth(of[r.indicator])}`
    : r.kind === 'idl' || r.kind === 'baduta' ? t(`cov_${r.kind}`) : r.indicator); };

function coveragePanel(rows, form) {
  const name = roundName(rows);
  // the % beside the name: at 360 px the columns after it are scrolled to, the figure read first is in sight
  const body = R.coverageTotal(rows).map((r) => h('tr', { 'data-indicator': r.indicator }, h('th', { scope: 'row' }, name(r)),
    cell('td', formatPct(r.coverage_pct), { 'data-key': 'coverage_pct' }),
    cell('td', formatNumber(r.covered), { 'data-key': 'covered' }), cell('td', formatNumber(r.target), { 'data-key': 'target' }),
    cell('td', formatNumber(r.given_in_period))));
  return h('section', { class: 'panel' }, h('h3', {}, `${t('coverage_title')} · ${periodText(form)}`),
    body.length ? table('coverage', `${t('coverage_title')} · ${periodText(form)}`,
      [t('col_indicator'), '%', t('col_covered'), t('col_target'), t('col_given')], body) : h('p', {}, t('no_data')),
    h('p', { class: 'muted small' }, t('coverage_note', { period: periodText(form) })));
}

// in action_list.REASONS' order: a child's tags, and the counts (the server's JSON sorts keys)
const REASON_TONE = { T: 'warn', '2T': 'bad', BGM: 'bad', overweight_risk: 'warn', wasting: 'bad', muac_severe: 'bad',
  stunting: 'warn', not_weighed_2_months: 'none', overdue_immunisation: 'info' };
const reasonText = (x) => (x in REASON_TONE ? t(`reason_${x}`) : x); // a newer server's: its code
function actionItem(r, linked) {
  const [phone, tel] = r.guardian_phone ? R.phoneText(r.guardian_phone) : [];
  return h('li', { class: 'row action', 'data-child': r.child_id },
    h('span', { class: 'row-main' }, h('strong', {}, linked ? h('a', { href: `#/child/${r.child_id}` }, r.name) : r.name),
      h('small', {}, `${r.posyandu_name} · ${t('age_m', { m: r.age_months })}${r.mother_name ? ` · ${t('mother_of', { name: r.mother_name })}` : ''}`),
      r.exit_reason ? h('small', { class: 'exit' }, exitText(r)) : null, // listed in her exit's month: not to be called
      r.overdue_immunisations.length ? h('small', {}, t('overdue_list', { list: r.overdue_immunisations.join(', ') })) : null,
      phone ? h('a', { class: 'tel', href: tel }, phone) : null),
    h('span', { class: 'row-tags' }, r.reasons.map((x) => h('span', { class: `tag ${REASON_TONE[x] ?? 'none'}` }, reasonText(x)))));
}

/** The list's size and its reasons ({children, reasons}; none while the server counts them). */
export const countNodes = (counts, form) => (counts ? [h('p', { id: 'actions-count' },
  t('actions_note', { month: formatMonth(form.to), n: formatNumber(counts.children) })),
counts.children ? h('p', { class: 'muted small' }, Object.keys({ ...REASON_TONE, ...counts.reasons }).filter((k) => counts.reasons[k])
  .map((k) => `${reasonText(k)}: ${formatNumber(counts.reasons[k])}`).join(' · ')) : null,
// counted, not named: moved since out of her area (the server's counts say how many)
counts.not_listed ? h('p', { class: 'muted small', id: 'actions-not-listed' }, t('actions_not_listed', { n: formatNumber(counts.not_listed) })) : null] : []);
export const shownText = (data) => t('actions_shown', { n: formatNumber(data.actions.length) });
const online = onlineModule('report-actions');

function actionsPanel(ctx, data, saved) {
  const item = (r) => actionItem(r, ctx.role !== 'dinkes'); // dinkes keeps no children
  const list = h('ul', { class: 'list', id: 'actions' }, data.actions.map(item));
  const more = data.next && !saved ? h('button', { class: 'btn', type: 'button', id: 'actions-more',
    onclick: () => online().then((m) => (m ? m.more(ctx, data, list, more, item) : more.replaceChildren(onlineOnly()))) }, t('load_more')) : null;
  const { to } = data.form; // its T is not the SKDN's: one absent in `to` is listed by last month's
  return h('section', { class: 'panel' }, h('h3', {}, t('actions_title')),
    h('div', { id: 'actions-counts' }, countNodes(R.actionCounts(data), data.form)),
    data.actions.length ? [h('p', { class: 'muted small', id: 'actions-rule' },
      t('actions_rule', { prev: formatMonth(R.addMonths(to, -1)), month: formatMonth(to) })), list,
    data.next ? h('p', { class: 'small', id: 'actions-shown' }, shownText(data)) : null, more] : h('p', {}, t('actions_none')));
}

function trendPanel(data, months) {
  const series = R.trend(data.skdn, data.prevalence, months);
  const said = (p, key) => `${formatMonth(p.month)}: ${formatPct(p[key])}`;
  const chart = (id, key, title, target) => {
    const last = series.filter((p) => p[key] != null).pop();
    return h('figure', { class: 'chart-box' }, h('h4', {}, title),
      drawTrend(series.map((p) => ({ label: formatMonth(p.month, true), value: p[key] })), {
        id, title, target, format: formatPct, desc: series.map((p) => said(p, key)).join('; ') }),
      last || target ? h('figcaption', { class: 'muted small' }, [last && `${t('chart_last', { what: said(last, key) })}. `,
        target && t('target_ds')]) : null);
  };
  const body = series.map((p) => h('tr', { 'data-month': p.month }, h('th', { scope: 'row' }, formatMonth(p.month)),
    cell('td', formatNumber(p.S)), cell('td', formatNumber(p.D)), cell('td', formatPct(p.D_S), { 'data-key': 'D_S' }),
    cell('td', `${formatNumber(p.stunted)} / ${formatNumber(p.tb_u_n)}`), cell('td', formatPct(p.stunting_pct), { 'data-key': 'stunting_pct' })));
  return h('section', { class: 'panel charts', id: 'trend-panel' }, h('h3', {}, t('trend_title')),
    chart('trend-ds', 'D_S', t('chart_ds'), R.D_S_TARGET), chart('trend-stunting', 'stunting_pct', t('chart_stunting'), null),
    table('trend', t('trend_title'), [t('col_month'), 'S', 'D', 'D/S', t('nut_stunting'), '%'], body));
}

const downloads = onlineModule('report-downloads');

/** The downloads (online/report-downloads.js), in `slot` once fetched. */
function downloadsPanel(ctx, data) {
  const slot = h('div', { id: 'downloads-slot' });
  downloads().then((m) => slot.replaceChildren(m ? m.panel(ctx, data) : h('p', { class: 'muted' }, onlineOnly())));
  return slot;
}

/** Draw a report (fresh or saved) into `results`. */
export function show(ctx, state, results, data, { saved = false, before = [] } = {}) {
  const months = R.monthRange(data.form.from, data.form.to);
  const month = months.includes(state.month) ? state.month : data.form.to;
  const pick = months.length > 1 ? h('div', { class: 'field' }, h('label', { for: 'rep-month' }, t('table_month')),
    h('select', { id: 'rep-month', onchange: (e) => {
      state.month = e.target.value;
      show(ctx, state, results, data, { saved, before });
      results.querySelector('#rep-month').focus();
    } }, [...months].reverse().map((m) => h('option', { value: m, selected: m === month }, formatMonth(m))))) : null;
  results.replaceChildren(...[...before, h('h3', { id: 'report-heading' }, heading(data)),
    data.today && data.form.to >= data.today.slice(0, 7) ? h('p', { class: 'notice info', id: 'report-partial' },
      t('report_partial', { month: formatMonth(data.form.to), date: formatDate(data.today) })) : null,
    months.length > 1 ? trendPanel(data, months) : null, pick,
    skdnPanel(R.ofMonth(data.skdn, month), month), nutritionPanel(R.ofMonth(data.prevalence, month), month),
    coveragePanel(data.coverage, data.form), actionsPanel(ctx, data, saved),
    saved ? null : downloadsPanel(ctx, data)].flat().filter(Boolean));
}

export async function showOffline(ctx, state, results) {
  const saved = await ctx.lastReport.get().catch(() => null);
  const notice = h('p', { class: 'notice warn', role: 'alert', id: 'reports-offline' }, t('reports_offline'));
  if (!saved) return results.replaceChildren(notice, h('p', { class: 'muted' }, t('report_none_saved')));
  const when = h('p', { class: 'muted', id: 'report-saved' }, t('report_last', { when: formatDateTime(saved.at) }));
  return show(ctx, state, results, saved, { saved: true, before: [notice, when] });
}

/** The report form and what it asks (online/report-form.js, fetched), else the last report viewed. */
const onlineForm = onlineModule('report-form');
export async function render(ctx) {
  const { live } = ctx; // this drawing's (app.js route)
  const to = R.lastFullMonth(todayIso());
  const state = (ctx.reports ??= { form: { from: R.addMonths(to, -5), to, area: '',
    level: ['dinkes', 'admin'].includes(ctx.role) ? 'puskesmas' : 'posyandu' }, data: null, areas: null });
  const results = h('div', { id: 'report-results' });
  const section = h('section', { class: 'reports' }, h('h2', {}, t('reports_title')));
  const m = ctx.online() ? await onlineForm() : null;
  const drawn = await m?.draw(ctx, state, section, results, live);
  if (drawn) return drawn;
  await showOffline(ctx, state, results);
  section.append(results);
  return section;
}
