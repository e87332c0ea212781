import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExpiryChain, MarketSnapshot } from '../domain/market-snapshot.ts';
import { marketRef } from './approvals.ts';
import { QuoteIndex, touchFromSnapshot } from './quote-index.ts';
import type { Proposal } from '../domain/proposal.ts';

function chain(expiry: string, strikes: readonly number[], px: (k: number, call: boolean) => readonly [number, number]): ExpiryChain {
  const f = (call: boolean, side: 0 | 1) => Float64Array.from(strikes, (k) => px(k, call)[side]);
  const zeros = () => new Float64Array(strikes.length);
  return {
    underlying: 'NIFTY', expiry, expiryTs: 0, kind: 'weekly', lotSize: 75, freezeQty: 1800, strikes: Float64Array.from(strikes),
    callKeys: strikes.map((k) => `${expiry}:${k}:CE`), putKeys: strikes.map((k) => `${expiry}:${k}:PE`),
    callBid: f(true, 0), callAsk: f(true, 1), callLtp: zeros(), callOi: zeros(), callTs: zeros(),
    putBid: f(false, 0), putAsk: f(false, 1), putLtp: zeros(), putOi: zeros(), putTs: zeros(),
  };
}

function snapshot(expiries: ExpiryChain[]): MarketSnapshot {
  return {
    cycleId: 'c', ts: 0, marketOpen: true, vix: null, source: 'test', expiries,
    spots: [{ underlying: 'NIFTY', instrumentKey: 'NSE_INDEX|Nifty 50', spot: 24_000, ts: 0 }],
    quality: { score: 1, components: { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 } },
  };
}

test('touches and approval refs through a kept QuoteIndex equal the scanned ones across price and strike changes', () => {
  const index = new QuoteIndex();
  const E1 = '2026-11-24';
  const E2 = '2026-12-01';
  const snaps = [
    snapshot([chain(E1, [23_900, 24_000, 24_100], (k, c) => [c ? 100 : 90, c ? 102 : Number.NaN]), chain(E2, [24_000], () => [200, 204])]),
    // Same keys, new prices (one row without any side).
    snapshot([chain(E1, [23_900, 24_000, 24_100], (k, c) => (k === 24_000 ? [Number.NaN, 0] : [c ? 110 : 95, c ? 111 : 96])), chain(E2, [24_000], () => [210, 214])]),
    // A new strike in the middle shifts every row after it; the second expiry is gone.
    snapshot([chain(E1, [23_900, 23_950, 24_000, 24_100], (k, c) => [k / 200 + (c ? 1 : 0), k / 200 + 2])]),
    // The same chain listed twice: the first listing answers.
    snapshot([chain(E1, [23_950, 24_000], () => [7, 8]), chain(E1, [24_000, 24_050], () => [9, 10])]),
  ];
  const keys = ['23900', '23950', '24000', '24050', '24100'].flatMap((k) => [E1, E2].flatMap((e) => [`${e}:${k}:CE`, `${e}:${k}:PE`]));
  const proposal = {
    id: 'p', underlying: 'NIFTY', legs: keys.map((instrumentKey) => ({ instrumentKey, underlying: 'NIFTY', expiry: E1, strike: 24_000, right: 'CE', side: 'BUY', quantity: 75 })),
  } as unknown as Proposal;
  const surface = { cycleId: 'c', ts: 0, expiries: [], computeMs: 0 } as never;
  for (const [n, s] of snaps.entries()) {
    const indexed = touchFromSnapshot(s, index);
    const scanned = touchFromSnapshot(s);
    for (const k of [...keys, 'nope']) assert.deepEqual(indexed(k), scanned(k), `snapshot ${n}: ${k}`);
    assert.deepEqual(marketRef(proposal, s, surface, index), marketRef(proposal, s, surface), `snapshot ${n}: ref`);
  }
  assert.deepEqual(touchFromSnapshot(snaps[2]!, index)(`${E1}:24000:PE`), { bid: 120, ask: 122 });
  assert.deepEqual(touchFromSnapshot(snaps[2]!, index)(`${E1}:23950:CE`), { bid: 23_950 / 200 + 1, ask: 23_950 / 200 + 2 });
  assert.equal(touchFromSnapshot(snaps[2]!, index)(`${E2}:24000:CE`), undefined);
  assert.deepEqual(touchFromSnapshot(snaps[3]!, index)(`${E1}:24000:CE`), { bid: 7, ask: 8 });
  assert.deepEqual(touchFromSnapshot(snaps[1]!, index)(`${E1}:24100:CE`), { bid: 110, ask: 111 });
  assert.equal(touchFromSnapshot(snaps[1]!, index)(`${E1}:24000:CE`), undefined);
});
