/**
 * @module The worker side of an actor: `defineActor(behavior)` turns a worker module into an actor.
 *
 * The shell owns the mailbox (one message at a time, even across await), request/reply, heartbeats, direct peer
 * links, fault injection and the comlink admin port; the behavior only sees `receive(msg, ctx)`. System traffic
 * (pings, replies, wiring) bypasses the mailbox so a handler awaiting a reply never deadlocks and a busy-but-alive
 * actor still answers heartbeats — only a blocked event loop (a real hang) misses them.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { getHeapStatistics } from 'node:v8';
import { exposeOn } from './comlink-port.ts';
import { Registry } from 'prom-client';
import { clockFromSpec, type Clock, type ClockSpec } from './clock.ts';
import { Endpoint, type RequestOptions, type RouteResult, type SendOptions } from './endpoint.ts';
import type { Envelope } from './envelope.ts';
import { InvariantError } from './errors.ts';
import { bodyError, type BodyIn, type BodyParser, type ReplyOut, type TypedRequester } from './protocols.ts';
import { Link } from './link.ts';
import { createLogger, registerSecret, type Logger } from './log.ts';
import type { FaultKind } from './status.ts';
import { IdleScavenger } from './idle-gc.ts';
import { TimerTable, type Timer, type TimerEntry, type TimerOptions } from './timers.ts';
import { isControl, SYS, type ActorWorkerData, type AdminApi, type ControlToWorker, type PongBody } from './protocol.ts';

/** The message types of protocol `P` whose body may be null: the ones an `every` timer can deliver. */
export type TickType<P> = { [K in keyof P & string]: null extends BodyIn<P, K> ? K : never }[keyof P & string];

export interface ActorContext<C = unknown, P = unknown> extends TypedRequester {
  readonly name: string;
  readonly incarnation: number;
  readonly config: C;
  readonly log: Logger;
  readonly clock: Clock;
  /** The plain-data spec of `clock` (the sim venue anchors its step grid at `simStartMs`). */
  readonly clockSpec: ClockSpec;
  readonly metrics: Registry;
  /**
   * Delivers `type` with `body` to this actor's own mailbox once, `ms` from now (runtime/timers.ts): handled by its
   * handler, one message at a time with all the others. Wall time unless `{ clock: 'market' }` (then `ms` of the
   * actor's clock, simulated at SIM_SPEED× on the sim venue). Cancellable; cleared on stop and on a crash.
   */
  after<K extends keyof P & string>(ms: number, type: K, body: BodyIn<P, K>, opts?: TimerOptions): Timer;
  /** Delivers `type` (body null) every `ms`, at most one waiting in the mailbox at a time. Same clocks as `after`. */
  every<K extends TickType<P>>(ms: number, type: K, opts?: TimerOptions): Timer;
  /**
   * Delivers `type` with `body` to this actor ahead of every message already waiting: the very next one it handles.
   * For follow-up work a handler starts but must not wait for (its sender gets the reply first).
   */
  next<K extends keyof P & string>(type: K, body: BodyIn<P, K>): void;
}

/** Handles one message type: gets the (checked) body, returns the reply (or a promise of it, or a DeferredReply). */
export type Handler<C, B, R, P = unknown> = (body: B, ctx: ActorContext<C, P>, msg: Envelope<B>) => R | PromiseLike<R> | DeferredReply<R>;

/** One handler per message type of protocol `P` (runtime/protocols.ts): a message the map lacks crashes the actor. */
export type Handlers<P, C> = { readonly [K in keyof P & string]: Handler<C, BodyIn<P, K>, ReplyOut<P, K>, P> };

/** Edge checks per message type, for bodies that arrive from other threads: run before the handler. */
export type BodyParsers<P> = { readonly [K in keyof P & string]?: BodyParser<BodyIn<P, K>> };

export interface ActorBehavior<C = unknown, P = Record<string, never>> {
  /** Runs before `ready` (recovery goes here); a throw is a failed start. */
  init?(ctx: ActorContext<C, P>): void | Promise<void>;
  /**
   * The actor's protocol, one handler per message type; the return value answers a request. A body parser in
   * `bodies` runs first: a body it refuses is answered with its "expected X, was Y" (a request) or crashes the actor
   * (a plain message), and the handler never sees it.
   */
  handlers?: Handlers<P, C>;
  bodies?: BodyParsers<P>;
  /**
   * Answer a request of a type `handlers` lacks with an error instead of crashing (an unknown plain message still
   * crashes). For the journal: a caller's bug must not take down the actor nothing can trade without.
   */
  refuseUnknownRequests?: boolean;
  /** Instead of `handlers`, for actors without a protocol map (test fixtures): the raw mailbox handler. */
  receive?(msg: Envelope, ctx: ActorContext<C, P>): unknown;
  /** State summary for the inspector. */
  inspect?(ctx: ActorContext<C, P>): unknown;
  /** Graceful shutdown (flush, close); bounded by the spec's shutdownMs. Timers are cleared before it runs. */
  stop?(ctx: ActorContext<C, P>): void | Promise<void>;
}

/**
 * Returned from `receive` to answer a request later WITHOUT holding the mailbox: the next message is taken at once
 * and the reply goes out when `promise` settles. Only for handlers whose ordering is fixed on receipt (e.g. the
 * journal assigns the sequence number synchronously, then waits for the commit).
 */
export class DeferredReply<T = unknown> {
  readonly promise: Promise<T>;
  constructor(promise: Promise<T>) {
    this.promise = promise;
  }
}

export function deferReply<T>(promise: Promise<T>): DeferredReply<T> {
  return new DeferredReply(promise);
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

/** Turns this worker into an actor. Call once, at module top level of the actor's worker.ts. */
export function defineActor<C = unknown, P = Record<string, never>>(behavior: ActorBehavior<C, P>): void {
  if (!parentPort) throw new InvariantError('defineActor must run inside a worker thread');
  const data = workerData as ActorWorkerData;
  new ActorShell<C>(parentPort, data, { ...behavior, receive: behavior.receive ?? dispatcher(behavior) }).start();
}

type Receive<C> = (msg: Envelope, ctx: ActorContext<C, never>) => unknown;

/** The mailbox handler of a protocol map: the message type picks the handler, its body parser checks the body. */
export function dispatcher<C, P>(behavior: Pick<ActorBehavior<C, P>, 'handlers' | 'bodies' | 'refuseUnknownRequests'>): Receive<C> {
  const handlers = (behavior.handlers ?? {}) as Readonly<Record<string, Handler<C, unknown, unknown>>>;
  const bodies = (behavior.bodies ?? {}) as Readonly<Record<string, BodyParser<unknown> | undefined>>;
  return (msg, ctx) => {
    const handle = Object.hasOwn(handlers, msg.type) ? handlers[msg.type] : undefined;
    if (handle === undefined) {
      if (msg.rsvp && behavior.refuseUnknownRequests === true) throw new TypeError(`${ctx.name}: expected a request it handles, was ${msg.type}`);
      throw new InvariantError(`${ctx.name}: unexpected message ${msg.type}`);
    }
    const parser = Object.hasOwn(bodies, msg.type) ? bodies[msg.type] : undefined;
    let body = msg.body;
    if (parser !== undefined) {
      try {
        body = parser.parse(body);
      } catch (err) {
        throw bodyError(msg.type, err);
      }
    }
    return handle(body, ctx, msg);
  };
}

interface ShellBehavior<C> {
  init?(ctx: ActorContext<C, never>): void | Promise<void>;
  readonly receive: Receive<C>;
  inspect?(ctx: ActorContext<C, never>): unknown;
  stop?(ctx: ActorContext<C, never>): void | Promise<void>;
}

class ActorShell<C> {
  readonly #data: ActorWorkerData;
  readonly #behavior: ShellBehavior<C>;
  readonly #control: Link;
  readonly #peers = new Map<string, Link>();
  /** Sends to a peer that is down wait here (bounded) until it is re-wired. */
  readonly #buffers = new Map<string, Envelope[]>();
  readonly #down = new Set<string>();
  readonly #endpoint: Endpoint;
  readonly #ctx: ActorContext<C, never>;
  readonly #mailbox: Envelope[] = [];
  #head = 0;
  /** `ctx.next` messages: handled before anything waiting in #mailbox, in the order they were asked for. */
  readonly #next: Envelope[] = [];
  readonly #timers: TimerTable;
  /** The timer each timer-delivered envelope came from (checked at dequeue: a cancelled timer delivers nothing). */
  readonly #timerOf = new WeakMap<Envelope, TimerEntry>();
  #busy = false;
  #crashed = false;
  /** Scavenges between cycles (idle-gc.ts): touched by every message that belongs to a cycle. */
  readonly #idleGc = new IdleScavenger();
  /** Messages wait in the mailbox until init() has finished (recovery before service). */
  #initialized = false;

  constructor(port: NonNullable<typeof parentPort>, data: ActorWorkerData, behavior: ShellBehavior<C>) {
    this.#data = data;
    this.#behavior = behavior;
    for (const s of data.secrets) registerSecret(s);
    const clock = clockFromSpec(data.clock);
    this.#endpoint = new Endpoint(data.name, clock, (env) => this.#route(env));
    this.#control = new Link(port, {
      onEnvelope: (env) => this.#onEnvelope(env),
      onControl: (value) => this.#onControl(value),
    });
    const log = createLogger({ write: (line: string) => this.#control.postControl({ sys: 'log', line }) }, {
      level: data.logLevel,
      base: { actor: data.name, incarnation: data.incarnation },
    });
    const metrics = new Registry();
    metrics.setDefaultLabels({ actor: data.name });
    const endpoint = this.#endpoint;
    // Market ms per wall ms: how long a market-clock timer waits in wall time (none on a stepped clock: see timers.ts).
    const marketRate = data.clock.kind === 'scaled' ? data.clock.speed : data.clock.kind === 'stepped' ? 'stepped' : 1;
    this.#timers = new TimerTable(clock, marketRate, (entry) => this.#deliverSelf(entry.type, entry.body, entry));
    const timers = this.#timers;
    this.#ctx = {
      name: data.name,
      incarnation: data.incarnation,
      config: data.config as C,
      log,
      clock,
      clockSpec: data.clock,
      metrics,
      // One implementation behind the typed overloads (runtime/protocols.ts): the names were checked where they were written.
      send: ((to: string, type: string, body?: unknown, opts?: SendOptions) => endpoint.send(to, type, body, opts)) as TypedRequester['send'],
      request: ((to: string, type: string, body?: unknown, opts?: RequestOptions) => endpoint.request(to, type, body, opts)) as TypedRequester['request'],
      after: (ms: number, type: string, body: unknown, opts?: TimerOptions) => timers.after(ms, type, body, opts),
      every: (ms: number, type: string, opts?: TimerOptions) => timers.every(ms, type, opts),
      next: (type: string, body: unknown) => {
        this.#next.push(this.#selfEnvelope(type, body));
        if (!this.#busy && this.#initialized) this.#drain();
      },
    };
  }

  #selfEnvelope(type: string, body: unknown): Envelope {
    return { id: 0, type, from: this.#data.name, to: this.#data.name, ts: this.#ctx.clock.now(), body } as Envelope;
  }

  /** A timer's message joins the mailbox like any other (it is not encoded: it never leaves the thread). */
  #deliverSelf(type: string, body: unknown, entry: TimerEntry): void {
    if (this.#crashed) return;
    const env = this.#selfEnvelope(type, body);
    this.#timerOf.set(env, entry);
    this.#mailbox.push(env);
    if (!this.#busy && this.#initialized) this.#drain();
  }

  start(): void {
    process.on('unhandledRejection', (reason) => {
      // Node already turns this into an uncaught error; log it first with the actor's context.
      this.#ctx.log.error({ err: reason }, 'unhandled rejection');
    });
    Promise.resolve()
      .then(() => this.#behavior.init?.(this.#ctx))
      .then(() => {
        this.#initialized = true;
        this.#control.post(this.#sys(SYS.ready, null));
        if (!this.#busy) this.#drain();
      })
      .catch((err: unknown) => this.#crash(err));
  }

  #sys(type: string, body: unknown): Envelope {
    return { id: 0, type, from: this.#data.name, to: 'main', ts: this.#ctx.clock.now(), body } as Envelope;
  }

  #route(env: Envelope): RouteResult {
    const link = this.#peers.get(env.to);
    if (link) {
      link.post(env);
      return 'sent';
    }
    if (this.#down.has(env.to)) {
      const buf = this.#buffers.get(env.to) ?? [];
      if (buf.length >= this.#data.bufferLimit) {
        this.#ctx.log.warn({ to: env.to, type: env.type, limit: this.#data.bufferLimit }, 'peer buffer full; message dropped');
        return 'dropped';
      }
      buf.push(env);
      this.#buffers.set(env.to, buf);
      return 'buffered';
    }
    // Not a direct peer: main relays it (and buffers it if the target is restarting).
    this.#control.post(env);
    return 'sent';
  }

  #onControl(value: unknown): void {
    if (!isControl(value)) return;
    const msg = value as ControlToWorker;
    switch (msg.sys) {
      case 'wire': {
        const port = msg.port as MessagePort;
        this.#peers.get(msg.peer)?.close();
        const link = new Link(port, { onEnvelope: (env) => this.#onEnvelope(env) });
        this.#peers.set(msg.peer, link);
        this.#down.delete(msg.peer);
        const buffered = this.#buffers.get(msg.peer);
        this.#buffers.delete(msg.peer);
        if (buffered) for (const env of buffered) link.post(env);
        break;
      }
      case 'down': {
        const link = this.#peers.get(msg.peer);
        if (link) {
          link.close();
          this.#peers.delete(msg.peer);
          this.#down.add(msg.peer);
        }
        this.#endpoint.rejectPeer(msg.peer, msg.reason);
        break;
      }
      case 'comlink': {
        const api: AdminApi = {
          inspect: async () => ({ runtime: this.#stats(), state: await this.#behavior.inspect?.(this.#ctx) }),
          metrics: async () => this.#ctx.metrics.getMetricsAsJSON(),
        };
        exposeOn(msg.port, api);
        break;
      }
    }
  }

  #onEnvelope(env: Envelope): void {
    if (this.#endpoint.handleReply(env)) return;
    switch (env.type) {
      case SYS.ping:
        this.#control.post(this.#sys(SYS.pong, this.#stats()));
        return;
      case SYS.fault:
        this.#injectFault((env.body as { kind: FaultKind }).kind);
        return;
      case SYS.shutdown:
        void this.#shutdown();
        return;
    }
    if (env.to !== this.#data.name) {
      if (env.rsvp) this.#endpoint.replyError(env, new InvariantError(`expected a message for ${this.#data.name}, was for ${env.to}`));
      return;
    }
    // Stepped clock: market timers due by now go ahead of this message (timers.ts); other clocks arm them on wall time.
    this.#timers.pollMarket();
    this.#mailbox.push(env);
    if (!this.#busy && this.#initialized) this.#drain();
  }

  #drain(): void {
    this.#busy = true;
    while ((this.#next.length > 0 || this.#head < this.#mailbox.length) && !this.#crashed) {
      const env = this.#next.length > 0 ? (this.#next.shift() as Envelope) : this.#take();
      if (env.cycleId !== undefined) this.#idleGc.touch();
      const timer = this.#timerOf.get(env);
      if (timer !== undefined && !this.#timers.admit(timer)) continue;
      let result: unknown;
      try {
        result = this.#behavior.receive(env, this.#ctx);
      } catch (err) {
        this.#failed(env, err);
        continue;
      }
      if (result instanceof DeferredReply) {
        result.promise.then(
          (value) => env.rsvp && this.#endpoint.replyOk(env, value),
          (err: unknown) => this.#failed(env, err),
        );
        continue;
      }
      if (isThenable(result)) {
        result.then(
          (value) => {
            if (env.rsvp) this.#replied(env, value);
            this.#drain();
          },
          (err: unknown) => {
            this.#failed(env, err);
            this.#drain();
          },
        );
        return;
      }
      if (env.rsvp) this.#replied(env, result);
    }
    this.#busy = false;
  }

  /**
   * Replies; a cycle's request (it carries a cycleId) is answered at once. Sends are otherwise coalesced until the end
   * of the turn, so such a reply would wait for every message handled after it in the same turn (a tick, the next
   * envelope of the same batch), while the whole cycle waits on it.
   */
  #replied(env: Envelope, value: unknown): void {
    this.#endpoint.replyOk(env, value);
    if (env.cycleId === undefined) return;
    this.#control.flush();
    for (const link of this.#peers.values()) link.flush();
  }

  #take(): Envelope {
    const env = this.#mailbox[this.#head] as Envelope;
    // Drop the reference at once: a handled envelope (a 50 KB snapshot) must not live on until compaction.
    this.#mailbox[this.#head++] = undefined as unknown as Envelope;
    if (this.#head === this.#mailbox.length) {
      this.#mailbox.length = 0;
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#mailbox.length) {
      this.#mailbox.splice(0, this.#head);
      this.#head = 0;
    }
    return env;
  }

  /** A failed request gets an error reply; a broken invariant or a failed plain message crashes the actor. */
  #failed(env: Envelope, err: unknown): void {
    if (env.rsvp && !(err instanceof InvariantError)) {
      this.#ctx.log.warn({ err, type: env.type, from: env.from }, 'request failed');
      this.#endpoint.replyError(env, err);
      return;
    }
    if (env.rsvp) this.#endpoint.replyError(env, err);
    this.#crash(err);
  }

  #crash(err: unknown): void {
    this.#crashed = true;
    this.#timers.clear();
    this.#ctx.log.error({ err }, 'actor crashed');
    for (const l of this.#peers.values()) l.flush();
    this.#control.flush();
    // Rethrow outside any promise chain: the worker's 'error' event carries it to the supervisor.
    setImmediate(() => {
      throw err instanceof Error ? err : new Error(String(err));
    });
  }

  #stats(): PongBody {
    return {
      heapUsedBytes: getHeapStatistics().used_heap_size,
      mailbox: this.#mailbox.length - this.#head + this.#next.length,
      msgsIn: this.#control.msgsIn + [...this.#peers.values()].reduce((n, l) => n + l.msgsIn, 0),
      msgsOut: this.#control.msgsOut + [...this.#peers.values()].reduce((n, l) => n + l.msgsOut, 0),
      pending: this.#endpoint.pendingCount,
      dropped: this.#endpoint.dropped,
    };
  }

  #injectFault(kind: FaultKind): void {
    this.#ctx.log.warn({ kind }, 'fault injected');
    this.#control.flush();
    switch (kind) {
      case 'crash':
        setImmediate(() => {
          throw new Error('injected crash');
        });
        break;
      case 'hang':
        setImmediate(() => {
          // A blocked event loop: no heartbeat can be answered.
          for (;;) {
            /* spin */
          }
        });
        break;
      case 'oom': {
        // A leak, as real ones are: the heap grows turn after turn while the actor still answers heartbeats, until V8
        // hits the worker's heap limit (ERR_WORKER_OUT_OF_MEMORY). Only the last GCs before that block the loop.
        const hog: number[][] = [];
        const grow = (): void => {
          for (let i = 0; i < 4; i++) hog.push(new Array<number>(250_000).fill(hog.length));
          setImmediate(grow);
        };
        setImmediate(grow);
        break;
      }
      case 'exit':
        setImmediate(() => process.exit(3));
        break;
    }
  }

  async #shutdown(): Promise<void> {
    // No timer fires into a stopping actor.
    this.#timers.clear();
    try {
      await this.#behavior.stop?.(this.#ctx);
    } catch (err) {
      this.#ctx.log.error({ err }, 'stop failed');
    }
    for (const l of this.#peers.values()) l.flush();
    this.#control.flush();
    setImmediate(() => process.exit(0));
  }
}
