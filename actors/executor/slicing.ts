/**
 * @module Freeze-quantity slicing: the exchange refuses a single order at or above the freeze quantity (Upstox's RMS
 * says "exceeds the freeze quantity"; NSE 2026: NIFTY 1,800, BANKNIFTY 600 — a whole number of BANKNIFTY lots), so a
 * leg is split into slices of the largest whole-lot quantity strictly below it. VolGuard slices and tags each slice
 * itself (`<saga>-<leg>-<slice>`, ids.ts) and sends `slice: false`: one order, one tag, one broker id.
 */
export function sliceQuantity(quantity: number, lotSize: number, freezeQty: number): number[] {
  if (!(Number.isInteger(quantity) && quantity > 0)) throw new RangeError(`expected a positive integer quantity, was ${quantity}`);
  if (!(lotSize > 0) || quantity % lotSize !== 0) throw new RangeError(`expected a multiple of the lot size ${lotSize}, was ${quantity}`);
  const maxSlice = Math.floor((freezeQty - 1) / lotSize) * lotSize;
  if (maxSlice <= 0) throw new RangeError(`expected a freeze quantity above one lot (${lotSize}), was ${freezeQty}`);
  const out: number[] = [];
  for (let left = quantity; left > 0; left -= maxSlice) out.push(Math.min(left, maxSlice));
  return out;
}
