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
    const r2 = rho * rho;
    const p2 = (3 * r2 - 1) / 2;
    const p3 = (5 * r2 * rho - 3 * rho) / 2;
    const p4 = (35 * r2 * r2 - 30 * r2 + 3) / 8;
    const xOverZ = 1 + z * (rho / 2 + z * (p2 / 3 + z * (p3 / 4 + z * (p4 / 5))));
    return 1 / xOverZ;
  }
  const root = Math.sqrt(1 - 2 * rho * z + z * z);
  // (root + z − ρ)/(1 − ρ) − 1 = z·(root + 1 + z − 2ρ)/((root + 1)(1 − ρ)), using root − 1 = (z² − 2ρz)/(root + 1).
  const argMinusOne = (z * (root + 1 + z - 2 * rho)) / ((root + 1) * (1 - rho));
  return z / Math.log1p(argMinusOne);
}

/** Hagan 2002 lognormal SABR vol (Obloj's leading term with `opts.obloj`). */
export function sabrVol(forward: number, strike: number, t: number, params: SabrParams, opts: SabrOptions = {}): number {
  const { alpha, beta, rho, nu } = params;
  if (!(forward > 0) || !(strike > 0)) throw new RangeError(`expected forward, strike > 0, was ${forward}, ${strike}`);
  if (!(alpha > 0) || !(nu >= 0) || !(rho > -1 && rho < 1) || !(beta >= 0 && beta <= 1) || !(t >= 0)) {
    throw new RangeError(`expected alpha > 0, 0 ≤ beta ≤ 1, |rho| < 1, nu ≥ 0, t ≥ 0, was ${alpha}, ${beta}, ${rho}, ${nu}, ${t}`);
  }
  const omb = 1 - beta;
  const L = Math.log(forward / strike);
  const A = omb === 0 ? 1 : Math.pow(forward * strike, 0.5 * omb);
  const timeTerm = 1 + ((omb * omb * alpha * alpha) / (24 * A * A) + (rho * beta * nu * alpha) / (4 * A) + ((2 - 3 * rho * rho) * nu * nu) / 24) * t;
  let leading: number;
  if (opts.obloj === true && omb !== 0) {
    const q = oblojQ(strike, L, omb);
    // L/q → K^{−(1−β)} at the money, where both vanish.
    const lOverQ = L === 0 ? 1 / Math.pow(strike, omb) : L / q;
    leading = alpha * lOverQ * zOverX((nu * q) / alpha, rho);
  } else {
    const omb2L2 = omb * omb * L * L;
    const denom = A * (1 + omb2L2 / 24 + (omb2L2 * omb2L2) / 1920);
    leading = (alpha / denom) * zOverX(((nu / alpha) * A) * L, rho);
  }
  return leading * timeTerm;
}

/**
 * Precomputed per-strike terms for repeated evaluation of one smile (the calibration loop): L, A and Hagan's
 * log-moneyness denominator depend only on F, K, β, so each evaluation costs one sqrt and one log1p per strike.
 * Same formula as `sabrVol` (tested equal); no argument validation — the caller keeps the parameters in range.
 */
export class SabrSmile {
  readonly #forward: number;
  readonly #t: number;
  readonly #beta: number;
  readonly #obloj: boolean;
  readonly #strikes: Float64Array;
  readonly #L: Float64Array;
  readonly #A: Float64Array;
  /** Hagan: A·[1 + (1−β)²L²/24 + (1−β)⁴L⁴/1920]; Obloj: q = (F^{1−β} − K^{1−β})/(1−β). */
  readonly #D: Float64Array;

  constructor(forward: number, t: number, beta: number, strikes: ArrayLike<number>, opts: SabrOptions = {}) {
    this.#forward = forward; this.#t = t; this.#beta = beta;
    const omb = 1 - beta;
    this.#obloj = opts.obloj === true && omb !== 0;
    const n = strikes.length;
    this.#strikes = Float64Array.from(strikes as ArrayLike<number>);
    this.#L = new Float64Array(n); this.#A = new Float64Array(n); this.#D = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const k = this.#strikes[i]!;
      const L = Math.log(forward / k);
      const A = omb === 0 ? 1 : Math.pow(forward * k, 0.5 * omb);
      const omb2L2 = omb * omb * L * L;
      this.#L[i] = L; this.#A[i] = A;
      this.#D[i] = this.#obloj ? oblojQ(k, L, omb) : A * (1 + omb2L2 / 24 + (omb2L2 * omb2L2) / 1920);
    }
  }

  /** Writes the model vols for (α, ρ, ν) into `out`. */
  vols(alpha: number, rho: number, nu: number, out: Float64Array): void {
    const omb = 1 - this.#beta;
    const beta = this.#beta;
    const c2 = (rho * beta * nu * alpha) / 4;
    const c3 = ((2 - 3 * rho * rho) * nu * nu) / 24;
    const c1 = (omb * omb * alpha * alpha) / 24;
    const t = this.#t;
    const nuOverAlpha = nu / alpha;
    for (let i = 0; i < out.length; i++) {
      const A = this.#A[i]!; const L = this.#L[i]!; const D = this.#D[i]!;
      const timeTerm = 1 + (c1 / (A * A) + c2 / A + c3) * t;
      if (this.#obloj) {
        const lOverQ = L === 0 ? 1 / Math.pow(this.#strikes[i]!, omb) : L / D;
        out[i] = alpha * lOverQ * zOverX(nuOverAlpha * D, rho) * timeTerm;
      } else {
        out[i] = (alpha / D) * zOverX(nuOverAlpha * A * L, rho) * timeTerm;
      }
    }
  }

  get forward(): number { return this.#forward; }
}

/** q = (F^{1−β} − K^{1−β})/(1−β) = K^{1−β}·expm1((1−β)L)/(1−β), formed without cancellation near K = F. */
function oblojQ(strike: number, L: number, omb: number): number {
  const u = omb * L;
  const expm1OverU = Math.abs(u) < 1e-5 ? 1 + u / 2 + (u * u) / 6 : Math.expm1(u) / u;
  return Math.pow(strike, omb) * L * expm1OverU;
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
