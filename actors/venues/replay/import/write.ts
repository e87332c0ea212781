/**
 * @module Writes imported trading days as one recording, atomically: everything goes into a sibling temporary
 * directory that is renamed onto the target only when complete, so a failed or interrupted import leaves nothing
 * half-written where a backtest would look.
 */
import { existsSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Recorder } from '../recorder.ts';
import type { RecordingIndex, RecordingMeta } from '../format.ts';
import type { ImportKind, TradingDay } from './observations.ts';
import { dayEntries, emptyStats, type FrameStats } from './frames.ts';
import { DEFAULT_SPREAD_MODEL, type SpreadModel } from './spread-model.ts';

export interface WriteOptions {
  readonly out: string;
  readonly kind: ImportKind;
  /** ISO time written into the index (the CLI passes the wall clock; tests a constant). */
  readonly createdAt: string;
  readonly inputs: readonly { readonly file: string; readonly sha256: string }[];
  readonly spreadModel?: SpreadModel;
  /** Replace an existing recording at `out` (default: refuse). */
  readonly replace?: boolean;
  /** Market ms per chunk (default one day: a backtest seeks by day). */
  readonly chunkMs?: number;
  readonly frames: string;
}

export interface WriteResult {
  readonly dir: string;
  readonly index: RecordingIndex;
  readonly stats: FrameStats;
}

export function writeRecording(days: Iterable<TradingDay>, opts: WriteOptions): WriteResult {
  const out = path.resolve(opts.out);
  if (existsSync(out) && !opts.replace) {
    throw new Error(`expected no recording at ${out}, was one there (pass --replace to overwrite it)`);
  }
  const model = opts.spreadModel ?? DEFAULT_SPREAD_MODEL;
  const dates: string[] = [];
  const meta = (): RecordingMeta => ({
    importedFrom: opts.kind, quotes: 'derived', spreadModel: { ...model }, days: [...dates], frames: opts.frames, inputs: opts.inputs,
  });
  const tmp = `${out}.partial-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  const stats = emptyStats();
  let index: RecordingIndex;
  try {
    const rec = new Recorder({ dir: tmp, source: opts.kind, chunkMs: opts.chunkMs ?? 86_400_000, createdAt: opts.createdAt, meta: meta() });
    for (const day of days) {
      if (dates.length > 0 && !(day.date > dates.at(-1)!)) throw new Error(`expected trading days in ascending order, was ${day.date} after ${dates.at(-1)}`);
      dates.push(day.date);
      rec.setMeta(meta());
      for (const e of dayEntries(day, model, stats)) {
        if (e[1] === 0) rec.ticks(e[0], e[2]);
        else if (e[1] === 1) rec.instruments(e[0], e[2]);
        else if (e[1] === 2) rec.status(e[0], e[2]);
        else rec.settlements(e[0], e[2]);
      }
    }
    if (dates.length === 0) throw new Error('expected at least one trading day to write, was none');
    index = rec.close();
    if (existsSync(out)) {
      const old = `${out}.old-${process.pid}`;
      renameSync(out, old);
      renameSync(tmp, out);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, out);
    }
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
  return { dir: out, index, stats };
}

/** Lists the files under a directory (recursively), sorted, for imports given a folder. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(p));
    else if (entry.isFile() && !entry.name.startsWith('.') && !entry.name.endsWith('.part')) out.push(p);
  }
  return out.sort();
}
