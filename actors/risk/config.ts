/**
 * @module Environment variables owned by the risk actor (merged into the one boot-time schema in runtime/main/config.ts).
 *
 * The system-wide limits (MAX_NET_DELTA, MAX_VEGA, MAX_DAILY_LOSS, DAILY_LOSS_LIMIT_PCT, BASE_CAPITAL) live in
 * runtime/main/config.ts; these add the rest. `riskSettings(cfg)` folds both into the plain object the actor gets.
 */
import type { EnvShape, EnvValues } from '../../runtime/config-kit.ts';
import { envNumber, keysOf, pickSection } from '../../runtime/config-kit.ts';
import { MARKET_KEYS, type SystemValues } from '../../runtime/system-env.ts';

export const riskEnv = {
  /** Gamma limit: |½·Γ·(1 % of spot)²| summed over underlyings, ₹ (the P&L convexity of a 1 % move). */
  RISK_MAX_GAMMA: envNumber({ min: 0 }).default(10_000),
  /** Theta limit: |θ| in ₹ per calendar day (caps how much short premium decays into the book). */
  RISK_MAX_THETA: envNumber({ min: 0 }).default(10_000),
  /** Worst stress-scenario loss allowed, ₹. */
  RISK_SCENARIO_LOSS_LIMIT: envNumber({ min: 0 }).default(60_000),
  /** Utilisation at which a limit is a soft breach (warn → DEGRADED); 1.0 is the hard breach (HALTED). */
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
  /** Spot move of the expiry-day gamma scenario, fraction. */
  RISK_EXPIRY_DAY_MOVE: envNumber({ min: 0, max: 0.2 }).default(0.01),
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
