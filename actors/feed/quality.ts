/**
 * @module Data quality: six components in [0, 1] (1 = perfect) and their minimum as the score. Pure.
 *
 * Every component looks at the "window": the `window` strikes either side of each chain's carry forward
 * F = S·e^{(r−q)t} (both sides), the region the strategy and the calibrator actually use; the wings are allowed to be
 * quiet. r and t are the configured market conventions (one rate, the variance clock). See actors/feed/README.md for
 * the definitions and thresholds.
 */
import type { DataQuality, QualityComponents } from '../domain/data-quality.ts';
import type { ExpiryChain, SpotQuote } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import { UNDERLYING_SPECS } from '../domain/instruments.ts';
import { DEFAULT_MARKET_SETTINGS, type MarketSettings } from '../domain/market-settings.ts';
import { varianceClock } from '../domain/variance-clock.ts';
import { forwardFromParity } from '../domain/forward.ts';

export interface QualityParams {
  /** Strikes either side of the forward that form the window. */
  readonly window: number;
  /** An instrument older than this (market time) is stale. */
  readonly staleMs: number;
  /** Feed silence (wall ms): full marks up to `silenceOkMs`, zero at `stallMs`. */
  readonly silenceOkMs: number;
  readonly stallMs: number;
  /** Median relative spread (ask − bid)/mid: full marks at or below `spreadOk`, zero at `spreadBad`. */
  readonly spreadOk: number;
  readonly spreadBad: number;
  /** |F_parity − F_carry| / F_carry: full marks up to `forwardOk`, zero at `forwardBad`. */
  readonly forwardOk: number;
  readonly forwardBad: number;
  /** The one rate and variance clock (RISK_FREE_RATE, MARKET_VARIANCE_*) for the carry forward. */
  readonly market: MarketSettings;
}

export const DEFAULT_QUALITY: QualityParams = {
  window: 10, staleMs: 30_000, silenceOkMs: 2_000, stallMs: 5_000, spreadOk: 0.03, spreadBad: 0.3, forwardOk: 0.002, forwardBad: 0.01,
  market: DEFAULT_MARKET_SETTINGS,
};

export interface QualityDetail {
  readonly windowQuotes: number;
  readonly stale: number;
  readonly crossedOrLocked: number;
  readonly missing: number;
  readonly medianSpread: number;
  /** Worst |F_parity − F_carry| / F_carry over chains, NaN when none could be checked. */
  readonly forwardDeviation: number;
  readonly silenceMs: number;
}

const clamp01 = (x: number) => (x < 0 ? 0 : x > 1 ? 1 : x);
/** 1 at or below ok, 0 at or above bad, linear between. */
const ramp = (x: number, ok: number, bad: number) => clamp01(1 - (x - ok) / (bad - ok));

export interface QualityInput {
  /** The snapshot's chains and spots (quality is a function of what the consumers get). */
  readonly expiries: readonly ExpiryChain[];
  readonly spots: readonly SpotQuote[];
  /** Market time, epoch ms. */
  readonly now: number;
  readonly marketOpen: boolean;
  /** Wall ms since the last tick of any instrument. */
  readonly silenceMs: number;
}

/**
 * The market-time staleness threshold for a wall-time tolerance: ages in the book are market time, which runs `speed`
 * times faster in a simulation or replay than the wall clock the feed is delivered on.
 */
export function staleAfterMarketMs(wallStaleMs: number, speed: number): number {
  if (!(wallStaleMs > 0) || !(speed > 0)) throw new RangeError(`expected positive stale time and speed, was ${wallStaleMs} and ${speed}`);
  return wallStaleMs * Math.max(1, speed);
}

export function computeQuality(inp: QualityInput, p: QualityParams = DEFAULT_QUALITY): { quality: DataQuality; detail: QualityDetail } {
  const { expiries, now, marketOpen } = inp;
  let quotes = 0;
  let stale = 0;
  let bad = 0;
  let missing = 0;
  let twoSided = 0;
  const spreads: number[] = [];
  let worstDev = Number.NaN;
  let forwardScore = 1;
  const spotOf = new Map<Underlying, number>();
  const clock = varianceClock(p.market.variance);
  const rate = p.market.rate;
  for (const u of ['NIFTY', 'BANKNIFTY'] as const) {
    const s = inp.spots.find((q) => q.underlying === u);
    quotes++;
    if (!s || !(s.spot > 0)) missing++;
    else {
      spotOf.set(u, s.spot);
      if (now - s.ts > p.staleMs) stale++;
    }
  }
  for (const c of expiries) {
    const spot = spotOf.get(c.underlying);
    if (spot === undefined) continue; // counted as missing above
    const t = clock.yearsToExpiry(now, c.expiryTs);
    const fCarry = spot * Math.exp((rate - UNDERLYING_SPECS[c.underlying].dividendYield) * t);
    const [lo, hi] = windowRange(c.strikes, fCarry, p.window);
    for (let j = lo; j < hi; j++) {
      for (let side = 0; side < 2; side++) {
        const b = side === 0 ? c.callBid[j]! : c.putBid[j]!;
        const a = side === 0 ? c.callAsk[j]! : c.putAsk[j]!;
        const ts = side === 0 ? c.callTs[j]! : c.putTs[j]!;
        quotes++;
        if (!(b > 0) || !(a > 0)) {
          missing++;
          continue;
        }
        twoSided++;
        if (b >= a) bad++;
        else spreads.push((a - b) / (0.5 * (a + b)));
        if (!(now - ts <= p.staleMs)) stale++;
      }
    }
    const par = forwardFromParity(c, t, rate, 3);
    const dev = par === null ? Number.POSITIVE_INFINITY : Math.abs(par.forward - fCarry) / fCarry;
    if (!(dev <= worstDev)) worstDev = dev;
    forwardScore = Math.min(forwardScore, ramp(dev, p.forwardOk, p.forwardBad));
  }
  spreads.sort((a, b) => a - b);
  const medianSpread = spreads.length === 0 ? Number.NaN : spreads[spreads.length >> 1]!;
  const silenceMs = marketOpen ? inp.silenceMs : 0;
  const components: QualityComponents = {
    // Ages only mean something while the market trades; off-hours every quote is "old".
    staleness: marketOpen ? 1 - stale / Math.max(quotes, 1) : 1,
    crossed: 1 - bad / Math.max(twoSided, 1),
    missingStrikes: 1 - missing / Math.max(quotes, 1),
    spread: spreads.length === 0 ? 0 : ramp(medianSpread, p.spreadOk, p.spreadBad),
    forwardConsistency: expiries.length === 0 ? 0 : forwardScore,
    // The ramp must run from "fine" to "stalled": a stall time configured below the grace would invert it.
    silence: ramp(silenceMs, Math.min(p.silenceOkMs, p.stallMs / 2), p.stallMs),
  };
  const score = Math.min(components.staleness, components.crossed, components.missingStrikes, components.spread, components.forwardConsistency, components.silence);
  return {
    quality: { score, components },
    detail: { windowQuotes: quotes, stale, crossedOrLocked: bad, missing, medianSpread, forwardDeviation: worstDev, silenceMs },
  };
}

/** [lo, hi) of the `w` strikes either side of `f`. */
export function windowRange(strikes: Float64Array, f: number, w: number): [number, number] {
  let lo = 0;
  let hi = strikes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (strikes[mid]! < f) lo = mid + 1;
    else hi = mid;
  }
  return [Math.max(0, lo - w), Math.min(strikes.length, lo + w)];
}
