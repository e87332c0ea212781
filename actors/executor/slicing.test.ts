import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sliceQuantity } from './slicing.ts';
import { clientOrderId, flattenOrderId, isOurs, CLIENT_ID_MAX } from './ids.ts';

test('slices a leg above the freeze quantity into whole-lot slices', () => {
  assert.deepEqual(sliceQuantity(4050, 75, 1800), [1800, 1800, 450]);
  assert.deepEqual(sliceQuantity(150, 75, 1800), [150]);
  assert.throws(() => sliceQuantity(100, 75, 1800), /multiple of the lot size 75, was 100/);
});

test('client ids are deterministic, short enough for correlation_id, and recognisable', () => {
  const id = clientOrderId(123456789, 3, 'compensate', 40, 7);
  assert.equal(id, clientOrderId(123456789, 3, 'compensate', 40, 7));
  assert.ok(id.length <= CLIENT_ID_MAX, id);
  assert.ok(isOurs(id) && isOurs(flattenOrderId(5, 9)));
  assert.ok(!isOurs('manual-order') && !isOurs(null));
});
