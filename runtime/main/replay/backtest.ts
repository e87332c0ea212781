/**
 * @module One backtest: the production actor tree — journal, kill switch, feed (replay), calibrator, risk, strategy,
 * executor on the paper exchange — over a recording at full speed, on a stepped market clock (runtime/clock.ts) that
 * this loop moves from one planned instant to the next as soon as the previous cycle is durable. Same tree, same cycle,
 * same safety wiring as `volguard run` (runtime/main/tree.ts, cycle.ts, events.ts): what the backtest shows is what
 * the live system would have done, every safety decision included.
 *
 * Deterministic: nothing in the run reads the wall clock for a market decision (the clock is stepped; silence and
 * staleness are market time; market timers fire at steps), so the same data, config and seed give byte-identical
 * orders, fills and report figures.
 *
 * Restartable: the run's data dir (`<out>/run`) holds its journal and the paper exchange's books. Started again with
 * the same arguments it finds its identity (`backtest.run` in the journal's kv) and its last committed cycle, starts
 * the clock there, lets every actor recover from the journal as at any restart (sagas, intents, the kill-switch latch;
 * an order whose intent was journaled is never sent again), and goes on from the next instant.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SteppedClock, realClock } from '../../clock.ts';
import { ActorSystem } from '../../system.ts';
import { systemTree } from '../tree.ts';
import { CycleOrchestrator } from '../cycle.ts';
import { wireSafetyEvents } from '../events.ts';
import { createLogSink } from '../logging.ts';
import type { Config } from '../config.ts';
import { Journal } from '../../../actors/journal/journal.ts';
import { LmdbBackend } from '../../../actors/journal/lmdb-store.ts';
import { buildReport, type ReportData } from '../../../actors/journal/report/model.ts';
import { renderHtml, renderJson } from '../../../actors/journal/report/render.ts';
import { istDate } from '../../../actors/domain/calendar.ts';
import { planReplay, type ReplayPlan } from './plan.ts';
import { driveCycles } from './driver.ts';

/** What identifies a run: a resumed run must be the same one. */
export interface RunIdentity {
  readonly recording: string;
  readonly indexSha256: string;
  readonly from: string;
  readonly to: string;
  readonly cyclesPerFrame: number;
  /** The validated configuration, as the variables' values (sorted keys). */
  readonly config: Readonly<Record<string, unknown>>;
}

export interface BacktestProgress {
  readonly step: number;
  readonly steps: number;
  /** Market time of the cycle just run. */
  readonly ts: number;
  readonly day: number;
  readonly days: number;
}

export interface BacktestRequest {
  /** The validated configuration (backtestConfig): paper, FEED=replay on `recording`, DATA_DIR = `<out>/run`. */
  readonly cfg: Config;
  readonly recording: string;
  readonly from: string;
  readonly to: string;
  /** Where report.html and summary.json go; the run's data dir is `<out>/run`. */
  readonly out: string;
  readonly cyclesPerFrame: number;
  readonly title?: string;
  readonly onProgress?: (p: BacktestProgress) => void;
  /** Checked between steps: true stops after the cycle in flight (the run can be resumed). */
  readonly stopped?: () => boolean;
}

export interface BacktestResult {
  readonly out: string;
  readonly runDir: string;
  /** Planned instants (frames, follow-ups, settlements). */
  readonly steps: number;
  /** Cycles run by this invocation (follow-ups with nothing in flight are passed over; fewer when resumed). */
  readonly ran: number;
  /** Index of the step the run resumed at; null for a fresh run. */
  readonly resumedAt: number | null;
  readonly completed: boolean;
  readonly days: readonly string[];
  readonly wallMs: number;
  readonly report: ReportData;
}

/** The run's data dir inside `out`. */
export const runDirOf = (out: string): string => path.join(out, 'run');

function identityOf(req: BacktestRequest, plan: ReplayPlan): RunIdentity {
  const config: Record<string, unknown> = {};
  for (const k of Object.keys(req.cfg).sort()) config[k] = (req.cfg as unknown as Record<string, unknown>)[k];
  return { recording: path.resolve(req.recording), indexSha256: plan.indexSha256, from: req.from, to: req.to, cyclesPerFrame: req.cyclesPerFrame, config };
}

/**
 * What an earlier invocation left in the run's journal: its identity, the market time of its last committed cycle and
 * that cycle's summary (whether the follow-up after it is due).
 */
function readProgress(runDir: string): { identity: RunIdentity | null; lastCycleTs: number | null; lastSummary: unknown } {
  const dir = path.join(runDir, 'journal');
  if (!existsSync(dir)) return { identity: null, lastCycleTs: null, lastSummary: undefined };
  const backend = new LmdbBackend(dir, { readOnly: true });
  try {
    const journal = new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER });
    const identity = journal.kvGet('backtest.run').value as RunIdentity | null;
    let last: number | null = null;
    let lastSummary: unknown;
    for (const e of journal.read({ type: 'journal.cycle' })) {
      const b = e.body as { ts?: unknown; summary?: unknown };
      if (typeof b.ts === 'number' && (last === null || b.ts > last)) {
        last = b.ts;
        lastSummary = b.summary;
      }
    }
    return { identity, lastCycleTs: last, lastSummary };
  } finally {
    void backend.close();
  }
}

/** Reads the run's journal into the report's data (entries in seq order). */
export async function reportOf(runDir: string, opts: { title: string; capital: number; derived: boolean }): Promise<ReportData> {
  const backend = new LmdbBackend(path.join(runDir, 'journal'), { readOnly: true });
  try {
    const journal = new Journal(backend, { clock: realClock, maxBytes: Number.MAX_SAFE_INTEGER });
    // An imported recording's quotes are all derived (its index says so): every fill of the run priced off one.
    return buildReport(journal.read({}), { title: opts.title, capital: opts.capital, derivedQuote: () => opts.derived });
  } finally {
    await backend.close();
  }
}

export async function runBacktest(req: BacktestRequest): Promise<BacktestResult> {
  const t0 = performance.now();
  const cfg = req.cfg;
  if (cfg.SAFETY_MODE !== 'paper') throw new TypeError(`expected SAFETY_MODE=paper in a backtest, was ${cfg.SAFETY_MODE}`);
  const runDir = runDirOf(req.out);
  if (path.resolve(cfg.DATA_DIR) !== path.resolve(runDir)) throw new TypeError(`expected DATA_DIR ${runDir}, was ${cfg.DATA_DIR}`);
  const intervalMs = Math.round(cfg.SUPERVISOR_LOOP_INTERVAL * 1000);
  const plan = planReplay(req.recording, { from: req.from, to: req.to, intervalMs, cyclesPerFrame: req.cyclesPerFrame });
  if (plan.instants.length === 0) {
    throw new TypeError(`expected market data between ${req.from} and ${req.to} in ${req.recording}, was none (it covers ${plan.index.meta?.days?.join(', ') ?? `${new Date(plan.index.startTs).toISOString()} … ${new Date(plan.index.endTs).toISOString()}`})`);
  }
  const identity = identityOf(req, plan);
  const earlier = readProgress(runDir);
  if (earlier.identity !== null && JSON.stringify(earlier.identity) !== JSON.stringify(identity)) {
    throw new TypeError(`expected ${runDir} to hold this backtest (to resume it), was another one (other data, dates or config): use another --out`);
  }
  const resumeAt = earlier.lastCycleTs === null ? 0 : plan.instants.findIndex((t) => t > earlier.lastCycleTs!);
  const start = resumeAt === -1 ? plan.instants.length : resumeAt;
  mkdirSync(runDir, { recursive: true });

  // The clock starts at the first step, or where the last invocation stopped (never back across a restart).
  const clock = new SteppedClock(earlier.lastCycleTs ?? plan.instants[0]!);
  const sink = await createLogSink({ dir: cfg.LOG_DIR, level: cfg.LOG_LEVEL, secrets: [], console: false });
  const log = sink.log;
  let gaveUp: string | null = null;
  const system = new ActorSystem(systemTree(cfg, clock.spec, { dataSpacingMs: plan.spacingMs, journalFsync: false }), {
    clock,
    clockSpec: clock.spec,
    heartbeatMs: cfg.VOLGUARD_HEARTBEAT_MS,
    logLevel: cfg.LOG_LEVEL,
    onLogLine: (line) => sink.writeLine(line),
    onRootExit: (info) => {
      gaveUp = `root supervisor gave up: ${info.reason}${info.error ? ` (${info.error})` : ''}`;
      log.fatal({ reason: info.reason, error: info.error }, 'root supervisor gave up; the backtest stops');
    },
  });
  // Stamped with market time; its stage timings and overrun are compute time (wall), as in `volguard run`.
  const cycle = new CycleOrchestrator(system, { intervalMs, configuredPhase: cfg.PHASE, clock: realClock, market: clock });
  wireSafetyEvents(system, cycle, log);
  let next = start;
  let ran = 0;
  try {
    await system.start();
    if (earlier.identity === null) await system.request('journal', 'journal.kvPut', { key: 'backtest.run', value: identity });
    cycle.startTrading();
    const dayOf = new Map(plan.days.map((d, i) => [d, i]));
    ({ next, ran } = await driveCycles({
      clock, cycle, instants: plan.instants, followUp: plan.followUp, start,
      ...(earlier.lastCycleTs !== null ? { previousSummary: earlier.lastSummary } : {}),
      stopped: () => gaveUp !== null || (req.stopped?.() ?? false),
      onCycle: (step, record) => req.onProgress?.({ step: step + 1, steps: plan.instants.length, ts: record.ts, day: (dayOf.get(istDate(record.ts)) ?? 0) + 1, days: plan.days.length }),
    }));
  } finally {
    await system.stop();
    await sink.close();
  }
  if (gaveUp !== null) throw new Error(`backtest stopped at step ${next + 1}/${plan.instants.length}: ${gaveUp}`);
  const report = await reportOf(runDir, {
    title: req.title ?? `VolGuard backtest ${req.from} … ${req.to}`,
    capital: cfg.BASE_CAPITAL,
    derived: plan.index.meta?.quotes === 'derived',
  });
  mkdirSync(req.out, { recursive: true });
  writeFileSync(path.join(req.out, 'summary.json'), renderJson(report));
  writeFileSync(path.join(req.out, 'report.html'), renderHtml(report));
  return {
    out: req.out, runDir, steps: plan.instants.length, ran, resumedAt: earlier.lastCycleTs === null ? null : start,
    completed: next >= plan.instants.length, days: plan.days, wallMs: performance.now() - t0, report,
  };
}
