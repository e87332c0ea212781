/**
 * @module The risk actor's messages and its protocol map (`RiskProtocol`, below: what it accepts and answers).
 *
 * | request              | body               | reply             |
 * |----------------------|--------------------|-------------------|
 * | `risk.assess`        | AssessRequest      | RiskReport        |
 * | `risk.preTrade`      | PreTradeRequest    | PreTradeDecision  |
 * | `risk.adjustCapital` | AdjustCapital      | CapitalAdjusted   |
 * | `risk.status`        | `{}`               | RiskStatus        |
 * | `risk.pnl`           | `{}`               | RiskPnl           |
 * Consumed event: `killswitch.changed` (KillSwitchStatus; only `state` is read).
 * Units: delta in index units (₹ per index point), gamma as ₹ of P&L for a 1 % move (½·Γ·(0.01·S)²),
 * vega in ₹ per vol point, theta in ₹ per calendar day. A short position has negative vega and positive theta.
 */
import { z } from 'zod';
import type { Book } from '../domain/book.ts';
import type { Bucket } from '../domain/bucket.ts';
import type { Leg } from '../domain/leg.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Right } from '../domain/right.ts';
import type { Underlying } from '../domain/underlying.ts';
import { TRADING_STATES, type TradingState } from '../domain/trading-state.ts';
import { InvariantError } from '../../runtime/errors.ts';
import type { BodyParser } from '../../runtime/protocols.ts';
import type { SurfaceCalibrated } from '../calibrator/messages.ts';

export interface Greeks {
  /** Σ quantity·∂V/∂F: ₹ per index point. */
  readonly delta: number;
  /** Σ quantity·∂²V/∂F², per index point. */
  readonly gamma: number;
  /** ₹ per vol point. */
  readonly vega: number;
  /** ₹ per calendar day. */
  readonly theta: number;
}

export type MarkSource = 'mid' | 'model' | 'ltp' | 'entry';

export interface LegValuation {
  readonly instrumentKey: string;
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
  readonly quantity: number;
  readonly vol: number;
  /** True when the expiry's vols are per-strike fallbacks (the SABR fit failed). */
  readonly fallbackIv: boolean;
  readonly modelPrice: number;
  readonly mark: number;
  readonly markSource: MarkSource;
  readonly unrealised: number;
  readonly greeks: Greeks;
}

export interface ExpiryExposure extends Greeks {
  readonly expiry: string;
  readonly gammaInr1Pct: number;
}

export interface UnderlyingExposure extends Greeks {
  readonly underlying: Underlying;
  readonly spot: number;
  /** delta · spot, ₹. */
  readonly deltaNotional: number;
  /** deltaNotional / BASE_CAPITAL. */
  readonly deltaRatio: number;
  readonly gammaInr1Pct: number;
  readonly byExpiry: readonly ExpiryExposure[];
}

export interface StructureRisk {
  readonly id: string;
  readonly bucket: Bucket;
  readonly greeks: Greeks;
  readonly unrealised: number;
  /** ₹; Infinity for undefined risk. */
  readonly maxLoss: number;
  readonly margin: number;
  /** What the structure charges its bucket: max(finite max loss, margin), ₹. */
  readonly charge: number;
}

export interface TotalExposure extends Greeks {
  readonly deltaNotional: number;
  readonly deltaRatio: number;
  readonly gammaInr1Pct: number;
}

export type LimitName = 'delta' | 'vega' | 'gamma' | 'theta' | 'dailyLoss' | 'scenarioLoss' | 'capitalAtRisk' | 'margin';

export interface LimitUse {
  readonly name: LimitName;
  /** The measured value in the limit's unit (absolute or loss, ≥ 0). */
  readonly value: number;
  readonly limit: number;
  readonly soft: number;
  /** value / limit (0 when the limit is 0 and the value is 0; Infinity when only the limit is 0). */
  readonly utilisation: number;
}

export type BreachLevel = 'soft' | 'hard';

export interface Breach {
  readonly limit: LimitName;
  readonly level: BreachLevel;
  /** Daily loss at RISK_EMERGENCY_RATIO × its limit: the kill switch goes to EMERGENCY. */
  readonly catastrophic: boolean;
  readonly value: number;
  readonly threshold: number;
  readonly evidence: Readonly<Record<string, number | string>>;
}

export interface ScenarioResult {
  readonly name: string;
  readonly spotShift: number;
  readonly volShiftPts: number;
  /** P&L of the whole book under the scenario, ₹ (negative = loss). */
  readonly pnl: number;
}

export interface BucketUse {
  readonly bucket: Bucket;
  readonly fraction: number;
  readonly capital: number;
  readonly used: number;
  readonly available: number;
}

export interface RiskReport {
  readonly cycleId: string;
  readonly ts: number;
  readonly total: TotalExposure;
  readonly byUnderlying: readonly UnderlyingExposure[];
  readonly structures: readonly StructureRisk[];
  readonly legs: readonly LegValuation[];
  readonly pnl: { readonly day: number; readonly realised: number; readonly unrealised: number; readonly marks: Readonly<Record<MarkSource, number>> };
  readonly limits: readonly LimitUse[];
  readonly breaches: readonly Breach[];
  readonly scenarios: readonly ScenarioResult[];
  readonly worstScenarioLoss: number;
  readonly buckets: readonly BucketUse[];
  readonly capitalAtRisk: { readonly total: number; readonly limit: number; readonly utilisation: number };
  readonly margin: { readonly required: number; readonly hedgeBenefit: number; readonly limit: number };
  readonly fallbackLegs: number;
  /** Instrument keys the surface could not value (no fit for the expiry, no vol): greeks are missing for them. */
  readonly unvalued: readonly string[];
}

export interface AssessRequest {
  readonly cycleId: string;
  readonly snapshot: MarketSnapshot;
  readonly surface: SurfaceCalibrated;
  readonly book: Book;
}

export type DenyReason =
  | 'TRADING_HALTED'
  | 'DELTA_LIMIT'
  | 'VEGA_LIMIT'
  | 'GAMMA_LIMIT'
  | 'THETA_LIMIT'
  | 'DAILY_LOSS'
  | 'SCENARIO_LOSS'
  | 'BUCKET_EXHAUSTED'
  | 'CAPITAL_AT_RISK'
  | 'STALE_SURFACE'
  | 'MARGIN';

export interface PreTradeRequest {
  readonly legs: readonly Leg[];
  readonly bucket: Bucket;
  readonly cycleId?: string;
  /** The order group's identity (a proposal id): re-checks of one group replace its reservation instead of stacking. */
  readonly ref?: string;
}

export interface PreTradeDecision {
  readonly allow: boolean;
  readonly reasons: readonly DenyReason[];
  /** Human-readable evidence per reason ("expected |delta ratio| ≤ 0.4, was 0.52"). */
  readonly details: readonly string[];
  readonly postTrade: TotalExposure | null;
  readonly scenarios: readonly ScenarioResult[];
  /** The new legs' own max loss and margin, ₹. */
  readonly charge: { readonly maxLoss: number; readonly margin: number; readonly bucket: Bucket } | null;
}

export interface AdjustCapital {
  /** Fractions of BASE_CAPITAL, each in [0, 1], summing to ≤ 1. */
  readonly weekly: number;
  readonly monthly: number;
  readonly intraday: number;
  readonly who: string;
  readonly reason: string;
}

export interface CapitalAdjusted {
  readonly previous: Readonly<Record<Bucket, number>>;
  readonly fractions: Readonly<Record<Bucket, number>>;
  readonly buckets: readonly BucketUse[];
  readonly who: string;
  readonly reason: string;
  readonly ts: number;
}

const fraction = z.number().finite().min(0).max(1);
const bucketSchema = z.enum(['weekly', 'monthly', 'intraday']);

/** Trust-boundary schema for `risk.adjustCapital` (it comes from the gateway). */
export const adjustCapitalSchema = z
  .object({
    weekly: fraction,
    monthly: fraction,
    intraday: fraction,
    who: z.string().min(1),
    reason: z.string().trim().min(3),
  })
  .strict()
  .refine((b) => b.weekly + b.monthly + b.intraday <= 1 + 1e-9, {
    message: 'expected bucket fractions summing to at most 1',
  });

const legSchema = z
  .object({
    instrumentKey: z.string().min(1),
    underlying: z.enum(['NIFTY', 'BANKNIFTY']),
    expiry: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    strike: z.number().finite().positive(),
    right: z.enum(['CE', 'PE']),
    side: z.enum(['BUY', 'SELL']),
    quantity: z.number().int().positive(),
    limitPrice: z.number().finite().nonnegative().optional(),
  })
  .strict();

export const preTradeSchema = z
  .object({ legs: z.array(legSchema).min(1), bucket: bucketSchema, cycleId: z.string().optional(), ref: z.string().min(1).max(200).optional() })
  .strict();

/** Turns a zod failure into one "expected X, was Y"-style line per issue. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

/** The reply to `risk.status` (dashboard, gateway). */
export interface RiskStatus {
  readonly report: RiskReport | null;
  readonly buckets: readonly BucketUse[];
  /** UNKNOWN until the kill switch has answered or pushed once (risk-increasing orders are denied until then). */
  readonly killswitch: TradingState | 'UNKNOWN';
}

/** The book a day figure is of: the live/paper book, or the SHADOW phase's simulated one. */
export type BookKind = 'book' | 'shadow';

/**
 * `money.identityMismatch` (journaled by risk, and sent to main as an alert): Σ daily net ≠ the change in equity, or a
 * day's net ≠ gross + settlement − charges + Δunrealised.
 */
export interface IdentityMismatch {
  readonly date: string;
  readonly book: BookKind;
  readonly check: 'cumulative' | 'components';
  /** ₹ the check expected and found. */
  readonly expected: number;
  readonly actual: number;
  readonly detail: string;
}

/** One day's row of `GET /api/v1/pnl` (INTERFACE.md), ₹; `open` marks the day still running. */
export interface PnlDay {
  readonly date: string;
  readonly gross: number;
  readonly charges: number;
  readonly settlement: number;
  readonly net: number;
  /** Realised net of the day (gross + settlement − charges). */
  readonly realised: number;
  /** Change in unrealised over the day (net = realised + unrealised). */
  readonly unrealised: number;
  readonly trades: number;
  readonly maxDrawdown: number;
  readonly safetyEvents: number;
  readonly open: boolean;
}

/** Equity figures of one book: when the first tracked day opened, when today's opened, now. */
export interface PnlEquity {
  readonly start: number | null;
  readonly dayStart: number | null;
  readonly now: number | null;
}

/**
 * The reply to `risk.pnl`, served as `GET /api/v1/pnl`: every journaled day (money.dayClosed), then the open one;
 * totals over them; the shadow book's figures under `shadow` when one was tracked.
 */
export interface RiskPnl {
  readonly days: readonly PnlDay[];
  readonly total: { readonly gross: number; readonly charges: number; readonly settlement: number; readonly net: number };
  readonly equity: PnlEquity;
  readonly shadow?: {
    readonly days: readonly { readonly date: string; readonly net: number; readonly charges: number; readonly open: boolean }[];
    readonly total: { readonly charges: number; readonly net: number };
    readonly equity: PnlEquity;
  };
}

/** The part of KillSwitchStatus (actors/killswitch/messages.ts) risk reads: the kill switch's own status satisfies it. */
export interface KillSwitchView {
  readonly state: TradingState;
}

/**
 * The risk actor's protocol (runtime/protocols.ts): every message it accepts, its body and its reply.
 * Follow `risk.assess`: runtime/main/cycle.ts sends it (stage assess_risk) → `RiskProtocol['risk.assess']` →
 * actors/risk/worker.ts `handlers['risk.assess']` (core.ts `assess`) → the RiskReport comes back typed to the cycle.
 */
export interface RiskProtocol {
  /** Main, once a cycle: value the book on the surface and check every limit. */
  'risk.assess': { in: AssessRequest; out: RiskReport };
  /** The executor, before every risk-increasing order group; a denial is an answer (`allow: false`). */
  'risk.preTrade': { in: PreTradeRequest; out: PreTradeDecision };
  /** The gateway (`POST /api/capital/adjust`): new bucket fractions, durable before they apply. */
  'risk.adjustCapital': { in: AdjustCapital; out: CapitalAdjusted };
  /** The gateway and the dashboard. */
  'risk.status': { in: Readonly<Record<string, never>>; out: RiskStatus };
  /** The gateway (`GET /api/v1/pnl`): the journaled trading days and the open one. */
  'risk.pnl': { in: Readonly<Record<string, never>>; out: RiskPnl };
  /** Event from the kill switch: entries are denied unless it is NORMAL. */
  'killswitch.changed': { in: KillSwitchView; out: void };
}

declare module '../../runtime/protocols.ts' {
  interface ActorProtocols {
    risk: RiskProtocol;
  }
}

/**
 * Edge check of `risk.assess` (every cycle, so by hand and shallow: the snapshot's typed arrays are trusted from the
 * feed's contract; a zod walk of the whole snapshot would cost the cycle its budget).
 */
export const assessRequestCheck: BodyParser<AssessRequest> = {
  parse(body) {
    const b = body as Partial<AssessRequest> | null;
    const missing = ['cycleId', 'snapshot', 'surface', 'book'].filter((k) => b === null || typeof b !== 'object' || (b as Record<string, unknown>)[k] == null);
    if (missing.length > 0) throw new TypeError(`risk.assess: expected {cycleId, snapshot, surface, book}, was missing ${missing.join(', ')}`);
    const r = b as AssessRequest;
    if (!Array.isArray(r.book.positions) || !Array.isArray(r.surface.expiries) || !Array.isArray(r.snapshot.expiries)) {
      throw new TypeError('risk.assess: expected book.positions, surface.expiries and snapshot.expiries arrays, was another shape');
    }
    return r;
  },
};

/** Edge check of the kill switch's push: an unknown state is a broken invariant between actors (crash, restart). */
export const killswitchChangedCheck: BodyParser<KillSwitchView> = {
  parse(body) {
    const st = (body as { state?: unknown } | null)?.state;
    if (typeof st !== 'string' || !(TRADING_STATES as readonly string[]).includes(st)) {
      throw new InvariantError(`killswitch.changed: expected a trading state, was ${JSON.stringify(st)}`);
    }
    return { state: st as TradingState };
  },
};

/** `risk.preTrade` and `risk.adjustCapital` bodies, checked with their zod schemas (optional fields made exact). */
export const preTradeCheck: BodyParser<PreTradeRequest> = { parse: (body) => preTradeSchema.parse(body) as PreTradeRequest };
export const adjustCapitalCheck: BodyParser<AdjustCapital> = { parse: (body) => adjustCapitalSchema.parse(body) };
