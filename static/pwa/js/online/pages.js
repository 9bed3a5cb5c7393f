// A list read from the server a page at a time, "Muat lagi" for the next (online screens: a child's access
// history, her history of changes). Online only, never part of the offline shell.
import { t } from '../i18n.js';
import { h } from '../ui.js';

/** `list` (a <ul>) and its `more` button; `load()` reads the next page: `fetch(cursor)` answers
 * {items, next_cursor} (cursor null: the first), each item drawn by `rowOf` and appended, the focus taken
 * to the first row of a later page (she goes on reading there); then `done(rows so far, first page?)`, or
 * `failed(error, first page?)`. */
export function pagedList({ fetch, rowOf, done, failed, id = null, moreId = null }) {
  const list = h('ul', { class: 'list', id });
  const more = h('button', { class: 'btn', type: 'button', id: moreId, hidden: true }, t('load_more'));
  let cursor = null;
  const load = async () => {
    const first = cursor === null;
    more.disabled = true;
    try {
      const page = await fetch(cursor);
      const rows = page.items.map(rowOf);
      list.append(...rows);
      if (!first && rows.length) {
        rows[0].setAttribute('tabindex', '-1');
        rows[0].focus();
      }
      cursor = page.next_cursor;
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
