/**
 * @module Shared plumbing for the binary smoke test and the drills: start `volguard` (the binary or from source)
 * in a temp folder, wait on conditions (poll /health, a log line), talk to the gateway, run CLI subcommands.
 * No fixed sleeps: every wait polls a condition; deadlines only turn a hang into a readable failure.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

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

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
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
  const port = await freePort();
  const metricsPort = await freePort();
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

/**
 * FULL_AUTO on paper with room to trade: a sim speed that keeps the surface fresh (0.2 s wall = 4 s sim at 20),
 * capital and greek limits large enough for one structure, entries allowed from the open. Override with DRILL_SIM_SPEED.
 */
export function tradingEnv(): Record<string, string> {
  return {
    PHASE: 'FULL_AUTO', SAFETY_MODE: 'paper', FEED: 'sim', VOLGUARD_CHAOS: '1',
    SIM_SPEED: process.env['DRILL_SIM_SPEED'] ?? '20',
    BASE_CAPITAL: '20000000', MAX_DAILY_LOSS: '400000', MAX_VEGA: '100000',
    RISK_MAX_GAMMA: '1000000', RISK_MAX_THETA: '1000000', RISK_SCENARIO_LOSS_LIMIT: '4000000',
    STRATEGY_ENTRY_START: '09:15', STRATEGY_INTRADAY_ENTRY_START: '09:15',
  };
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
