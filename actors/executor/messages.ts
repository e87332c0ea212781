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

// ---- Executor requests, replies and events (added with the executor actor; additive) ----

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'invalidated' | 'executed' | 'failed';

/** A SEMI_AUTO proposal waiting for a human (`GET /api/v1/approvals`). */
export interface Approval {
  readonly id: string;
  readonly status: ApprovalStatus;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly legs: readonly Leg[];
  readonly reason: string;
  readonly proposalId: string;
  readonly underlying: Underlying;
  /** Who approved/rejected, and why it left `pending` (expiry, drift, risk denial, saga outcome). */
  readonly decidedBy?: string;
  readonly statusReason?: string;
}

/** The kill switch as the executor needs it (structural: the kill switch's own status type satisfies it). */
export type KillSwitchState = 'NORMAL' | 'DEGRADED' | 'HALTED' | 'EMERGENCY' | 'SHUTDOWN';
export interface KillSwitchView {
  readonly state: KillSwitchState;
  readonly cause?: string | null;
}

/** Body of `executor.execute` (main → executor, once per cycle). */
export interface ExecuteRequest {
  readonly cycleId: string;
  readonly proposals: readonly Proposal[];
  readonly snapshot: import('../feed/messages.ts').MarketSnapshot;
  readonly surface: import('../calibrator/messages.ts').SurfaceCalibrated;
  readonly killswitch: KillSwitchView;
  readonly phase: Phase;
}

export type ReconClass =
  | 'in_flight' // broker and local differ, explained by working or unknown orders: wait (grace)
  | 'zombie' // broker holds a position VolGuard does not know: adopted, exit-only
  | 'externally_closed' // VolGuard holds a position the broker no longer has
  | 'drift' // quantities differ with nothing to explain it: the kill switch HALTs
  | 'unknown_resolved' // an UNKNOWN order found (or proven absent) at the broker by its tag
  | 'missed_update'; // the order book moved past what the update stream told us

export interface ReconFinding {
  readonly class: ReconClass;
  readonly instrumentKey?: string;
  readonly clientOrderId?: string;
  readonly localQuantity?: number;
  readonly brokerQuantity?: number;
  readonly detail: string;
}

export type SagaOutcome = 'completed' | 'compensated' | 'failed' | 'denied';

export interface SagaProgress {
  readonly sagaId: string;
  readonly stage: string;
  readonly outcome?: SagaOutcome;
}

/** Closed set of reasons the executor refuses to send (STYLE §5: an expected "no" is an event). */
export type DenyReason =
  | 'KILLSWITCH_NOT_NORMAL'
  | 'RISK_PRETRADE_DENIED'
  | 'RISK_UNAVAILABLE'
  | 'PHASE_SHADOW'
  | 'APPROVAL_NOT_PENDING'
  | 'APPROVAL_EXPIRED'
  | 'APPROVAL_INVALIDATED'
  | 'FLATTEN_IN_PROGRESS'
  /** A `close` proposal for more than the book holds (it would open a position the other way). */
  | 'CLOSE_EXCEEDS_POSITION';

export interface OrderDenied {
  readonly proposalId: string;
  readonly sagaId?: string;
  readonly reason: DenyReason;
  readonly detail: string;
}

/** Reply to `executor.execute`. */
export interface ExecutionReport {
  readonly cycleId: string;
  readonly phase: { readonly configured: Phase; readonly effective: Phase; readonly reasons: readonly string[] };
  readonly sagasStarted: readonly string[];
  readonly sagasProgressed: readonly SagaProgress[];
  readonly approvalsCreated: readonly string[];
  readonly approvalsChanged: readonly { readonly id: string; readonly status: ApprovalStatus }[];
  readonly denied: readonly OrderDenied[];
  /** SHADOW: proposals filled on paper in the shadow book only. */
  readonly shadowFills: readonly string[];
  readonly reconciliation: {
    readonly findings: readonly ReconFinding[];
    /** Set when an unexplained drift exists: the kill switch HALTs on it. */
    readonly mismatch?: string;
  };
}

/** Body of `executor.setPhase` (governance; journaled and latched with kvPut). */
export interface SetPhaseRequest {
  readonly phase: Phase;
  readonly approver: string;
  readonly reason: string;
}

export interface FlattenResult {
  readonly flat: boolean;
  /** Positions still open when flatten gave up (empty when flat). */
  readonly left: readonly { readonly instrumentKey: string; readonly quantity: number }[];
  readonly attempts: number;
  readonly ordersPlaced: number;
}
