/**
 * @module Warming the pre-trade check. It runs a few times a day, when a saga starts or sends its next risk-increasing
 * group, and the order waits on it, so its code is cold every time it is needed. In the system bench a cold check
 * took ~8 ms and the same check compiled 0.4–1.2 ms; the cold path added ~25 ms to the cycle that starts a saga. Once
 * the first assessment has priced a market, the risk actor runs the check on synthetic iron condors drawn from that
 * market. The check is pure (core.ts `preTrade`): the results are thrown away, nothing is stored and nothing is
 * journaled.
 */
import type { Leg } from '../domain/leg.ts';
import { preTrade, type RiskState } from './core.ts';

/** Rounds of the check, two requests each (the second with the first still reserved: both of its paths). */
const ROUNDS = 12;

/** Runs the pre-trade check on synthetic condors from the last assessed market; returns how many checks ran. */
export function warmPreTrade(state: RiskState, now: number, clockSpeed: number): number {
  const last = state.last;
  if (last === null) return 0;
  const condors: Leg[][] = [];
  for (const fit of last.market.fits.values()) {
    if (!(fit.forward > 0) || condors.length >= 2) continue;
    const step = fit.forward > 40_000 ? 100 : 50;
    const at = (pct: number): number => Math.round((fit.forward * (1 + pct)) / step) * step;
    const leg = (strike: number, right: 'CE' | 'PE', side: 'BUY' | 'SELL'): Leg => ({
      instrumentKey: `warm|${fit.underlying}|${fit.expiry}|${strike}${right}`, underlying: fit.underlying, expiry: fit.expiry, strike, right, side, quantity: 75,
    });
    condors.push([leg(at(-0.03), 'PE', 'SELL'), leg(at(0.03), 'CE', 'SELL'), leg(at(-0.05), 'PE', 'BUY'), leg(at(0.05), 'CE', 'BUY')]);
  }
  let checks = 0;
  for (let i = 0; i < ROUNDS; i++) {
    for (const [n, legs] of condors.entries()) {
      const first = preTrade(state, { legs, bucket: 'weekly', ref: `warm-${n}-a` }, now, clockSpeed);
      preTrade(first.state, { legs, bucket: 'monthly', ref: `warm-${n}-b` }, now, clockSpeed);
      checks += 2;
    }
  }
  return checks;
}
