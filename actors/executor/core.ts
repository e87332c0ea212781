/**
 * @module Pure decisions of the executor: what a saga does next, what reconciliation finds, whether a short leg is
 * naked, whether an approval still stands, how SHADOW fills. No clock (time is an argument),
 * no I/O; the engine carries the decisions out and journals every resulting event before acting on it.
 */
import { roundToTick, TICK_SIZE } from '../domain/units.ts';
import { isMarketOpen, istDate } from '../domain/calendar.ts';
import type { BrokerOrder, BrokerPosition } from '../venues/broker.ts';
import type { OrderStatus, OrderType } from '../domain/order.ts';
import type { Side } from '../domain/side.ts';
import type { ExpiryChain, MarketSnapshot } from '../domain/market-snapshot.ts';
import type { SurfaceCalibrated } from '../calibrator/messages.ts';
import { clientOrderId, isOurs, type OrderRole } from './ids.ts';
import { sliceQuantity } from './slicing.ts';
import type { ReconFinding, SagaOutcome } from './messages.ts';
import type { Leg } from '../domain/leg.ts';
import type { Proposal } from '../domain/proposal.ts';
import { isTerminal, isUnsettled, type ApprovalRec, type ApprovalRef, type ExecEvent, type ExecState, type FillLine, type OrderRec, type PlannedOrder, type PositionRec } from './state.ts';

export interface CoreConfig {
  readonly orderFillTimeoutMs: number;
  readonly reconGraceMs: number;
  readonly nakedLegTimeoutMs: number;
  readonly protectionTicks: number;
  readonly maxCompensationAttempts: number;
  readonly approvalMaxSpotMovePct: number;
  readonly approvalMaxIvMovePts: number;
  readonly approvalMaxMidMovePct: number;
  /**
   * Market ms a working exit or compensation order may rest unfilled before it is cancelled and re-placed one step more
   * aggressive (touch + `protectionTicks` × attempt). Default: ORDER_FILL_TIMEOUT_MS, at most NAKED_LEG_TIMEOUT_MS
   * spread over the attempts (so every re-priced attempt gets its turn before a naked short escalates).
   */
  readonly repriceMs?: number;
  /** Whether the exchange is in session at a market instant (default: the NSE calendar). */
  readonly isMarketOpen?: (nowMs: number) => boolean;
}

/** The re-price interval in market ms (see `CoreConfig.repriceMs`). */
export function repriceAfterMs(cfg: CoreConfig): number {
  return cfg.repriceMs ?? Math.min(cfg.orderFillTimeoutMs, Math.floor(cfg.nakedLegTimeoutMs / (cfg.maxCompensationAttempts + 1)));
}

/** Throws a RangeError naming the first bad timing field (the engine checks its config once, at construction). */
export function checkCoreConfig(cfg: CoreConfig): void {
  for (const k of ['orderFillTimeoutMs', 'reconGraceMs', 'nakedLegTimeoutMs'] as const) {
    if (!(Number.isFinite(cfg[k]) && cfg[k] >= 0)) throw new RangeError(`expected ${k} a non-negative number of market ms, was ${String(cfg[k])}`);
  }
  if (cfg.repriceMs !== undefined && !(Number.isFinite(cfg.repriceMs) && cfg.repriceMs >= 0)) {
    throw new RangeError(`expected repriceMs a non-negative number of market ms, was ${String(cfg.repriceMs)}`);
  }
  if (!(Number.isInteger(cfg.maxCompensationAttempts) && cfg.maxCompensationAttempts >= 1)) {
    throw new RangeError(`expected maxCompensationAttempts a positive integer, was ${String(cfg.maxCompensationAttempts)}`);
  }
}

/** A market-time span as the journal says it: "30000 ms". */
function msText(marketMs: number): string {
  return `${Math.round(marketMs)} ms`;
}

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

export interface Touch {
  readonly bid: number;
  readonly ask: number;
}
export type TouchLookup = (instrumentKey: string) => Touch | undefined;
export type RulesLookup = (instrumentKey: string) => { lotSize: number; freezeQty: number } | undefined;

export type { PlannedOrder } from './state.ts';

export type SagaStep =
  | { readonly kind: 'place'; readonly orders: readonly PlannedOrder[]; readonly riskIncreasing: boolean }
  | { readonly kind: 'cancel'; readonly orders: readonly string[]; readonly why: string }
  | { readonly kind: 'wait'; readonly why: string }
  | { readonly kind: 'finish'; readonly outcome: SagaOutcome; readonly reason: string };

// ---- pricing ----

/** A marketable limit: the touch plus `ticks` (widened per attempt), or MARKET when there is no quote. */
export function aggressivePrice(side: Side, touch: Touch | undefined, ticks: number): { orderType: OrderType; price: number } {
  if (touch === undefined) return { orderType: 'MARKET', price: 0 };
  const ref = side === 'BUY' ? touch.ask : touch.bid;
  if (!(ref > 0)) return { orderType: 'MARKET', price: 0 };
  const px = side === 'BUY' ? ref + ticks * TICK_SIZE : Math.max(TICK_SIZE, ref - ticks * TICK_SIZE);
  return { orderType: 'LIMIT', price: roundToTick(px) };
}

// ---- sagas ----

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

function entryOrders(leg: Leg, legNo: number, sagaNo: number, sagaIdStr: string, riskIncreasing: boolean, touch: TouchLookup, rules: RulesLookup, ticks: number): PlannedOrder[] {
  const r = rules(leg.instrumentKey);
  const slices = r === undefined ? [leg.quantity] : sliceQuantity(leg.quantity, r.lotSize, r.freezeQty);
  const priced = leg.limitPrice !== undefined ? { orderType: 'LIMIT' as const, price: roundToTick(leg.limitPrice) } : aggressivePrice(leg.side, touch(leg.instrumentKey), ticks);
  return slices.map((quantity, i) => ({
    clientOrderId: clientOrderId(sagaNo, legNo, 'entry', 0, slices.length === 1 ? 0 : i + 1),
    sagaId: sagaIdStr, leg: legNo, role: 'entry', instrumentKey: leg.instrumentKey, side: leg.side, quantity,
    ...priced, riskIncreasing,
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
  const legFailed = legs.some((l, i) => {
    const mine = entries.filter((o) => o.leg === i);
    if (!(mine.length > 0 && mine.every((o) => isTerminal(o.status)) && filledOf(i) < l.quantity)) return false;
    return !exit || (exitRest(i) > 0 && !exitAgain(i));
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
      const failedLeg = entries.find((o) => o.status === 'rejected' || endedUnfilled(o.status));
      return { kind: 'finish', outcome: anyFill ? 'compensated' : 'failed', reason: failedLeg?.reason ?? 'leg failed' };
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
      planned.push(...retryOrders(saga.no, sagaId, i, 'compensate', attempt, l.instrumentKey, side, Math.abs(q), touch, rules, cfg));
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
      const planned = unsent.flatMap((x) => entryOrders(exit ? { ...x.l, quantity: exitRest(x.i) } : x.l, x.i, saga.no, sagaId, saga.proposal.riskIncreasing, touch, rules, cfg.protectionTicks));
      return { kind: 'place', orders: planned, riskIncreasing: saga.proposal.riskIncreasing };
    }
    const groupOrders = entries.filter((o) => group.some((x) => x.i === o.leg));
    if (groupOrders.some((o) => o.status === 'unknown' || o.status === 'pending')) return { kind: 'wait', why: 'UNKNOWN entry awaits reconciliation' };
    const working = groupOrders.filter((o) => !isTerminal(o.status));
    if (working.length > 0) {
      const limit = exit ? reprice : cfg.orderFillTimeoutMs;
      const stale = working.filter((o) => age(o) >= limit);
      if (stale.length > 0) {
        const since = msText(now - Math.min(...stale.map((o) => o.createdAt)));
        return { kind: 'cancel', orders: stale.map((o) => o.clientOrderId), why: exit ? `re-price: exit unfilled after ${since}` : `unfilled after ${since} (limit ${cfg.orderFillTimeoutMs} ms)` };
      }
      return { kind: 'wait', why: `${side} legs working` };
    }
    const again = group.filter((x) => exitAgain(x.i));
    if (again.length > 0) {
      const planned = again.flatMap((x) => retryOrders(saga.no, sagaId, x.i, 'entry', entries.filter((o) => o.leg === x.i).length, x.l.instrumentKey, side, exitRest(x.i), touch, rules, cfg));
      return { kind: 'place', orders: planned, riskIncreasing: false };
    }
  }
  return { kind: 'finish', outcome: 'completed', reason: 'all legs filled' };
}

/** One re-priced attempt of a risk-reducing order: limit at touch + protectionTicks × (attempt + 1), sliced. */
function retryOrders(sagaNo: number, sagaIdStr: string, leg: number, role: OrderRole, attempt: number, instrumentKey: string, side: Side, quantity: number, touch: TouchLookup, rules: RulesLookup, cfg: CoreConfig): PlannedOrder[] {
  const r = rules(instrumentKey);
  const slices = r === undefined ? [quantity] : sliceQuantity(quantity, r.lotSize, r.freezeQty);
  const priced = aggressivePrice(side, touch(instrumentKey), cfg.protectionTicks * (attempt + 1));
  return slices.map((q, s) => ({
    clientOrderId: clientOrderId(sagaNo, leg, role, attempt, slices.length === 1 ? 0 : s + 1),
    sagaId: sagaIdStr, leg, role, instrumentKey, side, quantity: q, ...priced, riskIncreasing: false,
  }));
}

// ---- reconciliation ----

export interface ReconResult {
  readonly events: ExecEvent[];
  readonly findings: ReconFinding[];
  readonly mismatch?: string;
}

/** Orders: resolve UNKNOWN / unacknowledged intents by tag, and catch updates the stream missed. */
export function reconcileOrders(state: ExecState, book: readonly BrokerOrder[], now: number, cfg: CoreConfig): ReconResult {
  const events: ExecEvent[] = [];
  const findings: ReconFinding[] = [];
  // The broker's book by tag, built only when some order is unsettled (with nothing in flight there is nothing to match).
  let byTag: Map<string, BrokerOrder[]> | undefined;
  let mismatch: string | undefined;
  for (const id in state.orders) {
    const o = state.orders[id]!;
    if (!isUnsettled(o.status)) continue;
    if (byTag === undefined) {
      byTag = new Map();
      for (const b of book) {
        if (b.clientOrderId === null) continue;
        const same = byTag.get(b.clientOrderId);
        if (same === undefined) byTag.set(b.clientOrderId, [b]);
        else same.push(b);
      }
    }
    const found = byTag.get(o.clientOrderId) ?? [];
    const wasUnknown = o.status === 'unknown' || o.status === 'pending';
    if (found.length > 1) {
      mismatch = `order ${o.clientOrderId} appears ${found.length} times at the broker`;
      findings.push({ class: 'drift', clientOrderId: o.clientOrderId, detail: mismatch });
      continue;
    }
    const b = found[0];
    if (b === undefined) {
      if (wasUnknown && now - o.updatedAt >= cfg.reconGraceMs) {
        const detail = `not in the broker's book ${msText(now - o.updatedAt)} after it was last seen: never placed`;
        events.push({ type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: null, status: 'rejected', filledQuantity: o.filledQuantity, averagePrice: o.averagePrice, reason: 'NOT_AT_BROKER', ts: now });
        findings.push({ class: 'unknown_resolved', clientOrderId: o.clientOrderId, detail });
      } else if (wasUnknown) {
        findings.push({ class: 'in_flight', clientOrderId: o.clientOrderId, detail: 'UNKNOWN order not yet in the broker book (grace)' });
      } else if (istDate(o.updatedAt) < istDate(now)) {
        // A DAY order the broker knew, gone from its book on a later day: purged after its session (Upstox orders
        // live one trading day). Over, with what it filled; the saga re-places or compensates the rest.
        const detail = `not in the broker's book since ${istDate(o.updatedAt)}: a DAY order purged after its session (expired, ${o.filledQuantity}/${o.quantity} filled)`;
        events.push({ type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: o.brokerOrderId, status: 'expired', filledQuantity: o.filledQuantity, averagePrice: o.averagePrice, reason: 'EXPIRED: purged after its session', ts: now });
        findings.push({ class: 'missed_update', clientOrderId: o.clientOrderId, detail });
      }
      continue;
    }
    if (wasUnknown || b.status !== o.status || b.filledQuantity !== o.filledQuantity) {
      events.push({
        type: 'executor.orderUpdated', clientOrderId: o.clientOrderId, sagaId: o.sagaId, brokerOrderId: b.brokerOrderId, status: b.status,
        filledQuantity: b.filledQuantity, averagePrice: b.averagePrice, ...(b.statusMessage !== undefined ? { reason: b.statusMessage } : {}), ts: now,
      });
      findings.push({
        class: wasUnknown ? 'unknown_resolved' : 'missed_update', clientOrderId: o.clientOrderId,
        detail: `broker says ${b.status} ${b.filledQuantity}/${b.quantity} (local ${o.status} ${o.filledQuantity})`,
      });
    }
  }
  return mismatch === undefined ? { events, findings } : { events, findings, mismatch };
}

/** Positions: local (from our fills) against the broker's net positions. Run after `reconcileOrders` was applied. */
export function reconcilePositions(state: ExecState, positions: readonly BrokerPosition[], book: readonly BrokerOrder[], now: number, describe: (key: string) => Omit<PositionRec, 'quantity' | 'averagePrice' | 'realisedPnl' | 'structureId'> | undefined): ReconResult {
  const events: ExecEvent[] = [];
  const findings: ReconFinding[] = [];
  const mismatches: string[] = [];
  const broker = new Map(positions.map((p) => [p.instrumentKey, p]));
  const keys = new Set([...broker.keys(), ...Object.keys(state.positions)]);
  for (const key of keys) {
    const local = state.positions[key]?.quantity ?? 0;
    const bp = broker.get(key);
    const remote = bp?.quantity ?? 0;
    if (local === remote) continue;
    const ours = Object.values(state.orders).some((o) => o.instrumentKey === key && isUnsettled(o.status));
    const foreignWorking = book.some((b) => b.instrumentKey === key && !isOurs(b.clientOrderId) && !isTerminal(b.status));
    if (ours) {
      findings.push({ class: 'in_flight', instrumentKey: key, localQuantity: local, brokerQuantity: remote, detail: 'orders in flight explain the difference (grace)' });
    } else if (local === 0 && bp !== undefined) {
      const d = describe(key);
      const position: PositionRec = {
        instrumentKey: key, quantity: remote, averagePrice: bp.averagePrice, realisedPnl: 0, structureId: 'adopted',
        underlying: d?.underlying ?? 'NIFTY', expiry: d?.expiry ?? '', strike: d?.strike ?? 0, right: d?.right ?? 'CE',
      };
      events.push({ type: 'executor.positionAdopted', position, ts: now });
      findings.push({ class: 'zombie', instrumentKey: key, localQuantity: 0, brokerQuantity: remote, detail: `position unknown to VolGuard adopted exit-only${foreignWorking ? ' (an outside order is still working)' : ''}` });
    } else if (remote === 0) {
      events.push({ type: 'executor.positionExternallyClosed', instrumentKey: key, quantity: local, ts: now });
      findings.push({ class: 'externally_closed', instrumentKey: key, localQuantity: local, brokerQuantity: 0, detail: 'closed outside VolGuard' });
    } else {
      const detail = `quantity drift on ${key}: local ${local}, broker ${remote}, nothing in flight explains it`;
      mismatches.push(detail);
      findings.push({ class: 'drift', instrumentKey: key, localQuantity: local, brokerQuantity: remote, detail });
    }
  }
  for (const f of findings) events.push({ type: 'executor.reconFinding', finding: f, ts: now });
  return mismatches.length === 0 ? { events, findings } : { events, findings, mismatch: mismatches.join('; ') };
}

// ---- closing orders never open ----

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

// ---- adopted (zombie) positions: exit-only ----

export const ADOPTED_EXIT_PREFIX = 'adopted-exit-';

/**
 * The exit proposal for every adopted (zombie) position, or undefined when there is none, an exit is already
 * running, or `maxFailures` exits in a row have failed (a human decides then). Deterministic from the state (the id
 * counts the exit sagas so far), so a replay proposes the same id and `#seen` keeps it to one saga.
 */
export function adoptedExitProposal(state: ExecState, maxFailures: number): Proposal | undefined {
  const adopted = Object.values(state.positions).filter((p) => p.structureId === 'adopted' && p.quantity !== 0);
  const first = adopted[0];
  if (first === undefined) return undefined;
  const exits = Object.values(state.sagas).filter((s) => s.proposal.id.startsWith(ADOPTED_EXIT_PREFIX)).sort((a, b) => a.no - b.no);
  if (exits.some((s) => s.status !== 'done')) return undefined;
  // SEMI_AUTO: an approval still pending waits for its human; one that expired, was rejected or invalidated without
  // a saga counts like a proposal made, so the next gets a fresh id (and a fresh approval) — retried until flat.
  const approvals = Object.values(state.approvals).filter((a) => a.proposalId.startsWith(ADOPTED_EXIT_PREFIX));
  if (approvals.some((a) => a.status === 'pending' || a.status === 'approved')) return undefined;
  const unanswered = approvals.filter((a) => !exits.some((s) => s.proposal.id === a.proposalId)).length;
  let failuresInARow = 0;
  for (const s of exits) failuresInARow = s.outcome === 'completed' ? 0 : failuresInARow + 1;
  if (failuresInARow >= maxFailures) return undefined;
  return {
    id: `${ADOPTED_EXIT_PREFIX}${exits.length + unanswered + 1}`, action: 'close', kind: 'adopted', bucket: 'intraday',
    underlying: first.underlying, expiry: first.expiry, structureId: 'adopted',
    legs: adopted.map((p) => ({
      instrumentKey: p.instrumentKey, underlying: p.underlying, expiry: p.expiry, strike: p.strike, right: p.right,
      side: p.quantity < 0 ? 'BUY' as const : 'SELL' as const, quantity: Math.abs(p.quantity),
    })),
    reason: 'exit-only management of adopted (zombie) positions', rationale: { positions: adopted.length, attempt: exits.length + unanswered + 1 },
    riskIncreasing: false,
  };
}

// ---- naked legs ----

/** Underlying/expiry/right groups where VolGuard is short more units than it holds long of the same right and expiry. */
export function nakedLegs(state: ExecState): Array<{ key: string; structureId: string }> {
  // Positions are per instrument and carry the structure that last traded them: two structures sharing a strike (a
  // weekly and an intraday condor on the same expiry) leave one structure's wing attributed to the other, and a
  // per-structure sum saw a covered short as naked (→ EMERGENCY → flatten of a healthy book). What is hedged is a
  // book-level fact: shorts of an underlying/expiry/right against the longs of the same underlying/expiry/right. The
  // key is the group (stable while the episode lasts); the structure named is the one holding the largest short.
  const agg = new Map<string, { structureId: string; underlying: string; expiry: string; right: string; worst: number; q: number }>();
  for (const p of Object.values(state.positions)) {
    if (p.quantity === 0 || p.structureId === null || p.structureId === 'adopted') continue;
    const g = `${p.underlying}:${p.expiry}:${p.right}`;
    const a = agg.get(g) ?? { structureId: p.structureId, underlying: p.underlying, expiry: p.expiry, right: p.right, worst: 0, q: 0 };
    a.q += p.quantity;
    if (p.quantity < a.worst) { a.worst = p.quantity; a.structureId = p.structureId; }
    agg.set(g, a);
  }
  return [...agg.values()].filter((a) => a.q < 0).map((a) => ({ key: `${a.underlying}:${a.expiry}:${a.right}`, structureId: a.structureId }));
}

export function nakedShorts(state: ExecState): string[] {
  return nakedLegs(state).map((n) => n.key);
}

/**
 * The naked-leg timers as journaled events: a timer starts when a short is first seen unhedged, clears when it is
 * hedged or closed, and asks for EMERGENCY once (per episode) when it has run `timeoutMs`. The timers live in the
 * state (rebuilt from the journal), so a restart continues them — time spent down counts. `timeoutMs` is market time.
 */
export function nakedLegEvents(state: ExecState, now: number, timeoutMs: number): ExecEvent[] {
  const out: ExecEvent[] = [];
  const current = nakedLegs(state);
  const timers = state.naked ?? {};
  for (const key of Object.keys(timers)) {
    if (!current.some((c) => c.key === key)) out.push({ type: 'executor.nakedLegCleared', key, ts: now });
  }
  for (const { key, structureId } of current) {
    const t = timers[key];
    const since = t?.since ?? now;
    if (t === undefined) out.push({ type: 'executor.nakedLegStarted', key, structureId, since, ts: now });
    if (t?.emergency !== true && now - since >= timeoutMs) {
      out.push({ type: 'executor.nakedLegEmergency', key, structureId, detail: `short leg ${key} unhedged for ${msText(now - since)} (limit ${timeoutMs} ms)`, ts: now });
    }
  }
  return out;
}

/** Advances in-memory naked-leg timers; returns keys whose timer expired at `now`. (Kept for callers without a state.) */
export function nakedTimers(since: Map<string, number>, naked: readonly string[], now: number, timeoutMs: number): string[] {
  for (const k of [...since.keys()]) if (!naked.includes(k)) since.delete(k);
  const expired: string[] = [];
  for (const k of naked) {
    const t0 = since.get(k) ?? now;
    since.set(k, t0);
    if (now - t0 >= timeoutMs) expired.push(k);
  }
  return expired;
}

// ---- approvals ----

interface FoundQuote {
  readonly bid: number;
  readonly ask: number;
  readonly strike: number;
  readonly expiry: string;
  readonly underlying: string;
}

/** One key's place in a snapshot's chains: chain `c`, row `i`, call or put side. */
interface KeyAt {
  readonly c: number;
  readonly i: number;
  readonly call: boolean;
}

/**
 * Where each instrument key sits in a snapshot's chains, kept from one snapshot to the next: the keys of a chain
 * rarely change between snapshots, so the index is rebuilt only when they do (a new strike, a new expiry). A snapshot
 * is checked against the index once, on its first lookup; a cycle that looks nothing up costs nothing. Answers as
 * a scan of the chains would (the first chain, calls before puts, listing the key).
 */
export class QuoteIndex {
  #at = new Map<string, KeyAt>();
  /** The chains the index was built from (their keys). */
  #layout: readonly ExpiryChain[] = [];
  #checked: MarketSnapshot | undefined;

  find(snapshot: MarketSnapshot, key: string): FoundQuote | undefined {
    if (snapshot !== this.#checked) {
      if (!sameKeys(this.#layout, snapshot.expiries)) this.#build(snapshot.expiries);
      this.#checked = snapshot;
    }
    const at = this.#at.get(key);
    const c = at === undefined ? undefined : snapshot.expiries[at.c];
    if (at === undefined || c === undefined) return undefined;
    const i = at.i;
    return at.call
      ? { bid: c.callBid[i] ?? Number.NaN, ask: c.callAsk[i] ?? Number.NaN, strike: c.strikes[i] ?? Number.NaN, expiry: c.expiry, underlying: c.underlying }
      : { bid: c.putBid[i] ?? Number.NaN, ask: c.putAsk[i] ?? Number.NaN, strike: c.strikes[i] ?? Number.NaN, expiry: c.expiry, underlying: c.underlying };
  }

  #build(chains: readonly ExpiryChain[]): void {
    const at = new Map<string, KeyAt>();
    chains.forEach((chain, c) => {
      for (const call of [true, false]) {
        const keys = call ? chain.callKeys : chain.putKeys;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          if (k !== undefined && !at.has(k)) at.set(k, { c, i, call });
        }
      }
    });
    this.#at = at;
    this.#layout = chains;
  }
}

function sameKeys(a: readonly ExpiryChain[], b: readonly ExpiryChain[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let c = 0; c < a.length; c++) {
    const x = a[c]!;
    const y = b[c]!;
    if (x !== y && !(sameList(x.callKeys, y.callKeys) && sameList(x.putKeys, y.putKeys))) return false;
  }
  return true;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function findQuote(snapshot: MarketSnapshot, key: string, index?: QuoteIndex): FoundQuote | undefined {
  if (index !== undefined) return index.find(snapshot, key);
  for (const c of snapshot.expiries) {
    let i = c.callKeys.indexOf(key);
    if (i >= 0) return { bid: c.callBid[i] ?? Number.NaN, ask: c.callAsk[i] ?? Number.NaN, strike: c.strikes[i] ?? Number.NaN, expiry: c.expiry, underlying: c.underlying };
    i = c.putKeys.indexOf(key);
    if (i >= 0) return { bid: c.putBid[i] ?? Number.NaN, ask: c.putAsk[i] ?? Number.NaN, strike: c.strikes[i] ?? Number.NaN, expiry: c.expiry, underlying: c.underlying };
  }
  return undefined;
}

/** The touch of each key in `snapshot`; pass a long-lived `index` to look keys up without scanning the chains. */
export function touchFromSnapshot(snapshot: MarketSnapshot, index?: QuoteIndex): TouchLookup {
  return (key) => {
    const q = findQuote(snapshot, key, index);
    return q === undefined || !(q.bid > 0 || q.ask > 0) ? undefined : { bid: q.bid, ask: q.ask };
  };
}

export function marketRef(proposal: Proposal, snapshot: MarketSnapshot, surface: SurfaceCalibrated, index?: QuoteIndex): ApprovalRef {
  const spot = snapshot.spots.find((s) => s.underlying === proposal.underlying)?.spot ?? Number.NaN;
  const ivs = proposal.legs.map((l) => {
    const fit = surface.expiries.find((e) => e.underlying === l.underlying && e.expiry === l.expiry);
    if (fit === undefined) return Number.NaN;
    const i = fit.strikes.indexOf(l.strike);
    return i < 0 ? Number.NaN : (fit.vols[i] ?? Number.NaN) * 100;
  });
  const mids = proposal.legs.map((l) => {
    const q = findQuote(snapshot, l.instrumentKey, index);
    return q === undefined ? Number.NaN : (q.bid + q.ask) / 2;
  });
  return { spot, ivs, mids };
}

/** Why the market moved too far since `ref` (undefined = still valid). A missing value counts as moved (fail closed). */
export function drift(ref: ApprovalRef, cur: ApprovalRef, cfg: CoreConfig): string | undefined {
  const spotMove = Math.abs(cur.spot / ref.spot - 1);
  if (!(spotMove <= cfg.approvalMaxSpotMovePct)) return `spot moved ${(spotMove * 100).toFixed(2)}% (limit ${(cfg.approvalMaxSpotMovePct * 100).toFixed(2)}%)`;
  for (let i = 0; i < ref.ivs.length; i++) {
    const a = ref.ivs[i] ?? Number.NaN;
    const b = cur.ivs[i] ?? Number.NaN;
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (!(Math.abs(b - a) <= cfg.approvalMaxIvMovePts)) return `leg ${i} IV moved ${(b - a).toFixed(2)} vol pts (limit ${cfg.approvalMaxIvMovePts})`;
  }
  for (let i = 0; i < ref.mids.length; i++) {
    const a = ref.mids[i] ?? Number.NaN;
    const b = cur.mids[i] ?? Number.NaN;
    const move = Math.abs(b / a - 1);
    if (!(move <= cfg.approvalMaxMidMovePct)) return `leg ${i} mid moved ${(move * 100).toFixed(1)}% (limit ${(cfg.approvalMaxMidMovePct * 100).toFixed(1)}%)`;
  }
  return undefined;
}

/** Pending approvals that expired by `now` or drifted against `current`. */
export function sweepApprovals(state: ExecState, now: number, current: (a: ApprovalRec) => ApprovalRef, cfg: CoreConfig): ExecEvent[] {
  const out: ExecEvent[] = [];
  for (const a of Object.values(state.approvals)) {
    if (a.status !== 'pending') continue;
    if (now >= a.expiresAt) {
      out.push({ type: 'executor.approvalChanged', id: a.id, status: 'expired', reason: `not approved within TTL (expired at ${new Date(a.expiresAt).toISOString()})`, ts: now });
      continue;
    }
    const why = drift(a.ref, current(a), cfg);
    if (why !== undefined) out.push({ type: 'executor.approvalChanged', id: a.id, status: 'invalidated', reason: why, ts: now });
  }
  return out;
}

// ---- shadow ----

/** SHADOW fills at the touch (BUY at ask, SELL at bid): conservative, and never an order. */
export function shadowFills(proposal: Proposal, touch: TouchLookup): FillLine[] | undefined {
  const out: FillLine[] = [];
  for (const l of proposal.legs) {
    const t = touch(l.instrumentKey);
    const price = t === undefined ? l.limitPrice : l.side === 'BUY' ? t.ask : t.bid;
    if (price === undefined || !(price > 0)) return undefined;
    out.push({ instrumentKey: l.instrumentKey, side: l.side, quantity: l.quantity, price });
  }
  return out;
}

export { opposite };
