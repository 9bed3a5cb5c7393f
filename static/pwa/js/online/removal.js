// "Hapus data anak" on a child's screen (staff): a child registered by mistake (no such child, or not
// this posyandu's), or whose parent withdrew her consent (docs/privacy.md), deleted with its weighings
// and doses (DELETE /api/v1/children/{id}?reason=, audited; a kader undoes her own delete, a midwife's
// only a midwife). A child registered twice is merged under "Anak ganda", one who moved or died is
// recorded as leaving: said before she chooses. Online only: fetched when she opens it
// (screens/child.js draws the panel), never part of the offline shell; its words are here.
import { t, textsOf } from '../i18n.js';
import { confirmed, h, radios, showErrors } from '../ui.js';

/** [Bahasa Indonesia, English] */
export const W = {
  help: ['Data anak ini dan semua penimbangan, imunisasi dan vitaminnya dihapus dari daftar dan laporan. Anak yang tercatat dua kali digabungkan di "Anak ganda", bukan dihapus; anak yang pindah atau meninggal dicatat keluar di atas.',
    'This child\'s record and all her weighings, doses and vitamins are removed from the lists and reports. A child registered twice is merged under "Duplicates", not deleted; one who moved away or died is recorded as leaving, above.'],
  why: ['Alasan', 'Reason'],
  mistake: ['Terdaftar keliru (anak ini tidak ada, atau bukan anak posyandu ini)', 'Registered by mistake (no such child, or not this posyandu\'s)'],
  consent: ['Orang tua menarik persetujuan (meminta datanya dihapus)', 'The parent withdrew her consent (asked for the data to be deleted)'],
  delete: ['Hapus data anak', 'Delete the child\'s record'],
  sure: ['Ya, hapus data {name}', 'Yes, delete {name}\'s record'],
  done: ['Data {name} dihapus.', '{name}\'s record was deleted.'],
  unsent: ['Sebagian data anak ini di HP ini belum terkirim: kirim atau buang dulu di Sinkron data, lalu hapus.',
    'Some of this child\'s records on this phone are not sent yet: send or discard them first under Sync, then delete.'],
};

/** A word of this panel, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

const REASONS = ['mistake', 'consent'];

/** The form drawn in `box`; what became of the delete said in `said`. Deleted: the phone syncs (the
 * child leaves it with her records) and goes home. */
export async function show(ctx, child, box, said) {
  const form = h('form', { class: 'card', novalidate: true, id: 'removal-form' },
    h('p', { class: 'notice warn' }, tx('help')),
    radios('removal-reason', tx('why'), REASONS.map((k) => [k, tx(k)]), null, true));
  const remove = async () => {
    const reason = form.querySelector('input[name=removal-reason]:checked')?.value;
    if (!showErrors(form, reason ? {} : { 'removal-reason': [t('required')] })) return;
    // her records of the child not yet sent first: a weighing arriving after the delete is kept on a deleted child
    await ctx.sync.syncNow();
    const held = await ctx.bundle(child.id);
    if ([held.child, ...held.measurements, ...held.immunisations, ...held.supplements].some((r) => r?._pending)) {
      said.textContent = tx('unsent');
      said.focus();
      return;
    }
    try {
      // the reason in Bahasa Indonesia, whoever reads the history later (as a weighing's delete)
      await ctx.api.request('DELETE', `/children/${child.id}?reason=${encodeURIComponent(W[reason][0])}`);
    } catch (error) {
      said.textContent = error.kind === 'network' ? t('online_only') : error.message;
      said.focus();
      return;
    }
    ctx.announce(tx('done', { name: child.name }), 1);
    await ctx.sync.syncNow();
    ctx.go('#/', true);
  };
  form.append(h('p', {}, confirmed(tx('delete'), tx('sure', { name: child.name }), remove)));
  box.replaceChildren(form);
}
