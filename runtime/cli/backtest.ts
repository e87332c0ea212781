/**
 * @module `volguard backtest --from D --to D [--data DIR] [--config FILE] [--sweep KEY=v1,v2,…]… [--out DIR]
 * [--cycles-per-frame N] [--json]`: the production actors over a recording at full speed (runtime/main/replay/).
 *
 * - `--data`: a recording (`volguard import … --out DIR`); default: the one under `data/history/` covering the dates.
 * - `--config`: an env-style file, validated as `.env` is; a backtest's config is that file alone (replay/config.ts).
 * - `--out`: report.html and summary.json (the run's journal and paper books in `<out>/run`); default
 *   `$DATA_DIR/reports/backtest-<from>_<to>` (DATA_DIR from the environment, `./data` unset), where the dashboard lists
 *   the latest reports (gateway/reports.ts). Run the same command again after an interruption and it resumes.
 * - `--sweep` (repeatable): every combination in parallel (piscina, bounded by the cores), each in `<out>/<name>/`,
 *   and `<out>/sweep.json` + `sweep.html` comparing them.
 * - A progress bar on a terminal (stderr), plain progress lines otherwise, none with `--json` (the summary on stdout).
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT, type CliIo } from './io.ts';
import { ConfigError } from '../errors.ts';
import { readIndex } from '../../actors/venues/replay/source.ts';
import { isTradingDay } from '../../actors/domain/calendar.ts';
import { backtestConfig, readEnvFile } from '../main/replay/config.ts';
import { runBacktest, runDirOf, type BacktestProgress } from '../main/replay/backtest.ts';
import { DEFAULT_CYCLES_PER_FRAME } from '../main/replay/schedule.ts';
import { combinations, parseSweep, runName, runSweep, type SweepTask } from '../main/replay/sweep.ts';

const USAGE = 'usage: volguard backtest --from YYYY-MM-DD --to YYYY-MM-DD [--data DIR] [--config FILE] [--sweep KEY=v1,v2,…]… [--out DIR] [--cycles-per-frame N] [--json]';

const OPTIONS = {
  from: { type: 'string' }, to: { type: 'string' }, data: { type: 'string' }, config: { type: 'string' },
  sweep: { type: 'string', multiple: true }, out: { type: 'string' }, 'cycles-per-frame': { type: 'string' }, json: { type: 'boolean' },
} as const;


const DATE = /^\d{4}-\d{2}-\d{2}$/;

function dateArg(name: string, v: string | undefined): string {
  if (v === undefined) throw new TypeError(`--${name}: expected a date YYYY-MM-DD, was missing`);
  if (!DATE.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw new TypeError(`--${name}: expected a date YYYY-MM-DD, was ${JSON.stringify(v)}`);
  }
  return v;
}

/** The recording under `data/history/` whose days cover [from, to] (the newest when several do). */
function findRecording(cwd: string, from: string, to: string): string {
  const root = path.join(cwd, 'data', 'history');
  const found = existsSync(root)
    ? readdirSync(root).map((d) => path.join(root, d)).filter((d) => existsSync(path.join(d, 'index.json'))).filter((d) => {
      const days = readIndex(d).meta?.days ?? [];
      return days.length > 0 && days[0]! <= from && days[days.length - 1]! >= to;
    }).sort()
    : [];
  if (found.length === 0) throw new TypeError(`--data: expected a recording (volguard import … --out DIR), none under ${root} covers ${from} … ${to}`);
  return found[found.length - 1]!;
}

interface Progress {
  update(p: BacktestProgress): void;
  done(): void;
}

function progressFor(io: CliIo, quiet: boolean, label: string): Progress {
  if (quiet) return { update: () => {}, done: () => {} };
  const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
  const started = performance.now();
  let lastLine = -1;
  return {
    update(p) {
      const frac = p.step / p.steps;
      const at = new Date(p.ts + 330 * 60_000).toISOString().slice(0, 16).replace('T', ' ');
      const elapsed = (performance.now() - started) / 1000;
      if (tty) {
        const width = 30;
        const full = Math.round(frac * width);
        io.stderr.write(`\r${label}[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(frac * 100).toFixed(1).padStart(5)}%  day ${p.day}/${p.days}  ${at} IST  ${p.step}/${p.steps} cycles  ${elapsed.toFixed(0)} s `);
      } else {
        // Plain lines: one per 10 % and the last.
        const decile = Math.floor(frac * 10);
        if (decile === lastLine && p.step !== p.steps) return;
        lastLine = decile;
        io.stderr.write(`${label}${(frac * 100).toFixed(0)}% day ${p.day}/${p.days} ${at} IST cycle ${p.step}/${p.steps} (${elapsed.toFixed(1)} s)\n`);
      }
    },
    done() {
      if (tty) io.stderr.write('\n');
    },
  };
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  let from: string;
  let to: string;
  let cyclesPerFrame = DEFAULT_CYCLES_PER_FRAME;
  try {
    ({ values } = parseArgs({ args: [...argv], options: OPTIONS, strict: true, allowPositionals: false }));
    from = dateArg('from', values.from);
    to = dateArg('to', values.to);
    if (from > to) throw new TypeError(`--from: expected a date on or before --to (${to}), was ${from}`);
    if (!isTradingDay(from) && !isTradingDay(to) && from === to) throw new TypeError(`--from/--to: expected a range with a trading day, was ${from} (not one)`);
    if (values['cycles-per-frame'] !== undefined) {
      cyclesPerFrame = Number(values['cycles-per-frame']);
      if (!/^\d+$/.test(values['cycles-per-frame']) || !(cyclesPerFrame >= 1 && cyclesPerFrame <= 10_000)) {
        throw new TypeError(`--cycles-per-frame: expected a whole number 1…10000, was ${JSON.stringify(values['cycles-per-frame'])}`);
      }
    }
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    io.stderr.write(`volguard backtest: ${err.message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const json = values.json === true;
  try {
    const axes = (values.sweep ?? []).map(parseSweep);
    const combos = combinations(axes);
    const recording = path.resolve(io.cwd, values.data ?? findRecording(io.cwd, from, to));
    const vars = values.config !== undefined ? readEnvFile(path.resolve(io.cwd, values.config)) : {};
    const out = path.resolve(io.cwd, values.out ?? path.join(io.env['DATA_DIR'] ?? 'data', 'reports', `backtest-${from}_${to}`));
    if (axes.length === 0) {
      const cfg = backtestConfig(vars, { runDir: runDirOf(out), recording });
      const progress = progressFor(io, json, '');
      let result;
      try {
        result = await runBacktest({ cfg, recording, from, to, out, cyclesPerFrame, onProgress: (p) => progress.update(p) });
      } finally {
        progress.done();
      }
      const m = result.report.metrics;
      const line = {
        html: path.join(out, 'report.html'), json: path.join(out, 'summary.json'), days: result.days.length, cycles: result.ran, steps: result.steps,
        resumedAt: result.resumedAt, seconds: Math.round(result.wallMs) / 1000, trades: result.report.trades.length, fills: result.report.fills.length,
        derivedFills: result.report.derivedFills.length, safetyEvents: result.report.safety.length, totalNet: m.totalNet, maxDrawdown: m.maxDrawdown,
      };
      io.stdout.write(`${JSON.stringify(line)}\n`);
      return EXIT.ok;
    }
    // A sweep: validate every combination's config up front (all errors at once, nothing started).
    mkdirSync(out, { recursive: true });
    const tasks: SweepTask[] = combos.map((combo) => {
      const name = runName(combo);
      const runOut = path.join(out, name);
      backtestConfig({ ...vars, ...combo }, { runDir: runDirOf(runOut), recording });
      return { name, combo, vars: { ...vars, ...combo }, recording, from, to, out: runOut, cyclesPerFrame };
    });
    if (!json) io.stderr.write(`sweep: ${tasks.length} runs\n`);
    const { results, summaryFile } = await runSweep({
      tasks, out,
      onDone: (r, done, total) => { if (!json) io.stderr.write(`sweep: ${done}/${total} ${r.name} ${r.ok ? `net ₹${r.metrics?.totalNet.toFixed(2)}` : `FAILED ${r.error}`}\n`); },
    });
    io.stdout.write(`${JSON.stringify({ sweep: summaryFile, html: path.join(out, 'sweep.html'), runs: results.length, failed: results.filter((r) => !r.ok).length })}\n`);
    return results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
  } catch (err) {
    if (err instanceof ConfigError || err instanceof TypeError || (err instanceof Error && /^expected /.test(err.message))) {
      io.stderr.write(`volguard backtest: ${err.message}\n`);
      return err instanceof ConfigError ? EXIT.config : EXIT.failure;
    }
    throw err;
  }
}
