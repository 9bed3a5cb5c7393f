// "Kemungkinan anak ganda" (bidan, admin): the children the server flagged as possibly registered
// twice, compared side by side from the phone's records, merged (one record kept, the other's
// weighings and doses moved to it) or marked as different children. Both are server operations
// (online only); a sync then brings their result to the phone.
import { formatDate, formatDateTime, t } from '../i18n.js';
import { h, radios } from '../ui.js';
import { isHealthWorker } from '../checks.js';
import { countByChild, duplicatePairs, partnersOf } from '../duplicates.js';

/** Roles that judge duplicates: the health workers (the server answers anyone else 403). */
export const judges = isHealthWorker;

export const pairsOnPhone = async (ctx) => duplicatePairs(await ctx.children());

/** The notice on a child's screen when the child is in a pair: for a bidan it leads here. */
export async function childNotice(ctx, childId) {
  const others = partnersOf(await pairsOnPhone(ctx), childId);
  if (!others.length) return null;
  const names = others.map((c) => c.name).join(', ');
  return judges(ctx.role)
    ? h('p', { class: 'notice warn', id: 'dup-child' }, t('dup_maybe', { name: names }), ' ',
      h('a', { href: '#/duplicates' }, t('dup_check')))
    : h('p', { class: 'notice warn', id: 'dup-child' }, t('dup_maybe_kader', { name: names }));
}

/** The home screen's notice (bidan, admin) when some pairs wait among `children` (the home list's), else null. */
export function homeNotice(ctx, children) {
  if (!judges(ctx.role)) return null;
  const n = duplicatePairs(children).length;
  return n ? h('p', { class: 'notice warn', id: 'dup-notice' }, h('a', { href: '#/duplicates' }, t('dup_home', { n }))) : null;
}

/** What went wrong, in the user's words: the server's field messages (in the user's language), else its detail. */
export function whyFailed(error) {
  if (error.kind === 'network') return t('dup_offline');
  if (error.status === 403) return t('dup_forbidden');
  if (error.status === 404) return t('dup_gone');
  const listed = Object.values(error.body?.errors ?? {}).flat(Infinity).filter((m) => typeof m === 'string');
  return t('dup_failed', { why: listed.length ? listed.join(' ') : error.message });
}

/** [label, value of a child, whether values that differ are marked (who the child is, not the records)] */
const FIELDS = [
  ['name', (c) => h('a', { href: `#/child/${c.id}` }, c.name), true],
  ['sex', (c) => (c.sex === 'M' ? t('male') : t('female')), true],
  ['birth_date', (c) => formatDate(c.birth_date), true],
  ['mother_name', (c) => c.mother_name || '–', true],
  ['dup_nik', (c) => c.nik || '–', true],
  ['posyandu', (c, info) => info.places.get(c.posyandu_id) ?? '–', true],
  ['dup_registered', (c) => formatDateTime(c.created_at), false],
  ['dup_weighings', (c, info) => String(info.weighings.get(c.id) ?? 0), false],
  ['dup_doses', (c, info) => String(info.doses.get(c.id) ?? 0), false],
];

function compareTable(pair, info) {
  const sides = [pair.first, pair.second];
  return h('table', { class: 'table dup-table' },
    h('caption', { class: 'sr-only' }, t('dup_compare')),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, t('dup_detail'))),
      ['A', 'B'].map((x) => h('th', { scope: 'col' }, t('dup_side', { x }))))),
    h('tbody', {}, FIELDS.map(([key, show, marked]) => {
      const [a, b] = sides.map((c) => show(c, info));
      const text = (v) => (v instanceof Node ? v.textContent : v);
      const differs = marked && text(a) !== text(b); // said in words too: bold type alone reaches no screen reader
      return h('tr', { 'data-key': key, class: differs ? 'differs' : null },
        h('th', { scope: 'row' }, t(key), differs ? [' ', h('small', { class: 'differs-note' }, t('dup_differs'))] : null),
        h('td', {}, a), h('td', {}, b));
    })));
}

/** One pair: the comparison, which record to keep, merge (after a confirmation) or keep apart. */
function pairCard(ctx, pair, info, online) {
  const { first, second } = pair;
  const status = h('p', { class: 'dup-status', role: 'status' });
  const keep = radios(`keep-${first.id}-${second.id}`, t('dup_keep'),
    [[first.id, t('dup_keep_side', { x: 'A', name: first.name })], [second.id, t('dup_keep_side', { x: 'B', name: second.name })]],
    first.id);
  const confirmBox = h('div', { class: 'dup-confirm notice warn', role: 'group', hidden: true });
  const buttons = [];
  const button = (props, text) => {
    const b = h('button', { type: 'button', disabled: !online, ...props }, text);
    buttons.push(b);
    return b;
  };
  const say = (tone, text) => { status.className = `dup-status ${tone ? `notice ${tone}` : 'muted'}`; status.textContent = text; };

  /** Run a server operation, then sync: the list is drawn again with what came of it. */
  const run = async (work, doneText) => {
    buttons.forEach((b) => { b.disabled = true; });
    say(null, t('dup_working'));
    try {
      await work();
    } catch (error) {
      say('bad', whyFailed(error));
      buttons.forEach((b) => { b.disabled = false; });
      // the pair changed elsewhere (gone, or the child to keep merged away: 409): fetch what stands
      if (error.status === 404 || error.status === 409) ctx.sync.sync();
      return;
    }
    const synced = await ctx.sync.syncNow();
    if (location.hash !== '#/duplicates') return;
    ctx.duplicatesDone = synced ? doneText : `${doneText} ${t('dup_sync_later')}`;
    ctx.route();
  };

  /** Asked first: neither is undone in the app (a pair ruled apart is never flagged again). */
  const ask = (from, question, yes, act) => {
    const id = `dup-confirm-${first.id}-${second.id}`;
    confirmBox.replaceChildren(h('p', { id }, question), h('div', { class: 'actions' },
      button({ class: 'btn primary', 'data-action': 'confirm', 'aria-describedby': id, onclick: act }, yes),
      h('button', { class: 'btn', type: 'button', onclick: () => { confirmBox.hidden = true; from.focus(); } }, t('cancel'))));
    confirmBox.hidden = false;
    confirmBox.querySelector('button').focus();
  };
  const merge = button({ class: 'btn primary', 'data-action': 'merge', onclick: () => {
    const keepId = keep.querySelector('input:checked')?.value ?? first.id;
    const [winner, loser, [x, y]] = keepId === second.id ? [second, first, ['B', 'A']] : [first, second, ['A', 'B']];
    ask(merge, t('dup_confirm', { keep: `${x} (${winner.name})`, lose: `${y} (${loser.name})`,
      w: info.weighings.get(loser.id) ?? 0, d: info.doses.get(loser.id) ?? 0 }), t('dup_confirm_yes'), () => run(
      () => ctx.api.post(`/children/${winner.id}/merge`, { duplicate_id: loser.id }), t('dup_merged', { name: winner.name })));
  } }, t('dup_merge'));
  const names = { a: first.name, b: second.name };
  const apart = button({ class: 'btn', 'data-action': 'not-duplicate', onclick: () => ask(apart, t('dup_apart_ask', names),
    t('dup_apart_yes'), () => run(async () => {
      for (const id of pair.flagged) await ctx.api.post(`/children/${id}/not-duplicate`);
    }, t('dup_apart', names))) }, t('dup_not_same'));

  return h('article', { class: 'card dup-pair', 'data-first': first.id, 'data-second': second.id },
    h('h3', {}, first.name === second.name ? first.name : `${first.name} · ${second.name}`),
    compareTable(pair, info), keep, h('div', { class: 'actions' }, merge, apart), confirmBox, status);
}

export async function render(ctx) {
  const [children, posyandus, measurements, immunisations, supplements] = await Promise.all([
    ctx.children(), ctx.posyandus(), ctx.records('measurement'), ctx.records('immunisation'), ctx.records('supplement')]);
  const pairs = duplicatePairs(children);
  const info = { places: new Map(posyandus.map((p) => [p.id, p.name])), weighings: countByChild(measurements),
    doses: countByChild(immunisations, supplements) };
  const online = ctx.online();
  const done = ctx.duplicatesDone;
  ctx.duplicatesDone = null;
  if (done) ctx.announce(done); // drawn with the screen: a status region present from the start is not read out
  return h('section', { class: 'duplicates' }, h('h2', {}, t('dup_title')),
    done ? h('p', { class: 'notice ok', role: 'status', id: 'dup-done' }, done) : null,
    online ? null : h('p', { class: 'notice warn', role: 'alert', id: 'dup-offline' }, t('dup_offline')),
    pairs.length ? [h('p', { class: 'muted' }, t('dup_help')),
      h('div', { id: 'dup-pairs' }, pairs.map((pair) => pairCard(ctx, pair, info, online)))]
      : h('p', { class: 'muted', id: 'dup-none' }, t('dup_none')));
}
