/**
 * @module NSE calendar: trading days, the IST session, and index-option expiries. Pure (no clock, no I/O).
 *
 * Dates are IST calendar dates as `YYYY-MM-DD`; instants are epoch ms. IST is UTC+05:30 with no DST.
 * Session (equity derivatives): pre-open order entry 09:00–09:08, pre-open matching 09:08–09:15, normal market
 * 09:15–15:30. Expiries (NSE, from 1 Sep 2025): NIFTY weekly every Tuesday and monthly on the last Tuesday;
 * BANKNIFTY monthly only (last Tuesday). An expiry falling on a holiday moves to the previous trading day.
 * Every expiry instant is the 15:30 IST close of its date.
 */
import type { Underlying } from './underlying.ts';
import { NSE_HOLIDAYS } from './data/nse-holidays.ts';

export const IST_OFFSET_MS = 330 * 60_000;
const DAY_MS = 86_400_000;
const MIN_MS = 60_000;
export const PRE_OPEN_START_MIN = 9 * 60;
export const PRE_OPEN_ORDER_END_MIN = 9 * 60 + 8;
export const SESSION_OPEN_MIN = 9 * 60 + 15;
export const SESSION_CLOSE_MIN = 15 * 60 + 30;

/** Asked about a date outside the years whose holidays we hold. */
export class CalendarRangeError extends RangeError {
  readonly code = 'CALENDAR_RANGE';
  constructor(date: string) {
    const years = Object.keys(NSE_HOLIDAYS).join(', ');
    super(`expected a date in a covered NSE holiday year (${years}), was ${date}; add the year to actors/domain/data/nse-holidays.ts`);
    this.name = 'CalendarRangeError';
  }
}

export type SessionPhase = 'closed' | 'pre_open' | 'pre_open_matching' | 'open';

export interface Expiry {
  readonly underlying: Underlying;
  /** IST date `YYYY-MM-DD`. */
  readonly expiry: string;
  /** Epoch ms of 15:30 IST on that date. */
  readonly expiryTs: number;
  readonly kind: 'weekly' | 'monthly';
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Day number (days since 1970-01-01) of an IST date string; validates the format. */
export function dayNumber(date: string): number {
  const m = DATE_RE.exec(date);
  if (!m) throw new RangeError(`expected a date YYYY-MM-DD, was ${JSON.stringify(date)}`);
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    throw new RangeError(`expected a real calendar date, was ${date}`);
  }
  return ms / DAY_MS;
}

export function dateOfDay(day: number): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The IST calendar date of an instant. */
export function istDate(ms: number): string {
  return dateOfDay(Math.floor((ms + IST_OFFSET_MS) / DAY_MS));
}

/** Minutes since IST midnight of an instant (fractional). */
export function istMinuteOfDay(ms: number): number {
  const local = ms + IST_OFFSET_MS;
  return (local - Math.floor(local / DAY_MS) * DAY_MS) / MIN_MS;
}

/** Epoch ms of `minute` minutes after IST midnight on `date`. */
export function istInstant(date: string, minute: number): number {
  return dayNumber(date) * DAY_MS - IST_OFFSET_MS + minute * MIN_MS;
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: string): number {
  return (dayNumber(date) + 4) % 7;
}

export function holidayName(date: string): string | undefined {
  const year = Number(date.slice(0, 4));
  const data = NSE_HOLIDAYS[year];
  if (!data) throw new CalendarRangeError(date);
  return data.holidays[date];
}

/** Whether the covered holiday data for the date's year is provisional (see data/nse-holidays.ts). */
export function isProvisional(date: string): boolean {
  const data = NSE_HOLIDAYS[Number(date.slice(0, 4))];
  if (!data) throw new CalendarRangeError(date);
  return data.status === 'provisional';
}

export function isTradingDay(date: string): boolean {
  const wd = weekday(date);
  if (wd === 0 || wd === 6) {
    holidayName(date); // still refuse uncovered years
    return false;
  }
  return holidayName(date) === undefined;
}

export function nextTradingDay(date: string): string {
  let day = dayNumber(date) + 1;
  while (!isTradingDay(dateOfDay(day))) day++;
  return dateOfDay(day);
}

export function previousTradingDay(date: string): string {
  let day = dayNumber(date) - 1;
  while (!isTradingDay(dateOfDay(day))) day--;
  return dateOfDay(day);
}

export function sessionOpenMs(date: string): number {
  return istInstant(date, SESSION_OPEN_MIN);
}

export function sessionCloseMs(date: string): number {
  return istInstant(date, SESSION_CLOSE_MIN);
}

export function sessionPhase(ms: number): SessionPhase {
  const date = istDate(ms);
  if (!isTradingDay(date)) return 'closed';
  const minute = istMinuteOfDay(ms);
  if (minute < PRE_OPEN_START_MIN || minute >= SESSION_CLOSE_MIN) return 'closed';
  if (minute < PRE_OPEN_ORDER_END_MIN) return 'pre_open';
  if (minute < SESSION_OPEN_MIN) return 'pre_open_matching';
  return 'open';
}

/** True during the normal market, 09:15 (inclusive) – 15:30 (exclusive) IST on a trading day. */
export function isMarketOpen(ms: number): boolean {
  return sessionPhase(ms) === 'open';
}

/** The instant the next normal session opens at or after `ms` (`ms` itself when already in session). */
export function nextSessionOpen(ms: number): number {
  const date = istDate(ms);
  if (isTradingDay(date)) {
    if (ms < sessionOpenMs(date)) return sessionOpenMs(date);
    if (ms < sessionCloseMs(date)) return ms;
  }
  return sessionOpenMs(nextTradingDay(date));
}

/** The expiry date for a nominal Tuesday: itself if a trading day, else the previous trading day. */
export function shiftForHoliday(date: string): string {
  return isTradingDay(date) ? date : previousTradingDay(date);
}

/** The last Tuesday of a month (nominal, before any holiday shift). */
export function lastTuesday(year: number, month: number): string {
  const lastDay = Date.UTC(year, month, 0) / DAY_MS; // day 0 of next month = last day of `month` (1-based)
  const wd = (lastDay + 4) % 7;
  return dateOfDay(lastDay - ((wd - 2 + 7) % 7));
}

/** The monthly expiry of a month (last Tuesday, holiday-shifted). */
export function monthlyExpiry(year: number, month: number): string {
  return shiftForHoliday(lastTuesday(year, month));
}

/**
 * The next `count` expiries of `underlying` still live at `nowMs` (an expiry stays live until its 15:30 close).
 * NIFTY: every Tuesday (the month's last one is `monthly`); BANKNIFTY: monthlies only.
 */
export function upcomingExpiries(underlying: Underlying, nowMs: number, count: number): Expiry[] {
  const out: Expiry[] = [];
  const today = dayNumber(istDate(nowMs));
  if (underlying === 'BANKNIFTY') {
    const d = new Date(today * DAY_MS);
    let [y, m] = [d.getUTCFullYear(), d.getUTCMonth() + 1];
    while (out.length < count) {
      const expiry = monthlyExpiry(y, m);
      const expiryTs = sessionCloseMs(expiry);
      if (expiryTs > nowMs) out.push({ underlying, expiry, expiryTs, kind: 'monthly' });
      [y, m] = m === 12 ? [y + 1, 1] : [y, m + 1];
    }
    return out;
  }
  // First nominal Tuesday on/after today minus 6 days, so a Tuesday shifted back before today is not skipped.
  let tuesday = today - 6 + ((2 - ((today - 6 + 4) % 7) + 7) % 7);
  while (out.length < count) {
    const nominal = dateOfDay(tuesday);
    const expiry = shiftForHoliday(nominal);
    const expiryTs = sessionCloseMs(expiry);
    if (expiryTs > nowMs) {
      const [y, m] = [Number(nominal.slice(0, 4)), Number(nominal.slice(5, 7))];
      const kind = lastTuesday(y, m) === nominal ? 'monthly' : 'weekly';
      out.push({ underlying, expiry, expiryTs, kind });
    }
    tuesday += 7;
  }
  return out;
}
