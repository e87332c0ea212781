/**
 * @module An Endpoint is an addressable party (an actor, or `main`): it stamps envelopes, keeps pending requests by
 * correlation id, and rejects them at once when their target dies — comlink-style proxies hang forever on a dead
 * worker (runtime.md §6), ours never do.
 */
import type { Clock } from './clock.ts';
import { makeEnvelope, type Envelope, type ReplyBody } from './envelope.ts';
import { ActorUnavailableError, deserializeError, RequestTimeoutError, serializeError } from './errors.ts';

/** What happened to a posted envelope. */
export type RouteResult = 'sent' | 'buffered' | 'dropped';
export type Router = (env: Envelope) => RouteResult;

export interface SendOptions {
  readonly cycleId?: string;
}
export interface RequestOptions extends SendOptions {
  /** Default 5000 ms. */
  readonly timeoutMs?: number;
}

interface Pending {
  readonly to: string;
  readonly type: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (err: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;
export const REPLY_TYPE = 'sys.reply';

export class Endpoint {
  readonly name: string;
  readonly #clock: Clock;
  readonly #route: Router;
  #nextId = 1;
  #nextCorr = 1;
  readonly #pending = new Map<number, Pending>();
  dropped = 0;

  constructor(name: string, clock: Clock, route: Router) {
    this.name = name;
    this.#clock = clock;
    this.#route = route;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Fire and forget; false when the message was dropped (target restarting with a full buffer, or unknown). */
  send(to: string, type: string, body: unknown = null, opts: SendOptions = {}): boolean {
    const env = makeEnvelope(this.#nextId++, type, this.name, to, this.#clock.now(), body, { cycleId: opts.cycleId });
    const result = this.#route(env);
    if (result === 'dropped') this.dropped++;
    return result !== 'dropped';
  }

  request<T = unknown>(to: string, type: string, body: unknown = null, opts: RequestOptions = {}): Promise<T> {
    const corrId = this.#nextCorr++;
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(corrId);
        reject(new RequestTimeoutError(to, type, timeoutMs));
      }, timeoutMs);
      timer.unref?.();
      this.#pending.set(corrId, { to, type, resolve: resolve as (v: unknown) => void, reject, timer });
      const env = makeEnvelope(this.#nextId++, type, this.name, to, this.#clock.now(), body, {
        cycleId: opts.cycleId,
        corrId,
        rsvp: true,
      });
      if (this.#route(env) === 'dropped') {
        this.#settle(corrId)?.reject(new ActorUnavailableError(to, `${to} is unavailable; ${type} not delivered`));
      }
    });
  }

  /** Answers a request envelope. */
  reply(req: Envelope, result: ReplyBody): void {
    if (req.corrId === undefined) return;
    const env = makeEnvelope(this.#nextId++, REPLY_TYPE, this.name, req.from, this.#clock.now(), result, {
      cycleId: req.cycleId,
      corrId: req.corrId,
    });
    this.#route(env);
  }

  replyOk(req: Envelope, value: unknown): void {
    this.reply(req, { ok: true, value: value === undefined ? null : value });
  }

  replyError(req: Envelope, err: unknown): void {
    this.reply(req, { ok: false, error: serializeError(err) });
  }

  /** Consumes a `sys.reply`; true when it matched a pending request. */
  handleReply(env: Envelope): boolean {
    if (env.type !== REPLY_TYPE || env.corrId === undefined) return false;
    const pending = this.#settle(env.corrId);
    if (!pending) return true; // late reply after a timeout: nothing waits for it
    const body = env.body as ReplyBody;
    if (body.ok) pending.resolve(body.value);
    else pending.reject(deserializeError(body.error));
    return true;
  }

  /** Rejects every pending request to `peer` (it exited). */
  rejectPeer(peer: string, why: string): void {
    for (const [corrId, p] of this.#pending) {
      if (p.to === peer) this.#settle(corrId)?.reject(new ActorUnavailableError(peer, `${peer} ${why}; ${p.type} abandoned`));
    }
  }

  rejectAll(why: string): void {
    for (const [corrId, p] of this.#pending) this.#settle(corrId)?.reject(new ActorUnavailableError(p.to, why));
  }

  #settle(corrId: number): Pending | undefined {
    const p = this.#pending.get(corrId);
    if (!p) return undefined;
    clearTimeout(p.timer);
    this.#pending.delete(corrId);
    return p;
  }
}
