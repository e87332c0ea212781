/**
 * @module The executor's one gate (issue 17 item 1, DESIGN §8): the kill switch's `permits(state, action)` on the
 * state it last published, and the phase it put in force. Nothing else decides what may be sent.
 */
import type { Phase } from '../domain/phase.ts';
import type { Proposal } from '../domain/proposal.ts';
import { permits, type Action, type TradingState } from '../domain/trading-state.ts';

/**
 * `permits(state, action)`; before any state was seen (after a start, until the first cycle or broadcast) only
 * cancels and the flatten: fail closed.
 */
export function allowed(ks: TradingState | undefined, action: Action): boolean {
  return ks === undefined ? action === 'cancel' || action === 'flatten' : permits(ks, action);
}

/** `kill switch HALTED does not permit reduce` (or: not yet seen). */
export function refusal(ks: TradingState | undefined, action: Action): string {
  return ks === undefined ? `kill switch not yet seen: ${action} is not permitted` : `kill switch ${ks} does not permit ${action}`;
}

/**
 * What a saga's own orders ask of the kill switch: an entry adds risk; an exit reduces it — `approvedExit` when a human
 * decided it (an approval, or an operator's close of the structure: `operatorRequested`), else `reduce`.
 */
export function sagaAction(p: Pick<Proposal, 'riskIncreasing'>, approvalId: string | null, operatorRequested = false): Action {
  return p.riskIncreasing ? 'increase' : approvalId !== null || operatorRequested ? 'approvedExit' : 'reduce';
}

const STATE_RANK: Readonly<Record<TradingState, number>> = { NORMAL: 0, DEGRADED: 1, HALTED: 2, EMERGENCY: 3, SHUTDOWN: 4 };

/**
 * The kill switch's view to act on when two have arrived by different routes: the cycle's (read at its check_safety
 * stage, carried by `executor.execute`) and the one the kill switch pushed itself (`killswitch.changed`). The two
 * ports are not ordered with each other: a cycle that read NORMAL just before an EMERGENCY reaches the executor after
 * the EMERGENCY's push and its flatten — acting on it would open new risk right after the flatten. So the newer state
 * wins (its `since`, when it entered that state); on a tie, or a view without a date, the more restrictive state,
 * with the cycle's phase (it is the later reading of the same state).
 */
export function freshestKillSwitch<V extends { readonly state: TradingState; readonly since?: number }>(fromCycle: V, pushed: V | null): V {
  if (pushed === null) return fromCycle;
  if (fromCycle.since !== undefined && pushed.since !== undefined && fromCycle.since !== pushed.since) return pushed.since > fromCycle.since ? pushed : fromCycle;
  return STATE_RANK[pushed.state] > STATE_RANK[fromCycle.state] ? { ...fromCycle, state: pushed.state } : fromCycle;
}

const PHASE_RANK: Readonly<Record<Phase, number>> = { SHADOW: 0, SEMI_AUTO: 1, FULL_AUTO: 2 };

/** The less autonomous of two phases (the kill switch's phase in force, never above the configured one). */
export function lowerPhase(a: Phase, b: Phase): Phase {
  return PHASE_RANK[a] <= PHASE_RANK[b] ? a : b;
}
