/**
 * Issue 14: a position found at the broker is adopted with the broker's average price and sign. A broker lists one
 * row per instrument and product, closed rows included: an intraday (`I`) round trip earlier in the day leaves a row
 * with quantity 0 beside the carried (`D`) short — reconciliation must see the net position, not whichever row came
 * last. Against the Upstox fake over loopback (its positions API as Upstox serves it) and as a pure check.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ExecutorEngine } from '../../actors/executor/engine.ts';
import { netByInstrument } from '../../actors/executor/broker-positions.ts';
import { reconcilePositions } from '../../actors/executor/recon.ts';
import { initialState } from '../../actors/executor/state.ts';
import type { BrokerPosition } from '../../actors/venues/broker.ts';
import { ManualClock } from '../../runtime/clock.ts';
import { CFG } from './executor-harness.ts';
import { niftyKeys, rig } from './upstox-helpers.ts';

test('adoption takes the net position per instrument, signed, at the average of the units held', () => {
  // The figures: the broker holds −65 at 526.35 (D); an intraday row, closed, last marked 515.3.
  const rows: BrokerPosition[] = [
    { instrumentKey: 'K', product: 'D', quantity: -65, averagePrice: 526.35, realisedPnl: 0, lastPrice: 515.3 },
    { instrumentKey: 'K', product: 'I', quantity: 0, averagePrice: 515.3, realisedPnl: -120, lastPrice: 515.3 },
  ];
  const describe = () => ({ instrumentKey: 'K', underlying: 'NIFTY' as const, expiry: '2026-12-15', strike: 26_000, right: 'CE' as const });
  const adopted = reconcilePositions(initialState(), netByInstrument(rows), [], 0, describe).events.find((e) => e.type === 'executor.positionAdopted');
  assert.ok(adopted?.type === 'executor.positionAdopted');
  assert.deepEqual([adopted.position.quantity, adopted.position.averagePrice], [-65, 526.35]);
  // Two open rows on the same side: the average of the units held, (65 × 526.35 + 130 × 500) / 195 = 508.783…
  const both = netByInstrument([{ ...rows[0]! }, { ...rows[1]!, quantity: -130, averagePrice: 500 }]);
  assert.equal(both.length, 1);
  assert.equal(both[0]!.quantity, -195);
  assert.ok(Math.abs(both[0]!.averagePrice - (65 * 526.35 + 130 * 500) / 195) < 1e-9);
  // Rows on both sides net: the average is the net side's (the long row's units were bought at 10, sold at 12).
  const net = netByInstrument([{ ...rows[0]! }, { ...rows[1]!, quantity: 130, averagePrice: 10 }]);
  assert.deepEqual([net[0]!.quantity, net[0]!.averagePrice], [65, 10]);
});

test('Upstox fake: a short carried at the broker beside a closed intraday round trip is adopted −lot @ the broker average', async () => {
  const r = await rig();
  try {
    const k = niftyKeys(r.fake);
    const lot = r.fake.state.market.instruments().find((i) => i.instrumentKey === k.call)!.lotSize!;
    const place = (id: string, side: 'BUY' | 'SELL', product: 'D' | 'I', price: number) => r.broker.placeOrder({
      clientOrderId: id, instrumentKey: k.call, side, quantity: lot, orderType: 'LIMIT', price, product, validity: 'DAY',
    });
    // Outside VolGuard: a carried short (the D row), then an intraday buy and sell (the I row, listed after it, ends
    // flat). Marketable limits: a buy far above the ask, a sell at the minimum tick.
    await place('manual-d1', 'SELL', 'D', 0.05);
    await place('manual-i1', 'BUY', 'I', 5000);
    await place('manual-i2', 'SELL', 'I', 0.05);
    const rows = await r.broker.getPositions();
    const d = rows.find((p) => p.instrumentKey === k.call && p.product === 'D')!;
    assert.equal(d.quantity, -lot);
    assert.ok(rows.some((p) => p.instrumentKey === k.call && p.product === 'I' && p.quantity === 0), 'the closed intraday row is listed');
    const clock = new ManualClock(Date.now());
    const engine = new ExecutorEngine({
      broker: r.broker,
      journal: { append: async () => 0, kvPut: async () => 0 },
      preTrade: async () => ({ allowed: true }),
      emergency: () => true,
      clock,
      sleep: async (ms) => clock.advance(ms),
    }, { ...CFG, live: true, phase: 'SEMI_AUTO' });
    try {
      await engine.reconcile();
      const p = engine.book().positions.find((x) => x.instrumentKey === k.call);
      assert.deepEqual([p?.quantity, p?.averagePrice, p?.structureId], [-lot, d.averagePrice, 'adopted']);
    } finally {
      engine.close();
    }
  } finally {
    await r.close();
  }
});

test('Upstox fake: the account is the funds API\'s (equity segment): available and used margin, equity their sum', async () => {
  const r = await rig();
  try {
    const clock = new ManualClock(Date.now());
    const engine = new ExecutorEngine({
      broker: r.broker, journal: { append: async () => 0, kvPut: async () => 0 }, preTrade: async () => ({ allowed: true }),
      emergency: () => true, clock, sleep: async (ms) => clock.advance(ms),
    }, { ...CFG, live: true, phase: 'SEMI_AUTO', capital: 1 });
    try {
      const funds = (await r.rest.fundsV2('SEC')).equity!;
      const a = await engine.account();
      assert.deepEqual(a, { source: 'upstox', equity: funds.available_margin + funds.used_margin, availableMargin: funds.available_margin, usedMargin: funds.used_margin, asOf: clock.now() });
      assert.ok(a.equity > 0);
    } finally {
      engine.close();
    }
  } finally {
    await r.close();
  }
});
