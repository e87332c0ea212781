/**
 * @module `volguard run`: the whole system — supervision tree, cycle, gateway, metrics — until SIGTERM/SIGINT.
 *
 * Start-up is recovery (crash-only): every stateful actor rebuilds itself in init() from the journal (kill-switch
 * latch, phase, sagas) before it reports ready, and the tree starts in order, so the first cycle only runs once
 * all of them have recovered. Shutdown is the reverse: loop, gateway, then the tree (journal last), exit 0.
 * If the root supervisor gives up, the process exits non-zero so the service manager restarts it.
 */
import type { ChargesSchedule } from '../../actors/domain/charges.ts';
import { mkdirSync } from 'node:fs';
import { loadConfig, type Config } from '../main/config.ts';
import { loadChargesSchedule } from '../main/charges-schedule.ts';
import { istDate } from '../../actors/domain/calendar.ts';
import { realClock, clockFromSpec, SteppedClock, type ClockSpec } from '../clock.ts';
import { EXIT, type CliIo } from './io.ts';
import { ActorSystem } from '../system.ts';
import { systemTree } from '../main/tree.ts';
import { CycleOrchestrator } from '../main/cycle.ts';
import { wireSafetyEvents } from '../main/events.ts';
import { MainMetrics } from '../main/metrics.ts';
import { loadTokens } from '../main/tokens.ts';
import { createLogSink } from '../main/logging.ts';
import { createGatewayDeps } from '../main/gateway-deps.ts';
import { applyUmask, formatMode, ownedTargets, tightenModes } from '../main/file-modes.ts';
import { acquireInstanceLock, type InstanceLock } from '../main/instance-lock.ts';
import { assertPortFree, listening } from '../main/ports.ts';
import { readIndex } from '../../actors/venues/replay/source.ts';
import { planReplay, type ReplayPlan } from '../main/replay/plan.ts';
import { driveCycles } from '../main/replay/driver.ts';
import { DEFAULT_CYCLES_PER_FRAME } from '../main/replay/schedule.ts';
import path from 'node:path';
import { planSimClock, SIM_TIMELINE_KEY, type SimClockPlan } from '../../actors/venues/sim/start.ts';
import { CHECKPOINT_ACTOR } from '../../actors/venues/sim/resume.ts';
import { startGateway, type RunningServer } from '../../gateway/server.ts';
import { startMetricsServer } from '../../gateway/metrics-server.ts';
import { alerterConfigFrom, createAlerter } from '../../gateway/alerts/alerter.ts';

/** Every secret the logs must never show. */
export function configuredSecrets(cfg: Config, adminToken: string): string[] {
  const env = cfg as unknown as Record<string, unknown>;
  return [adminToken, cfg.VOLGUARD_OPERATOR_TOKEN, cfg.VOLGUARD_VIEWER_TOKEN, cfg.UPSTOX_ACCESS_TOKEN, cfg.UPSTOX_API_SECRET, env['TELEGRAM_BOT_TOKEN']]
    .filter((s): s is string => typeof s === 'string' && s.length > 0);
}

/**
 * One clock for every thread: simulated (sim venue, SIM_SPEED) or real. A simulated clock resumes the data dir's
 * timeline where its journal had got to (read here, before any actor starts): it never runs backwards across a
 * restart, and SIM_START applies only to a fresh data dir (actors/venues/sim/start.ts). `plan` says what was decided.
 */
export async function systemClockSpec(cfg: Config): Promise<{ spec: ClockSpec; plan: SimClockPlan | null }> {
  if (cfg.FEED !== 'sim') return { spec: { kind: 'real' }, plan: null };
  // Loaded only here (as validate does): main opens LMDB for this one read, before the journal's worker opens it.
  const { peekJournal } = await import('../../actors/journal/peek.ts');
  let peek: Awaited<ReturnType<typeof peekJournal>>;
  try {
    peek = await peekJournal(path.join(cfg.DATA_DIR, 'journal'), { kv: [SIM_TIMELINE_KEY], snapshots: [CHECKPOINT_ACTOR] });
  } catch (err) {
    // The journal actor meets the same problem and faults (kill switch HALTED); the clock cannot know better than
    // SIM_START then, and every actor refuses whatever is older than what it recovers.
    const plan = planSimClock({ SIM_SPEED: cfg.SIM_SPEED, SIM_START: cfg.SIM_START, SIM_SEED: cfg.SIM_SEED }, Date.now(), null);
    return { spec: plan.spec, plan: { ...plan, notes: [`the journal could not be read to resume the simulated market (${(err as Error).message}): starting as a fresh data dir would`, ...plan.notes] } };
  }
  const checkpointTs = peek?.snapshots[CHECKPOINT_ACTOR]?.ts ?? null;
  const lastMs = peek === null ? null : maxOrNull(peek.lastEntryTs, checkpointTs);
  const onRecord = peek === null || (lastMs === null && peek.kv[SIM_TIMELINE_KEY] === null) ? null : { timeline: peek.kv[SIM_TIMELINE_KEY], lastMs };
  const plan = planSimClock({ SIM_SPEED: cfg.SIM_SPEED, SIM_START: cfg.SIM_START, SIM_SEED: cfg.SIM_SEED }, Date.now(), onRecord);
  return { spec: plan.spec, plan };
}

function maxOrNull(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/** FEED=replay: the whole recording's schedule (replay/schedule.ts) and the stepped clock at its first instant. */
export function replayRun(cfg: Config): { plan: ReplayPlan; clock: SteppedClock } {
  if (cfg.FEED_REPLAY_PATH === undefined) throw new TypeError('expected FEED_REPLAY_PATH (a recording directory) with FEED=replay, was unset');
  const index = readIndex(cfg.FEED_REPLAY_PATH);
  const plan = planReplay(cfg.FEED_REPLAY_PATH, {
    from: istDate(index.startTs), to: istDate(index.endTs), intervalMs: Math.round(cfg.SUPERVISOR_LOOP_INTERVAL * 1000), cyclesPerFrame: DEFAULT_CYCLES_PER_FRAME,
  });
  if (plan.instants.length === 0) throw new TypeError(`expected frames in the recording ${cfg.FEED_REPLAY_PATH}, was none`);
  return { plan, clock: new SteppedClock(plan.instants[0]!) };
}

export interface RunningSystem {
  readonly system: ActorSystem;
  readonly cycle: CycleOrchestrator;
  readonly gateway: RunningServer;
  readonly metricsServer: RunningServer;
  stop(): Promise<void>;
}

/**
 * Starts everything, or nothing: a start that fails part-way stops what it had started (actor threads, log file,
 * instance lock), so the process can exit with the error instead of hanging on live handles.
 */
export interface StartOptions {
  /**
   * Tests only: the market clock a live-feed run (FEED=upstox) goes by instead of the real one — e.g. a scaled clock
   * that reaches an expiry's close in seconds, shared with a fake broker. Refused with FEED=sim or FEED=replay (their
   * clocks come from the journal and the recording).
   */
  readonly clockSpec?: ClockSpec;
}

export async function startSystem(cfg: Config, io: CliIo, opts: StartOptions = {}): Promise<RunningSystem> {
  if (opts.clockSpec !== undefined && (cfg.FEED === 'sim' || cfg.FEED === 'replay')) throw new TypeError(`expected no clock override with FEED=${cfg.FEED} (its clock is its own), was ${opts.clockSpec.kind}`);
  // Private files from the first one created (runtime/main/file-modes.ts), then one instance per data dir.
  applyUmask(cfg.VOLGUARD_UMASK);
  mkdirSync(cfg.DATA_DIR, { recursive: true });
  // Market facts that are files are checked before anything starts: a bad charges schedule refuses the boot.
  const charges = loadChargesSchedule(cfg.DATA_DIR, istDate(Date.now()));
  const lock = acquireInstanceLock(cfg.DATA_DIR);
  const undo: Array<() => unknown> = [() => lock.release()];
  try {
    return await boot(cfg, io, lock, undo, charges, opts);
  } catch (err) {
    for (const u of undo.reverse()) await Promise.resolve().then(u).catch(() => {});
    throw err;
  }
}

async function boot(cfg: Config, io: CliIo, lock: InstanceLock, undo: Array<() => unknown>, charges: ChargesSchedule, opts: StartOptions): Promise<RunningSystem> {
  const t0 = performance.now();
  const tightened = tightenModes(ownedTargets(cfg), cfg.VOLGUARD_UMASK);
  // Before any thread starts: a port in use is one line and a non-zero exit.
  await assertPortFree('PORT', cfg.PORT, cfg.VOLGUARD_HOST);
  await assertPortFree('METRICS_PORT', cfg.METRICS_PORT, cfg.VOLGUARD_HOST);
  const { tokens, adminTokenFile } = loadTokens(cfg);
  const secrets = configuredSecrets(cfg, tokens.admin);
  const sink = await createLogSink({ dir: cfg.LOG_DIR, level: cfg.LOG_LEVEL, secrets, console: true, pretty: Boolean((io.stdout as { isTTY?: boolean }).isTTY) });
  undo.push(() => sink.close());
  const log = sink.log;
  if (lock.replaced) log.warn({ pid: lock.replaced.pid, since: lock.replaced.since, lock: lock.file }, 'replaced the instance lock of a volguard that is gone');
  if (tightened.length > 0) {
    log.warn({ count: tightened.length, umask: formatMode(cfg.VOLGUARD_UMASK), examples: tightened.slice(0, 5).map((t) => `${t.path} ${formatMode(t.from)} -> ${formatMode(t.to)}`) }, 'tightened file modes that were more open than VOLGUARD_UMASK allows');
  }
  // FEED=replay: the recording's own schedule on a stepped clock, exactly as a backtest runs it (runtime/main/replay/),
  // paced FEED_REPLAY_SPEED× on wall time: a paper session over a recorded day takes the backtest's decisions.
  const replay = cfg.FEED === 'replay' ? replayRun(cfg) : null;
  const sim = replay === null ? await systemClockSpec(cfg) : null;
  const simPlan = sim?.plan ?? null;
  const clockSpec: ClockSpec = opts.clockSpec ?? replay?.clock.spec ?? sim?.spec ?? { kind: 'real' };
  const clock = replay?.clock ?? clockFromSpec(clockSpec);
  if (simPlan !== null) {
    for (const note of simPlan.notes) log.info({ simStart: new Date(simPlan.spec.simStartMs).toISOString(), simOrigin: new Date(simPlan.spec.originMs).toISOString(), seed: simPlan.timeline.seed, speed: simPlan.spec.speed }, note);
  }
  const metrics = new MainMetrics();
  let exiting = false;
  const system = new ActorSystem(systemTree(cfg, clockSpec, replay ? { charges, dataSpacingMs: replay.plan.spacingMs } : { charges }), {
    clock,
    clockSpec,
    heartbeatMs: cfg.VOLGUARD_HEARTBEAT_MS,
    logLevel: cfg.LOG_LEVEL,
    secrets,
    onLogLine: (line) => sink.writeLine(line),
    onRootExit: (info) => {
      if (exiting) return;
      exiting = true;
      log.fatal({ reason: info.reason, error: info.error }, 'root supervisor gave up; exiting non-zero so the service manager restarts us');
      void sink.close().finally(() => process.exit(70));
    },
  });
  const cycle = new CycleOrchestrator(
    system,
    {
      intervalMs: cfg.SUPERVISOR_LOOP_INTERVAL * 1000,
      configuredPhase: cfg.PHASE,
      clock: realClock,
      ...(replay ? { market: replay.clock } : {}),
      onStage: (stage, seconds) => metrics.cycleDuration.observe({ stage }, seconds),
      onCycle: (record, state) => {
        metrics.cycleDuration.observe({ stage: 'total' }, record.durationMs / 1000);
        const error = (record.summary as { error?: string | null }).error;
        metrics.cyclesTotal.inc({ outcome: error ? 'failed' : record.overrun ? 'overrun' : 'ok' });
        metrics.setPhase('configured', cycle.phase);
        if (state.killswitch) metrics.setPhase('effective', state.killswitch.effectivePhase);
        system.main.send('main', 'cycle.completed', { cycleId: record.cycleId, durationMs: record.durationMs, error: error ?? null });
        if (error) log.warn({ cycleId: record.cycleId, error }, 'cycle failed');
      },
    },
  );
  wireSafetyEvents(system, cycle, log);

  await system.start();
  undo.push(() => system.stop());
  if (simPlan !== null) await latchSimTimeline(system, simPlan, log);
  // Upstox token hot swap (POST /api/token/refresh) when a live venue is in the tree: feed and/or executor.
  const { tokenRefreshTargets, upstoxTokenRefresh } = await import('../../actors/venues/upstox/hot-swap.ts');
  const refreshTargets = tokenRefreshTargets(cfg);
  const tokenRefresh = refreshTargets.length > 0
    ? upstoxTokenRefresh(cfg, { request: (actor, type, body, timeoutMs) => system.request(actor, type, body, timeoutMs), targets: refreshTargets, log })
    : undefined;
  const deps = createGatewayDeps({ config: cfg, clock, tokens, system, cycle, metrics, log, ...(tokenRefresh !== undefined ? { tokenRefresh } : {}) });
  const wrapLoop = deps.loop;
  const gateway = await listening('PORT', cfg.PORT, cfg.VOLGUARD_HOST, () => startGateway(
    { ...deps, loop: { status: wrapLoop.status, start: wrapLoop.start, stop: wrapLoop.stop } },
    { port: cfg.PORT, host: cfg.VOLGUARD_HOST },
  ));
  undo.push(() => gateway.close());
  const metricsServer = await listening('METRICS_PORT', cfg.METRICS_PORT, cfg.VOLGUARD_HOST, () => startMetricsServer(deps, { port: cfg.METRICS_PORT, host: cfg.VOLGUARD_HOST }));
  const alerter = createAlerter(alerterConfigFrom(cfg), log);
  const offAlerts = system.onEvent((type, body) => alerter.notify(type, body));

  cycle.startTrading();
  let replayDone: Promise<void> = Promise.resolve();
  let stopReplay = (): void => {};
  if (replay) {
    let stopping = false;
    let wake: (() => void) | null = null;
    stopReplay = () => { stopping = true; wake?.(); };
    replayDone = driveCycles({
      clock: replay.clock, cycle, instants: replay.plan.instants, followUp: replay.plan.followUp, stopped: () => stopping,
      pace: (from, to) => new Promise<void>((resolve) => {
        const waitMs = (to - from) / cfg.FEED_REPLAY_SPEED;
        // Liveness: no cycle is due before the next instant (an EOD recording at a low speed waits long between them).
        cycle.state.quietUntil = Date.now() + waitMs;
        const t = setTimeout(() => { wake = null; resolve(); }, waitMs);
        wake = () => { clearTimeout(t); wake = null; resolve(); };
      }),
    }).then(({ next }) => {
      // The recording is over: the process stays up for its dashboard and reports, and no cycle is due any more.
      cycle.state.quietUntil = Number.POSITIVE_INFINITY;
      log.info({ cycles: next, of: replay.plan.instants.length }, next >= replay.plan.instants.length ? 'replay finished: every planned cycle ran' : 'replay stopped');
      system.main.send('main', 'replay.finished', { cycles: next, of: replay.plan.instants.length });
    });
  } else {
    cycle.startClock();
  }
  const firstCycle = new Promise<number>((resolve) => {
    const off = system.onEvent((type) => {
      if (type === 'cycle.completed') {
        off();
        resolve(performance.now() - t0);
      }
    });
  });
  void firstCycle.then((ms) => log.info({ startToFirstCycleMs: Math.round(ms) }, 'first cycle completed'));
  log.info(
    {
      gateway: `http://${cfg.VOLGUARD_HOST}:${gateway.port}`,
      metrics: `http://${cfg.VOLGUARD_HOST}:${metricsServer.port}/metrics`,
      adminTokenFile,
      phase: cfg.PHASE,
      feed: cfg.FEED,
      safetyMode: cfg.SAFETY_MODE,
    },
    'VolGuard is up',
  );
  if (adminTokenFile) io.stderr.write(`admin token: ${adminTokenFile} (mode 0600)\n`);

  let stopped: Promise<void> | null = null;
  const stop = () =>
    (stopped ??= (async () => {
      exiting = true;
      log.info('shutting down');
      stopReplay();
      await replayDone;
      await cycle.stopClock();
      offAlerts();
      await alerter.close();
      await gateway.close();
      await metricsServer.close();
      await system.stop();
      log.info('stopped');
      await sink.close();
      lock.release();
    })());
  return { system, cycle, gateway, metricsServer, stop };
}

/**
 * Latches the data dir's simulated timeline (seed, origin) in the journal once, so every later start resumes it.
 * Not latched is said and not fatal: the next start then anchors the market where the journal had got to.
 */
async function latchSimTimeline(system: ActorSystem, plan: SimClockPlan, log: { warn: (o: object, m: string) => void }): Promise<void> {
  try {
    const on = await system.request<{ value: unknown }>('journal', 'journal.kvGet', { key: SIM_TIMELINE_KEY });
    const v = on.value as Partial<SimClockPlan['timeline']> | null;
    if (v?.seed === plan.timeline.seed && v.originMs === plan.timeline.originMs) return;
    await system.request('journal', 'journal.kvPut', { key: SIM_TIMELINE_KEY, value: plan.timeline });
  } catch (err) {
    log.warn({ err }, `${SIM_TIMELINE_KEY} not latched in the journal: a restart would anchor the simulated market where the journal had got to`);
  }
}

export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  if (argv.length > 0) {
    io.stderr.write(`volguard run: unexpected arguments ${argv.join(' ')}; configuration comes from the environment (.env.example)\n`);
    return EXIT.usage;
  }
  const cfg = loadConfig(io.env, io.cwd);
  let running: RunningSystem;
  try {
    running = await startSystem(cfg, io);
  } catch (err) {
    // startSystem stopped what it had started; should any handle linger anyway, do not hang on it.
    setTimeout(() => process.exit(process.exitCode ?? EXIT.failure), LINGER_MS).unref();
    throw err;
  }
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      io.stderr.write(`volguard: ${signal}, stopping in order\n`);
      resolve();
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  await running.stop();
  // Everything is stopped, flushed and closed. A handle left open somewhere must not keep a stopped service alive
  // (seen once after a 19-minute soak with a fault every 6 s: "stopped" logged, the process still up): give the
  // loop a moment to drain naturally, then exit, saying so.
  setTimeout(() => {
    io.stderr.write(`volguard: still running ${LINGER_MS} ms after an orderly stop (an open handle); exiting\n`);
    process.exit(EXIT.ok);
  }, LINGER_MS).unref();
  return EXIT.ok;
}

/** How long a stopped `run` may linger on open handles before it exits anyway. */
const LINGER_MS = 5000;
