/**
 * @module Copies the CI slice of NSE's real bhavcopy rows into `data/samples/nse-udiff-2026-01-12_14/`:
 * `npx tsx actors/venues/replay/import/make-nse-sample.ts [sharedDataDir] [outDir]`. Rows are copied unmodified; the
 * slice keeps 12–14 January 2026 (a Monday, the Tuesday NIFTY weekly expiry, the Wednesday after), the index futures,
 * the expiries the importer keeps by default (NIFTY 4, BANKNIFTY 2) and the strikes within ±25 steps of the day's close.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const SAMPLE_DAYS = ['2026-01-12', '2026-01-13', '2026-01-14'] as const;
const KEEP_EXPIRIES = { NIFTY: 4, BANKNIFTY: 2 } as const;
const STEPS = { NIFTY: 50, BANKNIFTY: 100 } as const;
const EACH_SIDE = 25;

export function sliceDay(csv: string, symbol: 'NIFTY' | 'BANKNIFTY'): string {
  const [header, ...rows] = csv.split('\n').filter((l) => l.trim() !== '');
  const cols = header!.split(',');
  const at = (name: string): number => cols.indexOf(name);
  const [tp, xp, k, u] = [at('FinInstrmTp'), at('XpryDt'), at('StrkPric'), at('UndrlygPric')];
  const fields = rows.map((r) => r.split(','));
  const spot = Number(fields[0]![u]);
  const expiries = [...new Set(fields.filter((f) => f[tp] === 'IDO').map((f) => f[xp]!))].sort().slice(0, KEEP_EXPIRIES[symbol]);
  const band = EACH_SIDE * STEPS[symbol];
  const kept = rows.filter((_, i) => {
    const f = fields[i]!;
    return f[tp] === 'IDF' || (expiries.includes(f[xp]!) && Math.abs(Number(f[k]) - spot) <= band);
  });
  return `${[header, ...kept].join('\n')}\n`;
}

export function writeNseSample(shared: string, out: string): void {
  for (const day of SAMPLE_DAYS) {
    mkdirSync(path.join(out, day), { recursive: true });
    for (const symbol of ['NIFTY', 'BANKNIFTY'] as const) {
      writeFileSync(path.join(out, day, `${symbol}.csv`), sliceDay(readFileSync(path.join(shared, day, `${symbol}.csv`), 'utf8'), symbol));
    }
  }
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  writeNseSample(process.argv[2] ?? path.resolve('../shared/data/nse-udiff'), process.argv[3] ?? path.join('data', 'samples', 'nse-udiff-2026-01-12_14'));
}
