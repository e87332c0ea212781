import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReplaySource } from './source.ts';
import { SAMPLE } from './make-sample.ts';
import { SimMarket, STEP_MS } from '../sim/market.ts';
import { FeedCore } from '../../feed/core.ts';
import type { Tick } from '../market-data.ts';

const DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../../data/samples/sim-seed1-2026-11-23');

test('the shipped sample replays through the feed core into a healthy 6-expiry snapshot', async () => {
  let wall = 0;
  const src = new ReplaySource({ dir: DIR, speed: 100, wall: { monotonic: () => wall } });
  const core = new FeedCore({ source: 'replay' }, 0);
  core.setInstruments(await src.instruments());
  const played: Tick[] = [];
  src.onTicks((b) => {
    played.push(...b);
    core.onTicks(b, wall);
  });
  await src.start();
  await src.stop();
  while (!src.ended) {
    wall += 50;
    src.poll();
  }
  const snap = core.snapshot('s', src.index.endTs, wall);
  assert.equal(snap.expiries.length, 6);
  assert.ok(snap.quality.score > 0.8, JSON.stringify(snap.quality));
  // The recording is exactly what the simulator produces for the same seed and start (re-run make-sample.ts after
  // changing the market model).
  const market = new SimMarket({ seed: SAMPLE.seed, startMs: SAMPLE.startMs });
  const expected: Tick[] = [...market.snapshotTicks()];
  market.drainChanged();
  for (let now = SAMPLE.startMs + STEP_MS; now <= SAMPLE.startMs + SAMPLE.durationMs; now += STEP_MS) {
    market.advanceTo(now);
    expected.push(...market.drainChanged());
  }
  assert.equal(played.length, expected.length);
  assert.deepEqual(played, expected);
});
