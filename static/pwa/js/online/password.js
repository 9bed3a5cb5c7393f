// "Ganti kata sandi" (Settings, and first of all with a temporary password): a server operation, so
// online only, fetched when shown (screens/sync.js draws its place), never part of the offline shell.
import { t, textsOf } from '../i18n.js';
import { field, h, showErrors } from '../ui.js';
import { saveTokens } from '../auth.js';

/** [Bahasa Indonesia, English] */
export const W = {
  password_current: ['Kata sandi sekarang', 'Current password'],
  password_rule: ['Paling sedikit 8 karakter, tidak mudah ditebak (bukan nama pengguna, nama aplikasi atau 12345678).',
    'At least 8 characters, not easy to guess (not the username, the app\'s name or 12345678).'],
  password_new: ['Kata sandi baru', 'New password'],
  password_again: ['Ulangi kata sandi baru', 'New password again'],
  password_mismatch: ['Kedua kata sandi baru tidak sama.', 'The two new passwords differ.'],
  password_changed: ['Kata sandi sudah diganti. HP lain yang memakai akun ini harus masuk lagi; datanya tetap tersimpan.', 'Password changed. Other phones using this account must log in again; their data is kept.'],
  // a parent's other phone deletes her children's data until she logs in there again (auth.js, README)
  password_changed_parent: ['Kata sandi sudah diganti. HP lain yang memakai akun ini harus masuk lagi; sampai itu, data anak di HP tersebut dihapus.',
    "Password changed. Other phones using this account must log in again; until then, the children's data on them is deleted."],
};
export const tx = textsOf(W);

/** Change one's own password (online): new tokens for this phone, sealed under the PIN; her other
 * phones must log in again. A temporary one changed: home, and the changes waiting are sent. */
export function passwordForm(ctx) {
  const form = h('form', { class: 'card', novalidate: true, id: 'password-form' }, h('h3', {}, t('password_change')),
    field({ label: tx('password_current'), name: 'current_password', type: 'password', autocomplete: 'current-password', required: true }),
    field({ label: tx('password_new'), name: 'new_password', type: 'password', autocomplete: 'new-password', required: true, hint: tx('password_rule') }),
    field({ label: tx('password_again'), name: 'new_password2', type: 'password', autocomplete: 'new-password', required: true }),
    h('p', { role: 'status', id: 'password-note' }),
    h('button', { class: 'btn', type: 'submit' }, t('password_change')));
  const note = form.querySelector('#password-note');
  const say = (tone, text) => { note.className = `notice ${tone}`; note.textContent = text; };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { current_password: current, new_password: next, new_password2: again } = form.elements;
    const errors = {
      ...(current.value ? {} : { current_password: [t('required')] }),
      // counted as the server (NFKC): an accent or an emoji is one
      ...([...next.value.normalize('NFKC')].length < 8 ? { new_password: [tx('password_rule')] }
        : next.value !== again.value ? { new_password2: [tx('password_mismatch')] } : {}),
    };
    note.className = ''; note.textContent = '';
    if (!showErrors(form, errors)) return;
    try {
      const answer = await ctx.api.post('/auth/password', { current_password: current.value, new_password: next.value });
      const temporary = Boolean(ctx.session.user.must_change_password);
      const changed = tx(ctx.role === 'parent' ? 'password_changed_parent' : 'password_changed');
      ctx.session.user = { ...ctx.session.user, must_change_password: false }; // kept with the tokens
      await saveTokens(ctx.session, { access_token: answer.access_token, refresh_token: answer.refresh_token });
      form.reset();
      if (temporary) {
        ctx.announce?.(changed);
        ctx.go('#/');
        ctx.sync?.sync();
        return;
      }
      say('ok', changed);
    } catch (error) {
      if (error.status === 422 && error.body?.errors) showErrors(form, error.body.errors);
      else if (error.kind === 'auth') { // session and refresh refused (a second reset, a long absence):
        // log in again, as the sync screen offers (on "Ganti kata sandi" no other way)
        say('bad', t('sync_login'));
        note.append(' ', h('button', { class: 'btn', type: 'button', onclick: () => ctx.relogin?.() }, t('login')));
      } else say('bad', error.kind === 'network' ? t('online_only') : error.message);
    }
  });
  return form;
}
