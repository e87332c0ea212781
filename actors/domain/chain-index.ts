/**
 * @module Where each instrument key sits in a snapshot's chains: the one index the executor, the risk actor and the
 * strategy look quotes up through (each builds its own quote from the row it finds).
 *
 * Built on the first lookup, not per snapshot: a cycle looks up a dozen keys (its book's legs and proposals), not the
 * ~480-650 of every snapshot. Kept across snapshots when the caller keeps the index: the keys of a chain rarely change
 * from one snapshot to the next, so it is rebuilt only when they do (a new strike, a new expiry). A key listed twice
 * resolves to its first listing (the first chain, calls before puts), as a scan of the chains would.
 */
import type { ExpiryChain } from './market-snapshot.ts';
import type { Right } from './right.ts';

/** One key's place: row `row` of `chain`, its call or put side. */
export interface ChainRow {
  readonly chain: ExpiryChain;
  readonly row: number;
  readonly right: Right;
}

export class ChainIndex {
  /** Key → (chain, row, side) as one integer: ((chain × rows) + row) × 2 + (put ? 1 : 0). */
  #at = new Map<string, number>();
  #rows = 1;
  /** The chains the index was built from (their keys), and the last list checked against them. */
  #layout: readonly ExpiryChain[] | null = null;
  #checked: readonly ExpiryChain[] | null = null;

  /** Where `key` sits in `chains`, or undefined when they do not list it. */
  locate(chains: readonly ExpiryChain[], key: string): ChainRow | undefined {
    if (chains !== this.#checked) {
      if (this.#layout === null || !sameKeys(this.#layout, chains)) this.#build(chains);
      this.#checked = chains;
    }
    const code = this.#at.get(key);
    if (code === undefined) return undefined;
    const put = code % 2 === 1;
    const slot = (code - (put ? 1 : 0)) / 2;
    const chain = chains[Math.floor(slot / this.#rows)];
    return chain === undefined ? undefined : { chain, row: slot % this.#rows, right: put ? 'PE' : 'CE' };
  }

  #build(chains: readonly ExpiryChain[]): void {
    let rows = 1;
    for (const ch of chains) rows = Math.max(rows, ch.strikes.length, ch.callKeys.length, ch.putKeys.length);
    const at = new Map<string, number>();
    for (let c = 0; c < chains.length; c++) {
      const ch = chains[c]!;
      for (const put of [0, 1]) {
        const keys = put === 1 ? ch.putKeys : ch.callKeys;
        for (let i = 0; i < keys.length; i++) {
          const k = keys[i];
          if (k !== undefined && !at.has(k)) at.set(k, (c * rows + i) * 2 + put);
        }
      }
    }
    this.#at = at;
    this.#rows = rows;
    this.#layout = chains;
  }
}

/** The touch at a row (NaN where the chain has none). */
export function touchAt(r: ChainRow): { bid: number; ask: number } {
  const call = r.right === 'CE';
  return {
    bid: (call ? r.chain.callBid[r.row] : r.chain.putBid[r.row]) ?? Number.NaN,
    ask: (call ? r.chain.callAsk[r.row] : r.chain.putAsk[r.row]) ?? Number.NaN,
  };
}

/** The last traded price at a row (NaN where none). */
export function ltpAt(r: ChainRow): number {
  return (r.right === 'CE' ? r.chain.callLtp[r.row] : r.chain.putLtp[r.row]) ?? Number.NaN;
}

/** The strike of a row (NaN past the chain's strikes). */
export function strikeAt(r: ChainRow): number {
  return r.chain.strikes[r.row] ?? Number.NaN;
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

/** Element-wise equal (`Object.is`: NaN equals NaN). */
export function sameList<T>(a: ArrayLike<T>, b: ArrayLike<T>): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}
