/**
 * @module `volguard import nse-bhavcopy|upstox-candles <files or dirs> [options]`: public historical data → one replay
 * recording (actors/venues/replay/format.ts). Every input is checked; a bad one fails the whole import with its file,
 * line and reason, and nothing is written (the recording is renamed into place only when complete).
 *
 *   import nse-bhavcopy <files|dirs>… [--out DIR] [--replace] [--expiries NIFTY=4,BANKNIFTY=2] [--strikes N]
 *                                     [--lot NIFTY=50,BANKNIFTY=15] [--from D] [--to D]
 *                                     [--fetch --from D --to D [--cache DIR] [--base-url URL] [--delay-ms N]]
 *   import upstox-candles <dir>       [--out DIR] [--replace] [--from D] [--to D]
 *                                     [--fetch --from D --to D [--interval day|1minute] [--underlying NIFTY,BANKNIFTY]
 *                                      [--cache DIR] [--base-url URL] [--delay-ms N]]   (token: UPSTOX_ACCESS_TOKEN)
 * With --fetch the files are downloaded into the cache (default DATA_DIR/downloads/<kind>) first and the import reads
 * them from there; without it the import reads the files given (works offline). The default output is
 * DATA_DIR/history/<kind>-<first day>_<last day>.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../../../../runtime/main/config.ts';
import { EXIT, type CliIo } from '../../../../runtime/cli/io.ts';
import type { Underlying } from '../../../domain/underlying.ts';
import { dayNumber } from '../../../domain/calendar.ts';
import { bhavcopyDays, parseBhavcopy, type BhavcopyOptions } from './bhavcopy.ts';
import { FetchError, fetchAll, type FetchTarget } from './fetch.ts';
import { ImportError, inputTexts } from './input.ts';
import type { ImportKind, TradingDay } from './observations.ts';
import {
  candidateDays, nseBhavcopyTarget, NSE_ARCHIVES, UPSTOX_API, upstoxContractsTarget, upstoxExpiredCandlesTarget, upstoxExpiriesTarget,
  upstoxIndexCandlesTargets, type CandleInterval,
} from './sources.ts';
import { candleDays, candleFileName, parseCandles, parseInstruments, type CandleSeries, type ContractInfo } from './upstox-candles.ts';
import { listFiles, writeRecording } from './write.ts';
import { UNDERLYING_SPECS } from '../../../domain/instruments.ts';

const USAGE = `usage: volguard import nse-bhavcopy <files|dirs>… [--out DIR] [--replace] [--expiries NIFTY=4,BANKNIFTY=2] [--strikes N] [--lot NIFTY=N] [--from D] [--to D] [--fetch --from D --to D [--cache DIR] [--base-url URL] [--delay-ms N]]
       volguard import upstox-candles <dir> [--out DIR] [--replace] [--from D] [--to D] [--fetch --from D --to D [--interval day|1minute] [--underlying NIFTY,BANKNIFTY] [--cache DIR] [--base-url URL] [--delay-ms N]]`;

class UsageError extends Error {}

const OPTIONS = {
  out: { type: 'string' }, replace: { type: 'boolean' }, expiries: { type: 'string' }, strikes: { type: 'string' }, lot: { type: 'string' },
  from: { type: 'string' }, to: { type: 'string' }, fetch: { type: 'boolean' }, cache: { type: 'string' }, 'base-url': { type: 'string' },
  'delay-ms': { type: 'string' }, interval: { type: 'string' }, underlying: { type: 'string' }, 'data-dir': { type: 'string' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let kind: 'nse-bhavcopy' | 'upstox-candles';
  let values: Values;
  let positionals: string[];
  try {
    const [sub, ...rest] = argv;
    if (sub !== 'nse-bhavcopy' && sub !== 'upstox-candles') throw new UsageError(`expected nse-bhavcopy or upstox-candles, was ${sub === undefined ? 'none' : JSON.stringify(sub)}`);
    kind = sub;
    ({ values, positionals } = parseArgs({ args: [...rest], options: OPTIONS, allowPositionals: true, strict: true }));
    for (const d of ['from', 'to'] as const) if (values[d] !== undefined) checkDate(`--${d}`, values[d]);
    if (values.fetch && (values.from === undefined || values.to === undefined)) throw new UsageError('--fetch: expected --from and --to, was missing');
    if (values.from !== undefined && values.to !== undefined && values.from > values.to) throw new UsageError(`expected --from ≤ --to, was ${values.from} > ${values.to}`);
    if (!values.fetch && positionals.length === 0) throw new UsageError('expected files or directories to import (or --fetch), was none');
    if (kind === 'nse-bhavcopy' && (values.interval !== undefined || values.underlying !== undefined)) throw new UsageError('--interval/--underlying: expected with upstox-candles only');
  } catch (err) {
    if (!(err instanceof UsageError) && !(err instanceof TypeError)) throw err;
    io.stderr.write(`volguard import: ${err.message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const dataDir = path.resolve(io.cwd, values['data-dir'] ?? loadConfig(io.env, io.cwd).DATA_DIR);
  const progress = (line: string): void => { io.stderr.write(`${line}\n`); };
  try {
    const delayMs = values['delay-ms'] !== undefined ? nonNegativeInt('--delay-ms', values['delay-ms']) : kind === 'nse-bhavcopy' ? 1000 : 250;
    const cacheDir = path.resolve(io.cwd, values.cache ?? path.join(dataDir, 'downloads', kind));
    let inputs = positionals.map((p) => path.resolve(io.cwd, p));
    if (values.fetch) {
      if (kind === 'nse-bhavcopy') inputs = [...inputs, ...(await fetchBhavcopy(values.from!, values.to!, cacheDir, values['base-url'] ?? NSE_ARCHIVES, delayMs, progress))];
      else inputs = [...inputs, await fetchCandles(values, cacheDir, values['base-url'] ?? UPSTOX_API, delayMs, io, progress)];
    }
    const result = kind === 'nse-bhavcopy' ? importBhavcopy(inputs, values) : importCandles(inputs, values);
    const days = result.days;
    const first = days[0]?.date;
    if (first === undefined) throw new ImportError(inputs[0] ?? '(no input)', undefined, `expected at least one trading day${values.from ? ` in ${values.from}…${values.to ?? ''}` : ''}, was none`);
    const last = days.at(-1)!.date;
    const out = path.resolve(io.cwd, values.out ?? path.join(dataDir, 'history', `${kind}-${first}_${last}`));
    const written = writeRecording(days, {
      out, kind: result.kind, createdAt: new Date().toISOString(), inputs: result.inputs, replace: values.replace === true,
      frames: result.kind === 'upstox-candles' && result.minute ? 'one frame per minute candle, stamped at its close' : 'one frame per day at close − 15 min (15:15 IST), market closed at 15:30',
      chunkMs: result.minute ? 3_600_000 : 86_400_000,
    });
    io.stdout.write(`${JSON.stringify({ out: written.dir, kind: result.kind, days: days.length, from: first, to: last, chunks: written.index.chunks.length, quotes: written.stats })}\n`);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof ImportError || err instanceof FetchError || err instanceof UsageError) {
      io.stderr.write(`volguard import ${kind}: ${err.message}\n`);
      return err instanceof UsageError ? EXIT.usage : EXIT.failure;
    }
    if (err instanceof Error && /^expected /.test(err.message)) {
      io.stderr.write(`volguard import ${kind}: ${err.message}\n`);
      return EXIT.failure;
    }
    throw err;
  }
}

function checkDate(flag: string, v: string): void {
  try {
    dayNumber(v);
  } catch {
    throw new UsageError(`${flag}: expected a date YYYY-MM-DD, was ${JSON.stringify(v)}`);
  }
}

function nonNegativeInt(flag: string, v: string): number {
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag}: expected a non-negative integer, was ${JSON.stringify(v)}`);
  return Number(v);
}

/** `NIFTY=4,BANKNIFTY=2` → {NIFTY: 4, BANKNIFTY: 2}. */
function perUnderlying(flag: string, v: string | undefined): Partial<Record<Underlying, number>> | undefined {
  if (v === undefined) return undefined;
  const out: Partial<Record<Underlying, number>> = {};
  for (const part of v.split(',')) {
    const m = /^(NIFTY|BANKNIFTY)=(\d+)$/.exec(part.trim());
    if (!m || Number(m[2]) <= 0) throw new UsageError(`${flag}: expected NIFTY=N,BANKNIFTY=N with N > 0, was ${JSON.stringify(v)}`);
    out[m[1] as Underlying] = Number(m[2]);
  }
  return out;
}

function expand(inputs: readonly string[], accept: RegExp): string[] {
  const out: string[] = [];
  for (const p of inputs) {
    if (!existsSync(p)) throw new ImportError(p, undefined, 'expected a file or directory, was nothing there');
    if (statSync(p).isDirectory()) out.push(...listFiles(p).filter((f) => accept.test(f)));
    else out.push(p);
  }
  return [...new Set(out)];
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

interface Imported {
  readonly kind: ImportKind;
  readonly days: TradingDay[];
  readonly inputs: { file: string; sha256: string }[];
  readonly minute: boolean;
}

function importBhavcopy(paths: readonly string[], values: Values): Imported {
  const files = expand(paths, /\.(csv|zip|gz)$/i);
  if (files.length === 0) throw new ImportError(paths[0] ?? '(none)', undefined, 'expected bhavcopy files (.csv, .zip, .gz), was none');
  const inputs: { file: string; sha256: string }[] = [];
  const parsed = files.flatMap((f) => {
    const bytes = readFileSync(f);
    inputs.push({ file: path.basename(f), sha256: sha256(bytes) });
    return inputTexts(f, bytes).map(parseBhavcopy);
  }).filter((p) => (values.from === undefined || p.date >= values.from) && (values.to === undefined || p.date <= values.to));
  if (parsed.length === 0) throw new ImportError(files[0]!, undefined, `expected a trade date in ${values.from ?? '…'}–${values.to ?? '…'}, was none in the files given`);
  const expiries = perUnderlying('--expiries', values.expiries);
  const lotSizes = perUnderlying('--lot', values.lot);
  const opts: BhavcopyOptions = {
    ...(expiries ? { expiries } : {}), ...(lotSizes ? { lotSizes } : {}),
    ...(values.strikes !== undefined ? { strikesEachSide: nonNegativeInt('--strikes', values.strikes) } : {}),
  };
  return { kind: parsed[0]!.layout === 'udiff' ? 'nse-bhavcopy-udiff' : 'nse-bhavcopy-legacy', days: bhavcopyDays(parsed, opts), inputs, minute: false };
}

function importCandles(paths: readonly string[], values: Values): Imported {
  const files = expand(paths, /\.json(\.gz)?$/i);
  const master = files.filter((f) => /(^|\/)instruments\.json(\.gz)?$/.test(f));
  if (master.length !== 1) throw new ImportError(paths[0] ?? '(none)', undefined, `expected exactly one instruments.json naming the contracts, was ${master.length}`);
  const inputs: { file: string; sha256: string }[] = [];
  const read = (f: string): { name: string; text: string } => {
    const bytes = readFileSync(f);
    inputs.push({ file: path.basename(f), sha256: sha256(bytes) });
    const docs = inputTexts(f, bytes);
    if (docs.length !== 1) throw new ImportError(f, undefined, `expected one JSON document, was ${docs.length}`);
    return docs[0]!;
  };
  const contracts: Map<string, ContractInfo> = parseInstruments(read(master[0]!));
  const byName = new Map<string, string>();
  for (const key of [...contracts.keys(), UNDERLYING_SPECS.NIFTY.indexKey, UNDERLYING_SPECS.BANKNIFTY.indexKey]) byName.set(candleFileName(key), key);
  const series = new Map<string, CandleSeries>();
  const where = new Map<string, string>();
  for (const f of files) {
    if (master.includes(f) || f.includes(`${path.sep}meta${path.sep}`) || f.includes(`${path.sep}parts${path.sep}`)) continue;
    const key = byName.get(path.basename(f).replace(/\.gz$/, ''));
    if (key === undefined) throw new ImportError(f, undefined, 'expected a candle file named after an instrument in instruments.json (key with | as _), was an unknown name');
    series.set(key, parseCandles(read(f)));
    where.set(key, f);
  }
  const days = [...candleDays({ contracts, series, files: where }, { ...(values.from ? { from: values.from } : {}), ...(values.to ? { to: values.to } : {}) })];
  const minute = [...series.values()].some((s) => !s.daily);
  return { kind: 'upstox-candles', days, inputs, minute };
}

async function fetchBhavcopy(from: string, to: string, cacheDir: string, base: string, delayMs: number, progress: (l: string) => void): Promise<string[]> {
  const targets = candidateDays(from, to).map((d) => nseBhavcopyTarget(d, base));
  const valid = (bytes: Uint8Array): boolean => {
    try {
      inputTexts('download', bytes);
      return true;
    } catch {
      return false;
    }
  };
  const report = await fetchAll(targets, { cacheDir, delayMs, valid, progress });
  const missing = report.outcomes.filter((o) => o.outcome === 'missing').map((o) => o.target.label);
  if (missing.length > 0) progress(`not published (holidays, or before the archive): ${missing.join(', ')}`);
  return report.outcomes.filter((o) => o.outcome !== 'missing').map((o) => path.join(cacheDir, o.target.file));
}

/** Fetches expired contracts and their candles plus the index candles into `cacheDir`; returns the folder to import. */
async function fetchCandles(values: Values, cacheDir: string, base: string, delayMs: number, io: CliIo, progress: (l: string) => void): Promise<string> {
  const token = io.env['UPSTOX_ACCESS_TOKEN'];
  if (token === undefined || token === '') throw new UsageError('--fetch upstox-candles: expected UPSTOX_ACCESS_TOKEN in the environment (run volguard token), was unset');
  const interval = (values.interval ?? 'day') as CandleInterval;
  if (interval !== 'day' && interval !== '1minute') throw new UsageError(`--interval: expected day or 1minute, was ${JSON.stringify(values.interval)}`);
  const underlyings = (values.underlying ?? 'NIFTY,BANKNIFTY').split(',').map((u) => u.trim());
  for (const u of underlyings) if (u !== 'NIFTY' && u !== 'BANKNIFTY') throw new UsageError(`--underlying: expected NIFTY and/or BANKNIFTY, was ${JSON.stringify(u)}`);
  const from = values.from!;
  const to = values.to!;
  const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
  const jsonOk = (bytes: Uint8Array): boolean => {
    try {
      return (JSON.parse(Buffer.from(bytes).toString('utf8')) as { status?: unknown }).status === 'success';
    } catch {
      return false;
    }
  };
  const opts = { cacheDir, delayMs, headers, valid: jsonOk, progress };
  const readJson = (t: FetchTarget): { data?: unknown } => JSON.parse(readFileSync(path.join(cacheDir, t.file), 'utf8')) as { data?: unknown };
  const rows: unknown[] = [];
  const candleTargets: FetchTarget[] = [];
  // Contracts alive in [from, to]: expiries from `from` until the first one 8 weeks after `to` (monthlies included).
  const horizon = dayNumber(to) + 56;
  for (const u of underlyings as Underlying[]) {
    const et = upstoxExpiriesTarget(u, base);
    await fetchAll([et], opts);
    const expiries = (readJson(et).data as unknown[] | undefined ?? []).filter((e): e is string => typeof e === 'string' && e >= from && dayNumber(e) <= horizon).sort();
    const ct = expiries.map((e) => upstoxContractsTarget(u, e, base));
    await fetchAll(ct, opts);
    for (const t of ct) {
      for (const row of (readJson(t).data as unknown[] | undefined) ?? []) {
        rows.push(row);
        const key = (row as { instrument_key?: unknown }).instrument_key;
        if (typeof key === 'string') candleTargets.push(upstoxExpiredCandlesTarget(key, interval, from, to, base));
      }
    }
    const parts = upstoxIndexCandlesTargets(u, interval, from, to, base);
    await fetchAll(parts, opts);
    // One file per instrument: the index's windows merged.
    const candles = parts.flatMap((p) => ((readJson(p).data as { candles?: unknown[] } | undefined)?.candles ?? []));
    writeFileSync(path.join(cacheDir, candleFileName(UNDERLYING_SPECS[u].indexKey)), JSON.stringify({ status: 'success', data: { candles } }));
  }
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(path.join(cacheDir, 'instruments.json'), JSON.stringify(rows));
  await fetchAll(candleTargets, opts);
  progress(`fetched ${candleTargets.length} contracts' candles (expired contracts only: contracts still trading are not covered by the expired-instruments API)`);
  return cacheDir;
}
