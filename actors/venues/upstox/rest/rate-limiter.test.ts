import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimitDenied, RateLimiter, type Timers } from './rate-limiter.ts';

function fakeTimers() {
  let now = 0;
  const pending: Array<{ at: number; fn: () => void }> = [];
  const timers: Timers = {
    now: () => now,
    setTimeout: (fn, ms) => { const t = { at: now + ms, fn }; pending.push(t); return t; },
    clearTimeout: (h) => { const i = pending.indexOf(h as never); if (i >= 0) pending.splice(i, 1); },
  };
  const advance = async (ms: number) => {
    now += ms;
    for (const t of pending.filter((p) => p.at <= now)) { pending.splice(pending.indexOf(t), 1); t.fn(); }
    await Promise.resolve();
  };
  return { timers, advance };
}

test('queues calls beyond the per-second band and releases them when the window slides', async () => {
  const { timers, advance } = fakeTimers();
  const rl = new RateLimiter([{ limit: 2, windowMs: 1000 }], timers);
  const done: number[] = [];
  for (let i = 0; i < 5; i++) void rl.acquire().then(() => done.push(i));
  await Promise.resolve();
  assert.deepEqual(done, [0, 1]);
  await advance(999);
  assert.deepEqual(done, [0, 1]);
  await advance(1);
  assert.deepEqual(done, [0, 1, 2, 3]);
  await advance(1000);
  assert.deepEqual(done, [0, 1, 2, 3, 4]);
  assert.equal(rl.queued, 0);
});

test('the tightest of several bands governs', async () => {
  const { timers, advance } = fakeTimers();
  const rl = new RateLimiter([{ limit: 10, windowMs: 1000 }, { limit: 3, windowMs: 60_000 }], timers);
  const done: number[] = [];
  for (let i = 0; i < 4; i++) void rl.acquire().then(() => done.push(i));
  await Promise.resolve();
  assert.equal(done.length, 3);
  await advance(30_000);
  assert.equal(done.length, 3);
  await advance(30_000);
  assert.equal(done.length, 4);
});

test('an order whose turn is further away than allowed is refused at once, with the wait, and nothing is queued', async () => {
  const { timers, advance } = fakeTimers();
  const rl = new RateLimiter([{ limit: 10, windowMs: 1000 }], timers);
  const waits: number[] = [];
  for (let i = 0; i < 10; i++) void rl.acquire({ maxWaitMs: 500 }).then((w) => waits.push(w));
  await Promise.resolve();
  assert.deepEqual(waits, Array(10).fill(0));
  // The 11th would wait 1000 ms (the first grant ages out at t = 1000): more than 500 → refused.
  await assert.rejects(rl.acquire({ maxWaitMs: 500 }), (e: RateLimitDenied) => e instanceof RateLimitDenied && e.waitMs === 1000 && /1000 ms away.*10\/s/.test(e.message));
  assert.equal(rl.queued, 0);
  // Allowed to wait 1000 ms: queued, granted at t = 1000 with its wait reported.
  const late = rl.acquire({ maxWaitMs: 1000 });
  await advance(1000);
  assert.equal(await late, 1000);
  assert.deepEqual(rl.stats(), { queued: 0, granted: 11, delayed: 1, denied: 1, maxWaitMs: 1000, lastWaitMs: 1000 });
});

test('the projected wait counts the calls already queued', async () => {
  const { timers } = fakeTimers();
  const rl = new RateLimiter([{ limit: 2, windowMs: 1000 }], timers);
  for (let i = 0; i < 5; i++) void rl.acquire();
  await Promise.resolve();
  // Granted at 0, 0; queued for 1000, 1000, 2000: a sixth would go at 2000.
  assert.equal(rl.projectedWaitMs(0), 2000);
});
