/**
 * @module What every importer produces before quotes are derived: per trading day, one or more frames of observed
 * prices (closes, volumes, open interest, the index level) and the exchange's settlement prices. Pure data.
 * `frames.ts` turns these into recording entries through the spread model.
 */
import type { Underlying } from '../../../domain/underlying.ts';
import type { Settlement } from '../format.ts';

export type Right = 'CE' | 'PE';

export interface OptionObservation {
  readonly instrumentKey: string;
  readonly underlying: Underlying;
  /** `YYYY-MM-DD`. */
  readonly expiry: string;
  readonly strike: number;
  readonly right: Right;
  readonly lotSize: number;
  readonly tradingSymbol?: string;
  /** The frame's closing traded price, ₹; NaN when the contract has no price of its own for the frame. */
  readonly close: number;
  /** The exchange's daily settlement price (its theoretical price when the contract did not trade), NaN when absent. */
  readonly settle: number;
  /** Contracts (lots) traded during the frame. */
  readonly volume: number;
  /** Open interest at the end of the frame, units. */
  readonly oi: number;
}

export interface SpotObservation {
  readonly underlying: Underlying;
  readonly price: number;
  /** True when the data carries no index level and the importer computed it (legacy layout: from a future). */
  readonly derived: boolean;
}

export interface Frame {
  /** Market time at which the frame's prices are known, epoch ms. */
  readonly ts: number;
  /** Minutes of trading the frame's volumes cover (the spread model scales volume to a whole session by it). */
  readonly minutes: number;
  readonly spots: readonly SpotObservation[];
  readonly options: readonly OptionObservation[];
}

export interface TradingDay {
  /** IST date `YYYY-MM-DD`. */
  readonly date: string;
  /** Frames in time order, all inside the session. */
  readonly frames: readonly Frame[];
  /** The session close (the market-closed status and the settlements are stamped here). */
  readonly closeTs: number;
  readonly settlements: readonly Settlement[];
}

/** The kinds of data the importers understand (recorded as `meta.importedFrom`). */
export type ImportKind = 'nse-bhavcopy-udiff' | 'nse-bhavcopy-legacy' | 'upstox-candles';
