// screens/devices.js: which phones the midwife is told to chase.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { STALE_DAYS, worry } from '../../static/pwa/js/screens/devices.js';

test('a phone needs attention when unseen over a week, or holding changes unsent', () => {
  const now = Date.parse('2026-03-20T08:00:00Z');
  const at = (days) => new Date(now - days * 864e5).toISOString();
  assert.equal(STALE_DAYS, 7);
  assert.deepEqual(worry({ last_seen_at: at(1), pending_changes: 0 }, now), { stale: false, unsent: false });
  assert.deepEqual(worry({ last_seen_at: at(6.9), pending_changes: null }, now), { stale: false, unsent: false });
  assert.deepEqual(worry({ last_seen_at: at(7.1), pending_changes: null }, now), { stale: true, unsent: false });
  assert.deepEqual(worry({ last_seen_at: at(0), pending_changes: 12 }, now), { stale: false, unsent: true });
  assert.deepEqual(worry({ last_seen_at: at(30), pending_changes: 3 }, now), { stale: true, unsent: true });
});
