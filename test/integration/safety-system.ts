/**
 * @module Helpers for the end-to-end safety tests (safety-*.test.ts): the whole system (real workers, LMDB, HTTP) on
 * the simulated market, with exposure created the way it happens in real life — orders placed on the (paper) broker
 * account "outside VolGuard" before it starts, which the executor's reconciliation adopts (exit-only).
 *
 * Time: the outside orders are placed at the session's open (T0) and the system's simulated clock is pinned to start
 * two hours later (T1, `SIM_START`), the same session day — so the paper exchange's SimMarket copy, the feed's and the
 * one used here all agree on every price (SimMarket is pure in seed, session anchor and time), and the adopted position
 * carries a real mark-to-market P&L from T0 to T1 ("carried-in losses count").
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ManualClock } from '../../runtime/clock.ts';
import { istDate, nextSessionOpen, sessionOpenMs } from '../../actors/domain/calendar.ts';
import { PaperBroker } from '../../actors/venues/sim/paper/exchange.ts';
import { riskMargin } from '../../actors/venues/sim/paper/margin.ts';
import { SimQuotes } from '../../actors/venues/sim/paper/sim-quotes.ts';
import { run as journalCli } from '../../actors/journal/cli.ts';
import type { KillSwitchStatus } from '../../actors/killswitch/messages.ts';
import type { RiskReport } from '../../actors/risk/messages.ts';
import { startTestSystem, type TestSystem } from '../fixtures/run-system.ts';

export const ADMIN = 'test-admin-token-0123456789';
export const OPERATOR = 'test-operator-token-0123456789';
export const SEED = 1;

/** T0: the open of the next trading session (today's when trading today); T1: two hours into it. */
export const T0 = sessionOpenMs(istDate(nextSessionOpen(Date.now())));
export const T1 = T0 + 2 * 3600_000;

/** Limits no test position comes near: each test tightens only the one it exercises. */
export const LOOSE: Readonly<Record<string, string>> = {
  BASE_CAPITAL: '10000000', MAX_NET_DELTA: '1000', MAX_VEGA: '1e12', RISK_MAX_GAMMA: '1e12', RISK_MAX_THETA: '1e12', RISK_SCENARIO_LOSS_LIMIT: '1e12',
  RISK_MAX_GAMMA_EXPIRY: '1e12', RISK_MAX_VEGA_EXPIRY: '1e12', RISK_STRESS_LOSS_PCT: '1',
  MAX_DAILY_LOSS: '1e12', RISK_MAX_CAPITAL_AT_RISK_PCT: '1', RISK_MAX_MARGIN_PCT: '1', RISK_EMERGENCY_RATIO: '1000',
  // The adopted outside position is not VolGuard's to reduce, and these tests pin the latch itself: no portfolio stops.
  RISK_ACCOUNT_MTM_STOP_PCT: '0', RISK_ACCOUNT_TRAIL_ARM_PCT: '0', RISK_BUCKET_MTM_STOP_PCT: '0', RISK_BUCKET_TRAIL_ARM_PCT: '0',
};

/**
 * The environment every safety run shares. SEMI_AUTO: the adopted position's exit waits for a human (an approval),
 * so the exposure stays (in SHADOW the risk actor values the shadow book only). KS_FALLBACK_STREAK is raised so the
 * calibrator's per-strike fallback on the expiring-today chain does not add a DEGRADED of its own to every run: each
 * test isolates the trigger it is about. KS_HARD_BREACH_GRACE_S=0: a hard greek breach HALTs at once, the latch these
 * tests are about (the managed countdown has its own test, risk-managed-breach.test.ts).
 */
export function baseEnv(dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    SIM_SEED: String(SEED),
    SIM_START: new Date(T1).toISOString(),
    PHASE: 'SEMI_AUTO',
    LOG_LEVEL: 'fatal',
    VOLGUARD_CHAOS: '1',
    VOLGUARD_OPERATOR_TOKEN: OPERATOR,
    KS_FALLBACK_STREAK: '1000',
    KS_HARD_BREACH_GRACE_S: '0',
    JOURNAL_BACKUP_INTERVAL_S: '0',
    ...LOOSE,
  };
}

export function tempDataDir(tag: string): { dir: string; cleanup: () => void } {
  const root = mkdtempSync(path.join(tmpdir(), `vg-${tag}-`));
  return { dir: path.join(root, 'data'), cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export interface OutsidePosition {
  readonly instrumentKey: string;
  readonly expiry: string;
  readonly strike: number;
  readonly quantity: number;
  readonly side: 'BUY' | 'SELL';
  /** Mid at T0 and at T1 (₹). */
  readonly midT0: number;
  readonly midT1: number;
}

function mid(sim: SimQuotes, key: string, at: number): number {
  const q = sim.quote(key, at);
  if (q === undefined) throw new Error(`expected a sim quote for ${key}, was none`);
  return (q.bid + q.ask) / 2;
}

/**
 * Places a MARKET order on the paper account in `dataDir` at T0, outside VolGuard: `lots` lots of the NIFTY call
 * nearest the money in the first expiry after T1's day, on the side that has LOST money by T1 (so the adopted position
 * carries a day loss into the first cycle).
 */
export async function placeOutsidePosition(dataDir: string, lots = 1, at = T0): Promise<OutsidePosition> {
  const sim = new SimQuotes({ seed: SEED, startMs: at });
  const later = new SimQuotes({ seed: SEED, startMs: at });
  const day = istDate(T1);
  const chain = sim.market.chains().find((c) => c.underlying === 'NIFTY' && c.expiry > day);
  if (!chain) throw new Error('expected a NIFTY expiry after the session day, was none');
  const spot = sim.market.spot('NIFTY');
  let i = 0;
  chain.strikes.forEach((k, j) => {
    if (Math.abs(k - spot) < Math.abs(chain.strikes[i]! - spot)) i = j;
  });
  const key = chain.callKeys[i]!;
  const midT0 = mid(sim, key, at);
  const midT1 = mid(later, key, T1);
  const side = midT1 >= midT0 ? 'SELL' : 'BUY';
  const quantity = lots * chain.lotSize;
  await placeOutsideOrder(dataDir, key, side, quantity, at);
  return { instrumentKey: key, expiry: chain.expiry, strike: chain.strikes[i]!, quantity, side, midT0, midT1 };
}

/** One MARKET order on the paper account in `dataDir` at simulated time `at` (same session day as T1), outside VolGuard. */
export async function placeOutsideOrder(dataDir: string, instrumentKey: string, side: 'BUY' | 'SELL', quantity: number, at: number): Promise<void> {
  const sim = new SimQuotes({ seed: SEED, startMs: at });
  const broker = new PaperBroker({
    dir: path.join(dataDir, 'paper'), clock: new ManualClock(at), quotes: sim.quote, instruments: sim.rules,
    margin: riskMargin(sim.describe, sim.spot), capital: 10_000_000,
  });
  try {
    const before = (await broker.getPositions()).find((p) => p.instrumentKey === instrumentKey)?.quantity ?? 0;
    await broker.placeOrder({ clientOrderId: `outside-${at}`, instrumentKey, side, quantity, orderType: 'MARKET', product: 'D', validity: 'DAY' });
    const after = (await broker.getPositions()).find((p) => p.instrumentKey === instrumentKey)?.quantity ?? 0;
    if (after - before !== (side === 'BUY' ? quantity : -quantity)) throw new Error(`expected the outside order filled, was ${before} → ${after}`);
  } finally {
    await broker.close();
  }
}

/** Positions on the paper account as the exchange itself keeps them (its books on disk), read while nothing else writes. */
export async function paperPositions(dataDir: string): Promise<ReadonlyArray<{ instrumentKey: string; quantity: number }>> {
  const sim = new SimQuotes({ seed: SEED, startMs: T1 });
  const broker = new PaperBroker({ dir: path.join(dataDir, 'paper'), clock: new ManualClock(T1), quotes: sim.quote, instruments: sim.rules, capital: 10_000_000 });
  try {
    return await broker.getPositions();
  } finally {
    await broker.close();
  }
}

export async function startSafetySystem(dataDir: string, env: Record<string, string> = {}): Promise<TestSystem> {
  return startTestSystem({ ...baseEnv(dataDir), ...env });
}

/** The next `killswitch.changed` whose status satisfies `pred` (register before triggering). */
export function nextChange(s: TestSystem, pred: (st: KillSwitchStatus) => boolean): Promise<KillSwitchStatus> {
  return new Promise((resolve) => {
    const off = s.system.onEvent((type, body) => {
      if (type === 'killswitch.changed' && pred(body as KillSwitchStatus)) {
        off();
        resolve(body as KillSwitchStatus);
      }
    });
  });
}

/** Resolves with the first completed cycle's risk report that satisfies `pred`. */
export function riskWhen(s: TestSystem, pred: (r: RiskReport) => boolean): Promise<RiskReport> {
  return new Promise((resolve) => {
    const check = (): boolean => {
      const r = s.cycle.state.risk;
      if (r && pred(r)) {
        resolve(r);
        return true;
      }
      return false;
    };
    if (check()) return;
    const off = s.system.onEvent((type) => {
      if (type === 'cycle.completed' && check()) off();
    });
  });
}

export interface JournalRow {
  readonly seq: number;
  readonly ts: number;
  readonly actor: string;
  readonly type: string;
  readonly cycleId?: string;
  readonly body: any;
}

/** `volguard journal dump [--type T]` in-process (the reader opens LMDB read-only; safe while the system runs). */
export async function journalDump(dataDir: string, type?: string): Promise<JournalRow[]> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c: Buffer) => (out += c.toString()));
  stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await journalCli(['dump', ...(type ? ['--type', type] : []), '--data-dir', dataDir], { stdin: new PassThrough(), stdout, stderr, env: {}, cwd: dataDir });
  if (code !== 0) throw new Error(`journal dump exited ${code}: ${err}`);
  return out.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as JournalRow);
}

/** The journaled kill-switch transitions. */
export async function transitions(dataDir: string): Promise<JournalRow[]> {
  return journalDump(dataDir, 'killswitch.transition');
}

/**
 * Resolves on the first completed cycle whose state satisfies `pred` (event-driven, no fixed sleeps); rejects once the
 * market time passes `until`, naming `what`, the journal's directory and `detail()` (the state that explains why not).
 */
export function whenMarket<T>(s: TestSystem, pred: () => T | undefined | false, until: number, what: string, detail: () => string): Promise<T> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => {
      const v = pred();
      if (v !== undefined && v !== false) {
        resolve(v);
        return true;
      }
      if ((s.cycle.state.snapshot?.ts ?? 0) >= until) {
        reject(new Error(`${what}: not by ${new Date(until).toISOString()} (journal in ${s.cfg.DATA_DIR}); ${detail()}`));
        return true;
      }
      return false;
    };
    if (check()) return;
    const off = s.system.onEvent((type) => {
      if (type === 'cycle.completed' && check()) off();
    });
  });
}
