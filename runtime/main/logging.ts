/**
 * @module Main's log sink: JSON lines to LOG_DIR/volguard.log with size/time rotation (one writer for every thread —
 * workers send their lines here), plus the terminal: pretty on a TTY, JSON otherwise (stdout carries JSON only).
 * LOG_DIR/production_supervisor.log is kept as a link to it: the name the seed documented
 * (`tail -F logs/production_supervisor.log`).
 *
 * Under a fault that repeats every cycle (a full disk) the same warning or error is written once per window and then
 * summed up (RepeatLimiter). A log file that cannot be written (ENOSPC) never takes the process down: the sink says so
 * once on the terminal, keeps the terminal going, retries the file every FILE_RETRY_MS and, when it is writable again,
 * says how many lines it could not write.
 */
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import type { DestinationStream } from 'pino';
import { createLogger, registerSecret, scrubbingStream, secrets, type Logger } from '../log.ts';
import { RepeatLimiter } from './repeat-limiter.ts';

export interface LogSink {
  readonly log: Logger;
  /** Writes an already-formatted JSON line from a worker (scrubbed again here). */
  writeLine(line: string): void;
  close(): Promise<void>;
}

export interface LogSinkOptions {
  readonly dir: string;
  readonly level: string;
  readonly secrets: readonly (string | undefined)[];
  /** Mirror lines to the terminal (default: true). */
  readonly console?: boolean;
  readonly pretty?: boolean;
  /** The terminal (default process.stdout). */
  readonly stdout?: { write(line: string): unknown };
  /** Window for repeated identical warnings and errors (default 10 s). */
  readonly repeatWindowMs?: number;
  /** Wall clock for the repeat windows (default Date.now). */
  readonly now?: () => number;
}

export const LOG_FILE = 'volguard.log';
/** The seed's documented log name: a relative link to LOG_FILE (rotation renames the old file; the link stays current). */
export const LOG_LINK = 'production_supervisor.log';
/** Makes LOG_DIR/production_supervisor.log point at volguard.log; what stands in the way is said, never deleted. */
export function linkLogFile(dir: string): string | null {
  const link = path.join(dir, LOG_LINK);
  try {
    const st = lstatSync(link, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) {
      if (readlinkSync(link) === LOG_FILE) return null;
      rmSync(link);
    } else if (st !== undefined) {
      return `${link} exists and is not a link; left as it is (the log is ${LOG_FILE})`;
    }
    symlinkSync(LOG_FILE, link);
    return null;
  } catch (err) {
    return `cannot link ${link} to ${LOG_FILE}: ${(err as Error).message}`;
  }
}

/** How often a log file that failed is tried again. */
const FILE_RETRY_MS = 5000;

export async function createLogSink(opts: LogSinkOptions): Promise<LogSink> {
  for (const s of opts.secrets) registerSecret(s);
  mkdirSync(opts.dir, { recursive: true });
  const now = opts.now ?? Date.now;
  const stdout = opts.stdout ?? process.stdout;
  let toConsole: ((line: string) => void) | null = null;
  if (opts.console !== false) {
    if (opts.pretty) {
      const { default: pretty } = await import('pino-pretty').catch(() => ({ default: null }));
      const stream = pretty ? pretty({ colorize: true, sync: true }) : null;
      toConsole = stream ? (line) => stream.write(line) : (line) => stdout.write(line);
    } else {
      toConsole = (line) => stdout.write(line);
    }
  }
  const file = new ResilientFile(opts.dir, (line) => limiter.write(line), now);
  const linkProblem = linkLogFile(opts.dir);
  const limiter = new RepeatLimiter({
    windowMs: opts.repeatWindowMs ?? 10_000,
    now,
    write: (line) => {
      file.write(line);
      toConsole?.(line);
    },
  });
  const summaries = setInterval(() => limiter.flush(), 1000);
  summaries.unref();
  const dest: DestinationStream = { write: (line: string) => limiter.write(line) };
  const scrubbed = scrubbingStream(dest, secrets);
  const log = createLogger(dest, { level: opts.level, base: { actor: 'main' } });
  if (linkProblem !== null) log.warn(linkProblem);
  return {
    log,
    writeLine: (line) => scrubbed.write(line.endsWith('\n') ? line : `${line}\n`),
    close: async () => {
      clearInterval(summaries);
      limiter.flush(true);
      await file.close();
    },
  };
}

/** LOG_DIR/volguard.log that survives write errors (see the module comment). */
class ResilientFile {
  readonly #dir: string;
  readonly #report: (line: string) => void;
  readonly #now: () => number;
  #stream: RotatingFileStream | null = null;
  #down: { since: number; code: string; lost: number } | null = null;
  #retry: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(dir: string, report: (line: string) => void, now: () => number) {
    this.#dir = dir;
    this.#report = report;
    this.#now = now;
    this.#open();
  }

  #open(): void {
    const stream = createStream(LOG_FILE, { path: this.#dir, size: '50M', interval: '1d', maxFiles: 14 });
    stream.on('error', (err: NodeJS.ErrnoException) => this.#failed(stream, err));
    this.#stream = stream;
  }

  #failed(stream: RotatingFileStream, err: NodeJS.ErrnoException): void {
    if (this.#stream !== stream) return;
    this.#stream = null;
    stream.destroy();
    this.#down = { since: this.#now(), code: err.code ?? err.message, lost: 0 };
    this.#note('error', `log file cannot be written (${err.code ?? err.message}): lines go to the terminal only; retrying every ${FILE_RETRY_MS / 1000} s`, { code: err.code });
    this.#retry = setTimeout(() => {
      this.#retry = null;
      if (this.#closed) return;
      const lost = this.#down?.lost ?? 0;
      this.#open();
      this.#down = null;
      this.#note('warn', `log file writable again; ${lost} lines were not written to it`, { lost });
    }, FILE_RETRY_MS);
    this.#retry.unref();
  }

  #note(level: string, msg: string, extra: Record<string, unknown>): void {
    this.#report(`${JSON.stringify({ level, time: new Date(this.#now()).toISOString(), actor: 'main', msg, file: path.join(this.#dir, LOG_FILE), ...extra })}\n`);
  }

  write(line: string): void {
    if (this.#stream !== null) this.#stream.write(line);
    else if (this.#down !== null) this.#down.lost++;
  }

  close(): Promise<void> {
    this.#closed = true;
    if (this.#retry) clearTimeout(this.#retry);
    const stream = this.#stream;
    this.#stream = null;
    if (stream === null) return Promise.resolve();
    // A stream that errors while closing must not leave close() pending forever.
    return new Promise<void>((resolve) => {
      stream.once('error', () => resolve());
      stream.end(() => resolve());
    });
  }
}
