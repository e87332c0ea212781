/**
 * @module The risk actor's settings: plain data (structured-clone safe) built from its config section.
 */
import type { Bucket } from '../domain/bucket.ts';
import type { RiskSection } from './config.ts';
import { DEFAULT_MARGIN_PARAMS, type MarginParams } from '../domain/margin.ts';
import { marketSettingsFromEnv, type MarketSettings } from '../domain/market-settings.ts';

export interface RiskSettings {
  readonly baseCapital: number;
  readonly maxNetDelta: number;
  readonly maxVega: number;
  readonly maxGamma: number;
  readonly maxTheta: number;
  /** The tighter of MAX_DAILY_LOSS and DAILY_LOSS_LIMIT_PCT × BASE_CAPITAL, ₹. */
  readonly maxDailyLoss: number;
  readonly scenarioLossLimit: number;
  readonly softRatio: number;
  readonly emergencyRatio: number;
  readonly buckets: Readonly<Record<Bucket, number>>;
  readonly maxCapitalAtRiskPct: number;
  readonly maxMarginPct: number;
  readonly surfaceMaxAgeMs: number;
  readonly expiryDayMove: number;
  readonly margin: MarginParams;
  /** The trading day closes this long after the session close, market ms (RISK_DAY_CLOSE_DELAY_MIN). */
  readonly dayCloseDelayMs: number;
  /** The one rate and variance clock (RISK_FREE_RATE, MARKET_VARIANCE_*). */
  readonly market: MarketSettings;
}

export function riskSettings(cfg: RiskSection): RiskSettings {
  const pct = cfg.DAILY_LOSS_LIMIT_PCT;
  const fractions = { weekly: cfg.RISK_BUCKET_WEEKLY, monthly: cfg.RISK_BUCKET_MONTHLY, intraday: cfg.RISK_BUCKET_INTRADAY };
  const sum = fractions.weekly + fractions.monthly + fractions.intraday;
  if (sum > 1 + 1e-9) {
    throw new RangeError(`expected RISK_BUCKET_WEEKLY + RISK_BUCKET_MONTHLY + RISK_BUCKET_INTRADAY <= 1, was ${sum}`);
  }
  return {
    baseCapital: cfg.BASE_CAPITAL,
    maxNetDelta: cfg.MAX_NET_DELTA,
    maxVega: cfg.MAX_VEGA,
    maxGamma: cfg.RISK_MAX_GAMMA,
    maxTheta: cfg.RISK_MAX_THETA,
    maxDailyLoss: pct === undefined ? cfg.MAX_DAILY_LOSS : Math.min(cfg.MAX_DAILY_LOSS, pct * cfg.BASE_CAPITAL),
    scenarioLossLimit: cfg.RISK_SCENARIO_LOSS_LIMIT,
    softRatio: cfg.RISK_SOFT_RATIO,
    emergencyRatio: cfg.RISK_EMERGENCY_RATIO,
    buckets: fractions,
    maxCapitalAtRiskPct: cfg.RISK_MAX_CAPITAL_AT_RISK_PCT,
    maxMarginPct: cfg.RISK_MAX_MARGIN_PCT,
    surfaceMaxAgeMs: cfg.RISK_SURFACE_MAX_AGE_MS,
    expiryDayMove: cfg.RISK_EXPIRY_DAY_MOVE,
    margin: DEFAULT_MARGIN_PARAMS,
    dayCloseDelayMs: cfg.RISK_DAY_CLOSE_DELAY_MIN * 60_000,
    market: marketSettingsFromEnv(cfg),
  };
}
