/**
 * @module One saga step as a decision (pure): the journaled events and the commands the engine carries out — in that
 * order: the events are durable before any command acts (an order's intent is journaled before it is sent; the
 * engine journals each `orderIntent` as it sends). Built on `nextSagaStep` (what the saga wants) and the gate (what
 * the kill switch permits): a compensation waits through EMERGENCY (the flatten owns the book); an exit the state no
 * longer permits stops, journaled once; a risk-increasing group is re-checked — the kill switch here, risk by the
 * engine (`preTrade` on the place command; its denial comes back through `riskDenied`).
 */
import type { Proposal } from '../domain/proposal.ts';
import type { TradingState } from '../domain/trading-state.ts';
import type { DenyReason, OrderDenied, SagaProgress } from './messages.ts';
import type { CoreConfig } from './core.ts';
import { allowed, refusal, sagaAction } from './gate.ts';
import type { RulesLookup, TouchLookup } from './pricing.ts';
import { nextSagaStep } from './saga.ts';
import type { ExecEvent, ExecState, PlannedOrder } from './state.ts';

export type Command =
  /** Journal each intent, send (one multi-order per ≤ 25 lines, BUYs first), record each answer. */
  | { readonly kind: 'place'; readonly sagaId: string; readonly orders: readonly PlannedOrder[]; readonly preTrade?: Proposal }
  | { readonly kind: 'cancel'; readonly orders: readonly string[] };

export interface Decision {
  readonly events: readonly ExecEvent[];
  readonly commands: readonly Command[];
  /** Set when the saga can go no further now (waiting or done): what the report says. Absent: step again. */
  readonly progress?: SagaProgress;
}

export interface SagaContext {
  readonly now: number;
  readonly cfg: CoreConfig;
  readonly ks: TradingState | undefined;
  readonly touch: TouchLookup;
  readonly rules: RulesLookup;
}

/** An expected "no" (STYLE §5): the journaled `OrderDenied`. */
export function denial(p: Proposal, reason: DenyReason, detail: string, now: number, sagaId?: string): ExecEvent & { type: 'executor.orderDenied' } {
  const denied: OrderDenied = { proposalId: p.id, reason, detail, ...(sagaId !== undefined ? { sagaId } : {}) };
  return { type: 'executor.orderDenied', denied, ts: now };
}

function finished(state: ExecState, sagaId: string, outcome: 'completed' | 'compensated' | 'failed' | 'denied', reason: string, now: number, approvalReason = reason): ExecEvent[] {
  const saga = state.sagas[sagaId];
  const out: ExecEvent[] = [{ type: 'executor.sagaFinished', sagaId, outcome, reason, ts: now }];
  if (saga !== undefined && saga.approvalId !== null) {
    out.push({ type: 'executor.approvalChanged', id: saga.approvalId, status: outcome === 'completed' ? 'executed' : 'failed', reason: approvalReason, ts: now });
  }
  return out;
}

export function decideSagaStep(state: ExecState, sagaId: string, ctx: SagaContext): Decision {
  const saga = state.sagas[sagaId];
  if (saga === undefined) return { events: [], commands: [], progress: { sagaId, stage: 'missing' } };
  if (saga.status === 'done') return { events: [], commands: [], progress: { sagaId, stage: 'done', ...(saga.outcome !== undefined ? { outcome: saga.outcome } : {}) } };
  const { now } = ctx;
  const step = nextSagaStep(state, sagaId, now, ctx.cfg, ctx.touch, ctx.rules);
  switch (step.kind) {
    case 'wait':
      return { events: [], commands: [], progress: { sagaId, stage: `waiting: ${step.why}` } };
    case 'finish':
      return { events: finished(state, sagaId, step.outcome, step.reason, now), commands: [], progress: { sagaId, stage: 'done', outcome: step.outcome } };
    case 'cancel': {
      const events: ExecEvent[] = saga.status === 'running' && step.why.startsWith('unfilled') ? [{ type: 'executor.sagaCompensating', sagaId, reason: step.why, ts: now }] : [];
      return { events, commands: [{ kind: 'cancel', orders: step.orders }] };
    }
    case 'place': {
      const action = step.riskIncreasing ? 'increase' : step.orders.some((o) => o.role === 'compensate') ? 'compensate' : sagaAction(saga.proposal, saga.approvalId, saga.requestedBy !== undefined);
      if (action === 'compensate' && !allowed(ctx.ks, action)) {
        // EMERGENCY: the flatten owns the book; the compensation resumes after it (capped to what is still held).
        return { events: [], commands: [], progress: { sagaId, stage: `waiting: ${refusal(ctx.ks, action)}` } };
      }
      if ((action === 'reduce' || action === 'approvedExit') && !allowed(ctx.ks, action)) {
        // An exit the state no longer permits stops here (once, journaled); it keeps what it closed, and a later
        // proposal — an approval while HALTED — exits the rest.
        const why = refusal(ctx.ks, action);
        return {
          events: [denial(saga.proposal, 'KILLSWITCH_NOT_NORMAL', why, now, sagaId), ...finished(state, sagaId, 'failed', `exit stopped: ${why}`, now, why)],
          commands: [], progress: { sagaId, stage: 'done', outcome: 'failed' },
        };
      }
      if (step.riskIncreasing && !allowed(ctx.ks, 'increase')) return riskDenied(state, sagaId, 'KILLSWITCH_NOT_NORMAL', refusal(ctx.ks, 'increase'), now);
      // Re-check risk before every risk-increasing group: risk may have moved since the saga began.
      return { events: [], commands: [{ kind: 'place', sagaId, orders: step.orders, ...(step.riskIncreasing ? { preTrade: saga.proposal } : {}) }] };
    }
  }
}

/**
 * A risk-increasing group refused (the kill switch, or risk's re-check): journaled; a saga that sent nothing yet ends
 * `denied`, one that did compensates what it filled.
 */
export function riskDenied(state: ExecState, sagaId: string, reason: DenyReason, detail: string, now: number): Decision {
  const saga = state.sagas[sagaId];
  if (saga === undefined) return { events: [], commands: [], progress: { sagaId, stage: 'missing' } };
  const deny = denial(saga.proposal, reason, detail, now, sagaId);
  let sent = false;
  for (const id in state.orders) if (state.orders[id]!.sagaId === sagaId) { sent = true; break; }
  if (!sent) return { events: [deny, ...finished(state, sagaId, 'denied', detail, now)], commands: [], progress: { sagaId, stage: 'done', outcome: 'denied' } };
  return { events: [deny, { type: 'executor.sagaCompensating', sagaId, reason: detail, ts: now }], commands: [] };
}
