/**
 * @module The broker's net position per instrument, as reconciliation compares it with VolGuard's book. A broker lists
 * one row per instrument AND product (Upstox: `D` delivery/carry-forward and `I` intraday), and keeps a row closed
 * during the day with quantity 0 — so an instrument can appear twice, and the last row read is not the position.
 *
 * The net quantity is the sum of the rows (signed: negative = short). Its average price is the quantity-weighted
 * average of the rows on the net side (what the units held were bought or sold at); a flat instrument has none (0).
 *
 * @example
 *   netByInstrument([{ instrumentKey: 'K', product: 'D', quantity: -65, averagePrice: 526.35, … },
 *                    { instrumentKey: 'K', product: 'I', quantity: 0, averagePrice: 515.3, … }]);
 *   // → [{ instrumentKey: 'K', product: 'D', quantity: -65, averagePrice: 526.35, … }]
 */
import type { BrokerPosition } from '../venues/broker.ts';

export function netByInstrument(rows: readonly BrokerPosition[]): BrokerPosition[] {
  const by = new Map<string, BrokerPosition[]>();
  for (const r of rows) by.set(r.instrumentKey, [...(by.get(r.instrumentKey) ?? []), r]);
  const out: BrokerPosition[] = [];
  for (const group of by.values()) {
    if (group.length === 1) { out.push(group[0]!); continue; }
    const quantity = group.reduce((a, r) => a + r.quantity, 0);
    const side = group.filter((r) => r.quantity !== 0 && Math.sign(r.quantity) === Math.sign(quantity));
    const units = side.reduce((a, r) => a + Math.abs(r.quantity), 0);
    const averagePrice = units === 0 ? 0 : side.reduce((a, r) => a + Math.abs(r.quantity) * r.averagePrice, 0) / units;
    const main = side[0] ?? group[0]!;
    const lastPrice = group.find((r) => r.lastPrice !== undefined)?.lastPrice;
    out.push({
      instrumentKey: main.instrumentKey, product: main.product, quantity, averagePrice,
      realisedPnl: group.reduce((a, r) => a + r.realisedPnl, 0), ...(lastPrice !== undefined ? { lastPrice } : {}),
    });
  }
  return out;
}
