/**
 * @module The kill switch's pure state machine: NORMAL → DEGRADED → HALTED → EMERGENCY → SHUTDOWN.
 *
 * `transition(state, input, now)` returns the next state, the effects for the shell to run (persist, journal,
 * announce, flatten, alert) and, for commands, the answer. No clock, no I/O.
 *
 * Invariants
 * - Triggers only escalate (to the higher of current and target). The ways down are exactly three: DEGRADED → NORMAL
 *   after `healthyCycles` consecutive healthy evaluations (hysteresis); HALTED/DEGRADED → NORMAL by a manual reset,
 *   refused while a halting condition still holds; EMERGENCY → HALTED once the flatten succeeded. SHUTDOWN is terminal.
 * - Every transition carries a cause with evidence and is journaled; the latch (state, cause, holding conditions) is
 *   persisted before anyone is told (the shell runs `persist` first and awaits it).
 * - While a flatten runs, every other command is refused (`flattening`).
 * - A failed flatten leaves EMERGENCY in force (journaled `killswitch.flattenFailed`, alerted); the shell retries it
 *   (`retryFlatten`, journaled `killswitch.flattenRetry`), bounded and backed off — escalate, never pretend.
 * - A hard breach of a greek or stress limit (`breach.managed`) is managed: DEGRADED (RISK_HARD_GRACE) while the
 *   strategy's reducing action runs, with a countdown (journaled `killswitch.breachCountdown` started / cleared /
 *   expired, persisted in the latch); HALTED (RISK_HARD, holding) only if the breach outlasts `hardBreachGraceMs`.
 *   Once halted for it, the breach keeps holding until it clears (no second countdown). Daily loss HALTs at once.
 * - DEGRADED caps FULL_AUTO at SEMI_AUTO, except when every degrading cause is the book's own limits (RISK_SOFT,
 *   RISK_HARD_GRACE): reducing such a book is what FULL_AUTO is for, and risk-increasing orders stay refused.
 */
import type { Phase } from '../domain/phase.ts';
import { fullAutoAdmission, UNREPORTED, type FullAutoAdmission } from '../domain/phase-governance.ts';
import type { BreachCountdown, Cause, CauseCode, EvaluateRequest, Evidence, KillSwitchStatus, Transition } from './messages.ts';
import { permitsOf, type TradingState } from '../domain/trading-state.ts';
import type { KillSwitchSettings } from './settings.ts';

export { permits, permitsOf } from '../domain/trading-state.ts';

const RANK: Readonly<Record<TradingState, number>> = { NORMAL: 0, DEGRADED: 1, HALTED: 2, EMERGENCY: 3, SHUTDOWN: 4 };
const PHASE_RANK: Readonly<Record<Phase, number>> = { SHADOW: 0, SEMI_AUTO: 1, FULL_AUTO: 2 };

/** Conditions that are true until something says otherwise; the halting ones refuse a reset while they hold. */
export type HoldingCode = 'DAILY_LOSS' | 'RISK_HARD' | 'RECON_MISMATCH' | 'TOKEN_EXPIRED' | 'STATIC_IP' | 'JOURNAL_FAULT' | 'FEED_STALLED' | 'UNMANAGED_POSITIONS' | 'SETTLEMENT_OVERDUE';
const HALTING: readonly HoldingCode[] = ['DAILY_LOSS', 'RISK_HARD', 'RECON_MISMATCH', 'TOKEN_EXPIRED', 'STATIC_IP', 'JOURNAL_FAULT'];
/** Causes that are the book's own limits, not the system's health: they do not cap FULL_AUTO (module header). */
const BOOK_CAUSES: readonly CauseCode[] = ['RISK_SOFT', 'RISK_HARD_GRACE'];

export interface KsState {
  readonly state: TradingState;
  readonly since: number;
  readonly cause: Cause | null;
  readonly history: readonly Transition[];
  readonly holding: Readonly<Partial<Record<HoldingCode, Cause>>>;
  /** Degrading causes seen by the last evaluation (a reset lands in DEGRADED while any remain). */
  readonly lastDegrade: readonly Cause[];
  readonly healthyStreak: number;
  readonly fallbackStreak: number;
  readonly restarts: readonly number[];
  readonly brokerErrors: readonly number[];
  readonly configuredPhase: Phase;
  /** The data-quality gate's ceiling on the phase. */
  readonly phaseCap: Phase;
  readonly phaseStreak: number;
  readonly phaseStreakMin: Phase;
  /** The FULL_AUTO admission rule (governance, history, paper waiver) on the executor's last reported history. */
  readonly admission: FullAutoAdmission;
  readonly flattening: boolean;
  /** The managed hard breach being reduced, if any (module header). */
  readonly countdown: BreachCountdown | null;
}

export type KsInput =
  | { readonly type: 'evaluate'; readonly body: EvaluateRequest }
  | { readonly type: 'feedStalled'; readonly evidence: Evidence }
  | { readonly type: 'feedRecovered' }
  | { readonly type: 'actorRestarted'; readonly name: string; readonly reason: string }
  | { readonly type: 'supervisorEscalated'; readonly name: string; readonly reason: string }
  | { readonly type: 'tokenExpired'; readonly evidence: Evidence }
  | { readonly type: 'tokenRefreshed' }
  /** The broker refuses order writes from this machine's address (or the pre-flight proved it would). */
  | { readonly type: 'staticIpRefused'; readonly message: string; readonly evidence: Evidence }
  | { readonly type: 'staticIpCleared' }
  | { readonly type: 'brokerError'; readonly message: string }
  | { readonly type: 'brokerSlow'; readonly latencyMs: number }
  | { readonly type: 'journalFault'; readonly message: string }
  | { readonly type: 'journalRecovered' }
  | { readonly type: 'nakedLeg'; readonly evidence: Evidence }
  | { readonly type: 'halt'; readonly reason: string; readonly who: string }
  | { readonly type: 'emergency'; readonly reason: string; readonly who: string }
  | { readonly type: 'flattenResult'; readonly ok: boolean; readonly error?: string }
  /** A retry of a failed EMERGENCY flatten (the shell schedules it, bounded and backed off). */
  | { readonly type: 'retryFlatten'; readonly attempt: number; readonly of: number; readonly lastError: string }
  | { readonly type: 'reset'; readonly reason: string; readonly who: string }
  | { readonly type: 'shutdown'; readonly reason: string; readonly who: string };

export type Effect =
  | { readonly kind: 'persist'; readonly latch: Latch }
  | { readonly kind: 'journal'; readonly type: string; readonly body: unknown }
  | { readonly kind: 'changed'; readonly status: KillSwitchStatus }
  | { readonly kind: 'flatten'; readonly reason: string }
  | { readonly kind: 'alert'; readonly reason: string; readonly evidence: Evidence };

export type Answer =
  | { readonly ok: true }
  | { readonly ok: false; readonly refused: string; readonly holding: readonly Cause[] };

export interface Step {
  readonly state: KsState;
  readonly effects: readonly Effect[];
  readonly answer: Answer;
}

/** What survives a restart. */
export interface Latch {
  readonly state: TradingState;
  readonly since: number;
  readonly cause: Cause | null;
  readonly history: readonly Transition[];
  readonly holding: Readonly<Partial<Record<HoldingCode, Cause>>>;
  readonly phaseCap: Phase;
  /** Absent in latches written before managed breaches. */
  readonly countdown?: BreachCountdown | null;
}

export function initialKsState(configuredPhase: Phase, now: number): KsState {
  return {
    state: 'NORMAL', since: now, cause: null, history: [], holding: {}, lastDegrade: [], healthyStreak: 0,
    fallbackStreak: 0, restarts: [], brokerErrors: [], configuredPhase,
    // FULL_AUTO must be earned by healthy cycles after every start.
    phaseCap: 'SEMI_AUTO', phaseStreak: 0, phaseStreakMin: 'FULL_AUTO', flattening: false, countdown: null,
    // Fail closed until the executor's phase history arrives with an evaluation.
    admission: UNREPORTED,
  };
}

/** Restores a persisted latch. An EMERGENCY that was interrupted stays EMERGENCY; `resumeEffects` re-runs its flatten. */
export function restore(configuredPhase: Phase, latch: Latch, now: number): KsState {
  return {
    ...initialKsState(configuredPhase, now),
    state: latch.state, since: latch.since, cause: latch.cause, history: latch.history, holding: latch.holding,
    phaseCap: PHASE_RANK[latch.phaseCap] < PHASE_RANK.SEMI_AUTO ? latch.phaseCap : 'SEMI_AUTO',
    // The countdown continues across a restart: time spent down counts.
    countdown: latch.countdown ?? null,
  };
}

export function resumeEffects(s: KsState): Effect[] {
  return s.state === 'EMERGENCY' ? [{ kind: 'flatten', reason: 'resume the flatten interrupted by a restart' }] : [];
}

export function latchOf(s: KsState): Latch {
  return { state: s.state, since: s.since, cause: s.cause, history: s.history, holding: s.holding, phaseCap: s.phaseCap, countdown: s.countdown };
}

// ---------------------------------------------------------------------------------------------------------------

/**
 * The phase actually in force — the kill switch owns it (DESIGN §8): the configured one, with FULL_AUTO only when the
 * admission rule admits it (history, governance; `actors/domain/phase-governance.ts`), capped by the data-quality gate, and
 * FULL_AUTO acts as SEMI_AUTO in any state but NORMAL (DESIGN §3) — except DEGRADED for the book's own limits only
 * (`bookOnly`), where FULL_AUTO keeps executing the reducing actions (risk-increasing orders stay refused by permits).
 */
export function effectivePhase(configured: Phase, cap: Phase, state: TradingState, fullAutoAdmitted: boolean, bookOnly = false): Phase {
  let p = PHASE_RANK[configured] <= PHASE_RANK[cap] ? configured : cap;
  const stateAllows = state === 'NORMAL' || (state === 'DEGRADED' && bookOnly);
  if (p === 'FULL_AUTO' && (!stateAllows || !fullAutoAdmitted)) p = 'SEMI_AUTO';
  return p;
}

/** Why the phase in force is below the configured one (and the paper waiver while it applies): shown, never silent. */
export function phaseReasonsOf(configured: Phase, cap: Phase, state: TradingState, admission: FullAutoAdmission, bookOnly = false): string[] {
  if (configured !== 'FULL_AUTO') return PHASE_RANK[configured] > PHASE_RANK[cap] ? [`data quality gate caps the phase at ${cap}`] : [];
  const out = [...admission.reasons];
  if (PHASE_RANK[cap] < PHASE_RANK.FULL_AUTO) out.push(`data quality gate caps the phase at ${cap}`);
  if (state !== 'NORMAL' && !(state === 'DEGRADED' && bookOnly)) out.push(`kill switch ${state}`);
  if (admission.waiver !== null) out.push(admission.waiver);
  return out;
}

/**
 * DEGRADED for nothing but the book's limits: the entering cause and every degrading cause still seen are book causes,
 * and no condition (feed stalled, unmanaged positions, …) holds.
 */
export function bookOnlyDegraded(s: KsState): boolean {
  if (s.state !== 'DEGRADED' || s.cause === null || !BOOK_CAUSES.includes(s.cause.code)) return false;
  if (Object.values(s.holding).some((c) => c !== undefined)) return false;
  return s.lastDegrade.every((c) => BOOK_CAUSES.includes(c.code));
}

export function phaseReasons(s: KsState): string[] {
  return phaseReasonsOf(s.configuredPhase, s.phaseCap, s.state, s.admission, bookOnlyDegraded(s));
}

const phaseOf = (s: KsState): Phase => effectivePhase(s.configuredPhase, s.phaseCap, s.state, s.admission.admitted, bookOnlyDegraded(s));

export function statusOf(s: KsState): KillSwitchStatus {
  return {
    state: s.state, since: s.since, cause: s.cause, history: s.history, configuredPhase: s.configuredPhase,
    effectivePhase: phaseOf(s), phaseReasons: phaseReasons(s), permits: permitsOf(s.state),
    holding: HALTING.filter((h) => s.holding[h] !== undefined), flattening: s.flattening, countdown: s.countdown,
  };
}

// ---------------------------------------------------------------------------------------------------------------

const cause = (code: CauseCode, message: string, evidence: Evidence = {}): Cause => ({ code, message, evidence });
const round2 = (v: number): number => Math.round(v * 100) / 100;
const round4 = (v: number): number => Math.round(v * 10_000) / 10_000;
const OK: Answer = { ok: true };

export function transition(s0: KsState, input: KsInput, now: number, settings: KillSwitchSettings): Step {
  if (s0.flattening && input.type !== 'flattenResult' && isCommand(input)) {
    return { state: s0, effects: [], answer: { ok: false, refused: 'expected no command during the EMERGENCY flatten, was one (wait for it to finish)', holding: [] } };
  }
  const b = new Builder(s0, now, settings);
  switch (input.type) {
    case 'evaluate': evaluate(b, input.body); break;
    case 'feedStalled':
      b.hold('FEED_STALLED', cause('FEED_STALLED', 'the feed stalled', input.evidence));
      b.degrade(cause('FEED_STALLED', 'the feed stalled', input.evidence));
      break;
    case 'feedRecovered': b.release('FEED_STALLED'); break;
    case 'actorRestarted': {
      const restarts = [...b.s.restarts.filter((t) => now - t < settings.restartWindowMs), now];
      b.set({ restarts });
      const ev = { actor: input.name, reason: input.reason, restartsInWindow: restarts.length, limit: settings.restartHaltCount };
      if (restarts.length >= settings.restartHaltCount) b.escalate('HALTED', cause('RESTART_INTENSITY', `${restarts.length} actor restarts within ${settings.restartWindowMs} ms`, ev));
      else b.degrade(cause('ACTOR_RESTART', `actor ${input.name} restarted`, ev));
      break;
    }
    case 'supervisorEscalated':
      b.escalate('HALTED', cause('SUPERVISOR_ESCALATION', `supervisor gave up on ${input.name}`, { actor: input.name, reason: input.reason }));
      break;
    case 'tokenExpired': {
      const c = cause('TOKEN_EXPIRED', 'the broker access token expired', input.evidence);
      b.hold('TOKEN_EXPIRED', c);
      b.escalate('HALTED', c);
      break;
    }
    case 'tokenRefreshed': b.release('TOKEN_EXPIRED'); break;
    case 'staticIpRefused': {
      // Not a token problem: nothing can close a position from here until the address is registered (or VolGuard runs
      // from the registered machine), so trading halts and stays halted while the refusal holds.
      const c = cause('STATIC_IP', input.message, input.evidence);
      b.hold('STATIC_IP', c);
      b.escalate('HALTED', c);
      break;
    }
    case 'staticIpCleared': b.release('STATIC_IP'); break;
    case 'brokerError': {
      const errors = [...b.s.brokerErrors.filter((t) => now - t < settings.brokerErrorWindowMs), now];
      b.set({ brokerErrors: errors });
      const ev = { message: input.message, errorsInWindow: errors.length, limit: settings.brokerErrorHaltCount };
      if (errors.length >= settings.brokerErrorHaltCount) b.escalate('HALTED', cause('BROKER_ERRORS', `${errors.length} broker errors within ${settings.brokerErrorWindowMs} ms`, ev));
      else b.degrade(cause('BROKER_ERROR', 'broker error', ev));
      break;
    }
    case 'brokerSlow': b.degrade(cause('BROKER_SLOW', 'broker responses are slow', { latencyMs: input.latencyMs })); break;
    case 'journalFault': {
      const c = cause('JOURNAL_FAULT', 'the journal cannot write', { message: input.message });
      b.hold('JOURNAL_FAULT', c);
      b.escalate('HALTED', c);
      break;
    }
    case 'journalRecovered': b.release('JOURNAL_FAULT'); break;
    case 'nakedLeg': b.escalate('EMERGENCY', cause('NAKED_LEG', 'a short leg is unhedged past its timer', input.evidence)); break;
    case 'halt': b.escalate('HALTED', cause('MANUAL_HALT', input.reason, { who: input.who })); break;
    case 'emergency':
      if (b.s.state === 'SHUTDOWN') return refuse(s0, 'expected a live kill switch, was SHUTDOWN');
      if (b.s.state === 'EMERGENCY') b.flatten(input.reason);
      else b.escalate('EMERGENCY', cause('MANUAL_EMERGENCY', input.reason, { who: input.who }));
      break;
    case 'flattenResult':
      if (!b.s.flattening) return refuse(s0, 'expected a flatten in progress, was none');
      b.set({ flattening: false });
      if (input.ok) {
        b.move('HALTED', cause('FLATTENED', 'emergency flatten completed: the book is flat', {}));
      } else {
        const ev = { error: input.error ?? 'unknown' };
        b.effect({ kind: 'journal', type: 'killswitch.flattenFailed', body: ev });
        b.effect({ kind: 'alert', reason: 'emergency flatten failed: positions may remain open', evidence: ev });
      }
      break;
    case 'retryFlatten':
      // Only while still EMERGENCY with no flatten running (a manual emergency may have flattened meanwhile).
      if (b.s.state !== 'EMERGENCY' || b.s.flattening) break;
      b.effect({ kind: 'journal', type: 'killswitch.flattenRetry', body: { attempt: input.attempt, of: input.of, lastError: input.lastError } });
      b.flatten(`retry ${input.attempt}/${input.of} of the EMERGENCY flatten (${b.s.cause?.message ?? 'emergency'})`);
      break;
    case 'reset': return reset(b, input.reason, input.who);
    case 'shutdown':
      if (b.s.state !== 'HALTED') return refuse(s0, `expected HALTED (flat) before SHUTDOWN, was ${b.s.state}`);
      b.move('SHUTDOWN', cause('MANUAL_SHUTDOWN', input.reason, { who: input.who }));
      break;
  }
  return b.done(OK);
}

function isCommand(i: KsInput): boolean {
  return i.type === 'reset' || i.type === 'emergency' || i.type === 'halt' || i.type === 'shutdown' || i.type === 'evaluate';
}

function refuse(s: KsState, refused: string, holding: readonly Cause[] = []): Step {
  return { state: s, effects: [], answer: { ok: false, refused, holding } };
}

function reset(b: Builder, reason: string, who: string): Step {
  const s = b.s;
  if (s.state === 'EMERGENCY' || s.state === 'SHUTDOWN') return refuse(s, `expected HALTED or DEGRADED, was ${s.state}`);
  const holding = HALTING.map((h) => s.holding[h]).filter((c): c is Cause => c !== undefined);
  if (holding.length > 0) {
    const refused = `expected the triggering conditions to have cleared, but ${holding.map((c) => c.code).join(', ')} still hold`;
    b.effect({ kind: 'journal', type: 'killswitch.resetRefused', body: { who, reason, holding } });
    return { state: s, effects: b.effects, answer: { ok: false, refused, holding } };
  }
  if (s.state === 'NORMAL') return b.done(OK);
  const stillDegraded = [...s.lastDegrade, ...(s.holding.FEED_STALLED ? [s.holding.FEED_STALLED] : [])];
  b.move('NORMAL', cause('RESET', reason, { who }));
  b.set({ healthyStreak: 0, restarts: [], brokerErrors: [] });
  if (stillDegraded[0]) b.move('DEGRADED', stillDegraded[0]);
  return b.done(OK);
}

function evaluate(b: Builder, req: EvaluateRequest): void {
  const st = b.settings;
  const at = { cycleId: req.cycleId };
  b.set({ configuredPhase: req.phase });
  const admission = fullAutoAdmission(req.history ?? null, st.fullAuto.venue, st.fullAuto.rules);
  if (admission.waiver !== b.s.admission.waiver) {
    // The paper waiver is journaled when it starts or stops applying, not every cycle.
    b.effect({ kind: 'journal', type: 'killswitch.phaseWaiver', body: { cycleId: req.cycleId, waiver: admission.waiver } });
  }
  b.set({ admission });
  const degrade: Cause[] = [];
  if (req.quality.score < st.degradeQuality) {
    degrade.push(cause('DATA_QUALITY', 'data quality below threshold', { score: req.quality.score, threshold: st.degradeQuality }));
  }
  const iv = req.calibration.brokerIv;
  const gap = st.brokerIvGapVolPts ?? 5;
  if (iv !== undefined && iv.strikes >= (st.brokerIvMinStrikes ?? 3) && iv.medianVolPts > gap) {
    degrade.push(cause('BROKER_GREEKS_DIVERGENCE', `our IVs and the broker's differ by ${iv.medianVolPts.toFixed(2)} vol pts (median over ${iv.strikes} liquid strikes of ${iv.underlying} ${iv.expiry}); limit ${gap}`, {
      underlying: iv.underlying, expiry: iv.expiry, medianVolPts: round2(iv.medianVolPts), maxVolPts: round2(iv.maxVolPts), limitVolPts: gap,
      worstStrike: iv.strike, oursIv: round4(iv.ours), brokerIv: round4(iv.broker), liquidStrikes: iv.strikes,
    }));
  }
  const fallbackStreak = req.calibration.fallbacks > 0 ? b.s.fallbackStreak + 1 : 0;
  b.set({ fallbackStreak });
  if (fallbackStreak >= st.fallbackStreak) {
    degrade.push(cause('CALIBRATION_FALLBACK', 'calibration fell back to per-strike IVs', {
      fallbacks: req.calibration.fallbacks, expiries: req.calibration.expiries, streak: fallbackStreak, limit: st.fallbackStreak,
    }));
  }
  if (b.s.holding.FEED_STALLED) degrade.push(b.s.holding.FEED_STALLED);

  const risk = req.risk;
  let emergency: Cause | null = null;
  if (risk === null) {
    degrade.push(cause('RISK_UNAVAILABLE', 'no risk report this cycle', {}));
  } else {
    if (risk.unvalued.length > 0) degrade.push(cause('UNVALUED_POSITIONS', 'positions the surface cannot value', { count: risk.unvalued.length, first: risk.unvalued[0] ?? null }));
    let daily: Cause | null = null;
    let hard: Cause | null = null;
    let managed: Cause | null = null;
    for (const br of risk.breaches) {
      const ev = {
        limit: br.limit, value: br.value, threshold: br.threshold, level: br.level,
        ...(br.scope !== undefined ? { scope: br.scope } : {}), ...(br.underlying !== undefined ? { underlying: br.underlying } : {}),
        ...(br.expiry !== undefined ? { expiry: br.expiry } : {}),
      };
      const where = [br.underlying, br.expiry].filter((x) => x !== undefined).join(' ');
      const what = `${br.limit}${where === '' ? '' : ` ${where}`}`;
      if (br.limit === 'dailyLoss' && br.level === 'hard') {
        daily = cause('DAILY_LOSS', 'daily loss limit breached', ev);
        if (br.catastrophic) emergency = cause('CATASTROPHIC_LOSS', 'daily loss past the emergency ratio', ev);
      } else if (br.level === 'hard' && isManaged(br)) {
        managed ??= cause('RISK_HARD', `hard ${what} limit breached`, ev);
      } else {
        // Soft breaches, and capital/margin over their caps (e.g. after a capital adjust): no new risk, exits allowed.
        degrade.push(cause('RISK_SOFT', `${br.level} ${what} limit breach`, ev));
      }
    }
    if (managed !== null) hard = manageHardBreach(b, managed, req.cycleId, degrade);
    else if (b.s.countdown !== null) endCountdown(b, 'cleared', req.cycleId);
    b.setHold('DAILY_LOSS', daily);
    b.setHold('RISK_HARD', hard);
  }
  b.setHold('RECON_MISMATCH', req.recon.mismatch !== undefined ? cause('RECON_MISMATCH', 'unexplained reconciliation mismatch', { mismatch: req.recon.mismatch }) : null);
  // Positions nobody manages (a structure failed with units left; a compensation carried to the next open): no new
  // risk until they are flat, and a human hears of it once, with the evidence, when it starts.
  if (req.recon.unmanaged !== undefined) {
    const c = cause('UNMANAGED_POSITIONS', 'positions nobody manages: adopted exit-only until flat', { detail: req.recon.unmanaged });
    if (b.s.holding.UNMANAGED_POSITIONS === undefined) b.effect({ kind: 'alert', reason: `positions nobody manages: ${req.recon.unmanaged}`, evidence: c.evidence });
    b.hold('UNMANAGED_POSITIONS', c);
    degrade.push(c);
  } else {
    b.release('UNMANAGED_POSITIONS');
  }
  // An expiry's settlement still not booked long after the close (live: no final price, or the broker has not booked
  // it): the books are off by an unknown amount, so no new risk until it is booked; a human hears of it once.
  if (req.recon.settlementOverdue !== undefined) {
    const c = cause('SETTLEMENT_OVERDUE', 'expiry settlement overdue', { detail: req.recon.settlementOverdue });
    if (b.s.holding.SETTLEMENT_OVERDUE === undefined) b.effect({ kind: 'alert', reason: `expiry settlement overdue: ${req.recon.settlementOverdue}`, evidence: c.evidence });
    b.hold('SETTLEMENT_OVERDUE', c);
    degrade.push(c);
  } else {
    b.release('SETTLEMENT_OVERDUE');
  }
  b.set({ lastDegrade: degrade });

  const halting = [b.s.holding.DAILY_LOSS, b.s.holding.RISK_HARD, b.s.holding.RECON_MISMATCH].filter((c): c is Cause => c !== undefined);
  if (emergency) b.escalate('EMERGENCY', emergency, at);
  else if (halting[0]) b.escalate('HALTED', halting[0], at);

  if (degrade[0]) {
    b.degrade(degrade[0], at);
  } else if (b.s.state === 'DEGRADED') {
    const streak = b.s.healthyStreak + 1;
    b.set({ healthyStreak: streak });
    if (streak >= st.healthyCycles) b.move('NORMAL', cause('RECOVERED', `${streak} consecutive healthy cycles`, { streak, required: st.healthyCycles }), at);
  }
  phaseGate(b, req.quality.score, req.cycleId);
}

/** Breaches from reports written before `managed` existed count as managed when they are greek or stress limits. */
function isManaged(br: { readonly limit: string; readonly managed?: boolean }): boolean {
  return br.managed ?? ['delta', 'vega', 'gamma', 'theta', 'stress', 'scenarioLoss'].includes(br.limit);
}

/**
 * A hard greek/stress breach: HALT at once without a grace; already halted for one, keep holding; otherwise count
 * down (DEGRADED RISK_HARD_GRACE meanwhile) and HALT when the countdown runs out. Returns the RISK_HARD hold, if any.
 */
function manageHardBreach(b: Builder, c: Cause, cycleId: string, degrade: Cause[]): Cause | null {
  const grace = b.settings.hardBreachGraceMs ?? 0;
  if (grace <= 0 || b.s.holding.RISK_HARD !== undefined) return c;
  const now = b.now;
  let cd = b.s.countdown;
  if (cd === null) {
    cd = { since: now, deadline: now + grace, cause: c };
    b.set({ countdown: cd });
    b.countdownChanged();
    b.effect({ kind: 'journal', type: 'killswitch.breachCountdown', body: { event: 'started', cycleId, since: cd.since, deadline: cd.deadline, graceMs: grace, cause: c } });
  }
  if (now >= cd.deadline) {
    const halting = cause('RISK_HARD', `${c.message} for ${Math.round((now - cd.since) / 1000)} s: still beyond the limit after the ${Math.round(grace / 1000)} s grace`,
      { ...c.evidence, countdownSince: cd.since, deadline: cd.deadline });
    endCountdown(b, 'expired', cycleId, halting);
    return halting;
  }
  degrade.unshift(cause('RISK_HARD_GRACE', `${c.message}: reducing; HALT in ${Math.ceil((cd.deadline - now) / 1000)} s unless back within`,
    { ...c.evidence, countdownSince: cd.since, deadline: cd.deadline }));
  return null;
}

function endCountdown(b: Builder, event: 'cleared' | 'expired', cycleId: string, c: Cause | null = null): void {
  const cd = b.s.countdown;
  if (cd === null) return;
  b.set({ countdown: null });
  b.countdownChanged();
  b.effect({ kind: 'journal', type: 'killswitch.breachCountdown', body: { event, cycleId, since: cd.since, deadline: cd.deadline, at: b.now, cause: c ?? cd.cause } });
}

function phaseGate(b: Builder, score: number, cycleId: string): void {
  const st = b.settings;
  const target: Phase = score > st.fullAutoQuality ? 'FULL_AUTO' : score >= st.shadowQuality ? 'SEMI_AUTO' : 'SHADOW';
  const cap = b.s.phaseCap;
  if (PHASE_RANK[target] < PHASE_RANK[cap]) {
    b.set({ phaseCap: target, phaseStreak: 0, phaseStreakMin: 'FULL_AUTO' });
    b.effect({ kind: 'journal', type: 'killswitch.phaseGate', body: { cycleId, from: cap, to: target, score, thresholds: { fullAuto: st.fullAutoQuality, shadow: st.shadowQuality } } });
  } else if (PHASE_RANK[target] > PHASE_RANK[cap]) {
    const streak = b.s.phaseStreak + 1;
    const min = PHASE_RANK[target] < PHASE_RANK[b.s.phaseStreakMin] ? target : b.s.phaseStreakMin;
    if (streak >= st.phaseHealthyCycles) {
      b.set({ phaseCap: min, phaseStreak: 0, phaseStreakMin: 'FULL_AUTO' });
      b.effect({ kind: 'journal', type: 'killswitch.phaseGate', body: { cycleId, from: cap, to: min, score, streak } });
    } else {
      b.set({ phaseStreak: streak, phaseStreakMin: min });
    }
  } else {
    b.set({ phaseStreak: 0, phaseStreakMin: 'FULL_AUTO' });
  }
}

/** Accumulates one step's state changes and effects; emits `changed` once if the visible status moved. */
class Builder {
  s: KsState;
  readonly effects: Effect[] = [];
  readonly #start: KsState;
  readonly #now: number;
  readonly settings: KillSwitchSettings;
  #moved = false;
  #holdingChanged = false;
  #countdownChanged = false;

  constructor(s: KsState, now: number, settings: KillSwitchSettings) {
    this.s = s;
    this.#start = s;
    this.#now = now;
    this.settings = settings;
  }

  get now(): number {
    return this.#now;
  }

  set(patch: Partial<KsState>): void {
    this.s = { ...this.s, ...patch };
  }

  countdownChanged(): void {
    this.#countdownChanged = true;
  }

  effect(e: Effect): void {
    this.effects.push(e);
  }

  hold(code: HoldingCode, c: Cause): void {
    this.setHold(code, c);
  }

  release(code: HoldingCode): void {
    this.setHold(code, null);
  }

  setHold(code: HoldingCode, c: Cause | null): void {
    const had = this.s.holding[code] !== undefined;
    if (c === null && !had) return;
    const holding = { ...this.s.holding };
    if (c === null) delete holding[code];
    else holding[code] = c;
    if (had !== (c !== null)) this.#holdingChanged = true;
    this.set({ holding });
  }

  /** Moves up to `to` if that is higher than the current state (never down). */
  escalate(to: TradingState, c: Cause, at: { cycleId?: string } = {}): void {
    if (RANK[to] > RANK[this.s.state]) this.move(to, c, at);
  }

  /** Enters DEGRADED from NORMAL; in any state an unhealthy signal restarts the hysteresis count. */
  degrade(c: Cause, at: { cycleId?: string } = {}): void {
    this.set({ healthyStreak: 0 });
    if (this.s.state === 'NORMAL') this.move('DEGRADED', c, at);
  }

  flatten(reason: string): void {
    this.set({ flattening: true });
    this.effect({ kind: 'flatten', reason });
  }

  move(to: TradingState, c: Cause, at: { cycleId?: string } = {}): void {
    const t: Transition = { from: this.s.state, to, at: this.#now, cause: c, ...(at.cycleId !== undefined ? { cycleId: at.cycleId } : {}) };
    const history = [...this.s.history, t].slice(-this.settings.historyLimit);
    this.set({ state: to, since: this.#now, cause: c, history, healthyStreak: 0 });
    this.effect({ kind: 'journal', type: 'killswitch.transition', body: t });
    this.#moved = true;
    if (to === 'EMERGENCY') this.flatten(c.message);
  }

  done(answer: Answer): Step {
    const before = this.#start;
    const phaseMoved = phaseOf(before) !== phaseOf(this.s) || before.admission.waiver !== this.s.admission.waiver;
    const out: Effect[] = [];
    // Persist first: nobody may learn of a latch that a crash could forget.
    if (this.#moved || this.#holdingChanged || this.#countdownChanged || this.s.phaseCap !== before.phaseCap) out.push({ kind: 'persist', latch: latchOf(this.s) });
    out.push(...this.effects.filter((e) => e.kind === 'journal'));
    if (this.#moved || phaseMoved || this.#holdingChanged || this.#countdownChanged) out.push({ kind: 'changed', status: statusOf(this.s) });
    out.push(...this.effects.filter((e) => e.kind === 'alert' || e.kind === 'flatten'));
    return { state: this.s, effects: out, answer };
  }
}
