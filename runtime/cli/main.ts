#!/usr/bin/env node
/**
 * @module `volguard <command>`: the command plumbing (help, version, unknown commands, exit codes).
 */
import { readFileSync } from 'node:fs';
import { applyLatencyFlags } from '../v8-tuning.ts';
import { COMMANDS } from './commands.ts';
import { EXIT, type CliIo } from './io.ts';
import { VolguardError } from '../errors.ts';

// Before any command module loads: the main thread's first GCs already arm V8's memory reducer (see v8-tuning.ts).
applyLatencyFlags();

export function version(): string {
  const injected = (globalThis as { __VOLGUARD_VERSION__?: string }).__VOLGUARD_VERSION__;
  if (injected) return injected;
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function helpText(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((k) => k.length));
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return [
    `volguard ${version()} — options selling with safety first`,
    '',
    'usage: volguard <command> [options]',
    '',
    'commands:',
    ...lines,
    '',
    'options: --help (also after a command), --version',
    'configuration comes from the environment and .env; see .env.example',
  ].join('\n');
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    io.stdout.write(`${helpText()}\n`);
    return command === undefined ? EXIT.usage : EXIT.ok;
  }
  if (command === '--version' || command === '-v') {
    io.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const entry = COMMANDS[command];
  if (!entry) {
    io.stderr.write(`volguard: unknown command '${command}'\n\n${helpText()}\n`);
    return EXIT.usage;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(`usage: ${entry.usage}\n${entry.summary}\n`);
    return EXIT.ok;
  }
  try {
    const mod = await entry.load();
    return await mod.run(rest, io);
  } catch (err) {
    if (err instanceof VolguardError) {
      io.stderr.write(`volguard ${command}: ${err.message}\n`);
      return err.code === 'CONFIG' ? EXIT.config : EXIT.failure;
    }
    throw err;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (invokedDirectly || (globalThis as { __VOLGUARD_BINARY__?: boolean }).__VOLGUARD_BINARY__) {
  const io: CliIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
  let settled = false;
  // A command whose promise never settles (waiting on an unref'd timer, say) would otherwise end with exit code 0
  // and no word: say so and fail instead.
  process.once('beforeExit', () => {
    if (settled) return;
    process.stderr.write(`volguard ${process.argv[2] ?? ''}: ended without finishing (nothing left to wait on, no answer); this is a bug\n`);
    process.exitCode = EXIT.failure;
  });
  main(process.argv.slice(2), io).then(
    (code) => {
      settled = true;
      process.exitCode = code;
    },
    (err: unknown) => {
      settled = true;
      process.stderr.write(`volguard: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
