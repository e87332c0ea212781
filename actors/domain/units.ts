/**
 * @module Units and conventions used everywhere (one convention for time to expiry, tick size, display views).
 */

export const MS_PER_MINUTE = 60_000;
export const MINUTES_PER_YEAR = 365 * 1440;
/** NSE option premium tick, ₹. */
export const TICK_SIZE = 0.05;
/** Vega is per 1.00 vol; multiply by this for ₹ per vol point (0.01). */
export const VEGA_PER_VOL_POINT = 0.01;
/** Theta is per year; multiply by this for per calendar day. */
export const THETA_PER_DAY = 1 / 365;

/**
 * Year fraction from `nowMs` to `expiryTs` (the 15:30 IST close), counted in whole-or-fractional minutes over a
 * 365-day year — the India VIX convention, used for IV and greeks alike. Never negative.
 */
export function yearsToExpiry(nowMs: number, expiryTs: number): number {
  const minutes = (expiryTs - nowMs) / MS_PER_MINUTE;
  return minutes > 0 ? minutes / MINUTES_PER_YEAR : 0;
}

/** Rounds a price to the nearest tick (₹0.05), guarding against binary fractions like 12.350000000000001. */
export function roundToTick(price: number, tick = TICK_SIZE): number {
  return Math.round(Math.round(price / tick) * tick * 100) / 100;
}
