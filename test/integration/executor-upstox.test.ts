/**
 * The executor against the Upstox fake over real loopback HTTP (the live broker, `UpstoxBroker`, as SAFETY_MODE=live
 * builds it: no lot/freeze lookup of its own — the snapshot's chains carry the instrument master's — margin checked
 * and the broker's kill switch driven). Issue 15, the executor's side: products end to end, slicing VolGuard controls,
 * margin before sending, no MARKET order, hedges confirmed before shorts whatever the transport, the broker's kill
 * switch after an EMERGENCY flatten.
 */
import { test, beforeEach, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { ManualClock } from '../../runtime/clock.ts';
import { DeterministicMarket } from '../../actors/venues/upstox/fake/market.ts';
import { ExecutorEngine, type EngineConfig } from '../../actors/executor/engine.ts';
import type { ExecEvent } from '../../actors/executor/state.ts';
import type { ExecutionReport } from '../../actors/executor/messages.ts';
import type { ExpiryChain, MarketSnapshot } from '../../actors/domain/market-snapshot.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import type { Product } from '../../actors/domain/order.ts';
import { BrokerError, type OrderRequest } from '../../actors/venues/broker.ts';
import { CFG } from './executor-harness.ts';
import { rig, type Rig } from './upstox-helpers.ts';

let r: Rig;
/** The fake's clock runs this far ahead of the wall (the broker's 12 h kill-switch cooling period, waited out). */
let skewMs = 0;
// A fresh fake per test (an account of its own); a calm market: quotes never move, so marketable limits fill at once.
beforeEach(async () => {
  skewMs = 0;
  r = await rig({ market: new DeterministicMarket({ nowMs: Date.now(), calm: true }), now: () => Date.now() + skewMs });
});
afterEach(async () => r.close());

const LOT = 65;
/** 30 lots = 1,950 units: above NIFTY's 1,800 freeze quantity (a leg must go out as 27 lots + 3 lots). */
const ABOVE_FREEZE = 30 * LOT;

interface Live {
  readonly engine: ExecutorEngine;
  readonly journal: ExecEvent[];
  readonly clock: ManualClock;
  cycle(proposals?: Proposal[], snapshot?: MarketSnapshot): Promise<ExecutionReport>;
}

/** The engine as the live worker builds it: the Upstox broker, multi-order, margin check, the broker's kill switch. */
function live(cfg: Partial<EngineConfig> = {}): Live {
  const clock = new ManualClock(Date.now());
  const journal: ExecEvent[] = [];
  const engine = new ExecutorEngine({
    broker: r.broker,
    journal: { append: async (_t, body) => journal.push(structuredClone(body) as ExecEvent), kvPut: async () => 0 },
    preTrade: async () => ({ allowed: true }),
    emergency: () => true,
    clock,
    sleep: async (ms) => clock.advance(ms),
    multiOrder: true,
    marginCheck: true,
    venueKillSwitch: true,
  }, { ...CFG, live: true, fullAutoMinShadowDays: 0, fullAutoMinSemiAutoDays: 0, isMarketOpen: () => true, ...cfg });
  let n = 0;
  return {
    engine, journal, clock,
    cycle: (proposals = [], snapshot = snapshotOf()) => {
      n++;
      return engine.execute({
        cycleId: `u${n}`, proposals, snapshot: { ...snapshot, cycleId: `u${n}` }, surface: { cycleId: `u${n}`, ts: clock.now(), expiries: [], computeMs: 0 },
        killswitch: { state: 'NORMAL', effectivePhase: 'FULL_AUTO' }, phase: 'FULL_AUTO',
      });
    },
  };
}

/** The fake's nearest NIFTY expiry, ±6 strikes around the money, as the feed would chain it (lot and freeze from the master). */
function chainOf(): ExpiryChain {
  const opts = r.fake.state.market.instruments().filter((i) => i.underlying === 'NIFTY' && i.kind !== 'INDEX');
  const expiry = [...new Set(opts.map((i) => i.expiry!))].sort()[0]!;
  const all = [...new Set(opts.filter((i) => i.expiry === expiry).map((i) => i.strike!))].sort((a, b) => a - b);
  const mid = Math.floor(all.length / 2);
  const strikes = all.slice(mid - 6, mid + 7);
  const key = (k: number, kind: 'CE' | 'PE') => opts.find((i) => i.expiry === expiry && i.strike === k && i.kind === kind)!.instrumentKey;
  const best = (k: string) => r.fake.state.market.quote(k)?.depth?.[0];
  const callKeys = strikes.map((k) => key(k, 'CE'));
  const putKeys = strikes.map((k) => key(k, 'PE'));
  const f = (keys: string[], g: (k: string) => number) => Float64Array.from(keys.map(g));
  const now = Date.now();
  return {
    underlying: 'NIFTY', expiry, expiryTs: Date.parse(`${expiry}T10:10:00Z`), kind: 'weekly', lotSize: opts[0]!.lotSize!, freezeQty: opts[0]!.freezeQty!,
    strikes: Float64Array.from(strikes), callKeys, putKeys,
    callBid: f(callKeys, (k) => best(k)?.bidP ?? Number.NaN), callAsk: f(callKeys, (k) => best(k)?.askP ?? Number.NaN),
    callLtp: f(callKeys, () => Number.NaN), callOi: f(callKeys, () => 0), callTs: f(callKeys, () => now),
    putBid: f(putKeys, (k) => best(k)?.bidP ?? Number.NaN), putAsk: f(putKeys, (k) => best(k)?.askP ?? Number.NaN),
    putLtp: f(putKeys, () => Number.NaN), putOi: f(putKeys, () => 0), putTs: f(putKeys, () => now),
  };
}

function snapshotOf(): MarketSnapshot {
  const chain = chainOf();
  return {
    cycleId: 'u', ts: Date.now(), marketOpen: true, vix: 13,
    spots: [{ underlying: 'NIFTY', instrumentKey: 'NSE_INDEX|Nifty 50', spot: chain.strikes[6]!, ts: Date.now() }],
    expiries: [chain],
    quality: { score: 0.95, components: { staleness: 1, crossed: 1, missingStrikes: 1, spread: 1, forwardConsistency: 1, silence: 1 } },
    source: 'upstox',
  };
}

/** A NIFTY iron condor of `quantity` units a leg, SELL legs listed first (the executor must still send BUYs first). */
function condor(id: string, quantity: number): Proposal {
  const c = chainOf();
  const at = (i: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL') => ({
    instrumentKey: right === 'CE' ? c.callKeys[i]! : c.putKeys[i]!, underlying: 'NIFTY' as const, expiry: c.expiry, strike: c.strikes[i]!, right, side, quantity,
  });
  return {
    id, action: 'open', kind: 'iron_condor', bucket: 'weekly', underlying: 'NIFTY', expiry: c.expiry,
    legs: [at(8, 'CE', 'SELL'), at(4, 'PE', 'SELL'), at(11, 'CE', 'BUY'), at(1, 'PE', 'BUY')],
    reason: 'issue 15: above the freeze quantity', rationale: { test: true }, riskIncreasing: true,
  };
}

/** Cycles until the saga is done (fills reach the engine through reconciliation: this broker has no portfolio stream). */
async function untilDone(l: Live, first: ExecutionReport): Promise<string> {
  const sagaId = first.sagasStarted[0]!;
  for (let i = 0; i < 20; i++) {
    const s = l.engine.state.sagas[sagaId];
    if (s?.status === 'done') return s.outcome ?? 'none';
    l.clock.advance(1_000);
    await l.cycle();
  }
  return `not done: ${JSON.stringify(l.engine.state.sagas[sagaId])}`;
}

test('FULL_AUTO condor above the freeze quantity on the fake: every slice tagged <saga>-<leg>-<slice> and tracked to the end, in the configured product, no broker auto-slice, no MARKET, margin checked before sending, hedges filled before any short even when the basket runs out of order', { timeout: 60_000 }, async () => {
  const l = live({ product: 'I' });
  const logFrom = r.fake.state.orderLog.length;
  const marginCalls = r.fake.state.calls.get('POST /v2/charges/margin') ?? 0;
  // Upstox has run a basket's SELL lines before its BUY lines: a saga must not depend on the line order.
  await r.faults({ basketSellFirst: true });
  try {
    const p = condor('ic-freeze-1', ABOVE_FREEZE);
    const first = await l.cycle([p]);
    assert.deepEqual(first.denied, []);
    assert.equal(first.sagasStarted.length, 1);
    assert.ok((r.fake.state.calls.get('POST /v2/charges/margin') ?? 0) > marginCalls, 'the basket\'s margin was asked of the broker');
    assert.equal(await untilDone(l, first), 'completed');

    const log = r.fake.state.orderLog.slice(logFrom);
    // 4 legs × (27 lots + 3 lots) = 8 orders, each below the freeze quantity, each its own tag, none auto-sliced.
    assert.equal(log.length, 8, JSON.stringify(log));
    assert.deepEqual(log.map((e) => e.quantity).sort((a, b) => a - b), [195, 195, 195, 195, 1755, 1755, 1755, 1755]);
    assert.ok(log.every((e) => e.slice === false), 'no broker auto-slice');
    assert.ok(log.every((e) => e.order_type === 'LIMIT'), `no MARKET order: ${log.map((e) => e.order_type).join(',')}`);
    assert.ok(log.every((e) => e.product === 'I'), `every order in UPSTOX_PRODUCT (I): ${log.map((e) => e.product).join(',')}`);
    const tags = log.map((e) => e.tag!);
    assert.equal(new Set(tags).size, 8, 'one tag per order');
    assert.ok(tags.every((t) => /^VG1-[0-3]E0-[12]$/.test(t)), tags.join(','));
    // Hedges before shorts: every BUY reached the broker (and filled: the SELLs go only after) before any SELL.
    const sides = log.map((e) => e.transaction_type);
    assert.deepEqual(sides, ['BUY', 'BUY', 'BUY', 'BUY', 'SELL', 'SELL', 'SELL', 'SELL']);

    // Tracked to the end: every slice filled in the executor's book, and the positions add up per leg.
    const mine = Object.values(l.engine.state.orders);
    assert.equal(mine.length, 8);
    assert.ok(mine.every((o) => o.status === 'filled' && o.filledQuantity === o.quantity && o.product === 'I'));
    for (const leg of p.legs) assert.equal(l.engine.state.positions[leg.instrumentKey]?.quantity, leg.side === 'BUY' ? ABOVE_FREEZE : -ABOVE_FREEZE);
    // The broker agrees, in product I; reconciliation found nothing to HALT on.
    const atFake = (await r.broker.getPositions()).filter((x) => x.quantity !== 0);
    assert.deepEqual(atFake.map((x) => [x.instrumentKey, x.product, x.quantity]).sort(), p.legs.map((x) => [x.instrumentKey, 'I', x.side === 'BUY' ? ABOVE_FREEZE : -ABOVE_FREEZE]).sort());
    const report = await l.cycle();
    assert.equal(report.reconciliation.mismatch, undefined);
  } finally {
    l.engine.close();
  }
});

test('insufficient margin: the basket is refused before any order (INSUFFICIENT_MARGIN with the broker\'s required and available figures); nothing reaches the broker', { timeout: 60_000 }, async () => {
  const l = live();
  const logFrom = r.fake.state.orderLog.length;
  await r.faults({ capital: 5_000 });
  try {
    const report = await l.cycle([condor('ic-margin-1', 10 * LOT)]);
    assert.deepEqual(report.sagasStarted, []);
    const d = report.denied[0];
    assert.equal(d?.reason, 'INSUFFICIENT_MARGIN');
    const funds = await r.broker.getFunds();
    assert.equal(d?.margin?.available, funds.availableMargin);
    assert.ok(d !== undefined && d.margin !== undefined && d.margin.required > d.margin.available, JSON.stringify(d));
    assert.match(d?.detail ?? '', /margin required ₹[\d.]+ .* exceeds available ₹[\d.]+ \(funds v3\)/);
    assert.equal(r.fake.state.orderLog.length, logFrom, 'no order sent');
    assert.ok(l.journal.some((e) => e.type === 'executor.orderDenied' && e.denied.reason === 'INSUFFICIENT_MARGIN'), 'journaled');
  } finally {
    l.engine.close();
  }
});

test('EMERGENCY flatten on the fake: each position closed in its own product (an intraday short with an I order), shorts bought back before the hedge is sold even when the basket runs SELL lines first, no bare MARKET without a quote; then the broker\'s F&O kill switch is engaged and only an admin releases it', { timeout: 60_000 }, async () => {
  const c = chainOf();
  const shortKey = c.putKeys[5]!;
  const hedgeKey = c.putKeys[2]!;
  const order = (id: string, key: string, side: 'BUY' | 'SELL', product: Product): OrderRequest => {
    const best = r.fake.state.market.quote(key)!.depth![0]!;
    return { clientOrderId: id, instrumentKey: key, side, quantity: LOT, orderType: 'LIMIT', price: side === 'BUY' ? best.askP : best.bidP, product, validity: 'DAY' };
  };
  // Positions nobody in VolGuard opened: an intraday short and its carry-forward hedge.
  await r.broker.placeOrder(order('manual-hedge', hedgeKey, 'BUY', 'D'));
  await r.broker.placeOrder(order('manual-short', shortKey, 'SELL', 'I'));
  const l = live();
  const logFrom = r.fake.state.orderLog.length;
  await r.faults({ basketSellFirst: true });
  try {
    // No snapshot yet (a restart straight into EMERGENCY): no quote, so the last resort — MARKET with protection.
    const res = await l.engine.flatten('EMERGENCY: test');
    assert.equal(res.flat, true, JSON.stringify(res));
    const open = (await r.broker.getPositions()).filter((x) => x.quantity !== 0);
    assert.deepEqual(open, [], 'nothing left in any product (an I short closed with D would leave it and open a D long)');
    const log = r.fake.state.orderLog.slice(logFrom);
    assert.deepEqual(log.map((e) => [e.transaction_type, e.product]), [['BUY', 'I'], ['SELL', 'D']], `the short first, each in its own product: ${JSON.stringify(log)}`);

    // The backstop: the broker's kill switch for F&O, engaged once flat, shown, journaled.
    assert.equal(res.venueKillSwitch?.engaged, true, JSON.stringify(res.venueKillSwitch));
    const view = await l.engine.venueKillSwitch();
    assert.equal(view.segments.find((s) => s.segment === 'NSE_FO')?.engaged, true);
    assert.equal(view.last?.by, 'flatten');
    assert.ok(l.journal.some((e) => e.type === 'executor.venueKillSwitch' && e.record.engaged));
    // The broker refuses orders in the segment now.
    await assert.rejects(r.broker.placeOrder(order('after-ks', hedgeKey, 'BUY', 'D')).then(async (x) => {
      const o = await r.broker.getOrder(x.brokerOrderIds[0]!);
      if (o.status === 'rejected') throw new BrokerError('REJECTED', o.statusMessage ?? 'rejected', { reason: o.rejectReason });
    }), (e: BrokerError) => e.reason === 'SEGMENT_BLOCKED' || /kill switch/i.test(e.message));
    // Release: an admin's, with a reason; the broker refuses within its 12 h cooling period, and that is journaled too.
    await assert.rejects(l.engine.releaseVenueKillSwitch({ who: '', reason: 'x' }), /who, reason/);
    await assert.rejects(l.engine.releaseVenueKillSwitch({ who: 'admin', reason: 'test: release' }), /not released/);
    assert.equal(l.engine.state.venueKillSwitch?.by, 'admin');
    assert.equal(l.engine.state.venueKillSwitch?.engaged, true);
    // 12 h later (the fake's clock) an admin's release goes through.
    skewMs = 13 * 3_600_000;
    const released = await l.engine.releaseVenueKillSwitch({ who: 'admin', reason: 'test: cooling period over' });
    assert.equal(released.segments.find((s) => s.segment === 'NSE_FO')?.engaged, false);
    assert.deepEqual([l.engine.state.venueKillSwitch?.by, l.engine.state.venueKillSwitch?.engaged], ['admin', false]);
  } finally {
    l.engine.close();
  }
});
