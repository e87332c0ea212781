/**
 * @module Bench: decode rate of realistic market feed V3 full-mode frames (50 keys each, 5-level depth, greeks,
 * OHLC), hand-written decoder → Ticks. protobufjs on the same frames is reported alongside for the choice.
 * Merged into the `feed` suite by the lead.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import type { Figure } from './main.ts';
import { decodeFeedResponse } from '../../actors/venues/upstox/feed/proto.ts';
import { sampleFrame } from '../../actors/venues/upstox/feed/sample-frames.ts';

const KEYS_PER_FRAME = 50;

function rate(decode: (f: Uint8Array) => unknown, frames: readonly Uint8Array[], minMs = 400): number {
  for (let i = 0; i < 200; i++) decode(frames[i % frames.length]!);
  let n = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 500; i++) decode(frames[(n + i) % frames.length]!);
    n += 500;
    elapsed = Number(process.hrtime.bigint() - start) / 1e6;
  }
  return (n / elapsed) * 1000;
}

export async function run(): Promise<Figure[]> {
  const frames = [sampleFrame(KEYS_PER_FRAME, 'full'), sampleFrame(KEYS_PER_FRAME, 'full', 0)];
  const ours = rate((f) => decodeFeedResponse(f).ticks.length, frames);
  const require = createRequire(import.meta.url);
  const root = await protobuf.load(path.join(path.dirname(require.resolve('upstox-js-sdk/package.json')), 'dist/feeder/proto/MarketDataFeedV3.proto'));
  const FeedResponse = root.lookupType('com.upstox.marketdatafeederv3udapi.rpc.proto.FeedResponse');
  const pbjs = rate((f) => FeedResponse.decode(f), frames);
  return [
    { suite: 'feed', metric: 'upstox_frames_per_s', value: ours, unit: 'frames/s' },
    { suite: 'feed', metric: 'upstox_ticks_per_s', value: ours * KEYS_PER_FRAME, unit: 'ticks/s', budget: '≥ 250k ticks/s (decode + apply)' },
    { suite: 'feed', metric: 'upstox_frames_per_s_pbjs', value: pbjs, unit: 'frames/s' },
  ];
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  run().then((figs) => { for (const f of figs) process.stdout.write(`${f.metric} ${Math.round(f.value)} ${f.unit}\n`); });
}
