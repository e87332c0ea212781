/**
 * @module Generates the shipped sample session `data/samples/sim-seed1-2026-11-23/` from the simulator:
 * `npx tsx actors/venues/replay/make-sample.ts [outDir]`. Deterministic (fixed seed, start and createdAt), so
 * re-running it reproduces the same recording; the replay test checks it against a fresh simulation.
 */
import path from 'node:path';
import { rmSync } from 'node:fs';
import { Recorder } from './recorder.ts';
import { SimMarket, STEP_MS } from '../sim/market.ts';
import { istInstant } from '../../domain/calendar.ts';

export const SAMPLE = { seed: 1, startMs: istInstant('2026-11-23', 10 * 60), durationMs: 180_000, chunkMs: 60_000 } as const;

export function writeSample(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  const market = new SimMarket({ seed: SAMPLE.seed, startMs: SAMPLE.startMs });
  const rec = new Recorder({ dir, source: 'sim', chunkMs: SAMPLE.chunkMs, createdAt: '2026-11-21T00:00:00.000Z' });
  rec.status(SAMPLE.startMs, { kind: 'market', open: true });
  rec.instruments(SAMPLE.startMs, market.instruments());
  rec.ticks(SAMPLE.startMs, market.snapshotTicks());
  market.drainChanged();
  for (let now = SAMPLE.startMs + STEP_MS; now <= SAMPLE.startMs + SAMPLE.durationMs; now += STEP_MS) {
    market.advanceTo(now);
    rec.ticks(now, market.drainChanged());
  }
  rec.close();
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  writeSample(process.argv[2] ?? path.join('data', 'samples', 'sim-seed1-2026-11-23'));
}
