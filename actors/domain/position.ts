/**
 * @module A net position in one instrument.
 */
import type { Right } from './right.ts';
import type { Underlying } from './underlying.ts';

export interface Position {
  readonly instrumentKey: string;
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
