/**
 * Simulated time never runs backwards across a restart (issue 14; DESIGN.md §8). The case on a real process:
 * `PHASE=FULL_AUTO SIM_SPEED=60 SIM_SEED=7` on paper, SIGKILL after the first fills, restart on the same DATA_DIR
 * with the same environment (SIM_START too). It used to restart the simulated clock at SIM_START while the strategy's
 * journaled state was later: `InvariantError: expected snapshot time ≥ …` three times, RESTART_INTENSITY, HALTED.
 * Asserts: the restart resumes the market at (not before) the latest market time the journal holds and says that
 * SIM_START was ignored; no actor exits; no input is refused as older (the clock did not go back); the kill switch
 * is not HALTED; every journal entry after the restart is stamped no earlier than the last one before the kill;
 * SIGTERM exits 0. SIM_RESUME_SPEED overrides the speed (default 60, the issue's).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { LmdbBackend } from '../../actors/journal/lmdb-store.ts';
import { decodeFrame } from '../../actors/journal/frame.ts';
import { peekJournal } from '../../actors/journal/peek.ts';
import { adminToken, drillModes, http, killGroup, paperRecords, recovered, runEnv, startRun, tradingEnv, waitFor, waitHealthy, type Running } from './harness.ts';
import { tempDir } from '../fixtures/temp-dir.ts';

const SPEED = process.env['SIM_RESUME_SPEED'] ?? '60';

/** Market time stamped on every journal entry after `afterSeq`, in seq order. */
async function entryTimes(dataDir: string, afterSeq: number): Promise<number[]> {
  const db = new LmdbBackend(path.join(dataDir, 'journal'), { readOnly: true });
  try {
    const out: number[] = [];
    for (const { key, value } of db.range('events', { start: afterSeq + 1 })) out.push(decodeFrame(value as Uint8Array, key as number, false).entry.ts);
    return out;
  } finally {
    await db.close();
  }
}

async function lastSeq(dataDir: string): Promise<number> {
  const db = new LmdbBackend(path.join(dataDir, 'journal'), { readOnly: true });
  try {
    for (const { key } of db.range('events', { reverse: true, limit: 1 })) return key as number;
    return 0;
  } finally {
    await db.close();
  }
}

/** Sum of a counter family on /metrics (0 when absent). */
async function metricSum(metricsPort: number, family: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(new RegExp(`^${family}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) n += Number(m[1]);
  return n;
}

for (const mode of drillModes()) {
  test(`kill -9 after the first fills and a restart on the same DATA_DIR resume the simulated market where it was (${mode}, SIM_SPEED ${SPEED})`, { timeout: 420_000 }, async (t) => {
    const { dir, cleanup } = tempDir(`vg-sim-resume-${mode}-`);
    const { env, ports } = await runEnv(dir, { ...tradingEnv(), SIM_SPEED: SPEED });
    const dataDir = String(env['DATA_DIR']);
    let run: Running | null = null;
    try {
      run = startRun(mode, { cwd: dir, env });
      await waitHealthy(ports.port, run);
      await waitFor('the first fill at the paper exchange', () => (paperRecords(dataDir).some((r) => r['k'] === 'fill') ? true : undefined), 300_000, 50);
      killGroup(run, 'SIGKILL');
      assert.equal((await run.exited).signal, 'SIGKILL');
      const before = await peekJournal(path.join(dataDir, 'journal'), { kv: ['sim.timeline'] });
      assert.ok(before !== null && before.lastEntryTs !== null, 'the journal holds entries after the first run');
      const lastBefore = before.lastEntryTs;
      const seqBefore = await lastSeq(dataDir);
      assert.deepEqual(before.kv['sim.timeline'], { seed: 7, originMs: Date.parse(String(env['SIM_START'])) }, 'the timeline was latched on the fresh data dir');

      // Same environment, SIM_START included.
      run = startRun(mode, { cwd: dir, env });
      await waitHealthy(ports.port, run);
      const resumed = await run.logLine((r) => typeof r['msg'] === 'string' && (r['msg'] as string).startsWith('resuming the simulated market at'));
      const simStart = Date.parse(String(resumed['simStart']));
      assert.ok(simStart >= lastBefore, `resumed at ${String(resumed['simStart'])}, before the journal's latest ${new Date(lastBefore).toISOString()}`);
      await run.logLine((r) => typeof r['msg'] === 'string' && /SIM_START .* ignored: it applies only to a fresh data dir/.test(r['msg'] as string));
      const token = adminToken(dataDir);
      // The strategy proposes on every cycle's snapshot: 30 good cycles after the restart would have crashed it 3 times.
      await recovered(run, ports, token, 'the restart', 30, 120_000);
      assert.equal(await metricSum(ports.metricsPort, 'volguard_older_inputs_refused_total'), 0, 'an input was refused as older: the clock went back');
      const ks = (await http(ports.port, '/api/v1/killswitch', { token })).json as { state: string; cause: unknown };
      assert.ok(ks.state === 'NORMAL' || ks.state === 'DEGRADED', `kill switch ${ks.state}: ${JSON.stringify(ks.cause)}`);
      assert.ok(!/exited/.test(run.output.split('\n').filter((l) => l.includes('"actor exited"')).join('\n')), `an actor exited:\n${run.tail()}`);
      run.child.kill('SIGTERM');
      assert.deepEqual(await run.exited, { code: 0, signal: null }, run.tail());
      const after = await entryTimes(dataDir, seqBefore);
      assert.ok(after.length > 0, 'the restarted run journaled');
      const early = after.filter((ts) => ts < lastBefore);
      assert.deepEqual(early.map((ts) => new Date(ts).toISOString()), [], `entries stamped before the last one of the killed run (${new Date(lastBefore).toISOString()})`);
      t.diagnostic(`${mode}: killed at market ${new Date(lastBefore).toISOString()}, resumed at ${String(resumed['simStart'])}, ${after.length} entries after the restart`);
    } finally {
      if (run && run.child.exitCode === null && run.child.signalCode === null) {
        killGroup(run, 'SIGKILL');
        await run.exited;
      }
      if (process.env['DRILL_KEEP'] === '1') t.diagnostic(`kept ${dir}`);
      else cleanup();
    }
  });
}
