/**
 * @module SHADOW (pure): proposals filled on paper in the shadow book only, never an order.
 */
import type { Proposal } from '../domain/proposal.ts';
import type { TouchLookup } from './pricing.ts';
import type { Leg } from '../domain/leg.ts';
import type { ExecEvent, FillLine, PositionRec } from './state.ts';

/** SHADOW fills at the touch (BUY at ask, SELL at bid): conservative, and never an order. */
export function shadowFills(proposal: Proposal, touch: TouchLookup): FillLine[] | undefined {
  const out: FillLine[] = [];
  for (const l of proposal.legs) {
    const t = touch(l.instrumentKey);
    const price = t === undefined ? l.limitPrice : l.side === 'BUY' ? t.ask : t.bid;
    if (price === undefined || !(price > 0)) return undefined;
    out.push({ instrumentKey: l.instrumentKey, side: l.side, quantity: l.quantity, price });
  }
  return out;
}

/**
 * The flatten's close of the shadow book: every shadow position bought back (short) or sold (long) at the touch, as
 * one shadow fill (`shadow-flatten-<run>`), so its P&L is realised into the shadow book's money — kept, with its
 * charges, in the shadow day — rather than left open or dropped. A position without a quote to close at is not
 * filled (named in `unpriced`): nothing is made up.
 */
export function shadowFlatten(positions: Readonly<Record<string, PositionRec>>, run: number, touch: TouchLookup, now: number): { readonly event?: ExecEvent; readonly unpriced: readonly string[] } {
  const fills: FillLine[] = [];
  const legs: Leg[] = [];
  const unpriced: string[] = [];
  for (const p of Object.values(positions)) {
    if (p.quantity === 0) continue;
    const side = p.quantity < 0 ? 'BUY' as const : 'SELL' as const;
    const t = touch(p.instrumentKey);
    const price = t === undefined ? Number.NaN : side === 'BUY' ? t.ask : t.bid;
    if (!(price > 0)) {
      unpriced.push(p.instrumentKey);
      continue;
    }
    fills.push({ instrumentKey: p.instrumentKey, side, quantity: Math.abs(p.quantity), price });
    legs.push({ instrumentKey: p.instrumentKey, underlying: p.underlying, expiry: p.expiry, strike: p.strike, right: p.right, side, quantity: Math.abs(p.quantity) });
  }
  if (fills.length === 0) return { unpriced };
  return { event: { type: 'executor.shadowFill', proposalId: `shadow-flatten-${run}`, structureId: 'shadow-flatten', fills, legs, ts: now }, unpriced };
}
