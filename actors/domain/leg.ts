/**
 * @module One option leg of a structure or a proposal.
 */
import type { Right } from './right.ts';
import type { Side } from './side.ts';
import type { Underlying } from './underlying.ts';

export interface Leg {
  readonly instrumentKey: string;
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
  readonly side: Side;
  /** Units (lots × lot size). */
  readonly quantity: number;
  /** Intended limit price (₹); the executor may re-price within protection. */
  readonly limitPrice?: number;
}
