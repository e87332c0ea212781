/**
 * @module `volguard report session [--json] [--out DIR] [--data-dir DIR] [--recording DIR] [--capital ₹] [--title T]`:
 * the HTML + JSON report of a SHADOW / paper / live session from its journal. Safe while the system runs: the journal
 * is opened read-only (LMDB readers never block the writer), exactly as `volguard journal dump` does.
 *
 * `--recording DIR` names the recording a replayed session played, so fills can be marked as priced off derived
 * quotes (an imported recording says so in its index). Without `--json`, writes `report.html` and `summary.json` into
 * `--out` (default DATA_DIR/reports/session-<time>); with `--json`, prints the summary to stdout (and writes files only
 * when `--out` is given too).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { realClock } from '../../../runtime/clock.ts';
import { loadConfig } from '../../../runtime/main/config.ts';
import { EXIT, type CliIo } from '../../../runtime/cli/io.ts';
import { JournalError } from '../../../runtime/errors.ts';
import { Journal } from '../journal.ts';
import { LmdbBackend } from '../lmdb-store.ts';
import { readIndex } from '../../venues/replay/source.ts';
import { buildReport } from './model.ts';
import { renderHtml, renderJson } from './render.ts';
import { CyclesPnl, dayReport, DAY_CYCLES_READ, DAY_OPEN_READ, DAY_READ, findDay, renderDayText, type DayReport } from './day.ts';
import type { JournalEntry } from '../messages.ts';
import type { ReadOptions } from '../store.ts';

const USAGE = 'usage: volguard report session [--json] [--out DIR] [--data-dir DIR] [--recording DIR] [--capital RUPEES] [--title TEXT]\n'
  + '       volguard report day [--date YYYY-MM-DD] [--json] [--data-dir DIR]';

const DAY_OPTIONS = { date: { type: 'string' }, json: { type: 'boolean' }, 'data-dir': { type: 'string' } } as const;

/**
 * Where to read `date` (null: the latest day): from its `money.dayOpened` to the next day's (exclusive), found through
 * the risk actor's kv `risk.daySeqs` (date → seq), so a months-long journal is not read whole; the whole journal when
 * that index is missing (a journal from before it) or does not know the date.
 */
function daySpan(journal: Journal, date: string | null): { readonly from: number; readonly end: number; readonly date: string | null } {
  const seqs = journal.kvGet('risk.daySeqs').value as Record<string, number> | null;
  const dates = seqs !== null && typeof seqs === 'object' ? Object.keys(seqs).filter((d) => Number.isInteger(seqs[d])).sort() : [];
  const target = date ?? dates[dates.length - 1];
  const from = target === undefined ? undefined : seqs?.[target];
  if (target === undefined || from === undefined) return { from: 0, end: Infinity, date };
  const later = dates.filter((d) => d > target).map((d) => seqs![d]!);
  return { from, end: later.length > 0 ? Math.min(...later) : Infinity, date: target };
}

/**
 * Whether the risk actor's kv `risk.days` (its closed days' summaries, written with each `money.dayClosed`) lists
 * `date`. Only a hint for which read is cheaper: the report's figures come from the journal's entries either way.
 */
function closedPerRisk(journal: Journal, date: string): boolean {
  const days = journal.kvGet('risk.days').value;
  return Array.isArray(days) && days.some((d: unknown) => typeof d === 'object' && d !== null && (d as { date?: unknown }).date === date);
}

/** The entries `read` selects in seqs [from, end). */
function* readSpan(journal: Journal, read: ReadOptions, from: number, end: number): Iterable<JournalEntry> {
  for (const e of journal.read({ ...read, from })) {
    if (e.seq >= end) return;
    yield e;
  }
}

/**
 * The day's report, decoding only what its fold reads (day.ts DAY_READ). A closed day is its summary, so its cycles are
 * not read at all; a day still open needs its cycles' P&L (DAY_CYCLES_READ). Which one it is shows only in the day's
 * entries, so risk's kv says which to expect: a day it has not closed is read with its cycles in one pass
 * (DAY_OPEN_READ); otherwise without, and a day found open after all takes a second pass over its span for them.
 */
function readDayReport(journal: Journal, date: string | null): DayReport | null {
  const span = daySpan(journal, date);
  if (span.date !== null && !closedPerRisk(journal, span.date)) {
    const found = findDay(date, readSpan(journal, DAY_OPEN_READ, span.from, span.end));
    return found === null ? null : dayReport(found);
  }
  const found = findDay(date, readSpan(journal, DAY_READ, span.from, span.end));
  if (found === null || found.closed !== null) return found === null ? null : dayReport(found);
  const cycles = new CyclesPnl();
  for (const e of readSpan(journal, DAY_CYCLES_READ, found.openSeq + 1, Math.min(found.endSeq, span.end))) {
    if (e.type === 'money.dayOpened') break;
    cycles.add(e.body);
  }
  return dayReport({ ...found, cycles });
}

/**
 * `report day`: one trading day's P&L (gross, charges, settlement, net), trades, drawdown and safety events from the
 * risk actor's journaled day (day.ts here); the latest day opened when `--date` is not given.
 */
async function runDay(rest: readonly string[], io: CliIo): Promise<number> {
  let values: ReturnType<typeof parseArgs<{ options: typeof DAY_OPTIONS }>>['values'];
  try {
    ({ values } = parseArgs({ args: [...rest], options: DAY_OPTIONS, strict: true, allowPositionals: false }));
    if (values.date !== undefined && !(/^\d{4}-\d{2}-\d{2}$/.test(values.date) && !Number.isNaN(Date.parse(`${values.date}T00:00:00Z`)) && new Date(`${values.date}T00:00:00Z`).toISOString().startsWith(values.date))) {
      throw new TypeError(`--date: expected a date YYYY-MM-DD, was ${JSON.stringify(values.date)}`);
    }
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    io.stderr.write(`volguard report day: ${err.message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const dataDir = path.resolve(io.cwd, values['data-dir'] ?? loadConfig(io.env, io.cwd).DATA_DIR);
  try {
    const backend = new LmdbBackend(path.join(dataDir, 'journal'), { readOnly: true });
    let report;
    const date: string | null = values.date ?? null;
    try {
      const journal = new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER });
      report = readDayReport(journal, date);
    } finally {
      await backend.close();
    }
    if (report === null) {
      io.stderr.write(`volguard report day: expected a trading day ${date === null ? '' : `${date} `}in the journal at ${dataDir} (money.dayOpened), was none\n`);
      return EXIT.failure;
    }
    io.stdout.write(values.json ? `${JSON.stringify(report)}\n` : renderDayText(report));
    return EXIT.ok;
  } catch (err) {
    if (err instanceof JournalError || (err instanceof Error && /^expected /.test(err.message))) {
      io.stderr.write(`volguard report day: ${err.message}\n`);
      return EXIT.failure;
    }
    throw err;
  }
}

const OPTIONS = {
  json: { type: 'boolean' }, out: { type: 'string' }, 'data-dir': { type: 'string' }, recording: { type: 'string' },
  capital: { type: 'string' }, title: { type: 'string' },
} as const;

/** Whether a fill at `ts` priced off a derived quote, from the recording the session replayed. */
export function derivedFromRecording(dir: string): (key: string, ts: number) => boolean | null {
  const index = readIndex(dir);
  const derived = index.meta?.quotes === 'derived';
  return (_key, ts) => (ts >= index.startTs && ts <= index.endTs + 86_400_000 ? derived : null);
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'day') return runDay(rest, io);
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    if (sub !== 'session') throw new TypeError(`expected a subcommand (session|day), was ${sub === undefined ? 'none' : JSON.stringify(sub)}`);
    ({ values } = parseArgs({ args: [...rest], options: OPTIONS, strict: true, allowPositionals: false }));
    if (values.capital !== undefined && !(/^\d+(\.\d+)?$/.test(values.capital) && Number(values.capital) > 0)) throw new TypeError(`--capital: expected rupees > 0, was ${JSON.stringify(values.capital)}`);
  } catch (err) {
    if (!(err instanceof TypeError)) throw err;
    io.stderr.write(`volguard report: ${err.message}\n${USAGE}\n`);
    return EXIT.usage;
  }
  const cfg = values['data-dir'] !== undefined && values.capital !== undefined ? null : loadConfig(io.env, io.cwd);
  const dataDir = path.resolve(io.cwd, values['data-dir'] ?? cfg!.DATA_DIR);
  const capital = values.capital !== undefined ? Number(values.capital) : cfg!.BASE_CAPITAL;
  try {
    const derivedQuote = values.recording !== undefined ? derivedFromRecording(path.resolve(io.cwd, values.recording)) : undefined;
    const backend = new LmdbBackend(path.join(dataDir, 'journal'), { readOnly: true });
    let data;
    try {
      const journal = new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER });
      data = buildReport(journal.read({}), { title: values.title ?? `VolGuard session report — ${dataDir}`, capital, ...(derivedQuote ? { derivedQuote } : {}) });
    } finally {
      await backend.close();
    }
    const json = renderJson(data);
    if (values.json) io.stdout.write(json);
    if (!values.json || values.out !== undefined) {
      const out = path.resolve(io.cwd, values.out ?? path.join(dataDir, 'reports', `session-${new Date(realClock.now()).toISOString().replace(/[:.]/g, '-')}`));
      mkdirSync(out, { recursive: true });
      writeFileSync(path.join(out, 'summary.json'), json);
      writeFileSync(path.join(out, 'report.html'), renderHtml(data));
      if (!values.json) io.stdout.write(`${JSON.stringify({ html: path.join(out, 'report.html'), json: path.join(out, 'summary.json'), days: data.days.length, trades: data.trades.length, safetyEvents: data.safety.length })}\n`);
    }
    return EXIT.ok;
  } catch (err) {
    if (err instanceof JournalError || (err instanceof Error && /^expected /.test(err.message))) {
      io.stderr.write(`volguard report session: ${err.message}\n`);
      return EXIT.failure;
    }
    throw err;
  }
}
