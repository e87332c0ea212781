/**
 * @module `npm run bench -- <suite> [--json]`: runs a benchmark suite and prints its figures.
 * With --json: one line per figure, `{"suite","metric","value","unit"}` (INTERFACE.md).
 * Each suite module `test/bench/<suite>.ts` exports `run(): Promise<Figure[]>`.
 */
import { applyLatencyFlags } from '../../runtime/v8-tuning.ts';

// As the CLI does first thing (runtime/cli/main.ts): measure the system as it runs.
applyLatencyFlags();

export interface Figure {
  readonly suite: string;
  readonly metric: string;
  readonly value: number;
  readonly unit: string;
  /** The budget, when DESIGN.md names one, for the human-readable report. */
  readonly budget?: string;
}

const SUITES = ['runtime', 'quant', 'journal', 'feed', 'sim', 'system', 'upstox', 'backtest', 'dashboard', 'report', 'risk'] as const;
const EXTRAS: Readonly<Record<string, readonly string[]>> = { feed: ['upstox-frames'] };

async function main(argv: readonly string[]): Promise<number> {
  const json = argv.includes('--json');
  const names = argv.filter((a) => !a.startsWith('--'));
  const selected = names.length === 0 ? [...SUITES] : names;
  for (const name of selected) {
    if (!(SUITES as readonly string[]).includes(name)) {
      process.stderr.write(`bench: unknown suite '${name}'; expected one of ${SUITES.join('|')}\n`);
      return 2;
    }
  }
  for (const name of selected) {
    const mod = (await import(`./${name}.ts`)) as { run: () => Promise<Figure[]> };
    const figures = [...(await mod.run())];
    // Extra modules that report into a suite (the Upstox protobuf decode rate belongs to `feed`).
    for (const extra of EXTRAS[name] ?? []) {
      const m = (await import(`./${extra}.ts`)) as { run: () => Promise<Figure[]> };
      figures.push(...(await m.run()));
    }
    for (const f of figures) {
      if (json) process.stdout.write(`${JSON.stringify({ suite: f.suite, metric: f.metric, value: f.value, unit: f.unit })}\n`);
      else process.stdout.write(`${f.suite.padEnd(8)} ${f.metric.padEnd(24)} ${formatValue(f.value).padStart(14)} ${f.unit.padEnd(8)} ${f.budget ? `budget ${f.budget}` : ''}\n`);
    }
  }
  return 0;
}

function formatValue(v: number): string {
  return Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : v.toPrecision(4);
}

/** Percentile of an unsorted sample (nearest-rank). */
export function percentile(sample: readonly number[], p: number): number {
  const sorted = [...sample].sort((a, b) => a - b);
  const idx = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[idx] ?? Number.NaN;
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
