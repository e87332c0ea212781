import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mapStatus, toUpstoxStatus } from './map.ts';

test('a cancelled order is over whatever it filled: cancelled (the fill is in filled_quantity), never still working', () => {
  // Issue 14: `partially_filled` here kept it "working" — an exit cancelled for a re-price was cancelled again forever.
  assert.equal(mapStatus('cancelled', 25, 75), 'cancelled');
  assert.equal(mapStatus('cancelled after market order', 25, 75), 'cancelled');
  assert.equal(mapStatus('cancelled', 0, 75), 'cancelled');
  // A partial fill that still works is `open` with filled_quantity > 0 at Upstox.
  assert.equal(mapStatus('open', 25, 75), 'partially_filled');
  assert.equal(mapStatus('open', 75, 75), 'filled');
  // What the fake reports for an order the session purged.
  assert.equal(toUpstoxStatus('expired'), 'cancelled');
});
