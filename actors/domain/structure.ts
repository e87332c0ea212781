/**
 * @module A multi-leg structure (an iron condor, a strangle, or positions adopted from the broker).
 */
import type { Bucket } from './bucket.ts';
import type { Leg } from './leg.ts';
import type { Underlying } from './underlying.ts';

export type StructureKind = 'iron_condor' | 'strangle' | 'adopted';
export type StructureStatus = 'opening' | 'open' | 'closing' | 'closed' | 'failed';

export interface Structure {
  readonly id: string;
  readonly kind: StructureKind;
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly bucket: Bucket;
  readonly status: StructureStatus;
  readonly legs: readonly Leg[];
  /** Net credit received per unit set (₹, positive for a credit). */
  readonly entryCredit: number;
  /** Maximum loss (₹) for defined-risk structures; Infinity for undefined risk. */
  readonly maxLoss: number;
  readonly openedAt: number;
  readonly closedAt?: number;
  /** Charges booked on its orders (and its settlement) so far, ₹ (executor, issue 14); absent = none booked. */
  readonly charges?: number;
  /** Why it closed when not by an exit of its own: `settled` (its last legs were held into expiry and settled). */
  readonly closeReason?: 'settled';
}
