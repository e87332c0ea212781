import { test } from 'node:test';
import assert from 'node:assert/strict';
import { payoffCurves, payoffGrid, pnlAt, surfaceVol, tradeGreeks, type ExpiryModel, type ModelLeg } from './trade.ts';

const near = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

// At the money with no rate: F = S = K = 24,000, t = 0.25, σ = 0.2, so s = σ√t = 0.1 and d1 = s/2 = 0.05.
// Φ(0.05) = 0.5199388, φ(0.05) = 0.3989423 × e^(−0.00125) = 0.3984439.
const ATM: ExpiryModel = { spot: 24000, forward: 24000, t: 0.25, rate: 0, vol: () => 0.2 };

test('the greeks a short ATM call adds, in the greeks panel\'s ₹, worked by hand', () => {
  const g = tradeGreeks([{ strike: 24000, right: 'CE', quantity: -75, price: 957, model: ATM }]);
  assert.ok(g !== null);
  // delta: −75 × Φ(d1) × 1 % of 24,000 = −75 × 0.5199388 × 240 = −9,358.90
  near(g.delta1pct, -9358.90, 0.01, 'delta ₹/1 %');
  // gamma: φ/(F·s) = 0.3984439 / 2,400 = 1.660183e-4; ½ × −75 × 1.660183e-4 × 240² = −358.60
  near(g.gamma1pct, -358.60, 0.01, 'gamma ₹/1 %');
  // vega: F·φ·√t = 24,000 × 0.3984439 × 0.5 = 4,781.33 per 1.00 vol; × 0.01 × −75 = −3,586.00
  near(g.vega, -3586.00, 0.01, 'vega ₹/vol pt');
  // theta: −F·φ·σ/(2√t) = −24,000 × 0.3984439 × 0.2 / 1 = −1,912.53 a year; / 365 × −75 = +392.99 a day
  near(g.theta, 392.99, 0.01, 'theta ₹/day');
  // no surface for a leg: nothing made up
  assert.equal(tradeGreeks([{ strike: 24000, right: 'CE', quantity: -75, price: 957, model: { ...ATM, vol: () => Number.NaN } }]), null);
});

test('today\'s P&L from the surface: the ATM price, put-call parity across spots, and at expiry the intrinsic value', () => {
  // ATM call = F·(2Φ(0.05) − 1) = 24,000 × 0.0398776 = 957.06: sold at 957.06, today at 24,000 the P&L is 0
  const short: ModelLeg[] = [{ strike: 24000, right: 'CE', quantity: -75, price: 957.0627, model: ATM }];
  near(pnlAt(short, 24000), 0, 0.01, 'sold at its value');
  // once its time has passed it is worth its intrinsic value: at 24,300, −75 × (300 − 957.0627) = +49,279.70
  near(pnlAt(short, 24300, 0.25), 49279.70, 0.01, 'at expiry');
  // A long call and a short put at one strike are a forward whatever the vol (a smile here): worth D·(F' − K) with
  // F' = F·S'/S. F = 24,100 at S = 24,000, r = 5 %, t = 0.25: D = e^(−0.0125) = 0.9875778; at S' = 24,600,
  // F' = 24,702.5 and the pair is worth 0.9875778 × 702.5 = 693.773; paid 500 − received 400 = 100 a unit;
  // 50 units: 50 × 593.773 = 29,688.67.
  const fwd: ExpiryModel = { spot: 24000, forward: 24100, t: 0.25, rate: 0.05, vol: (k) => 0.15 + (24000 - k) * 1e-5 };
  const pair: ModelLeg[] = [
    { strike: 24000, right: 'CE', quantity: 50, price: 500, model: fwd },
    { strike: 24000, right: 'PE', quantity: -50, price: 400, model: fwd },
  ];
  near(pnlAt(pair, 24600), 29688.67, 0.01, 'parity at 24,600');
});

test('the surface\'s vol: linear between fitted strikes, flat beyond, gaps skipped', () => {
  const k = [23000, 23500, 24000, 25000];
  const v = [0.2, Number.NaN, 0.15, 0.18];
  near(surfaceVol(k, v, 23500), 0.175, 1e-12, 'between 0.20 and 0.15, the NaN skipped');
  near(surfaceVol(k, v, 24500), 0.165, 1e-12, 'halfway 0.15 → 0.18');
  assert.equal(surfaceVol(k, v, 22000), 0.2);
  assert.equal(surfaceVol(k, v, 26000), 0.18);
  assert.ok(Number.isNaN(surfaceVol([24000], [Number.NaN], 24000)));
});

test('curves of a calendar: at the near expiry the far leg keeps its time value; today both are priced', () => {
  const nearM: ExpiryModel = ATM;
  const farM: ExpiryModel = { ...ATM, t: 0.5 };
  const legs = [
    { strike: 24000, right: 'CE' as const, quantity: -75, price: 900, expiry: '2026-01-13' },
    { strike: 24000, right: 'CE' as const, quantity: 75, price: 1300, expiry: '2026-02-24' },
  ];
  const c = payoffCurves(legs, 24000, (l) => (l.expiry === '2026-01-13' ? nearM : farM));
  assert.ok(c !== null && c.today !== null);
  const i = c.x.indexOf(24000);
  assert.ok(i >= 0, 'the strike is on the grid');
  // at the near expiry, spot 24,000: the short is worth 0, the long has 0.25 y left = the ATM price 957.06:
  // 75 × 900 + 75 × (957.0627 − 1,300) = 67,500 − 25,720.30 = 41,779.70 → ₹41,780
  assert.equal(c.atExpiry[i], 41780);
  // today: short −75 × (957.0627 − 900) = −4,279.70; long at t = 0.5: s = 0.2 × √0.5 = 0.1414214, d1 = 0.0707107,
  // Φ(0.0707107) = 0.5281861, price 24,000 × 0.0563722 = 1,352.93; 75 × (1,352.93 − 1,300) = 3,969.8 → −309.9 → −₹310
  assert.equal(c.today[i], -310);
  // without a surface, legs of one expiry still get their expiry curve, none "today"; across expiries nothing
  const one = payoffCurves(legs.slice(0, 1), 24000, () => undefined);
  assert.ok(one !== null);
  assert.equal(one.today, null);
  assert.equal(one.atExpiry[one.x.indexOf(24000)], 67500);
  assert.equal(payoffCurves(legs, 24000, () => undefined), null);
});

test('the grid holds every strike and the spot\'s range with margin', () => {
  const x = payoffGrid([23300, 23600, 24400, 24700], 24000);
  for (const k of [23300, 23600, 24400, 24700]) assert.ok(x.includes(k));
  // margin: the larger of 30 % of the range (1,400 × 0.3 = 420) and 2 % of the top (24,700 × 0.02 = 494): 22,806 … 25,194
  assert.equal(x[0], 22806);
  assert.equal(x[x.length - 1], 25194);
});
