/**
 * @module Calibrator core (pure): MarketSnapshot → per-expiry inputs → SABR fits with fallbacks → SurfaceCalibrated.
 *
 * Per expiry: SABR (β fixed) on the filtered OTM IVs. The fit is rejected — and per-strike Black IVs used instead,
 * flagged `fallback` with a reason — when there are too few quotes, the optimiser fails or does not converge, the
 * rmse exceeds the configured threshold, or the model's call prices are not convex in strike. Across expiries of one
 * underlying, total variance σ²T must not decrease at fixed ln(K/F); a violation is reported as a warning.
 */
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import { unitsPerYear } from '../domain/variance-clock.ts';
import type { ExpiryFit, SurfaceCalibrated } from './messages.ts';
import { atmVolEstimate, calibrateSabr } from '../domain/sabr-calibrate.ts';
import { sabrVol } from '../domain/sabr.ts';
import { black76Undiscounted } from '../domain/black76.ts';
import type { CalibratorSettings } from './config.ts';
import { buildExpiryInput, type ExpiryInput } from './slice.ts';
import type { BrokerIvDivergence } from './messages.ts';

/** Fewer usable quotes than this and a 3-parameter fit is not trusted. */
export const MIN_FIT_POINTS = 5;
const VOL_POINTS = 100;

/** ExpiryFit plus the core's own diagnostics (additive; the contract fields come first). */
export type ExpiryFitResult = ExpiryFit & { readonly warnings: readonly string[]; readonly usedQuotes: number };

/** Builds every expiry's input from the snapshot (forward, t, filtered IVs). */
export function snapshotInputs(snapshot: MarketSnapshot, cfg: CalibratorSettings): ExpiryInput[] {
  return snapshot.expiries.map((chain) => {
    const spot = snapshot.spots.find((s) => s.underlying === chain.underlying)?.spot;
    return buildExpiryInput(chain, snapshot.ts, spot, cfg);
  });
}

/** Fits one expiry; never throws for market-data problems (they become a flagged fallback). */
export function fitExpiry(input: ExpiryInput, cfg: CalibratorSettings): ExpiryFitResult {
  const { strikes, marketIv, forward, t } = input;
  const [ks, vs] = fitPoints(strikes, marketIv, forward, t, cfg.fitBand);
  const base = {
    underlying: input.underlying, expiry: input.expiry, expiryTs: input.expiryTs, t, forward, strikes, marketIv,
    ...brokerDivergence(input, 1 / unitsPerYear(cfg.market.variance)),
  };
  const fallback = (reason: string, partial: Partial<Pick<ExpiryFit, 'rmseVolPts' | 'maxErrorVolPts' | 'iterations' | 'converged'>> = {}): ExpiryFitResult => ({
    ...base,
    params: null,
    rmseVolPts: partial.rmseVolPts ?? Number.NaN,
    maxErrorVolPts: partial.maxErrorVolPts ?? Number.NaN,
    iterations: partial.iterations ?? 0,
    converged: partial.converged ?? false,
    fallback: true,
    fallbackReason: reason,
    vols: interpolateMissing(strikes, marketIv),
    warnings: [],
    usedQuotes: ks.length,
  });
  if (!(t > 0)) return fallback(`expected time to expiry > 0, was ${t}`);
  if (!(forward > 0)) return fallback(`no forward: expected two-sided call and put quotes or a spot, found none`);
  if (ks.length < MIN_FIT_POINTS) return fallback(`expected >= ${MIN_FIT_POINTS} usable quotes, was ${ks.length}`);

  let fit;
  try {
    fit = calibrateSabr({ forward, t, strikes: ks, vols: vs }, null, { beta: cfg.beta, nuCap: cfg.nuCap, obloj: cfg.obloj });
  } catch (err) {
    return fallback(`fit failed: ${(err as Error).message}`);
  }
  const diag = { rmseVolPts: fit.rmseVolPts, maxErrorVolPts: fit.maxErrorVolPts, iterations: fit.iterations, converged: fit.converged };
  if (!fit.converged) return fallback(`fit did not converge in ${fit.iterations} iterations`, diag);
  if (!(fit.rmseVolPts <= cfg.maxRmseVolPts)) return fallback(`expected rmse <= ${cfg.maxRmseVolPts} vol pts, was ${fit.rmseVolPts.toFixed(3)}`, diag);

  const vols = new Float64Array(strikes.length);
  const sabrOpts = { obloj: cfg.obloj };
  for (let i = 0; i < strikes.length; i++) vols[i] = sabrVol(forward, strikes[i]!, t, fit.params, sabrOpts);
  const convexity = firstConvexityViolation(forward, t, strikes, vols);
  if (convexity !== null) return fallback(`model call prices not convex in strike near K=${convexity}`, diag);
  return { ...base, params: fit.params, ...diag, fallback: false, vols, warnings: [], usedQuotes: ks.length };
}

/**
 * The quotes a fit uses: every finite market IV, restricted (when `band` > 0 and t, F are usable) to
 * |ln(K/F)| ≤ band·σ_ATM·√t, σ_ATM the market's ATM vol estimate over all of them.
 */
export function fitPoints(strikes: Float64Array, marketIv: Float64Array, forward: number, t: number, band: number): [Float64Array, Float64Array] {
  let used = 0;
  for (let i = 0; i < strikes.length; i++) if (Number.isFinite(marketIv[i]!)) used++;
  const ks = new Float64Array(used);
  const vs = new Float64Array(used);
  for (let i = 0, j = 0; i < strikes.length; i++) {
    if (Number.isFinite(marketIv[i]!)) { ks[j] = strikes[i]!; vs[j] = marketIv[i]!; j++; }
  }
  if (!(band > 0) || !(forward > 0) || !(t > 0) || used < 3) return [ks, vs];
  const width = band * atmVolEstimate(forward, ks, vs) * Math.sqrt(t);
  if (!(width > 0)) return [ks, vs];
  let inside = 0;
  for (let j = 0; j < used; j++) if (Math.abs(Math.log(ks[j]! / forward)) <= width) inside++;
  if (inside === used) return [ks, vs];
  const kb = new Float64Array(inside);
  const vb = new Float64Array(inside);
  for (let j = 0, m = 0; j < used; j++) {
    if (Math.abs(Math.log(ks[j]! / forward)) <= width) { kb[m] = ks[j]!; vb[m] = vs[j]!; m++; }
  }
  return [kb, vb];
}

/** Strike where model call prices C(K) stop being convex (slopes must not decrease), or null. */
export function firstConvexityViolation(forward: number, t: number, strikes: Float64Array, vols: Float64Array): number | null {
  const n = strikes.length;
  if (n < 3) return null;
  const c = new Float64Array(n);
  for (let i = 0; i < n; i++) c[i] = black76Undiscounted('call', forward, strikes[i]!, vols[i]! * Math.sqrt(t));
  for (let i = 1; i < n - 1; i++) {
    const left = (c[i]! - c[i - 1]!) / (strikes[i]! - strikes[i - 1]!);
    const right = (c[i + 1]! - c[i]!) / (strikes[i + 1]! - strikes[i]!);
    // Tolerance: rounding of prices of size ~F over strike gaps.
    if (right < left - 1e-9 * forward / (strikes[i + 1]! - strikes[i - 1]!)) return strikes[i]!;
  }
  return null;
}

/** Linear interpolation in strike over NaN gaps, flat beyond the quoted range; all-NaN stays NaN. */
export function interpolateMissing(strikes: Float64Array, values: Float64Array): Float64Array {
  const n = strikes.length;
  const out = Float64Array.from(values);
  const known: number[] = [];
  for (let i = 0; i < n; i++) if (Number.isFinite(values[i]!)) known.push(i);
  if (known.length === 0) return out;
  let j = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isFinite(out[i]!)) continue;
    while (j < known.length - 1 && known[j + 1]! < i) j++;
    const a = known[j]!;
    const b = known[Math.min(j + 1, known.length - 1)]!;
    if (i <= a) out[i] = values[a]!;
    else if (i >= b) out[i] = values[b]!;
    else out[i] = values[a]! + ((values[b]! - values[a]!) * (strikes[i]! - strikes[a]!)) / (strikes[b]! - strikes[a]!);
  }
  return out;
}

/**
 * Our IV against the broker's, on the strikes whose quotes passed the liquidity filters (marketIv finite). Not within
 * the expiry's last trading day (`t` under `minT`, one trading day in years): there the two IVs differ by how each
 * counts the hours left (ours in trading time on the variance clock, a broker's in calendar time), not by how good
 * either surface is. On the Upstox fake the weekly's gap was 5.5 vol points at 05:50 IST on its expiry morning and
 * grew toward the close, degrading the kill switch every expiry day.
 */
function brokerDivergence(input: ExpiryInput, minT: number): { brokerIvDivergenceVolPts?: number; brokerDivergence?: BrokerIvDivergence } {
  if (!input.brokerIv || !(input.t >= minT)) return {};
  const gaps: number[] = [];
  let worst = -1;
  for (let i = 0; i < input.strikes.length; i++) {
    const ours = input.marketIv[i]!;
    const theirs = input.brokerIv[i]!;
    if (!(Number.isFinite(ours) && Number.isFinite(theirs) && theirs > 0)) continue;
    const gap = Math.abs(ours - theirs) * VOL_POINTS;
    gaps.push(gap);
    if (worst < 0 || gap > Math.abs(input.marketIv[worst]! - input.brokerIv[worst]!) * VOL_POINTS) worst = i;
  }
  if (gaps.length === 0 || worst < 0) return {};
  gaps.sort((a, b) => a - b);
  const mid = gaps.length >> 1;
  const median = gaps.length % 2 === 1 ? gaps[mid]! : 0.5 * (gaps[mid - 1]! + gaps[mid]!);
  const max = gaps[gaps.length - 1]!;
  return {
    brokerIvDivergenceVolPts: max,
    brokerDivergence: { medianVolPts: median, maxVolPts: max, strike: input.strikes[worst]!, ours: input.marketIv[worst]!, broker: input.brokerIv[worst]!, strikes: gaps.length },
  };
}

/**
 * Total variance σ²T must not decrease with expiry at fixed y = ln(K/F). Checked on 11 points across the overlap of
 * adjacent expiries' strike ranges; returns a warning per violating expiry (keyed by index in `fits`).
 */
export function calendarWarnings(fits: readonly ExpiryFitResult[]): Map<number, string> {
  const out = new Map<number, string>();
  const byUnderlying = new Map<string, number[]>();
  fits.forEach((f, i) => { if (f.t > 0 && f.forward > 0) byUnderlying.set(f.underlying, [...(byUnderlying.get(f.underlying) ?? []), i]); });
  for (const idx of byUnderlying.values()) {
    idx.sort((a, b) => fits[a]!.t - fits[b]!.t);
    for (let j = 1; j < idx.length; j++) {
      const near = fits[idx[j - 1]!]!;
      const far = fits[idx[j]!]!;
      const lo = Math.max(Math.log(near.strikes[0]! / near.forward), Math.log(far.strikes[0]! / far.forward));
      const hi = Math.min(Math.log(near.strikes[near.strikes.length - 1]! / near.forward), Math.log(far.strikes[far.strikes.length - 1]! / far.forward));
      if (!(hi > lo)) continue;
      for (let p = 0; p <= 10; p++) {
        const y = lo + ((hi - lo) * p) / 10;
        const wNear = varianceAt(near, y);
        const wFar = varianceAt(far, y);
        if (wFar < wNear * (1 - 1e-9)) {
          out.set(idx[j]!, `total variance decreases from ${near.expiry} to ${far.expiry} at ln(K/F)=${y.toFixed(4)}: ${wNear.toExponential(4)} > ${wFar.toExponential(4)}`);
          break;
        }
      }
    }
  }
  return out;
}

function varianceAt(fit: ExpiryFitResult, y: number): number {
  const k = fit.forward * Math.exp(y);
  const s = fit.strikes;
  let i = 0;
  while (i < s.length - 2 && s[i + 1]! < k) i++;
  const a = fit.vols[i]!, b = fit.vols[i + 1]!;
  const v = a + ((b - a) * (k - s[i]!)) / (s[i + 1]! - s[i]!);
  return v * v * fit.t;
}

/** Assembles the reply from per-expiry fits (in snapshot order) and attaches the calendar warnings. */
export function assembleSurface(snapshot: MarketSnapshot, fits: readonly ExpiryFitResult[], computeMs: number): SurfaceCalibrated & { expiries: readonly ExpiryFitResult[] } {
  const warnings = calendarWarnings(fits);
  const expiries = fits.map((f, i) => (warnings.has(i) ? { ...f, warnings: [...f.warnings, warnings.get(i)!] } : f));
  return { cycleId: snapshot.cycleId, ts: snapshot.ts, expiries, computeMs };
}

/** The whole calibration inline (what the worker does in `inline` mode, and what tests drive). */
export function calibrateSnapshot(snapshot: MarketSnapshot, cfg: CalibratorSettings, elapsedMs: () => number = () => 0): SurfaceCalibrated & { expiries: readonly ExpiryFitResult[] } {
  const fits = snapshotInputs(snapshot, cfg).map((input) => fitExpiry(input, cfg));
  return assembleSurface(snapshot, fits, elapsedMs());
}
