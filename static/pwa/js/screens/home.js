// The posyandu day: who is due, what to bring, the month's SKDN, find or register a child.
import { category, formatDate, formatMonth, formatNumber, formatPct, t } from '../i18n.js';
import { ageText, h, todayIso } from '../ui.js';
import { acuteOf, dueToday, latest, tone, weightStatus } from '../assess.js';
import { areaOf, byVaccine, dueList, exited, group, UNDER_FIVE_MONTHS } from '../due-list.js';
import { completedMonths } from '../due.js';
import { homeNotice } from './duplicates.js';
import { isHealthWorker } from '../checks.js';
import { SKDN_COUNTS } from '../report-shape.js';
import { skdnOf } from '../skdn.js';
import { noKms } from './reports.js';
import { exitText } from './child.js';

/** Made once: the list is re-sorted with each day's rows. */
const byName = new Intl.Collator();
/** More than a screenful of rows (about 10 show). */
const SCREENFUL = 30;
const vialText = (v) => (v.doses_per_vial ? String(v.vials) : '?');

export const UNSENT_DAYS = 3;

/** Unsent records after days without a sync: {n, days}, else null (a lost phone loses them). */
export function unsentWarning(state, counts, now = Date.now()) {
  const n = (counts.waiting ?? 0) + (counts.attention ?? 0) + (counts.conflicts ?? 0);
  // never synced: since the oldest unsent change
  const since = state.last_sync_at ?? state.oldest_unsent_at;
  if (!n || !since) return null;
  const days = Math.floor((now - Date.parse(since)) / 864e5);
  return days >= UNSENT_DAYS ? { n, days } : null;
}

/** What to bring, children due per vaccine and kind (`open`: open groups, '' the panel). */
export function dueListPanel(list, today, open = new Set()) {
  const groups = byVaccine(list);
  const doses = list.vaccines.reduce((n, v) => n + v.doses, 0);
  const unknownVials = list.vaccines.some((v) => !v.doses_per_vial);
  const link = (row) => h('a', { href: `#/child/${row.child_id}` }, row.name);
  const group = (key, title, items) => h('details', { class: 'due-group', 'data-key': key, open: open.has(key),
    ontoggle: (e) => (e.target.open ? open.add(key) : open.delete(key)) },
    h('summary', {}, `${title} · ${t('children_n', { n: items.length })}`),
    h('ul', { class: 'due-names' }, items.map((i) => h('li', {}, link(i.child), ' ', h('small', {},
      i.dose ? `${i.dose.label} · ${t(`st_${i.dose.status}`)}` : t('age_m', { m: i.child.age_months }))))));
  const table = h('table', { class: 'table', id: 'bring' },
    h('caption', {}, t('bring')),
    h('thead', {}, h('tr', {}, [t('col_item'), t('col_doses'), t('col_vials')].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {},
      list.vaccines.map((v) => h('tr', { 'data-vaccine': v.vaccine }, h('th', { scope: 'row' }, v.vaccine),
        h('td', {}, String(v.doses)), h('td', {}, vialText(v)))),
      list.supplements.map((s) => h('tr', { 'data-kind': s.kind }, h('th', { scope: 'row' }, t(s.kind)),
        h('td', {}, String(s.count)), h('td', {}, '')))));
  return h('details', { class: 'panel', id: 'due-list', open: open.has(''), ontoggle: (e) => (e.target.open ? open.add('') : open.delete('')) },
    h('summary', {}, h('h3', { id: 'due-list-h' }, list.date === today ? t('due_list') : t('due_list_on', { date: formatDate(list.date) })),
      h('small', { class: 'muted', id: 'due-list-summary' },
        t('due_list_summary', { n: list.children.length, doses, version: list.schedule_version }))),
    list.children.length ? [table, unknownVials ? h('p', { class: 'muted small' }, t('vials_unknown')) : null,
      [...groups.vaccines].map(([code, items]) => group(code, code, items)),
      [...groups.supplements].map(([kind, items]) => group(kind, t(kind), items))]
      : h('p', { class: 'muted' }, t('due_list_none')));
}

/** A name as searched: case aside, an apostrophe curly or straight ("nur'aini" finds "Nur’aini"). */
export const plain = (name) => name.toLowerCase().replace(/[’‘]/g, "'");

/** The month's SKDN counted on the phone (skdn.js), for the register without a signal. */
export function skdnPanel(row, month, state = {}) {
  return h('details', { class: 'panel', id: 'skdn-here', open: !!state.open, ontoggle: (e) => { state.open = e.target.open; } },
    h('summary', {}, t('skdn_here', { month: formatMonth(month), d: formatNumber(row.D), s: formatNumber(row.S) })),
    h('dl', { class: 'skdn-here' }, [...SKDN_COUNTS, 'D_prime'].map((k) => h('div', { 'data-key': k }, h('dt', {}, k === 'D_prime' ? 'D′' : k),
      h('dd', {}, formatNumber(row[k]))))),
    h('p', { id: 'skdn-here-ratios' }, t('skdn_here_ratios', { ds: formatPct(row.D_S), nd: formatPct(row.N_D) })), noKms([row]),
    h('p', { class: 'muted small' }, t('skdn_legend')),
    h('p', { class: 'muted small' }, t('skdn_here_note')));
}

/** A midwife's posyandu of the day, kept over a reload (Android closing the app); storage refused: not kept. */
const picked = (ctx, id) => {
  const key = `day-posyandu-${ctx.session?.user.id}`;
  try { return id ? localStorage.setItem(key, id) : localStorage.getItem(key); } catch { return null; }
};

/** The day's posyandu's records (reread after a sync). */
async function readDay(ctx) {
  const [children, all] = await Promise.all([ctx.children(), ctx.posyandus()]);
  // a midwife's by name, the day starting at the first
  const posyandus = [...all].sort((a, b) => byName.compare(a.name, b.name));
  // the one she picked before a reload, if still hers; else her first
  ctx.day.posyandu_id ||= picked(ctx);
  if (!posyandus.some((p) => p.id === ctx.day.posyandu_id)) ctx.day.posyandu_id = posyandus[0]?.id ?? ctx.day.posyandu_id;
  const here = (entity) => ctx.records(entity, ctx.day.posyandu_id);
  const [measurements, immunisations, supplements, tables, kbm, schedule] = await Promise.all([
    here('measurement'), here('immunisation'), here('supplement'), ctx.tables(), ctx.kbm(), ctx.schedule()]);
  return { children, posyandus, measurements, immunisations, supplements, tables, kbm, schedule,
    byM: group(measurements), byI: group(immunisations), byS: group(supplements) };
}

export async function render(ctx) {
  let d = await readDay(ctx);
  const { children } = d;
  const { posyandus } = d;
  const named = new Map(posyandus.map((p) => [p.id, p.name]));
  const duplicates = homeNotice(ctx, children);
  const area = (c) => areaOf(c, d.posyandus.find((p) => p.id === ctx.day.posyandu_id));
  // a kader at a closed posyandu: told why, not an empty list
  const closed = ctx.role === 'kader' && ctx.session?.user?.posyandu_closed === true;

  const date = h('input', { type: 'date', id: 'day-date', name: 'date', value: ctx.day.date, max: '9999-12-31' });
  const select = h('select', { id: 'day-posyandu', name: 'posyandu' },
    posyandus.map((p) => h('option', { value: p.id, selected: p.id === ctx.day.posyandu_id }, p.name)));
  // the last name kept, selected: the next one typed replaces it
  const search = h('input', { type: 'search', id: 'search', name: 'q', value: ctx.query ?? '', autocomplete: 'off', onfocus: (e) => e.target.select() });
  const list = h('ul', { class: 'list', id: 'children' });
  const summary = h('p', { class: 'muted', id: 'due-summary' });
  const duePlace = h('div', {});
  const skdnPlace = h('div', {});

  const drawDue = () => {
    duePlace.replaceChildren(dueListPanel(dueList(d.schedule, { children: d.children, immunisations: d.immunisations,
      supplements: d.supplements, posyanduId: ctx.day.posyandu_id, on: ctx.day.date, area }), todayIso(),
    ctx.day.open ??= new Set()));
    const month = ctx.day.date.slice(0, 7);
    skdnPlace.replaceChildren(skdnPanel(skdnOf({ children: d.children, measurements: d.measurements,
      posyanduId: ctx.day.posyandu_id, month, tables: d.tables, kbm: d.kbm }),
      month, ctx.day.skdn ??= {}));
  };
  // built when first shown, again when the day or records change
  let rows = null;
  const dayRows = () => {
    const on = ctx.day.date;
    const here = d.children.filter((c) => c.posyandu_id === ctx.day.posyandu_id && c.birth_date <= on);
    return here.map((c) => ({ child: c, key: plain(c.name),
      // five or older, or left: listed only when searched
      older: completedMonths(c.birth_date, on) >= UNDER_FIVE_MONTHS, gone: exited(c, on) }))
      .sort((a, b) => byName.compare(a.child.name, b.child.name));
  };
  const dosesOf = (row, c = row.child) => (row.doses ??= dueToday({ child: c, immunisations: d.byI.get(c.id) ?? [],
    supplements: d.byS.get(c.id) ?? [], schedule: d.schedule, area: area(c), on: ctx.day.date }).doses.length);
  const shown = (row) => {
    if (row.li) return row.li;
    const c = row.child;
    const ms = d.byM.get(c.id) ?? [];
    const last = latest(c, ms, d.tables);
    const status = weightStatus(last);
    const s = last?.growth?.status ?? {};
    // severe by BB/PB (the reports' wasting, not IMT/U), oedema or LiLA: a length alone's, its month's weighing's
    const acute = acuteOf(last);
    const worse = [(acute.oedema || acute.bb_tb === 'gizi_buruk' || acute.muac_sign === 'gizi_buruk') && 'gizi_buruk',
      s.tb_u === 'sangat_pendek' && 'sangat_pendek', acute.bb_tb === 'obesitas' && 'obesitas'];
    const weighed = ms.some((m) => m.measured_on === ctx.day.date && m.weight_kg != null); // a length alone: still to weigh
    row.li = h('li', {}, h('a', { class: 'row', href: `#/child/${c.id}` },
      h('span', { class: 'row-main' }, h('strong', {}, c.name),
        h('small', {}, `${c.sex === 'M' ? t('male') : t('female')} · ${ageText(t, c.birth_date, ctx.day.date)}`)),
      h('span', { class: 'row-tags' },
        [status, ...worse].map((x) => x && h('span', { class: `tag ${tone(x)}` }, category(x))),
        last?.growth?.warnings.includes('remeasure') ? h('span', { class: 'tag bad' }, t('chart_flagged')) : null,
        weighed ? h('span', { class: 'tag ok' }, t('weighed_today')) : null,
        dosesOf(row) ? h('span', { class: 'tag info' }, t('doses_n', { n: row.doses })) : null,
        c._pending ? h('span', { class: 'tag wait' }, t('not_synced')) : null, c.exit_date ? h('span', { class: 'tag' }, exitText(c)) : null)));
    return row.li;
  };
  let rest = 0; // timer appending rows past the first screenful
  /** `soon`: first screenful now, the rest just after; else all. */
  const draw = ({ soon = false } = {}) => {
    rows ??= dayRows();
    clearTimeout(rest);
    const q = plain((ctx.query ?? '').trim());
    const words = q.split(/\s+/); // each in the name ("ahma fir")
    const mine = q ? rows.filter((r) => words.every((w) => r.key.includes(w))) : rows.filter((r) => !r.older && !r.gone);
    const older = rows.filter((r) => r.older).length;
    const first = soon ? SCREENFUL : mine.length;
    list.replaceChildren(...mine.slice(0, first).map(shown));
    const more = (from) => {
      if (from < mine.length) {
        rest = setTimeout(() => { list.append(...mine.slice(from, from + SCREENFUL).map(shown)); more(from + SCREENFUL); });
      }
    };
    more(first);
    const dueCount = mine.reduce((n, r) => n + dosesOf(r), 0);
    summary.textContent = `${t('children_n', { n: mine.length })} · ${t('due_today_n', { n: dueCount })}${
      !q && older ? ` · ${t('older_hidden', { n: older })}` : ''}`;
    if (!mine.length && !q && !closed) list.replaceChildren(h('li', { class: 'muted' }, t(older ? 'only_older' : ctx.syncState?.partial ? 'children_not_yet' : 'no_children')));
    // a midwife's child of another of her posyandu: found there, not "0 anak"
    const there = mine.length || !q ? [] : d.children.filter((c) => c.posyandu_id !== ctx.day.posyandu_id
      && named.has(c.posyandu_id) && words.every((w) => plain(c.name).includes(w)));
    if (there.length) {
      list.replaceChildren(h('li', { class: 'muted', id: 'found-elsewhere' }, t('found_elsewhere')),
        ...there.sort((a, b) => byName.compare(a.name, b.name)).slice(0, SCREENFUL).map((c) => h('li', {},
          h('a', { class: 'row', href: `#/child/${c.id}` }, h('span', { class: 'row-main' }, h('strong', {}, c.name),
            h('small', {}, named.get(c.posyandu_id)))))));
    }
  };
  date.addEventListener('change', () => { if (date.value) { ctx.day.date = date.value; rows = null; drawDue(); draw(); } });
  select.addEventListener('change', () => { ctx.day.posyandu_id = select.value; picked(ctx, select.value); ctx.route(); });
  // a name typed: the field to the top, its rows under it above the keyboard (the list tall enough to scroll so)
  search.addEventListener('input', () => {
    ctx.query = search.value; draw({ soon: true });
    list.classList.toggle('found', !!search.value);
    if (search.value) search.scrollIntoView({ block: 'start' });
  });
  drawDue();
  draw({ soon: !globalThis.history?.state?.y }); // Back far down: all

  const unsent = unsentWarning(ctx.syncState ?? {}, ctx.lastCounts ?? {});
  const screen = h('section', {},
    h('h2', {}, t('session_day')),
    unsent ? h('p', { class: 'notice warn', id: 'unsent-warning', role: 'status' },
      t('unsent_warning', unsent), ' ', h('a', { href: '#/sync' }, t('sync_now'))) : null,
    duplicates,
    closed ? h('p', { class: 'notice bad', id: 'posyandu-closed', role: 'status' }, t('posyandu_closed')) : null,
    h('div', { class: 'day' },
      h('div', { class: 'field' }, h('label', { for: 'day-date' }, t('date')), date),
      posyandus.length > 1 ? h('div', { class: 'field' }, h('label', { for: 'day-posyandu' }, t('posyandu')), select)
        : h('p', { class: 'muted' }, posyandus[0]?.name ?? '')),
    duePlace,
    skdnPlace,
    closed ? null : h('a', { class: 'btn primary', href: '#/register' }, t('register_child')),
    ctx.role === 'admin' ? h('a', { class: 'btn', href: '#/users', id: 'users-link' }, t('users_nav')) : null,
    isHealthWorker(ctx.role) ? [h('a', { class: 'btn', href: '#/import', id: 'import-link' }, t('import_nav')), ' ',
      h('a', { class: 'btn', href: '#/deleted', id: 'deleted-link' }, t('deleted_nav'))] : null,
    h('div', { class: 'field' }, h('label', { for: 'search' }, t('search')), search),
    summary, list);
  // a sync ending while she types redraws only the lists (app.js)
  screen.redrawLists = async () => {
    const next = await readDay(ctx);
    if (!screen.isConnected) return;
    d = next;
    if (document.activeElement !== date) date.value = ctx.day.date; // app.js turnDay
    rows = null;
    drawDue();
    draw();
  };
  return screen;
}
