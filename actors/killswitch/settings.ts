/**
 * @module The kill switch's settings: plain data built from its config section.
 */
import type { KillSwitchSection } from './config.ts';
import { governanceRulesFromEnv, venueOf, type GovernanceRules, type Venue } from '../domain/phase-governance.ts';

export interface KillSwitchSettings {
  readonly healthyCycles: number;
  readonly degradeQuality: number;
  /** FULL_AUTO needs data quality above this (the higher of KS_FULL_AUTO_QUALITY and FULL_AUTO_MIN_QUALITY). */
  readonly fullAutoQuality: number;
  readonly shadowQuality: number;
  readonly phaseHealthyCycles: number;
  readonly fallbackStreak: number;
  readonly restartHaltCount: number;
  readonly restartWindowMs: number;
  readonly brokerErrorHaltCount: number;
  readonly brokerErrorWindowMs: number;
  readonly flattenTimeoutMs: number;
  /** Median gap (vol pts) between our IVs and the broker's on liquid strikes that degrades; and the strikes it needs. */
  readonly brokerIvGapVolPts?: number;
  readonly brokerIvMinStrikes?: number;
  /** Retries of a failed EMERGENCY flatten while EMERGENCY holds (default 5). */
  readonly flattenRetries?: number;
  /** Wall ms before the first retry; doubles per retry, at most `FLATTEN_RETRY_MAX_MS` (default 5000). */
  readonly flattenRetryMs?: number;
  readonly historyLimit: number;
  /** The FULL_AUTO rule (history and governance; actors/domain/phase-governance.ts) on the venue in use. */
  readonly fullAuto: { readonly venue: Venue; readonly rules: GovernanceRules };
  /**
   * Market ms a hard greek or stress breach may last while it is being reduced before the kill switch HALTs
   * (KS_HARD_BREACH_GRACE_S); 0 or absent: HALT at once.
   */
  readonly hardBreachGraceMs?: number;
}

/** A failed EMERGENCY flatten is retried this many times (per start; a restart resumes the flatten and counts afresh). */
export const FLATTEN_RETRIES = 5;
/** The first retry's delay, wall ms: 5 s, 10 s, 20 s, 40 s, 60 s (the executor's own flatten already waits out RECON_GRACE_MS). */
export const FLATTEN_RETRY_MS = 5_000;
export const FLATTEN_RETRY_MAX_MS = 60_000;

export function killswitchSettings(cfg: KillSwitchSection): KillSwitchSettings {
  if (cfg.KS_SHADOW_QUALITY > cfg.KS_FULL_AUTO_QUALITY) {
    throw new RangeError(`expected KS_SHADOW_QUALITY <= KS_FULL_AUTO_QUALITY, was ${cfg.KS_SHADOW_QUALITY} > ${cfg.KS_FULL_AUTO_QUALITY}`);
  }
  return {
    healthyCycles: cfg.KS_HEALTHY_CYCLES,
    degradeQuality: cfg.KS_DEGRADE_QUALITY,
    // Two variables say "FULL_AUTO needs quality above X" (the rule's and the gate's): the stricter holds.
    fullAutoQuality: Math.max(cfg.KS_FULL_AUTO_QUALITY, cfg.FULL_AUTO_MIN_QUALITY),
    shadowQuality: cfg.KS_SHADOW_QUALITY,
    phaseHealthyCycles: cfg.KS_PHASE_HEALTHY_CYCLES,
    fallbackStreak: cfg.KS_FALLBACK_STREAK,
    restartHaltCount: cfg.KS_RESTART_HALT_COUNT,
    restartWindowMs: cfg.KS_RESTART_WINDOW_MS,
    brokerErrorHaltCount: cfg.KS_BROKER_ERROR_HALT_COUNT,
    brokerErrorWindowMs: cfg.KS_BROKER_ERROR_WINDOW_MS,
    flattenTimeoutMs: cfg.KS_FLATTEN_TIMEOUT_MS,
    brokerIvGapVolPts: cfg.KS_BROKER_IV_GAP_VOL_PTS,
    brokerIvMinStrikes: cfg.KS_BROKER_IV_MIN_STRIKES,
    flattenRetries: FLATTEN_RETRIES,
    flattenRetryMs: FLATTEN_RETRY_MS,
    historyLimit: 50,
    fullAuto: { venue: venueOf(cfg.SAFETY_MODE === 'live'), rules: governanceRulesFromEnv(cfg) },
    hardBreachGraceMs: cfg.KS_HARD_BREACH_GRACE_S * 1000,
  };
}
