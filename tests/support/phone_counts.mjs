// The phone's counts (js/skdn.js, js/due-list.js) from the records a cadre's phone holds after a
// sync, for tests/api/test_skdn_parity.py. Input on stdin (JSON): {children, measurements,
// immunisations, supplements, schedule (an answer of /immunisation/schedule), kbm (an answer of
// /growth/kbm), skdn: [{posyandu_id, month}], due: [{posyandu_id, on}], totals: {skdn, prevalence, coverage} (report rows)}.
// Output on stdout: {skdn: [row…], due: [list…], totals} in the order asked.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadSchedule } from '../../static/pwa/js/due.js';
import { dueList } from '../../static/pwa/js/due-list.js';
import { kbmTable } from '../../static/pwa/js/kbm.js';
import { coverageTotal, prevalenceOverall, prevalenceTotal, skdnTotal } from '../../static/pwa/js/report-shape.js';
import { skdnOf } from '../../static/pwa/js/skdn.js';

const root = new URL('../../static/pwa/data/who/', import.meta.url);
const tables = Object.fromEntries(['wfa', 'lhfa', 'wfl', 'wfh', 'bfa', 'hcfa', 'acfa']
  .map((n) => [n, JSON.parse(readFileSync(fileURLToPath(new URL(`${n}.json`, root)), 'utf8'))]));
const input = JSON.parse(readFileSync(0, 'utf8'));
const kbm = input.kbm ? kbmTable(input.kbm) : undefined;
const schedule = input.schedule ? loadSchedule(input.schedule.document) : null;
const { children, measurements, immunisations = [], supplements = [] } = input;
const out = {
  skdn: (input.skdn ?? []).map(({ posyandu_id: posyanduId, month }) => skdnOf({ children, measurements, posyanduId, month, tables, kbm })),
  due: (input.due ?? []).map(({ posyandu_id: posyanduId, on }) => dueList(schedule, { children, immunisations, supplements, posyanduId, on,
    area: (c) => (c.kabupaten_code ? { kabupaten: c.kabupaten_code } : null) })),
  // the reports screen's total row over the areas it was sent (screens/reports.js)
  totals: input.totals ? { skdn: skdnTotal(input.totals.skdn), prevalence: prevalenceTotal(prevalenceOverall(input.totals.prevalence)),
    coverage: coverageTotal(input.totals.coverage) } : null,
};
process.stdout.write(JSON.stringify(out));
