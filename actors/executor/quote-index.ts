/**
 * @module The quote of an instrument key in a snapshot's chains (through an index kept across snapshots), and the touch
 * of a key. Pure: a long-lived index object is the only state, rebuilt when the chains' keys change.
 */
import { ChainIndex, strikeAt, touchAt } from '../domain/chain-index.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';
import type { Right } from '../domain/right.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { TouchLookup } from './pricing.ts';

export interface FoundQuote {
  readonly bid: number;
  readonly ask: number;
  readonly strike: number;
  readonly expiry: string;
  readonly underlying: string;
  /** The chain's contract facts (the broker's instrument master, live). */
  readonly lotSize: number;
  readonly freezeQty: number;
}

/**
 * The quotes of a snapshot's chains by key, through an index kept from one snapshot to the next (domain/chain-index.ts:
 * rebuilt only when the chains' keys change, checked once per snapshot, on its first lookup; a cycle that looks
 * nothing up costs nothing). Answers as a scan of the chains would (the first chain, calls before puts, listing the key).
 */
export class QuoteIndex {
  readonly #index = new ChainIndex();

  find(snapshot: MarketSnapshot, key: string): FoundQuote | undefined {
    const at = this.#index.locate(snapshot.expiries, key);
    if (at === undefined) return undefined;
    const c = at.chain;
    return { ...touchAt(at), strike: strikeAt(at), expiry: c.expiry, underlying: c.underlying, lotSize: c.lotSize, freezeQty: c.freezeQty };
  }
}

export function findQuote(snapshot: MarketSnapshot, key: string, index?: QuoteIndex): FoundQuote | undefined {
  if (index !== undefined) return index.find(snapshot, key);
  for (const c of snapshot.expiries) {
    let i = c.callKeys.indexOf(key);
    if (i >= 0) return { bid: c.callBid[i] ?? Number.NaN, ask: c.callAsk[i] ?? Number.NaN, strike: c.strikes[i] ?? Number.NaN, expiry: c.expiry, underlying: c.underlying, lotSize: c.lotSize, freezeQty: c.freezeQty };
    i = c.putKeys.indexOf(key);
    if (i >= 0) return { bid: c.putBid[i] ?? Number.NaN, ask: c.putAsk[i] ?? Number.NaN, strike: c.strikes[i] ?? Number.NaN, expiry: c.expiry, underlying: c.underlying, lotSize: c.lotSize, freezeQty: c.freezeQty };
  }
  return undefined;
}

/** The touch of each key in `snapshot`; pass a long-lived `index` to look keys up without scanning the chains. */
export function touchFromSnapshot(snapshot: MarketSnapshot, index?: QuoteIndex): TouchLookup {
  return (key) => {
    const q = findQuote(snapshot, key, index);
    return q === undefined || !(q.bid > 0 || q.ask > 0) ? undefined : { bid: q.bid, ask: q.ask };
  };
}


/** What a snapshot says of an instrument (adoption needs it to describe a position it did not open). */
export function describeKey(snapshot: MarketSnapshot, key: string): { instrumentKey: string; underlying: Underlying; expiry: string; strike: number; right: Right } | undefined {
  for (const c of snapshot.expiries) {
    for (const [keys, right] of [[c.callKeys, 'CE'], [c.putKeys, 'PE']] as const) {
      const i = keys.indexOf(key);
      if (i >= 0) return { instrumentKey: key, underlying: c.underlying, expiry: c.expiry, strike: c.strikes[i] ?? 0, right };
    }
  }
  return undefined;
}
