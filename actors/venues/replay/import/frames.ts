/**
 * @module Trading days of observations → recording entries (the chain builder). Pure.
 *
 * Per day, in market time:
 *   first frame ts  `[1]` the day's instrument list (indices + every kept contract), `[2]` market open
 *   each frame ts   `[0]` ticks: index levels (`ltp`) and one derived quote per contract (bid/ask by the spread
 *                   model around the close, `ltp` the close, `volume` in units, `oi`, `derived: true`)
 *   close ts        `[3]` settlements (final for the expiring contracts, daily for the rest), `[2]` market closed
 * A contract without a usable reference price (never traded and no settlement price) gets no quote.
 */
import { UNDERLYING_SPECS } from '../../../domain/instruments.ts';
import { varianceClock } from '../../../domain/variance-clock.ts';
import { sessionCloseMs } from '../../../domain/calendar.ts';
import type { InstrumentInfo, Tick } from '../../market-data.ts';
import type { Entry } from '../format.ts';
import type { Frame, OptionObservation, TradingDay } from './observations.ts';
import { DEFAULT_SPREAD_MODEL, deriveQuote, type SpreadModel } from './spread-model.ts';

/** How the quote of an option was made, counted per import for the summary. */
export interface FrameStats {
  quotes: number;
  /** Quoted off the exchange's settlement (theoretical) price: the contract did not trade in the frame. */
  fromSettlement: number;
  /** No reference price at all: left unquoted. */
  unquoted: number;
  /** No bid (the derived bid fell below one tick). */
  offerOnly: number;
}

export function emptyStats(): FrameStats {
  return { quotes: 0, fromSettlement: 0, unquoted: 0, offerOnly: 0 };
}

export function dayInstruments(day: TradingDay): InstrumentInfo[] {
  const out: InstrumentInfo[] = [];
  const spots = new Set<string>();
  const options = new Map<string, OptionObservation>();
  for (const f of day.frames) {
    for (const s of f.spots) spots.add(s.underlying);
    for (const o of f.options) if (!options.has(o.instrumentKey)) options.set(o.instrumentKey, o);
  }
  for (const u of ['NIFTY', 'BANKNIFTY'] as const) {
    if (spots.has(u)) out.push({ instrumentKey: UNDERLYING_SPECS[u].indexKey, underlying: u, kind: 'INDEX', tickSize: 0.05 });
  }
  for (const o of options.values()) {
    out.push({
      instrumentKey: o.instrumentKey, underlying: o.underlying, kind: o.right, expiry: o.expiry, strike: o.strike,
      lotSize: o.lotSize, freezeQty: UNDERLYING_SPECS[o.underlying].freezeQty, tickSize: 0.05,
      ...(o.tradingSymbol !== undefined ? { tradingSymbol: o.tradingSymbol } : {}),
    });
  }
  return out;
}

export function frameTicks(frame: Frame, model: SpreadModel = DEFAULT_SPREAD_MODEL, stats: FrameStats = emptyStats()): Tick[] {
  const ticks: Tick[] = [];
  const spot = new Map<string, number>();
  for (const s of frame.spots) {
    spot.set(s.underlying, s.price);
    ticks.push({ instrumentKey: UNDERLYING_SPECS[s.underlying].indexKey, ts: frame.ts, ltp: s.price, ...(s.derived ? { derived: true } : {}) });
  }
  for (const o of frame.options) {
    const traded = o.close > 0;
    const mid = traded ? o.close : o.settle > 0 ? o.settle : Number.NaN;
    if (!(mid > 0)) { stats.unquoted++; continue; }
    if (!traded) stats.fromSettlement++;
    const q = deriveQuote({
      mid, volume: o.volume, frameMinutes: frame.minutes, strike: o.strike, spot: spot.get(o.underlying) ?? Number.NaN,
      t: varianceClock().yearsToExpiry(frame.ts, sessionCloseMs(o.expiry)),
    }, model);
    stats.quotes++;
    if (!(q.bid > 0)) stats.offerOnly++;
    // bid 0 is the book's "empty side" (actors/feed/book.ts); it replaces an earlier frame's bid.
    ticks.push({
      instrumentKey: o.instrumentKey, ts: frame.ts, bid: q.bid > 0 ? q.bid : 0, ask: q.ask, ltp: mid,
      volume: o.volume * o.lotSize, oi: o.oi, derived: true,
    });
  }
  return ticks;
}

/** The recording entries of one day, in time order. */
export function dayEntries(day: TradingDay, model: SpreadModel = DEFAULT_SPREAD_MODEL, stats: FrameStats = emptyStats()): Entry[] {
  const first = day.frames[0];
  if (first === undefined) return [];
  const out: Entry[] = [
    [first.ts, 1, dayInstruments(day)],
    [first.ts, 2, { kind: 'market', open: true }],
  ];
  for (const f of day.frames) out.push([f.ts, 0, frameTicks(f, model, stats)]);
  if (day.settlements.length > 0) out.push([day.closeTs, 3, day.settlements]);
  out.push([day.closeTs, 2, { kind: 'market', open: false }]);
  return out;
}
