/**
 * @module Typed actor protocols: what each actor accepts, by message type, and the typed `request`/`send` over them.
 *
 * Each actor's messages.ts declares its protocol — its inbox: every message type it handles, the body it takes
 * (`in`) and what it answers (`out`; `void` for an event or a command nobody waits on) — and registers it under the
 * actor's name by augmenting `ActorProtocols`:
 *
 *   export interface RiskProtocol {
 *     'risk.assess': { in: AssessRequest; out: RiskReport };
 *     'killswitch.changed': { in: KillSwitchStatus; out: void };      // an event it consumes
 *   }
 *   declare module '../../runtime/protocols.ts' { interface ActorProtocols { risk: RiskProtocol } }
 *
 * The kernel imports no actor: the registry is filled in by the actors' own declarations (types only, nothing runs).
 * Then `ctx.request('risk', 'risk.assess', body)` checks the message name and the body, and its promise has the reply
 * type; the receiving worker declares one handler per message type (`defineActor({ handlers })`), each typed by the
 * same map, so a name or a shape that disagrees is a compile error on both sides.
 *
 * Naming: commands are imperative (`risk.assess`, `executor.flatten`), events past tense (`killswitch.changed`,
 * `executor.nakedLegDetected`); a command is named after the actor that handles it, an event after the one that emits it.
 */
import type { Prepacked } from './envelope.ts';
import type { RequestOptions, SendOptions } from './endpoint.ts';

/** One message: its body and, for a request, its reply. */
export interface MessageSpec {
  readonly in: unknown;
  readonly out: unknown;
}

/** An actor's inbox: message type → MessageSpec. */
export type Protocol = { readonly [type: string]: MessageSpec };

/**
 * Every actor's protocol by actor name (and `main`'s), filled in by declaration merging from each actor's
 * messages.ts and from runtime/main. Empty in the kernel.
 */
export interface ActorProtocols {}

/** A name with a registered protocol. */
export type ActorName = keyof ActorProtocols & string;
/** The message types actor `A` accepts. */
export type MessageType<A extends ActorName> = keyof ActorProtocols[A] & string;
/** The body of message `K` of protocol `P`. */
export type BodyIn<P, K extends keyof P> = P[K] extends MessageSpec ? P[K]['in'] : never;
/** The reply to message `K` of protocol `P`. */
export type ReplyOut<P, K extends keyof P> = P[K] extends MessageSpec ? P[K]['out'] : never;
/** The body actor `A` receives for message `K`. */
export type BodyOf<A extends ActorName, K extends MessageType<A>> = BodyIn<ActorProtocols[A], K>;
/** What actor `A` answers to message `K`. */
export type ReplyOf<A extends ActorName, K extends MessageType<A>> = ReplyOut<ActorProtocols[A], K>;

/**
 * What a sender may pass for a body the receiver sees as `T`: `T` itself, or `T` with values packed once for several
 * receivers (Prepacked, runtime/envelope.ts) — the whole body, a field, or a field's field. The receiver always gets
 * the plain value.
 */
export type Wire<T> =
  | T
  | Prepacked<T>
  | (T extends object
    ? { readonly [K in keyof T]: T[K] | Prepacked<T[K]> | (T[K] extends object ? { readonly [J in keyof T[K]]: T[K][J] | Prepacked<T[K][J]> } : never) }
    : never);

/**
 * A target name that has no registered protocol (tests' fixture actors, names only known at run time). A name that
 * has one must go through the typed overload: this resolves to `never` for it.
 */
export type Unregistered<N extends string> = N extends ActorName ? never : N;

/** The typed `send` and `request` of an actor's context (and main's, with its own option shape). */
export interface TypedRequester {
  /** Fire and forget; false if dropped (target restarting and its buffer full). */
  send<A extends ActorName, K extends MessageType<A>>(to: A, type: K, body: Wire<BodyOf<A, K>>, opts?: SendOptions): boolean;
  send<N extends string>(to: Unregistered<N>, type: string, body?: unknown, opts?: SendOptions): boolean;
  /** Request/reply: resolves with the target's answer, typed by its protocol. */
  request<A extends ActorName, K extends MessageType<A>>(to: A, type: K, body: Wire<BodyOf<A, K>>, opts?: RequestOptions): Promise<ReplyOf<A, K>>;
  request<T = unknown, N extends string = string>(to: Unregistered<N>, type: string, body?: unknown, opts?: RequestOptions): Promise<T>;
}

/** A parser for a body arriving from another thread: a zod schema, or a hand check with the same `parse` shape. */
export interface BodyParser<T> {
  parse(raw: unknown): T;
}

/** Turns a body parser's failure into one "type: expected X, was Y" line (zod issues or a hand check's message). */
export function bodyError(type: string, err: unknown): TypeError {
  const issues = (err as { issues?: unknown } | null)?.issues;
  if (Array.isArray(issues)) {
    const lines = issues.map((i: { path?: readonly PropertyKey[]; message?: string }) => `${(i.path ?? []).map(String).join('.') || '(body)'}: ${i.message ?? 'invalid'}`);
    return new TypeError(`${type}: expected a valid body, was invalid (${lines.join('; ')})`, { cause: err });
  }
  const message = err instanceof Error ? err.message : String(err);
  return new TypeError(message.startsWith(`${type}:`) ? message : `${type}: ${message}`, { cause: err });
}
