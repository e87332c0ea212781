/**
 * @module Realised volatility from the spot samples the strategy sees each cycle (pure, immutable state).
 *
 * σ_RV = sqrt( Σ rᵢ² / Σ Δuᵢ · D ), with rᵢ = ln(Sᵢ / Sᵢ₋₁) the log return and Δuᵢ the variance units between the two
 * samples on the variance clock (domain/variance-clock.ts; D its units per year) — the clock the calibrator's implied
 * vols and every greek use, so IV/RV compares like with like on every weekday. A return across a night, a weekend or
 * an outage counts with that span's units (the overnight share, weekend and holiday weights): it is a measurement of
 * the variance the clock assigns there, not a gap to drop. Samples closer than `minIntervalMs` to the last kept one
 * are skipped (returns that short measure quote noise, not the index).
 */
import { varianceClock, type VarianceWeights } from '../domain/variance-clock.ts';

export interface RvParams {
  /**
   * Spot samples closer together than this (market ms) are skipped, so every return spans at least this long.
   * Returns over a few seconds are mostly quote noise (bid/ask bounce, the sim's jitter), which adds variance per
   * return independent of its length: 2-second returns read RV ~0.16 where 1-minute returns read ~0.10 on the same
   * simulated path, and the IV ≥ RV filter refused every entry at SIM_SPEED=1..20. Optional: 0 keeps every sample.
   */
  readonly minIntervalMs?: number;
  readonly maxSamples: number;
  /** The configured variance clock (MARKET_VARIANCE_*). */
  readonly variance: VarianceWeights;
}

/** Per underlying: the last spot and the most recent returns (oldest first) with their variance units. */
export interface RvSeries {
  readonly lastTs: number;
  readonly lastSpot: number;
  readonly returns: readonly number[];
  readonly units: readonly number[];
}

export const EMPTY_SERIES: RvSeries = { lastTs: Number.NaN, lastSpot: Number.NaN, returns: [], units: [] };

/** Adds one spot observation. Out-of-order or repeated timestamps are ignored (a replayed cycle must not count twice). */
export function addSpot(series: RvSeries, ts: number, spot: number, p: RvParams): RvSeries {
  if (!(spot > 0) || !Number.isFinite(spot)) throw new RangeError(`expected a positive spot, was ${spot}`);
  if (!Number.isFinite(ts)) throw new RangeError(`expected a finite timestamp, was ${ts}`);
  if (!Number.isFinite(series.lastTs)) return { lastTs: ts, lastSpot: spot, returns: series.returns, units: series.units };
  if (ts <= series.lastTs || ts - series.lastTs < (p.minIntervalMs ?? 0)) return series;
  const clock = varianceClock(p.variance);
  const du = clock.years(series.lastTs, ts) * clock.unitsPerYear;
  // No variance time between the two (both inside one closed instant): nothing to measure.
  if (!(du > 0)) return { ...series, lastTs: ts, lastSpot: spot };
  const keep = Math.max(0, series.returns.length + 1 - p.maxSamples);
  return {
    lastTs: ts,
    lastSpot: spot,
    returns: [...series.returns.slice(keep), Math.log(spot / series.lastSpot)],
    units: [...series.units.slice(keep), du],
  };
}

/** Annualised realised vol on the variance clock, or NaN with fewer than `minSamples` returns. */
export function realisedVol(series: RvSeries, minSamples: number, p: RvParams): number {
  if (series.returns.length < minSamples) return Number.NaN;
  let sumSq = 0;
  let sumUnits = 0;
  for (let i = 0; i < series.returns.length; i++) {
    const r = series.returns[i] ?? 0;
    sumSq += r * r;
    sumUnits += series.units[i] ?? 0;
  }
  return sumUnits > 0 ? Math.sqrt((sumSq / sumUnits) * varianceClock(p.variance).unitsPerYear) : Number.NaN;
}
