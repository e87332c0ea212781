/**
 * @module The actor system in main: builds the supervision tree from specs, owns every ActorHost, wires direct
 * channels between declared peers (and re-wires them after each restart), relays everything else, and is the
 * `main` endpoint (cycle orchestrator, gateway) of request/reply.
 *
 *   actor A ──direct MessageChannel (declared peers)──▶ actor B
 *   actor A ──control port──▶ main ──relay──▶ actor C          (not a peer; buffered while C restarts)
 *   main (Endpoint 'main') ──request──▶ actor ──reply──▶ main
 *
 * Policy for messages to an actor that is restarting: they wait in a bounded buffer (per target, `bufferLimit`)
 * and are delivered to the next incarnation once its worker exists (its mailbox holds them until init() is done).
 * Beyond the bound a send is dropped and counted, and a request is rejected at once with ActorUnavailableError.
 * Requests already in flight when the target exits are rejected at once, everywhere.
 */
import { MessageChannel } from 'node:worker_threads';
import type { Clock, ClockSpec } from './clock.ts';
import { Endpoint, REPLY_TYPE, type RouteResult } from './endpoint.ts';
import { makeEnvelope, type Envelope } from './envelope.ts';
import { ActorUnavailableError, DependencyDownError, serializeError } from './errors.ts';
import { ActorHost } from './actor-host.ts';
import { Supervisor, type Child, type SupervisorEvents } from './supervisor.ts';
import { isSupervisorSpec, type ActorSpec, type ChildSpec, type SupervisorSpec } from './spec.ts';
import type { ActorInfo, ExitInfo, FaultKind, SupervisorInfo } from './status.ts';
import { applyLatencyFlags } from './v8-tuning.ts';
import { SYS } from './protocol.ts';
import type { ActorName, BodyOf, MessageType, ReplyOf, Unregistered, Wire } from './protocols.ts';

export interface SystemOptions {
  readonly clock: Clock;
  readonly clockSpec: ClockSpec;
  readonly heartbeatMs: number;
  readonly logLevel?: string;
  readonly bufferLimit?: number;
  readonly secrets?: readonly string[];
  readonly onLogLine?: (line: string) => void;
  /** The root supervisor gave up: flush what can be flushed and exit non-zero. */
  readonly onRootExit?: (info: ExitInfo) => void;
  readonly events?: SupervisorEvents;
  readonly random?: () => number;
}

export type MainHandler = (env: Envelope) => unknown;
export type EventListener = (type: string, body: unknown, env: Envelope) => void;

/** Waits for an actor's dependencies before its start (see ActorSystem#awaitDependencies); null: all are up. */
type DependencyWait = (child: ActorChild, abort: AbortSignal) => Promise<void> | null;

class ActorChild implements Child {
  readonly host: ActorHost;
  onUnexpectedExit: ((info: ExitInfo) => void) | null = null;
  readyListener: ((host: ActorHost) => void) | null = null;
  /** A dependency that exited while this actor was starting (set by the system, cleared at each start). */
  lostDependency: string | null = null;
  readonly #awaitDependencies: DependencyWait;
  #abort: AbortController | null = null;
  constructor(host: ActorHost, awaitDependencies: DependencyWait) {
    this.host = host;
    this.#awaitDependencies = awaitDependencies;
  }
  get name(): string {
    return this.host.name;
  }
  get restart() {
    return this.host.spec.restart ?? 'permanent';
  }
  get backoff() {
    return this.host.spec.backoff;
  }
  contains(actor: string): boolean {
    return actor === this.host.name;
  }
  async start(): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    try {
      // Only a real wait yields: with its dependencies up, the worker is spawned in the same turn as the restart.
      const waiting = this.#awaitDependencies(this, abort.signal);
      if (waiting !== null) await waiting;
      this.lostDependency = null;
      await this.host.start();
    } catch (err) {
      // Its init() failed because a dependency went away under it: not this actor's failure.
      if (this.lostDependency !== null && !(err instanceof DependencyDownError)) throw new DependencyDownError(this.name, this.lostDependency, 'lost', { cause: err });
      throw err;
    } finally {
      if (this.#abort === abort) this.#abort = null;
    }
    this.readyListener?.(this.host);
  }
  async stop(): Promise<void> {
    this.#abort?.abort(new ActorUnavailableError(this.name, `${this.name} was stopped before it started`));
    await this.host.stop();
  }
}

export class ActorSystem {
  readonly main: Endpoint;
  readonly root: Supervisor;
  readonly #opts: SystemOptions;
  readonly #hosts = new Map<string, ActorHost>();
  readonly #children = new Map<string, ActorChild>();
  readonly #supervisors: Supervisor[] = [];
  readonly #peers = new Map<string, Set<string>>();
  readonly #relayBuffers = new Map<string, Envelope[]>();
  readonly #handlers = new Map<string, MainHandler>();
  readonly #listeners = new Set<EventListener>();
  #stopping = false;
  relayDropped = 0;

  constructor(rootSpec: SupervisorSpec, opts: SystemOptions) {
    applyLatencyFlags();
    this.#opts = opts;
    this.main = new Endpoint('main', opts.clock, (env) => this.route(env));
    this.root = this.#build(rootSpec, '') as Supervisor;
    this.#checkDependencies();
    this.root.onUnexpectedExit = (info) => {
      this.#emit('sys.rootExited', info);
      opts.onRootExit?.(info);
    };
  }

  #build(spec: ChildSpec, parentPath: string): Child {
    const path = parentPath ? `${parentPath}/${spec.name}` : spec.name;
    if (isSupervisorSpec(spec)) {
      const children = spec.children.map((c) => this.#build(c, path));
      const sup = new Supervisor(spec, path, children, {
        monotonic: () => performance.now(),
        random: this.#opts.random ?? Math.random,
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        events: {
          onRestart: (s, child, info) => {
            const host = this.#hosts.get(child.name);
            if (host) host.restarts++;
            this.#emit('sys.actorRestarted', { name: child.name, supervisor: s.name, reason: info.reason, error: info.error });
            this.#opts.events?.onRestart?.(s, child, info);
          },
          onGiveUp: (s, info) => {
            this.#emit('sys.supervisorGaveUp', { name: s.name, reason: info.error });
            this.#opts.events?.onGiveUp?.(s, info);
          },
        },
      });
      this.#supervisors.push(sup);
      return sup;
    }
    return this.#buildActor(spec, path);
  }

  #buildActor(spec: ActorSpec, path: string): Child {
    if (this.#hosts.has(spec.name)) throw new Error(`duplicate actor name ${spec.name}`);
    if (spec.name === 'main') throw new Error(`'main' is reserved`);
    const host = new ActorHost(spec, {
      path,
      clock: this.#opts.clockSpec,
      heartbeatMs: this.#opts.heartbeatMs,
      logLevel: this.#opts.logLevel ?? 'info',
      bufferLimit: this.#opts.bufferLimit ?? 1024,
      secrets: this.#opts.secrets ?? [],
      onEnvelope: (env) => this.route(env),
      onLogLine: (line) => this.#opts.onLogLine?.(line),
      onSpawned: (h) => this.#onSpawned(h),
      onExited: (h, info, wasRunning) => this.#onExited(h, info, wasRunning),
    });
    this.#hosts.set(spec.name, host);
    for (const peer of spec.peers ?? []) {
      if (!this.#peers.has(spec.name)) this.#peers.set(spec.name, new Set());
      if (!this.#peers.has(peer)) this.#peers.set(peer, new Set());
      this.#peers.get(spec.name)?.add(peer);
      this.#peers.get(peer)?.add(spec.name);
    }
    const child = new ActorChild(host, (c, abort) => this.#awaitDependencies(c, abort));
    child.readyListener = (h) => this.#emit('sys.actorReady', { name: h.name, incarnation: h.incarnation });
    this.#children.set(spec.name, child);
    return child;
  }

  /** Every `dependsOn` names an actor that starts earlier (start order is the tree's depth-first order). */
  #checkDependencies(): void {
    const order = [...this.#hosts.keys()];
    for (const [name, host] of this.#hosts) {
      for (const dep of host.spec.dependsOn ?? []) {
        const at = order.indexOf(dep);
        if (at < 0) throw new Error(`${name}: expected dependsOn to name an actor, was ${JSON.stringify(dep)}`);
        if (at >= order.indexOf(name)) throw new Error(`${name}: expected its dependency ${dep} to start before it, was after`);
      }
    }
  }

  /**
   * Resolves once every dependency of `child` is running. Waits up to the child's start timeout, except when a
   * dependency's restart is queued behind this very start (some supervisor above it is busy starting the branch that
   * holds `child`): then it fails at once with DependencyDownError `blocked`, so that supervisor handles the
   * dependency first instead of deadlocking on it.
   */
  #awaitDependencies(child: ActorChild, abort: AbortSignal): Promise<void> | null {
    const deps = (child.host.spec.dependsOn ?? []).map((d) => this.#hosts.get(d) as ActorHost);
    if (deps.every((d) => d.status === 'running')) return null;
    const timeoutMs = child.host.spec.startTimeoutMs ?? 10_000;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const done = (err: Error | null): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        off();
        abort.removeEventListener('abort', onAbort);
        if (err) reject(err);
        else resolve();
      };
      const check = (): void => {
        const down = deps.find((d) => d.status !== 'running');
        if (!down) return done(null);
        if (this.#blockedBehind(down.name, child.name)) done(new DependencyDownError(child.name, down.name, 'blocked'));
      };
      const timer = setTimeout(() => {
        const down = deps.find((d) => d.status !== 'running');
        done(down ? new DependencyDownError(child.name, down.name, 'timeout', { timeoutMs }) : null);
      }, timeoutMs);
      const off = this.onEvent((type) => {
        if (type.startsWith('sys.')) check();
      });
      const onAbort = (): void => done(abort.reason instanceof Error ? abort.reason : new Error(String(abort.reason)));
      abort.addEventListener('abort', onAbort);
      check();
    });
  }

  /**
   * True when `dep` is down and the supervisor that must restart it is busy starting the branch holding `waiter`:
   * walking up from `dep`, the first supervisor whose branch holding `dep` is not running is the one that restarts it.
   */
  #blockedBehind(dep: string, waiter: string): boolean {
    const chain = this.#supervisors.filter((s) => s.contains(dep)).sort((a, b) => b.path.length - a.path.length);
    for (const sup of chain) {
      const branch = sup.branchOf(dep);
      if (branch === null || branch.running) return false;
      const busy = sup.starting;
      if (busy !== null && (busy.name === waiter || busy.contains(waiter))) return true;
    }
    return false;
  }

  async start(): Promise<void> {
    this.#stopping = false;
    await this.root.start();
  }

  async stop(): Promise<void> {
    this.#stopping = true;
    await this.root.stop();
    this.main.rejectAll('system stopped');
  }

  host(name: string): ActorHost | undefined {
    return this.#hosts.get(name);
  }

  /** Handles messages addressed to `main` of one type; the return value answers requests. */
  handle(type: string, handler: MainHandler): void {
    this.#handlers.set(type, handler);
  }

  /** Every message to main and every system event (restarts, escalations) reaches these listeners. */
  onEvent(listener: EventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Request/reply from main: the name, body and reply are typed by the target's protocol (runtime/protocols.ts). */
  request<A extends ActorName, K extends MessageType<A>>(actor: A, type: K, body: Wire<BodyOf<A, K>>, timeoutMs?: number, cycleId?: string): Promise<ReplyOf<A, K>>;
  request<T = unknown, N extends string = string>(actor: Unregistered<N>, type: string, body?: unknown, timeoutMs?: number, cycleId?: string): Promise<T>;
  request(actor: string, type: string, body?: unknown, timeoutMs?: number, cycleId?: string): Promise<unknown> {
    return this.main.request(actor, type, body, {
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      ...(cycleId !== undefined ? { cycleId } : {}),
    });
  }

  send<A extends ActorName, K extends MessageType<A>>(actor: A, type: K, body: Wire<BodyOf<A, K>>): boolean;
  send<N extends string>(actor: Unregistered<N>, type: string, body?: unknown): boolean;
  send(actor: string, type: string, body?: unknown): boolean {
    return this.main.send(actor, type, body);
  }

  fault(name: string, kind: FaultKind): void {
    const host = this.#hosts.get(name);
    if (!host) throw new ActorUnavailableError(name, `no actor named ${name}`);
    host.fault(kind);
  }

  inspect(name: string, timeoutMs?: number): Promise<unknown> {
    const host = this.#hosts.get(name);
    if (!host) return Promise.reject(new ActorUnavailableError(name, `no actor named ${name}`));
    return host.inspect(timeoutMs);
  }

  /** prom-client JSON from every running actor (dead or slow ones are skipped). */
  async actorMetrics(timeoutMs = 500): Promise<unknown[][]> {
    const results = await Promise.allSettled([...this.#hosts.values()].filter((h) => h.status === 'running').map((h) => h.metrics(timeoutMs)));
    return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  actors(): ActorInfo[] {
    return [...this.#hosts.values()].map((h) => ({
      name: h.name,
      path: h.opts.path,
      status: h.status,
      threadId: h.threadId,
      incarnation: h.incarnation,
      restarts: h.restarts,
      restartsInWindow: this.#parentOf(h.name)?.restartsInWindow ?? 0,
      lastExit: h.lastExit,
      uptimeMs: Math.round(h.uptimeMs),
      mailbox: h.stats?.mailbox ?? 0,
      msgsIn: h.stats?.msgsIn ?? 0,
      msgsOut: h.stats?.msgsOut ?? 0,
      elu: h.elu,
      heapUsedBytes: h.stats?.heapUsedBytes ?? 0,
    }));
  }

  supervisors(): SupervisorInfo[] {
    return this.#supervisors.map((s) => ({
      name: s.name,
      path: s.path,
      strategy: s.spec.strategy,
      intensity: s.spec.intensity,
      periodMs: s.spec.periodMs,
      restartsInWindow: s.restartsInWindow,
      status: s.status,
      children: s.children.map((c) => c.name),
    }));
  }

  /** Every supervisor in the tree, root first. */
  allSupervisors(): readonly Supervisor[] {
    return [...this.#supervisors].reverse();
  }

  #parentOf(name: string): Supervisor | undefined {
    return this.#supervisors.find((s) => s.children.some((c) => c.name === name));
  }

  /** Delivers an envelope from main or a worker to its target (see the module comment for the policy). */
  route(env: Envelope): RouteResult {
    if (env.to === 'main') {
      this.#deliverToMain(env);
      return 'sent';
    }
    const host = this.#hosts.get(env.to);
    if (host?.reachable) {
      host.post(env);
      return 'sent';
    }
    if (host && !this.#stopping) {
      const buf = this.#relayBuffers.get(env.to) ?? [];
      if (buf.length < (this.#opts.bufferLimit ?? 1024)) {
        buf.push(env);
        this.#relayBuffers.set(env.to, buf);
        return 'buffered';
      }
    }
    this.relayDropped++;
    if (env.rsvp && env.from !== 'main' && env.corrId !== undefined) {
      const why = host ? `${env.to} is restarting and its buffer is full` : `no actor named ${env.to}`;
      this.route(makeEnvelope(0, REPLY_TYPE, env.to, env.from, this.#opts.clock.now(), { ok: false, error: serializeError(new ActorUnavailableError(env.to, why)) }, { corrId: env.corrId }));
    }
    return 'dropped';
  }

  #deliverToMain(env: Envelope): void {
    if (this.main.handleReply(env)) return;
    this.#emitEnvelope(env);
    const handler = this.#handlers.get(env.type);
    if (!handler) {
      if (env.rsvp) this.main.replyError(env, new ActorUnavailableError('main', `main has no handler for ${env.type}`));
      return;
    }
    try {
      const result = handler(env);
      if (result instanceof Promise) {
        result.then(
          (v) => env.rsvp && this.main.replyOk(env, v),
          (err: unknown) => env.rsvp && this.main.replyError(env, err),
        );
      } else if (env.rsvp) this.main.replyOk(env, result);
    } catch (err) {
      if (env.rsvp) this.main.replyError(env, err);
    }
  }

  #onSpawned(host: ActorHost): void {
    for (const peerName of this.#peers.get(host.name) ?? []) {
      const peer = this.#hosts.get(peerName);
      if (!peer?.reachable) continue;
      const { port1, port2 } = new MessageChannel();
      host.postControl({ sys: 'wire', peer: peerName, port: port1 }, [port1]);
      peer.postControl({ sys: 'wire', peer: host.name, port: port2 }, [port2]);
    }
    const buffered = this.#relayBuffers.get(host.name);
    this.#relayBuffers.delete(host.name);
    if (buffered) for (const env of buffered) host.post(env);
  }

  #onExited(host: ActorHost, info: ExitInfo, wasRunning: boolean): void {
    // Whoever was starting while this dependency was up learns that it went away (their init may fail for it).
    for (const c of this.#children.values()) {
      if (c.host.status === 'starting' && (c.host.spec.dependsOn ?? []).includes(host.name)) c.lostDependency = host.name;
    }
    for (const other of this.#hosts.values()) {
      if (other !== host && other.reachable) other.postControl({ sys: 'down', peer: host.name, reason: `exited (${info.reason})` });
    }
    this.main.rejectPeer(host.name, `exited (${info.reason})`);
    // The supervisor marks the child down before anyone hears of the exit (dependency waits look at that mark).
    if (wasRunning) this.#children.get(host.name)?.onUnexpectedExit?.(info);
    this.#emit('sys.actorExited', { name: host.name, incarnation: host.incarnation, ...info });
  }

  #emit(type: string, body: unknown): void {
    const env = makeEnvelope(0, type, 'main', 'main', this.#opts.clock.now(), body);
    this.#emitEnvelope(env);
  }

  #emitEnvelope(env: Envelope): void {
    for (const l of this.#listeners) {
      try {
        l(env.type, env.body, env);
      } catch {
        // A faulty listener must not break delivery.
      }
    }
  }
}
