/**
 * @module Main's log sink: JSON lines to LOG_DIR/volguard.log with size/time rotation (one writer for every thread —
 * workers send their lines here), plus the terminal: pretty on a TTY, JSON otherwise.
 */
import { mkdirSync } from 'node:fs';
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

export async function createLogSink(opts: LogSinkOptions): Promise<LogSink> {
  for (const s of opts.secrets) registerSecret(s);
  mkdirSync(opts.dir, { recursive: true });
  const file: RotatingFileStream = createStream('volguard.log', { path: opts.dir, size: '50M', interval: '1d', maxFiles: 14 });
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
  return {
    log,
    writeLine: (line) => scrubbed.write(line.endsWith('\n') ? line : `${line}\n`),
    close: () => new Promise<void>((resolve) => file.end(() => resolve())),
  };
}
