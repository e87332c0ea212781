/**
 * @module The capital buckets a structure belongs to (each has its own share of BASE_CAPITAL and its own rules).
 */

export type Bucket = 'weekly' | 'monthly' | 'intraday';
export const BUCKETS: readonly Bucket[] = ['weekly', 'monthly', 'intraday'];
