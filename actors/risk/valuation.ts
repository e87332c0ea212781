/**
 * @module Pure valuation of option legs on our calibrated surface: vol lookup, Black-76 greeks in book units,
 * marks for P&L, and re-pricing under shocked markets (the stress scenarios use the same path).
 *
 * Symbols: F forward of the leg's expiry, K strike, t years to expiry from the snapshot time on the variance clock
 * (domain/variance-clock.ts, the calibrator's and strategy's t too), r the one configured rate (RISK_FREE_RATE),
 * σ the surface vol at K. A leg's quantity q is signed (long > 0), so its delta is q·∂V/∂F, its vega q·∂V/∂σ·0.01
 * (₹ per vol point) and its theta q·θ/365 (₹ per calendar day on average: a variance year spans 365 days).
 */
import { black76Greeks, black76Price } from '../domain/black76.ts';
import { ChainIndex, ltpAt, touchAt } from '../domain/chain-index.ts';
import { DEFAULT_MARKET_SETTINGS, type MarketSettings } from '../domain/market-settings.ts';
import { THETA_PER_DAY, VEGA_PER_VOL_POINT } from '../domain/units.ts';
import { varianceClock, type VarianceClock } from '../domain/variance-clock.ts';
import type { ExpiryFit, SurfaceCalibrated } from '../calibrator/messages.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { Greeks, MarkSource } from './messages.ts';
import type { Right } from '../domain/right.ts';

/** The smallest vol a shocked scenario may reach (vol − 5 points must not go negative). */
export const MIN_VOL = 0.01;

export interface Quote {
  readonly bid: number;
  readonly ask: number;
  readonly ltp: number;
}

/** Everything needed to value a leg, indexed once per snapshot. */
export interface MarketView {
  readonly now: number;
  readonly rate: number;
  readonly clock: VarianceClock;
  readonly surfaceTs: number;
  readonly spots: ReadonlyMap<Underlying, number>;
  readonly fits: ReadonlyMap<string, ExpiryFit>;
  readonly quotes: QuoteLookup;
}

/** Quotes by instrument key. */
export interface QuoteLookup {
  get(instrumentKey: string): Quote | undefined;
}

/** A leg in book terms: signed units. */
export interface BookLeg {
  readonly instrumentKey: string;
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
  /** Signed units: positive long, negative short. */
  readonly quantity: number;
}

export interface PricedLeg extends BookLeg {
  readonly forward: number;
  readonly t: number;
  /** Years in the last three trading hours of the expiry day (the expiry-day stress caps t here). */
  readonly expiryDayT: number;
  readonly rate: number;
  readonly vol: number;
  /** The expiry's fit, for sticky-moneyness re-pricing (the smile moved with the forward). */
  readonly fit: ExpiryFit;
  readonly fallbackIv: boolean;
  readonly modelPrice: number;
  readonly greeks: Greeks;
}

/** A market shock: forward scaled by (1 + spotShift), vols moved by volShift (1.00 = 100 points), t capped at the
 *  leg's last three trading hours when `expiryDay`. */
export interface Shock {
  readonly spotShift: number;
  readonly volShift: number;
  readonly expiryDay?: boolean;
}

/** How much of the expiry day the expiry-day stress leaves: three trading hours before the close. */
export const EXPIRY_DAY_MINUTES = 180;

export const fitKey = (underlying: Underlying, expiry: string): string => `${underlying}|${expiry}`;

/** Spot for an underlying; the forward of its nearest fitted expiry when the snapshot had no spot. */
export function spotOf(market: MarketView, u: Underlying): number {
  const spot = market.spots.get(u);
  if (spot !== undefined) return spot;
  let best: { t: number; f: number } | null = null;
  for (const fit of market.fits.values()) {
    if (fit.underlying === u && fit.forward > 0 && (best === null || fit.expiryTs < best.t)) best = { t: fit.expiryTs, f: fit.forward };
  }
  return best ? best.f : NaN;
}

export function buildMarket(snapshot: MarketSnapshot, surface: SurfaceCalibrated, conventions: MarketSettings = DEFAULT_MARKET_SETTINGS): MarketView {
  const spots = new Map<Underlying, number>();
  for (const s of snapshot.spots) if (Number.isFinite(s.spot) && s.spot > 0) spots.set(s.underlying, s.spot);
  const fits = new Map<string, ExpiryFit>();
  for (const f of surface.expiries) fits.set(fitKey(f.underlying, f.expiry), f);
  const quotes = new ChainQuotes(snapshot.expiries);
  return { now: snapshot.ts, rate: conventions.rate, clock: varianceClock(conventions.variance), surfaceTs: surface.ts, spots, fits, quotes };
}

/**
 * Quotes read from the chains on demand (domain/chain-index.ts). A cycle looks up its book's legs and the proposals'
 * (a dozen or so), not the ~480 quotes of a snapshot: building a Quote object for each of those, every cycle, was a
 * share of this actor's garbage.
 */
class ChainQuotes implements QuoteLookup {
  readonly #chains: MarketSnapshot['expiries'];
  readonly #index = new ChainIndex();

  constructor(chains: MarketSnapshot['expiries']) {
    this.#chains = chains;
  }

  get(instrumentKey: string): Quote | undefined {
    const at = this.#index.locate(this.#chains, instrumentKey);
    return at === undefined ? undefined : { ...touchAt(at), ltp: ltpAt(at) };
  }
}

/**
 * The surface vol at `strike`: linear in strike between the fitted points, flat beyond the ends; NaN where the
 * expiry has no finite vol at all.
 */
export function surfaceVol(fit: ExpiryFit, strike: number): number {
  let loK = NaN, loV = NaN, hiK = NaN, hiV = NaN;
  for (let i = 0; i < fit.strikes.length; i++) {
    const k = fit.strikes[i]!;
    const v = fit.vols[i]!;
    if (!(Number.isFinite(v) && v > 0)) continue;
    if (k === strike) return v;
    if (k < strike && !(k <= loK)) { loK = k; loV = v; }
    if (k > strike && !(k >= hiK)) { hiK = k; hiV = v; }
  }
  if (Number.isNaN(loV)) return hiV;
  if (Number.isNaN(hiV)) return loV;
  return loV + ((hiV - loV) * (strike - loK)) / (hiK - loK);
}

/** Prices one leg under an optional shock; null when the surface cannot value it (no expiry, no vol). */
export function priceLeg(leg: BookLeg, market: MarketView, shock?: Shock): PricedLeg | null {
  const fit = market.fits.get(fitKey(leg.underlying, leg.expiry));
  if (!fit || !(fit.forward > 0)) return null;
  const baseVol = surfaceVol(fit, leg.strike);
  if (!(baseVol > 0)) return null;
  let t = market.clock.yearsToExpiry(market.now, fit.expiryTs);
  const expiryDayT = market.clock.sessionMinutesToYears(EXPIRY_DAY_MINUTES, leg.expiry);
  let forward = fit.forward;
  let vol = baseVol;
  if (shock) {
    forward *= 1 + shock.spotShift;
    vol = Math.max(MIN_VOL, vol + shock.volShift);
    if (shock.expiryDay) t = Math.min(t, expiryDayT);
  }
  const g = black76Greeks(leg.right === 'CE' ? 'call' : 'put', forward, leg.strike, t, market.rate, vol);
  const q = leg.quantity;
  return {
    ...leg,
    forward,
    t,
    expiryDayT,
    rate: market.rate,
    vol,
    fit,
    fallbackIv: fit.fallback,
    modelPrice: g.price,
    greeks: { delta: q * g.delta, gamma: q * g.gamma, vega: q * g.vega * VEGA_PER_VOL_POINT, theta: q * g.theta * THETA_PER_DAY },
  };
}

/** Model value (₹) of a leg under a shock, without greeks (the scenario inner loop). */
export function legValue(leg: PricedLeg, shock: Shock): number {
  const t = shock.expiryDay ? Math.min(leg.t, leg.expiryDayT) : leg.t;
  const vol = Math.max(MIN_VOL, leg.vol + shock.volShift);
  const price = black76Price(leg.right === 'CE' ? 'call' : 'put', leg.forward * (1 + shock.spotShift), leg.strike, t, leg.rate, vol);
  return leg.quantity * price;
}

/**
 * The mark for P&L: the quote mid when both sides are live and not crossed, else our model price (the surface is
 * fresher than a stale last trade), else the last trade, else the entry price (no information: zero unrealised).
 */
export function markOf(quote: Quote | undefined, modelPrice: number | null, entry: number): { mark: number; source: MarkSource } {
  if (quote && quote.bid > 0 && quote.ask > 0 && quote.ask >= quote.bid) return { mark: (quote.bid + quote.ask) / 2, source: 'mid' };
  if (modelPrice !== null && Number.isFinite(modelPrice)) return { mark: modelPrice, source: 'model' };
  if (quote && quote.ltp > 0) return { mark: quote.ltp, source: 'ltp' };
  return { mark: entry, source: 'entry' };
}

export const ZERO_GREEKS: Greeks = { delta: 0, gamma: 0, vega: 0, theta: 0 };

export function addGreeks(a: Greeks, b: Greeks): Greeks {
  return { delta: a.delta + b.delta, gamma: a.gamma + b.gamma, vega: a.vega + b.vega, theta: a.theta + b.theta };
}

/** ½·Γ·(1 % of spot)²: the P&L convexity of a 1 % move, ₹. */
export function gammaInr1Pct(gamma: number, spot: number): number {
  const move = 0.01 * spot;
  return 0.5 * gamma * move * move;
}

/** delta · (1 % of spot): the first-order P&L of a 1 % move, ₹. */
export function deltaInr1Pct(delta: number, spot: number): number {
  return delta * 0.01 * spot;
}
