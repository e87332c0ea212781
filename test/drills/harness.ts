/**
 * @module Shared plumbing for the binary smoke test and the drills: start `volguard` (the binary or from source)
 * in a temp folder, wait on conditions (poll /health, a log line), talk to the gateway, run CLI subcommands.
 * No fixed sleeps: every wait polls a condition; deadlines only turn a hang into a readable failure.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { freePorts } from '../fixtures/free-port.ts';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BINARY = process.env['VOLGUARD_BIN'] ? path.resolve(process.env['VOLGUARD_BIN']) : path.join(ROOT, 'dist', 'volguard');

export type Mode = 'binary' | 'source';

/** `DRILL_MODE=binary|source|both` (default: both when the binary exists, else source). */
export function drillModes(): Mode[] {
  const m = process.env['DRILL_MODE'];
  if (m === 'binary' || m === 'source') return [m];
  return existsSync(BINARY) ? ['binary', 'source'] : ['source'];
}

/** argv[0] and leading args that run `volguard` in `mode`. */
export function volguardCommand(mode: Mode): { cmd: string; pre: string[] } {
  if (mode === 'binary') return { cmd: BINARY, pre: [] };
  const tsx = pathToFileURL(path.join(ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
  return { cmd: process.execPath, pre: ['--import', tsx, path.join(ROOT, 'runtime', 'cli', 'main.ts')] };
}

/** Thrown by a probe to stop waiting at once (e.g. the process exited): `waitFor` rethrows it. */
export class WaitAborted extends Error {}

/** Polls `probe` until it returns a non-undefined value; rejects with `what` after `deadlineMs` (hang guard only). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, deadlineMs = 120_000, everyMs = 100): Promise<T> {
  const until = Date.now() + deadlineMs;
  let lastErr: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof WaitAborted) throw err;
      lastErr = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${lastErr ? `: ${String(lastErr)}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one CLI subcommand to completion. */
export function runCli(mode: Mode, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
  const { cmd, pre } = volguardCommand(mode);
  return new Promise((resolve) => {
    const child = execFile(cmd, [...pre, ...args], { cwd: opts.cwd, env: opts.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** A running `volguard run` with its output captured. */
export class Running {
  readonly child: ChildProcess;
  output = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString('utf8')));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString('utf8')));
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Resolves with the first JSON log line matching `pred` (e.g. `msg === 'first cycle completed'`). */
  logLine(pred: (rec: Record<string, unknown>) => boolean, deadlineMs?: number): Promise<Record<string, unknown>> {
    return waitFor('a log line', () => {
      if (this.child.exitCode !== null || this.child.signalCode !== null) {
        const found = this.#find(pred);
        if (found) return found;
        throw new WaitAborted(`volguard exited before the log line:\n${this.tail()}`);
      }
      return this.#find(pred);
    }, deadlineMs);
  }

  #find(pred: (rec: Record<string, unknown>) => boolean): Record<string, unknown> | undefined {
    {
      for (const line of this.output.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const rec = JSON.parse(line) as Record<string, unknown>;
          if (pred(rec)) return rec;
        } catch {
          /* a partial line */
        }
      }
      return undefined;
    }
  }

  tail(n = 40): string {
    return this.output.split('\n').slice(-n).join('\n');
  }
}

export function startRun(mode: Mode, opts: { cwd: string; env: NodeJS.ProcessEnv }): Running {
  const { cmd, pre } = volguardCommand(mode);
  // Own process group: the kill drill kills the whole group (main + every worker thread lives in this one process).
  const child = spawn(cmd, [...pre, 'run'], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  return new Running(child);
}

export interface Ports {
  readonly port: number;
  readonly metricsPort: number;
}

/** The environment for a paper run in `dir` (fresh ports; DATA_DIR/LOG_DIR inside `dir`). */
export async function runEnv(dir: string, extra: Record<string, string> = {}): Promise<{ env: NodeJS.ProcessEnv; ports: Ports }> {
  const [port, metricsPort] = (await freePorts(2)) as [number, number];
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: dir,
    TMPDIR: process.env['TMPDIR'] ?? os.tmpdir(),
    PORT: String(port),
    METRICS_PORT: String(metricsPort),
    DATA_DIR: path.join(dir, 'data'),
    LOG_DIR: path.join(dir, 'logs'),
    SUPERVISOR_LOOP_INTERVAL: '0.2',
    LOG_LEVEL: 'info',
    ...extra,
  };
  return { env, ports: { port, metricsPort } };
}

export async function http(port: number, pathname: string, opts: { token?: string; method?: string; body?: unknown } = {}): Promise<{ status: number; json: unknown }> {
  const headers: Record<string, string> = {};
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`http://127.0.0.1:${port}${pathname}`, {
    method: opts.method ?? 'GET',
    headers,
    ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

export function waitHealthy(port: number, run?: Running): Promise<true> {
  return waitFor(`GET /health 200 on :${port}${run ? `\n--- output ---\n${run.tail()}` : ''}`, async () => {
    if (run && (run.child.exitCode !== null || run.child.signalCode !== null)) throw new WaitAborted(`volguard exited ${run.child.exitCode}:\n${run.tail()}`);
    const r = await http(port, '/health');
    return r.status === 200 ? true : undefined;
  });
}

export function adminToken(dataDir: string): string {
  return readFileSync(path.join(dataDir, 'admin.token'), 'utf8').trim();
}

/** `volguard journal stats` as an object. */
export async function journalStats(mode: Mode, cwd: string, env: NodeJS.ProcessEnv): Promise<{ cycles: number; entries: number; lastSeq: number; orders: number }> {
  const r = await runCli(mode, ['journal', 'stats'], { cwd, env });
  if (r.code !== 0) throw new Error(`journal stats exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { cycles: number; entries: number; lastSeq: number; orders: number };
}

/** The paper exchange's order log (DATA_DIR/paper/orders.jsonl), complete lines only (a torn tail is not a record). */
export function paperRecords(dataDir: string): Array<Record<string, unknown>> {
  const file = path.join(dataDir, 'paper', 'orders.jsonl');
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  lines.pop(); // '' after the last newline, or a torn tail
  return lines.filter((l) => l.length > 0).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Duplicate broker orders: a client tag placed twice, or a broker id reused. Empty when clean. */
export function duplicateOrders(records: ReadonlyArray<Record<string, unknown>>): string[] {
  const tags = new Map<string, number>();
  const ids = new Map<string, number>();
  for (const r of records) {
    if (r['k'] !== 'place') continue;
    const tag = r['clientOrderId'];
    if (typeof tag === 'string') tags.set(tag, (tags.get(tag) ?? 0) + 1);
    const id = String(r['brokerOrderId']);
    ids.set(id, (ids.get(id) ?? 0) + 1);
  }
  return [
    ...[...tags].filter(([, n]) => n > 1).map(([t, n]) => `clientOrderId ${t} placed ${n}×`),
    ...[...ids].filter(([, n]) => n > 1).map(([t, n]) => `brokerOrderId ${t} placed ${n}×`),
  ];
}

/** The simulated market's speed for the drills (DRILL_SIM_SPEED, default 600: a trading day in ~38 s of wall time). */
export const DRILL_SIM_SPEED = Number(process.env['DRILL_SIM_SPEED'] ?? 600);
/** Where the drills' simulated day starts (test/integration/trading-day.test.ts's day: not an expiry day). */
export const DRILL_DAY_START = '2026-11-25T09:15:00+05:30';

/**
 * FULL_AUTO on paper with the settings under which test/integration/trading-day.test.ts reliably opens and closes an
 * intraday iron condor (see its header): Wed 2026-11-25 from 09:15 IST, SIM_SEED 7, SIM_SPEED 600 with a 0.1 s loop,
 * only the intraday bucket trading, as an iron condor, a 14:30 clock exit, ORDER_FILL_TIMEOUT_MS=600000 (10 market
 * minutes: the executor's timers are market time) and entries limit-priced through the touch (STRATEGY_ENTRY_CROSS=2). On this seed IV/RV crosses 1
 * around 11:00 market time (~11 s of run time at 600×), so orders are placed during a drill. VOLGUARD_CHAOS=1 for
 * the fault routes. DRILL_SIM_SPEED overrides the speed.
 */
export function tradingEnv(): Record<string, string> {
  return {
    PHASE: 'FULL_AUTO', SAFETY_MODE: 'paper', FEED: 'sim', VOLGUARD_CHAOS: '1',
    SIM_SEED: '7', SIM_START: DRILL_DAY_START, SIM_SPEED: String(DRILL_SIM_SPEED),
    SUPERVISOR_LOOP_INTERVAL: '0.1',
    ORDER_FILL_TIMEOUT_MS: '600000',
    STRATEGY_ENTRY_CROSS: '2',
    STRATEGY_INTRADAY_KIND: 'iron_condor', STRATEGY_WEEKLY_KIND: 'off', STRATEGY_MONTHLY_KIND: 'off',
    STRATEGY_INTRADAY_EXIT_TIME: '14:30',
  };
}

/** A client order id's parts (actors/executor/ids.ts: `VG<saga>-[s<slice>]<leg><role><attempt>`; flatten `VGF<run>-<n>`). */
export function parseClientOrderId(tag: string): { saga: string; leg: string; role: string } | null {
  const flat = /^(VGF[0-9a-z]+)-([0-9a-z]+)$/.exec(tag);
  if (flat) return { saga: flat[1]!, leg: flat[2]!, role: 'F' };
  const m = /^(VG[0-9a-z]+)-(s[0-9a-z]+)?([0-9a-z]+)([ECX])([0-9a-z]+)$/.exec(tag);
  return m ? { saga: m[1]!, leg: `${m[2] ?? ''}${m[3]!}`, role: m[4]! } : null;
}

export interface PaperOrder {
  readonly brokerOrderId: string;
  readonly clientOrderId: string | null;
  readonly instrumentKey: string;
  readonly side: 'BUY' | 'SELL';
  quantity: number;
  filled: number;
}

/** Orders at the paper exchange, in placement order, with their filled quantity. */
export function paperOrders(records: ReadonlyArray<Record<string, unknown>>): PaperOrder[] {
  const byId = new Map<string, PaperOrder>();
  for (const r of records) {
    const id = String(r['brokerOrderId']);
    if (r['k'] === 'place') {
      byId.set(id, {
        brokerOrderId: id, clientOrderId: typeof r['clientOrderId'] === 'string' ? r['clientOrderId'] : null,
        instrumentKey: String(r['instrumentKey']), side: r['side'] === 'SELL' ? 'SELL' : 'BUY', quantity: Number(r['quantity']), filled: 0,
      });
    } else if (r['k'] === 'fill') {
      const o = byId.get(id);
      if (o) o.filled += Number(r['quantity']);
    } else if (r['k'] === 'modify' && typeof r['quantity'] === 'number') {
      const o = byId.get(id);
      if (o) o.quantity = r['quantity'];
    }
  }
  return [...byId.values()];
}

/** The paper exchange's net positions (signed units, long positive) from its fills; zero positions left out. */
export function paperPositions(records: ReadonlyArray<Record<string, unknown>>): Map<string, number> {
  const net = new Map<string, number>();
  for (const o of paperOrders(records)) {
    if (o.filled === 0) continue;
    net.set(o.instrumentKey, (net.get(o.instrumentKey) ?? 0) + (o.side === 'BUY' ? o.filled : -o.filled));
  }
  for (const [k, q] of net) if (q === 0) net.delete(k);
  return net;
}

export interface SagaSummary {
  readonly saga: string;
  readonly roles: string;
  readonly legs: number;
  readonly orders: number;
  /**
   * An entry or exit saga of a whole structure (at least `minLegs` legs: 4 for the drills' iron condors) with every leg
   * filled in full and nothing compensated: the saga did what it set out to do. Flatten runs (VGF…) never count.
   */
  readonly complete: boolean;
}

/** The executor's sagas as the paper exchange saw them (grouped by client order id), flatten runs included. */
export function paperSagas(records: ReadonlyArray<Record<string, unknown>>, minLegs = 4): SagaSummary[] {
  const sagas = new Map<string, { roles: Set<string>; legs: Map<string, boolean>; orders: number }>();
  for (const o of paperOrders(records)) {
    const p = o.clientOrderId === null ? null : parseClientOrderId(o.clientOrderId);
    if (p === null) continue;
    const s = sagas.get(p.saga) ?? { roles: new Set<string>(), legs: new Map<string, boolean>(), orders: 0 };
    sagas.set(p.saga, s);
    s.orders++;
    s.roles.add(p.role);
    if (p.role === 'C') continue;
    const key = `${p.role}${p.leg}`;
    s.legs.set(key, (s.legs.get(key) ?? false) || (o.quantity > 0 && o.filled >= o.quantity));
  }
  return [...sagas].map(([saga, s]) => ({
    saga, roles: [...s.roles].sort().join(''), legs: s.legs.size, orders: s.orders,
    complete: !saga.startsWith('VGF') && s.legs.size >= minLegs && !s.roles.has('C') && [...s.legs.values()].every(Boolean),
  }));
}

interface ExecPositions {
  positions: Array<{ instrumentKey: string; quantity: number }>;
  structures: Array<{ id: string; kind: string; status: string; legs: Array<{ instrumentKey: string; side: string; quantity: number }> }>;
}

/**
 * Positions reconciled and no orphan legs, as one check: GET /api/v1/positions (the executor's book) against the
 * paper exchange's own fills. Returns the problems (empty when clean):
 * - every instrument's net quantity is the same in both;
 * - every leg of every structure the executor reports `open` is at the broker: summed per instrument over the open
 *   structures, the broker holds at least that much on the same side.
 * In-flight orders make the two differ for a moment: callers poll until it is clean (waitFor), which is the claim —
 * the books converge.
 */
export async function positionsProblems(port: number, token: string, dataDir: string): Promise<{ problems: string[]; open: number; positions: number }> {
  const r = await http(port, '/api/v1/positions', { token });
  if (r.status !== 200) throw new Error(`GET /api/v1/positions ${r.status}: ${JSON.stringify(r.json)}`);
  const book = r.json as ExecPositions;
  const paper = paperPositions(paperRecords(dataDir));
  const problems: string[] = [];
  const exec = new Map<string, number>();
  for (const p of book.positions) if (p.quantity !== 0) exec.set(p.instrumentKey, (exec.get(p.instrumentKey) ?? 0) + p.quantity);
  for (const k of new Set([...exec.keys(), ...paper.keys()])) {
    if ((exec.get(k) ?? 0) !== (paper.get(k) ?? 0)) problems.push(`${k}: executor ${exec.get(k) ?? 0}, paper exchange ${paper.get(k) ?? 0}`);
  }
  const open = book.structures.filter((s) => s.status === 'open');
  const want = new Map<string, number>();
  for (const s of open) for (const l of s.legs) want.set(l.instrumentKey, (want.get(l.instrumentKey) ?? 0) + (l.side === 'SELL' ? -l.quantity : l.quantity));
  for (const [k, q] of want) {
    const have = paper.get(k) ?? 0;
    if (q !== 0 && (Math.sign(have) !== Math.sign(q) || Math.abs(have) < Math.abs(q))) {
      problems.push(`orphan leg: open structures hold ${q} of ${k}, the paper exchange ${have} (${open.filter((s) => s.legs.some((l) => l.instrumentKey === k)).map((s) => s.id).join(', ')})`);
    }
  }
  return { problems, open: open.length, positions: paper.size };
}

/** SIGKILL the whole process group (main and every thread; there are no child processes, but be thorough). */
export function killGroup(run: Running, signal: NodeJS.Signals = 'SIGKILL'): void {
  try {
    process.kill(-run.pid, signal);
  } catch {
    try {
      run.child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/** Resident set size of a pid in bytes (Linux /proc), or null when it has exited. */
export function rssBytes(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface TreeState {
  readonly actors: ReadonlyArray<{ name: string; status: string; incarnation: number; restarts: number; lastExit: { reason: string; error?: string } | null }>;
  readonly supervisors: ReadonlyArray<{ name: string; status: string; restartsInWindow: number }>;
}

/** GET /api/v1/actors: every actor and supervisor. */
export async function tree(port: number, token: string): Promise<TreeState> {
  const r = await http(port, '/api/v1/actors', { token });
  if (r.status !== 200) throw new Error(`GET /api/v1/actors ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json as TreeState;
}

/** Cycles that completed without an error so far (volguard_cycles_total, outcomes ok and overrun). */
export async function cyclesCompleted(metricsPort: number): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  if (res.status !== 200) throw new Error(`GET /metrics ${res.status}`);
  let n = 0;
  for (const m of (await res.text()).matchAll(/^volguard_cycles_total\{outcome="(ok|overrun)"\} (\d+)/gm)) n += Number(m[2]);
  return n;
}

/** One line per actor that is not running, and per supervisor that is not running (empty when the tree is whole). */
export function treeProblems(t: TreeState): string[] {
  return [
    ...t.actors.filter((a) => a.status !== 'running').map((a) => `${a.name} ${a.status} (incarnation ${a.incarnation}, last exit ${a.lastExit?.reason ?? '-'})`),
    ...t.supervisors.filter((s) => s.status !== 'running').map((s) => `supervisor ${s.name} ${s.status}`),
  ];
}

/**
 * Waits until the system has recovered: every actor and supervisor running and `cycles` more cycles completed without
 * error after that (so the loop really works again, not just the threads). Fails at once if the process exits.
 */
export async function recovered(run: Running, ports: Ports, token: string, what: string, cycles = 2, deadlineMs = 90_000): Promise<void> {
  const alive = (): void => {
    if (run.child.exitCode !== null || run.child.signalCode !== null) throw new WaitAborted(`volguard exited (${run.child.exitCode ?? run.child.signalCode}) after ${what}:\n${run.tail()}`);
  };
  let last: string[] = [];
  try {
    await waitFor(`${what}: every actor running`, async () => {
      alive();
      last = treeProblems(await tree(ports.port, token));
      return last.length === 0 ? true : undefined;
    }, deadlineMs);
    const from = await cyclesCompleted(ports.metricsPort);
    await waitFor(`${what}: ${cycles} cycles completed`, async () => {
      alive();
      return (await cyclesCompleted(ports.metricsPort)) >= from + cycles ? true : undefined;
    }, deadlineMs);
  } catch (err) {
    throw new Error(`${String(err)}${last.length > 0 ? `\nstill down: ${last.join('; ')}` : ''}`);
  }
}
