import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { RiskReport } from '../../actors/risk/messages.ts';
import { riskView } from './risk.ts';

const g = (delta: number, gamma: number, vega: number, theta: number) => ({ delta, gamma, vega, theta });
const REPORT = {
  cycleId: 'c-1', ts: 1,
  total: { ...g(-30, -0.09, -4200, 1441), deltaNotional: -720_000, deltaRatio: -0.72, delta1pct: -7200, gamma1pct: -2700, gammaInr1Pct: -2700 },
  byUnderlying: [{
    underlying: 'NIFTY', spot: 24000, ...g(-30, -0.09, -4200, 1441), beta: 1, deltaNotional: -720_000, deltaRatio: -0.72, delta1pct: -7200, gamma1pct: -2700, gammaInr1Pct: -2700,
    byExpiry: [{ expiry: '2026-01-13', ...g(-30, -0.09, -4200, 1441), delta1pct: -7200, gamma1pct: -2700, gammaInr1Pct: -2700 }],
  }],
  structures: [], legs: [], pnl: { day: 0, realised: 0, unrealised: 0, marks: { mid: 4, model: 0, ltp: 0, entry: 0 } },
  limits: [
    { name: 'delta', scope: 'total', value: 7200, limit: 10000, soft: 8000, utilisation: 0.72, unit: '₹ per 1 % move' },
    { name: 'gamma', scope: 'total', value: 2700, limit: 4500, soft: 3600, utilisation: 0.6 },
  ],
  breaches: [],
  stress: {
    grid: [{ spotPct: -2, volPts: 0, pnl: -9000, stickyStrike: -9000, stickyMoneyness: -8800 }],
    gaps: [{ kind: 'gap', name: 'gap -5 % IV +5', spotPct: -5, volPts: 5, pnl: -30000 }], pins: [],
    worst: { kind: 'gap', name: 'gap -5 % IV +5', spotPct: -5, volPts: 5, pnl: -30000 }, loss: 30000,
  },
  buckets: [], capitalAtRisk: { total: 0, limit: 0, utilisation: 0 }, margin: { required: 0, hedgeBenefit: 0, limit: 0 },
  fallbackLegs: 0, unvalued: [],
} as unknown as RiskReport;

test('greeks in rupees: delta and gamma per 1 % move, vega per vol point, theta per day; limits in the same unit', () => {
  const v = riskView(REPORT, 1_000_000);
  // delta −30 (₹ per index point) × 24,000 × 1 % = −7,200 ₹ for a 1 % rise
  assert.deepEqual(v.total, { delta1pct: -7200, gamma1pct: -2700, vega: -4200, theta: 1441 });
  assert.deepEqual(v.byUnderlying['NIFTY'], { delta1pct: -7200, gamma1pct: -2700, vega: -4200, theta: 1441 });
  assert.equal(v.byExpiry[0]?.expiry, '2026-01-13');
  // The risk actor's delta limit is in ₹ per 1 % move already: ₹7,200 against a hard ₹10,000 (soft ₹8,000).
  assert.deepEqual(v.limits[0], { name: 'delta', scope: 'total', unit: '₹ per 1 % move', value: 7200, soft: 8000, hard: 10000, utilisation: 0.72, breach: null });
  assert.equal(v.limits[1]?.unit, '₹ per 1 % move');
  assert.equal(v.limits[1]?.utilisation, 0.6);
  // The grid's cells (the worse of the two smile dynamics), then the gaps and pins; worst: the largest loss, ₹.
  assert.deepEqual(v.stress.grid, [{ kind: 'grid', name: 'spot -2 % IV 0 pt', spotPct: -2, volPts: 0, pnl: -9000 }, { kind: 'gap', name: 'gap -5 % IV +5', spotPct: -5, volPts: 5, pnl: -30000 }]);
  assert.equal(v.stress.worst, 30000);
  // The worst scenario is the gap, so the page marks the gap (not a grid cell at the same spot and IV).
  assert.deepEqual(v.stress.worstCell, { kind: 'gap', name: 'gap -5 % IV +5', spotPct: -5, volPts: 5, pnl: -30000 });
  // No stops in this report: none shown, rather than a blank state.
  assert.equal(v.stops, null);
});
