// The reports screen's downloads (screens/reports.js): each report as CSV or XLSX, every report in one
// workbook, the FHIR R4 bundle, for the period and area shown, fetched with the token (a plain link
// would be a 401) and named by the server. Online only, as downloads are (the report saved on the
// phone offers none): never part of the offline shell; its words are here.
import { lang, t, textsOf } from '../i18n.js';
import { h, saveDownload } from '../ui.js';
import * as Q from './report-query.js';
import { heading } from '../screens/reports.js';

/** [Bahasa Indonesia, English] */
export const W = {
  downloading: ['Mengunduh…', 'Downloading…'],
  downloads_title: ['Unduh laporan', 'Download reports'],
  downloads_help: ['Berkas laporan yang ditampilkan ({what}; rincian per {level}), dengan judul kolom bahasa Indonesia.',
    'Files of the report shown ({what}; rows per {level}), with Indonesian column headers.'],
  dl_label: ['Unduh {report} ({fmt})', 'Download {report} ({fmt})'],
  rep_skdn: ['SKDN', 'SKDN'],
  rep_f1: ['F1 Gizi', 'F1 Gizi'],
  rep_prevalence: ['Prevalensi gizi', 'Nutrition prevalence'],
  rep_coverage: ['Cakupan imunisasi', 'Immunisation coverage'],
  rep_actions: ['Daftar tindak lanjut', 'Follow-up list'],
  rep_workbook: ['Semua laporan', 'All reports'],
  rep_fhir: ['Data anak FHIR R4', 'Child records, FHIR R4'],
};
export const tx = textsOf(W);

const DOWNLOADS = ['skdn', 'f1', 'prevalence', 'coverage', 'actions'];
const ONE_FILE = { workbook: 'xlsx', fhir: 'json' }; // no CSV

async function download(ctx, form, name, format, status) {
  const query = ONE_FILE[name] ? Q.reportQuery({ ...form, level: name === 'fhir' ? null : form.level })
    : Q.reportQuery({ ...form, level: name === 'actions' ? null : form.level, format,
      // a spreadsheet set to Indonesian reads ";" between fields and "," in decimals
      sep: format === 'csv' && lang() === 'id' ? 'semicolon' : null });
  status.textContent = tx('downloading'); // a district's FHIR: a minute
  try {
    const filename = await saveDownload(ctx.api, `${name === 'fhir' ? '/exports/' : '/reports/'}${name}${query}`);
    status.textContent = t('downloaded', { name: filename });
  } catch (error) {
    status.textContent = error.kind === 'network' ? t('reports_offline') : t('download_failed', { why: error.message });
  }
}

/** The downloads panel of the report shown (`data.form`: {from, to, area, level}), named by its heading: the
 * form above may hold a choice not yet shown, which they are not. */
export function panel(ctx, data) {
  const { form } = data;
  const status = h('p', { role: 'status', id: 'download-status' });
  const button = (name, format) => h('button', { class: 'btn', type: 'button', 'data-report': name, 'data-format': format,
    'aria-label': tx('dl_label', { report: tx(`rep_${name}`), fmt: format.toUpperCase() }),
    onclick: () => download(ctx, form, name, format, status) }, format.toUpperCase());
  const help = tx('downloads_help', { what: heading(data), level: Q.tx(`lvl_${form.level}`).toLowerCase() });
  return h('section', { class: 'panel', id: 'downloads' }, h('h3', {}, tx('downloads_title')),
    h('p', { class: 'muted small', id: 'downloads-help' }, help),
    h('ul', { class: 'list' }, [...DOWNLOADS, 'workbook', 'fhir'].map((name) => h('li', { class: 'dl-row' }, h('span', {}, tx(`rep_${name}`)),
      h('span', {}, ONE_FILE[name] ? button(name, ONE_FILE[name]) : [button(name, 'csv'), button(name, 'xlsx')])))), status);
}
