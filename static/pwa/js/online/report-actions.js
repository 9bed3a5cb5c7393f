// The follow-up list of a large area in the reports screen (screens/reports.js): its counts and its
// next pages. The screen reads the list's first page alone (a kabupaten's whole list is tens of
// thousands of children, tens of MB and half a minute); the server counts the whole list
// (/reports/actions/counts) and "Muat lagi" reads the page after, by the cursor of the last.
// Online only (never in the offline shell: it needs the server anyway); what it read is kept in
// the report saved on the phone (ctx.lastReport), so the offline view shows it too.
import { t, textsOf } from '../i18n.js';
import * as Q from './report-query.js';
import { h } from '../ui.js';
import { countNodes, shownText } from '../screens/reports.js';

/** [Bahasa Indonesia, English] */
export const W = {
  counting: ['Menghitung jumlah anak dan alasannya…', 'Counting the children and their reasons…'],
  count_failed: ['Jumlah anak belum dapat dihitung: {why}', 'The children could not be counted: {why}'],
  more_failed: ['Gagal memuat: {why}. Coba lagi', 'Could not load: {why}. Try again'],
};
export const tx = textsOf(W);

/** Why a request failed, in the app's words: no signal, not the browser's "Failed to fetch". */
const why = (error) => (error.kind === 'network' ? t('no_connection') : error.message);
const save = (ctx, data) => ctx.lastReport.put(data).catch(() => {}); // a full disk must not break the report

/** Ask the server for the list's counts and show them in `results` (unless a newer report replaced it). */
export async function count(ctx, data, results, stale) {
  const box = () => (stale() ? null : results.querySelector('#actions-counts'));
  box()?.replaceChildren(h('p', { id: 'actions-count' }, tx('counting')));
  try {
    const counts = await ctx.api.get(`/reports/actions/counts${Q.reportQuery({ ...data.form, level: null })}`);
    if (stale()) return; // another report asked for, or another user on the phone: not saved over theirs
    data.counts = counts;
    save(ctx, data);
    box()?.replaceChildren(...countNodes(data.counts, data.form).filter(Boolean));
  } catch (error) {
    box()?.querySelector('#actions-count')?.replaceChildren(tx('count_failed', { why: why(error) }));
  }
}

/** "Muat lagi": the next page of the list, appended to `list` and to the saved report. */
export async function more(ctx, data, list, button, item) {
  const { session } = ctx;
  button.disabled = true;
  try {
    const page = await ctx.api.get(`/reports/actions${Q.actionsQuery(data.form, data.next)}`);
    if (ctx.session !== session || ctx.reports?.data !== data) return; // as count(): not this report any more
    data.actions.push(...page.items);
    data.next = page.next_cursor;
    const items = page.items.map(item);
    list.append(...items);
    button.textContent = t('load_more');
    const shown = list.parentNode.querySelector('#actions-shown');
    if (data.next) shown.textContent = shownText(data);
    else [button, shown].forEach((x) => x.remove());
    if (items.length) { // the button lost the focus (disabled, or gone): she reads on at the first child it brought
      items[0].setAttribute('tabindex', '-1');
      items[0].focus();
    }
    save(ctx, data);
  } catch (error) {
    button.textContent = tx('more_failed', { why: why(error) });
    button.disabled = false;
    button.focus(); // back on the button (disabled, it lost the focus), which now says why and to try again
    return;
  }
  button.disabled = false;
}
