/**
 * @module Fault switches of the fake, set with `POST /__fake/faults` (merged into the current set; counts decrement
 * as requests consume them). `paths` limits the counted faults to paths starting with one of the prefixes.
 */
import { z } from 'zod';

export const faultsSchema = z.object({
  /** Next N matching requests answer 429 UDAPI10005. */
  rateLimit: z.number().int().min(0),
  /** Next N matching requests answer 503 UDAPI100500. */
  serverError: z.number().int().min(0),
  /** Next N matching requests never answer (until the fake closes). */
  timeout: z.number().int().min(0),
  /** With serverError/timeout on an order write: process the order first, then fail (the ambiguous case). */
  afterCommit: z.boolean(),
  /** Multi-order: SELL lines fail at RMS, BUY lines go through (HTTP 207 partial_success). */
  partialSuccess: z.boolean(),
  /** Every authenticated call answers 401 UDAPI100050; WebSocket upgrades are refused. */
  tokenExpired: z.boolean(),
  /** One-shot: drop every open feed and portfolio socket now. */
  feedDrop: z.boolean(),
  /** Authorized WebSocket URLs answer 307 to a fresh URL (the client must follow). */
  redirect: z.boolean(),
  /** Stop answering WebSocket pings (a half-dead connection). */
  noPong: z.boolean(),
  /** Market status reported in market_info frames. */
  marketOpen: z.boolean(),
  /** Static-IP rule: order writes are refused (403 UDAPI1154) as if the caller's address were not registered. The
   *  rule itself is always on: writes from an address outside `state.staticIps` are refused too. */
  unregisteredIp: z.boolean(),
  /** Baskets do not keep the order of their lines: a multi-order's SELL lines execute before its BUY lines. */
  basketSellFirst: z.boolean(),
  /** The next N orders fill part, then the exchange cancels the rest. */
  partialThenCancel: z.number().int().min(0),
  /** The expiry is not booked yet (as when Upstox books it overnight): positions in contracts whose expiry session has
   *  closed stay in the account, and the index's day candle for that date is not served; cleared, both happen. */
  settlementLate: z.boolean(),
  /** The account's cash (₹): margin is blocked out of it (RMS rejects beyond it). */
  capital: z.number().min(0),
  paths: z.array(z.string()),
}).partial().strict();

export type FaultPatch = z.infer<typeof faultsSchema>;

export interface Faults {
  rateLimit: number;
  serverError: number;
  timeout: number;
  afterCommit: boolean;
  partialSuccess: boolean;
  tokenExpired: boolean;
  redirect: boolean;
  noPong: boolean;
  marketOpen: boolean;
  unregisteredIp: boolean;
  basketSellFirst: boolean;
  partialThenCancel: number;
  settlementLate: boolean;
  paths: string[];
}

export function noFaults(): Faults {
  return {
    rateLimit: 0, serverError: 0, timeout: 0, afterCommit: false, partialSuccess: false, tokenExpired: false, redirect: false, noPong: false,
    marketOpen: true, unregisteredIp: false, basketSellFirst: false, partialThenCancel: 0, settlementLate: false, paths: [],
  };
}

export function pathMatches(f: Faults, path: string): boolean {
  return f.paths.length === 0 || f.paths.some((p) => path.startsWith(p));
}
