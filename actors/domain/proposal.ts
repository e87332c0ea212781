/**
 * @module A strategy's proposal to open, close or adjust a structure; it carries its rationale (journaled).
 */
import type { Bucket } from './bucket.ts';
import type { Leg } from './leg.ts';
import type { StructureKind } from './structure.ts';
import type { Underlying } from './underlying.ts';

export type ProposalAction = 'open' | 'close' | 'adjust';

export interface Proposal {
  readonly id: string;
  readonly action: ProposalAction;
  readonly kind: StructureKind;
  readonly bucket: Bucket;
  readonly underlying: Underlying;
  readonly expiry: string;
  /** For close/adjust: the structure acted on. */
  readonly structureId?: string;
  readonly legs: readonly Leg[];
  readonly reason: string;
  readonly rationale: Readonly<Record<string, number | string | boolean>>;
  /** Whether executing it increases risk (entries) or reduces it (exits). */
  readonly riskIncreasing: boolean;
}
