/**
 * @module One round of a flatten (pure): given what the broker still holds, pull our orders still working on it,
 * wait on orders in doubt (UNKNOWN, or an intent journaled and never answered — reconciliation proves each present or
 * absent after RECON_GRACE_MS), and close the rest — shorts first (BUY to close), each instrument with its own
 * FLATTEN_MAX_ATTEMPTS orders, re-priced more aggressively every attempt, under new deterministic ids (`VGF<run>-<n>`).
 */
import type { CoreConfig } from './core.ts';
import { flattenOrderId } from './ids.ts';
import { aggressivePrice, type TouchLookup } from './pricing.ts';
import { isTerminal, type ExecState, type PlannedOrder } from './state.ts';

export interface Holding {
  readonly instrumentKey: string;
  readonly quantity: number;
}

export interface FlattenContext {
  readonly run: number;
  /** The number of the next flatten order in this run. */
  readonly next: number;
  /** Orders placed so far per instrument in this run. */
  readonly tries: ReadonlyMap<string, number>;
  readonly maxAttempts: number;
  readonly now: number;
  readonly cfg: CoreConfig;
  readonly touch: TouchLookup;
  /** Market ms per wall ms: the wait for the grace is slept in wall time. */
  readonly speed: number;
  /** FLATTEN_RETRY_MS (wall). */
  readonly retryMs: number;
}

export type FlattenRound =
  | { readonly kind: 'flat' }
  /** Present and still working (found by tag after the cancel-all, or a cancel not yet confirmed): pull, look again. */
  | { readonly kind: 'pull'; readonly orders: readonly string[] }
  /** Close these now; then wait `waitMs` (wall) before looking again (on the orders in doubt, if any). */
  | { readonly kind: 'place'; readonly orders: readonly PlannedOrder[]; readonly waitMs: number; readonly doubt: readonly string[] }
  /** Nothing to place: only orders in doubt block what is left. */
  | { readonly kind: 'wait'; readonly waitMs: number; readonly doubt: readonly string[]; readonly remainingMs: number }
  /** Every instrument left has had all its attempts. */
  | { readonly kind: 'exhausted' };

export function planFlattenRound(state: ExecState, left: readonly Holding[], ctx: FlattenContext): FlattenRound {
  if (left.length === 0) return { kind: 'flat' };
  const keys = new Set(left.map((p) => p.instrumentKey));
  const open = Object.values(state.orders).filter((o) => keys.has(o.instrumentKey) && !isTerminal(o.status));
  const working = open.filter((o) => o.status !== 'unknown' && o.status !== 'pending' && o.brokerOrderId !== null);
  if (working.length > 0) return { kind: 'pull', orders: working.map((o) => o.clientOrderId) };
  const doubt = open.filter((o) => o.status === 'unknown' || o.status === 'pending');
  const blocked = new Set(doubt.map((o) => o.instrumentKey));
  // The grace is market time; the wait between looks is wall time (the market time still to run ÷ the speed, an
  // eighth at a time so ~8 looks cover it).
  const remainingMs = doubt.length === 0 ? 0 : Math.max(0, ...doubt.map((o) => ctx.cfg.reconGraceMs - (ctx.now - o.updatedAt)));
  const waitMs = doubt.length === 0 ? ctx.retryMs : Math.max(1, ctx.retryMs, Math.ceil(remainingMs / ctx.speed / 8));
  const todo = left.filter((p) => !blocked.has(p.instrumentKey) && (ctx.tries.get(p.instrumentKey) ?? 0) < ctx.maxAttempts);
  if (todo.length === 0) {
    return doubt.length === 0 ? { kind: 'exhausted' } : { kind: 'wait', waitMs, doubt: doubt.map((o) => o.clientOrderId), remainingMs };
  }
  const sorted = [...todo].sort((a, b) => a.quantity - b.quantity); // shorts (BUY to close) first
  const sagaId = `VGF${ctx.run.toString(36)}`;
  const orders = sorted.map((p, i): PlannedOrder => {
    const tried = ctx.tries.get(p.instrumentKey) ?? 0;
    const side = p.quantity < 0 ? 'BUY' as const : 'SELL' as const;
    return {
      clientOrderId: flattenOrderId(ctx.run, ctx.next + i), sagaId, leg: 0, role: 'flatten', instrumentKey: p.instrumentKey, side,
      quantity: Math.abs(p.quantity), ...aggressivePrice(side, ctx.touch(p.instrumentKey), ctx.cfg.protectionTicks * (tried + 1)),
      riskIncreasing: false,
    };
  });
  return { kind: 'place', orders, waitMs, doubt: doubt.map((o) => o.clientOrderId) };
}
