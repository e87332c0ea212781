import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FeedCore } from './core.ts';
import { SimMarket, STEP_MS } from '../venues/sim/market.ts';
import { istInstant } from '../domain/calendar.ts';
import type { QualityComponents } from '../domain/data-quality.ts';
import { staleAfterMarketMs } from './quality.ts';

const OPEN = istInstant('2026-11-23', 9 * 60 + 15);
const T0 = OPEN + 30 * 60_000;

/** A feed fed by the simulator, wall time == market time (speed 1), both driven by hand. */
function rig() {
  const market = new SimMarket({ seed: 11, startMs: T0 - 120_000 });
  const core = new FeedCore({ source: 'sim' }, T0 - 120_000);
  core.setInstruments(market.instruments());
  core.onTicks(market.snapshotTicks(), T0 - 120_000);
  let now = T0 - 120_000;
  const run = (ms: number) => {
    const events = [];
    for (const end = now + ms; now < end;) {
      now += STEP_MS;
      market.advanceTo(now);
      const e1 = core.onTicks(market.drainChanged(), now);
      const e2 = core.check(now, now);
      if (e1) events.push(e1);
      if (e2) events.push(e2);
    }
    return events;
  };
  run(120_000);
  return { market, core, run, now: () => now };
}

function components(core: FeedCore, now: number): QualityComponents {
  return core.snapshot('c', now, now).quality.components;
}

test('a healthy simulated feed scores high on every component', () => {
  const { core, now } = rig();
  const snap = core.snapshot('c1', now(), now());
  assert.equal(snap.expiries.filter((e) => e.underlying === 'NIFTY').length, 4);
  assert.equal(snap.expiries.filter((e) => e.underlying === 'BANKNIFTY').length, 2);
  assert.equal(snap.spots.length, 2);
  assert.ok(snap.vix !== null && snap.vix > 5);
  for (const [k, v] of Object.entries(snap.quality.components)) assert.ok(v >= 0.8, `${k} = ${v}`);
  assert.ok(snap.quality.score >= 0.8);
});

const cases: readonly [kind: 'stale' | 'crossed' | 'locked' | 'missing' | 'gap' | 'silence', component: keyof QualityComponents, wait: number][] = [
  ['stale', 'staleness', 40_000],
  ['crossed', 'crossed', 1_000],
  ['locked', 'crossed', 1_000],
  ['missing', 'missingStrikes', 1_000],
  ['gap', 'forwardConsistency', 1_000],
  ['silence', 'silence', 4_000],
];
for (const [kind, component, wait] of cases) {
  test(`an injected ${kind} fault lowers ${component}`, () => {
    const { core, run, now } = rig();
    const before = components(core, now());
    core.chaos({ kind, seconds: 120 }, now(), now());
    run(wait);
    const after = components(core, now());
    assert.ok(after[component] < before[component] - 0.1, `${component}: ${before[component]} → ${after[component]}`);
    assert.ok(core.snapshot('c', now(), now()).quality.score <= after[component]);
  });
}

test('a burst multiplies ticks without hurting quality', () => {
  const { core, run, now } = rig();
  const before = core.ticksTotal;
  run(5_000);
  const normal = core.ticksTotal - before;
  core.chaos({ kind: 'burst', seconds: 60 }, now(), now());
  const mid = core.ticksTotal;
  run(5_000);
  assert.ok(core.ticksTotal - mid >= 5 * normal);
  assert.ok(components(core, now()).crossed === 1);
});

test('silence while open raises feed.stalled at the limit and feed.recovered when data returns', () => {
  const { core, run, now } = rig();
  core.chaos({ kind: 'silence', seconds: 8 }, now(), now());
  const events = run(12_000);
  assert.deepEqual(events.map((e) => e.type), ['feed.stalled', 'feed.recovered']);
  const stalled = events[0]!;
  assert.ok(stalled.type === 'feed.stalled' && stalled.body.silentMs >= 5_000 && stalled.body.silentMs < 5_000 + STEP_MS * 2);
});

test('off-hours silence is not a stall', () => {
  const close = istInstant('2026-11-23', 15 * 60 + 40); // the F&O close from 3 Aug 2026
  const core = new FeedCore({ source: 'sim' }, close - 1000);
  assert.equal(core.check(close + 60_000, close + 60_000), null);
  assert.equal(core.check(close + 3_600_000, close + 3_600_000), null);
  // and a stall open at the close is cleared
  const c2 = new FeedCore({ source: 'sim' }, close - 10_000);
  assert.equal(c2.check(close - 1, close - 1)?.type, 'feed.stalled');
  assert.equal(c2.check(close + 1, close + 1)?.type, 'feed.recovered');
});

test('bad ticks are refused one by one with a clear reason', () => {
  const core = new FeedCore({ source: 'sim' }, T0);
  core.onTicks([
    { instrumentKey: 'NSE_INDEX|Nifty 50', ts: T0, ltp: 26_000 },
    { instrumentKey: 'NSE_INDEX|Nifty Bank', ts: T0, ltp: Number.NaN },
    { instrumentKey: '', ts: T0, ltp: 1 },
  ], T0);
  assert.equal(core.ticksTotal, 1);
  assert.equal(core.book.rejected, 2);
  assert.match(core.book.lastRejection ?? '', /expected an instrumentKey string/);
});

test('the broker\'s greeks are kept per instrument; a non-finite greek refuses the tick', () => {
  const core = new FeedCore({ source: 'upstox' }, T0);
  core.onTicks([
    { instrumentKey: 'NSE_FO|1', ts: T0, ltp: 100, iv: 0.14, delta: 0.4, gamma: 0.0012, theta: -11.2, vega: 12.3 },
    { instrumentKey: 'NSE_FO|2', ts: T0, ltp: 50, delta: 0.2, gamma: Number.NaN },
  ], T0);
  const i = core.book.find('NSE_FO|1');
  assert.deepEqual([core.book.iv[i], core.book.delta[i], core.book.gamma[i], core.book.theta[i], core.book.vega[i]], [0.14, 0.4, 0.0012, -11.2, 12.3]);
  assert.equal(core.book.find('NSE_FO|2'), -1);
  assert.match(core.book.lastRejection ?? '', /expected finite greeks on NSE_FO\|2/);
});

test('a stall time shorter than the silence grace still scores fresh data as healthy and silence as bad', () => {
  const market = new SimMarket({ seed: 11, startMs: T0 - 60_000 });
  const core = new FeedCore({ source: 'sim', quality: { stallMs: 1_000 } }, T0 - 60_000);
  core.setInstruments(market.instruments());
  let now = T0 - 60_000;
  core.onTicks(market.snapshotTicks(), now);
  while (now < T0) {
    now += STEP_MS;
    market.advanceTo(now);
    core.onTicks(market.drainChanged(), now);
  }
  assert.equal(core.snapshot('c', now, now).quality.components.silence, 1);
  assert.equal(core.snapshot('c', now + 1_000, now + 1_000).quality.components.silence, 0);
});

test('at 600× a quote one 100 ms poll old is fresh when the tolerance is scaled to market time, stale when it is not', () => {
  const speed = 600;
  const build = (staleMs: number) => {
    const market = new SimMarket({ seed: 11, startMs: T0 - 60_000 });
    const core = new FeedCore({ source: 'sim', quality: { staleMs } }, T0 - 60_000);
    core.setInstruments(market.instruments());
    core.onTicks(market.snapshotTicks(), T0 - 60_000);
    return core;
  };
  // The snapshot is taken 60 market seconds (100 ms of wall time at 600×) after the last delivery.
  const at = T0;
  assert.equal(build(staleAfterMarketMs(30_000, speed)).snapshot('c', at, at).quality.components.staleness, 1);
  assert.ok(build(30_000).snapshot('c', at, at).quality.components.staleness < 0.5);
  assert.throws(() => staleAfterMarketMs(30_000, 0), /expected positive/);
});

test('final settlement prices ride on the snapshots from their publication for a week; a bad batch is refused whole and counted', () => {
  const core = new FeedCore({ source: 'replay' }, 0);
  const at = istInstant('2026-01-13', 15 * 60 + 30);
  const final = (underlying: 'NIFTY' | 'BANKNIFTY', price: number) => ({ kind: 'final' as const, underlying, expiry: '2026-01-13', price, underlyingClose: price, source: 'exchange' as const });
  assert.equal(core.onSettlements([final('NIFTY', 25732.3), { ...final('NIFTY', 30), kind: 'daily', expiry: '2026-01-20' }], at), null);
  assert.equal(core.snapshot('c', at - 1, 0).settlements, undefined, 'not before its publication');
  const published = [{ underlying: 'NIFTY', expiry: '2026-01-13', price: 25732.3, ts: at, source: 'exchange' }];
  assert.deepEqual(core.snapshot('c', at, 0).settlements, published);
  assert.deepEqual(core.snapshot('c', at + 7 * 86_400_000 - 1, 0).settlements, published);
  assert.equal(core.snapshot('c', at + 7 * 86_400_000, 0).settlements, undefined, 'a week on, no longer carried');
  // A batch with a second figure for the expiry (beside a good BANKNIFTY one) changes nothing; so does a non-positive price.
  assert.match(core.onSettlements([final('BANKNIFTY', 59000), final('NIFTY', 25732.35)], at + 60_000) ?? '', /one final settlement price for NIFTY 2026-01-13, was 25732.3 and 25732.35/);
  assert.match(core.onSettlements([final('BANKNIFTY', 0)], at + 60_000) ?? '', /positive final settlement price/);
  assert.deepEqual(core.snapshot('c', at + 120_000, 0).settlements, published);
  assert.deepEqual([core.settlementsRejected, core.inspect(0)['settlements']], [2, 1]);
});
