/**
 * @module Which way an order or a leg trades.
 */

export type Side = 'BUY' | 'SELL';
