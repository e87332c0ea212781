/**
 * @module Option legs valued on our surface (pure, ₹): the greeks a trade adds, in the greeks panel's units, and the
 * P&L curve "today" beside the one at expiry (issue 19: "payoff diagram … at expiry and today (from our surface)").
 *
 * Each leg is priced with Black-76 on its expiry's forward, time and the surface's vol at its strike (linear in
 * strike between the fitted strikes, flat beyond them). A spot move moves the forward in proportion (F' = F·S'/S) and
 * keeps each strike's vol (sticky strike). The greeks use the risk actor's definitions (actors/risk/limits.ts):
 *   delta1pct = Σ q·∂V/∂F · 0.01·S     gamma1pct = ½·Σ q·∂²V/∂F² · (0.01·S)²
 *   vega      = Σ q·∂V/∂σ · 0.01        theta     = Σ q·θ / 365            (q signed units; ₹)
 */
import { black76Greeks, black76Price } from '../../actors/domain/black76.ts';
import { DEFAULT_MARGIN_PARAMS, estimateMargin } from '../../actors/domain/margin.ts';
import type { Right } from '../../actors/domain/right.ts';
import type { Underlying } from '../../actors/domain/underlying.ts';
import { THETA_PER_DAY, VEGA_PER_VOL_POINT } from '../../actors/domain/units.ts';

/** One expiry of our surface as the views need it. */
export interface ExpiryModel {
  /** The underlying's spot the forward was read with. */
  readonly spot: number;
  readonly forward: number;
  /** Years to the expiry's close (the calibrator's, on the variance clock). */
  readonly t: number;
  readonly rate: number;
  /** The surface's vol (decimal) at a strike. */
  vol(strike: number): number;
}

export interface ModelLeg {
  readonly strike: number;
  readonly right: Right;
  /** Signed units: positive long, negative short. */
  readonly quantity: number;
  /** ₹ per unit paid (long) or received (short). */
  readonly price: number;
  readonly model: ExpiryModel;
}

export interface TradeGreeks {
  /** ₹ for a 1 % rise of the underlying. */
  readonly delta1pct: number;
  /** ₹ from the convexity of a 1 % move. */
  readonly gamma1pct: number;
  /** ₹ per vol point. */
  readonly vega: number;
  /** ₹ per calendar day. */
  readonly theta: number;
}

/**
 * The surface's vol at `strike`: linear between the two fitted strikes around it, flat beyond the first and last;
 * strikes whose vol is not a positive number are skipped. NaN when the surface has none.
 */
export function surfaceVol(strikes: ArrayLike<number>, vols: ArrayLike<number>, strike: number): number {
  let lo = -1;
  let hi = -1;
  for (let i = 0; i < strikes.length; i++) {
    const k = strikes[i] as number;
    const v = vols[i] as number;
    if (!(v > 0) || !Number.isFinite(k)) continue;
    if (k <= strike && (lo < 0 || k >= (strikes[lo] as number))) lo = i;
    if (k >= strike && (hi < 0 || k <= (strikes[hi] as number))) hi = i;
  }
  if (lo < 0 && hi < 0) return Number.NaN;
  if (lo < 0) return vols[hi] as number;
  if (hi < 0 || lo === hi) return vols[lo] as number;
  const k0 = strikes[lo] as number, k1 = strikes[hi] as number, v0 = vols[lo] as number, v1 = vols[hi] as number;
  return v0 + ((v1 - v0) * (strike - k0)) / (k1 - k0);
}

const type = (r: Right) => (r === 'CE' ? 'call' : 'put');

/** Whether Black-76 can price the leg: a positive forward, time and vol at its strike. */
function priceable(l: { readonly strike: number; readonly model: ExpiryModel }): boolean {
  const m = l.model;
  return m.spot > 0 && m.forward > 0 && m.t > 0 && Number.isFinite(m.rate) && m.vol(l.strike) > 0 && l.strike > 0;
}

/** The greeks the legs carry now, ₹; null when a leg cannot be priced (no surface for it, no time left). */
export function tradeGreeks(legs: readonly ModelLeg[]): TradeGreeks | null {
  if (!legs.every(priceable)) return null;
  let delta1pct = 0, gamma1pct = 0, vega = 0, theta = 0;
  for (const l of legs) {
    const m = l.model;
    const g = black76Greeks(type(l.right), m.forward, l.strike, m.t, m.rate, m.vol(l.strike));
    const move = 0.01 * m.spot;
    delta1pct += l.quantity * g.delta * move;
    gamma1pct += 0.5 * l.quantity * g.gamma * move * move;
    vega += l.quantity * g.vega * VEGA_PER_VOL_POINT;
    theta += l.quantity * g.theta * THETA_PER_DAY;
  }
  return { delta1pct, gamma1pct, vega, theta };
}

/**
 * P&L of the legs, ₹, if the underlying were at `spot` once `elapsed` years have passed (0 = today): each leg at
 * Black-76 with the time it has left, at its intrinsic value once that is none. With `elapsed` the nearest expiry's
 * time, it is the curve "at expiry" of a book whose later legs still have time.
 */
export function pnlAt(legs: readonly ModelLeg[], spot: number, elapsed = 0): number {
  let v = 0;
  for (const l of legs) {
    const m = l.model;
    const left = m.t - elapsed;
    const f = (m.forward * spot) / m.spot;
    const worth = left <= 0 ? (l.right === 'CE' ? Math.max(spot - l.strike, 0) : Math.max(l.strike - spot, 0)) : black76Price(type(l.right), f, l.strike, left, m.rate, m.vol(l.strike));
    v += l.quantity * (worth - l.price);
  }
  return v;
}

/** The spots a payoff chart is drawn at: every strike, and 61 steps over the strikes and spot with 30 % margin. */
export function payoffGrid(strikes: readonly number[], spot: number | null): number[] {
  const at = spot !== null && Number.isFinite(spot) ? [spot] : [];
  const lo = Math.min(...strikes, ...at);
  const hi = Math.max(...strikes, ...at);
  const pad = Math.max((hi - lo) * 0.3, hi * 0.02);
  const xs = new Set(strikes);
  for (let i = 0; i <= 60; i++) xs.add(Math.round(lo - pad + ((hi - lo + 2 * pad) * i) / 60));
  return [...xs].sort((a, b) => a - b);
}

export interface PayoffCurves {
  /** Spots, ascending. */
  readonly x: readonly number[];
  /** ₹ at the nearest expiry (later legs at Black-76 with their time left), rounded to ₹1. */
  readonly atExpiry: readonly number[];
  /** ₹ today from our surface, rounded to ₹1; null when a leg has no model (no surface for its expiry). */
  readonly today: readonly number[] | null;
}

/**
 * Both curves over `payoffGrid`: at the nearest expiry and today. `modelOf` gives a leg's expiry model; without one
 * for every leg only the expiry curve is drawn (and only when the legs share one expiry: across expiries it needs
 * the later legs' time value).
 */
export function payoffCurves<L extends { readonly strike: number; readonly right: Right; readonly quantity: number; readonly price: number; readonly expiry: string }>(
  legs: readonly L[], spot: number | null, modelOf: (leg: L) => ExpiryModel | undefined,
): PayoffCurves | null {
  if (legs.length === 0) return null;
  const x = payoffGrid(legs.map((l) => l.strike), spot);
  const modelled: ModelLeg[] = [];
  for (const l of legs) {
    const model = modelOf(l);
    if (model === undefined) break;
    const leg = { strike: l.strike, right: l.right, quantity: l.quantity, price: l.price, model };
    if (!priceable(leg)) break;
    modelled.push(leg);
  }
  const r = (v: number) => Math.round(v);
  if (modelled.length < legs.length) {
    if (new Set(legs.map((l) => l.expiry)).size > 1) return null;
    // One expiry, no surface: the expiry curve needs none (elapsed ≥ every t means intrinsic value).
    const plain = legs.map((l) => ({ strike: l.strike, right: l.right, quantity: l.quantity, price: l.price, model: { spot: 1, forward: 1, t: 0, rate: 0, vol: () => Number.NaN } }));
    return { x, atExpiry: x.map((s) => r(pnlAt(plain, s, 0))), today: null };
  }
  const nearest = Math.min(...modelled.map((l) => l.model.t));
  return { x, atExpiry: x.map((s) => r(pnlAt(modelled, s, nearest))), today: x.map((s) => r(pnlAt(modelled, s, 0))) };
}

/** One fitted expiry as the calibrator reports it (actors/calibrator/messages.ts ExpiryFit, the fields used here). */
export interface FitLike {
  readonly underlying: string;
  readonly expiry: string;
  readonly t: number;
  readonly forward: number;
  readonly strikes: ArrayLike<number>;
  readonly vols: ArrayLike<number>;
}

/** Our surface as models per (underlying, expiry): the fit's forward, time and vols, with the underlying's spot. */
export function surfaceModels(fits: readonly FitLike[], spots: ReadonlyMap<string, number>, rate: number): (underlying: string, expiry: string) => ExpiryModel | undefined {
  const byKey = new Map<string, ExpiryModel>();
  for (const f of fits) {
    const spot = spots.get(f.underlying);
    if (spot === undefined || !(spot > 0)) continue;
    byKey.set(`${f.underlying}|${f.expiry}`, { spot, forward: f.forward, t: f.t, rate, vol: (k) => surfaceVol(f.strikes, f.vols, k) });
  }
  return (underlying, expiry) => byKey.get(`${underlying}|${expiry}`);
}

/** What an approval card shows beyond the money at its limits: the model margin and the greeks the trade adds. */
export interface TradeRisk {
  /** ₹, the model margin for the legs (actors/domain/margin.ts; the broker's own is asked before sending live); null without a spot. */
  readonly margin: number | null;
  /** ₹ in the greeks panel's units; null when a leg has no surface to price it on. */
  readonly greeks: TradeGreeks | null;
}

export function tradeRisk(
  legs: readonly { readonly expiry: string; readonly strike: number; readonly right: Right; readonly side: 'BUY' | 'SELL'; readonly quantity: number; readonly limitPrice?: number }[],
  underlying: Underlying, modelOf: (underlying: string, expiry: string) => ExpiryModel | undefined, spot: number | undefined, today: string,
): TradeRisk {
  let margin: number | null = null;
  if (spot !== undefined && spot > 0 && legs.length > 0) {
    try {
      margin = estimateMargin(legs.map((l) => ({ underlying, expiry: l.expiry, strike: l.strike, right: l.right, side: l.side, quantity: l.quantity })), { [underlying]: spot }, DEFAULT_MARGIN_PARAMS, { today }).required;
    } catch {
      margin = null; // a leg the model refuses (a caller's bad leg): shown as unknown, never as ₹0
    }
  }
  const modelled: ModelLeg[] = [];
  for (const l of legs) {
    const model = modelOf(underlying, l.expiry);
    if (model === undefined) return { margin, greeks: null };
    modelled.push({ strike: l.strike, right: l.right, quantity: l.side === 'BUY' ? l.quantity : -l.quantity, price: l.limitPrice ?? 0, model });
  }
  return { margin, greeks: modelled.length === 0 ? null : tradeGreeks(modelled) };
}
