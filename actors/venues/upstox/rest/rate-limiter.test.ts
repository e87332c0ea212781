import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RateLimiter, type Timers } from './rate-limiter.ts';

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
