/**
 * @module Freeze-quantity slicing: NSE rejects a single order above the freeze quantity, so a leg is split into
 * slices of at most `freezeQty` units, each a whole number of lots.
 */
export function sliceQuantity(quantity: number, lotSize: number, freezeQty: number): number[] {
  if (!(Number.isInteger(quantity) && quantity > 0)) throw new RangeError(`expected a positive integer quantity, was ${quantity}`);
  if (!(lotSize > 0) || quantity % lotSize !== 0) throw new RangeError(`expected a multiple of the lot size ${lotSize}, was ${quantity}`);
  const maxSlice = Math.floor(freezeQty / lotSize) * lotSize;
  if (maxSlice <= 0) throw new RangeError(`expected a freeze quantity of at least one lot (${lotSize}), was ${freezeQty}`);
  const out: number[] = [];
  for (let left = quantity; left > 0; left -= maxSlice) out.push(Math.min(left, maxSlice));
  return out;
}
