/**
 * @module Environment variables owned by the executor actor (merged into the one boot-time schema in runtime/main/config.ts).
 */
import type { EnvShape, EnvValues } from '../../runtime/config-kit.ts';
import { envNumber, keysOf, pickSection } from '../../runtime/config-kit.ts';
import { GOVERNANCE_KEYS, MARKET_KEYS, type SystemValues } from '../../runtime/system-env.ts';
import { simEnv } from '../venues/sim/config.ts';
import { upstoxEnv } from '../venues/upstox/config.ts';

export const executorEnv = {
  /** SEMI_AUTO approvals are invalidated when spot moves more than this fraction since proposed. */
  APPROVAL_MAX_SPOT_MOVE_PCT: envNumber({ min: 0, max: 1 }).default(0.005),
  /** …or a leg's IV moves more than this many vol points. */
  APPROVAL_MAX_IV_MOVE_PTS: envNumber({ min: 0, max: 100 }).default(2),
  /** …or a leg's mid moves more than this fraction. */
  APPROVAL_MAX_MID_MOVE_PCT: envNumber({ min: 0, max: 10 }).default(0.15),
  /** Seconds (market clock) a FULL_AUTO request on live waits for its separate approval before it lapses. */
  PHASE_REQUEST_TTL: envNumber({ min: 1, max: 30 * 86_400 }).default(3600),
  /** A short leg without its hedge for longer than this → killswitch EMERGENCY. */
  NAKED_LEG_TIMEOUT_MS: envNumber({ int: true, min: 0 }).default(10_000),
  /** An entry order still working after this is cancelled and the saga compensates. */
  ORDER_FILL_TIMEOUT_MS: envNumber({ int: true, min: 0 }).default(30_000),
  /**
   * Entry re-pricing: an entry resting unfilled this long (market ms) is cancelled and its rest re-placed at the
   * current touch + EXEC_PROTECTION_TICKS × attempt, at most ENTRY_REPRICE_ATTEMPTS times per leg (0: never), never more
   * than ENTRY_MAX_SLIPPAGE_PCT % (at least two ticks) worse than the leg's first price. ORDER_FILL_TIMEOUT_MS still runs
   * from the leg's first order. Default: attempts at 10 s and 20 s of a 30 s timeout — a hedge the touch moved away from
   * is chased a little instead of unwinding the whole saga and paying the spread twice.
   */
  ENTRY_REPRICE_MS: envNumber({ int: true, min: 1 }).default(10_000),
  ENTRY_REPRICE_ATTEMPTS: envNumber({ int: true, min: 0, max: 10 }).default(2),
  ENTRY_MAX_SLIPPAGE_PCT: envNumber({ min: 0, max: 50 }).default(5),
  /** An order sent (or UNKNOWN) and not in the broker's book after this is proven never placed. */
  RECON_GRACE_MS: envNumber({ int: true, min: 0 }).default(15_000),
  /** Minimum ms between broker reconciliations while nothing is in flight (default: every cycle on paper, 10 s live). */
  RECON_INTERVAL_MS: envNumber({ int: true, min: 0 }).optional(),
  /** Aggressive-limit pricing: ticks beyond the touch, widened per retry. */
  EXEC_PROTECTION_TICKS: envNumber({ int: true, min: 0 }).default(4),
  /** No MARKET orders: every order is a marketable limit from the quote. Only without a quote (the last resort) does one
   *  go out as MARKET, with this protection band (% around the last price; Upstox `market_protection`, 0–25). */
  EXEC_MARKET_PROTECTION_PCT: envNumber({ min: 0, max: 25 }).default(5),
  /**
   * Minutes (market clock) after an expiry's close that a position still waiting for its settlement (the price not
   * published yet, or the broker not having booked it) is reported to the operator as overdue (kill switch alert,
   * DEGRADED until booked). Upstox books index-option expiries overnight, before the next session: 18 h after a
   * 15:30 close is 09:30 the next day, so a settlement still missing once the next session is open is escalated.
   */
  SETTLEMENT_OVERDUE_MIN: envNumber({ int: true, min: 1, max: 7 * 24 * 60 }).default(1080),
  FLATTEN_MAX_ATTEMPTS: envNumber({ int: true, min: 1 }).default(6),
  FLATTEN_RETRY_MS: envNumber({ int: true, min: 0 }).default(500),
} satisfies EnvShape;

/**
 * The system-wide variables the executor reads besides its own: the market conventions (the paper exchange's sim
 * copy) and the FULL_AUTO rule (a request for FULL_AUTO is answered with its checks).
 */
const EXECUTOR_SYSTEM_KEYS = ['SAFETY_MODE', 'FEED', 'PHASE', 'APPROVAL_TTL', 'DATA_DIR', 'BASE_CAPITAL', ...MARKET_KEYS, ...GOVERNANCE_KEYS] as const;

/**
 * Everything the executor's spec reads: its own variables, the system-wide ones above, the sim venue's (the paper
 * exchange's own SimMarket copy) — and the Upstox venue's (credentials included) only when SAFETY_MODE=live, the one
 * case in which the executor runs that venue; on paper with FEED=upstox, its hosts only (UPSTOX_HOST_KEYS).
 */
export type ExecutorSection = EnvValues<typeof executorEnv> & EnvValues<typeof simEnv> &
  Pick<SystemValues, (typeof EXECUTOR_SYSTEM_KEYS)[number]> & Partial<EnvValues<typeof upstoxEnv>>;

/**
 * The Upstox hosts without a credential: what a paper executor on the Upstox feed reads the final settlement prices
 * from (the index's day candles, served without a token: brokers.ts, venues/upstox/settlement.ts).
 */
const UPSTOX_HOST_KEYS = ['UPSTOX_BASE_URL', 'UPSTOX_ENV', 'UPSTOX_TIMEOUT_MS', 'UPSTOX_PREFER_IPV4'] as const;

/** Cuts the executor's section out of the boot config (the wiring does this; nothing else reaches the actor). */
export function executorSection(cfg: ExecutorSection): ExecutorSection {
  const upstox = cfg.SAFETY_MODE === 'live' ? keysOf(upstoxEnv) : cfg.FEED === 'upstox' ? [...UPSTOX_HOST_KEYS] : [];
  // The product of VolGuard's own orders applies on paper too (paper rehearses live).
  return pickSection(cfg, [...keysOf(executorEnv), ...keysOf(simEnv), ...EXECUTOR_SYSTEM_KEYS, ...upstox, ...(cfg.SAFETY_MODE === 'live' ? [] : ['UPSTOX_PRODUCT' as const])]);
}
