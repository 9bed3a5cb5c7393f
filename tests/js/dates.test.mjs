// Dates on a phone in Indonesia's time zones and at month ends: the app's day is the phone's
// calendar day (WIB, WITA, WIT), and a child's age in completed months is counted as the server
// counts it (posyandu/immunisation/schedule.completed_months: 31 Jan + 1 month = 28/29 Feb).
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
