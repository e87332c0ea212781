/**
 * @module The main-thread side of one actor: spawns its worker, waits for the explicit `ready`, runs heartbeats,
 * classifies every exit, and exposes the inspector's numbers.
 *
 * Exit classification (runtime.md §1–2): `terminate()` always reports code 1, so intent is tracked explicitly —
 * a stop we asked for is `shutdown` (normal); an `error` event is `crash` (or `oom`); a missed heartbeat deadline
 * is `hung`; exit code 0 unasked is `normal`; any other code is `exit:<code>`. The verdict is taken when the exit
 * happens, from all the evidence: an error that arrived wins over missed heartbeats (a worker dying of OOM thrashes
 * its GC and misses heartbeats too, and it is still `oom`).
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import { wrapPort, type Remote } from './comlink-port.ts';
import type { ClockSpec } from './clock.ts';
import type { Envelope } from './envelope.ts';
import { ActorUnavailableError, RequestTimeoutError } from './errors.ts';
import { learnRefusedExecArgv, prepareWorkerEntry, resolveWorkerEntry, type WorkerEntry } from './entry.ts';
import { Link } from './link.ts';
import { secretsHeldBy } from './log.ts';
import { isControl, SYS, type ActorWorkerData, type AdminApi, type PongBody } from './protocol.ts';
import type { ActorSpec } from './spec.ts';
import type { ActorStatus, ExitInfo, FaultKind } from './status.ts';

export interface HostOptions {
  readonly path: string;
  readonly clock: ClockSpec;
  readonly heartbeatMs: number;
  readonly logLevel: string;
  readonly bufferLimit: number;
  /** Every configured secret; a worker is told only those its own config holds. */
  readonly secrets: readonly string[];
  /** Envelopes the worker sends that are not for the host itself (relay or for main). */
  readonly onEnvelope: (env: Envelope, host: ActorHost) => void;
  readonly onLogLine: (line: string) => void;
  /** Called right after the worker exists (before ready) so peers can be wired for init-time requests. */
  readonly onSpawned: (host: ActorHost) => void;
  /**
   * Called on every exit, requested or not; `wasRunning` when the incarnation had reported ready and was not being
   * stopped (only those exits are the supervisor's to handle: a failed start is reported by start() itself).
   */
  readonly onExited: (host: ActorHost, info: ExitInfo, wasRunning: boolean) => void;
}

/**
 * Per-worker V8 heap limits unless the spec overrides them. A busy worker commits its whole young generation, so
 * this is resident per actor: on the system bench 32 → 16 MB saved ~50 MB over 7 actors; 8 MB saved ~35 MB more but
 * cost ~20 % more GC CPU, so 16 is the middle.
 */
const DEFAULT_LIMITS = { maxOldGenerationSizeMb: 256, maxYoungGenerationSizeMb: 16 };
export const NORMAL_REASONS: ReadonlySet<string> = new Set(['normal', 'shutdown']);

/** What is known about an incarnation when its worker exits. */
export interface ExitEvidence {
  readonly code: number;
  /** We asked it to stop (sys.shutdown or terminate() on stop()). */
  readonly stopRequested: boolean;
  /** It missed its heartbeat deadline and was terminated for it. */
  readonly hung: boolean;
  /** The worker's `error` event (uncaught exception, ERR_WORKER_OUT_OF_MEMORY), or a start timeout. */
  readonly error: Error | null;
  /** It had not reported ready yet. */
  readonly starting: boolean;
  readonly heartbeatMs: number;
}

/** The exit's reason from its evidence; an error beats a missed heartbeat (see the module comment). */
export function classifyExit(e: ExitEvidence, at: number): ExitInfo {
  const err = e.error;
  const detail = err ? { error: err.message, ...(err.stack ? { stack: err.stack } : {}) } : {};
  if (e.stopRequested) return { reason: 'shutdown', at };
  if (err && (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') return { reason: 'oom', ...detail, at };
  if (e.hung) return { reason: 'hung', error: `no heartbeat for ${2 * e.heartbeatMs} ms`, at };
  if (err) return { reason: e.starting ? 'start-failed' : 'crash', ...detail, at };
  if (e.code === 0) return { reason: 'normal', at };
  return { reason: `exit:${e.code}`, at };
}

export class ActorHost {
  readonly spec: ActorSpec;
  readonly opts: HostOptions;
  status: ActorStatus = 'stopped';
  incarnation = 0;
  restarts = 0;
  lastExit: ExitInfo | null = null;
  #worker: Worker | null = null;
  #link: Link | null = null;
  #admin: Remote<AdminApi> | null = null;
  #adminPort: import('node:worker_threads').MessagePort | null = null;
  #startedAt = 0;
  #lastPong = 0;
  #stats: PongBody | null = null;
  #elu: { idle: number; active: number; utilization: number } | null = null;
  #eluValue = 0;
  #heartbeat: ReturnType<typeof setInterval> | null = null;
  #stopRequested = false;
  /** A first start waiting for its entry's bundle. */
  #preparing: Promise<void> | null = null;
  #hung = false;
  #lastError: Error | null = null;
  #exited: Promise<ExitInfo> | null = null;
  /** Rejects pending admin calls at once when the worker exits (comlink alone would hang forever). */
  #adminAbort: Array<(err: Error) => void> = [];

  constructor(spec: ActorSpec, opts: HostOptions) {
    this.spec = spec;
    this.opts = opts;
  }

  get name(): string {
    return this.spec.name;
  }
  get threadId(): number | null {
    return this.#worker?.threadId ?? null;
  }
  get uptimeMs(): number {
    return this.status === 'running' ? performance.now() - this.#startedAt : 0;
  }
  get stats(): PongBody | null {
    return this.#stats;
  }
  get elu(): number {
    return this.#eluValue;
  }
  /** A worker exists (starting or running): messages can be posted to it. */
  get reachable(): boolean {
    return this.#link !== null && (this.status === 'starting' || this.status === 'running');
  }

  /** Spawns a new incarnation and resolves once it reports ready; rejects on a failed start. */
  start(): Promise<void> {
    // A restart waits for the old incarnation to be gone (a stop in progress), never runs beside it.
    if (this.#worker && this.status === 'stopping' && this.#exited) return this.#exited.then(() => this.start());
    if (this.#worker || this.#preparing) return Promise.reject(new Error(`${this.name} is already running`));
    // From source, the first start of an entry in this process bundles it (runtime/entry.ts); later starts skip this.
    const pending = prepareWorkerEntry(this.spec.entry);
    if (!pending) return this.#spawn();
    this.status = 'starting';
    this.#stopRequested = false;
    this.#preparing = pending.then(() => {
      this.#preparing = null;
      if (this.#stopRequested) {
        this.status = 'stopped';
        throw new ActorUnavailableError(this.name, `${this.name} was stopped before it started`);
      }
      return this.#spawn();
    });
    return this.#preparing;
  }

  #spawn(): Promise<void> {
    this.incarnation++;
    this.status = 'starting';
    this.#stopRequested = false;
    this.#hung = false;
    this.#lastError = null;
    this.#stats = null;
    const entry = resolveWorkerEntry(this.spec.entry);
    const workerData: ActorWorkerData = {
      name: this.name,
      incarnation: this.incarnation,
      config: this.spec.config ?? null,
      clock: this.opts.clock,
      heartbeatMs: this.opts.heartbeatMs,
      logLevel: this.opts.logLevel,
      bufferLimit: this.opts.bufferLimit,
      secrets: secretsHeldBy(this.opts.secrets, this.spec.config),
    };
    const spawn = (e: WorkerEntry) =>
      new Worker(e.filename, {
        workerData: e.entryUrl ? { ...workerData, __entry: e.entryUrl } : workerData,
        resourceLimits: { ...DEFAULT_LIMITS, ...this.spec.resourceLimits },
        ...(e.execArgv ? { execArgv: e.execArgv } : {}),
        // Not piped straight to ours: whatever a library prints in a worker becomes a JSON log line (stdout carries
        // JSON only).
        stdout: true,
        stderr: true,
      });
    let worker: Worker;
    try {
      worker = spawn(entry);
    } catch (err) {
      // An explicit execArgv carrying one of this process's V8/process-wide flags: drop those and spawn again.
      if (!learnRefusedExecArgv(err)) throw err;
      worker = spawn(resolveWorkerEntry(this.spec.entry));
    }
    this.#worker = worker;
    this.#captureOutput(worker, 'stdout');
    this.#captureOutput(worker, 'stderr');
    let readyResolve!: () => void;
    let readyReject!: (err: Error) => void;
    const ready = new Promise<void>((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    this.#link = new Link(worker, {
      onEnvelope: (env) => {
        if (env.type === SYS.ready && this.status === 'starting') {
          this.status = 'running';
          this.#startedAt = performance.now();
          this.#lastPong = performance.now();
          this.#startHeartbeat();
          readyResolve();
        } else if (env.type === SYS.pong) {
          this.#lastPong = performance.now();
          this.#stats = env.body as PongBody;
        } else {
          this.opts.onEnvelope(env, this);
        }
      },
      onControl: (value) => {
        if (isControl(value) && value.sys === 'log') this.opts.onLogLine((value as unknown as { line: string }).line);
      },
      onDecodeError: (err) => {
        this.#lastError = err instanceof Error ? err : new Error(String(err));
        void worker.terminate();
      },
    });
    const { port1, port2 } = new MessageChannel();
    this.#adminPort = port1;
    worker.postMessage({ sys: 'comlink', port: port2 }, [port2]);
    this.#admin = wrapPort<AdminApi>(port1);
    worker.on('error', (err) => {
      this.#lastError = err;
    });
    this.#exited = new Promise<ExitInfo>((resolve) => {
      worker.once('exit', (code) => {
        const info = this.#classify(code);
        const wasRunning = this.status === 'running';
        this.#cleanup(info);
        readyReject(new ActorUnavailableError(this.name, `${this.name} exited before ready (${info.reason}${info.error ? `: ${info.error}` : ''})`));
        resolve(info);
        this.opts.onExited(this, info, wasRunning);
      });
    });
    const startTimeoutMs = this.spec.startTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      if (this.status === 'starting') {
        this.#lastError = new Error(`no ready within ${startTimeoutMs} ms`);
        void worker.terminate();
      }
    }, startTimeoutMs);
    ready.then(() => clearTimeout(timer), () => clearTimeout(timer));
    this.opts.onSpawned(this);
    return ready;
  }

  /** A worker's raw stdout/stderr, line by line, as JSON log lines (warn for stderr). */
  #captureOutput(worker: Worker, stream: 'stdout' | 'stderr'): void {
    const incarnation = this.incarnation;
    let partial = '';
    const emit = (text: string): void => {
      if (text.trim() === '') return;
      const rec = { level: stream === 'stderr' ? 'warn' : 'info', time: new Date().toISOString(), actor: this.name, incarnation, msg: `worker ${stream}`, line: text };
      this.opts.onLogLine(JSON.stringify(rec));
    };
    const source = worker[stream];
    source.setEncoding('utf8');
    source.on('data', (chunk: string) => {
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const l of lines) emit(l);
    });
    source.on('end', () => emit(partial));
  }

  /** Graceful stop: `sys.shutdown`, then terminate() after shutdownMs. Resolves when the worker is gone. */
  async stop(): Promise<ExitInfo | null> {
    if (this.#preparing) {
      // Still bundling its entry (first start in this process): no worker yet, and none will be spawned.
      this.#stopRequested = true;
      await this.#preparing.catch(() => {});
      if (!this.#worker) return null;
    }
    const worker = this.#worker;
    if (!worker || !this.#exited) return null;
    this.#stopRequested = true;
    this.status = 'stopping';
    const shutdownMs = this.spec.shutdownMs ?? 5000;
    if (shutdownMs <= 0) {
      void worker.terminate();
    } else {
      this.post({ id: 0, type: SYS.shutdown, from: 'main', to: this.name, ts: Date.now(), body: null });
      const timer = setTimeout(() => void worker.terminate(), shutdownMs);
      void this.#exited.then(() => clearTimeout(timer));
    }
    return this.#exited;
  }

  /** Resolves with the next exit of the current incarnation. */
  whenExited(): Promise<ExitInfo> | null {
    return this.#exited;
  }

  post(env: Envelope): void {
    if (!this.#link) throw new ActorUnavailableError(this.name, `${this.name} is not running`);
    this.#link.post(env);
  }

  postControl(value: unknown, transferList: readonly unknown[] = []): void {
    this.#worker?.postMessage(value, transferList as never);
  }

  fault(kind: FaultKind): void {
    if (!this.reachable) throw new ActorUnavailableError(this.name, `${this.name} is not running`);
    this.post({ id: 0, type: SYS.fault, from: 'main', to: this.name, ts: Date.now(), body: { kind } });
  }

  inspect(timeoutMs = 1000): Promise<unknown> {
    return this.#adminCall('inspect', timeoutMs, (a) => a.inspect());
  }

  metrics(timeoutMs = 1000): Promise<unknown[]> {
    return this.#adminCall('metrics', timeoutMs, (a) => a.metrics());
  }

  #adminCall<T>(what: string, timeoutMs: number, call: (a: Remote<AdminApi>) => Promise<T>): Promise<T> {
    const admin = this.#admin;
    if (!admin || this.status !== 'running') {
      return Promise.reject(new ActorUnavailableError(this.name, `${this.name} is ${this.status}`));
    }
    return new Promise<T>((resolve, reject) => {
      let abort: (err: Error) => void = () => {};
      const timer = setTimeout(() => abort(new RequestTimeoutError(this.name, what, timeoutMs)), timeoutMs);
      abort = (err) => {
        clearTimeout(timer);
        this.#adminAbort = this.#adminAbort.filter((a) => a !== abort);
        reject(err);
      };
      this.#adminAbort.push(abort);
      call(admin).then(
        (v) => {
          clearTimeout(timer);
          this.#adminAbort = this.#adminAbort.filter((a) => a !== abort);
          resolve(v);
        },
        (err: unknown) => abort(err instanceof Error ? err : new Error(String(err))),
      );
    });
  }

  /**
   * Pings every interval and checks twice per interval: silent for more than two intervals is the hung verdict, and
   * the worker is terminated (within two and a half intervals of its last pong). The exit is classified from all its
   * evidence when it comes: a worker dying of OOM that missed heartbeats while its GC thrashed is still `oom` if its
   * out-of-memory error arrived (classifyExit).
   */
  #startHeartbeat(): void {
    const worker = this.#worker;
    if (!worker) return;
    const interval = this.opts.heartbeatMs;
    this.#elu = worker.performance.eventLoopUtilization();
    let checks = 0;
    this.#heartbeat = setInterval(() => {
      if (performance.now() - this.#lastPong > 2 * interval) {
        // Two heartbeats without a pong: the event loop is blocked. Replace the actor.
        this.#hung = true;
        if (this.#heartbeat) clearInterval(this.#heartbeat);
        void worker.terminate();
        return;
      }
      if (++checks % 2 === 1) return;
      const now = worker.performance.eventLoopUtilization();
      if (this.#elu) this.#eluValue = worker.performance.eventLoopUtilization(now, this.#elu).utilization;
      this.#elu = now;
      this.post({ id: 0, type: SYS.ping, from: 'main', to: this.name, ts: Date.now(), body: null });
    }, interval / 2);
    this.#heartbeat.unref?.();
  }

  #classify(code: number): ExitInfo {
    return classifyExit({
      code,
      stopRequested: this.#stopRequested,
      hung: this.#hung,
      error: this.#lastError,
      starting: this.status === 'starting',
      heartbeatMs: this.opts.heartbeatMs,
    }, Date.now());
  }

  #cleanup(info: ExitInfo): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = null;
    this.#link?.close();
    this.#link = null;
    this.#adminPort?.close();
    this.#adminPort = null;
    this.#admin = null;
    for (const abort of [...this.#adminAbort]) abort(new ActorUnavailableError(this.name, `${this.name} exited (${info.reason})`));
    this.#adminAbort = [];
    this.#worker = null;
    this.lastExit = info;
    this.status = NORMAL_REASONS.has(info.reason) ? 'stopped' : 'failed';
  }
}
