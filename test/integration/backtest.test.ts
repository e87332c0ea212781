/**
 * `volguard backtest` over the real NSE sample (data/samples/nse-udiff-2026-01-12_14: 12–14 January 2026, the 13th a
 * NIFTY weekly expiry), with the production actor tree on a stepped clock:
 * - the report's figures against values computed by hand from the bhavcopy rows and the spread model;
 * - two runs give byte-identical summaries (determinism);
 * - kill -9 mid-run, the same command resumes from the last committed cycle, no order sent twice, same result;
 * - `volguard run` with FEED=replay over the same recording (a paper session over the recorded days) takes the same
 *   orders at the same prices and ends with the same P&L;
 * - a sweep runs each combination in its own tree and compares them; bad config is refused.
 *
 * The configuration (test/fixtures/backtest/eod-sample.env) is one fit for daily data; its comments say why.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';
import { runCommand } from '../fixtures/cli.ts';
import { tempDir } from '../fixtures/temp-dir.ts';
import { startTestSystem } from '../fixtures/run-system.ts';
import { run as importCli } from '../../actors/venues/replay/import/cli.ts';
import { run as backtestCli } from '../../runtime/cli/backtest.ts';
import { reportOf } from '../../runtime/main/replay/backtest.ts';
import { listReports } from '../../gateway/reports.ts';
import type { ReportData } from '../../actors/journal/report/model.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SAMPLE = path.join(ROOT, 'data/samples/nse-udiff-2026-01-12_14');
const CONFIG = path.join(ROOT, 'test/fixtures/backtest/eod-sample.env');
const ARGS = ['--from', '2026-01-12', '--to', '2026-01-14', '--config', CONFIG, '--json'];
const LOT = 65; // NIFTY NewBrdLotQty in the sample

const summary = (out: string): ReportData => JSON.parse(readFileSync(path.join(out, 'summary.json'), 'utf8')) as ReportData;
const fillsOf = (r: ReportData) => r.fills.map((f) => [f.ts, f.clientOrderId, f.instrumentKey, f.side, f.quantity, f.price]);
const paperPlaces = (runDir: string): string[] => readFileSync(path.join(runDir, 'paper', 'orders.jsonl'), 'utf8').split('\n')
  .filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { k: string; clientOrderId?: string }).filter((r) => r.k === 'place').map((r) => r.clientOrderId ?? '');

describe('backtest over the real NSE sample (3 days, EOD)', () => {
  const tmp = tempDir('vg-bt-');
  const recording = path.join(tmp.dir, 'rec');
  const outA = path.join(tmp.dir, 'a');
  before(async () => {
    const r = await runCommand(importCli, ['nse-bhavcopy', SAMPLE, '--out', recording], { cwd: tmp.dir });
    assert.equal(r.code, 0, r.err);
    const b = await runCommand(backtestCli, [...ARGS, '--data', recording, '--out', outA], { cwd: tmp.dir });
    assert.equal(b.code, 0, b.err);
    assert.equal(b.err, '', 'no progress output with --json');
  });
  after(() => tmp.cleanup());

  it('trades the weekly NIFTY iron condor at the spread model\'s touch, and its report figures are the hand-computed ones', () => {
    const r = summary(outA);
    assert.ok(existsSync(path.join(outA, 'report.html')));
    // The only entry: 14 Jan 2026 15:15 IST, in the 20 Jan weekly. Realised vol needs two returns: one cycle a frame-day
    // (the frames' follow-up cycles run only while orders work), so the closes of 12, 13 and 14 Jan — the first chance.
    // Bhavcopy rows of 14 Jan (ClsPric, TtlTradgVol; index UndrlygPric 25665.60):
    //   26300 CE (47665) 7.50, 809 953 · 25000 PE (47573) 9.75, 698 763 · 26000 CE (47625) 29.85, 2 501 347 ·
    //   25350 PE (47594) 29.35, 635 038 — every one above 100 000 contracts, so h = 0.0025.
    // Spread model half = max(1 tick, close × h(vol) × (1 + 0.1·|z|)), z = ln(K/S)/(0.15·√t), rounded up to ticks; buys
    // fill at the ask (close + half), sells at the bid (close − half). t is variance time (actors/domain/variance-clock.ts,
    // default weights: overnight 0.2, weekend day and holiday 0.1 each, D = 248 + 104·0.1 + 13·0.1 = 259.7 units a year)
    // from Wed 14 Jan 15:15 to the 20 Jan close 15:30, in units: 14th 15/375·0.8 = 0.032; night + 15th (an exchange
    // holiday) 0.3; 16th 0.8; night + weekend 0.4; 19th 0.8; night 0.2; 20th 0.8 — 3.332 units,
    // t = 3.332/259.7 = 0.012830, √t = 0.113270, 0.15·√t = 0.016991 (days to expiry 4.7: no expiry-day or far factor):
    //   26300 CE: z = 0.024417/0.016991 = 1.437;  7.50 × 0.0025 × 1.1437 = 0.0214 → 1 tick (the minimum) → ask 7.55
    //   25000 PE: z = 0.026276/0.016991 = 1.546;  9.75 × 0.0025 × 1.1546 = 0.0281 → 1 tick (the minimum) → ask 9.80
    //   26000 CE: z = 0.012945/0.016991 = 0.762; 29.85 × 0.0025 × 1.0762 = 0.0803 → 1.61 → 2 ticks → bid 29.75
    //   25350 PE: z = 0.012373/0.016991 = 0.728; 29.35 × 0.0025 × 1.0728 = 0.0787 → 1.57 → 2 ticks → bid 29.25
    // (On the calendar clock, t = 6/365, the same ticks: no half lies near a tick boundary.)
    const at = Date.UTC(2026, 0, 14, 9, 45); // 15:15 IST
    assert.deepEqual(r.fills.map((f) => [f.ts, f.instrumentKey, f.side, f.quantity, f.price]), [
      [at, 'NSE_FO|47665', 'BUY', LOT, 7.55],
      [at, 'NSE_FO|47573', 'BUY', LOT, 9.8],
      [at, 'NSE_FO|47625', 'SELL', LOT, 29.75],
      [at, 'NSE_FO|47594', 'SELL', LOT, 29.25],
    ]);
    // FULL_AUTO throughout the entry: no proposal was left to a human approval (the report would note it).
    assert.ok(!r.notes.some((n) => /approval/.test(n)), r.notes.join(' | '));
    // Every fill priced off a derived quote (the recording says so), and the report lists them.
    assert.equal(r.derivedFills.length, 4);
    assert.equal(r.trades.length, 1);
    const t = r.trades[0]!;
    assert.deepEqual([t.underlying, t.kind, t.expiry, t.closedAt, t.realised], ['NIFTY', 'iron_condor', '2026-01-20', null, 0]);
    // Entry credit 29.75 + 29.25 − 7.55 − 9.80 = 41.65 a unit. Marks are mids, and the model centres quotes on the close:
    //   14 Jan (the 15:30 cycle) debit 29.85 + 29.35 − 7.50 − 9.75 = 41.95 → unrealised (41.65 − 41.95) × 65 = −19.50
    // Charges (the shipped schedule on 14 Jan 2026: brokerage ₹20 an order, STT 0.1 % of sell premium rounded to the
    // rupee, exchange 0.03503 %, SEBI 0.0001 %, IPFT 0.0005 %, stamp 0.003 % of buy premium, GST 18 % on brokerage +
    // exchange + SEBI; each component to the paisa), one order a leg of 65 units:
    //   BUY 26300 CE 7.55: premium 490.75 → exch 0.17, stamp 0.01, GST 18 % × 20.17 = 3.63 → 23.81
    //   BUY 25000 PE 9.80: premium 637.00 → exch 0.22, stamp 0.02, GST 18 % × 20.22 = 3.64 → 23.88
    //   SELL 26000 CE 29.75: premium 1933.75 → STT 2, exch 0.68, IPFT 0.01, GST 18 % × 20.68 = 3.72 → 26.41
    //   SELL 25350 PE 29.25: premium 1901.25 → STT 2, exch 0.67, IPFT 0.01, GST 18 % × 20.67 = 3.72 → 26.40
    //   total 100.50 → the day's net −19.50 − 100.50 = −120.00
    assert.deepEqual(r.days.map((d) => [d.date, d.net, d.charges, d.settlement]), [
      ['2026-01-12', 0, 0, 0], ['2026-01-13', 0, 0, 0], ['2026-01-14', -120, 100.5, 0],
    ]);
    // Drawdown: from the 1 000 000 start to 999 880.00 at the entry's first mark, after its charges.
    assert.equal(r.metrics.maxDrawdown, 120);
    // Settlement: nothing was held into the 13 Jan expiry (the condor is in the 20 Jan one) — 0 is the right figure.
    assert.equal(r.metrics.totalNet, -120);
    // No safety event: the kill switch stays NORMAL on 14 Jan, when NSE lists the 10 Feb weekly — its chain is quoted
    // from its first frame (the replay waits for the feed to subscribe a new instrument list before playing on).
    assert.deepEqual(r.safety, []);
    // Sum of daily net = change in equity.
    assert.ok(Math.abs(r.days.reduce((a, d) => a + d.net, 0) - r.metrics.totalNet) < 1e-6);
  });

  it('writes under DATA_DIR/reports by default, where the dashboard lists the latest reports', async () => {
    const dataDir = path.join(tmp.dir, 'data-dir');
    const r = await runCommand(backtestCli, [...ARGS, '--data', recording], { cwd: tmp.dir, env: { DATA_DIR: dataDir } });
    assert.equal(r.code, 0, r.err);
    assert.ok(existsSync(path.join(dataDir, 'reports', 'backtest-2026-01-12_2026-01-14', 'report.html')));
    assert.deepEqual(listReports(path.join(dataDir, 'reports')).map((e) => [e.name, e.kind]), [['backtest-2026-01-12_2026-01-14', 'backtest']]);
  });

  it('is deterministic: a second run writes a byte-identical summary', async () => {
    const outB = path.join(tmp.dir, 'b');
    const b = await runCommand(backtestCli, [...ARGS, '--data', recording, '--out', outB], { cwd: tmp.dir });
    assert.equal(b.code, 0, b.err);
    assert.equal(readFileSync(path.join(outB, 'summary.json'), 'utf8'), readFileSync(path.join(outA, 'summary.json'), 'utf8'));
  });

  it('resumes after kill -9 from the last committed cycle: no order sent twice, none lost, the same result', async () => {
    const outK = path.join(tmp.dir, 'k');
    const argv = ['--import', 'tsx', path.join(ROOT, 'runtime/cli/main.ts'), 'backtest', ...ARGS.filter((a) => a !== '--json'), '--data', recording, '--out', outK];
    // A real process, killed with SIGKILL once step 9 (14 Jan 15:15, the entry; its saga completes in that cycle, so
    // its follow-ups are passed over) is durable.
    const child = spawn(process.execPath, argv, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    const killed = await new Promise<boolean>((resolve) => {
      let err = '';
      child.stderr.on('data', (c: Buffer) => {
        err += String(c);
        if (/cycle 9\/12/.test(err)) {
          process.kill(-child.pid!, 'SIGKILL');
          resolve(true);
        }
      });
      child.on('exit', () => resolve(false));
    });
    assert.ok(killed, 'the run was killed mid-way');
    await new Promise((r) => child.once('exit', r));
    assert.ok(!existsSync(path.join(outK, 'summary.json')), 'nothing written by the killed run');
    const again = await runCommand(backtestCli, [...ARGS, '--data', recording, '--out', outK], { cwd: tmp.dir });
    assert.equal(again.code, 0, again.err);
    const line = JSON.parse(again.out) as { resumedAt: number | null };
    assert.ok(line.resumedAt !== null && line.resumedAt >= 9, `resumed at step ${line.resumedAt}`);
    const places = paperPlaces(path.join(outK, 'run'));
    assert.equal(new Set(places).size, places.length, `no client order id placed twice: ${places.join(', ')}`);
    const r = summary(outK);
    assert.deepEqual(fillsOf(r), fillsOf(summary(outA)));
    assert.equal(r.metrics.totalNet, summary(outA).metrics.totalNet);
    // The same command on a finished run changes nothing.
    const done = await runCommand(backtestCli, [...ARGS, '--data', recording, '--out', outK], { cwd: tmp.dir });
    assert.equal(done.code, 0, done.err);
    assert.deepEqual(fillsOf(summary(outK)), fillsOf(r));
  });

  it('a paper session over the recorded days (volguard run, FEED=replay) takes the same orders and ends with the same P&L', async () => {
    const env = parseEnv(readFileSync(CONFIG, 'utf8')) as Record<string, string>;
    const sys = await startTestSystem({
      ...env, FEED: 'replay', FEED_REPLAY_PATH: recording, FEED_REPLAY_SPEED: '1000000', SAFETY_MODE: 'paper', PHASE: 'FULL_AUTO',
      SUPERVISOR_LOOP_INTERVAL: '3',
    });
    try {
      await new Promise<void>((resolve) => {
        const off = sys.system.onEvent((type) => { if (type === 'replay.finished') { off(); resolve(); } });
      });
    } finally {
      await sys.stop();
    }
    const r = await reportOf(sys.cfg.DATA_DIR, { title: 'paper session', capital: sys.cfg.BASE_CAPITAL, derived: true });
    const bt = summary(outA);
    assert.deepEqual(fillsOf(r), fillsOf(bt));
    assert.equal(r.metrics.totalNet, bt.metrics.totalNet);
    assert.deepEqual(r.days.map((d) => [d.date, d.net]), bt.days.map((d) => [d.date, d.net]));
  });

  it('a paper session over the recorded days is alive while it replays: cycles stamped with January market time are not stale', async () => {
    // The cycle stamps market time in a replay (the recording's instant); liveness asks how long ago, on the wall clock,
    // the last cycle completed — not how far the recording lies in the past. At 1× the next instant of this daily
    // recording is hours of wall time away: the loop is waiting by design, and that is not stale either.
    const env = parseEnv(readFileSync(CONFIG, 'utf8')) as Record<string, string>;
    const sys = await startTestSystem({ ...env, FEED: 'replay', FEED_REPLAY_PATH: recording, FEED_REPLAY_SPEED: '1', SAFETY_MODE: 'paper' });
    try {
      if (sys.cycle.cycles === 0) await sys.cycles(1);
      const last = sys.cycle.state.lastRecord;
      assert.ok(last !== null && last.ts < Date.UTC(2026, 0, 15), `a cycle stamped in the recording, was ${String(last?.ts)}`);
      const res = await fetch(`${sys.base}/health`);
      const body = (await res.json()) as { ok: boolean; reasons: string[] };
      assert.deepEqual(body, { ok: true, reasons: [] });
      assert.equal(res.status, 200);
    } finally {
      await sys.stop();
    }
  });

  it('a sweep runs every combination in its own tree and compares them', async () => {
    const outS = path.join(tmp.dir, 's');
    const s = await runCommand(backtestCli, [...ARGS, '--data', recording, '--out', outS, '--sweep', 'STRATEGY_SHORT_DELTA=0.16,0.2'], { cwd: tmp.dir });
    assert.equal(s.code, 0, s.err);
    const sweep = JSON.parse(readFileSync(path.join(outS, 'sweep.json'), 'utf8')) as { runs: { name: string; ok: boolean; report: string; totalNet?: number }[] };
    assert.deepEqual(sweep.runs.map((x) => x.name).sort(), ['STRATEGY_SHORT_DELTA=0.16', 'STRATEGY_SHORT_DELTA=0.2']);
    for (const run of sweep.runs) {
      assert.ok(run.ok);
      assert.ok(existsSync(path.join(outS, run.report)));
    }
    // The 0.16 run is the run above, in another tree.
    assert.equal(sweep.runs.find((x) => x.name === 'STRATEGY_SHORT_DELTA=0.16')?.totalNet, summary(outA).metrics.totalNet);
  });

  it('refuses a config with an unknown variable, live mode, another feed, a bad sweep or bad dates, and starts nothing', async () => {
    const bad = path.join(tmp.dir, 'bad.env');
    writeFileSync(bad, 'STRATEGY_SHORT_DELTA=0.16\nSTRATEGY_SHORT_DELTAA=0.2\n');
    let r = await runCommand(backtestCli, ['--from', '2026-01-12', '--to', '2026-01-14', '--data', recording, '--config', bad, '--out', path.join(tmp.dir, 'x')], { cwd: tmp.dir });
    assert.equal(r.code, 78);
    assert.match(r.err, /STRATEGY_SHORT_DELTAA: bad\.env:2: unknown variable/);
    writeFileSync(bad, 'SAFETY_MODE=live\nFEED=upstox\nDATA_DIR=/tmp\n');
    r = await runCommand(backtestCli, ['--from', '2026-01-12', '--to', '2026-01-14', '--data', recording, '--config', bad, '--out', path.join(tmp.dir, 'x')], { cwd: tmp.dir });
    assert.equal(r.code, 78);
    assert.match(r.err, /SAFETY_MODE: expected paper, was live/);
    assert.match(r.err, /FEED: expected replay/);
    assert.match(r.err, /DATA_DIR: not settable in a backtest/);
    r = await runCommand(backtestCli, ['--from', '2026-01-12', '--to', '2026-01-14', '--data', recording, '--sweep', 'NOPE=1,2'], { cwd: tmp.dir });
    assert.equal(r.code, 1);
    assert.match(r.err, /--sweep: expected a configuration variable/);
    r = await runCommand(backtestCli, ['--from', '2026-01-12', '--to', '2026-01-14', '--data', recording, '--sweep', 'STRATEGY_SHORT_DELTA=0.16,nope'], { cwd: tmp.dir });
    assert.equal(r.code, 78);
    assert.match(r.err, /STRATEGY_SHORT_DELTA/);
    r = await runCommand(backtestCli, ['--from', '2026-13-01', '--to', '2026-01-14', '--data', recording], { cwd: tmp.dir });
    assert.equal(r.code, 2);
    r = await runCommand(backtestCli, ['--from', '2026-02-02', '--to', '2026-02-03', '--data', recording, '--out', path.join(tmp.dir, 'x')], { cwd: tmp.dir });
    assert.equal(r.code, 1);
    assert.match(r.err, /expected market data between 2026-02-02 and 2026-02-03/);
    assert.ok(!existsSync(path.join(tmp.dir, 'x', 'run', 'journal')), 'nothing started');
  });
});
