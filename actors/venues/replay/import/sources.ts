/**
 * @module Where the public historical data lives: URL patterns for NSE's bhavcopy archives and Upstox's candle APIs,
 * and which files a date range needs. Pure.
 */
import { dateOfDay, dayNumber, isTradingDay, weekday } from '../../../domain/calendar.ts';
import type { Underlying } from '../../../domain/underlying.ts';
import { UNDERLYING_SPECS } from '../../../domain/instruments.ts';
import type { FetchTarget } from './fetch.ts';
import { candleFileName } from './upstox-candles.ts';

export const NSE_ARCHIVES = 'https://nsearchives.nseindia.com';
export const UPSTOX_API = 'https://api.upstox.com';
/** NSE publishes the F&O bhavcopy in the UDiFF layout from this trade date on (the legacy files before it). */
export const UDIFF_FROM = '2024-07-08';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Weekdays in [from, to] that are trading days where the holiday calendar covers the year (else every weekday). */
export function candidateDays(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = dayNumber(from); d <= dayNumber(to); d++) {
    const date = dateOfDay(d);
    const wd = weekday(date);
    if (wd === 0 || wd === 6) continue;
    let trading = true;
    try {
      trading = isTradingDay(date);
    } catch {
      // Outside the holiday data: ask the archive; a holiday answers 404 and is reported as not published.
    }
    if (trading) out.push(date);
  }
  return out;
}

/** The bhavcopy zip of one trade date: UDiFF from 8 July 2024, the legacy archive before. */
export function nseBhavcopyTarget(date: string, base = NSE_ARCHIVES): FetchTarget {
  const [y, m, d] = [date.slice(0, 4), date.slice(5, 7), date.slice(8, 10)];
  if (date >= UDIFF_FROM) {
    const name = `BhavCopy_NSE_FO_0_0_0_${y}${m}${d}_F_0000.csv.zip`;
    return { url: `${base}/content/fo/${name}`, file: name, label: `${date} UDiFF` };
  }
  const mon = MONTHS[Number(m) - 1]!;
  const name = `fo${d}${mon}${y}bhav.csv.zip`;
  return { url: `${base}/content/historical/DERIVATIVES/${y}/${mon}/${name}`, file: name, label: `${date} legacy` };
}

const enc = encodeURIComponent;

/** Expired-instruments API: the expiries of an underlying (its index key). */
export function upstoxExpiriesTarget(u: Underlying, base = UPSTOX_API): FetchTarget {
  const key = UNDERLYING_SPECS[u].indexKey;
  return { url: `${base}/v2/expired-instruments/expiries?instrument_key=${enc(key)}`, file: `meta/expiries-${u}.json`, label: `${u} expiries` };
}

/** Expired-instruments API: the option contracts of one expiry. */
export function upstoxContractsTarget(u: Underlying, expiry: string, base = UPSTOX_API): FetchTarget {
  const key = UNDERLYING_SPECS[u].indexKey;
  return {
    url: `${base}/v2/expired-instruments/option/contract?instrument_key=${enc(key)}&expiry_date=${expiry}`,
    file: `meta/contracts-${u}-${expiry}.json`, label: `${u} ${expiry} contracts`,
  };
}

export type CandleInterval = '1minute' | 'day';

/** Expired-instruments API: one expired contract's candles over [from, to]. */
export function upstoxExpiredCandlesTarget(key: string, interval: CandleInterval, from: string, to: string, base = UPSTOX_API): FetchTarget {
  return {
    url: `${base}/v2/expired-instruments/historical-candle/${enc(key)}/${interval}/${to}/${from}`,
    file: candleFileName(key), label: `${key} ${interval}`,
  };
}

/** v3 historical candles of an index over [from, to] (minute data is served at most a month per call). */
export function upstoxIndexCandlesTargets(u: Underlying, interval: CandleInterval, from: string, to: string, base = UPSTOX_API): FetchTarget[] {
  const key = UNDERLYING_SPECS[u].indexKey;
  const [unit, n] = interval === 'day' ? ['days', 1] : ['minutes', 1];
  const out: FetchTarget[] = [];
  // One call for daily data; month-sized windows for minutes.
  const step = interval === 'day' ? Number.POSITIVE_INFINITY : 28;
  for (let a = dayNumber(from); a <= dayNumber(to); a += step === Number.POSITIVE_INFINITY ? dayNumber(to) - dayNumber(from) + 1 : step) {
    const b = Math.min(dayNumber(to), step === Number.POSITIVE_INFINITY ? dayNumber(to) : a + step - 1);
    const [f, t] = [dateOfDay(a), dateOfDay(b)];
    out.push({ url: `${base}/v3/historical-candle/${enc(key)}/${unit}/${n}/${t}/${f}`, file: `parts/${candleFileName(key).replace(/\.json$/, '')}-${f}_${t}.json`, label: `${key} ${f}…${t}` });
  }
  return out;
}
