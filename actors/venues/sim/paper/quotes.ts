/**
 * @module What the paper exchange matches against: a quote per instrument at a time. The executor passes its own
 * SimMarket copy (same seed and clock as the feed, so it sees the same prices) or, as a fallback, the quotes of the
 * last MarketSnapshot it was given.
 */
import type { MarketSnapshot } from '../../../feed/messages.ts';

export interface PaperQuote {
  readonly bid: number;
  readonly ask: number;
  readonly ltp: number;
  /** Displayed size at the touch (units); a fill never takes more than this per matching pass. */
  readonly bidQty: number;
  readonly askQty: number;
}

export type QuoteProvider = (instrumentKey: string, nowMs: number) => PaperQuote | undefined;

/** Contract rules the exchange enforces per instrument. */
export interface InstrumentRules {
  readonly lotSize: number;
  readonly freezeQty: number;
}
export type InstrumentLookup = (instrumentKey: string) => InstrumentRules | undefined;

/** Displayed size assumed when a snapshot carries no depth (snapshots have prices, not sizes): ten NIFTY lots. */
export const SNAPSHOT_DISPLAYED_QTY = 750;

/**
 * A quote provider and instrument lookup reading the latest snapshot given to `update()`. Quotes with a missing or
 * non-positive side are treated as absent on that side (bid/ask 0).
 */
export class SnapshotQuotes {
  #quotes = new Map<string, PaperQuote>();
  #rules = new Map<string, InstrumentRules>();
  readonly displayedQty: number;

  constructor(displayedQty = SNAPSHOT_DISPLAYED_QTY) {
    this.displayedQty = displayedQty;
  }

  update(snapshot: MarketSnapshot): void {
    for (const chain of snapshot.expiries) {
      const rules = { lotSize: chain.lotSize, freezeQty: chain.freezeQty };
      const sides: Array<[readonly string[], Float64Array, Float64Array, Float64Array]> = [
        [chain.callKeys, chain.callBid, chain.callAsk, chain.callLtp],
        [chain.putKeys, chain.putBid, chain.putAsk, chain.putLtp],
      ];
      for (const [keys, bids, asks, ltps] of sides) {
        keys.forEach((key, i) => {
          const bid = bids[i] ?? Number.NaN;
          const ask = asks[i] ?? Number.NaN;
          const ltp = ltps[i] ?? Number.NaN;
          this.#rules.set(key, rules);
          const okBid = Number.isFinite(bid) && bid > 0;
          const okAsk = Number.isFinite(ask) && ask > 0;
          if (!okBid && !okAsk) return;
          this.#quotes.set(key, {
            bid: okBid ? bid : 0,
            ask: okAsk ? ask : 0,
            ltp: Number.isFinite(ltp) && ltp > 0 ? ltp : okBid && okAsk ? (bid + ask) / 2 : okBid ? bid : ask,
            bidQty: okBid ? this.displayedQty : 0,
            askQty: okAsk ? this.displayedQty : 0,
          });
        });
      }
    }
  }

  readonly quote: QuoteProvider = (key) => this.#quotes.get(key);
  readonly rules: InstrumentLookup = (key) => this.#rules.get(key);
}
