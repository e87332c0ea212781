/**
 * @module `volguard fake-upstox --port N [--token T]`: runs the offline Upstox fake until SIGINT/SIGTERM.
 */
import type { CliIo } from '../../../../runtime/cli/io.ts';
import { EXIT } from '../../../../runtime/cli/io.ts';
import { startFakeUpstox } from './server.ts';

export async function run(argv: readonly string[], io: CliIo, signal?: AbortSignal): Promise<number> {
  let port: number | undefined;
  let token: string | undefined;
  let interval = 1000;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    if (a === '--port' && v !== undefined) { port = Number(v); i++; }
    else if (a === '--token' && v !== undefined) { token = v; i++; }
    else if (a === '--interval-ms' && v !== undefined) { interval = Number(v); i++; }
    else {
      io.stderr.write(`fake-upstox: unexpected argument ${JSON.stringify(a)}\nusage: volguard fake-upstox --port N [--token T] [--interval-ms MS]\n`);
      return EXIT.usage;
    }
  }
  if (port === undefined || !Number.isInteger(port) || port < 0 || port > 65_535) {
    io.stderr.write(`fake-upstox: expected --port 0-65535, was ${port === undefined ? 'missing' : JSON.stringify(argv[argv.indexOf('--port') + 1])}\n`);
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
