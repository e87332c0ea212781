/**
 * @module The fake's instrument list at real scale: NIFTY and BANKNIFTY index options listed the way NSE lists them,
 * for any date. Structure (checked against NSE's own F&O bhavcopy of 12 Jan 2026 in master.test.ts):
 *
 *   NIFTY      4 weeklies (Tuesdays that are not the month's last) + 3 serial monthlies + 3 quarterlies (Mar/Jun/Sep/Dec
 *              after the serial months) + 8 half-yearlies (Jun/Dec after those): 18 expiries, the last ≈ 5 years out.
 *   BANKNIFTY  3 serial monthlies + 3 quarterlies: 6 expiries.
 *
 * Every expiry is a Tuesday (the month's last one for monthlies and longer), moved to the previous trading day when
 * a holiday. Strikes: near expiries every 50 (NIFTY) / 100 (BANKNIFTY) points over roughly −7 % … +9 % of spot (the
 * third serial month adds far wings); longer expiries a sparse 500–1500-point grid from ≈ 0.7 to ≈ 1.34 × spot.
 * That is ≈ 1,500 NIFTY and ≈ 850 BANKNIFTY contracts — more than Upstox's feed takes in `full` mode (2,000), which is
 * the point. Pure (no clock): the caller passes the date.
 */
import { dateOfDay, dayNumber, holidayCoverage, isTradingDay, istDate, lastTuesday, sessionCloseMs } from '../../../domain/calendar.ts';

export interface ListedUnderlying {
  readonly underlying: 'NIFTY' | 'BANKNIFTY';
  readonly indexKey: string;
  /** Index level the strikes are listed around. */
  readonly spot: number;
  readonly lotSize: number;
  readonly freezeQty: number;
  /** First exchange token; contracts count up from it. */
  readonly tokenBase: number;
}

export type ExpiryCycle = 'weekly' | 'monthly' | 'quarterly' | 'half-yearly';

export interface ListedContract {
  readonly underlying: 'NIFTY' | 'BANKNIFTY';
  readonly indexKey: string;
  /** `YYYY-MM-DD` (IST). */
  readonly expiry: string;
  readonly cycle: ExpiryCycle;
  readonly strike: number;
  readonly right: 'CE' | 'PE';
  readonly token: string;
  readonly lotSize: number;
  readonly freezeQty: number;
}

/**
 * Holidays NSE has closed on every year whose list we hold: used for years the calendar does not cover (NSE
 * publishes a year's list in the December before), so a 2029 Christmas Tuesday still moves to the Monday, as NSE's
 * own listing shows (NIFTY 24 Dec 2029).
 */
const FIXED_HOLIDAYS = ['01-26', '05-01', '08-15', '10-02', '12-25'];

export function isListingTradingDay(date: string): boolean {
  if (holidayCoverage(date) !== 'none') return isTradingDay(date);
  const wd = (dayNumber(date) + 4) % 7;
  return wd !== 0 && wd !== 6 && !FIXED_HOLIDAYS.includes(date.slice(5));
}

function shifted(nominal: string): string {
  let day = dayNumber(nominal);
  while (!isListingTradingDay(dateOfDay(day))) day--;
  return dateOfDay(day);
}

function monthly(year: number, month: number): string {
  return shifted(lastTuesday(year, month));
}

function addMonths(y: number, m: number, k: number): [number, number] {
  const i = y * 12 + (m - 1) + k;
  return [Math.floor(i / 12), (i % 12) + 1];
}

/** The live expiries of an underlying on `date` (an expiry is live through its own day), nearest first. */
export function listedExpiries(underlying: 'NIFTY' | 'BANKNIFTY', date: string): { expiry: string; cycle: ExpiryCycle }[] {
  const [y0, m0] = [Number(date.slice(0, 4)), Number(date.slice(5, 7))];
  // Serial months: this month's expiry if still ahead (or today), else start next month.
  let [y, m] = monthly(y0, m0) >= date ? [y0, m0] : addMonths(y0, m0, 1);
  const out: { expiry: string; cycle: ExpiryCycle }[] = [];
  const serial: [number, number][] = [];
  for (let k = 0; k < 3; k++) serial.push(addMonths(y, m, k));
  for (const [sy, sm] of serial) out.push({ expiry: monthly(sy, sm), cycle: 'monthly' });
  // Quarterlies: the next 3 of Mar/Jun/Sep/Dec after the serial months.
  [y, m] = addMonths(...serial[2]!, 1);
  const quarters: [number, number][] = [];
  while (quarters.length < 3) {
    if (m % 3 === 0) quarters.push([y, m]);
    [y, m] = addMonths(y, m, 1);
  }
  for (const [qy, qm] of quarters) out.push({ expiry: monthly(qy, qm), cycle: 'quarterly' });
  if (underlying === 'NIFTY') {
    [y, m] = addMonths(...quarters[2]!, 1);
    let halves = 0;
    while (halves < 8) {
      if (m === 6 || m === 12) {
        out.push({ expiry: monthly(y, m), cycle: 'half-yearly' });
        halves++;
      }
      [y, m] = addMonths(y, m, 1);
    }
    // Weeklies: the next 4 Tuesdays (from today) that are not a monthly expiry.
    const monthlies = new Set(out.map((e) => e.expiry));
    let day = dayNumber(date);
    day += (2 - ((day + 4) % 7) + 7) % 7; // this Tuesday or the next
    let weeklies = 0;
    for (let guard = 0; weeklies < 4 && guard < 12; guard++, day += 7) {
      const nominal = dateOfDay(day);
      const expiry = shifted(nominal);
      if (expiry < date || monthlies.has(expiry) || lastTuesday(Number(nominal.slice(0, 4)), Number(nominal.slice(5, 7))) === nominal) continue;
      out.push({ expiry, cycle: 'weekly' });
      weeklies++;
    }
  }
  return out.sort((a, b) => (a.expiry < b.expiry ? -1 : a.expiry > b.expiry ? 1 : 0));
}

const range = (lo: number, hi: number, step: number): number[] => {
  const out: number[] = [];
  for (let k = Math.ceil(lo / step) * step; k <= hi + 1e-9; k += step) out.push(k);
  return out;
};

/** The strikes listed for one expiry (`rank`: its position among the serial/near expiries, 0 = nearest). */
export function listedStrikes(u: ListedUnderlying, cycle: ExpiryCycle, rank: number): number[] {
  const s = u.spot;
  const near = u.underlying === 'NIFTY' ? 50 : 100;
  const set = new Set<number>();
  if (cycle === 'weekly' || cycle === 'monthly') {
    const [lo, hi] = u.underlying === 'NIFTY' ? [0.928, 1.09] : [0.895, 1.097];
    for (const k of range(s * lo, s * hi, near)) set.add(k);
    // BANKNIFTY lists 500-point wings beyond its 100-point band.
    if (u.underlying === 'BANKNIFTY') for (const k of range(s * 0.855, s * 1.136, 500)) set.add(k);
    // The third serial month (a quarter month for NSE's cycle) carries far wings.
    if (cycle === 'monthly' && rank >= 2) for (const k of range(s * 0.74, s * 1.2, u.underlying === 'NIFTY' ? 1000 : 1500)) set.add(k);
  } else {
    const wide = u.underlying === 'NIFTY' ? 1500 : 1500;
    for (const k of range(s * (u.underlying === 'NIFTY' ? 0.7 : 0.86), s * (u.underlying === 'NIFTY' ? 1.34 : 1.14), wide)) set.add(k);
    if (cycle === 'quarterly' && u.underlying === 'NIFTY') for (const k of range(s * 0.84, s * 1.1, 1000)) set.add(k);
  }
  return [...set].filter((k) => k > 0).sort((a, b) => a - b);
}

/** Every contract listed on `date` for the given underlyings, tokens assigned in a stable order. */
export function nseOptionMaster(date: string, underlyings: readonly ListedUnderlying[]): ListedContract[] {
  const out: ListedContract[] = [];
  for (const u of underlyings) {
    let token = u.tokenBase;
    const expiries = listedExpiries(u.underlying, date);
    let serialRank = 0;
    for (const { expiry, cycle } of expiries) {
      const rank = cycle === 'monthly' ? serialRank++ : 0;
      for (const strike of listedStrikes(u, cycle, rank)) {
        for (const right of ['CE', 'PE'] as const) {
          out.push({ underlying: u.underlying, indexKey: u.indexKey, expiry, cycle, strike, right, token: String(token++), lotSize: u.lotSize, freezeQty: u.freezeQty });
        }
      }
    }
  }
  return out;
}

/** The IST date of `ms`; expiries whose close is behind `ms` are no longer listed. */
export function listingDate(ms: number): string {
  const today = istDate(ms);
  return ms >= sessionCloseMs(today) ? dateOfDay(dayNumber(today) + 1) : today;
}
