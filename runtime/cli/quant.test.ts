/**
 * @module `volguard quant` in-process (PassThrough streams) and once as a real child process.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from './quant.ts';

async function drive(input: string): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks: Buffer[] = [];
  stdout.on('data', (c: Buffer) => chunks.push(c));
  stdin.end(input);
  const code = await run([], { stdin, stdout, stderr, env: {}, cwd: process.cwd() });
  const text = Buffer.concat(chunks).toString('utf8');
  return { code, lines: text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>) };
}

test('answers each op with the request id, one line per request', async () => {
  const { code, lines } = await drive([
    JSON.stringify({ id: 1, op: 'price', type: 'call', forward: 49, strike: 50, t: 0.3846, rate: 0.05, vol: 0.2 }),
    JSON.stringify({ id: 'b', op: 'iv', type: 'call', forward: 100, strike: 100, t: 0.5, rate: 0, price: 5.637197779701664 }),
    JSON.stringify({ id: 3, op: 'sabr', forward: 0.039, strike: 0.06, t: 1, alpha: 0.3, beta: 0.6, rho: 0.01, nu: 0.02 }),
    JSON.stringify({ id: 4, op: 'calibrate', forward: 0.039, t: 1, beta: 0.6, strikes: [0.03, 0.04, 0.05, 0.06, 0.09], vols: [1.16725837321531, 1.10145609357162, 1.05226642581503, 1.01326171139321, 0.930289384251337] }),
  ].join('\n'));
  assert.equal(code, 0);
  assert.equal(lines.length, 4);
  assert.equal(lines[0]!.id, 1);
  // py_vollib Black-76 call (quant.md #15): delta 0.45107017482201828
  assert.ok(Math.abs((lines[0]!.delta as number) - 0.45107017482201828) < 1e-9);
  assert.deepEqual(Object.keys(lines[0]!).sort(), ['delta', 'gamma', 'id', 'price', 'rho', 'theta', 'vega']);
  assert.equal(lines[1]!.id, 'b');
  assert.ok(Math.abs((lines[1]!.vol as number) - 0.2) < 1e-12);
  assert.ok(Math.abs((lines[2]!.vol as number) - 1.01326171139321) < 1e-12);
  assert.ok(Math.abs((lines[3]!.alpha as number) - 0.3) < 1e-6 && Math.abs((lines[3]!.nu as number) - 0.02) < 1e-4, JSON.stringify(lines[3]));
  for (const key of ['alpha', 'rho', 'nu', 'rmse', 'maxError', 'iterations']) assert.ok(key in lines[3]!, `calibrate answer has ${key}`);
});

test('bad lines get an error answer and the stream goes on', async () => {
  const { code, lines } = await drive([
    'not json',
    JSON.stringify({ id: 7, op: 'price', type: 'call', forward: 100, strike: 100, t: 1, rate: 0 }),
    JSON.stringify({ id: 8, op: 'teleport' }),
    JSON.stringify({ id: 9, op: 'iv', type: 'call', forward: 100, strike: 80, t: 1, rate: 0, price: 10 }),
    JSON.stringify({ id: 10, op: 'calibrate', forward: 100, t: 1, strikes: [90, 100, 110], vols: [0.2, 0.2] }),
    JSON.stringify({ id: 11, op: 'price', type: 'put', forward: 100, strike: 100, t: 1, rate: 0, vol: 0.2 }),
  ].join('\n'));
  assert.equal(code, 0);
  assert.equal(lines.length, 6);
  assert.match(lines[0]!.error as string, /expected one JSON object per line/);
  assert.equal(lines[0]!.id, undefined);
  assert.equal(lines[1]!.id, 7);
  assert.match(lines[1]!.error as string, /vol/);
  assert.equal(lines[2]!.id, 8);
  assert.match(lines[2]!.error as string, /op/);
  assert.equal(lines[3]!.status, 'BELOW_INTRINSIC');
  assert.match(lines[4]!.error as string, /expected as many vols as strikes/);
  assert.ok(typeof lines[5]!.price === 'number');
});

test('runs as a real child process through the volguard CLI entry', async () => {
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', 'runtime/cli/main.ts', 'quant'], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => { out += c.toString('utf8'); });
  child.stderr.on('data', (c: Buffer) => { err += c.toString('utf8'); });
  child.stdin.end(`${JSON.stringify({ id: 'x', op: 'sabr', forward: 24000, strike: 24000, t: 0.02, alpha: 0.13, beta: 1, rho: -0.4, nu: 3 })}\n{oops\n`);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 2);
  assert.equal(lines[0]!.id, 'x');
  assert.ok((lines[0]!.vol as number) > 0.13);
  assert.ok('error' in lines[1]!);
});
