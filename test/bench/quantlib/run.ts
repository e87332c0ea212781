/**
 * @module Same-run QuantLib (C++) comparison for the quant bench. Compiles `ql_bench.cpp` with `g++ -O2` when the
 * QuantLib headers are present (Debian: `apt-get install -y g++ libquantlib0-dev`), feeds it the bench's own inputs
 * on stdin and returns its timings as `quantlib_*` figures. Absent compiler or headers: no figures and a printed reason.
 * The binary is cached in the OS temp directory under a hash of the source, so only the first run pays the compile.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Figure } from '../main.ts';

export interface QuantLibInputs {
  readonly forward: number;
  readonly rate: number;
  /** The IV / price+greeks grid: discounted premium `price` of `type` at strike k, expiry t, vol. */
  readonly cases: readonly { type: 'call' | 'put'; k: number; t: number; vol: number; price: number }[];
  /** SABR vol timing: strikes k0 + dk·(i mod n) at expiry t. */
  readonly sabr: { alpha: number; beta: number; rho: number; nu: number; t: number; n: number; k0: number; dk: number };
  /** The fits: shared strikes, one (t, vols) per smile; β fixed at 1. */
  readonly strikes: readonly number[];
  readonly smiles: readonly { t: number; vols: readonly number[] }[];
}

const SOURCE = new URL('./ql_bench.cpp', import.meta.url);

/** QuantLib figures, or [] with the reason written to stderr. */
export function quantlibFigures(inputs: QuantLibInputs): Figure[] {
  const skip = (reason: string): Figure[] => {
    process.stderr.write(`quant: QuantLib comparison skipped: ${reason}\n`);
    return [];
  };
  const probe = spawnSync('g++', ['-E', '-x', 'c++', '-'], { input: '#include <ql/version.hpp>\n', encoding: 'utf8' });
  if (probe.error) return skip(`g++ not runnable (${probe.error.message}); install g++ and libquantlib0-dev`);
  if (probe.status !== 0) return skip('QuantLib headers not found (<ql/version.hpp>); install libquantlib0-dev');

  const source = readFileSync(SOURCE);
  const binary = join(tmpdir(), `volguard-ql-bench-${createHash('sha256').update(source).digest('hex').slice(0, 16)}`);
  if (!existsSync(binary)) {
    const cc = spawnSync('g++', ['-O2', '-std=c++17', '-o', binary, SOURCE.pathname, '-lQuantLib'], { encoding: 'utf8' });
    if (cc.error || cc.status !== 0) return skip(`g++ -O2 ql_bench.cpp failed: ${(cc.stderr || cc.error?.message || '').split('\n').slice(0, 5).join(' | ')}`);
  }

  const lines: string[] = [`${inputs.forward} ${inputs.rate}`, `${inputs.cases.length}`];
  for (const c of inputs.cases) lines.push(`${c.type === 'call' ? 'c' : 'p'} ${c.k} ${c.t} ${c.vol} ${c.price}`);
  const s = inputs.sabr;
  lines.push(`${s.alpha} ${s.beta} ${s.rho} ${s.nu} ${s.t} ${s.n} ${s.k0} ${s.dk}`);
  lines.push(`${inputs.smiles.length} ${inputs.strikes.length}`, inputs.strikes.join(' '));
  for (const sm of inputs.smiles) lines.push(`${sm.t} ${sm.vols.join(' ')}`);
  // Numbers print in JS's shortest round-trip form, which strtod reads back to the same doubles.
  const run = spawnSync(binary, [], { input: `${lines.join('\n')}\n`, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.error || run.status !== 0) return skip(`ql_bench exited ${run.status}: ${(run.stderr || run.error?.message || '').trim()}`);

  const figures: Figure[] = [];
  let version = '?';
  const notes: string[] = [];
  for (const line of run.stdout.split('\n')) {
    if (!line.trim()) continue;
    const o = JSON.parse(line) as { metric?: string; value?: number; unit?: string; version?: string; diagnostic?: string; failures?: number };
    if (o.version) version = o.version;
    else if (o.diagnostic) notes.push(`${o.diagnostic}=${o.value}${o.failures ? ` failures=${o.failures}` : ''}`);
    else if (o.metric && typeof o.value === 'number' && o.unit) figures.push({ suite: 'quant', metric: o.metric, value: o.value, unit: o.unit });
  }
  const described: Readonly<Record<string, string>> = {
    quantlib_b76_price_greeks_ns: 'BlackCalculator: value + 5 greeks',
    quantlib_b76_price_ns: 'blackFormula only',
    quantlib_iv_ns: 'blackFormulaImpliedStdDev, accuracy 1e-12',
    quantlib_sabr_vol_ns: 'sabrVolatility',
    quantlib_sabr_fit_41_us: 'SABRInterpolation, β fixed, vega-weighted LM',
  };
  process.stderr.write(`quant: QuantLib ${version} same-run comparison (${notes.join(', ')})\n`);
  return figures.map((f) => ({ ...f, budget: `QuantLib ${version} ${described[f.metric] ?? ''}`.trim() }));
}
