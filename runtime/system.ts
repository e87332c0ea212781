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
import { ActorUnavailableError, serializeError } from './errors.ts';
import { ActorHost } from './actor-host.ts';
import { Supervisor, type Child, type SupervisorEvents } from './supervisor.ts';
import { isSupervisorSpec, type ActorSpec, type ChildSpec, type SupervisorSpec } from './spec.ts';
import type { ActorInfo, ExitInfo, FaultKind, SupervisorInfo } from './status.ts';
import { applyLatencyFlags } from './v8-tuning.ts';
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

class ActorChild implements Child {
  readonly host: ActorHost;
  onUnexpectedExit: ((info: ExitInfo) => void) | null = null;
  constructor(host: ActorHost) {
    this.host = host;
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
  readyListener: ((host: ActorHost) => void) | null = null;
  async start(): Promise<void> {
    await this.host.start();
    this.readyListener?.(this.host);
  }
  async stop(): Promise<void> {
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
      onExited: (h, info) => this.#onExited(h, info),
    });
    this.#hosts.set(spec.name, host);
    for (const peer of spec.peers ?? []) {
      if (!this.#peers.has(spec.name)) this.#peers.set(spec.name, new Set());
      if (!this.#peers.has(peer)) this.#peers.set(peer, new Set());
      this.#peers.get(spec.name)?.add(peer);
      this.#peers.get(peer)?.add(spec.name);
    }
    const child = new ActorChild(host);
    child.readyListener = (h) => this.#emit('sys.actorReady', { name: h.name, incarnation: h.incarnation });
    this.#children.set(spec.name, child);
    return child;
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

  #onExited(host: ActorHost, info: ExitInfo): void {
    for (const other of this.#hosts.values()) {
      if (other !== host && other.reachable) other.postControl({ sys: 'down', peer: host.name, reason: `exited (${info.reason})` });
    }
    this.main.rejectPeer(host.name, `exited (${info.reason})`);
    this.#emit('sys.actorExited', { name: host.name, incarnation: host.incarnation, ...info });
    if (info.reason !== 'shutdown') this.#children.get(host.name)?.onUnexpectedExit?.(info);
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
