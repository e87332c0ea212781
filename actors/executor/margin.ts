/**
 * @module Margin before sending (pure): the broker's own figure for a basket (Upstox `POST /v2/charges/margin`, the
 * hedge benefit included) against what the account has available to trade (funds v3). A basket the account cannot
 * carry is refused before its first order — otherwise the SELL legs are rejected by the RMS after the wings filled and
 * the saga unwinds, paying the spread twice.
 */
import type { Funds, MarginEstimate, MarginLeg } from '../venues/broker.ts';
import type { Product } from '../domain/order.ts';
import type { Proposal } from '../domain/proposal.ts';
import type { TouchLookup } from './pricing.ts';

export type MarginVerdict =
  | { readonly ok: true; readonly required: number; readonly available: number }
  | { readonly ok: false; readonly required: number; readonly available: number; readonly detail: string };

/** The basket as the broker's margin API takes it: every leg, in the product it will trade, at its touch when known. */
export function marginLegs(p: Proposal, product: Product, touch: TouchLookup): MarginLeg[] {
  return p.legs.map((l) => {
    const t = touch(l.instrumentKey);
    const px = l.limitPrice ?? (t === undefined ? undefined : l.side === 'BUY' ? t.ask : t.bid);
    return { instrumentKey: l.instrumentKey, side: l.side, quantity: l.quantity, product, ...(px !== undefined && px > 0 ? { price: px } : {}) };
  });
}

/** Enough when the basket's final margin (after the hedge) fits what is available to trade. ₹, two decimals. */
export function marginVerdict(estimate: MarginEstimate, funds: Funds): MarginVerdict {
  const required = estimate.finalMargin;
  const available = funds.availableMargin;
  if (Number.isFinite(required) && required <= available) return { ok: true, required, available };
  const rupees = (x: number) => `₹${x.toFixed(2)}`;
  return {
    ok: false, required, available,
    detail: `margin required ${rupees(required)} (broker, after the hedge; ${rupees(estimate.requiredMargin)} before it) exceeds available ${rupees(available)} (funds v3): short by ${rupees(required - available)}`,
  };
}
