/**
 * @module Realistic feed frames for tests and the bench: a NIFTY chain slice in full mode (5-level depth, greeks,
 * 1d + I1 OHLC), like the frames Upstox sends for a subscribed option chain. Deterministic.
 */
import { encodeFeedResponse, type EncodeMode, type FeedQuote } from './proto-encode.ts';

export function sampleQuote(i: number, isIndex = false): FeedQuote {
  const ltp = isIndex ? 22_450.35 + i : 100 + i * 1.25;
  const depth = Array.from({ length: 5 }, (_, lvl) => ({
    bidQ: 75 * (lvl + 1) * 10, bidP: ltp - 0.05 * (lvl + 1), askQ: 75 * (lvl + 2) * 10, askP: ltp + 0.05 * (lvl + 1),
  }));
  const ts = 1_767_000_000_000 + i;
  return {
    ltp, ltt: ts, ltq: 75, cp: ltp - 3.5, isIndex,
    ...(isIndex ? {} : {
      depth,
      greeks: { delta: 0.4 + i / 1000, theta: -11.2, gamma: 0.0012, vega: 12.3, rho: 0.5 },
      atp: ltp - 0.4, vtt: 1_234_500 + i, oi: 4_567_800 + i, iv: 0.1432, tbq: 250_000, tsq: 310_000,
    }),
    ohlc: [
      { interval: '1d', open: ltp - 5, high: ltp + 6, low: ltp - 9, close: ltp, vol: 1_234_500, ts: ts - 3_600_000 },
      { interval: 'I1', open: ltp - 0.5, high: ltp + 0.6, low: ltp - 0.9, close: ltp, vol: 1200, ts: ts - 60_000 },
    ],
  };
}

/** One live_feed frame with `n` option keys in `mode`. */
export function sampleFrame(n: number, mode: EncodeMode = 'full', type: 0 | 1 = 1): Uint8Array {
  const feeds = new Map<string, { quote: FeedQuote; mode: EncodeMode }>();
  for (let i = 0; i < n; i++) feeds.set(`NSE_FO|${40_000 + i}`, { quote: sampleQuote(i), mode });
  return encodeFeedResponse({ type, currentTs: 1_767_000_000_500, feeds });
}
