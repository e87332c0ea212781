/**
 * @module Chain layout: which book slots form each expiry's chain, computed once per instrument-list change so a
 * snapshot is a plain gather. Pure.
 */
import type { ExpiryChain } from '../domain/market-snapshot.ts';
import type { Underlying } from '../domain/underlying.ts';
import type { InstrumentInfo } from '../venues/market-data.ts';
import type { Book } from './book.ts';
import { expiryKind, sessionCloseMs } from '../domain/calendar.ts';
import { UNDERLYING_SPECS, VIX_KEY } from '../domain/instruments.ts';

/** The static part of an ExpiryChain (identity and strikes) plus each strike's slot in the book. */
export interface ChainLayout
  extends Pick<ExpiryChain, 'underlying' | 'expiry' | 'expiryTs' | 'kind' | 'lotSize' | 'freezeQty' | 'strikes' | 'callKeys' | 'putKeys'> {
  /** Book slot per strike; every listed contract has a slot (registered up front), so -1 never appears. */
  readonly callIdx: Int32Array;
  readonly putIdx: Int32Array;
}

export interface Layout {
  /** Sorted by underlying (NIFTY first) then expiry. */
  readonly chains: readonly ChainLayout[];
  readonly spotKeys: Readonly<Record<Underlying, string>>;
  readonly spotIdx: Readonly<Record<Underlying, number>>;
  readonly vixIdx: number;
}

export function buildLayout(instruments: readonly InstrumentInfo[], book: Book): Layout {
  const groups = new Map<string, { u: Underlying; expiry: string; lot: number; freeze: number; weekly: boolean | undefined; byStrike: Map<number, { ce?: string; pe?: string }> }>();
  for (const inst of instruments) {
    if (inst.kind === 'INDEX') continue;
    if (inst.underlying === 'INDIAVIX' || inst.expiry === undefined || inst.strike === undefined) {
      throw new RangeError(`expected an option with underlying, expiry and strike, was ${JSON.stringify(inst)}`);
    }
    const id = `${inst.underlying}|${inst.expiry}`;
    let g = groups.get(id);
    if (!g) {
      const spec = UNDERLYING_SPECS[inst.underlying];
      g = { u: inst.underlying, expiry: inst.expiry, lot: inst.lotSize ?? spec.lotSize, freeze: inst.freezeQty ?? spec.freezeQty, weekly: inst.weekly, byStrike: new Map() };
      groups.set(id, g);
    }
    const row = g.byStrike.get(inst.strike) ?? {};
    if (inst.kind === 'CE') row.ce = inst.instrumentKey;
    else row.pe = inst.instrumentKey;
    g.byStrike.set(inst.strike, row);
  }
  const chains: ChainLayout[] = [];
  for (const g of groups.values()) {
    // A strike is listed only with both sides (the snapshot's arrays pair them); a one-sided strike is a listing gap.
    const strikes = [...g.byStrike.entries()].filter(([, r]) => r.ce !== undefined && r.pe !== undefined).map(([k]) => k).sort((a, b) => a - b);
    const callKeys = strikes.map((k) => g.byStrike.get(k)!.ce!);
    const putKeys = strikes.map((k) => g.byStrike.get(k)!.pe!);
    chains.push({
      // Any expiry year classifies (NIFTY half-yearlies to 2031): from the expiry rules alone, `unknown` as data.
      underlying: g.u, expiry: g.expiry, expiryTs: sessionCloseMs(g.expiry),
      // The venue's own flag (Upstox `weekly`) when given, else the dated expiry rules (any year; unknown is data).
      kind: g.weekly === undefined ? expiryKind(g.u, g.expiry) : g.weekly ? 'weekly' : 'monthly', lotSize: g.lot, freezeQty: g.freeze,
      strikes: Float64Array.from(strikes), callKeys, putKeys,
      callIdx: Int32Array.from(callKeys, (k) => book.indexOf(k)), putIdx: Int32Array.from(putKeys, (k) => book.indexOf(k)),
    });
  }
  chains.sort((a, b) => (a.underlying === b.underlying ? a.expiryTs - b.expiryTs : a.underlying === 'NIFTY' ? -1 : 1));
  const spotKeys = { NIFTY: UNDERLYING_SPECS.NIFTY.indexKey, BANKNIFTY: UNDERLYING_SPECS.BANKNIFTY.indexKey };
  return {
    chains, spotKeys,
    spotIdx: { NIFTY: book.indexOf(spotKeys.NIFTY), BANKNIFTY: book.indexOf(spotKeys.BANKNIFTY) },
    vixIdx: book.indexOf(VIX_KEY),
  };
}

/** The chains a snapshot carries at `nowMs`: live ones (close still ahead), the first `counts[u]` per underlying. */
export function liveChains(layout: Layout, nowMs: number, counts: Readonly<Record<Underlying, number>>): ChainLayout[] {
  const taken = { NIFTY: 0, BANKNIFTY: 0 };
  const out: ChainLayout[] = [];
  for (const c of layout.chains) {
    if (c.expiryTs <= nowMs || taken[c.underlying] >= counts[c.underlying]) continue;
    taken[c.underlying]++;
    out.push(c);
  }
  return out;
}

/** The part of a chain between two strikes (inclusive): a copy, every array cut alike. */
export function sliceChain(c: ChainLayout, loStrike: number, hiStrike: number): ChainLayout {
  let lo = 0;
  while (lo < c.strikes.length && c.strikes[lo]! < loStrike) lo++;
  let hi = c.strikes.length - 1;
  while (hi >= 0 && c.strikes[hi]! > hiStrike) hi--;
  const end = Math.max(lo, hi + 1);
  return {
    ...c, strikes: c.strikes.slice(lo, end), callKeys: c.callKeys.slice(lo, end), putKeys: c.putKeys.slice(lo, end),
    callIdx: c.callIdx.slice(lo, end), putIdx: c.putIdx.slice(lo, end),
  };
}
