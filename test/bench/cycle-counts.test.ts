/**
 * The upstox bench reads its cycle counts as the system bench does (system-env.test.ts pins those): unset or empty is
 * the default, a whole number in range is taken, anything else is refused by name before the fake or a system starts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { upstoxCyclePlan } from './upstox.ts';

test('BENCH_UPSTOX_CYCLES / BENCH_UPSTOX_WARMUP: unset or empty are 120 and 300; whole numbers in range are taken', () => {
  assert.deepEqual(upstoxCyclePlan({}), { cycles: 120, warmup: 300 });
  assert.deepEqual(upstoxCyclePlan({ BENCH_UPSTOX_CYCLES: '', BENCH_UPSTOX_WARMUP: '' }), { cycles: 120, warmup: 300 });
  assert.deepEqual(upstoxCyclePlan({ BENCH_UPSTOX_CYCLES: '10', BENCH_UPSTOX_WARMUP: '0' }), { cycles: 10, warmup: 0 });
  // The system bench's variables are not the upstox bench's.
  assert.deepEqual(upstoxCyclePlan({ BENCH_SYSTEM_CYCLES: '40', BENCH_SYSTEM_WARMUP: '5' }), { cycles: 120, warmup: 300 });
});

test('BENCH_UPSTOX_CYCLES below 10 or not a whole number, BENCH_UPSTOX_WARMUP negative or not whole: refused by name', () => {
  for (const bad of ['abc', '9', '0', '-5', '12.5', '1e', 'NaN', 'Infinity']) {
    assert.throws(() => upstoxCyclePlan({ BENCH_UPSTOX_CYCLES: bad }), { name: 'RangeError', message: new RegExp(`^BENCH_UPSTOX_CYCLES: .*at least 10, was '${bad}'`) });
  }
  for (const bad of ['abc', '-1', '12.5', '1e', 'NaN', 'Infinity']) {
    assert.throws(() => upstoxCyclePlan({ BENCH_UPSTOX_WARMUP: bad }), { name: 'RangeError', message: new RegExp(`^BENCH_UPSTOX_WARMUP: .*0 or more, was '${bad}'`) });
  }
});
