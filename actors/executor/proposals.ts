/**
 * @module What becomes of a proposal (pure), by the phase the kill switch put in force: SHADOW fills it on paper,
 * SEMI_AUTO makes it an approval, FULL_AUTO starts a saga — each proposal once (by id, across restarts). A saga starts
 * only through the gate (`permits` for its action), never closing more than the book holds, and — when it adds risk
 * — once risk's pre-trade check allowed it (the engine asks; `preTrade` says so).
 */
import type { Phase } from '../domain/phase.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { TradingState } from '../domain/trading-state.ts';
import type { CoreConfig } from './core.ts';
import { drift } from './approvals.ts';
import { closeExceedsHolding } from './exits.ts';
import { allowed, refusal, sagaAction } from './gate.ts';
import { sagaId as sagaIdOf } from './ids.ts';
import type { TouchLookup } from './pricing.ts';
import { denial } from './saga-decide.ts';
import { shadowFills } from './shadow.ts';
import type { ApprovalRec, ApprovalRef, ExecEvent, ExecState, OperatorRequest } from './state.ts';

/** Handled before (a saga, an approval, a denial or a shadow fill carries its id): a re-proposal is ignored. */
export function seen(state: ExecState, proposalId: string): boolean {
  if (state.shadow.filled[proposalId] !== undefined) return true;
  for (const id in state.sagas) if (state.sagas[id]!.proposal.id === proposalId) return true;
  for (const id in state.approvals) if (state.approvals[id]!.proposalId === proposalId) return true;
  return state.denied.some((d) => d.proposalId === proposalId);
}

export interface RouteContext {
  readonly phase: Phase;
  readonly flattening: boolean;
  readonly now: number;
  readonly touch: TouchLookup;
  readonly approvalTtlMs: number;
  /** The market reference an approval keeps (spot, IVs, mids now). */
  readonly ref: (p: Proposal) => ApprovalRef;
}

export type Route =
  | { readonly kind: 'ignored' }
  | { readonly kind: 'denied'; readonly events: readonly ExecEvent[] }
  /** SHADOW: filled in the shadow book (no events when a leg has no price: nothing to fill at). */
  | { readonly kind: 'shadow'; readonly events: readonly ExecEvent[] }
  | { readonly kind: 'approval'; readonly id: string; readonly events: readonly ExecEvent[] }
  /** FULL_AUTO: start a saga (`decideStart`). */
  | { readonly kind: 'saga' };

export function routeProposal(state: ExecState, p: Proposal, ctx: RouteContext): Route {
  if (seen(state, p.id)) return { kind: 'ignored' };
  if (ctx.flattening) return { kind: 'denied', events: [denial(p, 'FLATTEN_IN_PROGRESS', 'flatten is running', ctx.now)] };
  if (ctx.phase === 'SHADOW') {
    const fills = shadowFills(p, ctx.touch);
    return { kind: 'shadow', events: fills === undefined ? [] : [{ type: 'executor.shadowFill', proposalId: p.id, structureId: p.structureId ?? `shadow-${p.id}`, fills, legs: p.legs, ts: ctx.now }] };
  }
  if (ctx.phase === 'SEMI_AUTO') {
    const approval: ApprovalRec = {
      id: `A-${p.id}`.slice(0, 40), status: 'pending', createdAt: ctx.now, expiresAt: ctx.now + ctx.approvalTtlMs, legs: p.legs,
      reason: p.reason, proposalId: p.id, underlying: p.underlying, proposal: p, ref: ctx.ref(p),
    };
    // One pending approval per bucket and underlying (for the same action): the newer proposal replaces the older, so
    // the operator never approves a stale trade next to its successor. Journaled as an invalidation, before the new one.
    const replaced: ExecEvent[] = Object.values(state.approvals)
      .filter((o) => o.status === 'pending' && o.proposal.bucket === p.bucket && o.proposal.underlying === p.underlying && o.proposal.action === p.action)
      .map((o) => ({ type: 'executor.approvalChanged', id: o.id, status: 'invalidated', reason: `replaced by newer proposal ${p.id} (one pending approval per bucket and underlying)`, ts: ctx.now }));
    return { kind: 'approval', id: approval.id, events: [...replaced, { type: 'executor.approvalCreated', approval }] };
  }
  return { kind: 'saga' };
}

export type Start =
  | { readonly kind: 'denied'; readonly events: readonly ExecEvent[] }
  /** `preTrade`: ask risk first; its "no" is a denial (`RISK_PRETRADE_DENIED`, or `RISK_UNAVAILABLE` when it failed). */
  | { readonly kind: 'start'; readonly sagaId: string; readonly preTrade: boolean; readonly event: ExecEvent };

export function decideStart(state: ExecState, p: Proposal, approvalId: string | null, ks: TradingState | undefined, now: number, requestedBy?: OperatorRequest): Start {
  const action = sagaAction(p, approvalId, requestedBy !== undefined);
  if (!allowed(ks, action)) return { kind: 'denied', events: [denial(p, 'KILLSWITCH_NOT_NORMAL', refusal(ks, action), now)] };
  const excess = closeExceedsHolding(state, p);
  if (excess !== null) return { kind: 'denied', events: [denial(p, 'CLOSE_EXCEEDS_POSITION', excess, now)] };
  const no = state.sagaSeq + 1;
  const id = sagaIdOf(no);
  const structureId = p.action === 'open' ? `S-${id}` : p.structureId ?? `S-${id}`;
  return { kind: 'start', sagaId: id, preTrade: p.riskIncreasing, event: { type: 'executor.sagaStarted', sagaId: id, no, proposal: p, structureId, approvalId, ...(requestedBy !== undefined ? { requestedBy } : {}), ts: now } };
}

/**
 * A human's approval: it stands only if still pending, inside its TTL (market time) and the market has not drifted
 * past the thresholds since it was proposed (`current`: the reference now; undefined before any snapshot). Returns
 * the events; `start` says whether a saga should start for it.
 */
export function decideApprove(state: ExecState, id: string, who: string, now: number, current: ApprovalRef | undefined, cfg: CoreConfig): { events: ExecEvent[]; start: boolean } {
  const a = state.approvals[id];
  if (a === undefined || a.status !== 'pending') return { events: [], start: false };
  if (now >= a.expiresAt) return { events: [{ type: 'executor.approvalChanged', id, status: 'expired', reason: 'TTL passed before approval', ts: now }], start: false };
  const why = current === undefined ? undefined : drift(a.ref, current, cfg);
  if (why !== undefined) return { events: [{ type: 'executor.approvalChanged', id, status: 'invalidated', reason: why, ts: now }], start: false };
  return { events: [{ type: 'executor.approvalChanged', id, status: 'approved', who, reason: 'approved', ts: now }], start: true };
}
