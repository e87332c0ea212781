/**
 * @module The risk actor's settings: plain data (structured-clone safe) built from its config section.
 *
 * Default limits are fractions of BASE_CAPITAL (`DEFAULT_LIMIT_PCT`), chosen against what the default buckets hold.
 * Measured on the simulated market (NIFTY ≈ 26,500, ATM IV ≈ 12 %, weekly 6 days and monthly 27 days to expiry), one
 * lot of each default structure carries:
 *
 *   structure (1 lot)                             vega ₹/vol pt   gamma ₹/1 %²   theta ₹/day   max loss ₹
 *   weekly NIFTY iron condor (16 Δ / 5 Δ)               660           1,500          600        17–23 k
 *   intraday NIFTY strangle with wings (25 Δ / 5 Δ)     870           2,150          900        22–33 k
 *   monthly NIFTY iron condor                         1,360             740          300        35–46 k
 *   monthly BANKNIFTY iron condor                     1,370             ≈800         ≈300       42–52 k
 *   book (weekly + the larger monthly + intraday)     2,900           4,450        1,800        ≈ 75–110 k
 *
 * At ₹10 lakh the defaults below put that book under every soft level (hard × RISK_SOFT_RATIO 0.8):
 * - vega total 0.4 % → ₹4,000 hard, ₹3,200 soft ≥ 2,900. Why 0.4 %: a +5 vol-point spike (an event-day IV jump)
 *   costs at most 2 % of capital. Per expiry 0.25 % → ₹2,500 / ₹2,000 soft ≥ 1,530, the NIFTY weekly expiry that
 *   the weekly condor and the intraday strangle share. (MAX_VEGA=1000, the old default, let no monthly condor in.)
 * - gamma total 0.75 % → ₹7,500 / ₹6,000 soft ≥ 4,450: the convexity loss of a 2 % move (4 × gamma) stays within
 *   3 % of capital. Per expiry 0.6 % → ₹6,000 / ₹4,800 soft ≥ 3,670 (the weekly expiry; near expiry the headroom
 *   shrinks on purpose: entries then are sized down or refused).
 * - delta (MAX_NET_DELTA 1.5, per underlying the same) → ₹15,000 per 1 % move hard. A 1 % move changes a book's
 *   delta by Γ·(1 % of S)² = 2 × its gamma in ₹ per 1 %, so a delta-flat book at the full gamma limit (₹7,500) lands
 *   exactly on the hard delta limit after 1 %; the default book (4,450) lands at ≈ ₹8,900 per 1 %, under the soft
 *   level (₹12,000). The old 0.40 (₹4,000) was reached by a 1-lot weekly condor after a ~1.6 % move.
 * - theta 0.5 % → ₹5,000 / ₹4,000 soft ≥ 1,800 per day.
 * - stress 12 % → ₹1.2 lakh: the worst cell of a defined-risk book is about the sum of its max losses on one side
 *   (≈ 75–110 k for the book above); a naked 1-lot NIFTY strangle loses ≈ ₹1.3 lakh in a 10 % gap with +10 vol
 *   points, so it is refused.
 */
import type { Bucket } from '../domain/bucket.ts';
import type { Underlying } from '../domain/underlying.ts';
import { DEFAULT_MARGIN_PARAMS, type MarginParams } from '../domain/margin.ts';
import { marketSettingsFromEnv, type MarketSettings } from '../domain/market-settings.ts';
import type { RiskSection } from './config.ts';

/** Default hard levels as fractions of BASE_CAPITAL (₹ units per the limit: per 1 %, per 1 %², per vol point, per day). */
export const DEFAULT_LIMIT_PCT = {
  vegaTotal: 0.004,
  vegaExpiry: 0.0025,
  gammaTotal: 0.0075,
  gammaExpiry: 0.006,
  thetaTotal: 0.005,
} as const;

/** Hard levels, ₹; soft = hard × softRatio. */
export interface RiskLimits {
  /** Beta-weighted net delta, ₹ per 1 % NIFTY move. */
  readonly deltaTotal: number;
  /** Each underlying's own delta, ₹ per 1 % move of that underlying. */
  readonly deltaUnderlying: number;
  /** Beta²-weighted gamma, ₹ per 1 %² (½·Γ·(1 % of S)²). */
  readonly gammaTotal: number;
  readonly gammaExpiry: number;
  /** ₹ per vol point. */
  readonly vegaTotal: number;
  readonly vegaExpiry: number;
  /** ₹ per calendar day. */
  readonly thetaTotal: number;
  /** Worst stress loss, ₹. */
  readonly stress: number;
}

/** Day mark-to-market stops; 0 switches a level off. */
export interface StopSettings {
  /** Fractions of BASE_CAPITAL. */
  readonly accountStopPct: number;
  readonly accountTrailArmPct: number;
  readonly accountTrailGiveback: number;
  /** Fractions of each bucket's capital. */
  readonly bucketStopPct: number;
  readonly bucketTrailArmPct: number;
  readonly bucketTrailGiveback: number;
}

export interface RiskSettings {
  readonly baseCapital: number;
  /** Beta to NIFTY per underlying (NIFTY = 1). */
  readonly betas: Readonly<Record<Underlying, number>>;
  readonly limits: RiskLimits;
  /** The tighter of MAX_DAILY_LOSS and DAILY_LOSS_LIMIT_PCT × BASE_CAPITAL, ₹. */
  readonly maxDailyLoss: number;
  readonly softRatio: number;
  readonly emergencyRatio: number;
  readonly buckets: Readonly<Record<Bucket, number>>;
  readonly maxCapitalAtRiskPct: number;
  readonly maxMarginPct: number;
  readonly surfaceMaxAgeMs: number;
  readonly expiryDayMove: number;
  readonly stops: StopSettings;
  readonly margin: MarginParams;
  /** The trading day closes this long after the session close, market ms (RISK_DAY_CLOSE_DELAY_MIN). */
  readonly dayCloseDelayMs: number;
  /** The one rate and variance clock (RISK_FREE_RATE, MARKET_VARIANCE_*). */
  readonly market: MarketSettings;
}

export function riskLimits(cfg: RiskSection): RiskLimits {
  const c = cfg.BASE_CAPITAL;
  const vegaTotal = cfg.MAX_VEGA ?? DEFAULT_LIMIT_PCT.vegaTotal * c;
  const gammaTotal = cfg.RISK_MAX_GAMMA ?? DEFAULT_LIMIT_PCT.gammaTotal * c;
  const stressPct = cfg.RISK_STRESS_LOSS_PCT * c;
  return {
    deltaTotal: (cfg.MAX_NET_DELTA * c) / 100,
    deltaUnderlying: ((cfg.RISK_MAX_DELTA_UNDERLYING ?? cfg.MAX_NET_DELTA) * c) / 100,
    gammaTotal,
    gammaExpiry: cfg.RISK_MAX_GAMMA_EXPIRY ?? Math.min(gammaTotal, DEFAULT_LIMIT_PCT.gammaExpiry * c),
    vegaTotal,
    vegaExpiry: cfg.RISK_MAX_VEGA_EXPIRY ?? Math.min(vegaTotal, DEFAULT_LIMIT_PCT.vegaExpiry * c),
    thetaTotal: cfg.RISK_MAX_THETA ?? DEFAULT_LIMIT_PCT.thetaTotal * c,
    stress: cfg.RISK_SCENARIO_LOSS_LIMIT === undefined ? stressPct : Math.min(cfg.RISK_SCENARIO_LOSS_LIMIT, stressPct),
  };
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
    betas: { NIFTY: 1, BANKNIFTY: cfg.RISK_BETA_BANKNIFTY },
    limits: riskLimits(cfg),
    maxDailyLoss: pct === undefined ? cfg.MAX_DAILY_LOSS : Math.min(cfg.MAX_DAILY_LOSS, pct * cfg.BASE_CAPITAL),
    softRatio: cfg.RISK_SOFT_RATIO,
    emergencyRatio: cfg.RISK_EMERGENCY_RATIO,
    buckets: fractions,
    maxCapitalAtRiskPct: cfg.RISK_MAX_CAPITAL_AT_RISK_PCT,
    maxMarginPct: cfg.RISK_MAX_MARGIN_PCT,
    surfaceMaxAgeMs: cfg.RISK_SURFACE_MAX_AGE_MS,
    expiryDayMove: cfg.RISK_EXPIRY_DAY_MOVE,
    stops: {
      accountStopPct: cfg.RISK_ACCOUNT_MTM_STOP_PCT,
      accountTrailArmPct: cfg.RISK_ACCOUNT_TRAIL_ARM_PCT,
      accountTrailGiveback: cfg.RISK_ACCOUNT_TRAIL_GIVEBACK,
      bucketStopPct: cfg.RISK_BUCKET_MTM_STOP_PCT,
      bucketTrailArmPct: cfg.RISK_BUCKET_TRAIL_ARM_PCT,
      bucketTrailGiveback: cfg.RISK_BUCKET_TRAIL_GIVEBACK,
    },
    margin: DEFAULT_MARGIN_PARAMS,
    dayCloseDelayMs: cfg.RISK_DAY_CLOSE_DELAY_MIN * 60_000,
    market: marketSettingsFromEnv(cfg),
  };
}
