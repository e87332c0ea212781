/**
 * @module The sweep pool's task (piscina, runtime/main/replay/sweep.ts): one whole backtest — its own actor tree, its
 * own data dir — and its headline figures back.
 */
import path from 'node:path';
import { backtestConfig } from './config.ts';
import { runBacktest, runDirOf } from './backtest.ts';
import type { SweepRunResult, SweepTask } from './sweep.ts';

export default async function sweepRun(t: SweepTask): Promise<SweepRunResult> {
  const cfg = backtestConfig(t.vars, { runDir: runDirOf(t.out), recording: t.recording });
  const r = await runBacktest({
    cfg, recording: t.recording, from: t.from, to: t.to, out: t.out, cyclesPerFrame: t.cyclesPerFrame,
    title: `VolGuard backtest ${t.from} … ${t.to} — ${t.name}`,
  });
  return {
    name: t.name, combo: t.combo, out: path.resolve(t.out), ok: r.completed, ...(r.completed ? {} : { error: 'stopped before the last step' }),
    steps: r.steps, wallMs: r.wallMs, metrics: r.report.metrics, trades: r.report.trades.length, fills: r.report.fills.length,
    derivedFills: r.report.derivedFills.length, safetyEvents: r.report.safety.length,
  };
}
