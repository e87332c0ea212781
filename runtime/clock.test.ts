import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Worker } from 'node:worker_threads';
import { clockFromSpec, SteppedClock } from './clock.ts';

describe('SteppedClock: a data-driven market clock main steps and every thread reads', () => {
  it('reads where it was set, never moves by itself, and refuses to go back', async () => {
    const t0 = Date.UTC(2026, 0, 13, 9, 45);
    const clock = new SteppedClock(t0);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(clock.now(), t0);
    assert.equal(clock.monotonic(), 0);
    clock.advanceTo(t0 + 60_000);
    assert.equal(clock.now(), t0 + 60_000);
    assert.equal(clock.monotonic(), 60_000, 'durations are market time: one step of a minute is a minute');
    clock.advanceTo(t0 + 60_000);
    assert.throws(() => clock.advanceTo(t0), /expected market time to move forward/);
    assert.throws(() => clock.advanceTo(t0 + 60_000.5), /whole epoch ms/);
    assert.throws(() => new SteppedClock(Number.NaN), /whole epoch ms/);
  });

  it('a reader built from the spec agrees with the writer at once (same memory, no messages)', () => {
    const clock = new SteppedClock(1_000);
    const reader = clockFromSpec(clock.spec);
    clock.advanceTo(5_000);
    assert.equal(reader.now(), 5_000);
    assert.equal(reader.monotonic(), 4_000);
  });

  it('a worker thread reads the time main sets, through workerData alone', async () => {
    const clock = new SteppedClock(1_000);
    const src = `
      const { parentPort, workerData } = require('node:worker_threads');
      const slots = new BigInt64Array(workerData.buffer, 0, 2);
      parentPort.on('message', () => parentPort.postMessage(Number(Atomics.load(slots, 0))));`;
    const w = new Worker(src, { eval: true, workerData: clock.spec });
    try {
      const ask = () => new Promise<number>((r) => { w.once('message', r); w.postMessage(null); });
      assert.equal(await ask(), 1_000);
      clock.advanceTo(86_400_000);
      assert.equal(await ask(), 86_400_000);
    } finally {
      await w.terminate();
    }
  });

  it('refuses a spec whose buffer is not a stepped clock\'s', () => {
    assert.throws(() => clockFromSpec({ kind: 'stepped', buffer: new SharedArrayBuffer(4) }), /expected a stepped clock's SharedArrayBuffer/);
  });
});
