// Dates on a phone in Indonesia's time zones and at month ends: the app's day is the phone's
// calendar day (WIB, WITA, WIT), and a child's age in completed months is counted as the server
// counts it (posyandu/ages.completed_months: 31 Jan + 1 month = 28/29 Feb).
process.env.TZ = 'Asia/Jayapura'; // WIT, UTC+9: before the first date is read
import { test } from 'node:test';
import assert from 'node:assert/strict';

globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
globalThis.document ??= { documentElement: {} };

const { t } = await import('../../static/pwa/js/i18n.js');
const { ageText } = await import('../../static/pwa/js/ui.js');

test("a child's age on the card at a month's end is the server's completed months", () => {
  const aged = (birth, on) => ageText(t, birth, on).replaceAll('\u00a0', ' ');
  // born 31 Jan: one month on 28 Feb (the server's card: age_months 1), not 28 days
  assert.equal(aged('2026-01-31', '2026-02-28'), '1 bln');
  assert.equal(aged('2026-01-31', '2026-03-01'), '1 bln');
  assert.equal(aged('2026-01-31', '2026-02-27'), '27 hari');
  // born 31 March: one month on 30 April
  assert.equal(aged('2026-03-31', '2026-04-30'), '1 bln');
  // born 29 Feb 2024: one year on 28 Feb 2025 (the F1 form's 12-23 group), not 11 months
  assert.equal(aged('2024-02-29', '2025-02-28'), '1 th 0 bln');
  assert.equal(aged('2024-02-29', '2025-02-27'), '11 bln');
  assert.equal(aged('2024-02-29', '2028-02-29'), '4 th 0 bln');
});

test("the phone's day is its own calendar day in WIT, not UTC's (toISOString)", async () => {
  const { todayIso, roundOf, loadSchedule } = await import('../../static/pwa/js/due.js');
  const { recordDay, dateError } = await import('../../static/pwa/js/checks.js');
  const { lastFullMonth } = await import('../../static/pwa/js/report-shape.js');
  const { readFileSync } = await import('node:fs');
  const rounds = loadSchedule(JSON.parse(readFileSync(new URL('../../static/pwa/data/schedule-2024.json', import.meta.url)))).supplements;
  const RealDate = Date;
  const at = (instant, fn) => {
    const fixed = RealDate.parse(instant);
    globalThis.Date = class extends RealDate { constructor(...a) { super(...(a.length ? a : [fixed])); } static now() { return fixed; } };
    try { return fn(); } finally { globalThis.Date = RealDate; }
  };
  const day = () => {
    const today = todayIso();
    return { today, record: recordDay(null), month: lastFullMonth(today), round: roundOf(rounds, 'vitamin_a_red', today, null),
      tomorrow: dateError('2026-03-01') === null };
  };
  // 00:30 WIT on 1 March is 15:30 UTC on 28 February: the weighing is dated the 1st, last month is February
  assert.deepEqual(at('2026-02-28T15:30:00Z', day),
    { today: '2026-03-01', record: '2026-03-01', month: '2026-02', round: null, tomorrow: true });
  // 23:30 WIT on 28 February: still February's vitamin A round, and 1 March is in the future
  assert.deepEqual(at('2026-02-28T14:30:00Z', day),
    { today: '2026-02-28', record: '2026-02-28', month: '2026-01', round: '2026-02', tomorrow: false });
  // 06:30 WIT on 1 August (UTC still 31 July): August's round has come
  assert.equal(at('2026-07-31T21:30:00Z', () => roundOf(rounds, 'vitamin_a_red', todayIso(), null)), '2026-08');
});
