/**
 * @module Option pricing used by the simulator to turn its smile into quote mids.
 *
 * Symbols: f forward, k strike, t years to expiry, r rate, sigma Black vol; SABR (Hagan et al. 2002, lognormal, β = 1)
 * alpha, rho, nu. The simulator only needs a plausible, arbitrage-sane mid — accuracy of 1e-7 in N(x) is ample — so
 * this is a self-contained copy rather than a dependency on the calibrator's precision code (which may change speed or
 * signature without the market model noticing).
 */

/** Standard normal CDF via erfc (Abramowitz & Stegun 7.1.26 on |x|, |error| < 1.5e-7). */
export function normCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erfc = poly * Math.exp(-z * z);
  return x >= 0 ? 1 - 0.5 * erfc : 0.5 * erfc;
}

/** Discounted Black-76 price of a call (isCall) or put. */
export function black76(isCall: boolean, f: number, k: number, t: number, r: number, sigma: number): number {
  const df = Math.exp(-r * t);
  const intrinsic = Math.max(isCall ? f - k : k - f, 0);
  const sd = sigma * Math.sqrt(t);
  if (!(sd > 1e-12)) return df * intrinsic;
  const d1 = (Math.log(f / k) + 0.5 * sd * sd) / sd;
  const d2 = d1 - sd;
  return isCall ? df * (f * normCdf(d1) - k * normCdf(d2)) : df * (k * normCdf(-d2) - f * normCdf(-d1));
}

/** Hagan 2002 lognormal SABR vol with β = 1: σ = α·(z/x(z))·(1 + (ρνα/4 + (2−3ρ²)ν²/24)·t), z = (ν/α)·ln(f/k). */
export function sabrVolBeta1(f: number, k: number, t: number, alpha: number, rho: number, nu: number): number {
  const z = (nu / alpha) * Math.log(f / k);
  let zOverX: number;
  if (Math.abs(z) < 1e-6) {
    zOverX = 1 - 0.5 * rho * z + ((2 - 3 * rho * rho) * z * z) / 12; // series near the money (x → 0/0)
  } else {
    const x = Math.log((Math.sqrt(1 - 2 * rho * z + z * z) + z - rho) / (1 - rho));
    zOverX = z / x;
  }
  return alpha * zOverX * (1 + (0.25 * rho * nu * alpha + ((2 - 3 * rho * rho) * nu * nu) / 24) * t);
}
