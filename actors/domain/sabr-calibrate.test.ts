/**
 * @module SABR calibration: QuantLib's case C1, recovery of known (α, ρ, ν) from synthetic NIFTY smiles with and
 * without (seeded) noise, and input validation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sabrVol } from './sabr.ts';
import { calibrateSabr } from './sabr-calibrate.ts';
import { mulberry32 as rng } from '../../test/fixtures/mulberry32.ts';


test('recovers QuantLib case C1 (α .3, β .6 fixed, ν .02, ρ .01) within 5e-8', () => {
  // quant.md §2.5 C1: QuantLib interpolations.cpp l.1424–1525, 31 vols of #30
  const strikes = Array.from({ length: 31 }, (_, i) => 0.03 + 0.002 * i);
  const truth = { alpha: 0.3, beta: 0.6, nu: 0.02, rho: 0.01 };
  const vols = strikes.map((k) => sabrVol(0.039, k, 1, truth));
  const fit = calibrateSabr({ forward: 0.039, t: 1, strikes, vols }, null, { beta: 0.6 });
  assert.ok(fit.converged, 'converged');
  for (const key of ['alpha', 'rho', 'nu'] as const) {
    assert.ok(Math.abs(fit.params[key] - truth[key]) <= 5e-8, `${key}: expected ${truth[key]}, was ${fit.params[key]}`);
  }
  assert.ok(fit.rmse < 1e-10, `rmse ${fit.rmse}`);
});

const F = 24000;
const strikes41 = Array.from({ length: 41 }, (_, i) => 23000 + 50 * i);

test('recovers known (α, ρ, ν) from exact synthetic weekly and monthly smiles', () => {
  for (const [t, truth] of [[7 / 365, { alpha: 0.13, beta: 1, rho: -0.55, nu: 4.5 }], [35 / 365, { alpha: 0.15, beta: 1, rho: -0.35, nu: 1.6 }], [2 / 365, { alpha: 0.11, beta: 1, rho: -0.2, nu: 7 }]] as const) {
    const vols = strikes41.map((k) => sabrVol(F, k, t, truth));
    const fit = calibrateSabr({ forward: F, t, strikes: strikes41, vols }, null, {});
    for (const key of ['alpha', 'rho', 'nu'] as const) {
      assert.ok(Math.abs(fit.params[key] / truth[key] - 1) <= 1e-6, `t=${t} ${key}: expected ${truth[key]}, was ${fit.params[key]}`);
    }
    assert.ok(fit.converged && fit.maxErrorVolPts < 1e-8, `t=${t}: maxError ${fit.maxErrorVolPts} vol pts`);
  }
});

test('with 0.2 vol-point noise the fit stays close to the truth and the rmse reflects the noise', () => {
  const t = 14 / 365;
  const truth = { alpha: 0.14, beta: 1, rho: -0.5, nu: 3 };
  const u = rng(7);
  const vols = strikes41.map((k) => sabrVol(F, k, t, truth) + 0.002 * (u() - 0.5) * 2);
  const fit = calibrateSabr({ forward: F, t, strikes: strikes41, vols }, null, {});
  assert.ok(Math.abs(fit.params.alpha - truth.alpha) < 0.003, `alpha ${fit.params.alpha}`);
  assert.ok(Math.abs(fit.params.rho - truth.rho) < 0.1, `rho ${fit.params.rho}`);
  assert.ok(Math.abs(fit.params.nu / truth.nu - 1) < 0.1, `nu ${fit.params.nu}`);
  assert.ok(fit.rmseVolPts > 0.03 && fit.rmseVolPts < 0.2, `rmse ${fit.rmseVolPts} vol pts`);
});

test('respects the ν cap and the ρ bound', () => {
  const t = 7 / 365;
  const vols = strikes41.map((k) => sabrVol(F, k, t, { alpha: 0.13, beta: 1, rho: -0.55, nu: 6 }));
  const fit = calibrateSabr({ forward: F, t, strikes: strikes41, vols }, null, { nuCap: 3, rhoCap: 0.9 });
  assert.ok(fit.params.nu <= 3 && Math.abs(fit.params.rho) <= 0.9, `nu ${fit.params.nu}, rho ${fit.params.rho}`);
  assert.ok(fit.rmseVolPts > 0, 'a capped fit cannot be exact');
});

test('rejects too few points and bad vols', () => {
  assert.throws(() => calibrateSabr({ forward: F, t: 0.1, strikes: [24000, 24100], vols: [0.1, 0.1] }, null), /expected >= 3 strikes/);
  assert.throws(() => calibrateSabr({ forward: F, t: 0.1, strikes: [23900, 24000, 24100], vols: [0.1, Number.NaN, 0.1] }, null), /vol > 0 at index 1/);
});
