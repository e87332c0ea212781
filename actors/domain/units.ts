/**
 * @module Units and conventions used everywhere (tick size, display views). Time to expiry has one convention too:
 * the variance clock (variance-clock.ts), configured with the rate in market-settings.ts.
 */

export const MS_PER_MINUTE = 60_000;
/** NSE option premium tick, ₹. */
export const TICK_SIZE = 0.05;
/** Vega is per 1.00 vol; multiply by this for ₹ per vol point (0.01). */
export const VEGA_PER_VOL_POINT = 0.01;
/**
 * Theta is per (variance) year; multiply by this for per calendar day on average — a variance year spans 365 calendar
 * days by construction of the clock's year basis, so over a week theta·7/365 is the decay to expect; a trading day
 * alone decays theta/D (D ≈ 260) and a weekend day theta·w/D.
 */
export const THETA_PER_DAY = 1 / 365;

/** Rounds a price to the nearest tick (₹0.05), guarding against binary fractions like 12.350000000000001. */
export function roundToTick(price: number, tick = TICK_SIZE): number {
  return Math.round(Math.round(price / tick) * tick * 100) / 100;
}
