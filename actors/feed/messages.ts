/**
 * @module What the feed emits each cycle: the MarketSnapshot (compact, msgpack-friendly typed arrays).
 * Consumed by calibrator, risk, strategy and executor. Shapes here are a contract; extend, don't rename.
 */
import type { Prepacked } from '../../runtime/envelope.ts';

export type Underlying = 'NIFTY' | 'BANKNIFTY';
export const UNDERLYINGS: readonly Underlying[] = ['NIFTY', 'BANKNIFTY'];

/** One expiry of one underlying: every array is indexed like `strikes` (ascending). NaN = no value. */
export interface ExpiryChain {
  readonly underlying: Underlying;
  /** Expiry date, IST, `YYYY-MM-DD`. */
  readonly expiry: string;
  /** Epoch ms of the 15:30 IST close on the expiry date. */
  readonly expiryTs: number;
  readonly kind: 'weekly' | 'monthly';
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
  /** Broker-supplied IVs when the venue provides them (Upstox option_greeks), for the calibrator's cross-check. */
  readonly callBrokerIv?: Float64Array;
  readonly putBrokerIv?: Float64Array;
}

/** Each component in [0, 1], 1 = perfect; documented in actors/feed/README.md. */
export interface QualityComponents {
  readonly staleness: number;
  readonly crossed: number;
  readonly missingStrikes: number;
  readonly spread: number;
  readonly forwardConsistency: number;
  readonly silence: number;
}

export interface DataQuality {
  readonly score: number;
  readonly components: QualityComponents;
}

export interface SpotQuote {
  readonly underlying: Underlying;
  readonly instrumentKey: string;
  readonly spot: number;
  readonly ts: number;
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
}

/**
 * The feed's answer to `feed.snapshot`: the snapshot with its option chains packed once in the feed. Main relays the
 * chains as bytes (it reads only the head: ts, spots, vix, quality); every actor it passes them to receives a plain
 * `MarketSnapshot` (see Prepacked in runtime/envelope.ts). Read the chains in main with `unpacked(s.expiries)`.
 */
export type RelayedSnapshot = Omit<MarketSnapshot, 'expiries'> & { readonly expiries: Prepacked<readonly ExpiryChain[]> };
