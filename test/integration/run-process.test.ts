/**
 * `volguard run` as a real process (issue 16 items 7 and 9): private file modes (VOLGUARD_UMASK), one instance per
 * DATA_DIR (the lock names its holder; a holder killed with -9 does not block the restart), and a port already in use
 * ends the start with one clear line and a non-zero exit instead of a stack trace and a hang.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { killGroup, runEnv, startRun, waitHealthy, type Running } from '../drills/harness.ts';
import { tempDir } from '../fixtures/temp-dir.ts';

const MODE = 'source';

function mode(p: string): number {
  return statSync(p).mode & 0o7777;
}

/** Every path under `dir` (itself included) with a mode more open than `umask` allows. */
function tooOpen(dir: string, umask: number, skip: (p: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (p: string): void => {
    if (skip(p)) return;
    if ((mode(p) & umask) !== 0) out.push(`${p} 0${mode(p).toString(8)}`);
    if (statSync(p).isDirectory()) for (const n of readdirSync(p)) walk(path.join(p, n));
  };
  walk(dir);
  return out;
}

async function exitOf(run: Running, what: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  // A hang guard only: a start that fails must end on its own.
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: still running after 60 s\n${run.tail()}`)), 60_000);
  });
  try {
    return await Promise.race([run.exited, hung]);
  } finally {
    clearTimeout(timer);
    if (run.child.exitCode === null && run.child.signalCode === null) killGroup(run);
  }
}

async function stop(run: Running): Promise<void> {
  run.child.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.tail());
}

describe('volguard run: file modes and one instance per data dir', () => {
  it('makes its directories 0700 and files 0600, tightens what was more open, refuses a second instance, and takes over after kill -9', { timeout: 300_000 }, async () => {
    const { dir, cleanup } = tempDir('vg-modes-');
    const runs: Running[] = [];
    try {
      const first = await runEnv(dir);
      const dataDir = String(first.env['DATA_DIR']);
      const logDir = String(first.env['LOG_DIR']);
      // A tree from before the rule: a 0755 data dir and journal dir, a 0644 log; and a file that is not ours.
      mkdirSync(path.join(dataDir, 'journal'), { recursive: true, mode: 0o755 });
      chmodSync(dataDir, 0o755);
      chmodSync(path.join(dataDir, 'journal'), 0o755);
      mkdirSync(logDir, { recursive: true, mode: 0o755 });
      chmodSync(logDir, 0o755);
      writeFileSync(path.join(logDir, 'volguard.log'), '', { mode: 0o644 });
      writeFileSync(path.join(dataDir, 'notes.txt'), 'the operator\'s own file\n', { mode: 0o644 });
      chmodSync(path.join(dataDir, 'notes.txt'), 0o644);

      const a = startRun(MODE, { cwd: dir, env: first.env });
      runs.push(a);
      await waitHealthy(first.ports.port, a);
      const tightened = await a.logLine((r) => r['msg'] === 'tightened file modes that were more open than VOLGUARD_UMASK allows');
      assert.ok(Number(tightened['count']) >= 3, JSON.stringify(tightened));
      for (const p of [dataDir, path.join(dataDir, 'journal'), logDir]) assert.equal(mode(p), 0o700, p);
      for (const p of [path.join(dataDir, 'journal', 'journal.mdb'), path.join(logDir, 'volguard.log'), path.join(dataDir, 'admin.token'), path.join(dataDir, 'volguard.lock')]) {
        assert.equal(mode(p), 0o600, p);
      }
      assert.deepEqual(tooOpen(dataDir, 0o077, (p) => p.endsWith('notes.txt')), []);
      assert.deepEqual(tooOpen(logDir, 0o077), []);
      assert.equal(mode(path.join(dataDir, 'notes.txt')), 0o644, 'a file VolGuard does not own is left alone');

      // A second instance on the same DATA_DIR (its own ports): refused, naming the holder; the first runs on.
      const second = await runEnv(dir);
      const b = startRun(MODE, { cwd: dir, env: second.env });
      runs.push(b);
      const bExit = await exitOf(b, 'the second instance');
      assert.notEqual(bExit.code, 0, b.tail());
      assert.match(b.output, new RegExp(`in use by volguard pid ${a.pid}\\b`));
      assert.doesNotMatch(b.output, /^\s+at /m, 'one line, no stack trace');
      await waitHealthy(first.ports.port, a);

      // kill -9: the lock stays behind with a dead pid; the restart takes it over.
      killGroup(a);
      await a.exited;
      assert.ok(existsSync(path.join(dataDir, 'volguard.lock')), 'the killed holder left its lock');
      const third = await runEnv(dir);
      const c = startRun(MODE, { cwd: dir, env: third.env });
      runs.push(c);
      await waitHealthy(third.ports.port, c);
      const replaced = await c.logLine((r) => r['msg'] === 'replaced the instance lock of a volguard that is gone');
      assert.equal(replaced['pid'], a.pid);
      await stop(c);
      assert.equal(existsSync(path.join(dataDir, 'volguard.lock')), false, 'an orderly stop releases the lock');
    } finally {
      for (const r of runs) if (r.child.exitCode === null && r.child.signalCode === null) killGroup(r);
      cleanup();
    }
  });

  it('VOLGUARD_UMASK=027 gives the group read access: directories 0750, files 0640', { timeout: 180_000 }, async () => {
    const { dir, cleanup } = tempDir('vg-umask-');
    let run: Running | null = null;
    try {
      const { env, ports } = await runEnv(dir, { VOLGUARD_UMASK: '027' });
      run = startRun(MODE, { cwd: dir, env });
      await waitHealthy(ports.port, run);
      const dataDir = String(env['DATA_DIR']);
      assert.equal(mode(dataDir), 0o750);
      assert.equal(mode(path.join(dataDir, 'journal')), 0o750);
      assert.equal(mode(path.join(dataDir, 'journal', 'journal.mdb')), 0o640);
      assert.equal(mode(path.join(String(env['LOG_DIR']), 'volguard.log')), 0o640);
      assert.equal(mode(path.join(dataDir, 'admin.token')), 0o600, 'the token stays owner-only');
      await stop(run);
    } finally {
      if (run && run.child.exitCode === null) killGroup(run);
      cleanup();
    }
  });

  it('refuses a shared DATA_DIR (sticky bit, like /tmp) naming the variable, before starting anything', { timeout: 120_000 }, async () => {
    const { dir, cleanup } = tempDir('vg-sticky-');
    try {
      const { env } = await runEnv(dir);
      mkdirSync(String(env['DATA_DIR']), { recursive: true });
      chmodSync(String(env['DATA_DIR']), 0o1777);
      const run = startRun(MODE, { cwd: dir, env });
      const exit = await exitOf(run, 'a sticky DATA_DIR');
      assert.equal(exit.code, 78, run.tail());
      assert.match(run.output, /DATA_DIR: expected a directory of its own, was .*shared directory \(sticky bit/);
      assert.equal(mode(String(env['DATA_DIR'])), 0o1777, 'left as it was');
    } finally {
      cleanup();
    }
  });
});

describe('volguard run: a port already in use', () => {
  for (const variable of ['PORT', 'METRICS_PORT'] as const) {
    it(`exits 78 with one line naming ${variable} and the port, no stack trace, no hang`, { timeout: 120_000 }, async () => {
      const { dir, cleanup } = tempDir('vg-port-');
      const holder: Server = createServer();
      try {
        const { env, ports } = await runEnv(dir);
        const taken = variable === 'PORT' ? ports.port : ports.metricsPort;
        await new Promise<void>((resolve, reject) => {
          holder.once('error', reject);
          holder.listen(taken, '127.0.0.1', () => resolve());
        });
        const run = startRun(MODE, { cwd: dir, env });
        const exit = await exitOf(run, `${variable} in use`);
        assert.equal(exit.code, 78, run.tail());
        const lines = run.output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('{'));
        assert.deepEqual(lines, [`volguard run: expected ${variable} ${taken} on 127.0.0.1 free to listen on, was in use by another process (EADDRINUSE): stop what holds it or set ${variable} to another port`]);
      } finally {
        holder.close();
        cleanup();
      }
    });
  }
});
