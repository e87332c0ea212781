/**
 * @module Upstox historical candles → trading days of observations. Pure over texts.
 *
 * Input (what `--fetch` writes, and what a user can assemble by hand):
 * - `instruments.json` (or `.json.gz`): the instrument rows naming the contracts — the daily instrument master's JSON
 *   (an array of `{instrument_key, instrument_type, underlying_symbol|name, strike_price, expiry, lot_size, …}`) or an
 *   API reply wrapping them (`{"status":"success","data":[…]}`, e.g. the expired-instruments option contracts).
 *   `expiry` is epoch ms (master) or `YYYY-MM-DD` (contract APIs).
 * - one candle file per instrument, named after its key with `|` as `_` (`NSE_FO|54452|24-04-2025` →
 *   `NSE_FO_54452_24-04-2025.json`, `NSE_INDEX|Nifty 50` → `NSE_INDEX_Nifty 50.json`): the API's reply
 *   `{"status":"success","data":{"candles":[[timestamp, open, high, low, close, volume, oi], …]}}` (v3 historical and
 *   expired-instruments endpoints; newest first as Upstox sends them, any order accepted). The index of each
 *   underlying with options must have its own candles (the spot).
 *
 * Interval: daily when every timestamp is midnight IST, else minute candles (1-minute: a frame per minute). A minute
 * candle stamped 09:15 covers 09:15–09:16, so its frame is at 09:16 (no look-ahead); a daily candle's frame is the
 * end-of-day one, 15 minutes before the close, like the bhavcopy's. Volumes are taken as units and divided by the lot
 * size for the spread model [UNCONFIRMED in Upstox's docs]. A contract is quoted from its first candle of the day on,
 * each frame from its latest close (volume 0 in frames where it did not trade). Candles carry no settlement prices:
 * the final settlement on an expiry day is the index's last candle close that day, flagged `derived`.
 */
import { z } from 'zod';
import type { Underlying } from '../../../domain/underlying.ts';
import { istDate, istMinuteOfDay, sessionCloseMs, sessionOpenMs } from '../../../domain/calendar.ts';
import { UNDERLYING_SPECS } from '../../../domain/instruments.ts';
import type { Settlement } from '../format.ts';
import { EOD_FRAME_BEFORE_CLOSE_MIN, sessionMinutesOf } from './bhavcopy.ts';
import { ImportError, type InputText } from './input.ts';
import type { Frame, OptionObservation, Right, SpotObservation, TradingDay } from './observations.ts';

const INDEX_KEYS: Readonly<Record<string, Underlying>> = {
  [UNDERLYING_SPECS.NIFTY.indexKey]: 'NIFTY',
  [UNDERLYING_SPECS.BANKNIFTY.indexKey]: 'BANKNIFTY',
};

/** `NSE_FO|54452|24-04-2025` → `NSE_FO_54452_24-04-2025.json`. */
export function candleFileName(instrumentKey: string): string {
  return `${instrumentKey.replaceAll('|', '_')}.json`;
}

const masterRowSchema = z.object({
  instrument_key: z.string().min(1),
  instrument_type: z.string(),
  underlying_symbol: z.string().optional(),
  name: z.string().optional(),
  trading_symbol: z.string().optional(),
  strike_price: z.number().finite().optional(),
  expiry: z.union([z.number().finite(), z.string()]).optional(),
  lot_size: z.number().finite().optional(),
}).loose();

export interface ContractInfo {
  readonly instrumentKey: string;
  readonly underlying: Underlying;
  readonly right: Right;
  readonly strike: number;
  readonly expiry: string;
  readonly lotSize: number;
  readonly tradingSymbol?: string;
}

/** The option contracts of NIFTY/BANKNIFTY named by an instruments file (other rows are ignored). */
export function parseInstruments(doc: InputText): Map<string, ContractInfo> {
  let raw: unknown;
  try {
    raw = JSON.parse(doc.text);
  } catch (err) {
    throw new ImportError(doc.name, undefined, `expected JSON, was invalid (${(err as Error).message})`);
  }
  const rows = Array.isArray(raw) ? raw : (raw as { data?: unknown } | null)?.data;
  if (!Array.isArray(rows)) throw new ImportError(doc.name, undefined, 'expected an array of instrument rows (or {"data": [...]}), was another shape');
  const out = new Map<string, ContractInfo>();
  rows.forEach((row, i) => {
    const r = masterRowSchema.safeParse(row);
    if (!r.success) throw new ImportError(doc.name, undefined, `[${i}]: expected an instrument row, was rejected (${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')})`);
    const v = r.data;
    if (v.instrument_type !== 'CE' && v.instrument_type !== 'PE') return;
    const u = v.underlying_symbol ?? v.name;
    if (u !== 'NIFTY' && u !== 'BANKNIFTY') return;
    const where = `[${i}] ${v.instrument_key}`;
    if (!(v.strike_price !== undefined && v.strike_price > 0)) throw new ImportError(doc.name, undefined, `${where}: expected strike_price > 0, was ${v.strike_price}`);
    if (!(v.lot_size !== undefined && Number.isInteger(v.lot_size) && v.lot_size > 0)) throw new ImportError(doc.name, undefined, `${where}: expected a whole lot_size > 0, was ${v.lot_size}`);
    const expiry = typeof v.expiry === 'number' ? istDate(v.expiry) : typeof v.expiry === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v.expiry) ? v.expiry : null;
    if (expiry === null) throw new ImportError(doc.name, undefined, `${where}: expected expiry as epoch ms or YYYY-MM-DD, was ${JSON.stringify(v.expiry)}`);
    if (out.has(v.instrument_key)) throw new ImportError(doc.name, undefined, `${where}: expected each instrument_key once, was repeated`);
    out.set(v.instrument_key, {
      instrumentKey: v.instrument_key, underlying: u, right: v.instrument_type, strike: v.strike_price, expiry, lotSize: v.lot_size,
      ...(v.trading_symbol !== undefined ? { tradingSymbol: v.trading_symbol } : {}),
    });
  });
  return out;
}

/** One instrument's candles, ascending, in typed arrays (a month of minutes for hundreds of contracts stays small). */
export interface CandleSeries {
  readonly ts: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
  readonly oi: Float64Array;
  /** True when every timestamp is midnight IST (daily candles). */
  readonly daily: boolean;
}

const TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$/;

/** Parses and checks one candle file; errors name the candle and, where the text allows, its line. */
export function parseCandles(doc: InputText): CandleSeries {
  let raw: unknown;
  try {
    raw = JSON.parse(doc.text);
  } catch (err) {
    throw new ImportError(doc.name, undefined, `expected JSON, was invalid (${(err as Error).message})`);
  }
  const body = raw as { status?: unknown; data?: { candles?: unknown } } | null;
  if (body === null || typeof body !== 'object' || body.status !== 'success') {
    throw new ImportError(doc.name, undefined, `expected {"status":"success","data":{"candles":[…]}}, was status ${JSON.stringify(body?.status)}`);
  }
  const candles = body.data?.candles;
  if (!Array.isArray(candles)) throw new ImportError(doc.name, undefined, 'expected data.candles as an array, was another shape');
  const n = candles.length;
  const rows: { ts: number; close: number; volume: number; oi: number }[] = [];
  let daily = n > 0;
  candles.forEach((c, i) => {
    const fail = (reason: string): never => {
      throw new ImportError(doc.name, lineOf(doc.text, c), `data.candles[${i}]: ${reason}`);
    };
    if (!Array.isArray(c) || c.length < 6 || c.length > 7) fail(`expected [timestamp, open, high, low, close, volume, oi], was ${JSON.stringify(c)?.slice(0, 80)}`);
    const [stamp, open, high, low, close, volume, oi] = c as unknown[];
    if (typeof stamp !== 'string' || !TS_RE.test(stamp) || !Number.isFinite(Date.parse(stamp))) fail(`expected an ISO timestamp with offset, was ${JSON.stringify(stamp)}`);
    for (const [name, v] of [['open', open], ['high', high], ['low', low], ['close', close], ['volume', volume]] as const) {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`expected ${name} a finite number ≥ 0, was ${JSON.stringify(v)}`);
    }
    if (oi !== undefined && (typeof oi !== 'number' || !Number.isFinite(oi) || oi < 0)) fail(`expected oi a finite number ≥ 0, was ${JSON.stringify(oi)}`);
    const [o, h, l, cl] = [open, high, low, close] as number[];
    if (!(l! <= Math.min(o!, cl!) + 1e-9 && h! >= Math.max(o!, cl!) - 1e-9)) fail(`expected low ≤ open, close ≤ high, was ${JSON.stringify(c)}`);
    const ts = Date.parse(stamp as string);
    if (istMinuteOfDay(ts) !== 0) daily = false;
    rows.push({ ts, close: cl!, volume: volume as number, oi: (oi as number | undefined) ?? Number.NaN });
  });
  rows.sort((a, b) => a.ts - b.ts);
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.ts === rows[i - 1]!.ts) throw new ImportError(doc.name, undefined, `expected one candle per timestamp, was two at ${new Date(rows[i]!.ts).toISOString()}`);
  }
  return {
    ts: Float64Array.from(rows, (r) => r.ts), close: Float64Array.from(rows, (r) => r.close),
    volume: Float64Array.from(rows, (r) => r.volume), oi: Float64Array.from(rows, (r) => r.oi), daily,
  };
}

/** The 1-based line of a candle in pretty-printed JSON (its timestamp is unique in the file), else undefined. */
function lineOf(text: string, candle: unknown): number | undefined {
  const stamp = Array.isArray(candle) && typeof candle[0] === 'string' ? candle[0] : null;
  if (stamp === null) return undefined;
  const at = text.indexOf(`"${stamp}"`);
  if (at < 0) return undefined;
  let line = 1;
  for (let i = 0; i < at; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

export interface CandleSet {
  readonly contracts: ReadonlyMap<string, ContractInfo>;
  /** Series by instrument key: the indices' and the contracts'. */
  readonly series: ReadonlyMap<string, CandleSeries>;
  /** Where each series came from (for errors). */
  readonly files: ReadonlyMap<string, string>;
}

export interface CandleDayOptions {
  /** Inclusive IST date range (default: every date the index candles cover). */
  readonly from?: string;
  readonly to?: string;
}

/** Builds trading days (ascending) from a candle set; every day is generated on demand (a month of minutes is big). */
export function* candleDays(set: CandleSet, opts: CandleDayOptions = {}): Generator<TradingDay> {
  const kinds = new Set([...set.series.values()].map((s) => s.daily));
  if (kinds.size > 1) throw new ImportError([...set.files.values()][0] ?? 'candles', undefined, 'expected one interval in one import, was daily and minute candles mixed');
  const daily = kinds.has(true);
  const underlyings = new Set([...set.contracts.values()].map((c) => c.underlying));
  const indexOf = new Map<Underlying, CandleSeries>();
  for (const u of underlyings) {
    const key = UNDERLYING_SPECS[u].indexKey;
    const s = set.series.get(key);
    if (s === undefined) throw new ImportError(candleFileName(key), undefined, `expected candles for the index ${key} (the spot of ${u}'s options), was no such file`);
    indexOf.set(u, s);
  }
  const dates = new Set<string>();
  for (const s of indexOf.values()) for (const ts of s.ts) dates.add(istDate(ts));
  const contractsOf = (u: Underlying): ContractInfo[] => [...set.contracts.values()].filter((c) => c.underlying === u && set.series.has(c.instrumentKey));
  for (const date of [...dates].sort()) {
    if ((opts.from !== undefined && date < opts.from) || (opts.to !== undefined && date > opts.to)) continue;
    yield daily ? dailyDay(date, set, indexOf, contractsOf) : minuteDay(date, set, indexOf, contractsOf);
  }
}

function dayRange(s: CandleSeries, date: string): [number, number] {
  const lo = sessionOpenMs(date) - 9 * 3_600_000; // IST midnight-ish: daily candles sit at 00:00
  const hi = sessionCloseMs(date) + 60_000;
  let a = 0;
  while (a < s.ts.length && s.ts[a]! < lo) a++;
  let b = a;
  while (b < s.ts.length && s.ts[b]! <= hi) b++;
  return [a, b];
}

function dailyDay(date: string, set: CandleSet, indexOf: Map<Underlying, CandleSeries>, contractsOf: (u: Underlying) => ContractInfo[]): TradingDay {
  const closeTs = sessionCloseMs(date);
  const ts = closeTs - EOD_FRAME_BEFORE_CLOSE_MIN * 60_000;
  const spots: SpotObservation[] = [];
  const options: OptionObservation[] = [];
  const settlements: Settlement[] = [];
  for (const [u, idx] of indexOf) {
    const [a, b] = dayRange(idx, date);
    if (a === b) continue;
    const spot = idx.close[b - 1]!;
    spots.push({ underlying: u, price: spot, derived: false });
    for (const c of contractsOf(u)) {
      if (c.expiry < date) continue;
      const s = set.series.get(c.instrumentKey)!;
      const [x, y] = dayRange(s, date);
      if (x === y) continue;
      options.push(observation(c, s.close[y - 1]!, s.volume[y - 1]!, s.oi[y - 1]!));
    }
    if (contractsOf(u).some((c) => c.expiry === date)) settlements.push({ kind: 'final', underlying: u, expiry: date, price: spot, underlyingClose: spot, source: 'derived' });
  }
  return { date, closeTs, settlements, frames: [{ ts, minutes: sessionMinutesOf(date), spots, options }] };
}

function minuteDay(date: string, set: CandleSet, indexOf: Map<Underlying, CandleSeries>, contractsOf: (u: Underlying) => ContractInfo[]): TradingDay {
  const closeTs = sessionCloseMs(date);
  const frames: Frame[] = [];
  const settlements: Settlement[] = [];
  // Per underlying: the index candles of the day set the frame clock; contracts are read with a cursor each.
  const minutes = new Set<number>();
  const ranges = new Map<Underlying, [number, number]>();
  for (const [u, idx] of indexOf) {
    const r = dayRange(idx, date);
    ranges.set(u, r);
    for (let i = r[0]; i < r[1]; i++) minutes.add(idx.ts[i]!);
  }
  const cursors = new Map<string, { s: CandleSeries; at: number; end: number; c: ContractInfo }>();
  for (const u of indexOf.keys()) {
    for (const c of contractsOf(u)) {
      if (c.expiry < date) continue;
      const s = set.series.get(c.instrumentKey)!;
      const [x, y] = dayRange(s, date);
      if (x < y) cursors.set(c.instrumentKey, { s, at: x - 1, end: y, c });
    }
  }
  const idxAt = new Map<Underlying, number>([...indexOf.keys()].map((u) => [u, ranges.get(u)![0] - 1]));
  for (const m of [...minutes].sort((a, b) => a - b)) {
    const frameTs = m + 60_000;
    if (frameTs > closeTs) continue;
    const spots: SpotObservation[] = [];
    for (const [u, idx] of indexOf) {
      let i = idxAt.get(u)!;
      while (i + 1 < ranges.get(u)![1] && idx.ts[i + 1]! <= m) i++;
      idxAt.set(u, i);
      if (i >= ranges.get(u)![0]) spots.push({ underlying: u, price: idx.close[i]!, derived: false });
    }
    const options: OptionObservation[] = [];
    for (const cur of cursors.values()) {
      let traded = false;
      while (cur.at + 1 < cur.end && cur.s.ts[cur.at + 1]! <= m) { cur.at++; traded = cur.s.ts[cur.at]! === m; }
      if (cur.at < 0 || cur.s.ts[cur.at]! > m || cur.at >= cur.end || istDate(cur.s.ts[cur.at]!) !== date) continue;
      options.push(observation(cur.c, cur.s.close[cur.at]!, traded ? cur.s.volume[cur.at]! : 0, cur.s.oi[cur.at]!));
    }
    frames.push({ ts: frameTs, minutes: 1, spots, options });
  }
  for (const [u, idx] of indexOf) {
    const [a, b] = ranges.get(u)!;
    if (a < b && contractsOf(u).some((c) => c.expiry === date)) {
      const last = idx.close[b - 1]!;
      settlements.push({ kind: 'final', underlying: u, expiry: date, price: last, underlyingClose: last, source: 'derived' });
    }
  }
  return { date, closeTs, settlements, frames };
}

function observation(c: ContractInfo, close: number, unitsTraded: number, oi: number): OptionObservation {
  return {
    instrumentKey: c.instrumentKey, underlying: c.underlying, expiry: c.expiry, strike: c.strike, right: c.right, lotSize: c.lotSize,
    ...(c.tradingSymbol !== undefined ? { tradingSymbol: c.tradingSymbol } : {}),
    // A candle's close is a traded price; with no trade in a minute the last close still stands as the reference.
    close: close > 0 ? close : Number.NaN, settle: Number.NaN, volume: unitsTraded / c.lotSize, oi: Number.isFinite(oi) ? oi : 0,
  };
}

/** Index keys the importer reads spots from. */
export function isIndexKey(key: string): boolean {
  return key in INDEX_KEYS;
}
