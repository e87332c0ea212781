/**
 * @module The trading-time variance clock: the one time-to-expiry for implied vol, realised vol and greeks. Pure.
 *
 * Variance does not accrue evenly in calendar time: an index diffuses while the exchange trades, a little overnight
 * and over weekends and holidays. Counting calendar minutes (the India VIX convention) makes implied vols read low
 * early in the week and high just before a weekend-free expiry, and realised vol measured on another clock then
 * compares with it differently each weekday. This clock counts *variance units*: one trading day is 1 unit, of which
 *
 *   o                the overnight share, accrues between the previous session's close and this session's open
 *   1 − o            accrues evenly over the session's minutes (375 until 31 Jul 2026, 385 from 3 Aug 2026)
 *
 * and each calendar day without a session adds w_we (Saturday, Sunday) or w_hol (a weekday exchange holiday), spread
 * evenly with the overnight share over the wall time between one close and the next open. Time to expiry in years is
 * units / D, with D = N + 104·w_we + (261 − N)·w_hol the units in a typical year of N trading days (365 days = 104
 * weekend days + 261 weekdays), so a long-dated vol on this clock is close to the calendar vol and a year is a year.
 * The same t discounts (Black-76 takes one t): the error is r·|t − t_calendar|, under 0.02 % of premium for a weekly.
 *
 * Default weights, and why (facts only, cited):
 * - w_we = 0.1: French & Roll (1986, JFE 17:5–26): open-to-close variance on an average day is over six times the
 *   close-to-open variance across a weekend, although the weekend is eleven times longer; per hour, trading hours
 *   carry 13–100× the variance of non-trading hours. Fortune (1998, FRB Boston WP 98-6): Friday-close to
 *   Monday-close volatility is only 10–20 % above a single weekday's, i.e. 1 + 2·w_we ≈ 1.21–1.44, w_we ≈ 0.1–0.2;
 *   the default takes the low end.
 * - w_hol = 0.1: French & Roll found returns around business-day exchange holidays as quiet as weekends (their
 *   evidence that trading, not the calendar, makes variance), so a weekday holiday weighs like a weekend day.
 * - o = 0.2: the close-to-open gap is a minority of daily variance (French & Roll; Acharya, NSE stocks: daytime
 *   variance exceeds overnight), but NIFTY's gap carries the global session and GIFT Nifty trading, so it is set
 *   above what weekend-to-day ratios for the US would give.
 * - N = 248: NSE years hold 245–250 trading days (2026: 261 weekdays − 16 weekday holidays = 245; 2025: 247).
 * All four are configuration (MARKET_VARIANCE_* in .env.example).
 *
 * Unknown holidays (an uncovered year) count as trading days, as in calendar.ts.
 */
import { NSE_HOLIDAYS } from './data/nse-holidays.ts';
import { NSE_FO_SESSIONS } from './data/nse-sessions.ts';
import { dateOfDay, dayNumber } from './calendar.ts';

export interface VarianceWeights {
  /** Share of a trading day's variance accruing between the previous close and the open, in [0, 1). */
  readonly overnight: number;
  /** Variance of a Saturday or Sunday, as a fraction of a trading day's. */
  readonly weekendDay: number;
  /** Variance of a weekday exchange holiday, as a fraction of a trading day's. */
  readonly holiday: number;
  /** Trading days in a typical year, for the year basis D. */
  readonly tradingDaysPerYear: number;
}

export const DEFAULT_VARIANCE_WEIGHTS: VarianceWeights = { overnight: 0.2, weekendDay: 0.1, holiday: 0.1, tradingDaysPerYear: 248 };

const DAY_MS = 86_400_000;
const MIN_MS = 60_000;
const IST_OFFSET_MS = 330 * MIN_MS;
/** The clock counts from here; instants before it are refused. */
const ORIGIN_DAY = dayNumber('2000-01-01');
const WEEKEND_DAYS_PER_YEAR = 104;
const WEEKDAYS_PER_YEAR = 261;

/** Units in a typical year: D = N + 104·w_we + (261 − N)·w_hol. */
export function unitsPerYear(w: VarianceWeights): number {
  return w.tradingDaysPerYear + WEEKEND_DAYS_PER_YEAR * w.weekendDay + (WEEKDAYS_PER_YEAR - w.tradingDaysPerYear) * w.holiday;
}

/** Every problem with a set of weights, for config checks (empty when valid). */
export function varianceWeightIssues(w: VarianceWeights): string[] {
  const out: string[] = [];
  if (!(w.overnight >= 0 && w.overnight < 1)) out.push(`overnight: expected a share in [0, 1), was ${w.overnight}`);
  if (!(w.weekendDay >= 0 && w.weekendDay <= 1)) out.push(`weekendDay: expected a fraction in [0, 1], was ${w.weekendDay}`);
  if (!(w.holiday >= 0 && w.holiday <= 1)) out.push(`holiday: expected a fraction in [0, 1], was ${w.holiday}`);
  if (!(w.tradingDaysPerYear >= 200 && w.tradingDaysPerYear <= WEEKDAYS_PER_YEAR)) out.push(`tradingDaysPerYear: expected 200–261, was ${w.tradingDaysPerYear}`);
  return out;
}

// Session times and holidays as day-number lookups: the table is built for thousands of days at once.
const SESSION_RULES = NSE_FO_SESSIONS.map((r) => ({ fromDay: dayNumber(r.from), openMin: r.openMin, closeMin: r.closeMin }));
const HOLIDAY_DAYS = new Set(Object.values(NSE_HOLIDAYS).flatMap((y) => Object.keys(y.holidays).map(dayNumber)));

function isTradingDayNumber(day: number): boolean {
  const wd = (day + 4) % 7;
  return wd !== 0 && wd !== 6 && !HOLIDAY_DAYS.has(day);
}

export class VarianceClock {
  readonly weights: VarianceWeights;
  /** D: variance units (trading days) per year. */
  readonly unitsPerYear: number;
  // One row per trading day, ascending: session open/close instants and the cumulative units at each. The table
  // grows on demand in both directions around the first instant asked for; values never change once written (the
  // first row's open is 0, earlier rows are negative), so units read at different times stay comparable.
  #open = new Float64Array(1024);
  #close = new Float64Array(1024);
  #vOpen = new Float64Array(1024);
  #vClose = new Float64Array(1024);
  #n = 0;
  /** Calendar days covered: [#firstDay, #nextDay). */
  #firstDay = 0;
  #nextDay = 0;
  /** Non-trading weight seen after the last row (before the next trading day is tabulated). */
  #pendingGap = 0;
  #hint = 0;

  constructor(weights: VarianceWeights = DEFAULT_VARIANCE_WEIGHTS) {
    const issues = varianceWeightIssues(weights);
    if (issues.length > 0) throw new RangeError(`invalid variance weights: ${issues.join('; ')}`);
    this.weights = { ...weights };
    this.unitsPerYear = unitsPerYear(weights);
  }

  /** Cumulative variance units at an instant, from an arbitrary origin: only differences mean anything. */
  units(ms: number): number {
    if (!Number.isFinite(ms)) throw new RangeError(`expected a finite instant, was ${ms}`);
    if (ms < ORIGIN_DAY * DAY_MS) throw new RangeError(`expected an instant from ${dateOfDay(ORIGIN_DAY)}, was ${new Date(ms).toISOString()}`);
    this.#cover(ms);
    const i = this.#find(ms);
    const open = this.#open[i]!;
    const close = this.#close[i]!;
    if (ms <= close) return this.#vOpen[i]! + ((ms - open) / (close - open)) * (this.#vClose[i]! - this.#vOpen[i]!);
    // In the closed gap after session i: the overnight and non-trading weights, spread evenly over its wall time.
    const nextOpen = this.#open[i + 1]!;
    return this.#vClose[i]! + ((ms - close) / (nextOpen - close)) * (this.#vOpen[i + 1]! - this.#vClose[i]!);
  }

  /** Variance time from `fromMs` to `toMs` in years (units / D); 0 when `toMs` is not later. */
  years(fromMs: number, toMs: number): number {
    if (!(toMs > fromMs)) return 0;
    return (this.units(toMs) - this.units(fromMs)) / this.unitsPerYear;
  }

  /** Time to an expiry instant (its session close) in variance years; never negative. */
  yearsToExpiry(nowMs: number, expiryTs: number): number {
    return this.years(nowMs, expiryTs);
  }

  /** Years of variance in `minutes` of the session on IST `date` (e.g. the last three trading hours of expiry day). */
  sessionMinutesToYears(minutes: number, date: string): number {
    const rule = ruleFor(dayNumber(date));
    return ((minutes / (rule.closeMin - rule.openMin)) * (1 - this.weights.overnight)) / this.unitsPerYear;
  }

  /** Makes sure some session opens at or before `ms` and another after it. */
  #cover(ms: number): void {
    if (this.#n === 0) {
      this.#firstDay = this.#nextDay = Math.max(ORIGIN_DAY, Math.floor((ms + IST_OFFSET_MS) / DAY_MS) - 10);
    }
    while (this.#n < 2 || this.#open[this.#n - 1]! <= ms) this.#extendForward();
    while (this.#open[0]! > ms) {
      if (this.#firstDay <= ORIGIN_DAY) throw new RangeError(`expected an instant after the first session from ${dateOfDay(ORIGIN_DAY)}, was ${new Date(ms).toISOString()}`);
      this.#extendBackward(Math.max(ORIGIN_DAY, this.#firstDay - 366));
    }
  }

  #extendForward(): void {
    const w = this.weights;
    const day = this.#nextDay++;
    if (!isTradingDayNumber(day)) {
      this.#pendingGap += nonTradingWeight(day, w);
      return;
    }
    if (this.#n === this.#open.length) this.#resize(this.#open.length * 2, 0);
    const rule = ruleFor(day);
    const midnight = day * DAY_MS - IST_OFFSET_MS;
    const i = this.#n++;
    this.#open[i] = midnight + rule.openMin * MIN_MS;
    this.#close[i] = midnight + rule.closeMin * MIN_MS;
    this.#vOpen[i] = i === 0 ? 0 : this.#vClose[i - 1]! + w.overnight + this.#pendingGap;
    this.#vClose[i] = this.#vOpen[i]! + (1 - w.overnight);
    this.#pendingGap = 0;
  }

  /** Prepends the trading days of [fromDay, #firstDay), valued backwards from the current first row. */
  #extendBackward(fromDay: number): void {
    const w = this.weights;
    const days: number[] = [];
    for (let d = fromDay; d < this.#firstDay; d++) if (isTradingDayNumber(d)) days.push(d);
    if (days.length === 0) { this.#firstDay = fromDay; return; }
    const k = days.length;
    this.#resize(Math.max(this.#open.length, 1 << Math.ceil(Math.log2(this.#n + k))), k);
    // Walk back from the old first row: its open minus the gap before it is the new row's close.
    let nextOpenUnits = this.#vOpen[k]!;
    // The old first row's day: every non-trading day between it and the new row before it is part of that gap.
    let nextDay = Math.floor((this.#open[k]! + IST_OFFSET_MS) / DAY_MS);
    for (let j = k - 1; j >= 0; j--) {
      const day = days[j]!;
      let gap = w.overnight;
      for (let d = day + 1; d < nextDay; d++) if (!isTradingDayNumber(d)) gap += nonTradingWeight(d, w);
      const rule = ruleFor(day);
      const midnight = day * DAY_MS - IST_OFFSET_MS;
      this.#open[j] = midnight + rule.openMin * MIN_MS;
      this.#close[j] = midnight + rule.closeMin * MIN_MS;
      this.#vClose[j] = nextOpenUnits - gap;
      this.#vOpen[j] = this.#vClose[j]! - (1 - w.overnight);
      nextOpenUnits = this.#vOpen[j]!;
      nextDay = day;
    }
    this.#n += k;
    this.#hint += k;
    this.#firstDay = fromDay;
  }

  /** Grows the arrays to `length` and shifts the rows up by `shift` (room for prepended rows). */
  #resize(length: number, shift: number): void {
    const move = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
      const b = new Float64Array(length);
      b.set(a.subarray(0, this.#n), shift);
      return b;
    };
    this.#open = move(this.#open);
    this.#close = move(this.#close);
    this.#vOpen = move(this.#vOpen);
    this.#vClose = move(this.#vClose);
  }

  /** The last session index whose open is at or before `ms` (with a hint: consecutive queries are close). */
  #find(ms: number): number {
    const open = this.#open;
    const h = this.#hint;
    if (h < this.#n - 1 && open[h]! <= ms && open[h + 1]! > ms) return h;
    let lo = 0;
    let hi = this.#n - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (open[mid]! <= ms) lo = mid; else hi = mid - 1;
    }
    this.#hint = lo;
    return lo;
  }
}

function ruleFor(day: number): { openMin: number; closeMin: number } {
  let rule = SESSION_RULES[0]!;
  for (const r of SESSION_RULES) if (r.fromDay <= day) rule = r;
  return rule;
}

function nonTradingWeight(day: number, w: VarianceWeights): number {
  const wd = (day + 4) % 7;
  return wd === 0 || wd === 6 ? w.weekendDay : w.holiday;
}

const CLOCKS = new Map<string, VarianceClock>();

/** The clock for a set of weights, shared within a thread (its table is built once). */
export function varianceClock(weights: VarianceWeights = DEFAULT_VARIANCE_WEIGHTS): VarianceClock {
  const k = `${weights.overnight}|${weights.weekendDay}|${weights.holiday}|${weights.tradingDaysPerYear}`;
  let c = CLOCKS.get(k);
  if (!c) CLOCKS.set(k, (c = new VarianceClock(weights)));
  return c;
}
