import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RiskReport } from '../../actors/risk/messages.ts';
import { riskView } from './risk.ts';

const g = (delta: number, gamma: number, vega: number, theta: number) => ({ delta, gamma, vega, theta });
const REPORT = {
  cycleId: 'c-1', ts: 1,
  total: { ...g(-30, -0.09, -4200, 1441), deltaNotional: -720_000, deltaRatio: -0.72, gammaInr1Pct: -2700 },
  byUnderlying: [{
    underlying: 'NIFTY', spot: 24000, ...g(-30, -0.09, -4200, 1441), deltaNotional: -720_000, deltaRatio: -0.72, gammaInr1Pct: -2700,
    byExpiry: [{ expiry: '2026-01-13', ...g(-30, -0.09, -4200, 1441), gammaInr1Pct: -2700 }],
  }],
  structures: [], legs: [], pnl: { day: 0, realised: 0, unrealised: 0, marks: { mid: 4, model: 0, ltp: 0, entry: 0 } },
  limits: [
    { name: 'delta', value: 0.72, limit: 1, soft: 0.8, utilisation: 0.72 },
    { name: 'gamma', value: 2700, limit: 4500, soft: 3600, utilisation: 0.6 },
  ],
  breaches: [],
  scenarios: [{ name: 'spot-2%', spotShift: -0.02, volShiftPts: 0, pnl: -9000 }],
  worstScenarioLoss: 9000, buckets: [], capitalAtRisk: { total: 0, limit: 0, utilisation: 0 }, margin: { required: 0, hedgeBenefit: 0, limit: 0 },
  fallbackLegs: 0, unvalued: [],
} as unknown as RiskReport;

test('greeks in rupees: delta and gamma per 1 % move, vega per vol point, theta per day; limits in the same unit', () => {
  const v = riskView(REPORT, 1_000_000);
  // delta −30 (₹ per index point) × 24,000 × 1 % = −7,200 ₹ for a 1 % rise
  assert.deepEqual(v.total, { delta1pct: -7200, gamma1pct: -2700, vega: -4200, theta: 1441 });
  assert.deepEqual(v.byUnderlying['NIFTY'], { delta1pct: -7200, gamma1pct: -2700, vega: -4200, theta: 1441 });
  assert.equal(v.byExpiry[0]?.expiry, '2026-01-13');
  // delta ratio 0.72 of ₹10 lakh capital = ₹7.2 lakh notional; 1 % of it is ₹7,200 against a hard ₹10,000 (soft ₹8,000)
  assert.deepEqual(v.limits[0], { name: 'delta', unit: '₹ per 1 % move', value: 7200, soft: 8000, hard: 10000, utilisation: 0.72, breach: null });
  assert.equal(v.limits[1]?.unit, '₹ per 1 % move');
  assert.equal(v.limits[1]?.utilisation, 0.6);
  assert.deepEqual(v.stress.grid, [{ name: 'spot-2%', spotPct: -2, volPts: 0, pnl: -9000 }]);
});
