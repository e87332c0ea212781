/**
 * @module The market conventions every actor prices with, configured once (RISK_FREE_RATE, MARKET_VARIANCE_*): one
 * continuously compounded rate and one variance clock, so the calibrator's implied vols, the risk actor's greeks,
 * the strategy's deltas and realised vol, and the simulator's prices all mean the same thing. Plain data (structured-
 * clone safe): actors receive it in their settings and build the clock with `varianceClock(settings.variance)`.
 */
import { DEFAULT_VARIANCE_WEIGHTS, varianceWeightIssues, type VarianceWeights } from './variance-clock.ts';

export interface MarketSettings {
  /** Continuously compounded risk-free rate for discounting and carry. */
  readonly rate: number;
  readonly variance: VarianceWeights;
}

/**
 * RBI repo 5.25 % (cut on 5 Dec 2025, held at the Feb 2026 policy); short MIBOR and 91-day T-bills trade near it. A
 * 1 % error in r moves a weekly's discounting by about 0.02 %.
 */
export const DEFAULT_RATE = 0.0525;

export const DEFAULT_MARKET_SETTINGS: MarketSettings = { rate: DEFAULT_RATE, variance: DEFAULT_VARIANCE_WEIGHTS };

/** The parsed variables (runtime/system-env.ts MARKET_KEYS), as an actor's config section carries them. */
export interface MarketEnvValues {
  readonly RISK_FREE_RATE: number;
  readonly MARKET_VARIANCE_OVERNIGHT: number;
  readonly MARKET_VARIANCE_WEEKEND_DAY: number;
  readonly MARKET_VARIANCE_HOLIDAY: number;
  readonly MARKET_VARIANCE_TRADING_DAYS: number;
}

/** The settings every actor receives, from the parsed variables (bounds were checked by the config schema). */
export function marketSettingsFromEnv(v: MarketEnvValues): MarketSettings {
  const variance: VarianceWeights = {
    overnight: v.MARKET_VARIANCE_OVERNIGHT,
    weekendDay: v.MARKET_VARIANCE_WEEKEND_DAY,
    holiday: v.MARKET_VARIANCE_HOLIDAY,
    tradingDaysPerYear: v.MARKET_VARIANCE_TRADING_DAYS,
  };
  const issues = varianceWeightIssues(variance);
  if (issues.length > 0) throw new RangeError(`expected valid MARKET_VARIANCE_* weights, was: ${issues.join('; ')}`);
  return { rate: v.RISK_FREE_RATE, variance };
}
