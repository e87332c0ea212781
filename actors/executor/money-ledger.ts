/**
 * @module The executor's money ledger (issue 14; shapes and ownership in actors/domain/money.ts): the pure arithmetic
 * of charging an executed order once on its IST trade date (domain/charges.ts), settling a position held into expiry
 * at the final settlement price, and adding both to a book's lifetime `RealisedMoney`. It knows nothing of the
 * executor's state (state.ts applies these; money.ts decides what is due from the state), so the two never import
 * each other.
 *
 * Charges are booked per order, cumulatively: when more of an order fills, the booking is what the whole order's
 * fills cost so far less what was booked for it already — so an order that fills in three parts pays one brokerage
 * and its STT is rounded once, as on a contract note, and a booking lost to a crash is made up by the next call (the
 * order's fills are in the journal; the charges are derived from them).
 *
 * @example
 *   const s = settlePosition(schedule, position, 24_180, now, false); // (intrinsic − avg) × qty, plus exercise STT
 */
import { addCharges, NO_CHARGES, orderCharges, settlementCharges, type ChargesBreakdown, type ChargesSchedule } from '../domain/charges.ts';
import { istDate, sessionCloseMs } from '../domain/calendar.ts';
import { NO_REALISED, type ChargesBooked, type RealisedMoney, type SettlementBooked } from '../domain/money.ts';
import type { Side } from '../domain/side.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { BrokerPosition } from '../venues/broker.ts';

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
