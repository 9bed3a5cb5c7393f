// A child's vaccine card (screens/child.js cardPanel): the doses that apply to her, never an empty
// table. A child past every dose's age with none recorded (registered at 10, the year typed wrong)
// showed the card's title over a table with only its hidden header row.
// Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installDom } from './fakedom.mjs';

installDom();
globalThis.localStorage ??= { getItem: () => null, setItem: () => {} };
const { cardPanel } = await import('../../static/pwa/js/screens/child.js');

const entry = (label, status, extra = {}) => ({ label, status, due_date: '2025-02-10', given_on: null, ...extra });

test('a card where no dose applies is left out, not drawn as an empty table', () => {
  assert.equal(cardPanel({ entries: [entry('BCG', 'not_applicable'), entry('MR 1', 'not_applicable')] }), null);
  assert.equal(cardPanel({ entries: [] }), null);
  assert.equal(cardPanel(null), null, 'no schedule on the phone yet');
});

test('a card lists the doses that apply, the others left out', () => {
  const panel = cardPanel({ entries: [entry('BCG', 'given', { given_on: '2025-01-12' }), entry('JE', 'not_applicable'),
    entry('MR 1', 'upcoming')] });
  const rows = panel.find((e) => e.localName === 'th' && e.attributes?.scope === 'row');
  assert.deepEqual(rows.map((th) => th.textContent), ['BCG', 'MR 1']);
});
