/**
 * @module Margin for the paper exchange, behind one swappable function. `riskMargin` is the one the executor uses:
 * the risk actor's SPAN-like `estimateMargin` (actors/domain/margin.ts — the same numbers risk.preTrade checks) plus
 * the premium of net long options (paid in cash), with the expiry-day ELM on shorts expiring today (market clock). The crude `standInMargin` (a per-unit short charge, part-offset by
 * long options, plus premium paid) remains the default for unit tests and prices anything the market cannot describe.
 * What matters for safety is that shorts cost real money here — sandboxes that only block premium (peers.md §4 #13)
 * teach the wrong lesson.
 */
import { DEFAULT_MARGIN_PARAMS, estimateMargin, type MarginLeg, type MarginParams } from '../../../domain/margin.ts';
import type { OptionLookup, SpotLookup } from './quotes.ts';

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

/**
 * The risk actor's margin model over the exchange's exposures. An exposure the market cannot describe (unknown key,
 * no spot) is charged by the stand-in rather than ignored: unknown never means free.
 */
export function riskMargin(describe: OptionLookup, spot: SpotLookup, params: MarginParams = DEFAULT_MARGIN_PARAMS, today?: () => string): MarginModel {
  const fallback = standInMargin();
  return (exposures) => {
    const legs: MarginLeg[] = [];
    const spots: Partial<Record<MarginLeg['underlying'], number>> = {};
    const unknown: MarginExposure[] = [];
    let premiumPaid = 0;
    for (const e of exposures) {
      if (e.quantity === 0) continue;
      const d = describe(e.instrumentKey);
      const s = d === undefined ? undefined : spot(d.underlying);
      if (d === undefined || s === undefined || !(s > 0)) {
        unknown.push(e);
        continue;
      }
      spots[d.underlying] = s;
      legs.push({ ...d, side: e.quantity > 0 ? 'BUY' : 'SELL', quantity: Math.abs(e.quantity) });
      if (e.quantity > 0) premiumPaid += e.quantity * e.price;
    }
    // `today` (IST date, market clock): shorts expiring today carry NSE's extra expiry-day ELM.
    const required = legs.length === 0 ? 0 : estimateMargin(legs, spots, params, today === undefined ? {} : { today: today() }).required;
    return required + premiumPaid + (unknown.length === 0 ? 0 : fallback(unknown));
  };
}
