// A child's access history (UU 27/2022 PDP) in plain words: who read the child's data, when and
// what, from the items of GET /api/v1/children/{id}/access-log (posyandu/privacy.py).
import { formatDateTime, t, whoText } from './i18n.js';

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
  const level = t(`region_${Math.min(depth(code), 4)}`);
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
    const area = item.posyandu_id ? names.posyandu?.get(item.posyandu_id) ?? t('lvl_posyandu')
      : item.region_code ? regionText(item.region_code, names.regions?.get(item.region_code)) : null;
    if (file) return t(file[1], { area: area ?? t('all_areas') });
    return area ? t('read_export_area', { area }) : t('read_export_all');
  }
  const hit = item.action === 'pull' ? null : READS.find(([re]) => re.test(path));
  if (hit) return t(hit[1]);
  return t(BY_ACTION[item.action] ?? 'read_view');
}

/** Who read: "Anda" for the user themself, else the reader's name and role (the role said once). */
export function whoRead(item, me) {
  if (me && item.user_id === me) return t('you');
  return item.reader?.name ? whoText(item.reader) : t('reader_unknown');
}

/** One item as shown: {when, who, what}. */
export const describe = (item, { me = null, ...names } = {}) => ({
  when: formatDateTime(item.at), who: whoRead(item, me), what: whatText(item, names),
});
