/**
 * @module What the gateway needs beyond `GatewayDeps` (gateway/deps.ts, the lead's contract): the dashboard view,
 * the Upstox token hot-swap and a logger. The runtime implements `GatewayDepsExt`; tests pass fakes.
 * Shapes here are the gateway's view of the system (plain JSON, no typed arrays), not actor message types.
 */
import type { Phase } from '../actors/domain/phase.ts';
import type { Right } from '../actors/domain/right.ts';
import type { Side } from '../actors/domain/side.ts';
import type { TradingState } from '../actors/domain/trading-state.ts';
import type { ActorInfo, SupervisorInfo } from '../runtime/status.ts';
import type { GatewayDeps } from './deps.ts';
import type { ReadinessFacts } from './readiness.ts';
import type { BookView } from './views/book.ts';
import type { EventView } from './views/events.ts';
import type { RiskView } from './views/risk.ts';
import type { TradeGreeks } from './views/trade.ts';
import type { StrategySkipsView } from './views/strategy.ts';

/** The subset of pino the gateway uses; `obj` first, as pino expects. */
export interface GatewayLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export interface KillSwitchTransition {
  readonly ts: number;
  readonly from: TradingState;
  readonly to: TradingState;
  readonly cause: string;
}

/** The reply to `killswitch.status` as the gateway shows it (GET /api/v1/killswitch). */
export interface KillSwitchView {
  readonly state: TradingState;
  readonly since: number;
  readonly cause: string | null;
  readonly history: readonly KillSwitchTransition[];
}

export interface LegView {
  readonly instrumentKey: string;
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
  readonly side: Side;
  readonly quantity: number;
  readonly limitPrice?: number;
}

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'expired' | 'invalidated' | 'executed' | 'failed';

/** One SEMI_AUTO approval (the items of `executor.approvals`). */
export interface ApprovalView {
  readonly id: string;
  readonly status: ApprovalStatus;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly legs: readonly LegView[];
  readonly reason: string;
  readonly underlying?: string;
  readonly kind?: string;
  /** From the legs' limit prices (gateway/views/payoff.ts), when every leg has one: ₹ taken in (negative = debit). */
  readonly credit?: number;
  /** ₹ at expiry at the limit prices; null when unbounded. */
  readonly maxLoss?: number | null;
  readonly breakevens?: readonly number[];
  /** ₹, the model margin the trade needs (gateway/views/trade.ts; live, the executor asks the broker before sending). */
  readonly margin?: number | null;
  /** The greeks the trade adds, ₹ in the greeks panel's units, from our surface; null without one for its expiry. */
  readonly greeks?: TradeGreeks | null;
}

export interface StructureView {
  readonly id: string;
  readonly kind: string;
  readonly underlying: string;
  readonly expiry: string;
  readonly status: string;
  readonly legs: readonly LegView[];
  /** Unrealised P&L of the structure (₹), when known. */
  readonly pnl?: number;
}

/** One expiry's smile for the dashboard: market IVs vs the fitted SABR vols, as decimals (0.15 = 15 %). NaN → null. */
export interface SmileView {
  readonly underlying: string;
  readonly expiry: string;
  readonly strikes: readonly number[];
  readonly marketIv: readonly (number | null)[];
  readonly fitIv: readonly (number | null)[];
  readonly forward?: number;
  readonly fallback?: boolean;
  readonly fallbackReason?: string;
  /** The SABR fit's error against the market points it used, vol points. */
  readonly rmseVolPts?: number;
}

/**
 * INTERFACE.md's `/api/v1/dashboard` plus what the live page draws (`smiles`, `approvals`, `pnlCurve`,
 * kill-switch `history`). `actors`/`supervisors` are filled in by the gateway from the inspector, so the runtime's
 * `dashboard()` may leave them out.
 */
export interface DashboardData {
  readonly ts: number;
  readonly underlyings: readonly { readonly name: string; readonly spot: number; readonly vix?: number | null }[];
  readonly pnl: { readonly day: number; readonly realised: number; readonly unrealised: number };
  /** Recent day-P&L points (epoch ms, ₹), oldest first; the page appends live values to it. */
  readonly pnlCurve?: { readonly ts: readonly number[]; readonly pnl: readonly number[] };
  readonly greeks: {
    readonly delta: number;
    readonly gamma: number;
    readonly vega: number;
    readonly theta: number;
    /** Absolute limits for the same units (delta as net delta ratio, vega ₹ per vol point, …); absent = no limit. */
    readonly limits: { readonly delta?: number; readonly gamma?: number; readonly vega?: number; readonly theta?: number };
  };
  readonly killswitch: { readonly state: TradingState; readonly cause: string | null; readonly history?: readonly KillSwitchTransition[] };
  /** `reasons`: why the effective phase differs from the configured one (the executor's, from the last cycle). */
  readonly phase: { readonly configured: Phase; readonly effective: Phase; readonly reasons?: readonly string[] };
  /** The market clock `ts` is on: simulated (sim venue, SIM_SPEED×) or real. */
  readonly clock?: { readonly simulated: boolean; readonly speed?: number };
  /** What is held (the executor's reconciled book, or the shadow book in SHADOW), grouped by structure. */
  readonly book?: BookView | null;
  /** The last risk report in ₹ (INTERFACE.md's GET /api/v1/risk shape); null before the first. */
  readonly risk?: RiskView | null;
  /** Entries the strategy's risk rules skipped at its last cycle, with their reasons (`strategy.status`); null when it did not answer. */
  readonly strategy?: StrategySkipsView | null;
  /** Operator events (orders, fills, denials, kill switch, approvals, alerts, restarts), newest first. */
  readonly events?: readonly EventView[];
  readonly dataQuality: { readonly score: number; readonly components: Readonly<Record<string, number>> };
  readonly lastCycle: { readonly id: string; readonly ts: number; readonly durationMs: number; readonly stages: Readonly<Record<string, number>> } | null;
  readonly structures: readonly StructureView[];
  readonly approvalsPending: number;
  readonly approvals?: readonly ApprovalView[];
  readonly smiles: readonly SmileView[];
  readonly actors?: readonly ActorInfo[];
  readonly supervisors?: readonly SupervisorInfo[];
}

export interface GatewayDepsExt extends GatewayDeps {
  /** The dashboard view, assembled from the actors' latest state (with timeouts; never blocks the loop). */
  dashboard(): Promise<DashboardData>;
  /**
   * Hot-swaps the Upstox access token (validated against the broker, stored with mode 0600, pushed to the venues).
   * Rejects with a VolguardError (code `TOKEN_INVALID` → 422) when the broker refuses it.
   */
  tokenRefresh(accessToken: string): Promise<{ readonly expiresAt: number | null }>;
  /** Optional structured logger (pino with redaction); the gateway never passes it a token. */
  readonly log?: GatewayLog;
  /** What `GET /health/ready` needs beyond liveness: kill switch, data quality, phase (synchronous: the latest known). */
  readiness(): ReadinessFacts;
}
