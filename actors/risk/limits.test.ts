/**
 * Greeks aggregation on two indices with beta weights, pinned to hand-computed values (the arithmetic in comments).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exposure, findBreaches, measureLimits } from './limits.ts';
import { settings } from './fixture.ts';
import type { MarketView, PricedLeg } from './valuation.ts';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, was ${actual}`);

/** Only what `exposure` reads: underlying, expiry and the leg's greeks in book units. */
const leg = (underlying: 'NIFTY' | 'BANKNIFTY', expiry: string, delta: number, gamma: number, vega: number, theta: number): PricedLeg =>
  ({ underlying, expiry, greeks: { delta, gamma, vega, theta } }) as unknown as PricedLeg;

const market = { spots: new Map([['NIFTY', 26_000], ['BANKNIFTY', 60_000]]), fits: new Map() } as unknown as MarketView;

// NIFTY 26 000: 1 % = 260 points; BANKNIFTY 60 000: 1 % = 600 points; BANKNIFTY β = 1.2.
const book = [
  leg('NIFTY', '2026-12-08', 30, -0.006, -400, 300),
  leg('NIFTY', '2026-12-29', 20, -0.004, -700, 100),
  leg('BANKNIFTY', '2026-12-29', -20, -0.002, -900, 250),
];

test('per underlying and per expiry in rupees: delta ₹ per 1 %, gamma ₹ per 1 %², vega, theta', () => {
  const { byUnderlying } = exposure(book, market, settings());
  const n = byUnderlying.find((u) => u.underlying === 'NIFTY')!;
  const b = byUnderlying.find((u) => u.underlying === 'BANKNIFTY')!;
  // NIFTY delta 30 + 20 = 50 index units × 260 = 13 000 ₹ per 1 %; gamma −0.010 → ½ × −0.010 × 260² = −338.
  close(n.delta1pct, 13_000, 'NIFTY delta1pct');
  close(n.gamma1pct, -338, 'NIFTY gamma1pct');
  close(n.vega, -1_100, 'NIFTY vega');
  close(n.theta, 400, 'NIFTY theta');
  // Per expiry: 2026-12-08 delta 30 × 260 = 7 800, gamma ½ × −0.006 × 67 600 = −202.8; 2026-12-29 5 200 and −135.2.
  const e1 = n.byExpiry.find((e) => e.expiry === '2026-12-08')!;
  const e2 = n.byExpiry.find((e) => e.expiry === '2026-12-29')!;
  close(e1.delta1pct, 7_800, '12-08 delta1pct');
  close(e1.gamma1pct, -202.8, '12-08 gamma1pct');
  close(e2.delta1pct, 5_200, '12-29 delta1pct');
  close(e2.gamma1pct, -135.2, '12-29 gamma1pct');
  close(e1.vega + e2.vega, n.vega, 'expiries sum to the underlying');
  // BANKNIFTY delta −20 × 600 = −12 000 ₹ per 1 %; gamma ½ × −0.002 × 600² = −360.
  close(b.delta1pct, -12_000, 'BANKNIFTY delta1pct');
  close(b.gamma1pct, -360, 'BANKNIFTY gamma1pct');
  assert.equal(b.beta, 1.2);
});

test('the totals weight BANKNIFTY by its beta: long NIFTY and short BANKNIFTY no longer cancel', () => {
  const { total } = exposure(book, market, settings());
  // Delta: 13 000 + 1.2 × (−12 000) = −1 400 ₹ per 1 % NIFTY move (a plain sum would say +1 000, the wrong sign).
  close(total.delta1pct, -1_400, 'β-weighted delta1pct');
  // Notional: 50 × 26 000 + 1.2 × (−20 × 60 000) = 1 300 000 − 1 440 000 = −140 000 ₹; ratio on ₹10 lakh −0.14.
  close(total.deltaNotional, -140_000, 'β-weighted notional');
  close(total.deltaRatio, -0.14, 'delta ratio');
  // Gamma: −338 + 1.2² × (−360) = −338 − 518.4 = −856.4 ₹ per 1 %² NIFTY move.
  close(total.gamma1pct, -856.4, 'β²-weighted gamma1pct');
  // Vega and theta are plain sums: −400 − 700 − 900 = −2 000; 300 + 100 + 250 = 650.
  close(total.vega, -2_000, 'vega');
  close(total.theta, 650, 'theta');
  // With β = 1 the cross-index hedge would look near flat: 13 000 − 12 000 = +1 000.
  close(exposure(book, market, settings({ betas: { NIFTY: 1, BANKNIFTY: 1 } })).total.delta1pct, 1_000, 'β = 1');
});

test('limits: totals first, then per underlying and per expiry; breaches worst first with the managed flag', () => {
  const s = settings({ limits: { deltaTotal: 1_000, deltaUnderlying: 14_000, vegaExpiry: 1_000, gammaExpiry: 1e9, vegaTotal: 1e9 } });
  const limits = measureLimits(s, { exposure: exposure(book, market, s), dayLoss: 0, stressLoss: 0, capitalAtRisk: 0, margin: 0 });
  assert.deepEqual(limits.slice(0, 4).map((l) => `${l.name}:${l.scope}`), ['delta:total', 'vega:total', 'gamma:total', 'theta:total']);
  const row = (name: string, underlying?: string, expiry?: string) => limits.find((l) => l.name === name && l.underlying === underlying && l.expiry === expiry)!;
  assert.equal(row('delta', 'NIFTY').value, 13_000);
  assert.equal(row('delta', 'NIFTY').signed, 13_000);
  assert.equal(row('delta', 'BANKNIFTY').signed, -12_000);
  assert.equal(row('vega', 'BANKNIFTY', '2026-12-29').value, 900);
  assert.equal(row('vega', 'NIFTY', '2026-12-08').unit, '₹/vol pt');
  const breaches = findBreaches(s, limits);
  // delta total 1 400 > 1 000 (hard); then soft by utilisation: delta NIFTY 13 000 / 14 000 = 0.93, vega BANKNIFTY
  // 12-29 900 / 1 000 = 0.90, delta BANKNIFTY 12 000 / 14 000 = 0.86 (each above the 0.8 soft ratio).
  assert.deepEqual(breaches.map((b) => `${b.level}:${b.limit}:${b.underlying ?? ''}:${b.expiry ?? ''}`), [
    'hard:delta::', 'soft:delta:NIFTY:', 'soft:vega:BANKNIFTY:2026-12-29', 'soft:delta:BANKNIFTY:',
  ]);
  assert.ok(breaches.every((b) => b.managed));
  assert.equal(breaches[0]?.signed, -1_400);
});
