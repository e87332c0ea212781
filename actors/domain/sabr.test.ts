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

// Independent values below: mpmath at 200 bits on the same (double) inputs, Hagan 2002 / Obloj 2008 as in quant.md §1.

test('lnRatio: ln(F/K) to a few ulps, on both sides of the series cut (|s| = 0.1) and very near the money', async () => {
  const { lnRatio } = await import('./sabr.ts');
  const cases: readonly (readonly [number, number])[] = [
    [22000, 0.087011376989629766168], [26000, -0.080042707673536425824], // series
    [18000, 0.28768207245178092744], [30000, -0.22314355131420975577], // Math.log
    [19636.363636383274, 0.20067069546115110448], [19636.363636344002, 0.20067069546315106648], // s just below / above 0.1
    // ln of the rounded quotient F/K would be off by ~1e-7 and ~1e-10 relative here.
    [24000.000024, -1.0000000348708552467e-9], [23999.976, 1.0000005000524777486e-6],
  ];
  for (const [k, want] of cases) assert.ok(rel(lnRatio(24000, k), want) <= 1e-15, `K=${k}: expected ${want}, was ${lnRatio(24000, k)}`);
  assert.equal(lnRatio(24000, 24000), 0);
});

test('β = 1 NIFTY-like smile (the hot path) matches the formula; Obloj is Hagan there, bit for bit', () => {
  const p = { alpha: 0.13, beta: 1, rho: -0.45, nu: 3.5 };
  for (const [k, want] of [[21000, 0.273401180664475022], [24000, 0.131644401683789959], [24010, 0.131314130148267009], [27000, 0.180099512373914881], [17000, 0.470202627373934581]] as const) {
    const got = sabrVol(24000, k, 7 / 365, p);
    assert.ok(rel(got, want) <= 1e-14, `K=${k}: expected ${want}, was ${got}`);
    assert.equal(sabrVol(24000, k, 7 / 365, p, { obloj: true }), got);
  }
});

test('β = 0 and β = ½ (square-root branches), Hagan and Obloj', () => {
  const p0 = { alpha: 0.01, beta: 0, rho: -0.3, nu: 0.4 };
  for (const [k, hagan, obloj] of [[0.03, 0.319711721806893748, 0.319808317484953411], [0.05, 0.221388308829997062, 0.221385101045959565], [0.04, 0.257068750000000001, 0.257068750000000001]] as const) {
    assert.ok(rel(sabrVol(0.04, k, 2, p0), hagan) <= 1e-14, `β=0 Hagan K=${k}: was ${sabrVol(0.04, k, 2, p0)}`);
    assert.ok(rel(sabrVol(0.04, k, 2, p0, { obloj: true }), obloj) <= 1e-14, `β=0 Obloj K=${k}: was ${sabrVol(0.04, k, 2, p0, { obloj: true })}`);
  }
  const p5 = { alpha: 0.05, beta: 0.5, rho: -0.2, nu: 0.6 };
  for (const [k, obloj, hagan] of [[0.03, 0.310625245741919983, 0.310588600148711903], [0.05, 0.244364554827451665, 0.244358530637779187]] as const) {
    assert.ok(rel(sabrVol(0.04, k, 1.5, p5), hagan) <= 1e-14, `β=½ Hagan K=${k}: was ${sabrVol(0.04, k, 1.5, p5)}`);
    assert.ok(rel(sabrVol(0.04, k, 1.5, p5, { obloj: true }), obloj) <= 1e-14, `β=½ Obloj K=${k}: was ${sabrVol(0.04, k, 1.5, p5, { obloj: true })}`);
  }
});

test('Obloj on both sides of its sinh(u/2)/(u/2) series cut (|u/2| = 0.1)', () => {
  const p = { alpha: 0.35, beta: 0.25, nu: 1, rho: 0.25 };
  const cases = [
    [0.7659794019559738, 0.448302695036749859, 0.448252588313697209], // u/2 = 0.099975
    [0.7659028078455475, 0.448329544926514407, 0.44827935020280163], // u/2 = 0.1000125
    [1.3055181346214282, 0.435030092784694828, 0.434891357581873677], // u/2 = −0.099975
    [1.3056486929626985, 0.435047479495451531, 0.434908576497650822], // u/2 = −0.1000125
  ] as const;
  for (const [k, obloj, hagan] of cases) {
    assert.ok(rel(sabrVol(1, k, 2, p, { obloj: true }), obloj) <= 1e-14, `Obloj K=${k}: was ${sabrVol(1, k, 2, p, { obloj: true })}`);
    assert.ok(rel(sabrVol(1, k, 2, p), hagan) <= 1e-14, `Hagan K=${k}: was ${sabrVol(1, k, 2, p)}`);
  }
});

test('SabrSmile equals sabrVol bit for bit at β = 0, ½, 0.3 and 1, Hagan and Obloj, wings included', async () => {
  const { SabrSmile } = await import('./sabr.ts');
  const strikes = [12000, 19000, 19636.363636383274, 23990, 24000, 24010, 26000, 30000, 48000];
  for (const beta of [0, 0.5, 0.3, 1]) {
    for (const obloj of [false, true]) {
      const p = { alpha: 0.2 * Math.pow(24000, 1 - beta), beta, rho: -0.35, nu: 1.7 };
      const out = new Float64Array(strikes.length);
      new SabrSmile(24000, 0.05, beta, strikes, { obloj }).vols(p.alpha, p.rho, p.nu, out);
      strikes.forEach((k, i) => assert.equal(out[i], sabrVol(24000, k, 0.05, p, { obloj }), `β=${beta} obloj=${obloj} K=${k}`));
    }
  }
});
