/**
 * @module Calibrator actor shell: answers `calibrator.calibrate` (MarketSnapshot → SurfaceCalibrated), owns the fit
 * runner (inline or piscina pool), exports metrics, journals fallbacks. All maths is in core.ts / actors/domain.
 */
import { Counter, Gauge, Histogram } from 'prom-client';
import { defineActor, type ActorContext } from '../../runtime/actor.ts';
import { InvariantError, OlderInputError } from '../../runtime/errors.ts';
import { describeOlder, OLDER_INPUTS_HELP, OLDER_INPUTS_METRIC } from '../domain/market-time.ts';
import type { CalibratorSettings } from './config.ts';
import { FitRunner } from './fit-runner.ts';
import type { CalibratorProtocol, SurfaceCalibrated } from './messages.ts';
import { parseSnapshot } from './snapshot-schema.ts';
import type { MarketSnapshot } from '../domain/market-snapshot.ts';

let runner: FitRunner | null = null;
let metrics: { rmse: Gauge; fitSeconds: Histogram; fallbacks: Counter; olderRefused: Counter<'actor' | 'input'> } | null = null;
let last: { cycleId: string; computeMs: number; fallbacks: number; expiries: number } | null = null;

defineActor<CalibratorSettings, CalibratorProtocol>({
  init(ctx) {
    runner = new FitRunner(ctx.config);
    metrics = {
      rmse: new Gauge({ name: 'volguard_calibrator_fit_rmse_vol_points', help: 'SABR fit rmse per expiry, vol points', labelNames: ['underlying', 'expiry'], registers: [ctx.metrics] }),
      fitSeconds: new Histogram({ name: 'volguard_calibrator_fit_seconds', help: 'Whole-snapshot calibration time', buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1], registers: [ctx.metrics] }),
      fallbacks: new Counter({ name: 'volguard_calibrator_fallbacks_total', help: 'Expiries that fell back to per-strike Black IV', labelNames: ['underlying'], registers: [ctx.metrics] }),
      olderRefused: new Counter({ name: OLDER_INPUTS_METRIC, help: OLDER_INPUTS_HELP, labelNames: ['actor', 'input'], registers: [ctx.metrics] }),
    };
    ctx.log.info({ mode: ctx.config.mode, threads: ctx.config.threads }, 'calibrator ready');
  },
  bodies: { 'calibrator.calibrate': { parse: parseSnapshot } },
  handlers: { 'calibrator.calibrate': calibrate },
  inspect() {
    return { mode: runner ? 'ready' : 'starting', last };
  },
  async stop() {
    await runner?.destroy();
    runner = null;
  },
});

async function calibrate(snapshot: MarketSnapshot, ctx: ActorContext<CalibratorSettings>): Promise<SurfaceCalibrated> {
  if (!runner || !metrics) throw new InvariantError('calibrator used before init');
  // Compute time is wall time: the market clock is scaled on the sim venue and stands still within a backtest's step.
  const m = metrics;
  const surface = await runner.calibrate(snapshot, () => performance.now()).catch((err: unknown) => {
    if (err instanceof OlderInputError) {
      m.olderRefused.inc({ actor: 'calibrator', input: err.input });
      ctx.log.warn({ cycleId: snapshot.cycleId, ts: err.ts, lastTs: err.lastTs }, describeOlder(err));
    }
    throw err;
  });
  metrics.fitSeconds.observe(surface.computeMs / 1000);
  let fallbacks = 0;
  for (const e of surface.expiries) {
    if (Number.isFinite(e.rmseVolPts)) metrics.rmse.set({ underlying: e.underlying, expiry: e.expiry }, e.rmseVolPts);
    if (e.fallback) {
      fallbacks++;
      metrics.fallbacks.inc({ underlying: e.underlying });
    }
  }
  last = { cycleId: snapshot.cycleId, computeMs: surface.computeMs, fallbacks, expiries: surface.expiries.length };
  if (fallbacks > 0) {
    const detail = surface.expiries.filter((e) => e.fallback).map((e) => ({ underlying: e.underlying, expiry: e.expiry, reason: e.fallbackReason }));
    ctx.log.warn({ cycleId: snapshot.cycleId, fallbacks: detail }, 'calibration fallback');
    // Journal the decision without holding the cycle on the journal's flush.
    ctx.request('journal', 'journal.append', { actor: 'calibrator', type: 'calibrator.fallback', cycleId: snapshot.cycleId, body: { expiries: detail } }, { cycleId: snapshot.cycleId })
      .catch((err: unknown) => ctx.log.warn({ err }, 'journal.append of a calibration fallback failed'));
  }
  return surface;
}
