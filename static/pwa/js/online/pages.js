// A list read from the server a page at a time, "Muat lagi" for the next (online screens: a child's access
// history, her history of changes). Online only, never part of the offline shell.
import { t } from '../i18n.js';
import { h } from '../ui.js';

/** `items` (newest first) with each run of rows of one `keyOf` said once, while `together(row before, row)`
 * holds: a line is its newest row with `n` (how many), `counts` ({kind: n} by `kindOf`), `oldest` (its
 * last row) and `items` (its rows). */
export function runs(items, { keyOf, together, kindOf = () => '' }) {
  const out = [];
  for (const item of items) {
    const [key, line] = [keyOf(item), out.at(-1)];
    if (line?.key === key && together(line.oldest, item)) {
      line.counts[kindOf(item)] = (line.counts[kindOf(item)] ?? 0) + 1;
      line.n += 1;
      line.oldest = item;
      line.items.push(item);
    } else out.push({ ...item, key, oldest: item, n: 1, counts: { [kindOf(item)]: 1 }, items: [item] });
  }
  return out;
}

/** `list` (a <ul>) and its `more` button; `load()` reads the next page: `fetch(cursor)` answers
 * {items, next_cursor} (cursor null: the first), each item drawn by `rowOf` and appended, the focus taken
 * to the first row of a later page (she goes on reading there); then `done(rows so far, first page?)`, or
 * `failed(error, first page?)`. `lines` (`runs` of the rows read): rows said once; the last line is then
 * held back while a next page may go on with it (its rows read again with that page), and pages are read
 * until two lines are whole (one run may fill pages). */
export function pagedList({ fetch, rowOf, done, failed, id = null, moreId = null, lines = null }) {
  const list = h('ul', { class: 'list', id });
  const more = h('button', { class: 'btn', type: 'button', id: moreId, hidden: true }, t('load_more'));
  let cursor = null;
  let held = []; // the rows of the line held back
  const load = async () => {
    const first = cursor === null;
    more.disabled = true;
    try {
      const items = [...held];
      let [page, drawn, at] = [null, [], cursor];
      do {
        page = await fetch(at);
        at = page.next_cursor;
        items.push(...page.items);
        drawn = lines ? lines(items) : items;
      } while (lines && at && drawn.length < 3);
      const last = lines && at ? drawn.pop() : null;
      held = last ? items.slice(items.length - last.n) : [];
      const rows = drawn.map(rowOf);
      list.append(...rows);
      if (!first && rows.length) {
        rows[0].setAttribute('tabindex', '-1');
        rows[0].focus();
      }
      cursor = at;
      more.hidden = !cursor;
      done(list.children.length, first);
    } catch (error) {
      failed(error, first);
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  return { list, more, load };
}
