/**
 * runtime/entry.ts for piscina task files started from source (the backtest sweep's pool): the task runs as a dev
 * bundle without tsx, and the actors it starts boot from their bundles too — not through the slower tsx shim, which
 * is what a `.ts` task got (a pool thread has tsx's require hook but not its ESM hooks, so the task's `import()` of the
 * dev bundler failed).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Piscina } from 'piscina';
import { resolveTaskFile } from './entry.ts';

test('a piscina task from source runs as a dev bundle without tsx, and the actors it starts boot from bundles', async () => {
  const task = await resolveTaskFile('test/fixtures/tasks/boot-entry.ts');
  assert.match(task.filename, /^file:.*\/test\.fixtures\.tasks\.boot-entry\.cjs$/);
  assert.ok(!task.execArgv.some((a) => /tsx/.test(a)), `no tsx flags: ${task.execArgv.join(' ')}`);
  const pool = new Piscina({ filename: task.filename, execArgv: task.execArgv, minThreads: 1, maxThreads: 1 });
  try {
    const booted = await (pool.run('test/fixtures/actors/echo.ts') as Promise<string>);
    assert.match(booted, /test\.fixtures\.actors\.echo\.cjs$/, `the actor's worker runs its bundle, not the tsx shim: ${booted}`);
  } finally {
    await pool.destroy();
  }
});
