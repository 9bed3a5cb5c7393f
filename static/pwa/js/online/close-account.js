// A parent withdraws her consent (UU 27/2022 PDP) under Settings: with her password and a second tap
// the server closes her account (POST /auth/close-account: unlinked from her children, her name and
// phone erased), then the phone forgets it as a logout does (a parent has nothing unsent). Online
// only: fetched when Settings opens (screens/sync.js), never part of the offline shell.
import { t, textsOf } from '../i18n.js';
import { field, h, showErrors } from '../ui.js';
import * as password from './password.js';

/** [Bahasa Indonesia, English] */
export const W = {
  title: ['Tutup akun saya', 'Close my account'],
  about: ['Menarik persetujuan: akun ini tidak lagi melihat data anak, nama dan nomor HP Anda dihapus. Data anak tetap dicatat posyandu.',
    'Withdraw your consent: this account no longer sees the children\'s data, and your name and phone number are erased. The posyandu keeps the children\'s records.'],
  sure: ['Akun akan ditutup dan tidak bisa dibuka lagi. Tekan sekali lagi untuk menutup.', 'The account will be closed for good. Tap once more to close it.'],
  confirm: ['Ya, tutup akun', 'Yes, close the account'],
};
export const tx = textsOf(W);

/** The form; `logOut` (screens/sync.js) forgets the account on the phone once the server closed it. */
export function form(ctx, logOut) {
  const el = h('form', { class: 'card', novalidate: true, id: 'close-account' }, h('h3', {}, tx('title')),
    h('p', { class: 'muted' }, tx('about')),
    field({ label: password.tx('password_current'), name: 'password', type: 'password', autocomplete: 'current-password', required: true }),
    h('p', { role: 'status', id: 'close-account-note' }),
    h('button', { class: 'btn danger', type: 'submit' }, tx('title')));
  const note = el.querySelector('#close-account-note');
  const button = el.querySelector('button');
  let asked = false;
  el.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { password } = el.elements;
    note.className = ''; note.textContent = '';
    if (!showErrors(el, password.value ? {} : { password: [t('required')] })) return;
    if (!asked) { // the second tap closes it
      asked = true;
      note.className = 'notice warn'; note.textContent = tx('sure');
      button.textContent = tx('confirm');
      return;
    }
    try {
      await ctx.api.post('/auth/close-account', { password: password.value });
    } catch (error) {
      if (error.status === 422 && error.body?.errors) showErrors(el, error.body.errors);
      else { note.className = 'notice bad'; note.textContent = error.kind === 'network' ? t('online_only') : error.message; }
      return;
    }
    // its tokens are refused already; the login screen then says it is closed and the phone's copy gone
    await logOut(ctx, { revokeWaitMs: 0, notice: 'account_closed_forgotten' });
  });
  return el;
}
