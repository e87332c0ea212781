/**
 * @module The kill switch's messages and its protocol map (`KillSwitchProtocol`, at the end).
 *
 * | request                | body               | reply                                      |
 * |------------------------|--------------------|--------------------------------------------|
 * | `killswitch.evaluate`  | EvaluateRequest    | KillSwitchStatus                           |
 * | `killswitch.status`    | `{}`               | KillSwitchStatus                           |
 * | `killswitch.reset`     | ResetRequest       | ResetAnswer (refusals are answers, not errors) |
 * | `killswitch.emergency` | EmergencyRequest   | EmergencyAnswer (after the flatten resolved)    |
 * | `killswitch.halt`      | `{reason, who}`    | KillSwitchStatus (manual HALTED)           |
 * Consumed events: `feed.stalled` {reason?, ageMs?} / `feed.recovered`, `sys.actorRestarted` {name, reason},
 * `sys.supervisorEscalated` {name, reason}, `broker.tokenExpired` / `broker.tokenRefreshed`, `broker.staticIpRefused`
 * {message, action, evidence} / `broker.staticIpCleared` {message}, `broker.failed` {message, code?}, `broker.slowed`
 * {latencyMs}, `journal.faulted` {kind?, message}, `journal.recovered`, `executor.nakedLegDetected` {structureId, ...}
 * (EMERGENCY).
 * Emitted: `killswitch.changed` (KillSwitchStatus — NautilusTrader's `TradingStateChanged`: `{state, effectivePhase,
 * permits}` and the rest of the status) to executor, strategy, risk and main on every transition or effective-phase
 * change; `killswitch.alertRaised` {reason, evidence, status} to main when a flatten fails.
 */
import { z } from 'zod';
import type { DataQuality } from '../domain/data-quality.ts';
import type { Phase } from '../domain/phase.ts';
import type { PhaseHistory } from '../domain/phase-governance.ts';
import type { Permits, TradingState } from '../domain/trading-state.ts';
import type { BodyParser } from '../../runtime/protocols.ts';
import type { RiskReport } from '../risk/messages.ts';

/** Why the state moved: a closed set. */
export type CauseCode =
  // → DEGRADED
  | 'DATA_QUALITY'
  | 'FEED_STALLED'
  | 'CALIBRATION_FALLBACK'
  | 'ACTOR_RESTART'
  | 'BROKER_SLOW'
  | 'BROKER_ERROR'
  | 'RISK_SOFT'
  /** A hard greek/stress breach being reduced: DEGRADED while the countdown runs, HALTED (RISK_HARD) when it runs out. */
  | 'RISK_HARD_GRACE'
  | 'UNVALUED_POSITIONS'
  | 'RISK_UNAVAILABLE'
  | 'BROKER_GREEKS_DIVERGENCE'
  | 'UNMANAGED_POSITIONS'
  /** Positions past their expiry's close whose settlement is still not booked after SETTLEMENT_OVERDUE_MIN. */
  | 'SETTLEMENT_OVERDUE'
  // → HALTED
  | 'DAILY_LOSS'
  | 'RISK_HARD'
  | 'RECON_MISMATCH'
  | 'RESTART_INTENSITY'
  | 'SUPERVISOR_ESCALATION'
  | 'BROKER_ERRORS'
  | 'TOKEN_EXPIRED'
  | 'STATIC_IP'
  | 'JOURNAL_FAULT'
  | 'MANUAL_HALT'
  | 'FLATTENED'
  // → EMERGENCY
  | 'MANUAL_EMERGENCY'
  | 'NAKED_LEG'
  | 'CATASTROPHIC_LOSS'
  // → SHUTDOWN
  | 'MANUAL_SHUTDOWN'
  // → NORMAL
  | 'RESET'
  | 'RECOVERED';

export type Evidence = Readonly<Record<string, number | string | boolean | null>>;

export interface Cause {
  readonly code: CauseCode;
  readonly message: string;
  readonly evidence: Evidence;
}

export interface Transition {
  readonly from: TradingState;
  readonly to: TradingState;
  readonly at: number;
  readonly cause: Cause;
  readonly cycleId?: string;
}

export interface CalibrationHealth {
  /** Expiries whose fit fell back to per-strike IVs this cycle. */
  readonly fallbacks: number;
  readonly expiries: number;
  /** The expiry where our IVs and the broker's differ most (median over liquid strikes), when the venue sends IVs. */
  readonly brokerIv?: BrokerIvHealth;
}

export interface BrokerIvHealth {
  readonly underlying: string;
  readonly expiry: string;
  readonly medianVolPts: number;
  readonly maxVolPts: number;
  readonly strike: number;
  readonly ours: number;
  readonly broker: number;
  readonly strikes: number;
}

/** The part of a RiskReport the kill switch reads. A whole RiskReport is one too. */
export type RiskVerdict = Pick<RiskReport, 'breaches' | 'unvalued'>;

export interface EvaluateRequest {
  readonly cycleId: string;
  readonly quality: DataQuality;
  /** What the kill switch judges of the risk report (its breaches and unvalued legs): the rest stays with main. */
  readonly risk: RiskVerdict | null;
  readonly calibration: CalibrationHealth;
  /**
   * The executor's last reconciliation: an unexplained `mismatch` HALTs; `unmanaged` positions hold DEGRADED; an
   * expiry's settlement still not booked long after the close (`settlementOverdue`) holds DEGRADED and alerts once.
   */
  readonly recon: { readonly mismatch?: string; readonly unmanaged?: string; readonly settlementOverdue?: string };
  /** The configured (governance-approved) phase. */
  readonly phase: Phase;
  /** The executor's journaled phase facts on its venue (its last ExecutionReport); absent: FULL_AUTO is not admitted. */
  readonly history?: PhaseHistory;
}

export interface KillSwitchStatus {
  readonly state: TradingState;
  readonly since: number;
  readonly cause: Cause | null;
  /** Most recent transitions, newest last (bounded). */
  readonly history: readonly Transition[];
  readonly configuredPhase: Phase;
  /** The phase in force: the kill switch owns it (the executor and the strategy obey it). */
  readonly effectivePhase: Phase;
  /** Why `effectivePhase` is below the configured one, and the paper history waiver while it applies. */
  readonly phaseReasons: readonly string[];
  /** `permits(state, action)` for every action: the only gate the executor applies. */
  readonly permits: Permits;
  /** Conditions that still hold and would refuse a reset (empty when a reset would be accepted). */
  readonly holding: readonly CauseCode[];
  /** True while an EMERGENCY flatten is running. */
  readonly flattening: boolean;
  /** A hard greek/stress breach being reduced: when it started and when it HALTs unless the book is back within. */
  readonly countdown?: BreachCountdown | null;
}

/** The managed-breach countdown (market time; persisted with the latch, so a restart does not restart it). */
export interface BreachCountdown {
  readonly since: number;
  readonly deadline: number;
  readonly cause: Cause;
}

export interface ResetRequest {
  readonly reason: string;
  readonly who: string;
}

/** Body of `killswitch.halt` (manual HALTED). */
export interface HaltRequest {
  readonly reason: string;
  readonly who: string;
}

export type ResetAnswer =
  | { readonly ok: true; readonly status: KillSwitchStatus }
  | { readonly ok: false; readonly refused: string; readonly holding: readonly Cause[]; readonly status: KillSwitchStatus };

export interface EmergencyRequest {
  readonly reason: string;
  readonly who: string;
  /** Also stop the trading loop (emergency_stop); main reads this from the reply. */
  readonly stopLoop?: boolean;
}

export interface EmergencyAnswer {
  readonly flattened: boolean;
  readonly error?: string;
  readonly stopLoop: boolean;
  readonly status: KillSwitchStatus;
}

const who = z.string().trim().min(1);
const reason = z.string().trim().min(3);
export const resetSchema = z.object({ reason, who }).strict();
export const emergencySchema = z.object({ reason, who, stopLoop: z.boolean().optional() }).strict();
export const haltSchema = z.object({ reason, who }).strict();

const unit = z.number().min(0).max(1);
const PHASE = z.enum(['SHADOW', 'SEMI_AUTO', 'FULL_AUTO']);
const VENUE = z.enum(['paper', 'live']);

export const evaluateSchema = z.object({
  cycleId: z.string().min(1),
  quality: z.object({
    score: unit,
    components: z.object({
      staleness: unit, crossed: unit, missingStrikes: unit, spread: unit, forwardConsistency: unit, silence: unit,
    }),
  }),
  risk: z.unknown().nullable(),
  calibration: z.object({
    fallbacks: z.number().int().min(0), expiries: z.number().int().min(0),
    brokerIv: z.object({
      underlying: z.string(), expiry: z.string(), medianVolPts: z.number().min(0), maxVolPts: z.number().min(0), strike: z.number(),
      ours: z.number(), broker: z.number(), strikes: z.number().int().min(0),
    }).optional(),
  }),
  recon: z.object({ mismatch: z.string().optional(), unmanaged: z.string().optional(), settlementOverdue: z.string().optional() }),
  phase: z.enum(['SHADOW', 'SEMI_AUTO', 'FULL_AUTO']),
  history: z.object({
    venue: VENUE,
    governance: z.object({
      phase: PHASE, approver: z.string(), reason: z.string(), ts: z.number(), venue: VENUE.optional(),
      approval: z.object({ requestId: z.string(), approver: z.string(), reason: z.string(), ts: z.number() }).optional(),
    }).nullable(),
    days: z.object({ SHADOW: z.number().int().min(0), SEMI_AUTO: z.number().int().min(0) }),
  }).strict().optional(),
});

/** `killswitch.alertRaised`, to main: a flatten failed and a human must act. */
export interface AlertRaised {
  readonly reason: string;
  readonly evidence: Evidence;
  readonly status: KillSwitchStatus;
}

/** An event from another actor: the fields the kill switch reads (missing ones get a placeholder, never a crash). */
export interface FeedStalledView { readonly reason?: string; readonly ageMs?: number }
export interface ActorEventView { readonly name?: string; readonly reason?: string }
export interface MessageView { readonly message?: string; readonly code?: string }
export interface JournalFaultView { readonly kind?: string; readonly message?: string }
export interface BrokerSlowedView { readonly latencyMs?: number }
export interface NakedLegView { readonly structureId?: string; readonly message?: string }
/** `broker.staticIpRefused`: the venue's words, the operator action and the evidence (registered, egress, code). */
export interface StaticIpRefusedView { readonly message?: string; readonly action?: string; readonly evidence?: Readonly<Record<string, unknown>> }
type Anything = Readonly<Record<string, unknown>> | null;

/** The kill switch's protocol (runtime/protocols.ts): every message it accepts, its body and its reply. */
export interface KillSwitchProtocol {
  /** Main, once a cycle (check_safety). */
  'killswitch.evaluate': { in: EvaluateRequest; out: KillSwitchStatus };
  'killswitch.status': { in: Readonly<Record<string, never>>; out: KillSwitchStatus };
  /** Gateway; a refusal is an answer (`ok: false`), not an error. */
  'killswitch.reset': { in: ResetRequest; out: ResetAnswer };
  /** Gateway; answers after the flatten resolved. */
  'killswitch.emergency': { in: EmergencyRequest; out: EmergencyAnswer };
  'killswitch.halt': { in: HaltRequest; out: KillSwitchStatus };
  /** Events, pushed the moment they happen. */
  'feed.stalled': { in: FeedStalledView; out: void };
  'feed.recovered': { in: Anything; out: void };
  'sys.actorRestarted': { in: ActorEventView; out: void };
  'sys.supervisorEscalated': { in: ActorEventView; out: void };
  'broker.tokenExpired': { in: MessageView; out: void };
  'broker.tokenRefreshed': { in: Anything; out: void };
  /** Executor: the broker refuses (or the pre-flight proved it would refuse) order writes from this address… */
  'broker.staticIpRefused': { in: StaticIpRefusedView; out: void };
  /** …and accepts them again (a write went through, or the pre-flight matched). */
  'broker.staticIpCleared': { in: MessageView; out: void };
  'broker.failed': { in: MessageView; out: void };
  'broker.slowed': { in: BrokerSlowedView; out: void };
  'journal.faulted': { in: JournalFaultView; out: void };
  'journal.recovered': { in: Anything; out: void };
  'executor.nakedLegDetected': { in: NakedLegView; out: void };
  /** Self-messages (runtime timers, service.ts): the flatten a trigger started, as the very next message… */
  'killswitch.runFlatten': { in: { readonly reason: string }; out: void };
  /** …and the backed-off retry of a failed EMERGENCY flatten. */
  'killswitch.retryFlatten': { in: { readonly attempt: number; readonly of: number; readonly lastError: string }; out: void };
}

declare module '../../runtime/protocols.ts' {
  interface ActorProtocols {
    killswitch: KillSwitchProtocol;
  }
}

/** `killswitch.evaluate`: the small fields by zod (every cycle, cheap); the risk verdict only by its two arrays. */
export const evaluateCheck: BodyParser<EvaluateRequest> = {
  parse(body) {
    const parsed = evaluateSchema.parse(body);
    const risk = parsed.risk as { breaches?: unknown; unvalued?: unknown } | null;
    if (risk !== null && (!Array.isArray(risk.breaches) || !Array.isArray(risk.unvalued))) {
      throw new TypeError('killswitch.evaluate: expected risk to be a risk verdict (breaches[], unvalued[]) or null, was another shape');
    }
    return parsed as EvaluateRequest;
  },
};
export const resetCheck: BodyParser<ResetRequest> = resetSchema;
export const haltCheck: BodyParser<HaltRequest> = haltSchema;
export const emergencyCheck: BodyParser<EmergencyRequest> = { parse: (body) => emergencySchema.parse(body) as EmergencyRequest };
