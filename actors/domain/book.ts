/**
 * @module The book: everything the executor holds and is working (the reply to `executor.book`).
 */
import type { OrderView } from './order.ts';
import type { Position } from './position.ts';
import type { Structure } from './structure.ts';

export interface Book {
  readonly positions: readonly Position[];
  readonly structures: readonly Structure[];
  readonly orders: readonly OrderView[];
  /** Realised P&L for the trading day, ₹. */
  readonly realisedPnlDay: number;
  /** True when the phase is SHADOW and this book is the shadow (simulated) book. */
  readonly shadow: boolean;
}
