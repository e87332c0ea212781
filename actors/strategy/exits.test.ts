import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChargesSchedule } from '../domain/charges.ts';
import { SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE } from '../domain/data/charges-schedule.ts';
import { initialState, transition, type StrategyState } from './core.ts';
import { closeCharges } from './exits.ts';
import { roundTripCharges } from './sizing.ts';
import { bookOf, condor, market, params, request, type MarketSpec } from './fixtures.ts';
import type { Quote } from './market.ts';
import type { ProposeRequest } from './messages.ts';
import type { StrategyParams } from './params.ts';
import { istEpoch } from './session.ts';
import type { Right } from '../domain/right.ts';

const SCHEDULE = parseChargesSchedule(SHIPPED_CHARGES_CSV, SHIPPED_CHARGES_FILE);
const DAY = '2026-01-07';
const at = (hh: number, mm: number) => istEpoch(DAY, hh * 60 + mm);
const STRIKES = { pw: 23000, ps: 23500, cs: 24500, cw: 25000 };

function quotes(mids: Record<number, number>): Map<string, Quote> {
  const m = new Map<string, Quote>();
  for (const l of condor('x', STRIKES, 1).legs) {
    const px = mids[l.strike]!;
    m.set(l.instrumentKey, { instrumentKey: l.instrumentKey, underlying: 'NIFTY', expiry: l.expiry, strike: l.strike, right: l.right, bid: px - 0.1, ask: px + 0.1 });
  }
  return m;
}

test('the charges to close a condor: each leg one order at its mid (January 2026 rates)', () => {
  const q = quotes({ 24500: 40, 23500: 35, 25000: 10, 23000: 8 });
  // BUY 65 @ 40 (2600): brokerage 20; exchange 0.91078 → 0.91; SEBI 0.0026 → 0; IPFT 0.013 → 0.01; stamp 0.078 →
  //   0.08; GST 18 % × 20.91 = 3.7638 → 3.76; total 24.76.
  // BUY 65 @ 35 (2275): exchange 0.7969 → 0.80; IPFT 0.0114 → 0.01; stamp 0.06825 → 0.07; GST 18 % × 20.80 = 3.744 →
  //   3.74; total 24.62.
  // SELL 65 @ 10 (650): STT 0.65 → ₹1; exchange 0.2277 → 0.23; IPFT 0.00325 → 0; GST 18 % × 20.23 = 3.6414 → 3.64;
  //   total 24.87.
  // SELL 65 @ 8 (520): STT 0.52 → ₹1; exchange 0.1822 → 0.18; GST 18 % × 20.18 = 3.6324 → 3.63; total 24.81.
  // Sum 24.76 + 24.62 + 24.87 + 24.81 = 99.06.
  assert.equal(closeCharges(condor('x', STRIKES, 1), q, 1800, SCHEDULE, DAY).total, 99.06);
  // A leg above the freeze limit goes out in slices, each an order: 130 units with a freeze of 65 → 2 orders per leg.
  const big = condor('x', STRIKES, 1, {}, 130);
  assert.equal(closeCharges(big, q, 65, SCHEDULE, DAY).brokerage, 8 * 20);
});

function cycle(state: StrategyState, spec: MarketSpec, p: StrategyParams, over: Partial<ProposeRequest> = {}) {
  return transition(state, { type: 'strategy.propose', body: request(market(spec, 'c1'), over) }, p);
}

function warmed(p: StrategyParams): StrategyState {
  let state = initialState();
  for (let i = 0; i < 40; i++) {
    const amp = (i % 2 === 0 ? 1 : -1) * 0.00002;
    state = transition(state, { type: 'strategy.propose', body: request(market({ now: at(9, 16) + i * 60_000, nifty: 24_000 * (1 + amp), banknifty: 52_000 * (1 + amp) }, `w${i}`)) }, p).state;
  }
  return state;
}

test('the profit target is net of the charges to close: gross at the target is not enough', () => {
  const p = params();
  const s = warmed(p);
  const m = market({ now: at(10, 0) });
  const chain = m.snapshot.expiries[0]!;
  const midOf = (k: number, r: Right) => {
    const i = chain.strikes.indexOf(k);
    return r === 'CE' ? (chain.callBid[i]! + chain.callAsk[i]!) / 2 : (chain.putBid[i]! + chain.putAsk[i]!) / 2;
  };
  const debit = midOf(24500, 'CE') + midOf(23500, 'PE') - midOf(25000, 'CE') - midOf(23000, 'PE');
  const fixtureQuotes = new Map<string, Quote>();
  for (const l of condor('x', STRIKES, 1).legs) {
    const px = midOf(l.strike, l.right);
    fixtureQuotes.set(l.instrumentKey, { instrumentKey: l.instrumentKey, underlying: 'NIFTY', expiry: l.expiry, strike: l.strike, right: l.right, bid: px, ask: px });
  }
  const close = closeCharges(condor('x', STRIKES, 1), fixtureQuotes, chain.freezeQty, SCHEDULE, DAY).total;
  assert.ok(close > 90 && close < 110, `four ₹20 orders and their taxes, was ${close}`);
  // Target 50 % of the credit c over 65 units: gross (c − debit)·65 ≥ 0.5·c·65 ⟺ c ≥ 2·debit; net of the charges to
  // close, (c − debit)·65 − close ≥ 0.5·c·65 ⟺ c ≥ 2·debit + 2·close/65.
  const exitOf = (credit: number) => cycle(s, { now: at(10, 0) }, p, { book: bookOf(condor('x', STRIKES, credit)) })
    .out.proposals.find((x) => x.structureId === 'x');
  const grossOnly = exitOf(2 * debit + close / 65);
  assert.equal(grossOnly, undefined, 'gross reaches 50 % but the charges to close take it below');
  const net = exitOf(2 * debit + 3 * close / 65);
  assert.equal(net?.rationale['exit'], 'profit');
  assert.equal(net?.rationale['chargesToClose'], close);
  // The structure's P&L net of every charge: booked on it (₹108.33 here) and to close.
  const booked = cycle(s, { now: at(10, 0) }, p, { book: bookOf(condor('x', STRIKES, 2 * debit + 3 * close / 65, { charges: 108.33 })) })
    .out.proposals.find((x) => x.structureId === 'x');
  const c = 2 * debit + 3 * close / 65;
  assert.ok(Math.abs(Number(booked?.rationale['netPnl']) - ((c - debit) * 65 - 108.33 - close)) < 1e-6);
});

test('sizing: round-trip charges of a condor, each leg an order each way at its entry price (January 2026 rates)', () => {
  const legs = [
    { side: 'BUY' as const, price: 8, quantity: 65 }, { side: 'BUY' as const, price: 10, quantity: 65 },
    { side: 'SELL' as const, price: 35, quantity: 65 }, { side: 'SELL' as const, price: 40, quantity: 65 },
  ];
  // Open: BUY 65 @ 8 (520): exchange 0.18, stamp 0.0156 → 0.02, GST 18 % × 20.18 = 3.63 → 23.83; BUY 65 @ 10 (650):
  // exchange 0.23, stamp 0.02, GST 3.64 → 23.89; SELL 65 @ 35 (2275): STT 2.275 → ₹2, exchange 0.80, IPFT 0.01,
  // GST 3.74 → 26.55; SELL 65 @ 40 (2600): STT 2.6 → ₹3, exchange 0.91, IPFT 0.01, GST 3.76 → 27.68. Sum 101.95.
  // Close at the same prices: 99.06 (the first test's four orders). Round trip 101.95 + 99.06 = 201.01.
  assert.equal(roundTripCharges(SCHEDULE, DAY, legs, 1800), 201.01);
});

test('sizing: an entry risks its max loss plus its round-trip charges within the per-trade budget', () => {
  const p = params();
  const { out } = cycle(warmed(p), { now: at(10, 0) }, p);
  const open = out.proposals.filter((x) => x.action === 'open');
  assert.ok(open.length > 0);
  for (const o of open) {
    const r = o.rationale;
    assert.ok(Number(r['roundTripCharges']) > 0);
    assert.ok(Number(r['maxLossTotal']) + Number(r['roundTripCharges']) <= Math.min(Number(r['tradeBudget']), Number(r['bucketBudgetLeft'])));
  }
});

test('a structure whose contracts expired is never proposed for close: it no longer trades, settlement closes it', () => {
  const p = params();
  // The bench's case: the 13 Jan condor's shorts were bought back on expiry day, its long wings found no bid and were
  // held past the close. The next morning (market open, the 13 Jan chain gone) the wings await their settlement.
  const wings = condor('x', STRIKES, 1);
  const held = { ...wings, legs: wings.legs.filter((l) => l.side === 'BUY') };
  const next = istEpoch('2026-01-14', 10 * 60);
  const exits = (now: number) => cycle(initialState(), { now }, p, { book: bookOf(held) }).out.proposals.filter((x) => x.structureId === 'x');
  assert.deepEqual(exits(next), []);
  // Before the close the time exit still applies (59 minutes to the 13 Jan close at 15:30).
  assert.equal(exits(istEpoch('2026-01-13', 14 * 60 + 31))[0]?.rationale['exit'], 'time');
});
