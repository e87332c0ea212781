/**
 * @module A net position in one instrument.
 */
import type { Product } from './order.ts';
import type { Right } from './right.ts';
import type { Underlying } from './underlying.ts';

export interface Position {
  readonly instrumentKey: string;
  /** The broker product it is held in (`D` carry-forward, `I` intraday); absent: recorded before products were (D). */
  readonly product?: Product;
  /** Net signed units: positive long, negative short. */
  readonly quantity: number;
  readonly averagePrice: number;
  readonly realisedPnl: number;
  readonly structureId: string | null;
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
}
