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
}

/** Null when risk gave no view or has no day yet (or, in SHADOW, tracked no shadow book). */
export function moneyView(pnl: RiskPnl | null, shadow: boolean): MoneyView | null {
  if (pnl === null) return null;
  const book = shadow ? pnl.shadow : pnl;
  const last = book?.days[book.days.length - 1];
  if (book === undefined || last === undefined) return null;
  return { date: last.date, open: last.open, day: { net: last.net, charges: last.charges }, total: { net: book.total.net, charges: book.total.charges }, shadow };
}
