/**
 * Money over real trading days (issue 14, "Done when"): FULL_AUTO on paper from Monday 7 Dec 2026 through two NIFTY
 * weekly expiries (Tue 8 and Tue 15 Dec) at a high SIM_SPEED, with kill -9 and a restart on different days, then
 * asserts from the journal and the API:
 * - no actor exited except by the kills, and the process exits 0 on SIGTERM;
 * - one `money.dayOpened` and one `money.dayClosed` per trading date (the day P&L reset at each date), each day
 *   starting at the previous day's closing equity, and Σ daily net = the change in equity to the rupee; no
 *   `money.identityMismatch`;
 * - every HALT is explained by its day: a DAILY_LOSS / CATASTROPHIC_LOSS on a date whose summary shows the loss, or a
 *   hard risk limit still breached after its grace (RISK_HARD with the value beyond the threshold in its evidence);
 * - no expired contract left in the book after its expiry; when the executor books money (money.charges,
 *   money.settlement), every executed order is charged;
 * - `volguard journal verify` is clean.
 *
 * Needs the simulated clock to resume after a restart (SIM_START for a fresh data dir only: wip/money-clock, which
 * adds actors/journal/peek.ts); skipped with that reason until it is there, unless WEEK_KILLS is empty (no restarts). The suite runs it short (WEEK_SIM_SPEED
 * 3600, two kills); `npm run drill:week` runs it at 1200× with four kills.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Journal } from '../../actors/journal/journal.ts';
import { LmdbBackend } from '../../actors/journal/lmdb-store.ts';
import { realClock } from '../../runtime/clock.ts';
import { istDate, istInstant, isTradingDay, nextTradingDay } from '../../actors/domain/calendar.ts';
import type { DaySummary } from '../../actors/domain/money.ts';
import { ROOT, adminToken, drillModes, http, killGroup, recovered, runCli, runEnv, startRun, waitFor, waitHealthy, type Running } from './harness.ts';
import { tempDir } from '../fixtures/temp-dir.ts';

const SPEED = process.env['WEEK_SIM_SPEED'] ?? '3600';
const FIRST = '2026-12-07';
const LAST = '2026-12-15';
/** Market instants (IST) at which the run is killed with SIGKILL and restarted: on different days. */
const KILLS = (process.env['WEEK_KILLS'] ?? '2026-12-09T11:00,2026-12-14T12:00').split(',').filter((s) => s !== '').map((s) => Date.parse(`${s}:00+05:30`));
/** Tuesday 15 Dec has closed (15:30 + RISK_DAY_CLOSE_DELAY_MIN 15) by 16:00. */
const END = istInstant(LAST, 16 * 60);
const MAX_DAILY_LOSS = 20_000;
const CLOCK_RESUMES = existsSync(path.join(ROOT, 'actors', 'journal', 'peek.ts'));

function tradingDates(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = isTradingDay(from) ? from : nextTradingDay(from); d <= to; d = nextTradingDay(d)) out.push(d);
  return out;
}

async function marketNow(port: number, token: string): Promise<number | undefined> {
  const r = await http(port, '/api/v1/dashboard', { token });
  const ts = (r.json as { ts?: unknown } | null)?.ts;
  return r.status === 200 && typeof ts === 'number' ? ts : undefined;
}

interface Journaled {
  readonly type: string;
  readonly body: Record<string, unknown>;
}

async function journaled(dataDir: string, types: ReadonlySet<string>): Promise<Journaled[]> {
  const backend = new LmdbBackend(path.join(dataDir, 'journal'), { readOnly: true });
  try {
    const out: Journaled[] = [];
    for (const e of new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER }).read({})) {
      if (types.has(e.type)) out.push({ type: e.type, body: e.body as Record<string, unknown> });
    }
    return out;
  } finally {
    await backend.close();
  }
}

/**
 * The suite runs the source variant only: at 3600× the simulated week costs about a core for each simulated market
 * copy (feed and paper exchange), and the binary variant beside it starved the rest of the suite on 2 cores.
 * `npm run drill:week` (WEEK_ALL_MODES=1) or DRILL_MODE runs what is asked.
 */
const MODES = process.env['DRILL_MODE'] !== undefined || process.env['WEEK_ALL_MODES'] === '1' ? drillModes() : ['source' as const];

for (const mode of MODES) {
  test(`a week of money on paper: Monday through two weekly expiries with restarts (${mode}, SIM_SPEED ${SPEED}, ${KILLS.length} kills)`,
    { timeout: 3_600_000, skip: CLOCK_RESUMES || KILLS.length === 0 ? false : 'needs the simulated clock to resume after a restart (wip/money-clock: actors/journal/peek.ts)' },
    async (t) => {
      const { dir, cleanup } = tempDir(`vg-money-week-${mode}-`);
      const { env, ports } = await runEnv(dir, {
        PHASE: 'FULL_AUTO', SAFETY_MODE: 'paper', FEED: 'sim', SIM_SEED: '7', SIM_SPEED: SPEED, SIM_START: `${FIRST}T09:15:00+05:30`,
        SUPERVISOR_LOOP_INTERVAL: '0.1', ORDER_FILL_TIMEOUT_MS: '1000', STRATEGY_ENTRY_CROSS: '2', MAX_DAILY_LOSS: String(MAX_DAILY_LOSS),
      });
      const dataDir = String(env['DATA_DIR']);
      const runs: Running[] = [];
      let run: Running | null = null;
      const start = async (): Promise<{ run: Running; token: string }> => {
        const r = startRun(mode, { cwd: dir, env });
        runs.push(r);
        await waitHealthy(ports.port, r);
        const token = adminToken(dataDir);
        await recovered(r, ports, token, 'the start', 2, 180_000);
        return { run: r, token };
      };
      const until = (r: Running, token: string, what: string, ms: number) => waitFor(what, async () => {
        if (r.child.exitCode !== null || r.child.signalCode !== null) throw new Error(`volguard exited before ${what}:\n${r.tail()}`);
        const now = await marketNow(ports.port, token).catch(() => undefined);
        return now !== undefined && now >= ms ? now : undefined;
      }, 3_000_000, 250);
      try {
        let s = await start();
        run = s.run;
        for (const k of KILLS) {
          await until(run, s.token, `market ${new Date(k).toISOString()}`, k);
          killGroup(run, 'SIGKILL');
          await run.exited;
          s = await start();
          run = s.run;
          t.diagnostic(`killed and restarted at market ${istDate(k)} ${new Date(k).toISOString()}`);
        }
        await until(run, s.token, `market ${new Date(END).toISOString()}`, END);
        const positions = (await http(ports.port, '/api/v1/positions', { token: s.token })).json as { positions: Array<{ instrumentKey: string; quantity: number; expiry?: string }> };
        const pnl = (await http(ports.port, '/api/v1/pnl', { token: s.token })).json as { days: Array<{ date: string; net: number }>; total: { net: number }; equity: { start: number | null; now: number | null } };
        run.child.kill('SIGTERM');
        assert.deepEqual(await run.exited, { code: 0, signal: null }, run.tail());

        for (const r of runs) {
          const exits = r.output.split('\n').filter((l) => l.includes('"actor exited"'));
          assert.deepEqual(exits, [], 'an actor exited (other than by the kills)');
        }

        const j = await journaled(dataDir, new Set(['money.dayOpened', 'money.dayClosed', 'money.identityMismatch', 'killswitch.transition', 'money.charges', 'money.settlement', 'executor.orderUpdated']));
        const dates = tradingDates(FIRST, LAST);
        const opened = j.filter((e) => e.type === 'money.dayOpened').map((e) => String(e.body['date']));
        assert.deepEqual(opened, dates, 'one day opened per trading date');
        const closed = j.filter((e) => e.type === 'money.dayClosed').map((e) => e.body as unknown as DaySummary);
        assert.deepEqual(closed.map((d) => d.date), dates, 'one day closed per trading date');
        for (let i = 1; i < closed.length; i++) {
          assert.ok(Math.abs(closed[i]!.equity.dayStart - closed[i - 1]!.equity.end) <= 0.5, `${closed[i]!.date} starts at ${closed[i]!.equity.dayStart}, the previous close was ${closed[i - 1]!.equity.end}`);
        }
        const sumNet = closed.reduce((a, d) => a + d.net, 0);
        const change = closed[closed.length - 1]!.equity.end - closed[0]!.equity.dayStart;
        assert.ok(Math.abs(sumNet - change) <= 1, `Σ daily net ${sumNet} ≠ change in equity ${change}`);
        assert.deepEqual(j.filter((e) => e.type === 'money.identityMismatch').map((e) => e.body), []);
        assert.ok(Math.abs(pnl.total.net - sumNet) <= 1 && pnl.days.length >= dates.length, `GET /api/v1/pnl: ${JSON.stringify(pnl.total)}`);

        const byDate = new Map(closed.map((d) => [d.date, d]));
        for (const tr of j.filter((e) => e.type === 'killswitch.transition' && ['HALTED', 'EMERGENCY'].includes(String(e.body['to'])))) {
          const code = String((tr.body['cause'] as { code?: unknown } | undefined)?.code);
          const at = Number(tr.body['at']);
          const day = byDate.get(istDate(at));
          // A hard risk limit still breached when its grace ran out (issue 18's managed breach) explains a HALT by its own
          // journaled evidence: the value beyond the hard threshold, and the transition after the countdown's deadline.
          const ev = ((tr.body['cause'] as { evidence?: Record<string, unknown> } | undefined)?.evidence) ?? {};
          const hardBreach = code === 'RISK_HARD' && ev['level'] === 'hard' && Math.abs(Number(ev['value'])) > Number(ev['threshold'])
            && (ev['deadline'] === undefined || at >= Number(ev['deadline']));
          assert.ok(['DAILY_LOSS', 'CATASTROPHIC_LOSS', 'FLATTENED'].includes(code) || hardBreach, `HALT not explained by the day: ${JSON.stringify(tr.body)}`);
          if (code === 'DAILY_LOSS') assert.ok(day !== undefined && (day.net <= -MAX_DAILY_LOSS || day.maxDrawdown >= MAX_DAILY_LOSS), `DAILY_LOSS on ${istDate(at)} but its summary shows no such loss: ${JSON.stringify(day)}`);
        }

        const expired = positions.positions.filter((p) => p.quantity !== 0 && p.expiry !== undefined && p.expiry < LAST);
        assert.deepEqual(expired, [], 'a contract past its expiry is still in the book');
        const charges = j.filter((e) => e.type === 'money.charges' && e.body['shadow'] !== true);
        if (charges.length > 0) {
          const charged = new Set(charges.map((e) => String(e.body['orderId'])));
          const filled = new Set(j.filter((e) => e.type === 'executor.orderUpdated' && Number(e.body['filledQuantity']) > 0).map((e) => String(e.body['clientOrderId'])));
          assert.deepEqual([...filled].filter((o) => !charged.has(o)), [], 'executed orders without charges');
        } else {
          t.diagnostic('no money.charges journaled: the executor does not book charges yet (money-books); charges not checked');
        }
        t.diagnostic(`days ${closed.map((d) => `${d.date} ${d.net.toFixed(0)}`).join(', ')}; settlements ${j.filter((e) => e.type === 'money.settlement').length}`);

        const verify = await runCli(mode, ['journal', 'verify'], { cwd: dir, env });
        assert.equal(verify.code, 0, verify.stdout + verify.stderr);
      } finally {
        for (const r of runs) {
          if (r.child.exitCode === null && r.child.signalCode === null) {
            killGroup(r, 'SIGKILL');
            await r.exited;
          }
        }
        if (process.env['DRILL_KEEP'] === '1') t.diagnostic(`kept ${dir}`);
        else cleanup();
      }
    });
}
