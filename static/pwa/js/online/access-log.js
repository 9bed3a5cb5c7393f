// A child's access history (UU 27/2022 PDP) in plain words: who read the child's data, when and
// what, from the items of GET /api/v1/children/{id}/access-log (posyandu/privacy.py).
// Online only: fetched when a parent opens the history (screens/parent.js draws its heading, and
// what it says offline, from the shell), never part of the offline shell; its words are here, not
// in the shell's dictionary.
import { formatDateTime, refusal, t, textsOf, whoText } from '../i18n.js';
import { h } from '../ui.js';
import { pagedList, runs } from './pages.js';

/** [Bahasa Indonesia, English] */
export const W = {
  access_help: ['Setiap kali data anak dibuka, disalin ke HP atau diunduh, tercatat di sini. Terbaru di atas.', "Each time the child's data is opened, copied to a phone or downloaded, it is listed here. Newest first."],
  access_none: ['Belum ada yang membuka data anak ini.', "No one has opened this child's data yet."],
  access_error: ['Riwayat gagal dimuat: {why}', 'The history could not be loaded: {why}'],
  you: ['Anda', 'You'],
  reader_unknown: ['Pengguna tidak dikenal', 'Unknown user'],
  read_view: ['melihat data anak', "viewed the child's record"],
  read_measurements: ['melihat data penimbangan', 'viewed the weighings'],
  read_immunisations: ['melihat catatan imunisasi', 'viewed the immunisations'],
  read_supplements: ['melihat catatan vitamin A dan obat cacing', 'viewed the vitamin A and deworming doses'],
  read_chart: ['melihat grafik pertumbuhan', 'viewed the growth chart'],
  read_card: ['melihat kartu imunisasi', 'viewed the immunisation card'],
  read_children: ['melihat daftar anak', 'viewed a list of children'],
  read_actions: ['melihat daftar tindak lanjut', 'viewed the follow-up list'],
  read_due_list: ['melihat daftar sasaran imunisasi', 'viewed the list of children due for immunisation'],
  // what the reader did, as every line here (not 'diunduh ke HP': the reader was not downloaded); a parent does not sync
  read_pull: ['menyalin data anak ke HP', "copied the child's data to a phone"],
  read_export_child: ['mengunduh data anak', "downloaded the child's data"],
  read_export_area: ['mengunduh data wilayah ({area})', 'downloaded the data of an area ({area})'],
  read_export_all: ['mengunduh data semua wilayah', 'downloaded the data of every area'],
  read_export_fhir: ['mengunduh data FHIR untuk SATUSEHAT ({area})', 'downloaded the FHIR data for SATUSEHAT ({area})'],
  read_export_actions: ['mengunduh daftar tindak lanjut ({area})', 'downloaded the follow-up list ({area})'],
  read_export_workbook: ['mengunduh buku kerja laporan ({area})', 'downloaded the report workbook ({area})'],
  all_areas: ['semua wilayah', 'every area'],
  times: ['{what} ({n} kali)', '{what} ({n} {n:time|times})'],
  region_1: ['provinsi', 'province'],
  region_2: ['kabupaten/kota', 'district/city'],
  region_3: ['kecamatan', 'sub-district'],
  region_4: ['desa/kelurahan', 'village'],
};

/** A word of this screen, filled by the shell's t() (as online/users.js). */
export const tx = textsOf(W);

/** What was read, by the route read (the resource after "GET /api/v1"): the first match wins,
 * else the action's own words (BY_ACTION). */
const READS = [
  [/\/export$/, 'read_export_child'],
  [/\/immunisation-card$/, 'read_card'],
  [/\/growth-chart$/, 'read_chart'],
  [/\/measurements(\/|$)/, 'read_measurements'],
  [/\/immunisations(\/|$)/, 'read_immunisations'],
  [/\/supplements(\/|$)/, 'read_supplements'],
  [/^\/reports\/actions$/, 'read_actions'],
  [/\/due-list$/, 'read_due_list'],
];
const BY_ACTION = { view: 'read_view', list: 'read_children', pull: 'read_pull', export: 'read_export_child' };

const route = (resource) => String(resource ?? '').replace(/^[A-Z]+ \/api\/v1/, '');

/** "35.25.01" → its level's number (1 provinsi … 4 desa/kelurahan). */
const depth = (code) => code.split('.').length;

/** The region whose list names `code` (GET /regions?parent_code=): null for a province (the
 * API lists them only among every region). */
export const parentCode = (code) => (depth(code) > 1 ? code.split('.').slice(0, -1).join('.') : null);

/** The regions to look up to name the area downloads of `items`: their parents, once each. */
export const regionLookups = (items) => [...new Set(items.filter((i) => !i.child_id && i.region_code)
  .map((i) => parentCode(i.region_code)).filter(Boolean))];

/** "kecamatan Wringinanom", "Kabupaten Gresik" (the name says its level), "kecamatan 35.25.01" (no name). */
export function regionText(code, name) {
  const level = tx(`region_${Math.min(depth(code), 4)}`);
  if (!name) return `${level} ${code}`;
  const said = level.split('/').some((word) => name.toLowerCase().includes(word.toLowerCase()));
  return said ? name : `${level} ${name}`;
}

/** An area's download, by the route downloaded (else "the data of an area"). */
const AREA_FILES = [
  [/^\/exports\/fhir$/, 'read_export_fhir'],
  [/^\/reports\/actions$/, 'read_export_actions'],
  [/^\/reports\/workbook$/, 'read_export_workbook'],
];

/** What the reader did, in plain words. `names`: {posyandu: Map id → name, regions: Map code → name}. */
export function whatText(item, names = {}) {
  const path = route(item.resource);
  if (item.action === 'export' && !item.child_id) { // an area's bulk download
    const file = AREA_FILES.find(([re]) => re.test(path));
    const area = item.posyandu_id ? names.posyandu?.get(item.posyandu_id) ?? t('posyandu')
      : item.region_code ? regionText(item.region_code, names.regions?.get(item.region_code)) : null;
    if (file) return tx(file[1], { area: area ?? tx('all_areas') });
    return area ? tx('read_export_area', { area }) : tx('read_export_all');
  }
  const hit = item.action === 'pull' ? null : READS.find(([re]) => re.test(path));
  if (hit) return tx(hit[1]);
  return tx(BY_ACTION[item.action] ?? 'read_view');
}

/** Who read: "Anda" for the user themself, else the reader's name and role (the role said once). */
export function whoRead(item, me) {
  if (me && item.user_id === me) return tx('you');
  return item.reader?.name ? whoText(item.reader) : tx('reader_unknown');
}

/** One item (or a line of `sameReads`) as shown: {when, who, what}; a line of several reads with their
 * count and the time of the first: "menyalin data anak ke HP (3 kali)", "6 Des 2026, 01.22–01.27". */
export function describe(item, { me = null, ...names } = {}) {
  const [what, when] = [whatText(item, names), formatDateTime(item.at)];
  if (!(item.n > 1)) return { when, who: whoRead(item, me), what };
  const from = formatDateTime(item.oldest.at);
  return { when: from === when ? when : `${from}–${when.split(', ').pop()}`, who: whoRead(item, me), what: tx('times', { what, n: item.n }) };
}

/** A reader's like reads of one day, newest first, as one line (`runs`): a kader's or a midwife's phone
 * copies the child's data at each sync, and a parent read a line for each, a dozen a day. */
export const sameReads = (items, names) => runs(items, {
  keyOf: (item) => JSON.stringify([item.user_id, whatText(item, names)]),
  together: (before, item) => new Date(before.at).toDateString() === new Date(item.at).toDateString(),
});

const ACCESS_PAGE = 20;

/** Region names for the area downloads among `items` (GET /regions?parent_code=, once per session). */
const regionLists = new Map();
async function nameRegions(api, items, names) {
  await Promise.all(regionLookups(items).map(async (parent) => {
    if (!regionLists.has(parent)) {
      regionLists.set(parent, api.get(`/regions?parent_code=${encodeURIComponent(parent)}&limit=500`).then((page) => page.items)
        .catch(() => { regionLists.delete(parent); return []; })); // unnamed: the code is shown
    }
    for (const r of await regionLists.get(parent)) names.set(r.code, r.name);
  }));
}

const accessItem = (item, names) => {
  const { when, who, what } = describe(item, names);
  return h('li', { class: 'row access-item' }, h('span', { class: 'row-main' },
    h('strong', {}, who), h('span', {}, what), h('small', {}, h('time', { datetime: item.at }, when))));
};

/** The history under `section` (its heading and the child's name drawn by the shell), `back` last. */
export async function render(ctx, c, section, back) {
  const names = { me: ctx.session.user.id, posyandu: new Map((await ctx.posyandus()).map((p) => [p.id, p.name])), regions: new Map() };
  const status = h('p', { role: 'status', id: 'access-status' });
  const { list, more, load } = pagedList({
    id: 'access-log', moreId: 'access-more',
    fetch: async (cursor) => {
      const page = await ctx.api.get(`/children/${c.id}/access-log?limit=${ACCESS_PAGE}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      await nameRegions(ctx.api, page.items, names.regions);
      return page;
    },
    lines: (items) => sameReads(items, names),
    rowOf: (item) => accessItem(item, names),
    done: (n) => { status.textContent = n ? '' : tx('access_none'); },
    failed: (error) => {
      status.textContent = error.kind === 'network' ? t('my_data_offline') : refusal(error, tx('access_error', { why: error.message }));
    },
  });
  section.append(h('p', { class: 'muted small' }, tx('access_help')), list, status, more, back);
  await load(); // the first page before the screen is shown
  return section;
}
