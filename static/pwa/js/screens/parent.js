// A parent's view: her own children in plain words; their data and who read it (UU 27/2022 PDP), online.
import { formatCm, formatDate, formatDateTime, formatMonth, plain, t } from '../i18n.js';
import { ageText, field, h, onlineModule, onlineOnly, showErrors, todayIso } from '../ui.js';
import { acuteOf, byLength, dueToday, latest, nextDoses, signsOf, tone, weightStatus } from '../assess.js';
import { addMonths, scheduleOn, supplementsDue } from '../due.js';
import { keptFor } from '../incoming.js';
import { getMeta, putMeta } from '../outbox.js';
import { cardPanel, chartsPanel, childGone, exitText, exportButton, historyTable } from './child.js';

const URGENT = ['bad', 'warn', 'ok', 'none'];
// of one tone, thinness (acute: 1) before a low weight or length; normal, after them
const rank = ([tone, , acute]) => URGENT.indexOf(tone) * 2 - (tone !== 'ok' && acute === 1);
/** What her child's latest measurement says, in plain words: [tone, text] a line, the most urgent
 * first (her home list shows that one, the child's screen all of them). */
function plainLines(child, last) {
  const s = last?.growth?.status;
  if (!s) return [];
  const first = child.name.split(' ')[0];
  const lying = byLength(last.growth); // a baby's length (panjang badan), not height
  // head circumference: as the kader's result; LiLA, BB/TB, oedema: a length alone's, its month's weighing's
  const { head_sign: head } = signsOf(last.m, last.growth);
  const acute = acuteOf(last);
  // a length alone: that month's weighing's (weightStatus)
  const wfa = weightStatus(last);
  const on = last.weighed?.on;
  /** A line of that weighing's, its day said before the full stop. */
  const of = (text, day) => (day && day !== last.m.measured_on ? text.replace(/\.?$/, ` (${t('weighed_on', { date: formatDate(day) })}).`) : text);
  // N/T as the server judged it (KBM, a bidan's); none of a weight swollen feet add to or likely mistyped
  const flagged = last.m.weight_kg != null && last.growth?.flags?.wfa === true;
  const trend = last.m.oedema === true || flagged ? null : last.m.weight_kg != null ? last.m.trend : last.weighed?.w?.trend;
  // by its month: the latest weighing may be months old
  const month = ['N', 'T'].includes(trend) ? formatMonth(last.m.weight_kg != null ? last.m.measured_on : on) : '';
  const go = t('plain_go'); // BGM, above +1 SD, 2T: the KMS refers her to the midwife (domain.md)
  return [
    // oedema: no weight status; severely wasted (domain.md)
    acute.oedema && ['bad', of(t('plain_oedema', { name: first }), acute.on), 1],
    flagged && ['warn', t('plain_flagged', { name: first })],
    wfa && [tone(wfa), of(t('plain_wfa', { name: first, what: plain(wfa),
      go: !flagged && ['sangat_kurang', 'risiko_lebih'].includes(wfa) ? go : '' }), on)],
    trend === 'T' && ((last.m.weight_kg != null ? last.m : last.weighed?.w)?.two_t
      ? ['warn', t('plain_2T', { name: first, month, go }), 1] : ['warn', t('plain_T', { name: first, month })]),
    trend === 'N' && ['ok', t('plain_N', { name: first, month })],
    s.tb_u && [tone(s.tb_u), t(lying ? 'plain_pb' : 'plain_tb', { name: first, what: plain(s.tb_u) })],
    acute.bb_tb && [tone(acute.bb_tb), of(t(acute.lying ? 'plain_bbpb' : 'plain_bbtb', { what: plain(acute.bb_tb) }), acute.on), 1],
    acute.muac_sign && [tone(acute.muac_sign), of(t(`plain_muac_${acute.muac_sign}`, { name: first, cm: formatCm(acute.muac_cm) }), acute.muac_on), 1],
    head && [tone(head), t(`plain_head_${head}`, { name: first })],
  ].filter(Boolean).sort((a, b) => rank(a) - rank(b));
}

function plainStatus(child, last) {
  if (!last?.growth?.status) return [h('p', {}, t('no_visits'))];
  const lines = plainLines(child, last);
  // weighed past 60 months: nothing judged, said so (not a screen silent on her weighing)
  if (!lines.length && last.growth.warnings?.includes('age_over_60_months')) lines.push(['none', t('over_kms')]);
  return [...lines.map(([shade, text]) => h('p', { class: `plain ${shade}` }, text)),
    h('p', { class: 'muted' }, t('plain_last', { date: formatDate(last.m.measured_on) }))];
}

function redeemForm(ctx) {
  const form = h('form', { class: 'card', novalidate: true, id: 'redeem' }, h('h3', {}, t('add_child_code')),
    field({ label: t('code'), name: 'code', autocomplete: 'off', autocapitalize: 'characters', required: true }),
    h('button', { class: 'btn', type: 'submit' }, t('add')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = form.elements.code.value.trim();
    if (!code) return showErrors(form, { code: [t('required')] });
    try {
      await ctx.api.post('/auth/redeem', { code });
      await ctx.sync.syncNow(); // the scope changed: the pull answers with a reset and the new child
      return ctx.route();
    } catch (error) {
      // a code refused: the server's word on it, not "Periksa isian yang ditandai"
      return showErrors(form, { code: error.kind === 'network' ? [t('online_only')] : error.body?.errors?.code ?? [error.message] });
    }
  });
  return form;
}

/** Not updated today (offline for days): the day her data is of, not the alarms and late doses of then as now's. */
const asOf = ({ syncState: s }) => (s?.last_sync_at && new Date(s.last_sync_at).toDateString() !== new Date().toDateString()
  ? h('p', { class: 'notice warn', id: 'as-of' }, t('parent_updated', { when: formatDateTime(s.last_sync_at) })) : null);

/** Her children the phone showed and no longer holds (unlinked, deleted): said until she taps "Mengerti".
 * Not one merged into a child she sees: by the merge pulled (keptFor), or a new child that may be her (mayBe). */
async function leftNotice(ctx, children) {
  const shown = (await getMeta(ctx.db, SHOWN))?.children ?? {};
  const now = Object.fromEntries(children.map((c) => [c.id, { name: c.name, sex: c.sex, born: c.birth_date }]));
  const fresh = children.filter((c) => !shown[c.id]);
  const left = {};
  for (const [id, was] of Object.entries(shown)) {
    if (now[id] || await keptFor(ctx.db, id)) continue;
    const same = fresh.findIndex(mayBe(was));
    if (same >= 0) fresh.splice(same, 1); // merged: the child she sees now
    else left[id] = was;
  }
  const keep = { ...left, ...now };
  if (JSON.stringify(keep) !== JSON.stringify(shown)) await putMeta(ctx.db, { key: SHOWN, children: keep });
  const names = Object.values(left).map((c) => c.name);
  if (!names.length) return null;
  const note = h('div', { class: 'notice warn', id: 'children-left' }, h('p', {}, t('parent_left', { names: names.join(', ') })),
    h('button', { class: 'btn', type: 'button', onclick: () => putMeta(ctx.db, { key: SHOWN, children: now }).then(() => {
      const section = note.parentNode;
      note.remove();
      section?.querySelector('#children a, #redeem input')?.focus(); // not lost with the button
    }) }, t('understood')));
  return note;
}
const SHOWN = 'parent_shown';
const BY_NAME = new Intl.Collator();
/** Whether a child new on her phone may be the one it showed (`was`) merged into (leftNotice). */
const mayBe = (was) => (c) => c.sex === was.sex && Math.abs(Date.parse(c.birth_date) - Date.parse(was.born)) <= 366 * 864e5;

/** The child a child of hers gone from her phone was merged into: by the merge pulled (keptFor), else the
 * one child new on her phone that may be her (her link moved with it, her phone started again); else null. */
async function mergedInto(ctx, childId) {
  const kept = await keptFor(ctx.db, childId);
  const shown = kept ? {} : (await getMeta(ctx.db, SHOWN))?.children ?? {};
  const was = shown[childId];
  if (kept || !was) return kept;
  const [only, ...more] = (await ctx.children()).filter((c) => !shown[c.id] && mayBe(was)(c));
  return only && !more.length ? only : null;
}

export async function home(ctx) {
  const [children, measurements, tables] = await Promise.all([ctx.children(), ctx.records('measurement'), ctx.tables()]);
  const today = todayIso();
  return h('section', {}, h('h2', {}, t('my_children')), asOf(ctx), await leftNotice(ctx, children),
    // by name, as every list of the app (the phone holds them by id: a random order, a newly linked child anywhere)
    children.length ? h('ul', { class: 'list', id: 'children' }, [...children].sort((a, b) => BY_NAME.compare(a.name, b.name)).map((c) => {
      const last = latest(c, measurements.filter((m) => m.child_id === c.id), tables);
      const [said] = c.exit_reason === 'died' ? [] : plainLines(c, last); // no advice to take her anywhere
      // measured before last month: said with its day, not as today's
      const on = last?.m.measured_on;
      return h('li', {}, h('a', { class: 'row', href: `#/child/${c.id}` },
        h('span', { class: 'row-main' }, h('strong', {}, c.name), h('small', {}, ageText(t, c.birth_date, today))),
        said ? h('span', { class: `tag ${said[0]}` }, said[1] + (on?.slice(0, 7) < addMonths(today, -1).slice(0, 7) ? ` ${t('plain_last', { date: formatDate(on) })}` : '')) : null));
    })) : h('p', { class: 'muted' }, t(ctx.syncState?.partial ? 'first_sync' : 'parent_none')),
    redeemForm(ctx));
}

export async function child(ctx, childId) {
  const [{ child: c, measurements, immunisations, supplements }, tables, schedule] = await Promise.all([
    ctx.bundle(childId), ctx.tables(), ctx.schedule()]);
  if (!c) return childGone(await mergedInto(ctx, childId));
  const today = todayIso();
  const area = await ctx.area(c);
  const pos = (await ctx.posyandus()).find((p) => p.id === c.posyandu_id);
  // moved away, her doses are still hers to get where she lives now (her parent is told which are late; the
  // posyandu left keeps nothing due her: cards.py); died: none
  const still = c.exit_reason === 'moved_away' ? { ...c, exit_date: null } : c; // her vitamin A rounds too
  const due = dueToday({ child: still, immunisations, supplements, schedule, area, on: today });
  // this month's capsule as her posyandu will judge it on its day, if still to come: turning 5 or 12 months
  // before it, she is sent for none or for the red one (cards.py, the due list)
  const day = meetingIn(today.slice(0, 7), pos);
  const dueNow = day > today ? dueToday({ child: still, immunisations, supplements, schedule, area, on: day }).supplements
    : due.supplements;
  const next = nextDoses(due.card);
  const late = next[0]?.status === 'overdue';
  // late ones, and those due now too (RV 3 has an age limit): named beside them
  const also = late ? nextDoses({ entries: due.card.entries.filter((e) => e.status === 'due') }) : [];
  const from = (list) => list.map((e, i) => (list[i + 1]?.due_date === e.due_date ? e.label // each date once, after its doses
    : t('due_from', { label: e.label, date: formatDate(e.due_date) }))).join(', ');
  return h('section', { class: 'child' },
    h('h2', {}, c.name), asOf(ctx), h('p', { class: 'muted' }, `${formatDate(c.birth_date)} · ${ageText(t, c.birth_date, today)}`),
    // left (died, moved away): not told when the posyandu meets
    c.exit_date ? h('p', { id: 'exit' }, exitText(c)) : pos && h('p', { id: 'posyandu-day' }, t('posyandu_day', { name: pos.name, day: pos.meeting_day })),
    c.exit_reason === 'died' ? null
      : h('section', { class: 'panel', id: 'plain' }, h('h3', {}, t('latest_status')), plainStatus(c, latest(c, measurements, tables))),
    next.length ? h('p', { class: `notice ${late ? 'warn' : 'ok'}`, id: 'next-dose' }, late
      ? t('next_dose_late', { doses: next.map((e) => t('late_dose', { label: e.label, date: formatDate(e.due_date) })).join(', '),
        also: also.length ? t('also_due', { doses: from(also) }) : '' })
      : next[0].status === 'due' ? t('dose_due_now', { doses: from(next) })
        : t('next_dose', { label: next.map((e) => e.label).join(', '), date: formatDate(next[0].due_date) })) : null,
    chartsPanel(c, measurements, tables, true), historyTable(c, measurements, tables, null, false, true), cardPanel(due.card),
    supplementsPanel(c, supplements, dueNow, !dueNow.length && nextRound(still, supplements, schedule, area, pos, today)), myData(ctx, c),
    h('button', { class: 'btn', type: 'button', onclick: () => window.print() }, t('print')));
}

/** Her posyandu's day in `month` (YYYY-MM): its meeting day, the month's last when shorter, as the server's
 * next_meeting_day; the 28th when her posyandu is not known to the phone. */
function meetingIn(month, pos) {
  const last = new Date(Date.UTC(Number(month.slice(0, 4)), Number(month.slice(5, 7)), 0)).getUTCDate();
  return `${month}-${String(Math.min(pos?.meeting_day ?? 28, last)).padStart(2, '0')}`;
}

/** The first round month (this one or of the next twelve) her child is due vitamin A or deworming on her
 * posyandu's day still to come: [month, kinds], else null. */
function nextRound(c, supplements, schedule, area, pos, today) {
  if (!schedule || c.exit_date) return null;
  const given = supplements.map((s) => ({ kind: s.kind, given_on: s.given_on }));
  for (let i = 0; i <= 12; i += 1) {
    const month = addMonths(today, i).slice(0, 7);
    const on = meetingIn(month, pos);
    if (on < today) continue; // this month's day gone by
    const due = supplementsDue(scheduleOn(schedule, on).supplements, c.birth_date, given, on, area);
    if (due.length) return [month, due.map((s) => s.kind)];
  }
  return null;
}

/** Vitamin A and deworming: what this round (February, August) still asks for, else the next round's, and
 * what was given, newest first. */
function supplementsPanel(child, supplements, dueNow, next) {
  const first = child.name.split(' ')[0];
  const given = [...supplements].sort((a, b) => (a.given_on < b.given_on ? 1 : a.given_on > b.given_on ? -1 : 0));
  return h('section', { class: 'panel', id: 'supplements' }, h('h3', {}, t('parent_supplements')),
    dueNow.map((s) => h('p', { class: 'notice warn' }, t('parent_supplement_due', { name: first, what: t(`plain_${s.kind}`) }))),
    next ? h('p', { id: 'supplement-next' }, t('parent_supplement_next', {
      what: next[1].map((k) => t(`plain_${k}`)).join(t('and')), month: formatMonth(next[0]) })) : null,
    given.length ? h('ul', { class: 'list' }, given.map((s) => h('li', {}, `${t(s.kind)} · ${formatDate(s.given_on)}`)))
      : h('p', { class: 'muted' }, t('parent_supplements_none')));
}

/** "Data anak saya": the export and who read it; online only (app.js redraws when that changes). */
function myData(ctx, c) {
  const status = h('p', { role: 'status', id: 'my-data-status' });
  return h('section', { class: 'panel', id: 'my-data' }, h('h3', {}, t('my_data')),
    ctx.online() ? [h('p', { class: 'muted small' }, t('my_data_help')),
      h('div', { class: 'actions' }, exportButton(ctx, c, status),
        h('a', { class: 'btn', href: `#/child/${c.id}/access`, id: 'access-link' }, t('access_log'))), status]
      : h('p', { class: 'notice warn', id: 'my-data-offline' }, t('my_data_offline')));
}

const historyModule = onlineModule('access-log');

/** Who read the child's data, newest first, paged; online only (js/online/access-log.js). */
export async function accessLog(ctx, childId) {
  const { child: c } = await ctx.bundle(childId);
  if (!c) return childGone();
  const back = h('a', { class: 'btn', href: `#/child/${c.id}` }, t('back'));
  const section = h('section', {}, h('h2', {}, t('access_log')), h('p', { class: 'muted' }, c.name));
  const history = ctx.online() ? await historyModule() : null;
  if (!history) {
    section.append(h('p', { class: 'notice warn', id: 'access-offline' }, onlineOnly('my_data_offline')), back);
    return section;
  }
  return history.render(ctx, c, section, back);
}
