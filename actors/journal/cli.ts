/**
 * @module `volguard journal dump|verify|stats|backup|restore`. Works while the system runs: readers open the LMDB
 * file read-only in this process and never block the writer (LMDB is multi-process).
 *
 *   journal dump [--from SEQ | --since TIME] [--type T] [--limit N]   JSON lines, one entry each
 *   journal verify                                                     exit 1 naming the first bad seq
 *   journal stats                                                      one JSON object
 *   journal backup                                                     hot backup into JOURNAL_BACKUP_DIR (default DATA_DIR/backup, + rotation)
 *   journal restore <file>                                             into an empty DATA_DIR/journal
 * Every subcommand accepts `--data-dir DIR` (default: DATA_DIR from the environment / .env).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { realClock } from '../../runtime/clock.ts';
import { loadConfig } from '../../runtime/main/config.ts';
import { argsError, EXIT, type CliIo } from '../../runtime/cli/io.ts';
import { JournalError } from '../../runtime/errors.ts';
import { backupJournal, restoreJournal } from './backup.ts';
import { MIB } from './config.ts';
import { Journal } from './journal.ts';
import { LmdbBackend } from './lmdb-store.ts';
import { verifyJournal } from './verify.ts';
import type { ReadOptions } from './store.ts';

const USAGE = 'usage: volguard journal dump [--from SEQ | --since TIME] [--type T] [--limit N] | verify | stats | backup | restore <file>  [--data-dir DIR]';

class UsageError extends Error {}

function intFlag(flags: Map<string, string>, name: string): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name}: expected a non-negative integer, was ${JSON.stringify(v)}`);
  return n;
}

function timeFlag(flags: Map<string, string>, name: string): number | undefined {
  const v = flags.get(name);
  if (v === undefined) return undefined;
  const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(n)) throw new UsageError(`--${name}: expected epoch ms or an ISO-8601 time, was ${JSON.stringify(v)}`);
  return n;
}

const KNOWN_FLAGS: Readonly<Record<string, readonly string[]>> = {
  dump: ['from', 'since', 'type', 'limit', 'data-dir'],
  verify: ['data-dir'],
  stats: ['data-dir'],
  backup: ['data-dir'],
  restore: ['data-dir'],
};

interface Parsed {
  readonly positional: readonly string[];
  readonly flags: Map<string, string>;
}

/** The subcommand's options (every one takes a value), strictly: an unknown one is a usage error. */
function parseSubcommand(sub: string, argv: readonly string[]): Parsed {
  const options = Object.fromEntries((KNOWN_FLAGS[sub] ?? []).map((f) => [f, { type: 'string' as const }]));
  try {
    const { values, positionals } = parseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
    return { positional: positionals, flags: new Map(Object.entries(values).filter((e): e is [string, string] => typeof e[1] === 'string')) };
  } catch (err) {
    const why = argsError(err);
    if (why === null) throw err;
    throw new UsageError(`journal ${sub}: ${why}`);
  }
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: Parsed;
  const [sub, ...rest] = argv;
  try {
    if (sub === undefined || !(sub in KNOWN_FLAGS)) throw new UsageError(`expected a subcommand (dump|verify|stats|backup|restore), was ${sub === undefined ? 'none' : JSON.stringify(sub)}`);
    parsed = parseSubcommand(sub, rest);
    if (sub === 'dump' && parsed.flags.has('from') && parsed.flags.has('since')) throw new UsageError('journal dump: expected --from or --since, was both');
    if (sub === 'restore' ? parsed.positional.length !== 1 : parsed.positional.length !== 0) {
      throw new UsageError(`journal ${sub}: expected ${sub === 'restore' ? 'one backup file' : 'no arguments'}, was ${JSON.stringify(parsed.positional)}`);
    }
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`volguard journal: ${err.message}\n${USAGE}\n`);
    return EXIT.usage;
  }

  const dataDir = path.resolve(io.cwd, parsed.flags.get('data-dir') ?? loadConfig(io.env, io.cwd).DATA_DIR);
  const journalDir = path.join(dataDir, 'journal');
  try {
    switch (sub) {
      case 'dump':
        return await dump(journalDir, parsed.flags, io);
      case 'verify':
        return await verify(journalDir, io);
      case 'stats':
        return await withJournal(journalDir, true, (j) => {
          io.stdout.write(`${JSON.stringify(j.stats())}\n`);
          return EXIT.ok;
        });
      case 'backup': {
        const cfg = parsed.flags.has('data-dir') ? null : loadConfig(io.env, io.cwd);
        const keep = cfg?.JOURNAL_BACKUP_KEEP ?? 24;
        const backend = new LmdbBackend(journalDir, { mapSizeBytes: (cfg?.JOURNAL_MAP_SIZE_MB ?? 256) * MIB });
        const journal = new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER });
        try {
          const backupDir = cfg?.JOURNAL_BACKUP_DIR !== undefined ? path.resolve(io.cwd, cfg.JOURNAL_BACKUP_DIR) : path.join(dataDir, 'backup');
          const r = await backupJournal(journal, backend, backupDir, keep, realClock.now());
          io.stdout.write(`${JSON.stringify(r)}\n`);
          return EXIT.ok;
        } finally {
          await journal.close();
        }
      }
      case 'restore': {
        const file = path.resolve(io.cwd, parsed.positional[0] as string);
        const r = await restoreJournal(file, journalDir);
        io.stdout.write(`${JSON.stringify(r)}\n`);
        return EXIT.ok;
      }
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`volguard journal ${sub}: ${err.message}\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (err instanceof JournalError) {
      io.stderr.write(`volguard journal ${sub}: ${err.message}\n`);
      return EXIT.failure;
    }
    throw err;
  }
  return EXIT.usage;
}

async function withJournal<T>(dir: string, readOnly: boolean, fn: (j: Journal) => T | Promise<T>): Promise<T> {
  const backend = new LmdbBackend(dir, { readOnly });
  try {
    return await fn(new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER }));
  } finally {
    await backend.close();
  }
}

async function dump(dir: string, flags: Map<string, string>, io: CliIo): Promise<number> {
  const opts: { -readonly [K in keyof ReadOptions]: ReadOptions[K] } = {};
  const from = intFlag(flags, 'from');
  const since = timeFlag(flags, 'since');
  const limit = intFlag(flags, 'limit');
  if (from !== undefined) opts.from = from;
  if (since !== undefined) opts.since = since;
  if (limit !== undefined) opts.limit = limit;
  const type = flags.get('type');
  if (type !== undefined) opts.type = type;
  return withJournal(dir, true, async (j) => {
    let chunk = '';
    for (const e of j.read(opts)) {
      chunk += `${JSON.stringify(e, jsonReplacer)}\n`;
      if (chunk.length > 64 * 1024) {
        if (!io.stdout.write(chunk)) await new Promise((r) => io.stdout.once('drain', r));
        chunk = '';
      }
    }
    io.stdout.write(chunk);
    return EXIT.ok;
  });
}

/** JSON for bodies that may hold bigints or typed arrays. */
function jsonReplacer(_key: string, v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v;
}

async function verify(dir: string, io: CliIo): Promise<number> {
  const r = await verifyJournal(dir);
  io.stdout.write(`${JSON.stringify(r)}\n`);
  if (r.ok) return EXIT.ok;
  const p = r.problems[0];
  io.stderr.write(`volguard journal verify: first bad seq ${p?.seq} (${p?.kind}): ${p?.message}\n`);
  return EXIT.failure;
}
