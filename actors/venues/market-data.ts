/**
 * @module The MarketData source interface: what the feed actor consumes. Implemented by the simulator
 * (actors/venues/sim/), replay (actors/venues/replay/) and Upstox market feed V3 (actors/venues/upstox/).
 */
import type { Underlying } from '../domain/underlying.ts';

/**
 * An official settlement price from the exchange's end-of-day data.
 * - `final`: the expiry's final settlement price of the underlying (NSE: the index close on the expiry day); every
 *   option of (`underlying`, `expiry`) settles at its intrinsic value against `price`.
 * - `daily`: the contract's daily settlement (mark-to-market) price, `instrumentKey` set.
 * `source` says where the figure came from: `exchange` (the bhavcopy's own SttlmPric/UndrlygPric), or `derived` (the
 * importer had to compute it, e.g. the legacy layout carries no index close; see import/README.md).
 */
export interface Settlement {
  readonly kind: 'final' | 'daily';
  readonly underlying: Underlying;
  /** `YYYY-MM-DD`. */
  readonly expiry: string;
  readonly instrumentKey?: string;
  readonly price: number;
  /** The underlying's close that day (the index close; NaN when the data has none). */
  readonly underlyingClose: number;
  readonly source: 'exchange' | 'derived';
}

/** One update for one instrument; absent fields are unchanged. */
export interface Tick {
  readonly instrumentKey: string;
  /** Exchange/venue timestamp, epoch ms. */
  readonly ts: number;
  readonly ltp?: number;
  readonly bid?: number;
  readonly ask?: number;
  readonly bidQty?: number;
  readonly askQty?: number;
  readonly volume?: number;
  readonly oi?: number;
  /** Broker-supplied IV (decimal) and greeks (per unit; theta per day, vega per vol point as the broker states them),
   *  when the venue provides them (Upstox option_greeks / full modes). */
  readonly iv?: number;
  readonly delta?: number;
  /**
   * True when bid/ask were not quoted by a market but derived from closes by a spread model (historical end-of-day
   * and candle data: actors/venues/replay/import/spread-model.ts). Carried into the snapshot so a fill on such a
   * quote can be told apart. Absent = a real quote.
   */
  readonly derived?: boolean;
  readonly gamma?: number;
  readonly theta?: number;
  readonly vega?: number;
}

export interface InstrumentInfo {
  readonly instrumentKey: string;
  readonly underlying: Underlying | 'INDIAVIX';
  readonly kind: 'INDEX' | 'CE' | 'PE';
  /** `YYYY-MM-DD` (options only). */
  readonly expiry?: string;
  readonly strike?: number;
  readonly lotSize?: number;
  readonly freezeQty?: number;
  readonly tickSize: number;
  readonly tradingSymbol?: string;
  /** The broker's own weekly/monthly flag (Upstox `weekly`), when it gives one: classification is data, not a rule. */
  readonly weekly?: boolean;
}

export type SourceStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'disconnected'; readonly reason: string; readonly retryInMs?: number }
  | { readonly kind: 'market'; readonly open: boolean };

/**
 * What a subscription must carry: `ltp` a last price (index spots), `quote` best bid/ask with the broker's IV and
 * greeks, `depth` the order book's levels as well. A venue maps these to its own modes (Upstox: ltpc,
 * option_greeks, full).
 */
export type FeedNeed = 'ltp' | 'quote' | 'depth';

/** Keys a connection may carry per need: when one need is used alone, and when several are combined. */
export interface SubscriptionCaps {
  readonly alone: Readonly<Record<FeedNeed, number>>;
  readonly combined: Readonly<Record<FeedNeed, number>>;
}

export interface MarketDataSource {
  readonly name: string;
  /** Present when the venue limits subscriptions (Upstox): the feed then subscribes a planned window within these
   *  caps instead of every listed contract. */
  readonly caps?: SubscriptionCaps;
  /** The instruments this source can quote now (chains per the calendar). */
  instruments(): Promise<readonly InstrumentInfo[]>;
  /** Subscribes (or re-subscribes in another need); `need` defaults to `quote`. Sources without modes ignore it. */
  subscribe(keys: readonly string[], need?: FeedNeed): Promise<void>;
  unsubscribe(keys: readonly string[]): Promise<void>;
  onTicks(listener: (ticks: readonly Tick[]) => void): () => void;
  onStatus(listener: (status: SourceStatus) => void): () => void;
  /**
   * Official settlement prices as the venue publishes them, with the market instant of publication (a replay of an
   * imported recording: its kind-3 entries). Sources that publish none leave it out.
   */
  onSettlements?(listener: (settlements: readonly Settlement[], ts: number) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
