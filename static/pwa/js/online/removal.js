// "Hapus data anak" on a child's screen (staff): a child registered by mistake (no such child, or not
// this posyandu's), or whose parent withdrew her consent (docs/privacy.md), deleted with its weighings
// and doses, as a weighing is: queued on the phone (after her records of the child still waiting, which
// reach the server first) and sent by the sync (op delete with its reason, audited; a kader undoes her
// own delete, a midwife's only a midwife). A child registered twice is merged, one who moved or died
// recorded as leaving: said before she chooses. The panel is fetched when she opens it, online
// (screens/child.js draws it), never part of the offline shell; its words are here.
import { t, textsOf } from '../i18n.js';
import { outboxEntries } from '../outbox.js';
import { confirmed, h, radios, showErrors } from '../ui.js';

/** [Bahasa Indonesia, English] */
export const W = {
  help: ['Data anak ini dan semua penimbangan, imunisasi, vitamin A dan obat cacingnya dihapus dari daftar dan laporan. Anak yang pindah atau meninggal jangan dihapus: catat di "Keluar: meninggal / pindah" di atas.',
    'This child\'s record and all her weighings, doses, vitamin A and deworming are removed from the lists and reports. Do not delete a child who moved away or died: record it under "Left: died / moved away" above.'],
  twice_here: ['Anak yang tercatat dua kali digabungkan di "Anak ganda", bukan dihapus.', 'A child registered twice is merged under "Duplicates", not deleted.'],
  twice_ask: ['Anak yang tercatat dua kali jangan dihapus: beri tahu bidan agar digabungkan.', 'Do not delete a child registered twice: tell the midwife, who merges the two.'],
  why: ['Alasan', 'Reason'],
  mistake: ['Terdaftar keliru (anak ini tidak ada, atau bukan anak posyandu ini)', 'Registered by mistake (no such child, or not this posyandu\'s)'],
  consent: ['Orang tua menarik persetujuan (meminta datanya dihapus)', 'The parent withdrew her consent (asked for the data to be deleted)'],
  delete: ['Hapus data anak', 'Delete the child\'s record'],
  sure: ['Ya, hapus data {name}', 'Yes, delete {name}\'s record'],
  done: ['Data {name} dihapus di HP; dikirim ke server saat sinkron.', '{name}\'s record was deleted on this phone; it goes to the server at the sync.'],
  refused: ['Ada data anak ini yang ditolak server dan menunggu di "Perlu perhatian": perbaiki atau buang dulu di Sinkron data, lalu hapus.',
    'A record of this child the server refused waits under "Needs attention": fix or discard it under Sync first, then delete.'],
};

/** A word of this panel, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

const REASONS = ['mistake', 'consent'];

/** Whether a record of `childId` the server refused waits on the phone: sent again after the delete,
 * it would be kept on a deleted child, out of everyone's sight. */
const refusedOf = async (ctx, childId) => (await outboxEntries(ctx.db))
  .some((e) => e.state === 'needs_attention' && (e.id === childId || e.data?.child_id === childId));

/** The form drawn in `box`; a refusal said in `said`. Deleted: home, the sync sending it. */
export async function show(ctx, child, box, said) {
  const form = h('form', { class: 'card', novalidate: true, id: 'removal-form' },
    h('p', { class: 'notice warn' }, tx('help'), ' ', tx(ctx.role === 'kader' ? 'twice_ask' : 'twice_here')),
    radios('removal-reason', tx('why'), REASONS.map((k) => [k, tx(k)]), null, true));
  const remove = async () => {
    said.textContent = '';
    const reason = form.querySelector('input[name=removal-reason]:checked')?.value;
    if (!showErrors(form, reason ? {} : { 'removal-reason': [t('required')] })) return;
    if (await refusedOf(ctx, child.id)) {
      said.textContent = tx('refused');
      said.focus();
      return;
    }
    // the reason in Bahasa Indonesia, whoever reads the history later (as a weighing's delete)
    await ctx.save({ entity: 'child', id: child.id, op: 'delete', reason: W[reason][0] });
    ctx.announce(tx('done', { name: child.name }), 1);
    ctx.sync.sync();
    ctx.go('#/', true);
  };
  form.append(h('p', {}, confirmed(tx('delete'), tx('sure', { name: child.name }), remove)));
  box.replaceChildren(form);
}
