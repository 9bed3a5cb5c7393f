// A parent's home list (screens/parent.js): a child her phone showed and no longer holds (unlinked by
// the kader, deleted) is named in a notice until she taps "Mengerti", not dropped without a word; a
// duplicate merged into another child she sees is not (she still sees the child, under the record kept).
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './fakedom.mjs';
import { memDb } from './memdb.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };

const { child: childScreen, home } = await import('../../static/pwa/js/screens/parent.js');
const { forParent, setLang } = await import('../../static/pwa/js/i18n.js');
const { newRow, putMeta } = await import('../../static/pwa/js/outbox.js');

const kid = (id, name) => ({ id, name, sex: 'F', birth_date: '2024-05-01', posyandu_id: 'p1' });
const tick = () => new Promise((r) => setTimeout(r, 5));

test('a child gone from her phone is named on her home list until she has read it; one merged into another is not', async () => {
  setLang('id');
  const db = memDb();
  const [ani, budi, citra, citraKept] = [kid('a', 'Ani Lestari'), { ...kid('b', 'Budi Santoso'), sex: 'M' }, kid('c', 'Citra'), kid('d', 'Citra Dewi')];
  let children = [ani, budi, citra];
  const ctx = { db, children: async () => children, records: async () => [], tables: async () => ({}), syncState: {} };
  const left = (screen) => screen.querySelector('#children-left');
  assert.equal(left(await home(ctx)), null, 'nothing gone yet');

  // Budi unlinked by the kader; Citra merged by the bidan into Citra Dewi (both pulled by her phone)
  await db.tx(['records'], 'readwrite', ({ records }) => records.put({ ...newRow('child', 'd'), server: citraKept }));
  await putMeta(db, { key: 'sync', cursor: 'x', gen: 1, merged: { c: 'd' } });
  children = [ani, citraKept];
  const screen = await home(ctx);
  assert.equal(left(screen).querySelector('p').textContent,
    'Tidak lagi tampil di sini: Budi Santoso. Tidak lagi terhubung dengan akun Anda, atau datanya dihapus. '
    + 'Bila ini anak Anda, minta kode undangan ke kader posyandu atau bidan untuk menghubungkannya lagi.');
  // said again on every drawing until she has read it
  assert.ok(left(await home(ctx)));
  const ok = left(screen).querySelector('button');
  assert.equal(ok.textContent, 'Mengerti');
  ok.listeners.click[0]();
  await tick();
  assert.equal(left(await home(ctx)), null, 'read: said once');

  // two more go at once: both named
  children = [];
  assert.equal(left(await home(ctx)).querySelector('p').textContent.split('. ')[0],
    'Tidak lagi tampil di sini: Ani Lestari, Citra Dewi');
});

test("a duplicate merged into a child new on her phone (her link moved with the merge) is not said to be gone; a twin unlinked is", async () => {
  setLang('id');
  const db = memDb();
  const twins = [kid('t1', 'Nur Aini'), kid('t2', 'Nur Aina')]; // one sex, one birthday
  const bayi = { ...kid('n1', 'Bayi Ny. Wulan'), sex: 'M', birth_date: '2026-03-02' };
  let children = [...twins, bayi];
  const ctx = { db, children: async () => children, records: async () => [], tables: async () => ({}), syncState: {} };
  const said = async () => (await home(ctx)).querySelector('#children-left')?.querySelector('p').textContent.split('. ')[0] ?? null;
  assert.equal(await said(), null);
  // the newborn's duplicate merged into the record named later (the phone started again: no merge pulled, a new child)
  children = [...twins, { ...bayi, id: 'n2', name: 'Rizky Pratama', birth_date: '2026-03-12' }];
  assert.equal(await said(), null, 'the same child, under the record kept');
  // one twin unlinked: the other, long on her phone, is not taken for her
  children = [twins[0], { ...bayi, id: 'n2', name: 'Rizky Pratama', birth_date: '2026-03-12' }];
  assert.equal(await said(), 'Tidak lagi tampil di sini: Nur Aina');
});

test("her child's screen open as a merge comes shows the child she was merged into, not 'tidak lagi terhubung'", async () => {
  // the kader registered her again, the bidan merged the first record into the second: her link moved with
  // it, her phone started again and holds the second only, while the first's screen was open
  setLang('id');
  const db = memDb();
  const bayi = { ...kid('n1', 'Bayi Ny. Wulan'), sex: 'M', birth_date: '2026-03-02' };
  const other = { ...kid('o1', 'Sari'), birth_date: '2025-01-10' };
  let children = [bayi, other];
  const ctx = { db, children: async () => children, records: async () => [], tables: async () => ({}), syncState: {},
    bundle: async (id) => ({ child: children.find((c) => c.id === id) ?? null, measurements: [], immunisations: [], supplements: [] }),
    schedule: async () => null };
  await home(ctx); // the children her phone showed
  const kept = { ...bayi, id: 'n2', name: 'Rizky Pratama', birth_date: '2026-03-12' };
  children = [kept, other];
  forParent(true); // her words (a parent's session)
  try {
    const gone = await childScreen(ctx, 'n1');
    assert.equal(gone.textContent, 'Anak ini terdaftar dua kali di posyandu; datanya sudah digabung menjadi satu: Rizky Pratama.');
    assert.equal(gone.querySelector('a').attributes.href, '#/child/n2');
    // unlinked (no child new on her phone may be her): said as the server's refusal says it
    children = [other];
    assert.match((await childScreen(ctx, 'n1')).textContent, /^Anak ini tidak lagi terhubung dengan akun Anda/);
  } finally {
    forParent(false);
  }
});

test('her children are listed by name, not in the order her phone holds them (by id)', async () => {
  setLang('id');
  const children = [kid('c3', 'Zahra'), kid('a1', 'Citra'), kid('b2', 'ani')];
  const ctx = { db: memDb(), children: async () => children, records: async () => [], tables: async () => ({}), syncState: {} };
  const names = (await home(ctx)).querySelector('#children').querySelectorAll('strong').map((e) => e.textContent);
  assert.deepEqual(names, ['ani', 'Citra', 'Zahra']);
});
