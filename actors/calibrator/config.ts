/**
 * @module Environment variables owned by the calibrator actor (merged into the one boot-time schema in runtime/main/config.ts).
 */
import { envBool, envEnum, envNumber, keysOf, pickSection, type EnvShape, type EnvValues } from '../../runtime/config-kit.ts';
import { DEFAULT_MARKET_SETTINGS, type MarketSettings } from '../domain/market-settings.ts';
import { MARKET_KEYS, type SystemValues } from '../../runtime/system-env.ts';

export const calibratorEnv = {
  /** piscina threads for expiry fits (the pool exists only in `pool` mode). */
  CALIBRATOR_THREADS: envNumber({ int: true, min: 1, max: 16 }).default(1),
  /** `inline` fits on the actor's own thread (default: a 41-strike fit is ~50–100 µs, less than a pool round trip); `pool` isolates slow fits. */
  CALIBRATOR_MODE: envEnum(['inline', 'pool']).default('inline'),
  /** SABR β, fixed per fit. */
  CALIBRATOR_BETA: envNumber({ min: 0, max: 1 }).default(1),
  /**
   * Cap on ν (weeklies need large ν; keep it bounded). 25, not 10: on NSE's January 2026 closes a NIFTY weekly one day
   * before expiry needs ν ≈ 14–17 (β = 1) and never converged under 10 (actors/venues/replay/import/README.md).
   */
  CALIBRATOR_NU_CAP: envNumber({ min: 0.01, max: 50 }).default(25),
  /**
   * Fit only quotes within this many σ_ATM·√t of the forward in ln(K/F) (quant.md §1: restrict to 3–4); the wings
   * beyond take the fitted smile. 0 fits every quote. Cheap far wings carry jump premia SABR cannot fit.
   */
  CALIBRATOR_FIT_BAND: envNumber({ min: 0, max: 50 }).default(4),
  /** A fit with rmse above this (vol points) falls back to per-strike Black IV. */
  CALIBRATOR_MAX_RMSE_VOL_PTS: envNumber({ min: 0, max: 100 }).default(1.5),
  /** Drop quotes whose spread exceeds this fraction of mid. */
  CALIBRATOR_MAX_SPREAD_FRACTION: envNumber({ min: 0, max: 10 }).default(0.5),
  /** Drop quotes whose mid is at or below this many ₹0.05 ticks (IV is arbitrary at the tick floor). */
  CALIBRATOR_MIN_PREMIUM_TICKS: envNumber({ min: 0, max: 100 }).default(2),
  /** Use Obloj's leading term (changes nothing at β = 1). */
  CALIBRATOR_OBLOJ: envBool().default(false),
} satisfies EnvShape;

/** The calibrator's own settings, as the core uses them (structured-clone safe). */
export interface CalibratorSettings {
  readonly threads: number;
  readonly mode: 'inline' | 'pool';
  /** The one rate and variance clock (RISK_FREE_RATE, MARKET_VARIANCE_*): time to expiry and discounting. */
  readonly market: MarketSettings;
  readonly beta: number;
  readonly nuCap: number;
  /** Fit band in σ_ATM·√t units (0 = no band). */
  readonly fitBand: number;
  readonly maxRmseVolPts: number;
  readonly maxSpreadFraction: number;
  readonly minPremiumTicks: number;
  readonly obloj: boolean;
}

export const DEFAULT_CALIBRATOR_SETTINGS: CalibratorSettings = {
  threads: 1, mode: 'inline', market: DEFAULT_MARKET_SETTINGS, beta: 1, nuCap: 25, fitBand: 4, maxRmseVolPts: 1.5, maxSpreadFraction: 0.5, minPremiumTicks: 2, obloj: false,
};

/** Everything the calibrator's spec reads: its own variables and the market conventions (rate, variance clock). */
export type CalibratorSection = EnvValues<typeof calibratorEnv> & Pick<SystemValues, (typeof MARKET_KEYS)[number]>;

/** Cuts the calibrator's section out of the boot config (the wiring does this; nothing else reaches the actor). */
export function calibratorSection(cfg: CalibratorSection): CalibratorSection {
  return pickSection(cfg, [...keysOf(calibratorEnv), ...MARKET_KEYS]);
}
