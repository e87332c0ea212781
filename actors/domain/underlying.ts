/**
 * @module The index underlyings VolGuard trades.
 */

export type Underlying = 'NIFTY' | 'BANKNIFTY';
export const UNDERLYINGS: readonly Underlying[] = ['NIFTY', 'BANKNIFTY'];
