/**
 * @module Money over days: the shapes the executor, risk, the journal's reports and the gateway share (issue 14).
 *
 * Ownership (DESIGN.md §8, one owner per decision):
 * - The **executor** books what happened to the money: every fill's charges and every expiry settlement, and reports
 *   lifetime (cumulative) figures in the book. It does not know what a "day" is.
 * - The **risk actor** owns the trading day: it opens a day on the first cycle of an IST trading date (journaling its
 *   start once, read back after any restart), derives day P&L and the daily loss limit from it, and closes the day with
 *   a journaled summary after the session.
 *
 * Identity (checked every day): sum of daily net P&L = change in account equity, to the rupee. It holds because a
 * day's starting equity is the previous day's closing equity (the overnight gap belongs to the next day) and
 * equity = capital + realised.net + unrealised.
 *
 * Journal event types (actor, type → body):
 * - executor `money.charges` → ChargesBooked, one per executed order fill batch (paper, live and shadow)
 * - executor `money.settlement` → SettlementBooked, one per position settled at expiry
 * - risk `money.dayOpened` → DayOpened, once per trading date (kv key `risk.day` holds the open day)
 * - risk `money.dayClosed` → DaySummary, once per trading date, after the session
 */
import type { ChargesBreakdown } from './charges.ts';
import type { Right } from './right.ts';
import type { Underlying } from './underlying.ts';

/** An IST calendar date, `YYYY-MM-DD`. */
export type TradingDate = string;

/** Lifetime realised money of one book (live/paper, or the shadow book), ₹. Never reset. */
export interface RealisedMoney {
  /** Realised P&L from closing trades, before charges. */
  readonly gross: number;
  /** Every charge booked (fills and settlement). Positive number: a cost. */
  readonly charges: number;
  /** P&L booked when positions settled at expiry, before charges. */
  readonly settlement: number;
  /** gross + settlement − charges. */
  readonly net: number;
  /** Executed orders (each charged once). */
  readonly trades: number;
}

export const NO_REALISED: RealisedMoney = { gross: 0, charges: 0, settlement: 0, net: 0, trades: 0 };

/** Body of `money.charges`. */
export interface ChargesBooked {
  readonly orderId: string;
  readonly structureId: string | null;
  readonly instrumentKey: string;
  readonly side: 'BUY' | 'SELL';
  /** Units executed in this booking. */
  readonly quantity: number;
  /** Average fill price of those units, ₹. */
  readonly price: number;
  /** IST trade date the schedule was read on. */
  readonly date: TradingDate;
  /** Market-clock epoch ms of the fill. */
  readonly at: number;
  readonly charges: ChargesBreakdown;
  readonly shadow: boolean;
}

/** Body of `money.settlement`. */
export interface SettlementBooked {
  readonly instrumentKey: string;
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
  /** Signed units held into expiry: positive long, negative short. */
  readonly quantity: number;
  readonly averagePrice: number;
  /** Final settlement price of the underlying (its official close on expiry day). */
  readonly settlementPrice: number;
  /** (intrinsic − averagePrice) × quantity, ₹, before charges. */
  readonly pnl: number;
  /** STT on exercise of a long in-the-money option; otherwise zero. */
  readonly charges: ChargesBreakdown;
  readonly structureId: string | null;
  readonly date: TradingDate;
  readonly at: number;
  readonly shadow: boolean;
}

/**
 * A position held past its expiry's close whose settlement is not booked yet (never at ₹0 meanwhile): the executor's
 * book lists them, the execution report counts them, and one overdue past SETTLEMENT_OVERDUE_MIN is escalated.
 */
export interface SettlementPending {
  readonly instrumentKey: string;
  readonly underlying: Underlying;
  readonly expiry: string;
  /** Signed units still held in VolGuard's book. */
  readonly quantity: number;
  readonly shadow: boolean;
  /** `price`: the final settlement price is not known yet; `broker`: the broker still lists the contract (it has not
   *  booked the expiry, so VolGuard does not either: the two books move together). */
  readonly waitingFor: 'price' | 'broker';
  /** Market ms the expiry's session closed (the wait counts from here). */
  readonly since: number;
  /** Waiting longer than the configured wait: the operator is alerted. */
  readonly overdue: boolean;
}

/** Body of `money.dayOpened`: the day's start, written once per date. */
export interface DayOpened {
  readonly date: TradingDate;
  /** Market-clock epoch ms of the first cycle of the date. */
  readonly at: number;
  /**
   * Equity at the start of the day: the previous day's closing equity, or on the first day (no journaled close before
   * it) capital + realised.net + max(0, unrealised) — carried-in losses count against the first day, gains are no cushion.
   */
  readonly equity: number;
  /** The book's lifetime realised money at the start of the day. */
  readonly realised: RealisedMoney;
  /** Unrealised P&L at the start of the day (the previous close's marks when there was one). */
  readonly unrealised: number;
  /** instrumentKey → mark, ₹, the day's reference marks. */
  readonly marks: Readonly<Record<string, number>>;
  /** The same for the shadow book, when one is kept. */
  readonly shadow?: { readonly equity: number; readonly realised: RealisedMoney; readonly unrealised: number };
}

/** Body of `money.dayClosed`: the daily summary. All ₹. */
export interface DaySummary {
  readonly date: TradingDate;
  readonly at: number;
  readonly gross: number;
  readonly charges: number;
  readonly settlement: number;
  /** gross + settlement − charges + change in unrealised = equity.end − equity.dayStart. */
  readonly net: number;
  /** Realised net of the day: gross + settlement − charges. */
  readonly realised: number;
  /** Change in unrealised over the day (net = realised + unrealised). */
  readonly unrealised: number;
  readonly trades: number;
  /** Largest fall of day P&L from its running peak, ≥ 0. */
  readonly maxDrawdown: number;
  /** Kill-switch transitions, denials, restarts and alerts seen that day. */
  readonly safetyEvents: number;
  readonly equity: { readonly dayStart: number; readonly end: number };
  readonly shadow?: { readonly net: number; readonly charges: number; readonly equity: { readonly dayStart: number; readonly end: number } };
}
