import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildMarket } from './valuation.ts';
import { snapshot, surface } from './fixture.ts';
import type { ExpiryChain } from '../domain/market-snapshot.ts';

/** A chain of `n` strikes whose quotes encode where they sit: bid = 1000·chain + 10·row + (put ? 1 : 0), ask = bid + 0.5. */
function chain(c: number, n: number): ExpiryChain {
  const base = snapshot().expiries[0]!;
  const f = (put: number, d: number) => Float64Array.from({ length: n }, (_, i) => 1000 * c + 10 * i + put + d);
  return {
    ...base, expiry: `2026-12-1${c}`, strikes: Float64Array.from({ length: n }, (_, i) => 20_000 + 100 * i),
    callKeys: Array.from({ length: n }, (_, i) => `K|${c}|${i}|CE`), putKeys: Array.from({ length: n }, (_, i) => `K|${c}|${i}|PE`),
    callBid: f(0, 0), callAsk: f(0, 0.5), callLtp: f(0, 0.25), putBid: f(1, 0), putAsk: f(1, 0.5), putLtp: f(1, 0.25),
  };
}

test('quotes resolve to their own chain, row and side across chains of different lengths', () => {
  // A short chain between two long ones: a lookup that mixed up rows per chain would land in the wrong one.
  const snap = { ...snapshot(), expiries: [chain(0, 41), chain(1, 3), chain(2, 41)] };
  const { quotes } = buildMarket(snap, surface());
  assert.deepEqual(quotes.get('K|0|40|CE'), { bid: 400, ask: 400.5, ltp: 400.25 });
  assert.deepEqual(quotes.get('K|1|2|PE'), { bid: 1021, ask: 1021.5, ltp: 1021.25 });
  assert.deepEqual(quotes.get('K|2|0|CE'), { bid: 2000, ask: 2000.5, ltp: 2000.25 });
  assert.deepEqual(quotes.get('K|2|40|PE'), { bid: 2401, ask: 2401.5, ltp: 2401.25 });
  assert.equal(quotes.get('K|1|3|CE'), undefined, 'past the end of a short chain');
  assert.equal(quotes.get('NSE_FO|nothing'), undefined);
});
