/**
 * @module The streams and environment a CLI command works with, injected so tests can drive commands in-process.
 */
import type { Readable, Writable } from 'node:stream';

export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
}

/** A subcommand: takes its own argv (after the command name), returns the process exit code. */
export type CommandRun = (argv: readonly string[], io: CliIo) => Promise<number>;

export interface CommandModule {
  readonly run: CommandRun;
}

/** Exit codes used by every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 78 } as const;

/**
 * A `node:util` parseArgs failure (unknown option, missing value, unexpected argument) in our words, or null for any
 * other error. Every command parses its argv with parseArgs (strict) and prints this with its usage, exit 2.
 */
export function argsError(err: unknown): string | null {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) return null;
  const quoted = /'([^']*)'/.exec(err instanceof Error ? err.message : '')?.[1] ?? '';
  const option = quoted.split(' ')[0] ?? quoted;
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${option}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return `${option}: expected a value, was none`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(quoted)}`;
    default:
      return err instanceof Error ? err.message : String(err);
  }
}
