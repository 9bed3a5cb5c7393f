// A parent's phone number as the follow-up list shows it (report-shape.js phoneText): a child with
// none (null from the server, or empty) is no number and no link, not a TypeError. Run: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { phoneText } from '../../static/pwa/js/report-shape.js';

test('no phone number reads as none, and gives no link', () => {
  for (const raw of [null, undefined, '']) assert.deepEqual(phoneText(raw), ['', ''], String(raw));
  assert.deepEqual(phoneText('081234567890'), ['0812-3456-7890', 'tel:081234567890']); // as before
});
