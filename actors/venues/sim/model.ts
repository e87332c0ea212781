/**
 * @module The simulator's underlying dynamics: NIFTY and BANKNIFTY spot, stochastic vol with jumps, the smile's
 * evolving parameters, and an India VIX–like index. Pure; each step's randomness is keyed by its step index.
 *
 * Symbols: s spot, h = ln σ (NIFTY instantaneous vol, annualised over trading time), θ long-run vol, κ its mean
 * reversion, ξ vol of log-vol, ρ_sv spot/vol correlation (leverage), x and y latent OU factors for skew and smile
 * curvature. Dynamics run on the variance clock (domain/variance-clock.ts): each step advances by the clock's years
 * for it, scaled by an intraday activity curve a(m) (U-shaped: busy after the open and before the close, mean ≈ 1
 * over the session), and the overnight gap is one draw with the clock's variance for the closed time, so a trading
 * day's variance is σ²/D, the same σ options are priced with.
 * Smile per expiry t (variance years, ≈ calendar years on average): ATM variance follows the mean-reverting term structure
 * θ² + (σ² − θ²)(1 − e^{−κt})/(κt) times a variance premium; SABR (β = 1) α from it, ρ from vol level and x,
 * ν ∝ t^{−0.4} (weeklies need large ν, quant.md §1) scaled by y.
 */
import { normal, uniform } from './prng.ts';

export const STEP_MS = 500;
const THETA = 0.115;
const LN_THETA = Math.log(THETA);
const KAPPA = 8;
const XI = 1.1;
const RHO_SV = -0.7;
const VRP = 1.05;
const BANK_VOL_RATIO = 1.25;
const BANK_CORR = 0.8;
const JUMPS_PER_YEAR = 20;

/** Stream ids: distinct draws within a step. */
const S = { z1: 1, z2: 2, z3: 3, z4: 4, z5: 5, jumpU: 6, jumpZ: 7, gap: 8, init: 9 } as const;

export interface ModelState {
  /** ln spot: [NIFTY, BANKNIFTY]. */
  readonly logS: Float64Array;
  h: number;
  x: number;
  y: number;
}

export interface SmileParams {
  readonly alpha: number;
  readonly rho: number;
  readonly nu: number;
}

export function initialState(seed: number): ModelState {
  const logS = new Float64Array(2);
  logS[0] = Math.log(26_000) + 0.03 * normal(seed, -1, S.init, 0);
  logS[1] = Math.log(59_000) + 0.03 * normal(seed, -1, S.init, 1);
  return { logS, h: LN_THETA + 0.15 * normal(seed, -1, S.init, 2), x: normal(seed, -1, S.init, 3), y: normal(seed, -1, S.init, 4) };
}

/**
 * Intraday activity for minute m ∈ [0, L] of an L-minute session, mean 1 over the session: the numerator's mean is
 * 0.6 + (1.2 + 0.6)·(30/L)·(1 − e^{−L/30}) (0.744 for L = 375).
 */
export function activity(minute: number, sessionMinutes = 375): number {
  const mean = 0.6 + (54 / sessionMinutes) * (1 - Math.exp(-sessionMinutes / 30));
  return (0.6 + 1.2 * Math.exp(-minute / 30) + 0.6 * Math.exp(-(sessionMinutes - minute) / 30)) / mean;
}

/** One fixed step of the in-session dynamics; `dt` is the step's variance time in years (activity included). */
export function step(st: ModelState, seed: number, n: number, dt: number): void {
  const sqdt = Math.sqrt(dt);
  const z1 = normal(seed, n, S.z1, 0);
  const z2 = normal(seed, n, S.z2, 0);
  const sigma = Math.exp(st.h);
  const sigmaB = BANK_VOL_RATIO * sigma;
  st.logS[0] = st.logS[0]! - 0.5 * sigma * sigma * dt + sigma * sqdt * z1;
  st.logS[1] = st.logS[1]! - 0.5 * sigmaB * sigmaB * dt + sigmaB * sqdt * (BANK_CORR * z1 + Math.sqrt(1 - BANK_CORR ** 2) * z2);
  const zv = RHO_SV * z1 + Math.sqrt(1 - RHO_SV ** 2) * normal(seed, n, S.z3, 0);
  st.h += KAPPA * (LN_THETA - st.h) * dt + XI * sqdt * zv;
  st.x += -20 * st.x * dt + Math.sqrt(40) * sqdt * normal(seed, n, S.z4, 0);
  st.y += -10 * st.y * dt + Math.sqrt(20) * sqdt * normal(seed, n, S.z5, 0);
  if (uniform(seed, n, S.jumpU, 0) < JUMPS_PER_YEAR * dt) {
    const jump = -0.003 + 0.006 * normal(seed, n, S.jumpZ, 0);
    st.logS[0] = st.logS[0]! + jump;
    st.logS[1] = st.logS[1]! + 1.3 * jump;
    st.h += jump < 0 ? 0.2 : 0.08; // vol rises after jumps, more after falls
  }
  st.h = Math.min(Math.max(st.h, Math.log(0.05)), Math.log(1.5));
}

/** The overnight move applied when a new session starts: the closed time's variance (`gapYears` on the clock). */
export function overnight(st: ModelState, seed: number, n: number, gapYears: number): void {
  const z = normal(seed, n, S.gap, 0);
  const sd = Math.exp(st.h) * Math.sqrt(Math.max(gapYears, 0));
  st.logS[0] = st.logS[0]! - 0.5 * sd * sd + sd * z;
  const sdB = sd * BANK_VOL_RATIO;
  st.logS[1] = st.logS[1]! - 0.5 * sdB * sdB + sdB * (BANK_CORR * z + Math.sqrt(1 - BANK_CORR ** 2) * normal(seed, n, S.gap, 1));
  st.h += -0.5 * sd * z * 10;
}

function atmVariance(sigma: number, t: number): number {
  const kt = KAPPA * Math.max(t, 1e-6);
  return THETA * THETA + (sigma * sigma - THETA * THETA) * ((1 - Math.exp(-kt)) / kt);
}

/** SABR (β = 1) parameters of the smile for an expiry `t` calendar years away; `underlying` 0 NIFTY, 1 BANKNIFTY. */
export function smileParams(st: ModelState, underlying: 0 | 1, t: number): SmileParams {
  const sigma = Math.exp(st.h) * (underlying === 1 ? BANK_VOL_RATIO : 1);
  const alpha = VRP * Math.sqrt(atmVariance(sigma, t)) * (1 + 0.08 * Math.exp(-t * 365 / 3));
  const rho = Math.min(Math.max(-0.4 - 0.25 * (st.h - LN_THETA) + 0.1 * st.x, -0.9), -0.05);
  const nu = Math.min(Math.max(Math.pow(Math.max(t, 1 / 365 / 24) / (30 / 365), -0.4) * (1 + 0.1 * st.y), 0.3), 5);
  return { alpha, rho, nu };
}

/** India VIX–like: 30-day ATM vol (percent) from the same term structure, on the VIX tick of 0.0025. */
export function vixLevel(st: ModelState): number {
  const v = 100 * VRP * Math.sqrt(atmVariance(Math.exp(st.h), 30 / 365));
  return Math.round(v / 0.0025) * 0.0025;
}
