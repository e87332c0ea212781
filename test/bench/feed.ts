/**
 * @module Feed bench: ticks_per_s (msgpack decode + apply into the book) and snapshot_build_ms (NIFTY 4 expiries +
 * BANKNIFTY 2, with quality). Input is a simulated session's real tick stream, so batch shapes are realistic.
 */
import { pack, unpack } from 'msgpackr';
import { percentile, type Figure } from './main.ts';
import { FeedCore } from '../../actors/feed/core.ts';
import { SimMarket, STEP_MS } from '../../actors/venues/sim/market.ts';
import { istInstant } from '../../actors/domain/calendar.ts';
import type { Tick } from '../../actors/venues/market-data.ts';

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
  return [
    { suite: 'feed', metric: 'ticks_per_s', value: percentile(rates, 50), unit: 'ticks/s', budget: '>= 250k' },
    { suite: 'feed', metric: 'snapshot_build_ms', value: percentile(times, 50), unit: 'ms', budget: '<= 1 (p50)' },
    { suite: 'feed', metric: 'snapshot_build_p99_ms', value: percentile(times, 99), unit: 'ms' },
  ];
}
