// "Orang tua yang terhubung" on a child's screen (staff): the parent accounts that see the child and
// the codes still open, each cut off with a second tap (a parent linked by mistake, a code given to
// the wrong person). Online only: fetched when she asks for the list (screens/child.js draws the
// panel), never part of the offline shell; its words are here, not in the shell's dictionary.
import { allPages } from '../api.js';
import { formatDateTime, t, textsOf } from '../i18n.js';
import { confirmed, h } from '../ui.js';

/** [Bahasa Indonesia, English] */
export const W = {
  none: ['Belum ada akun orang tua untuk anak ini.', 'No parent account sees this child yet.'],
  since: ['{name} ({username}), sejak {date}', '{name} ({username}), since {date}'],
  // not 'Putuskan' alone, which reads first as 'decide'
  unlink: ['Putuskan tautan', 'Unlink'],
  unlink_confirm: ['Ya, putuskan tautan {name}', 'Yes, unlink {name}'],
  unlinked: ['{name} tidak lagi melihat data anak ini.', '{name} no longer sees this child.'],
  open_code: ['Kode dari {by}, dibuat {made}, berlaku sampai {date}', 'Code from {by}, made {made}, valid until {date}'],
  shown_code: ['Kode {code} (yang tertulis di atas) dari {by}, dibuat {made}, berlaku sampai {date}', 'Code {code} (the one written above) from {by}, made {made}, valid until {date}'],
  revoke: ['Batalkan kode', 'Revoke the code'],
  revoke_confirm: ['Ya, batalkan kode ini', 'Yes, revoke this code'],
  revoked: ['Kode dibatalkan: tidak bisa dipakai lagi.', 'Code revoked: it can no longer be used.'],
  listed: ['{n} orang tua terhubung, {c} kode masih berlaku', '{n} linked {n:parent|parents}, {c} open {c:code|codes}'],
};

/** A word of this panel, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

/** The code made on this screen (child.js's "Undang orang tua", kept in ctx.invites) revoked: no
 * longer written above the list as one to give. */
function forgetShown(ctx, child) {
  ctx.invites?.delete(child.id);
  const shown = document.getElementById('invite');
  if (shown?.dataset.child === child.id) shown.textContent = '';
}

/** The child's parents and open codes drawn in `box`, and said when asked for (the button she pressed
 * keeps the focus: what came below it is said, as the phones' list, online/devices.js); what a tap did
 * is said in `said`, which takes the focus (the list drawn again took the button pressed). The code
 * written above the list (made here) is named by its code, the others by who made them and when. */
export async function show(ctx, child, box, said, asked = true) {
  const base = `/children/${child.id}`;
  const act = (path, done, after = () => {}) => async () => {
    try {
      await ctx.api.request('DELETE', path);
      after();
      said.textContent = done;
    } catch (error) {
      said.textContent = error.kind === 'network' ? t('online_only') : error.message;
    }
    await show(ctx, child, box, said, false);
    said.focus();
  };
  try {
    const [parents, codes] = await Promise.all([allPages(ctx.api, `${base}/parents`), allPages(ctx.api, `${base}/invitations`)]);
    box.replaceChildren(
      parents.length ? h('ul', { class: 'parents' }, parents.map((p) => h('li', {},
        tx('since', { name: p.name, username: p.username, date: formatDateTime(p.linked_at) }), ' ',
        confirmed(tx('unlink'), tx('unlink_confirm', { name: p.name }),
          act(`${base}/parents/${p.user_id}`, tx('unlinked', { name: p.name }))))))
        : h('p', { class: 'muted' }, tx('none')),
      codes.length ? h('ul', { class: 'codes' }, codes.map((c) => {
        const mine = ctx.invites?.get(child.id);
        const shown = c.id === mine?.id;
        return h('li', { 'data-shown': shown ? 'true' : null },
          tx(shown ? 'shown_code' : 'open_code', { code: mine?.code, by: c.created_by_name ?? '–', made: formatDateTime(c.created_at), date: formatDateTime(c.expires_at) }), ' ',
          confirmed(tx('revoke'), tx('revoke_confirm'), act(`${base}/invitations/${c.id}`, tx('revoked'),
            shown ? () => forgetShown(ctx, child) : undefined)));
      }))
        : ''); // replaceChildren writes a null as the text "null"
    if (asked) ctx.announce(tx('listed', { n: parents.length, c: codes.length }));
  } catch (error) {
    box.replaceChildren(h('p', { class: 'notice' }, error.kind === 'network' ? t('online_only') : error.message));
  }
}
