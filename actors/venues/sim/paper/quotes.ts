/**
 * @module What the paper exchange matches against: a quote per instrument at a time. The executor passes its own
 * SimMarket copy (`SimQuotes`, sim-quotes.ts: same seed and clock as the feed, so it sees the same prices) or, as a
 * fallback (replay, or a live feed on paper), the quotes of the last MarketSnapshot it was given (`SnapshotQuotes`),
 * which also keeps the final settlement prices published on the snapshots or learnt elsewhere (`publishSettlement`).
 */
import { sessionCloseMs } from '../../../domain/calendar.ts';
import { sameList } from '../../../domain/chain-index.ts';
import type { ExpiryChain, FinalSettlement, MarketSnapshot } from '../../../domain/market-snapshot.ts';
import type { Underlying } from '../../../domain/underlying.ts';
import type { Right } from '../../../domain/right.ts';

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
  readonly right: Right;
}
export type OptionLookup = (instrumentKey: string) => OptionDescription | undefined;
export type SpotLookup = (underlying: Underlying) => number | undefined;
/**
 * How an option settles at expiry: the final settlement price of its underlying and the value per unit (intrinsic),
 * once its expiry session has closed at `nowMs`; undefined before, or when unknown.
 */
export type SettlementLookup = (instrumentKey: string, nowMs: number) => { readonly settlementPrice: number; readonly value: number } | undefined;

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
 * non-positive side are treated as absent on that side (bid/ask 0). What a snapshot no longer quotes (the key is gone,
 * or both its sides are absent) keeps the last quote it had; rules, descriptions and spots are kept likewise.
 *
 * `update()` does not build a quote per instrument: it keeps the snapshot's chains (their typed arrays) and an index
 * of where each key sits, rebuilt only when a chain's layout (underlying, expiry, lot size, freeze quantity, strikes,
 * keys) changes — between snapshots of one session it does not — and a quote is built when it is looked up.
 */
export class SnapshotQuotes implements PaperMarket {
  /** Where each key of the current layout sits (the last occurrence first, `prev` the ones before it). */
  #index = new Map<string, Slot>();
  /** The current layout's distinct keys, each by its last occurrence, in first-seen order (the per-update walk). */
  #slots: Slot[] = [];
  /** The chains the index was built from (their layout) and the latest ones (their prices). */
  #layout: readonly ExpiryChain[] = [];
  #chains: readonly ExpiryChain[] = [];
  /** The quote in force for a key the current snapshot does not quote (gone, or both sides absent). */
  #held = new Map<string, PaperQuote>();
  #rules = new Map<string, InstrumentRules>();
  #options = new Map<string, OptionDescription>();
  #spots = new Map<Underlying, number>();
  /** Final settlement prices the snapshots carried, by `underlying|expiry`, kept after the snapshots stop carrying them. */
  #finals = new Map<string, FinalSettlement>();
  readonly displayedQty: number;

  constructor(displayedQty = SNAPSHOT_DISPLAYED_QTY) {
    this.displayedQty = displayedQty;
  }

  update(snapshot: MarketSnapshot): void {
    for (const f of snapshot.settlements ?? []) this.publishSettlement(f);
    for (const s of snapshot.spots) if (Number.isFinite(s.spot) && s.spot > 0) this.#spots.set(s.underlying, s.spot);
    const chains = snapshot.expiries;
    if (sameLayout(this.#layout, chains)) {
      // Hold the quote in force now for every key the new prices leave unquoted (no allocation when none is).
      for (const slot of this.#slots) {
        if (this.#quotedAt(slot, chains)) continue;
        const q = this.#quoteAt(slot, this.#chains);
        if (q !== undefined) this.#held.set(slot.key, q);
      }
      this.#chains = chains;
      return;
    }
    const index = new Map<string, Slot>();
    const slots: Slot[] = [];
    chains.forEach((chain, c) => {
      chain.strikes.forEach((strike, i) => {
        const base = { underlying: chain.underlying, expiry: chain.expiry, strike };
        const ck = chain.callKeys[i];
        const pk = chain.putKeys[i];
        if (ck !== undefined) this.#options.set(ck, { ...base, right: 'CE' });
        if (pk !== undefined) this.#options.set(pk, { ...base, right: 'PE' });
      });
      const rules = { lotSize: chain.lotSize, freezeQty: chain.freezeQty };
      for (const call of [true, false]) {
        (call ? chain.callKeys : chain.putKeys).forEach((key, i) => {
          this.#rules.set(key, rules);
          const prev = index.get(key);
          const slot: Slot = { key, c, i, call, prev };
          index.set(key, slot);
          if (prev === undefined) slots.push(slot);
        });
      }
    });
    // Hold what is in force now for keys the new snapshot drops or leaves unquoted, before switching to it.
    for (const slot of this.#slots) {
      const now = index.get(slot.key);
      if (now !== undefined && this.#quotedAt(now, chains)) continue;
      const q = this.#quoteAt(slot, this.#chains);
      if (q !== undefined) this.#held.set(slot.key, q);
    }
    this.#index = index;
    this.#slots = slots.map((s) => index.get(s.key) ?? s); // each key's last occurrence (the head of its list)
    this.#layout = chains;
    this.#chains = chains;
  }

  /** The quote of a key in `chains` (the latest occurrence with a side present), else the one held. */
  #quoteAt(slot: Slot | undefined, chains: readonly ExpiryChain[]): PaperQuote | undefined {
    for (let s = slot; s !== undefined; s = s.prev) {
      const chain = chains[s.c];
      if (chain === undefined) continue;
      const bid = (s.call ? chain.callBid : chain.putBid)[s.i] ?? Number.NaN;
      const ask = (s.call ? chain.callAsk : chain.putAsk)[s.i] ?? Number.NaN;
      const okBid = Number.isFinite(bid) && bid > 0;
      const okAsk = Number.isFinite(ask) && ask > 0;
      if (!okBid && !okAsk) continue;
      const ltp = (s.call ? chain.callLtp : chain.putLtp)[s.i] ?? Number.NaN;
      return {
        bid: okBid ? bid : 0,
        ask: okAsk ? ask : 0,
        ltp: Number.isFinite(ltp) && ltp > 0 ? ltp : okBid && okAsk ? (bid + ask) / 2 : okBid ? bid : ask,
        bidQty: okBid ? this.displayedQty : 0,
        askQty: okAsk ? this.displayedQty : 0,
      };
    }
    return slot === undefined ? undefined : this.#held.get(slot.key);
  }

  /** Whether `chains` quote the key of `slot` on at least one side. */
  #quotedAt(slot: Slot, chains: readonly ExpiryChain[]): boolean {
    for (let s: Slot | undefined = slot; s !== undefined; s = s.prev) {
      const chain = chains[s.c];
      if (chain === undefined) continue;
      const bid = (s.call ? chain.callBid : chain.putBid)[s.i] ?? Number.NaN;
      const ask = (s.call ? chain.callAsk : chain.putAsk)[s.i] ?? Number.NaN;
      if ((Number.isFinite(bid) && bid > 0) || (Number.isFinite(ask) && ask > 0)) return true;
    }
    return false;
  }

  readonly quote: QuoteProvider = (key) => {
    const slot = this.#index.get(key);
    return slot === undefined ? this.#held.get(key) : this.#quoteAt(slot, this.#chains);
  };
  readonly rules: InstrumentLookup = (key) => this.#rules.get(key);
  readonly describe: OptionLookup = (key) => this.#options.get(key);
  readonly spot: SpotLookup = (u) => this.#spots.get(u);

  /**
   * An expiry's final settlement price learnt outside the snapshots (paper on the Upstox feed: the index's day-candle
   * close, fetched-settlements.ts), kept as a snapshot's would be. The first figure stands; a bad one is no price.
   */
  publishSettlement(f: FinalSettlement): void {
    if (Number.isFinite(f.price) && f.price > 0 && !this.#finals.has(`${f.underlying}|${f.expiry}`)) this.#finals.set(`${f.underlying}|${f.expiry}`, f);
  }

  /**
   * An expiry's final settlement price as the snapshots (or `publishSettlement`) published it, once `nowMs` is past both its publication and
   * the expiry's session close; undefined before (or when no snapshot carried one).
   */
  readonly settlementPrice = (u: Underlying, expiry: string, nowMs: number): number | undefined => {
    const f = this.#finals.get(`${u}|${expiry}`);
    return f !== undefined && nowMs >= f.ts && nowMs >= sessionCloseMs(expiry) ? f.price : undefined;
  };

  /** What one unit of an option settles for at expiry (its intrinsic value at the published price), once known. */
  readonly settlementValue: SettlementLookup = (key, nowMs) => {
    const d = this.#options.get(key);
    if (d === undefined) return undefined;
    const price = this.settlementPrice(d.underlying, d.expiry, nowMs);
    if (price === undefined) return undefined;
    return { settlementPrice: price, value: Math.max(0, d.right === 'CE' ? price - d.strike : d.strike - price) };
  };
}

/** One occurrence of a key in a layout: chain `c`, row `i`, call or put side; `prev` an earlier occurrence. */
interface Slot {
  readonly key: string;
  readonly c: number;
  readonly i: number;
  readonly call: boolean;
  readonly prev: Slot | undefined;
}

/** Whether two snapshots' chains list the same instruments with the same rules (prices may differ). */
function sameLayout(a: readonly ExpiryChain[], b: readonly ExpiryChain[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let c = 0; c < a.length; c++) {
    const x = a[c]!;
    const y = b[c]!;
    if (x === y) continue;
    if (x.underlying !== y.underlying || x.expiry !== y.expiry || !Object.is(x.lotSize, y.lotSize) || !Object.is(x.freezeQty, y.freezeQty)) return false;
    if (!sameList(x.strikes, y.strikes) || !sameList(x.callKeys, y.callKeys) || !sameList(x.putKeys, y.putKeys)) return false;
  }
  return true;
}
