/**
 * @module A day's market facts with their provenance, for `volguard calendar` and the pre-flight: the session times,
 * holiday status, the expiry rule, the live expiries and each contract's lot and freeze limit — every value with the
 * date it took effect and its source. Pure.
 */
import type { Underlying } from './underlying.ts';
import {
  dayNumber, expiryRule, holidayCoverage, holidayName, holidaySource, isTradingDay, istInstant, nextTradingDay,
  sessionTimes, upcomingExpiries, weekday, type HolidayCoverage,
} from './calendar.ts';
import { ContractFacts, type Fact } from './contract-facts.ts';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'] as const;

export interface DayFacts {
  readonly date: string;
  readonly weekday: string;
  readonly tradingDay: boolean;
  readonly holiday: string | null;
  readonly holidays: { readonly coverage: HolidayCoverage; readonly source: string };
  readonly nextTradingDay: string;
  /** IST `HH:MM`. On a non-trading day: the times that would apply. */
  readonly session: {
    readonly preOpen: string; readonly open: string; readonly close: string;
    readonly effectiveFrom: string; readonly source: string;
  };
  readonly expiryRule: {
    readonly weekday: string; readonly weekly: readonly Underlying[]; readonly monthly: readonly Underlying[];
    readonly effectiveFrom: string; readonly source: string;
  } | null;
  /** Live at the start of the day (an expiry on the day itself is included, `today`). */
  readonly expiries: readonly {
    readonly underlying: Underlying; readonly expiry: string; readonly kind: 'weekly' | 'monthly'; readonly today: boolean;
    /** IST `HH:MM` of the expiry instant (the session close of its date). */
    readonly expiresAt: string;
    readonly lotSize: Fact | null; readonly freezeQty: Fact | null; readonly maxLotsPerOrder: number | null;
  }[];
}

export const hhmm = (minute: number): string => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(Math.round(minute % 60)).padStart(2, '0')}`;

/** The facts of IST `date`, listing `counts` expiries per underlying (default NIFTY 4, BANKNIFTY 2, as the feed does). */
export function dayFacts(date: string, facts: ContractFacts = ContractFacts.DEFAULT,
  counts: Readonly<Record<Underlying, number>> = { NIFTY: 4, BANKNIFTY: 2 }): DayFacts {
  dayNumber(date);
  const s = sessionTimes(date);
  const rule = expiryRule(date);
  const startOfDay = istInstant(date, 0);
  const expiries = (['NIFTY', 'BANKNIFTY'] as const).flatMap((u) => upcomingExpiries(u, startOfDay, counts[u]).map((e) => {
    let c: ReturnType<ContractFacts['contract']> | null = null;
    try { c = facts.contract(u, e.expiry, date); } catch { c = null; }
    return {
      underlying: u, expiry: e.expiry, kind: e.kind, today: e.expiry === date, expiresAt: hhmm(sessionTimes(e.expiry).closeMin),
      lotSize: c?.lotSize ?? null, freezeQty: c?.freezeQty ?? null, maxLotsPerOrder: c?.maxLotsPerOrder ?? null,
    };
  }));
  return {
    date,
    weekday: WEEKDAYS[weekday(date)]!,
    tradingDay: isTradingDay(date),
    holiday: holidayName(date) ?? null,
    holidays: { coverage: holidayCoverage(date), source: holidaySource(date) },
    nextTradingDay: nextTradingDay(date),
    session: { preOpen: hhmm(s.preOpenStartMin), open: hhmm(s.openMin), close: hhmm(s.closeMin), effectiveFrom: s.from, source: s.source },
    expiryRule: rule ? { weekday: WEEKDAYS[rule.weekday]!, weekly: rule.weekly, monthly: rule.monthly, effectiveFrom: rule.from, source: rule.source } : null,
    expiries,
  };
}
