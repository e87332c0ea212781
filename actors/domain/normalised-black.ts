/**
 * @module Jäckel's normalised Black function, evaluated without cancellation (Jäckel, "Let's Be Rational", 2015).
 *
 * Symbols: x = ln(F/K), s = σ√T (total vol), h = x/s, t = s/2, so x/2 = h·t.
 * Normalised call b(x, s) = e^{x/2}Φ(h+t) − e^{−x/2}Φ(h−t); Black-76 call = D·√(FK)·b.
 * Only the out-of-the-money case x ≤ 0 is evaluated here; the in-the-money value is intrinsic + b(−|x|) by parity.
 *
 * With Y(z) = Φ(z)/φ(z) both terms share the factor φ-like e^{−(h²+t²)/2}/√(2π), so
 *   b = e^{−(h²+t²)/2}/√(2π) · [Y(h+t) − Y(h−t)].
 * Regions (h ≤ 0):
 *   h+t ≤ −10     asymptotic series of Y in 1/z; each difference 1/a^m − 1/b^m is formed cancellation-free.
 *   t < 0.21      Taylor series in t: Y(h+t) − Y(h−t) = 2Σ_{k odd} Y⁽ᵏ⁾(h) tᵏ/k!, with Y⁽ᵏ⁾ = P_k(h) + Q_k(h)·Y(h)
 *                 from Y' = 1 + hY (P_{k+1} = P_k' + Q_k, Q_{k+1} = Q_k' + h·Q_k).
 *   h+t > 0.85    the plain formula with Φ (its two terms no longer nearly cancel).
 *   otherwise     the Y-difference with erfcx (Y(h+t) and Y(h−t) differ by a good fraction).
 */
import { millsY, normCdf, ONE_OVER_SQRT_TWO_PI } from './normal.ts';

const ASYMPTOTIC_H = -10;
const SMALL_T = 0.21;
const PLAIN_PHI_THRESHOLD = 0.85;
/** Highest odd derivative used by the small-t series: t ≤ 0.21 ⇒ t^15/15! < 1e-26 relative to the first term. */
const MAX_ORDER = 15;

/** P_k, Q_k coefficient arrays (ascending powers of h) for k = 0..MAX_ORDER, derived once from the recursion. */
const SERIES: { p: number[]; q: number[] }[] = buildDerivativePolynomials(MAX_ORDER);

function buildDerivativePolynomials(maxOrder: number): { p: number[]; q: number[] }[] {
  const out: { p: number[]; q: number[] }[] = [{ p: [0], q: [1] }]; // Y⁽⁰⁾ = 0 + 1·Y
  for (let k = 0; k < maxOrder; k++) {
    const { p, q } = out[k]!;
    const np: number[] = new Array(Math.max(p.length, q.length) + 1).fill(0);
    const nq: number[] = new Array(q.length + 2).fill(0);
    for (let i = 1; i < p.length; i++) np[i - 1]! += i * p[i]!; // P'
    for (let i = 0; i < q.length; i++) np[i]! += q[i]!; // + Q (from Q·Y' = Q + hQ·Y)
    for (let i = 1; i < q.length; i++) nq[i - 1]! += i * q[i]!; // Q'
    for (let i = 0; i < q.length; i++) nq[i + 1]! += q[i]!; // + h·Q
    out.push({ p: trim(np), q: trim(nq) });
  }
  return out;
}

function trim(c: number[]): number[] {
  let n = c.length;
  while (n > 1 && c[n - 1] === 0) n--;
  return c.slice(0, n);
}

/**
 * For odd k, P_k is even and Q_k odd in h (true for k = 1: P = 1, Q = h, and the recursion maps (even, odd) at order
 * k to (odd, even) at k + 1 and back). So P_k(h) = p̃(h²) and Q_k(h) = h·q̃(h²): Horner in h² over the non-zero
 * coefficients only, flattened into one Float64Array with per-order offsets and lengths (packed doubles in the hot loop).
 */
const ODD_ORDERS = Math.floor((MAX_ORDER + 1) / 2);
const P_OFF = new Int32Array(ODD_ORDERS);
const P_LEN = new Int32Array(ODD_ORDERS);
const Q_OFF = new Int32Array(ODD_ORDERS);
const Q_LEN = new Int32Array(ODD_ORDERS);
const COEF: Float64Array = (() => {
  const flat: number[] = [];
  for (let j = 0; j < ODD_ORDERS; j++) {
    const { p, q } = SERIES[2 * j + 1]!;
    const pe = p.filter((_, i) => i % 2 === 0);
    const qo = q.filter((_, i) => i % 2 === 1);
    if (p.some((c, i) => i % 2 === 1 && c !== 0) || q.some((c, i) => i % 2 === 0 && c !== 0)) {
      throw new Error(`normalised-black: P_${2 * j + 1} not even or Q_${2 * j + 1} not odd`);
    }
    P_OFF[j] = flat.length; P_LEN[j] = pe.length; flat.push(...pe);
    Q_OFF[j] = flat.length; Q_LEN[j] = qo.length; flat.push(...qo);
  }
  return Float64Array.from(flat);
})();
/** 1/k! for odd k, indexed by (k − 1)/2. */
const INV_ODD_FACTORIAL: Float64Array = (() => {
  const out = new Float64Array(ODD_ORDERS);
  let f = 1;
  for (let k = 1; k <= MAX_ORDER; k++) {
    f /= k;
    if (k % 2 === 1) out[(k - 1) / 2] = f;
  }
  return out;
})();

/**
 * @internal Y(h+t) − Y(h−t) by the Taylor series in t (small t, any h ≤ 0): the same sums as
 * {@link yDifferenceSmallTFromTables} in the same order, with the coefficients of p̃_k, q̃_k written out (they are
 * what the recursion above derives; the tests check the two agree bit for bit) — no loads, no inner loops.
 */
export function yDifferenceSmallT(h: number, t: number): number {
  const hy = h * millsY(h);
  const h2 = h * h;
  const t2 = t * t;
  let tk = t;
  let sum = 0;
  let term: number;
  term = (1 + hy) * tk * INV_ODD_FACTORIAL[0]!;
  sum += term;
  if (Math.abs(term) <= 1e-17 * Math.abs(sum)) return 2 * sum;
  tk *= t2;
  term = (h2 + 2 + (h2 + 3) * hy) * tk * INV_ODD_FACTORIAL[1]!;
  sum += term;
  if (Math.abs(term) <= 1e-17 * Math.abs(sum)) return 2 * sum;
  tk *= t2;
  term = ((h2 + 9) * h2 + 8 + ((h2 + 10) * h2 + 15) * hy) * tk * INV_ODD_FACTORIAL[2]!;
  sum += term;
  if (Math.abs(term) <= 1e-17 * Math.abs(sum)) return 2 * sum;
  tk *= t2;
  term = (((h2 + 20) * h2 + 87) * h2 + 48 + (((h2 + 21) * h2 + 105) * h2 + 105) * hy) * tk * INV_ODD_FACTORIAL[3]!;
  sum += term;
  if (Math.abs(term) <= 1e-17 * Math.abs(sum)) return 2 * sum;
  tk *= t2;
  term = ((((h2 + 35) * h2 + 345) * h2 + 975) * h2 + 384 + ((((h2 + 36) * h2 + 378) * h2 + 1260) * h2 + 945) * hy) * tk * INV_ODD_FACTORIAL[4]!;
  sum += term;
  if (Math.abs(term) <= 1e-17 * Math.abs(sum)) return 2 * sum;
  tk *= t2;
  term = (((((h2 + 54) * h2 + 938) * h2 + 6090) * h2 + 12645) * h2 + 3840 + (((((h2 + 55) * h2 + 990) * h2 + 6930) * h2 + 17325) * h2 + 10395) * hy) * tk * INV_ODD_FACTORIAL[5]!;
  sum += term;
  if (Math.abs(term) <= 1e-17 * Math.abs(sum)) return 2 * sum;
  tk *= t2;
  term = ((((((h2 + 77) * h2 + 2070) * h2 + 23814) * h2 + 114765) * h2 + 187425) * h2 + 46080 + ((((((h2 + 78) * h2 + 2145) * h2 + 25740) * h2 + 135135) * h2 + 270270) * h2 + 135135) * hy) * tk * INV_ODD_FACTORIAL[6]!;
  sum += term;
  if (Math.abs(term) <= 1e-17 * Math.abs(sum)) return 2 * sum;
  tk *= t2;
  term = (((((((h2 + 104) * h2 + 3993) * h2 + 71280) * h2 + 611415) * h2 + 2336040) * h2 + 3133935) * h2 + 645120 + (((((((h2 + 105) * h2 + 4095) * h2 + 75075) * h2 + 675675) * h2 + 2837835) * h2 + 4729725) * h2 + 2027025) * hy) * tk * INV_ODD_FACTORIAL[7]!;
  sum += term;
  return 2 * sum;
}

/**
 * @internal Y(h+t) − Y(h−t) by the Taylor series in t, driven by the tables the recursion derives; the reference the
 * tests hold {@link yDifferenceSmallT} to (bit for bit).
 */
export function yDifferenceSmallTFromTables(h: number, t: number): number {
  const y = millsY(h);
  const hy = h * y;
  const h2 = h * h;
  const t2 = t * t;
  let tk = t;
  let sum = 0;
  for (let j = 0; j < ODD_ORDERS; j++) {
    let pv = 0;
    for (let i = P_OFF[j]! + P_LEN[j]! - 1; i >= P_OFF[j]!; i--) pv = pv * h2 + COEF[i]!;
    let qv = 0;
    for (let i = Q_OFF[j]! + Q_LEN[j]! - 1; i >= Q_OFF[j]!; i--) qv = qv * h2 + COEF[i]!;
    const term = (pv + qv * hy) * tk * INV_ODD_FACTORIAL[j]!; // P_k + Q_k·Y = p̃ + q̃·(hY)
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    tk *= t2;
  }
  return 2 * sum;
}

/** Y(a) − Y(b), a = h+t, b = h−t, both ≤ −10: asymptotic Y(z) = −Σ (−1)ⁿ(2n−1)!!/z^{2n+1}. */
function yDifferenceAsymptotic(h: number, t: number): number {
  const a = h + t;
  const b = h - t;
  const r = a / b; // ∈ (0, 1]
  const ia2 = 1 / (a * a);
  // a^{−m} − b^{−m} = a^{−m}·(1 − r^m), 1 − r^m = (1 − r)(1 + r + … + r^{m−1}), 1 − r = −2t/b.
  const oneMinusR = (-2 * t) / b;
  let aPow = 1 / a; // a^{−m}
  let rPow = 1; // r^{m−1}
  let geometric = 1; // 1 + r + … + r^{m−1}
  let doubleFactorial = 1; // (2n−1)!!
  let sum = 0;
  for (let n = 0; n < 60; n++) {
    const term = (n % 2 === 0 ? -1 : 1) * doubleFactorial * aPow * oneMinusR * geometric;
    sum += term;
    if (Math.abs(term) <= 1e-17 * Math.abs(sum)) break;
    doubleFactorial *= 2 * n + 1;
    aPow *= ia2;
    rPow *= r; geometric += rPow; // advance m by 2: add r^{m}, r^{m+1}
    rPow *= r; geometric += rPow;
  }
  return sum;
}

/**
 * Normalised OTM Black call b(x, s) for x ≤ 0, s ≥ 0 (equals the normalised put at −x).
 * Relative accuracy close to machine precision for every representable value.
 */
export function normalisedBlackOtm(x: number, s: number): number {
  if (!(s > 0)) return 0;
  const h = x / s;
  const t = 0.5 * s;
  if (h + t <= ASYMPTOTIC_H) {
    return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.5 * (h * h + t * t)) * yDifferenceAsymptotic(h, t);
  }
  if (t < SMALL_T) {
    return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.5 * (h * h + t * t)) * yDifferenceSmallT(h, t);
  }
  if (h + t > PLAIN_PHI_THRESHOLD) {
    return Math.exp(0.5 * x) * normCdf(h + t) - Math.exp(-0.5 * x) * normCdf(h - t);
  }
  return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.5 * (h * h + t * t)) * (millsY(h + t) - millsY(h - t));
}

/**
 * b(x, s) as {@link normalisedBlackOtm} (bit-identical), also writing the normalised vega b'(x, s) to `vegaOut[0]`:
 * where b is formed as e^{−(h²+t²)/2}/√(2π)·[…] the exponential is the vega, so the pair costs one exp.
 */
export function normalisedBlackOtmAndVega(x: number, s: number, vegaOut: Float64Array): number {
  if (!(s > 0)) { vegaOut[0] = 0; return 0; }
  const h = x / s;
  const t = 0.5 * s;
  const vega = ONE_OVER_SQRT_TWO_PI * Math.exp(-0.5 * (h * h + t * t));
  vegaOut[0] = vega;
  if (h + t <= ASYMPTOTIC_H) return vega * yDifferenceAsymptotic(h, t);
  if (t < SMALL_T) return vega * yDifferenceSmallT(h, t);
  if (h + t > PLAIN_PHI_THRESHOLD) return Math.exp(0.5 * x) * normCdf(h + t) - Math.exp(-0.5 * x) * normCdf(h - t);
  return vega * (millsY(h + t) - millsY(h - t));
}

/**
 * b_max − b(x, s) for x ≤ 0, computed without cancellation: e^{x/2}Φ(−h−t) + e^{−x/2}Φ(h−t).
 * Used by implied vol near the upper bound b_max = e^{x/2}.
 */
export function normalisedBlackOtmComplement(x: number, s: number): number {
  if (!(s > 0)) return Math.exp(0.5 * x);
  const h = x / s;
  const t = 0.5 * s;
  return Math.exp(0.5 * x) * normCdf(-h - t) + Math.exp(-0.5 * x) * normCdf(h - t);
}

/** Normalised vega ∂b/∂s = e^{−(h²+t²)/2}/√(2π) (same for calls and puts). */
export function normalisedVega(x: number, s: number): number {
  if (!(s > 0)) return 0;
  const h = x / s;
  const t = 0.5 * s;
  return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.5 * (h * h + t * t));
}
