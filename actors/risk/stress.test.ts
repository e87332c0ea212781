/**
 * The stress grid pinned to values computed independently (Python, math.erf Black-76; the arithmetic is in the
 * comments), and the naked strangle a 10 % gap with +10 vol points rules out.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ExpiryFit, SurfaceCalibrated } from '../calibrator/messages.ts';
import { parseConfig } from '../../runtime/main/config.ts';
import type { Leg } from '../domain/leg.ts';
import { assess, initialRiskState, onKillswitchChanged, preTrade } from './core.ts';
import { EXPIRY, EXPIRY_TS, F, NOW, Q, T_VARIANCE, condorLegs, emptyBook, key, snapshot, surface } from './fixture.ts';
import { riskSettings } from './settings.ts';
import { runStress, GRID_SPOT_PCT, GRID_VOL_PTS } from './stress.ts';
import { buildMarket, priceLeg } from './valuation.ts';

const close = (actual: number, expected: number, rel: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, was ${actual}`);

/** A put skew, linear in strike between the points, flat beyond: σ(23 000) = 17 %, σ(24 000) = 15 %, … */
function skewed(): SurfaceCalibrated {
  const strikes = [22_000, 23_000, 24_000, 25_000, 26_000];
  const vols = [0.20, 0.17, 0.15, 0.14, 0.135];
  const fit: ExpiryFit = {
    underlying: 'NIFTY', expiry: EXPIRY, expiryTs: EXPIRY_TS, t: T_VARIANCE, forward: F, params: null, rmseVolPts: 0, maxErrorVolPts: 0,
    iterations: 1, converged: true, fallback: false, strikes: Float64Array.from(strikes), marketIv: Float64Array.from(vols), vols: Float64Array.from(vols),
  };
  return { cycleId: 'c1', ts: NOW, expiries: [fit], computeMs: 1 };
}

test('grid cells match an independent Black-76 on a skewed smile, sticky strike and sticky moneyness', () => {
  // One short 23 500 put × 65 on F = 24 000, t = 5.2/259.7 (the fixture's variance clock), r = 5.25 %; its vol is 16 %
  // (halfway 17 % → 15 %), worth 51.0485.
  const market = buildMarket(snapshot(), skewed());
  const leg = priceLeg({ instrumentKey: key(23_500, 'PE'), underlying: 'NIFTY', expiry: EXPIRY, strike: 23_500, right: 'PE', quantity: -Q }, market)!;
  close(leg.vol, 0.16, 1e-12, 'vol at 23 500');
  close(leg.modelPrice, 51.04846094701088, 1e-9, 'model price');
  const r = runStress([leg], { betas: { NIFTY: 1, BANKNIFTY: 1.2 }, expiryDayMove: 0.01, dayT: 1 / 259.7 });
  assert.deepEqual([...new Set(r.grid.map((c) => c.spotPct))], GRID_SPOT_PCT);
  assert.deepEqual([...new Set(r.grid.map((c) => c.volPts))], GRID_VOL_PTS);
  const cell = (s: number, v: number) => r.grid.find((c) => c.spotPct === s && c.volPts === v)!;
  // Spot −6 %, vol +5. Sticky strike: σ = 16 + 5 = 21 % at F' = 22 560 → −65·(P(22 560, 23 500, 21 %) − 51.0485) = −59 443.05.
  // Sticky moneyness: the strike takes the vol the smile had at 23 500 / 0.94 = 25 000, i.e. 14 %, + 5 = 19 % → −58 847.15.
  close(cell(-6, 5).stickyStrike, -59443.05049975252, 1e-9, 'sticky strike −6 %/+5');
  close(cell(-6, 5).stickyMoneyness, -58847.15234758245, 1e-9, 'sticky moneyness −6 %/+5');
  close(cell(-6, 5).pnl, -59443.05049975252, 1e-9, 'the worse of the two');
  // Spot +4 %, vol 0. Sticky moneyness: 23 500 / 1.04 = 22 596.15 → σ = 20 % − 3 % × 0.59615 = 18.2115 % (the put cheapens less).
  close(cell(4, 0).stickyStrike, 3275.471872314089, 1e-9, 'sticky strike +4 %');
  close(cell(4, 0).stickyMoneyness, 3185.84971851529, 1e-9, 'sticky moneyness +4 %');
  // Overnight gap −10 % with +10 vol points and a trading day passed (t = 4.2/259.7): σ 26 % (strike), 23.5 % (moneyness:
  // 26 111 → flat 13.5 %); sticky strike −120 160.04 is the worse (moneyness −120 108.04).
  const gap = r.gaps.find((g) => g.spotPct === -10)!;
  assert.equal(gap.volPts, 10);
  close(gap.pnl, -120160.0410244984, 1e-9, 'gap −10 % +10 vol pts');
  close(r.loss, Math.max(...r.grid.map((c) => -c.pnl), ...r.gaps.map((g) => -g.pnl), ...r.pins.map((p) => -p.pnl)), 1e-12, 'worst');
});

test('a short strangle without wings is refused pre-trade by the stress limit; the same lots as a condor are not', () => {
  // Default limits at the default capital: the stress limit is 12 % of ₹10 lakh = ₹1,20,000.
  const s = riskSettings(parseConfig({}));
  assert.equal(s.limits.stress, 120_000);
  const ready = onKillswitchChanged(assess(initialRiskState(s), { cycleId: 'c1', snapshot: snapshot(), surface: surface(), book: emptyBook() }).state, 'NORMAL');
  const lots = 2;
  const strangle: Leg[] = [
    { instrumentKey: key(23_300, 'PE'), underlying: 'NIFTY', expiry: EXPIRY, strike: 23_300, right: 'PE', side: 'SELL', quantity: lots * Q, limitPrice: 10 },
    { instrumentKey: key(24_700, 'CE'), underlying: 'NIFTY', expiry: EXPIRY, strike: 24_700, right: 'CE', side: 'SELL', quantity: lots * Q, limitPrice: 10 },
  ];
  const d = preTrade(ready, { legs: strangle, bucket: 'weekly' }, NOW).decision;
  assert.equal(d.allow, false);
  assert.ok(d.reasons.includes('STRESS_LOSS'), d.reasons.join(','));
  // The gap alone is past the limit: −10 % overnight with +10 vol points on the flat 15 % fixture surface costs
  // −130·(P(21 600, 23 300, 4.2/259.7, 25 %) + C(21 600, 24 700, …) − the strangle's value now) = −₹2,15,941 (independent).
  const market = buildMarket(snapshot(), surface());
  const priced = strangle.map((l) => priceLeg({ ...l, quantity: -l.quantity }, market)!);
  const gap = runStress(priced, { betas: s.betas, expiryDayMove: s.expiryDayMove, dayT: 1 / 259.7 }).gaps.find((g) => g.name === 'gap -10% +10 vol pts')!;
  close(gap.pnl, -215941.14993636368, 1e-9, 'gap −10 % +10 vol pts on the strangle');
  assert.ok(-gap.pnl > s.limits.stress);
  assert.match(d.details.join('; '), /expected the worst stress loss <= 120000 ₹, was 2\d{5}/);
  // The condor's wings cap it: the same two lots with wings pass the stress limit.
  const condor = condorLegs().map((l) => ({ ...l, quantity: lots * Q }));
  const c = preTrade(ready, { legs: condor, bucket: 'weekly' }, NOW).decision;
  assert.equal(c.reasons.includes('STRESS_LOSS'), false, c.details.join('; '));
  assert.ok(c.stress !== null && c.stress.loss < s.limits.stress);
});
