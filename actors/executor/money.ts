/**
 * @module What money the executor's state says is due (issue 14): the charges of orders whose fills are not yet
 * charged in full, the settlements of positions held past their expiry's close, and the broker's positions without
 * the expired contracts settlement takes care of. Pure: the engine journals what these return; the arithmetic is in
 * money-ledger.ts (which state.ts applies).
 *
 * @example
 *   for (const e of moneyAfter(state, event, schedule)) await emit(e);
 */
import { addCharges, NO_CHARGES, orderCharges, settlementCharges, type ChargesBreakdown, type ChargesSchedule } from '../domain/charges.ts';
import { istDate, sessionCloseMs } from '../domain/calendar.ts';
import { NO_REALISED, type ChargesBooked, type RealisedMoney, type SettlementBooked, type SettlementPending } from '../domain/money.ts';
import type { Side } from '../domain/side.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { BrokerPosition } from '../venues/broker.ts';
import type { ExecEvent, ExecState, OrderRec, PositionRec } from './state.ts';
import { chargeOrder, expired, settlePosition } from './money-ledger.ts';
export * from './money-ledger.ts';

// ---- what the engine journals (reads the executor's state; pure) ----

/** An event whose application can book charges (moneyAfter): a fill, at the broker or in the shadow book. */
export function booksMoney(e: ExecEvent): boolean {
  return e.type === 'executor.orderUpdated' || e.type === 'executor.shadowFill';
}

/**
 * The money events due after `e` was applied: an order's fills → its charges; a shadow fill → each line charged as
 * its own order (`<proposalId>/<line>`). With `e` undefined: every order whose fills are not charged in full (the
 * catch-up after a crash between a fill and its booking).
 */
export function moneyAfter(state: ExecState, e: ExecEvent | undefined, schedule: ChargesSchedule): ExecEvent[] {
  const out: ExecEvent[] = [];
  const order = (o: OrderRec): void => {
    const structureId = state.sagas[o.sagaId]?.structureId ?? state.positions[o.instrumentKey]?.structureId ?? null;
    const b = chargeOrder(schedule, o, structureId, state.money.charged[o.clientOrderId], false);
    if (b !== undefined) out.push({ type: 'money.charges', ...b });
  };
  if (e === undefined) {
    for (const id in state.orders) order(state.orders[id]!);
  } else if (e.type === 'executor.orderUpdated') {
    const o = state.orders[e.clientOrderId];
    if (o !== undefined) order(o);
  } else if (e.type === 'executor.shadowFill') {
    e.fills.forEach((f, i) => {
      const id = `${e.proposalId}/${i}`;
      const b = chargeOrder(schedule, { clientOrderId: id, instrumentKey: f.instrumentKey, side: f.side, filledQuantity: f.quantity, averagePrice: f.price, updatedAt: e.ts }, e.structureId, state.money.charged[id], true);
      if (b !== undefined) out.push({ type: 'money.charges', ...b });
    });
  }
  return out;
}

/** An expiry whose settlement price is wanted: some position in it is held past its session's close. */
export interface ExpiryKey {
  readonly underlying: Underlying;
  readonly expiry: string;
}

/** The distinct expiries of positions (either book) still held past their session's close: the prices to look up. */
export function expiriesToSettle(state: ExecState, now: number): ExpiryKey[] {
  const out = new Map<string, ExpiryKey>();
  for (const book of [state.positions, state.shadow.positions]) {
    for (const key in book) {
      const p = book[key]!;
      if (p.quantity !== 0 && expired(p.expiry, now)) out.set(`${p.underlying}|${p.expiry}`, { underlying: p.underlying, expiry: p.expiry });
    }
  }
  return [...out.values()];
}

/**
 * Where the settlement of expired positions stands at `now`: the bookings due (`book`, journaled as
 * `money.settlement`, each position once — state.ts ignores a settlement of what is no longer held) and what still
 * waits (`pending`, never booked at ₹0). `price` is the final settlement price of an expiry once known.
 * `brokerHeld`, when the venue books settlement itself (live): the broker's net units in a contract (undefined:
 * not listed); a live-book position is booked only once the broker no longer holds it — the broker's booking is the
 * proof the expiry was settled at all. Shadow positions were never at the broker and settle on the price alone.
 */
export function settlementDecision(
  state: ExecState, now: number, schedule: ChargesSchedule, price: (u: Underlying, expiry: string) => number | undefined,
  opts: { readonly brokerHeld?: (key: string) => number | undefined; readonly overdueAfterMs?: number } = {},
): { book: ExecEvent[]; pending: SettlementPending[] } {
  const book: ExecEvent[] = [];
  const pending: SettlementPending[] = [];
  for (const [positions, shadow] of [[state.positions, false], [state.shadow.positions, true]] as const) {
    for (const key in positions) {
      const p = positions[key]!;
      if (p.quantity === 0 || !expired(p.expiry, now)) continue;
      const px = price(p.underlying, p.expiry);
      const atBroker = !shadow && opts.brokerHeld !== undefined && (opts.brokerHeld(key) ?? 0) !== 0;
      if (px !== undefined && !atBroker) {
        book.push({ type: 'money.settlement', ...settlePosition(schedule, p, px, now, shadow) });
        continue;
      }
      const since = sessionCloseMs(p.expiry);
      pending.push({
        instrumentKey: key, underlying: p.underlying, expiry: p.expiry, quantity: p.quantity, shadow, waitingFor: px === undefined ? 'price' : 'broker',
        since, overdue: opts.overdueAfterMs !== undefined && now - since >= opts.overdueAfterMs,
      });
    }
  }
  return { book, pending };
}

/** Settlements due at `now`: every position in either book whose contract's expiry session closed, once its price is known. */
export function settlementsDue(state: ExecState, now: number, schedule: ChargesSchedule, price: (u: Underlying, expiry: string) => number | undefined): ExecEvent[] {
  return settlementDecision(state, now, schedule, price).book;
}

/**
 * Reconciliation's view without contracts past their expiry: the local positions in them (settlement books them) and
 * the broker's (a broker that has not booked the settlement yet still lists them; the contract no longer trades).
 */
export function withoutExpired(
  state: ExecState, positions: readonly BrokerPosition[], now: number, describe: (key: string) => { readonly expiry: string } | undefined,
): { state: ExecState; positions: readonly BrokerPosition[] } {
  const expiryOf = (key: string): string | undefined => state.positions[key]?.expiry ?? describe(key)?.expiry;
  const isExpired = (key: string): boolean => {
    const e = expiryOf(key);
    return e !== undefined && expired(e, now);
  };
  const local: Record<string, PositionRec> = {};
  let dropped = false;
  for (const key in state.positions) {
    if (isExpired(key)) dropped = true;
    else local[key] = state.positions[key]!;
  }
  const remote = positions.filter((p) => !isExpired(p.instrumentKey));
  return { state: dropped ? { ...state, positions: local } : state, positions: remote.length === positions.length ? positions : remote };
}

// ---- the account on paper ----
