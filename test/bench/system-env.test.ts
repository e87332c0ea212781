/**
 * The system bench's knobs refuse what they cannot use, with the variable's name in the message, before any system
 * starts (a typo must not quietly measure the default).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loopInterval, marketSpeed, sampleSize, warmup } from './system.ts';

test('BENCH_SYSTEM_INTERVAL: unset is 0.1 s; seconds are taken as given; anything else is refused by name', () => {
  assert.equal(loopInterval(undefined), 0.1);
  assert.equal(loopInterval(''), 0.1);
  assert.equal(loopInterval('1'), 1);
  assert.equal(loopInterval('3'), 3);
  for (const bad of ['abc', '0', '0.01', '-1', '61', 'NaN', 'Infinity', '1s']) {
    assert.throws(() => loopInterval(bad), { name: 'RangeError', message: new RegExp(`^BENCH_SYSTEM_INTERVAL: .*was '${bad}'`) });
  }
});

test('BENCH_SYSTEM_CYCLES: unset is 600; whole numbers from 10; anything else is refused by name', () => {
  assert.equal(sampleSize(undefined), 600);
  assert.equal(sampleSize('40'), 40);
  for (const bad of ['abc', '9', '0', '-5', '12.5', '1e', 'NaN']) {
    assert.throws(() => sampleSize(bad), { name: 'RangeError', message: new RegExp(`^BENCH_SYSTEM_CYCLES: .*was '${bad}'`) });
  }
});

test('BENCH_SYSTEM_WARMUP: unset is 300; whole numbers from 0; anything else is refused by name', () => {
  assert.equal(warmup(undefined), 300);
  assert.equal(warmup(''), 300);
  assert.equal(warmup('0'), 0);
  assert.equal(warmup('50'), 50);
  for (const bad of ['abc', '-1', '12.5', '1e', 'NaN', 'Infinity']) {
    assert.throws(() => warmup(bad), { name: 'RangeError', message: new RegExp(`^BENCH_SYSTEM_WARMUP: .*was '${bad}'`) });
  }
});

test('BENCH_SYSTEM_SPEED: unset is 60; 1 to 600 market seconds per wall second; anything else is refused by name', () => {
  assert.equal(marketSpeed(undefined), 60);
  assert.equal(marketSpeed(''), 60);
  assert.equal(marketSpeed('1'), 1);
  assert.equal(marketSpeed('600'), 600);
  assert.equal(marketSpeed('2.5'), 2.5);
  for (const bad of ['abc', '0', '0.5', '-1', '601', 'NaN', 'Infinity', '60x']) {
    assert.throws(() => marketSpeed(bad), { name: 'RangeError', message: new RegExp(`^BENCH_SYSTEM_SPEED: .*was '${bad}'`) });
  }
});
