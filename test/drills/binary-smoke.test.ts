/**
 * Smoke test of the single binary (dist/volguard, or $VOLGUARD_BIN), from an empty temp folder:
 * --version/--help, every subcommand loads, `quant` answers, the hidden `sea-selftest` (extracted workers, lmdb in
 * main and in a worker, piscina, embedded dashboard), then `run` → /health 200 → cycles journaled → SIGTERM →
 * exit 0 → `journal verify` clean. Skipped (with the reason) when the binary is absent, unless
 * SMOKE_REQUIRE_BINARY=1 (CI: runtime/sea/smoke.sh). SMOKE_CYCLES (default 3) sets how many cycles to await.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BINARY, ROOT, http, journalStats, runCli, runEnv, startRun, waitFor, waitHealthy } from './harness.ts';
import { tempDir } from '../fixtures/temp-dir.ts';

const present = existsSync(BINARY);
if (!present && process.env['SMOKE_REQUIRE_BINARY'] === '1') throw new Error(`${BINARY} is missing: build it first (npx tsx runtime/sea/build.ts)`);
const skip = present ? false : `${path.relative(ROOT, BINARY)} not built (npx tsx runtime/sea/build.ts); set VOLGUARD_BIN to test another path`;
const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const CYCLES = Number(process.env['SMOKE_CYCLES'] ?? 3);
/** What a module that failed to load inside the binary looks like. */
const LOAD_FAILURE = /built without|Cannot find module|ERR_UNKNOWN_BUILTIN_MODULE|MODULE_NOT_FOUND|is not part of this binary/;

test('binary: --version, --help, unknown command', { skip }, async () => {
  const { dir, cleanup } = tempDir('vg-smoke-');
  try {
    const env = { PATH: process.env['PATH'] ?? '' };
    const v = await runCli('binary', ['--version'], { cwd: dir, env });
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.trim(), version);
    const h = await runCli('binary', ['--help'], { cwd: dir, env });
    assert.equal(h.code, 0, h.stderr);
    for (const cmd of ['run', 'validate', 'token', 'journal', 'quant', 'fake-upstox']) assert.match(h.stdout, new RegExp(`\\n  ${cmd} `));
    assert.doesNotMatch(h.stdout, /sea-selftest/);
    const u = await runCli('binary', ['nope'], { cwd: dir, env });
    assert.equal(u.code, 2);
    assert.deepEqual(readdirSync(dir), [], 'the binary wrote into the working directory');
  } finally {
    cleanup();
  }
});

test('binary: quant answers a JSON line on stdin', { skip }, async () => {
  const { dir, cleanup } = tempDir('vg-smoke-');
  try {
    const req = { id: 7, op: 'price', type: 'call', forward: 22000, strike: 22000, t: 0.05, rate: 0.065, vol: 0.15 };
    const r = await runCli('binary', ['quant'], { cwd: dir, env: { PATH: process.env['PATH'] ?? '' }, input: `${JSON.stringify(req)}\n` });
    assert.equal(r.code, 0, r.stderr);
    const line = JSON.parse(r.stdout.trim().split('\n')[0] ?? '{}') as { id?: number; error?: string };
    assert.equal(line.id, 7);
    assert.equal(line.error, undefined, r.stdout);
  } finally {
    cleanup();
  }
});

test('binary: every subcommand loads its module', { skip }, async () => {
  const { dir, cleanup } = tempDir('vg-smoke-');
  try {
    const env = { PATH: process.env['PATH'] ?? '', DATA_DIR: path.join(dir, 'data'), LOG_DIR: path.join(dir, 'logs') };
    // Arguments that make each command do something cheap and finite (usage errors and config errors are fine:
    // they come from the command's own module, which is what is being checked).
    const probes: Array<[string, string[]]> = [
      ['run', ['run', '--unexpected']],
      ['validate', ['validate']],
      ['token', ['token', '--unexpected']],
      ['journal', ['journal', 'nope']],
      ['fake-upstox', ['fake-upstox', '--unexpected']],
    ];
    for (const [name, args] of probes) {
      const r = await runCli('binary', args, { cwd: dir, env });
      assert.doesNotMatch(`${r.stdout}${r.stderr}`, LOAD_FAILURE, `${name}: ${r.stderr}`);
      assert.notEqual(r.code, 0, `${name} with bad arguments exited 0`);
    }
  } finally {
    cleanup();
  }
});

test('binary: sea-selftest (workers, lmdb in main and worker, piscina, dashboard assets)', { skip }, async () => {
  const { dir, cleanup } = tempDir('vg-smoke-');
  try {
    // A private runtime dir inside the temp folder, so this test also proves a cold extraction.
    const r = await runCli('binary', ['sea-selftest'], { cwd: dir, env: { PATH: process.env['PATH'] ?? '', VOLGUARD_RUNTIME_DIR: path.join(dir, 'rt') } });
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    const rep = JSON.parse(r.stdout.trim()) as { ok: boolean; dir: string };
    assert.equal(rep.ok, true);
    assert.ok(rep.dir.startsWith(path.join(dir, 'rt')));
  } finally {
    cleanup();
  }
});

test(`binary: run → healthy → ${CYCLES} cycles journaled → SIGTERM → exit 0 → journal verify`, { skip, timeout: 300_000 }, async (t) => {
  const { dir, cleanup } = tempDir('vg-smoke-');
  // TMPDIR inside the temp folder: a cold extraction (VOLGUARD_RUNTIME_DIR would do too, once config knows it).
  mkdirSync(path.join(dir, 'tmp'));
  const { env, ports } = await runEnv(dir, { TMPDIR: path.join(dir, 'tmp') });
  const run = startRun('binary', { cwd: dir, env });
  try {
    const early = await Promise.race([waitHealthy(ports.port, run).then(() => null), run.exited.then(() => run.output)]);
    if (early !== null && /built without/.test(early)) {
      t.skip(`this binary was built without part of \`run\`: ${early.trim().split('\n').pop()}`);
      return;
    }
    assert.equal(early, null, `volguard run exited before it was healthy:\n${run.tail()}`);
    const stats = await waitFor(`${CYCLES} cycles in the journal\n${run.tail()}`, async () => {
      const s = await journalStats('binary', dir, env);
      return s.cycles >= CYCLES ? s : undefined;
    });
    const first = await run.logLine((r) => r['msg'] === 'first cycle completed');
    t.diagnostic(`start to first cycle: ${String(first['startToFirstCycleMs'])} ms; cycles ${stats.cycles}, entries ${stats.entries}`);
    // Liveness reflects the last cycle and the actors' states at that instant, so one failed cycle reads 503 until the
    // next one passes. CI saw one such 503 here (7 Dec 2026, reasons not captured; not reproduced in 90 runs since).
    // The run must answer 200 again, and every 503 on the way is printed with its reasons, so a repeat is evidence.
    const unhealthy: unknown[] = [];
    await waitFor(`GET /health 200 after ${CYCLES} cycles\n${run.tail()}`, async () => {
      const status = await http(ports.port, '/health');
      if (status.status === 200) return true;
      unhealthy.push(status.json);
      return undefined;
    }, 30_000);
    for (const body of unhealthy) t.diagnostic(`GET /health answered 503 on the way: ${JSON.stringify(body)}`);
    run.child.kill('SIGTERM');
    const exit = await run.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, run.tail());
    const verify = await runCli('binary', ['journal', 'verify'], { cwd: dir, env });
    assert.equal(verify.code, 0, `${verify.stdout}\n${verify.stderr}`);
  } finally {
    if (run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    cleanup();
  }
});
