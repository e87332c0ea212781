/**
 * @module Stress scenarios, run on every assessment and every pre-trade check: full Black-76 re-pricing of each leg
 * under a shocked market (no greek approximation), P&L measured against the unshocked model value.
 *
 *   spot ±1 %, ±2 %, ±5 %       forward scaled with spot (F ∝ S), vols unchanged (sticky strike)
 *   vol ±5 points               every vol shifted, floored at 1 %
 *   expiry-day gamma            each expiry's time cut to its last 3 trading hours on the variance clock (mid-
 *                               session on expiry day; PricedLeg.expiryDayT) and spot moved by ±RISK_EXPIRY_DAY_MOVE;
 *                               the worse side is reported
 */
import type { ScenarioResult } from './messages.ts';
import { legValue, type PricedLeg, type Shock } from './valuation.ts';
const VOL_POINT = 0.01;

interface Scenario {
  readonly name: string;
  readonly shocks: readonly Shock[];
  readonly spotShift: number;
  readonly volShiftPts: number;
}

export function scenarioSet(expiryDayMove: number): readonly Scenario[] {
  const spot = (p: number): Scenario => ({ name: `spot${p > 0 ? '+' : ''}${p}%`, shocks: [{ spotShift: p / 100, volShift: 0 }], spotShift: p / 100, volShiftPts: 0 });
  const vol = (pts: number): Scenario => ({ name: `vol${pts > 0 ? '+' : ''}${pts}pts`, shocks: [{ spotShift: 0, volShift: pts * VOL_POINT }], spotShift: 0, volShiftPts: pts });
  return [
    spot(-5), spot(-2), spot(-1), spot(1), spot(2), spot(5), vol(-5), vol(5),
    {
      name: 'expiry_day_gamma',
      shocks: [
        { spotShift: expiryDayMove, volShift: 0, expiryDay: true },
        { spotShift: -expiryDayMove, volShift: 0, expiryDay: true },
      ],
      spotShift: expiryDayMove,
      volShiftPts: 0,
    },
  ];
}

const NO_SHOCK: Shock = { spotShift: 0, volShift: 0 };

/** Scenario P&L of the legs, ₹ (negative = loss). With several shocks the worst one counts. */
export function runScenarios(legs: readonly PricedLeg[], expiryDayMove: number): ScenarioResult[] {
  let base = 0;
  for (const leg of legs) base += legValue(leg, NO_SHOCK);
  return scenarioSet(expiryDayMove).map((s) => {
    let worst = Infinity;
    let worstShift = s.spotShift;
    for (const shock of s.shocks) {
      let v = 0;
      for (const leg of legs) v += legValue(leg, shock);
      if (v - base < worst) {
        worst = v - base;
        worstShift = shock.spotShift;
      }
    }
    return { name: s.name, spotShift: worstShift, volShiftPts: s.volShiftPts, pnl: legs.length === 0 ? 0 : worst };
  });
}

/** The worst scenario loss as a positive number (0 when every scenario gains). */
export function worstLoss(results: readonly ScenarioResult[]): number {
  let w = 0;
  for (const r of results) w = Math.max(w, -r.pnl);
  return w;
}
