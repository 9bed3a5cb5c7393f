// The kader's or midwife's home list (screens/home.js) drawn on the DOM stand-in, for its rows' tags.
const home = await import('../../static/pwa/js/screens/home.js');

/** The tags of the home list of `date` at a posyandu holding `children` with `measurements` (no doses
 * recorded): [className, text] of each, row after row. */
export async function homeTags({ role = 'kader', children, measurements, date, tables, schedule }) {
  const ctx = { role, session: { user: { id: 'u1', role } }, day: { date, posyandu_id: 'p1' },
    children: async () => children, posyandus: async () => [{ id: 'p1', name: 'Posyandu Mawar' }],
    records: async (entity) => (entity === 'measurement' ? measurements : []),
    tables: async () => tables, kbm: async () => undefined, schedule: async () => schedule };
  const screen = await home.render(ctx);
  return [...screen.querySelector('#children').querySelectorAll('.tag')].map((e) => [e.className, e.textContent]);
}
