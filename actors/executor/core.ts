/**
 * @module The executor's pure decisions share this configuration: timers (market time, DESIGN §8), the re-price
 * interval, attempts, approval drift. The decisions themselves live one concern per file, each pure (no clock — time
 * is an argument — no I/O) with its own tests; `engine.ts` carries them out, journaling every event before acting:
 *
 * | file | decides |
 * |---|---|
 * | `gate.ts` | what a saga's orders ask of the kill switch (`permits(state, action)`), the phase in force |
 * | `saga.ts` | a saga's next step: place, cancel, wait, finish (BUYs first, compensation, re-pricing) |
 * | `saga-decide.ts` | a step as journaled events and commands (gate, risk re-check, denials) |
 * | `recon.ts` | reconciliation: orders by tag, positions against the broker |
 * | `flatten.ts` | a flatten round: what to cancel, place, or wait for |
 * | `exits.ts` | closes never open; adopted (zombie/orphan) positions exited exit-only |
 * | `orphans.ts` | positions nobody manages (adopted, escalated) |
 * | `structure-check.ts` | structures opening/closing with no saga working for them (repaired) |
 * | `naked.ts` | naked-leg timers |
 * | `approvals.ts` | SEMI_AUTO approvals: market reference, drift, expiry |
 * | `shadow.ts` | SHADOW fills |
 * | `pricing.ts`, `quote-index.ts` | marketable limits; where a key's quote sits in a snapshot |
 */
import type { Product } from '../domain/order.ts';

export interface CoreConfig {
  readonly orderFillTimeoutMs: number;
  readonly reconGraceMs: number;
  readonly nakedLegTimeoutMs: number;
  readonly protectionTicks: number;
  readonly maxCompensationAttempts: number;
  readonly approvalMaxSpotMovePct: number;
  readonly approvalMaxIvMovePts: number;
  readonly approvalMaxMidMovePct: number;
  /**
   * Market ms a working exit or compensation order may rest unfilled before it is cancelled and re-placed one step more
   * aggressive (touch + `protectionTicks` × attempt). Default: ORDER_FILL_TIMEOUT_MS, at most NAKED_LEG_TIMEOUT_MS
   * spread over the attempts (so every re-priced attempt gets its turn before a naked short escalates).
   */
  readonly repriceMs?: number;
  /**
   * Entry re-pricing (a chase with a limit): an entry order resting unfilled for `entryRepriceMs` (market ms) is
   * cancelled and its rest re-placed at the current touch + `protectionTicks` × attempt — at most `entryRepriceAttempts`
   * times per leg, and never more than `entryMaxSlippagePct` % (at least two ticks) worse than the leg's first price,
   * so the structure's credit cannot drift away. It is re-priced only when the new price is a step more aggressive
   * than the one resting. ORDER_FILL_TIMEOUT_MS still runs from the leg's first order: past it the saga compensates.
   * Without it (0 attempts) an entry rests at its first price until the timeout, and a hedge the touch moved away from
   * turns the whole saga into a compensation that pays the spread twice.
   */
  readonly entryRepriceAttempts?: number;
  readonly entryRepriceMs?: number;
  readonly entryMaxSlippagePct?: number;
  /** The broker product of VolGuard's own entries (UPSTOX_PRODUCT; default `D`). Exits, compensations and the flatten
   *  use the product of the position they close. */
  readonly product?: Product;
  /** MARKET is the last resort (no quote to price a marketable limit from); it goes out with this protection band, %
   *  (Upstox `market_protection`; exchanges refuse algo MARKET orders without one). Default 5. */
  readonly marketProtectionPct?: number;
  /** Whether the exchange is in session at a market instant (default: the NSE calendar). */
  readonly isMarketOpen?: (nowMs: number) => boolean;
}

/** The re-price interval in market ms (see `CoreConfig.repriceMs`). */
export function repriceAfterMs(cfg: CoreConfig): number {
  return cfg.repriceMs ?? Math.min(cfg.orderFillTimeoutMs, Math.floor(cfg.nakedLegTimeoutMs / (cfg.maxCompensationAttempts + 1)));
}

/** Throws a RangeError naming the first bad timing field (the engine checks its config once, at construction). */
export function checkCoreConfig(cfg: CoreConfig): void {
  for (const k of ['orderFillTimeoutMs', 'reconGraceMs', 'nakedLegTimeoutMs'] as const) {
    if (!(Number.isFinite(cfg[k]) && cfg[k] >= 0)) throw new RangeError(`expected ${k} a non-negative number of market ms, was ${String(cfg[k])}`);
  }
  if (cfg.repriceMs !== undefined && !(Number.isFinite(cfg.repriceMs) && cfg.repriceMs >= 0)) {
    throw new RangeError(`expected repriceMs a non-negative number of market ms, was ${String(cfg.repriceMs)}`);
  }
  if (cfg.entryRepriceAttempts !== undefined && !(Number.isInteger(cfg.entryRepriceAttempts) && cfg.entryRepriceAttempts >= 0)) {
    throw new RangeError(`expected entryRepriceAttempts a non-negative integer, was ${String(cfg.entryRepriceAttempts)}`);
  }
  if (cfg.entryRepriceMs !== undefined && !(Number.isFinite(cfg.entryRepriceMs) && cfg.entryRepriceMs > 0)) {
    throw new RangeError(`expected entryRepriceMs a positive number of market ms, was ${String(cfg.entryRepriceMs)}`);
  }
  if (cfg.entryMaxSlippagePct !== undefined && !(Number.isFinite(cfg.entryMaxSlippagePct) && cfg.entryMaxSlippagePct >= 0)) {
    throw new RangeError(`expected entryMaxSlippagePct a non-negative percentage, was ${String(cfg.entryMaxSlippagePct)}`);
  }
  if (!(Number.isInteger(cfg.maxCompensationAttempts) && cfg.maxCompensationAttempts >= 1)) {
    throw new RangeError(`expected maxCompensationAttempts a positive integer, was ${String(cfg.maxCompensationAttempts)}`);
  }
}

/** A market-time span as the journal says it: "30000 ms". */
export function msText(marketMs: number): string {
  return `${Math.round(marketMs)} ms`;
}
