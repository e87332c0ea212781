/**
 * @module SHADOW (pure): proposals filled on paper in the shadow book only, never an order.
 */
import type { Proposal } from '../domain/proposal.ts';
import type { TouchLookup } from './pricing.ts';
import type { FillLine } from './state.ts';

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
