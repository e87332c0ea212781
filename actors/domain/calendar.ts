/**
 * @module NSE calendar: trading days, the IST session, and index-option expiries. Pure (no clock, no I/O).
 *
 * Every market fact here is dated data (DESIGN.md §8), read from `data/`:
 * - sessions (`data/nse-sessions.ts`): pre-open 09:00–09:15 and the normal market from 09:15 to **15:30 IST until
 *   31 Jul 2026 and 15:40 IST from 3 Aug 2026**; `sessionTimes(date)` says which rule applies and its source;
 * - holidays (`data/nse-holidays.ts`): per year, `official` or `provisional`; a year not held is *uncovered*
 *   (`holidayCoverage` → `none`) and every weekday in it counts as a trading day — never a throw;
 * - expiry rules (`data/nse-expiry-rules.ts`): the expiry weekday (Tuesday from 1 Sep 2025, Thursday before) and
 *   which underlyings list weeklies (NIFTY) or only monthlies (BANKNIFTY). An expiry falling on a holiday moves to the
 *   previous trading day, and its instant is the session close of its date (`sessionCloseMs`).
 *
 * Stable API for other actors (the feed's layout, the venues, the strategy): `istDate`, `istInstant`, `weekday`,
 * `isTradingDay`, `nextTradingDay`, `previousTradingDay`, `sessionTimes`, `sessionOpenMs`, `sessionCloseMs`,
 * `sessionPhase`, `isMarketOpen`, `nextSessionOpen`, `monthlyExpiry`, `expiryKind`, `upcomingExpiries`,
 * `holidayName`, `holidayCoverage`. None of them throws for a year outside the holiday data: classification of any
 * expiry year (NIFTY half-yearlies to 2031) is data (`expiryKind` → `unknown` when no rule applies), not an error.
 *
 * Dates are IST calendar dates as `YYYY-MM-DD`; instants are epoch ms. IST is UTC+05:30 with no DST.
 */
import type { Underlying } from './underlying.ts';
import { NSE_HOLIDAYS } from './data/nse-holidays.ts';
import { NSE_FO_SESSIONS, type SessionRule } from './data/nse-sessions.ts';
import { NSE_EXPIRY_RULES, type ExpiryRule } from './data/nse-expiry-rules.ts';

export type { SessionRule } from './data/nse-sessions.ts';
export type { ExpiryRule } from './data/nse-expiry-rules.ts';

export const IST_OFFSET_MS = 330 * 60_000;
const DAY_MS = 86_400_000;
const MIN_MS = 60_000;

/** Asked for holiday data that must be official or provisional (see `requireHolidayCoverage`). */
export class CalendarRangeError extends RangeError {
  readonly code = 'CALENDAR_RANGE';
  constructor(date: string) {
    const years = Object.keys(NSE_HOLIDAYS).join(', ');
    super(`expected a date in a covered NSE holiday year (${years}), was ${date}; add the year to actors/domain/data/nse-holidays.ts`);
    this.name = 'CalendarRangeError';
  }
}

export type SessionPhase = 'closed' | 'pre_open' | 'pre_open_matching' | 'open';
/** `unknown`: no expiry rule governs the date, or the date does not fall where the rule puts expiries. */
export type ExpiryKind = 'weekly' | 'monthly' | 'unknown';
export type HolidayCoverage = 'official' | 'provisional' | 'none';

export interface Expiry {
  readonly underlying: Underlying;
  /** IST date `YYYY-MM-DD`. */
  readonly expiry: string;
  /** Epoch ms of the session close on that date (15:30 IST before 3 Aug 2026, 15:40 from then). */
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

// ---- holidays --------------------------------------------------------------------------------------------------

/** The holiday's name, or undefined (a weekday that trades, a weekend, or a year we hold no data for). */
export function holidayName(date: string): string | undefined {
  dayNumber(date);
  return NSE_HOLIDAYS[Number(date.slice(0, 4))]?.holidays[date];
}

/** How far the holiday list for the date's year can be trusted: official circular, provisional, or none held. */
export function holidayCoverage(date: string): HolidayCoverage {
  dayNumber(date);
  return NSE_HOLIDAYS[Number(date.slice(0, 4))]?.status ?? 'none';
}

/** Where the date's year's holiday list comes from ('' for an uncovered year). */
export function holidaySource(date: string): string {
  return NSE_HOLIDAYS[Number(date.slice(0, 4))]?.source ?? '';
}

/** True unless the date's year has an official holiday list (provisional and uncovered years both count). */
export function isProvisional(date: string): boolean {
  return holidayCoverage(date) !== 'official';
}

/** For callers that must not guess (the pre-flight): throws CalendarRangeError for an uncovered year. */
export function requireHolidayCoverage(date: string): HolidayCoverage {
  const coverage = holidayCoverage(date);
  if (coverage === 'none') throw new CalendarRangeError(date);
  return coverage;
}

export function isTradingDay(date: string): boolean {
  const wd = weekday(date);
  if (wd === 0 || wd === 6) return false;
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

// ---- sessions --------------------------------------------------------------------------------------------------

/** The session rule in force on `date` (the first rule also covers earlier dates). */
export function sessionTimes(date: string): SessionRule {
  dayNumber(date);
  let rule = NSE_FO_SESSIONS[0]!;
  for (const r of NSE_FO_SESSIONS) if (r.from <= date) rule = r;
  return rule;
}

/** Length of the normal market on `date`, minutes (375 until 31 Jul 2026, 385 from 3 Aug 2026). */
export function sessionMinutes(date: string): number {
  const s = sessionTimes(date);
  return s.closeMin - s.openMin;
}

export function sessionOpenMs(date: string): number {
  return istInstant(date, sessionTimes(date).openMin);
}

export function sessionCloseMs(date: string): number {
  return istInstant(date, sessionTimes(date).closeMin);
}

export function sessionPhase(ms: number): SessionPhase {
  const date = istDate(ms);
  if (!isTradingDay(date)) return 'closed';
  const s = sessionTimes(date);
  const minute = istMinuteOfDay(ms);
  if (minute < s.preOpenStartMin || minute >= s.closeMin) return 'closed';
  if (minute < s.preOpenOrderEndMin) return 'pre_open';
  if (minute < s.openMin) return 'pre_open_matching';
  return 'open';
}

/** True during the normal market, open (inclusive) to close (exclusive), on a trading day. */
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

// ---- expiries --------------------------------------------------------------------------------------------------

/** The expiry rule governing a nominal expiry date, or undefined before the first rule we hold. */
export function expiryRule(date: string): ExpiryRule | undefined {
  dayNumber(date);
  let rule: ExpiryRule | undefined;
  for (const r of NSE_EXPIRY_RULES) if (r.from <= date) rule = r;
  return rule;
}

/** The expiry date for a nominal expiry day: itself if a trading day, else the previous trading day. */
export function shiftForHoliday(date: string): string {
  return isTradingDay(date) ? date : previousTradingDay(date);
}

/** The last `wd` weekday (0 = Sunday) of a month (1-based), nominal. */
export function lastWeekdayOfMonth(year: number, month: number, wd: number): string {
  const lastDay = Date.UTC(year, month, 0) / DAY_MS; // day 0 of next month = last day of `month`
  const lastWd = (lastDay + 4) % 7;
  return dateOfDay(lastDay - ((lastWd - wd + 7) % 7));
}

/** The last Tuesday of a month (nominal, before any holiday shift). */
export function lastTuesday(year: number, month: number): string {
  return lastWeekdayOfMonth(year, month, 2);
}

/** The nominal monthly expiry day of a month under the rule in force then (last Tuesday from Sep 2025). */
function nominalMonthly(year: number, month: number): string | undefined {
  const monthEnd = dateOfDay(Date.UTC(year, month, 0) / DAY_MS);
  const rule = expiryRule(monthEnd);
  return rule ? lastWeekdayOfMonth(year, month, rule.weekday) : undefined;
}

/**
 * The monthly expiry of a month (last expiry weekday, holiday-shifted). For a month before the first expiry rule we
 * hold, the last Tuesday (holiday-shifted). Never throws for an uncovered holiday year (no holidays are then known).
 */
export function monthlyExpiry(year: number, month: number): string {
  return shiftForHoliday(nominalMonthly(year, month) ?? lastTuesday(year, month));
}

/**
 * Weekly or monthly, from the date alone: the expiry's nominal day is the first rule weekday on or after it (a
 * holiday moves an expiry earlier, never later, and never by a week), and a nominal day that is its month's last is a
 * monthly. Holiday data is not needed, so any year classifies (NIFTY half-yearlies to 2031 included); `unknown` when
 * no rule governs the date or the underlying lists no expiry of that kind. The date is assumed to be a listed expiry
 * (the broker's instrument master says so); a non-expiry date is classified by the next expiry day.
 */
export function expiryKind(underlying: Underlying, date: string): ExpiryKind {
  const day = dayNumber(date);
  for (let k = 0; k < 7; k++) {
    const nominal = dateOfDay(day + k);
    const rule = expiryRule(nominal);
    if (!rule || weekday(nominal) !== rule.weekday) continue;
    const [y, m] = [Number(nominal.slice(0, 4)), Number(nominal.slice(5, 7))];
    if (lastWeekdayOfMonth(y, m, rule.weekday) === nominal && rule.monthly.includes(underlying)) return 'monthly';
    return rule.weekly.includes(underlying) ? 'weekly' : 'unknown';
  }
  return 'unknown';
}

/**
 * The next `count` expiries of `underlying` still live at `nowMs` (an expiry stays live until its session close).
 * NIFTY: every expiry weekday (the month's last one is `monthly`); BANKNIFTY: monthlies only. Rules and holidays are
 * those in force for each nominal day. Throws RangeError when the rules yield no expiry for a year ahead.
 */
export function upcomingExpiries(underlying: Underlying, nowMs: number, count: number): Expiry[] {
  const out: Expiry[] = [];
  // From a week back, so an expiry day shifted back before today (holiday) is still found.
  let day = dayNumber(istDate(nowMs)) - 7;
  let idle = 0;
  while (out.length < count) {
    if (++idle > 400) throw new RangeError(`expected ${underlying} expiries after ${istDate(nowMs)}, found none in the expiry rules for a year`);
    const nominal = dateOfDay(day++);
    const rule = expiryRule(nominal);
    if (!rule || weekday(nominal) !== rule.weekday) continue;
    const [y, m] = [Number(nominal.slice(0, 4)), Number(nominal.slice(5, 7))];
    const monthly = lastWeekdayOfMonth(y, m, rule.weekday) === nominal;
    if (!(monthly ? rule.monthly : rule.weekly).includes(underlying)) continue;
    const expiry = shiftForHoliday(nominal);
    const expiryTs = sessionCloseMs(expiry);
    if (expiryTs > nowMs) {
      out.push({ underlying, expiry, expiryTs, kind: monthly ? 'monthly' : 'weekly' });
      idle = 0;
    }
  }
  return out;
}
