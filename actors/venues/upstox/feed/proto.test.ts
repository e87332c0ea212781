import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
import { decodeFeedResponse, ProtoError } from './proto.ts';
import { encodeFeedResponse } from './proto-encode.ts';
import { sampleFrame, sampleQuote } from './sample-frames.ts';

const require = createRequire(import.meta.url);
const sdkProto = path.join(path.dirname(require.resolve('upstox-js-sdk/package.json')), 'dist/feeder/proto/MarketDataFeedV3.proto');

async function officialType() {
  const root = await protobuf.load(sdkProto);
  return root.lookupType('com.upstox.marketdatafeederv3udapi.rpc.proto.FeedResponse');
}

test('decodes a full-mode frame into ticks with best bid/ask, every greek, oi, iv and volume', () => {
  const d = decodeFeedResponse(sampleFrame(3, 'full'));
  assert.equal(d.type, 1);
  assert.equal(d.ticks.length, 3);
  const q = sampleQuote(1);
  const t = d.ticks.find((x) => x.instrumentKey === 'NSE_FO|40001');
  assert.deepEqual(t, {
    instrumentKey: 'NSE_FO|40001', ts: 1_767_000_000_500, ltp: q.ltp, bidQty: 750, bid: q.ltp - 0.05, askQty: 1500,
    ask: q.ltp + 0.05, delta: q.greeks!.delta, theta: -11.2, gamma: 0.0012, vega: 12.3, volume: q.vtt, oi: q.oi, iv: q.iv,
  });
});

test('decodes ltpc and option_greeks modes', () => {
  const l = decodeFeedResponse(sampleFrame(1, 'ltpc'));
  assert.deepEqual(l.ticks[0], { instrumentKey: 'NSE_FO|40000', ts: 1_767_000_000_500, ltp: 100 });
  const g = decodeFeedResponse(sampleFrame(1, 'option_greeks'));
  assert.equal(g.ticks[0]?.iv, 0.1432);
  assert.equal(g.ticks[0]?.bid, 100 - 0.05);
  // Greeks as the broker sends them (sample-frames.ts: delta 0.4, theta -11.2, gamma 0.0012, vega 12.3).
  assert.deepEqual([g.ticks[0]?.delta, g.ticks[0]?.theta, g.ticks[0]?.gamma, g.ticks[0]?.vega], [0.4, -11.2, 0.0012, 12.3]);
});

test('reads market_info segment status', () => {
  const d = decodeFeedResponse(encodeFeedResponse({ type: 2, currentTs: 5, segmentStatus: { NSE_FO: 2, NSE_INDEX: 3 } }));
  assert.equal(d.type, 2);
  assert.deepEqual(d.segmentStatus, { NSE_FO: 'NORMAL_OPEN', NSE_INDEX: 'NORMAL_CLOSE' });
});

test('our frames decode with the official MarketDataFeedV3.proto to the same values', async () => {
  const FeedResponse = await officialType();
  const frame = sampleFrame(2, 'full');
  const obj = FeedResponse.toObject(FeedResponse.decode(frame), { longs: Number, enums: String }) as {
    type: string; currentTs: number; feeds: Record<string, { fullFeed: { marketFF: { ltpc: { ltp: number }; marketLevel: { bidAskQuote: unknown[] }; optionGreeks: { delta: number }; oi: number; vtt: number } }; requestMode: string }>;
  };
  assert.equal(obj.type, 'live_feed');
  assert.equal(obj.currentTs, 1_767_000_000_500);
  const ff = obj.feeds['NSE_FO|40001']!.fullFeed.marketFF;
  assert.equal(ff.ltpc.ltp, sampleQuote(1).ltp);
  assert.equal(ff.marketLevel.bidAskQuote.length, 5);
  assert.equal(ff.optionGreeks.delta, sampleQuote(1).greeks!.delta);
  assert.equal(ff.vtt, sampleQuote(1).vtt);
  assert.equal(obj.feeds['NSE_FO|40001']!.requestMode, 'full_d5');
});

test('frames encoded by the official proto decode with ours', async () => {
  const FeedResponse = await officialType();
  const msg = FeedResponse.fromObject({
    type: 1, currentTs: 1_700_000_000_000,
    feeds: { 'NSE_INDEX|Nifty 50': { fullFeed: { indexFF: { ltpc: { ltp: 22_001.5, ltt: 1_699_999_999_000, cp: 21_950 } } }, requestMode: 1 } },
  });
  const d = decodeFeedResponse(FeedResponse.encode(msg).finish());
  assert.deepEqual(d.ticks, [{ instrumentKey: 'NSE_INDEX|Nifty 50', ts: 1_700_000_000_000, ltp: 22_001.5 }]);
});

test('rejects a truncated frame with a clear error', () => {
  const frame = sampleFrame(1);
  assert.throws(() => decodeFeedResponse(frame.subarray(0, frame.length - 30)), (e: unknown) => e instanceof ProtoError && /expected \d+ bytes/.test(e.message));
});
