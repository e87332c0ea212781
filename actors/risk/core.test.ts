import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_RATE } from '../domain/market-settings.ts';
import { adjustCapital, assess, initialRiskState, olderAssessment, onKillswitchChanged, preTrade, type RiskState } from './core.ts';
import type { Leg } from '../domain/leg.ts';
import {
  CONDOR, DAY_MS, EXPIRY, F, NOW, Q, SIGMA, T_VARIANCE, condorBook, condorLegs, emptyBook, key, settings, snapshot, surface,
} from './fixture.ts';
import type { RiskSettings } from './settings.ts';
import type { Right } from '../domain/right.ts';

// ---- an independent Black-76: Φ by Simpson's rule on the density, greeks by central differences ----
function phi(x: number): number {
  const n = 4000;
  const a = Math.abs(x);
  const h = a / n;
  const f = (u: number) => Math.exp(-0.5 * u * u) / Math.sqrt(2 * Math.PI);
  let sum = f(0) + f(a);
  for (let i = 1; i < n; i++) sum += (i % 2 ? 4 : 2) * f(i * h);
  const half = (sum * h) / 3;
  return x >= 0 ? 0.5 + half : 0.5 - half;
}
function b76(right: Right, f: number, k: number, t: number, vol: number): number {
  const s = vol * Math.sqrt(t);
  const d1 = Math.log(f / k) / s + s / 2;
  const d2 = d1 - s;
  const df = Math.exp(-DEFAULT_RATE * t);
  return right === 'CE' ? df * (f * phi(d1) - k * phi(d2)) : df * (k * phi(-d2) - f * phi(-d1));
}
/** Time to expiry on the variance clock, by hand in fixture.ts (5.2 units / 259.7). */
const T = T_VARIANCE;
/** Book value (₹) of the condor on a shocked market. */
const condorValue = (f = F, t = T, vol = SIGMA) => CONDOR.reduce((v, c) => v + c.qty * b76(c.right, f, c.strike, t, vol), 0);
const close = (actual: number, expected: number, rel: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${what}: expected ${expected}, was ${actual}`);

const quotes = { [key(23_700, 'PE')]: [40, 42] as const };
/**
 * The day opened on the condor with nothing realised (the executor's realised figure is lifetime money: what it held
 * when the day opened is not the day's), then the book as given on the same snapshot: its realised is today's.
 */
function dayOpened(s: RiskSettings, q: typeof quotes | Record<string, never> = quotes): RiskState {
  return assess(initialRiskState(s), { cycleId: 'c0', snapshot: snapshot(NOW, q), surface: surface(), book: condorBook() }).state;
}
function assessed(s: RiskSettings = settings(), book = condorBook()): { state: RiskState; report: ReturnType<typeof assess>['report'] } {
  return assess(dayOpened(s), { cycleId: 'c1', snapshot: snapshot(NOW, quotes), surface: surface(), book });
}

test('short iron condor greeks match central differences of an independent Black-76', () => {
  const { report } = assessed();
  const h = 1;
  const delta = (condorValue(F + h) - condorValue(F - h)) / (2 * h);
  const gamma = (condorValue(F + h) - 2 * condorValue(F) + condorValue(F - h)) / (h * h);
  const dv = 1e-4;
  const vegaPerPoint = ((condorValue(F, T, SIGMA + dv) - condorValue(F, T, SIGMA - dv)) / (2 * dv)) * 0.01;
  const dt = 1e-5;
  const thetaPerDay = ((condorValue(F, T - dt) - condorValue(F, T + dt)) / (2 * dt)) / 365;
  close(report.total.delta, delta, 1e-4, 'delta');
  close(report.total.gamma, gamma, 1e-3, 'gamma');
  close(report.total.vega, vegaPerPoint, 1e-4, 'vega');
  close(report.total.theta, thetaPerDay, 1e-4, 'theta');
  // A short condor is short vol and gamma, long time decay.
  assert.ok(report.total.vega < 0 && report.total.gamma < 0 && report.total.theta > 0);
  close(report.total.deltaRatio, (delta * F) / 1_000_000, 1e-4, 'delta ratio');
  close(report.total.delta1pct, delta * 240, 1e-4, 'delta ₹ per 1 %');
  close(report.total.gammaInr1Pct, 0.5 * gamma * 240 * 240, 1e-3, 'gamma ₹ per 1 %');
  assert.equal(report.byUnderlying.length, 1);
  assert.equal(report.byUnderlying[0]?.byExpiry[0]?.expiry, EXPIRY);
});

test('the stress grid re-prices the condor on shocked markets (flat smile: both dynamics agree)', () => {
  const { report } = assessed();
  const base = condorValue();
  const cell = (spotPct: number, volPts: number) => report.stress.grid.find((c) => c.spotPct === spotPct && c.volPts === volPts)!;
  close(cell(5, 0).pnl, condorValue(F * 1.05) - base, 1e-6, 'spot +5 %');
  close(cell(-2, 10).pnl, condorValue(F * 0.98, T, SIGMA + 0.10) - base, 1e-6, 'spot −2 %, vol +10');
  close(cell(-10, 15).stickyStrike, condorValue(F * 0.9, T, SIGMA + 0.15) - base, 1e-6, 'spot −10 %, vol +15');
  close(cell(0, -5).pnl, condorValue(F, T, SIGMA - 0.05) - base, 1e-6, 'vol −5');
  // On a flat smile moving the smile with the forward changes nothing.
  close(cell(-6, 5).stickyMoneyness, cell(-6, 5).stickyStrike, 1e-9, 'sticky moneyness = sticky strike on a flat smile');
  // An overnight gap: one trading day passes on the variance clock (1 of 259.7 units a year) and IV rises as many
  // points as the gap.
  const gap = report.stress.gaps.find((g) => g.spotPct === -10)!;
  close(gap.pnl, condorValue(F * 0.9, T - 1 / 259.7, SIGMA + 0.10) - base, 1e-6, 'gap −10 % +10 vol pts');
  // The expiry-day pin at the short put: the last three trading hours of a 375-minute session, 180/375 · (1 − 0.2)
  // = 0.384 units of 259.7 a year, spot at 23 700 and 1 % either side.
  const tEd = 0.384 / 259.7;
  const pin = report.stress.pins.find((p) => p.name.endsWith('at 23700'))!;
  const k = 23_700;
  close(pin.pnl, Math.min(condorValue(k, tEd), condorValue(k * 1.01, tEd), condorValue(k * 0.99, tEd)) - base, 1e-6, 'pin at the short put');
  // A 10 % move runs through a short strike into the long wing: the loss is near the width less the credit value.
  assert.ok(cell(10, 0).pnl < 0);
  assert.equal(report.stress.loss, Math.max(0, -Math.min(...report.stress.grid.map((c) => c.pnl), ...report.stress.gaps.map((g) => g.pnl), ...report.stress.pins.map((p) => p.pnl))));
  assert.equal(report.stress.grid.length, 17 * 5);
});

test('P&L marks from the mid where quoted, else the model, and records the source', () => {
  const { report } = assessed();
  let expected = (41 - 45) * -Q; // the 23 700 put is quoted 40 / 42
  for (const c of CONDOR) if (!(c.strike === 23_700 && c.right === 'PE')) expected += (b76(c.right, F, c.strike, T, SIGMA) - c.avg) * c.qty;
  close(report.pnl.unrealised, expected, 1e-6, 'unrealised');
  assert.deepEqual(report.pnl.marks, { mid: 1, model: 3, ltp: 0, entry: 0 });
  assert.equal(report.legs.find((l) => l.strike === 23_700)?.markSource, 'mid');
});

test('max loss, margin and capital at risk of the condor: width − credit, worst loss + exposure', () => {
  const { report } = assessed();
  const st = report.structures[0]!;
  assert.equal(st.maxLoss, 200 * Q - (45 + 40 - 20 - 18) * Q); // 9 945
  assert.equal(st.margin, 200 * Q + 0.03 * F * Q); // 13 000 + 46 800
  assert.equal(report.capitalAtRisk.total, 9_945);
  const weekly = report.buckets.find((b) => b.bucket === 'weekly')!;
  assert.equal(weekly.used, 59_800);
  assert.equal(weekly.available, 500_000 - 59_800);
});

test('daily loss beyond the limit is a hard breach, and catastrophic at 1.5× the limit', () => {
  const { report } = assessed(settings(), condorBook({ realisedPnlDay: -30_000 }));
  const b = report.breaches.find((x) => x.limit === 'dailyLoss');
  assert.ok(b, 'expected a dailyLoss breach');
  assert.equal(b.level, 'hard');
  assert.equal(b.catastrophic, true);
  const soft = assessed(settings(), condorBook({ realisedPnlDay: -17_000 })).report.breaches.find((x) => x.limit === 'dailyLoss');
  assert.equal(soft?.level, 'soft');
  assert.equal(soft?.catastrophic, false);
});

test('a breach is on record when it starts, changes level and clears, not every cycle it lasts; after a restart, once', () => {
  const vega = Math.abs(assessed().report.total.vega);
  let s = dayOpened(settings());
  const changed: boolean[] = [];
  const step = (vegaTotal: number, i: number): void => {
    const r = assess({ ...s, settings: settings({ limits: { vegaTotal } }) }, { cycleId: `c${i}`, snapshot: snapshot(NOW + i * 1000, quotes), surface: surface(), book: condorBook() });
    changed.push(r.effects.breachesChanged);
    s = r.state;
  };
  // within, soft, soft, hard, hard, within, within
  [vega * 2, vega / 0.9, vega / 0.9, vega / 2, vega / 2, vega * 2, vega * 2].forEach(step);
  assert.deepEqual(changed, [false, true, false, true, false, true, false]);
  // A restarted actor has no last assessment: a breach it finds is recorded again.
  s = { ...s, last: null };
  changed.length = 0;
  [vega / 2, vega / 2].forEach((v, i) => step(v, 10 + i));
  assert.deepEqual(changed, [true, false]);
});

test('a greek past its soft ratio is a soft breach, past its limit a hard one', () => {
  const vega = Math.abs(assessed().report.total.vega);
  assert.equal(assessed(settings({ limits: { vegaTotal: vega / 0.9 } })).report.breaches.find((b) => b.limit === 'vega')?.level, 'soft');
  assert.equal(assessed(settings({ limits: { vegaTotal: vega / 2 } })).report.breaches.find((b) => b.limit === 'vega')?.level, 'hard');
  assert.equal(assessed(settings({ limits: { vegaTotal: vega * 2 } })).report.breaches.find((b) => b.limit === 'vega'), undefined);
});

// ---- pre-trade ----
function ready(s: RiskSettings, book = emptyBook()): RiskState {
  return onKillswitchChanged(assess(dayOpened(s, {}), { cycleId: 'c1', snapshot: snapshot(), surface: surface(), book }).state, 'NORMAL');
}
const nakedCall: Leg[] = [{ instrumentKey: key(24_000, 'CE'), underlying: 'NIFTY', expiry: EXPIRY, strike: 24_000, right: 'CE', side: 'BUY', quantity: Q }];

test('allows a condor within every limit and reserves its charge against the bucket', () => {
  const r = preTrade(ready(settings()), { legs: condorLegs(), bucket: 'weekly' }, NOW + 1000);
  assert.deepEqual(r.decision.reasons, []);
  assert.equal(r.decision.allow, true);
  assert.equal(r.decision.charge?.maxLoss, 9_945);
  assert.equal(r.decision.charge?.margin, 59_800);
  assert.ok(r.decision.postTrade && r.decision.postTrade.vega < 0);
});

const denials: Array<[string, RiskSettings, Leg[], string]> = [
  ['DELTA_LIMIT', settings({ limits: { deltaTotal: 4000, deltaUnderlying: 4000 } }), nakedCall, 'a 65-unit ATM call moves ~₹7,800 per 1 %'],
  ['VEGA_LIMIT', settings({ limits: { vegaTotal: 1 } }), condorLegs(), ''],
  ['GAMMA_LIMIT', settings({ limits: { gammaTotal: 1 } }), condorLegs(), ''],
  ['THETA_LIMIT', settings({ limits: { thetaTotal: 1 } }), condorLegs(), ''],
  ['STRESS_LOSS', settings({ limits: { stress: 100 } }), condorLegs(), ''],
  ['BUCKET_EXHAUSTED', settings({ buckets: { weekly: 0.05, monthly: 0.3, intraday: 0.2 } }), condorLegs(), '5 % = 50 000 < 59 800'],
  ['CAPITAL_AT_RISK', settings({ maxCapitalAtRiskPct: 0.005 }), condorLegs(), '5 000 < 9 945'],
  ['MARGIN', settings({ maxMarginPct: 0.05 }), condorLegs(), '50 000 < 59 800'],
];
for (const [reason, s, legs, why] of denials) {
  test(`denies with ${reason} when only that limit is too tight ${why}`, () => {
    const r = preTrade(ready(s), { legs, bucket: 'weekly' }, NOW + 1000);
    assert.equal(r.decision.allow, false);
    assert.deepEqual(r.decision.reasons, [reason], r.decision.details.join('; '));
    assert.ok(r.decision.details[0]?.startsWith('expected'));
  });
}

test('denies with DAILY_LOSS once the day loss reached the limit', () => {
  const r = preTrade(ready(settings(), condorBook({ realisedPnlDay: -25_000 })), { legs: condorLegs(), bucket: 'monthly' }, NOW + 1000);
  assert.ok(r.decision.reasons.includes('DAILY_LOSS'));
});

test('denies with TRADING_HALTED unless the kill switch said NORMAL (unknown fails closed)', () => {
  const unknown = assess(initialRiskState(settings()), { cycleId: 'c1', snapshot: snapshot(), surface: surface(), book: emptyBook() }).state;
  assert.deepEqual(preTrade(unknown, { legs: condorLegs(), bucket: 'weekly' }, NOW).decision.reasons, ['TRADING_HALTED']);
  const degraded = onKillswitchChanged(unknown, 'DEGRADED');
  assert.deepEqual(preTrade(degraded, { legs: condorLegs(), bucket: 'weekly' }, NOW).decision.reasons, ['TRADING_HALTED']);
});

test('denies with STALE_SURFACE when the surface is old, missing, or cannot value a leg', () => {
  const s = ready(settings());
  assert.deepEqual(preTrade(s, { legs: condorLegs(), bucket: 'weekly' }, NOW + 16_000).decision.reasons, ['STALE_SURFACE']);
  const fresh = onKillswitchChanged(initialRiskState(settings()), 'NORMAL');
  assert.deepEqual(preTrade(fresh, { legs: condorLegs(), bucket: 'weekly' }, NOW).decision.reasons, ['STALE_SURFACE']);
  const other = condorLegs().map((l) => ({ ...l, expiry: '2026-01-20' }));
  assert.deepEqual(preTrade(s, { legs: other, bucket: 'weekly' }, NOW).decision.reasons, ['STALE_SURFACE']);
});

test('surface age is judged in wall time: market age divided by the clock speed', () => {
  const s = ready(settings());
  // 30 s of market time at SIM_SPEED 600 is 50 ms of wall time: fresh.
  assert.equal(preTrade(s, { legs: condorLegs(), bucket: 'weekly' }, NOW + 30_000, 600).decision.allow, true);
  // 16 s of wall time at that speed is 9 600 s of market time: stale, and the detail says both.
  const old = preTrade(s, { legs: condorLegs(), bucket: 'weekly' }, NOW + 16_000 * 600, 600).decision;
  assert.deepEqual(old.reasons, ['STALE_SURFACE']);
  assert.match(old.details.join('; '), /was 16000 ms \(9600000 ms of market time at 600× speed\)/);
  assert.throws(() => preTrade(s, { legs: condorLegs(), bucket: 'weekly' }, NOW, 0), /expected a positive clock speed, was 0/);
});

test('a trade that reduces an exceeded greek is not denied for it', () => {
  // Book already holds the naked call (delta over the limit); selling it back lowers |delta|.
  const s = settings({ limits: { deltaTotal: 4000, deltaUnderlying: 4000 } });
  const book = { ...emptyBook(), positions: [{ instrumentKey: key(24_000, 'CE'), quantity: Q, averagePrice: 100, realisedPnl: 0, structureId: null, underlying: 'NIFTY' as const, expiry: EXPIRY, strike: 24_000, right: 'CE' as const }] };
  const sell: Leg[] = [{ ...nakedCall[0]!, side: 'SELL' }];
  assert.equal(preTrade(ready(s, book), { legs: sell, bucket: 'intraday' }, NOW).decision.reasons.includes('DELTA_LIMIT'), false);
});

test('a re-check of the same order group replaces its reservation instead of stacking; a denied re-check drops it', () => {
  // weekly 0.1 = 100 000: one condor (59 800) fits, two do not.
  const s = ready(settings({ buckets: { weekly: 0.1, monthly: 0.3, intraday: 0.2 } }));
  const first = preTrade(s, { legs: condorLegs(), bucket: 'weekly', ref: 'p1' }, NOW);
  assert.equal(first.decision.allow, true);
  // The executor asks again before sending (by ref, or with the identical legs and prices): still allowed, one reservation.
  const again = preTrade(first.state, { legs: condorLegs(), bucket: 'weekly', ref: 'p1' }, NOW);
  assert.equal(again.decision.allow, true, again.decision.details.join('; '));
  assert.equal(again.state.reserved.length, 1);
  const byLegs1 = preTrade(s, { legs: condorLegs(), bucket: 'weekly' }, NOW);
  const byLegs2 = preTrade(byLegs1.state, { legs: condorLegs(), bucket: 'weekly' }, NOW);
  assert.equal(byLegs2.decision.allow, true);
  assert.equal(byLegs2.state.reserved.length, 1);
  // Different prices are a different group: it stacks and is refused.
  const repriced = condorLegs().map((l) => ({ ...l, limitPrice: (l.limitPrice ?? 50) + 1 }));
  assert.deepEqual(preTrade(byLegs2.state, { legs: repriced, bucket: 'weekly' }, NOW).decision.reasons, ['BUCKET_EXHAUSTED']);
  // A re-check denied (here: the kill switch left NORMAL) releases the group's reservation.
  const denied = preTrade(onKillswitchChanged(first.state, 'DEGRADED'), { legs: condorLegs(), bucket: 'weekly', ref: 'p1' }, NOW);
  assert.equal(denied.decision.allow, false);
  assert.equal(denied.state.reserved.length, 0);
});

test('a re-check of a working proposal counts only what has not filled: its filled wings and its structure are in the book already', () => {
  // The condor's saga has filled its two wings (legs 0 and 3) when it re-checks before its two shorts. The book
  // holds the wings and lists the structure opening with all four legs.
  const wings = condorBook().positions.filter((p) => p.quantity > 0);
  const opening = { ...condorBook().structures[0]!, id: 'S-p1', status: 'opening' as const };
  const book = { ...emptyBook(), positions: wings.map((p) => ({ ...p, structureId: 'S-p1' })), structures: [opening],
    working: [{ proposalId: 'p1', structureId: 'S-p1', bucket: 'weekly' as const, riskIncreasing: true, legs: condorLegs(), filled: [Q, 0, 0, Q] }] };
  // weekly 0.1 = 100 000: the structure's own charge (59 800) uses it; the same condor again would not fit.
  const s = ready(settings({ buckets: { weekly: 0.1, monthly: 0.3, intraday: 0.2 } }), book);
  assert.equal(s.last?.report.buckets.find((b) => b.bucket === 'weekly')?.used, 59_800);
  const again = preTrade(s, { legs: condorLegs(), bucket: 'weekly', ref: 'p1' }, NOW);
  assert.deepEqual(again.decision.reasons, [], again.decision.details.join('; '));
  // After the trade the book is the condor, once: the same greeks and stress as the condor assessed as held.
  const held = ready(settings(), condorBook()).last!.report;
  close(again.decision.postTrade!.vega, held.total.vega, 1e-9, 'post-trade vega');
  close(again.decision.postTrade!.delta, held.total.delta, 1e-9, 'post-trade delta');
  close(again.decision.stress!.loss, held.stress.loss, 1e-9, 'post-trade worst stress loss');
  // The wings held, alone, lose less than the condor in the worst cell: the shorts are what the check adds.
  assert.ok(again.decision.stress!.before < held.stress.loss);
  // Another proposal, or the same one asked before its saga started (not in the book's working list), counts whole,
  // and the shorts p1 has still to sell count before it: the book it would join is the condor, not the wings alone.
  const other = preTrade(s, { legs: condorLegs(), bucket: 'weekly', ref: 'p2' }, NOW);
  assert.deepEqual(other.decision.reasons, ['BUCKET_EXHAUSTED']);
  close(other.decision.stress!.before, held.stress.loss, 1e-9, 'worst stress loss before p2: the wings held and the shorts working');
  // A stress limit between the condor's worst loss and the one of the condor with its wings counted twice: the
  // re-check passes; counting the whole proposal on top of its own fills would not measure the condor.
  const tight = ready(settings({ limits: { stress: held.stress.loss * 1.001 } }), book);
  assert.equal(preTrade(tight, { legs: condorLegs(), bucket: 'weekly', ref: 'p1' }, NOW).decision.allow, true);
});

test('bucket accounting: reservations use headroom, capital adjust moves it, the next assessment clears reservations', () => {
  // weekly 0.1 = 100 000: one condor (59 800) fits, a second does not.
  let s = ready(settings({ buckets: { weekly: 0.1, monthly: 0.3, intraday: 0.2 } }));
  const first = preTrade(s, { legs: condorLegs(), bucket: 'weekly', ref: 'p1' }, NOW);
  assert.equal(first.decision.allow, true);
  s = first.state;
  const second = preTrade(s, { legs: condorLegs(), bucket: 'weekly', ref: 'p2' }, NOW);
  assert.deepEqual(second.decision.reasons, ['BUCKET_EXHAUSTED']);
  const adj = adjustCapital(s, { weekly: 0.2, monthly: 0.3, intraday: 0.2, who: 'admin', reason: 'more weekly room' }, NOW);
  assert.deepEqual(adj.event.previous, { weekly: 0.1, monthly: 0.3, intraday: 0.2 });
  const weekly = adj.event.buckets.find((b) => b.bucket === 'weekly')!;
  assert.equal(weekly.capital, 200_000);
  assert.equal(weekly.used, 59_800);
  assert.equal(preTrade(adj.state, { legs: condorLegs(), bucket: 'weekly' }, NOW).decision.allow, true);
  // Shrinking below use exhausts it: nothing new fits, availability floors at zero.
  const shrunk = adjustCapital(adj.state, { weekly: 0.01, monthly: 0.3, intraday: 0.2, who: 'admin', reason: 'cut' }, NOW);
  assert.equal(shrunk.event.buckets.find((b) => b.bucket === 'weekly')?.available, 0);
  assert.throws(() => adjustCapital(s, { weekly: 0.6, monthly: 0.3, intraday: 0.2, who: 'a', reason: 'too much' }, NOW), /summing to at most 1, was 1\.09/);
  // After the fills show up in the book, reservations are replaced by the structure itself.
  const next = assess(adj.state, { cycleId: 'c2', snapshot: snapshot(NOW + 3000), surface: surface(NOW + 3000), book: condorBook() }).state;
  assert.equal(next.reserved.length, 0);
  assert.equal(next.last?.report.buckets.find((b) => b.bucket === 'weekly')?.used, 59_800);
  assert.equal(next.fractions.weekly, 0.2);
});

test('a snapshot older than the last one assessed is refused as bad data; the same instant or a later one is not', () => {
  const s0 = initialRiskState(settings());
  assert.equal(olderAssessment(s0, { snapshot: snapshot(NOW - DAY_MS) }), null, 'nothing assessed yet: nothing is older');
  const a = assess(s0, { cycleId: 'c1', snapshot: snapshot(NOW, quotes), surface: surface(), book: condorBook({ realisedPnlDay: -500 }) });
  // Yesterday's snapshot after today's: assessing it would have re-based the day (a new IST date) and forgotten today's loss.
  assert.deepEqual(olderAssessment(a.state, { snapshot: snapshot(NOW - DAY_MS) }), { input: 'snapshot', ts: NOW - DAY_MS, lastTs: NOW });
  assert.deepEqual(olderAssessment(a.state, { snapshot: snapshot(NOW - 1) }), { input: 'snapshot', ts: NOW - 1, lastTs: NOW });
  assert.equal(olderAssessment(a.state, { snapshot: snapshot(NOW) }), null);
  assert.equal(olderAssessment(a.state, { snapshot: snapshot(NOW + 3000) }), null);
});
