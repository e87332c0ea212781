/**
 * @module The market at one instant: spots, VIX and every option chain (compact, msgpack-friendly typed arrays).
 * The feed builds it each cycle; calibrator, risk, strategy, executor and the paper exchange read it. Shapes here are
 * a contract; extend, don't rename.
 */
import type { DataQuality } from './data-quality.ts';
import type { Underlying } from './underlying.ts';

/** One expiry of one underlying: every array is indexed like `strikes` (ascending). NaN = no value. */
export interface ExpiryChain {
  readonly underlying: Underlying;
  /** Expiry date, IST, `YYYY-MM-DD`. */
  readonly expiry: string;
  /** Epoch ms of the session close on the expiry date (15:30 IST; 15:40 from 3 Aug 2026: calendar.ts). */
  readonly expiryTs: number;
  /** From the expiry rules (calendar.ts `expiryKind`); `unknown` when no rule classifies the date. */
  readonly kind: 'weekly' | 'monthly' | 'unknown';
  readonly lotSize: number;
  readonly freezeQty: number;
  readonly strikes: Float64Array;
  readonly callKeys: readonly string[];
  readonly putKeys: readonly string[];
  readonly callBid: Float64Array;
  readonly callAsk: Float64Array;
  readonly callLtp: Float64Array;
  readonly callOi: Float64Array;
  /** Epoch ms of the last update of each call quote. */
  readonly callTs: Float64Array;
  readonly putBid: Float64Array;
  readonly putAsk: Float64Array;
  readonly putLtp: Float64Array;
  readonly putOi: Float64Array;
  readonly putTs: Float64Array;
  /** Broker-supplied IVs (decimal) when the venue provides them (Upstox option_greeks / full), for the cross-check. */
  readonly callBrokerIv?: Float64Array;
  readonly putBrokerIv?: Float64Array;
  /**
   * 1 where the quote's bid/ask was derived from closes by a spread model rather than quoted by a market (historical
   * replays: actors/venues/replay/import/), 0 where quoted. Present only when some quote in the chain was derived.
   */
  readonly callDerived?: Uint8Array;
  readonly putDerived?: Uint8Array;
  /** Broker-supplied greeks per unit, as the broker states them (present together with the IVs). NaN = none. */
  readonly callBrokerGreeks?: BrokerGreeks;
  readonly putBrokerGreeks?: BrokerGreeks;
}

/** Broker greeks along a chain, indexed like `strikes`. */
export interface BrokerGreeks {
  readonly delta: Float64Array;
  readonly gamma: Float64Array;
  readonly theta: Float64Array;
  readonly vega: Float64Array;
}

export interface SpotQuote {
  readonly underlying: Underlying;
  readonly instrumentKey: string;
  readonly spot: number;
  readonly ts: number;
  /** True when the spot was derived rather than published (e.g. from a future's close by carry; see replay/import). */
  readonly derived?: boolean;
}

/**
 * An expiry's final settlement price as the venue published it (NSE: the underlying's official close on the expiry
 * day): what every position held into that expiry settles at (cash-settled index options: intrinsic at this price).
 */
export interface FinalSettlement {
  readonly underlying: Underlying;
  /** `YYYY-MM-DD`. */
  readonly expiry: string;
  /** The underlying's final settlement price, ₹. */
  readonly price: number;
  /** Market-clock epoch ms it was published; never used before this instant (no look-ahead). */
  readonly ts: number;
  /** `derived` when an importer computed it from closes rather than the exchange publishing it. */
  readonly source: 'exchange' | 'derived';
}

export interface MarketSnapshot {
  readonly cycleId: string;
  /** Market (venue) time of the snapshot, epoch ms. */
  readonly ts: number;
  readonly marketOpen: boolean;
  readonly spots: readonly SpotQuote[];
  /** India VIX level (percent), null when unknown. */
  readonly vix: number | null;
  readonly expiries: readonly ExpiryChain[];
  readonly quality: DataQuality;
  /** Which venue produced it: sim | replay | upstox. */
  readonly source: string;
  /**
   * Final settlement prices the venue published in the last days (a replay of an imported recording): the paper
   * exchange and the executor settle positions held into an expiry at these. Absent when the venue publishes none.
   */
  readonly settlements?: readonly FinalSettlement[];
}
