/**
 * @module The standard normal distribution to (near) machine precision in relative terms, tails included.
 *
 * erfc / erfcx use W. J. Cody's rational Chebyshev approximations ("Rational Chebyshev approximations for the error
 * function", Math. Comp. 23 (1969), 631–637; coefficients as published in his SPECFUN CALERF). Three regimes:
 *   |x| ≤ 0.46875      erf(x)  = x · R₁(x²)
 *   0.46875 < x ≤ 4    erfc(x) = e^{−x²} · R₂(x)
 *   x > 4              erfc(x) = e^{−x²}/x · (1/√π − R₃(1/x²)/x²)
 * e^{−x²} is evaluated as e^{−x₀²}·e^{−(x−x₀)(x+x₀)} with x₀ = ⌊16x⌋/16 so the exponent keeps full relative accuracy.
 * Relative error of erfc is a few ulps everywhere it is representable, which is what keeps OTM prices exact.
 */

const A = [3.1611237438705656, 113.864154151050156, 377.485237685302021, 3209.37758913846947, 0.185777706184603153] as const;
const B = [23.6012909523441209, 244.024637934444173, 1282.61652607737228, 2844.23683343917062] as const;
const C = [
  0.564188496988670089, 8.88314979438837594, 66.1191906371416295, 298.635138197400131, 881.95222124176909,
  1712.04761263407058, 2051.07837782607147, 1230.33935479799725, 2.15311535474403846e-8,
] as const;
const D = [
  15.7449261107098347, 117.693950891312499, 537.181101862009858, 1621.38957456669019, 3290.79923573345963,
  4362.61909014324716, 3439.36767414372164, 1230.33935480374942,
] as const;
const P = [
  0.305326634961232344, 0.360344899949804439, 0.125781726111229246, 0.0160837851487422766, 6.58749161529837803e-4,
  0.0163153871373020978,
] as const;
const Q = [2.56852019228982242, 1.87295284992346047, 0.527905102951428412, 0.0605183413124413191, 0.00233520497626869185] as const;

const ONE_OVER_SQRT_PI = 0.56418958354775628695;
export const SQRT_TWO_PI = 2.5066282746310005024;
export const ONE_OVER_SQRT_TWO_PI = 0.3989422804014326779;
export const SQRT_HALF = 0.70710678118654752440;
const SQRT_PI_OVER_TWO = 1.2533141373155002512;

/** erf(x) for |x| ≤ 0.46875 (no cancellation: x times a rational in x²). */
function erfSmall(x: number): number {
  const y = x * x;
  let num = A[4] * y;
  let den = y;
  num = (num + A[0]) * y; den = (den + B[0]) * y;
  num = (num + A[1]) * y; den = (den + B[1]) * y;
  num = (num + A[2]) * y; den = (den + B[2]) * y;
  return (x * (num + A[3])) / (den + B[3]);
}

/** e^{x²}·erfc(x) for x > 0.46875 (the rational parts of Cody's second and third regimes). */
function erfcxPositive(x: number): number {
  if (x <= 4) {
    let num = C[8] * x;
    let den = x;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * x;
      den = (den + D[i]!) * x;
    }
    return (num + C[7]) / (den + D[7]);
  }
  if (x >= 6.71e7) return ONE_OVER_SQRT_PI / x; // 1/x² below ε: the asymptotic leading term is exact
  const y = 1 / (x * x);
  let num = P[5] * y;
  let den = y;
  for (let i = 0; i < 4; i++) {
    num = (num + P[i]!) * y;
    den = (den + Q[i]!) * y;
  }
  const r = (y * (num + P[4])) / (den + Q[4]);
  return (ONE_OVER_SQRT_PI - r) / x;
}

/** e^{−x²} with full relative accuracy for x ≥ 0 (splits x² so the rounding of x·x does not leak into the exponent). */
function expMinusSquare(x: number): number {
  const x0 = Math.trunc(x * 16) / 16;
  return Math.exp(-x0 * x0) * Math.exp(-(x - x0) * (x + x0));
}

/** Complementary error function, relative accuracy of a few ulps for every x. */
export function erfc(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 0.46875) return 1 - erfSmall(x);
  if (x > 26.7) return 0;
  const upper = expMinusSquare(ax) * erfcxPositive(ax);
  return x > 0 ? upper : 2 - upper;
}

/** Scaled complementary error function e^{x²}·erfc(x); finite for all x above ≈ −26.6. */
export function erfcx(x: number): number {
  const ax = Math.abs(x);
  if (ax <= 0.46875) return Math.exp(x * x) * (1 - erfSmall(x));
  if (x > 0) return erfcxPositive(x);
  // erfcx(−a) = 2e^{a²} − erfcx(a); the first term dominates, no cancellation.
  const ea = Math.exp(ax * ax);
  return 2 * ea - erfcxPositive(ax);
}

/** Standard normal density φ(z). */
export function normPdf(z: number): number {
  return ONE_OVER_SQRT_TWO_PI * Math.exp(-0.5 * z * z);
}

/** Standard normal CDF Φ(z) = ½·erfc(−z/√2), accurate in relative terms deep into the left tail. */
export function normCdf(z: number): number {
  return 0.5 * erfc(-z * SQRT_HALF);
}

/** Mills-type ratio Y(z) = Φ(z)/φ(z) = √(π/2)·erfcx(−z/√2); finite where Φ and φ underflow together. */
export function millsY(z: number): number {
  return SQRT_PI_OVER_TWO * erfcx(-z * SQRT_HALF);
}

/**
 * Inverse normal CDF Φ⁻¹(p) for p ∈ (0, 1). Start from Abramowitz & Stegun 26.2.23 (|error| < 4.5e-4), then two
 * Halley steps on Φ(z) = p, each tripling the correct digits; the residual is taken relative to φ(z) so tiny p
 * (down to 1e-300) keep full accuracy.
 */
export function inverseNormCdf(p: number): number {
  if (!(p > 0 && p < 1)) return p === 0 ? -Infinity : p === 1 ? Infinity : Number.NaN;
  const lower = p < 0.5;
  const q = lower ? p : 1 - p;
  const t = Math.sqrt(-2 * Math.log(q));
  const tail = t - (2.515517 + t * (0.802853 + t * 0.010328)) / (1 + t * (1.432788 + t * (0.189269 + t * 0.001308)));
  let z = lower ? -tail : tail;
  for (let i = 0; i < 2; i++) {
    // Residual Φ(z) − p, taken on the side of the smaller tail so neither is rounded away.
    const e = z <= 0 ? normCdf(z) - p : (1 - p) - normCdf(-z);
    const u = e / normPdf(z);
    z -= u / (1 + 0.5 * z * u);
  }
  return z;
}
