/**
 * @module The executor actor's own messages and its protocol map (`ExecutorProtocol`, at the end): approvals,
 * `executor.execute` and its report, reconciliation findings, denials, `executor.setPhase|approvePhase|phase`, `executor.flatten`. The trading nouns they carry (Leg, Structure, Book, Proposal, …)
 * are the shared domain model in actors/domain/.
 */
import type { Book } from '../domain/book.ts';
import type { Leg } from '../domain/leg.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { OrderView } from '../domain/order.ts';
import type { Position } from '../domain/position.ts';
import type { Phase } from '../domain/phase.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { Structure } from '../domain/structure.ts';
import type { TradingState } from '../domain/trading-state.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { SurfaceCalibrated } from '../calibrator/messages.ts';
import type { GovernanceRecord, HistoryCounts, PhaseCheck, PhaseHistory, PhaseRequest, Venue } from '../domain/phase-governance.ts';

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

/**
 * The kill switch as the executor needs it: the trading state (the executor gates every order on `permits(state,
 * action)`) and the phase the kill switch puts in force (the executor routes proposals by it). The kill switch's
 * `killswitch.changed` body (KillSwitchStatus) satisfies it.
 */
export interface KillSwitchView {
  readonly state: TradingState;
  readonly effectivePhase: Phase;
  /** Why the phase in force is below the configured one (and the paper waiver): the report repeats them. */
  readonly phaseReasons?: readonly string[];
  /** When the kill switch entered `state` (market ms): orders views that reach the executor by different routes. */
  readonly since?: number;
}

/** Body of `executor.execute` (main → executor, once per cycle). */
export interface ExecuteRequest {
  readonly cycleId: string;
  readonly proposals: readonly Proposal[];
  readonly snapshot: MarketSnapshot;
  readonly surface: SurfaceCalibrated;
  readonly killswitch: KillSwitchView;
  /** The configured phase (PHASE; a journaled governance phase wins over it). */
  readonly phase: Phase;
}

export type ReconClass =
  | 'in_flight' // broker and local differ, explained by working or unknown orders: wait (grace)
  | 'zombie' // broker holds a position VolGuard does not know: adopted, exit-only
  | 'externally_closed' // VolGuard holds a position the broker no longer has
  | 'drift' // quantities differ with nothing to explain it: the kill switch HALTs
  | 'unknown_resolved' // an UNKNOWN order found (or proven absent) at the broker by its tag
  | 'missed_update' // the order book moved past what the update stream told us
  | 'stuck_structure'; // a structure opening/closing with no saga working for it: repaired

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
  | 'CLOSE_EXCEEDS_POSITION'
  /** The broker's margin for the basket exceeds what the account has available (live: margin API vs funds v3). */
  | 'INSUFFICIENT_MARGIN'
  /** The broker's margin or funds could not be read: nothing risk-increasing goes out blind. */
  | 'MARGIN_UNAVAILABLE';

export interface OrderDenied {
  readonly proposalId: string;
  readonly sagaId?: string;
  readonly reason: DenyReason;
  readonly detail: string;
  /** INSUFFICIENT_MARGIN: the broker's figures, ₹ (required after the hedge, available to trade). */
  readonly margin?: { readonly required: number; readonly available: number };
}

/** Reply to `executor.execute`. */
export interface ExecutionReport {
  readonly cycleId: string;
  /**
   * `configured`: the governance phase, else the requested one. `effective`: the phase this execution ran in (the
   * kill switch's, never above `configured`), with the kill switch's reasons. `history`: the facts the kill switch's
   * FULL_AUTO admission reads (main relays them to the next evaluation).
   */
  readonly phase: { readonly configured: Phase; readonly effective: Phase; readonly reasons: readonly string[]; readonly history: PhaseHistory };
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
    /**
     * Set while positions nobody manages are held (adopted exit-only after their structure failed) or a compensation
     * waits for the next open (the market was closed): the kill switch holds UNMANAGED_POSITIONS (DEGRADED) and alerts.
     */
    readonly unmanaged?: string;
    /** Positions past their expiry's close still waiting for their settlement (the price, or the broker's booking). */
    readonly settlementPending?: number;
    /** Set while a settlement waits longer than SETTLEMENT_OVERDUE_MIN: the kill switch alerts and holds SETTLEMENT_OVERDUE. */
    readonly settlementOverdue?: string;
  };
}

/** Body of `executor.setPhase` (governance; journaled and latched with kvPut). */
export interface SetPhaseRequest {
  readonly phase: Phase;
  readonly approver: string;
  readonly reason: string;
}

/** Body of `executor.approvePhase`: the separate second step a FULL_AUTO request needs on live. */
export interface ApprovePhaseRequest {
  readonly id: string;
  readonly approver: string;
  readonly reason: string;
}

/**
 * The answer to `executor.setPhase` / `executor.approvePhase`. `applied`: the phase is latched now. Not applied:
 * `pending` waits for its separate approval (FULL_AUTO on live). Refusals are answers too (`ok: false`, with a code:
 * `GOVERNANCE` a check failed, `NOT_FOUND` no such request, `INVALID_STATE` expired or another venue's, `VALIDATION`),
 * so the checks reach the caller; `checks` always lists what was checked, waivers flagged.
 */
export type PhaseAnswer =
  | { readonly ok: true; readonly applied: true; readonly phase: Phase; readonly venue: Venue; readonly checks: readonly PhaseCheck[] }
  | { readonly ok: true; readonly applied: false; readonly phase: Phase; readonly venue: Venue; readonly pending: PhaseRequest; readonly checks: readonly PhaseCheck[] }
  | { readonly ok: false; readonly code: 'GOVERNANCE' | 'NOT_FOUND' | 'INVALID_STATE' | 'VALIDATION'; readonly refused: string; readonly venue: Venue; readonly checks: readonly PhaseCheck[] };

/** The reply to `executor.phase`: the phase decision as the executor holds it. */
export interface PhaseView {
  /** The phase configured on this venue: the journaled decision taken here, else PHASE. */
  readonly configured: Phase;
  /** The phase in force at the last cycle (null before the first). */
  readonly effective: Phase | null;
  readonly venue: Venue;
  readonly governance: GovernanceRecord | null;
  readonly pending: PhaseRequest | null;
  /** Trading days per phase on this venue, and what FULL_AUTO needs now (quality as of the last snapshot). */
  readonly history: HistoryCounts;
  readonly fullAuto: readonly PhaseCheck[];
}

export interface FlattenResult {
  readonly flat: boolean;
  /** Positions still open when flatten gave up (empty when flat). */
  readonly left: readonly { readonly instrumentKey: string; readonly quantity: number }[];
  readonly attempts: number;
  readonly ordersPlaced: number;
  /** The shadow book closed at the touch (SHADOW trades: paper, no order), its P&L kept; `unpriced`: no quote to close at. */
  readonly shadow?: { readonly closed: number; readonly unpriced: readonly string[] };
  /** Live: the broker's own kill switch, engaged for F&O once the book is proven flat (absent on paper). */
  readonly venueKillSwitch?: VenueKillSwitchRec;
}

/**
 * The broker's own kill switch for a segment as the executor last set it: engaged after an EMERGENCY flatten proved
 * the book flat (the backstop for when VolGuard itself is dead: the broker blocks every order in the segment),
 * released only by an admin (`executor.releaseVenueKillSwitch`; the broker refuses within its 12 h cooling period).
 */
export interface VenueKillSwitchRec {
  readonly segment: 'NSE_FO';
  readonly engaged: boolean;
  /** `flatten` (after an EMERGENCY flatten, run n) or `admin`. */
  readonly by: 'flatten' | 'admin';
  readonly who?: string;
  readonly reason: string;
  /** Set when the broker refused (the switch is then as it was). */
  readonly error?: string;
  readonly ts: number;
}

/** The reply to `executor.venueKillSwitch`: the broker's segments as it reports them now, and the executor's record. */
export interface VenueKillSwitchView {
  /** This venue has a kill switch the executor drives (live). */
  readonly available: boolean;
  readonly segments: readonly { readonly segment: string; readonly active: boolean; readonly engaged: boolean }[];
  readonly last: VenueKillSwitchRec | null;
  /** The broker could not be read. */
  readonly error?: string;
}

export interface ReleaseVenueKillSwitch {
  readonly who: string;
  readonly reason: string;
}

export interface ApproveRequest {
  readonly id: string;
  readonly who: string;
}

export interface RejectRequest {
  readonly id: string;
  readonly who: string;
  readonly reason?: string;
}

/** Body of `executor.closeStructure` (gateway, operator; the route checks the typed confirmation). */
export interface CloseStructureRequest {
  readonly id: string;
  readonly who: string;
  readonly reason: string;
}

/** The answer to `executor.closeStructure`: the exit saga started and how far it got at once. */
export interface CloseStructureAnswer {
  readonly structureId: string;
  readonly proposalId: string;
  readonly sagaId: string;
  /** The closing legs sent (reduce-only: at most what the book holds). */
  readonly legs: readonly Leg[];
  readonly stage: string;
  readonly outcome?: SagaOutcome;
}

export interface FlattenRequest {
  readonly reason?: string;
}

export interface RefreshToken {
  readonly accessToken: string;
}

/**
 * The executor's protocol (runtime/protocols.ts): every message it accepts, its body and its reply. Bodies are not
 * checked at the edge yet beyond what the engine checks (the executor's shell is being rewritten around a pure core).
 */
export interface ExecutorProtocol {
  /** Main, once a cycle (assess_risk): what the executor holds and is working. */
  'executor.book': { in: { readonly cycleId?: string }; out: Book };
  /** Main, once a cycle (execute): proposals by phase, saga progress, reconciliation. */
  'executor.execute': { in: ExecuteRequest; out: ExecutionReport };
  'executor.approvals': { in: Readonly<Record<string, never>>; out: { readonly approvals: readonly Approval[] } };
  'executor.approve': { in: ApproveRequest; out: Approval };
  'executor.reject': { in: RejectRequest; out: Approval };
  'executor.orders': { in: Readonly<Record<string, never>>; out: { readonly orders: readonly OrderView[] } };
  'executor.positions': { in: Readonly<Record<string, never>>; out: { readonly positions: readonly Position[]; readonly structures: readonly Structure[] } };
  /** The account (GET /api/v1/account): paper from the book, upstox from the broker's funds. */
  'executor.account': { in: Readonly<Record<string, never>>; out: AccountView };
  /** Governance (gateway): SHADOW/SEMI_AUTO latched; FULL_AUTO checked, then latched (paper) or requested (live). */
  'executor.setPhase': { in: SetPhaseRequest; out: PhaseAnswer };
  /** Governance (gateway): the separate approval of a pending FULL_AUTO request. */
  'executor.approvePhase': { in: ApprovePhaseRequest; out: PhaseAnswer };
  /** The phase decision, a pending request, this venue's history and the FULL_AUTO checks (gateway). */
  'executor.phase': { in: Readonly<Record<string, never>>; out: PhaseView };
  /** Gateway (operator, typed confirmation): close one open structure, reduce-only, journaled with who and why. */
  'executor.closeStructure': { in: CloseStructureRequest; out: CloseStructureAnswer };
  /** The kill switch in EMERGENCY (and the gateway): close everything; answers once flat or out of attempts. */
  'executor.flatten': { in: FlattenRequest; out: FlattenResult };
  /** Gateway (status): the broker's own kill switch per segment, and how the executor last set it. */
  'executor.venueKillSwitch': { in: Readonly<Record<string, never>>; out: VenueKillSwitchView };
  /** Gateway (admin only): release the broker's kill switch for F&O (refused by the broker during its cooling period). */
  'executor.releaseVenueKillSwitch': { in: ReleaseVenueKillSwitch; out: VenueKillSwitchView };
  /** Main (token hot swap): a new Upstox access token for the live broker. */
  'executor.refreshToken': { in: RefreshToken; out: { readonly state: string; readonly expiresAt: number } };
  /** Event from the kill switch. */
  'killswitch.changed': { in: KillSwitchView; out: void };
  /** To itself (its timer, through the mailbox): drain updates, step the sagas and the naked-leg timers. */
  /** The worker's market-clock timer (ctx.every): no body. */
  'executor.tick': { in: null; out: void };
}

declare module '../../runtime/protocols.ts' {
  interface ActorProtocols {
    executor: ExecutorProtocol;
  }
}

/**
 * The trading account, ₹ (GET /api/v1/account, INTERFACE.md). `paper`: equity = capital + the book's realised net
 * (after charges and settlement) + unrealised at the mids; used margin from the margin model (actors/domain/margin.ts,
 * the paper exchange's); available = equity − used. `upstox`: the funds API (equity segment): available and used
 * margin as the broker states them, equity = their sum. `asOf`: market-clock epoch ms.
 */
export interface AccountView {
  readonly source: 'paper' | 'upstox';
  readonly equity: number;
  readonly availableMargin: number;
  readonly usedMargin: number;
  readonly asOf: number;
}
