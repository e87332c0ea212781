/**
 * @module Calibrator core on hand-built snapshots: recovery, quote filtering, fallbacks, broker cross-check, calendar.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CALIBRATOR_SETTINGS as CFG } from './config.ts';
import { calibrateSnapshot, calendarWarnings, firstConvexityViolation, interpolateMissing, type ExpiryFitResult } from './core.ts';
import { buildSnapshot, fullMarketSpecs, SNAPSHOT_TS, type ChainSpec } from '../../test/fixtures/quant/snapshot.ts';
import { varianceClock } from '../domain/variance-clock.ts';

const weekly: ChainSpec = { underlying: 'NIFTY', expiry: '2026-01-13', minutesToExpiry: 8 * 1440, forward: 24030, step: 50, count: 41, params: { alpha: 0.13, beta: 1, rho: -0.45, nu: 3.5 } };

test('fits every expiry of a full market close to the generating SABR parameters', () => {
  const surface = calibrateSnapshot(buildSnapshot(fullMarketSpecs()), CFG);
  assert.equal(surface.cycleId, 'c-1');
  assert.equal(surface.expiries.length, 6);
  fullMarketSpecs().forEach((spec, i) => {
    const fit = surface.expiries[i]!;
    assert.equal(fit.fallback, false, `${spec.expiry}: ${fit.fallbackReason}`);
    assert.ok(Math.abs(fit.forward / spec.forward - 1) < 2e-5, `${spec.expiry} forward: expected ${spec.forward}, was ${fit.forward}`);
    assert.equal(fit.t, varianceClock().yearsToExpiry(SNAPSHOT_TS, SNAPSHOT_TS + spec.minutesToExpiry * 60_000));
    // Quotes are tick-rounded, so the fit is close, not exact.
    assert.ok(Math.abs(fit.params!.alpha / spec.params.alpha - 1) < 0.03, `${spec.expiry} alpha ${fit.params!.alpha}`);
    assert.ok(fit.rmseVolPts < 0.5, `${spec.expiry} rmse ${fit.rmseVolPts}`);
    assert.equal(fit.vols.length, spec.count);
  });
});

test('drops zero-bid quotes and flags a fallback when too few remain', () => {
  const zeroBid = Array.from({ length: 41 }, (_, i) => i).filter((i) => i !== 20 && i !== 21);
  const surface = calibrateSnapshot(buildSnapshot([{ ...weekly, zeroBid }]), CFG);
  const fit = surface.expiries[0]!;
  assert.equal(fit.fallback, true);
  assert.match(fit.fallbackReason ?? '', /expected >= 5 usable quotes, was \d/);
  assert.equal(fit.params, null);
  // Fallback vols: market IV where present, interpolated/flat elsewhere.
  assert.ok(fit.vols.every((v) => Number.isFinite(v)), 'every strike gets a vol');
});

test('a fit whose rmse is over the threshold (forced with a negative threshold) falls back to per-strike Black IV, flagged', () => {
  const surface = calibrateSnapshot(buildSnapshot([weekly]), { ...CFG, maxRmseVolPts: -1 });
  const fit = surface.expiries[0]!;
  assert.equal(fit.fallback, true);
  assert.match(fit.fallbackReason ?? '', /expected rmse <= -1 vol pts, was /);
  for (let i = 0; i < fit.strikes.length; i++) {
    if (Number.isFinite(fit.marketIv[i]!)) assert.equal(fit.vols[i], fit.marketIv[i]);
  }
});

test('reports broker-IV divergence in vol points', () => {
  const surface = calibrateSnapshot(buildSnapshot([{ ...weekly, brokerIvOffset: 0.02 }]), CFG);
  const d = surface.expiries[0]!.brokerIvDivergenceVolPts;
  assert.ok(d !== undefined && d > 1 && d < 3.5, `expected ≈2 vol pts, was ${d}`);
  // The broker's IVs sit 2 vol pts above ours everywhere: the median gap over the liquid strikes is ≈ 2, with evidence.
  const b = surface.expiries[0]!.brokerDivergence;
  assert.ok(b !== undefined && b.medianVolPts > 1.5 && b.medianVolPts < 2.5 && b.strikes >= 3, JSON.stringify(b));
  assert.ok(Math.abs((b.broker - b.ours) * 100 - b.maxVolPts) < 1e-9, 'the evidence strike is the worst one');
});

test('no broker-IV divergence within an expiry\'s last trading day: the gap there is the two clocks, not the surface', () => {
  // The same broker offset, the expiry 3 hours of session away (SNAPSHOT_TS is in session): under one trading day of
  // variance time, where a calendar-time IV and a trading-time one part by how each counts the hours left.
  const last = calibrateSnapshot(buildSnapshot([{ ...weekly, minutesToExpiry: 180, brokerIvOffset: 0.02 }]), CFG).expiries[0]!;
  assert.ok(last.t > 0 && last.t < 1 / varianceClock().unitsPerYear, `t ${last.t}`);
  assert.equal(last.brokerDivergence, undefined);
  assert.equal(last.brokerIvDivergenceVolPts, undefined);
  // Two days out the check runs as before.
  const two = calibrateSnapshot(buildSnapshot([{ ...weekly, minutesToExpiry: 2 * 1440, brokerIvOffset: 0.02 }]), CFG).expiries[0]!;
  assert.ok(two.brokerDivergence !== undefined && two.brokerDivergence.medianVolPts > 1.5, JSON.stringify(two.brokerDivergence));
});

test('no forward and no spot: fallback with a reason, not a throw', () => {
  const snap = buildSnapshot([{ ...weekly, zeroBid: Array.from({ length: 41 }, (_, i) => i) }]);
  const surface = calibrateSnapshot({ ...snap, spots: [] }, CFG);
  assert.match(surface.expiries[0]!.fallbackReason ?? '', /no forward/);
});

test('calendar check flags total variance that decreases with expiry', () => {
  const mk = (expiry: string, t: number, vol: number): ExpiryFitResult => ({
    underlying: 'NIFTY', expiry, expiryTs: 0, t, forward: 100, params: null, rmseVolPts: 0, maxErrorVolPts: 0, iterations: 0,
    converged: true, fallback: false, strikes: Float64Array.from([90, 100, 110]), marketIv: new Float64Array(3),
    vols: new Float64Array(3).fill(vol), warnings: [], usedQuotes: 3,
  });
  assert.equal(calendarWarnings([mk('a', 0.02, 0.2), mk('b', 0.04, 0.15)]).size, 0);
  const w = calendarWarnings([mk('a', 0.02, 0.2), mk('b', 0.04, 0.1)]);
  assert.match(w.get(1) ?? '', /total variance decreases from a to b/);
});

test('convexity check catches a kinked vol curve and passes a smooth one', () => {
  const strikes = Float64Array.from([23800, 23900, 24000, 24100, 24200]);
  assert.equal(firstConvexityViolation(24000, 0.02, strikes, new Float64Array(5).fill(0.13)), null);
  const at = firstConvexityViolation(24000, 0.02, strikes, Float64Array.from([0.13, 0.13, 0.02, 0.13, 0.13]));
  assert.ok(at === 23900 || at === 24000, `expected a violation next to the kink, was ${at}`);
});

test('interpolateMissing fills gaps linearly and extrapolates flat', () => {
  const out = interpolateMissing(Float64Array.from([1, 2, 3, 4, 5]), Float64Array.from([Number.NaN, 0.2, Number.NaN, 0.4, Number.NaN]));
  assert.deepEqual([...out], [0.2, 0.2, 0.30000000000000004, 0.4, 0.4]);
});
