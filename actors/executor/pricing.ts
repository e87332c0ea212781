/**
 * @module Marketable limits: the touch plus a number of ticks (widened per retry), MARKET only without a quote.
 */
import { roundToTick, TICK_SIZE } from '../domain/units.ts';
import type { OrderType } from '../domain/order.ts';
import type { Side } from '../domain/side.ts';

export interface Touch {
  readonly bid: number;
  readonly ask: number;
}
export type TouchLookup = (instrumentKey: string) => Touch | undefined;
export type RulesLookup = (instrumentKey: string) => { lotSize: number; freezeQty: number } | undefined;

/** A marketable limit: the touch plus `ticks` (widened per attempt), or MARKET when there is no quote. */
export function aggressivePrice(side: Side, touch: Touch | undefined, ticks: number): { orderType: OrderType; price: number } {
  if (touch === undefined) return { orderType: 'MARKET', price: 0 };
  const ref = side === 'BUY' ? touch.ask : touch.bid;
  if (!(ref > 0)) return { orderType: 'MARKET', price: 0 };
  const px = side === 'BUY' ? ref + ticks * TICK_SIZE : Math.max(TICK_SIZE, ref - ticks * TICK_SIZE);
  return { orderType: 'LIMIT', price: roundToTick(px) };
}
