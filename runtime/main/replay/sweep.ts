/**
 * @module Parameter sweeps: `--sweep KEY=v1,v2,…` (repeatable; several keys → their cartesian product). Each
 * combination is one whole backtest — its own actor tree and data dir (`<out>/<name>/run`) — run in a piscina pool
 * bounded by the cores, each writing its own report; the sweep summary compares them.
 */
import { availableParallelism } from 'node:os';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Piscina } from 'piscina';
import type { Metrics } from '../../../actors/journal/report/metrics.ts';
import { KNOWN_VARIABLES } from '../config.ts';
import { resolveTaskFile } from '../../entry.ts';

/** The pool's task file, repo-relative. */
const SWEEP_TASK = 'runtime/main/replay/sweep-worker.ts';

export interface SweepAxis {
  readonly key: string;
  readonly values: readonly string[];
}

/** `KEY=v1,v2,…` → an axis; refuses unknown keys, empty or repeated values. */
export function parseSweep(arg: string): SweepAxis {
  const m = /^([A-Z][A-Z0-9_]*)=(.+)$/.exec(arg.trim());
  if (!m) throw new TypeError(`--sweep: expected KEY=v1,v2,…, was ${JSON.stringify(arg)}`);
  const key = m[1]!;
  if (!KNOWN_VARIABLES.includes(key)) throw new TypeError(`--sweep: expected a configuration variable (see .env.example), was ${key}`);
  const values = m[2]!.split(',').map((v) => v.trim());
  if (values.some((v) => v === '')) throw new TypeError(`--sweep ${key}: expected non-empty values, was ${JSON.stringify(m[2])}`);
  if (new Set(values).size !== values.length) throw new TypeError(`--sweep ${key}: expected distinct values, was ${JSON.stringify(m[2])}`);
  return { key, values };
}

/** The cartesian product of the axes, in order (the first axis varies slowest). */
export function combinations(axes: readonly SweepAxis[]): Record<string, string>[] {
  const keys = axes.map((a) => a.key);
  if (new Set(keys).size !== keys.length) throw new TypeError(`--sweep: expected each variable once, was ${keys.join(', ')}`);
  let out: Record<string, string>[] = [{}];
  for (const a of axes) out = out.flatMap((c) => a.values.map((v) => ({ ...c, [a.key]: v })));
  return out;
}

/** A run's folder name: `KEY=value,KEY2=value2`, made safe for file systems. */
export function runName(combo: Readonly<Record<string, string>>): string {
  return Object.entries(combo).map(([k, v]) => `${k}=${v}`).join(',').replace(/[^A-Za-z0-9_.,=+-]/g, '_');
}

/** What one sweep run hands back (structured-clone safe). */
export interface SweepRunResult {
  readonly name: string;
  readonly combo: Readonly<Record<string, string>>;
  readonly out: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly steps?: number;
  readonly wallMs?: number;
  readonly metrics?: Metrics;
  readonly trades?: number;
  readonly fills?: number;
  readonly derivedFills?: number;
  readonly safetyEvents?: number;
}

/** What the pool's worker gets for one run. */
export interface SweepTask {
  readonly name: string;
  readonly combo: Readonly<Record<string, string>>;
  readonly vars: Readonly<Record<string, string>>;
  readonly recording: string;
  readonly from: string;
  readonly to: string;
  readonly out: string;
  readonly cyclesPerFrame: number;
}

export interface SweepOptions {
  readonly tasks: readonly SweepTask[];
  readonly out: string;
  readonly threads?: number;
  readonly onDone?: (r: SweepRunResult, done: number, total: number) => void;
}

export async function runSweep(o: SweepOptions): Promise<{ results: SweepRunResult[]; summaryFile: string }> {
  const threads = Math.max(1, Math.min(o.threads ?? availableParallelism(), o.tasks.length));
  // From source, the task runs as a dev bundle (runtime/entry.ts): its actors then boot from bundles too, not tsx.
  const task = await resolveTaskFile(SWEEP_TASK);
  const pool = new Piscina({
    filename: task.filename,
    minThreads: threads, maxThreads: threads, execArgv: task.execArgv,
    // One whole backtest per task: never queue two on a thread at once.
    concurrentTasksPerWorker: 1,
  });
  let done = 0;
  try {
    const results = await Promise.all(o.tasks.map(async (t) => {
      const r = await (pool.run(t) as Promise<SweepRunResult>).catch((err: unknown): SweepRunResult => ({
        name: t.name, combo: t.combo, out: t.out, ok: false, error: err instanceof Error ? err.message : String(err),
      }));
      o.onDone?.(r, ++done, o.tasks.length);
      return r;
    }));
    const summaryFile = path.join(o.out, 'sweep.json');
    writeFileSync(summaryFile, `${JSON.stringify(sweepSummary(results), null, 2)}\n`);
    writeFileSync(path.join(o.out, 'sweep.html'), sweepHtml(results));
    return { results, summaryFile };
  } finally {
    await pool.destroy();
  }
}

/** The comparison: every run's headline figures, best net P&L first. */
export function sweepSummary(results: readonly SweepRunResult[]) {
  const rows = [...results].sort((a, b) => (b.metrics?.totalNet ?? -Infinity) - (a.metrics?.totalNet ?? -Infinity) || a.name.localeCompare(b.name));
  return {
    format: 'volguard-sweep', version: 1,
    runs: rows.map((r) => ({
      name: r.name, params: r.combo, ok: r.ok, ...(r.error !== undefined ? { error: r.error } : {}),
      report: path.join(r.name, 'report.html'),
      ...(r.metrics ? { totalNet: r.metrics.totalNet, maxDrawdown: r.metrics.maxDrawdown, sharpe: r.metrics.sharpe, winRate: r.metrics.winRate, trades: r.trades, fills: r.fills, derivedFills: r.derivedFills, safetyEvents: r.safetyEvents } : {}),
    })),
  };
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
const fmt = (v: unknown) => (typeof v === 'number' ? (Number.isFinite(v) ? v.toFixed(2) : String(v)) : v === undefined || v === null ? '—' : esc(String(v)));

function sweepHtml(results: readonly SweepRunResult[]): string {
  const s = sweepSummary(results);
  const rows = s.runs.map((r) => `<tr><td><a href="${esc(r.report)}">${esc(r.name)}</a></td><td>${r.ok ? 'ok' : `failed: ${esc(r.error ?? '')}`}</td>` +
    `<td>${fmt((r as { totalNet?: number }).totalNet)}</td><td>${fmt((r as { maxDrawdown?: number }).maxDrawdown)}</td><td>${fmt((r as { sharpe?: number }).sharpe)}</td>` +
    `<td>${fmt((r as { winRate?: number }).winRate)}</td><td>${fmt((r as { trades?: number }).trades)}</td><td>${fmt((r as { safetyEvents?: number }).safetyEvents)}</td></tr>`).join('\n');
  return `<!doctype html><meta charset="utf-8"><title>VolGuard sweep</title>
<style>body{font:14px system-ui,sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
<h1>VolGuard parameter sweep</h1><p>${results.length} runs, best net P&amp;L first. Each name links to its own report.</p>
<table><tr><th>run</th><th>status</th><th>net P&amp;L ₹</th><th>max drawdown ₹</th><th>Sharpe</th><th>win rate</th><th>trades</th><th>safety events</th></tr>
${rows}
</table>
`;
}
