/**
 * @module A saga's next step (pure): which orders to place or cancel, whether to wait or finish. BUY legs before SELL
 * legs; a failed entry leg turns the saga into compensation; orders that reduce risk are re-priced, never left resting.
 */
import { isMarketOpen } from '../domain/calendar.ts';
import { roundToTick, TICK_SIZE } from '../domain/units.ts';
import type { OrderStatus, Product } from '../domain/order.ts';
import type { Side } from '../domain/side.ts';
import type { Leg } from '../domain/leg.ts';
import { clientOrderId, type OrderRole } from './ids.ts';
import { sliceQuantity } from './slicing.ts';
import type { SagaOutcome } from './messages.ts';
import { msText, repriceAfterMs, type CoreConfig } from './core.ts';
import { aggressivePrice, type RulesLookup, type TouchLookup } from './pricing.ts';
import { isTerminal, type ExecState, type OrderRec, type PlannedOrder } from './state.ts';

export type { PlannedOrder } from './state.ts';

/** Over with (part of) the order unfilled by the venue's or our own doing: cancelled (re-price, timeout) or expired. */
function endedUnfilled(s: OrderStatus): boolean {
  return s === 'cancelled' || s === 'expired';
}

/** The wait reason of a compensation carried to the next open (the report lists such sagas as positions to manage). */
export const MARKET_CLOSED_CARRY = 'market closed';

/** A refusal because the market is closed: the broker's MARKET_CLOSED error or an RMS rejection saying so. */
export function refusedMarketClosed(o: Pick<OrderRec, 'status' | 'reason'>): boolean {
  return o.status === 'rejected' && /^MARKET_CLOSED\b|market (is )?closed/i.test(o.reason ?? '');
}

export type SagaStep =
  | { readonly kind: 'place'; readonly orders: readonly PlannedOrder[]; readonly riskIncreasing: boolean }
  | { readonly kind: 'cancel'; readonly orders: readonly string[]; readonly why: string }
  | { readonly kind: 'wait'; readonly why: string }
  | { readonly kind: 'finish'; readonly outcome: SagaOutcome; readonly reason: string };

const opposite = (s: Side): Side => (s === 'BUY' ? 'SELL' : 'BUY');

export function sagaOrders(state: ExecState, sagaId: string): OrderRec[] {
  return Object.values(state.orders).filter((o) => o.sagaId === sagaId);
}

/** Signed units a saga holds in a leg (entries and compensations). */
function legExposure(orders: readonly OrderRec[], leg: number): number {
  let q = 0;
  for (const o of orders) if (o.leg === leg) q += o.side === 'BUY' ? o.filledQuantity : -o.filledQuantity;
  return q;
}

/**
 * The product an order trades: the product of the position it closes (an `I` position closed with a `D` order opens
 * an opposite `D` one), else VolGuard's configured one.
 */
export function productFor(state: ExecState, instrumentKey: string, side: Side, cfg: CoreConfig): Product {
  const p = state.positions[instrumentKey];
  const closes = p !== undefined && p.quantity !== 0 && (p.quantity > 0) === (side === 'SELL');
  return closes ? p.product ?? 'D' : cfg.product ?? 'D';
}

function entryOrders(leg: Leg, legNo: number, sagaNo: number, sagaIdStr: string, riskIncreasing: boolean, touch: TouchLookup, rules: RulesLookup, cfg: CoreConfig, product: Product): PlannedOrder[] {
  const r = rules(leg.instrumentKey);
  const slices = r === undefined ? [leg.quantity] : sliceQuantity(leg.quantity, r.lotSize, r.freezeQty);
  const priced = leg.limitPrice !== undefined ? { orderType: 'LIMIT' as const, price: roundToTick(leg.limitPrice) } : aggressivePrice(leg.side, touch(leg.instrumentKey), cfg.protectionTicks, cfg.marketProtectionPct);
  return slices.map((quantity, i) => ({
    clientOrderId: clientOrderId(sagaNo, legNo, 'entry', 0, slices.length === 1 ? 0 : i + 1),
    sagaId: sagaIdStr, leg: legNo, role: 'entry', instrumentKey: leg.instrumentKey, side: leg.side, quantity,
    ...priced, riskIncreasing, product,
  }));
}

/** A saga-held exposure, never more than the position still holds in that direction (a flatten may have closed it). */
function capToPosition(q: number, position: number): number {
  return q > 0 ? Math.min(q, Math.max(0, position)) : Math.max(q, Math.min(0, position));
}

/**
 * The next step of one saga. Order of play: BUY legs, then SELL legs (hedges before shorts, and for exits buy back
 * shorts before selling wings). Any entry leg that ends unfilled turns the saga into compensation: cancel what is
 * working, then reverse every filled leg (BUYs first), re-pricing each rejected attempt. UNKNOWN orders block the
 * saga (never retried): reconciliation resolves them.
 *
 * Timers are market time (DESIGN §8: fill and leg timeouts face the market): a risk-increasing entry still working after `orderFillTimeoutMs` is cancelled
 * (the saga compensates). Orders that reduce risk are never left resting: a compensation or an exit leg still working
 * after `repriceAfterMs(cfg)` is cancelled and its rest re-placed one step more aggressive (touch + protectionTicks ×
 * attempt) — at most `maxCompensationAttempts` orders per leg. Then it escalates: a compensation ends `failed` (a short
 * it leaves unhedged runs into the naked-leg timer → EMERGENCY → flatten); an exit ends `failed`, keeps what it closed,
 * and the next cycle's proposal retries. A rejected exit ends `failed` at once (as before). What an exit or a
 * compensation re-places never exceeds what the position still holds (a flatten in between leaves nothing to do).
 */
export function nextSagaStep(state: ExecState, sagaId: string, now: number, cfg: CoreConfig, touch: TouchLookup, rules: RulesLookup): SagaStep {
  const saga = state.sagas[sagaId];
  if (saga === undefined || saga.status === 'done') return { kind: 'wait', why: 'no running saga' };
  const legs = saga.proposal.legs;
  const orders = sagaOrders(state, sagaId);
  const entries = orders.filter((o) => o.role === 'entry');
  const unknown = orders.filter((o) => o.status === 'unknown' || o.status === 'pending');
  const filledOf = (i: number): number => entries.filter((o) => o.leg === i).reduce((a, o) => a + o.filledQuantity, 0);
  const exit = !saga.proposal.riskIncreasing;
  const reprice = repriceAfterMs(cfg);
  const age = (o: OrderRec): number => now - o.createdAt;
  const positionOf = (key: string): number => state.positions[key]?.quantity ?? 0;
  /** An exit leg's rest: the leg's unfilled quantity, never more than the position holds in the closing direction. */
  const exitRest = (i: number): number => {
    const l = legs[i];
    if (l === undefined) return 0;
    const holds = l.side === 'BUY' ? -positionOf(l.instrumentKey) : positionOf(l.instrumentKey);
    return Math.max(0, Math.min(l.quantity - filledOf(i), holds));
  };
  /** An exit leg whose last order was cancelled unfilled (re-priced) with rest to close and attempts left. */
  const exitAgain = (i: number): boolean => {
    const mine = entries.filter((o) => o.leg === i);
    const last = mine.at(-1);
    return exit && last !== undefined && endedUnfilled(last.status) && exitRest(i) > 0 && mine.length < cfg.maxCompensationAttempts;
  };
  /** When a leg's first entry order went out: its fill timeout runs from there, across re-priced attempts. */
  const legStart = (i: number): number => Math.min(...entries.filter((o) => o.leg === i).map((o) => o.createdAt));
  const entryAttempts = exit ? 0 : cfg.entryRepriceAttempts ?? 0;
  /** An entry leg whose last order ended unfilled (re-priced, or ended by the venue) with attempts and time left. */
  const entryAgain = (i: number): boolean => {
    const l = legs[i];
    const mine = entries.filter((o) => o.leg === i);
    const last = mine.at(-1);
    return l !== undefined && last !== undefined && endedUnfilled(last.status) && l.quantity - filledOf(i) > 0 &&
      mine.length <= entryAttempts && now - legStart(i) < cfg.orderFillTimeoutMs;
  };
  const legFailed = legs.some((l, i) => {
    const mine = entries.filter((o) => o.leg === i);
    if (!(mine.length > 0 && mine.every((o) => isTerminal(o.status)) && filledOf(i) < l.quantity)) return false;
    return exit ? exitRest(i) > 0 && !exitAgain(i) : !entryAgain(i);
  });

  if (saga.status === 'compensating' || legFailed) {
    const working = entries.filter((o) => !isTerminal(o.status) && o.status !== 'unknown' && o.status !== 'pending');
    if (working.length > 0) return { kind: 'cancel', orders: working.map((o) => o.clientOrderId), why: 'leg failed: cancel the rest' };
    if (unknown.length > 0) return { kind: 'wait', why: `UNKNOWN orders ${unknown.map((o) => o.clientOrderId).join(',')} await reconciliation` };
    if (exit) {
      // An exit is never reversed (that would put the risk back on): keep what was closed, end; a later cycle retries.
      const failedLeg = entries.find((o) => o.status === 'rejected') ?? entries.find((o) => endedUnfilled(o.status));
      const tries = legs.map((_, i) => entries.filter((o) => o.leg === i).length).filter((n, i) => n >= cfg.maxCompensationAttempts && exitRest(i) > 0);
      const why = tries.length > 0 ? `still unfilled after ${tries[0]} re-priced attempts` : failedLeg?.reason ?? saga.reason ?? 'leg failed';
      return { kind: 'finish', outcome: 'failed', reason: `exit incomplete: ${why}` };
    }
    const comps = orders.filter((o) => o.role === 'compensate');
    const workingComps = comps.filter((o) => !isTerminal(o.status));
    if (workingComps.length > 0) {
      const stale = workingComps.filter((o) => age(o) >= reprice);
      if (stale.length > 0) return { kind: 'cancel', orders: stale.map((o) => o.clientOrderId), why: `re-price: compensation unfilled after ${msText(now - Math.min(...stale.map((o) => o.createdAt)))}` };
      return { kind: 'wait', why: 'compensation working' };
    }
    const needs = legs.map((l, i) => ({ l, i, q: capToPosition(legExposure(orders, i), positionOf(l.instrumentKey)) })).filter((x) => x.q !== 0);
    if (needs.length === 0) {
      const anyFill = entries.some((o) => o.filledQuantity > 0);
      // Why the saga compensated: its own cause when it chose to (a fill timeout, a denial mid-saga) — the venue's text
      // on the order it then cancelled ("cancelled by user") says nothing — else the failed leg's (a rejection).
      const failedLeg = entries.find((o) => o.status === 'rejected') ?? entries.find((o) => endedUnfilled(o.status));
      return { kind: 'finish', outcome: anyFill ? 'compensated' : 'failed', reason: saga.reason ?? failedLeg?.reason ?? 'leg failed' };
    }
    // Reverse BUY-side compensations first (buying back shorts), then SELL the hedges.
    const buys = needs.filter((x) => x.q < 0);
    const batch = buys.length > 0 ? buys : needs;
    const planned: PlannedOrder[] = [];
    for (const { l, i, q } of batch) {
      const mine = comps.filter((o) => o.leg === i);
      // The id counts every order; the budget only real attempts (a refusal because the market is closed is not one).
      const attempt = mine.length;
      const tried = mine.filter((o) => !refusedMarketClosed(o)).length;
      if (tried >= cfg.maxCompensationAttempts) return { kind: 'finish', outcome: 'failed', reason: `compensation of leg ${i} failed ${tried} times` };
      const last = mine.at(-1);
      if (last !== undefined && refusedMarketClosed(last) && !(cfg.isMarketOpen ?? isMarketOpen)(now)) {
        // A position to manage at the next open, never a silent failure: the saga waits (and says so — the report
        // escalates it to the kill switch) and compensates when the market opens.
        return { kind: 'wait', why: `${MARKET_CLOSED_CARRY}: compensation of leg ${i} (${l.instrumentKey}) refused (${last.reason ?? 'market closed'}); carried to the next open` };
      }
      const side: Side = q > 0 ? 'SELL' : 'BUY';
      // A compensation reverses what this saga's entries filled, in the product they filled in.
      const product = entries.find((o) => o.leg === i && o.filledQuantity > 0)?.product ?? productFor(state, l.instrumentKey, side, cfg);
      planned.push(...retryOrders(saga.no, sagaId, i, 'compensate', attempt, l.instrumentKey, side, Math.abs(q), touch, rules, cfg, product));
    }
    return { kind: 'place', orders: planned, riskIncreasing: false };
  }

  // Nothing new goes out while any order of the saga is in doubt.
  if (unknown.length > 0) return { kind: 'wait', why: `UNKNOWN orders ${unknown.map((o) => o.clientOrderId).join(',')} await reconciliation` };
  for (const side of ['BUY', 'SELL'] as const) {
    const group = legs.map((l, i) => ({ l, i })).filter((x) => x.l.side === side);
    if (group.length === 0) continue;
    // An exit sends what the position still holds of each leg (nothing for a leg a flatten already closed).
    const unsent = group.filter((x) => !entries.some((o) => o.leg === x.i) && (!exit || exitRest(x.i) > 0));
    if (unsent.length > 0) {
      const planned = unsent.flatMap((x) => entryOrders(exit ? { ...x.l, quantity: exitRest(x.i) } : x.l, x.i, saga.no, sagaId, saga.proposal.riskIncreasing, touch, rules, cfg, productFor(state, x.l.instrumentKey, x.l.side, cfg)));
      return { kind: 'place', orders: planned, riskIncreasing: saga.proposal.riskIncreasing };
    }
    const groupOrders = entries.filter((o) => group.some((x) => x.i === o.leg));
    if (groupOrders.some((o) => o.status === 'unknown' || o.status === 'pending')) return { kind: 'wait', why: 'UNKNOWN entry awaits reconciliation' };
    const working = groupOrders.filter((o) => !isTerminal(o.status));
    if (working.length > 0) {
      if (exit) {
        const stale = working.filter((o) => age(o) >= reprice);
        if (stale.length > 0) return { kind: 'cancel', orders: stale.map((o) => o.clientOrderId), why: `re-price: exit unfilled after ${msText(now - Math.min(...stale.map((o) => o.createdAt)))}` };
        return { kind: 'wait', why: `${side} legs working` };
      }
      const timedOut = working.filter((o) => now - legStart(o.leg) >= cfg.orderFillTimeoutMs);
      if (timedOut.length > 0) {
        const since = msText(now - Math.min(...timedOut.map((o) => legStart(o.leg))));
        return { kind: 'cancel', orders: timedOut.map((o) => o.clientOrderId), why: `unfilled after ${since} (limit ${cfg.orderFillTimeoutMs} ms)` };
      }
      const chase = working.filter((o) => entryAttempts > 0 && age(o) >= (cfg.entryRepriceMs ?? cfg.orderFillTimeoutMs) &&
        entries.filter((e) => e.leg === o.leg).length <= entryAttempts && entryRepricedAt(o, entries, touch, cfg) !== null);
      if (chase.length > 0) return { kind: 'cancel', orders: chase.map((o) => o.clientOrderId), why: `re-price: entry unfilled after ${msText(now - Math.min(...chase.map((o) => o.createdAt)))}` };
      return { kind: 'wait', why: `${side} legs working` };
    }
    const again = group.filter((x) => exitAgain(x.i));
    if (again.length > 0) {
      const planned = again.flatMap((x) => retryOrders(saga.no, sagaId, x.i, 'entry', entries.filter((o) => o.leg === x.i).length, x.l.instrumentKey, side, exitRest(x.i), touch, rules, cfg, productFor(state, x.l.instrumentKey, side, cfg)));
      return { kind: 'place', orders: planned, riskIncreasing: false };
    }
    const chased = group.filter((x) => entryAgain(x.i));
    if (chased.length > 0) {
      const planned = chased.flatMap((x) => {
        const mine = entries.filter((o) => o.leg === x.i);
        const last = mine.at(-1)!;
        // The venue may have ended it (not our re-price): then the rest goes out at the price allowed now, or as before.
        const price = entryRepricedAt(last, entries, touch, cfg) ?? last.price;
        return repricedEntryOrders(saga.no, sagaId, x.i, mine.length, x.l.instrumentKey, side, x.l.quantity - filledOf(x.i), price, rules, productFor(state, x.l.instrumentKey, side, cfg));
      });
      return { kind: 'place', orders: planned, riskIncreasing: true };
    }
  }
  return { kind: 'finish', outcome: 'completed', reason: 'all legs filled' };
}

/**
 * The price an entry order's leg would be re-placed at now: the touch + protectionTicks × (attempts so far), capped at
 * the leg's first price ± max(entryMaxSlippagePct %, two ticks) — or null when that is no more aggressive than `o`'s
 * price (nothing to gain by cancelling) or there is no quote.
 */
function entryRepricedAt(o: OrderRec, entries: readonly OrderRec[], touch: TouchLookup, cfg: CoreConfig): number | null {
  const mine = entries.filter((e) => e.leg === o.leg);
  const first = mine[0]?.price ?? o.price;
  if (!(first > 0)) return null;
  const t = aggressivePrice(o.side, touch(o.instrumentKey), cfg.protectionTicks * mine.length, cfg.marketProtectionPct);
  if (t.orderType !== 'LIMIT') return null;
  const slip = Math.max(2 * TICK_SIZE, (first * (cfg.entryMaxSlippagePct ?? 5)) / 100);
  // Capped the conservative way: a BUY never above first + slip, a SELL never below first − slip (on the tick grid).
  const capped = o.side === 'BUY'
    ? Math.min(t.price, Math.floor((first + slip) / TICK_SIZE + 1e-6) * TICK_SIZE)
    : Math.max(t.price, Math.ceil((first - slip) / TICK_SIZE - 1e-6) * TICK_SIZE);
  const price = roundToTick(Math.max(TICK_SIZE, capped));
  const better = o.side === 'BUY' ? price > o.price + 1e-9 : price < o.price - 1e-9;
  return better ? price : null;
}

/** A re-priced entry attempt: the leg's rest at `price`, sliced, still risk-increasing (gated and risk-checked again). */
function repricedEntryOrders(sagaNo: number, sagaIdStr: string, leg: number, attempt: number, instrumentKey: string, side: Side, quantity: number, price: number, rules: RulesLookup, product: Product): PlannedOrder[] {
  const r = rules(instrumentKey);
  const slices = r === undefined ? [quantity] : sliceQuantity(quantity, r.lotSize, r.freezeQty);
  return slices.map((q, s) => ({
    clientOrderId: clientOrderId(sagaNo, leg, 'entry', attempt, slices.length === 1 ? 0 : s + 1),
    sagaId: sagaIdStr, leg, role: 'entry', instrumentKey, side, quantity: q, orderType: 'LIMIT', price, riskIncreasing: true, product,
  }));
}

/** One re-priced attempt of a risk-reducing order: limit at touch + protectionTicks × (attempt + 1), sliced. */
function retryOrders(sagaNo: number, sagaIdStr: string, leg: number, role: OrderRole, attempt: number, instrumentKey: string, side: Side, quantity: number, touch: TouchLookup, rules: RulesLookup, cfg: CoreConfig, product: Product): PlannedOrder[] {
  const r = rules(instrumentKey);
  const slices = r === undefined ? [quantity] : sliceQuantity(quantity, r.lotSize, r.freezeQty);
  const priced = aggressivePrice(side, touch(instrumentKey), cfg.protectionTicks * (attempt + 1), cfg.marketProtectionPct);
  return slices.map((q, s) => ({
    clientOrderId: clientOrderId(sagaNo, leg, role, attempt, slices.length === 1 ? 0 : s + 1),
    sagaId: sagaIdStr, leg, role, instrumentKey, side, quantity: q, ...priced, riskIncreasing: false, product,
  }));
}

export { opposite };
