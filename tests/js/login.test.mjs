// The PIN screens (screens/login.js) with auth.js over an in-memory IndexedDB (fakeidb.mjs) and a
// small DOM stand-in: what the cadre is told when the phone cannot store or open her data.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fakeIndexedDb } from './fakeidb.mjs';
import { installDom } from './fakedom.mjs';

const { page: main } = installDom();
globalThis.indexedDB = fakeIndexedDb();
const submit = (form) => Promise.all(form.listeners.submit.map((fn) => fn({ preventDefault() {} })));
const alertText = () => main.querySelectorAll('[role=alert]').filter((e) => !e.hidden).map((e) => e.textContent).join(' | ');

const { remember } = await import('../../static/pwa/js/auth.js');
const login = await import('../../static/pwa/js/screens/login.js');
const { t } = await import('../../static/pwa/js/i18n.js');
const user = { id: 'u1', name: 'Bu Ani', role: 'kader' };

test('the right PIN on a phone that cannot open the data says so, not "PIN salah"', async () => {
  await remember(user, { access_token: 'a', refresh_token: 'r' }, '1234');
  const ctx = { startSession: async () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); } };
  await login.show(ctx, main);
  const form = main.querySelector('form');
  form.elements.pin.value = '1234';
  await submit(form);
  assert.doesNotMatch(alertText(), new RegExp(t('pin_wrong')));
  assert.match(alertText(), /QuotaExceededError/);
  // a wrong PIN is still said to be wrong
  form.elements.pin.value = '9999';
  await submit(form);
  assert.match(alertText(), new RegExp(`^${t('pin_wrong')}`));
});

test('each wrong PIN says how many tries are left before the password is needed, and marks the PIN field', async () => {
  const { MAX_PIN_FAILURES } = await import('../../static/pwa/js/auth.js');
  await remember({ ...user, id: 'u6' }, { access_token: 'a', refresh_token: 'r' }, '1234');
  await login.show({ startSession: async () => assert.fail('a wrong PIN opens nothing') }, main);
  const said = [];
  for (const pin of ['1111', '2222']) {
    const form = main.querySelector('form');
    form.elements.pin.value = pin;
    await submit(form);
    said.push(alertText());
    assert.equal(form.elements.pin.attributes['aria-invalid'], 'true');
  }
  // the same words twice are not read again by a screen reader (role=alert): the count changes them
  assert.deepEqual(said, [1, 2].map((n) => `${t('pin_wrong')} ${t('pin_tries_left', { n: MAX_PIN_FAILURES - n })}`));
  assert.match(said[1], /^PIN salah\. Sisa 3 kali coba; sesudah itu masuk dengan kata sandi \(perlu internet\)\.$/);
});

test('a PIN that cannot be stored (full disk) is said, the form stays to try again', async () => {
  const ctx = { startSession: async () => assert.fail('no session without a stored login') };
  main.replaceChildren();
  globalThis.indexedDB.failWrites = 'posyandu-device';
  const answers = [new Response(JSON.stringify({ access_token: 'a', refresh_token: 'r', user: { ...user, id: 'u2' } }), { status: 200 })];
  globalThis.fetch = async () => answers.shift();
  try {
    await login.show(ctx, main, { force: true });
    const form = main.querySelector('form');
    form.elements.username.value = 'ani';
    form.elements.password.value = 'rahasia123';
    await submit(form);
    const pin = main.querySelector('form');
    pin.elements.pin.value = '432198';
    pin.elements.pin2.value = '432198';
    await submit(pin); // nothing thrown into the void
    assert.match(alertText(), /QuotaExceededError/);
    assert.equal(main.querySelector('form'), pin);
  } finally {
    globalThis.indexedDB.failWrites = null;
  }
});

test('a wrong password says what to do when it is forgotten: a parent a new code to sign up again, staff the admin', async () => {
  // it said "Nama pengguna atau kata sandi salah." alone: a mother who forgot hers had no way back in
  main.replaceChildren();
  globalThis.fetch = async () => new Response(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401 }),
    { status: 401, headers: { 'Content-Type': 'application/problem+json' } });
  await login.show({ startSession: async () => assert.fail('no session') }, main, { force: true });
  const form = main.querySelector('form');
  form.elements.username.value = 'ani';
  form.elements.password.value = 'lupa-lupa';
  await submit(form);
  assert.equal(alertText(), 'Nama pengguna atau kata sandi salah. Lupa kata sandi? Orang tua: minta kode baru ke kader atau bidan,'
    + ' lalu daftar lagi. Petugas: tanyakan admin.');
});

test('wrong PINs tried at once (a second tap or tab while the first is checked) are each counted: the lock comes after MAX_PIN_FAILURES', async () => {
  const { unlock, rememberedUsers, MAX_PIN_FAILURES } = await import('../../static/pwa/js/auth.js');
  await remember({ ...user, id: 'u3' }, { access_token: 'a', refresh_token: 'r' }, '1234');
  const tries = Array.from({ length: MAX_PIN_FAILURES }, (_, i) => unlock('u3', `000${i}`).catch((e) => e.message));
  const said = await Promise.all(tries);
  assert.ok(said.every((m) => m === 'wrong_pin' || m === 'locked'), said.join());
  assert.equal((await rememberedUsers()).users.find((u) => u.id === 'u3').locked, true);
  await assert.rejects(unlock('u3', '1234'), /locked/);
});

test('a token refreshed in one tab does not bring back the login that wrong PINs in another tab locked', async () => {
  const { unlock, saveTokens, rememberedUsers, MAX_PIN_FAILURES } = await import('../../static/pwa/js/auth.js');
  const session = await remember({ ...user, id: 'u4' }, { access_token: 'a', refresh_token: 'r' }, '1234'); // tab A, open
  for (let i = 0; i < MAX_PIN_FAILURES; i += 1) await unlock('u4', '0000').catch(() => {}); // tab B: someone guesses
  await saveTokens(session, { access_token: 'a2', refresh_token: 'r' }); // tab A's access token refreshed
  assert.equal((await rememberedUsers()).users.find((u) => u.id === 'u4').locked, true, 'still locked');
  await assert.rejects(unlock('u4', '1234'), /locked/, 'a password login is needed');
  assert.equal(session.tokens.access_token, 'a2', 'the open tab goes on with its token');
});

test('a token refreshed after the user logged out (another tab) does not remember the login again', async () => {
  const { forget, saveTokens, rememberedUsers } = await import('../../static/pwa/js/auth.js');
  const session = await remember({ ...user, id: 'u5' }, { access_token: 'a', refresh_token: 'r' }, '1234');
  await forget('u5');
  await saveTokens(session, { access_token: 'a2', refresh_token: 'r' });
  assert.equal((await rememberedUsers()).users.some((u) => u.id === 'u5'), false);
});

test('a parent with the cadre\'s invitation code registers from the login screen, then sets a PIN', async () => {
  main.replaceChildren();
  const sent = [];
  const answers = [
    new Response(JSON.stringify({ type: 'about:blank', title: 'Data tidak valid', status: 422,
      errors: { code: ['tidak sah, kedaluwarsa, atau sudah dipakai: periksa kodenya, atau minta kode baru ke kader atau bidan'] } }), { status: 422, headers: { 'Content-Type': 'application/problem+json' } }),
    new Response(JSON.stringify({ access_token: 'a', refresh_token: 'r', user: { id: 'p1', name: 'Ibu Rina', role: 'parent' } }), { status: 201 }),
  ];
  globalThis.fetch = async (url, init) => { sent.push([String(url), init.method, JSON.parse(init.body), init.headers]); return answers.shift(); };
  let started = null;
  const ctx = { startSession: async (session) => { started = session; } };
  await login.show(ctx, main, { force: true });
  const open = main.querySelectorAll('button').find((b) => b.textContent === t('register_with_code'));
  assert.ok(open, 'the login screen offers registration with a code');
  await open.listeners.click[0](); // js/online/register.js, fetched
  const form = main.querySelector('#register');
  assert.ok(form, 'the registration form is shown');
  // nothing is sent while a required field is empty or the passwords differ
  await submit(form);
  assert.equal(sent.length, 0);
  Object.assign(form.elements.code, { value: ' abcd-efgh ' });
  Object.assign(form.elements.name, { value: 'Ibu Rina' });
  Object.assign(form.elements.username, { value: 'ibu.rina' });
  Object.assign(form.elements.password, { value: 'kebun-mangga-7' });
  Object.assign(form.elements.password2, { value: 'kebun-mangga-8' });
  await submit(form);
  assert.equal(sent.length, 0);
  form.elements.password2.value = 'kebun-mangga-7';
  await submit(form); // the server refuses the code: said on the code's field
  assert.deepEqual(sent[0].slice(0, 3), ['/api/v1/auth/register', 'POST',
    { code: 'abcd-efgh', name: 'Ibu Rina', username: 'ibu.rina', password: 'kebun-mangga-7', phone: null }]);
  assert.equal(sent[0][3].Authorization, undefined);
  assert.match(form.elements.code.attributes['aria-describedby'] && main.querySelector(`#${form.elements.code.attributes['aria-describedby']}`).textContent, /tidak sah/);
  await submit(form);
  const pin = main.querySelector('form');
  assert.notEqual(pin, form, 'registered: the PIN set-up follows, as after a login');
  pin.elements.pin.value = '246813';
  pin.elements.pin2.value = '246813';
  await submit(pin);
  assert.equal(started?.user?.id, 'p1');
});

test("a closed account's notice is said on its own next screen (the password login), never above another user's PIN screen", async () => {
  // a shared phone: Bu Ani's login is kept; another user closed her account and the page reloaded
  // (app.js: the login screen says the notice a logout left, once)
  await remember({ ...user, id: 'u7', name: 'Bu Ani' }, { access_token: 'a', refresh_token: 'r' }, '1234');
  const said = t('account_closed_forgotten');
  await login.show({ startSession: async () => {} }, main, { notice: said });
  assert.equal(alertText(), said);
  assert.equal(main.querySelector('[name=pin]'), null, 'not above Bu Ani\'s PIN screen');
  assert.ok(main.querySelector('[name=username]'), 'the password login: the closed account\'s next screen');
  // Bu Ani goes to her PIN screen: the notice, not hers, is not carried there
  const remembered = main.querySelectorAll('button').find((b) => b.textContent === t('remembered'));
  await remembered.listeners.click[0]();
  assert.ok(main.querySelector('[name=pin]'));
  assert.equal(alertText(), '');
});

test('the language switched before the session keeps what she typed: the PIN set-up its login, the sign-up its fields, a notice in the new words', async () => {
  // app.js switchLang drew the login anew: the PIN set-up's tokens were lost (log in again, online) and a sign-up's fields emptied
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  globalThis.localStorage ??= { getItem: () => null, setItem: () => {}, removeItem: () => {} };
  const relang = async (code) => { setLang(code); await main.firstChild.relang(); };
  try {
    main.replaceChildren();
    const answers = [new Response(JSON.stringify({ access_token: 'a', refresh_token: 'r', user: { ...user, id: 'u8' } }), { status: 200 })];
    globalThis.fetch = async () => answers.shift();
    let started = null;
    const ctx = { startSession: async (session) => { started = session; } };
    await login.show(ctx, main, { force: true });
    const form = main.querySelector('form');
    Object.assign(form.elements.username, { value: 'ani' });
    Object.assign(form.elements.password, { value: 'rahasia123' });
    await submit(form);
    main.querySelector('form').elements.pin.value = '432198';
    main.querySelector('form').elements.pin2.focus();
    await relang('en');
    const pin = main.querySelector('form');
    assert.equal(pin.querySelector('h2').textContent, 'Choose a PIN');
    assert.equal(pin.elements.pin.value, '432198');
    assert.equal(document.activeElement, pin.elements.pin2, 'her place kept');
    pin.elements.pin2.value = '432198';
    await submit(pin);
    assert.equal(started?.user?.id, 'u8', 'the login kept: no second online login');

    // a sign-up half typed
    await login.show(ctx, main, { force: true });
    await main.querySelectorAll('button').find((b) => b.textContent === t('register_with_code')).listeners.click[0]();
    Object.assign(main.querySelector('#register').elements.code, { value: 'ABCD-EFGH' });
    Object.assign(main.querySelector('#register').elements.name, { value: 'Ibu Rina' });
    await relang('id');
    const signUp = main.querySelector('#register');
    assert.equal(signUp.querySelector('h2').textContent, 'Daftar sebagai orang tua');
    assert.deepEqual([signUp.elements.code.value, signUp.elements.name.value], ['ABCD-EFGH', 'Ibu Rina']);

    // a notice is said again in the new words
    await login.show(ctx, main, { force: true, notice: () => t('pin_locked') });
    await relang('en');
    assert.equal(alertText(), t('pin_locked'));
    assert.match(alertText(), /^Too many wrong PINs/);

    // what she was told stays (a wrong password's advice, a field's message), and the focus where it was
    // (the language button tapped: it went to the first field, the keyboard over it)
    globalThis.fetch = async () => new Response(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401 }),
      { status: 401, headers: { 'Content-Type': 'application/problem+json' } });
    await login.show(ctx, main, { force: true });
    Object.assign(main.querySelector('form').elements.username, { value: 'ani' });
    Object.assign(main.querySelector('form').elements.password, { value: 'salah' });
    await submit(main.querySelector('form'));
    const told = alertText();
    assert.match(told, /^Wrong username or password/);
    const button = document.createElement('button');
    button.focus();
    await relang('id');
    assert.equal(alertText(), told);
    assert.equal(document.activeElement, button);
    main.querySelector('form').elements.password.value = '';
    await submit(main.querySelector('form'));
    await relang('en');
    assert.equal(main.querySelector('form').elements.password.attributes['aria-invalid'], 'true');
    assert.match(main.querySelector('#' + main.querySelector('form').elements.password.attributes['aria-describedby']).textContent, /wajib/);
  } finally {
    setLang('id');
  }
});

test('a wrong password answered after the language was switched is said on the form shown, in its words', async () => {
  // the answer was written into the form the switch replaced: she saw nothing and waited
  const { setLang } = await import('../../static/pwa/js/i18n.js');
  let answer = null;
  globalThis.fetch = () => new Promise((resolve) => { answer = resolve; });
  try {
    await login.show({ startSession: async () => assert.fail('no session') }, main, { force: true });
    const form = main.querySelector('form');
    Object.assign(form.elements.username, { value: 'ani' });
    Object.assign(form.elements.password, { value: 'salah' });
    const sent = submit(form);
    setLang('en');
    await main.firstChild.relang(); // the slow line still answering
    answer(new Response(JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401 }),
      { status: 401, headers: { 'Content-Type': 'application/problem+json' } }));
    await sent;
    assert.notEqual(main.querySelector('form'), form, 'the form was drawn again');
    assert.match(alertText(), /^Wrong username or password/);
  } finally {
    setLang('id');
  }
});

test('a new PIN has six digits and is not one tried first (one digit six times, a run up or down); one of four set before still opens', async () => {
  main.replaceChildren();
  const answers = [new Response(JSON.stringify({ access_token: 'a', refresh_token: 'r', user: { ...user, id: 'u9' } }), { status: 200 })];
  globalThis.fetch = async () => answers.shift();
  let started = null;
  await login.show({ startSession: async (session) => { started = session; } }, main, { force: true });
  const form = main.querySelector('form');
  Object.assign(form.elements.username, { value: 'ani' });
  Object.assign(form.elements.password, { value: 'rahasia123' });
  await submit(form);
  const pin = main.querySelector('form');
  const said = async (value) => {
    Object.assign(pin.elements.pin, { value });
    Object.assign(pin.elements.pin2, { value });
    await submit(pin);
    const id = pin.elements.pin.attributes['aria-describedby'];
    return id ? main.querySelector(`#${id}`)?.textContent ?? '' : '';
  };
  for (const short of ['2468', '24681', '2468135', '24681a']) assert.match(await said(short), /PIN harus 6 angka/, short);
  for (const easy of ['000000', '777777', '123456', '012345', '987654', '654321']) assert.match(await said(easy), /mudah ditebak/, easy);
  assert.equal(started, null, 'no PIN kept');
  await said('246813');
  assert.equal(started?.user?.id, 'u9');
  // a PIN of four digits set by an earlier version still opens the app
  await remember({ ...user, id: 'u10' }, { access_token: 'a', refresh_token: 'r' }, '1234');
  let opened = null;
  await login.show({ startSession: async (session) => { opened = session; } }, main);
  const entry = main.querySelector('form');
  entry.elements.pin.value = '1234';
  await submit(entry);
  assert.equal(opened?.user?.id, 'u10');
});
