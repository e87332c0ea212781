/**
 * @module `volguard fake-upstox --port N [--token T]`: runs the offline Upstox fake until SIGINT/SIGTERM.
 */
import { parseArgs } from 'node:util';
import type { CliIo } from '../../../../runtime/cli/io.ts';
import { argsError, EXIT } from '../../../../runtime/cli/io.ts';
import { startFakeUpstox } from './server.ts';

export async function run(argv: readonly string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  let values: { port?: string; token?: string; 'interval-ms'?: string };
  try {
    const options = { port: { type: 'string' }, token: { type: 'string' }, 'interval-ms': { type: 'string' } } as const;
    values = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const why = argsError(err);
    if (why === null) throw err;
    io.stderr.write(`fake-upstox: ${why}\nusage: volguard fake-upstox --port N [--token T] [--interval-ms MS]\n`);
    return EXIT.usage;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  const token = values.token;
  const interval = values['interval-ms'] === undefined ? 1000 : Number(values['interval-ms']);
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65_535) {
    io.stderr.write(`fake-upstox: expected --port 0-65535, was ${values.port === undefined ? 'missing' : JSON.stringify(values.port)}\n`);
    return EXIT.usage;
  }
  if (token === '') {
    io.stderr.write('fake-upstox: expected a non-empty --token, was empty\n');
    return EXIT.usage;
  }
  const fake = await startFakeUpstox({ port, token, liveIntervalMs: interval });
  io.stdout.write(`fake-upstox listening on ${fake.url} (UPSTOX_BASE_URL=${fake.url}); ${token === undefined ? 'any bearer token accepted' : 'one token accepted'}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    signal?.addEventListener('abort', stop, { once: true });
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await fake.close();
  return EXIT.ok;
}
