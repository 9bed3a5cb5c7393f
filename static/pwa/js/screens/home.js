// The posyandu day: choose the date and posyandu, find or register a child.
import { category, t } from '../i18n.js';
import { ageText, h } from '../ui.js';
import { dueToday, latest, tone } from '../assess.js';
import { records } from '../outbox.js';

export async function render(ctx) {
  const [children, posyandus, measurements, immunisations, supplements, tables, schedule] = await Promise.all([
    ctx.children(), ctx.posyandus(), records(ctx.db, 'measurement'), records(ctx.db, 'immunisation'),
    records(ctx.db, 'supplement'), ctx.tables(), ctx.schedule()]);
  if (!ctx.day.posyandu_id && posyandus.length) ctx.day.posyandu_id = posyandus[0].id;
  const group = (list) => list.reduce((m, r) => m.set(r.child_id, [...(m.get(r.child_id) ?? []), r]), new Map());
  const [byM, byI, byS] = [group(measurements), group(immunisations), group(supplements)];
  const area = await ctx.area(ctx.day.posyandu_id);

  const date = h('input', { type: 'date', id: 'day-date', name: 'date', value: ctx.day.date, max: '9999-12-31' });
  const select = h('select', { id: 'day-posyandu', name: 'posyandu' },
    posyandus.map((p) => h('option', { value: p.id, selected: p.id === ctx.day.posyandu_id }, p.name)));
  const search = h('input', { type: 'search', id: 'search', name: 'q', value: ctx.query ?? '', autocomplete: 'off' });
  const list = h('ul', { class: 'list', id: 'children' });
  const summary = h('p', { class: 'muted', id: 'due-summary' });

  const draw = () => {
    const q = (ctx.query ?? '').trim().toLowerCase();
    const mine = children.filter((c) => c.posyandu_id === ctx.day.posyandu_id && c.birth_date <= ctx.day.date)
      .filter((c) => !q || c.name.toLowerCase().includes(q)).sort((a, b) => a.name.localeCompare(b.name));
    let dueCount = 0;
    list.replaceChildren(...mine.map((c) => {
      const ms = byM.get(c.id) ?? [];
      const last = latest(c, ms, tables);
      const due = dueToday({ child: c, immunisations: byI.get(c.id) ?? [], supplements: byS.get(c.id) ?? [], schedule, area, on: ctx.day.date });
      dueCount += due.doses.length;
      const status = last?.growth?.status?.bb_u;
      const weighed = ms.some((m) => m.measured_on === ctx.day.date);
      return h('li', {}, h('a', { class: 'row', href: `#/child/${c.id}` },
        h('span', { class: 'row-main' }, h('strong', {}, c.name),
          h('small', {}, `${c.sex === 'M' ? t('male') : t('female')} · ${ageText(t, c.birth_date, ctx.day.date)}`)),
        h('span', { class: 'row-tags' },
          status ? h('span', { class: `tag ${tone(status)}` }, category(status)) : null,
          weighed ? h('span', { class: 'tag ok' }, t('weighed_today')) : null,
          due.doses.length ? h('span', { class: 'tag info' }, t('doses_n', { n: due.doses.length })) : null,
          c._pending ? h('span', { class: 'tag wait' }, t('not_synced')) : null)));
    }));
    summary.textContent = `${t('children_n', { n: mine.length })} · ${t('due_today_n', { n: dueCount })}`;
    if (!mine.length && !q) list.replaceChildren(h('li', { class: 'muted' }, t('no_children')));
  };
  date.addEventListener('change', () => { if (date.value) { ctx.day.date = date.value; draw(); } });
  select.addEventListener('change', () => { ctx.day.posyandu_id = select.value; ctx.route(); });
  search.addEventListener('input', () => { ctx.query = search.value; draw(); });
  draw();

  return h('section', {},
    h('h2', {}, t('session_day')),
    h('div', { class: 'day' },
      h('div', { class: 'field' }, h('label', { for: 'day-date' }, t('date')), date),
      posyandus.length > 1 ? h('div', { class: 'field' }, h('label', { for: 'day-posyandu' }, t('posyandu')), select)
        : h('p', { class: 'muted' }, posyandus[0]?.name ?? '')),
    h('a', { class: 'btn primary', href: '#/register' }, t('register_child')),
    h('div', { class: 'field' }, h('label', { for: 'search' }, t('search')), search),
    summary, list);
}
