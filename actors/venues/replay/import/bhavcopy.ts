/**
 * @module NSE F&O bhavcopy (end-of-day, one row per contract) → trading days of observations. Pure over text.
 *
 * Two layouts, told apart by the header:
 * - **UDiFF** (from 8 July 2024): `TradDt, BizDt, Sgmt, Src, FinInstrmTp, FinInstrmId, …, NewBrdLotQty, …`. Index options
 *   are `FinInstrmTp = IDO`, index futures `IDF`. `FinInstrmId` is the exchange token (Upstox keys F&O contracts as
 *   `NSE_FO|<token>`, so the recording uses the live keys); `TtlTradgVol` counts contracts, `OpnIntrst` units;
 *   `UndrlygPric` is the index close; `SttlmPric` the daily settlement price (the close when traded, else NSE's
 *   theoretical price) and, for a contract on its expiry day, the final settlement price of the underlying.
 * - **Legacy** (before July 2024): `INSTRUMENT, SYMBOL, EXPIRY_DT, STRIKE_PR, OPTION_TYP, OPEN, HIGH, LOW, CLOSE,
 *   SETTLE_PR, CONTRACTS, VAL_INLAKH, OPEN_INT, CHG_IN_OI, TIMESTAMP`; `OPTIDX`/`FUTIDX`. It has no exchange token, no
 *   lot size and no index close: keys are synthetic (`NSE_FO|NIFTY:2024-01-25:21500:CE`), the lot size is given or
 *   inferred from the futures' notional turnover, and the spot is derived from the nearest future by carry (flagged).
 *
 * Every row of the file is checked for shape; every NIFTY/BANKNIFTY index row for content. A bad file is refused
 * whole with its name, line and reason (ImportError).
 */
import type { Underlying } from '../../../domain/underlying.ts';
import { dayNumber, sessionCloseMs, sessionMinutes } from '../../../domain/calendar.ts';
import { UNDERLYING_SPECS } from '../../../domain/instruments.ts';
import { DEFAULT_MARKET_SETTINGS } from '../../../domain/market-settings.ts';
import { varianceClock } from '../../../domain/variance-clock.ts';
import type { Settlement } from '../format.ts';
import { csvRecords, ImportError, type InputText } from './input.ts';
import type { Frame, OptionObservation, Right, SpotObservation, TradingDay } from './observations.ts';

export type BhavLayout = 'udiff' | 'legacy';

export interface BhavRow {
  readonly file: string;
  readonly line: number;
  readonly date: string;
  readonly underlying: Underlying;
  readonly instrument: 'option' | 'future';
  readonly expiry: string;
  /** NaN for futures. */
  readonly strike: number;
  readonly right: Right | null;
  readonly instrumentKey: string;
  readonly tradingSymbol: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly settle: number;
  /** Index close (UDiFF); NaN in the legacy layout. */
  readonly underlyingClose: number;
  readonly oi: number;
  /** Contracts traded. */
  readonly volume: number;
  /** ₹ (legacy: VAL_INLAKH × 1e5). */
  readonly turnover: number;
  /** Units per contract; NaN in the legacy layout. */
  readonly lotSize: number;
}

export interface BhavFile {
  readonly name: string;
  readonly layout: BhavLayout;
  readonly date: string;
  readonly rows: readonly BhavRow[];
}

const UNDERLYINGS: ReadonlySet<string> = new Set(['NIFTY', 'BANKNIFTY']);

const UDIFF_REQUIRED = [
  'TradDt', 'FinInstrmTp', 'FinInstrmId', 'TckrSymb', 'XpryDt', 'StrkPric', 'OptnTp', 'FinInstrmNm', 'OpnPric', 'HghPric',
  'LwPric', 'ClsPric', 'UndrlygPric', 'SttlmPric', 'OpnIntrst', 'TtlTradgVol', 'TtlTrfVal', 'NewBrdLotQty',
] as const;
const LEGACY_REQUIRED = [
  'INSTRUMENT', 'SYMBOL', 'EXPIRY_DT', 'STRIKE_PR', 'OPTION_TYP', 'OPEN', 'HIGH', 'LOW', 'CLOSE', 'SETTLE_PR', 'CONTRACTS',
  'VAL_INLAKH', 'OPEN_INT', 'CHG_IN_OI', 'TIMESTAMP',
] as const;

const NUMBER_RE = /^-?\d+(\.\d+)?$/;
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/** Parses one bhavcopy document (either layout). */
export function parseBhavcopy(doc: InputText): BhavFile {
  const records = csvRecords(doc.name, doc.text);
  const header = records[0];
  if (header === undefined) throw new ImportError(doc.name, undefined, 'expected a bhavcopy header, was an empty document');
  const names = header.fields.map((f) => f.trim());
  const layout: BhavLayout | null = names[0] === 'TradDt' ? 'udiff' : names[0] === 'INSTRUMENT' ? 'legacy' : null;
  if (layout === null) {
    throw new ImportError(doc.name, header.line, `expected a UDiFF (TradDt,…) or legacy (INSTRUMENT,…) bhavcopy header, was ${JSON.stringify(names.slice(0, 4).join(','))}`);
  }
  const required = layout === 'udiff' ? UDIFF_REQUIRED : LEGACY_REQUIRED;
  const col = new Map<string, number>();
  names.forEach((n, i) => { if (n !== '' && !col.has(n)) col.set(n, i); });
  const missing = required.filter((r) => !col.has(r));
  if (missing.length > 0) throw new ImportError(doc.name, header.line, `expected the ${layout} columns ${missing.join(', ')}, was missing them`);
  // The legacy header ends with a comma (an empty last column) in NSE's files; rows do too.
  const width = names.length;
  const rows: BhavRow[] = [];
  let date: string | null = null;
  for (let r = 1; r < records.length; r++) {
    const rec = records[r]!;
    if (rec.fields.length !== width) {
      throw new ImportError(doc.name, rec.line, `expected ${width} fields like the header, was ${rec.fields.length}`);
    }
    const get = (c: string): string => rec.fields[col.get(c)!]!.trim();
    const row = layout === 'udiff' ? udiffRow(doc.name, rec.line, get) : legacyRow(doc.name, rec.line, get);
    if (row === null) continue;
    if (date !== null && row.date !== date) throw new ImportError(doc.name, rec.line, `expected one trade date per file (${date}), was ${row.date}`);
    date = row.date;
    rows.push(row);
  }
  if (date === null) throw new ImportError(doc.name, undefined, 'expected NIFTY or BANKNIFTY index option/future rows, was none');
  return { name: doc.name, layout, date, rows };
}

type Getter = (column: string) => string;

function num(file: string, line: number, column: string, text: string, opts: { allowEmpty?: boolean; min?: number } = {}): number {
  if (text === '' && opts.allowEmpty) return Number.NaN;
  if (!NUMBER_RE.test(text)) throw new ImportError(file, line, `${column}: expected a number, was ${JSON.stringify(text)}`);
  const v = Number(text);
  if (opts.min !== undefined && v < opts.min) throw new ImportError(file, line, `${column}: expected ≥ ${opts.min}, was ${text}`);
  return v;
}

function isoDate(file: string, line: number, column: string, text: string): string {
  try {
    dayNumber(text);
    return text;
  } catch {
    throw new ImportError(file, line, `${column}: expected a date YYYY-MM-DD, was ${JSON.stringify(text)}`);
  }
}

/** `05-JAN-2024` / `25-Jan-2024` → `2024-01-25`. */
function legacyDate(file: string, line: number, column: string, text: string): string {
  const m = /^(\d{1,2})-([A-Za-z]{3})-(\d{4})$/.exec(text);
  const month = m ? MONTHS.indexOf(m[2]!.toUpperCase()) : -1;
  if (!m || month < 0) throw new ImportError(file, line, `${column}: expected a date DD-MON-YYYY, was ${JSON.stringify(text)}`);
  const iso = `${m[3]}-${String(month + 1).padStart(2, '0')}-${m[1]!.padStart(2, '0')}`;
  return isoDate(file, line, column, iso);
}

function udiffRow(file: string, line: number, get: Getter): BhavRow | null {
  const type = get('FinInstrmTp');
  const symbol = get('TckrSymb');
  if ((type !== 'IDO' && type !== 'IDF') || !UNDERLYINGS.has(symbol)) return null;
  const date = isoDate(file, line, 'TradDt', get('TradDt'));
  const expiry = isoDate(file, line, 'XpryDt', get('XpryDt'));
  if (expiry < date) throw new ImportError(file, line, `XpryDt: expected on/after TradDt ${date}, was ${expiry}`);
  const option = type === 'IDO';
  const token = get('FinInstrmId');
  if (!/^\d+$/.test(token) || Number(token) <= 0) throw new ImportError(file, line, `FinInstrmId: expected a positive integer token, was ${JSON.stringify(token)}`);
  const strike = num(file, line, 'StrkPric', get('StrkPric'), { allowEmpty: !option, min: 0 });
  if (option && !(strike > 0)) throw new ImportError(file, line, `StrkPric: expected a positive strike on an option, was ${get('StrkPric')}`);
  const optnTp = get('OptnTp');
  if (option && optnTp !== 'CE' && optnTp !== 'PE') throw new ImportError(file, line, `OptnTp: expected CE or PE on an option, was ${JSON.stringify(optnTp)}`);
  const lot = num(file, line, 'NewBrdLotQty', get('NewBrdLotQty'), { min: 1 });
  if (!Number.isInteger(lot)) throw new ImportError(file, line, `NewBrdLotQty: expected a whole lot size, was ${lot}`);
  const volume = num(file, line, 'TtlTradgVol', get('TtlTradgVol'), { min: 0 });
  const underlyingClose = num(file, line, 'UndrlygPric', get('UndrlygPric'), { min: 0 });
  if (!(underlyingClose > 0)) throw new ImportError(file, line, `UndrlygPric: expected the index close (> 0), was ${get('UndrlygPric')}`);
  return {
    file, line, date, underlying: symbol as Underlying, instrument: option ? 'option' : 'future', expiry, strike: option ? strike : Number.NaN,
    right: option ? optnTp as Right : null, instrumentKey: `NSE_FO|${token}`, tradingSymbol: get('FinInstrmNm'),
    open: num(file, line, 'OpnPric', get('OpnPric'), { min: 0 }), high: num(file, line, 'HghPric', get('HghPric'), { min: 0 }),
    low: num(file, line, 'LwPric', get('LwPric'), { min: 0 }), close: num(file, line, 'ClsPric', get('ClsPric'), { min: 0 }),
    settle: num(file, line, 'SttlmPric', get('SttlmPric'), { min: 0 }), underlyingClose,
    oi: num(file, line, 'OpnIntrst', get('OpnIntrst'), { min: 0 }), volume, turnover: num(file, line, 'TtlTrfVal', get('TtlTrfVal'), { min: 0 }), lotSize: lot,
  };
}

function legacyRow(file: string, line: number, get: Getter): BhavRow | null {
  const instrument = get('INSTRUMENT');
  const symbol = get('SYMBOL');
  if ((instrument !== 'OPTIDX' && instrument !== 'FUTIDX') || !UNDERLYINGS.has(symbol)) return null;
  const date = legacyDate(file, line, 'TIMESTAMP', get('TIMESTAMP'));
  const expiry = legacyDate(file, line, 'EXPIRY_DT', get('EXPIRY_DT'));
  if (expiry < date) throw new ImportError(file, line, `EXPIRY_DT: expected on/after TIMESTAMP ${date}, was ${expiry}`);
  const option = instrument === 'OPTIDX';
  const strike = num(file, line, 'STRIKE_PR', get('STRIKE_PR'), { min: 0 });
  const type = get('OPTION_TYP');
  if (option && !(strike > 0)) throw new ImportError(file, line, `STRIKE_PR: expected a positive strike on an option, was ${get('STRIKE_PR')}`);
  if (option && type !== 'CE' && type !== 'PE') throw new ImportError(file, line, `OPTION_TYP: expected CE or PE on an index option, was ${JSON.stringify(type)}`);
  const u = symbol as Underlying;
  const key = option ? `NSE_FO|${u}:${expiry}:${strike}:${type}` : `NSE_FO|${u}:${expiry}:FUT`;
  return {
    file, line, date, underlying: u, instrument: option ? 'option' : 'future', expiry, strike: option ? strike : Number.NaN,
    right: option ? type as Right : null, instrumentKey: key, tradingSymbol: option ? `${u} ${expiry} ${strike} ${type}` : `${u} ${expiry} FUT`,
    open: num(file, line, 'OPEN', get('OPEN'), { min: 0 }), high: num(file, line, 'HIGH', get('HIGH'), { min: 0 }),
    low: num(file, line, 'LOW', get('LOW'), { min: 0 }), close: num(file, line, 'CLOSE', get('CLOSE'), { min: 0 }),
    settle: num(file, line, 'SETTLE_PR', get('SETTLE_PR'), { min: 0 }), underlyingClose: Number.NaN,
    oi: num(file, line, 'OPEN_INT', get('OPEN_INT'), { min: 0 }), volume: num(file, line, 'CONTRACTS', get('CONTRACTS'), { min: 0 }),
    turnover: num(file, line, 'VAL_INLAKH', get('VAL_INLAKH'), { min: 0 }) * 1e5, lotSize: Number.NaN,
  };
}

export interface BhavcopyOptions {
  /** Expiries kept per underlying, nearest first (default NIFTY 4, BANKNIFTY 2: what the feed carries). */
  readonly expiries?: Readonly<Partial<Record<Underlying, number>>>;
  /** Keep only this many strikes either side of the money per expiry (default: every listed strike). */
  readonly strikesEachSide?: number;
  /** Lot sizes for the legacy layout (it has none); otherwise inferred from the futures' turnover. */
  readonly lotSizes?: Readonly<Partial<Record<Underlying, number>>>;
}

/** Minutes before the session close at which a day's end-of-day frame is stamped (see import/README.md). */
export const EOD_FRAME_BEFORE_CLOSE_MIN = 15;
/**
 * The NSE normal session of `date` in minutes (volumes of an end-of-day frame cover all of it): 375 (09:15–15:30 IST),
 * 385 from 3 Aug 2026 (close 15:40), from the dated calendar.
 */
export const sessionMinutesOf = (date: string): number => sessionMinutes(date);

/** Builds trading days (ascending) from parsed files; refuses duplicates and inconsistent days. */
export function bhavcopyDays(files: readonly BhavFile[], opts: BhavcopyOptions = {}): TradingDay[] {
  const byDate = new Map<string, BhavRow[]>();
  const seen = new Map<string, BhavRow>();
  const layouts = new Set(files.map((f) => f.layout));
  if (layouts.size > 1) throw new ImportError(files[0]!.name, undefined, 'expected files of one layout in one import, was UDiFF and legacy mixed');
  for (const f of files) {
    for (const r of f.rows) {
      const id = `${r.date}|${r.underlying}|${r.expiry}|${r.instrument === 'option' ? `${r.strike}|${r.right}` : 'FUT'}`;
      const before = seen.get(id);
      if (before) throw new ImportError(r.file, r.line, `expected one row per contract and day, was a duplicate of ${before.file}:${before.line}`);
      seen.set(id, r);
      byDate.set(r.date, [...(byDate.get(r.date) ?? []), r]);
    }
  }
  return [...byDate.keys()].sort().map((date) => buildDay(date, byDate.get(date)!, opts));
}

function buildDay(date: string, rows: readonly BhavRow[], opts: BhavcopyOptions): TradingDay {
  const closeTs = sessionCloseMs(date);
  const frameTs = closeTs - EOD_FRAME_BEFORE_CLOSE_MIN * 60_000;
  const spots: SpotObservation[] = [];
  const options: OptionObservation[] = [];
  const settlements: Settlement[] = [];
  for (const u of ['NIFTY', 'BANKNIFTY'] as const) {
    const mine = rows.filter((r) => r.underlying === u);
    if (mine.length === 0) continue;
    const lot = lotSizeOf(u, mine, opts);
    const spot = spotOf(u, date, mine, frameTs);
    spots.push(spot);
    const expiries = [...new Set(mine.filter((r) => r.instrument === 'option').map((r) => r.expiry))].sort();
    const kept = new Set(expiries.slice(0, opts.expiries?.[u] ?? (u === 'NIFTY' ? 4 : 2)));
    // Final settlement: the expiring contracts' SttlmPric (UDiFF: the index close) must agree among themselves.
    const expiring = mine.filter((r) => r.expiry === date);
    let finalPrice = Number.NaN;
    let finalSource: Settlement['source'] = 'exchange';
    if (expiring.length > 0) {
      const ref = expiring.find((r) => r.instrument === 'future') ?? (rows[0]!.underlyingClose > 0 ? expiring[0]! : undefined);
      if (ref !== undefined) {
        finalPrice = ref.settle;
        for (const r of expiring) {
          if (r.instrument === 'future' || r.underlyingClose > 0) {
            if (Math.abs(r.settle - finalPrice) > 0.005) throw new ImportError(r.file, r.line, `expected the expiring contracts of ${u} ${date} to share one final settlement price (${finalPrice}), was ${r.settle}`);
          }
        }
      } else {
        finalPrice = spot.price;
        finalSource = 'derived';
      }
      settlements.push({ kind: 'final', underlying: u, expiry: date, price: finalPrice, underlyingClose: spot.derived ? Number.NaN : spot.price, source: finalSource });
    }
    for (const e of [...kept].sort()) {
      let chain = mine.filter((r) => r.instrument === 'option' && r.expiry === e);
      if (opts.strikesEachSide !== undefined) chain = nearestStrikes(chain, spot.price, opts.strikesEachSide);
      for (const r of chain) {
        const right = r.right!;
        // On its expiry day a contract's SttlmPric is the underlying's final settlement price, not a premium.
        const settle = r.expiry === date ? Math.max(0, right === 'CE' ? finalPrice - r.strike : r.strike - finalPrice) : r.settle;
        options.push({
          instrumentKey: r.instrumentKey, underlying: u, expiry: e, strike: r.strike, right, lotSize: Number.isFinite(r.lotSize) ? r.lotSize : lot,
          tradingSymbol: r.tradingSymbol, close: r.volume > 0 && r.close > 0 ? r.close : Number.NaN, settle: settle >= 0 ? settle : Number.NaN,
          volume: r.volume, oi: r.oi,
        });
        if (r.expiry !== date && r.settle > 0) {
          settlements.push({ kind: 'daily', underlying: u, expiry: e, instrumentKey: r.instrumentKey, price: r.settle, underlyingClose: spot.derived ? Number.NaN : spot.price, source: 'exchange' });
        }
      }
    }
  }
  const frame: Frame = { ts: frameTs, minutes: sessionMinutesOf(date), spots, options };
  return { date, frames: [frame], closeTs, settlements };
}

function nearestStrikes(chain: readonly BhavRow[], spot: number, each: number): BhavRow[] {
  const strikes = [...new Set(chain.map((r) => r.strike))].sort((a, b) => a - b);
  let atm = 0;
  for (let i = 1; i < strikes.length; i++) if (Math.abs(strikes[i]! - spot) < Math.abs(strikes[atm]! - spot)) atm = i;
  const keep = new Set(strikes.slice(Math.max(0, atm - each), atm + each + 1));
  return chain.filter((r) => keep.has(r.strike));
}

/** UDiFF: the rows' UndrlygPric (they must agree). Legacy: the nearest future's close, carried back to spot. */
function spotOf(u: Underlying, date: string, rows: readonly BhavRow[], frameTs: number): SpotObservation {
  const first = rows[0]!;
  if (first.underlyingClose > 0) {
    for (const r of rows) {
      if (Math.abs(r.underlyingClose - first.underlyingClose) > 0.005) {
        throw new ImportError(r.file, r.line, `expected every ${u} row of ${date} to carry the same index close (${first.underlyingClose}), was ${r.underlyingClose}`);
      }
    }
    return { underlying: u, price: first.underlyingClose, derived: false };
  }
  const futures = rows.filter((r) => r.instrument === 'future' && r.close > 0).sort((a, b) => a.expiry.localeCompare(b.expiry));
  const near = futures[0];
  if (near === undefined) throw new ImportError(first.file, undefined, `expected a ${u} index future on ${date} to derive the spot from (the legacy layout has no index close), was none`);
  // S = F·e^{−(r−q)t}: the carry the feed's forward check also assumes (the default rate and variance clock: an
  // import runs offline, on the shipped market conventions).
  const t = varianceClock(DEFAULT_MARKET_SETTINGS.variance).yearsToExpiry(frameTs, sessionCloseMs(near.expiry));
  const carry = DEFAULT_MARKET_SETTINGS.rate - UNDERLYING_SPECS[u].dividendYield;
  return { underlying: u, price: Math.round(near.close * Math.exp(-carry * t) * 100) / 100, derived: true };
}

/** Legacy: the lot size given, else inferred from the futures (turnover ÷ (contracts × price)), which must agree. */
function lotSizeOf(u: Underlying, rows: readonly BhavRow[], opts: BhavcopyOptions): number {
  const first = rows[0]!;
  if (Number.isFinite(first.lotSize)) return first.lotSize;
  const given = opts.lotSizes?.[u];
  if (given !== undefined) return given;
  const estimates: { lot: number; row: BhavRow }[] = [];
  for (const r of rows) {
    if (r.instrument !== 'future' || !(r.volume > 0) || !(r.low > 0) || !(r.high >= r.low)) continue;
    // The average traded price lies in [low, high], so the lot lies in [turnover/(n·high), turnover/(n·low)].
    const lo = r.turnover / (r.volume * r.high);
    const hi = r.turnover / (r.volume * r.low);
    const lot = Math.round((lo + hi) / 2);
    if (lot < Math.floor(lo) || lot > Math.ceil(hi)) continue;
    estimates.push({ lot, row: r });
  }
  if (estimates.length === 0) {
    throw new ImportError(first.file, undefined, `expected a traded ${u} future to infer the lot size from (the legacy layout has none), was none; give it with --lot ${u}=N`);
  }
  const lot = estimates[0]!.lot;
  const off = estimates.find((e) => Math.abs(e.lot - lot) > 0.02 * lot);
  if (off) throw new ImportError(off.row.file, off.row.line, `expected the ${u} futures to imply one lot size (${lot}), was ${off.lot}; give it with --lot ${u}=N`);
  return lot;
}
