/**
 * @module ExecutorSection → EngineConfig (the executor's env section plus the system-wide values it needs).
 *
 * `clockSpeed`: market ms per wall ms of the clock the actor runs on (`ctx.clockSpec.speed` when scaled, else 1). The
 * executor's timers (ORDER_FILL_TIMEOUT_MS, RECON_GRACE_MS, NAKED_LEG_TIMEOUT_MS, RECON_INTERVAL_MS, the re-price
 * interval, APPROVAL_TTL) are market time whatever SIM_SPEED is (DESIGN §8); the speed only sets the tick's wall
 * interval (tick.ts) and turns the flatten's market-time waits into wall sleeps.
 */
import type { ExecutorSection } from './config.ts';
import type { EngineConfig } from './engine.ts';

export function engineConfig(cfg: ExecutorSection, clockSpeed = 1): EngineConfig {
  if (!(Number.isFinite(clockSpeed) && clockSpeed > 0)) throw new RangeError(`expected a positive clock speed (market ms per wall ms), was ${clockSpeed}`);
  return {
    clockSpeed,
    orderFillTimeoutMs: cfg.ORDER_FILL_TIMEOUT_MS,
    entryRepriceMs: cfg.ENTRY_REPRICE_MS,
    entryRepriceAttempts: cfg.ENTRY_REPRICE_ATTEMPTS,
    entryMaxSlippagePct: cfg.ENTRY_MAX_SLIPPAGE_PCT,
    reconGraceMs: cfg.RECON_GRACE_MS,
    // Paper has no read limits: reconcile every cycle. Live: respect the broker's read budget.
    reconIntervalMs: cfg.RECON_INTERVAL_MS ?? (cfg.SAFETY_MODE === 'live' ? 10_000 : 0),
    nakedLegTimeoutMs: cfg.NAKED_LEG_TIMEOUT_MS,
    protectionTicks: cfg.EXEC_PROTECTION_TICKS,
    marketProtectionPct: cfg.EXEC_MARKET_PROTECTION_PCT,
    product: cfg.UPSTOX_PRODUCT ?? 'D',
    maxCompensationAttempts: 5,
    approvalMaxSpotMovePct: cfg.APPROVAL_MAX_SPOT_MOVE_PCT,
    approvalMaxIvMovePts: cfg.APPROVAL_MAX_IV_MOVE_PTS,
    approvalMaxMidMovePct: cfg.APPROVAL_MAX_MID_MOVE_PCT,
    approvalTtlMs: cfg.APPROVAL_TTL * 1000,
    live: cfg.SAFETY_MODE === 'live',
    fullAutoMinShadowDays: cfg.FULL_AUTO_MIN_SHADOW_DAYS,
    fullAutoMinSemiAutoDays: cfg.FULL_AUTO_MIN_SEMI_AUTO_DAYS,
    fullAutoMinQuality: cfg.FULL_AUTO_MIN_QUALITY,
    paperWaiveHistory: cfg.PAPER_WAIVE_PHASE_HISTORY,
    phaseRequestTtlMs: cfg.PHASE_REQUEST_TTL * 1000,
    flattenMaxAttempts: cfg.FLATTEN_MAX_ATTEMPTS,
    flattenRetryMs: cfg.FLATTEN_RETRY_MS,
    phase: cfg.PHASE,
    capital: cfg.BASE_CAPITAL,
    settlementOverdueMs: cfg.SETTLEMENT_OVERDUE_MIN * 60_000,
  };
}
