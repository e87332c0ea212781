/**
 * @module SABR vols against QuantLib / pysabr vectors (quant.md §2.4), Obloj values, ATM continuity, flat limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sabrAlphaFromAtm, sabrVol } from './sabr.ts';

function rel(a: number, b: number): number { return Math.abs(a / b - 1); }

test('Hagan vols match QuantLib interpolations.cpp to 1e-12', () => {
  // quant.md #30: QuantLib test-suite/interpolations.cpp l.1371–1423
  const p = { alpha: 0.3, beta: 0.6, nu: 0.02, rho: 0.01 };
  for (const [k, v] of [[0.03, 1.16725837321531], [0.04, 1.10145609357162], [0.05, 1.05226642581503], [0.06, 1.01326171139321], [0.09, 0.930289384251337]] as const) {
    const got = sabrVol(0.039, k, 1, p);
    assert.ok(Math.abs(got - v) <= 1e-12, `K=${k}: expected ${v}, was ${got}`);
  }
});

test('shifted-SABR vectors from pysabr', () => {
  // quant.md #31: pysabr tests/.../test_interpolation.py l.6–18 (shift .03 applied to k and f)
  const v31 = sabrVol(0.0252715567337258 + 0.03, 0.0302715567337258 + 0.03, 10, { alpha: 0.0252982247897366, beta: 0.5, rho: -0.246333975445481, nu: 0.290846563252973 });
  assert.ok(rel(v31, 0.108917434151064) <= 1e-7, `expected 0.108917434151064, was ${v31}`);
  // quant.md #32: pysabr README l.60–67
  const v32 = sabrVol(0.025 + 0.03, 0.02 + 0.03, 1, { alpha: 0.025, beta: 0.5, rho: -0.24, nu: 0.29 });
  assert.ok(Math.abs(v32 - 0.11408307) <= 1e-8, `expected 0.11408307, was ${v32}`);
});

test('Hagan and Obloj values at β = 0.25 and the QuantLib low-strike Obloj value', () => {
  // quant.md #35 (QuantLib l.2306 inputs; Hagan/Obloj digits [computed]) and §1 Obloj example at K = 0.06.
  const p = { alpha: 0.35, beta: 0.25, nu: 1, rho: 0.25 };
  const hagan = [0.408702473958, 0.461028783357, 0.598537510437];
  const obloj = [0.408702473958, 0.461549605509, 0.600515262624];
  [1, 1.5, 0.5].forEach((k, i) => {
    assert.ok(Math.abs(sabrVol(1, k, 2, p) - hagan[i]!) <= 1e-11, `Hagan K=${k}`);
    assert.ok(Math.abs(sabrVol(1, k, 2, p, { obloj: true }) - obloj[i]!) <= 1e-11, `Obloj K=${k}: was ${sabrVol(1, k, 2, p, { obloj: true })}`);
  });
  const o = sabrVol(0.039, 0.06, 1, { alpha: 0.3, beta: 0.6, nu: 0.02, rho: 0.01 }, { obloj: true });
  assert.ok(Math.abs(o - 1.01326179549) <= 1e-10, `expected 1.01326179549, was ${o}`);
});

test('ATM value matches the closed form and is continuous through K = F (no 0/0)', () => {
  // quant.md #34: QuantLib l.2259 ATM F=1.1 α=.35 β=.3 ν=1.1 ρ=.25 T=2.1 → 0.3963883944
  const p = { alpha: 0.35, beta: 0.3, nu: 1.1, rho: 0.25 };
  const atm = sabrVol(1.1, 1.1, 2.1, p);
  assert.ok(Math.abs(atm - 0.396388394468) <= 1e-11, `expected 0.396388394468, was ${atm}`);
  for (const opts of [{}, { obloj: true }]) {
    for (const dk of [1e-12, 1e-9, 1e-6, 1e-4]) {
      const up = sabrVol(1.1, 1.1 * (1 + dk), 2.1, p, opts);
      const down = sabrVol(1.1, 1.1 * (1 - dk), 2.1, p, opts);
      assert.ok(Number.isFinite(up) && Number.isFinite(down), 'finite near the money');
      // The smile slope is O(1), so the vols may differ by at most a few times dk from the ATM value.
      assert.ok(Math.abs(up - atm) <= 5 * dk && Math.abs(down - atm) <= 5 * dk, `dk=${dk}: ${down}, ${atm}, ${up}`);
    }
  }
});

test('β = 1 with ν → 0 is flat at α', () => {
  for (const k of [18000, 22000, 24000, 26000, 32000]) {
    const v = sabrVol(24000, k, 0.25, { alpha: 0.17, beta: 1, rho: -0.6, nu: 1e-12 });
    assert.ok(Math.abs(v - 0.17) <= 1e-12, `K=${k}: expected 0.17, was ${v}`);
  }
});

test('West alpha from ATM vol matches pysabr', () => {
  // quant.md #33: pysabr test_alpha.py l.9–22
  assert.ok(rel(sabrAlphaFromAtm(0.6, 0.02, 1.5, 1, 0, 0), 0.6) <= 1e-12);
  assert.ok(rel(sabrAlphaFromAtm(0.6, 2, 1.5, 0, 0, 0), 1.17467369917) <= 1e-10);
  assert.ok(rel(sabrAlphaFromAtm(0.2, 0.015, 10, 0.5, -0.2, 0.3), 0.0231071350727) <= 1e-10);
  // round trip: the α found reprices the ATM vol exactly
  for (const [beta, rho, nu] of [[1, -0.5, 3], [0.5, 0.3, 0.8], [0.2, -0.9, 1.5]] as const) {
    const alpha = sabrAlphaFromAtm(0.15, 24000, 0.1, beta, rho, nu);
    const back = sabrVol(24000, 24000, 0.1, { alpha, beta, rho, nu });
    assert.ok(rel(back, 0.15) <= 1e-13, `β=${beta}: expected 0.15, was ${back}`);
  }
});

test('rejects invalid parameters with an expected/was message', () => {
  assert.throws(() => sabrVol(100, 100, 1, { alpha: 0.2, beta: 1, rho: 1, nu: 1 }), /expected alpha > 0/);
  assert.throws(() => sabrVol(0, 100, 1, { alpha: 0.2, beta: 1, rho: 0, nu: 1 }), /expected forward, strike > 0, was 0, 100/);
});

test('SabrSmile (the calibration fast path) equals sabrVol strike by strike, Hagan and Obloj', async () => {
  const { SabrSmile } = await import('./sabr.ts');
  const strikes = [0.03, 0.039, 0.05, 0.07, 0.09];
  for (const [beta, obloj] of [[0.6, false], [0.6, true], [1, false]] as const) {
    const p = { alpha: 0.3, beta, rho: -0.2, nu: 0.5 };
    const out = new Float64Array(strikes.length);
    new SabrSmile(0.039, 1.5, beta, strikes, { obloj }).vols(p.alpha, p.rho, p.nu, out);
    strikes.forEach((k, i) => assert.ok(Math.abs(out[i]! - sabrVol(0.039, k, 1.5, p, { obloj })) <= 1e-15, `β=${beta} obloj=${obloj} K=${k}`));
  }
});
