import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sliceQuantity } from './slicing.ts';
import { clientOrderId, flattenOrderId, isOurs, CLIENT_ID_MAX } from './ids.ts';

test('slices a leg into whole-lot slices strictly below the freeze quantity (the exchange refuses an order at it)', () => {
  // NIFTY 2026: lot 65, freeze 1,800 → 27 lots = 1,755 a slice; 30 lots = 1,950 → 1,755 + 195.
  assert.deepEqual(sliceQuantity(1950, 65, 1800), [1755, 195]);
  // BANKNIFTY 2026: lot 30, freeze 600 = exactly 20 lots, refused → 19 lots = 570 a slice; 40 lots = 1,200 → 570 + 570 + 60.
  assert.deepEqual(sliceQuantity(1200, 30, 600), [570, 570, 60]);
  // 75 × 24 = 1,800 is at the freeze: 23 lots = 1,725 a slice; 4,050 → 1,725 + 1,725 + 600.
  assert.deepEqual(sliceQuantity(4050, 75, 1800), [1725, 1725, 600]);
  assert.deepEqual(sliceQuantity(150, 75, 1800), [150]);
  assert.throws(() => sliceQuantity(100, 75, 1800), /multiple of the lot size 75, was 100/);
});

test('client ids are deterministic, short enough for correlation_id, and recognisable', () => {
  const id = clientOrderId(123456789, 3, 'compensate', 40, 7);
  assert.equal(id, clientOrderId(123456789, 3, 'compensate', 40, 7));
  assert.ok(id.length <= CLIENT_ID_MAX, id);
  assert.ok(isOurs(id) && isOurs(flattenOrderId(5, 9)));
  assert.ok(!isOurs('manual-order') && !isOurs(null));
  // Slices are tagged <saga>-<leg>…-<slice>: saga 1z, leg 2, entry attempt 0, slices 1 and 2.
  assert.equal(clientOrderId(71, 2, 'entry', 0, 1), 'VG1z-2E0-1');
  assert.equal(clientOrderId(71, 2, 'entry', 0, 2), 'VG1z-2E0-2');
  assert.equal(clientOrderId(71, 2, 'entry', 0), 'VG1z-2E0');
});
