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
