import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { main } from './main.ts';
import type { CliIo } from './io.ts';

function io(): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d) => (o += String(d)));
  stderr.on('data', (d) => (e += String(d)));
  return { stdin: new PassThrough(), stdout, stderr, env: {}, cwd: process.cwd(), out: () => o, err: () => e };
}

describe('volguard CLI plumbing', () => {
  it('prints help listing every command and exits 0 with --help', async () => {
    const x = io();
    assert.equal(await main(['--help'], x), 0);
    for (const c of ['run', 'validate', 'token', 'journal', 'quant', 'import', 'report', 'fake-upstox']) assert.match(x.out(), new RegExp(`\\b${c}\\b`));
  });

  it('exits 2 with usage when no command is given', async () => {
    const x = io();
    assert.equal(await main([], x), 2);
    assert.match(x.out(), /usage: volguard <command>/);
  });

  it('rejects an unknown command with exit 2 and says which', async () => {
    const x = io();
    assert.equal(await main(['frobnicate'], x), 2);
    assert.match(x.err(), /unknown command 'frobnicate'/);
  });

  it('prints the version', async () => {
    const x = io();
    assert.equal(await main(['--version'], x), 0);
    assert.match(x.out(), /^\d+\.\d+\.\d+\n$/);
  });

  it('reports configuration errors with exit 78 and the variable name', async () => {
    const x = io();
    const code = await main(['run'], { ...x, env: { PHASE: 'NOPE' } });
    assert.equal(code, 78);
    assert.match(x.err(), /PHASE: expected one of/);
  });

  it('rejects arguments to run (configuration comes from the environment)', async () => {
    const x = io();
    assert.equal(await main(['run', '--port', '1'], x), 2);
  });
});
