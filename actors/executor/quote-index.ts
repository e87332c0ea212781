/**
 * @module Where each instrument key's quote sits in a snapshot's chains (kept across snapshots), and the touch of a
 * key. Pure: a long-lived index object is the only state, rebuilt when the chains' keys change.
 */
import type { ExpiryChain, MarketSnapshot } from '../domain/market-snapshot.ts';
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

/** One key's place in a snapshot's chains: chain `c`, row `i`, call or put side. */
interface KeyAt {
  readonly c: number;
  readonly i: number;
  readonly call: boolean;
}

/**
 * Where each instrument key sits in a snapshot's chains, kept from one snapshot to the next: the keys of a chain
 * rarely change between snapshots, so the index is rebuilt only when they do (a new strike, a new expiry). A snapshot
 * is checked against the index once, on its first lookup; a cycle that looks nothing up costs nothing. Answers as
 * a scan of the chains would (the first chain, calls before puts, listing the key).
 */
export class QuoteIndex {
  #at = new Map<string, KeyAt>();
  /** The chains the index was built from (their keys). */
  #layout: readonly ExpiryChain[] = [];
  #checked: MarketSnapshot | undefined;

  find(snapshot: MarketSnapshot, key: string): FoundQuote | undefined {
    if (snapshot !== this.#checked) {
      if (!sameKeys(this.#layout, snapshot.expiries)) this.#build(snapshot.expiries);
      this.#checked = snapshot;
    }
    const at = this.#at.get(key);
    const c = at === undefined ? undefined : snapshot.expiries[at.c];
    if (at === undefined || c === undefined) return undefined;
    const i = at.i;
    return at.call
      ? { bid: c.callBid[i] ?? Number.NaN, ask: c.callAsk[i] ?? Number.NaN, strike: c.strikes[i] ?? Number.NaN, expiry: c.expiry, underlying: c.underlying, lotSize: c.lotSize, freezeQty: c.freezeQty }
      : { bid: c.putBid[i] ?? Number.NaN, ask: c.putAsk[i] ?? Number.NaN, strike: c.strikes[i] ?? Number.NaN, expiry: c.expiry, underlying: c.underlying, lotSize: c.lotSize, freezeQty: c.freezeQty };
  }

  #build(chains: readonly ExpiryChain[]): void {
    const at = new Map<string, KeyAt>();
    chains.forEach((chain, c) => {
      for (const call of [true, false]) {
        const keys = call ? chain.callKeys : chain.putKeys;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          if (k !== undefined && !at.has(k)) at.set(k, { c, i, call });
        }
      }
    });
    this.#at = at;
    this.#layout = chains;
  }
}

function sameKeys(a: readonly ExpiryChain[], b: readonly ExpiryChain[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let c = 0; c < a.length; c++) {
    const x = a[c]!;
    const y = b[c]!;
    if (x !== y && !(sameList(x.callKeys, y.callKeys) && sameList(x.putKeys, y.putKeys))) return false;
  }
  return true;
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
