/**
 * @module Builds the per-cycle MarketSnapshot from the book: a gather by the layout's precomputed slots. Pure.
 */
import type { BrokerGreeks, ExpiryChain, MarketSnapshot, SpotQuote } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { Book } from './book.ts';
import type { ChainLayout, Layout } from './layout.ts';
import { computeQuality, DEFAULT_QUALITY, type QualityDetail, type QualityParams } from './quality.ts';

export interface SnapshotInput {
  readonly cycleId: string;
  readonly book: Book;
  readonly layout: Layout;
  readonly chains: readonly ChainLayout[];
  readonly now: number;
  readonly marketOpen: boolean;
  readonly silenceMs: number;
  readonly source: string;
}

export function buildChain(book: Book, c: ChainLayout): ExpiryChain {
  const n = c.strikes.length;
  const arr = () => new Float64Array(n);
  const [callBid, callAsk, callLtp, callOi, callTs, putBid, putAsk, putLtp, putOi, putTs, callIv, putIv] =
    [arr(), arr(), arr(), arr(), arr(), arr(), arr(), arr(), arr(), arr(), arr(), arr()];
  let ivs = false;
  // Allocated only for a chain with a derived quote (historical replays): live snapshots pay nothing.
  let callDerived: Uint8Array | null = null;
  let putDerived: Uint8Array | null = null;
  for (let j = 0; j < n; j++) {
    const ci = c.callIdx[j]!;
    const pi = c.putIdx[j]!;
    callBid[j] = book.bid[ci]!; callAsk[j] = book.ask[ci]!; callLtp[j] = book.ltp[ci]!; callOi[j] = book.oi[ci]!; callTs[j] = book.ts[ci]!;
    putBid[j] = book.bid[pi]!; putAsk[j] = book.ask[pi]!; putLtp[j] = book.ltp[pi]!; putOi[j] = book.oi[pi]!; putTs[j] = book.ts[pi]!;
    callIv[j] = book.iv[ci]!; putIv[j] = book.iv[pi]!;
    if (callIv[j]! === callIv[j]! || putIv[j]! === putIv[j]!) ivs = true; // any non-NaN
    if (book.derived[ci] === 1 || book.derived[pi] === 1) {
      callDerived ??= new Uint8Array(n);
      putDerived ??= new Uint8Array(n);
      if (book.derived[ci] === 1) callDerived[j] = 1;
      if (book.derived[pi] === 1) putDerived[j] = 1;
    }
  }
  return {
    underlying: c.underlying, expiry: c.expiry, expiryTs: c.expiryTs, kind: c.kind, lotSize: c.lotSize, freezeQty: c.freezeQty,
    strikes: c.strikes, callKeys: c.callKeys, putKeys: c.putKeys,
    callBid, callAsk, callLtp, callOi, callTs, putBid, putAsk, putLtp, putOi, putTs,
    ...(ivs ? { callBrokerIv: callIv, putBrokerIv: putIv } : {}),
    ...(callDerived !== null && putDerived !== null ? { callDerived, putDerived } : {}),
    ...brokerGreeks(book, c),
  };
}

/** The broker's greeks along the chain, when any strike has them (gathered only then: sim and replay have none). */
function brokerGreeks(book: Book, c: ChainLayout): { callBrokerGreeks?: BrokerGreeks; putBrokerGreeks?: BrokerGreeks } {
  const n = c.strikes.length;
  let any = false;
  for (let j = 0; j < n && !any; j++) any = book.delta[c.callIdx[j]!] === book.delta[c.callIdx[j]!] || book.delta[c.putIdx[j]!] === book.delta[c.putIdx[j]!];
  if (!any) return {};
  const side = (idx: Int32Array): BrokerGreeks => {
    const g = { delta: new Float64Array(n), gamma: new Float64Array(n), theta: new Float64Array(n), vega: new Float64Array(n) };
    for (let j = 0; j < n; j++) {
      const i = idx[j]!;
      g.delta[j] = book.delta[i]!; g.gamma[j] = book.gamma[i]!; g.theta[j] = book.theta[i]!; g.vega[j] = book.vega[i]!;
    }
    return g;
  };
  return { callBrokerGreeks: side(c.callIdx), putBrokerGreeks: side(c.putIdx) };
}

export function buildSnapshot(inp: SnapshotInput, params: QualityParams = DEFAULT_QUALITY): { snapshot: MarketSnapshot; detail: QualityDetail } {
  const { book, layout } = inp;
  const spots: SpotQuote[] = [];
  for (const u of ['NIFTY', 'BANKNIFTY'] as Underlying[]) {
    const i = layout.spotIdx[u];
    if (book.ltp[i]! > 0) {
      const spot: SpotQuote = { underlying: u, instrumentKey: layout.spotKeys[u], spot: book.ltp[i]!, ts: book.ts[i]! };
      spots.push(book.derived[i] === 1 ? { ...spot, derived: true } : spot);
    }
  }
  const expiries = inp.chains.map((c) => buildChain(book, c));
  const vix = book.ltp[layout.vixIdx]!;
  const { quality, detail } = computeQuality({ expiries, spots, now: inp.now, marketOpen: inp.marketOpen, silenceMs: inp.silenceMs }, params);
  return {
    snapshot: { cycleId: inp.cycleId, ts: inp.now, marketOpen: inp.marketOpen, spots, vix: vix > 0 ? vix : null, expiries, quality, source: inp.source },
    detail,
  };
}
