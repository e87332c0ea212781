/**
 * FetchedSettlements (paper on the Upstox feed): the paper exchange settles its expired positions at a price it has to
 * ask for — by itself, when the executor asks for nothing (it had booked the expiry before a restart) — never before
 * the close, never at ₹0 while the price is unknown or the ask fails, one ask at a time shared with the executor's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ManualClock } from '../../../../runtime/clock.ts';
import { sessionCloseMs } from '../../../domain/calendar.ts';
import type { MarketSnapshot } from '../../../domain/market-snapshot.ts';
import type { Underlying } from '../../../domain/underlying.ts';
import { PaperBroker } from './exchange.ts';
import { FetchedSettlements } from './fetched-settlements.ts';
import { SnapshotQuotes } from './quotes.ts';

const EXPIRY = '2026-12-08';
const CALL = 'NSE_FO|25900CE';
const PUT = 'NSE_FO|25900PE';

function snapshot(ts: number): MarketSnapshot {
  const one = (x: number) => Float64Array.from([x]);
  return {
    cycleId: 'c', ts, marketOpen: true, vix: 13, spots: [{ underlying: 'NIFTY', instrumentKey: 'NSE_INDEX|Nifty 50', spot: 26_000, ts }],
    expiries: [{
      underlying: 'NIFTY', expiry: EXPIRY, expiryTs: sessionCloseMs(EXPIRY), kind: 'weekly', lotSize: 65, freezeQty: 1755,
      strikes: one(25_900), callKeys: [CALL], putKeys: [PUT],
      callBid: one(130), callAsk: one(131), callLtp: one(130.5), callOi: one(0), callTs: one(ts),
      putBid: one(30), putAsk: one(31), putLtp: one(30.5), putOi: one(0), putTs: one(ts),
    }],
    quality: { score: 0.95, components: { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 } },
    source: 'upstox',
  };
}

/** A source the test answers by hand: each ask waits until `answer` or `fail` resolves it. */
function manualSource() {
  const asks: { underlying: Underlying; expiry: string; resolve: (p: number | undefined) => void; reject: (e: Error) => void }[] = [];
  return {
    asks,
    source: (underlying: Underlying, expiry: string) => new Promise<number | undefined>((resolve, reject) => asks.push({ underlying, expiry, resolve, reject })),
  };
}

test('the paper exchange settles a short call by itself at a fetched close: not before the close, waits while unknown or failed, one ask shared with the executor', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'paper-fetched-'));
  try {
    const clock = new ManualClock(sessionCloseMs(EXPIRY) - 3_600_000);
    const snapshots = new SnapshotQuotes();
    snapshots.update(snapshot(clock.now()));
    const { asks, source } = manualSource();
    const errors: string[] = [];
    const finals = new FetchedSettlements(snapshots, source, () => clock.now(), (err, u, e) => errors.push(`${u} ${e}: ${err.message}`));
    const broker = new PaperBroker({ dir, clock, quotes: snapshots.quote, instruments: snapshots.rules, capital: 1_000_000, isMarketOpen: () => true, settlement: finals.settlementValue });
    await broker.placeOrder({ clientOrderId: 'o1', instrumentKey: CALL, side: 'SELL', quantity: 65, orderType: 'LIMIT', price: 130, product: 'D', validity: 'DAY' });
    assert.deepEqual((await broker.getPositions()).map((p) => [p.quantity, p.averagePrice]), [[-65, 130]]);
    assert.equal(asks.length, 0, 'nothing asked before the close');
    assert.equal(await finals.price('NIFTY', EXPIRY), undefined);
    assert.equal(asks.length, 0, 'the executor asks for nothing before the close either');

    // Past the close: the exchange's look starts one ask; the position waits meanwhile.
    clock.set(sessionCloseMs(EXPIRY) + 60_000);
    assert.equal((await broker.getPositions())[0]?.quantity, -65);
    assert.equal(asks.length, 1);
    assert.deepEqual([asks[0]!.underlying, asks[0]!.expiry], ['NIFTY', EXPIRY]);
    await broker.getPositions();
    assert.equal(asks.length, 1, 'one ask at a time');
    // Not published yet: unknown, not ₹0.
    asks[0]!.resolve(undefined);
    await new Promise<void>((r) => setImmediate(r));
    assert.equal((await broker.getPositions())[0]?.quantity, -65);
    // A failed ask: reported, the position waits.
    assert.equal(asks.length, 2);
    asks[1]!.reject(new Error('GET /v3/historical-candle: expected an answer, was a timeout after 2000 ms'));
    await new Promise<void>((r) => setImmediate(r));
    assert.deepEqual(errors, [`NIFTY ${EXPIRY}: GET /v3/historical-candle: expected an answer, was a timeout after 2000 ms`]);
    assert.equal((await broker.getPositions())[0]?.quantity, -65);

    // The executor's ask and the exchange's share the next one; the index closed at 26,000.
    assert.equal(asks.length, 3);
    const executorAsk = finals.price('NIFTY', EXPIRY);
    assert.equal(asks.length, 3, 'the executor joins the ask in flight');
    asks[2]!.resolve(26_000);
    assert.equal(await executorAsk, 26_000);
    // Intrinsic of the 25,900 CE at 26,000 = 100; short 65 sold at 130: (100 − 130) × −65 = +1,950.00 realised.
    const [p] = await broker.getPositions();
    assert.deepEqual([p?.quantity, p?.realisedPnl], [0, 1950]);
    assert.equal((await broker.getFunds()).availableMargin, 1_000_000 + 1950);
    // Known for good: no more asks, the same figure.
    assert.equal(await finals.price('NIFTY', EXPIRY), 26_000);
    await broker.getPositions();
    assert.equal(asks.length, 3);
    await broker.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
