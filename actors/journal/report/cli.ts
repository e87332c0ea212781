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

const USAGE = 'usage: volguard report session [--json] [--out DIR] [--data-dir DIR] [--recording DIR] [--capital RUPEES] [--title TEXT]';

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
  let values: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
  try {
    if (sub === 'day') throw new TypeError('report day: expected the money stream\'s daily summaries (issue 14), not built yet; use report session');
    if (sub !== 'session') throw new TypeError(`expected a subcommand (session), was ${sub === undefined ? 'none' : JSON.stringify(sub)}`);
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
