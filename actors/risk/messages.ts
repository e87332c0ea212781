/**
 * @module The risk actor's messages and its protocol map (`RiskProtocol`, below: what it accepts and answers).
 *
 * | request              | body               | reply             |
 * |----------------------|--------------------|-------------------|
 * | `risk.assess`        | AssessRequest      | RiskReport        |
 * | `risk.preTrade`      | PreTradeRequest    | PreTradeDecision  |
 * | `risk.warm`          | null (its own)     | —                 |
 * | `risk.adjustCapital` | AdjustCapital      | CapitalAdjusted   |
 * | `risk.status`        | `{}`               | RiskStatus        |
 * | `risk.view`          | `{}`               | RiskApiView (GET /api/v1/risk) or null before the first assessment |
 * | `risk.pnl`           | `{}`               | RiskPnl           |
 * Consumed event: `killswitch.changed` (KillSwitchStatus; only `state` is read).
 * Units: raw greeks (`delta`, `gamma`) in index units; the limited measures in rupees a trader reads directly —
 * delta1pct ₹ per 1 % move of the underlying, gamma1pct ₹ per 1 %² move (½·Γ·(0.01·S)²), vega ₹ per vol point,
 * theta ₹ per calendar day. A short position has negative vega and gamma, positive theta. Totals weight each
 * underlying by its beta to NIFTY: delta1pct by β, gamma1pct by β² (a 1 % NIFTY move is a β % move of the other).
 */
import { z } from 'zod';
import type { Book } from '../domain/book.ts';
import type { DaySummary } from '../domain/money.ts';
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
  /** ₹ per 1 % move of the underlying: delta · 0.01 · spot. */
  readonly delta1pct: number;
  /** ₹ per 1 %² move: ½ · gamma · (0.01 · spot)². */
  readonly gamma1pct: number;
  /** Same as gamma1pct (the name earlier reports used). */
  readonly gammaInr1Pct: number;
}

export interface UnderlyingExposure extends Greeks {
  readonly underlying: Underlying;
  readonly spot: number;
  /** Beta to NIFTY used in the totals (RISK_BETA_*; NIFTY = 1). */
  readonly beta: number;
  /** delta · spot, ₹. */
  readonly deltaNotional: number;
  /** deltaNotional / BASE_CAPITAL. */
  readonly deltaRatio: number;
  /** ₹ per 1 % move of this underlying. */
  readonly delta1pct: number;
  /** ₹ per 1 %² move of this underlying. */
  readonly gamma1pct: number;
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

/**
 * The book's totals. `delta`, `gamma`, `vega`, `theta` are plain sums (delta and gamma in index units, only
 * meaningful for one underlying); the limited measures are the beta-weighted rupee ones.
 */
export interface TotalExposure extends Greeks {
  /** Σ β · delta · spot, ₹ (the NIFTY-equivalent notional). */
  readonly deltaNotional: number;
  /** deltaNotional / BASE_CAPITAL: the measure MAX_NET_DELTA limits. */
  readonly deltaRatio: number;
  /** Σ β · delta1pct: ₹ per 1 % NIFTY move. */
  readonly delta1pct: number;
  /** Σ β² · gamma1pct: ₹ per 1 %² NIFTY move. */
  readonly gamma1pct: number;
  readonly gammaInr1Pct: number;
}

export type LimitName = 'delta' | 'vega' | 'gamma' | 'theta' | 'dailyLoss' | 'stress' | 'capitalAtRisk' | 'margin';

/** What a limit covers: the whole book, one underlying, or one underlying's expiry. */
export type LimitScope = 'total' | 'underlying' | 'expiry';

/** Greek and stress limits: a hard breach of these is managed (reduce first, HALT after a grace); see killswitch. */
export const MANAGED_LIMITS: readonly LimitName[] = ['delta', 'vega', 'gamma', 'theta', 'stress'];

export interface LimitUse {
  readonly name: LimitName;
  readonly scope: LimitScope;
  readonly underlying?: Underlying;
  readonly expiry?: string;
  /** The measured value in the limit's unit (absolute or loss, ≥ 0). */
  readonly value: number;
  /** The signed measure behind `value` for greeks (delta > 0 long, vega < 0 short), else absent. */
  readonly signed?: number;
  readonly limit: number;
  readonly soft: number;
  /** value / limit (0 when the limit is 0 and the value is 0; Infinity when only the limit is 0). */
  readonly utilisation: number;
  /** `₹/1%`, `₹/1%²`, `₹/vol pt`, `₹/day`, `₹`. */
  readonly unit: string;
}

export type BreachLevel = 'soft' | 'hard';

export interface Breach {
  readonly limit: LimitName;
  readonly scope: LimitScope;
  readonly underlying?: Underlying;
  readonly expiry?: string;
  readonly level: BreachLevel;
  /** Daily loss at RISK_EMERGENCY_RATIO × its limit: the kill switch goes to EMERGENCY. */
  readonly catastrophic: boolean;
  /** A greek or stress limit: a hard breach is reduced first and HALTs only if it outlasts the grace (kill switch). */
  readonly managed: boolean;
  readonly value: number;
  readonly signed?: number;
  readonly threshold: number;
  readonly evidence: Readonly<Record<string, number | string>>;
}

/** One cell of the stress grid: spot (NIFTY %, other underlyings β × that) × vol shift, re-priced in full. */
export interface StressCell {
  readonly spotPct: number;
  readonly volPts: number;
  /** The worse of the two smile dynamics, ₹ (negative = loss). */
  readonly pnl: number;
  /** Each strike keeps its own vol (+ shift). */
  readonly stickyStrike: number;
  /** The smile moves with the forward: a strike takes the vol of the same K/F before the move (+ shift). */
  readonly stickyMoneyness: number;
}

/** A named stress beyond the grid: an overnight gap, or the expiry-day pin at a short strike. */
export interface StressScenario {
  readonly kind: 'gap' | 'pin';
  readonly name: string;
  /** For pins: the pinned underlying (the others do not move). */
  readonly underlying?: Underlying;
  readonly spotPct: number;
  readonly volPts: number;
  readonly pnl: number;
}

export interface StressWorst {
  readonly kind: 'grid' | 'gap' | 'pin';
  readonly name: string;
  readonly spotPct: number;
  readonly volPts: number;
  /** ₹, ≤ 0 when anything loses. */
  readonly pnl: number;
}

export interface StressResult {
  readonly grid: readonly StressCell[];
  readonly gaps: readonly StressScenario[];
  readonly pins: readonly StressScenario[];
  readonly worst: StressWorst;
  /** max(0, −worst.pnl), ₹: what the stress limit measures. */
  readonly loss: number;
}

export type StopScope = 'account' | Bucket;

/** One portfolio stop's state for the IST day (stops.ts). */
export interface StopView {
  readonly scope: StopScope;
  /** Day P&L net of charges, ₹ (account: realised + unrealised − baseline − charges; bucket: its structures). */
  readonly pnl: number;
  readonly gross: number;
  /** Charges counted, ₹ (0 until the charges engine lands; the term is already in the arithmetic). */
  readonly charges: number;
  /** Highest net P&L seen today, ₹. */
  readonly peak: number;
  /** The stop-loss level (₹, ≤ 0); null when switched off. */
  readonly stopAt: number | null;
  /** Peak at which the trailing lock arms (₹); null when off. */
  readonly trailArmAt: number | null;
  /** The locked floor once armed (₹), else null. */
  readonly trailFloor: number | null;
  /** Set once fired; stays for the rest of the IST day. */
  readonly triggered: { readonly kind: 'stop' | 'trail'; readonly at: number; readonly pnl: number; readonly level: number } | null;
}

export interface PortfolioStops {
  readonly date: string;
  readonly account: StopView;
  readonly buckets: readonly StopView[];
  /** True when the account stop fired today: close everything, no entries until the next IST day. */
  readonly accountBlocked: boolean;
  /** Buckets whose own stop fired today. */
  readonly blockedBuckets: readonly Bucket[];
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
  readonly stress: StressResult;
  /** The configured hard levels and the soft ratio, so a caller can size against a limit the book does not touch yet. */
  readonly levels: { readonly softRatio: number; readonly betas: Readonly<Record<Underlying, number>> }
    & Readonly<Record<'deltaTotal' | 'deltaUnderlying' | 'gammaTotal' | 'gammaExpiry' | 'vegaTotal' | 'vegaExpiry' | 'thetaTotal' | 'stress', number>>;
  readonly stops: PortfolioStops;
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
  | 'STRESS_LOSS'
  | 'MTM_STOP'
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
  /** The book's stress with the new legs (null when the legs could not be valued). */
  readonly stress: { readonly worst: StressWorst; readonly loss: number; readonly before: number } | null;
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
export interface PnlDay extends Pick<DaySummary, 'date' | 'gross' | 'charges' | 'settlement' | 'net' | 'realised' | 'unrealised' | 'trades' | 'maxDrawdown' | 'safetyEvents'> {
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
  /** The gateway (`GET /api/v1/risk`): the last assessment as the API serves it; null before the first one. */
  'risk.view': { in: Readonly<Record<string, never>>; out: RiskApiView | null };
  /** The gateway (`GET /api/v1/pnl`): the journaled trading days and the open one. */
  'risk.pnl': { in: Readonly<Record<string, never>>; out: RiskPnl };
  /** Event from the kill switch: entries are denied unless it is NORMAL. */
  'killswitch.changed': { in: KillSwitchView; out: void };
  /** Its own, once after the first assessment: compile the pre-trade check before a proposal needs it (warm.ts). */
  'risk.warm': { in: null; out: void };
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

/** Reply to `risk.view`: what `GET /api/v1/risk` serves (INTERFACE.md), built from the last assessment. */
export interface RiskApiView {
  readonly cycleId: string;
  readonly ts: number;
  readonly byUnderlying: Readonly<Partial<Record<Underlying, { readonly spot: number; readonly beta: number; readonly delta1pct: number; readonly gamma1pct: number; readonly vega: number; readonly theta: number }>>>;
  readonly byExpiry: readonly { readonly underlying: Underlying; readonly expiry: string; readonly delta1pct: number; readonly gamma1pct: number; readonly vega: number; readonly theta: number }[];
  readonly total: { readonly delta1pct: number; readonly gamma1pct: number; readonly vega: number; readonly theta: number; readonly deltaRatio: number };
  readonly stress: StressResult & { readonly limit: number; readonly utilisation: number };
  readonly limits: readonly LimitUse[];
  readonly breaches: readonly Breach[];
  readonly stops: PortfolioStops;
  readonly pnl: RiskReport['pnl'];
}
