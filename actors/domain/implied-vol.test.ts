/**
 * @module Implied vol: Jäckel's public test values, dense round trips (wings, minutes to expiry), typed statuses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { black76Price, type OptionType } from './black76.ts';
import { readFileSync } from 'node:fs';
import { impliedVol, impliedVolOrNaN, normalisedImpliedTotalVol, type IvStats } from './implied-vol.ts';
import { normalisedBlackOtm, normalisedVega } from './normalised-black.ts';

function okVol(r: ReturnType<typeof impliedVol>): number {
  assert.equal(r.status, 'OK', `expected status OK, was ${r.status} (${r.status === 'OK' ? '' : r.reason})`);
  return r.vol as number;
}

test('recovers 0.2 from the py_lets_be_rational ATM price', () => {
  // quant.md #19: py_lets_be_rational tests l.28–38 (undiscounted Black, F = K = 100, T = .5)
  const vol = okVol(impliedVol('call', 5.637197779701664, 100, 100, 0.5, 0));
  assert.ok(Math.abs(vol - 0.2) <= 1e-12, `expected 0.2, was ${vol}`);
});

test('recovers 0.232323232 from 6.54635543387', () => {
  // quant.md #20: py_lets_be_rational tests l.40–51 (price quoted to 12 digits, hence 1e-9)
  const vol = okVol(impliedVol('call', 6.54635543387, 100, 100, 0.5, 0));
  assert.ok(Math.abs(vol - 0.232323232) <= 1e-9, `expected 0.232323232, was ${vol}`);
});

test('normalised put at x = 0.1 inverts to 0.23232323888', () => {
  // quant.md #21: py_lets_be_rational tests l.113–119; a normalised put at x is the OTM call at −x.
  const s = 0.23232323888;
  const beta = normalisedBlackOtm(-0.1, s);
  const got = normalisedImpliedTotalVol(beta, -0.1);
  assert.ok(Math.abs(got / s - 1) <= 4e-16, `expected ${s}, was ${got}`);
});

test('recovers 0.2 from the py_vollib Black-Scholes price via the forward', () => {
  // quant.md #22: S = K = 100, r = .01, T = .5, C = 5.87602423383 → F = S·e^{rT}
  const F = 100 * Math.exp(0.01 * 0.5);
  const vol = okVol(impliedVol('call', 5.87602423383, F, 100, 0.5, 0.01));
  assert.ok(Math.abs(vol - 0.2) <= 1e-5, `expected 0.2, was ${vol}`);
});

test('iv(price(σ)) = σ to machine precision over a dense grid incl. deep wings and minutes to expiry', () => {
  const F = 24000;
  let worst = 0;
  let worstCase = '';
  let maxIterations = 0;
  let cases = 0;
  let withinTwo = 0;
  for (const minutes of [3, 15, 60, 375, 1440, 7 * 1440, 30 * 1440, 365 * 1440, 730 * 1440]) {
    const t = minutes / 525600;
    for (const vol of [0.02, 0.06, 0.12, 0.25, 0.5, 1, 2.5]) {
      const s = vol * Math.sqrt(t);
      for (let m = -8; m <= 8; m += 0.25) {
        const K = F * Math.exp(m * s);
        for (const type of ['call', 'put'] as OptionType[]) {
          const price = black76Price(type, F, K, t, 0.065, vol);
          // Inside the no-arbitrage bounds with a time value the double can still resolve.
          const intrinsic = Math.max(type === 'call' ? F - K : K - F, 0) * Math.exp(-0.065 * t);
          if (!(price - intrinsic > 1e-9 * Math.max(price, 1e-300)) || price < 1e-250) continue;
          const r = impliedVol(type, price, F, K, t, 0.065);
          const got = okVol(r);
          const otm = intrinsic === 0;
          // OTM: the full premium is time value → machine precision. ITM: the time value is a difference, so the
          // attainable accuracy is the premium's ulp over the time value's vega; check the repriced premium instead.
          if (otm) {
            const rel = Math.abs(got / vol - 1);
            if (rel > worst) { worst = rel; worstCase = `${type} K=${K} t=${t} vol=${vol} price=${price}`; }
          } else {
            const repriced = black76Price(type, F, K, t, 0.065, got);
            assert.ok(Math.abs(repriced - price) <= 2e-15 * price, `ITM reprice ${type} K=${K}: expected ${price}, was ${repriced}`);
          }
          if (r.status === 'OK') {
            maxIterations = Math.max(maxIterations, r.iterations);
            if (r.iterations <= 2) withinTwo++;
          }
          cases++;
        }
      }
    }
  }
  assert.ok(cases > 5000, `expected > 5000 cases, was ${cases}`);
  assert.ok(worst <= 2e-14, `expected relative error <= 2e-14, was ${worst} at ${worstCase}`);
  // The paper's rational-cubic guesses: machine precision after at most two Householder steps, every case.
  assert.ok(maxIterations <= 2, `expected <= 2 Householder steps, was ${maxIterations}`);
  assert.equal(withinTwo, cases, `expected every case within two steps, was ${withinTwo}/${cases}`);
});

/** Relative condition number of s ↦ b: a relative change ε in β moves s by ε·β/(s·b') relative. */
function conditioning(beta: number, x: number, s: number): number {
  return beta / (s * normalisedVega(x, s));
}

test('normalised inversion: at most two steps and error within a few ε of the conditioning, x from 0 to −40, β down to 1e-300', () => {
  const eps = Number.EPSILON;
  let cases = 0;
  let worst = 0;
  let worstCase = '';
  const byIterations = [0, 0, 0];
  const xs = [0, ...Array.from({ length: 200 }, (_, i) => -Math.pow(10, -14 + (15.6 * i) / 199))];
  for (const x of xs) {
    for (let i = 0; i <= 700; i++) {
      const s = Math.pow(10, -5 + (6.8 * i) / 700); // 1e-5 … 6.3e1
      const beta = normalisedBlackOtm(x, s);
      if (!(beta > 1e-300) || beta >= Math.exp(0.5 * x)) continue; // outside what a double can express
      const stats: IvStats = { iterations: -1 };
      const got = normalisedImpliedTotalVol(beta, x, stats);
      assert.ok(stats.iterations >= 0 && stats.iterations <= 2, `x=${x} s=${s} β=${beta}: expected <= 2 steps, was ${stats.iterations}`);
      byIterations[stats.iterations]!++;
      const err = Math.abs(got / s - 1) / (1 + conditioning(beta, x, s));
      if (err > worst) { worst = err; worstCase = `x=${x} s=${s} β=${beta} got=${got}`; }
      cases++;
    }
  }
  assert.ok(cases > 100_000, `expected > 100000 cases, was ${cases}`);
  assert.ok(worst <= 8 * eps, `expected error <= 8ε·(1 + κ), was ${worst / eps}ε at ${worstCase}`);
  // The guesses are good but not exact: most cases still take a step or two (guards against a vacuous count).
  assert.ok(byIterations[2]! > 0 && byIterations[1]! > 0, `expected a mix of 1 and 2 steps, was ${byIterations.join('/')}`);
});

test('the rational-cubic initial guess is within 10% everywhere and second steps are small', () => {
  // Quartic convergence turns a guess error e into ~e⁴ after one step; the two-step claim rests on e being modest.
  let worst = 0;
  for (const x of [0, -1e-12, -1e-6, -1e-3, -0.05, -0.3, -1, -3, -10, -25]) {
    for (let i = 0; i <= 400; i++) {
      const s = Math.pow(10, -4 + (5.7 * i) / 400);
      const beta = normalisedBlackOtm(x, s);
      if (!(beta > 1e-300) || beta >= Math.exp(0.5 * x)) continue;
      const stats: IvStats = { iterations: -1 };
      normalisedImpliedTotalVol(beta, x, stats);
      worst = Math.max(worst, Math.abs((stats.guess as number) / s - 1));
    }
  }
  assert.ok(worst < 0.1, `expected the worst initial guess within 10%, was ${worst}`);
});

interface RefRow { forward: number; strike: number; t: number; rate: number; vol: number; call: string; put: string }

test('inverts the 40-digit mpmath reference premiums to their vols within a few ε of the conditioning', () => {
  const url = new URL('../../test/fixtures/quant/black76-reference.json', import.meta.url);
  const rows = (JSON.parse(readFileSync(url, 'utf8')) as { rows: RefRow[] }).rows;
  let checked = 0;
  for (const r of rows) {
    // The OTM side carries the whole premium as time value (the ITM side's time value is a rounded difference).
    const type: OptionType = r.strike >= r.forward ? 'call' : 'put';
    const premium = Number(type === 'call' ? r.call : r.put);
    if (!(premium > 1e-300)) continue;
    const res = impliedVol(type, premium, r.forward, r.strike, r.t, r.rate);
    assert.equal(res.status, 'OK', `${type} K=${r.strike} t=${r.t}: expected OK, was ${res.status}`);
    if (res.status !== 'OK') continue;
    assert.ok(res.iterations <= 2, `${type} K=${r.strike} t=${r.t}: expected <= 2 steps, was ${res.iterations}`);
    const x = -Math.abs(Math.log(r.forward / r.strike));
    const s = r.vol * Math.sqrt(r.t);
    const kappa = conditioning(normalisedBlackOtm(x, s), x, s);
    const err = Math.abs(res.vol / r.vol - 1);
    assert.ok(err <= 8 * Number.EPSILON * (1 + kappa), `${type} K=${r.strike} t=${r.t} vol=${r.vol}: expected ${r.vol}, was ${res.vol} (rel ${err}, κ ${kappa})`);
    checked++;
  }
  assert.ok(checked > 250, `expected > 250 reference premiums, was ${checked}`);
});

test('typed statuses for out-of-bounds inputs, never NaN and never a silent 0', () => {
  assert.equal(impliedVol('call', 10, 100, 80, 1, 0).status, 'BELOW_INTRINSIC');
  assert.equal(impliedVol('call', 20, 100, 80, 1, 0).status, 'AT_INTRINSIC');
  assert.equal(impliedVol('call', 100, 100, 80, 1, 0).status, 'ABOVE_MAXIMUM');
  assert.equal(impliedVol('put', 120, 100, 120, 1, 0).status, 'ABOVE_MAXIMUM');
  assert.equal(impliedVol('put', 1, 100, 100, 0, 0).status, 'NO_TIME_LEFT');
  assert.equal(impliedVol('put', Number.NaN, 100, 100, 1, 0).status, 'BAD_INPUT');
  assert.equal(impliedVol('put', 1, -100, 100, 1, 0).status, 'BAD_INPUT');
  const r = impliedVol('call', 0.01, 100, 100, 1, 0);
  assert.equal(r.status, 'OK');
  const below = impliedVol('put', -0.05, 100, 120, 1, 0);
  assert.equal(below.status, 'BELOW_INTRINSIC');
  assert.equal(below.vol, null);
  assert.match('reason' in below ? below.reason : '', /expected price >= intrinsic/);
});

test('a one-tick premium on a 2-day far OTM call gives the documented ~17% vol', () => {
  // quant.md §1 "tick floor": 2-day 25000C on F = 24000 is 17.04% at ₹0.05 and 18.01% at ₹0.10 [computed].
  const t = 2 / 365;
  const a = okVol(impliedVol('call', 0.05, 24000, 25000, t, 0));
  const b = okVol(impliedVol('call', 0.1, 24000, 25000, t, 0));
  assert.ok(Math.abs(a - 0.1704) < 5e-4 && Math.abs(b - 0.1801) < 5e-4, `expected ≈0.1704 and ≈0.1801, was ${a}, ${b}`);
});

test('impliedVolOrNaN is impliedVol\'s vol, bit for bit, and NaN exactly where its status is not OK', () => {
  const F = 24000;
  const cases: [OptionType, number, number, number, number, number][] = [];
  for (const type of ['call', 'put'] as const) {
    for (const k of [18000, 22000, 23950, 24000, 24050, 26000, 30000]) {
      for (const t of [0.5 / 365, 7 / 365, 60 / 365]) {
        for (const vol of [0.05, 0.13, 0.6, 2]) cases.push([type, black76Price(type, F, k, t, 0.055, vol), F, k, t, 0.055]);
        const intrinsic = Math.max(type === 'call' ? F - k : k - F, 0) * Math.exp(-0.055 * t);
        cases.push([type, intrinsic, F, k, t, 0.055], [type, intrinsic * 0.99 - 1, F, k, t, 0.055], [type, type === 'call' ? F : k, F, k, t, 0.055]);
      }
    }
  }
  cases.push(['call', 10, -1, 24000, 0.02, 0], ['call', 10, 24000, Number.NaN, 0.02, 0], ['put', Number.POSITIVE_INFINITY, 24000, 24000, 0.02, 0],
    ['put', 10, 24000, 24000, 0, 0], ['put', 10, 24000, 24000, 0.02, Number.NaN], ['call', 0, 24000, 25000, 0.02, 0]);
  let ok = 0;
  for (const [type, price, f, k, t, r] of cases) {
    const full = impliedVol(type, price, f, k, t, r);
    const quick = impliedVolOrNaN(type, price, f, k, t, r);
    if (full.status === 'OK') { ok++; assert.equal(quick, full.vol, `${type} ${price} ${f} ${k} ${t}`); }
    else assert.ok(Number.isNaN(quick), `${type} ${price} ${f} ${k} ${t}: status ${full.status}, was ${quick}`);
  }
  assert.ok(ok > 100 && ok < cases.length, `both kinds covered (${ok} OK of ${cases.length})`);
});
