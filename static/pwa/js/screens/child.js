// One child at the posyandu table: status, what is due, charts, history, card.
import { category, formatCm, formatDate, formatDateTime, formatKg, formatNumber, plain, refusal, t } from '../i18n.js';
import { ageText, formValues, h, onlineModule, onlineOnly, restoreForms, saveDownload, todayIso } from '../ui.js';
import { assess, byDate, byLength, dueToday, growthOf, kmsOf, tone, weightStatus } from '../assess.js';
import { chartData, chartPoints, drawChart } from '../chart.js';
import { completedMonths, label } from '../due.js';
import { childNotice } from './duplicates.js';
import { exitCard } from './forms.js';
import { exited } from '../due-list.js';
import { lateAfterExit } from '../checks.js';

const STATUS_KEYS = ['bb_u', 'tb_u', 'bb_tb', 'imt_u'];
const CHART_STATUS = { wfa: 'bb_u', lhfa: 'tb_u', wfl: 'bb_tb', wfh: 'bb_tb' };
/** Under 2 years, length indices are PB/U and BB/PB (assess.byLength). */
const LENGTH_NAMES = { tb_u: 'pb_u', bb_tb: 'bb_pb' };
const statusName = (key, growth) => t(byLength(growth) ? LENGTH_NAMES[key] ?? key : key);
const round = (v, places) => Math.round(v * 10 ** places) / 10 ** places;

/** Her status line of a chart's point (parent.js); advice: her latest status's. */
const PLAIN_LINE = { wfa: () => 'plain_wfa', lhfa: (p) => (p.age_days < 731 ? 'plain_pb' : 'plain_tb'), wfl: () => 'plain_bbpb', wfh: () => 'plain_bbtb' };

/** A chart point as text: '15 Jan 2024: umur 6,0 bulan, 7,5 kg (normal)'; to a parent (`child`), her words. */
function pointText(ind, p, x, y, child) {
  // her parent: in completed months, as the KMS counts them ("umur 3 bulan", not 3,9)
  const at = ind === 'wfa' || ind === 'lhfa' ? t('chart_age', { m: formatNumber(child ? completedMonths(child.birth_date, p.measured_on) : round(x, 1)) })
    : `${formatCm(x)} cm`;
  const status = p._status?.[CHART_STATUS[ind]];
  const unjudged = p.oedema === true && ind !== 'lhfa' ? t('chart_oedema') : p.flags?.[ind] ? t('chart_flagged') : null;
  // a newborn: no weight-for-length band
  const said = p.birth && (ind === 'wfl' || ind === 'wfh') ? null : child ? unjudged ?? (status && t(PLAIN_LINE[ind](p), { name: child.name.split(' ')[0], what: plain(status).split(' — ')[0] }))
    : unjudged ?? (status && category(status));
  const date = formatDate(p.measured_on);
  return t('chart_point', { date: p.birth ? t('chart_born', { date }) : date, x: at, y: ind === 'lhfa' ? `${formatCm(y)} cm` : `${formatKg(round(y, 3))} kg`,
    what: !said ? '' : child ? `. ${said.replace(/\.$/, '')}` : ` (${said})` });
}

export function statusPanel(result) {
  const { growth, weighed } = result;
  // a length alone: the month's weighing's BB/U and N/T, with its date
  const kms = result.kms ?? weighed?.kms;
  const from = weighed?.on ? h('small', {}, ` (${t('weighed_on', { date: formatDate(weighed.on) })})`) : null;
  const items = [];
  if (growth) {
    for (const key of STATUS_KEYS) {
      const cat = key === 'bb_u' ? weightStatus(result) : growth.status?.[key];
      if (!cat) continue;
      items.push(h('li', { class: `status ${tone(cat)}`, 'data-key': key },
        h('span', { class: 'status-name' }, statusName(key, growth), key === 'bb_u' ? from : null),
        h('strong', { class: 'status-value' }, category(cat))));
    }
  }
  for (const [key, sign] of [['muac', result.muac_sign], ['head', result.head_sign]]) {
    if (!sign) continue;
    items.push(h('li', { class: `status ${tone(sign)}`, 'data-key': key },
      h('span', { class: 'status-name' }, t(`${key}_sign`)), h('strong', { class: 'status-value' }, t(`${key}_${sign}`))));
  }
  if (kms?.trend) { // none past the KMS
    const computed = (trend) => (trend === 'N' || trend === 'T' ? t(`trend_${trend}`, { g: formatNumber(kms.gain_g), kbm: formatNumber(kms.kbm_g) }) : t(`trend_${trend}`));
    const text = kms.overridden
      ? t('trend_by_bidan', { trend: kms.trend, reason: kms.override_reason ?? '', computed: computed(kms.trend_computed) })
      : computed(kms.trend);
    items.push(h('li', { class: `status ${growth?.flags?.wfa ? 'none' : kms.trend === 'T' ? 'warn' : kms.trend === 'N' ? 'ok' : 'none'}`, 'data-key': 'trend' },
      h('span', { class: 'status-name' }, t('trend'), from?.cloneNode(true)), h('strong', { class: 'status-value' }, text)));
  }
  const warnings = [];
  // both: a standing infant may also have a value to re-measure
  if (growth?.warnings?.includes('standing_under_9_months')) warnings.push(t('standing_young'));
  if (growth?.warnings?.includes('remeasure')) warnings.push(t('remeasure'));
  if (kms?.bgm) warnings.push(t('bgm'));
  if (kms?.two_t) warnings.push(t('two_t'));
  if (kms?.above_plus_one) warnings.push(t('above_one'));
  const muac = formatCm(result.muac_cm);
  if (result.muac_sign === 'gizi_buruk') warnings.push(t('muac_refer', { cm: muac }));
  if (result.muac_sign === 'gizi_kurang') warnings.push(t('muac_counsel', { cm: muac }));
  if (['mikrosefali', 'makrosefali'].includes(result.head_sign)) warnings.push(t(`head_refer_${result.head_sign}`));
  if (result.severe) warnings.push(t('severe'));
  else if (kms?.referral) warnings.push(t('refer')); // the signs above name their own referral
  return h('div', { class: 'panel', id: 'result' },
    h('ul', { class: 'statuses' }, items),
    // past WHO's tables
    growth?.warnings?.includes('age_over_60_months') ? h('p', { class: 'muted', id: 'over-kms' }, t('over_kms')) : null,
    growth?.warnings?.includes('length_height_out_of_range') ? h('p', { class: 'muted', id: 'lh-out-of-range' }, t('lh_out_of_range')) : null,
    growth && weighed && !weighed.on ? h('p', { class: 'muted', id: 'no-weight' }, t('no_weight')) : null,
    warnings.length ? h('div', { class: 'notice bad', role: 'alert', id: 'warnings' }, warnings.map((w) => h('p', {}, w))) : null);
}

/** "keluar (meninggal 12 Mar 2026)"; plainer to a parent. */
export const exitText = (c) => t(`exit_${c.exit_reason}`, { date: formatDate(c.exit_date) });

/** "Jadwal hari ini", or the day's date. */
export const dueTitle = (on) => (on && on !== todayIso() ? t('due_on', { date: formatDate(on) }) : t('due_today'));

/** What is due on `on`. */
export function duePanel(due, on) {
  const items = [...due.doses.map((d) => `${d.label} (${t(`st_${d.status}`)})`), ...due.supplements.map((s) => t(s.kind))];
  return h('div', { class: 'panel', id: 'due' }, h('h3', {}, dueTitle(on)),
    items.length ? h('ul', { class: 'due-list' }, items.map((i) => h('li', {}, i))) : h('p', { class: 'muted' }, t('nothing_due')));
}

/** A parent's words for a chart's bands (plain), each between its SDs. */
const BAND_WORDS = { wfa: [['kurang', -3, -2], ['normal', -2, 1], ['risiko_lebih', 1, 3]], lhfa: [['pendek', -3, -2], ['normal', -2, 3]],
  wfl: [['gizi_kurang', -3, -2], ['gizi_baik', -2, 1], ['berisiko_gizi_lebih', 1, 2], ['gizi_lebih', 2, 3]] };
BAND_WORDS.wfh = BAND_WORDS.wfl;

/** wfa, lhfa and wfl/wfh charts; `parent`: the bands in her words. */
export function chartsPanel(child, measurements, tables, parent = false) {
  const data = chartData(child, chartPoints(child, measurements, tables), tables);
  const lengths = ['wfl', 'wfh'].filter((k) => data.curves[k]);
  const x = { wfa: t('axis_age'), lhfa: t('axis_age'), wfl: t('axis_length'), wfh: t('axis_length') };
  const y = { wfa: t('axis_weight'), lhfa: t('axis_length'), wfl: t('axis_weight'), wfh: t('axis_weight') };
  return h('section', { class: 'charts', 'aria-label': t('charts') }, h('h3', {}, t('charts')),
    ['wfa', 'lhfa', ...lengths].map((ind) => {
      let last = null;
      const svg = drawChart(data, ind, { title: t(`chart_${ind}`), x: x[ind], y: y[ind], num: formatNumber,
        bands: parent ? BAND_WORDS[ind].map(([c, a, b]) => [plain(c).split(' — ')[0], a, b]) : null,
        outside: (n) => t('chart_outside', { n }), none: t('chart_none'), unjudged: t('chart_unjudged'),
        point: (p, xv, yv) => (last = pointText(ind, p, xv, yv, parent && child)) });
      return h('figure', { class: 'chart-box' }, h('h4', {}, t(`chart_${ind}`)), svg,
        last ? h('figcaption', { class: 'muted small' }, t('chart_last', { what: last })) : null);
    }));
}

export function cardPanel(card) {
  const rows = card?.entries.filter((e) => e.status !== 'not_applicable');
  if (!rows?.length) return null; // none applies (a child past every dose's age): no empty table
  return h('section', { class: 'panel', id: 'card' }, h('h3', {}, t('card')),
    h('table', { class: 'table' }, h('thead', {}, h('tr', { class: 'sr-row' }, [t('vaccine'), 'Status', t('date')]
      .map((c) => h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, c))))), h('tbody', {}, rows.map((e) => h('tr', {},
      h('th', { scope: 'row' }, e.label),
      h('td', { class: `st-${e.status}` }, t(`st_${e.status}`)),
      h('td', {}, formatDate(e.given_on ?? (e.status === 'missed' ? null : e.due_date))))))));
}

/** Every weighing, newest first; `edit`: with its correction link. `parent`: in her words, with the N/T the
 * server judged (as her status lines), none where swollen feet or a likely mistake leave the weight unjudged;
 * folded until she opens it. */
export function historyTable(child, measurements, tables, kbm, edit, parent = false) {
  const rows = [...measurements].sort(byDate).reverse();
  const trendOf = (m) => (m.weight_kg == null ? null : !parent ? kmsOf(child, m, measurements, tables, kbm).trend
    : m.oedema === true || growthOf(child, m, tables)?.flags?.wfa ? null : ['N', 'T'].includes(m.trend) ? t(`parent_${m.trend}`) : null);
  // a day weighed twice (two phones offline): she deletes the wrong one
  const n = {};
  for (const m of rows) if (m.weight_kg != null) n[m.measured_on] = (n[m.measured_on] ?? 0) + 1;
  // her parent: folded, under her child's charts (two years are two dozen rows)
  return h(parent ? 'details' : 'section', { class: 'panel', id: 'history' }, parent ? h('summary', {}, h('h3', {}, t('history'))) : h('h3', {}, t('history')),
    edit ? Object.keys(n).filter((d) => n[d] > 1).map((d) => h('p', { class: 'notice', 'data-day': d },
      t('weighed_twice', { n: n[d], date: formatDate(d) }))) : null,
    !rows.length ? h('p', { class: 'muted' }, t('no_weighings')) : h('table', { class: 'table' },
      h('thead', {}, h('tr', {}, [t('date'), 'kg', 'cm', t(parent ? 'parent_col_wfa' : 'col_bb_u'), 'N/T'].map((c) => h('th', { scope: 'col' }, c)),
        edit ? h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('edit'))) : null)),
      h('tbody', {}, rows.map((m) => {
        const g = growthOf(child, m, tables);
        return h('tr', { 'data-id': m.id }, h('td', {}, formatDate(m.measured_on).replace(' ', '\u00a0'), m._pending ? h('span', { class: 'tag wait', title: t('not_synced'), 'aria-label': t('not_synced'), role: 'img' }, '•') : null),
          h('td', {}, formatKg(m.weight_kg)), h('td', {}, formatCm(m.length_height_cm)),
          h('td', { class: tone(g?.status?.bb_u) }, g?.status?.bb_u ? (parent ? plain(g.status.bb_u).split(' — ')[0] : category(g.status.bb_u)) : '–'),
          h('td', {}, trendOf(m) ?? '–'),
          edit ? h('td', {}, h('a', { href: `#/visit/${child.id}/${m.id}`, 'aria-label': `${t('edit')} ${formatDate(m.measured_on)}` }, t('edit'))) : null);
      }))));
}

/** A dose's name on the card: "DPT-HB-Hib 2". */
export const doseLabel = (schedule, entity, rec) => (entity === 'immunisation'
  ? (schedule ? label(schedule, rec.vaccine, rec.dose) : `${rec.vaccine} ${rec.dose}`) : t(rec.kind));

function dosesGiven(child, immunisations, supplements, schedule) {
  const rows = [...immunisations.map((r) => ['immunisation', r]), ...supplements.map((r) => ['supplement', r])]
    .sort(([, a], [, b]) => (a.given_on < b.given_on ? 1 : a.given_on > b.given_on ? -1 : 0));
  if (!rows.length) return null;
  // the same dose (or capsule) on one day twice: two phones offline (the server keeps both, flagged)
  const n = {};
  for (const [entity, r] of rows) {
    const k = `${doseLabel(schedule, entity, r)}|${r.given_on}`;
    n[k] = (n[k] ?? 0) + 1;
  }
  return h('section', { class: 'panel', id: 'doses-given' }, h('h3', {}, t('doses_given')),
    Object.keys(n).filter((k) => n[k] > 1).map((k) => h('p', { class: 'notice', 'data-dose': k },
      t('dosed_twice', { n: n[k], what: k.split('|')[0], date: formatDate(k.split('|')[1]) }))),
    h('ul', { class: 'list' }, rows.map(([entity, r]) => {
      const name = doseLabel(schedule, entity, r);
      return h('li', { class: 'row', 'data-id': r.id },
        h('span', { class: 'row-main' }, h('strong', {}, name),
          h('small', {}, formatDate(r.given_on), r.batch_number ? ` · ${t('batch_of', { batch: r.batch_number })}` : null,
            r._pending ? h('span', { class: 'tag wait' }, t('not_synced')) : null)),
        h('a', { class: 'btn', href: `#/dose/${child.id}/${entity}/${r.id}`, 'aria-label': `${t('edit')} ${name}` }, t('edit')));
    })));
}

/** "Unduh data anak (JSON)": GET /children/{id}/export, online. */
export function exportButton(ctx, child, status) {
  return h('button', { class: 'btn', type: 'button', id: 'export-child', onclick: async () => {
    status.textContent = '';
    try {
      status.textContent = t('downloaded', { name: await saveDownload(ctx.api, `/children/${child.id}/export`) });
    } catch (error) {
      status.textContent = error.kind === 'network' ? t('online_only') : refusal(error, t('download_failed', { why: error.message }));
    }
  } }, t('export_child'));
}

/** A staff panel of js/online/`name`.js (parents, changes, removal), drawn on a tap, online. */
const panels = {};
function onlinePanel(ctx, child, name) {
  const box = h('div', { id: name });
  const said = h('p', { id: `${name}-status`, role: 'status', tabindex: '-1' });
  let shown = false; // drawn, not just "Perlu internet."
  const load = async () => {
    box.replaceChildren(h('p', { class: 'muted' }, t('access_loading')));
    const list = await (panels[name] ??= onlineModule(name))();
    shown = Boolean(list);
    if (list) await list.show(ctx, child, box, said);
    else box.replaceChildren(h('p', { class: 'notice' }, onlineOnly()));
  };
  const panel = h('section', { class: 'panel', id: `${name}-panel` }, h('h3', {}, t(name)),
    h('button', { class: 'btn', type: 'button', id: `show-${name}`, onclick: load }, t(`show_${name}`)), box, said);
  panel.open = () => shown;
  panel.load = load;
  panel.refresh = () => (box.childElementCount ? load() : null);
  return panel;
}

/** A parent's invitation code until it expires (shown again after redraws). */
const inviteText = (inv) => (inv && Date.parse(inv.expires_at) > Date.now()
  ? t('invite_code', { code: inv.code, date: formatDateTime(inv.expires_at) }) : '');

/** No such child on the phone; `kept`: the one she was merged into. */
export const childGone = (kept) => h('p', { class: 'notice', id: 'child-gone' }, ...(kept
  ? [t('child_merged'), ' ', h('a', { href: `#/child/${kept.id}` }, kept.name), '.']
  : [t('child_gone'), ' ', h('a', { href: '#/' }, t('back'))]));

export async function render(ctx, childId) {
  const [{ child, kept, measurements, immunisations, supplements }, tables, kbm, schedule, duplicate] = await Promise.all([
    ctx.bundle(childId), ctx.tables(), ctx.kbm(), ctx.schedule(), childNotice(ctx, childId)]);
  if (!child) return childGone(kept);
  const [area, posyandu] = await Promise.all([ctx.area(child), ctx.posyandus().then((ps) => ps.find((p) => p.id === child.posyandu_id))]);
  const sorted = [...measurements].sort(byDate);
  const last = sorted[sorted.length - 1];
  const invite = h('p', { id: 'invite', 'aria-live': 'polite', 'data-child': child.id }, inviteText(ctx.invites?.get(child.id)));
  const say = (text) => { // in sight: a code drawn below the screen was made again
    const shown = document.getElementById('invite'), p = shown?.dataset.child === child.id ? shown : invite;
    p.textContent = text;
    p.scrollIntoView({ block: 'nearest' });
  };
  const exported = h('p', { id: 'export-status', role: 'status' });
  // never sent (no creation instant from the server): no one linked, no history, nothing to download;
  // a child the server holds keeps them while a change of hers waits (an exit recorded offline)
  const unsent = !child.created_at;
  const parents = unsent ? null : onlinePanel(ctx, child, 'parents');
  const head = h('div', { class: 'child-head' },
    h('h2', {}, child.name),
    h('p', { class: 'muted' }, `${child.sex === 'M' ? t('male') : t('female')} · ${formatDate(child.birth_date)} · ${ageText(t, child.birth_date, ctx.day.date)}`,
      child._pending ? h('span', { class: 'tag wait' }, t('not_synced')) : null),
    // a midwife's children are of several posyandu
    posyandu ? h('p', { class: 'muted', id: 'child-posyandu' }, /posyandu/i.test(posyandu.name) ? posyandu.name : `${t('posyandu')} ${posyandu.name}`) : null,
    child._gone ? h('p', { class: 'notice bad' }, t(child._gone === 'out_of_scope' ? 'moved_out_of_area' : 'deleted_on_server')) : null,
    duplicate);
  // moved away or deleted, kept for her changes that wait: her other records went, so no status, dose or form
  if (child._gone) return h('section', { class: 'child' }, head, h('a', { class: 'btn primary', href: '#/sync' }, t('sync_title')));
  const gone = exited(child, ctx.day.date);
  const late = lateAfterExit(child, ctx.day.date); // records made before her exit, entered after it
  const actions = h('div', { class: 'actions' },
    h('a', { class: late ? 'btn' : 'btn primary', href: `#/visit/${child.id}` }, t(late ? 'visit_before_exit' : 'visit')),
    h('a', { class: 'btn', href: `#/doses/${child.id}` }, t(late ? 'doses_before_exit' : 'record_doses')),
    h('a', { class: 'btn', href: `#/card/${child.id}` }, t('card_copy')),
    h('a', { class: 'btn', href: `#/edit/${child.id}` }, t('edit_child')),
    h('button', { class: 'btn', type: 'button', onclick: async () => {
      try {
        const inv = await ctx.api.post(`/children/${child.id}/invitations`);
        ctx.invites?.set(child.id, inv);
        say(inviteText(inv));
        parents?.refresh();
      } catch (error) {
        say(error.kind === 'network' ? t('online_only') : error.message);
      }
    } }, t('invite')),
    unsent ? null : exportButton(ctx, child, exported), // for a parent without the app
    h('button', { class: 'btn', type: 'button', onclick: () => window.print() }, t('print')));
  const result = last ? assess({ child, m: last, history: measurements, immunisations, supplements, tables, kbm, schedule, area,
    on: ctx.day.date }) : null;
  const due = dueToday({ child, immunisations, supplements, schedule, area, on: ctx.day.date });
  const online = ctx.canWrite() && !unsent ? [onlinePanel(ctx, child, 'changes'), onlinePanel(ctx, child, 'removal')] : [];
  const screen = h('section', { class: 'child' }, head, actions, invite, exported,
    ctx.canWrite() ? exitCard(ctx, child, [...measurements.map((m) => m.measured_on), ...[...immunisations, ...supplements].map((r) => r.given_on)].sort().pop()) : null,
    h('section', { class: 'panel' }, h('h3', {}, t('latest_status')),
      last ? [h('p', { class: 'muted' }, formatDate(last.measured_on)), statusPanel(result)] : h('p', { class: 'muted' }, t('no_visits'))),
    gone ? null : duePanel(due, ctx.day.date), chartsPanel(child, measurements, tables), historyTable(child, measurements, tables, kbm, ctx.canWrite()),
    cardPanel(due.card), ctx.canWrite() ? dosesGiven(child, immunisations, supplements, schedule) : null, parents, online);
  // drawn again after a sync (app.js route): the panels she opened open again, what she chose in them back
  const opened = [parents, ...online].filter(Boolean);
  screen.keep = () => ({ open: opened.filter((p) => p.open()).map((p) => p.id), values: formValues(screen) });
  screen.restore = async ({ open, values }) => {
    await Promise.all(opened.filter((p) => open.includes(p.id)).map((p) => p.load()));
    restoreForms(screen, values);
  };
  return screen;
}
