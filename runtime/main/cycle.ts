/**
 * @module The cycle orchestrator (main): read market → assess risk → check safety → execute → journal, every
 * SUPERVISOR_LOOP_INTERVAL, with one cycleId carried through every message.
 *
 * Main relays stage outputs (snapshot, surface, book, risk) from one actor to the next: every stage's input is then
 * exactly what was measured, in order, with no cross-port races. A cycle that overruns its interval is recorded as
 * such and the next one starts when it ends — cycles never stack. A failed stage (actor restarting, timeout) ends
 * the cycle early; the record says where and why and is journaled all the same.
 *
 * The trading loop (start/stop) only gates the strategy: when stopped, the cycle still reads the market, values
 * risk, evaluates the kill switch and reconciles — monitoring continues, positions stay.
 */
import type { RelayedSnapshot } from '../../actors/feed/messages.ts';
import type { SurfaceCalibrated } from '../../actors/calibrator/messages.ts';
import type { ExecutionReport } from '../../actors/executor/messages.ts';
import type { Book } from '../../actors/domain/book.ts';
import type { Phase } from '../../actors/domain/phase.ts';
import type { PhaseHistory } from '../../actors/domain/phase-governance.ts';
import type { Proposal } from '../../actors/domain/proposal.ts';
import type { RiskReport } from '../../actors/risk/messages.ts';
import type { CalibrationHealth, KillSwitchStatus } from '../../actors/killswitch/messages.ts';
import type { CycleRecord } from '../../actors/journal/messages.ts';
import type { Clock } from '../clock.ts';
import { prepack } from '../envelope.ts';
import type { ActorSystem } from '../system.ts';
import { IdleScavenger } from '../idle-gc.ts';
import type { ActorName, BodyOf, MessageType, ReplyOf, Wire } from '../protocols.ts';
import type { LoopStatus } from '../../gateway/deps.ts';

export type Stage = 'read_market' | 'assess_risk' | 'check_safety' | 'execute' | 'journal';
export const STAGES: readonly Stage[] = ['read_market', 'assess_risk', 'check_safety', 'execute', 'journal'];

/** Main's typed request (ActorSystem.request): every stage's message, body and reply are checked by the protocols. */
export type CycleRequester = Pick<ActorSystem, 'request'>;

/** What the last cycle saw; the dashboard and health read it. */
export interface CycleState {
  /** The head of the last snapshot; its chains stay packed in main (`unpacked(snapshot.expiries)` to read them). */
  snapshot: RelayedSnapshot | null;
  surface: SurfaceCalibrated | null;
  book: Book | null;
  risk: RiskReport | null;
  killswitch: KillSwitchStatus | null;
  execution: ExecutionReport | null;
  proposals: readonly Proposal[];
  lastRecord: CycleRecord | null;
  /** Wall time (the orchestrator's clock) when the last cycle ended: liveness's freshness. `lastRecord.ts` is market
   * time in a replay, and a recording's instants lie in the past. */
  lastCompletedAt: number | null;
  /** Wall time until which no cycle is due by design (a replay waiting for its next instant, or finished: +∞); null
   * when cycles run on the interval. */
  quietUntil: number | null;
  lastError: string | null;
}

export interface CycleOptions {
  readonly intervalMs: number;
  readonly configuredPhase: Phase;
  /** Durations (stage timings, overrun) — and, unless `market` is given, the cycle's time stamp. */
  readonly clock: Clock;
  /** Market time that stamps each cycle (its `ts` and id) when it is not `clock`: a replay's stepped clock. */
  readonly market?: Clock;
  /** Per-stage request timeout. */
  readonly stageTimeoutMs?: number;
  readonly onCycle?: (record: CycleRecord, state: CycleState) => void;
  readonly onStage?: (stage: Stage, seconds: number) => void;
}

export class CycleOrchestrator {
  readonly state: CycleState = {
    snapshot: null, surface: null, book: null, risk: null, killswitch: null, execution: null, proposals: [], lastRecord: null, lastCompletedAt: null, quietUntil: null, lastError: null,
  };
  readonly #req: CycleRequester;
  readonly #opts: CycleOptions;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #running = false;
  #loop: 'running' | 'stopped' = 'stopped';
  #cycles = 0;
  #inFlight: Promise<CycleRecord> | null = null;
  #seq = 0;
  #phase: Phase;
  /** The executor's phase facts from its last report: the kill switch's FULL_AUTO admission reads them. */
  #history: PhaseHistory | null = null;
  readonly #startedAt: number;
  /** Main is on every hop of the cycle: its scavenges too go between cycles (idle-gc.ts). */
  readonly #idleGc = new IdleScavenger();

  constructor(req: CycleRequester, opts: CycleOptions) {
    this.#req = req;
    this.#opts = opts;
    this.#phase = opts.configuredPhase;
    this.#startedAt = opts.clock.monotonic();
  }

  get phase(): Phase {
    return this.#phase;
  }
  get cycles(): number {
    return this.#cycles;
  }

  /** Starts the periodic cycle (monitoring). The trading loop is separate: startTrading/stopTrading. */
  startClock(): void {
    if (this.#running) return;
    this.#running = true;
    this.#schedule(0);
  }

  async stopClock(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    await this.#inFlight?.catch(() => {});
  }

  startTrading(): void {
    this.#loop = 'running';
  }
  stopTrading(): void {
    this.#loop = 'stopped';
  }

  status(): LoopStatus {
    const r = this.state.lastRecord;
    return {
      loop: this.#loop,
      cycles: this.#cycles,
      lastCycle: r ? { id: r.cycleId, ts: r.ts, durationMs: r.durationMs, stages: r.stages, overrun: r.overrun } : null,
      uptimeMs: Math.round(this.#opts.clock.monotonic() - this.#startedAt),
    };
  }

  #schedule(delayMs: number): void {
    if (!this.#running) return;
    this.#timer = setTimeout(() => {
      const started = this.#opts.clock.monotonic();
      this.#inFlight = this.runOnce();
      void this.#inFlight.finally(() => {
        const elapsed = this.#opts.clock.monotonic() - started;
        this.#schedule(Math.max(0, this.#opts.intervalMs - elapsed));
      });
    }, delayMs);
  }

  /** Runs one whole cycle; never throws (a failure is recorded in the cycle record). */
  async runOnce(): Promise<CycleRecord> {
    const clock = this.#opts.clock;
    const ts = (this.#opts.market ?? clock).now();
    const cycleId = `c${ts.toString(36)}-${(++this.#seq).toString(36)}`;
    const t0 = clock.monotonic();
    const stages: Record<Stage, number> = { read_market: 0, assess_risk: 0, check_safety: 0, execute: 0, journal: 0 };
    const timeout = this.#opts.stageTimeoutMs ?? Math.max(2000, this.#opts.intervalMs * 2);
    // Every stage request carries the cycle's id and timeout; names, bodies and replies are typed by each actor's protocol.
    const ask = <A extends ActorName, K extends MessageType<A>>(actor: A, type: K, body: Wire<BodyOf<A, K>>): Promise<ReplyOf<A, K>> =>
      this.#req.request(actor, type, body, timeout, cycleId);
    let failedStage: Stage | null = null;
    let error: string | null = null;
    const time = async <T>(stage: Stage, fn: () => Promise<T>): Promise<T> => {
      const s = clock.monotonic();
      try {
        return await fn();
      } catch (err) {
        failedStage = stage;
        throw err;
      } finally {
        stages[stage] += clock.monotonic() - s;
      }
    };
    const st = this.state;
    try {
      // What the book holds or works stays in the feed's subscriptions (a venue with caps subscribes a window).
      const watch = st.book === null ? undefined : [...new Set([
        ...st.book.positions.filter((p) => p.quantity !== 0).map((p) => p.instrumentKey),
        ...st.book.orders.filter((o) => o.status !== 'filled' && o.status !== 'rejected' && o.status !== 'cancelled').map((o) => o.instrumentKey),
      ])];
      st.snapshot = await time('read_market', () => ask('feed', 'feed.snapshot', { cycleId, ...(watch !== undefined ? { watch } : {}) }));
      const snapshot = st.snapshot;
      // The chains arrive packed by the feed and go on to four actors as those same bytes (main never decodes them);
      // the surface is packed once here for its three consumers.
      const snapshotOut = snapshot;
      const { surface, surfaceOut, book, risk } = await time('assess_risk', async () => {
        // The book (a lookup) is asked first: sent second, the executor was woken onto the core the calibrator had
        // just taken and waited there for the fit while the other core idled (perf sched, 10 s of the system bench,
        // priming already gone: the executor had 61 of the 84 waits >1 ms of a cycle thread, and 3 of 22 once the
        // book went first; those two runs had V8's platform threads at nice 19, since reverted, and without it the
        // same code shows 34 such waits in 10 s).
        const booked = ask('executor', 'executor.book', { cycleId });
        const fitted = ask('calibrator', 'calibrator.calibrate', snapshotOut);
        // Nothing else is sent while a stage works: each actor decodes its inputs when its request comes. Sending the
        // next stages their chains ahead (to decode while the calibrator or risk worked) made three or four of our
        // threads runnable at once on two cores; the kernel queued the extra ones behind the working stage on its
        // core while the other core idled (perf sched: 150 of 249 ms of such waits in 8 s had a core idle), and the
        // cycle's p99 went up by about 5 ms for 1 ms off its median.
        const [surface, book] = await Promise.all([fitted, booked]);
        st.surface = surface;
        st.book = book;
        const surfaceOut = prepack(surface);
        const risk = await ask('risk', 'risk.assess', { cycleId, snapshot: snapshotOut, surface: surfaceOut, book });
        st.risk = risk;
        return { surface, surfaceOut, book, risk };
      });
      const evaluate = (): Promise<KillSwitchStatus> =>
        ask('killswitch', 'killswitch.evaluate', {
          cycleId,
          quality: snapshot.quality,
          risk: { breaches: risk.breaches, unvalued: risk.unvalued },
          calibration: calibrationHealth(surface),
          recon: {
            ...(st.execution?.reconciliation.mismatch ? { mismatch: st.execution.reconciliation.mismatch } : {}),
            ...(st.execution?.reconciliation.unmanaged ? { unmanaged: st.execution.reconciliation.unmanaged } : {}),
            ...(st.execution?.reconciliation.settlementOverdue ? { settlementOverdue: st.execution.reconciliation.settlementOverdue } : {}),
          },
          phase: this.#phase,
          ...(this.#history !== null ? { history: this.#history } : {}),
        });
      // The strategy is asked only after the kill switch has judged this cycle: asked alongside it, a proposal made in a
      // cycle whose check_safety then fails would be lost — and the strategy's cooldown would hold back that exit or
      // entry in the next cycles.
      // The kill switch takes only what it judges of the report; the strategy takes all of it.
      st.killswitch = await time('check_safety', evaluate);
      const ks = st.killswitch;
      await time('execute', async () => {
        st.proposals =
          this.#loop === 'running'
            ? await ask('strategy', 'strategy.propose', { cycleId, snapshot: snapshotOut, surface: surfaceOut, book, risk, killswitch: ks, phase: ks.effectivePhase })
            : [];
        st.execution = await ask('executor', 'executor.execute', {
          cycleId,
          proposals: st.proposals,
          snapshot: snapshotOut,
          surface: surfaceOut,
          // The kill switch's state (the executor's only gate: permits) and the phase it put in force.
          killswitch: { state: ks.state, effectivePhase: ks.effectivePhase, phaseReasons: ks.phaseReasons, since: ks.since },
          phase: this.#phase,
        });
        this.#phase = st.execution.phase.configured;
        this.#history = st.execution.phase.history;
      });
    } catch (err) {
      error = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    }
    const preJournal = clock.monotonic() - t0;
    const record: CycleRecord = {
      cycleId,
      ts,
      durationMs: preJournal,
      stages: { ...stages },
      overrun: preJournal > this.#opts.intervalMs,
      summary: {
        loop: this.#loop,
        phase: this.#phase,
        effectivePhase: st.killswitch?.effectivePhase ?? null,
        killswitch: st.killswitch?.state ?? null,
        quality: st.snapshot?.quality.score ?? null,
        proposals: st.proposals.map((p) => p.id),
        sagasStarted: st.execution?.sagasStarted ?? [],
        // Sagas still working after this cycle (orders to fill, chase or compensate); null when execute did not run.
        working: failedStage === null && st.execution !== null ? st.execution.sagasProgressed.filter((p) => p.outcome === undefined).length : null,
        denied: st.execution?.denied.length ?? 0,
        mismatch: st.execution?.reconciliation.mismatch ?? null,
        // The book's greeks and P&L as risk measured them: reports chart them through time (actors/journal/report/).
        greeks: st.risk ? { delta: st.risk.total.delta, gamma: st.risk.total.gamma, vega: st.risk.total.vega, theta: st.risk.total.theta } : null,
        pnl: st.risk ? { day: st.risk.pnl.day, realised: st.risk.pnl.realised, unrealised: st.risk.pnl.unrealised } : null,
        failedStage,
        error,
      },
    };
    try {
      const js = clock.monotonic();
      await ask('journal', 'journal.commitCycle', record);
      stages.journal = clock.monotonic() - js;
    } catch (err) {
      error ??= err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      failedStage ??= 'journal';
    }
    const final: CycleRecord = { ...record, durationMs: clock.monotonic() - t0, stages };
    st.lastRecord = final;
    st.lastCompletedAt = clock.now();
    st.lastError = error;
    this.#cycles++;
    this.#idleGc.touch();
    for (const s of STAGES) this.#opts.onStage?.(s, stages[s] / 1000);
    this.#opts.onCycle?.(final, st);
    return final;
  }
}

/** What the kill switch judges of a surface: fallbacks, and the expiry where the broker's IVs disagree with ours most. */
function calibrationHealth(surface: SurfaceCalibrated): CalibrationHealth {
  let worst: CalibrationHealth['brokerIv'];
  for (const e of surface.expiries) {
    const d = e.brokerDivergence;
    if (d !== undefined && (worst === undefined || d.medianVolPts > worst.medianVolPts)) worst = { underlying: e.underlying, expiry: e.expiry, ...d };
  }
  return { fallbacks: surface.expiries.filter((e) => e.fallback).length, expiries: surface.expiries.length, ...(worst !== undefined ? { brokerIv: worst } : {}) };
}
