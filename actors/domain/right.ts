/**
 * @module An option's right, as NSE and Upstox spell it: CE (call) or PE (put).
 */

export type Right = 'CE' | 'PE';
export const RIGHTS: readonly Right[] = ['CE', 'PE'];
