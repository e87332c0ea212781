/**
 * @module Readiness, pure: can the system trade now? `/health` answers liveness (actors up, cycles fresh); readiness
 * adds what stops trading while everything is alive — a latched kill switch, data too poor for the configured phase,
 * a stopped loop — each as a reason an operator can act on.
 */
import type { Phase } from '../actors/domain/phase.ts';
import type { TradingState } from '../actors/domain/trading-state.ts';

/** What readiness needs to know beyond liveness (the runtime reads it from the last cycle and the latest transition). */
export interface ReadinessFacts {
  /** null before the kill switch has reported (no cycle yet). */
  readonly killswitch: { readonly state: TradingState; readonly cause: string | null } | null;
  /** The last snapshot's data-quality score in [0, 1]; null before the first. */
  readonly dataQuality: number | null;
  readonly phase: { readonly configured: Phase; readonly effective: Phase };
}

export interface ReadinessInput extends ReadinessFacts {
  readonly liveness: { readonly ok: boolean; readonly reasons: readonly string[] };
  readonly loop: 'running' | 'stopped';
  /** KS_FULL_AUTO_QUALITY (FULL_AUTO needs quality strictly above) and KS_SHADOW_QUALITY (below it nothing trades). */
  readonly thresholds: { readonly fullAuto: number; readonly shadow: number };
}

/** What liveness reads: the actors' states and the loop's last turn, all on the wall clock. */
export interface LivenessInput {
  readonly actors: ReadonlyArray<{ readonly name: string; readonly status: string }>;
  /** Wall ms when the last cycle ended; null before the first. */
  readonly lastCompletedAt: number | null;
  /** Wall ms until which no cycle is due by design (a replay waiting for its next instant; +∞ once it is over). */
  readonly quietUntil: number | null;
  readonly lastError: string | null;
  readonly now: number;
  /** How long without a cycle, beyond any quiet time, is stale. */
  readonly freshMs: number;
}

/** Alive: every actor running, the last cycle recent (or none due yet by design) and not failed. */
export function liveness(i: LivenessInput): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  for (const a of i.actors) if (a.status !== 'running') reasons.push(`actor ${a.name} is ${a.status}`);
  if (i.lastCompletedAt === null) reasons.push('no cycle has completed yet');
  else if (i.now - Math.max(i.lastCompletedAt, i.quietUntil ?? 0) > i.freshMs) {
    reasons.push(`last cycle is stale (${Math.round(i.now - i.lastCompletedAt)} ms old)`);
  }
  if (i.lastError) reasons.push(`last cycle failed: ${i.lastError}`);
  return { ok: reasons.length === 0, reasons };
}

const NOT_TRADING: ReadonlySet<TradingState> = new Set(['HALTED', 'EMERGENCY', 'SHUTDOWN']);

export function readiness(i: ReadinessInput): { ok: boolean; reasons: string[] } {
  const reasons = [...i.liveness.reasons];
  if (i.loop === 'stopped') reasons.push('the trading loop is stopped (POST /api/start)');
  if (i.killswitch === null) reasons.push('kill switch state unknown (no cycle yet)');
  else if (NOT_TRADING.has(i.killswitch.state)) {
    reasons.push(`kill switch ${i.killswitch.state}${i.killswitch.cause === null ? '' : `: ${i.killswitch.cause}`}${i.killswitch.state === 'HALTED' ? ' (POST /api/v1/killswitch/reset once the cause is cleared)' : ''}`);
  }
  const q = i.dataQuality;
  if (q === null) reasons.push('no market snapshot yet');
  else if (q < i.thresholds.shadow) reasons.push(`data quality ${q.toFixed(2)} below the SHADOW threshold ${i.thresholds.shadow} (KS_SHADOW_QUALITY): nothing trades`);
  else if (i.phase.configured === 'FULL_AUTO' && !(q > i.thresholds.fullAuto)) {
    reasons.push(`data quality ${q.toFixed(2)} not above the FULL_AUTO threshold ${i.thresholds.fullAuto} (KS_FULL_AUTO_QUALITY): FULL_AUTO is capped at ${i.phase.effective}`);
  }
  return { ok: reasons.length === 0, reasons };
}
