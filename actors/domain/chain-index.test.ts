import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ChainIndex, ltpAt, strikeAt, touchAt, type ChainRow } from './chain-index.ts';
import type { ExpiryChain } from './market-snapshot.ts';

/** A chain of `n` strikes whose prices say where they sit: bid = 1000·tag + 10·row + (put ? 1 : 0), ask = bid + 0.5,
 *  ltp = bid + 0.25. Keys are `expiry:strike:right`. */
function chain(expiry: string, strikes: readonly number[], tag: number): ExpiryChain {
  const f = (put: number, d: number) => Float64Array.from(strikes, (_, i) => 1000 * tag + 10 * i + put + d);
  const zeros = () => new Float64Array(strikes.length);
  return {
    underlying: 'NIFTY', expiry, expiryTs: 0, kind: 'weekly', lotSize: 65, freezeQty: 1800, strikes: Float64Array.from(strikes),
    callKeys: strikes.map((k) => `${expiry}:${k}:CE`), putKeys: strikes.map((k) => `${expiry}:${k}:PE`),
    callBid: f(0, 0), callAsk: f(0, 0.5), callLtp: f(0, 0.25), callOi: zeros(), callTs: zeros(),
    putBid: f(1, 0), putAsk: f(1, 0.5), putLtp: f(1, 0.25), putOi: zeros(), putTs: zeros(),
  };
}

const read = (r: ChainRow | undefined) => (r === undefined ? undefined : { expiry: r.chain.expiry, strike: strikeAt(r), right: r.right, ...touchAt(r), ltp: ltpAt(r) });
const strikes = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + 100 * i);

test('a key resolves to its own chain, row and side across chains of different lengths', () => {
  // A short chain between two long ones: an index that mixed up rows per chain would land in the wrong one.
  const chains = [chain('2026-12-08', strikes(20_000, 41), 0), chain('2026-12-15', strikes(20_000, 3), 1), chain('2026-12-29', strikes(20_000, 41), 2)];
  const ix = new ChainIndex();
  assert.deepEqual(read(ix.locate(chains, '2026-12-08:24000:CE')), { expiry: '2026-12-08', strike: 24_000, right: 'CE', bid: 400, ask: 400.5, ltp: 400.25 });
  assert.deepEqual(read(ix.locate(chains, '2026-12-15:20200:PE')), { expiry: '2026-12-15', strike: 20_200, right: 'PE', bid: 1021, ask: 1021.5, ltp: 1021.25 });
  assert.deepEqual(read(ix.locate(chains, '2026-12-29:20000:CE')), { expiry: '2026-12-29', strike: 20_000, right: 'CE', bid: 2000, ask: 2000.5, ltp: 2000.25 });
  assert.deepEqual(read(ix.locate(chains, '2026-12-29:24000:PE')), { expiry: '2026-12-29', strike: 24_000, right: 'PE', bid: 2401, ask: 2401.5, ltp: 2401.25 });
  assert.equal(ix.locate(chains, '2026-12-15:20300:CE'), undefined, 'past the end of a short chain');
  assert.equal(ix.locate(chains, 'NSE_FO|nothing'), undefined);
  assert.equal(ix.locate([], '2026-12-08:24000:CE'), undefined, 'no chains');
});

test('a key listed twice resolves to its first listing, as a scan would', () => {
  const ix = new ChainIndex();
  const chains = [chain('2026-12-08', [24_000, 24_100], 3), chain('2026-12-08', [23_900, 24_000], 5)];
  assert.deepEqual(read(ix.locate(chains, '2026-12-08:24000:PE')), { expiry: '2026-12-08', strike: 24_000, right: 'PE', bid: 3001, ask: 3001.5, ltp: 3001.25 });
  assert.deepEqual(read(ix.locate(chains, '2026-12-08:23900:CE')), { expiry: '2026-12-08', strike: 23_900, right: 'CE', bid: 5000, ask: 5000.5, ltp: 5000.25 });
});

test('kept across snapshots: new prices are read from the new chains; a changed layout is re-indexed', () => {
  const ix = new ChainIndex();
  const a = [chain('2026-12-08', [24_000, 24_100], 1)];
  assert.equal(touchAt(ix.locate(a, '2026-12-08:24100:CE')!).bid, 1010);
  // Same keys, new prices.
  const b = [chain('2026-12-08', [24_000, 24_100], 7)];
  assert.equal(touchAt(ix.locate(b, '2026-12-08:24100:CE')!).bid, 7010);
  // A new strike below shifts every row: 24100 is now row 2; 23900 is new; an expiry added.
  const c = [chain('2026-12-08', [23_900, 24_000, 24_100], 2), chain('2026-12-15', [24_000], 4)];
  assert.deepEqual(read(ix.locate(c, '2026-12-08:24100:CE')), { expiry: '2026-12-08', strike: 24_100, right: 'CE', bid: 2020, ask: 2020.5, ltp: 2020.25 });
  assert.equal(touchAt(ix.locate(c, '2026-12-08:23900:PE')!).bid, 2001);
  assert.equal(touchAt(ix.locate(c, '2026-12-15:24000:CE')!).bid, 4000);
  // The strike is gone again, and so is the second expiry.
  const d = [chain('2026-12-08', [24_000, 24_100], 6)];
  assert.equal(ix.locate(d, '2026-12-08:23900:PE'), undefined);
  assert.equal(ix.locate(d, '2026-12-15:24000:CE'), undefined);
  assert.equal(touchAt(ix.locate(d, '2026-12-08:24100:PE')!).bid, 6011);
});
