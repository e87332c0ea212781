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
