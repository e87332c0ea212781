/**
 * @module A SPAN-like margin approximation for paper trading (the paper exchange, risk and the strategy share it).
 *
 * Not SPAN: a documented, deliberately conservative stand-in until live uses the broker's margin API.
 * Legs are grouped by (underlying, expiry). For each group:
 *
 *   naked     = Σ over short legs of (scanPct + exposurePct) · spot · |quantity|
 *               (the scan range is charged in full, with no out-of-the-money credit: errs high)
 *   worstLoss = − min over S ≥ 0 of the group's expiry payoff (intrinsic only, premium ignored),
 *               Infinity when the payoff falls without bound (more short calls than long calls)
 *   hedged    = worstLoss + exposurePct · spot · max(short call units, short put units)
 *               (both wings of a condor cannot lose at once, so exposure is charged on the larger side)
 *   required  = min(naked, hedged) + expiry-day ELM — the hedge benefit is naked − min(naked, hedged), zero for
 *               undefined risk; on the group's expiry day (`opts.today`) every short unit adds expiryDayElmPct · spot
 *
 * Long legs need no margin (their premium is paid in cash). Groups never offset each other (no calendar credit).
 * Example: NIFTY 24 000 spot, 65-unit iron condor 23 800/23 900 – 24 100/24 200:
 *   naked = 2 · 0.12 · 24 000 · 65 = 374 400; worstLoss = 100 · 65 = 6 500;
 *   hedged = 6 500 + 0.03 · 24 000 · 65 = 53 300 → required 53 300, hedgeBenefit 321 100.
 */
import type { Right } from './right.ts';
import type { Side } from './side.ts';
import type { Underlying } from './underlying.ts';

export interface MarginLeg {
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
  readonly side: Side;
  /** Units (lots × lot size), positive. */
  readonly quantity: number;
}

export interface MarginParams {
  /** SPAN-like scan range as a fraction of the underlying notional (price scan ≈ 3.5σ daily move). */
  readonly scanPct: number;
  /** NSE exposure margin on short index options, fraction of notional. */
  readonly exposurePct: number;
  /** NSE's additional ELM on short options on their expiry day, fraction of notional (2 %, SEBI's F&O measures of
   *  Nov 2024), hedged or not. Default 0.02. */
  readonly expiryDayElmPct?: number;
}

/** Defaults that land near observed NSE figures for index options (≈12 % naked, a few % hedged). */
export const DEFAULT_MARGIN_PARAMS: MarginParams = { scanPct: 0.09, exposurePct: 0.03, expiryDayElmPct: 0.02 };

export interface MarginGroup {
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly naked: number;
  /** Worst expiry payoff loss of the group (₹, ≥ 0), Infinity for undefined risk. */
  readonly worstLoss: number;
  readonly required: number;
  readonly hedgeBenefit: number;
  /** The expiry-day ELM in `required` (₹; 0 on other days). */
  readonly expiryDayElm: number;
}

export interface MarginEstimate {
  /** Margin the position needs, ₹. */
  readonly required: number;
  /** Naked margin minus required, ₹ (≥ 0). */
  readonly hedgeBenefit: number;
  readonly groups: readonly MarginGroup[];
}

export type Spots = Readonly<Partial<Record<Underlying, number>>>;

/**
 * Margin for a set of legs. Throws RangeError on a bad leg or a missing spot (a caller bug, never a "no").
 * @example estimateMargin([{underlying:'NIFTY', expiry:'2026-01-13', strike:24000, right:'PE', side:'SELL', quantity:65}], {NIFTY: 24000})
 */
export function estimateMargin(legs: readonly MarginLeg[], spots: Spots, params: MarginParams = DEFAULT_MARGIN_PARAMS, opts: { readonly today?: string } = {}): MarginEstimate {
  const byGroup = new Map<string, MarginLeg[]>();
  for (const leg of legs) {
    checkLeg(leg);
    const key = `${leg.underlying}|${leg.expiry}`;
    const list = byGroup.get(key);
    if (list) list.push(leg);
    else byGroup.set(key, [leg]);
  }
  const groups: MarginGroup[] = [];
  let required = 0;
  let hedgeBenefit = 0;
  for (const group of byGroup.values()) {
    const first = group[0]!;
    const spot = spots[first.underlying];
    if (spot === undefined || !Number.isFinite(spot) || spot <= 0) {
      throw new RangeError(`expected a positive spot for ${first.underlying}, was ${String(spot)}`);
    }
    let shortCalls = 0;
    let shortPuts = 0;
    for (const leg of group) {
      if (leg.side !== 'SELL') continue;
      if (leg.right === 'CE') shortCalls += leg.quantity;
      else shortPuts += leg.quantity;
    }
    const naked = (params.scanPct + params.exposurePct) * spot * (shortCalls + shortPuts);
    const worstLoss = worstExpiryLoss(group);
    const hedged = worstLoss + params.exposurePct * spot * Math.max(shortCalls, shortPuts);
    // On its expiry day (IST date `today`) every short option of the group carries the extra ELM, hedged or not.
    const elm = opts.today !== undefined && first.expiry === opts.today ? (params.expiryDayElmPct ?? 0.02) * spot * (shortCalls + shortPuts) : 0;
    const req = Math.min(naked, hedged) + elm;
    groups.push({ underlying: first.underlying, expiry: first.expiry, naked, worstLoss, required: req, hedgeBenefit: naked - Math.min(naked, hedged), expiryDayElm: elm });
    required += req;
    hedgeBenefit += naked - Math.min(naked, hedged);
  }
  return { required, hedgeBenefit, groups };
}

/**
 * Worst loss at expiry of legs on one underlying and expiry, premium excluded (₹, ≥ 0; Infinity if unbounded).
 * The payoff is piecewise linear with kinks at the strikes, so its minimum over S ≥ 0 is at S = 0, at a strike,
 * or at S → ∞ (where it falls without bound iff the net call slope is negative).
 */
export function worstExpiryLoss(legs: readonly MarginLeg[]): number {
  let callSlope = 0;
  for (const leg of legs) if (leg.right === 'CE') callSlope += signed(leg);
  if (callSlope < 0) return Infinity;
  const points = [0, ...legs.map((l) => l.strike)];
  let min = Infinity;
  for (const s of points) min = Math.min(min, expiryPayoff(legs, s));
  // Beyond the largest strike the payoff only rises (callSlope ≥ 0), so the points above cover the minimum.
  return Math.max(0, -min);
}

/** Intrinsic payoff of the legs (₹) if the index settles at `s`. */
export function expiryPayoff(legs: readonly MarginLeg[], s: number): number {
  let v = 0;
  for (const leg of legs) {
    const intrinsic = leg.right === 'CE' ? Math.max(s - leg.strike, 0) : Math.max(leg.strike - s, 0);
    v += signed(leg) * intrinsic;
  }
  return v;
}

function signed(leg: MarginLeg): number {
  return leg.side === 'BUY' ? leg.quantity : -leg.quantity;
}

function checkLeg(leg: MarginLeg): void {
  if (!(Number.isFinite(leg.quantity) && leg.quantity > 0)) {
    throw new RangeError(`expected a positive leg quantity, was ${leg.quantity}`);
  }
  if (!(Number.isFinite(leg.strike) && leg.strike > 0)) {
    throw new RangeError(`expected a positive strike, was ${leg.strike}`);
  }
  if (leg.right !== 'CE' && leg.right !== 'PE') throw new RangeError(`expected right CE|PE, was ${String(leg.right)}`);
  if (leg.side !== 'BUY' && leg.side !== 'SELL') throw new RangeError(`expected side BUY|SELL, was ${String(leg.side)}`);
}
