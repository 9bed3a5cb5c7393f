// "HP kader" on the midwife's sync screen: the list (js/online/devices.js) is fetched when she asks.
import { t } from '../i18n.js';
import { h, onlineModule, onlineOnly } from '../ui.js';

export const STALE_DAYS = 7;
const OVERSEES = new Set(['bidan', 'admin']);

const listModule = onlineModule('devices');

export function devicesPanel(ctx) {
  if (!OVERSEES.has(ctx.role)) return null;
  const box = h('div', { id: 'devices' });
  const load = async (again) => {
    ctx.devicesAsked = true; // drawn again with the screen (a language switch, a sync), not emptied, not said again
    box.replaceChildren(h('p', { class: 'muted' }, t('access_loading')));
    const list = await listModule();
    if (list) await list.show(ctx, box, again === true);
    else box.replaceChildren(h('p', { class: 'notice' }, onlineOnly()));
  };
  if (ctx.devicesAsked) queueMicrotask(() => load(true));
  return h('section', { class: 'panel', id: 'devices-panel' }, h('h3', {}, t('devices_title')),
    h('p', { class: 'muted' }, t('devices_help', { n: STALE_DAYS })),
    h('button', { class: 'btn', type: 'button', id: 'show-devices', onclick: load }, t('devices_show')), box);
}
