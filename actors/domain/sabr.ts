/**
 * @module SABR lognormal (Black) implied vol: Hagan, Kumar, Lesniewski & Woodward, "Managing Smile Risk" (2002),
 * with Obloj's leading term ("Fine-tune your smile", 2008) as an option, and West's (2005) α from the ATM vol.
 *
 * Symbols: F forward, K strike, T years, α initial vol, β CEV exponent, ρ correlation, ν vol of vol,
 * L = ln(F/K), A = (FK)^{(1−β)/2}, z = (ν/α)·A·L, x(z) = ln[(√(1−2ρz+z²) + z − ρ)/(1−ρ)].
 *   σ_B = α/(A·[1 + (1−β)²L²/24 + (1−β)⁴L⁴/1920]) · z/x(z) · {1 + [(1−β)²α²/(24A²) + ρβνα/(4A) + (2−3ρ²)ν²/24]·T}
 * Obloj replaces the leading factor by α·L/q · ζ/x(ζ), q = (F^{1−β} − K^{1−β})/(1−β) (q = L at β = 1), ζ = νq/α.
 * Near the money x(z)/z comes from its power series (x(z) = ∫₀ᶻ du/√(1−2ρu+u²) = Σ Pₙ(ρ) z^{n+1}/(n+1), Legendre Pₙ),
 * so there is no 0/0 at K = F; elsewhere x is formed with log1p and a rationalised square root (no cancellation).
 * L comes from 2·atanh((F−K)/(F+K)) near the money; A from square roots at β ∈ {0, ½} and exp(½(1−β)·ln FK) otherwise
 * (V8's Math.pow cost ~39 ns on the bench VM against ~8 ns each for log and exp); Obloj's q is written as A·L·sinh(u/2)/(u/2), u = (1−β)L.
 */

export interface SabrParams {
  readonly alpha: number;
  readonly beta: number;
  readonly rho: number;
  readonly nu: number;
}

export interface SabrOptions {
  /** Use Obloj's (2008) leading term instead of Hagan's (identical at β = 1). */
  readonly obloj?: boolean;
}

/** Below this |z| the 5-term series for x(z)/z is exact to rounding (next term ~ z⁵ < 1e-16). */
const SERIES_Z = 1e-3;

/** z/x(z), the ratio that is 0/0 at the money. */
export function zOverX(z: number, rho: number): number {
  if (Math.abs(z) < SERIES_Z) {
    // x(z)/z = Σ Pₙ(ρ)zⁿ/(n+1): P₁/2 = ρ/2, P₂/3 = (3ρ²−1)/6, P₃/4 = ρ(5ρ²−3)/8, P₄/5 = (35ρ⁴−30ρ²+3)/40.
    const r2 = rho * rho;
    const xOverZ = 1 + z * (0.5 * rho + z * ((0.5 * r2 - 1 / 6) + z * (0.125 * rho * (5 * r2 - 3) + z * (0.025 * ((35 * r2 - 30) * r2 + 3)))));
    return 1 / xOverZ;
  }
  const root = Math.sqrt(1 - 2 * rho * z + z * z);
  // (root + z − ρ)/(1 − ρ) − 1 = z·(root + 1 + z − 2ρ)/((root + 1)(1 − ρ)), using root − 1 = (z² − 2ρz)/(root + 1).
  const argMinusOne = (z * (root + 1 + z - 2 * rho)) / ((root + 1) * (1 - rho));
  return z / Math.log1p(argMinusOne);
}

/**
 * Hagan 2002 lognormal SABR vol (Obloj's leading term with `opts.obloj`).
 * Hot path: β = 1 (the equity default) costs the ln(F/K) series (`lnRatio`), one sqrt and one log1p — no pow, no
 * allocation, no options object; the error messages and the β < 1 terms live in separate functions so this one
 * stays small enough for V8 to inline (with `lnRatio` and `zOverX`) into its callers.
 */
export function sabrVol(forward: number, strike: number, t: number, params: SabrParams, opts?: SabrOptions): number {
  const alpha = params.alpha;
  const beta = params.beta;
  const rho = params.rho;
  const nu = params.nu;
  if (!(forward > 0) || !(strike > 0)) throw forwardStrikeError(forward, strike);
  if (!(alpha > 0) || !(nu >= 0) || !(rho > -1 && rho < 1) || !(beta >= 0 && beta <= 1) || !(t >= 0)) {
    throw paramsError(alpha, beta, rho, nu, t);
  }
  const L = lnRatio(forward, strike);
  // β = 1: A = 1, Hagan's log-moneyness denominator is 1 and Obloj's leading term is Hagan's (same operations as the
  // general formula with those factors at 1, so the same bits).
  if (beta === 1) return alpha * zOverX((nu / alpha) * L, rho) * (1 + ((rho * nu * alpha) / 4 + ((2 - 3 * rho * rho) * nu * nu) / 24) * t);
  return sabrVolBeta(forward, strike, t, alpha, beta, rho, nu, L, opts !== undefined && opts.obloj === true);
}

/**
 * ln(F/K) = 2·atanh(s), s = (F − K)/(F + K): near the money (|s| < 0.1, F/K in about [0.82, 1.22]) by the series
 * 2s·Σ s²ⁿ/(2n+1) through s¹⁴/15 (the next term is below 6e-18 relative), which is cheaper than V8's Math.log and,
 * unlike ln(F/K) of the rounded quotient, keeps full relative accuracy as K → F (F − K is exact there, Sterbenz).
 */
export function lnRatio(forward: number, strike: number): number {
  const s = (forward - strike) / (forward + strike);
  const s2 = s * s;
  if (s2 < 0.01) {
    const s4 = s2 * s2;
    // Estrin's scheme: four independent pairs, then two levels, instead of an 8-deep Horner chain.
    const p01 = 1 + s2 * (1 / 3);
    const p23 = 1 / 5 + s2 * (1 / 7);
    const p45 = 1 / 9 + s2 * (1 / 11);
    const p67 = 1 / 13 + s2 * (1 / 15);
    return 2 * s * ((p01 + s4 * p23) + (s4 * s4) * (p45 + s4 * p67));
  }
  return Math.log(forward / strike);
}

/** β < 1 (validated arguments, L = ln(F/K)). */
function sabrVolBeta(forward: number, strike: number, t: number, alpha: number, beta: number, rho: number, nu: number, L: number, obloj: boolean): number {
  const omb = 1 - beta;
  const A = fkPower(forward * strike, omb);
  const D = obloj ? oblojShc(omb * L) : haganShc(omb * L);
  const timeTerm = 1 + ((omb * omb * alpha * alpha) / (24 * A * A) + (rho * beta * nu * alpha) / (4 * A) + ((2 - 3 * rho * rho) * nu * nu) / 24) * t;
  return leadingTerm(alpha, nu, rho, L, A, D, obloj) * timeTerm;
}

/**
 * α/(A·D)·ζ/x(ζ). Hagan: ζ = (ν/α)·A·L, D = 1 + u²/24 + u⁴/1920 (u = (1−β)L). Obloj: ζ = νq/α with
 * q = (F^{1−β} − K^{1−β})/(1−β) = A·L·D, D = sinh(u/2)/(u/2) (F^{1−β} = A·e^{u/2}, K^{1−β} = A·e^{−u/2}), so
 * αL/q·ζ/x(ζ) = α/(A·D)·ζ/x(ζ) and nothing is 0/0 at K = F. Hagan's D is the first terms of Obloj's.
 */
function leadingTerm(alpha: number, nu: number, rho: number, L: number, A: number, D: number, obloj: boolean): number {
  const zeta = obloj ? ((nu / alpha) * A) * L * D : ((nu / alpha) * A) * L;
  return (alpha / (A * D)) * zOverX(zeta, rho);
}

/**
 * A = (FK)^{(1−β)/2}: square roots at β = 0 and ½, else exp(½(1−β)·ln FK) — under half of V8's Math.pow's time, at a
 * relative error of about |½(1−β)·ln FK| ulps (≤ ~10 ulps for index levels, 1–2 for rates) instead of pow's one.
 */
function fkPower(fk: number, omb: number): number {
  if (omb === 0.5) return Math.sqrt(Math.sqrt(fk));
  if (omb === 1) return Math.sqrt(fk);
  return Math.exp(0.5 * omb * Math.log(fk));
}

/** Hagan's 1 + u²/24 + u⁴/1920. */
function haganShc(u: number): number {
  const u2 = u * u;
  return 1 + u2 / 24 + (u2 * u2) / 1920;
}

/** sinh(u/2)/(u/2); the series below |u/2| = 0.1 (next term (u/2)¹⁰/11! < 3e-18). */
function oblojShc(u: number): number {
  const h = 0.5 * u;
  if (Math.abs(h) < 0.1) {
    const h2 = h * h;
    return 1 + h2 * (1 / 6 + h2 * (1 / 120 + h2 * (1 / 5040 + h2 * (1 / 362880))));
  }
  return Math.sinh(h) / h;
}

function forwardStrikeError(forward: number, strike: number): RangeError {
  return new RangeError(`expected forward, strike > 0, was ${forward}, ${strike}`);
}

function paramsError(alpha: number, beta: number, rho: number, nu: number, t: number): RangeError {
  return new RangeError(`expected alpha > 0, 0 ≤ beta ≤ 1, |rho| < 1, nu ≥ 0, t ≥ 0, was ${alpha}, ${beta}, ${rho}, ${nu}, ${t}`);
}

/**
 * Precomputed per-strike terms for repeated evaluation of one smile (the calibration loop): L, A and the
 * log-moneyness factor D depend only on F, K, β, so each evaluation costs one sqrt and one log1p per strike.
 * Same formula and operations as `sabrVol` (tested equal); no argument validation — the caller keeps the parameters
 * in range.
 */
export class SabrSmile {
  readonly #forward: number;
  readonly #t: number;
  readonly #beta: number;
  readonly #obloj: boolean;
  readonly #L: Float64Array;
  readonly #A: Float64Array;
  /** sabrVolBeta's D: Hagan 1 + u²/24 + u⁴/1920, Obloj sinh(u/2)/(u/2), u = (1−β)L; 1 at β = 1. */
  readonly #D: Float64Array;

  constructor(forward: number, t: number, beta: number, strikes: ArrayLike<number>, opts: SabrOptions = {}) {
    this.#forward = forward; this.#t = t; this.#beta = beta;
    const omb = 1 - beta;
    this.#obloj = opts.obloj === true && omb !== 0;
    const n = strikes.length;
    this.#L = new Float64Array(n); this.#A = new Float64Array(n); this.#D = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = strikes[i]!;
      const L = lnRatio(forward, k);
      this.#L[i] = L;
      this.#A[i] = omb === 0 ? 1 : fkPower(forward * k, omb);
      this.#D[i] = omb === 0 ? 1 : this.#obloj ? oblojShc(omb * L) : haganShc(omb * L);
    }
  }

  /** Writes the model vols for (α, ρ, ν) into `out`. */
  vols(alpha: number, rho: number, nu: number, out: Float64Array): void {
    const beta = this.#beta;
    const omb = 1 - beta;
    const rbna = rho * beta * nu * alpha;
    const c3 = ((2 - 3 * rho * rho) * nu * nu) / 24;
    const t = this.#t;
    const nuOverAlpha = nu / alpha;
    const Ls = this.#L;
    const n = out.length;
    if (beta === 1) {
      // A = D = 1: the time term is the same at every strike (sabrVol's β = 1 operations).
      const timeTerm = 1 + (rbna / 4 + c3) * t;
      for (let i = 0; i < n; i++) out[i] = alpha * zOverX(nuOverAlpha * Ls[i]!, rho) * timeTerm;
      return;
    }
    const As = this.#A; const Ds = this.#D; const obloj = this.#obloj;
    const c1 = omb * omb * alpha * alpha;
    for (let i = 0; i < n; i++) {
      const A = As[i]!;
      const timeTerm = 1 + (c1 / (24 * A * A) + rbna / (4 * A) + c3) * t;
      out[i] = leadingTerm(alpha, nu, rho, Ls[i]!, A, Ds[i]!, obloj) * timeTerm;
    }
  }

  get forward(): number { return this.#forward; }
}

/**
 * West (2005): α is the smallest positive root of
 *   c₃α³ + c₂α² + c₁α + c₀ = 0,  c₃ = (1−β)²T/(24F^{2−2β}), c₂ = ρβνT/(4F^{1−β}), c₁ = 1 + (2−3ρ²)ν²T/24, c₀ = −σ_ATM·F^{1−β}.
 * Returns NaN when no positive root exists (the caller treats that as a failed evaluation).
 */
export function sabrAlphaFromAtm(atmVol: number, forward: number, t: number, beta: number, rho: number, nu: number): number {
  const omb = 1 - beta;
  const fOmb = omb === 0 ? 1 : Math.pow(forward, omb);
  const c3 = (omb * omb * t) / (24 * fOmb * fOmb);
  const c2 = (rho * beta * nu * t) / (4 * fOmb);
  const c1 = 1 + ((2 - 3 * rho * rho) * nu * nu * t) / 24;
  const c0 = -atmVol * fOmb;
  if (c3 === 0) {
    if (c2 === 0) return c1 > 0 ? -c0 / c1 : Number.NaN;
    const disc = c1 * c1 - 4 * c2 * c0;
    if (disc < 0) return Number.NaN;
    // Citardauq form: the root 2|c₀|/(c₁ + √disc) is the small positive one when c₁ > 0 and avoids cancellation.
    if (c1 > 0) return (-2 * c0) / (c1 + Math.sqrt(disc));
    const r = (-c1 + Math.sqrt(disc)) / (2 * c2);
    return r > 0 ? r : Number.NaN;
  }
  return smallestPositiveCubicRoot(c3, c2, c1, c0);
}

/** Smallest positive root of a cubic with c₀ < 0, by bracketing from 0 then safeguarded Newton. */
function smallestPositiveCubicRoot(c3: number, c2: number, c1: number, c0: number): number {
  const p = (a: number): number => ((c3 * a + c2) * a + c1) * a + c0;
  const dp = (a: number): number => (3 * c3 * a + 2 * c2) * a + c1;
  // Scan upward from a scale guess for the first sign change; p(0) = c₀ < 0.
  let lo = 0;
  let hi = c1 > 0 ? -c0 / c1 : Math.cbrt(-c0 / c3);
  if (!(hi > 0)) hi = 1e-8;
  for (let i = 0; p(hi) < 0; i++) {
    if (i > 200) return Number.NaN;
    lo = hi;
    hi *= 2;
  }
  let a = 0.5 * (lo + hi);
  for (let i = 0; i < 100; i++) {
    const fa = p(a);
    if (fa < 0) lo = a; else hi = a;
    const step = fa / dp(a);
    let next = a - step;
    if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
    if (Math.abs(next - a) <= 1e-16 * a) return next;
    a = next;
  }
  return a;
}
