// "HP kader" on the midwife's sync screen: each phone of her puskesmas's staff, when it last synced
// and how many changes it still held unsent (GET /sync/devices). A phone unseen for a week while it
// holds records is where records get lost (dropped, wiped, replaced): she asks its kader to sync.
// A lost or stolen phone is signed out here alone ("Keluarkan HP ini": POST /sync/devices/{id}/sign-out).
// Online only: fetched when she taps "Lihat HP kader" (screens/devices.js, in the shell, draws the
// panel), never part of the offline shell; its words are here, not in the shell's dictionary.
import { formatDateTime, t, textsOf } from '../i18n.js';
import { clientId } from '../outbox.js';
import { confirmed, h } from '../ui.js';
import { STALE_DAYS } from '../screens/devices.js';

/** [Bahasa Indonesia, English] */
export const W = {
  none: ['Belum ada HP yang sinkron.', 'No phone has synced yet.'],
  never: ['Belum pernah sinkron (minta mereka membuka aplikasi dan masuk):', 'Never synced yet (ask them to open the app and log in):'],
  listed: ['Daftar {n} HP', 'A list of {n} {n:phone|phones}'],
  seen: ['sinkron terakhir {when}', 'last synced {when}'],
  first: ['sinkron pertama {when}', 'first synced {when}'],
  unsent: ['{n} data belum terkirim', '{n} {n:record|records} not sent'],
  stale: ['lebih dari {n} hari', 'over {n} {n:day|days}'],
  off: ['akun nonaktif', 'account switched off'],
  old_app: ['aplikasi versi lama: buka saat ada sinyal lalu ketuk Muat ulang', 'old app version: open it with signal, then tap Reload'],
  lost: ['HP hilang atau dicuri? Ketuk "Keluarkan HP ini" pada HP itu: begitu ada sinyal, HP itu menghapus datanya (kecuali bila ada data belum terkirim) dan meminta kata sandi lagi; HP lain penggunanya tetap masuk.',
    'A phone lost or stolen? Tap "Sign this phone out" on it: as soon as it has signal, it deletes its data (unless records wait unsent there) and asks for the password again; its user\'s other phones stay signed in.'],
  sign_out: ['Keluarkan HP ini', 'Sign this phone out'],
  sign_out_q: ['Ya, keluarkan HP {name} ini', "Yes, sign {name}'s phone out"],
  signed_out: ['dikeluarkan {when}: kata sandi diminta lagi di HP itu', 'signed out {when}: it asks for the password again'],
  replaced: ['sudah ada HP lebih baru', 'a newer phone is in use'],
  this_phone: ['HP ini', 'this phone'],
  off_unsent: ['Akun ini nonaktif, jadi HP ini tidak dapat mengirim datanya. Minta admin mengaktifkan akun ini sementara; kader masuk lagi dengan kata sandinya dan sinkron, lalu akun dapat dinonaktifkan lagi.',
    'This account is switched off, so the phone cannot send its records. Ask an admin to switch the account on for a while; the cadre logs in again with her password and syncs, then the account can be switched off again.'],
};

/** A word of this screen, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

/** Why a phone (a /sync/devices item) needs her attention on `now` (ms): unseen too long, changes unsent,
 * and whether its user's account is switched off (`off`): the server refuses its token, so the phone
 * sends nothing it holds until an admin switches the account on again (`stuck`). */
export function worry(device, now = Date.now()) {
  const stale = now - Date.parse(device.last_seen_at) > STALE_DAYS * 864e5;
  const unsent = (device.pending_changes ?? 0) > 0;
  const off = device.user_active === false;
  return { stale, unsent, off, stuck: off && unsent };
}

/** Every item of a list's pages (`path`), each once by `key`; one that moved while the pages were read
 * (a phone that synced: the list is by last sync) is kept as last seen. */
export async function allItems(api, path, key = (d) => d.client_id) {
  const byId = new Map();
  let cursor = null;
  do {
    const page = await api.get(`${path}?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const d of page.items) {
      byId.delete(key(d));
      byId.set(key(d), d);
    }
    cursor = page.next_cursor;
  } while (cursor);
  return [...byId.values()];
}

export const allDevices = (api) => allItems(api, '/sync/devices');

/** "Keluarkan HP ini", asked twice, for a phone not yet signed out other than the one in her hand; the row
 * drawn again as the server answers, or the refusal said in it. */
function signOut(ctx, device, redraw) {
  const said = h('small', { class: 'notice', role: 'status' });
  const act = async () => {
    try {
      const done = await ctx.api.post(`/sync/devices/${encodeURIComponent(device.client_id)}/sign-out`, {});
      const fresh = redraw(done);
      // the button she pressed is gone: the focus goes to the row it stood in, not back to the page's top
      fresh.setAttribute('tabindex', '-1');
      fresh.focus();
      ctx.announce(tx('signed_out', { when: formatDateTime(done.signed_out_at) }));
    } catch (error) {
      said.textContent = error.kind === 'network' ? t('online_only') : error.message;
    }
  };
  return h('span', {}, confirmed(tx('sign_out'), tx('sign_out_q', { name: device.user_name }), act), said);
}

/** `several`: its user has other phones too, told apart by when each first synced (the rows were alike).
 * `mine`: this phone's installation id. */
function row(ctx, device, posyandu, now, several, mine) {
  const { stale, unsent, off, stuck } = worry(device, now);
  const item = h('li', { class: 'row', 'data-client': device.client_id },
    h('span', { class: 'row-main' }, h('strong', {}, device.user_name),
      h('small', {}, [posyandu.get(device.posyandu_id), several && tx('first', { when: formatDateTime(device.first_seen) }),
        tx('seen', { when: formatDateTime(device.last_seen_at) })]
        .filter(Boolean).join(' · ')),
      stuck ? h('small', { class: 'notice' }, tx('off_unsent')) : null),
    h('span', {}, unsent ? h('span', { class: `tag ${stale || stuck ? 'bad' : 'warn'}` }, tx('unsent', { n: device.pending_changes })) : null,
      stale ? h('span', { class: 'tag bad' }, tx('stale', { n: STALE_DAYS })) : null,
      off ? h('span', { class: `tag ${stuck ? 'bad' : 'warn'}` }, tx('off')) : null,
      device.app_current === false ? h('span', { class: 'tag warn' }, tx('old_app')) : null,
      device.replaced && !device.signed_out_at ? h('span', { class: 'tag warn' }, tx('replaced')) : null,
      device.signed_out_at ? h('span', { class: 'tag' }, tx('signed_out', { when: formatDateTime(device.signed_out_at) }))
        : device.client_id === mine ? h('span', { class: 'tag' }, tx('this_phone'))
          : signOut(ctx, device, (done) => {
            const fresh = row(ctx, done, posyandu, now, several, mine);
            item.replaceWith(fresh);
            return fresh;
          })));
  return item;
}

/** The phones, drawn into the panel's `box` (its "Memuat…" already shown); `quiet`: drawn again, not said. */
export async function show(ctx, box, quiet = false) {
  try {
    const [devices, never, places, mine] = await Promise.all([allDevices(ctx.api),
      allItems(ctx.api, '/sync/devices/never-synced', (u) => u.user_id), ctx.posyandus(),
      ctx.db ? clientId(ctx.db).catch(() => null) : null]);
    const posyandu = new Map(places.map((p) => [p.id, p.name]));
    const phones = new Map();
    for (const d of devices) phones.set(d.user_id, (phones.get(d.user_id) ?? 0) + 1);
    box.replaceChildren(devices.length
      // the longest unseen first
      ? h('div', {}, h('p', { class: 'muted' }, tx('lost')),
        h('ul', { class: 'list' }, devices.map((d) => row(ctx, d, posyandu, Date.now(), phones.get(d.user_id) > 1, mine))))
      : h('p', { class: 'muted' }, tx('none')),
    // no phone of theirs to list: a kader who never started the app was nowhere here
    never.length ? h('div', { id: 'never-synced' }, h('p', {}, tx('never')), h('ul', { class: 'list' }, never.map((u) =>
      h('li', { 'data-user': u.user_id }, [u.user_name, posyandu.get(u.posyandu_id) ?? (u.role === 'bidan' ? t('role_bidan') : null)]
        .filter(Boolean).join(' · '))))) : '');
    // the button she pressed keeps the focus: what came below it is said (TalkBack heard nothing)
    if (!quiet) ctx.announce(devices.length ? tx('listed', { n: devices.length }) : tx('none'));
  } catch (error) {
    box.replaceChildren(h('p', { class: 'notice' }, error.kind === 'network' ? t('online_only') : error.message));
  }
}
