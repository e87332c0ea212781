/**
 * @module Exits (pure): a close never trades more than the book holds, and positions VolGuard did not open or no
 * longer manages (adopted: zombies found at the broker, orphans left by a failed structure) are exited, exit-only.
 */
import type { Leg } from '../domain/leg.ts';
import type { Side } from '../domain/side.ts';
import type { Proposal } from '../domain/proposal.ts';
import { isUnsettled, type ExecState, type OperatorRequest, type PositionRec } from './state.ts';
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

/** Proposal ids of an operator's close: `close-<structureId>-<n>`, n the saga it would start (unique per started close). */
export const OPERATOR_CLOSE_PREFIX = 'close-';

export type OperatorClose =
  | { readonly ok: true; readonly proposal: Proposal }
  /** `NOT_FOUND` (no such structure) or `INVALID_STATE` (not open, an exit already working on it, nothing held). */
  | { readonly ok: false; readonly code: 'NOT_FOUND' | 'INVALID_STATE'; readonly message: string };

/**
 * The close of one open structure an operator asked for: every leg it still holds bought or sold back (reduce-only:
 * never more than the book holds in that instrument, less what working orders are already closing), without limit
 * prices — the saga prices each leg as a marketable LIMIT from the touch, re-priced like any exit. Refused when the
 * structure is unknown, not `open` (opening, closing, closed, failed: a saga or settlement owns it), or a saga is still
 * working for it.
 */
export function operatorClose(state: ExecState, structureId: string, req: OperatorRequest, now?: number): OperatorClose {
  const s = state.structures[structureId];
  if (s === undefined) return { ok: false, code: 'NOT_FOUND', message: `expected a known structure id, was ${JSON.stringify(structureId)}` };
  if (s.status !== 'open') return { ok: false, code: 'INVALID_STATE', message: `expected structure ${structureId} open to close it, was ${s.status}` };
  const working = Object.values(state.sagas).find((x) => x.structureId === structureId && x.status !== 'done');
  if (working !== undefined) return { ok: false, code: 'INVALID_STATE', message: `expected no saga working for structure ${structureId}, was ${working.id} (${working.proposal.action})` };
  if (now !== undefined && expired(s.expiry, now)) return { ok: false, code: 'INVALID_STATE', message: `structure ${structureId} is past its expiry's close (${s.expiry}): it settles, it cannot trade` };
  const legs: Leg[] = [];
  for (const l of s.legs) {
    const held = state.positions[l.instrumentKey]?.quantity ?? 0;
    // The structure's short leg is bought back (a BUY closes held < 0), its long sold (a SELL closes held > 0).
    const side: Side = l.side === 'SELL' ? 'BUY' : 'SELL';
    const opposite = side === 'BUY' ? Math.max(0, -held) : Math.max(0, held);
    let closing = 0;
    for (const o of Object.values(state.orders)) {
      if (o.instrumentKey === l.instrumentKey && o.side === side && isUnsettled(o.status)) closing += Math.max(0, o.quantity - o.filledQuantity);
    }
    const quantity = Math.min(l.quantity, Math.max(0, opposite - closing));
    if (quantity > 0) legs.push({ instrumentKey: l.instrumentKey, underlying: l.underlying, expiry: l.expiry, strike: l.strike, right: l.right, side, quantity });
  }
  if (legs.length === 0) return { ok: false, code: 'INVALID_STATE', message: `structure ${structureId} holds nothing the book can close (its legs are flat at the broker or already being closed)` };
  return {
    ok: true,
    proposal: {
      id: `${OPERATOR_CLOSE_PREFIX}${structureId}-${state.sagaSeq + 1}`, action: 'close', kind: s.kind, bucket: s.bucket, underlying: s.underlying, expiry: s.expiry, structureId,
      // BUY legs first in the list too (the saga sends them first whatever the order): shorts bought back before wings go.
      legs: [...legs.filter((l) => l.side === 'BUY'), ...legs.filter((l) => l.side === 'SELL')],
      reason: `operator close by ${req.who}: ${req.reason}`,
      rationale: { exit: 'operator', requestedBy: req.who, requestReason: req.reason },
      riskIncreasing: false,
    },
  };
}
