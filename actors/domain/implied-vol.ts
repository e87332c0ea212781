/**
 * @module Black-76 implied volatility to machine precision, after Jäckel, "Let's Be Rational" (Wilmott, Jan 2015).
 *
 * Work in normalised terms: x = −|ln(F/K)| ≤ 0 (always the OTM option), β = OTM premium/(D·√(FK)), b(x, s) the
 * normalised Black function (normalised-black.ts), b_max = e^{x/2}. The curve s ↦ b is convex below its inflection
 * point s_c = √(2|x|) and concave above it. The tangents at s_c cut 0 at s_l and b_max at s_u, giving b_l, b_u and
 * four regimes:
 *   β < b_l         guess from the lower asymptote f_l(s) = (2π|x|/√27)·Φ(−|x|/(√3 s))³ (inverted in closed form),
 *                   objective g = 1/ln b − 1/ln β (nearly linear in s where b is astronomically small)
 *   b_l ≤ β ≤ b_u   guess by cubic Hermite interpolation of s(β) through (b_l, s_l), (b_c, s_c), (b_u, s_u),
 *                   objective g = b − β
 *   β > b_u         guess from the upper asymptote b_max − b ≈ 2cosh(x/2)·Φ(−s/2), objective
 *                   g = ln(b_max − b) − ln(b_max − β) with b_max − b formed directly (no cancellation)
 * Each refinement is one Householder step of order 3 (quartic convergence) using b'/b, b''/b' and b'''/b' in closed
 * form: b' = e^{−(h²+t²)/2}/√(2π), b''/b' = x²/s³ − s/4, b'''/b' = (b''/b')² − 3x²/s⁴ − 1/4.
 * The guesses and the iteration are ours (the paper's rational-cubic guesses are replaced by simpler maps); the
 * tests measure the iteration count and accuracy over dense grids.
 */
import { inverseNormCdf, normCdf } from './normal.ts';
import { normalisedBlackOtm, normalisedBlackOtmComplement, normalisedVega } from './normalised-black.ts';
import { logMoneyness, type OptionType } from './black76.ts';

export type IvStatus = 'OK' | 'BELOW_INTRINSIC' | 'AT_INTRINSIC' | 'ABOVE_MAXIMUM' | 'NO_TIME_LEFT' | 'BAD_INPUT';

export type IvResult =
  | { readonly status: 'OK'; readonly vol: number; readonly iterations: number }
  | { readonly status: Exclude<IvStatus, 'OK'>; readonly vol: null; readonly reason: string };

/** Iteration cap; the dense-grid tests show ≤ 2 are used inside the quotable range. */
const MAX_ITERATIONS = 12;
const SQRT_THREE = Math.sqrt(3);
const TWO_PI_OVER_SQRT_27 = (2 * Math.PI) / Math.sqrt(27);
const SQRT_TWO_PI = Math.sqrt(2 * Math.PI);
/**
 * Stop once a step moved s by less than this (relative): the step was of the size of the error before it, and a
 * quartic step leaves ~ (1e-5)⁴ behind, far below rounding (the grid tests check the result, not this argument).
 */
const STEP_TOLERANCE = 1e-5;

/** Optional out-parameter for diagnostics (tests, bench). */
export interface IvStats {
  iterations: number;
}

function fail(status: Exclude<IvStatus, 'OK'>, reason: string): IvResult {
  return { status, vol: null, reason };
}

/**
 * Implied Black-76 vol from a discounted premium. Out-of-bounds inputs return a typed status, never NaN and never
 * a silent 0 (a price exactly at intrinsic is `AT_INTRINSIC`).
 */
export function impliedVol(type: OptionType, price: number, forward: number, strike: number, t: number, rate: number): IvResult {
  if (!(forward > 0 && Number.isFinite(forward))) return fail('BAD_INPUT', `expected forward > 0, was ${forward}`);
  if (!(strike > 0 && Number.isFinite(strike))) return fail('BAD_INPUT', `expected strike > 0, was ${strike}`);
  if (!Number.isFinite(price)) return fail('BAD_INPUT', `expected a finite price, was ${price}`);
  if (!Number.isFinite(rate)) return fail('BAD_INPUT', `expected a finite rate, was ${rate}`);
  if (!(t > 0) || !Number.isFinite(t)) return fail('NO_TIME_LEFT', `expected t > 0 years, was ${t}`);
  const undiscounted = price * Math.exp(rate * t);
  const intrinsic = Math.max(type === 'call' ? forward - strike : strike - forward, 0);
  const upper = type === 'call' ? forward : strike;
  if (undiscounted < intrinsic) return fail('BELOW_INTRINSIC', `expected price >= intrinsic ${intrinsic}, was ${undiscounted} (undiscounted)`);
  if (undiscounted >= upper) return fail('ABOVE_MAXIMUM', `expected price < ${upper} (undiscounted maximum), was ${undiscounted}`);
  const otm = undiscounted - intrinsic;
  if (otm === 0) return fail('AT_INTRINSIC', `price equals intrinsic ${intrinsic}: zero time value, vol undetermined above 0`);
  const x = -Math.abs(logMoneyness(forward, strike));
  const beta = otm / Math.sqrt(forward * strike);
  if (beta >= Math.exp(0.5 * x)) return fail('ABOVE_MAXIMUM', `expected time value below the normalised maximum, was ${otm}`);
  const stats: IvStats = { iterations: 0 };
  const s = normalisedImpliedTotalVol(beta, x, stats);
  if (!(s > 0) || !Number.isFinite(s)) return fail('BAD_INPUT', `no vol reproduces price ${price} (normalised ${beta}, x ${x})`);
  return { status: 'OK', vol: s / Math.sqrt(t), iterations: stats.iterations };
}

/** Convenience: the vol or NaN (for typed-array chain helpers that mark missing values with NaN). */
export function impliedVolOrNaN(type: OptionType, price: number, forward: number, strike: number, t: number, rate: number): number {
  const r = impliedVol(type, price, forward, strike, t, rate);
  return r.status === 'OK' ? r.vol : Number.NaN;
}

/**
 * Total vol s with b(x, s) = β for x ≤ 0, 0 < β < e^{x/2}. The caller has checked the bounds.
 */
export function normalisedImpliedTotalVol(beta: number, x: number, stats?: IvStats): number {
  const bMax = Math.exp(0.5 * x);
  let sc: number; let bc: number; let vc: number;
  if (x === 0) {
    sc = 0; bc = 0; vc = 1 / SQRT_TWO_PI;
  } else {
    sc = Math.sqrt(-2 * x);
    bc = normalisedBlackOtm(x, sc);
    vc = normalisedVega(x, sc);
  }
  const sl = Math.max(sc - bc / vc, 0);
  const su = sc + (bMax - bc) / vc;
  const bl = sl > 0 ? normalisedBlackOtm(x, sl) : 0;
  const bu = normalisedBlackOtm(x, su);

  let regime: 0 | 1 | 2;
  let s: number;
  if (beta < bl) {
    regime = 0;
    s = lowerGuess(beta, x, sl, bl);
  } else if (beta <= bu) {
    regime = 1;
    s = beta <= bc
      ? hermite(beta, bl, bc, sl, sc, 1 / normalisedVega(x, sl), 1 / vc)
      : hermite(beta, bc, bu, sc, su, 1 / vc, 1 / normalisedVega(x, su));
  } else {
    regime = 2;
    s = upperGuess(beta, x, bMax, su, bu);
  }
  if (!(s > 0) || !Number.isFinite(s)) s = sc > 0 ? sc : 1;

  const lnBeta = Math.log(beta);
  const lnComplementTarget = Math.log(bMax - beta);
  const x2 = x * x;
  let lo = 0;
  let hi = Infinity;
  let iterations = 0;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    const b = normalisedBlackOtm(x, s);
    const v = normalisedVega(x, s); // b'
    if (b < beta) lo = Math.max(lo, s); else if (b > beta) hi = Math.min(hi, s);
    if (b === beta) break;
    const g1 = x2 / (s * s * s) - 0.25 * s; // b''/b'
    const g2 = g1 * g1 - (3 * x2) / (s * s * s * s) - 0.25; // b'''/b'
    let newton: number; let gamma1: number; let gamma2: number;
    if (regime === 0 && b > 0) {
      const L = Math.log(b);
      const hRatio2 = -(L + 2) / (b * L); // h''/h'
      const hRatio3 = (2 * (L * L + 3 * L + 3)) / (b * b * L * L); // h'''/h'
      // g = 1/ln b − 1/ln β, g' = −b'/(b L²)
      newton = ((1 / L - 1 / lnBeta) * b * L * L) / v;
      gamma1 = hRatio2 * v + g1;
      gamma2 = hRatio3 * v * v + 3 * hRatio2 * v * g1 + g2;
    } else if (regime === 2) {
      const c = normalisedBlackOtmComplement(x, s);
      // g = ln c − ln(b_max − β), g' = −b'/c
      newton = (c * (Math.log(c) - lnComplementTarget)) / v;
      gamma1 = v / c + g1;
      gamma2 = (2 * v * v) / (c * c) + (3 * v * g1) / c + g2;
    } else {
      newton = -(b - beta) / v;
      gamma1 = g1;
      gamma2 = g2;
    }
    let step = (newton * (1 + 0.5 * gamma1 * newton)) / (1 + newton * (gamma1 + (gamma2 * newton) / 6));
    if (!Number.isFinite(step)) step = newton;
    if (step === 0) { iterations++; break; }
    let next = s + step;
    // Keep inside the bracket the iterates have established; bisect if the step leaves it.
    if (!(next >= lo && next <= hi) || !Number.isFinite(next)) next = Number.isFinite(hi) ? 0.5 * (lo + hi) : Math.max(2 * s, lo * 2);
    const moved = Math.abs(next - s);
    s = next;
    if (moved <= STEP_TOLERANCE * s) { iterations++; break; }
  }
  if (stats) stats.iterations = iterations;
  return s;
}

/** Cubic Hermite interpolation of s(β) on [b0, b1] with end slopes ds/dβ = 1/b'. */
function hermite(beta: number, b0: number, b1: number, s0: number, s1: number, d0: number, d1: number): number {
  const w = b1 - b0;
  if (!(w > 0)) return s0;
  const u = (beta - b0) / w;
  const u2 = u * u;
  const u3 = u2 * u;
  return (2 * u3 - 3 * u2 + 1) * s0 + (u3 - 2 * u2 + u) * w * d0 + (-2 * u3 + 3 * u2) * s1 + (u3 - u2) * w * d1;
}

/** Lower asymptote f_l(s) = (2π|x|/√27)·Φ(−|x|/(√3 s))³ ~ b(x, s) as s → 0. */
function lowerMap(x: number, s: number): number {
  const p = normCdf(x / (SQRT_THREE * s));
  return TWO_PI_OVER_SQRT_27 * -x * p * p * p;
}

/** Invert f_l after scaling β by the asymptote's mismatch at s_l (ratio → 1 as β → 0). */
function lowerGuess(beta: number, x: number, sl: number, bl: number): number {
  const ratio = sl > 0 ? lowerMap(x, sl) / bl : 1;
  const f = beta * Math.pow(ratio, beta / bl);
  const p = Math.cbrt(f / (TWO_PI_OVER_SQRT_27 * -x));
  const z = inverseNormCdf(Math.min(p, 0.5 - 1e-16));
  return x / (SQRT_THREE * z);
}

/** Invert the upper asymptote b_max − b ≈ 2cosh(x/2)·Φ(−s/2), scaled by its mismatch at s_u (→ 1 as s → ∞). */
function upperGuess(beta: number, x: number, bMax: number, su: number, bu: number): number {
  const twoCosh = Math.exp(0.5 * x) + Math.exp(-0.5 * x);
  const ratio = (bMax - bu) / (twoCosh * normCdf(-0.5 * su));
  const fraction = (bMax - beta) / (bMax - bu);
  const target = (bMax - beta) / (twoCosh * Math.pow(ratio, fraction));
  return -2 * inverseNormCdf(Math.min(target, 0.5 - 1e-16));
}
