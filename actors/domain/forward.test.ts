import { test } from 'node:test';
import assert from 'node:assert/strict';
import { black76Price } from './black76.ts';
import { forwardFromParity } from './forward.ts';

test('recovers the forward used to price the chain, preferring tight spreads near the money', () => {
  const F = 24123.4, t = 9 / 365, r = 0.06;
  const strikes = [23800, 23900, 24000, 24100, 24200, 24300, 24400];
  const mid = (type: 'call' | 'put', k: number): number => black76Price(type, F, k, t, r, 0.13);
  // A wide, biased quote at 24100 must not dominate: its spread is 40× the others.
  const half = (k: number): number => (k === 24100 ? 2 : 0.05);
  const bias = (k: number): number => (k === 24100 ? 1.5 : 0);
  const q = {
    strikes,
    callBid: strikes.map((k) => mid('call', k) - half(k) + bias(k)),
    callAsk: strikes.map((k) => mid('call', k) + half(k) + bias(k)),
    putBid: strikes.map((k) => mid('put', k) - half(k)),
    putAsk: strikes.map((k) => mid('put', k) + half(k)),
  };
  const got = forwardFromParity(q, t, r);
  assert.ok(got !== null);
  assert.ok(Math.abs(got.forward - F) < 0.05, `expected ≈${F}, was ${got.forward}`);
});

test('returns null when no strike has both sides quoted', () => {
  const nan = [Number.NaN, Number.NaN];
  assert.equal(forwardFromParity({ strikes: [1, 2], callBid: [0, 0], callAsk: [1, 1], putBid: nan, putAsk: nan }, 0.1, 0), null);
});

/** The original selection (every candidate, sorted by |C − P|, the first `count`), as the reference. */
function sortedReference(q: Parameters<typeof forwardFromParity>[0], t: number, rate: number, count = 3): ReturnType<typeof forwardFromParity> {
  const growth = Math.exp(rate * t);
  const c: { gap: number; forward: number; spread: number }[] = [];
  for (let i = 0; i < q.strikes.length; i++) {
    const cb = q.callBid[i]!, ca = q.callAsk[i]!, pb = q.putBid[i]!, pa = q.putAsk[i]!;
    if (!(cb > 0 && ca >= cb && pb > 0 && pa >= pb)) continue;
    const call = 0.5 * (cb + ca), put = 0.5 * (pb + pa);
    c.push({ gap: Math.abs(call - put), forward: q.strikes[i]! + growth * (call - put), spread: (ca - cb) + (pa - pb) });
  }
  if (c.length === 0) return null;
  const chosen = c.sort((a, b) => a.gap - b.gap).slice(0, count);
  let num = 0, den = 0;
  for (const x of chosen) { const w = 1 / Math.max(x.spread, 1e-9); num += w * x.forward; den += w; }
  return { forward: num / den, used: chosen.length };
}

test('the insertion selection equals sorting every candidate: ties keep strike order, any count, gaps and NaNs', () => {
  const strikes = [23700, 23800, 23900, 24000, 24100, 24200, 24300];
  // Equal |C − P| at 23900/24100 and 23800/24200 (ties), spreads differing so the tie order changes the average.
  const call = [320, 230, 150.5, 90, 50.5, 25, 11];
  const put = [11, 25, 50.5, 90, 150.5, 230, 320];
  const mk = (drop: number[]) => ({
    strikes,
    callBid: call.map((c, i) => (drop.includes(i) ? Number.NaN : c - 0.5 - i * 0.1)),
    callAsk: call.map((c, i) => c + 0.5 + i * 0.1),
    putBid: put.map((p) => p - 0.25),
    putAsk: put.map((p, i) => p + 0.25 + (6 - i) * 0.2),
  });
  for (const drop of [[], [3], [2, 3, 4], [0, 1, 2, 3, 4, 5, 6]]) {
    for (const count of [1, 2, 3, 4, 7, 8, 9, 0, -1, 2.5]) {
      const q = mk(drop);
      assert.deepEqual(forwardFromParity(q, 0.03, 0.055, count), sortedReference(q, 0.03, 0.055, count), `drop ${drop} count ${count}`);
    }
  }
  const inf = { ...mk([]), callAsk: call.map((c, i) => (i === 3 ? Number.POSITIVE_INFINITY : c + 0.5)), putAsk: put.map((p, i) => (i === 3 ? Number.POSITIVE_INFINITY : p + 0.25)) };
  assert.deepEqual(forwardFromParity(inf, 0.03, 0.055), sortedReference(inf, 0.03, 0.055));
});
