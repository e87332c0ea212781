/**
 * Chaos drill (issue 16.1): `volguard run` FULL_AUTO on paper (harness tradingEnv, SIM_SPEED 600, VOLGUARD_CHAOS=1) with pairs and
 * triples of actor faults (crash | hang | oom | exit) injected at once through POST /api/v1/actors/{name}/fault, on
 * any actors including the journal. After every round: the process is still up, every actor and supervisor is
 * running again, and cycles complete again (volguard_cycles_total ok|overrun rises). At the end: SIGTERM → exit 0 and
 * `volguard journal verify` clean.
 *
 * The restart intensity stays at its default (10); the window is shortened (VOLGUARD_RESTART_PERIOD_MS=5000) and each
 * round waits until every supervisor's window is empty, so each combination is judged on its own: two or three faults
 * at once must never add up to an escalation (only genuine, repeated failures count).
 *
 * CI-short by default (CHAOS_SECONDS=30); the longer drill is `npm run drill:chaos`. DRILL_SEED replays a run (the seed
 * is printed); DRILL_MODE=binary|source|both; DRILL_KEEP=1 keeps the temp folder (it is kept and printed on failure).
 *
 * The first test is the exact sequence of the issue: risk crash immediately followed by journal exit, three times,
 * with default settings — it used to end in exit code 70 (root intensity burned by `trading start-failed`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  adminToken, drillModes, http, recovered, runCli, runEnv, startRun, tradingEnv, tree, waitFor, waitHealthy, type Mode, type Running,
} from './harness.ts';
import { tempDir } from '../fixtures/temp-dir.ts';
import { mulberry32 as prng } from '../fixtures/mulberry32.ts';

const SECONDS = Number(process.env['CHAOS_SECONDS'] ?? 30);
const SEED = Number(process.env['DRILL_SEED'] ?? Date.now() % 1_000_000);
const ACTORS = ['journal', 'killswitch', 'feed', 'calibrator', 'risk', 'strategy', 'executor'] as const;
const KINDS = ['crash', 'hang', 'oom', 'exit'] as const;

interface Context {
  readonly t: { diagnostic: (s: string) => void };
  readonly keep: (why: string) => void;
}

/** Starts a run in a temp folder, hands it to `body`, and always stops it; the folder is kept when `body` fails. */
async function withRun(mode: Mode, prefix: string, extra: Record<string, string>, t: Context['t'], body: (run: Running, ports: { port: number; metricsPort: number }, token: string, env: NodeJS.ProcessEnv, dir: string) => Promise<void>): Promise<void> {
  const { dir, cleanup } = tempDir(prefix);
  // At the trading drills' 600×: a restarted feed or executor resumes the simulated market from the journal's
  // checkpoint (actors/venues/sim/resume.ts) instead of stepping it from SIM_START in init, which at 600× no longer
  // fitted the 10 s start timeout a few wall minutes in (issue 14).
  const { env, ports } = await runEnv(dir, { ...tradingEnv(), ...extra });
  let run: Running | null = null;
  let ok = false;
  try {
    run = startRun(mode, { cwd: dir, env });
    await waitHealthy(ports.port, run);
    await body(run, ports, adminToken(String(env['DATA_DIR'])), env, dir);
    ok = true;
  } finally {
    if (run && run.child.exitCode === null && run.child.signalCode === null) {
      run.child.kill('SIGKILL');
      await run.exited;
    }
    if (ok && process.env['DRILL_KEEP'] !== '1') cleanup();
    else t.diagnostic(`kept ${dir} (logs in logs/, journal in data/)`);
  }
}

async function fault(port: number, token: string, actor: string, kind: string): Promise<number> {
  const r = await http(port, `/api/v1/actors/${actor}/fault`, { token, method: 'POST', body: { kind } });
  // Not injected, and not a failure: 409, the actor is not running (an earlier fault of the round took it down); 503,
  // the journal is down, so the control action cannot be audited and is refused.
  const notInjected = r.status === 409 || (r.status === 503 && (r.json as { error?: { code?: string } }).error?.code === 'ACTOR_UNAVAILABLE');
  assert.ok(r.status === 200 || notInjected, `fault ${actor}/${kind}: ${r.status} ${JSON.stringify(r.json)}`);
  return r.status;
}

async function stopCleanly(mode: Mode, run: Running, dir: string, env: NodeJS.ProcessEnv): Promise<void> {
  run.child.kill('SIGTERM');
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.tail());
  const v = await runCli(mode, ['journal', 'verify'], { cwd: dir, env });
  assert.equal(v.code, 0, `journal verify\n${v.stdout}\n${v.stderr}`);
}

for (const mode of drillModes()) {
  test(`risk crash immediately followed by journal exit, 3 times, default settings: stays up and recovers (${mode})`, { timeout: 300_000 }, async (t) => {
    await withRun(mode, `vg-pair-${mode}-`, {}, t, async (run, ports, token, env, dir) => {
      for (let i = 1; i <= 3; i++) {
        await fault(ports.port, token, 'risk', 'crash');
        await fault(ports.port, token, 'journal', 'exit');
        await recovered(run, ports, token, `round ${i}: risk crash + journal exit`);
      }
      await stopCleanly(mode, run, dir, env);
    });
  });

  test(`chaos drill (${mode}): ${SECONDS}s of pairs and triples of faults on every actor, seed ${SEED}`, { timeout: 180_000 + SECONDS * 4000 }, async (t) => {
    t.diagnostic(`seed ${SEED} (DRILL_SEED=${SEED} replays it)`);
    const rnd = prng(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
    await withRun(mode, `vg-chaos-${mode}-`, { VOLGUARD_RESTART_PERIOD_MS: '5000' }, t, async (run, ports, token, env, dir) => {
      const t0 = Date.now();
      const rounds: string[] = [];
      while (Date.now() - t0 < SECONDS * 1000) {
        // Each round starts with every supervisor's intensity window empty (see the module comment).
        await waitFor('every restart window empty', async () => ((await tree(ports.port, token)).supervisors.every((s) => s.restartsInWindow === 0) ? true : undefined), 60_000);
        const n = rnd() < 0.5 ? 2 : 3;
        const pool = [...ACTORS];
        const round: string[] = [];
        for (let i = 0; i < n; i++) {
          const actor = pool.splice(Math.floor(rnd() * pool.length), 1)[0] as string;
          const kind = pick(KINDS);
          const status = await fault(ports.port, token, actor, kind);
          round.push(`${actor}/${kind}${status === 200 ? '' : `(not injected: ${status})`}`);
        }
        const what = `round ${rounds.length + 1} [${round.join(' ')}] (seed ${SEED})`;
        rounds.push(round.join('+'));
        await recovered(run, ports, token, what);
      }
      t.diagnostic(`${rounds.length} rounds in ${Math.round((Date.now() - t0) / 1000)} s: ${rounds.join(', ')}`);
      const end = await tree(ports.port, token);
      t.diagnostic(`restarts: ${end.actors.map((a) => `${a.name} ${a.restarts}`).join(', ')}`);
      await stopCleanly(mode, run, dir, env);
    });
  });
}
