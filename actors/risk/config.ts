/**
 * @module Environment variables owned by the risk actor (merged into the one boot-time schema in runtime/main/config.ts).
 *
 * The system-wide limits (MAX_NET_DELTA, MAX_VEGA, MAX_DAILY_LOSS, DAILY_LOSS_LIMIT_PCT, BASE_CAPITAL) live in
 * runtime/system-env.ts; these add the rest. `riskSettings(cfg)` folds both into the plain object the actor gets.
 *
 * Greek limits are hard levels in rupees a trader reads directly; the soft level is RISK_SOFT_RATIO × the hard one.
 * A variable left unset takes a default derived from BASE_CAPITAL (the fractions and the arithmetic behind them are in
 * settings.ts, `DEFAULT_LIMIT_PCT`, and in the README): at ₹10 lakh the default 1-lot book of every configured bucket
 * (weekly NIFTY condor + monthly condor + intraday strangle with wings) fits below the soft levels, and a 1 % move on
 * it reaches no hard level.
 */
import type { EnvShape, EnvValues } from '../../runtime/config-kit.ts';
import { envNumber, keysOf, pickSection } from '../../runtime/config-kit.ts';
import { MARKET_KEYS, type SystemValues } from '../../runtime/system-env.ts';

export const riskEnv = {
  /**
   * BANKNIFTY's beta to NIFTY for the beta-weighted total delta (NIFTY is the reference, β = 1): a 1 % NIFTY move is
   * taken as a β % BANKNIFTY move. 1.2 is the commonly quoted figure (correlation ≈ 0.85–0.9, BANKNIFTY's daily
   * volatility ≈ 1.3–1.4× NIFTY's); re-estimate it from your own data (β = ρ·σ_BANKNIFTY/σ_NIFTY).
   */
  RISK_BETA_BANKNIFTY: envNumber({ min: 0, max: 5 }).default(1.2),
  /** Per-underlying delta limit, notional / capital (₹ per 1 % move = this × BASE_CAPITAL / 100); unset = MAX_NET_DELTA. */
  RISK_MAX_DELTA_UNDERLYING: envNumber({ min: 0 }).optional(),
  /** Gamma limit on the beta²-weighted total, ₹ per 1 %² move (½·Γ·(1 % of spot)²); unset = 0.75 % of BASE_CAPITAL. */
  RISK_MAX_GAMMA: envNumber({ min: 0 }).optional(),
  /** Gamma limit per underlying and expiry, ₹ per 1 %² move; unset = 0.6 % of BASE_CAPITAL (never above RISK_MAX_GAMMA). */
  RISK_MAX_GAMMA_EXPIRY: envNumber({ min: 0 }).optional(),
  /** Vega limit per underlying and expiry, ₹ per vol point; unset = 0.25 % of BASE_CAPITAL (never above MAX_VEGA). */
  RISK_MAX_VEGA_EXPIRY: envNumber({ min: 0 }).optional(),
  /** Theta limit on |θ| of the book, ₹ per calendar day (caps the size of the short book); unset = 0.5 % of BASE_CAPITAL. */
  RISK_MAX_THETA: envNumber({ min: 0 }).optional(),
  /** Stress limit: the worst cell of the stress grid (gaps and pins included) as a fraction of BASE_CAPITAL. */
  RISK_STRESS_LOSS_PCT: envNumber({ min: 0, max: 1 }).default(0.12),
  /** Stress limit in ₹; with RISK_STRESS_LOSS_PCT the tighter applies (unset: the fraction alone). */
  RISK_SCENARIO_LOSS_LIMIT: envNumber({ min: 0 }).optional(),
  /** Utilisation at which a limit is a soft breach (no new risk → DEGRADED); 1.0 is the hard breach. */
  RISK_SOFT_RATIO: envNumber({ min: 0.1, max: 1 }).default(0.8),
  /** Daily loss at this multiple of its limit is catastrophic (EMERGENCY: flatten). */
  RISK_EMERGENCY_RATIO: envNumber({ min: 1 }).default(1.5),
  /** Capital bucket fractions of BASE_CAPITAL (sum ≤ 1); runtime-adjustable via risk.adjustCapital. */
  RISK_BUCKET_WEEKLY: envNumber({ min: 0, max: 1 }).default(0.5),
  RISK_BUCKET_MONTHLY: envNumber({ min: 0, max: 1 }).default(0.3),
  RISK_BUCKET_INTRADAY: envNumber({ min: 0, max: 1 }).default(0.2),
  /** Total capital at risk (Σ structure max loss) cap, fraction of BASE_CAPITAL. */
  RISK_MAX_CAPITAL_AT_RISK_PCT: envNumber({ min: 0, max: 1 }).default(0.15),
  /** Total margin cap, fraction of BASE_CAPITAL. */
  RISK_MAX_MARGIN_PCT: envNumber({ min: 0, max: 1 }).default(0.8),
  /** A surface older than this makes pre-trade answer STALE_SURFACE, ms of wall time (market age ÷ SIM_SPEED on the sim). */
  RISK_SURFACE_MAX_AGE_MS: envNumber({ int: true, min: 100 }).default(15_000),
  /** Spot move around the short strike in the expiry-day pin stress, fraction. */
  RISK_EXPIRY_DAY_MOVE: envNumber({ min: 0, max: 0.2 }).default(0.01),

  // Portfolio stops on the day's mark-to-market, net of charges (0 = off). See actors/risk/stops.ts.
  /** Account MTM stop-loss: the day's net P&L at or below −this × BASE_CAPITAL closes everything and blocks entries for the day. */
  RISK_ACCOUNT_MTM_STOP_PCT: envNumber({ min: 0, max: 1 }).default(0.015),
  /** Account trailing profit lock arms once the day's net P&L reaches this × BASE_CAPITAL. */
  RISK_ACCOUNT_TRAIL_ARM_PCT: envNumber({ min: 0, max: 1 }).default(0.01),
  /** Once armed, the lock fires when the day's net P&L gives back this fraction of its peak. */
  RISK_ACCOUNT_TRAIL_GIVEBACK: envNumber({ min: 0, max: 1 }).default(0.5),
  /** Bucket MTM stop-loss, fraction of the bucket's capital: closes the bucket's structures, no entries in it today. */
  RISK_BUCKET_MTM_STOP_PCT: envNumber({ min: 0, max: 1 }).default(0.03),
  /** Bucket trailing profit lock arms at this fraction of the bucket's capital. */
  RISK_BUCKET_TRAIL_ARM_PCT: envNumber({ min: 0, max: 1 }).default(0.02),
  /** Bucket lock fires when the bucket's day P&L gives back this fraction of its peak. */
  RISK_BUCKET_TRAIL_GIVEBACK: envNumber({ min: 0, max: 1 }).default(0.5),
  /**
   * Minutes after the session close (dated: 15:30 IST, 15:40 from 3 Aug 2026) at which risk closes the trading day and
   * journals its summary (money.dayClosed): late enough that an expiry settlement booked at the close is in the day.
   */
  RISK_DAY_CLOSE_DELAY_MIN: envNumber({ min: 0, max: 480 }).default(15),
} satisfies EnvShape;

/** The system-wide variables the risk actor reads besides its own (the market conventions for valuation too). */
const RISK_SYSTEM_KEYS = ['BASE_CAPITAL', 'MAX_DAILY_LOSS', 'DAILY_LOSS_LIMIT_PCT', 'MAX_NET_DELTA', 'MAX_VEGA', ...MARKET_KEYS] as const;

/** Everything the risk actor's spec reads: its own variables and the system-wide ones above. */
export type RiskSection = EnvValues<typeof riskEnv> & Pick<SystemValues, (typeof RISK_SYSTEM_KEYS)[number]>;

/** Cuts the risk actor's section out of the boot config (the wiring does this; nothing else reaches the actor). */
export function riskSection(cfg: RiskSection): RiskSection {
  return pickSection(cfg, [...keysOf(riskEnv), ...RISK_SYSTEM_KEYS]);
}
