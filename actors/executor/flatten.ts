/**
 * @module One round of a flatten (pure): given what the broker still holds, pull our orders still working on it,
 * wait on orders in doubt (UNKNOWN, or an intent journaled and never answered — reconciliation proves each present or
 * absent after RECON_GRACE_MS), and close the rest — shorts first (BUY to close; longs only once no short is left),
 * each position in its own product, each (instrument, product) with its own FLATTEN_MAX_ATTEMPTS orders, re-priced more aggressively every attempt, under new deterministic ids (`VGF<run>-<n>`).
 */
import type { Product } from '../domain/order.ts';
import type { CoreConfig } from './core.ts';
import { flattenOrderId } from './ids.ts';
import { aggressivePrice, type RulesLookup, type TouchLookup } from './pricing.ts';
import { sliceQuantity } from './slicing.ts';
import { isTerminal, type ExecState, type PlannedOrder } from './state.ts';

/** One position the broker holds: per instrument AND product (closed in its own product). */
export interface Holding {
  readonly instrumentKey: string;
  /** Absent: `D`. */
  readonly product?: Product;
  readonly quantity: number;
}

/** A holding's key in `tries`: instrument and product (an `I` and a `D` position are two positions to close). */
export function holdingKey(h: Holding): string {
  return `${h.instrumentKey}#${h.product ?? 'D'}`;
}

export interface FlattenContext {
  readonly run: number;
  /** The number of the next flatten order in this run. */
  readonly next: number;
  /** Orders placed so far per holding (`holdingKey`) in this run. */
  readonly tries: ReadonlyMap<string, number>;
  readonly maxAttempts: number;
  readonly now: number;
  readonly cfg: CoreConfig;
  readonly touch: TouchLookup;
  /** Market ms per wall ms: the wait for the grace is slept in wall time. */
  readonly speed: number;
  /** FLATTEN_RETRY_MS (wall). */
  readonly retryMs: number;
  /** Lot and freeze quantity per contract: a position above the freeze quantity is closed in slices. */
  readonly rules?: RulesLookup;
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
  const open_ = left.filter((p) => !blocked.has(p.instrumentKey) && (ctx.tries.get(holdingKey(p)) ?? 0) < ctx.maxAttempts);
  // Shorts are bought back, and seen closed, before any long (a hedge) is sold: a basket does not keep the order of
  // its lines (Upstox has run a SELL line before an earlier BUY), so one group of both could leave a short naked.
  const todo = left.some((p) => p.quantity < 0) ? open_.filter((p) => p.quantity < 0) : open_;
  if (todo.length === 0) {
    return doubt.length === 0 ? { kind: 'exhausted' } : { kind: 'wait', waitMs, doubt: doubt.map((o) => o.clientOrderId), remainingMs };
  }
  const sorted = [...todo].sort((a, b) => a.quantity - b.quantity);
  const sagaId = `VGF${ctx.run.toString(36)}`;
  let n = ctx.next;
  const orders = sorted.flatMap((p): PlannedOrder[] => {
    const tried = ctx.tries.get(holdingKey(p)) ?? 0;
    const side = p.quantity < 0 ? 'BUY' as const : 'SELL' as const;
    const priced = aggressivePrice(side, ctx.touch(p.instrumentKey), ctx.cfg.protectionTicks * (tried + 1), ctx.cfg.marketProtectionPct);
    // Below the freeze quantity, each slice its own order (when the contract's lot and freeze are known).
    const r = ctx.rules?.(p.instrumentKey);
    const qty = Math.abs(p.quantity);
    const slices = r === undefined || qty % r.lotSize !== 0 ? [qty] : sliceQuantity(qty, r.lotSize, r.freezeQty);
    return slices.map((quantity) => ({
      clientOrderId: flattenOrderId(ctx.run, n++), sagaId, leg: 0, role: 'flatten', instrumentKey: p.instrumentKey, side, quantity, ...priced,
      // Closed in the product it is held in: an intraday position closed with a carry-forward order would open one.
      riskIncreasing: false, product: p.product ?? 'D',
    }));
  });
  return { kind: 'place', orders, waitMs, doubt: doubt.map((o) => o.clientOrderId) };
}
