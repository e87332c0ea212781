/**
 * @module What the paper exchange matches against: a quote per instrument at a time. The executor passes its own
 * SimMarket copy (`SimQuotes`, sim-quotes.ts: same seed and clock as the feed, so it sees the same prices) or, as a
 * fallback (replay, or a live feed on paper), the quotes of the last MarketSnapshot it was given (`SnapshotQuotes`).
 */
import type { MarketSnapshot, Underlying } from '../../../feed/messages.ts';

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

/** What an option is (for the margin model): underlying, expiry, strike, right. */
export interface OptionDescription {
  readonly underlying: Underlying;
  readonly expiry: string;
  readonly strike: number;
  readonly right: 'CE' | 'PE';
}
export type OptionLookup = (instrumentKey: string) => OptionDescription | undefined;
export type SpotLookup = (underlying: Underlying) => number | undefined;

/** Everything the paper exchange needs from a market: quotes, contract rules, option descriptions, spots. */
export interface PaperMarket {
  readonly quote: QuoteProvider;
  readonly rules: InstrumentLookup;
  readonly describe: OptionLookup;
  readonly spot: SpotLookup;
}

/** Displayed size assumed when a snapshot carries no depth (snapshots have prices, not sizes): ten NIFTY lots. */
export const SNAPSHOT_DISPLAYED_QTY = 750;

/**
 * A quote provider and instrument lookup reading the latest snapshot given to `update()`. Quotes with a missing or
 * non-positive side are treated as absent on that side (bid/ask 0).
 */
export class SnapshotQuotes implements PaperMarket {
  #quotes = new Map<string, PaperQuote>();
  #rules = new Map<string, InstrumentRules>();
  #options = new Map<string, OptionDescription>();
  #spots = new Map<Underlying, number>();
  readonly displayedQty: number;

  constructor(displayedQty = SNAPSHOT_DISPLAYED_QTY) {
    this.displayedQty = displayedQty;
  }

  update(snapshot: MarketSnapshot): void {
    for (const s of snapshot.spots) if (Number.isFinite(s.spot) && s.spot > 0) this.#spots.set(s.underlying, s.spot);
    for (const chain of snapshot.expiries) {
      chain.strikes.forEach((strike, i) => {
        const base = { underlying: chain.underlying, expiry: chain.expiry, strike };
        const c = chain.callKeys[i];
        const p = chain.putKeys[i];
        if (c !== undefined) this.#options.set(c, { ...base, right: 'CE' });
        if (p !== undefined) this.#options.set(p, { ...base, right: 'PE' });
      });
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
  readonly describe: OptionLookup = (key) => this.#options.get(key);
  readonly spot: SpotLookup = (u) => this.#spots.get(u);
}
