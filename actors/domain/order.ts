/**
 * @module Orders: their type, product, lifecycle status, and the executor's view of one (in the Book).
 * Field names follow Upstox where it has one.
 */
import type { Side } from './side.ts';

export type OrderType = 'LIMIT' | 'MARKET';

/** D = carry forward (NRML), I = intraday. */
export type Product = 'D' | 'I';

export type OrderStatus = 'pending' | 'sent' | 'open' | 'partially_filled' | 'filled' | 'rejected' | 'cancelled' | 'unknown';

/** One order as the executor tracks it. */
export interface OrderView {
  readonly clientOrderId: string;
  readonly sagaId: string;
  readonly instrumentKey: string;
  readonly side: Side;
  readonly quantity: number;
  readonly status: OrderStatus;
  readonly brokerOrderId: string | null;
  readonly filledQuantity: number;
}
