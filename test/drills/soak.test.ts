/**
 * Soak drill: `volguard run` FULL_AUTO on paper over a fast simulated market with VOLGUARD_CHAOS=1, an actor fault
 * (crash | hang | exit, and oom in the full drill) injected through POST /api/v1/actors/{name}/fault every
 * SOAK_FAULT_EVERY_S seconds. Asserts: after every fault the loop cycles again (cycles rise in
 * GET /api/v1/supervisor/status) and a cycle completes without error again (volguard_cycles_total ok|overrun); RSS (sampled from /proc every second) stays under SOAK_MAX_RSS_MB and is reported
 * over time; at the end positions reconciled with no orphan legs (GET /api/v1/positions against the paper exchange's
 * fills, harness positionsProblems), SIGTERM → exit 0, `journal verify` clean, no duplicate broker orders; the orders
 * and sagas the paper exchange saw are reported.
 * Trading settings: the trading-day test's (harness tradingEnv: SIM_SPEED 600, so the CI's 20 s reach ~11:45 market
 * time, past the ~11:00 entry on this seed when the faults leave the strategy enough cycles). Defaults are CI-short
 * (SOAK_SECONDS=20). The full drill, ~19 min of wall time (at 600× ≈ 7.8 market days: the 25th's session, the nights,
 * and the following trading days):
 *   SOAK_SECONDS=1125 SOAK_FULL=1 node --import tsx --test test/drills/soak.test.ts
 * DRILL_MODE=binary|source|both; DRILL_SEED fixes the fault sequence. A failed soak keeps its temp folder and prints where
 * (DRILL_KEEP=1 keeps a passing one too). The full drill (`npm run drill:soak`, with the journal and oom in the fault mix)
 * is also where the late-OOM report is looked for: "risk stops answering after an OOM restart" — each fault waits for
 * two more cycles, so a risk that never answers again fails the soak right there, with its data dir kept.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adminToken, cyclesCompleted, drillModes, duplicateOrders, http, paperRecords, paperSagas, positionsProblems, rssBytes, tradingEnv, runCli, runEnv, startRun, waitFor, waitHealthy, type Mode, type Running,
} from './harness.ts';
import { tempDir } from '../fixtures/temp-dir.ts';
import { mulberry32 as prng } from '../fixtures/mulberry32.ts';

const SECONDS = Number(process.env['SOAK_SECONDS'] ?? 20);
const FAULT_EVERY_S = Number(process.env['SOAK_FAULT_EVERY_S'] ?? 3);
const MAX_RSS_MB = Number(process.env['SOAK_MAX_RSS_MB'] ?? 1536);
const FULL = process.env['SOAK_FULL'] === '1';
const SEED = Number(process.env['DRILL_SEED'] ?? Date.now() % 1_000_000);
const ACTORS = ['feed', 'calibrator', 'risk', 'killswitch', 'strategy', 'executor', ...(FULL ? ['journal'] : [])];
const KINDS = ['crash', 'hang', 'exit', ...(FULL ? ['oom'] : [])];


async function status(port: number, token: string): Promise<{ cycles: number; state: string; loop: string }> {
  const r = await http(port, '/api/v1/supervisor/status', { token });
  if (r.status !== 200) throw new Error(`status ${r.status}`);
  return r.json as { cycles: number; state: string; loop: string };
}

function mb(b: number): string {
  return `${(b / 1048576).toFixed(0)} MB`;
}

async function soak(mode: Mode, t: { diagnostic: (s: string) => void }): Promise<void> {
  const rnd = prng(SEED);
  const { dir, cleanup } = tempDir(`vg-soak-${mode}-`);
  const { env, ports } = await runEnv(dir, {
    ...tradingEnv(),
    // Faults every few seconds are the point: the root must not give up on them (per-actor policies still apply).
    VOLGUARD_RESTART_INTENSITY: '1000',
  });
  const dataDir = String(env['DATA_DIR']);
  let run: Running | null = null;
  const samples: Array<{ s: number; rss: number }> = [];
  let sampler: NodeJS.Timeout | null = null;
  let passed = false;
  try {
    run = startRun(mode, { cwd: dir, env });
    await waitHealthy(ports.port, run);
    const token = adminToken(dataDir);
    const t0 = Date.now();
    const pid = run.pid;
    sampler = setInterval(() => {
      const rss = rssBytes(pid);
      if (rss !== null) samples.push({ s: (Date.now() - t0) / 1000, rss });
    }, 1000);
    let faults = 0;
    const log: string[] = [];
    while (Date.now() - t0 < SECONDS * 1000) {
      const actor = ACTORS[Math.floor(rnd() * ACTORS.length)] as string;
      const kind = KINDS[Math.floor(rnd() * KINDS.length)] as string;
      const r = await http(ports.port, `/api/v1/actors/${actor}/fault`, { token, method: 'POST', body: { kind } });
      // 409: the actor is still restarting from the previous fault: not a failure, pick again next time.
      assert.ok(r.status === 200 || r.status === 409, `fault ${actor}/${kind}: ${r.status} ${JSON.stringify(r.json)}`);
      if (r.status === 200) faults++;
      const at = (await status(ports.port, token)).cycles;
      const completedAt = await cyclesCompleted(ports.metricsPort);
      // The loop keeps cycling: at least two more cycles after the fault (a failed cycle still counts; it must not stop).
      await waitFor(`cycles past ${at + 1} after ${actor}/${kind}\n${run.tail()}`, async () => ((await status(ports.port, token)).cycles > at + 1 ? true : undefined), 60_000);
      // And it works again: a cycle completes without error (an actor that never answers again — the late-OOM report
      // on risk — fails the soak here, with the data dir kept).
      await waitFor(`a cycle completed without error after ${actor}/${kind}\n${run.tail()}`, async () => ((await cyclesCompleted(ports.metricsPort)) > completedAt ? true : undefined), 60_000);
      log.push(`${actor}/${kind}${r.status === 409 ? '(busy)' : ''}`);
      const next = t0 + Math.ceil((Date.now() - t0) / (FAULT_EVERY_S * 1000)) * FAULT_EVERY_S * 1000;
      await new Promise((res) => setTimeout(res, Math.max(0, next - Date.now()))); // the fault cadence (chaos input)
      assert.equal(run.child.exitCode, null, `volguard exited during the soak:\n${run.tail()}`);
    }
    const end = await status(ports.port, token);
    clearInterval(sampler);
    sampler = null;
    const rss = samples.map((x) => x.rss);
    const max = Math.max(...rss);
    const q = (from: number, to: number) => {
      const part = rss.slice(Math.floor(rss.length * from), Math.max(Math.floor(rss.length * from) + 1, Math.floor(rss.length * to))).sort((a, b) => a - b);
      return part[Math.floor(part.length / 2)] ?? 0;
    };
    t.diagnostic(`${mode}: ${faults} faults in ${SECONDS}s (seed ${SEED}): ${log.join(' ')}`);
    t.diagnostic(`${mode}: ${end.cycles} cycles, final state ${end.state}, loop ${end.loop}`);
    t.diagnostic(`${mode}: RSS first ${mb(rss[0] ?? 0)}, median 2nd quarter ${mb(q(0.25, 0.5))}, median last quarter ${mb(q(0.75, 1))}, max ${mb(max)} (${rss.length} samples)`);
    t.diagnostic(`${mode}: RSS over time: ${samples.filter((_, i) => i % Math.max(1, Math.floor(samples.length / 12)) === 0).map((x) => `${x.s.toFixed(0)}s=${mb(x.rss)}`).join(' ')}`);
    assert.ok(max < MAX_RSS_MB * 1048576, `RSS peaked at ${mb(max)} > SOAK_MAX_RSS_MB ${MAX_RSS_MB}`);
    let problems: string[] = [];
    try {
      await waitFor('positions reconciled, no orphan legs', async () => {
        problems = (await positionsProblems(ports.port, token, dataDir)).problems;
        return problems.length === 0 ? true : undefined;
      }, 60_000);
    } catch (err) {
      throw new Error(`${String(err)}\n${problems.join('\n')}`);
    }
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.exited, { code: 0, signal: null }, run.tail());
    const v = await runCli(mode, ['journal', 'verify'], { cwd: dir, env });
    assert.equal(v.code, 0, `journal verify\n${v.stdout}\n${v.stderr}`);
    const records = paperRecords(dataDir);
    const sagas = paperSagas(records);
    t.diagnostic(`${mode}: paper exchange: ${records.filter((r) => r['k'] === 'place').length} orders placed, ${records.filter((r) => r['k'] === 'fill').length} fills, ` +
      `${sagas.length} sagas (${sagas.filter((x) => x.complete).length} complete: ${sagas.map((x) => `${x.saga}[${x.roles}:${x.legs}${x.complete ? '✓' : ''}]`).join(' ')})`);
    assert.deepEqual(duplicateOrders(records), []);
    passed = true;
  } finally {
    if (sampler) clearInterval(sampler);
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    // A failed soak keeps its data dir (journal, logs/volguard.log, paper orders) for the post-mortem.
    if (!passed || process.env['DRILL_KEEP'] === '1') {
      const where = `kept ${dir} (data/ journal and paper orders, logs/volguard.log)`;
      t.diagnostic(where);
      if (!passed) process.stderr.write(`soak (${mode}) failed: ${where}\n`);
    } else cleanup();
  }
}

for (const mode of drillModes()) {
  test(`soak (${mode}): ${SECONDS}s of FULL_AUTO paper with an actor fault every ${FAULT_EVERY_S}s`, { timeout: 120_000 + SECONDS * 3000 }, async (t) => {
    await soak(mode, t);
  });
}
