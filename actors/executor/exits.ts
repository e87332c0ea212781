/**
 * @module Exits (pure): a close never trades more than the book holds, and positions VolGuard did not open or no
 * longer manages (adopted: zombies found at the broker, orphans left by a failed structure) are exited, exit-only.
 */
import type { Side } from '../domain/side.ts';
import type { Proposal } from '../domain/proposal.ts';
import { isUnsettled, type ExecState, type PositionRec } from './state.ts';
import { expired } from './money.ts';

/**
 * Why a `close` proposal would trade more than the book holds, or null when every leg closes units we hold: per
 * instrument and side, the legs' total must not exceed the opposite position less what working orders on that side
 * are already closing (an exit still working, a flatten, an order in doubt counted in full). A structure can hold a
 * leg the broker no longer has (closed outside VolGuard between reconciliations, or a second exit raced the first);
 * without this check that "close" would OPEN a position the other way.
 */
export function closeExceedsHolding(state: ExecState, p: Proposal): string | null {
  if (p.action !== 'close') return null;
  const want = new Map<string, { side: Side; quantity: number }>();
  for (const l of p.legs) {
    const k = `${l.instrumentKey}|${l.side}`;
    want.set(k, { side: l.side, quantity: (want.get(k)?.quantity ?? 0) + l.quantity });
  }
  const problems: string[] = [];
  for (const [k, w] of want) {
    const instrumentKey = k.slice(0, k.lastIndexOf('|'));
    const held = state.positions[instrumentKey]?.quantity ?? 0;
    // A BUY closes a short (held < 0); a SELL closes a long.
    const opposite = w.side === 'BUY' ? Math.max(0, -held) : Math.max(0, held);
    let closing = 0;
    for (const o of Object.values(state.orders)) {
      if (o.instrumentKey === instrumentKey && o.side === w.side && isUnsettled(o.status)) closing += Math.max(0, o.quantity - o.filledQuantity);
    }
    const closable = Math.max(0, opposite - closing);
    if (w.quantity > closable) {
      problems.push(`${w.side} ${w.quantity} ${instrumentKey}: holding ${held}, ${closing} already being closed, so at most ${closable} can close`);
    }
  }
  return problems.length === 0 ? null : problems.join('; ');
}

export const ADOPTED_EXIT_PREFIX = 'adopted-exit-';
/** Exits of orphans (units a failed structure left): the continuation of a compensation. */
export const ORPHAN_EXIT_PREFIX = 'orphan-exit-';

/**
 * The exit proposal for every adopted position found at the broker (a zombie: VolGuard never placed it), or
 * undefined when there is none, an exit is already running, or `maxFailures` exits in a row have failed (a human
 * decides then). Deterministic from the state (the id counts the exit sagas so far), so a replay proposes the same id
 * and `seen` keeps it to one saga. It goes the way of every proposal: a saga in FULL_AUTO, an approval in SEMI_AUTO.
 */
export function adoptedExitProposal(state: ExecState, maxFailures: number, now?: number): Proposal | undefined {
  const orphans = state.orphans ?? {};
  const zombies = Object.values(state.positions).filter((p) => p.structureId === 'adopted' && p.quantity !== 0 && orphans[p.instrumentKey] === undefined && tradable(p, now));
  return exitOf(state, zombies, ADOPTED_EXIT_PREFIX, maxFailures, 'exit-only management of adopted (zombie) positions');
}

/**
 * The exit of every orphan still held (orphans.ts): VolGuard's own units that a saga failed to unwind. It continues
 * that saga's compensation, so it needs no approval — only the kill switch's `reduce` (while HALTED it becomes an
 * approval like any exit). Retried (a fresh id per attempt) until flat or `maxFailures` in a row.
 */
export function orphanExitProposal(state: ExecState, maxFailures: number, now?: number): Proposal | undefined {
  const orphans = state.orphans ?? {};
  const held = Object.values(state.positions).filter((p) => p.structureId === 'adopted' && p.quantity !== 0 && orphans[p.instrumentKey] !== undefined && tradable(p, now));
  return exitOf(state, held, ORPHAN_EXIT_PREFIX, maxFailures, 'exit-only management of positions a failed structure left (orphans)');
}

/**
 * Whether a held contract still trades at `now` (market clock): past its expiry's close it does not — settlement
 * (money.ts) takes it out of the book, and an exit order for it could never fill.
 */
function tradable(p: PositionRec, now: number | undefined): boolean {
  return now === undefined || !expired(p.expiry, now);
}

function exitOf(state: ExecState, positions: readonly PositionRec[], prefix: string, maxFailures: number, reason: string): Proposal | undefined {
  const first = positions[0];
  if (first === undefined) return undefined;
  const exits = Object.values(state.sagas).filter((s) => s.proposal.id.startsWith(prefix)).sort((a, b) => a.no - b.no);
  if (exits.some((s) => s.status !== 'done')) return undefined;
  // SEMI_AUTO: an approval still pending waits for its human; one that expired, was rejected or invalidated without
  // a saga counts like a proposal made, so the next gets a fresh id (and a fresh approval) — retried until flat.
  const approvals = Object.values(state.approvals).filter((a) => a.proposalId.startsWith(prefix));
  if (approvals.some((a) => a.status === 'pending' || a.status === 'approved')) return undefined;
  const unanswered = approvals.filter((a) => !exits.some((s) => s.proposal.id === a.proposalId)).length;
  let failuresInARow = 0;
  for (const s of exits) failuresInARow = s.outcome === 'completed' ? 0 : failuresInARow + 1;
  if (failuresInARow >= maxFailures) return undefined;
  return {
    id: `${prefix}${exits.length + unanswered + 1}`, action: 'close', kind: 'adopted', bucket: 'intraday',
    underlying: first.underlying, expiry: first.expiry, structureId: 'adopted',
    legs: positions.map((p) => ({
      instrumentKey: p.instrumentKey, underlying: p.underlying, expiry: p.expiry, strike: p.strike, right: p.right,
      side: p.quantity < 0 ? 'BUY' as const : 'SELL' as const, quantity: Math.abs(p.quantity),
    })),
    reason, rationale: { positions: positions.length, attempt: exits.length + unanswered + 1 },
    riskIncreasing: false,
  };
}
