/**
 * @module Environment variables owned by the killswitch actor (merged into the one boot-time schema in runtime/main/config.ts).
 */
import type { EnvShape, EnvValues } from '../../runtime/config-kit.ts';
import { envNumber, keysOf, pickSection } from '../../runtime/config-kit.ts';
import { GOVERNANCE_KEYS, type SystemValues } from '../../runtime/system-env.ts';

export const killswitchEnv = {
  /** Consecutive healthy cycles before DEGRADED returns to NORMAL (hysteresis). */
  KS_HEALTHY_CYCLES: envNumber({ int: true, min: 1, max: 1000 }).default(5),
  /** Data quality below this degrades the kill switch. */
  KS_DEGRADE_QUALITY: envNumber({ min: 0, max: 1 }).default(0.6),
  /** FULL_AUTO needs quality strictly above this (phase gate); below it the effective phase is SEMI_AUTO. */
  KS_FULL_AUTO_QUALITY: envNumber({ min: 0, max: 1 }).default(0.8),
  /** Below this the effective phase is SHADOW. */
  KS_SHADOW_QUALITY: envNumber({ min: 0, max: 1 }).default(0.5),
  /** Healthy cycles before the phase gate lifts a demotion. */
  KS_PHASE_HEALTHY_CYCLES: envNumber({ int: true, min: 1, max: 1000 }).default(10),
  /** Consecutive cycles with a calibration fallback before DEGRADED. */
  KS_FALLBACK_STREAK: envNumber({ int: true, min: 1, max: 1000 }).default(3),
  /** Actor restarts within the window that HALT trading (restart intensity). */
  KS_RESTART_HALT_COUNT: envNumber({ int: true, min: 1, max: 1000 }).default(3),
  KS_RESTART_WINDOW_MS: envNumber({ int: true, min: 1000 }).default(300_000),
  /** Broker errors within the window that HALT trading. */
  KS_BROKER_ERROR_HALT_COUNT: envNumber({ int: true, min: 1, max: 1000 }).default(5),
  KS_BROKER_ERROR_WINDOW_MS: envNumber({ int: true, min: 1000 }).default(60_000),
  /** Our IVs and the broker's on liquid strikes differ by more than this (median, vol points) → DEGRADED. */
  KS_BROKER_IV_GAP_VOL_PTS: envNumber({ min: 0.1, max: 100 }).default(5),
  /** …judged only over at least this many liquid strikes of an expiry. */
  KS_BROKER_IV_MIN_STRIKES: envNumber({ int: true, min: 1, max: 500 }).default(3),
  /** How long the executor gets to flatten in EMERGENCY before it counts as failed, ms. */
  KS_FLATTEN_TIMEOUT_MS: envNumber({ int: true, min: 1000 }).default(120_000),
  /**
   * A hard greek or stress-limit breach is first reduced (the strategy proposes closing or rolling the tested side;
   * SEMI_AUTO asks for approval, FULL_AUTO executes): the kill switch degrades and counts down this many seconds of
   * market time (journaled, kept across restarts), and HALTs only if the book is still beyond the limit then.
   * 300 s covers an approval (APPROVAL_TTL 120 s) and its fills. 0 = HALT at once (the earlier behaviour).
   */
  KS_HARD_BREACH_GRACE_S: envNumber({ min: 0, max: 86_400 }).default(300),
} satisfies EnvShape;

/**
 * Everything the kill switch's spec reads: its own variables, the configured PHASE, and for the FULL_AUTO rule it
 * applies to the phase in force (actors/domain/phase-governance.ts) its variables and SAFETY_MODE (the venue).
 */
export type KillSwitchSection = EnvValues<typeof killswitchEnv> & Pick<SystemValues, 'PHASE' | 'SAFETY_MODE' | (typeof GOVERNANCE_KEYS)[number]>;

/** Cuts the kill switch's section out of the boot config (the wiring does this; nothing else reaches the actor). */
export function killswitchSection(cfg: KillSwitchSection): KillSwitchSection {
  return pickSection(cfg, [...keysOf(killswitchEnv), 'PHASE', 'SAFETY_MODE', ...GOVERNANCE_KEYS]);
}
