// "HP kader" on the midwife's sync screen: each phone of her puskesmas's staff, when it last synced
// and how many changes it still held unsent (GET /sync/devices). A phone unseen for a week while it
// holds records is where records get lost (dropped, wiped, replaced): she asks its kader to sync.
import { formatDateTime, t } from '../i18n.js';
import { h } from '../ui.js';

export const STALE_DAYS = 7;
const OVERSEES = new Set(['bidan', 'admin']);

/** Why a phone (a /sync/devices item) needs her attention on `now` (ms): unseen too long, changes unsent,
 * and whether its user's account is switched off (`off`): the server refuses its token, so the phone
 * sends nothing it holds until an admin switches the account on again (`stuck`). */
export function worry(device, now = Date.now()) {
  const stale = now - Date.parse(device.last_seen_at) > STALE_DAYS * 864e5;
  const unsent = (device.pending_changes ?? 0) > 0;
  const off = device.user_active === false;
  return { stale, unsent, off, stuck: off && unsent };
}

/** Every page; a phone that synced while the pages were read comes again on a later one (the list is
 * by last sync): kept once, as last seen. */
export async function allDevices(api) {
  const byId = new Map();
  let cursor = null;
  do {
    const page = await api.get(`/sync/devices?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const d of page.items) {
      byId.delete(d.client_id);
      byId.set(d.client_id, d);
    }
    cursor = page.next_cursor;
  } while (cursor);
  return [...byId.values()];
}

function row(device, posyandu, now) {
  const { stale, unsent, off, stuck } = worry(device, now);
  return h('li', { class: 'row', 'data-client': device.client_id },
    h('span', { class: 'row-main' }, h('strong', {}, device.user_name),
      h('small', {}, [posyandu.get(device.posyandu_id), t('device_seen', { when: formatDateTime(device.last_seen_at) })]
        .filter(Boolean).join(' · ')),
      stuck ? h('small', { class: 'notice' }, t('device_off_unsent')) : null),
    h('span', {}, unsent ? h('span', { class: `tag ${stale || stuck ? 'bad' : 'warn'}` }, t('device_unsent', { n: device.pending_changes })) : null,
      stale ? h('span', { class: 'tag bad' }, t('device_stale', { n: STALE_DAYS })) : null,
      off ? h('span', { class: `tag ${stuck ? 'bad' : 'warn'}` }, t('device_off')) : null));
}

export function devicesPanel(ctx) {
  if (!OVERSEES.has(ctx.role)) return null;
  const box = h('div', { id: 'devices' });
  const load = async () => {
    box.replaceChildren(h('p', { class: 'muted' }, t('access_loading')));
    try {
      const [devices, places] = await Promise.all([allDevices(ctx.api), ctx.posyandus()]);
      const posyandu = new Map(places.map((p) => [p.id, p.name]));
      box.replaceChildren(devices.length
        ? h('ul', { class: 'list' }, devices.map((d) => row(d, posyandu, Date.now())))   // the longest unseen first
        : h('p', { class: 'muted' }, t('devices_none')));
    } catch (error) {
      box.replaceChildren(h('p', { class: 'notice' }, error.kind === 'network' ? t('online_only') : error.message));
    }
  };
  return h('section', { class: 'panel', id: 'devices-panel' }, h('h3', {}, t('devices_title')),
    h('p', { class: 'muted' }, t('devices_help', { n: STALE_DAYS })),
    h('button', { class: 'btn', type: 'button', id: 'show-devices', onclick: load }, t('devices_show')), box);
}
