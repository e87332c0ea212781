/**
 * @module SABR calibration of one expiry's smile (β fixed): α from the ATM vol by West's cubic at every evaluation,
 * (ρ, ν) — and by default the ATM vol σ_atm itself, started at the market's — by Levenberg–Marquardt on
 * vega-weighted vol residuals, with bounds |ρ| ≤ ρ_cap < 1, 0 ≤ ν ≤ ν_cap.
 *
 * Why σ_atm is a parameter (`freeAtm`, default on): the forward rarely sits on a strike, so the market ATM vol is an
 * interpolation; fixing it would bias α. Parametrising by σ_atm (not α) keeps the problem well conditioned, since
 * σ_atm is nearly observed while α moves with ρ and ν through the cubic.
 *
 * Start (in the spirit of Le Floc'h & Kennedy 2014): with y = ln(K/F), β = 1 Hagan expands to
 *   σ(y) ≈ α + (ρν/2)·y + ((2 − 3ρ²)ν²/(12α))·y²,
 * so a weighted quadratic a₀ + a₁y + a₂y² through the near-the-money vols gives ρν = 2a₁, ν² = 6α·a₂ + 6a₁².
 */
import { SabrSmile, sabrAlphaFromAtm, type SabrOptions, type SabrParams } from './sabr.ts';
import { normalisedVega } from './normalised-black.ts';

export interface SmileSlice {
  readonly forward: number;
  /** Years to expiry. */
  readonly t: number;
  readonly strikes: ArrayLike<number>;
  /** Market Black vols (1.00 = 100%), same length as strikes, all finite and > 0. */
  readonly vols: ArrayLike<number>;
}

export interface SabrCalibrationOptions extends SabrOptions {
  /** Fixed β; default 1 (lognormal backbone, usual for equity indices). */
  readonly beta?: number;
  readonly nuCap?: number;
  readonly rhoCap?: number;
  readonly maxIterations?: number;
  readonly weighting?: 'vega' | 'uniform';
  /** Fit σ_atm too (default true); false fixes it at the interpolated market ATM vol. */
  readonly freeAtm?: boolean;
}

export interface SabrCalibration {
  readonly params: SabrParams;
  readonly atmVol: number;
  /** Unweighted root-mean-square of model − market, in vol (1.00 = 100%). */
  readonly rmse: number;
  readonly maxError: number;
  readonly rmseVolPts: number;
  readonly maxErrorVolPts: number;
  readonly iterations: number;
  readonly converged: boolean;
}

const VOL_POINTS = 100;
const DEFAULTS = { beta: 1, nuCap: 10, rhoCap: 0.999, maxIterations: 100 } as const;

/** Calibrates one smile. Throws RangeError for unusable input (fewer than 3 points, bad numbers). */
export function calibrateSabr(slice: SmileSlice, guess: Partial<Pick<SabrParams, 'rho' | 'nu'>> | null, opts: SabrCalibrationOptions = {}): SabrCalibration {
  const { forward: F, t } = slice;
  const n = slice.strikes.length;
  if (!(F > 0) || !(t > 0)) throw new RangeError(`expected forward > 0 and t > 0, was ${F}, ${t}`);
  if (n < 3 || slice.vols.length !== n) throw new RangeError(`expected >= 3 strikes with as many vols, was ${n} strikes, ${slice.vols.length} vols`);
  for (let i = 0; i < n; i++) {
    const k = slice.strikes[i]!; const v = slice.vols[i]!;
    if (!(k > 0) || !(v > 0) || !Number.isFinite(v)) throw new RangeError(`expected strike > 0 and vol > 0 at index ${i}, was ${k}, ${v}`);
  }
  const beta = opts.beta ?? DEFAULTS.beta;
  const nuCap = opts.nuCap ?? DEFAULTS.nuCap;
  const rhoCap = opts.rhoCap ?? DEFAULTS.rhoCap;
  const maxIterations = opts.maxIterations ?? DEFAULTS.maxIterations;
  const freeAtm = opts.freeAtm ?? true;
  const sabrOpts: SabrOptions = { obloj: opts.obloj === true };

  // Copied by index (not Float64Array.from, which walks an iterator even over a typed array).
  const strikes = new Float64Array(n);
  const market = new Float64Array(n);
  for (let i = 0; i < n; i++) { strikes[i] = slice.strikes[i]!; market[i] = slice.vols[i]!; }
  const sqrtW = weights(F, t, strikes, market, opts.weighting ?? 'vega');
  const marketAtm = atmVolEstimate(F, strikes, market);
  const start = startingPoint(F, t, strikes, market, sqrtW, marketAtm);
  const rho0 = clamp(guess?.rho ?? start.rho, -rhoCap, rhoCap);
  const nu0 = clamp(guess?.nu ?? start.nu, 0, nuCap);

  // Parameter vector: [σ_atm, ρ, ν] or [ρ, ν].
  const m = freeAtm ? 3 : 2;
  const p = freeAtm ? [marketAtm, rho0, nu0] : [rho0, nu0];
  const unpack = (q: readonly number[]): { atm: number; rho: number; nu: number } =>
    freeAtm ? { atm: q[0]!, rho: q[1]!, nu: q[2]! } : { atm: marketAtm, rho: q[0]!, nu: q[1]! };
  const project = (q: number[]): void => {
    if (freeAtm) q[0] = Math.max(q[0]!, 1e-6);
    q[m - 2] = clamp(q[m - 2]!, -rhoCap, rhoCap);
    q[m - 1] = clamp(q[m - 1]!, 0, nuCap);
  };

  const smile = new SabrSmile(F, t, beta, strikes, sabrOpts);
  const model = new Float64Array(n);
  const r = new Float64Array(n);
  const rTrial = new Float64Array(n);
  const jac = new Float64Array(n * m);
  const residuals = (q: readonly number[], out: Float64Array): number => {
    // unpack(q) without the object (this runs ~20 times per fit).
    const atm = freeAtm ? q[0]! : marketAtm;
    const rho = q[m - 2]!;
    const nu = q[m - 1]!;
    const alpha = sabrAlphaFromAtm(atm, F, t, beta, rho, nu);
    if (!(alpha > 0) || !Number.isFinite(alpha)) return Infinity;
    smile.vols(alpha, rho, nu, model);
    let cost = 0;
    for (let i = 0; i < n; i++) {
      const e = sqrtW[i]! * (model[i]! - market[i]!);
      out[i] = e;
      cost += e * e;
    }
    return cost;
  };

  let cost = residuals(p, r);
  if (!Number.isFinite(cost)) throw new RangeError(`no SABR alpha for the start (atm ${marketAtm}, rho ${rho0}, nu ${nu0})`);
  let lambda = 1e-3;
  let iterations = 0;
  let converged = false;
  const A = new Float64Array(m * m);
  const g = new Float64Array(m);
  const trial: number[] = new Array<number>(m).fill(0);
  const delta = new Float64Array(m);
  for (; iterations < maxIterations; iterations++) {
    // Forward-difference Jacobian, one column per parameter (a bound-hugging parameter steps inward).
    for (let j = 0; j < m; j++) {
      const hj = 1e-7 * Math.max(Math.abs(p[j]!), 1e-2);
      const saved = p[j]!;
      const inward = (j === m - 1 && saved + hj > nuCap) || (j === m - 2 && saved + hj > rhoCap);
      const step = inward ? -hj : hj;
      p[j] = saved + step;
      const c = residuals(p, rTrial);
      p[j] = saved;
      for (let i = 0; i < n; i++) jac[i * m + j] = Number.isFinite(c) ? (rTrial[i]! - r[i]!) / step : 0;
    }
    A.fill(0); g.fill(0);
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < m; a++) {
        const ja = jac[i * m + a]!;
        g[a]! += ja * r[i]!;
        for (let b = 0; b <= a; b++) A[a * m + b]! += ja * jac[i * m + b]!;
      }
    }
    for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) A[b * m + a] = A[a * m + b]!;
    let gMax = 0;
    for (let a = 0; a < m; a++) gMax = Math.max(gMax, Math.abs(g[a]!));
    if (gMax <= 1e-16 + 1e-12 * cost) { converged = true; break; }

    let accepted = false;
    let relativeGain = 0;
    let stepSize = 0;
    while (lambda < 1e12) {
      solveDamped(A, g, m, lambda, delta);
      for (let a = 0; a < m; a++) trial[a] = p[a]! + delta[a]!;
      project(trial);
      const c = residuals(trial, rTrial);
      if (c < cost) {
        relativeGain = (cost - c) / cost;
        stepSize = 0;
        for (let a = 0; a < m; a++) stepSize = Math.max(stepSize, Math.abs(trial[a]! - p[a]!) / Math.max(Math.abs(p[a]!), 1e-3));
        for (let a = 0; a < m; a++) p[a] = trial[a]!;
        r.set(rTrial);
        cost = c;
        lambda = Math.max(lambda / 3, 1e-12);
        accepted = true;
        break;
      }
      lambda *= 4;
    }
    if (!accepted) { converged = true; iterations++; break; } // no descent direction left: a (local) minimum
    if (relativeGain < 1e-10 || stepSize < 1e-10 || cost < 1e-30) { converged = true; iterations++; break; }
  }

  const { atm, rho, nu } = unpack(p);
  const alpha = sabrAlphaFromAtm(atm, F, t, beta, rho, nu);
  const params: SabrParams = { alpha, beta, rho, nu };
  let sum = 0;
  let maxError = 0;
  smile.vols(alpha, rho, nu, model);
  for (let i = 0; i < n; i++) {
    const e = Math.abs(model[i]! - market[i]!);
    sum += e * e;
    maxError = Math.max(maxError, e);
  }
  const rmse = Math.sqrt(sum / n);
  return { params, atmVol: atm, rmse, maxError, rmseVolPts: rmse * VOL_POINTS, maxErrorVolPts: maxError * VOL_POINTS, iterations, converged };
}

/** Augmented matrix [A + λ·diag(A) | −g] for m ≤ 3, rows of stride 4 (scratch: no allocation per LM step). */
const AUG = new Float64Array(12);

/**
 * Solves (A + λ·diag(A)) δ = −g for m ≤ 3 by Gaussian elimination with partial pivoting, into `x`. Row swaps are done
 * on the scratch rows in place (the same operations, in the same order, as swapping row arrays).
 */
function solveDamped(A: Float64Array, g: Float64Array, m: number, lambda: number, x: Float64Array): void {
  const M = AUG;
  const W = 4;
  for (let a = 0; a < m; a++) {
    for (let b = 0; b < m; b++) M[a * W + b] = A[a * m + b]! + (a === b ? lambda * A[a * m + a]! + 1e-30 : 0);
    M[a * W + m] = -g[a]!;
  }
  for (let c = 0; c < m; c++) {
    let piv = c;
    for (let r = c + 1; r < m; r++) if (Math.abs(M[r * W + c]!) > Math.abs(M[piv * W + c]!)) piv = r;
    if (piv !== c) {
      for (let k = 0; k <= m; k++) { const tmp = M[c * W + k]!; M[c * W + k] = M[piv * W + k]!; M[piv * W + k] = tmp; }
    }
    const d = M[c * W + c]!;
    for (let r = c + 1; r < m; r++) {
      const f = M[r * W + c]! / d;
      for (let k = c; k <= m; k++) M[r * W + k]! -= f * M[c * W + k]!;
    }
  }
  for (let c = m - 1; c >= 0; c--) {
    let s = M[c * W + m]!;
    for (let k = c + 1; k < m; k++) s -= M[c * W + k]! * x[k]!;
    x[c] = s / M[c * W + c]!;
  }
}

/** √w with w ∝ Black vega ∂C/∂(σ√T) at the market vol, normalised to Σw = 1 (QuantLib's SABR weighting). */
function weights(F: number, t: number, strikes: Float64Array, vols: Float64Array, kind: 'vega' | 'uniform'): Float64Array {
  const n = strikes.length;
  const w = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const k = strikes[i]!;
    w[i] = kind === 'uniform' ? 1 : Math.sqrt(F * k) * normalisedVega(-Math.abs(Math.log(F / k)), vols[i]! * Math.sqrt(t));
    sum += w[i]!;
  }
  if (!(sum > 0)) w.fill(Math.sqrt(1 / n)); else for (let i = 0; i < n; i++) w[i] = Math.sqrt(w[i]! / sum);
  return w;
}

/** Market ATM vol: quadratic in y = ln(K/F) through the three strikes nearest F (linear with two). */
export function atmVolEstimate(F: number, strikes: ArrayLike<number>, vols: ArrayLike<number>): number {
  const n = strikes.length;
  let best = 0;
  for (let i = 1; i < n; i++) if (Math.abs(strikes[i]! - F) < Math.abs(strikes[best]! - F)) best = i;
  if (n < 3) return vols[best]!;
  const c = Math.min(Math.max(best, 1), n - 2);
  const y0 = Math.log(strikes[c - 1]! / F), y1 = Math.log(strikes[c]! / F), y2 = Math.log(strikes[c + 1]! / F);
  const v0 = vols[c - 1]!, v1 = vols[c]!, v2 = vols[c + 1]!;
  // Lagrange form evaluated at y = 0.
  return v0 * (y1 * y2) / ((y0 - y1) * (y0 - y2)) + v1 * (y0 * y2) / ((y1 - y0) * (y1 - y2)) + v2 * (y0 * y1) / ((y2 - y0) * (y2 - y1));
}

/** (ρ, ν) start from a weighted quadratic fit of the near-the-money smile (see the module header). */
function startingPoint(F: number, t: number, strikes: Float64Array, vols: Float64Array, sqrtW: Float64Array, atm: number): { rho: number; nu: number } {
  const band = 2.5 * atm * Math.sqrt(t);
  let S = [0, 0, 0, 0, 0];
  let T = [0, 0, 0];
  let used = 0;
  const accumulate = (restrict: boolean): void => {
    S = [0, 0, 0, 0, 0]; T = [0, 0, 0]; used = 0;
    for (let i = 0; i < strikes.length; i++) {
      const y = Math.log(strikes[i]! / F);
      if (restrict && Math.abs(y) > band) continue;
      const w = sqrtW[i]! * sqrtW[i]! + 1e-12;
      let yp = w;
      for (let k = 0; k < 5; k++) { S[k]! += yp; yp *= y; }
      T[0]! += w * vols[i]!; T[1]! += w * y * vols[i]!; T[2]! += w * y * y * vols[i]!;
      used++;
    }
  };
  accumulate(true);
  if (used < 3) accumulate(false);
  const M = new Float64Array([S[0]!, S[1]!, S[2]!, S[1]!, S[2]!, S[3]!, S[2]!, S[3]!, S[4]!]);
  const sol = new Float64Array(3);
  solveDamped(M, new Float64Array([-T[0]!, -T[1]!, -T[2]!]), 3, 0, sol);
  const a0 = sol[0]!, a1 = sol[1]!, a2 = sol[2]!;
  const alpha = a0 > 0 ? a0 : atm;
  const nu2 = 6 * alpha * a2 + 6 * a1 * a1;
  const nu = Number.isFinite(nu2) && nu2 > 0 ? Math.sqrt(nu2) : 0.5;
  const rho = nu > 0 ? clamp((2 * a1) / nu, -0.9, 0.9) : 0;
  return { rho, nu: Math.max(nu, 0.05) };
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}
