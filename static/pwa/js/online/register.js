// A parent signs up with the cadre's invitation code (POST /auth/register): a server operation, so
// online only, fetched when she opens it from the login screen (screens/login.js), never part of
// the offline shell; its words are here.
import { createApi } from '../api.js';
import { lang, t, textsOf } from '../i18n.js';
import { field, h, showErrors } from '../ui.js';
import * as password from './password.js';

/** [Bahasa Indonesia, English] */
export const W = {
  title: ['Daftar sebagai orang tua', 'Sign up as a parent'],
  help: ['Tulis kode undangan dari kader posyandu atau bidan, lalu buat nama pengguna dan kata sandi Anda sendiri. Setelah itu Anda bisa melihat data anak Anda.',
    "Type the invitation code from the posyandu cadre or the midwife, then choose your own username and password. You can then see your child's records."],
  name: ['Nama Anda', 'Your name'],
  phone: ['No. HP Anda (boleh dikosongkan)', 'Your phone number (optional)'],
  password_again: ['Ulangi kata sandi', 'Password again'],
  password_mismatch: ['Kedua kata sandi tidak sama.', 'The two passwords differ.'],
};
export const tx = textsOf(W);

/** A parent's first visit: the cadre's code, her name, username and password (POST /auth/register, online),
 * then the PIN (`pinSetup(tokens)` draws the login's); the server's refusals on their fields; `back()` draws the login. */
export function registerScreen({ pinSetup, back }) {
  const form = h('form', { class: 'card', novalidate: true, id: 'register' },
    h('h2', {}, tx('title')), h('p', {}, tx('help')),
    field({ label: t('code'), name: 'code', autocomplete: 'off', autocapitalize: 'characters', required: true }),
    field({ label: tx('name'), name: 'name', autocomplete: 'name', required: true }),
    field({ label: tx('phone'), name: 'phone', type: 'tel', autocomplete: 'tel', inputmode: 'tel' }),
    field({ label: t('username'), name: 'username', autocomplete: 'username', required: true, autocapitalize: 'none' }),
    field({ label: t('password'), name: 'password', type: 'password', autocomplete: 'new-password', required: true,
      hint: password.tx('password_rule') }),
    field({ label: tx('password_again'), name: 'password2', type: 'password', autocomplete: 'new-password', required: true }),
    h('p', { class: 'notice bad', role: 'alert', hidden: true }),
    h('button', { class: 'btn primary', type: 'submit' }, t('register')));
  const alert = form.querySelector('[role=alert]');
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const el = form.elements;
    const body = { code: el.code.value.trim(), name: el.name.value.trim(), username: el.username.value.trim(),
      password: el.password.value, phone: el.phone.value.trim() || null };
    const missing = Object.fromEntries(['code', 'name', 'username', 'password'].filter((k) => !body[k]).map((k) => [k, [t('required')]]));
    if (!missing.password && el.password2.value !== body.password) missing.password2 = [tx('password_mismatch')];
    if (!showErrors(form, missing)) return;
    alert.hidden = true;
    try {
      pinSetup(await createApi({ lang }).post('/auth/register', body, { auth: false }));
    } catch (error) {
      if (error.status === 422 && error.body?.errors && !showErrors(form, error.body.errors)) return;
      alert.textContent = error.kind === 'network' ? t('register_offline') : error.message;
      alert.hidden = false;
    }
  });
  return h('div', {}, form, h('button', { class: 'btn link', type: 'button', onclick: back }, t('back')));
}

