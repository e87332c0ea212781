/**
 * @module Black-76 on a forward, discounted, with greeks (Black 1976; normalisation after Jäckel 2015).
 *
 * Symbols: F forward, K strike, t years to expiry, r continuously compounded rate, σ vol, D = e^{−rt},
 * x = ln(F/K), s = σ√t, d1 = x/s + s/2, d2 = d1 − s, θ = +1 call / −1 put.
 *   V = D·[θ(F−K)]⁺ + D·√(FK)·b(−|x|, s)          (OTM part by the normalised Black function: no cancellation)
 *   delta = ∂V/∂F = θ·D·Φ(θ·d1)                      gamma = ∂²V/∂F² = D·φ(d1)/(F·s)
 *   vega  = ∂V/∂σ = D·F·φ(d1)·√t (per 1.00 vol)      rho   = ∂V/∂r at fixed F = −t·V
 *   theta = −∂V/∂t at fixed F, per year = r·V − D·F·φ(d1)·σ/(2√t)   (value lost as calendar time passes)
 * The display views carry their unit in the name: vegaPerVolPoint (₹ per 0.01 vol), thetaPerDay (per calendar day).
 */
import { millsY } from './normal.ts';
import { normalisedBlackOtm, normalisedBlackOtmAndVega } from './normalised-black.ts';
import { THETA_PER_DAY, VEGA_PER_VOL_POINT } from './units.ts';

export type OptionType = 'call' | 'put';

export interface Black76Greeks {
  readonly price: number;
  /** ∂V/∂F. */
  readonly delta: number;
  /** ∂²V/∂F². */
  readonly gamma: number;
  /** ∂V/∂σ per 1.00 vol. */
  readonly vega: number;
  /** −∂V/∂t per year at fixed F (negative for a long option when r is small). */
  readonly theta: number;
  /** ∂V/∂r at fixed F. */
  readonly rho: number;
}

export interface Black76DisplayGreeks {
  readonly price: number;
  readonly delta: number;
  readonly gamma: number;
  readonly vegaPerVolPoint: number;
  readonly thetaPerDay: number;
  readonly rhoPerRatePoint: number;
}

/** Rate point = 1% (0.01), the same scaling as a vol point. */
const RATE_POINT = 0.01;

/** Rejects inputs the formulas cannot mean: `expected …, was …`. */
export function assertBlackInputs(forward: number, strike: number, t: number, rate: number, vol: number): void {
  if (!(forward > 0 && Number.isFinite(forward))) throw new RangeError(`expected forward > 0, was ${forward}`);
  if (!(strike > 0 && Number.isFinite(strike))) throw new RangeError(`expected strike > 0, was ${strike}`);
  if (!(t >= 0 && Number.isFinite(t))) throw new RangeError(`expected t >= 0 (years), was ${t}`);
  if (!Number.isFinite(rate)) throw new RangeError(`expected a finite rate, was ${rate}`);
  if (!(vol >= 0 && Number.isFinite(vol))) throw new RangeError(`expected vol >= 0, was ${vol}`);
}

/**
 * x = ln(F/K) to full relative accuracy: near the money F/K rounds to within ε of 1 and its log would carry an
 * absolute error of ε — a relative error of ε/|x| that short-dated prices amplify; F − K is exact there (Sterbenz).
 */
export function logMoneyness(forward: number, strike: number): number {
  const d = forward - strike;
  return Math.abs(d) < 0.5 * strike ? Math.log1p(d / strike) : Math.log(forward / strike);
}

/** Undiscounted Black-76 value per unit of √(FK) scaling, i.e. the forward premium (D = 1). */
export function black76Undiscounted(type: OptionType, forward: number, strike: number, s: number): number {
  const x = logMoneyness(forward, strike);
  const otm = Math.sqrt(forward * strike) * normalisedBlackOtm(-Math.abs(x), s);
  const intrinsic = type === 'call' ? forward - strike : strike - forward;
  return intrinsic > 0 ? intrinsic + otm : otm;
}

/** Black-76 discounted price. */
export function black76Price(type: OptionType, forward: number, strike: number, t: number, rate: number, vol: number): number {
  assertBlackInputs(forward, strike, t, rate, vol);
  return Math.exp(-rate * t) * black76Undiscounted(type, forward, strike, vol * Math.sqrt(t));
}

/** Scratch for the normalised vega written next to b. */
const VEGA = new Float64Array(1);

/**
 * Black-76 price and the five greeks (units in the module header), sharing one exponential between them: with
 * X = ln(F/K) and v = e^{−(h²+t²)/2}/√(2π) the normalised vega (formed once with b), φ(d1) = v·e^{−X/2} = v·√(K/F),
 * so F·φ(d1) = √(FK)·v; and Φ(−|d1|) = φ(d1)·Y(−|d1|) with Y = Φ/φ taken from erfcx at a positive argument (no exp).
 */
export function black76Greeks(type: OptionType, forward: number, strike: number, t: number, rate: number, vol: number): Black76Greeks {
  assertBlackInputs(forward, strike, t, rate, vol);
  const discount = Math.exp(-rate * t);
  const sqrtT = Math.sqrt(t);
  const s = vol * sqrtT;
  const x = logMoneyness(forward, strike);
  const intrinsic = type === 'call' ? forward - strike : strike - forward;
  if (!(s > 0)) {
    const price = discount * Math.max(intrinsic, 0);
    const delta = intrinsic > 0 ? (type === 'call' ? discount : -discount) : 0;
    return { price, delta, gamma: 0, vega: 0, theta: rate * price, rho: -t * price };
  }
  const rootFK = Math.sqrt(forward * strike);
  const otm = rootFK * normalisedBlackOtmAndVega(-Math.abs(x), s, VEGA);
  const price = discount * (intrinsic > 0 ? intrinsic + otm : otm);
  const fPdf = rootFK * VEGA[0]!; // F·φ(d1)
  const pdf = fPdf / forward; // φ(d1)
  const d1 = x / s + 0.5 * s;
  const lowerTail = pdf * millsY(-Math.abs(d1)); // Φ(−|d1|)
  const delta = type === 'call'
    ? discount * (d1 <= 0 ? lowerTail : 1 - lowerTail)
    : -discount * (d1 >= 0 ? lowerTail : 1 - lowerTail);
  const gamma = (discount * pdf) / (forward * s);
  const vega = discount * fPdf * sqrtT;
  const theta = rate * price - (discount * fPdf * vol) / (2 * sqrtT);
  return { price, delta, gamma, vega, theta, rho: -t * price };
}

/** Display view: vega per vol point, theta per calendar day, rho per rate point (units in the names). */
export function toDisplayGreeks(g: Black76Greeks): Black76DisplayGreeks {
  return {
    price: g.price,
    delta: g.delta,
    gamma: g.gamma,
    vegaPerVolPoint: g.vega * VEGA_PER_VOL_POINT,
    thetaPerDay: g.theta * THETA_PER_DAY,
    rhoPerRatePoint: g.rho * RATE_POINT,
  };
}
