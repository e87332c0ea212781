/**
 * @module The MarketData source interface: what the feed actor consumes. Implemented by the simulator
 * (actors/venues/sim/), replay (actors/venues/replay/) and Upstox market feed V3 (actors/venues/upstox/).
 */
import type { Underlying } from '../domain/underlying.ts';

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
  /** Broker-supplied IV (decimal) and delta, when the venue provides greeks. */
  readonly iv?: number;
  readonly delta?: number;
  /**
   * True when bid/ask were not quoted by a market but derived from closes by a spread model (historical end-of-day
   * and candle data: actors/venues/replay/import/spread-model.ts). Carried into the snapshot so a fill on such a
   * quote can be told apart. Absent = a real quote.
   */
  readonly derived?: boolean;
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
}

export type SourceStatus =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'disconnected'; readonly reason: string; readonly retryInMs?: number }
  | { readonly kind: 'market'; readonly open: boolean };

export interface MarketDataSource {
  readonly name: string;
  /** The instruments this source can quote now (chains per the calendar). */
  instruments(): Promise<readonly InstrumentInfo[]>;
  subscribe(keys: readonly string[]): Promise<void>;
  unsubscribe(keys: readonly string[]): Promise<void>;
  onTicks(listener: (ticks: readonly Tick[]) => void): () => void;
  onStatus(listener: (status: SourceStatus) => void): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}
