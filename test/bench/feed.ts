/**
 * @module Feed bench: ticks_per_s (msgpack decode + apply into the book) and snapshot_build_ms (NIFTY 4 expiries +
 * BANKNIFTY 2, with quality). Input is a simulated session's real tick stream, so batch shapes are realistic.
 */
import { pack, unpack } from 'msgpackr';
import { percentile, type Figure } from './main.ts';
import { FeedCore } from '../../actors/feed/core.ts';
import { SimMarket, STEP_MS } from '../../actors/venues/sim/market.ts';
import { istInstant } from '../../actors/domain/calendar.ts';
import type { InstrumentInfo, SubscriptionCaps, Tick } from '../../actors/venues/market-data.ts';
import { Book } from '../../actors/feed/book.ts';
import { buildLayout } from '../../actors/feed/layout.ts';
import { DEFAULT_PLAN, planSubscriptions } from '../../actors/feed/subscriptions.ts';
import { nseOptionMaster } from '../../actors/venues/upstox/fake/master.ts';

export async function run(): Promise<Figure[]> {
  const t0 = istInstant('2026-11-23', 10 * 60);
  const market = new SimMarket({ seed: 1, startMs: t0 });
  const frames: Uint8Array[] = [pack(market.snapshotTicks())];
  market.drainChanged();
  let count = market.instruments().length;
  for (let now = t0 + STEP_MS; now <= t0 + 300_000; now += STEP_MS) {
    market.advanceTo(now);
    const ticks = market.drainChanged();
    count += ticks.length;
    frames.push(pack(ticks));
  }
  const core = new FeedCore({ source: 'bench' }, 0);
  core.setInstruments(market.instruments());
  // Warm-up, then timed passes over the same frames (decode + apply, as the worker does per batch).
  const pass = () => {
    for (const f of frames) core.book.applyAll(unpack(f) as Tick[]);
  };
  pass();
  const rates: number[] = [];
  for (let r = 0; r < 5; r++) {
    const s = performance.now();
    pass();
    rates.push(count / ((performance.now() - s) / 1000));
  }
  const now = market.now;
  const times: number[] = [];
  for (let i = 0; i < 200; i++) core.snapshot('w', now, 0);
  for (let i = 0; i < 1000; i++) {
    const s = performance.now();
    core.snapshot(`c${i}`, now, 0);
    times.push(performance.now() - s);
  }
  const snap = core.snapshot('check', now, 0);
  if (snap.expiries.length !== 6) throw new Error(`expected 6 expiries in the bench snapshot, was ${snap.expiries.length}`);
  const plan = subscriptionPlanning();
  return [
    { suite: 'feed', metric: 'ticks_per_s', value: percentile(rates, 50), unit: 'ticks/s', budget: '>= 250k' },
    { suite: 'feed', metric: 'subscription_plan_ms', value: plan.full, unit: 'ms', budget: '<= 20 (p50)' },
    { suite: 'feed', metric: 'subscription_replan_ms', value: plan.replan, unit: 'ms' },
    { suite: 'feed', metric: 'snapshot_build_ms', value: percentile(times, 50), unit: 'ms', budget: '<= 1 (p50)' },
    { suite: 'feed', metric: 'snapshot_build_p99_ms', value: percentile(times, 99), unit: 'ms' },
  ];
}

/**
 * Subscription planning over a real-scale instrument list (NSE's structure on 7 Dec 2026: ≈ 2,300 NIFTY/BANKNIFTY
 * contracts, expiries to 2031): `full` = the layout from the list plus the plan (what an instrument refresh costs);
 * `replan` = the plan alone as the spot moves (what the feed does every second). p50 of 200 runs each.
 */
function subscriptionPlanning(): { full: number; replan: number } {
  const listed = nseOptionMaster('2026-12-07', [
    { underlying: 'NIFTY', indexKey: 'NSE_INDEX|Nifty 50', spot: 26_000, lotSize: 65, freezeQty: 1800, tokenBase: 40_000 },
    { underlying: 'BANKNIFTY', indexKey: 'NSE_INDEX|Nifty Bank', spot: 59_500, lotSize: 30, freezeQty: 600, tokenBase: 60_000 },
  ]);
  const list: InstrumentInfo[] = listed.map((c) => ({
    instrumentKey: `NSE_FO|${c.token}`, underlying: c.underlying, kind: c.right, expiry: c.expiry, strike: c.strike,
    lotSize: c.lotSize, freezeQty: c.freezeQty, tickSize: 0.05, weekly: c.cycle === 'weekly',
  }));
  if (list.length < 2000) throw new Error(`expected a real-scale list (> 2,000 contracts), was ${list.length}`);
  const caps: SubscriptionCaps = { alone: { ltp: 5000, quote: 3000, depth: 2000 }, combined: { ltp: 2000, quote: 2000, depth: 1500 } };
  const now = istInstant('2026-12-07', 10 * 60);
  const full: number[] = [];
  const replan: number[] = [];
  for (let i = 0; i < 220; i++) {
    const s0 = performance.now();
    const layout = buildLayout(list, new Book(4096));
    const first = planSubscriptions(layout, { now, spots: { NIFTY: 26_000, BANKNIFTY: 59_500 }, prev: null }, DEFAULT_PLAN, caps);
    const s1 = performance.now();
    planSubscriptions(layout, { now, spots: { NIFTY: 26_000 + (i % 20) * 25, BANKNIFTY: 59_500 - (i % 20) * 60 }, prev: first }, DEFAULT_PLAN, caps);
    const s2 = performance.now();
    if (i >= 20) { full.push(s1 - s0); replan.push(s2 - s1); }
  }
  return { full: percentile(full, 50), replan: percentile(replan, 50) };
}
