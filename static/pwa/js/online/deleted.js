// "Data anak terhapus" (bidan, admin): the deleted children of her area, the last deleted first
// (GET /api/v1/children/deleted), each with who deleted her and why, what went with her and what a
// phone sent for her since, and "Kembalikan" (POST /children/{id}/restore, after a second tap): she
// comes back with her weighings and doses, and the phone syncs to receive her. A server operation, so
// online only: fetched when opened, never part of the offline shell; its words are here.
import { formatDate, formatDateTime, refusal, t, textsOf, whoText } from '../i18n.js';
import { choice, confirmed, h } from '../ui.js';
import { pagedList } from './pages.js';

/** [Bahasa Indonesia, English] */
export const W = {
  title: ['Data anak terhapus', 'Deleted children'],
  help: ['Anak yang dihapus keliru dapat dikembalikan bersama penimbangan dan imunisasinya. Anak yang dihapus atas permintaan orang tua jangan dikembalikan. Anak yang tercatat dua kali dan sudah digabungkan tidak ada di sini.',
    'A child deleted by mistake can be brought back with the weighings and doses deleted with the record. Do not bring back a child deleted at the parent\'s request. A child registered twice and merged is not listed here.'],
  none: ['Tidak ada data anak yang terhapus di wilayah Anda.', 'No child of your area is deleted.'],
  failed: ['Daftar gagal dimuat: {why}', 'The list could not be loaded: {why}'],
  born: ['lahir {date}', 'born {date}'],
  deleted: ['Dihapus {date} oleh {who}', 'Deleted on {date} by {who}'],
  deleted_unknown: ['Dihapus {date}', 'Deleted on {date}'],
  reason: ['Alasan: {reason}', 'Reason: {reason}'],
  no_reason: ['Tanpa alasan', 'No reason given'],
  went: ['Ikut terhapus: {what}', 'Deleted with the record: {what}'],
  after: ['Dikirim HP setelah dihapus: {what}. Anak ini mungkin masih datang ke posyandu.',
    'Sent by a phone after the delete: {what}. This child may still come to the posyandu.'],
  measurement: ['{n} penimbangan', '{n} {n:weighing|weighings}'],
  immunisation: ['{n} imunisasi', '{n} {n:dose|doses}'],
  supplement: ['{n} vitamin A/obat cacing', '{n} vitamin A/deworming'],
  restore: ['Kembalikan', 'Bring back'],
  sure: ['Ya, kembalikan data {name}', 'Yes, bring back {name}\'s record'],
  working: ['Mengembalikan…', 'Bringing back…'],
  restored: ['Data {name} dikembalikan.', '{name}\'s record is back.'],
  offline: ['Tidak ada internet: coba lagi nanti.', 'No internet: try again later.'],
  closed: ['Posyandunya sudah ditutup: pilih posyandu tempat anak ini datang sekarang. Ia dipindah ke sana bersama penimbangan dan imunisasinya.',
    'The child\'s posyandu has been closed: choose the posyandu the child comes to now. The child is moved there with the weighings and doses.'],
  restore_at: ['Kembalikan di posyandu', 'Bring back at posyandu'],
  choose: ['Pilih posyandunya dulu.', 'Choose the posyandu first.'],
  gone: ['Anak ini tidak lagi di daftar: sudah dikembalikan, atau tidak lagi di wilayah Anda.', 'This child is no longer listed: brought back already, or no longer in your area.'],
  refused: ['Tidak dapat dikembalikan: {why}', 'Could not be brought back: {why}'],
  sync_later: ['Data ini masuk ke HP saat sinkron berikutnya.', 'It reaches this phone at the next sync.'],
};

/** A word of this screen, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

const PAGE = 30;
const KINDS = ['measurement', 'immunisation', 'supplement'];

/** Why a restore failed, in words. */
function whyFailed(error) {
  if (error.kind === 'network') return tx('offline');
  if (error.status === 404) return tx('gone');
  const listed = Object.values(error.body?.errors ?? {}).flat(Infinity).filter((m) => typeof m === 'string');
  return refusal(error, tx('refused', { why: listed.length ? listed.join(' ') : error.message }));
}

/** "2 penimbangan, 1 imunisasi", or null when none. */
const counted = (byKind) => KINDS.filter((k) => byKind[k]).map((k) => tx(k, { n: byKind[k] })).join(', ') || null;

function row(ctx, item, places, open) {
  const status = h('p', { role: 'status', class: 'muted' });
  // a posyandu closed since: she comes back at the open one chosen (the server moves her there)
  const at = item.posyandu_open ? null : choice({ label: tx('restore_at'), name: `restore-at-${item.id}`,
    options: [['', '–'], ...open.map((p) => [p.id, p.name])] });
  const back = async () => {
    const to = at?.querySelector('select').value;
    if (at && !to) {
      status.className = 'notice bad';
      status.textContent = tx('choose');
      at.querySelector('select').focus();
      return;
    }
    status.className = 'muted';
    status.textContent = tx('working');
    try {
      await ctx.api.post(`/children/${item.id}/restore`, to ? { posyandu_id: to } : {});
    } catch (error) {
      status.className = 'notice bad';
      status.textContent = whyFailed(error);
      return;
    }
    const synced = await ctx.sync.syncNow();
    status.className = 'notice ok';
    status.textContent = `${tx('restored', { name: item.name })}${synced ? '' : ` ${tx('sync_later')}`}`;
    action.replaceChildren(synced ? h('a', { class: 'btn', href: `#/child/${item.id}` }, item.name) : '');
  };
  const action = h('div', {}, item.posyandu_open ? null : h('p', { class: 'notice warn' }, tx('closed')), at,
    h('p', {}, confirmed(tx('restore'), tx('sure', { name: item.name }), back)));
  const [went, after] = [counted(item.removed), counted(item.recorded_after)];
  const date = formatDateTime(item.deleted_at); // the day where she is, not UTC's
  return h('li', { class: 'card deleted-child', 'data-id': item.id },
    h('h3', {}, item.name),
    h('p', { class: 'muted' }, [t(item.sex === 'F' ? 'female' : 'male'), tx('born', { date: formatDate(item.birth_date) }),
      places.get(item.posyandu_id)].filter(Boolean).join(' · ')),
    h('p', {}, item.deleted_by ? tx('deleted', { date, who: whoText(item.deleted_by) }) : tx('deleted_unknown', { date })),
    h('p', {}, item.reason ? tx('reason', { reason: item.reason }) : tx('no_reason')),
    went ? h('p', { class: 'muted' }, tx('went', { what: went })) : null,
    after ? h('p', { class: 'notice warn' }, tx('after', { what: after })) : null,
    action, status);
}

export async function render(ctx) {
  const all = await ctx.posyandus();
  const places = new Map(all.map((p) => [p.id, p.name]));
  const open = all.filter((p) => !p.deleted_at).sort((a, b) => a.name.localeCompare(b.name));
  const status = h('p', { role: 'status', id: 'deleted-status' });
  const { list, more, load } = pagedList({
    id: 'deleted-children', moreId: 'deleted-more',
    fetch: (cursor) => ctx.api.get(`/children/deleted?limit=${PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`),
    rowOf: (item) => row(ctx, item, places, open),
    done: (n) => { status.textContent = n ? '' : tx('none'); },
    failed: (error) => {
      status.textContent = error.kind === 'network' ? t('online_only') : refusal(error, tx('failed', { why: error.message }));
    },
  });
  const section = h('section', { class: 'deleted' }, h('h2', {}, tx('title')), h('p', { class: 'muted' }, tx('help')),
    list, status, more);
  await load();
  return section;
}
