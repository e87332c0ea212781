/**
 * @module Trading contracts shared by strategy, risk, executor and the gateway: legs, structures, positions, the book,
 * proposals. Owned by the executor; extend, don't rename.
 */
import type { Underlying } from '../feed/messages.ts';
import type { OrderStatus, Side } from '../venues/broker.ts';

export type Right = 'CE' | 'PE';
export type Bucket = 'weekly' | 'monthly' | 'intraday';
export type Phase = 'SHADOW' | 'SEMI_AUTO' | 'FULL_AUTO';

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
}

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

/** What the executor knows: the reply to `executor.book`. */
export interface Book {
  readonly positions: readonly Position[];
  readonly structures: readonly Structure[];
  readonly orders: readonly OrderView[];
  /** Realised P&L for the trading day, ₹. */
  readonly realisedPnlDay: number;
  /** True when the phase is SHADOW and this book is the shadow (simulated) book. */
  readonly shadow: boolean;
}

export type ProposalAction = 'open' | 'close' | 'adjust';

/** A strategy's proposal; carries its rationale (the numbers it used), which is journaled. */
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
