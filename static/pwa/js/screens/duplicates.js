// The notices of children the server flagged as possibly registered twice: on a child's screen and
// on a bidan's home list, leading to "Kemungkinan anak ganda" (js/online/duplicates.js: comparing,
// merging and keeping apart are server operations, so that screen is online only).
import { t } from '../i18n.js';
import { h } from '../ui.js';
import { isHealthWorker } from '../checks.js';
import { duplicatePairs, partnersOf } from '../duplicates.js';

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
