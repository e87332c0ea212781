/**
 * kill -9 drill: `volguard run` FULL_AUTO on paper with a fast simulated market, SIGKILLed at random moments
 * DRILL_KILLS times (default 3; the full drill is 20), restarted each time. Asserts after every restart and at the end:
 * - no acknowledged journal entry lost (lastSeq read by a separate reader just before the kill is still there);
 * - latches kept (an EMERGENCY flatten is triggered before one of the kills; HALTED or worse must survive it, and
 *   any HALTED/EMERGENCY/SHUTDOWN seen before a kill is there after the restart);
 * - `journal verify` clean; no duplicate broker orders in DATA_DIR/paper/orders.jsonl; no RECON_MISMATCH at the end;
 * - the last run stops on SIGTERM with exit 0.
 * Runs against the binary and from source (DRILL_MODE=binary|source|both). By hand, full:
 *   DRILL_KILLS=20 node --import tsx --test test/drills/kill9.test.ts
 * DRILL_SEED fixes the random kill moments; DRILL_SIM_SPEED (default 20) the simulated-market speed; DRILL_KEEP=1 keeps
 * the temp folder.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adminToken, drillModes, duplicateOrders, http, journalStats, killGroup, paperRecords, runCli, tradingEnv, runEnv, startRun, tempDir, waitFor, waitHealthy,
  type Mode, type Running,
} from './harness.ts';

const KILLS = Number(process.env['DRILL_KILLS'] ?? 3);
const SEED = Number(process.env['DRILL_SEED'] ?? Date.now() % 1_000_000);
const RANK: Readonly<Record<string, number>> = { NORMAL: 0, DEGRADED: 1, HALTED: 2, EMERGENCY: 3, SHUTDOWN: 4 };

/** mulberry32: reproducible kill moments from DRILL_SEED. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface KsState {
  state: string;
  since: number;
  cause: unknown;
  history: Array<{ cause: string; to: string }>;
}

async function killswitch(port: number, token: string): Promise<KsState> {
  const r = await http(port, '/api/v1/killswitch', { token });
  if (r.status !== 200) throw new Error(`GET /api/v1/killswitch ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json as KsState;
}

async function cycles(port: number, token: string): Promise<number> {
  const r = await http(port, '/api/v1/supervisor/status', { token });
  if (r.status !== 200) throw new Error(`GET /api/v1/supervisor/status ${r.status}`);
  return (r.json as { cycles: number }).cycles;
}

async function drill(mode: Mode, t: { diagnostic: (s: string) => void }): Promise<void> {
  const rnd = prng(SEED);
  const { dir, cleanup } = tempDir(`vg-kill9-${mode}-`);
  const { env, ports } = await runEnv(dir, tradingEnv());
  const dataDir = String(env['DATA_DIR']);
  const latchRound = KILLS >= 2 ? KILLS - 2 : -1; // trip the latch before the last-but-one kill, so a later restart carries it too
  let run: Running | null = null;
  let minRank = 0;
  try {
    for (let round = 0; round < KILLS; round++) {
      run = startRun(mode, { cwd: dir, env });
      await waitHealthy(ports.port, run);
      const token = adminToken(dataDir);
      if (round > 0) {
        // Recovery: latches restored before the gateway answered (start-up is recovery).
        const ks = await killswitch(ports.port, token);
        assert.ok((RANK[ks.state] ?? 0) >= minRank, `round ${round}: kill switch ${ks.state} after restart, expected rank ≥ ${minRank} (latch lost)`);
      }
      // A random moment: after 1..4 more cycles, plus a random fraction of a cycle.
      const start = await cycles(ports.port, token);
      const more = 1 + Math.floor(rnd() * 4);
      await waitFor(`${more} cycles (round ${round})`, async () => ((await cycles(ports.port, token)) >= start + more ? true : undefined));
      if (round === latchRound) {
        const r = await http(ports.port, '/api/emergency/flatten', { token, method: 'POST', body: { reason: 'kill -9 drill latch' } });
        assert.equal(r.status, 200, JSON.stringify(r.json));
        await waitFor('kill switch HALTED or worse', async () => ((RANK[(await killswitch(ports.port, token)).state] ?? 0) >= RANK['HALTED']! ? true : undefined));
      }
      const ks = await killswitch(ports.port, token);
      if ((RANK[ks.state] ?? 0) >= RANK['HALTED']!) minRank = Math.max(minRank, RANK['HALTED']!);
      const before = await journalStats(mode, dir, env); // a separate reader: what it sees is committed
      await new Promise((r) => setTimeout(r, Math.floor(rnd() * 200))); // the random part of the moment (chaos input, not a sync wait)
      killGroup(run, 'SIGKILL');
      const exit = await run.exited;
      assert.equal(exit.signal, 'SIGKILL', `round ${round}: ${JSON.stringify(exit)}\n${run.tail()}`);
      const after = await journalStats(mode, dir, env);
      assert.ok(after.lastSeq >= before.lastSeq, `round ${round}: journal lastSeq ${after.lastSeq} < ${before.lastSeq} acknowledged before the kill`);
      const v = await runCli(mode, ['journal', 'verify'], { cwd: dir, env });
      assert.equal(v.code, 0, `round ${round}: journal verify\n${v.stdout}\n${v.stderr}`);
      assert.deepEqual(duplicateOrders(paperRecords(dataDir)), [], `round ${round}: duplicate broker orders`);
      t.diagnostic(`${mode} round ${round}: killed after ${more} cycles, state ${ks.state}, journal seq ${before.lastSeq}→${after.lastSeq}, cycles ${after.cycles}, paper records ${paperRecords(dataDir).length}`);
    }
    // Final start: recovery, one more cycle, graceful stop.
    run = startRun(mode, { cwd: dir, env });
    await waitHealthy(ports.port, run);
    const token = adminToken(dataDir);
    const c0 = await cycles(ports.port, token);
    await waitFor('a cycle after the last restart', async () => ((await cycles(ports.port, token)) > c0 ? true : undefined));
    const ks = await killswitch(ports.port, token);
    assert.ok((RANK[ks.state] ?? 0) >= minRank, `final: kill switch ${ks.state}, latch lost`);
    assert.ok(!/RECON_MISMATCH/.test(JSON.stringify(ks.cause)), `final: reconciliation mismatch: ${JSON.stringify(ks.cause)}`);
    const first = await run.logLine((r) => r['msg'] === 'first cycle completed');
    t.diagnostic(`${mode}: start to first cycle after recovery ${String(first['startToFirstCycleMs'])} ms; final state ${ks.state} (${JSON.stringify(ks.cause)})`);
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.exited, { code: 0, signal: null }, run.tail());
    const v = await runCli(mode, ['journal', 'verify'], { cwd: dir, env });
    assert.equal(v.code, 0, `final journal verify\n${v.stdout}\n${v.stderr}`);
    const records = paperRecords(dataDir);
    assert.deepEqual(duplicateOrders(records), []);
    t.diagnostic(`${mode}: ${KILLS} kills, seed ${SEED}, ${records.filter((r) => r['k'] === 'place').length} orders placed, no duplicates`);
  } finally {
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      killGroup(run, 'SIGKILL');
      await run.exited;
    }
    if (process.env['DRILL_KEEP'] === '1') t.diagnostic(`kept ${dir}`);
    else cleanup();
  }
}

for (const mode of drillModes()) {
  test(`kill -9 drill (${mode}): ${KILLS} random SIGKILLs, FULL_AUTO on paper`, { timeout: 60_000 + KILLS * 90_000 }, async (t) => {
    await drill(mode, t);
  });
}
