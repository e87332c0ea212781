/**
 * @module `npm run bench -- quant`: Black-76 + greeks, implied vol (grid with wings), SABR vol, a 41-strike SABR fit,
 * and a whole chain refresh (IV + greeks + fits for NIFTY 4 expiries + BANKNIFTY 2), inline and on the piscina pool.
 * When g++ and the QuantLib headers are present, QuantLib times the same inputs in the same run (`quantlib_*`,
 * test/bench/quantlib/); otherwise those figures are skipped with the reason on stderr.
 */
import type { Figure } from './main.ts';
import { percentile } from './main.ts';
import { black76Greeks, black76Price } from '../../actors/domain/black76.ts';
import { impliedVol } from '../../actors/domain/implied-vol.ts';
import { sabrVol } from '../../actors/domain/sabr.ts';
import { calibrateSabr } from '../../actors/domain/sabr-calibrate.ts';
import { FitRunner } from '../../actors/calibrator/fit-runner.ts';
import { DEFAULT_CALIBRATOR_SETTINGS } from '../../actors/calibrator/config.ts';
import { buildSnapshot, fullMarketSpecs } from '../fixtures/quant/snapshot.ts';
import { quantlibFigures } from './quantlib/run.ts';

const F = 24000;

/** ns per call of `body(i)` over `n` calls, median of `rounds` rounds (after one warm-up round). */
function nsPerOp(n: number, rounds: number, body: (i: number) => number): number {
  let sink = 0;
  const samples: number[] = [];
  for (let r = 0; r <= rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += body(i);
    const dt = Number(process.hrtime.bigint() - t0) / n;
    if (r > 0) samples.push(dt);
  }
  if (sink === 42) process.stdout.write('');
  return percentile(samples, 50);
}

export async function run(): Promise<Figure[]> {
  // Grid: 7-day and 30-day, strikes ±12% around F (deep wings), vols from the SABR smile shape.
  const cases: { type: 'call' | 'put'; k: number; t: number; vol: number; price: number }[] = [];
  for (const t of [2 / 365, 7 / 365, 30 / 365, 90 / 365]) {
    for (let k = 21000; k <= 27000; k += 25) {
      const vol = sabrVol(F, k, t, { alpha: 0.13, beta: 1, rho: -0.45, nu: 2.5 });
      const type = k >= F ? 'call' : 'put';
      const price = black76Price(type, F, k, t, 0.055, vol);
      if (price > 1e-12) cases.push({ type, k, t, vol, price });
    }
  }
  const m = cases.length;
  const greeksNs = nsPerOp(200_000, 5, (i) => { const c = cases[i % m]!; return black76Greeks(c.type, F, c.k, c.t, 0.055, c.vol).theta; });
  const ivNs = nsPerOp(100_000, 5, (i) => { const c = cases[i % m]!; const r = impliedVol(c.type, c.price, F, c.k, c.t, 0.055); return r.status === 'OK' ? r.vol : 0; });
  const sabrParams = { alpha: 0.13, beta: 1, rho: -0.45, nu: 3.5 };
  const sabrNs = nsPerOp(400_000, 5, (i) => sabrVol(F, 22000 + (i % 400) * 10, 7 / 365, sabrParams));

  const strikes = Array.from({ length: 41 }, (_, i) => 23000 + 50 * i);
  const smileT = [0, 1, 2, 3].map((j) => (7 + 7 * j) / 365);
  const smiles = [0, 1, 2, 3].map((j) => strikes.map((k) => sabrVol(F, k, (7 + 7 * j) / 365, { alpha: 0.12 + 0.01 * j, beta: 1, rho: -0.3 - 0.1 * j, nu: 4 - 0.7 * j })));
  const fitUs = nsPerOp(400, 5, (i) => calibrateSabr({ forward: F, t: (7 + 7 * (i % 4)) / 365, strikes, vols: smiles[i % 4]! }, null).rmse) / 1000;

  // Chain refresh: IV of every quote (both sides) + greeks of every option + the fits, as the calibrator would.
  const snapshot = buildSnapshot(fullMarketSpecs());
  const inline = new FitRunner(DEFAULT_CALIBRATOR_SETTINGS);
  const refreshInline: number[] = [];
  for (let r = 0; r < 30; r++) {
    const t0 = performance.now();
    await inline.calibrate(snapshot, () => 0);
    for (const chain of snapshot.expiries) {
      const t = (chain.expiryTs - snapshot.ts) / 60000 / 525600;
      for (let i = 0; i < chain.strikes.length; i++) {
        const k = chain.strikes[i]!;
        for (const type of ['call', 'put'] as const) {
          const bid = type === 'call' ? chain.callBid[i]! : chain.putBid[i]!;
          const ask = type === 'call' ? chain.callAsk[i]! : chain.putAsk[i]!;
          const fwd = chain.underlying === 'NIFTY' ? F : 52000;
          const iv = impliedVol(type, 0.5 * (bid + ask), fwd, k, t, 0.055);
          if (iv.status === 'OK') black76Greeks(type, fwd, k, t, 0.055, iv.vol);
        }
      }
    }
    refreshInline.push(performance.now() - t0);
  }
  const pool = new FitRunner({ ...DEFAULT_CALIBRATOR_SETTINGS, mode: 'pool', threads: 1 });
  const refreshPool: number[] = [];
  try {
    for (let r = 0; r < 30; r++) {
      const t0 = performance.now();
      await pool.calibrate(snapshot, () => 0);
      refreshPool.push(performance.now() - t0);
    }
  } finally {
    await pool.destroy();
  }
  const options = snapshot.expiries.reduce((s, c) => s + 2 * c.strikes.length, 0);
  const quantlib = quantlibFigures({
    forward: F, rate: 0.055, cases,
    sabr: { ...sabrParams, t: 7 / 365, n: 400, k0: 22000, dk: 10 },
    strikes, smiles: smiles.map((vols, j) => ({ t: smileT[j]!, vols })),
  });
  return [
    { suite: 'quant', metric: 'b76_price_greeks_ns', value: greeksNs, unit: 'ns', budget: '< QuantLib ≈180–250 ns' },
    { suite: 'quant', metric: 'iv_ns', value: ivNs, unit: 'ns', budget: '≤ 1000 ns' },
    { suite: 'quant', metric: 'sabr_vol_ns', value: sabrNs, unit: 'ns', budget: '< QuantLib ≈50–90 ns' },
    { suite: 'quant', metric: 'sabr_fit_41_us', value: fitUs, unit: 'us', budget: '≤ 100 µs' },
    { suite: 'quant', metric: 'chain_refresh_ms', value: percentile(refreshInline.slice(5), 50), unit: 'ms', budget: `${options} options, inline fits` },
    { suite: 'quant', metric: 'chain_refresh_p99_ms', value: percentile(refreshInline.slice(5), 99), unit: 'ms' },
    { suite: 'quant', metric: 'fits_pool_ms', value: percentile(refreshPool.slice(5), 50), unit: 'ms', budget: 'fits only, piscina 1 thread' },
    ...quantlib,
  ];
}
