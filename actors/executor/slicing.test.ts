import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sliceQuantity } from './slicing.ts';
import { RateLimiter } from './rate-limiter.ts';
import { clientOrderId, flattenOrderId, isOurs, CLIENT_ID_MAX } from './ids.ts';

test('slices a leg above the freeze quantity into whole-lot slices', () => {
  assert.deepEqual(sliceQuantity(4050, 75, 1800), [1800, 1800, 450]);
  assert.deepEqual(sliceQuantity(150, 75, 1800), [150]);
  assert.throws(() => sliceQuantity(100, 75, 1800), /multiple of the lot size 75, was 100/);
});

test('rate limiter holds the 11th order in a second and releases it when the window passes', () => {
  const rl = new RateLimiter(10, 500);
  for (let i = 0; i < 10; i++) {
    assert.equal(rl.delayMs(1000 + i), 0);
    rl.record(1000 + i);
  }
  assert.equal(rl.delayMs(1010), 990);
  assert.equal(rl.delayMs(2000), 0);
});

test('client ids are deterministic, short enough for correlation_id, and recognisable', () => {
  const id = clientOrderId(123456789, 3, 'compensate', 40, 7);
  assert.equal(id, clientOrderId(123456789, 3, 'compensate', 40, 7));
  assert.ok(id.length <= CLIENT_ID_MAX, id);
  assert.ok(isOurs(id) && isOurs(flattenOrderId(5, 9)));
  assert.ok(!isOurs('manual-order') && !isOurs(null));
});
