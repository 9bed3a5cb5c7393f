// A parent's view: only their own children (the server's pull scope), in plain words.
import { category, formatDate, plain, t } from '../i18n.js';
import { ageText, field, h, showErrors, todayIso } from '../ui.js';
import { dueToday, latest, nextDose, tone } from '../assess.js';
import { cardPanel, chartsPanel } from './child.js';

function plainStatus(child, last) {
  if (!last?.growth?.status) return [h('p', {}, t('no_visits'))];
  const s = last.growth.status;
  const first = child.name.split(' ')[0];
  return [
    s.bb_u ? h('p', { class: `plain ${tone(s.bb_u)}` }, t('plain_wfa', { name: first, what: plain(s.bb_u) })) : null,
    s.tb_u ? h('p', { class: `plain ${tone(s.tb_u)}` }, t('plain_tb', { name: first, what: plain(s.tb_u) })) : null,
    s.bb_tb ? h('p', { class: `plain ${tone(s.bb_tb)}` }, t('plain_bbtb', { what: plain(s.bb_tb) })) : null,
    h('p', { class: 'muted' }, t('plain_last', { date: formatDate(last.m.measured_on) })),
  ];
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
      await ctx.sync.sync(); // the scope changed: the pull answers with a reset and the new child
      return ctx.route();
    } catch (error) {
      return showErrors(form, { code: [error.kind === 'network' ? t('online_only') : error.message] });
    }
  });
  return form;
}

export async function home(ctx) {
  const [children, measurements, tables] = await Promise.all([ctx.children(), ctx.records('measurement'), ctx.tables()]);
  const today = todayIso();
  return h('section', {}, h('h2', {}, t('my_children')),
    children.length ? h('ul', { class: 'list', id: 'children' }, children.map((c) => {
      const last = latest(c, measurements.filter((m) => m.child_id === c.id), tables);
      const s = last?.growth?.status?.bb_u;
      return h('li', {}, h('a', { class: 'row', href: `#/child/${c.id}` },
        h('span', { class: 'row-main' }, h('strong', {}, c.name), h('small', {}, ageText(t, c.birth_date, today))),
        s ? h('span', { class: `tag ${tone(s)}` }, category(s)) : null));
    })) : h('p', { class: 'muted' }, t('parent_none')),
    redeemForm(ctx));
}

export async function child(ctx, childId) {
  const [{ child: c, measurements, immunisations, supplements }, tables, schedule] = await Promise.all([
    ctx.bundle(childId), ctx.tables(), ctx.schedule()]);
  if (!c) return h('p', {}, t('parent_none'));
  const today = todayIso();
  const area = await ctx.area(c);
  const due = dueToday({ child: c, immunisations, supplements, schedule, area, on: today });
  const next = nextDose(due.card);
  return h('section', { class: 'child' },
    h('h2', {}, c.name), h('p', { class: 'muted' }, `${formatDate(c.birth_date)} · ${ageText(t, c.birth_date, today)}`),
    h('section', { class: 'panel', id: 'plain' }, h('h3', {}, t('latest_status')), plainStatus(c, latest(c, measurements, tables))),
    next ? h('p', { class: `notice ${next.status === 'overdue' ? 'warn' : 'ok'}`, id: 'next-dose' },
      t(next.status === 'overdue' ? 'next_dose_late' : 'next_dose', { label: next.label, date: formatDate(next.due_date) })) : null,
    chartsPanel(c, measurements, tables), cardPanel(due.card),
    h('button', { class: 'btn', type: 'button', onclick: () => window.print() }, t('print')));
}
