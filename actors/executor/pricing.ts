/**
 * @module Marketable limits: the touch plus a number of ticks (widened per retry); MARKET with a protection band only
 * without a quote (the last resort).
 */
import { roundToTick, TICK_SIZE } from '../domain/units.ts';
import type { Side } from '../domain/side.ts';

export interface Touch {
  readonly bid: number;
  readonly ask: number;
}
export type TouchLookup = (instrumentKey: string) => Touch | undefined;
export type RulesLookup = (instrumentKey: string) => { lotSize: number; freezeQty: number } | undefined;

/** The protection band of a last-resort MARKET order when none is configured (%, Upstox `market_protection`). */
export const DEFAULT_MARKET_PROTECTION_PCT = 5;

export type Priced =
  | { readonly orderType: 'LIMIT'; readonly price: number }
  /** The last resort, only without a quote: MARKET with a protection band (never a bare MARKET: exchanges refuse
   *  algo MARKET orders without one, Upstox UDAPI1158). */
  | { readonly orderType: 'MARKET'; readonly price: 0; readonly marketProtection: number };

/**
 * A marketable limit: the touch plus `ticks` (widened per attempt). Without a quote to price from, MARKET with
 * `protectionPct` as its band — the documented last resort; never a MARKET order without protection.
 */
export function aggressivePrice(side: Side, touch: Touch | undefined, ticks: number, protectionPct = DEFAULT_MARKET_PROTECTION_PCT): Priced {
  const ref = touch === undefined ? Number.NaN : side === 'BUY' ? touch.ask : touch.bid;
  if (!(ref > 0)) return { orderType: 'MARKET', price: 0, marketProtection: protectionPct };
  const px = side === 'BUY' ? ref + ticks * TICK_SIZE : Math.max(TICK_SIZE, ref - ticks * TICK_SIZE);
  return { orderType: 'LIMIT', price: roundToTick(px) };
}
