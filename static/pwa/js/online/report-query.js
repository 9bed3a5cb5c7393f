// The reports' questions to the server (online/report-form.js, report-actions.js, report-downloads.js): the
// period, area and level as a query, and the area picker. Fetched with them: never used offline.
import { addMonths, monthRange } from '../report-shape.js';
import { textsOf } from '../i18n.js';

export const LEVELS = ['posyandu', 'desa', 'puskesmas', 'kecamatan', 'kabupaten'];

/** [Bahasa Indonesia, English]: the roll-up levels, named by the report modules that ask for them. */
export const W = {
  level: ['Rincian per', 'Break down by'],
  lvl_posyandu: ['Posyandu', 'Posyandu'],
  lvl_desa: ['Desa/kelurahan', 'Village'],
  lvl_puskesmas: ['Puskesmas', 'Health centre'],
  lvl_kecamatan: ['Kecamatan', 'Sub-district'],
  lvl_kabupaten: ['Kabupaten/kota', 'District'],
};
export const tx = textsOf(W);

/** The `count` months up to and including `month`, newest first (the period pickers). */
export const monthsUpTo = (month, count) => monthRange(addMonths(month, 1 - count), month).reverse();

/** `?month=` or `?from=&to=` plus the area and roll-up level (and `format` for downloads). */
export function reportQuery({ from, to, level = null, area = '', format = null, sep = null }) {
  const q = new URLSearchParams();
  if (from === to) q.set('month', from); else { q.set('from', from); q.set('to', to); }
  if (level) q.set('level', level);
  const [kind, value] = area ? area.split(':') : [];
  if (kind === 'region') q.set('region_code', value);
  if (kind === 'posyandu') q.set('posyandu_id', value);
  if (format) q.set('format', format);
  if (sep) q.set('sep', sep);
  return `?${q}`;
}

/** A page of the follow-up list (children, whatever the level) as the reports screen reads it. */
export const actionsQuery = (form, cursor) => `${reportQuery({ ...form, level: null })}&limit=50${
  cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;

const byName = (a, b) => a.name.localeCompare(b.name);

/** The area picker: `groups`, the kabupaten, kecamatan and desa narrowing the caller's scope, each posyandu
 * ('region:<code>', 'posyandu:<id>'); `whole`: the scope's one puskesmas or region (the heading's "all").
 * `names`: region code → name; `puskesmas`: {name, kecamatan_code}. */
export function areaOptions(posyandus, names = {}, puskesmas = []) {
  const groups = { kabupaten: new Set(), kecamatan: new Set(), desa: new Set() };
  for (const p of posyandus) {
    const parts = p.desa_code.split('.');
    groups.kabupaten.add(parts.slice(0, 2).join('.'));
    groups.kecamatan.add(parts.slice(0, 3).join('.'));
    groups.desa.add(p.desa_code);
  }
  const narrows = (code) => posyandus.some((p) => !p.desa_code.startsWith(`${code}.`) && p.desa_code !== code);
  const pkm = (code) => puskesmas.filter((x) => x.kecamatan_code === code).map((x) => x.name);
  const region = (code, kind) => {
    const extra = kind === 'kecamatan' ? pkm(code) : [];
    return { value: `region:${code}`, name: [names[code] ?? code, ...extra].join(' · '), code };
  };
  // a name twice (Posyandu Mawar) gets its desa, a desa its kecamatan, as in the reports' rows
  const same = (n) => n.toLowerCase().replace(/^posyandu /, ''); // "Posyandu anggrek" is Anggrek's namesake
  const twins = (opts, up = (c) => c) => opts.map((o) => (opts.filter((x) => same(x.name) === same(o.name))[1]
    ? { ...o, name: `${o.name} (${names[up(o.code)] ?? up(o.code)})` } : o)).sort(byName);
  const out = [];
  for (const kind of ['kabupaten', 'kecamatan', 'desa']) {
    const options = twins([...groups[kind]].filter(narrows).map((c) => region(c, kind)), (c) => c.slice(0, 8));
    if (options.length) out.push({ kind, options });
  }
  const pos = twins(posyandus.map((p) => ({ value: `posyandu:${p.id}`, name: p.name, code: p.desa_code })));
  if (pos.length > 1) out.push({ kind: 'posyandu', options: pos });
  const kind = ['desa', 'kecamatan', 'kabupaten'].find((k) => groups[k].size === 1);
  return { groups: out, whole: puskesmas.length === 1 ? puskesmas[0].name : kind && region([...groups[kind]][0], kind).name };
}
