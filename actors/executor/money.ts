/**
 * @module The executor's money (issue 14; shapes and ownership in actors/domain/money.ts): each executed order is
 * charged once on its IST trade date from the dated schedule (domain/charges.ts), and each position held into expiry
 * settles at the final settlement price. Pure: the engine journals what these functions return and `apply`
 * (state.ts) adds it to the book's lifetime `RealisedMoney`.
 *
 * Charges are booked per order, cumulatively: when more of an order fills, the booking is what the whole order's
 * fills cost so far less what was booked for it already — so an order that fills in three parts pays one brokerage
 * and its STT is rounded once, as on a contract note, and a booking lost to a crash is made up by the next call (the
 * order's fills are in the journal; the charges are derived from them).
 *
 * @example
 *   for (const booked of chargesDue(state, schedule)) await emit({ type: 'money.charges', ...booked });
 *   const s = settlePosition(schedule, position, 24_180, now, false); // (intrinsic − avg) × qty, plus exercise STT
 */
import { addCharges, NO_CHARGES, orderCharges, settlementCharges, type ChargesBreakdown, type ChargesSchedule } from '../domain/charges.ts';
import { istDate, sessionCloseMs } from '../domain/calendar.ts';
import { NO_REALISED, type ChargesBooked, type RealisedMoney, type SettlementBooked } from '../domain/money.ts';
import type { Side } from '../domain/side.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { BrokerPosition } from '../venues/broker.ts';
import type { ExecEvent, ExecState, OrderRec, PositionRec } from './state.ts';

/** What was charged for one order so far (the idempotency of charging: by order id and quantity). */
export interface OrderCharged {
  readonly quantity: number;
  /** Premium turnover (Σ price × quantity) of the units charged so far, ₹. */
  readonly turnover: number;
  /** The IST trade date of its first fill: the date every later part of the order is charged on. */
  readonly date: string;
  readonly charges: ChargesBreakdown;
}

/** The executor's money, per book. `charged` covers both books (shadow fills get ids of their own). */
export interface MoneyState {
  live: RealisedMoney;
  shadow: RealisedMoney;
  charged: Record<string, OrderCharged>;
}

export function initialMoney(): MoneyState {
  return { live: NO_REALISED, shadow: NO_REALISED, charged: {} };
}

const paise = (x: number): number => Math.round(x * 100) / 100;

function minus(a: ChargesBreakdown, b: ChargesBreakdown): ChargesBreakdown {
  return {
    brokerage: paise(a.brokerage - b.brokerage), stt: paise(a.stt - b.stt), exchangeTxn: paise(a.exchangeTxn - b.exchangeTxn),
    sebiFee: paise(a.sebiFee - b.sebiFee), ipft: paise(a.ipft - b.ipft), stampDuty: paise(a.stampDuty - b.stampDuty), gst: paise(a.gst - b.gst),
    total: paise(a.total - b.total),
  };
}

/** `m` with `d` added to one of its parts; `net` = gross + settlement − charges, to the paisa. */
export function addMoney(m: RealisedMoney, d: { gross?: number; charges?: number; settlement?: number; trades?: number }): RealisedMoney {
  const gross = m.gross + (d.gross ?? 0);
  const charges = paise(m.charges + (d.charges ?? 0));
  const settlement = m.settlement + (d.settlement ?? 0);
  return { gross, charges, settlement, net: gross + settlement - charges, trades: m.trades + (d.trades ?? 0) };
}

/** An order as far as charging needs it (state.ts OrderRec). */
export interface ChargeableOrder {
  readonly clientOrderId: string;
  readonly instrumentKey: string;
  readonly side: Side;
  readonly filledQuantity: number;
  /** Average price of all its fills so far. */
  readonly averagePrice: number;
  /** Market-clock ms of its last update (the fill that is being charged). */
  readonly updatedAt: number;
}

/**
 * The booking that brings one order's charges up to its fills, or undefined when it is charged in full already.
 * `price` is the average of the units booked now (from the cumulative averages, as the fills arrive).
 */
export function chargeOrder(schedule: ChargesSchedule, o: ChargeableOrder, structureId: string | null, charged: OrderCharged | undefined, shadow: boolean): ChargesBooked | undefined {
  const before = charged?.quantity ?? 0;
  const quantity = o.filledQuantity - before;
  if (quantity <= 0) return undefined;
  const date = charged?.date ?? istDate(o.updatedAt);
  const cumulative = orderCharges(schedule, date, [{ side: o.side, quantity: o.filledQuantity, price: o.averagePrice }]);
  // The units booked now: their price is what the order's turnover grew by, over their count.
  const price = (o.filledQuantity * o.averagePrice - (charged?.turnover ?? 0)) / quantity;
  return {
    orderId: o.clientOrderId, structureId, instrumentKey: o.instrumentKey, side: o.side, quantity, price, date, at: o.updatedAt,
    charges: minus(cumulative, charged?.charges ?? NO_CHARGES), shadow,
  };
}

/** Adds a `money.charges` booking to the money state (each booking is applied once, in journal order). */
export function applyCharges(m: MoneyState, b: ChargesBooked): void {
  const prev = m.charged[b.orderId];
  m.charged[b.orderId] = {
    quantity: (prev?.quantity ?? 0) + b.quantity, turnover: (prev?.turnover ?? 0) + b.quantity * b.price, date: prev?.date ?? b.date,
    charges: addCharges(prev?.charges ?? NO_CHARGES, b.charges),
  };
  const book = b.shadow ? 'shadow' : 'live';
  m[book] = addMoney(m[book], { charges: b.charges.total, trades: prev === undefined ? 1 : 0 });
}

/** Adds a `money.settlement` to the money state. */
export function applySettlement(m: MoneyState, s: SettlementBooked): void {
  const book = s.shadow ? 'shadow' : 'live';
  m[book] = addMoney(m[book], { settlement: s.pnl, charges: s.charges.total });
}

/** A held position as settlement needs it (state.ts PositionRec). */
export interface SettleablePosition {
  readonly instrumentKey: string;
  readonly quantity: number;
  readonly averagePrice: number;
  readonly structureId: string | null;
  readonly underlying: SettlementBooked['underlying'];
  readonly expiry: string;
  readonly strike: number;
  readonly right: SettlementBooked['right'];
}

/** True once the contract's expiry session has closed (settlement is due), on the market clock. */
export function expired(expiry: string, now: number): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(expiry)) return false;
  return now >= sessionCloseMs(expiry);
}

/**
 * The settlement of a position held into expiry at the underlying's final settlement price: P&L = (intrinsic −
 * average price) × signed quantity; charges = STT on exercise of a long in-the-money option (settlementCharges).
 */
export function settlePosition(schedule: ChargesSchedule, p: SettleablePosition, settlementPrice: number, at: number, shadow: boolean): SettlementBooked {
  if (!(Number.isFinite(settlementPrice) && settlementPrice > 0)) throw new RangeError(`expected a positive settlement price for ${p.underlying} ${p.expiry}, was ${settlementPrice}`);
  const intrinsic = Math.max(0, p.right === 'CE' ? settlementPrice - p.strike : p.strike - settlementPrice);
  const pnl = paise((intrinsic - p.averagePrice) * p.quantity);
  const charges = settlementCharges(schedule, p.expiry, { right: p.right, strike: p.strike, settlementPrice, quantity: p.quantity });
  return {
    instrumentKey: p.instrumentKey, underlying: p.underlying, expiry: p.expiry, strike: p.strike, right: p.right, quantity: p.quantity,
    averagePrice: p.averagePrice, settlementPrice, pnl, charges, structureId: p.structureId, date: p.expiry, at, shadow,
  };
}

// ---- what the engine journals (reads the executor's state; pure) ----

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

/** Settlements due at `now`: every position in either book whose contract's expiry session closed, once its price is known. */
export function settlementsDue(state: ExecState, now: number, schedule: ChargesSchedule, price: (u: Underlying, expiry: string) => number | undefined): ExecEvent[] {
  const out: ExecEvent[] = [];
  for (const [book, shadow] of [[state.positions, false], [state.shadow.positions, true]] as const) {
    for (const key in book) {
      const p = book[key]!;
      if (p.quantity === 0 || !expired(p.expiry, now)) continue;
      const px = price(p.underlying, p.expiry);
      if (px === undefined) continue;
      out.push({ type: 'money.settlement', ...settlePosition(schedule, p, px, now, shadow) });
    }
  }
  return out;
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

/**
 * Paper equity, ₹: capital + realised net (after charges and settlement) + unrealised, each position valued at
 * `mark` (a mid) less its average; a position without a mark counts at its average (no unrealised).
 */
export function paperEquity(capital: number, realised: RealisedMoney, positions: readonly { readonly instrumentKey: string; readonly quantity: number; readonly averagePrice: number }[], mark: (key: string) => number | undefined): { equity: number; unrealised: number } {
  let unrealised = 0;
  for (const p of positions) {
    const m = mark(p.instrumentKey);
    if (p.quantity !== 0 && m !== undefined && Number.isFinite(m)) unrealised += (m - p.averagePrice) * p.quantity;
  }
  unrealised = paise(unrealised);
  return { equity: paise(capital + realised.net + unrealised), unrealised };
}
