/**
 * @module Read-only views over one cycle's inputs: quotes by instrument key, spots, surfaces by expiry, and the
 * strike→vol lookup. Built once per cycle; nothing here decides anything.
 */
import { ChainIndex, strikeAt, touchAt } from '../domain/chain-index.ts';
import type { ExpiryChain, MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { ExpiryFit, SurfaceCalibrated } from '../calibrator/messages.ts';
import type { Right } from '../domain/right.ts';

export interface Quote {
  readonly instrumentKey: string;
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
  readonly bid: number;
  readonly ask: number;
}

/** A two-sided, uncrossed, positive quote: the only kind the strategy prices from. */
export function isTradable(q: { readonly bid: number; readonly ask: number }): boolean {
  return Number.isFinite(q.bid) && Number.isFinite(q.ask) && q.bid > 0 && q.ask >= q.bid;
}

export function mid(q: { readonly bid: number; readonly ask: number }): number {
  return (q.bid + q.ask) / 2;
}

/** Quotes by instrument key. */
export interface QuoteLookup {
  get(instrumentKey: string): Quote | undefined;
}

export interface MarketView {
  readonly ts: number;
  readonly quotes: QuoteLookup;
  readonly spots: ReadonlyMap<Underlying, number>;
  chain(underlying: Underlying, expiry: string): ExpiryChain | undefined;
  fit(underlying: Underlying, expiry: string): ExpiryFit | undefined;
}

export function marketView(snapshot: MarketSnapshot, surface: SurfaceCalibrated): MarketView {
  // Keys are located on demand (domain/chain-index.ts): a Quote object is built for the few keys the strategy looks
  // up, not for the ~650 quotes of every snapshot each cycle (that allocation was a measurable share of the execute stage).
  const index = new ChainIndex();
  const quotes: QuoteLookup = {
    get(instrumentKey) {
      const at = index.locate(snapshot.expiries, instrumentKey);
      if (at === undefined) return undefined;
      const { chain: c, right } = at;
      return { instrumentKey, underlying: c.underlying, expiry: c.expiry, strike: strikeAt(at), right, ...touchAt(at) };
    },
  };
  const spots = new Map<Underlying, number>();
  for (const s of snapshot.spots) if (s.spot > 0 && Number.isFinite(s.spot)) spots.set(s.underlying, s.spot);
  const id = (u: Underlying, e: string) => `${u}|${e}`;
  const chains = new Map(snapshot.expiries.map((c) => [id(c.underlying, c.expiry), c]));
  const fits = new Map(surface.expiries.map((f) => [id(f.underlying, f.expiry), f]));
  return {
    ts: snapshot.ts,
    quotes,
    spots,
    chain: (u, e) => chains.get(id(u, e)),
    fit: (u, e) => fits.get(id(u, e)),
  };
}

/** The fitted vol at exactly `strike` (the calibrator fits on the chain's own strikes), NaN when absent. */
export function volAt(fit: ExpiryFit, strike: number): number {
  for (let i = 0; i < fit.strikes.length; i++) {
    if (Math.abs((fit.strikes[i] ?? Number.NaN) - strike) < 1e-6) {
      const v = fit.vols[i] ?? Number.NaN;
      return v > 0 && Number.isFinite(v) ? v : Number.NaN;
    }
  }
  return Number.NaN;
}

/** The fitted vol at the strike nearest the forward: the "IV level" the entry filter compares with RV. */
export function atmVol(fit: ExpiryFit): { strike: number; vol: number } {
  let best = { strike: Number.NaN, vol: Number.NaN };
  let bestDist = Number.POSITIVE_INFINITY;
  for (let i = 0; i < fit.strikes.length; i++) {
    const k = fit.strikes[i] ?? Number.NaN;
    const v = fit.vols[i] ?? Number.NaN;
    const dist = Math.abs(k - fit.forward);
    if (v > 0 && Number.isFinite(v) && dist < bestDist) {
      bestDist = dist;
      best = { strike: k, vol: v };
    }
  }
  return best;
}
