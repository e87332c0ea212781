/**
 * @module Black-76 against published vectors (quant.md §2), 40-digit mpmath references, parity and finite differences.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { black76Greeks, black76Price, toDisplayGreeks, type OptionType } from './black76.ts';
import { normalisedBlackOtm } from './normalised-black.ts';
import { normCdf, normPdf } from './normal.ts';

function close(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: expected ${expected}, was ${actual} (tol ${tol})`);
}

test('undiscounted ATM call matches py_lets_be_rational to 1e-12', () => {
  // quant.md #5: py_lets_be_rational tests/test_public_functions.py l.17–26
  close(black76Price('call', 100, 100, 0.5, 0, 0.2), 5.637197779701664, 1e-12, 'price');
});

test('discounted ATM call matches py_vollib', () => {
  // quant.md #6: py_vollib black/implied_volatility.py l.76–93
  close(black76Price('call', 100, 100, 0.5, 0.02, 0.2), 5.5811067246, 1e-5, 'price');
});

test('normalised Black put/call match Jäckel test values', () => {
  // quant.md #7: py_lets_be_rational tests l.53–70; x = ln(100/95) > 0 so the put is OTM at x and the call is ITM.
  const x = Math.log(100 / 95);
  const s = 0.3 * Math.sqrt(0.5);
  const put = normalisedBlackOtm(-x, s);
  close(put, 0.061296663817558904, 1e-15, 'normalised put');
  // The ITM call through the price function: √(FK)·b with F = 100, K = 95.
  close(black76Price('call', 100, 95, 0.5, 0, 0.3) / Math.sqrt(100 * 95), 0.11259558142181655, 1e-15, 'normalised call');
});

test('Black-76 greeks match py_vollib analytical values (call and put)', () => {
  // quant.md #15/#16: py_vollib black/greeks/analytical.py l.75–267; F=49 K=50 r=.05 T=.3846 σ=.2
  const c = toDisplayGreeks(black76Greeks('call', 49, 50, 0.3846, 0.05, 0.2));
  close(c.price, 1.94241757825, 1e-9, 'call price');
  close(c.delta, 0.45107017482201828, 1e-6, 'call delta');
  close(c.gamma, 0.0640646705882, 1e-6, 'call gamma');
  close(c.vegaPerVolPoint, 0.118317785624, 1e-6, 'call vega/100');
  close(c.thetaPerDay, -0.00816236877462, 1e-6, 'call theta/365');
  close(c.rhoPerRatePoint, -0.0074705380059582258, 1e-6, 'call rho/100');
  const p = toDisplayGreeks(black76Greeks('put', 49, 50, 0.3846, 0.05, 0.2));
  close(p.price, 2.92337129519, 1e-9, 'put price');
  close(p.delta, -0.529883542118, 1e-6, 'put delta');
  close(p.thetaPerDay, -0.00802799155312, 1e-6, 'put theta/365');
  close(p.rhoPerRatePoint, -0.011243286001308292, 1e-6, 'put rho/100');
});

interface RefRow { forward: number; strike: number; t: number; rate: number; vol: number; call: string; put: string }

test('prices match 40-digit references to 1e-12 relative for every quotable premium, wings and minutes included', () => {
  const url = new URL('../../test/fixtures/quant/black76-reference.json', import.meta.url);
  const rows = (JSON.parse(readFileSync(url, 'utf8')) as { rows: RefRow[] }).rows;
  let checked = 0;
  for (const r of rows) {
    for (const type of ['call', 'put'] as OptionType[]) {
      const exact = Number(type === 'call' ? r.call : r.put);
      if (exact < 1e-300) continue;
      const got = black76Price(type, r.forward, r.strike, r.t, r.rate, r.vol);
      const rel = Math.abs(got / exact - 1);
      // Quotable premiums (≥ one ₹0.05 tick): 1e-12; far below a tick we still ask for 1e-10.
      const tol = exact >= 0.05 ? 1e-12 : 1e-10;
      assert.ok(rel <= tol, `${type} K=${r.strike} t=${r.t} vol=${r.vol}: expected ${exact}, was ${got} (rel ${rel})`);
      checked++;
    }
  }
  assert.ok(checked > 500, `expected the grid to exercise > 500 prices, was ${checked}`);
});

test('put-call parity C − P = D·(F − K) holds over a dense grid', () => {
  for (const t of [10 / 525600, 1 / 365, 30 / 365, 1]) {
    for (const vol of [0.05, 0.2, 0.9]) {
      for (let k = 18000; k <= 30000; k += 250) {
        const c = black76Price('call', 24000, k, t, 0.06, vol);
        const p = black76Price('put', 24000, k, t, 0.06, vol);
        const expected = Math.exp(-0.06 * t) * (24000 - k);
        close(c - p, expected, 1e-9 * 24000, `parity K=${k} t=${t} vol=${vol}`);
      }
    }
  }
});

test('greeks agree with central finite differences', () => {
  const F = 24000;
  for (const [K, t, vol] of [[23500, 7 / 365, 0.14], [24800, 30 / 365, 0.18], [22000, 0.5, 0.25], [24000, 2 / 365, 0.1]] as const) {
    for (const type of ['call', 'put'] as OptionType[]) {
      const r = 0.065;
      const g = black76Greeks(type, F, K, t, r, vol);
      const hF = F * 1e-5, hV = 1e-5, hT = t * 1e-5, hR = 1e-6;
      const v = (f: number, tt: number, rr: number, vv: number): number => black76Price(type, f, K, tt, rr, vv);
      const scale = Math.max(g.price, 1);
      close(g.delta, (v(F + hF, t, r, vol) - v(F - hF, t, r, vol)) / (2 * hF), 1e-7, `${type} ${K} delta`);
      close(g.gamma, (v(F + hF, t, r, vol) - 2 * g.price + v(F - hF, t, r, vol)) / (hF * hF), 1e-6 * Math.max(g.gamma, 1e-6), `${type} ${K} gamma`);
      close(g.vega, (v(F, t, r, vol + hV) - v(F, t, r, vol - hV)) / (2 * hV), 1e-6 * scale, `${type} ${K} vega`);
      close(g.theta, -(v(F, t + hT, r, vol) - v(F, t - hT, r, vol)) / (2 * hT), 1e-5 * scale, `${type} ${K} theta`);
      close(g.rho, (v(F, t, r + hR, vol) - v(F, t, r - hR, vol)) / (2 * hR), 1e-6 * scale, `${type} ${K} rho`);
    }
  }
});

test('rejects impossible inputs with an expected/was message', () => {
  assert.throws(() => black76Price('call', -1, 100, 1, 0, 0.2), /expected forward > 0, was -1/);
  assert.throws(() => black76Price('call', 100, 100, -1, 0, 0.2), /expected t >= 0/);
  assert.throws(() => black76Greeks('put', 100, 100, 1, 0, Number.NaN), /expected vol >= 0, was NaN/);
});

test('at expiry the price is discounted intrinsic and time greeks vanish', () => {
  const g = black76Greeks('put', 100, 110, 0, 0.05, 0.2);
  assert.equal(g.price, 10);
  assert.equal(g.delta, -1);
  assert.equal(g.gamma, 0);
  assert.equal(g.vega, 0);
});

test('price+greeks (one shared exp) equal the textbook Φ(d1)/φ(d1) forms over a dense grid incl. wings and minutes', () => {
  // Independent path: normCdf/normPdf of d1 (Cody erfc with the split exponent) instead of φ(d1) = v·√(K/F) and
  // Φ(−|d1|) = φ(d1)·Y(−|d1|). Agreement to 1e-12 relative (the exp argument's rounding bounds it near 1e-13 at |d1| ≈ 30).
  const F = 24000;
  const r = 0.065;
  let checked = 0;
  for (const minutes of [3, 60, 1440, 7 * 1440, 90 * 1440, 730 * 1440]) {
    const t = minutes / 525600;
    for (const vol of [0.03, 0.15, 0.6, 2]) {
      const s = vol * Math.sqrt(t);
      for (let m = -9; m <= 9; m += 0.37) {
        const K = F * Math.exp(m * s);
        // ln(F/K) to full accuracy: log1p of the exact F − K near the money, log of the ratio far from it.
        const lnFK = Math.abs(F - K) < 0.5 * K ? Math.log1p((F - K) / K) : Math.log(F / K);
        const d1 = lnFK / s + 0.5 * s;
        const D = Math.exp(-r * t);
        const pdf = normPdf(d1);
        for (const type of ['call', 'put'] as OptionType[]) {
          const g = black76Greeks(type, F, K, t, r, vol);
          const delta = type === 'call' ? D * normCdf(d1) : -D * normCdf(-d1);
          const rel = (a: number, b: number): number => (a === b ? 0 : Math.abs(a / b - 1));
          assert.ok(rel(g.delta, delta) <= 1e-12, `${type} m=${m} t=${t} vol=${vol} delta: expected ${delta}, was ${g.delta}`);
          assert.ok(rel(g.gamma, (D * pdf) / (F * s)) <= 1e-12, `${type} m=${m} t=${t} vol=${vol} gamma`);
          assert.ok(rel(g.vega, D * F * pdf * Math.sqrt(t)) <= 1e-12, `${type} m=${m} t=${t} vol=${vol} vega`);
          assert.ok(rel(g.price, black76Price(type, F, K, t, r, vol)) <= 1e-15, `${type} m=${m} t=${t} vol=${vol} price`);
          checked++;
        }
      }
    }
  }
  assert.ok(checked > 2000, `expected > 2000 cases, was ${checked}`);
});
