/**
 * @module Realised volatility from the spot samples the strategy sees each cycle (pure, immutable state).
 *
 * σ_RV = sqrt( Σ rᵢ² / Σ Δtᵢ · M ), with rᵢ = ln(Sᵢ / Sᵢ₋₁) the log return over Δtᵢ minutes and M the trading
 * minutes per year. Intraday variance is annualised by *trading* time (252 × 375 min by default) because the index
 * only diffuses while the market is open; annualising 3-second returns by calendar time would overstate RV ~2.4×.
 * Returns across a gap longer than `maxGapMs` (overnight, outage, restart) are dropped, not averaged in; samples
 * closer than `minIntervalMs` to the last kept one are skipped (returns that short measure quote noise, not the index).
 */

export interface RvParams {
  /**
   * Spot samples closer together than this (market ms) are skipped, so every return spans at least this long.
   * Returns over a few seconds are mostly quote noise (bid/ask bounce, the sim's jitter), which adds variance per
   * return independent of its length: 2-second returns read RV ~0.16 where 1-minute returns read ~0.10 on the same
   * simulated path, and the IV ≥ RV filter refused every entry at SIM_SPEED=1..20. Optional: 0 keeps every sample.
   */
  readonly minIntervalMs?: number;
  readonly maxSamples: number;
  readonly maxGapMs: number;
  readonly annualisationMinutes: number;
}

/** Per underlying: the last spot and the most recent returns (oldest first). */
export interface RvSeries {
  readonly lastTs: number;
  readonly lastSpot: number;
  readonly returns: readonly number[];
  readonly minutes: readonly number[];
}

export const EMPTY_SERIES: RvSeries = { lastTs: Number.NaN, lastSpot: Number.NaN, returns: [], minutes: [] };

/** Adds one spot observation. Out-of-order or repeated timestamps are ignored (a replayed cycle must not count twice). */
export function addSpot(series: RvSeries, ts: number, spot: number, p: RvParams): RvSeries {
  if (!(spot > 0) || !Number.isFinite(spot)) throw new RangeError(`expected a positive spot, was ${spot}`);
  if (!Number.isFinite(ts)) throw new RangeError(`expected a finite timestamp, was ${ts}`);
  if (Number.isFinite(series.lastTs) && ts <= series.lastTs) return series;
  const dtMs = ts - series.lastTs;
  if (Number.isFinite(series.lastTs) && dtMs < (p.minIntervalMs ?? 0)) return series;
  if (!Number.isFinite(series.lastTs) || dtMs > p.maxGapMs) {
    return { lastTs: ts, lastSpot: spot, returns: series.returns, minutes: series.minutes };
  }
  const keep = Math.max(0, series.returns.length + 1 - p.maxSamples);
  return {
    lastTs: ts,
    lastSpot: spot,
    returns: [...series.returns.slice(keep), Math.log(spot / series.lastSpot)],
    minutes: [...series.minutes.slice(keep), dtMs / 60_000],
  };
}

/** Annualised realised vol, or NaN with fewer than `minSamples` returns. */
export function realisedVol(series: RvSeries, minSamples: number, p: RvParams): number {
  if (series.returns.length < minSamples) return Number.NaN;
  let sumSq = 0;
  let sumMinutes = 0;
  for (let i = 0; i < series.returns.length; i++) {
    const r = series.returns[i] ?? 0;
    sumSq += r * r;
    sumMinutes += series.minutes[i] ?? 0;
  }
  return sumMinutes > 0 ? Math.sqrt((sumSq / sumMinutes) * p.annualisationMinutes) : Number.NaN;
}
