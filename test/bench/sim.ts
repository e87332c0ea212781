/**
 * @module Simulated-market bench: what a restarted feed or paper exchange pays to get its market to the clock.
 * `restart_from_start_ms_<h>h`: stepping from the timeline's origin to h market hours into the session (what every
 * restart paid before checkpoints); `restart_from_checkpoint_ms_<h>h`: resuming from the latest checkpoint (at most
 * CHECKPOINT_EVERY_MS of market time behind, the worst case here) and stepping the rest. `checkpoint_ms` and
 * `checkpoint_kib` (msgpack, as the journal stores it) are the feed's cost per checkpoint. No budget in DESIGN.md;
 * the bound that matters is the actor start timeout (10 s) at SIM_SPEED 600.
 */
import { Packr } from 'msgpackr';
import { percentile, type Figure } from './main.ts';
import { SimMarket } from '../../actors/venues/sim/market.ts';
import { buildSimMarket, CHECKPOINT_EVERY_MS } from '../../actors/venues/sim/resume.ts';
import { istInstant } from '../../actors/domain/calendar.ts';

export async function run(): Promise<Figure[]> {
  const origin = istInstant('2026-11-25', 9 * 60 + 15);
  const packr = new Packr({ useRecords: false, moreTypes: true });
  const figures: Figure[] = [];
  for (const hours of [1, 6]) {
    const target = origin + hours * 3600_000;
    const s = performance.now();
    const whole = new SimMarket({ seed: 7, startMs: origin });
    whole.advanceTo(target);
    figures.push({ suite: 'sim', metric: `restart_from_start_ms_${hours}h`, value: performance.now() - s, unit: 'ms' });
    const behind = new SimMarket({ seed: 7, startMs: origin });
    behind.advanceTo(target - CHECKPOINT_EVERY_MS);
    const bytes = packr.pack(behind.checkpoint());
    const runs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = performance.now();
      const built = buildSimMarket({ seed: 7, startMs: origin, nowMs: target, resumeFrom: packr.unpack(bytes) });
      built.market.advanceTo(target);
      runs.push(performance.now() - r);
    }
    figures.push({ suite: 'sim', metric: `restart_from_checkpoint_ms_${hours}h`, value: percentile(runs, 50), unit: 'ms' });
  }
  const m = new SimMarket({ seed: 7, startMs: origin });
  m.advanceTo(origin + 3600_000);
  const cp: number[] = [];
  let size = 0;
  for (let i = 0; i < 20; i++) {
    const s = performance.now();
    size = packr.pack(m.checkpoint()).length;
    cp.push(performance.now() - s);
  }
  figures.push({ suite: 'sim', metric: 'checkpoint_ms', value: percentile(cp, 50), unit: 'ms' });
  figures.push({ suite: 'sim', metric: 'checkpoint_kib', value: size / 1024, unit: 'KiB' });
  return figures;
}
