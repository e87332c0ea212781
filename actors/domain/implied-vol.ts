/**
 * @module Black-76 implied volatility to machine precision, after Jäckel, "Let's Be Rational" (Wilmott, Jan 2015).
 *
 * Work in normalised terms: x = −|ln(F/K)| ≤ 0 (always the OTM option), β = OTM premium/(D·√(FK)), b(x, s) the
 * normalised Black function (normalised-black.ts), b_max = e^{x/2}. The curve s ↦ b is convex below its inflection
 * point s_c = √(2|x|) and concave above it. The tangents at s_c cut 0 at s_l and b_max at s_u, giving b_l, b_u and
 * four branches, each with the paper's initial guess (a rational cubic of Delbourgo & Gregory, r chosen to match a
 * known second derivative at one end and raised to the shape-preserving minimum):
 *   β < b_l         the lower map f = (2π|x|/√27)·Φ(x/(√3 s))³ ~ b as s → 0 is interpolated in β on [0, b_l] (f(0) = 0,
 *                   f'(0) = 1, value/slope/curvature at b_l) and inverted in closed form; objective g = 1/ln b − 1/ln β
 *   b_l ≤ β ≤ b_c   s(β) itself on [b_l, b_c], slopes 1/b', s''(b_c) = 0 at the inflection point; objective g = b − β
 *   b_c < β ≤ b_u   likewise on [b_c, b_u]
 *   β > b_u         the upper map f = Φ(−s/2) (b_max − b ~ 2f as s → ∞) in β on [b_u, b_max] (f(b_max) = 0, slope −½
 *                   there, value/slope/curvature at b_u), inverted as s = −2Φ⁻¹(f); objective
 *                   g = ln(b_max − b) − ln(b_max − β) with b_max − b formed directly (no cancellation)
 * Each refinement is one Householder step of order 3 (quartic convergence) using b'/b, b''/b' and b'''/b' in closed
 * form: b' = e^{−(h²+t²)/2}/√(2π), b''/b' = x²/s³ − s/4, b'''/b' = (b''/b')² − 3x²/s⁴ − 1/4.
 * The guesses are within 10% everywhere, so two quartic steps reach machine precision; the iteration count is reported
 * (`IvResult.iterations`, `IvStats`) and the tests assert ≤ 2 with machine-precision round trips over dense grids.
 */
import { millsY, normCdf, normPdf, ONE_OVER_SQRT_TWO_PI } from './normal.ts';
import { normalisedBlackOtmAndVega, normalisedBlackOtmComplement } from './normalised-black.ts';
import { logMoneyness, type OptionType } from './black76.ts';

export type IvStatus = 'OK' | 'BELOW_INTRINSIC' | 'AT_INTRINSIC' | 'ABOVE_MAXIMUM' | 'NO_TIME_LEFT' | 'BAD_INPUT';

export type IvResult =
  | { readonly status: 'OK'; readonly vol: number; readonly iterations: number }
  | { readonly status: Exclude<IvStatus, 'OK'>; readonly vol: null; readonly reason: string };

/** Safety cap (with the bracket); the dense-grid tests show ≤ 2 steps are used everywhere inside the bounds. */
const MAX_ITERATIONS = 12;
const SQRT_THREE = Math.sqrt(3);
const TWO_PI_OVER_SQRT_27 = (2 * Math.PI) / Math.sqrt(27);
/**
 * Stop once a step moved s by at most this (relative): a quartic step of relative size δ leaves ~δ⁴ ≈ 1e-16 behind.
 * Measured over the tests' grids: the largest second step is ~2e-5 and a third would move s by ≤ 2e-15 (rounding).
 */
const STEP_TOLERANCE = 1e-4;

/** Scratch for the vega written next to each b (one exp per evaluation). */
const VEGA = new Float64Array(1);

/** Optional out-parameter for diagnostics (tests, bench). */
export interface IvStats {
  /** Householder steps taken. */
  iterations: number;
  /** The initial guess s₀ (total vol) before any step. */
  guess?: number;
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

/**
 * Convenience: the vol or NaN (for typed-array chain helpers that mark missing values with NaN). NaN exactly where
 * `impliedVol`'s status is not OK, else the same vol (same operations), without allocating a result, a reason string
 * or a stats object — the calibrator calls this for every quote of every cycle.
 */
export function impliedVolOrNaN(type: OptionType, price: number, forward: number, strike: number, t: number, rate: number): number {
  if (!(forward > 0 && Number.isFinite(forward)) || !(strike > 0 && Number.isFinite(strike))) return Number.NaN;
  if (!Number.isFinite(price) || !Number.isFinite(rate) || !(t > 0) || !Number.isFinite(t)) return Number.NaN;
  const undiscounted = price * Math.exp(rate * t);
  const intrinsic = Math.max(type === 'call' ? forward - strike : strike - forward, 0);
  const upper = type === 'call' ? forward : strike;
  if (undiscounted < intrinsic || undiscounted >= upper) return Number.NaN;
  const otm = undiscounted - intrinsic;
  if (otm === 0) return Number.NaN;
  const x = -Math.abs(logMoneyness(forward, strike));
  const beta = otm / Math.sqrt(forward * strike);
  if (beta >= Math.exp(0.5 * x)) return Number.NaN;
  const s = normalisedImpliedTotalVol(beta, x);
  if (!(s > 0) || !Number.isFinite(s)) return Number.NaN;
  return s / Math.sqrt(t);
}

/**
 * Total vol s with b(x, s) = β for x ≤ 0, 0 < β < e^{x/2}. The caller has checked the bounds.
 */
export function normalisedImpliedTotalVol(beta: number, x: number, stats?: IvStats): number {
  const bMax = Math.exp(0.5 * x);
  let sc: number; let bc: number; let vc: number;
  if (x === 0) {
    sc = 0; bc = 0; vc = ONE_OVER_SQRT_TWO_PI;
  } else {
    // At s_c = √(2|x|), h + t = 0 and h − t = −s_c: b_c = e^{x/2}·(½ − Y(−s_c)/√(2π)), b'(s_c) = e^{x/2}/√(2π) — no
    // exp and no series. The difference loses ~ε/s_c relative for tiny |x|; b_c only places the guess's nodes, and
    // the Householder steps (which use the full-precision b) carry the accuracy.
    sc = Math.sqrt(-2 * x);
    vc = bMax * ONE_OVER_SQRT_TWO_PI;
    bc = bMax * (0.5 - ONE_OVER_SQRT_TWO_PI * millsY(-sc));
  }
  let regime: 0 | 1 | 2;
  let s: number;
  if (beta <= bc) {
    const sl = sc - bc / vc;
    const bl = normalisedBlackOtmAndVega(x, sl, VEGA);
    const vl = VEGA[0]!;
    if (beta < bl) {
      regime = 0;
      s = lowerBranchGuess(beta, x, sl, bl, vl);
    } else {
      // σ(β) on [b_l, b_c]: slopes 1/b', and σ'' = −b''/b'³ = 0 at the inflection point b_c (fitted on the right).
      regime = 1;
      const dl = 1 / vl; const dr = 1 / vc;
      const r = convexControl(rightSideControl(bl, bc, sl, sc, dl, dr, 0), bl, bc, sl, sc, dl, dr);
      s = rationalCubic(beta, bl, bc, sl, sc, dl, dr, r);
    }
  } else {
    const su = sc + (bMax - bc) / vc;
    const bu = normalisedBlackOtmAndVega(x, su, VEGA);
    const vu = VEGA[0]!;
    if (beta <= bu) {
      // σ(β) on [b_c, b_u] with σ''(b_c) = 0 fitted on the left.
      regime = 1;
      const dl = 1 / vc; const dr = 1 / vu;
      const r = convexControl(leftSideControl(bc, bu, sc, su, dl, dr, 0), bc, bu, sc, su, dl, dr);
      s = rationalCubic(beta, bc, bu, sc, su, dl, dr, r);
    } else {
      regime = 2;
      s = upperBranchGuess(beta, x, bMax, su, bu, vu);
    }
  }
  if (!(s > 0) || !Number.isFinite(s)) s = sc > 0 ? sc : 1;
  if (stats) stats.guess = s;

  // Only the branch's own objective needs its logarithm.
  const lnBeta = regime === 0 ? Math.log(beta) : 0;
  const complementTarget = bMax - beta;
  const lnComplementTarget = regime === 2 ? Math.log(complementTarget) : 0;
  const x2 = x * x;
  let lo = 0;
  let hi = Infinity;
  let iterations = 0;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    const b = normalisedBlackOtmAndVega(x, s, VEGA);
    const v = VEGA[0]!; // b'
    // Near b_max the objective is b_max − b, formed directly; the bracket must follow the same comparison, or the
    // two disagree by an ulp of β at the root and the safeguard bisects away from a converged iterate.
    const c = regime === 2 ? normalisedBlackOtmComplement(x, s) : 0;
    const below = regime === 2 ? c > complementTarget : b < beta;
    const above = regime === 2 ? c < complementTarget : b > beta;
    if (below) lo = Math.max(lo, s); else if (above) hi = Math.min(hi, s); else break;
    const g1 = x2 / (s * s * s) - 0.25 * s; // b''/b'
    const g2 = g1 * g1 - (3 * x2) / (s * s * s * s) - 0.25; // b'''/b'
    let newton: number; let gamma1: number; let gamma2: number;
    if (regime === 0 && b > 0) {
      const L = Math.log(b);
      const q = v / b; // b'/b, formed once: b² underflows long before b does
      // g = 1/ln b − 1/ln β = H(b), H' = −1/(b L²), H''/H' = −(L + 2)/(b L), H'''/H' = 2(L² + 3L + 3)/(b L)²
      const h2q = (-(L + 2) / L) * q; // (H''/H')·b'
      const h3q2 = ((2 * (L * L + 3 * L + 3)) / (L * L)) * q * q; // (H'''/H')·b'²
      newton = ((1 / L - 1 / lnBeta) * L * L) / q;
      gamma1 = h2q + g1;
      gamma2 = h3q2 + 3 * h2q * g1 + g2;
    } else if (regime === 2) {
      // g = ln c − ln(b_max − β), g' = −b'/c
      newton = (c * (Math.log(c) - lnComplementTarget)) / v;
      gamma1 = v / c + g1;
      gamma2 = (2 * v * v) / (c * c) + (3 * v * g1) / c + g2;
    } else {
      newton = -(b - beta) / v;
      gamma1 = g1;
      gamma2 = g2;
    }
    // Householder step of order 3 on g: Δ = n(1 + ½γ₁n)/(1 + n(γ₁ + γ₂n/6)), n the Newton step, γₖ = g⁽ᵏ⁺¹⁾/g'.
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

// ---- Rational cubic interpolation (Delbourgo & Gregory 1985), as the paper uses it --------------------------------
// On [x_l, x_r] with h = x_r − x_l, u = (z − x_l)/h, w = (x_r − z)/h (u + w = 1), end values y_l, y_r, end slopes
// d_l, d_r and control parameter r > −1:
//   f(z) = [y_r u³ + (r y_r − h d_r) u² w + (r y_l + h d_l) u w² + y_l w³] / [1 + (r − 3) u w]
// r = 3 is the cubic Hermite interpolant, r → ∞ the straight line. Differentiating twice at the ends:
//   f''(x_l) = (2/h)·[r(Δ − d_l) − (d_r − d_l)],  f''(x_r) = (2/h)·[r(d_r − Δ) − (d_r − d_l)],  Δ = (y_r − y_l)/h,
// so r can be chosen to reproduce a known second derivative at one end. For monotone data the interpolant is monotone
// when r ≥ (d_l + d_r)/Δ, and for convex (concave) data convex (concave) when
// r ≥ max(|d_r − d_l|/|d_r − Δ|, |d_r − d_l|/|Δ − d_l|) (Delbourgo & Gregory's sufficient conditions).

/** Largest control parameter used; beyond it the interpolant is the straight line to within rounding. */
const MAX_CONTROL = 2 / (Number.EPSILON * Number.EPSILON);
/** Smallest: the denominator 1 + (r − 3)uw ≥ (1 + r)/4 must stay positive. */
const MIN_CONTROL = -(1 - Math.sqrt(Number.EPSILON));

function rationalCubic(z: number, xl: number, xr: number, yl: number, yr: number, dl: number, dr: number, r: number): number {
  const h = xr - xl;
  if (!(h > 0)) return 0.5 * (yl + yr);
  const u = (z - xl) / h;
  const w = (xr - z) / h; // formed directly, not as 1 − u: keeps relative accuracy next to x_r
  if (r >= MAX_CONTROL) return yr * u + yl * w;
  const uw = u * w;
  return (yr * u * u * u + (r * yr - h * dr) * u * uw + (r * yl + h * dl) * uw * w + yl * w * w * w) / (1 + (r - 3) * uw);
}

/** r reproducing f''(x_l) = second. */
function leftSideControl(xl: number, xr: number, yl: number, yr: number, dl: number, dr: number, second: number): number {
  const h = xr - xl;
  const num = 0.5 * h * second + (dr - dl);
  const den = (yr - yl) / h - dl;
  return controlRatio(num, den);
}

/** r reproducing f''(x_r) = second. */
function rightSideControl(xl: number, xr: number, yl: number, yr: number, dl: number, dr: number, second: number): number {
  const h = xr - xl;
  const num = 0.5 * h * second + (dr - dl);
  const den = dr - (yr - yl) / h;
  return controlRatio(num, den);
}

function controlRatio(num: number, den: number): number {
  if (num === 0) return 0;
  if (den === 0) return num > 0 ? MAX_CONTROL : MIN_CONTROL;
  return num / den;
}

/** The fitted r, raised to the shape-preserving minimum (monotone and convex/concave as the data are). */
function convexControl(r: number, xl: number, xr: number, yl: number, yr: number, dl: number, dr: number): number {
  const delta = (yr - yl) / (xr - xl);
  const monotone = dl * delta >= 0 && dr * delta >= 0;
  const convex = dl <= delta && delta <= dr;
  const concave = dl >= delta && delta >= dr;
  let floor = MIN_CONTROL;
  if (monotone) floor = Math.max(floor, delta !== 0 ? (dl + dr) / delta : MAX_CONTROL);
  if (convex || concave) {
    const a = Math.abs(dr - delta); const b = Math.abs(delta - dl); const d = Math.abs(dr - dl);
    floor = Math.max(floor, a > 0 && b > 0 ? Math.max(d / a, d / b) : MAX_CONTROL);
  }
  if (!Number.isFinite(r) || Number.isNaN(r)) r = MAX_CONTROL;
  return Math.min(Math.max(r, floor), MAX_CONTROL);
}

// ---- Lower branch: β < b_l ------------------------------------------------------------------------------------------
// As s → 0, b(x, s) ~ f(s) = c·Φ(z)³ with c = 2π|x|/√27, z = x/(√3 s) (the paper's lower map). f is interpolated as a
// function of β on [0, b_l] (f(0) = 0, f'(0) = 1 since f ~ b, and at b_l the value, slope and curvature of f(σ(β)))
// and inverted in closed form: s = x/(√3·Φ⁻¹((f/c)^{1/3})).
// With Φ = Φ(z), φ = φ(z), dz/ds = −z/s:  f' = −3cΦ²φz/s,  f'' = 3czΦφ·(2φz + (2 − z²)Φ)/s²  (derivatives in s);
// in β: df/dβ = f'/b',  d²f/dβ² = (f'' − f'·b''/b')/b'², with b''/b' = x²/s³ − s/4.
function lowerBranchGuess(beta: number, x: number, sl: number, bl: number, vl: number): number {
  const c = TWO_PI_OVER_SQRT_27 * -x;
  const z = x / (SQRT_THREE * sl);
  const pdf = normPdf(z);
  const phi = pdf * millsY(z); // Φ(z) = φ(z)·Y(z), z < 0: one exp for both
  const fl = c * phi * phi * phi;
  const f1 = (-3 * c * phi * phi * pdf * z) / sl;
  const f2 = (3 * c * z * phi * pdf * (2 * pdf * z + (2 - z * z) * phi)) / (sl * sl);
  const bRatio = (x * x) / (sl * sl * sl) - 0.25 * sl;
  const dfdb = f1 / vl;
  const d2fdb2 = (f2 - f1 * bRatio) / (vl * vl);
  const r = convexControl(rightSideControl(0, bl, 0, fl, 1, dfdb, d2fdb2), 0, bl, 0, fl, 1, dfdb);
  let f = rationalCubic(beta, 0, bl, 0, fl, 1, dfdb, r);
  if (!(f > 0)) {
    const u = beta / bl; // quadratic through (0, 0) with slope 1 and through (b_l, f_l)
    f = (fl * u + bl * (1 - u)) * u;
  }
  const p = Math.cbrt(f / c);
  const zz = inverseNormCdfForGuess(Math.min(p, 0.5 - 1e-16));
  return x / (SQRT_THREE * zz);
}

// ---- Upper branch: β > b_u ------------------------------------------------------------------------------------------
// As s → ∞, b_max − b ~ 2Φ(−s/2): the paper's upper map f(s) = Φ(−s/2) is interpolated as a function of β on
// [b_u, b_max] (f(b_max) = 0 with slope −½ there, value/slope/curvature of f(σ(β)) at b_u) and inverted:
// s = −2Φ⁻¹(f). Derivatives in s: f' = −½φ(s/2), f'' = (s/8)·φ(s/2); in β as for the lower branch.
function upperBranchGuess(beta: number, x: number, bMax: number, su: number, bu: number, vu: number): number {
  const fu = normCdf(-0.5 * su);
  const pdf = normPdf(0.5 * su);
  const f1 = -0.5 * pdf;
  const f2 = 0.125 * su * pdf;
  const bRatio = (x * x) / (su * su * su) - 0.25 * su;
  const dfdb = f1 / vu;
  const d2fdb2 = (f2 - f1 * bRatio) / (vu * vu);
  const r = convexControl(leftSideControl(bu, bMax, fu, 0, dfdb, -0.5, d2fdb2), bu, bMax, fu, 0, dfdb, -0.5);
  let f = rationalCubic(beta, bu, bMax, fu, 0, dfdb, -0.5, r);
  if (!(f > 0)) {
    const h = bMax - bu;
    const w = (bMax - beta) / h; // quadratic through (b_u, f_u) and (b_max, 0) with slope −½ at b_max
    f = (fu * w + 0.5 * h * (1 - w)) * w;
  }
  return -2 * inverseNormCdfForGuess(Math.min(f, 0.5 - 1e-16));
}

/**
 * Φ⁻¹(p) for 0 < p < ½, good to ~1e-9 relative — plenty for an initial guess that is itself within 10%: Abramowitz &
 * Stegun 26.2.23 (|error| < 4.5e-4) and one Halley step on Φ(z) = p with Φ = φ·Y (one exp).
 */
function inverseNormCdfForGuess(p: number): number {
  const r = Math.sqrt(-2 * Math.log(p));
  let z = -(r - (2.515517 + r * (0.802853 + r * 0.010328)) / (1 + r * (1.432788 + r * (0.189269 + r * 0.001308))));
  const pdf = normPdf(z);
  if (pdf > 0) {
    const u = (pdf * millsY(z) - p) / pdf;
    z -= u / (1 + 0.5 * z * u);
  }
  return z;
}
