/**
 * @module The dashboard's money tiles (issue 19 "P&L net of charges"): the trading day and every journaled day to
 * date, net of charges, with the charges beside them, from the risk actor's `risk.pnl` (actors/risk/day.ts owns the
 * arithmetic; this only picks the book the page shows — the shadow book's in SHADOW — and its latest day).
 */
import type { RiskPnl } from '../../actors/risk/messages.ts';

export interface MoneyView {
  /** The latest trading day (IST date) and whether it is still running. */
  readonly date: string;
  readonly open: boolean;
  /** That day: equity change net of charges, and the charges booked, ₹. */
  readonly day: { readonly net: number; readonly charges: number };
  /** Every journaled day together, ₹. */
  readonly total: { readonly net: number; readonly charges: number };
  /** The figures are the shadow book's (paper fills in SHADOW), not money. */
  readonly shadow: boolean;
  /** The shown book's days, newest first (at most `DAYS_SHOWN`), each net of charges. */
  readonly days: readonly DayFigure[];
  /** Outside SHADOW, the shadow book's own days when one was kept (SHADOW trading before): labelled, never mixed in. */
  readonly shadowDays?: readonly DayFigure[];
}

export interface DayFigure {
  readonly date: string;
  readonly net: number;
  readonly charges: number;
  readonly open: boolean;
}

/** Days listed on the page: a trading week and a half. */
export const DAYS_SHOWN = 7;

const recent = (days: readonly DayFigure[]): DayFigure[] => days.slice(-DAYS_SHOWN).reverse().map((d) => ({ date: d.date, net: d.net, charges: d.charges, open: d.open }));

/** Null when risk gave no view or has no day yet (or, in SHADOW, tracked no shadow book). */
export function moneyView(pnl: RiskPnl | null, shadow: boolean): MoneyView | null {
  if (pnl === null) return null;
  const book = shadow ? pnl.shadow : pnl;
  const last = book?.days[book.days.length - 1];
  if (book === undefined || last === undefined) return null;
  const shadowDays = !shadow && pnl.shadow !== undefined && pnl.shadow.days.length > 0 ? { shadowDays: recent(pnl.shadow.days) } : {};
  return { date: last.date, open: last.open, day: { net: last.net, charges: last.charges }, total: { net: book.total.net, charges: book.total.charges }, shadow, days: recent(book.days), ...shadowDays };
}
