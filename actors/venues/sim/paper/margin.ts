/**
 * @module Margin for the paper exchange, behind one swappable function. The stand-in below is deliberately crude
 * (a per-unit short charge, part-offset by long options, plus premium paid); when actors/risk/margin.ts (SPAN-like)
 * lands, pass its function as `PaperOptions.margin` instead. What matters for safety is that shorts cost real money
 * here — sandboxes that only block premium (peers.md §4 #13) teach the wrong lesson.
 */

/** One open exposure: signed units (positive long) at a reference price (₹). */
export interface MarginExposure {
  readonly instrumentKey: string;
  readonly quantity: number;
  readonly price: number;
}

/** Required margin (₹) for a set of exposures. */
export type MarginModel = (exposures: readonly MarginExposure[]) => number;

/** NIFTY SPAN + exposure is roughly ₹1.1–1.5 lakh per 75-unit lot: about ₹1,500 per short unit. */
export const STANDIN_SHORT_UNIT_MARGIN = 1_500;
/** Share of the short charge a long option offsets (defined-risk spreads need far less margin). */
export const STANDIN_HEDGE_OFFSET = 0.7;

export function standInMargin(shortUnitMargin = STANDIN_SHORT_UNIT_MARGIN): MarginModel {
  return (exposures) => {
    let shortUnits = 0;
    let longUnits = 0;
    let premiumPaid = 0;
    for (const e of exposures) {
      if (e.quantity < 0) shortUnits += -e.quantity;
      else {
        longUnits += e.quantity;
        premiumPaid += e.quantity * e.price;
      }
    }
    const hedged = Math.min(shortUnits, longUnits);
    return shortUnits * shortUnitMargin - hedged * shortUnitMargin * STANDIN_HEDGE_OFFSET + premiumPaid;
  };
}
