/**
 * @module Main's log sink: JSON lines to LOG_DIR/volguard.log with size/time rotation (one writer for every thread —
 * workers send their lines here), plus the terminal: pretty on a TTY, JSON otherwise. LOG_DIR/production_supervisor.log
 * is kept as a link to it: the name the seed documented (`tail -F logs/production_supervisor.log`).
 */
import { lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';
import type { DestinationStream } from 'pino';
import { createLogger, registerSecret, scrubbingStream, secrets, type Logger } from '../log.ts';

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
  /** Mirror lines to stdout (default: true). */
  readonly console?: boolean;
  readonly pretty?: boolean;
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

export async function createLogSink(opts: LogSinkOptions): Promise<LogSink> {
  for (const s of opts.secrets) registerSecret(s);
  mkdirSync(opts.dir, { recursive: true });
  const file: RotatingFileStream = createStream(LOG_FILE, { path: opts.dir, size: '50M', interval: '1d', maxFiles: 14 });
  const linkProblem = linkLogFile(opts.dir);
  let toConsole: ((line: string) => void) | null = null;
  if (opts.console !== false) {
    if (opts.pretty) {
      const { default: pretty } = await import('pino-pretty').catch(() => ({ default: null }));
      const stream = pretty ? pretty({ colorize: true, sync: true }) : null;
      toConsole = stream ? (line) => stream.write(line) : (line) => process.stdout.write(line);
    } else {
      toConsole = (line) => process.stdout.write(line);
    }
  }
  const dest: DestinationStream = {
    write(line: string) {
      file.write(line);
      toConsole?.(line);
    },
  };
  const scrubbed = scrubbingStream(dest, secrets);
  const log = createLogger(dest, { level: opts.level, base: { actor: 'main' } });
  if (linkProblem !== null) log.warn(linkProblem);
  return {
    log,
    writeLine: (line) => scrubbed.write(line.endsWith('\n') ? line : `${line}\n`),
    close: () => new Promise<void>((resolve) => file.end(() => resolve())),
  };
}
