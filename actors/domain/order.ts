/**
 * @module Orders: their type, product, lifecycle status, and the executor's view of one (in the Book).
 * Field names follow Upstox where it has one.
 */
import type { Side } from './side.ts';

export type OrderType = 'LIMIT' | 'MARKET';

/** D = carry forward (NRML), I = intraday. */
export type Product = 'D' | 'I';

/**
 * `partially_filled` is still working. An order that ended — `filled`, `rejected`, `cancelled`, `expired` (a DAY order
 * the broker purged after its session) — carries what it filled in `filledQuantity`: a cancelled order may have
 * filled part (partial-then-cancel), and the rest is no longer working anywhere.
 */
export type OrderStatus = 'pending' | 'sent' | 'open' | 'partially_filled' | 'filled' | 'rejected' | 'cancelled' | 'expired' | 'unknown';
/** The statuses of an order that is over (nothing of it works any more). */
export const ENDED_STATUSES: readonly OrderStatus[] = ['filled', 'rejected', 'cancelled', 'expired'];

/** One order as the executor tracks it. */
export interface OrderView {
  readonly clientOrderId: string;
  readonly sagaId: string;
  readonly instrumentKey: string;
  readonly side: Side;
  readonly quantity: number;
  /** The broker product it trades; absent: journaled before products were (D). */
  readonly product?: Product;
  readonly status: OrderStatus;
  readonly brokerOrderId: string | null;
  readonly filledQuantity: number;
}
