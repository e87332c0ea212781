/**
 * @module `volguard quant`: JSON lines on stdin → one JSON answer line per request on stdout (INTERFACE.md).
 * A malformed line gets `{"id"?, "error"}` and the stream goes on. The maths lives in quant-requests.ts; this file
 * only does the streaming (it is the one file here allowed to touch node:* streams).
 */
import { createInterface } from 'node:readline';
import { EXIT, type CliIo } from './io.ts';
import { answerQuantRequest } from '../../actors/domain/quant-requests.ts';

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout.write('usage: volguard quant < requests.jsonl\n  ops: price | iv | sabr | calibrate (see INTERFACE.md)\n');
    return EXIT.ok;
  }
  if (argv.length > 0) {
    io.stderr.write(`quant: expected no arguments, was ${argv.join(' ')}\n`);
    return EXIT.usage;
  }
  const lines = createInterface({ input: io.stdin, crlfDelay: Infinity });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let answer: Record<string, unknown>;
    try {
      answer = answerQuantRequest(JSON.parse(line));
    } catch (err) {
      answer = { error: `expected one JSON object per line, was unparseable: ${(err as Error).message}` };
    }
    const ok = io.stdout.write(`${JSON.stringify(answer)}\n`);
    if (!ok) await new Promise<void>((resolve) => io.stdout.once('drain', () => resolve()));
  }
  return EXIT.ok;
}
